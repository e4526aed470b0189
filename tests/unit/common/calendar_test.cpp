// Business-calendar engine: day classification, rules, hours, DST and explanations.
#include "common/calendar.hpp"
#include "cmd/hcal/commands.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <ctime>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/calendar_load.hpp"
#include "common/yaml_doc.hpp"

// Print lists of dates in failure messages.
namespace doctest {
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string s = "{";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
    return (s + "}").c_str();
  }
};
}  // namespace doctest

using namespace hops;
using namespace hops::cal;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

namespace {

Day D(const std::string& s) {
  auto d = ParseIsoDate(s);
  REQUIRE_MESSAGE(d.has_value(), "bad test date " << s);
  return *d;
}

// "2026-11-20T10:00:00+09:00" (offset required).
// An instant with an explicit offset ("2026-11-21T02:00:00+09:00"), parsed as hcal parses --at.
Instant T(const std::string& s) { return ParseInstant(s, nullptr); }

std::unique_ptr<Registry> Load(const std::string& text, LoadOptions options = {}) {
  auto reg = std::make_unique<Registry>(options);
  reg->AddDocument(YamlDoc::FromString(text, "t.yaml"));
  reg->Resolve();
  for (const auto& e : reg->errors()) FAIL_CHECK(e.what());
  REQUIRE(reg->errors().empty());
  return reg;
}

// Business days of @p cal in [from, to], as ISO dates.
std::vector<std::string> OpenDays(const Calendar& cal, const std::string& from, const std::string& to) {
  std::vector<std::string> out;
  for (Day d = D(from); d <= D(to); d += date::days{1})
    if (cal.IsBusinessDay(d)) out.push_back(FormatIsoDate(d));
  return out;
}

bool OpenAt(const Calendar& cal, const std::string& t) { return IsOpenAt(cal, T(t), nullptr); }

// The company calendar most rule tests build on (like examples/calendars.yaml) and an all-open base.
const std::string kBase = R"(calendars:
  biz:
    timezone: Asia/Tokyo
    weekdays: mon-fri
    holidays: [jp]
    closed:
      - {date: 12-29..01-03, name: 年末年始}
      - {date: 08-13..08-15, name: 夏季休暇}
      - {date: 2026-10-01, name: 創立記念日}
    open:
      - {date: 2026-11-28, name: 棚卸し出勤日}
  all:
    timezone: Asia/Tokyo
    weekdays: mon-sun
)";

using Days = std::vector<std::string>;

}  // namespace

