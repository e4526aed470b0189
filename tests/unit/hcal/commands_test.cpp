// Pure helpers of the hcal commands: instants, date arguments and periods.
#include "cmd/hcal/commands.hpp"

#include <doctest/doctest.h>

#include <cstdio>

#include <chrono>
#include <functional>
#include <sstream>
#include <string>

#include "common/yaml_doc.hpp"

using namespace hops;
using namespace hops::cal;
using std::chrono::seconds;

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

const TimeZone* Zone(const char* name) {
  const TimeZone* z = FindZone(name);
  REQUIRE(z != nullptr);
  return z;
}

std::string UsageText(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  FAIL("expected a UsageError");
  return "";
}

std::pair<Day, Day> Period(const std::string& from, const std::string& to, const std::string& year,
                           const std::string& month, const Calendar* cal = nullptr, bool required = true) {
  PeriodOptions p;
  p.from = from;
  p.to = to;
  p.year = year;
  p.month = month;
  return ResolvePeriod(p, cal, required);
}

}  // namespace

TEST_SUITE("calendar_cmd") {

TEST_CASE("ParseInstant: local times are taken in the calendar's zone") {
  const TimeZone* tokyo = Zone("Asia/Tokyo");
  CHECK(ParseInstant("2026-11-20T10:00", tokyo) == T("2026-11-20T01:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20 10:00", tokyo) == T("2026-11-20T01:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20t10:00", tokyo) == T("2026-11-20T01:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20T10:00:59", tokyo) == T("2026-11-20T01:00:59+00:00"));
  CHECK(ParseInstant("2026-11-20T00:00", tokyo) == T("2026-11-19T15:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20T23:59:59", tokyo) == T("2026-11-20T14:59:59+00:00"));
  const TimeZone* ny = Zone("America/New_York");
  CHECK(ParseInstant("2026-11-20T10:00", ny) == T("2026-11-20T15:00:00+00:00"));  // EST
  CHECK(ParseInstant("2026-07-20T10:00", ny) == T("2026-07-20T14:00:00+00:00"));  // EDT
  // Without a zone, local time is UTC.
  CHECK(ParseInstant("2026-11-20T10:00", nullptr) == T("2026-11-20T10:00:00+00:00"));
}

TEST_CASE("ParseInstant: explicit offsets win over the zone") {
  const TimeZone* ny = Zone("America/New_York");
  CHECK(ParseInstant("2026-11-20T10:00+09:00", ny) == T("2026-11-20T01:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20T10:00:30+09:00", ny) == T("2026-11-20T01:00:30+00:00"));
  CHECK(ParseInstant("2026-11-20T10:00Z", ny) == T("2026-11-20T10:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20T10:00z", ny) == T("2026-11-20T10:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20T10:00:00-05:00", nullptr) == T("2026-11-20T15:00:00+00:00"));
  CHECK(ParseInstant("2026-11-20T10:00+05:30", ny) == T("2026-11-20T04:30:00+00:00"));
  CHECK(ParseInstant("2026-01-01T00:30+01:00", ny) == T("2025-12-31T23:30:00+00:00"));
  // A local time in a DST gap is fine with an offset.
  CHECK(ParseInstant("2026-03-08T02:30-05:00", ny) == T("2026-03-08T07:30:00+00:00"));
}

TEST_CASE("ParseInstant: fractional seconds, as EC2 and hops events write instants, are dropped") {
  const TimeZone* tokyo = Zone("Asia/Tokyo");
  CHECK(ParseInstant("2026-11-23T23:00:00.000Z", tokyo) == T("2026-11-23T23:00:00+00:00"));
  CHECK(ParseInstant("2026-11-23T23:00:59.999Z", tokyo) == T("2026-11-23T23:00:59+00:00"));
  CHECK(ParseInstant("2026-11-24T08:00:00.5+09:00", nullptr) == T("2026-11-23T23:00:00+00:00"));
  CHECK(ParseInstant("2026-11-24T08:00:00.123456789", tokyo) == T("2026-11-23T23:00:00+00:00"));
  for (const char* bad : {"2026-11-23T23:00:00.Z", "2026-11-23T23:00:00.", "2026-11-23T23:00:00.1234567890Z",
                          "2026-11-23T23:00.5Z", "2026-11-23T23:00:00.5.5Z", "2026-11-23T23:00:00,5Z"}) {
    CAPTURE(bad);
    CHECK(UsageText([&] { ParseInstant(bad, tokyo); }) ==
          std::string("invalid date-time '") + bad + "': expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], 'now' or '@EPOCH'");
  }
}

TEST_CASE("ParseInstant: epoch seconds and now") {
  CHECK(ParseInstant("@0", nullptr) == Instant{seconds{0}});
  CHECK(ParseInstant("@1700000000", Zone("Asia/Tokyo")) == Instant{seconds{1700000000}});
  CHECK(ParseInstant("@999999999999", nullptr) == Instant{seconds{999999999999}});
  auto before = date::floor<seconds>(std::chrono::system_clock::now());
  Instant now = ParseInstant("now", nullptr);
  auto after = date::floor<seconds>(std::chrono::system_clock::now());
  CHECK(now >= before);
  CHECK(now <= after);
}

TEST_CASE("ParseInstant: malformed input is a usage error") {
  const TimeZone* tokyo = Zone("Asia/Tokyo");
  for (const char* bad : {"", "@", "@-1", "@1e9", "@1234567890123", "@ 5", "2026-11-20", "2026-11-20T",
                          "2026-11-20T10", "2026-11-20T1:00", "2026-11-20T10-00", "2026-11-20T24:00",
                          "2026-11-20T25:00", "2026-11-20T10:60", "2026-11-20T10:00:60", "2026-11-20T10:00:5",
                          "2026-11-20T10:00:", "2026-11-20X10:00",
                          "2026-11-20T10:00+9:00", "2026-11-20T10:00+09:60", "2026-11-20T10:00+0900",
                          "2026-11-20T10:00+24:00", "2026-11-20T10:00 ", "2026-11-20T10:00UTC", "Now",
                          "tomorrow", "2026/11/20T10:00"}) {
    CAPTURE(bad);
    std::string text = UsageText([&] { ParseInstant(bad, tokyo); });
    CHECK(text == std::string("invalid date-time '") + bad +
                      "': expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], 'now' or '@EPOCH'");
  }
  // A well-formed date that does not exist says why.
  CHECK(UsageText([&] { ParseInstant("2026-02-30T10:00", tokyo); }) ==
        "invalid date-time '2026-02-30T10:00': February 2026 has 28 days");
  CHECK(UsageText([&] { ParseInstant("2026-13-01T10:00", tokyo); }) ==
        "invalid date-time '2026-13-01T10:00': there is no month 13");
}

TEST_CASE("ParseInstant: local times in a DST gap are refused, ambiguous ones take the first") {
  const TimeZone* ny = Zone("America/New_York");
  CHECK(UsageText([&] { ParseInstant("2026-03-08T02:30", ny); }) ==
        "local time '2026-03-08T02:30' does not exist in America/New_York (daylight saving gap); give an "
        "offset such as +09:00");
  CHECK_THROWS_AS(ParseInstant("2026-03-08T02:00", ny), UsageError);
  CHECK_THROWS_AS(ParseInstant("2026-03-08T02:59:59", ny), UsageError);
  CHECK(ParseInstant("2026-03-08T01:59:59", ny) == T("2026-03-08T06:59:59+00:00"));
  CHECK(ParseInstant("2026-03-08T03:00", ny) == T("2026-03-08T07:00:00+00:00"));
  // 01:30 on 2026-11-01 happens twice; the earlier (EDT) one is meant.
  CHECK(ParseInstant("2026-11-01T01:30", ny) == T("2026-11-01T05:30:00+00:00"));
  CHECK_THROWS_AS(ParseInstant("2026-03-29T02:30", Zone("Europe/Berlin")), UsageError);
}

TEST_CASE("ParseDateArg: ISO dates and relative words") {
  Registry reg;
  reg.AddDocument(YamlDoc::FromString("calendars:\n  biz: {timezone: Asia/Tokyo}\n", "t.yaml"));
  reg.Resolve();
  REQUIRE(reg.errors().empty());
  const Calendar& biz = reg.Find("biz");
  CHECK(ParseDateArg("2026-05-01", biz) == D("2026-05-01"));
  Day before = BusinessDateOf(biz, date::floor<seconds>(std::chrono::system_clock::now()));
  Day today = ParseDateArg("today", biz);
  Day after = BusinessDateOf(biz, date::floor<seconds>(std::chrono::system_clock::now()));
  CHECK((today == before || today == after));
  CHECK(ParseDateArg("tomorrow", biz) - ParseDateArg("today", biz) <= date::days{1});
  CHECK(ParseDateArg("tomorrow", biz) - ParseDateArg("yesterday", biz) >= date::days{2});
  for (const char* bad : {"2026-5-1", "Today", "", "20260501"}) {
    CAPTURE(bad);
    CHECK(UsageText([&] { ParseDateArg(bad, biz); }) ==
          std::string("invalid date '") + bad + "': expected YYYY-MM-DD, today, yesterday or tomorrow");
  }
  CHECK(UsageText([&] { ParseDateArg("2026-02-30", biz); }) == "invalid date '2026-02-30': February 2026 has 28 days");
  CHECK(UsageText([&] { ParseDateArg("2026-09-31", biz); }) == "invalid date '2026-09-31': September 2026 has 30 days");
}

TEST_CASE("JudgedNotes: -v names the instant and business date, a host date other than the calendar's warns") {
  Registry reg;
  reg.AddDocument(YamlDoc::FromString(
      "calendars:\n  tokyo: {timezone: Asia/Tokyo}\n  night: {timezone: Asia/Tokyo, day_start: \"05:00\"}\n",
      "t.yaml"));
  reg.Resolve();
  REQUIRE(reg.errors().empty());
  const Calendar& tokyo = reg.Find("tokyo");
  const Calendar& night = reg.Find("night");
  const TimeZone* utc = Zone("UTC");
  HcalOptions o;
  using V = std::vector<std::string>;
  // 17:00 in Tokyo is 08:00 UTC, the same date: nothing to say unless asked.
  CHECK(JudgedNotes(o, tokyo, T("2026-05-08T17:00:00+09:00"), true, utc).empty());
  o.verbose = true;
  CHECK(JudgedNotes(o, tokyo, T("2026-05-08T17:00:00+09:00"), true, utc) ==
        V{"judged 2026-05-08T17:00:00+09:00 (business date 2026-05-08, Asia/Tokyo)"});
  o.verbose = false;
  // 02:00 in Tokyo is 17:00 UTC the day before: the cron line was written in the host's zone.
  const Instant two_am = T("2026-05-09T02:00:00+09:00");
  V warned = JudgedNotes(o, night, two_am, true, utc);
  REQUIRE(warned.size() == 1);
  CHECK(warned[0] ==
        "warning: calendar 'night' judges 2026-05-09T02:00:00+09:00 (Asia/Tokyo), a date other than this host's "
        "2026-05-08 (UTC); cron starts jobs by the host's clock, so check the crontab's times (see TIME ZONES AND "
        "CRON in hcal(1)); -q or --at silences this");
  // Not for an instant given with --at, not with -q, and not when the host is in the calendar's zone
  // (a day_start moving the business date back is no time zone mistake).
  CHECK(JudgedNotes(o, night, two_am, false, utc).empty());
  CHECK(JudgedNotes(o, night, two_am, true, Zone("Asia/Tokyo")).empty());
  o.quiet = true;
  CHECK(JudgedNotes(o, night, two_am, true, utc).empty());
  o.verbose = true;
  CHECK(JudgedNotes(o, night, two_am, true, utc) ==
        V{"judged 2026-05-09T02:00:00+09:00 (business date 2026-05-08, Asia/Tokyo)"});
}

TEST_CASE("ResolvePeriod: --year, --month, --from/--to") {
  CHECK(Period("", "", "2026", "") == std::make_pair(D("2026-01-01"), D("2026-12-31")));
  CHECK(Period("", "", "", "2026-02") == std::make_pair(D("2026-02-01"), D("2026-02-28")));
  CHECK(Period("", "", "", "2024-02") == std::make_pair(D("2024-02-01"), D("2024-02-29")));
  CHECK(Period("", "", "", "2026-12") == std::make_pair(D("2026-12-01"), D("2026-12-31")));
  CHECK(Period("2026-05-01", "2026-05-07", "", "") == std::make_pair(D("2026-05-01"), D("2026-05-07")));
  CHECK(Period("2026-05-01", "2026-05-01", "", "") == std::make_pair(D("2026-05-01"), D("2026-05-01")));
  // Optional periods may be absent.
  CHECK(Period("", "", "", "", nullptr, false) == std::make_pair(Day{}, Day{}));
}

TEST_CASE("ResolvePeriod: conflicts and malformed values") {
  const std::string conflict = "give only one of --from/--to, --year and --month";
  CHECK(UsageText([] { Period("", "", "2026", "2026-02"); }) == conflict);
  CHECK(UsageText([] { Period("2026-01-01", "2026-01-31", "2026", ""); }) == conflict);
  CHECK(UsageText([] { Period("2026-01-01", "", "", "2026-02"); }) == conflict);
  CHECK(UsageText([] { Period("2026-01-01", "", "", ""); }) == "--from and --to go together");
  CHECK(UsageText([] { Period("", "2026-01-01", "", ""); }) == "--from and --to go together");
  CHECK(UsageText([] { Period("2026-02-01", "2026-01-01", "", ""); }) == "--to 2026-01-01 is before --from 2026-02-01");
  CHECK(UsageText([] { Period("", "", "", ""); }) ==
        "give a period: --from DATE --to DATE, --year YYYY or --month YYYY-MM");
  for (const char* y : {"0", "10000", "abc", "20x6", "-2026"}) {
    CAPTURE(y);
    CHECK(UsageText([&] { Period("", "", y, ""); }) == std::string("invalid year '") + y + "'");
  }
  for (const char* m : {"2026-2", "202602", "2026-02-01"}) {
    CAPTURE(m);
    CHECK(UsageText([&] { Period("", "", "", m); }) == std::string("invalid month '") + m + "': expected YYYY-MM");
  }
  CHECK(UsageText([] { Period("", "", "", "2026-13"); }) == "invalid month '2026-13': there is no month 13");
  CHECK(UsageText([] { Period("", "", "", "2026-00"); }) == "invalid month '2026-00': there is no month 0");
  CHECK(UsageText([] { Period("today", "2026-12-31", "", ""); }) == "invalid date 'today': expected YYYY-MM-DD");
  CHECK(UsageText([] { Period("2026-01-01", "2026-13-01", "", ""); }) ==
        "invalid date '2026-13-01': there is no month 13");
  CHECK(UsageText([] { Period("2026-02-01", "2026-02-30", "", ""); }) ==
        "invalid date '2026-02-30': February 2026 has 28 days");
}

TEST_CASE("ResolvePeriod: with a calendar, relative words are allowed") {
  Registry reg;
  reg.AddDocument(YamlDoc::FromString("calendars:\n  biz: {timezone: Asia/Tokyo}\n", "t.yaml"));
  reg.Resolve();
  const Calendar& biz = reg.Find("biz");
  auto [a, b] = Period("yesterday", "tomorrow", "", "", &biz);
  CHECK(b - a == date::days{2});
  CHECK(UsageText([&] { Period("tomorrow", "yesterday", "", "", &biz); }) ==
        "--to yesterday is before --from tomorrow");
  CHECK(UsageText([&] { Period("2026-1-1", "2026-01-31", "", "", &biz); }) ==
        "invalid date '2026-1-1': expected YYYY-MM-DD, today, yesterday or tomorrow");
}

}  // TEST_SUITE
