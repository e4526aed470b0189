// Loading calendar files: definition errors with positions, name lookup, and robustness.
#include "common/calendar_load.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>

#include <chrono>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <typeinfo>
#include <vector>

#include "common/yaml_doc.hpp"
#include "tests/unit/testing/peer.hpp"

using namespace hops;
using namespace hops::cal;

namespace {

Day D(const std::string& s) {
  auto d = ParseIsoDate(s);
  REQUIRE_MESSAGE(d.has_value(), "bad test date " << s);
  return *d;
}

// "2026-11-20T01:00:00+09:00" read independently of the code under test.
Instant T(const std::string& s) {
  int y, mo, d, h, mi, sec, oh, om;
  char sign;
  REQUIRE_MESSAGE(std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d%c%d:%d", &y, &mo, &d, &h, &mi, &sec, &sign, &oh,
                              &om) == 9,
                  "bad test instant " << s);
  const int offset = (sign == '-' ? -1 : 1) * (oh * 60 + om);
  return Instant{date::sys_days{date::year{y} / mo / d}.time_since_epoch()} + std::chrono::hours{h} +
         std::chrono::minutes{mi - offset} + std::chrono::seconds{sec};
}

// Every error of loading @p text (syntax errors included).
std::vector<DefinitionError> Errors(const std::string& text) {
  Registry reg;
  try {
    reg.AddDocument(YamlDoc::FromString(text, "t.yaml"));
  } catch (const DefinitionError& e) {
    return {e};
  }
  reg.Resolve();
  return reg.errors();
}

// The only error of loading @p text.
DefinitionError OneError(const std::string& text) {
  auto errors = Errors(text);
  for (const auto& e : errors) INFO(e.what());
  REQUIRE(errors.size() == 1);
  return errors.front();
}

void CheckError(const std::string& text, int line, int column, const std::string& message) {
  DefinitionError e = OneError(text);
  INFO(e.what());
  CHECK(e.loc().file == "t.yaml");
  CHECK(e.loc().line == line);
  CHECK(e.loc().column == column);
  CHECK(e.message() == message);
  CHECK(std::string(e.what()).rfind("t.yaml:" + std::to_string(line) + ":" + std::to_string(column) + ": " +
                                        message,
                                    0) == 0);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string UsageMessage(const Registry& reg, const std::string& ref) {
  try {
    reg.Find(ref);
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError for " << ref);
  return "";
}

const char* const kExample = HOPS_SOURCE_DIR "/examples/calendars.yaml";

}  // namespace

TEST_SUITE("calendar_load") {

TEST_CASE("unknown calendar key with a suggestion") {
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    weekday: mon-fri
)",
             4, 5, "unknown key 'weekday' in calendar 'biz', did you mean 'weekdays'?");
  DefinitionError e = OneError("calendars:\n  biz:\n    weekday: mon-fri\n");
  CHECK(std::string(e.what()) ==
        "t.yaml:3:5: unknown key 'weekday' in calendar 'biz', did you mean 'weekdays'?\n"
        "      weekday: mon-fri\n"
        "      ^");
}

TEST_CASE("unknown keys elsewhere: file, rule, entry, special_hours, valid") {
  CheckError("calendar:\n  biz: {}\n", 1, 1,
             "unknown key 'calendar' in the calendar file, did you mean 'calendars'?");
  CheckError(R"(calendars:
  biz: {timezone: Asia/Tokyo}
  pay:
    base: biz
    rules:
      - day: 25
        shfit: before
)",
             7, 9, "unknown key 'shfit' in rule 1 of calendar 'pay', did you mean 'shift'?");
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    closed:
      - {date: 05-01, label: x}
)",
             5, 23, "unknown key 'label' in an entry of 'closed'; expected one of: date, name");
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    special_hours:
      - {date: 12-28, hour: "09:00-12:00"}
)",
             5, 23, "unknown key 'hour' in an entry of 'special_hours', did you mean 'hours'?");
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    valid: {form: 2026-01-01}
)",
             4, 13, "unknown key 'form' in 'valid' of calendar 'biz', did you mean 'from'?");
}

TEST_CASE("bad time ranges") {
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    hours: \"25:00-\"\n", 4, 12,
             "malformed time range '25:00-': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    hours: [\"09:00-12:00\", \"09:60-10:00\"]\n", 4,
             28, "malformed time range '09:60-10:00': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    hours: \"10:00-10:00\"\n", 4, 12,
             "time range '10:00-10:00' is empty");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    hours: [\"09:00-12:00\", \"11:00-13:00\"]\n", 4,
             12, "'hours': time ranges 09:00-12:00 and 11:00-13:00 overlap");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    hours: []\n", 4, 12,
             "'hours' must list at least one time range");
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    hours:
      mon-fri: ["09:00-12:00", "11:30-18:00"]
)",
             5, 16, "'hours' of mon-fri: time ranges 09:00-12:00 and 11:30-18:00 overlap");
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    hours:
      mon-fri: "09:00-18:00"
      fri: "09:00-12:00"
)",
             6, 7, "'hours' lists fri twice");
  CheckError(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    special_hours:
      12-28: "09:00-12:00-13:00"
)",
             5, 14, "malformed time range '09:00-12:00-13:00': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    day_start: \"24:00\"\n", 4, 16,
             "'day_start' must be a time of day HH:MM (00:00..23:59), got '24:00'");
}

