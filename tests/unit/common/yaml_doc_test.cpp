#include "common/yaml_doc.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hops;

namespace {

// Runs @p fn, which must throw DefinitionError, and returns the error.
template <typename Fn>
DefinitionError Caught(Fn fn) {
  try {
    fn();
  } catch (const DefinitionError& e) {
    return e;
  }
  FAIL("expected a DefinitionError");
  return DefinitionError({}, "");
}

DefinitionError ParseError(const std::string& text) {
  return Caught([&] { YamlDoc::FromString(text, "t.yaml"); });
}

DefinitionError MapError(const std::string& text, const std::vector<std::string>& allowed,
                         const std::string& what = "calendar 'biz'") {
  YamlDoc doc = YamlDoc::FromString(text, "t.yaml");
  return Caught([&] { MapReader m(doc, doc.root(), what, allowed); });
}

}  // namespace

TEST_SUITE("yaml_doc") {

TEST_CASE("FromString keeps positions and source lines") {
  YamlDoc doc = YamlDoc::FromString("version: 1\ncalendars:\n  biz:\n    base: x\n", "t.yaml");
  CHECK(doc.filename() == "t.yaml");
  const YAML::Node& root = doc.root();
  REQUIRE(root.IsMap());
  YAML::Node base = root["calendars"]["biz"]["base"];
  SourceLoc loc = doc.Loc(base);
  CHECK(loc.file == "t.yaml");
  CHECK(loc.line == 4);
  CHECK(loc.column == 11);
  CHECK(doc.Line(1) == "version: 1");
  CHECK(doc.Line(4) == "    base: x");
  CHECK(doc.Line(5) == "");  // after the final newline
  CHECK(doc.Line(0) == "");
  CHECK(doc.Line(99) == "");
  DefinitionError e = doc.ErrorAt(base, "something is wrong");
  CHECK(std::string(e.what()) == "t.yaml:4:11: something is wrong\n      base: x\n            ^");
  CHECK(e.kind() == ErrorKind::kDefinition);
}

TEST_CASE("CRLF line ends are not part of the source line") {
  YamlDoc doc = YamlDoc::FromString("a: 1\r\nb: 2\r\n", "t.yaml");
  CHECK(doc.Line(1) == "a: 1");
  CHECK(doc.Line(2) == "b: 2");
  CHECK(doc.root()["b"].Scalar() == "2");
}

TEST_CASE("an empty document has a null root") {
  YamlDoc doc = YamlDoc::FromString("", "t.yaml");
  CHECK_FALSE(doc.root().IsMap());
  CHECK(std::string(NodeTypeName(doc.root())) == "null");
}

TEST_CASE("YAML syntax errors name file:line:column and show a caret") {
  DefinitionError e = ParseError("version: 1\na: b: c\n");
  CHECK(e.loc().file == "t.yaml");
  CHECK(e.loc().line == 2);
  CHECK(e.loc().column == 5);
  CHECK(e.message() == "YAML syntax error: illegal map value");
  CHECK(std::string(e.what()) == "t.yaml:2:5: YAML syntax error: illegal map value\n  a: b: c\n      ^");
}

TEST_CASE("a tab used for indentation is a syntax error at the tab") {
  DefinitionError e = ParseError("key: value\n\tbad: 1\n");
  CHECK(e.loc().line == 2);
  CHECK(e.loc().column == 1);
  CHECK(e.message() == "YAML syntax error: illegal tab when looking for indentation");
  CHECK(std::string(e.what()) ==
        "t.yaml:2:1: YAML syntax error: illegal tab when looking for indentation\n  \tbad: 1\n  ^");
}

TEST_CASE("an unterminated flow sequence is a syntax error") {
  DefinitionError e = ParseError("calendars:\n  biz: [mon, tue\n");
  CHECK(e.loc().line == 3);
  CHECK(e.message() == "YAML syntax error: end of sequence flow not found");
  // Line 3 is empty (after the last newline): no snippet.
  CHECK(std::string(e.what()) == "t.yaml:3:1: YAML syntax error: end of sequence flow not found");
}

TEST_CASE("MapReader: unknown key with a suggestion") {
  DefinitionError e = MapError("timezone: Asia/Tokyo\nweekday: mon-fri\n", {"timezone", "weekdays"});
  CHECK(e.loc().line == 2);
  CHECK(e.loc().column == 1);
  CHECK(e.message() == "unknown key 'weekday' in calendar 'biz', did you mean 'weekdays'?");
  CHECK(std::string(e.what()) ==
        "t.yaml:2:1: unknown key 'weekday' in calendar 'biz', did you mean 'weekdays'?\n"
        "  weekday: mon-fri\n"
        "  ^");
}

TEST_CASE("MapReader: unknown key in a nested mapping points at the key") {
  YamlDoc doc = YamlDoc::FromString("calendars:\n  biz:\n    timezone: UTC\n    tiemzone: UTC\n", "t.yaml");
  DefinitionError e = Caught([&] {
    MapReader m(doc, doc.root()["calendars"]["biz"], "calendar 'biz'", {"timezone", "base"});
  });
  CHECK(e.loc().line == 4);
  CHECK(e.loc().column == 5);
  CHECK(std::string(e.what()) ==
        "t.yaml:4:5: unknown key 'tiemzone' in calendar 'biz', did you mean 'timezone'?\n"
        "      tiemzone: UTC\n"
        "      ^");
}

TEST_CASE("MapReader: unknown key without a close match lists the expected keys") {
  DefinitionError e = MapError("date: 12-28\ncolour: red\n", {"date", "name"}, "an entry of 'closed'");
  CHECK(e.loc().line == 2);
  CHECK(e.loc().column == 1);
  CHECK(e.message() == "unknown key 'colour' in an entry of 'closed'; expected one of: date, name");
  CHECK(std::string(e.what()) ==
        "t.yaml:2:1: unknown key 'colour' in an entry of 'closed'; expected one of: date, name\n"
        "  colour: red\n"
        "  ^");
}

TEST_CASE("MapReader: the caret keeps tabs so it lines up") {
  DefinitionError e = MapError("{a: 1,\tzz: 2}\n", {"a"}, "x");
  CHECK(e.loc().line == 1);
  CHECK(e.loc().column == 8);
  CHECK(std::string(e.what()) ==
        "t.yaml:1:8: unknown key 'zz' in x; expected one of: a\n"
        "  {a: 1,\tzz: 2}\n"
        "        \t^");
}

TEST_CASE("MapReader: duplicate keys") {
  DefinitionError e = MapError("date: 12-28\nname: x\ndate: 12-29\n", {"date", "name"}, "an entry");
  CHECK(e.loc().line == 3);
  CHECK(e.loc().column == 1);
  CHECK(e.message() == "duplicate key 'date' in an entry");
  CHECK(std::string(e.what()) == "t.yaml:3:1: duplicate key 'date' in an entry\n  date: 12-29\n  ^");
}

TEST_CASE("MapReader: non-mappings are refused") {
  DefinitionError list = MapError("- a\n- b\n", {"a"});
  CHECK(list.loc().line == 1);
  CHECK(list.loc().column == 1);
  CHECK(std::string(list.what()) == "t.yaml:1:1: calendar 'biz' must be a mapping, got a list\n  - a\n  ^");

  DefinitionError scalar = MapError("hello\n", {"a"});
  CHECK(scalar.message() == "calendar 'biz' must be a mapping, got a scalar");
  CHECK(scalar.loc().line == 1);

  YamlDoc doc = YamlDoc::FromString("calendars:\n  biz: [1, 2]\n", "t.yaml");
  DefinitionError nested = Caught([&] { MapReader m(doc, doc.root()["calendars"]["biz"], "calendar 'biz'", {}); });
  CHECK(nested.loc().line == 2);
  CHECK(nested.loc().column == 8);
  CHECK(nested.message() == "calendar 'biz' must be a mapping, got a list");
}

TEST_CASE("MapReader: keys must be scalars") {
  DefinitionError e = MapError("? [a, b]\n: 1\n", {"a"}, "x");
  CHECK(e.message() == "keys of x must be scalars");
  CHECK(e.loc().line == 1);
}

TEST_CASE("MapReader: with an error list, every key error is collected and reading goes on") {
  YamlDoc doc = YamlDoc::FromString(
      "timezon: Asia/Tokyo\nbase: biz\nbase: other\n[x]: 1\nzzz: 2\nhour: a\nhours: b\n", "t.yaml");
  std::vector<DefinitionError> errors;
  MapReader m(doc, doc.root(), "calendar 'c'", {"timezone", "base", "hours"}, &errors);
  REQUIRE(errors.size() == 5);
  CHECK(errors[0].message() == "unknown key 'timezon' in calendar 'c', did you mean 'timezone'?");
  CHECK(errors[0].loc().line == 1);
  CHECK(errors[1].message() == "duplicate key 'base' in calendar 'c'");
  CHECK(errors[1].loc().line == 3);
  CHECK(errors[2].message() == "keys of calendar 'c' must be scalars");
  CHECK(errors[3].message() == "unknown key 'zzz' in calendar 'c'; expected one of: timezone, base, hours");
  CHECK(errors[4].message() == "unknown key 'hour' in calendar 'c', did you mean 'hours'?");
  // A typo stands for the key it suggests (so that key is not also missing), unless that key is
  // written as well; a duplicate keeps its first value.
  CHECK(m.String("timezone") == "Asia/Tokyo");
  CHECK(m.String("base") == "biz");
  CHECK(m.String("hours") == "b");
  CHECK_FALSE(m.Has("zzz"));
  // A mapping that is no mapping still throws.
  YamlDoc list = YamlDoc::FromString("[1, 2]\n", "t.yaml");
  CHECK_THROWS_AS(MapReader(list, list.root(), "calendar 'c'", {"timezone"}, &errors), DefinitionError);
  CHECK(errors.size() == 5);
}

TEST_CASE("MapReader accessors") {
  YamlDoc doc = YamlDoc::FromString(
      "version: 1\nname: biz\nlist: [a, b]\nflag: yes\noff: off\nbad: maybe\nnum: '+7'\nword: x7\nbig: 12\n",
      "t.yaml");
  MapReader m(doc, doc.root(), "the file",
              {"version", "name", "list", "flag", "off", "bad", "num", "word", "big", "absent"});
  CHECK(m.Has("version"));
  CHECK_FALSE(m.Has("absent"));
  CHECK_FALSE(static_cast<bool>(m.Get("absent")));
  // Looking a key up must not add it to the mapping.
  CHECK(doc.root().size() == 9);
  CHECK(m.String("name") == std::optional<std::string>("biz"));
  CHECK_FALSE(m.String("absent").has_value());
  CHECK(m.Int("version", 1, 1) == std::optional<long>(1));
  CHECK(m.Int("num", 0, 10) == std::optional<long>(7));
  CHECK_FALSE(m.Int("absent", 0, 1).has_value());
  CHECK(m.Bool("flag") == std::optional<bool>(true));
  CHECK(m.Bool("off") == std::optional<bool>(false));
  CHECK_FALSE(m.Bool("absent").has_value());
  CHECK(m.Require("name").Scalar() == "biz");

  DefinitionError e1 = Caught([&] { m.String("list"); });
  CHECK(e1.message() == "'list' must be a scalar, got a list");
  CHECK(e1.loc().line == 3);
  CHECK(e1.loc().column == 7);
  DefinitionError e2 = Caught([&] { m.Int("word", 0, 100); });
  CHECK(e2.message() == "'word' must be an integer, got 'x7'");
  CHECK(e2.loc().line == 8);
  CHECK(e2.loc().column == 7);
  DefinitionError e3 = Caught([&] { m.Int("big", 1, 10); });
  CHECK(e3.message() == "'big' must be between 1 and 10, got 12");
  CHECK(e3.loc().line == 9);
  DefinitionError e4 = Caught([&] { m.Bool("bad"); });
  CHECK(e4.message() == "'bad' must be true, false, yes, no, on or off (any case), not 'maybe'");
  CHECK(e4.loc().line == 6);  // the caret is on the value
  CHECK(e4.loc().column == 6);
  DefinitionError e5 = Caught([&] { m.Require("absent"); });
  CHECK(e5.message() == "the file is missing required key 'absent'");
  CHECK(e5.loc().line == 1);
  CHECK(e5.loc().column == 1);
}

TEST_CASE("NodeTypeName") {
  YamlDoc doc = YamlDoc::FromString("m: {a: 1}\nl: [1]\ns: x\nn: ~\n", "t.yaml");
  CHECK(std::string(NodeTypeName(doc.root()["m"])) == "a mapping");
  CHECK(std::string(NodeTypeName(doc.root()["l"])) == "a list");
  CHECK(std::string(NodeTypeName(doc.root()["s"])) == "a scalar");
  CHECK(std::string(NodeTypeName(doc.root()["n"])) == "null");
  CHECK(std::string(ScalarText(doc, doc.root()["s"], "'s'")) == "x");
  DefinitionError e = Caught([&] { ScalarText(doc, doc.root()["m"], "'m'"); });
  CHECK(e.message() == "'m' must be a scalar, got a mapping");
}

TEST_CASE("flow nesting deeper than 256 levels is refused before parsing") {
  std::string ok = "x: " + std::string(256, '[') + std::string(256, ']') + "\n";
  CHECK_NOTHROW(YamlDoc::FromString(ok, "t.yaml"));

  std::string deep = "version: 1\nx: " + std::string(257, '[') + std::string(257, ']') + "\n";
  DefinitionError e = ParseError(deep);
  CHECK(e.loc().line == 2);
  CHECK(e.loc().column == 3 + 257);
  CHECK(e.message() == "nesting deeper than 256 levels");
  CHECK(std::string(e.what()).rfind("t.yaml:2:260: nesting deeper than 256 levels", 0) == 0);

  // Mixed brackets count together.
  std::string mixed;
  for (int i = 0; i < 200; ++i) mixed += "{a: [";
  DefinitionError m = ParseError(mixed);
  CHECK(m.message() == "nesting deeper than 256 levels");
  CHECK(m.loc().column == 5 * 128 + 1);  // the 257th opener: '{' of the 129th "{a: ["

  // Very deep input fails cleanly instead of exhausting the stack.
  std::string huge = std::string(100000, '[') + std::string(100000, ']');
  CHECK(ParseError(huge).message() == "nesting deeper than 256 levels");
}

TEST_CASE("brackets in quotes and comments do not count as nesting") {
  std::string text = "a: '" + std::string(300, '[') + "'\n# " + std::string(300, '{') + "\nb: \"" +
                     std::string(300, '[') + "\"\n";
  YamlDoc doc = YamlDoc::FromString(text, "t.yaml");
  CHECK(doc.root()["a"].Scalar() == std::string(300, '['));
  CHECK(doc.root()["b"].Scalar() == std::string(300, '['));
}

TEST_CASE("an apostrophe inside a plain scalar does not switch the nesting check off") {
  // "it's" is a plain scalar; its apostrophe does not open a quoted string, so the deep flow
  // sequence on the next line must still be refused.
  std::string text = "description: it's ours\nx: " + std::string(300, '[') + std::string(300, ']') + "\n";
  DefinitionError e = ParseError(text);
  CHECK(e.message() == "nesting deeper than 256 levels");
  CHECK(e.loc().line == 2);
}

TEST_CASE("quotes inside scalars neither hide nor invent nesting") {
  // An escaped quote does not end a double-quoted scalar, so these brackets are text.
  std::string escaped = "x: \"a\\\" " + std::string(300, '[') + "\"\n";
  YamlDoc doc = YamlDoc::FromString(escaped, "t.yaml");
  CHECK(doc.root()["x"].Scalar() == "a\" " + std::string(300, '['));
  // '' is an escaped quote inside a single-quoted scalar.
  std::string doubled = "x: 'it''s " + std::string(300, '{') + "'\n";
  YamlDoc doc2 = YamlDoc::FromString(doubled, "t.yaml");
  CHECK(doc2.root()["x"].Scalar() == "it's " + std::string(300, '{'));
  // A '#' inside a plain scalar is not a comment: the brackets after it are counted.
  std::string hash = "a: x#y\nb: " + std::string(300, '[') + std::string(300, ']') + "\n";
  CHECK(ParseError(hash).message() == "nesting deeper than 256 levels");
}

TEST_CASE("deep block nesting fails cleanly") {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "- ";
  text += "x\n";
  bool threw = false;
  try {
    YamlDoc::FromString(text, "t.yaml");
  } catch (const DefinitionError& e) {
    threw = true;
    CHECK(e.loc().file == "t.yaml");
  }
  CHECK(threw);
}

TEST_CASE("FromFile reports unreadable files") {
  DefinitionError e = Caught([] { YamlDoc::FromFile("/nonexistent/dir/cal.yaml"); });
  CHECK(e.loc().file == "/nonexistent/dir/cal.yaml");
  CHECK(e.loc().line == 0);
  CHECK(std::string(e.what()) == "/nonexistent/dir/cal.yaml: cannot read file: No such file or directory");
}

}  // TEST_SUITE

