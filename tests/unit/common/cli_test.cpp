#include "common/cli.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
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

namespace {

// The message RunTool would print for @p args against a small tool with commands, like hmon-check.
std::string ParseMessage(std::vector<std::string> args) {
  CLI::App app{"test tool", "tool"};
  SetupApp(app, "tool");
  app.require_subcommand(0, 1);
  app.fallthrough();
  std::string file, format = "text", id, value;
  int count = 1;
  double ratio = 0;
  bool changes_only = false, a = false, b = false;
  std::vector<std::string> command;
  app.add_option("-f,--file", file, "a file");
  auto* run = app.add_subcommand("run", "run");
  run->add_option("-n,--count", count, "how many")->check(CLI::Range(1, 5));
  run->add_option("--format", format, "format")->check(CLI::IsMember({"text", "json"}));
  run->add_option("--ratio", ratio, "a ratio");
  run->add_flag("--changes-only", changes_only, "changes only");
  auto* history = app.add_subcommand("history", "history");
  history->add_option("ID", id, "monitor id")->required();
  auto* gate = app.add_subcommand("gate", "gate");
  gate->add_option("COMMAND", command, "command")->required();
  auto* excl = app.add_subcommand("pick", "pick");
  auto* fa = excl->add_flag("--a", a, "a");
  auto* fb = excl->add_flag("--b", b, "b");
  fa->excludes(fb);
  auto* need = app.add_subcommand("need", "need");
  need->add_option("--must", value, "must")->required();
  app.add_subcommand("list", "list");
  std::vector<char*> argv;
  args.insert(args.begin(), "tool");
  for (auto& arg : args) argv.push_back(arg.data());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return DescribeParseError(app, e);
  }
  return "(parsed)";
}

}  // namespace

TEST_SUITE("cli") {
  TEST_CASE("unknown options and commands read like git, with a suggestion only when one is close") {
    CHECK(ParseMessage({"run", "--chnages-only"}) == "unknown option '--chnages-only', did you mean '--changes-only'?");
    CHECK(ParseMessage({"run", "--chnages-only=yes"}) == "unknown option '--chnages-only', did you mean '--changes-only'?");
    CHECK(ParseMessage({"run", "--verbose"}) == "unknown option '--verbose'");
    CHECK(ParseMessage({"run", "-x"}) == "unknown option '-x'");
    CHECK(ParseMessage({"run", "--bogus", "value"}) == "unknown option '--bogus'");
    // The tool's own options count as well (they may follow the command).
    CHECK(ParseMessage({"run", "--fiel", "x"}) == "unknown option '--fiel', did you mean '--file'?");
    CHECK(ParseMessage({"rnu"}) == "unknown command 'rnu', did you mean 'run'?");
    CHECK(ParseMessage({"histroy", "web"}) == "unknown command 'histroy', did you mean 'history'?");
    CHECK(ParseMessage({"frobnicate"}) == "unknown command 'frobnicate'");
    // An option of the command given before the command's name.
    CHECK(ParseMessage({"--format", "json", "run"}) == "option '--format' goes after the command name (tool run --format ...)");
  }

  TEST_CASE("missing arguments, bad values and too many arguments") {
    CHECK(ParseMessage({"history"}) == "missing argument 'ID' (usage: tool history [OPTIONS] ID)");
    CHECK(ParseMessage({"gate"}) == "missing argument 'COMMAND' (usage: tool gate [OPTIONS] COMMAND...)");
    CHECK(ParseMessage({"need"}) == "missing required option '--must'");
    CHECK(ParseMessage({}) == "(parsed)");
    CHECK(ParseMessage({"history", "a", "b"}) == "unexpected argument 'b' (usage: tool history [OPTIONS] ID)");
    CHECK(ParseMessage({"run", "extra"}) == "unexpected argument 'extra' (usage: tool run [OPTIONS])");
    CHECK(ParseMessage({"run", "-n", "9"}) == "invalid value '9' for option '--count': expected an integer from 1 to 5");
    CHECK(ParseMessage({"run", "-n", "x"}) == "invalid value 'x' for option '--count': expected an integer from 1 to 5");
    CHECK(ParseMessage({"run", "--format", "jsn"}) ==
          "invalid value 'jsn' for option '--format', did you mean 'json'? (expected one of: text, json)");
    CHECK(ParseMessage({"run", "--format", "yaml"}) == "invalid value 'yaml' for option '--format' (expected one of: text, json)");
    CHECK(ParseMessage({"run", "--ratio", "abc"}) == "invalid value 'abc' for option '--ratio': expected a number");
    CHECK(ParseMessage({"run", "-n"}) == "option '--count' requires a value");
    CHECK(ParseMessage({"-f"}) == "option '--file' requires a value");
    CHECK(ParseMessage({"run", "-n", "1", "-n", "2"}) == "option '--count' takes one value, got 2");
    CHECK(ParseMessage({"pick", "--a", "--b"}) == "'--a' and '--b' cannot be used together");
  }

  TEST_CASE("RunTool prints the reworded message and the help hint on stderr") {
    char path[] = "/tmp/hops-cli-test-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    std::fflush(stderr);
    const int saved = dup(STDERR_FILENO);
    dup2(fd, STDERR_FILENO);
    const int rc = Run({"--versoin"}, ExitStyle::kNagios, [] { return 0; });
    std::fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    std::string text(4096, '\0');
    text.resize(static_cast<size_t>(pread(fd, text.data(), text.size(), 0)));
    close(fd);
    unlink(path);
    CHECK(rc == 3);
    CHECK(text == "tool: unknown option '--versoin', did you mean '--version'?\nTry 'tool --help' for more information.\n");
  }
}
