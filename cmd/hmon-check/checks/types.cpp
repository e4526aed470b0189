// The table of built-in monitor types.
#include "cmd/hmon-check/checks/check.hpp"

namespace hops::mon {

const std::map<std::string, std::unique_ptr<CheckType>>& CheckTypes() {
  static const auto* types = [] {
    auto* m = new std::map<std::string, std::unique_ptr<CheckType>>();
    std::vector<std::unique_ptr<CheckType>> all;
    all.push_back(MakeHttpCheck(false));
    all.push_back(MakeHttpCheck(true));
    all.push_back(MakeTlsCertCheck());
    for (const char* p : {"smtp", "imap", "pop3", "ftp"}) all.push_back(MakeMailCheck(p));
    all.push_back(MakeTcpCheck());
    all.push_back(MakeDnsCheck());
    all.push_back(MakePingCheck());
    all.push_back(MakeSqlCheck());
    all.push_back(MakeProcessCheck());
    all.push_back(MakeDiskCheck());
    all.push_back(MakeLoadCheck());
    all.push_back(MakeCpuCheck());
    all.push_back(MakeMemoryCheck());
    all.push_back(MakeSwapCheck());
    all.push_back(MakeLogfileCheck());
    all.push_back(MakeCommandCheck());
    for (auto& t : all) {
      std::string name = t->Name();
      (*m)[name] = std::move(t);
    }
    return m;
  }();
  return *types;
}

}  // namespace hops::mon