TEST_CASE("FromStringSplit reads a block mapping one entry at a time, with the file's positions") {
  const std::string text =
      "---\n"
      "version: 1\n"
      "monitors:\n"
      "  # the web tier\n"
      "  web: {type: http, target: 'http://127.0.0.1/'}\n"
      "\n"
      "  db:\n"
      "    type: tcp\n"
      "    note: |\n"
      "      two lines\n"
      "      of text\n"
      "# between\n"
      "  'quoted id': {type: tcp}\n"
      "defaults: {timeout: 5s}\n";
  auto split = YamlDoc::FromStringSplit(text, "s.yaml", "monitors");
  REQUIRE(split);
  REQUIRE(split->EntryCount() == 3);
  CHECK(split->root()["monitors"].IsMap());
  CHECK(split->root()["monitors"].size() == 0);
  CHECK(split->root()["defaults"]["timeout"].as<std::string>() == "5s");
  CHECK(split->Loc(split->root()["defaults"]).line == 14);
  const YamlDoc whole = YamlDoc::FromString(text, "s.yaml");
  const YAML::Node all = whole.root()["monitors"];
  size_t i = 0;
  for (auto it = all.begin(); it != all.end(); ++it, ++i) {
    auto e = split->Entry(i);
    REQUIRE(e);
    const YAML::Node key = e->root().begin()->first, value = e->root().begin()->second;
    CHECK(key.Scalar() == it->first.Scalar());
    CHECK(e->Loc(key).Str() == whole.Loc(it->first).Str());
    CHECK(e->Loc(value["type"]).Str() == whole.Loc(it->second["type"]).Str());
    CHECK(e->Line(e->Loc(key).line) == whole.Line(whole.Loc(it->first).line));
  }
  CHECK(split->Entry(1)->root()["db"]["note"].Scalar() == "two lines\nof text\n");
  CHECK(split->Entry(1)->Loc(split->Entry(1)->root()["db"]["note"]).line == 9);
}

