#include "common/text.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>

namespace hops {

TEST_CASE("text: Quote wraps in single quotes without escaping") {
  CHECK(Quote("x") == "'x'");
  CHECK(Quote("") == "''");
  CHECK(Quote("it's") == "'it's'");
  CHECK(Quote(std::string("a\0b", 3)) == std::string("'a\0b'", 5));
}

TEST_CASE("text: Printable makes control bytes and bad UTF-8 visible and bounds the length") {
  CHECK(Printable("plain", 10) == "plain");
  CHECK(Printable("a\tb", 10) == "a b");
  CHECK(Printable("bell\x07 esc\x1b[31m del\x7f nl\n", 100) == "bell? esc?[31m del? nl?");
  CHECK(Printable(std::string("nul\0x", 5), 10) == "nul?x");
  CHECK(Printable("caf\xc3\xa9", 10) == "caf\xc3\xa9");                // valid UTF-8 kept
  CHECK(Printable("\xff\xfe ok", 10) == "?? ok");                        // not UTF-8
  CHECK(Printable("\xc0\xaf", 10) == "??");                              // overlong '/'
  CHECK(Printable("\xed\xa0\x80", 10) == "???");                         // a surrogate
  CHECK(Printable("\xe2\x82", 10) == "??");                              // cut sequence
  // Bounded: at most max bytes, then "...", never splitting a character.
  CHECK(Printable("abcdef", 6) == "abcdef");
  CHECK(Printable("abcdefg", 6) == "abcdef...");
  CHECK(Printable("ab\xe2\x82\xac", 4) == "ab...");                       // the euro sign needs 3
  CHECK(Printable("ab\xe2\x82\xac", 5) == "ab\xe2\x82\xac");
  CHECK(Printable("abc", 0) == "...");
  CHECK(Printable("", 0) == "");
  CHECK(Printable(std::string(10000, '\x01'), 300) == std::string(300, '?') + "...");
}

TEST_CASE("text: Trim, Lower, Upper, LowerFirst, EqualsIgnoreCase") {
  CHECK(Trim("  a b \t\r\n") == "a b");
  CHECK(Trim("\v\fx\f\v") == "x");
  CHECK(Trim(" \t ") == "");
  CHECK(Trim("") == "");
  CHECK(Lower("MiXeD 123 \xc3\x89") == "mixed 123 \xc3\x89");  // ASCII only
  CHECK(Upper("MiXeD 123") == "MIXED 123");
  CHECK(LowerFirst("Error while parsing") == "error while parsing");
  CHECK(LowerFirst("") == "");
  CHECK(LowerFirst("1st") == "1st");
  CHECK(StartsWith("x-amz-date", "x-amz-"));
  CHECK(StartsWith("x", ""));
  CHECK_FALSE(StartsWith("x-", "x-amz-"));
  CHECK(EndsWith("password_env", "_env"));
  CHECK(EndsWith("x", ""));
  CHECK_FALSE(EndsWith("env", "_env"));
  CHECK(EqualsIgnoreCase("OK", "ok"));
  CHECK(EqualsIgnoreCase("", ""));
  CHECK_FALSE(EqualsIgnoreCase("ok", "oks"));
  CHECK_FALSE(EqualsIgnoreCase("o k", "o-k"));
}

TEST_CASE("text: ParseLong is strict and range checked") {
  CHECK(ParseLong("0") == std::optional<long>(0));
  CHECK(ParseLong("7") == std::optional<long>(7));
  CHECK(ParseLong("007") == std::optional<long>(7));
  CHECK(ParseLong("+5") == std::optional<long>(5));
  CHECK(ParseLong("-5") == std::optional<long>(-5));
  CHECK(ParseLong("-0") == std::optional<long>(0));
  CHECK(ParseLong("9223372036854775807") == std::optional<long>(LONG_MAX));
  CHECK(ParseLong("-9223372036854775808") == std::optional<long>(LONG_MIN));
  for (const char* bad : {"", "+", "-", "--1", "+-1", "-+1", "++1", " 1", "1 ", "\t1", "1\n", "1.0",
                          "1e3", "0x10", "12a", "a12", "\xef\xbc\x91" /* fullwidth 1 */,
                          "9223372036854775808", "-9223372036854775809", "99999999999999999999999"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseLong(bad).has_value());
  }
  CHECK(ParseLong("10", 0, 10) == std::optional<long>(10));
  CHECK(ParseLong("0", 0, 10) == std::optional<long>(0));
  CHECK_FALSE(ParseLong("11", 0, 10).has_value());
  CHECK_FALSE(ParseLong("-1", 0, 10).has_value());
}

TEST_CASE("text: ParseBool accepts true/false, yes/no, on/off in any case and nothing else") {
  struct Row {
    const char* text;
    std::optional<bool> want;
  };
  const Row rows[] = {
      {"true", true},   {"True", true},   {"TRUE", true},   {"tRuE", true},  {"yes", true},
      {"Yes", true},    {"YES", true},    {"on", true},     {"On", true},    {"ON", true},
      {"false", false}, {"False", false}, {"FALSE", false}, {"no", false},   {"No", false},
      {"NO", false},    {"off", false},   {"Off", false},   {"OFF", false},  {"oFf", false},
      {"1", {}},        {"0", {}},        {"", {}},         {" true", {}},   {"true ", {}},
      {"y", {}},        {"n", {}},        {"t", {}},        {"f", {}},       {"enabled", {}},
      {"maybe", {}},    {"yes please", {}}, {"truee", {}},  {"~", {}},       {"null", {}},
  };
  for (const Row& row : rows) {
    CAPTURE(row.text);
    CHECK(ParseBool(row.text) == row.want);
  }
}

TEST_CASE("text: BadBoolMessage names the key, the value and every accepted word") {
  CHECK(BadBoolMessage("inodes", "maybe") ==
        "'inodes' must be true, false, yes, no, on or off (any case), not 'maybe'");
  CHECK(std::string(kBoolWords) == "true, false, yes, no, on or off");
}

}  // namespace hops