TEST_CASE("bad date specs") {
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: [2026-02-30]\n", 4, 14,
             "invalid date '2026-02-30': February 2026 has 28 days");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: [2028-02-30..2028-03-02]\n", 4, 14,
             "invalid date '2028-02-30' in '2028-02-30..2028-03-02': February 2028 has 29 days");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: [2026-04-31]\n", 4, 14,
             "invalid date '2026-04-31': April 2026 has 30 days");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    open: [{date: 13-01, name: x}]\n", 4, 19,
             "invalid date '13-01': there is no month 13");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: [02-30]\n", 4, 14,
             "invalid date '02-30': February has at most 29 days");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: [2026-5-1]\n", 4, 14,
             "malformed date '2026-5-1': expected YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, MM-DD or MM-DD..MM-DD");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    valid: {from: 2027-02-29}\n", 4, 19,
             "'from' must be a date YYYY-MM-DD, got '2027-02-29': February 2027 has 28 days");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: [2026-05-06..2026-05-01]\n", 4, 14,
             "date range '2026-05-06..2026-05-01' ends before it starts");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    closed: 2026-05-01\n", 4, 13,
             "'closed' must be a list of dates, got a scalar");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    valid: {from: 2026-04-01, to: 2026-03-31}\n", 4,
             35, "'valid' ends before it starts");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    valid: {from: 2026-4-1}\n", 4, 19,
             "'from' must be a date YYYY-MM-DD, got '2026-4-1'");
}

TEST_CASE("timezones and holiday sets") {
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokio\n", 3, 15,
             "unknown timezone 'Asia/Tokio', did you mean 'Asia/Tokyo'? (expected an IANA name such as Asia/Tokyo)");
  CheckError("calendars:\n  biz:\n    timezone: Qqqqqqqqqqqqqqqqqq\n", 3, 15,
             "unknown timezone 'Qqqqqqqqqqqqqqqqqq' (expected an IANA name such as Asia/Tokyo)");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    holidays: [jp, jp-bnak]\n", 4, 20,
             "unknown holiday set 'jp-bnak', did you mean 'jp-bank'? (built-in sets: jp, jp-gov, jp-bank; list "
             "company closures under 'closed')");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    holidays: us\n", 4, 15,
             "unknown holiday set 'us' (built-in sets: jp, jp-gov, jp-bank; list company closures under 'closed')");

  LoadOptions options;
  options.default_timezone = "Asia/Tokio";
  Registry reg(options);
  reg.AddDocument(YamlDoc::FromString("calendars:\n  biz: {}\n", "t.yaml"));
  try {
    reg.Resolve();
    FAIL("expected a DefinitionError");
  } catch (const DefinitionError& e) {
    CHECK(e.loc().file == "settings");
    CHECK(e.message().find("unknown timezone 'Asia/Tokio'") == 0);
  }
}

