#include "tests/unit/testing/aws_mock.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/http.hpp"

namespace hops::testing {

std::string AwsMockScript() { return HOPS_SOURCE_DIR "/tests/peers/ec2_mock.py"; }

std::unique_ptr<AwsMock> AwsMock::Start(const std::vector<std::string>& args, std::string* err) {
  std::unique_ptr<AwsMock> mock(new AwsMock);
  mock->dir_ = MakeTempDir("hops-awsmock");
  const std::string port_file = mock->dir_ + "/port";
  std::vector<std::string> argv = {"python3", AwsMockScript(), "--port-file", port_file};
  argv.insert(argv.end(), args.begin(), args.end());
  mock->peer_ = Peer::Start(argv, 0, mock->dir_ + "/log", err);
  if (!mock->peer_) return nullptr;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < until) {
    std::ifstream in(port_file);
    if (in >> mock->port_ && mock->port_ > 0) return mock;
    if (ProcessGone(mock->peer_->pid(), 0)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *err = "ec2_mock.py did not start: " + mock->Log();
  return nullptr;
}

std::unique_ptr<AwsMock> AwsMock::StartForTest(const std::vector<std::string>& args) {
  std::string err;
  std::unique_ptr<AwsMock> mock = Start(args, &err);
  INFO(err);
  REQUIRE(mock);
  return mock;
}

nlohmann::json AwsMock::Stats() const {
  http::Request r;
  r.url = url() + "_mock/stats";
  const http::Response response = http::Perform(r);
  return nlohmann::json::parse(response.body, nullptr, false);
}

void AwsMock::Configure(const nlohmann::json& config) const {
  http::Request r;
  r.method = "POST";
  r.url = url() + "_mock/config";
  r.body = config.dump();
  http::Perform(r);
}

std::string AwsMock::Log() const {
  std::ifstream in(dir_ + "/log");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace hops::testing