TEST_CASE("FromStringSplit declines layouts it cannot cut by lines, which the caller reads whole") {
  auto split = [](const std::string& text) { return YamlDoc::FromStringSplit(text, "s.yaml", "monitors"); };
  CHECK_FALSE(split("monitors: {a: {type: tcp}, b: {type: tcp}}\n"));     // flow style
  CHECK_FALSE(split("monitors:\n- a\n- b\n"));                             // a list
  CHECK_FALSE(split("monitors:\n"));                                       // empty
  CHECK_FALSE(split("monitors: &m\n  a: {type: tcp}\n"));                  // an anchor on the mapping
  CHECK_FALSE(split("monitors:\n  a: {type: tcp}\n\tb: {type: tcp}\n"));   // a tab
  CHECK_FALSE(split("other:\n  monitors:\n    a: {type: tcp}\n"));         // not at the top
  CHECK_FALSE(split("monitors:\n  ? complex\n  : {type: tcp}\n"));         // a complex key
  CHECK_FALSE(split("monitors:\n  a: {type: tcp}\nmonitors: [\n"));        // the rest is broken
  // An entry that uses an anchor of another entry does not read alone.
  auto s = split("monitors:\n  a: &base {type: tcp}\n  b: *base\n");
  REQUIRE(s);
  CHECK(s->Entry(0));
  CHECK_FALSE(s->Entry(1));
  // Nor does one with a syntax error: the whole read reports it.
  s = split("monitors:\n  a: {type: tcp\n  b: {type: tcp}\n");
  REQUIRE(s);
  CHECK_FALSE(s->Entry(0));
  CHECK(ParseError("monitors:\n  a: {type: tcp\n  b: {type: tcp}\n").loc().line > 0);
}