TEST_CASE("rule errors") {
  const std::string head = "calendars:\n  biz: {timezone: Asia/Tokyo}\n";
  // 'rules' without a base.
  CheckError("calendars:\n  pay:\n    timezone: Asia/Tokyo\n    rules:\n      - day: 25\n", 5, 7,
             "'rules' need a 'base' calendar whose business days they count");
  // 'weekdays' with a base.
  CheckError(head + "  x: {base: biz, weekdays: mon-fri}\n", 3, 28,
             "'weekdays' cannot be combined with 'base' (the base decides the weekly pattern)");
  // Two selectors.
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 25, weekday: mon}\n", 6, 28,
             "rule 1 of calendar 'pay' has two selectors ('day' and 'weekday'); use one rule for each");
  // No selector.
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {shift: before}\n", 6, 9,
             "rule 1 of calendar 'pay' needs one selector: day, relative_day, business_day, closed_day, weekday, "
             "relative_weekday, nearest_weekday, gotobi, every");
  // 'every' without 'from', 'from' without 'every'.
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 1}\n      - {every: 2w}\n", 7, 9,
             "rule 2 of calendar 'pay': 'every' needs 'from', the anchor date");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 1, from: 2026-01-01}\n", 6, 24,
             "'from' is only used with 'every'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {every: 0, from: 2026-01-01}\n", 6, 17,
             "'every' must be a number of days (14, 14d) or weeks (2w) between 1 day and 3660 days, got '0'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 32}\n", 6, 15,
             "'day' must be 1..31, 'last' or 'last-N', got '32'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {business_day: 0}\n", 6, 24,
             "'business_day' must be 1..31, -1..-31, 'last' or 'last-N', got '0'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {weekday: tue#6}\n", 6, 19,
             "'weekday' must be like tue#2, fri#last or mon, got 'tue#6'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 1, months: [1, 13]}\n", 6, 30,
             "'months' must list months 1..12 or jan..dec, got '13'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {gotobi: false}\n", 6, 18,
             "'gotobi' cannot be false; remove the rule instead");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {gotobi: 31}\n", 6, 18,
             "'gotobi' must be true (or last), 30 or both, got '31'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {relative_weekday: fri#0}\n", 6, 28,
             "'relative_weekday' must be like tue#2, fri#last or mon, got 'fri#0'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 28, shift: after, within: week}\n", 6, 41,
             "'within' must be month or none, got 'week'");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 1, shift: befor}\n", 6, 25,
             "'shift' must be one of before, after, skip, keep, got 'befor', did you mean 'before'?");
  CheckError(head + "  pay:\n    base: biz\n    rules:\n      - {day: 1, max_shift: 32}\n", 6, 29,
             "'max_shift' must be between 0 and 31, got 32");
  for (const char* bad : {"0", "32", "mon#5", "mon", "first"}) {
    CAPTURE(bad);
    CheckError(head + "  pay:\n    base: biz\n    month_start: " + bad + "\n    rules:\n      - {day: 1}\n", 5, 18,
               std::string("'month_start' must be a day 1..31 or last, or a weekday occurrence such as mon#1 or "
                           "fri#last (#1..#4), got '") + bad + "'");
  }
  CheckError(head + "  pay:\n    base: biz\n    base_month: following\n    rules:\n      - {day: 1}\n", 5, 17,
             "'base_month' must be current (当月) or next (翌月), got 'following'");
  CheckError(head + "  pay:\n    base: biz\n    within: month\n", 5, 13,
             "'within' only applies to calendars with 'rules'");
  CheckError(head + "  pay:\n    base: biz\n    month_start: 21\n", 5, 18,
             "'month_start' only applies to calendars with 'rules'");
  CheckError(head + "  pay:\n    base: biz\n    rules: []\n", 5, 12, "'rules' must be a non-empty list of rules");
}

TEST_CASE("an hours mapping must give hours to every day the calendar can open") {
  // 2026-08-01 is a Saturday (a stocktaking day); the mapping gives Saturdays no hours.
  CheckError("calendars:\n  o:\n    hours: {mon-fri: \"09:00-18:00\"}\n    open: [2026-08-01]\n", 4, 12,
             "'open' entry 2026-08-01 falls on sat, for which 'hours' lists no hours: give the entry its own "
             "'hours', or list sat in 'hours'");
  // A yearly entry falls on every weekday over the years; a range on each of its days' weekdays.
  CheckError("calendars:\n  o:\n    hours: {mon-fri: \"09:00-18:00\"}\n    open: [{date: 12-28, name: x}]\n", 4, 12,
             "'open' entry 12-28 falls on sun, sat, for which 'hours' lists no hours: give the entry its own "
             "'hours', or list sun, sat in 'hours'");
  CheckError("calendars:\n  o:\n    hours: {mon-fri: \"09:00-18:00\"}\n    open: [2026-08-07..2026-08-09]\n", 4,
             12,
             "'open' entry 2026-08-07..2026-08-09 falls on sun, sat, for which 'hours' lists no hours: give the "
             "entry its own 'hours', or list sun, sat in 'hours'");
  // Own hours, a listed weekday or special_hours cover the day.
  for (const char* ok : {"open: [{date: 2026-08-01, hours: \"09:00-12:00\"}]",
                         "open: [2026-08-01], special_hours: {2026-08-01: \"09:00-12:00\"}",
                         "open: [2026-08-07]"}) {  // a Friday
    CAPTURE(ok);
    CHECK(Errors(std::string("calendars:\n  o: {hours: {mon-fri: \"09:00-18:00\"}, ") + ok + "}\n").empty());
  }
  // Through a base: its weekly pattern and the days it opens by exception.
  CheckError("calendars:\n  b: {weekdays: mon-sat}\n  c:\n    base: b\n    hours: {mon-fri: \"09:00-18:00\"}\n", 5,
             12, "'hours' gives no hours for sat, business days of 'b' (list them in 'hours')");
  CheckError("calendars:\n  b: {open: [2026-08-01]}\n  c:\n    base: b\n    hours: {mon-fri: \"09:00-18:00\"}\n",
             5, 12, "'hours' lists no hours for sat, on which 'b' opens 2026-08-01 by exception (list sat in 'hours')");
  CHECK(Errors("calendars:\n  b: {open: [2026-08-01]}\n  c: {base: b, hours: {mon-sat: \"09:00-18:00\"}}\n").empty());
  // An open entry's own hours are parsed like any hours.
  CheckError("calendars:\n  o:\n    open: [{date: 2026-08-01, hours: \"09:00-25:61\"}]\n", 3, 38,
             "malformed time range '09:00-25:61': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59");
  CheckError("calendars:\n  o:\n    closed: [{date: 2026-08-01, hours: \"09:00-12:00\"}]\n", 3, 33,
             "unknown key 'hours' in an entry of 'closed'; expected one of: date, name");
}

