#include "common/error.hpp"

#include <doctest/doctest.h>

using namespace hops;

TEST_SUITE("error") {
  TEST_CASE("SourceLoc::Str drops unknown parts") {
    CHECK(SourceLoc{"a.yaml", 3, 7}.Str() == "a.yaml:3:7");
    CHECK(SourceLoc{"a.yaml", 3, 0}.Str() == "a.yaml:3");
    CHECK(SourceLoc{"a.yaml", 0, 0}.Str() == "a.yaml");
    CHECK(SourceLoc{"", 2, 1}.Str() == "<input>:2:1");
  }

  TEST_CASE("DefinitionError shows the line and a caret under the column") {
    DefinitionError e({"c.yaml", 4, 5}, "unknown key 'weekday'", "    weekday: mon-fri");
    CHECK(std::string(e.what()) == "c.yaml:4:5: unknown key 'weekday'\n      weekday: mon-fri\n      ^");
    CHECK(e.message() == "unknown key 'weekday'");
    CHECK(e.loc().line == 4);
    CHECK(e.kind() == ErrorKind::kDefinition);
  }

  TEST_CASE("DefinitionError keeps tabs so the caret lines up") {
    DefinitionError e({"c.yaml", 1, 3}, "bad", "\tx: 1");
    CHECK(std::string(e.what()) == "c.yaml:1:3: bad\n  \tx: 1\n  \t ^");
  }

  TEST_CASE("DefinitionError without source text is one line") {
    DefinitionError e({"c.yaml", 0, 0}, "cannot read file");
    CHECK(std::string(e.what()) == "c.yaml: cannot read file");
  }

  TEST_CASE("exit codes per convention") {
    // hcal: every error is 2, because 1 means "no".
    for (auto k : {ErrorKind::kUsage, ErrorKind::kDefinition, ErrorKind::kRange, ErrorKind::kRuntime})
      CHECK(ExitCodeFor(k, ExitStyle::kQuestion) == 2);
    // hmon-check: every error is UNKNOWN.
    for (auto k : {ErrorKind::kUsage, ErrorKind::kDefinition, ErrorKind::kRange, ErrorKind::kRuntime})
      CHECK(ExitCodeFor(k, ExitStyle::kNagios) == 3);
    // Others: the operation failed = 1, usage or definition = 2.
    CHECK(ExitCodeFor(ErrorKind::kRuntime, ExitStyle::kCommand) == 1);
    CHECK(ExitCodeFor(ErrorKind::kUsage, ExitStyle::kCommand) == 2);
    CHECK(ExitCodeFor(ErrorKind::kDefinition, ExitStyle::kCommand) == 2);
    CHECK(ExitCodeFor(ErrorKind::kRange, ExitStyle::kCommand) == 2);
  }

  TEST_CASE("SourceLineOf: the 1-based line without its terminator") {
    const std::string text = "first\r\nsecond\n\nlast";
    CHECK(SourceLineOf(text, 1) == "first");
    CHECK(SourceLineOf(text, 2) == "second");
    CHECK(SourceLineOf(text, 3) == "");
    CHECK(SourceLineOf(text, 4) == "last");
    CHECK(SourceLineOf(text, 5) == "");
    CHECK(SourceLineOf(text, 0) == "");
    CHECK(SourceLineOf("", 1) == "");
  }
}
