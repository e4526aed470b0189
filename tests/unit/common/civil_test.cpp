#include "common/civil.hpp"

#include <doctest/doctest.h>

using namespace hops;

TEST_SUITE("civil") {
  TEST_CASE("ParseIsoDate accepts only real dates in strict form") {
    CHECK(ParseIsoDate("2026-05-06").has_value());
    CHECK(FormatIsoDate(*ParseIsoDate("2024-02-29")) == "2024-02-29");
    CHECK_FALSE(ParseIsoDate("2026-02-29"));
    CHECK_FALSE(ParseIsoDate("2026-13-01"));
    CHECK_FALSE(ParseIsoDate("2026-00-10"));
    CHECK_FALSE(ParseIsoDate("2026-5-6"));
    CHECK_FALSE(ParseIsoDate("2026/05/06"));
    CHECK_FALSE(ParseIsoDate("2026-05-06x"));
    CHECK_FALSE(ParseIsoDate(""));
  }

  TEST_CASE("ParseIsoDate says why a well-formed date is impossible") {
    auto why = [](const char* s) {
      std::string w = "stale";
      CHECK_FALSE(ParseIsoDate(s, &w).has_value());
      return w;
    };
    CHECK(why("2026-02-30") == "February 2026 has 28 days");
    CHECK(why("2026-02-29") == "February 2026 has 28 days");
    CHECK(why("2024-02-30") == "February 2024 has 29 days");
    CHECK(why("1900-02-29") == "February 1900 has 28 days");
    CHECK(why("2026-04-31") == "April 2026 has 30 days");
    CHECK(why("2026-13-01") == "there is no month 13");
    CHECK(why("2026-00-10") == "there is no month 0");
    CHECK(why("2026-05-00") == "there is no day 0");
    CHECK(why("2026-5-6").empty());  // malformed, not impossible
    CHECK(why("").empty());
    std::string w = "stale";
    CHECK(ParseIsoDate("2024-02-29", &w).has_value());
    CHECK(w.empty());
    CHECK(DateProblem(std::nullopt, 2, 30) == "February has at most 29 days");
    CHECK(DateProblem(std::nullopt, 2, 29).empty());
    CHECK(DateProblem(2026, 12, 32) == "December 2026 has 31 days");
    CHECK(std::string(MonthName(1)) == "January");
    CHECK(std::string(MonthName(13)) == "?");
  }

  TEST_CASE("weekdays and month lengths") {
    CHECK(WeekdayOf(*ParseIsoDate("2026-11-22")) == 0);  // Sunday
    CHECK(WeekdayOf(*ParseIsoDate("1948-07-20")) == 2);  // Tuesday
    CHECK(DaysInMonth(2024, 2) == 29);
    CHECK(DaysInMonth(2100, 2) == 28);
    CHECK(DaysInMonth(2000, 2) == 29);
    CHECK(DaysInMonth(2026, 4) == 30);
    CHECK(std::string(WeekdayName(6)) == "sat");
    CHECK(ParseWeekdayName("Monday") == 1u);
    CHECK(ParseWeekdayName("SUN") == 0u);
    CHECK_FALSE(ParseWeekdayName("mo"));
  }

  TEST_CASE("ToYmd and MakeDay round-trip across centuries") {
    for (int y : {1900, 1948, 1999, 2000, 2099, 2150}) {
      auto d = MakeDay(y, 12, 31);
      REQUIRE(d);
      Ymd v = ToYmd(*d);
      CHECK(v.y == y);
      CHECK(v.m == 12u);
      CHECK(v.d == 31u);
    }
    CHECK_FALSE(MakeDay(2026, 4, 31));
  }
}