TEST_CASE("file-level errors") {
  CheckError("version: 2\ncalendars: {}\n", 1, 10, "'version' must be between 1 and 1, got 2");
  CheckError("calendars: []\n", 1, 12, "'calendars' must be a mapping of name to calendar, got a list");
  CheckError("version: 1\n", 1, 1, "the calendar file is missing required key 'calendars'");
  DefinitionError empty = OneError("");
  CHECK(empty.message() == "the file is empty: expected a 'calendars' mapping");
  CHECK(empty.loc().file == "t.yaml");
  CheckError("calendars:\n  biz: {timezone: UTC}\n  biz: {timezone: UTC}\n", 3, 3,
             "calendar 'biz' is defined twice (first at t.yaml:2:3)");
  CheckError("calendars:\n  \"a:b\": {timezone: UTC}\n", 2, 3,
             "calendar name 'a:b' must be non-empty and contain no ':' or '/'");
  CheckError("calendars:\n  biz: [1]\n", 2, 8, "calendar 'biz' must be a mapping, got a list");
}

TEST_CASE("undefined base with a suggestion") {
  CheckError("calendars:\n  biz: {timezone: UTC}\n  pay: {base: bzi, rules: [{day: 1}]}\n", 3, 15,
             "calendar 'pay' has an undefined base 'bzi', did you mean 'biz'?");
  CheckError("calendars:\n  biz: {timezone: UTC}\n  pay: {base: payroll-master}\n", 3, 15,
             "calendar 'pay' has an undefined base 'payroll-master'");
}

TEST_CASE("a base cycle is reported and does not hang") {
  auto errors = Errors(R"(calendars:
  a: {base: b, rules: [{day: 1}]}
  b: {base: a}
  c: {base: c}
  d: {timezone: UTC}
)");
  REQUIRE(errors.size() == 3);
  CHECK(errors[0].message() == "calendar 'a' has a cycle through 'base': a -> b -> a");
  CHECK(errors[0].loc().line == 2);
  CHECK(errors[0].loc().column == 13);
  CHECK(errors[1].message() == "calendar 'b' has a cycle through 'base': b -> a -> b");
  CHECK(errors[1].loc().line == 3);
  CHECK(errors[2].message() == "calendar 'c' has a cycle through 'base': c -> c");

  Registry reg;
  reg.AddDocument(YamlDoc::FromString("calendars:\n  a: {base: b}\n  b: {base: a}\n", "t.yaml"));
  reg.Resolve();
  CHECK(reg.errors().size() == 2);
  // The registry stays usable for reporting: the chain is cut, nothing loops.
  CHECK(reg.Find("a").Zone() != nullptr);
  CHECK_NOTHROW(reg.Find("a").DayStart());
  CHECK_NOTHROW(reg.Find("a").HasHours());
  CHECK_NOTHROW(reg.Find("a").UsesJp());
  try {
    reg.ThrowIfErrors();
    FAIL("expected a DefinitionError");
  } catch (const DefinitionError& e) {
    CHECK(e.message() ==
          "calendar 'a' has a cycle through 'base': a -> b -> a (and 1 more error; run 'hcal validate' to list them)");
  }
}