TEST_SUITE("calendar") {

// ---------------------------------------------------------------------------------------------
// Parsers

TEST_CASE("ParseTimeRange accepts ranges, midnight crossing and JP1 48-hour notation") {
  std::string err;
  auto r = [&](const std::string& s) {
    err.clear();
    auto v = ParseTimeRange(s, &err);
    CAPTURE(s);
    CAPTURE(err);
    REQUIRE(v.has_value());
    return std::make_pair(v->start, v->end);
  };
  CHECK(r("09:00-18:00") == std::make_pair(540, 1080));
  CHECK(r("9:00-18:00") == std::make_pair(540, 1080));
  CHECK(r("22:00-06:00") == std::make_pair(1320, 1800));  // crosses midnight
  CHECK(r("10:00-09:00") == std::make_pair(600, 1980));   // 23 hours across midnight
  CHECK(r("09:00-29:00") == std::make_pair(540, 1740));   // JP1: past 24:00
  CHECK(r("00:00-24:00") == std::make_pair(0, 1440));
  CHECK(r("23:00-47:00") == std::make_pair(1380, 2820));
  CHECK(r("24:00-48:00") == std::make_pair(1440, 2880));
  CHECK(r("00:00-00:01") == std::make_pair(0, 1));
  CHECK(FormatTimeRange({1320, 1800}) == "22:00-30:00");
  CHECK(FormatTimeRange({540, 1080}) == "09:00-18:00");
}

TEST_CASE("ParseTimeRange error texts") {
  auto e = [](const std::string& s) {
    std::string err;
    CAPTURE(s);
    CHECK_FALSE(ParseTimeRange(s, &err).has_value());
    return err;
  };
  CHECK(e("09:00") == "expected a time range 'HH:MM-HH:MM', got '09:00'");
  CHECK(e("25:00-") ==
        "malformed time range '25:00-': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59");
  CHECK(e("09:60-10:00") ==
        "malformed time range '09:60-10:00': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59");
  CHECK(e("10:00-10:00") == "time range '10:00-10:00' is empty");
  CHECK(e("48:00-47:00") == "time range '48:00-47:00' starts at or after 48:00");
  CHECK(e("30:00-05:00") == "time range '30:00-05:00' ends before it starts");
  CHECK(e("00:00-30:00") == "time range '00:00-30:00' is longer than 24 hours or ends after 48:00");
  CHECK(e("00:00-48:00") == "time range '00:00-48:00' is longer than 24 hours or ends after 48:00");
  for (const char* bad : {"49:00-50:00", "48:01-10:00", "1:0-2:00", "123:00-124:00", " 09:00-18:00",
                          "09:00-18:00 ", "-", "aa:bb-cc:dd", "09:00-18:00-19:00", "09.00-18.00"}) {
    CAPTURE(bad);
    CHECK(e(bad).rfind("malformed time range", 0) == 0);
  }
}

TEST_CASE("ParseDateSpec forms, Contains and errors") {
  std::string err;
  auto one = ParseDateSpec("2026-05-01", &err);
  REQUIRE(one);
  CHECK_FALSE(one->recurring);
  CHECK(one->from == D("2026-05-01"));
  CHECK(one->to == D("2026-05-01"));
  auto range = ParseDateSpec("2026-08-10..2026-08-14", &err);
  REQUIRE(range);
  CHECK(range->Contains(D("2026-08-10"), 810));
  CHECK(range->Contains(D("2026-08-14"), 814));
  CHECK_FALSE(range->Contains(D("2026-08-15"), 815));
  CHECK_FALSE(range->Contains(D("2027-08-10"), 810));
  auto wrap = ParseDateSpec("12-29..01-03", &err);
  REQUIRE(wrap);
  CHECK(wrap->recurring);
  CHECK(wrap->from_md == 1229);
  CHECK(wrap->to_md == 103);
  CHECK(wrap->Contains(D("2026-12-29"), 1229));
  CHECK(wrap->Contains(D("2027-01-03"), 103));
  CHECK_FALSE(wrap->Contains(D("2026-12-28"), 1228));
  CHECK_FALSE(wrap->Contains(D("2026-06-15"), 615));
  auto leap = ParseDateSpec("02-29", &err);
  REQUIRE(leap);
  CHECK(leap->from_md == 229);

  auto bad = [](const std::string& s) {
    std::string e;
    CAPTURE(s);
    CHECK_FALSE(ParseDateSpec(s, &e).has_value());
    return e;
  };
  // Well-formed but impossible dates say why.
  CHECK(bad("2026-02-30") == "invalid date '2026-02-30': February 2026 has 28 days");
  CHECK(bad("2024-02-30") == "invalid date '2024-02-30': February 2024 has 29 days");
  CHECK(bad("2026-01-01..2026-06-31") == "invalid date '2026-06-31' in '2026-01-01..2026-06-31': June 2026 has 30 days");
  CHECK(bad("13-01") == "invalid date '13-01': there is no month 13");
  CHECK(bad("02-30") == "invalid date '02-30': February has at most 29 days");
  CHECK(bad("00-10") == "invalid date '00-10': there is no month 0");
  CHECK(bad("12-00") == "invalid date '12-00': there is no day 0");
  CHECK(bad("2026-01-05..2026-01-01") == "date range '2026-01-05..2026-01-01' ends before it starts");
  for (const char* s : {"12-29..2027-01-03", "", "..", "2026-1-5", "12/29", "2026-05-01..", "tomorrow"}) {
    CAPTURE(s);
    CHECK(bad(s).rfind("malformed date '", 0) == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Days

TEST_CASE("weekly patterns") {
  auto reg = Load(R"(calendars:
  default: {timezone: UTC}
  weekend: {timezone: UTC, weekdays: "sat,sun"}
  wrap: {timezone: UTC, weekdays: fri-mon}
  listed: {timezone: UTC, weekdays: [mon, wed-thu]}
  long: {timezone: UTC, weekdays: "Monday, FRIDAY"}
)");
  // 2026-05-11 is a Monday.
  CHECK(OpenDays(reg->Find("default"), "2026-05-11", "2026-05-17") ==
        Days{"2026-05-11", "2026-05-12", "2026-05-13", "2026-05-14", "2026-05-15"});
  CHECK(OpenDays(reg->Find("weekend"), "2026-05-11", "2026-05-17") == Days{"2026-05-16", "2026-05-17"});
  CHECK(OpenDays(reg->Find("wrap"), "2026-05-11", "2026-05-17") ==
        Days{"2026-05-11", "2026-05-15", "2026-05-16", "2026-05-17"});
  CHECK(OpenDays(reg->Find("listed"), "2026-05-11", "2026-05-17") ==
        Days{"2026-05-11", "2026-05-13", "2026-05-14"});
  CHECK(OpenDays(reg->Find("long"), "2026-05-11", "2026-05-17") == Days{"2026-05-11", "2026-05-15"});

  DayInfo sat = reg->Find("default").Classify(D("2026-05-16"));
  CHECK_FALSE(sat.open);
  CHECK(sat.reason == "weekly day off (sat)");
  CHECK(sat.source == "weekdays");
  CHECK_FALSE(sat.named);
  CHECK(sat.loc.line == 2);
  CHECK(sat.loc.column == 3);
  // With 'weekdays' given, the explanation points at it.
  DayInfo fri = reg->Find("weekend").Classify(D("2026-05-15"));
  CHECK(fri.reason == "weekly day off (fri)");
  CHECK(fri.loc.line == 3);
  CHECK(fri.loc.column == 38);
  DayInfo mon = reg->Find("default").Classify(D("2026-05-11"));
  CHECK(mon.open);
  CHECK(mon.reason == "business day (mon)");
}

TEST_CASE("Japanese holidays in a calendar") {
  auto reg = Load(R"(calendars:
  jp: {timezone: Asia/Tokyo, holidays: jp}
)");
  const Calendar& cal = reg->Find("jp");
  DayInfo sub = cal.Classify(D("2026-05-06"));
  CHECK_FALSE(sub.open);
  CHECK(sub.reason.find("振替休日") != std::string::npos);
  CHECK(sub.reason.find("憲法記念日") != std::string::npos);
  CHECK(sub.reason == "振替休日 (substitute for 憲法記念日 2026-05-03)");
  CHECK(sub.reason_en == "Substitute Holiday (substitute for Constitution Memorial Day 2026-05-03)");
  CHECK(sub.source == "jp");
  CHECK(sub.named);
  CHECK_FALSE(sub.predicted);

  // A holiday on a Sunday is reported as the holiday, not as the weekly day off.
  DayInfo sun = cal.Classify(D("2026-05-03"));
  CHECK_FALSE(sun.open);
  CHECK(sun.reason == "憲法記念日");
  CHECK(cal.Classify(D("2026-09-22")).reason == "国民の休日");

  CHECK(OpenDays(cal, "2026-04-28", "2026-05-08") ==
        Days{"2026-04-28", "2026-04-30", "2026-05-01", "2026-05-07", "2026-05-08"});

  // Equinoxes beyond the published table are predictions, and say so.
  DayInfo eq = cal.Classify(D("2030-03-20"));
  CHECK_FALSE(eq.open);
  CHECK(eq.reason == "春分の日");
  CHECK(eq.predicted);
}

TEST_CASE("jp-gov and jp-bank year-end presets") {
  auto reg = Load(R"(calendars:
  gov: {timezone: Asia/Tokyo, holidays: [jp-gov]}
  bank: {timezone: Asia/Tokyo, holidays: jp-bank}
  both: {timezone: Asia/Tokyo, holidays: [jp, jp-gov, jp]}
)");
  const Calendar& gov = reg->Find("gov");
  const Calendar& bank = reg->Find("bank");
  CHECK(OpenDays(gov, "2026-12-24", "2027-01-06") ==
        Days{"2026-12-24", "2026-12-25", "2026-12-28", "2027-01-04", "2027-01-05", "2027-01-06"});
  CHECK(OpenDays(bank, "2026-12-24", "2027-01-06") ==
        Days{"2026-12-24", "2026-12-25", "2026-12-28", "2026-12-29", "2026-12-30", "2027-01-04",
             "2027-01-05", "2027-01-06"});
  CHECK_FALSE(gov.IsBusinessDay(D("2026-12-30")));
  CHECK(bank.IsBusinessDay(D("2026-12-30")));

  DayInfo g = gov.Classify(D("2026-12-29"));
  CHECK(g.reason == "年末年始 (12-29..01-03)");
  CHECK(g.reason_en == "Year-end holidays (12-29..01-03)");
  CHECK(g.source == "jp-gov");
  CHECK(g.named);
  DayInfo b = bank.Classify(D("2026-12-31"));
  CHECK(b.reason == "年末年始 (12-31..01-03)");
  CHECK(b.reason_en == "Bank holidays (12-31..01-03)");
  CHECK(b.source == "jp-bank");
  // A Saturday inside the closure is reported as the closure; New Year's Day as the holiday.
  CHECK(bank.Classify(D("2027-01-02")).reason == "年末年始 (12-31..01-03)");
  CHECK(bank.Classify(D("2027-01-01")).reason == "元日");
  // Both presets include the national holidays.
  CHECK_FALSE(gov.IsBusinessDay(D("2026-05-06")));
  CHECK_FALSE(bank.IsBusinessDay(D("2026-05-06")));

  const Calendar& both = reg->Find("both");
  CHECK(both.holiday_sets == std::vector<std::string>{"jp", "jp-gov"});
  CHECK(both.Classify(D("2026-12-29")).source == "jp-gov");
  CHECK(both.Classify(D("2026-05-06")).source == "jp");
}

TEST_CASE("closures: recurring across the year end, one-off ranges, single days") {
  auto reg = Load(R"(calendars:
  co:
    timezone: Asia/Tokyo
    closed:
      - {date: 12-29..01-03, name: 年末年始}
      - 2026-08-10..2026-08-14
      - 05-01
)");
  const Calendar& co = reg->Find("co");
  CHECK(OpenDays(co, "2026-12-24", "2027-01-06") ==
        Days{"2026-12-24", "2026-12-25", "2026-12-28", "2027-01-04", "2027-01-05", "2027-01-06"});
  CHECK_FALSE(co.IsBusinessDay(D("2025-12-29")));  // every year
  CHECK_FALSE(co.IsBusinessDay(D("2028-01-03")));
  CHECK(co.IsBusinessDay(D("2026-06-15")));  // the wrapped range is not inverted

  DayInfo ny = co.Classify(D("2027-01-01"));
  CHECK_FALSE(ny.open);
  CHECK(ny.reason == "closure: 年末年始 (12-29..01-03)");
  CHECK(ny.source == "closed");
  CHECK(ny.named);
  CHECK(ny.loc.file == "t.yaml");
  CHECK(ny.loc.line == 5);
  CHECK(ny.loc.column == 9);

  CHECK(OpenDays(co, "2026-08-07", "2026-08-17") == Days{"2026-08-07", "2026-08-17"});
  DayInfo summer = co.Classify(D("2026-08-12"));
  CHECK(summer.reason == "closure: 2026-08-10..2026-08-14");
  CHECK(summer.loc.line == 6);
  CHECK(co.IsBusinessDay(D("2027-08-10")));  // one-off

  CHECK(co.Classify(D("2026-05-01")).reason == "closure: 05-01");
  CHECK_FALSE(co.IsBusinessDay(D("2028-05-01")));  // a Monday
  CHECK(co.IsBusinessDay(D("2028-05-02")));
}

TEST_CASE("open exceptions: a working Saturday, a holiday and a closure opened") {
  auto reg = Load(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    holidays: [jp]
    closed:
      - {date: 12-29..01-03, name: 年末年始}
    open:
      - {date: 2026-11-28, name: 棚卸し出勤日}
      - 2026-11-03
      - 2026-12-30
)");
  const Calendar& biz = reg->Find("biz");
  DayInfo sat = biz.Classify(D("2026-11-28"));
  CHECK(sat.open);
  CHECK(sat.reason == "open by exception: 棚卸し出勤日 (2026-11-28)");
  CHECK(sat.source == "open");
  CHECK(sat.named);
  CHECK(sat.loc.line == 8);
  DayInfo holiday = biz.Classify(D("2026-11-03"));  // 文化の日
  CHECK(holiday.open);
  CHECK(holiday.reason == "open by exception: 2026-11-03");
  CHECK(biz.IsBusinessDay(D("2026-12-30")));
  CHECK_FALSE(biz.IsBusinessDay(D("2026-12-29")));
  CHECK_FALSE(biz.IsBusinessDay(D("2025-12-30")));
  CHECK_FALSE(biz.IsBusinessDay(D("2026-11-29")));  // the Sunday after stays closed
}

TEST_CASE("validity period") {
  auto reg = Load(R"(calendars:
  v:
    timezone: Asia/Tokyo
    valid: {from: 2026-04-01, to: 2027-03-31}
    open: [2026-03-28]
  vfrom:
    timezone: Asia/Tokyo
    valid: {from: 2026-04-01}
)");
  const Calendar& v = reg->Find("v");
  DayInfo before = v.Classify(D("2026-03-31"));
  CHECK_FALSE(before.open);
  CHECK(before.source == "validity");
  CHECK(before.reason == "outside the validity period (2026-04-01..2027-03-31)");
  CHECK_FALSE(v.IsBusinessDay(D("2026-03-28")));  // validity beats an open exception
  CHECK(v.IsBusinessDay(D("2026-04-01")));
  CHECK(v.IsBusinessDay(D("2027-03-31")));
  CHECK_FALSE(v.IsBusinessDay(D("2027-04-01")));
  CHECK(v.Classify(D("2027-04-01")).source == "validity");

  const Calendar& vf = reg->Find("vfrom");
  CHECK_FALSE(vf.IsBusinessDay(D("2026-03-31")));
  CHECK(vf.Classify(D("2026-03-31")).reason == "outside the validity period (from 2026-04-01)");
  CHECK(vf.IsBusinessDay(D("2199-12-31")));  // a Tuesday, no end
}

TEST_CASE("NextBusinessDay and ShiftToBusinessDay across Golden Week and the year end") {
  auto reg = Load(kBase);
  const Calendar& biz = reg->Find("biz");
  CHECK(NextBusinessDay(biz, D("2026-05-01"), 1) == D("2026-05-07"));
  CHECK(NextBusinessDay(biz, D("2026-05-07"), -1) == D("2026-05-01"));
  CHECK(NextBusinessDay(biz, D("2026-05-03"), 1) == D("2026-05-07"));
  CHECK(NextBusinessDay(biz, D("2026-05-07"), 1) == D("2026-05-08"));
  CHECK(ShiftToBusinessDay(biz, D("2026-05-03"), 1) == D("2026-05-07"));
  CHECK(ShiftToBusinessDay(biz, D("2026-05-03"), -1) == D("2026-05-01"));
  CHECK(ShiftToBusinessDay(biz, D("2026-05-01"), 1) == D("2026-05-01"));  // already a business day
  CHECK(NextBusinessDay(biz, D("2026-12-28"), 1) == D("2027-01-04"));
  CHECK(NextBusinessDay(biz, D("2027-01-04"), -1) == D("2026-12-28"));
  CHECK(ShiftToBusinessDay(biz, D("2027-01-01"), -1) == D("2026-12-28"));
  CHECK(ShiftToBusinessDay(biz, D("2026-12-31"), 1) == D("2027-01-04"));
  // The working Saturday counts.
  CHECK(NextBusinessDay(biz, D("2026-11-27"), 1) == D("2026-11-28"));
  // Nothing beyond the supported range.
  CHECK_FALSE(NextBusinessDay(biz, D("2150-12-31"), 1).has_value());
  CHECK_FALSE(NextBusinessDay(biz, D("1948-07-20"), -1).has_value());
  CHECK_THROWS_AS(NextBusinessDay(biz, D("2151-01-01"), -1), RangeError);

  auto limited = Load(R"(calendars:
  old: {timezone: UTC, valid: {to: 2026-12-31}}
)");
  CHECK_FALSE(NextBusinessDay(limited->Find("old"), D("2026-12-31"), 1).has_value());
  CHECK(NextBusinessDay(limited->Find("old"), D("2027-06-01"), -1) == D("2026-12-31"));
}

TEST_CASE("supported range: RangeError outside it") {
  auto reg = Load(kBase + R"(  rule: {base: biz, rules: [{business_day: last}]}
  plain: {timezone: UTC}
)");
  const Calendar& biz = reg->Find("biz");
  CHECK(biz.UsesJp());
  CHECK_THROWS_AS(biz.Classify(D("1948-07-19")), RangeError);
  CHECK_THROWS_AS(biz.Classify(D("2151-01-01")), RangeError);
  CHECK_NOTHROW(biz.Classify(D("1948-07-20")));
  CHECK_NOTHROW(biz.Classify(D("2150-12-31")));
  try {
    biz.Classify(D("1948-07-19"));
  } catch (const RangeError& e) {
    CHECK(std::string(e.what()) ==
          "date 1948-07-19 is outside the supported range 1948-07-20..2150-12-31 of calendar 'biz' "
          "(Japanese holidays are defined from 1948-07-20)");
    CHECK(e.kind() == ErrorKind::kRange);
  }
  CHECK_THROWS_AS(IsOpenAt(biz, T("1948-07-19T12:00:00+09:00"), nullptr), RangeError);
  CHECK_THROWS_AS(IsOpenAt(biz, T("2151-01-01T12:00:00+09:00"), nullptr), RangeError);
  CHECK_THROWS_AS(OpenTimeBetween(biz, T("1948-07-19T00:00:00+09:00"), T("1948-08-01T00:00:00+09:00")),
                  RangeError);

  // Rule calendars inherit the range and degrade gracefully at its edges.
  const Calendar& rule = reg->Find("rule");
  CHECK(rule.UsesJp());
  CHECK_THROWS_AS(rule.Classify(D("1948-07-19")), RangeError);
  CHECK_THROWS_AS(rule.Classify(D("2151-01-01")), RangeError);
  CHECK(rule.IsBusinessDay(D("1948-07-30")));  // Friday, the last business day of July 1948
  CHECK_FALSE(rule.IsBusinessDay(D("1948-07-29")));
  CHECK(rule.IsBusinessDay(D("2150-12-28")));  // Monday before the 12-29..01-03 closure of biz
  CHECK(OpenDays(rule, "2150-12-01", "2150-12-31") == Days{"2150-12-28"});

  const Calendar& plain = reg->Find("plain");
  CHECK_FALSE(plain.UsesJp());
  CHECK_NOTHROW(plain.Classify(D("1900-01-01")));
  CHECK_NOTHROW(plain.Classify(D("2199-12-31")));
  CHECK_THROWS_AS(plain.Classify(D("1899-12-31")), RangeError);
  CHECK_THROWS_AS(plain.Classify(D("2200-01-01")), RangeError);
}

// ---------------------------------------------------------------------------------------------
// Hours

TEST_CASE("hours: a single range, half-open at both ends") {
  auto reg = Load(R"(calendars:
  office: {timezone: Asia/Tokyo, hours: "09:00-18:00"}
)");
  const Calendar& office = reg->Find("office");
  CHECK(office.HasHours());
  auto w = office.WindowsOf(D("2026-11-20"));
  REQUIRE(w.size() == 1);
  CHECK(w[0].start == 540);
  CHECK(w[0].end == 1080);

  CHECK_FALSE(OpenAt(office, "2026-11-20T08:59:59+09:00"));
  CHECK(OpenAt(office, "2026-11-20T09:00:00+09:00"));
  CHECK(OpenAt(office, "2026-11-20T17:59:59+09:00"));
  DayInfo info;
  std::optional<std::pair<Instant, Instant>> window;
  CHECK(IsOpenAt(office, T("2026-11-20T12:00:00+09:00"), &info, &window));
  REQUIRE(window.has_value());
  CHECK(window->first == T("2026-11-20T09:00:00+09:00"));
  CHECK(window->second == T("2026-11-20T18:00:00+09:00"));
  CHECK(info.open);
  CHECK(info.reason == "business day (fri)");

  CHECK_FALSE(IsOpenAt(office, T("2026-11-20T18:00:00+09:00"), &info));
  CHECK_FALSE(info.open);
  CHECK(info.reason == "outside business hours (09:00-18:00) of business day 2026-11-20");
  CHECK(info.source == "hours");

  CHECK_FALSE(IsOpenAt(office, T("2026-11-21T10:00:00+09:00"), &info));
  CHECK(info.reason == "weekly day off (sat)");
  CHECK(info.source == "weekdays");
}

TEST_CASE("hours: several ranges (lunch break)") {
  auto reg = Load(R"(calendars:
  lunch: {timezone: Asia/Tokyo, hours: ["13:00-18:00", "09:00-12:00"]}
)");
  const Calendar& lunch = reg->Find("lunch");
  auto w = lunch.WindowsOf(D("2026-11-20"));
  REQUIRE(w.size() == 2);
  CHECK(w[0].start == 540);  // sorted
  CHECK(w[1].start == 780);
  CHECK(OpenAt(lunch, "2026-11-20T11:59:59+09:00"));
  CHECK_FALSE(OpenAt(lunch, "2026-11-20T12:00:00+09:00"));
  DayInfo info;
  CHECK_FALSE(IsOpenAt(lunch, T("2026-11-20T12:30:00+09:00"), &info));
  CHECK(info.reason == "outside business hours (09:00-12:00, 13:00-18:00) of business day 2026-11-20");
  std::optional<std::pair<Instant, Instant>> window;
  CHECK(IsOpenAt(lunch, T("2026-11-20T13:00:00+09:00"), &info, &window));
  CHECK(window->first == T("2026-11-20T13:00:00+09:00"));
  CHECK(window->second == T("2026-11-20T18:00:00+09:00"));
  CHECK(OpenTimeBetween(lunch, T("2026-11-20T00:00:00+09:00"), T("2026-11-21T00:00:00+09:00")) == hours(8));
}

TEST_CASE("hours: per-weekday mapping (Saturday half day)") {
  auto reg = Load(R"(calendars:
  shop:
    timezone: Asia/Tokyo
    weekdays: mon-sat
    hours:
      mon-fri: "09:00-18:00"
      sat: "09:00-12:00"
)");
  const Calendar& shop = reg->Find("shop");
  CHECK(OpenAt(shop, "2026-11-20T17:00:00+09:00"));
  CHECK(OpenAt(shop, "2026-11-21T11:00:00+09:00"));
  CHECK_FALSE(OpenAt(shop, "2026-11-21T12:00:00+09:00"));
  CHECK_FALSE(OpenAt(shop, "2026-11-22T11:00:00+09:00"));  // Sunday
  auto sat = shop.WindowsOf(D("2026-11-21"));
  REQUIRE(sat.size() == 1);
  CHECK(sat[0].end == 720);
  // One week: 5 x 9 h + 3 h.
  CHECK(OpenTimeBetween(shop, T("2026-11-16T00:00:00+09:00"), T("2026-11-23T00:00:00+09:00")) == hours(48));
}

TEST_CASE("hours: a business day missing from a per-weekday mapping is not open around the clock") {
  // 'hours' as a mapping lists the hours of each weekday; a business day the mapping forgets must
  // not silently become a 24-hour day. The loader may refuse it, or the day has no open hours.
  auto reg = std::make_unique<Registry>();
  reg->AddDocument(YamlDoc::FromString(R"(calendars:
  shop:
    timezone: Asia/Tokyo
    weekdays: mon-sat
    hours:
      mon-fri: "09:00-18:00"
)",
                                       "t.yaml"));
  reg->Resolve();
  if (reg->errors().empty()) {
    CHECK_FALSE(OpenAt(reg->Find("shop"), "2026-11-21T03:00:00+09:00"));  // Saturday 03:00
    CHECK_FALSE(OpenAt(reg->Find("shop"), "2026-11-21T23:00:00+09:00"));
  } else {
    CHECK(reg->errors().front().message().find("sat") != std::string::npos);
  }
}

TEST_CASE("hours: a calendar without hours inherits all of its base's windows") {
  auto reg = Load(R"(calendars:
  base:
    timezone: Asia/Tokyo
    special_hours:
      12-28: "09:00-12:00"
  child: {base: base}
  office: {timezone: Asia/Tokyo, hours: "09:00-18:00", special_hours: {"12-28": "09:00-12:00"}}
  office-child: {base: office}
)");
  // The base is open all day except on 12-28; the child must answer the same.
  CHECK(OpenAt(reg->Find("base"), "2026-12-28T10:00:00+09:00"));
  CHECK_FALSE(OpenAt(reg->Find("base"), "2026-12-28T13:00:00+09:00"));
  CHECK(OpenAt(reg->Find("child"), "2026-12-28T10:00:00+09:00"));
  CHECK_FALSE(OpenAt(reg->Find("child"), "2026-12-28T13:00:00+09:00"));
  CHECK(OpenAt(reg->Find("child"), "2026-12-25T13:00:00+09:00"));
  CHECK_FALSE(OpenAt(reg->Find("office-child"), "2026-12-28T13:00:00+09:00"));
  CHECK(OpenAt(reg->Find("office-child"), "2026-12-25T13:00:00+09:00"));
  CHECK_FALSE(OpenAt(reg->Find("office-child"), "2026-12-25T19:00:00+09:00"));
  CHECK(reg->Find("office-child").HasHours());
}

TEST_CASE("special_hours: list and mapping forms, recurring and one-off") {
  auto reg = Load(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    hours: "09:00-18:00"
    special_hours:
      - {date: 12-28, hours: "09:00-12:00", name: 仕事納め}
  map:
    timezone: Asia/Tokyo
    hours: "09:00-18:00"
    special_hours:
      "2026-12-24": ["10:00-11:00", "14:00-15:00"]
)");
  const Calendar& biz = reg->Find("biz");
  CHECK(OpenAt(biz, "2026-12-28T11:00:00+09:00"));
  DayInfo info;
  CHECK_FALSE(IsOpenAt(biz, T("2026-12-28T13:00:00+09:00"), &info));
  CHECK(info.reason == "outside business hours (09:00-12:00) of business day 2026-12-28");
  CHECK(OpenAt(biz, "2026-12-21T13:00:00+09:00"));
  CHECK_FALSE(OpenAt(biz, "2027-12-28T13:00:00+09:00"));  // every year (a Tuesday)
  CHECK_FALSE(OpenAt(biz, "2025-12-28T10:00:00+09:00"));  // a Sunday stays closed
  REQUIRE(biz.special_hours.size() == 1);
  CHECK(biz.special_hours[0].name == "仕事納め");

  const Calendar& map = reg->Find("map");
  CHECK(OpenAt(map, "2026-12-24T10:30:00+09:00"));
  CHECK_FALSE(OpenAt(map, "2026-12-24T12:00:00+09:00"));
  CHECK(OpenAt(map, "2026-12-24T14:30:00+09:00"));
  CHECK(OpenAt(map, "2027-12-24T12:00:00+09:00"));  // one-off
  CHECK(OpenTimeBetween(map, T("2026-12-24T00:00:00+09:00"), T("2026-12-25T00:00:00+09:00")) == hours(2));
}

TEST_CASE("hours crossing midnight belong to the day they start on") {
  auto reg = Load(R"(calendars:
  night: {timezone: Asia/Tokyo, weekdays: mon-fri, hours: "22:00-06:00"}
)");
  const Calendar& night = reg->Find("night");
  // Saturday 02:00 is Friday's shift.
  DayInfo info;
  std::optional<std::pair<Instant, Instant>> window;
  CHECK(IsOpenAt(night, T("2026-11-21T02:00:00+09:00"), &info, &window));
  CHECK(info.reason == "business day (fri)");
  REQUIRE(window.has_value());
  CHECK(window->first == T("2026-11-20T22:00:00+09:00"));
  CHECK(window->second == T("2026-11-21T06:00:00+09:00"));
  CHECK(OpenAt(night, "2026-11-21T05:59:59+09:00"));
  CHECK_FALSE(OpenAt(night, "2026-11-21T06:00:00+09:00"));
  CHECK_FALSE(OpenAt(night, "2026-11-20T21:59:59+09:00"));
  CHECK(OpenAt(night, "2026-11-20T22:00:00+09:00"));
  // Monday 02:00 would be Sunday's shift: closed.
  CHECK_FALSE(IsOpenAt(night, T("2026-11-16T02:00:00+09:00"), &info));
  CHECK(OpenAt(night, "2026-11-16T22:00:00+09:00"));
  CHECK(OpenAt(night, "2026-11-17T02:00:00+09:00"));
  // A week has five 8-hour shifts.
  CHECK(OpenTimeBetween(night, T("2026-11-16T00:00:00+09:00"), T("2026-11-23T00:00:00+09:00")) == hours(40));
}

TEST_CASE("JP1 notation 09:00-29:00") {
  auto reg = Load(R"(calendars:
  jp1: {timezone: Asia/Tokyo, hours: "09:00-29:00"}
)");
  const Calendar& jp1 = reg->Find("jp1");
  CHECK(OpenAt(jp1, "2026-11-20T09:00:00+09:00"));
  CHECK(OpenAt(jp1, "2026-11-21T04:59:59+09:00"));
  CHECK_FALSE(OpenAt(jp1, "2026-11-21T05:00:00+09:00"));
  CHECK_FALSE(OpenAt(jp1, "2026-11-16T04:00:00+09:00"));  // Sunday's would-be window
  CHECK(OpenAt(jp1, "2026-11-17T04:00:00+09:00"));        // Monday's window
  CHECK_FALSE(OpenAt(jp1, "2026-11-17T08:00:00+09:00"));
}

TEST_CASE("day_start without hours (JP1 base time)") {
  auto reg = Load(R"(calendars:
  ds: {timezone: Asia/Tokyo, day_start: "05:00"}
  child: {base: ds}
)");
  const Calendar& ds = reg->Find("ds");
  CHECK(ds.DayStart() == 300);
  CHECK_FALSE(ds.HasHours());
  auto w = ds.WindowsOf(D("2026-11-20"));
  REQUIRE(w.size() == 1);
  CHECK(w[0].start == 300);
  CHECK(w[0].end == 1740);

  CHECK(BusinessDateOf(ds, T("2026-11-21T02:00:00+09:00")) == D("2026-11-20"));
  CHECK(BusinessDateOf(ds, T("2026-11-21T04:59:59+09:00")) == D("2026-11-20"));
  CHECK(BusinessDateOf(ds, T("2026-11-21T05:00:00+09:00")) == D("2026-11-21"));
  DayInfo info;
  std::optional<std::pair<Instant, Instant>> window;
  CHECK(IsOpenAt(ds, T("2026-11-21T02:00:00+09:00"), &info, &window));
  CHECK(window->first == T("2026-11-20T05:00:00+09:00"));
  CHECK(window->second == T("2026-11-21T05:00:00+09:00"));
  CHECK_FALSE(IsOpenAt(ds, T("2026-11-21T05:00:00+09:00"), &info));
  CHECK(info.reason == "weekly day off (sat)");
  CHECK_FALSE(OpenAt(ds, "2026-11-16T04:59:59+09:00"));  // still Sunday
  CHECK(OpenAt(ds, "2026-11-16T05:00:00+09:00"));

  const Calendar& child = reg->Find("child");
  CHECK(child.DayStart() == 300);
  CHECK(child.Zone() == ds.Zone());
  CHECK(BusinessDateOf(child, T("2026-11-21T02:00:00+09:00")) == D("2026-11-20"));
  CHECK(OpenAt(child, "2026-11-21T02:00:00+09:00"));
  // Without a day start, the business date is the local date.
  auto plain = Load(R"(calendars:
  p: {timezone: Asia/Tokyo}
)");
  CHECK(BusinessDateOf(plain->Find("p"), T("2026-11-20T15:00:00+00:00")) == D("2026-11-21"));
}

// ---------------------------------------------------------------------------------------------
// Timezones and DST

TEST_CASE("DST: an all-day calendar has 23-hour and 25-hour days") {
  auto reg = Load(R"(calendars:
  ny: {timezone: America/New_York, weekdays: mon-sun}
  nyh: {timezone: America/New_York, weekdays: mon-sun, hours: "00:00-24:00"}
  nysun: {timezone: America/New_York, weekdays: sun}
  ber: {timezone: Europe/Berlin, weekdays: mon-sun}
  bersun: {timezone: Europe/Berlin, weekdays: sun}
)");
  for (const char* name : {"ny", "nyh"}) {
    CAPTURE(name);
    const Calendar& ny = reg->Find(name);
    // 2026-03-08 00:00 EST .. 2026-03-09 00:00 EDT.
    CHECK(OpenTimeBetween(ny, T("2026-03-08T05:00:00+00:00"), T("2026-03-09T04:00:00+00:00")) == hours(23));
    // 2026-11-01 00:00 EDT .. 2026-11-02 00:00 EST.
    CHECK(OpenTimeBetween(ny, T("2026-11-01T04:00:00+00:00"), T("2026-11-02T05:00:00+00:00")) == hours(25));
  }
  // Only the day itself: the gap lies inside the only open day of the week.
  CHECK(OpenTimeBetween(reg->Find("nysun"), T("2026-03-02T12:00:00+00:00"), T("2026-03-16T12:00:00+00:00")) ==
        hours(23 + 24));
  CHECK(OpenTimeBetween(reg->Find("nysun"), T("2026-10-26T12:00:00+00:00"), T("2026-11-09T12:00:00+00:00")) ==
        hours(25 + 24));
  const Calendar& ber = reg->Find("ber");
  CHECK(OpenTimeBetween(ber, T("2026-03-28T23:00:00+00:00"), T("2026-03-29T22:00:00+00:00")) == hours(23));
  CHECK(OpenTimeBetween(ber, T("2026-10-24T22:00:00+00:00"), T("2026-10-25T23:00:00+00:00")) == hours(25));
  CHECK(OpenTimeBetween(reg->Find("bersun"), T("2026-03-23T00:00:00+00:00"), T("2026-03-30T12:00:00+00:00")) ==
        hours(23));
  CHECK(OpenTimeBetween(reg->Find("bersun"), T("2026-10-19T00:00:00+00:00"), T("2026-10-26T12:00:00+00:00")) ==
        hours(25));
}

TEST_CASE("DST: window edges inside the spring-forward gap move to the gap's end") {
  auto reg = Load(R"(calendars:
  w13: {timezone: America/New_York, weekdays: mon-sun, hours: "01:00-03:00"}
  w1230: {timezone: America/New_York, weekdays: mon-sun, hours: "01:00-02:30"}
  w2304: {timezone: America/New_York, weekdays: mon-sun, hours: "02:30-04:00"}
)");
  const TimeZone* ny = reg->Find("w13").Zone();
  REQUIRE(ny != nullptr);
  CHECK(LocalToInstant(ny, D("2026-03-08"), 150) == T("2026-03-08T07:00:00+00:00"));  // 02:30 -> 03:00 EDT
  CHECK(LocalToInstant(ny, D("2026-03-08"), 60) == T("2026-03-08T06:00:00+00:00"));   // 01:00 EST
  CHECK(LocalToInstant(ny, D("2026-11-01"), 90) == T("2026-11-01T05:30:00+00:00"));   // ambiguous: EDT
  CHECK(LocalToInstant(ny, D("2026-11-01"), 150) == T("2026-11-01T07:30:00+00:00"));  // 02:30 EST
  CHECK(LocalToInstant(nullptr, D("2026-11-01"), 90) == T("2026-11-01T01:30:00+00:00"));

  auto day = [&](const char* name, const char* date) {
    Day d = D(date);
    return OpenTimeBetween(reg->Find(name), LocalToInstant(ny, d, 0), LocalToInstant(ny, d + date::days{1}, 0));
  };
  CHECK(day("w13", "2026-03-07") == hours(2));
  CHECK(day("w13", "2026-03-08") == hours(1));
  CHECK(day("w1230", "2026-03-08") == hours(1));
  CHECK(day("w2304", "2026-03-08") == hours(1));
  CHECK(day("w13", "2026-11-01") == hours(3));  // 01:00 EDT .. 03:00 EST

  const Calendar& w13 = reg->Find("w13");
  CHECK(OpenAt(w13, "2026-03-08T06:59:59+00:00"));        // 01:59:59 EST
  CHECK_FALSE(OpenAt(w13, "2026-03-08T07:00:00+00:00"));  // 03:00 EDT
  CHECK(OpenAt(w13, "2026-03-09T05:30:00+00:00"));        // 01:30 EDT the next night
  CHECK_FALSE(OpenAt(w13, "2026-03-09T04:59:59+00:00"));  // 00:59:59 EDT
  std::optional<std::pair<Instant, Instant>> window;
  CHECK(IsOpenAt(w13, T("2026-03-08T06:00:00+00:00"), nullptr, &window));
  CHECK(window->first == T("2026-03-08T06:00:00+00:00"));
  CHECK(window->second == T("2026-03-08T07:00:00+00:00"));
  // Fall back: the repeated hour 01:00-02:00 is open both times.
  CHECK(OpenAt(w13, "2026-11-01T05:30:00+00:00"));  // 01:30 EDT
  CHECK(OpenAt(w13, "2026-11-01T06:30:00+00:00"));  // 01:30 EST
  CHECK(OpenAt(w13, "2026-11-01T07:59:59+00:00"));  // 02:59:59 EST
  CHECK_FALSE(OpenAt(w13, "2026-11-01T08:00:00+00:00"));
}

TEST_CASE("DST: IsOpenAt right before and after the transitions (Berlin)") {
  auto reg = Load(R"(calendars:
  dc: {timezone: Europe/Berlin, weekdays: mon-sun, closed: [2026-03-29, 2026-10-25]}
)");
  const Calendar& dc = reg->Find("dc");
  // Sunday 2026-03-29 (23 h) is closed.
  CHECK(OpenAt(dc, "2026-03-28T22:59:59+00:00"));
  CHECK_FALSE(OpenAt(dc, "2026-03-28T23:00:00+00:00"));
  CHECK_FALSE(OpenAt(dc, "2026-03-29T00:59:59+00:00"));  // 01:59:59 CET
  CHECK_FALSE(OpenAt(dc, "2026-03-29T01:00:00+00:00"));  // 03:00 CEST
  CHECK_FALSE(OpenAt(dc, "2026-03-29T21:59:59+00:00"));
  CHECK(OpenAt(dc, "2026-03-29T22:00:00+00:00"));
  // Sunday 2026-10-25 (25 h) is closed.
  CHECK(OpenAt(dc, "2026-10-24T21:59:59+00:00"));
  CHECK_FALSE(OpenAt(dc, "2026-10-24T22:00:00+00:00"));
  CHECK_FALSE(OpenAt(dc, "2026-10-25T22:59:59+00:00"));
  CHECK(OpenAt(dc, "2026-10-25T23:00:00+00:00"));
  CHECK(OpenTimeBetween(dc, T("2026-10-24T00:00:00+00:00"), T("2026-10-27T00:00:00+00:00")) == hours(72 - 25));
  CHECK(OpenTimeBetween(dc, T("2026-03-28T00:00:00+00:00"), T("2026-03-31T00:00:00+00:00")) == hours(72 - 23));
}

namespace {

// Sets an environment variable for the scope, restoring the old value (and tzset) afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = std::string(old);
    ::setenv(name, value, 1);
    ::tzset();
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
    ::tzset();
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("timezones: the same instant, answered in each calendar's own zone") {
  ScopedEnv tz("TZ", "UTC");
  auto reg = Load(R"(calendars:
  tokyo: {timezone: Asia/Tokyo, hours: "09:00-18:00"}
  newyork: {timezone: America/New_York, hours: "09:00-18:00"}
  nozone: {hours: "09:00-18:00"}
  child: {base: tokyo}
)");
  const Calendar& tokyo = reg->Find("tokyo");
  const Calendar& newyork = reg->Find("newyork");
  const Calendar& nozone = reg->Find("nozone");
  // 2026-11-20T01:00Z: Tokyo Fri 10:00 (open), New York Thu 20:00 (closed), UTC 01:00 (closed).
  CHECK(OpenAt(tokyo, "2026-11-20T01:00:00+00:00"));
  CHECK_FALSE(OpenAt(newyork, "2026-11-20T01:00:00+00:00"));
  CHECK_FALSE(OpenAt(nozone, "2026-11-20T01:00:00+00:00"));
  CHECK(OpenAt(reg->Find("child"), "2026-11-20T01:00:00+00:00"));
  // 2026-11-20T14:00Z: Tokyo 23:00 (closed), New York 09:00 EST (open), UTC 14:00 (open).
  CHECK_FALSE(OpenAt(tokyo, "2026-11-20T14:00:00+00:00"));
  CHECK(OpenAt(newyork, "2026-11-20T14:00:00+00:00"));
  CHECK(OpenAt(nozone, "2026-11-20T14:00:00+00:00"));
  CHECK(BusinessDateOf(tokyo, T("2026-11-20T20:00:00+00:00")) == D("2026-11-21"));
  CHECK(BusinessDateOf(newyork, T("2026-11-20T20:00:00+00:00")) == D("2026-11-20"));
  // Saturday in Tokyo, Friday in New York.
  CHECK_FALSE(OpenAt(tokyo, "2026-11-21T00:30:00+00:00"));
  CHECK(OpenTimeBetween(tokyo, T("2026-11-20T00:00:00+00:00"), T("2026-11-21T00:00:00+00:00")) == hours(9));
  CHECK(OpenTimeBetween(newyork, T("2026-11-20T00:00:00+00:00"), T("2026-11-21T00:00:00+00:00")) == hours(9));
  CHECK(OpenTimeBetween(tokyo, T("2026-11-20T00:00:00+09:00"), T("2026-11-20T12:00:00+09:00")) == hours(3));
}

TEST_CASE("timezones: calendars without a zone use TZ or the configured default") {
  const std::string text = R"(calendars:
  nozone: {hours: "09:00-18:00"}
  tokyo: {timezone: Asia/Tokyo, hours: "09:00-18:00"}
)";
  {
    ScopedEnv tz("TZ", "Asia/Tokyo");
    auto reg = Load(text);
    CHECK(OpenAt(reg->Find("nozone"), "2026-11-20T01:00:00+00:00"));
    CHECK(reg->Find("nozone").Zone() == reg->Find("tokyo").Zone());
  }
  {
    ScopedEnv tz("TZ", "America/New_York");
    LoadOptions options;
    options.default_timezone = "Europe/Berlin";
    auto reg = Load(text, options);
    // Berlin 10:00 CET on a Friday.
    CHECK(OpenAt(reg->Find("nozone"), "2026-11-20T09:00:00+00:00"));
    CHECK_FALSE(OpenAt(reg->Find("nozone"), "2026-11-20T17:30:00+00:00"));
    CHECK(reg->DefaultZone() == FindZone("Europe/Berlin"));
    // An explicit zone is not affected by TZ or the default.
    CHECK(OpenAt(reg->Find("tokyo"), "2026-11-20T01:00:00+00:00"));
  }
}

TEST_CASE("hours fractions are exact") {
  auto reg = Load(R"(calendars:
  wk24: {timezone: Asia/Tokyo, weekdays: mon-fri}
  wk16: {timezone: Asia/Tokyo, weekdays: mon-fri, hours: "08:00-24:00"}
)");
  for (const char* start : {"2026-06-01T00:00:00+09:00", "2026-06-03T00:00:00+09:00", "2026-06-03T13:45:00+09:00"}) {
    CAPTURE(start);
    Instant from = T(start);
    Instant to = from + date::days{28};
    seconds total = to - from;
    seconds open24 = OpenTimeBetween(reg->Find("wk24"), from, to);
    seconds open16 = OpenTimeBetween(reg->Find("wk16"), from, to);
    CHECK(open24.count() * 7 == total.count() * 5);
    CHECK(open16.count() * 7 * 24 == total.count() * 5 * 16);
  }
  CHECK(OpenTimeBetween(reg->Find("wk16"), T("2026-06-01T00:00:00+09:00"), T("2026-06-29T00:00:00+09:00")) ==
        hours(20 * 16));
  // Empty and reversed intervals.
  CHECK(OpenTimeBetween(reg->Find("wk24"), T("2026-06-01T12:00:00+09:00"), T("2026-06-01T12:00:00+09:00")) ==
        seconds(0));
  CHECK(OpenTimeBetween(reg->Find("wk24"), T("2026-06-02T12:00:00+09:00"), T("2026-06-01T12:00:00+09:00")) ==
        seconds(0));
}

// ---------------------------------------------------------------------------------------------
// Rule calendars

TEST_CASE("rules: day numbers (25, last, last-3, 31)") {
  auto reg = Load(kBase + R"(  days: {base: all, rules: [{day: [25, last, last-3]}]}
  d31: {base: all, rules: [{day: 31}]}
  d25: {base: biz, rules: [{day: 25}]}
)");
  const Calendar& days = reg->Find("days");
  CHECK(OpenDays(days, "2026-02-01", "2026-02-28") == Days{"2026-02-25", "2026-02-28"});  // 25 = last-3
  CHECK(days.HitsOn(D("2026-02-25")).size() == 1);
  CHECK(OpenDays(days, "2026-04-01", "2026-04-30") == Days{"2026-04-25", "2026-04-27", "2026-04-30"});
  CHECK(OpenDays(reg->Find("d31"), "2026-04-01", "2026-05-31") == Days{"2026-05-31"});
  // On a business-day base the default shift is skip.
  CHECK(OpenDays(reg->Find("d25"), "2026-01-01", "2026-12-31") ==
        Days{"2026-02-25", "2026-03-25", "2026-05-25", "2026-06-25", "2026-08-25", "2026-09-25",
             "2026-11-25", "2026-12-25"});
}

TEST_CASE("rules: business_day 1, last, -2, last-2") {
  auto reg = Load(kBase + R"(  bd1: {base: biz, rules: [{business_day: 1}]}
  bdlast: {base: biz, rules: [{business_day: last}]}
  bdm2: {base: biz, rules: [{business_day: -2}]}
  bdl2: {base: biz, rules: [{business_day: last-2}]}
)");
  CHECK(OpenDays(reg->Find("bd1"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-05", "2026-02-02", "2026-03-02", "2026-04-01", "2026-05-01", "2026-06-01",
             "2026-07-01", "2026-08-03", "2026-09-01", "2026-10-02", "2026-11-02", "2026-12-01"});
  CHECK(OpenDays(reg->Find("bdlast"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-30", "2026-02-27", "2026-03-31", "2026-04-30", "2026-05-29", "2026-06-30",
             "2026-07-31", "2026-08-31", "2026-09-30", "2026-10-30", "2026-11-30", "2026-12-28"});
  // -2 is the second-to-last; November's is the working Saturday.
  CHECK(OpenDays(reg->Find("bdm2"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-29", "2026-02-26", "2026-03-30", "2026-04-28", "2026-05-28", "2026-06-29",
             "2026-07-30", "2026-08-28", "2026-09-29", "2026-10-29", "2026-11-28", "2026-12-25"});
  // last-2 is two before the last (the third from the end).
  CHECK(OpenDays(reg->Find("bdl2"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-28", "2026-02-25", "2026-03-27", "2026-04-27", "2026-05-27", "2026-06-26",
             "2026-07-29", "2026-08-27", "2026-09-28", "2026-10-28", "2026-11-27", "2026-12-24"});
  DayInfo info = reg->Find("bdlast").Classify(D("2026-12-28"));
  CHECK(info.open);
  CHECK(info.source == "rule");
  CHECK(info.reason == "rule 1 (business_day last)");
}

TEST_CASE("rules: closed_day with shift keep") {
  auto reg = Load(kBase + R"(  cd: {base: biz, shift: keep, rules: [{closed_day: 1}, {closed_day: last}]}
)");
  const Calendar& cd = reg->Find("cd");
  CHECK(OpenDays(cd, "2026-01-01", "2026-06-30") ==
        Days{"2026-01-01", "2026-01-31", "2026-02-01", "2026-02-28", "2026-03-01", "2026-03-29",
             "2026-04-04", "2026-04-29", "2026-05-02", "2026-05-31", "2026-06-06", "2026-06-28"});
  DayInfo info = cd.Classify(D("2026-04-29"));
  CHECK(info.open);
  CHECK(info.reason == "rule 2 (closed_day last, shift keep): kept, although not a business day in 'biz': 昭和の日");
}

TEST_CASE("rules: closed_day keeps the closed day unless told otherwise") {
  // A closed_day rule selects days that are closed in the base; the default shift (skip) would drop
  // every one of them, so closed_day keeps its days (JP1 "@dd") unless a shift is given.
  auto reg = Load(kBase + R"(  cd: {base: biz, rules: [{closed_day: 1}]}
  cd-skip: {base: biz, rules: [{closed_day: 1, shift: skip}]}
  cd-after: {base: biz, rules: [{closed_day: 1, shift: after}]}
)");
  CHECK(OpenDays(reg->Find("cd"), "2026-01-01", "2026-04-30") ==
        Days{"2026-01-01", "2026-02-01", "2026-03-01", "2026-04-04"});
  CHECK(OpenDays(reg->Find("cd-skip"), "2026-01-01", "2026-04-30").empty());
  // The first closed day, moved to the next business day: Jan 1 -> Jan 5, Feb 1 -> Feb 2, ...
  CHECK(OpenDays(reg->Find("cd-after"), "2026-01-01", "2026-04-30") ==
        Days{"2026-01-05", "2026-02-02", "2026-03-02", "2026-04-06"});
}

TEST_CASE("rules: weekday occurrences") {
  auto reg = Load(kBase + R"(  wd: {base: all, rules: [{weekday: ["tue#2", "fri#last"]}]}
  mondays: {base: biz, rules: [{weekday: mon}]}
  tue5: {base: all, rules: [{weekday: "TUE#5"}]}
)");
  CHECK(OpenDays(reg->Find("wd"), "2026-01-01", "2026-03-31") ==
        Days{"2026-01-13", "2026-01-30", "2026-02-10", "2026-02-27", "2026-03-10", "2026-03-27"});
  // Every Monday, skipping 成人の日 (2026-01-12).
  CHECK(OpenDays(reg->Find("mondays"), "2026-01-01", "2026-01-31") ==
        Days{"2026-01-05", "2026-01-19", "2026-01-26"});
  CHECK(OpenDays(reg->Find("tue5"), "2026-01-01", "2026-06-30") == Days{"2026-03-31", "2026-06-30"});
}

TEST_CASE("rules: nearest_weekday never leaves the month (Quartz W)") {
  auto reg = Load(kBase + R"(  nw: {base: all, rules: [{nearest_weekday: [1, 15, last]}]}
  nw4: {base: biz, rules: [{nearest_weekday: 4, shift: after}]}
)");
  const Calendar& nw = reg->Find("nw");
  CHECK(OpenDays(nw, "2026-01-01", "2026-01-31") == Days{"2026-01-01", "2026-01-15", "2026-01-30"});
  // 02-01 Sunday -> Monday 2nd; 02-15 Sunday -> 16th; 02-28 Saturday -> Friday 27th.
  CHECK(OpenDays(nw, "2026-02-01", "2026-02-28") == Days{"2026-02-02", "2026-02-16", "2026-02-27"});
  // 05-31 Sunday: Monday would be June, so Friday 29th.
  CHECK(OpenDays(nw, "2026-05-01", "2026-05-31") == Days{"2026-05-01", "2026-05-15", "2026-05-29"});
  // 08-01 Saturday: Friday would be July, so Monday 3rd; 08-15 Saturday -> Friday 14th.
  CHECK(OpenDays(nw, "2026-07-30", "2026-08-31") ==
        Days{"2026-07-31", "2026-08-03", "2026-08-14", "2026-08-31"});
  // W means Monday to Friday, not a business day: 05-04 (みどりの日, a Monday) is picked, then shifted.
  CHECK(OpenDays(reg->Find("nw4"), "2026-05-01", "2026-05-31") == Days{"2026-05-07"});
}

TEST_CASE("rules: gotobi with shift before") {
  auto reg = Load(kBase + R"(  gotobi: {base: biz, rules: [{gotobi: true, shift: before}]}
)");
  const Calendar& g = reg->Find("gotobi");
  CHECK(OpenDays(g, "2026-05-01", "2026-05-31") ==
        Days{"2026-05-01", "2026-05-08", "2026-05-15", "2026-05-20", "2026-05-25", "2026-05-29"});
  CHECK(OpenDays(g, "2026-02-01", "2026-02-28") ==
        Days{"2026-02-05", "2026-02-10", "2026-02-13", "2026-02-20", "2026-02-25", "2026-02-27"});
  // The 30th is the month end only in 30-day months.
  // July: 5th Sunday -> 3rd; 20th 海の日 -> Friday 17th; 25th Saturday -> 24th.
  CHECK(OpenDays(g, "2026-06-26", "2026-07-31") == Days{"2026-06-30", "2026-07-03", "2026-07-10", "2026-07-15",
                                                        "2026-07-17", "2026-07-24", "2026-07-31"});
  DayInfo moved = g.Classify(D("2026-05-01"));
  CHECK(moved.open);
  CHECK(moved.reason ==
        "rule 1 (gotobi (5, 10, 15, 20, 25 and month end), shift before): selected 2026-05-05, shifted before");
  DayInfo from = g.Classify(D("2026-05-05"));
  CHECK_FALSE(from.open);
  CHECK(from.reason ==
        "rule 1 (gotobi (5, 10, 15, 20, 25 and month end), shift before) selected this date and moved it to "
        "2026-05-01");
}

TEST_CASE("rules: every N days from an anchor") {
  auto reg = Load(kBase + R"(  backup: {base: biz, rules: [{every: 2w, from: 2026-01-05, shift: after}]}
  e10: {base: all, rules: [{every: 10d, from: 2026-01-31}]}
  e14: {base: all, rules: [{every: 14, from: 2026-01-05}]}
)");
  const Calendar& backup = reg->Find("backup");
  CHECK(OpenDays(backup, "2025-12-01", "2026-01-31") == Days{"2026-01-05", "2026-01-19"});  // nothing before
  CHECK(OpenDays(backup, "2026-07-01", "2026-07-31") == Days{"2026-07-06", "2026-07-21"});  // 海の日 -> 21st
  CHECK(OpenDays(backup, "2026-10-01", "2026-11-30") ==
        Days{"2026-10-13", "2026-10-26", "2026-11-09", "2026-11-24"});
  CHECK(backup.Classify(D("2026-07-21")).reason ==
        "rule 1 (every 14 days from 2026-01-05, shift after): selected 2026-07-20, shifted after");
  CHECK(OpenDays(reg->Find("e10"), "2026-01-25", "2026-03-05") ==
        Days{"2026-01-31", "2026-02-10", "2026-02-20", "2026-03-02"});
  CHECK(OpenDays(reg->Find("e14"), "2026-01-01", "2026-03-31") ==
        Days{"2026-01-05", "2026-01-19", "2026-02-02", "2026-02-16", "2026-03-02", "2026-03-16", "2026-03-30"});
}

TEST_CASE("rules: months filter") {
  auto reg = Load(kBase + R"(  mf: {base: all, rules: [{day: 10, months: [jan, 4, Jul, "oct"]}]}
  one: {base: all, rules: [{day: 10, months: 12}]}
)");
  CHECK(OpenDays(reg->Find("mf"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-10", "2026-04-10", "2026-07-10", "2026-10-10"});
  CHECK(OpenDays(reg->Find("one"), "2026-01-01", "2026-12-31") == Days{"2026-12-10"});
}

TEST_CASE("rules: shift before, after, skip, keep and max_shift") {
  auto reg = Load(kBase + R"(  sb: {base: biz, rules: [{day: 3, shift: before}]}
  sa: {base: biz, rules: [{day: 3, shift: after}]}
  ss: {base: biz, rules: [{day: 3, shift: skip}]}
  sk: {base: biz, rules: [{day: 3, shift: keep}]}
  sa3: {base: biz, rules: [{day: 3, shift: after, max_shift: 3}]}
  sa4: {base: biz, rules: [{day: 3, shift: after, max_shift: 4}]}
  sdef: {base: biz, shift: after, max_shift: 3, rules: [{day: 3}, {day: 10, max_shift: 1}]}
)");
  // 2026-05-03 is 憲法記念日 (a Sunday); 05-04..05-06 are holidays too.
  CHECK(OpenDays(reg->Find("sb"), "2026-05-01", "2026-05-31") == Days{"2026-05-01"});
  CHECK(OpenDays(reg->Find("sa"), "2026-05-01", "2026-05-31") == Days{"2026-05-07"});
  CHECK(OpenDays(reg->Find("ss"), "2026-05-01", "2026-05-31").empty());
  CHECK(OpenDays(reg->Find("sk"), "2026-05-01", "2026-05-31") == Days{"2026-05-03"});
  CHECK(OpenDays(reg->Find("sa3"), "2026-05-01", "2026-05-31").empty());  // 3 days are not enough
  CHECK(OpenDays(reg->Find("sa4"), "2026-05-01", "2026-05-31") == Days{"2026-05-07"});
  // Calendar-level defaults, overridden per rule: May 3 dropped (3 days), May 10 (Sunday) -> 11th.
  CHECK(OpenDays(reg->Find("sdef"), "2026-05-01", "2026-05-31") == Days{"2026-05-11"});
  // Jan 3 (Saturday) -> Monday 5th; Jan 10 (Saturday) cannot reach Tuesday 13th in one day.
  CHECK(OpenDays(reg->Find("sdef"), "2026-01-01", "2026-01-31") == Days{"2026-01-05"});

  DayInfo kept = reg->Find("sk").Classify(D("2026-05-03"));
  CHECK(kept.open);
  CHECK(kept.reason == "rule 1 (day 3, shift keep): kept, although not a business day in 'biz': 憲法記念日");

  // A shift may leave the month: January's 3rd goes back over the year-end closure into December.
  const Calendar& sb = reg->Find("sb");
  CHECK(OpenDays(sb, "2025-12-01", "2025-12-31") == Days{"2025-12-03", "2025-12-26"});
  CHECK(sb.Classify(D("2025-12-26")).reason == "rule 1 (day 3, shift before): selected 2026-01-03, shifted before");
}

TEST_CASE("rules: offset after a shift (JP1 起算スケジュール)") {
  auto reg = Load(kBase + R"(  payday: {base: biz, rules: [{day: 25, shift: before, name: payday}]}
  calc: {base: biz, rules: [{day: 25, shift: before, offset: -2, name: payroll calculation}]}
  gw: {base: biz, rules: [{day: 7, offset: -2}]}
  plus: {base: biz, rules: [{day: 28, shift: after, offset: 1}]}
  kept: {base: biz, rules: [{day: 3, shift: keep, offset: 1}]}
)");
  CHECK(OpenDays(reg->Find("payday"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-23", "2026-02-25", "2026-03-25", "2026-04-24", "2026-05-25", "2026-06-25",
             "2026-07-24", "2026-08-25", "2026-09-25", "2026-10-23", "2026-11-25", "2026-12-25"});
  // Two business days before the (shifted) payday; September crosses the 9/21-23 holidays.
  CHECK(OpenDays(reg->Find("calc"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-21", "2026-02-20", "2026-03-23", "2026-04-22", "2026-05-21", "2026-06-23",
             "2026-07-22", "2026-08-21", "2026-09-18", "2026-10-21", "2026-11-20", "2026-12-23"});
  DayInfo calc = reg->Find("calc").Classify(D("2026-01-21"));
  CHECK(calc.reason == "rule 1 (payroll calculation): selected 2026-01-25, shifted before, offset -2 business days");
  // No shift needed, offset only; May's hit lands in April (across Golden Week).
  const Calendar& gw = reg->Find("gw");
  CHECK(OpenDays(gw, "2026-04-01", "2026-05-31") == Days{"2026-04-03", "2026-04-30"});
  // An offset with no shift written keeps the selected day as its anchor (JP1 起算), so the label says keep.
  CHECK(gw.Classify(D("2026-04-30")).reason ==
        "rule 1 (day 7, shift keep, offset -2): selected 2026-05-07, offset -2 business days");
  // A kept day is not "shifted"; the explanation names the selected day and the offset only.
  const Calendar& kept = reg->Find("kept");
  CHECK(OpenDays(kept, "2026-05-01", "2026-05-31") == Days{"2026-05-07"});
  DayInfo k = kept.Classify(D("2026-05-07"));
  CHECK(k.reason.find("selected 2026-05-03") != std::string::npos);
  CHECK(k.reason.find("offset 1") != std::string::npos);
  CHECK(k.reason.find("shifted") == std::string::npos);
  // Forward offsets, over the working Saturday and the year end.
  CHECK(OpenDays(reg->Find("plus"), "2026-11-01", "2027-01-31") == Days{"2026-11-30", "2027-01-04", "2027-01-29"});
  CHECK(OpenDays(reg->Find("plus"), "2026-02-01", "2026-03-31") == Days{"2026-03-03", "2026-03-31"});
}

TEST_CASE("rules: a hit that an offset carries several months away is still found") {
  // Offsets count business days of the base; where the base has few of them, a hit can land far
  // outside the period that selected it.
  auto reg = Load(R"(calendars:
  season:
    timezone: UTC
    closed: [2026-07-01..2026-09-30]
  july: {base: season, rules: [{day: 1, months: [7], shift: keep, offset: 2}]}
  mondays: {timezone: UTC, weekdays: mon}
  twenty: {base: mondays, rules: [{day: 1, months: [1], shift: keep, offset: 20}]}
  back: {base: mondays, rules: [{day: 1, months: [12], shift: keep, offset: -20}]}
)");
  // July 1st is closed; two business days later is October 2nd.
  CHECK(OpenDays(reg->Find("july"), "2026-06-01", "2026-12-31") == Days{"2026-10-02"});
  CHECK(reg->Find("july").Classify(D("2026-10-02")).reason ==
        "rule 1 (day 1 in months 7, shift keep, offset 2): selected 2026-07-01 (not a business day in 'season': "
        "closure: 2026-07-01..2026-09-30), offset 2 business days");
  // The 20th Monday after 2026-01-01 is 2026-05-18; the 20th Monday before 2026-12-01 is 2026-07-20.
  CHECK(OpenDays(reg->Find("twenty"), "2026-01-01", "2026-12-31") == Days{"2026-05-18"});
  CHECK(OpenDays(reg->Find("back"), "2026-01-01", "2026-12-31") == Days{"2026-07-20"});
}

TEST_CASE("rules: month_start (JP1 基準日)") {
  auto reg = Load(kBase + R"(  closing: {base: biz, month_start: 21, rules: [{business_day: 1}]}
  closing-last: {base: biz, month_start: 21, rules: [{business_day: last}]}
  closing-feb: {base: biz, month_start: 21, rules: [{relative_day: 1, months: [2], shift: after}]}
)");
  // Months run 21st..20th; the period starting 2026-02-21: 21 Sat, 22 Sun, 23 天皇誕生日 -> 24th.
  CHECK(OpenDays(reg->Find("closing"), "2026-01-01", "2026-04-30") ==
        Days{"2026-01-21", "2026-02-24", "2026-03-23", "2026-04-21"});
  CHECK(OpenDays(reg->Find("closing"), "2025-12-01", "2025-12-31") == Days{"2025-12-22"});
  // Last business day of each 21st..20th month; 2026-03-20 is 春分の日.
  CHECK(OpenDays(reg->Find("closing-last"), "2026-01-01", "2026-04-30") ==
        Days{"2026-01-20", "2026-02-20", "2026-03-19", "2026-04-20"});
  // The months filter names the month a period starts in.
  CHECK(OpenDays(reg->Find("closing-feb"), "2026-01-01", "2027-12-31") == Days{"2026-02-24", "2027-02-22"});
}

TEST_CASE("rules: several rules, own closures, and the base's exceptions") {
  auto reg = Load(kBase + R"(  multi: {base: all, rules: [{day: 15}, {weekday: fri}]}
  own: {base: biz, rules: [{business_day: last}], closed: [2026-03-31], open: [2026-03-01]}
)");
  const Calendar& multi = reg->Find("multi");
  auto hits = multi.HitsOn(D("2026-05-15"));  // a Friday and the 15th
  REQUIRE(hits.size() == 2);
  CHECK(hits[0].rule == 0);
  CHECK(hits[1].rule == 1);
  CHECK(multi.Classify(D("2026-05-15")).reason == "rule 1 (day 15)");
  CHECK(multi.Classify(D("2026-05-22")).reason == "rule 2 (weekday fri)");
  const Calendar& own = reg->Find("own");
  DayInfo closed = own.Classify(D("2026-03-31"));
  CHECK_FALSE(closed.open);
  CHECK(closed.source == "closed");
  CHECK(own.IsBusinessDay(D("2026-03-01")));
  CHECK(own.Classify(D("2026-03-01")).source == "open");
  CHECK(own.IsBusinessDay(D("2026-02-27")));
}

TEST_CASE("rule calendars answer consistently from several threads") {
  auto reg = Load(kBase + R"(  calc: {base: biz, rules: [{day: 25, shift: before, offset: -2}]}
  closing: {base: biz, month_start: 21, rules: [{business_day: 1}]}
)");
  const Calendar& calc = reg->Find("calc");
  const Calendar& closing = reg->Find("closing");
  const Day first = D("2026-01-01"), last = D("2030-12-31");
  std::vector<std::vector<std::string>> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      for (Day d = first; d <= last; d += date::days{1}) {
        if (calc.IsBusinessDay(d)) results[i].push_back("c" + FormatIsoDate(d));
        if (closing.IsBusinessDay(d)) results[i].push_back("s" + FormatIsoDate(d));
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(results[0].size() == 2 * 12 * 5);
  for (size_t i = 1; i < results.size(); ++i) CHECK(results[i] == results[0]);
}

TEST_CASE("explanations name the rule, its file:line, and why a date is not selected") {
  auto reg = Load(R"(calendars:
  biz:
    timezone: Asia/Tokyo
    holidays: [jp]
    closed:
      - {date: 12-29..01-03, name: 年末年始}
  payday:
    base: biz
    rules:
      - day: 25
        shift: before
        name: payday
      - {day: 10, shift: after}
)");
  const Calendar& payday = reg->Find("payday");
  DayInfo moved = payday.Classify(D("2026-01-23"));
  CHECK(moved.open);
  CHECK(moved.source == "rule");
  CHECK(moved.reason == "rule 1 (payday): selected 2026-01-25, shifted before");
  CHECK(moved.loc.file == "t.yaml");
  CHECK(moved.loc.line == 10);
  CHECK(moved.loc.column == 9);
  CHECK(moved.loc.Str() == "t.yaml:10:9");

  DayInfo second = payday.Classify(D("2026-05-11"));
  CHECK(second.reason == "rule 2 (day 10, shift after): selected 2026-05-10, shifted after");
  CHECK(second.loc.line == 13);
  CHECK(second.loc.column == 9);
  CHECK(payday.Classify(D("2026-01-13")).reason == "rule 2 (day 10, shift after): selected 2026-01-10, shifted after");

  DayInfo from = payday.Classify(D("2026-01-25"));
  CHECK_FALSE(from.open);
  CHECK(from.reason == "rule 1 (payday) selected this date and moved it to 2026-01-23");
  CHECK(from.loc.line == 10);
  DayInfo none = payday.Classify(D("2026-01-26"));
  CHECK_FALSE(none.open);
  CHECK(none.reason == "no rule selects this date");
  CHECK(payday.Classify(D("2026-01-31")).reason ==
        "no rule selects this date; not a business day in 'biz': weekly day off (sat)");
  CHECK(payday.Classify(D("2026-05-04")).reason == "no rule selects this date; not a business day in 'biz': みどりの日");

  const Calendar& biz = reg->Find("biz");
  DayInfo hol = biz.Classify(D("2026-05-06"));
  CHECK(hol.loc.line == 4);  // the 'holidays' entry
  CHECK(hol.loc.column == 15);
  DayInfo closure = biz.Classify(D("2026-12-30"));
  CHECK(closure.loc.line == 6);
  CHECK(closure.loc.column == 9);
  CHECK(closure.loc.Str() == "t.yaml:6:9");
  CHECK(payday.Zone() == biz.Zone());
  CHECK(payday.UsesJp());
}

// ---------------------------------------------------------------------------------------------
// Rules ported from JP1/AJS3 and Hinemos: each case gives the dates the rule must produce, worked
// out by hand from the 2026-2027 calendar (kBase: Mon-Fri, 祝日, 12-29..01-03, 08-13..08-15,
// 2026-10-01 closed, the Saturday 2026-11-28 open).

TEST_CASE("JP1: 'day' is the civil day (絶対日), 'relative_day' counts from month_start (相対日)") {
  auto reg = Load(kBase + R"(  abs: {base: biz, month_start: 21, rules: [{day: 25}]}
  rel: {base: biz, month_start: 21, rules: [{relative_day: 25}]}
  rel-last: {base: biz, month_start: 21, rules: [{relative_day: last}]}
  abs-last: {base: all, month_start: 21, rules: [{day: last}]}
)");
  // The 25th of each month, skipped when closed; the rule month (21st..20th) does not matter.
  CHECK(OpenDays(reg->Find("abs"), "2026-01-01", "2026-12-31") ==
        Days{"2026-02-25", "2026-03-25", "2026-05-25", "2026-06-25", "2026-08-25", "2026-09-25", "2026-11-25",
             "2026-12-25"});
  // The 25th day from the 21st: 2025-12-21 + 24 = 01-14; 01-21 + 24 = 02-14 (sat); 02-21 + 24 = 03-17;
  // 04-14; 05-15; 06-14 (sun); 07-15; 08-14 (夏季休暇); 09-14; 10-15; 11-14 (sat); 12-15.
  CHECK(OpenDays(reg->Find("rel"), "2026-01-01", "2027-01-20") ==
        Days{"2026-01-14", "2026-03-17", "2026-04-14", "2026-05-15", "2026-07-15", "2026-09-14", "2026-10-15",
             "2026-12-15", "2027-01-14"});
  // The last day of each 21st..20th month is the 20th; 2026-03-20 is 春分の日, 06-20 a Saturday.
  CHECK(OpenDays(reg->Find("rel-last"), "2026-01-01", "2026-06-30") ==
        Days{"2026-01-20", "2026-02-20", "2026-04-20", "2026-05-20"});
  // 'last' of 'day' is the last day of the civil month.
  CHECK(OpenDays(reg->Find("abs-last"), "2026-01-01", "2026-04-30") ==
        Days{"2026-01-31", "2026-02-28", "2026-03-31", "2026-04-30"});
  CHECK(reg->Find("rel").Classify(D("2026-03-17")).reason == "rule 1 (relative_day 25)");
}

TEST_CASE("JP1: weekday occurrences of the civil month, or counted from month_start") {
  auto reg = Load(kBase + R"(  abs: {base: all, month_start: 21, rules: [{weekday: "tue#2"}]}
  rel: {base: all, month_start: 21, rules: [{relative_weekday: "tue#2"}]}
)");
  // Second Tuesdays of January to March 2026.
  CHECK(OpenDays(reg->Find("abs"), "2026-01-01", "2026-03-31") == Days{"2026-01-13", "2026-02-10", "2026-03-10"});
  // The second Tuesday from the 21st: from Sunday 2025-12-21 the 30th, from Wednesday 01-21
  // 02-03, from Saturday 02-21 03-03, from Saturday 03-21 the 31st.
  CHECK(OpenDays(reg->Find("rel"), "2025-12-21", "2026-04-20") ==
        Days{"2025-12-30", "2026-02-03", "2026-03-03", "2026-03-31"});
}

TEST_CASE("JP1/Hinemos: an offset counts from its anchor even when the anchor is closed (起算)") {
  auto reg = Load(kBase + R"(  next: {base: biz, rules: [{weekday: "tue#2", offset: 1}]}
  skip: {base: biz, rules: [{weekday: "tue#2", offset: 1, shift: skip}]}
  after: {base: biz, rules: [{weekday: "tue#2", offset: 1, shift: after}]}
  cal-skip: {base: biz, shift: skip, rules: [{weekday: "tue#2", offset: 1}]}
)");
  // The business day after each second Tuesday; 2026-02-11 is a holiday and 2026-08-11 (山の日)
  // is the closed anchor from which the 12th is counted.
  const Days expected{"2026-01-14", "2026-02-12", "2026-03-11", "2026-04-15", "2026-05-13", "2026-06-10",
                      "2026-07-15", "2026-08-12", "2026-09-09", "2026-10-14", "2026-11-11", "2026-12-09"};
  CHECK(OpenDays(reg->Find("next"), "2026-01-01", "2026-12-31") == expected);
  CHECK(reg->Find("next").Classify(D("2026-08-12")).reason ==
        "rule 1 (weekday tue#2, shift keep, offset 1): selected 2026-08-11 (not a business day in 'biz': 山の日), "
        "offset 1 business day");
  // A shift written says what the closed anchor does: skip drops August, after moves it to the 12th
  // first (then +1: 13th-15th 夏季休暇, 16th Sunday, so the 17th).
  Days without_august = expected;
  without_august.erase(without_august.begin() + 7);
  CHECK(OpenDays(reg->Find("skip"), "2026-01-01", "2026-12-31") == without_august);
  CHECK(OpenDays(reg->Find("cal-skip"), "2026-01-01", "2026-12-31") == without_august);
  CHECK(OpenDays(reg->Find("after"), "2026-08-01", "2026-08-31") == Days{"2026-08-17"});
}

TEST_CASE("JP1: a shift can be kept inside its month ('within: month')") {
  auto reg = Load(kBase + R"(  out: {base: biz, rules: [{day: 28, shift: after}]}
  in: {base: biz, rules: [{day: 28, shift: after, within: month}]}
  cal-in: {base: biz, within: month, rules: [{day: 28, shift: after}]}
  feb: {base: biz, closed: [2026-02-26..2026-02-27]}
  edge: {base: feb, rules: [{day: 28, shift: after, within: month, max_shift: 2}]}
)");
  // 2025-12-28 is a Sunday before the year-end closure (to 01-05), 2026-02-28 and 03-28 are
  // Saturdays, 06-28 a Sunday; 11-28 is the working Saturday.
  CHECK(OpenDays(reg->Find("out"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-05", "2026-01-28", "2026-03-02", "2026-03-30", "2026-04-28", "2026-05-28", "2026-06-29", "2026-07-28",
             "2026-08-28", "2026-09-28", "2026-10-28", "2026-11-28", "2026-12-28"});
  const Days inside{"2026-01-28", "2026-02-27", "2026-03-30", "2026-04-28", "2026-05-28", "2026-06-29",
                    "2026-07-28", "2026-08-28", "2026-09-28", "2026-10-28", "2026-11-28", "2026-12-28"};
  CHECK(OpenDays(reg->Find("in"), "2026-01-01", "2026-12-31") == inside);
  CHECK(OpenDays(reg->Find("cal-in"), "2026-01-01", "2026-12-31") == inside);
  CHECK(OpenDays(reg->Find("in"), "2025-12-01", "2025-12-31") == Days{"2025-12-26"});
  // 2027-02-28 is a Sunday: March 1st, or inside February the 26th.
  CHECK(OpenDays(reg->Find("out"), "2027-02-01", "2027-03-31") == Days{"2027-03-01", "2027-03-29"});
  CHECK(OpenDays(reg->Find("in"), "2027-02-01", "2027-03-31") == Days{"2027-02-26", "2027-03-29"});
  CHECK(reg->Find("in").Classify(D("2026-02-27")).reason ==
        "rule 1 (day 28, shift after, within month): selected 2026-02-28, shifted before (after would leave the "
        "month)");

  // Turned at the month's edge and still no business day within max_shift: no run, and why.
  CHECK(OpenDays(reg->Find("edge"), "2026-02-01", "2026-02-28").empty());
  CHECK(reg->Find("edge").Classify(D("2026-02-28")).reason ==
        "rule 1 (day 28, shift after, within month) selected this date, but it is not a business day in 'feb' "
        "(weekly day off (sat)) and no business day of 'feb' is within 2 days after it inside its month, nor before "
        "it (max_shift 2, within: month): no run");

  // January and March have two runs, February none: said for the months that overlap the period.
  auto issues = reg->Find("out").RunCountIssues(D("2026-01-01"), D("2026-12-31"));
  REQUIRE(issues.size() == 3);
  CHECK(reg->Find("out").PeriodName(issues[0].period) == "2026-01");
  CHECK(issues[0].runs == 2);
  REQUIRE(issues[0].moved_in.size() == 1);
  CHECK(issues[0].moved_in[0].selected == D("2025-12-28"));
  CHECK(reg->Find("out").PeriodName(issues[1].period) == "2026-02");
  CHECK(issues[1].runs == 0);
  REQUIRE(issues[1].moved_out.size() == 1);
  CHECK(issues[1].moved_out[0].date == D("2026-03-02"));
  CHECK(reg->Find("out").PeriodName(issues[2].period) == "2026-03");
  CHECK(issues[2].runs == 2);
  CHECK(reg->Find("out").RunCountIssues(D("2026-04-01"), D("2026-12-31")).empty());
  CHECK(reg->Find("in").RunCountIssues(D("2026-01-01"), D("2027-12-31")).empty());
}

TEST_CASE("explain says why a selected date did not run") {
  auto reg = Load(kBase + R"(  d25: {base: biz, rules: [{day: 25}]}
  short: {base: biz, rules: [{day: 3, shift: after, max_shift: 3}]}
  own: {base: biz, rules: [{business_day: last}], closed: [{date: 2026-03-31, name: 決算棚卸}]}
  hol: {base: all, holidays: [jp], rules: [{day: 11}]}
  valid: {base: biz, valid: {to: 2026-06-30}, rules: [{business_day: last}]}
  early: {base: biz, rules: [{day: 20, months: [7], offset: -5}]}
)");
  DayInfo skip = reg->Find("d25").Classify(D("2026-04-25"));
  CHECK_FALSE(skip.open);
  CHECK(skip.reason ==
        "rule 1 (day 25) selected this date, but it is not a business day in 'biz' (weekly day off (sat)) and the "
        "rule's shift is skip: no run");
  CHECK(skip.loc.line == 15);  // the rule
  // 2026-05-03..06 are holidays: three days after the 3rd reach only the 6th.
  CHECK(reg->Find("short").Classify(D("2026-05-03")).reason ==
        "rule 1 (day 3, shift after) selected this date, but it is not a business day in 'biz' (憲法記念日) and no "
        "business day of 'biz' is within 3 days after it (max_shift 3): no run");
  // A closure, holiday or validity period of the rule calendar itself cancels the run.
  CHECK(reg->Find("own").Classify(D("2026-03-31")).reason ==
        "closure: 決算棚卸 (2026-03-31); cancels the run of rule 1 (business_day last)");
  CHECK(reg->Find("hol").Classify(D("2026-08-11")).reason == "山の日; cancels the run of rule 1 (day 11)");
  CHECK(reg->Find("valid").Classify(D("2026-07-31")).reason ==
        "outside the validity period (until 2026-06-30); cancels the run of rule 1 (business_day last)");
  // Japanese holidays are defined from 1948-07-20: five business days before it are not.
  CHECK(reg->Find("early").Classify(D("1948-07-20")).reason ==
        "rule 1 (day 20 in months 7, shift keep, offset -5) selected this date, but its offset of -5 business days "
        "runs off the supported date range: no run");
  // Dates no rule selected say so.
  CHECK(reg->Find("d25").Classify(D("2026-04-24")).reason == "no rule selects this date");
  auto dropped = reg->Find("d25").DroppedOn(D("2026-04-25"));
  REQUIRE(dropped.size() == 1);
  CHECK(dropped[0].why == RuleMiss::Why::kSkip);
}

TEST_CASE("the default max_shift is 10 calendar days") {
  auto reg = Load(R"(calendars:
  ten: {timezone: UTC, closed: [2026-05-01..2026-05-12]}
  eleven: {timezone: UTC, closed: [2026-05-01..2026-05-13]}
  a: {base: ten, rules: [{day: 3, shift: after}]}
  b: {base: eleven, rules: [{day: 3, shift: after}]}
)");
  // From Sunday the 3rd, the 13th is 10 days later and the 14th 11.
  CHECK(OpenDays(reg->Find("a"), "2026-05-01", "2026-05-31") == Days{"2026-05-13"});
  CHECK(OpenDays(reg->Find("b"), "2026-05-01", "2026-05-31").empty());
  CHECK(reg->Find("b").Classify(D("2026-05-03")).reason.find("within 10 days after it (max_shift 10)") !=
        std::string::npos);
}

TEST_CASE("JP1 基準月: rule months named after the month they start in, or the next") {
  auto reg = Load(kBase + R"(  current: {base: biz, month_start: 21, rules: [{business_day: 1, months: [2]}]}
  next: {base: biz, month_start: 21, base_month: next, rules: [{business_day: 1, months: [2]}]}
)");
  // 当月: February is 02-21..03-20; 翌月: February is 01-21..02-20.
  CHECK(OpenDays(reg->Find("current"), "2026-01-01", "2027-12-31") == Days{"2026-02-24", "2027-02-22"});
  CHECK(OpenDays(reg->Find("next"), "2026-01-01", "2027-12-31") == Days{"2026-01-21", "2027-01-21"});
  const Calendar& next = reg->Find("next");
  CHECK(next.PeriodName(next.PeriodOf(D("2026-01-21"))) == "2026-02 (2026-01-21..2026-02-20)");
  CHECK(next.PeriodName(next.PeriodOf(D("2026-12-25"))) == "2027-01 (2026-12-21..2027-01-20)");
}

TEST_CASE("JP1 基準日: an nth weekday, and days 29 to 31 (the last day of shorter months)") {
  auto reg = Load(kBase + R"(  mon1: {base: biz, month_start: "mon#1", rules: [{business_day: last}]}
  last: {base: biz, month_start: 31, rules: [{business_day: 1}]}
  last-word: {base: biz, month_start: last, rules: [{business_day: 1}]}
  d30: {base: all, month_start: 30, rules: [{relative_day: 1}]}
)");
  // Months run from one first Monday to the day before the next: 01-05..02-01, 02-02..03-01,
  // 03-02..04-05, 04-06..05-03, 05-04..05-31, 06-01..07-05, 07-06..08-02, 08-03..09-06,
  // 09-07..10-04, 10-05..11-01, 11-02..12-06, 12-07..2027-01-03.
  CHECK(OpenDays(reg->Find("mon1"), "2026-01-01", "2026-12-31") ==
        Days{"2026-01-30", "2026-02-27", "2026-04-03", "2026-05-01", "2026-05-29", "2026-07-03", "2026-07-31",
             "2026-09-04", "2026-10-02", "2026-10-30", "2026-12-04", "2026-12-28"});
  // Months start on the last day of each month (02-28 in February).
  const Days first{"2026-01-05", "2026-02-02", "2026-03-02", "2026-03-31", "2026-04-30", "2026-06-01",
                   "2026-06-30", "2026-07-31", "2026-08-31", "2026-09-30", "2026-11-02", "2026-11-30"};
  CHECK(OpenDays(reg->Find("last"), "2026-01-01", "2026-12-31") == first);
  CHECK(OpenDays(reg->Find("last-word"), "2026-01-01", "2026-12-31") == first);
  const Calendar& d30 = reg->Find("d30");
  CHECK(OpenDays(d30, "2026-01-01", "2026-04-30") == Days{"2026-01-30", "2026-02-28", "2026-03-30", "2026-04-30"});
  CHECK(d30.PeriodName(d30.PeriodOf(D("2026-03-01"))) == "2026-02 (2026-02-28..2026-03-29)");
}

TEST_CASE("五十日 (gotobi): the month end, the 30th, or both") {
  auto reg = Load(kBase + R"(  end: {base: all, rules: [{gotobi: true}]}
  end2: {base: all, rules: [{gotobi: last}]}
  g30: {base: all, rules: [{gotobi: 30}]}
  both: {base: all, rules: [{gotobi: both}]}
)");
  const Days june{"2026-06-05", "2026-06-10", "2026-06-15", "2026-06-20", "2026-06-25", "2026-06-30"};
  const Days feb{"2026-02-05", "2026-02-10", "2026-02-15", "2026-02-20", "2026-02-25", "2026-02-28"};
  const Days july5{"2026-07-05", "2026-07-10", "2026-07-15", "2026-07-20", "2026-07-25"};
  for (const char* name : {"end", "end2", "g30", "both"}) {
    CAPTURE(name);
    CHECK(OpenDays(reg->Find(name), "2026-06-01", "2026-06-30") == june);
    CHECK(OpenDays(reg->Find(name), "2026-02-01", "2026-02-28") == feb);
  }
  auto with = [&](std::vector<std::string> extra) {
    Days d = july5;
    d.insert(d.end(), extra.begin(), extra.end());
    return d;
  };
  CHECK(OpenDays(reg->Find("end"), "2026-07-01", "2026-07-31") == with({"2026-07-31"}));
  CHECK(OpenDays(reg->Find("end2"), "2026-07-01", "2026-07-31") == with({"2026-07-31"}));
  CHECK(OpenDays(reg->Find("g30"), "2026-07-01", "2026-07-31") == with({"2026-07-30"}));
  CHECK(OpenDays(reg->Find("both"), "2026-07-01", "2026-07-31") == with({"2026-07-30", "2026-07-31"}));
  CHECK(reg->Find("g30").rules[0].text == "gotobi (5, 10, 15, 20, 25 and 30, or February's last day)");
}

TEST_CASE("an open-by-exception day takes its own hours, or its weekday's") {
  auto reg = Load(R"(calendars:
  office:
    timezone: Asia/Tokyo
    hours: {mon-fri: "09:00-18:00"}
    open:
      - {date: 2026-08-01, name: 棚卸し, hours: "09:00-17:00"}
  shop:
    timezone: Asia/Tokyo
    hours: {mon-fri: "09:00-18:00", sat: "10:00-15:00"}
    open: [2026-08-01]
)");
  const Calendar& office = reg->Find("office");
  CHECK(office.IsBusinessDay(D("2026-08-01")));
  CHECK(OpenAt(office, "2026-08-01T10:00:00+09:00"));
  CHECK_FALSE(OpenAt(office, "2026-08-01T17:00:00+09:00"));
  CHECK(OpenTimeBetween(office, T("2026-08-01T00:00:00+09:00"), T("2026-08-02T00:00:00+09:00")) == hours(8));
  CHECK(OpenAt(reg->Find("shop"), "2026-08-01T14:59:00+09:00"));
  CHECK_FALSE(OpenAt(reg->Find("shop"), "2026-08-01T15:00:00+09:00"));
}

TEST_CASE("a business day running past midnight keeps its business date without day_start") {
  auto reg = Load(R"(calendars:
  night: {timezone: Asia/Tokyo, holidays: [jp], hours: "22:00-29:00"}
)");
  const Calendar& night = reg->Find("night");
  // Friday 2026-05-08 22:00 to Saturday 05:00 belongs to Friday.
  DayInfo info;
  CHECK(IsOpenAt(night, T("2026-05-09T02:00:00+09:00"), &info));
  CHECK(info.reason == "business day (fri)");
  CHECK(BusinessDateOf(night, T("2026-05-09T02:00:00+09:00")) == D("2026-05-08"));
  CHECK(BusinessDateOf(night, T("2026-05-09T04:59:59+09:00")) == D("2026-05-08"));
  // After the window, Saturday is Saturday.
  CHECK(BusinessDateOf(night, T("2026-05-09T05:00:00+09:00")) == D("2026-05-09"));
  CHECK_FALSE(IsOpenAt(night, T("2026-05-09T05:00:00+09:00"), &info));
  CHECK(info.reason == "weekly day off (sat)");
  CHECK(BusinessDateOf(night, T("2026-05-08T23:00:00+09:00")) == D("2026-05-08"));
}

TEST_CASE("a rule calendar closed only by the hours it inherits says so") {
  auto reg = Load(kBase + R"(  office: {base: biz, hours: "09:00-18:00"}
  batch: {base: office, rules: [{business_day: last}]}
  own: {base: office, hours: "00:00-24:00", rules: [{business_day: last}]}
)");
  DayInfo info;
  CHECK_FALSE(IsOpenAt(reg->Find("batch"), T("2026-05-29T20:00:00+09:00"), &info));
  CHECK(info.source == "hours");
  CHECK(info.reason ==
        "outside the business hours (09:00-18:00) that 'batch' inherits from 'office'; 2026-05-29 is a run date: "
        "rule 1 (business_day last)");
  CHECK(reg->Find("batch").HoursOwner() == &reg->Find("office"));
  CHECK(IsOpenAt(reg->Find("own"), T("2026-05-29T20:00:00+09:00"), &info));
  // On other days it is closed because no rule selects them.
  CHECK_FALSE(IsOpenAt(reg->Find("batch"), T("2026-05-28T10:00:00+09:00"), &info));
  CHECK(info.reason == "no rule selects this date");
}

TEST_CASE("a business day without hours says so, without empty parentheses") {
  auto reg = Load(R"(calendars:
  plain: {timezone: Asia/Tokyo}
  sundays: {base: plain, hours: {mon-fri: "09:00-18:00"}, rules: [{weekday: sun, shift: keep}]}
)");
  DayInfo info;
  CHECK_FALSE(IsOpenAt(reg->Find("sundays"), T("2026-05-10T10:00:00+09:00"), &info));
  CHECK(info.reason == "no business hours on business day 2026-05-10 (sun is not in the 'hours' of 'sundays')");
}

TEST_CASE("a closure on a holiday names both") {
  auto reg = Load(kBase + R"(  child: {base: biz, closed: [{date: 2026-05-04..2026-05-06, name: 連休}]}
)");
  DayInfo ny = reg->Find("biz").Classify(D("2027-01-01"));
  CHECK(ny.reason == "closure: 年末年始 (12-29..01-03); also 元日");
  CHECK(ny.reason_en == "closure: 年末年始 (12-29..01-03); also New Year's Day");
  CHECK(ny.source == "closed");
  CHECK(reg->Find("biz").Classify(D("2026-12-30")).reason == "closure: 年末年始 (12-29..01-03)");
  // A holiday of the base is named too.
  CHECK(reg->Find("child").Classify(D("2026-05-06")).reason ==
        "closure: 連休 (2026-05-04..2026-05-06); also 振替休日 (substitute for 憲法記念日 2026-05-03)");
}

TEST_CASE("a calendar without a zone: the settings' default, Asia/Tokyo for Japanese holidays, else the host's") {
  ScopedEnv tz("TZ", "UTC");
  const std::string text = R"(calendars:
  jp: {holidays: [jp], hours: "09:00-18:00"}
  child: {base: jp}
  plain: {hours: "09:00-18:00"}
  tokyo: {timezone: Asia/Tokyo}
)";
  {
    auto reg = Load(text);
    const Calendar& jp = reg->Find("jp");
    CHECK(jp.Zone() == FindZone("Asia/Tokyo"));
    CHECK(jp.zone_origin == ZoneOrigin::kHolidays);
    CHECK(reg->Find("child").Zone() == FindZone("Asia/Tokyo"));
    CHECK(reg->Find("child").zone_origin == ZoneOrigin::kBase);
    CHECK(reg->Find("child").EffectiveZoneOrigin() == ZoneOrigin::kHolidays);
    CHECK(reg->Find("plain").zone_origin == ZoneOrigin::kHost);
    CHECK(reg->Find("tokyo").zone_origin == ZoneOrigin::kWritten);
    // Friday 09:30 in Tokyo is 00:30 UTC.
    CHECK(OpenAt(jp, "2026-05-08T09:30:00+09:00"));
    CHECK_FALSE(OpenAt(reg->Find("plain"), "2026-05-08T09:30:00+09:00"));
  }
  {
    LoadOptions options;
    options.default_timezone = "Europe/Berlin";
    auto reg = Load(text, options);
    CHECK(reg->Find("jp").Zone() == FindZone("Europe/Berlin"));
    CHECK(reg->Find("jp").zone_origin == ZoneOrigin::kSettings);
    CHECK(reg->Find("plain").zone_origin == ZoneOrigin::kSettings);
  }
}

}  // TEST_SUITE
