// Unit tests of hops-template's library: definitions parsed from memory, errors asserted exactly.
#include <doctest/doctest.h>

#include "cmd/TEMPLATE/commands.hpp"

using hops::YamlDoc;
using hops::tmpl::LoadItems;

namespace {

std::string LoadError(const std::string& text) {
  try {
    LoadItems(YamlDoc::FromString(text, "t.yaml"));
  } catch (const hops::DefinitionError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_SUITE("hops-template") {
  TEST_CASE("items keep their order, argv and position") {
    auto items = LoadItems(YamlDoc::FromString("items:\n  b: {command: [echo, 'a b']}\n  a:\n    command: [true]\n", "t.yaml"));
    REQUIRE(items.size() == 2);
    CHECK(items[0].name == "b");
    CHECK(items[0].command == std::vector<std::string>{"echo", "a b"});
    CHECK(items[1].loc.Str() == "t.yaml:3:3");
  }

  TEST_CASE("an unknown key names its position and the key it resembles") {
    std::string err = LoadError("items:\n  a: {comand: [true]}\n");
    CHECK(err.find("t.yaml:2:7") != std::string::npos);
    CHECK(err.find("did you mean 'command'") != std::string::npos);
  }

  TEST_CASE("a command must be an argv list") {
    CHECK(LoadError("items:\n  a: {command: 'rm -rf /'}\n").find("t.yaml:2:16") != std::string::npos);
  }
}