TEST_CASE("every error of every calendar is collected, not only the first of each") {
  auto errors = Errors(R"(calendars:
  office:
    timezone: Asia/Tokio
    weekday: mon-fri
    closed: [2026-02-30, 2026-05-01, 04-31]
    hours: ["09:00-12:00", "13:00-25:61"]
  payroll:
    base: offise
    rules:
      - {day: 25, shfit: before, months: [1, 13]}
      - {weekday: "fri#6"}
      - {every: 0, from: 2026-01-01}
    valid: {from: 2027-02-29}
)");
  std::vector<std::pair<int, std::string>> got;
  for (const auto& e : errors) got.emplace_back(e.loc().line, e.message());
  const std::vector<std::pair<int, std::string>> want = {
      {3, "unknown timezone 'Asia/Tokio', did you mean 'Asia/Tokyo'? (expected an IANA name such as Asia/Tokyo)"},
      {4, "unknown key 'weekday' in calendar 'office', did you mean 'weekdays'?"},
      {5, "invalid date '2026-02-30': February 2026 has 28 days"},
      {5, "invalid date '04-31': April has at most 30 days"},
      {6, "malformed time range '13:00-25:61': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59"},
      {10, "unknown key 'shfit' in rule 1 of calendar 'payroll', did you mean 'shift'?"},
      {10, "'months' must list months 1..12 or jan..dec, got '13'"},
      {11, "'weekday' must be like tue#2, fri#last or mon, got 'fri#6'"},
      {12, "'every' must be a number of days (14, 14d) or weeks (2w) between 1 day and 3660 days, got '0'"},
      {13, "'from' must be a date YYYY-MM-DD, got '2027-02-29': February 2027 has 28 days"},
      {8, "calendar 'payroll' has an undefined base 'offise', did you mean 'office'?"},
  };
  CHECK(got == want);
}

TEST_CASE("errors that follow from another are not reported twice") {
  // The typo'd key stands for the key it suggests: no "missing 'calendars'" or "missing 'hours'".
  CheckError("calendar:\n  biz: {timezone: Asia/Tokyo}\n", 1, 1,
             "unknown key 'calendar' in the calendar file, did you mean 'calendars'?");
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    special_hours:\n      - {date: 12-28, hour: \"09:00-12:00\"}\n",
             5, 23, "unknown key 'hour' in an entry of 'special_hours', did you mean 'hours'?");
  // A bad weekly pattern does not also make 'hours' by weekday incomplete.
  CheckError("calendars:\n  biz:\n    timezone: Asia/Tokyo\n    weekdays: mon-fry\n    hours: {mon-fri: \"09:00-17:00\"}\n",
             4, 15, "malformed weekday 'mon-fry' in 'weekdays': expected names like mon, tue-fri or sat,sun");
  // A calendar with errors still answers to its name, so a calendar based on it is not told
  // that its base is undefined.
  CheckError("calendars:\n  biz: {timezone: Asia/Tokio}\n  pay: {base: biz, rules: [{day: 25}]}\n", 2, 19,
             "unknown timezone 'Asia/Tokio', did you mean 'Asia/Tokyo'? (expected an IANA name such as Asia/Tokyo)");
}

TEST_CASE("a directory without calendar files is named when nothing is loaded") {
  const std::string dir = hops::testing::MakeTempDir("hops-cal");
  REQUIRE(!dir.empty());
  Registry reg;
  reg.AddPath(dir);
  reg.Resolve();
  CHECK(reg.errors().empty());
  REQUIRE(reg.EmptyDirs() == std::vector<std::string>{dir});
  CHECK(UsageMessage(reg, "biz") == "no calendars loaded: directory '" + dir + "' holds no *.yaml or *.yml files");
  Registry none;
  none.Resolve();
  CHECK(UsageMessage(none, "biz") == "no calendars loaded: give -f FILE or set [calendar] path in the settings file");
  ::rmdir(dir.c_str());
}

TEST_CASE("several errors in one file are all collected, in file order") {
  Registry reg;
  reg.AddDocument(YamlDoc::FromString(R"(calendars:
  one:
    timezone: Asia/Tokio
  good:
    timezone: Asia/Tokyo
  two:
    weekday: mon
  three:
    hours: "09:00-08:60"
  four: {base: nothing}
)",
                                      "t.yaml"));
  reg.Resolve();
  const auto& errors = reg.errors();
  REQUIRE(errors.size() == 4);
  CHECK(errors[0].loc().line == 3);
  CHECK(errors[1].loc().line == 7);
  CHECK(errors[2].loc().line == 9);
  CHECK(errors[3].loc().line == 10);
  CHECK(errors[3].message() == "calendar 'four' has an undefined base 'nothing'");
  CHECK(reg.Find("good").IsBusinessDay(D("2026-05-07")));
  CHECK(reg.All().size() == 5);  // broken calendars are kept, so that bases naming them resolve
  try {
    reg.ThrowIfErrors();
    FAIL("expected a DefinitionError");
  } catch (const DefinitionError& e) {
    CHECK(e.loc().line == 3);
    CHECK(e.message().find("(and 3 more errors; run 'hcal validate' to list them)") != std::string::npos);
  }
  // Syntax errors of a whole file are collected by AddPath too.
  Registry bad;
  bad.AddPath("/nonexistent/calendars.yaml");
  REQUIRE(bad.errors().size() == 1);
  CHECK(bad.errors()[0].loc().file == "/nonexistent/calendars.yaml");
}

