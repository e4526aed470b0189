// The main of every unit test binary: doctest's own, with guards for the way ctest runs it
// (doctest_discover_tests lists the test cases, then runs each in a process of its own, selected
// by name with --test-case):
// - Listing (--list-test-cases and the other queries) ignores skip decorators, so the tests ctest
//   knows never depend on the machine the build ran on; a test case name holding ';' (which
//   discovery splits into names matching nothing) fails the listing, and with it the build.
// - A run whose filters select no test case at all fails, instead of passing having tested
//   nothing.
// - A run whose every selected test case was skipped (HOPS_ALLOW_SKIP=1, see testing/peer.hpp)
//   prints "[hops] skipped: ...", which ctest's SKIP_REGULAR_EXPRESSION reports as skipped.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

// What the listener saw of the last run.
struct Tally {
  unsigned selected = 0;  // test cases passing the filters (count query)
  unsigned started = 0;   // test cases that ran
  std::vector<std::string> bad_names;
};
Tally tally;

class Guard : public doctest::IReporter {
 public:
  explicit Guard(const doctest::ContextOptions& /*options*/) {}
  void report_query(const doctest::QueryData& q) override {
    if (q.run_stats) tally.selected = q.run_stats->numTestCasesPassingFilters;
    for (unsigned i = 0; i < q.num_data; ++i) {
      const std::string name = q.data[i]->m_name;
      if (name.find(';') != std::string::npos) tally.bad_names.push_back(name);
    }
  }
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& /*stats*/) override {}
  void test_case_start(const doctest::TestCaseData& /*data*/) override { ++tally.started; }
  void test_case_reenter(const doctest::TestCaseData& /*data*/) override {}
  void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override {}
  void test_case_exception(const doctest::TestCaseException& /*e*/) override {}
  void subcase_start(const doctest::SubcaseSignature& /*signature*/) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& /*data*/) override {}
  void log_message(const doctest::MessageData& /*data*/) override {}
  void test_case_skipped(const doctest::TestCaseData& /*data*/) override {}
};

REGISTER_LISTENER("hops-guard", 1, Guard);

// True when the command line asks doctest a question (lists, counts, help) rather than to run.
bool IsQuery(int argc, char** argv) {
  static const char* const kQueries[] = {"list-test-cases", "ltc", "list-test-suites", "lts", "list-reporters",
                                         "lr", "count", "c", "help", "h", "?", "version", "v"};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    const size_t dashes = arg.find_first_not_of('-');
    if (dashes == 0 || dashes == std::string::npos) continue;
    arg = arg.substr(dashes, arg.find('=') - dashes);
    if (arg.rfind("dt-", 0) == 0) arg.erase(0, 3);
    for (const char* q : kQueries)
      if (arg == q) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (IsQuery(argc, argv)) {
    doctest::Context context(argc, argv);
    context.setOption("no-skip", true);
    const int rc = context.run();
    for (const std::string& name : tally.bad_names)
      std::cerr << "[hops] test case name holds ';', which ctest's discovery splits: " << name << "\n";
    return tally.bad_names.empty() ? rc : 1;
  }
  {
    // How many test cases the filters select, skip decorators aside (doctest reads query options
    // only as flags on the command line); the answer printed goes nowhere.
    std::vector<const char*> args(argv, argv + argc);
    args.push_back("--count");
    args.push_back("--no-skip");
    std::ostringstream discard;
    doctest::Context count(static_cast<int>(args.size()), args.data());
    count.setCout(&discard);
    count.run();
  }
  const unsigned selected = tally.selected;
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (selected == 0) {
    std::cerr << "[hops] no test case matches the filters given\n";
    return 1;
  }
  if (tally.started == 0)
    std::cout << "[hops] skipped: " << selected << " test case" << (selected == 1 ? "" : "s")
              << " (HOPS_ALLOW_SKIP=1 and a peer or capability is missing)\n";
  return rc;
}
