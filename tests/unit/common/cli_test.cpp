#include "common/cli.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <vector>

using namespace hops;

namespace {

// Runs RunTool with a tiny app and returns its exit code.
int Run(std::vector<std::string> args, ExitStyle style, const std::function<int()>& body) {
  CLI::App app{"test tool", "tool"};
  SetupApp(app, "tool");
  int n = 0;
  app.add_option("-n", n, "a number")->check(CLI::Range(1, 5));
  app.add_subcommand("do", "do it");
  std::vector<char*> argv;
  args.insert(args.begin(), "tool");
  for (auto& a : args) argv.push_back(a.data());
  return RunTool(app, static_cast<int>(argv.size()), argv.data(), style, body);
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("parse errors map to the tool's usage code, never CLI11's 100+") {
    auto body = [] { return 0; };
    CHECK(Run({"--bogus"}, ExitStyle::kQuestion, body) == 2);
    CHECK(Run({"--bogus"}, ExitStyle::kCommand, body) == 2);
    CHECK(Run({"--bogus"}, ExitStyle::kNagios, body) == 3);
    CHECK(Run({"-n", "9"}, ExitStyle::kQuestion, body) == 2);
    CHECK(Run({"-n", "x"}, ExitStyle::kNagios, body) == 3);
  }

  TEST_CASE("help and version exit 0") {
    auto body = [] { return 7; };
    CHECK(Run({"--help"}, ExitStyle::kNagios, body) == 0);
    CHECK(Run({"-V"}, ExitStyle::kNagios, body) == 0);
  }

  TEST_CASE("the body's result and errors become exit codes") {
    CHECK(Run({"do"}, ExitStyle::kQuestion, [] { return 1; }) == 1);
    CHECK(Run({}, ExitStyle::kCommand, []() -> int { throw RuntimeError("boom"); }) == 1);
    CHECK(Run({}, ExitStyle::kCommand, []() -> int { throw UsageError("bad"); }) == 2);
    CHECK(Run({}, ExitStyle::kQuestion, []() -> int { throw RuntimeError("boom"); }) == 2);
    CHECK(Run({}, ExitStyle::kNagios, []() -> int { throw DefinitionError({"f", 1, 1}, "x"); }) == 3);
    CHECK(Run({}, ExitStyle::kQuestion, []() -> int { throw std::runtime_error("odd"); }) == 2);
    CHECK(Run({}, ExitStyle::kCommand, []() -> int { throw std::runtime_error("odd"); }) == 1);
  }
}