TEST_CASE("Find: names, FILE:NAME, ambiguity and suggestions") {
  Registry reg;
  reg.AddDocument(YamlDoc::FromString("calendars:\n  biz: {timezone: Asia/Tokyo}\n  pay: {base: biz, rules: [{day: 1}]}\n",
                                      "a.yaml"));
  reg.AddDocument(YamlDoc::FromString("calendars:\n  biz: {timezone: Europe/Berlin}\n  pay2: {base: biz, rules: [{day: 1}]}\n",
                                      "dir/b.yaml"));
  reg.Resolve();
  REQUIRE(reg.errors().empty());
  CHECK(UsageMessage(reg, "biz") ==
        "calendar 'biz' is ambiguous: defined at a.yaml:2:3 and dir/b.yaml:2:3; name it as FILE:biz");
  CHECK(reg.Find("a.yaml:biz").file == "a.yaml");
  CHECK(reg.Find("b.yaml:biz").file == "dir/b.yaml");  // the base name of the file is enough
  CHECK(reg.Find("dir/b.yaml:biz").file == "dir/b.yaml");
  CHECK(reg.Find("a.yaml:biz").Zone() == FindZone("Asia/Tokyo"));
  // A base resolves within its own file first.
  CHECK(reg.Find("pay").Zone() == FindZone("Asia/Tokyo"));
  CHECK(reg.Find("pay2").Zone() == FindZone("Europe/Berlin"));
  CHECK(UsageMessage(reg, "bzi") == "unknown calendar 'bzi', did you mean 'biz'?");
  CHECK(UsageMessage(reg, "payroll") == "unknown calendar 'payroll'");
  CHECK(UsageMessage(reg, "c.yaml:pay").rfind("unknown calendar 'c.yaml:pay'", 0) == 0);
  CHECK(reg.All().size() == 4);

  Registry none;
  none.Resolve();
  CHECK(UsageMessage(none, "biz") == "no calendars loaded: give -f FILE or set [calendar] path in the settings file");
}

TEST_CASE("the example file loads and answers hand-checked dates") {
  Registry reg;
  reg.AddPath(kExample);
  reg.Resolve();
  for (const auto& e : reg.errors()) FAIL_CHECK(e.what());
  REQUIRE(reg.errors().empty());
  CHECK(reg.All().size() == 12);
  CHECK(reg.Find("calendars.yaml:biz").name == "biz");

  const Calendar& batch = reg.Find("month-end-batch");
  CHECK(batch.IsBusinessDay(D("2026-12-28")));
  CHECK_FALSE(batch.IsBusinessDay(D("2026-12-30")));
  CHECK(batch.IsBusinessDay(D("2026-11-30")));
  CHECK(batch.Classify(D("2026-12-28")).reason == "rule 1 (last business day)");
  const Calendar& gotobi = reg.Find("gotobi-settlement");
  CHECK(gotobi.IsBusinessDay(D("2026-05-01")));
  CHECK_FALSE(gotobi.IsBusinessDay(D("2026-05-05")));
  CHECK(reg.Find("payday").IsBusinessDay(D("2026-01-23")));
  CHECK(reg.Find("payroll-calc").IsBusinessDay(D("2026-01-21")));
  CHECK_FALSE(reg.Find("payroll-calc").IsBusinessDay(D("2026-01-23")));
  CHECK(reg.Find("closing-start").IsBusinessDay(D("2026-02-24")));
  CHECK_FALSE(reg.Find("closing-start").IsBusinessDay(D("2026-02-21")));
  CHECK(reg.Find("quarterly-report").IsBusinessDay(D("2026-04-14")));
  CHECK_FALSE(reg.Find("quarterly-report").IsBusinessDay(D("2026-05-12")));
  CHECK(reg.Find("backup-rotation").IsBusinessDay(D("2026-07-21")));

  const Calendar& biz = reg.Find("biz");
  CHECK(biz.IsBusinessDay(D("2026-11-28")));  // 棚卸し出勤日
  CHECK_FALSE(biz.IsBusinessDay(D("2026-10-01")));
  CHECK_FALSE(IsOpenAt(biz, T("2026-12-28T13:00:00+09:00"), nullptr));  // 仕事納め

  const Calendar& night = reg.Find("night-ops");
  CHECK(night.DayStart() == 300);
  DayInfo info;
  CHECK(IsOpenAt(night, T("2026-11-21T02:00:00+09:00"), &info));
  CHECK(BusinessDateOf(night, T("2026-11-21T02:00:00+09:00")) == D("2026-11-20"));
  CHECK_FALSE(IsOpenAt(night, T("2026-11-21T05:00:00+09:00"), nullptr));
  CHECK(IsOpenAt(night, T("2026-11-28T20:00:00+09:00"), nullptr));  // the working Saturday
  CHECK_FALSE(IsOpenAt(night, T("2026-11-29T20:00:00+09:00"), nullptr));

  const Calendar& dc = reg.Find("dc-frankfurt");
  CHECK_FALSE(dc.IsBusinessDay(D("2026-12-06")));
  CHECK(dc.IsBusinessDay(D("2026-12-05")));
  CHECK(IsOpenAt(dc, T("2026-12-05T23:30:00+01:00"), nullptr));
  CHECK_FALSE(IsOpenAt(dc, T("2026-12-06T00:30:00+01:00"), nullptr));
  CHECK_FALSE(reg.Find("gov").IsBusinessDay(D("2026-12-30")));
  CHECK(reg.Find("bank").IsBusinessDay(D("2026-12-30")));
}

TEST_CASE("the JP1/Hinemos example file loads and answers hand-checked dates") {
  Registry reg;
  reg.AddPath(HOPS_SOURCE_DIR "/examples/jp1-rules.yaml");
  reg.Resolve();
  for (const auto& e : reg.errors()) FAIL_CHECK(e.what());
  REQUIRE(reg.errors().empty());
  auto open_days = [&](const std::string& name, const std::string& from, const std::string& to) {
    std::vector<std::string> out;
    const Calendar& cal = reg.Find(name);
    for (Day d = D(from); d <= D(to); d += date::days{1})
      if (cal.IsBusinessDay(d)) out.push_back(FormatIsoDate(d));
    return out;
  };
  using Days = std::vector<std::string>;
  // The 25th, or the business day before it, whatever the 基準日.
  CHECK(open_days("sales-close", "2026-01-01", "2026-12-31") ==
        Days{"2026-01-23", "2026-02-25", "2026-03-25", "2026-04-24", "2026-05-25", "2026-06-25", "2026-07-24",
             "2026-08-25", "2026-09-25", "2026-10-23", "2026-11-25", "2026-12-25"});
  // The 21st plus 24 days, or the business day after: 02-14 (sat) -> 16th, 06-14 (sun) -> 15th,
  // 08-14 (夏季休暇) -> 17th, 11-14 (sat) -> 16th.
  CHECK(open_days("sales-review", "2026-01-01", "2026-12-31") ==
        Days{"2026-01-14", "2026-02-16", "2026-03-17", "2026-04-14", "2026-05-15", "2026-06-15", "2026-07-15",
             "2026-08-17", "2026-09-14", "2026-10-15", "2026-11-16", "2026-12-15"});
  // Fiscal April: 2026-03-21 is a Saturday; 2027-03-21 is 春分の日 (a Sunday) and the 22nd its
  // substitute holiday.
  CHECK(open_days("fiscal-april", "2026-01-01", "2027-12-31") == Days{"2026-03-23", "2027-03-23"});
  // The working Saturday 2026-08-01 ends the month that runs from 07-06 to 08-02.
  CHECK(open_days("weekly-cycle", "2026-01-01", "2026-12-31") ==
        Days{"2026-01-30", "2026-02-27", "2026-04-03", "2026-05-01", "2026-05-29", "2026-07-03", "2026-08-01",
             "2026-09-04", "2026-10-02", "2026-10-30", "2026-12-04", "2026-12-28"});
  CHECK(open_days("after-meeting", "2026-07-01", "2026-09-30") == Days{"2026-07-15", "2026-08-12", "2026-09-09"});
  // 02-28 (sat) turns back to the 27th; 2025-12-28 (sun) finds only closed days within 3 days.
  CHECK(open_days("month-28", "2026-01-01", "2026-12-31") ==
        Days{"2026-01-28", "2026-02-27", "2026-03-30", "2026-04-28", "2026-05-28", "2026-06-29", "2026-07-28",
             "2026-08-28", "2026-09-28", "2026-10-28", "2026-11-30", "2026-12-28"});
  CHECK(open_days("month-28", "2025-12-01", "2025-12-31").empty());
  CHECK(reg.Find("month-28").Classify(D("2025-12-28")).reason ==
        "rule 1 (day 28, shift after, within month) selected this date, but it is not a business day in 'office' "
        "(weekly day off (sun)) and no business day of 'office' is within 3 days after it (max_shift 3): no run");
  CHECK(open_days("gotobi-30", "2026-07-01", "2026-07-31") ==
        Days{"2026-07-03", "2026-07-10", "2026-07-15", "2026-07-17", "2026-07-24", "2026-07-30"});
  CHECK(open_days("gotobi-30", "2026-02-01", "2026-02-28") ==
        Days{"2026-02-05", "2026-02-10", "2026-02-13", "2026-02-20", "2026-02-25", "2026-02-27"});
  // The working Saturday has its own hours.
  CHECK(IsOpenAt(reg.Find("office"), T("2026-08-01T16:59:00+09:00"), nullptr));
  CHECK_FALSE(IsOpenAt(reg.Find("office"), T("2026-08-01T17:00:00+09:00"), nullptr));
}

TEST_CASE("loading a directory: *.yaml and *.yml in name order, hidden files skipped") {
  const std::string dir = HOPS_SOURCE_DIR "/tests/fixtures/calendars";
  Registry reg;
  reg.AddPath(dir);
  reg.Resolve();
  for (const auto& e : reg.errors()) FAIL_CHECK(e.what());
  auto all = reg.All();
  REQUIRE(all.size() == 2);
  CHECK(all[0]->name == "office");
  CHECK(all[0]->file == dir + "/10-office.yaml");
  CHECK(all[1]->name == "office-payday");
  CHECK(all[1]->file == dir + "/20-payday.yml");
  // The base comes from the other file.
  CHECK(reg.Find("office-payday").IsBusinessDay(D("2026-01-23")));
  CHECK(reg.Find("20-payday.yml:office-payday").name == "office-payday");
}

namespace {

struct FuzzStats {
  int inputs = 0;
  int loaded = 0;  // inputs that loaded without errors and were queried
};

// Loads @p text and, when it has no errors, asks every calendar some questions. Anything but a
// hops::Error escaping is a failure.
void Exercise(const std::string& text, FuzzStats* stats) {
  ++stats->inputs;
  try {
    Registry reg;
    try {
      reg.AddDocument(YamlDoc::FromString(text, "fuzz.yaml"));
    } catch (const DefinitionError&) {
      return;
    }
    reg.Resolve();
    for (const auto& e : reg.errors()) {
      // Every error names the file and has a message.
      if (e.loc().file != "fuzz.yaml" || e.message().empty()) FAIL_CHECK("odd error: " << e.what());
    }
    if (!reg.errors().empty()) return;
    static const Day days[] = {D("2026-01-01"), D("2026-02-24"), D("2026-05-06"), D("2026-12-28")};
    const Instant t = T("2026-11-21T02:00:00+09:00");
    for (const Calendar* c : reg.All()) {
      for (Day d : days) {
        try {
          c->Classify(d);
        } catch (const RangeError&) {
        }
      }
      try {
        DayInfo info;
        std::optional<std::pair<Instant, Instant>> window;
        IsOpenAt(*c, t, &info, &window);
        OpenTimeBetween(*c, t, t + date::days{3});
        NextBusinessDay(*c, days[2], 1);
      } catch (const RangeError&) {
      }
    }
    ++stats->loaded;
  } catch (const hops::Error&) {
    // A reported error is a fine answer to garbage.
  } catch (const std::exception& e) {
    FAIL_CHECK("unexpected exception " << typeid(e).name() << ": " << e.what() << "\ninput:\n" << text);
  } catch (...) {
    FAIL_CHECK("unexpected non-std exception\ninput:\n" << text);
  }
}

}  // namespace

TEST_CASE("fuzz: truncated, mutated and random input never crashes the loader") {
  const std::string example = ReadFile(kExample);
  REQUIRE(example.size() > 1000);
  auto started = std::chrono::steady_clock::now();
  FuzzStats stats;

  // (a) Every prefix at ~300 evenly spaced offsets.
  for (size_t i = 0; i < 300; ++i) Exercise(example.substr(0, example.size() * i / 299), &stats);

  // (b) Single-byte mutations, deletions and insertions, with a fixed seed.
  std::mt19937 rng(20261122);
  const std::string interesting = ":-[]{},#&*!|>'\"%@` \n\t0123456789.lastmonfri";
  auto random_byte = [&]() -> char {
    if (rng() % 2) return interesting[rng() % interesting.size()];
    return static_cast<char>(rng() % 256);
  };
  for (int i = 0; i < 2000; ++i) {
    std::string text = example;
    size_t pos = rng() % text.size();
    switch (rng() % 3) {
      case 0: text[pos] = random_byte(); break;
      case 1: text.erase(pos, 1); break;
      default: text.insert(text.begin() + static_cast<long>(pos), random_byte()); break;
    }
    Exercise(text, &stats);
  }

  // (c) Random bytes, and random YAML-ish text.
  for (int i = 0; i < 200; ++i) {
    std::string text(rng() % 300, '\0');
    for (char& c : text) c = static_cast<char>(rng() % 256);
    Exercise(text, &stats);
    for (char& c : text) c = interesting[rng() % interesting.size()];
    Exercise("calendars:\n  x:\n    " + text, &stats);
  }

  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  MESSAGE("fuzz: " << stats.inputs << " inputs, " << stats.loaded << " loaded cleanly, " << elapsed.count() << " ms");
  CHECK(stats.inputs == 300 + 2000 + 400);
  // The mutations are small: many of them must still load, or the fuzzing exercises nothing.
  CHECK(stats.loaded > 500);
}

}  // TEST_SUITE
