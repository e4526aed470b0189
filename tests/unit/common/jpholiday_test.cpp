#include "common/jpholiday.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"

namespace {

using hops::Day;
using hops::jp::Holiday;
using hops::jp::HolidayCalendar;
using hops::jp::HolidayKind;
using hops::jp::Overrides;

Day D(const char* iso) {
  std::optional<Day> d = hops::ParseIsoDate(iso);
  REQUIRE_MESSAGE(d.has_value(), iso);
  return *d;
}

const HolidayCalendar& Cal() {
  static const HolidayCalendar cal;
  return cal;
}

/// Name of the holiday on @p iso in the built-in calendar, "" when it is an ordinary day.
std::string NameOn(const char* iso, const HolidayCalendar& cal = Cal()) {
  const Holiday* h = cal.Find(D(iso));
  return h ? h->name : "";
}

bool IsHoliday(const char* iso, const HolidayCalendar& cal = Cal()) {
  return cal.Find(D(iso)) != nullptr;
}

/// "MM-DD name" for each holiday of year @p y.
std::vector<std::string> Listing(int y, const HolidayCalendar& cal = Cal()) {
  std::vector<std::string> out;
  for (const Holiday& h : cal.Year(y))
    out.push_back(hops::FormatIsoDate(h.date).substr(5) + " " + h.name);
  return out;
}

void CheckSubstitute(const char* iso, const char* for_iso, const HolidayCalendar& cal = Cal()) {
  CAPTURE(iso);
  const Holiday* h = cal.Find(D(iso));
  REQUIRE(h != nullptr);
  CHECK(h->kind == HolidayKind::kSubstitute);
  CHECK(h->name == "振替休日");
  CHECK(h->name_en == "Substitute Holiday");
  REQUIRE(h->substitute_for.has_value());
  CHECK(*h->substitute_for == D(for_iso));
}

void CheckCitizens(const char* iso, const HolidayCalendar& cal = Cal()) {
  CAPTURE(iso);
  const Holiday* h = cal.Find(D(iso));
  REQUIRE(h != nullptr);
  CHECK(h->kind == HolidayKind::kCitizens);
  CHECK(h->name == "国民の休日");
  CHECK(h->name_en == "Citizens' Holiday");
  CHECK_FALSE(h->substitute_for.has_value());
}

template <typename Fn>
hops::DefinitionError CatchDefinitionError(Fn fn) {
  try {
    fn();
  } catch (const hops::DefinitionError& e) {
    return e;
  }
  FAIL("expected a DefinitionError");
  return hops::DefinitionError(hops::SourceLoc{}, "");
}

}  // namespace

TEST_SUITE("jp::HolidayCalendar") {
  // 春分の日 and 秋分の日 (day of March, day of September) for 1955-2027 as the Cabinet Office lists
  // them (内閣府「国民の祝日について」, syukujitsu.csv), typed in independently of the built-in table.
  TEST_CASE("built-in equinox table equals the Cabinet Office's published dates") {
    struct Row { unsigned vernal, autumnal; };
    // clang-format off
    const Row cabinet_office[] = {
    /* 1955 */ {21, 24}, {21, 23}, {21, 23}, {21, 23}, {21, 24}, {20, 23}, {21, 23}, {21, 23},
    /* 1963 */ {21, 24}, {20, 23}, {21, 23}, {21, 23}, {21, 24}, {20, 23}, {21, 23}, {21, 23},
    /* 1971 */ {21, 24}, {20, 23}, {21, 23}, {21, 23}, {21, 24}, {20, 23}, {21, 23}, {21, 23},
    /* 1979 */ {21, 24}, {20, 23}, {21, 23}, {21, 23}, {21, 23}, {20, 23}, {21, 23}, {21, 23},
    /* 1987 */ {21, 23}, {20, 23}, {21, 23}, {21, 23}, {21, 23}, {20, 23}, {20, 23}, {21, 23},
    /* 1995 */ {21, 23}, {20, 23}, {20, 23}, {21, 23}, {21, 23}, {20, 23}, {20, 23}, {21, 23},
    /* 2003 */ {21, 23}, {20, 23}, {20, 23}, {21, 23}, {21, 23}, {20, 23}, {20, 23}, {21, 23},
    /* 2011 */ {21, 23}, {20, 22}, {20, 23}, {21, 23}, {21, 23}, {20, 22}, {20, 23}, {21, 23},
    /* 2019 */ {21, 23}, {20, 22}, {20, 23}, {21, 23}, {21, 23}, {20, 22}, {20, 23}, {20, 23},
    /* 2027 */ {21, 23},
    };
    // clang-format on
    CHECK(hops::jp::LastPublishedYear() == 2027);
    for (int y = 1955; y <= 2027; ++y) {
      CAPTURE(y);
      auto published = hops::jp::PublishedEquinoxes(y);
      REQUIRE(published.has_value());
      const Row& row = cabinet_office[y - 1955];
      CHECK(published->first == date::year{y} / 3 / date::day{row.vernal});
      CHECK(published->second == date::year{y} / 9 / date::day{row.autumnal});
    }
    CHECK_FALSE(hops::jp::PublishedEquinoxes(1947).has_value());
    CHECK_FALSE(hops::jp::PublishedEquinoxes(2028).has_value());
  }

  TEST_CASE("the formula agrees with the published table wherever both exist (1948-2027)") {
    for (int y = 1948; y <= hops::jp::LastPublishedYear(); ++y) {
      CAPTURE(y);
      CHECK(*hops::jp::PublishedEquinoxes(y) == hops::jp::FormulaEquinoxes(y));
    }
  }

  TEST_CASE("equinox formula uses floor division before 1980") {
    // C-style truncation of (y-1980)/4 would give 1951-09-23 and 1960-03-21.
    CHECK(hops::jp::FormulaEquinoxes(1951).second == D("1951-09-24"));
    CHECK(hops::jp::FormulaEquinoxes(1979).second == D("1979-09-24"));
    CHECK(hops::jp::FormulaEquinoxes(1960).first == D("1960-03-20"));
    CHECK(hops::jp::FormulaEquinoxes(1956).first == D("1956-03-21"));
    CHECK(hops::jp::FormulaEquinoxes(2012).second == D("2012-09-22"));
    CHECK(hops::jp::FormulaEquinoxes(2092).first == D("2092-03-19"));
    CHECK(hops::jp::FormulaEquinoxes(2096).first == D("2096-03-19"));
    CHECK(hops::jp::FormulaEquinoxes(1851).first == D("1851-03-21"));
    CHECK_THROWS_AS(hops::jp::FormulaEquinoxes(1850), hops::RangeError);
    CHECK_THROWS_AS(hops::jp::FormulaEquinoxes(2151), hops::RangeError);
  }

  TEST_CASE("supported range is 1948-07-20 .. 2150-12-31") {
    CHECK(hops::jp::FirstSupportedDay() == D("1948-07-20"));
    CHECK(hops::jp::LastSupportedDay() == D("2150-12-31"));
    CHECK(Cal().Find(D("1948-07-20")) == nullptr);
    CHECK(Cal().Find(D("2150-12-31")) == nullptr);
    CHECK(NameOn("2150-01-01") == "元日");
    try {
      Cal().Find(D("1948-07-19"));
      FAIL("expected RangeError");
    } catch (const hops::RangeError& e) {
      const std::string what = e.what();
      CHECK(what.find("1948-07-19") != std::string::npos);
      CHECK(what.find("1948-07-20..2150-12-31") != std::string::npos);
    }
    try {
      Cal().Find(D("2151-01-01"));
      FAIL("expected RangeError");
    } catch (const hops::RangeError& e) {
      const std::string what = e.what();
      CHECK(what.find("2151-01-01") != std::string::npos);
      CHECK(what.find("1948-07-20..2150-12-31") != std::string::npos);
    }
    CHECK_THROWS_AS(Cal().Year(1947), hops::RangeError);
    CHECK_THROWS_AS(Cal().Year(2151), hops::RangeError);
    CHECK_THROWS_AS(Cal().Between(D("1948-07-01"), D("1948-12-31")), hops::RangeError);
    CHECK_THROWS_AS(Cal().Between(D("2150-12-01"), D("2151-01-31")), hops::RangeError);
  }

  TEST_CASE("1948 has only the days after the law took effect") {
    CHECK(Listing(1948) ==
          std::vector<std::string>{"09-23 秋分の日", "11-03 文化の日", "11-23 勤労感謝の日"});
    CHECK_FALSE(IsHoliday("1948-07-20"));
    CHECK(Listing(1949).front() == "01-01 元日");
  }

  TEST_CASE("2026 has 18 holidays") {
    CHECK(Listing(2026) == std::vector<std::string>{
                               "01-01 元日",
                               "01-12 成人の日",
                               "02-11 建国記念の日",
                               "02-23 天皇誕生日",
                               "03-20 春分の日",
                               "04-29 昭和の日",
                               "05-03 憲法記念日",
                               "05-04 みどりの日",
                               "05-05 こどもの日",
                               "05-06 振替休日",
                               "07-20 海の日",
                               "08-11 山の日",
                               "09-21 敬老の日",
                               "09-22 国民の休日",
                               "09-23 秋分の日",
                               "10-12 スポーツの日",
                               "11-03 文化の日",
                               "11-23 勤労感謝の日",
                           });
    CHECK(Cal().Year(2026).size() == 18);
    const Holiday* vernal = Cal().Find(D("2026-03-20"));
    REQUIRE(vernal != nullptr);
    CHECK(vernal->name_en == "Vernal Equinox Day");
    CHECK(vernal->kind == HolidayKind::kNational);
    CHECK_FALSE(vernal->predicted);
  }

  TEST_CASE("yearly holiday counts") {
    // Counted from the holiday_jp data set (1970, 2000, 2015) and the 2019-2021 special laws.
    CHECK(Cal().Year(1970).size() == 12);
    CHECK(Cal().Year(2000).size() == 15);
    CHECK(Cal().Year(2015).size() == 17);
    CHECK(Cal().Year(2019).size() == 22);
    CHECK(Cal().Year(2020).size() == 18);
    CHECK(Cal().Year(2021).size() == 17);
  }

  TEST_CASE("振替休日 before 2007: the next day, from 1973-04-12") {
    CHECK(NameOn("1973-02-11") == "建国記念の日");  // a Sunday, before the substitute law
    CHECK_FALSE(IsHoliday("1973-02-12"));
    CheckSubstitute("1973-04-30", "1973-04-29");
    CheckSubstitute("1973-09-24", "1973-09-23");
    CheckSubstitute("1974-05-06", "1974-05-05");
    // 05-03 on Sunday: only 05-04 under the old wording, 05-06 stays a working day.
    CheckSubstitute("1992-05-04", "1992-05-03");
    CHECK_FALSE(IsHoliday("1992-05-06"));
    CheckSubstitute("1998-05-04", "1998-05-03");
    CHECK_FALSE(IsHoliday("1998-05-06"));
    CheckSubstitute("1999-10-11", "1999-10-10");
    CheckSubstitute("2006-01-02", "2006-01-01");
  }

  TEST_CASE("振替休日 from 2007: the next day that is not a 祝日") {
    CheckSubstitute("2007-04-30", "2007-04-29");
    CheckSubstitute("2008-05-06", "2008-05-04");
    CheckSubstitute("2009-05-06", "2009-05-03");
    CheckSubstitute("2026-05-06", "2026-05-03");
    CheckSubstitute("2019-05-06", "2019-05-05");
    CheckSubstitute("2024-09-23", "2024-09-22");
    CheckSubstitute("2018-04-30", "2018-04-29");
    CHECK_FALSE(IsHoliday("2018-05-07"));
    CheckSubstitute("2023-01-02", "2023-01-01");
    // A 祝日 on Saturday gives nothing.
    CHECK(NameOn("2026-01-03") == "");
    CHECK(NameOn("2022-01-01") == "元日");
    CHECK_FALSE(IsHoliday("2022-01-03"));
  }

  TEST_CASE("国民の休日 from 1985-12-27") {
    CHECK_FALSE(IsHoliday("1985-05-04"));         // Saturday, law not yet in force
    CHECK_FALSE(IsHoliday("1986-05-04"));         // Sunday
    CheckSubstitute("1987-05-04", "1987-05-03");  // Monday 振替, not 国民の休日
    CheckCitizens("1988-05-04");
    CheckCitizens("1989-05-04");
    CHECK_FALSE(IsHoliday("1997-05-04"));  // Sunday
    CHECK_FALSE(IsHoliday("2003-05-04"));  // Sunday
    CheckCitizens("2006-05-04");
    CheckCitizens("2009-09-22");
    CheckCitizens("2015-09-22");
    CheckCitizens("2026-09-22");
    CheckCitizens("2032-09-21");
    CheckCitizens("2037-09-22");
    CHECK_FALSE(IsHoliday("2020-09-23"));
  }

  TEST_CASE("Happy Monday transitions and the 1966 additions") {
    CHECK(NameOn("1999-01-15") == "成人の日");
    CHECK(NameOn("2000-01-10") == "成人の日");
    CHECK_FALSE(IsHoliday("2000-01-15"));
    CHECK_FALSE(IsHoliday("1995-07-20"));
    CHECK(NameOn("1996-07-20") == "海の日");
    CHECK(NameOn("2002-07-20") == "海の日");
    CHECK_FALSE(IsHoliday("2003-07-20"));
    CHECK(NameOn("2003-07-21") == "海の日");
    CHECK(NameOn("2002-09-15") == "敬老の日");
    CHECK(NameOn("2004-09-20") == "敬老の日");
    CHECK_FALSE(IsHoliday("2004-09-15"));
    CHECK(NameOn("1999-10-10") == "体育の日");
    CHECK(NameOn("2000-10-09") == "体育の日");
    CHECK_FALSE(IsHoliday("2000-10-10"));
    CHECK(NameOn("2019-10-14") == "体育の日");
    CHECK(NameOn("2022-10-10") == "スポーツの日");
    CHECK(Cal().Find(D("2022-10-10"))->name_en == "Sports Day");
    CHECK(Cal().Find(D("2019-10-14"))->name_en == "Health and Sports Day");
    CHECK_FALSE(IsHoliday("1965-09-15"));
    CHECK(NameOn("1966-09-15") == "敬老の日");
    CHECK(NameOn("1966-10-10") == "体育の日");
    CHECK_FALSE(IsHoliday("1966-02-11"));
    CHECK(NameOn("1967-02-11") == "建国記念の日");
    CHECK(Cal().Find(D("2026-01-12"))->name_en == "Coming of Age Day");
  }

  TEST_CASE("天皇誕生日 by era, みどりの日 and 昭和の日") {
    CHECK(NameOn("1988-04-29") == "天皇誕生日");
    CHECK(NameOn("1989-04-29") == "みどりの日");
    CHECK(NameOn("1989-12-23") == "天皇誕生日");
    CHECK(NameOn("2018-12-23") == "天皇誕生日");
    CheckSubstitute("2018-12-24", "2018-12-23");
    for (const Holiday& h : Cal().Year(2019)) CHECK(h.name != "天皇誕生日");
    CHECK_FALSE(IsHoliday("2019-12-23"));
    CHECK_FALSE(IsHoliday("2019-02-23"));
    CHECK(NameOn("2020-02-23") == "天皇誕生日");
    CheckSubstitute("2020-02-24", "2020-02-23");
    CheckSubstitute("2025-02-24", "2025-02-23");
    CHECK_FALSE(IsHoliday("2020-12-23"));
    CHECK(NameOn("2006-04-29") == "みどりの日");
    CheckCitizens("2006-05-04");
    CHECK(NameOn("2007-04-29") == "昭和の日");
    CHECK(Cal().Find(D("2007-04-29"))->name_en == "Showa Day");
    CHECK(NameOn("2007-05-04") == "みどりの日");
    CHECK(Cal().Find(D("2007-05-04"))->kind == HolidayKind::kNational);
    CHECK(Cal().Find(D("2007-05-04"))->name_en == "Greenery Day");
  }

  TEST_CASE("2019: enthronement days and the sandwich rule") {
    CHECK(Listing(2019) == std::vector<std::string>{
                               "01-01 元日",
                               "01-14 成人の日",
                               "02-11 建国記念の日",
                               "03-21 春分の日",
                               "04-29 昭和の日",
                               "04-30 国民の休日",
                               "05-01 天皇の即位の日",
                               "05-02 国民の休日",
                               "05-03 憲法記念日",
                               "05-04 みどりの日",
                               "05-05 こどもの日",
                               "05-06 振替休日",
                               "07-15 海の日",
                               "08-11 山の日",
                               "08-12 振替休日",
                               "09-16 敬老の日",
                               "09-23 秋分の日",
                               "10-14 体育の日",
                               "10-22 即位礼正殿の儀の行われる日",
                               "11-03 文化の日",
                               "11-04 振替休日",
                               "11-23 勤労感謝の日",
                           });
    CheckCitizens("2019-04-30");
    CheckCitizens("2019-05-02");
    CHECK(Cal().Find(D("2019-05-01"))->kind == HolidayKind::kNational);
    CHECK(Cal().Find(D("2019-10-22"))->kind == HolidayKind::kNational);
    CheckSubstitute("2019-08-12", "2019-08-11");
    CheckSubstitute("2019-11-04", "2019-11-03");
    CHECK_FALSE(IsHoliday("2019-12-23"));
  }

  TEST_CASE("Olympic moves in 2020 and 2021") {
    CHECK(NameOn("2020-07-23") == "海の日");
    CHECK(NameOn("2020-07-24") == "スポーツの日");
    CHECK(NameOn("2020-08-10") == "山の日");
    CHECK_FALSE(IsHoliday("2020-07-20"));
    CHECK_FALSE(IsHoliday("2020-08-11"));
    CHECK_FALSE(IsHoliday("2020-10-12"));
    CHECK(NameOn("2021-07-22") == "海の日");
    CHECK(NameOn("2021-07-23") == "スポーツの日");
    CHECK(NameOn("2021-08-08") == "山の日");
    CheckSubstitute("2021-08-09", "2021-08-08");
    CHECK_FALSE(IsHoliday("2021-07-19"));
    CHECK_FALSE(IsHoliday("2021-08-11"));
    CHECK_FALSE(IsHoliday("2021-10-11"));
    CHECK(NameOn("2022-07-18") == "海の日");
    CHECK(NameOn("2022-08-11") == "山の日");
  }

  TEST_CASE("山の日 from 2016") {
    CHECK_FALSE(IsHoliday("2015-08-11"));
    for (const Holiday& h : Cal().Year(2015)) CHECK(h.name != "山の日");
    CHECK(NameOn("2016-08-11") == "山の日");
    CHECK(Cal().Find(D("2016-08-11"))->name_en == "Mountain Day");
  }

  TEST_CASE("one-off special-law days") {
    CHECK(NameOn("1959-04-10") == "皇太子明仁親王の結婚の儀");
    CHECK(NameOn("1989-02-24") == "昭和天皇の大喪の礼");
    CHECK(NameOn("1990-11-12") == "即位礼正殿の儀");
    CHECK(NameOn("1993-06-09") == "皇太子徳仁親王の結婚の儀");
    for (const char* iso :
         {"1959-04-10", "1989-02-24", "1990-11-12", "1993-06-09", "2019-05-01", "2019-10-22"}) {
      CAPTURE(iso);
      CHECK(Cal().Find(D(iso))->kind == HolidayKind::kNational);
    }
  }

  TEST_CASE("equinoxes after the last published year are predicted") {
    const Holiday* official = Cal().Find(D("2027-03-21"));
    REQUIRE(official != nullptr);
    CHECK_FALSE(official->predicted);
    CheckSubstitute("2027-03-22", "2027-03-21");
    CHECK_FALSE(Cal().Find(D("2027-03-22"))->predicted);
    const Holiday* v2028 = Cal().Find(D("2028-03-20"));
    REQUIRE(v2028 != nullptr);
    CHECK(v2028->name == "春分の日");
    CHECK(v2028->predicted);
    CHECK(Cal().Find(D("2028-09-22"))->predicted);
    CHECK_FALSE(Cal().Find(D("2028-01-01"))->predicted);
    for (const char* iso : {"2092-03-19", "2096-03-19"}) {
      CAPTURE(iso);
      const Holiday* h = Cal().Find(D(iso));
      REQUIRE(h != nullptr);
      CHECK(h->name == "春分の日");
      CHECK(h->predicted);
    }
    CHECK_FALSE(IsHoliday("2092-03-20"));
    // Days derived from a predicted equinox are predicted too.
    CheckSubstitute("2033-03-21", "2033-03-20");
    CHECK(Cal().Find(D("2033-03-21"))->predicted);
    CheckCitizens("2032-09-21");
    CHECK(Cal().Find(D("2032-09-21"))->predicted);
    CheckSubstitute("2029-02-12", "2029-02-11");
    CHECK_FALSE(Cal().Find(D("2029-02-12"))->predicted);
  }

  TEST_CASE("every year is consistent with the rules") {
    const HolidayCalendar cal;
    for (int y = hops::jp::kFirstYear; y <= hops::jp::kLastYear; ++y) {
      CAPTURE(y);
      const std::vector<Holiday>& list = cal.Year(y);
      REQUIRE_FALSE(list.empty());
      for (size_t i = 0; i < list.size(); ++i) {
        const Holiday& h = list[i];
        CHECK(hops::ToYmd(h.date).y == y);
        CHECK(h.date >= hops::jp::FirstSupportedDay());
        if (i > 0) CHECK(list[i - 1].date < h.date);
        CHECK(cal.Find(h.date) == &h);
        CHECK_FALSE(h.name.empty());
        CHECK_FALSE(h.name_en.empty());
        if (h.kind == HolidayKind::kSubstitute) {
          REQUIRE(h.substitute_for.has_value());
          CHECK(hops::WeekdayOf(*h.substitute_for) == 0);
          CHECK(*h.substitute_for < h.date);
          CHECK(h.date - *h.substitute_for <= date::days{3});
        } else {
          CHECK_FALSE(h.substitute_for.has_value());
        }
        if (h.kind == HolidayKind::kCitizens) {
          const Holiday* before = cal.Find(h.date - date::days{1});
          const Holiday* after = cal.Find(h.date + date::days{1});
          REQUIRE(before != nullptr);
          REQUIRE(after != nullptr);
          CHECK(before->kind == HolidayKind::kNational);
          CHECK(after->kind == HolidayKind::kNational);
        }
        const bool equinox = h.name == "春分の日" || h.name == "秋分の日";
        if (equinox) CHECK(h.predicted == (y > hops::jp::LastPublishedYear()));
        if (h.kind == HolidayKind::kNational && !equinox) CHECK_FALSE(h.predicted);
      }
      // Every Sunday 祝日 from 1973-04-12 has a substitute in this year or early next year.
      for (const Holiday& h : list) {
        if (h.kind != HolidayKind::kNational || hops::WeekdayOf(h.date) != 0 || h.date < D("1973-04-12"))
          continue;
        bool found = false;
        for (Day d = h.date + date::days{1};
             d <= h.date + date::days{3} && d <= hops::jp::LastSupportedDay(); d += date::days{1}) {
          const Holiday* sub = cal.Find(d);
          if (sub && sub->kind == HolidayKind::kSubstitute && sub->substitute_for == h.date)
            found = true;
        }
        if (h.date < D("2007-01-01") && cal.Find(h.date + date::days{1})) found = true;  // old wording
        CAPTURE(hops::FormatIsoDate(h.date));
        CHECK(found);
      }
    }
  }

  TEST_CASE("Between spans years and agrees with Find") {
    std::vector<Holiday> got = Cal().Between(D("2018-12-20"), D("2019-01-15"));
    REQUIRE(got.size() == 4);
    CHECK(got[0].date == D("2018-12-23"));
    CHECK(got[1].date == D("2018-12-24"));
    CHECK(got[2].date == D("2019-01-01"));
    CHECK(got[3].date == D("2019-01-14"));
    CHECK(Cal().Between(D("2019-05-01"), D("2019-05-01")).size() == 1);
    CHECK(Cal().Between(D("2019-05-02"), D("2019-05-01")).empty());
    size_t counted = 0;
    const Day last = D("2029-12-31");
    for (Day d = D("2010-01-01"); d <= last; d += date::days{1})
      if (Cal().Find(d)) ++counted;
    CHECK(Cal().Between(D("2010-01-01"), D("2029-12-31")).size() == counted);
  }

  // How fast a scan is, is measured by scripts/bench/hcal.sh (every business day 1955-2099).
  TEST_CASE("a business-day scan with Find agrees with the holidays of Year") {
    const HolidayCalendar cal;
    const Day first = D("1955-01-01"), last = D("2099-12-31");
    long business_days = 0;
    for (Day d = first; d <= last; d += date::days{1}) {
      const unsigned wd = hops::WeekdayOf(d);
      if (wd != 0 && wd != 6 && cal.Find(d) == nullptr) ++business_days;
    }
    long weekday_holidays = 0, weekdays = 0;
    for (int y = 1955; y <= 2099; ++y)
      for (const Holiday& h : cal.Year(y))
        if (hops::WeekdayOf(h.date) != 0 && hops::WeekdayOf(h.date) != 6) ++weekday_holidays;
    for (Day d = first; d <= last; d += date::days{1})
      if (hops::WeekdayOf(d) != 0 && hops::WeekdayOf(d) != 6) ++weekdays;
    CHECK(business_days == weekdays - weekday_holidays);
  }

  TEST_CASE("concurrent first use and copies") {
    const HolidayCalendar cal;
    std::vector<std::string> a, b;
    const Day first = D("2000-01-01"), last = D("2040-12-31");
    auto scan = [&cal, first, last](std::vector<std::string>* out) {
      for (Day d = first; d <= last; d += date::days{1})
        if (const Holiday* h = cal.Find(d)) out->push_back(hops::FormatIsoDate(d) + h->name);
    };
    std::thread t1(scan, &a), t2(scan, &b);
    t1.join();
    t2.join();
    CHECK(a == b);
    CHECK_FALSE(a.empty());
    const HolidayCalendar copy = cal;
    CHECK(&copy.Year(2020) == &cal.Year(2020));
  }

  TEST_CASE("overrides: added 祝日 take part in the substitute and sandwich rules") {
    Overrides ov;
    // 2030-06-02 is a Sunday.
    REQUIRE(hops::WeekdayOf(D("2030-06-02")) == 0);
    ov.add.push_back(
        Holiday{D("2030-06-02"), "新しい祝日", "New Holiday", HolidayKind::kSubstitute, true, {}});
    // 2030-11-02 (Sat) is sandwiched between 11-01 (added) and 11-03 文化の日 (Sunday) → 11-04 振替.
    ov.add.push_back(
        Holiday{D("2030-11-01"), "秋の日", "Autumn Day", HolidayKind::kNational, false, {}});
    // 2023-12-31 is a Sunday: the substitute crosses into 2024 and skips 元日.
    ov.add.push_back(
        Holiday{D("2023-12-31"), "大晦日", "New Year's Eve", HolidayKind::kNational, false, {}});
    // 2024-12-30 (Mon) + 2025-01-01 sandwich 2024-12-31 across the year boundary.
    ov.add.push_back(
        Holiday{D("2024-12-30"), "年末の日", "Year-End Day", HolidayKind::kNational, false, {}});
    const HolidayCalendar cal(ov);

    const Holiday* added = cal.Find(D("2030-06-02"));
    REQUIRE(added != nullptr);
    CHECK(added->name == "新しい祝日");
    CHECK(added->kind == HolidayKind::kNational);
    CHECK_FALSE(added->predicted);
    CheckSubstitute("2030-06-03", "2030-06-02", cal);
    CHECK_FALSE(IsHoliday("2030-06-03"));  // the built-in calendar is unchanged

    CheckCitizens("2030-11-02", cal);
    CheckSubstitute("2030-11-04", "2030-11-03", cal);

    CheckSubstitute("2024-01-02", "2023-12-31", cal);
    CHECK(cal.Between(D("2023-12-30"), D("2024-01-03")).size() == 3);
    CheckCitizens("2024-12-31", cal);
    CHECK_FALSE(IsHoliday("2024-12-31"));
  }

  TEST_CASE("overrides: removed 祝日 and their derived days disappear") {
    Overrides ov;
    ov.remove.push_back(D("2030-07-15"));  // 海の日 (Monday)
    ov.remove.push_back(D("2030-08-11"));  // 山の日 (Sunday)
    ov.remove.push_back(D("2030-01-02"));  // not a holiday: ignored
    const HolidayCalendar cal(ov);
    CHECK(IsHoliday("2030-07-15"));
    CHECK_FALSE(IsHoliday("2030-07-15", cal));
    CHECK(IsHoliday("2030-08-12"));
    CHECK_FALSE(IsHoliday("2030-08-11", cal));
    CHECK_FALSE(IsHoliday("2030-08-12", cal));
    CHECK(cal.Year(2030).size() + 3 == Cal().Year(2030).size());
  }

  TEST_CASE("overrides: equinox dates and published_through") {
    Overrides ov;
    ov.equinox[2028] = {D("2028-03-21"), D("2028-09-23")};
    ov.equinox[2030] = {D("2030-03-20"), D("2030-09-23")};
    const HolidayCalendar cal(ov);
    CHECK_FALSE(IsHoliday("2028-03-20", cal));
    const Holiday* v = cal.Find(D("2028-03-21"));
    REQUIRE(v != nullptr);
    CHECK(v->name == "春分の日");
    CHECK_FALSE(v->predicted);
    CHECK_FALSE(cal.Find(D("2028-09-23"))->predicted);
    CHECK_FALSE(cal.Find(D("2030-03-20"))->predicted);
    CHECK(cal.Find(D("2029-03-20"))->predicted);  // not overridden, not published

    Overrides through;
    through.published_through = 2030;
    const HolidayCalendar cal2(through);
    CHECK_FALSE(cal2.Find(D("2028-03-20"))->predicted);
    CHECK_FALSE(cal2.Find(D("2030-09-23"))->predicted);
    CHECK(cal2.Find(D("2031-03-21"))->predicted);
    Overrides lower;
    lower.published_through = 2000;  // below the built-in table: no effect
    CHECK(HolidayCalendar(lower).Find(D("2028-03-20"))->predicted);

    Overrides bad_month;
    bad_month.equinox[2029] = {D("2029-04-20"), D("2029-09-23")};
    CHECK_THROWS_AS(HolidayCalendar{bad_month}, hops::DefinitionError);
    Overrides bad_year;
    bad_year.equinox[2151] = {D("2151-03-21"), D("2151-09-23")};
    CHECK_THROWS_AS(HolidayCalendar{bad_year}, hops::RangeError);
    Overrides bad_add;
    bad_add.add.push_back(Holiday{D("1900-01-02"), "x", "x", HolidayKind::kNational, false, {}});
    CHECK_THROWS_AS(HolidayCalendar{bad_add}, hops::RangeError);
  }

  TEST_CASE("ParseOverrides reads the documented format") {
    const std::string text =
        "published_through: 2028\n"
        "equinox:\n"
        "  2028: {vernal: 2028-03-20, autumnal: 2028-09-22}\n"
        "add:\n"
        "  - {date: 2030-05-01, name: 新しい祝日, name_en: New Holiday}\n"
        "  - date: 2030-05-02\n"
        "    name: 祝日二\n"
        "remove: [2030-07-15]\n";
    const Overrides ov = hops::jp::ParseOverrides(text, "jp.yaml");
    CHECK(ov.published_through == 2028);
    REQUIRE(ov.equinox.size() == 1);
    CHECK(ov.equinox.at(2028) == std::make_pair(D("2028-03-20"), D("2028-09-22")));
    REQUIRE(ov.add.size() == 2);
    CHECK(ov.add[0].date == D("2030-05-01"));
    CHECK(ov.add[0].name == "新しい祝日");
    CHECK(ov.add[0].name_en == "New Holiday");
    CHECK(ov.add[1].name_en == "祝日二");  // defaults to the Japanese name
    REQUIRE(ov.remove.size() == 1);
    CHECK(ov.remove[0] == D("2030-07-15"));

    const HolidayCalendar cal(ov);
    CHECK_FALSE(cal.Find(D("2028-03-20"))->predicted);
    CHECK(NameOn("2030-05-01", cal) == "新しい祝日");
    CHECK_FALSE(IsHoliday("2030-07-15", cal));

    CHECK(hops::jp::ParseOverrides("", "empty.yaml").add.empty());
    CHECK(hops::jp::ParseOverrides("# nothing\n", "empty.yaml").published_through == 0);
  }

  TEST_CASE("ParseOverrides reports file:line:column") {
    auto unknown_top = CatchDefinitionError(
        [] { hops::jp::ParseOverrides("published_through: 2028\ncolour: red\n", "over.yaml"); });
    CHECK(unknown_top.loc().file == "over.yaml");
    CHECK(unknown_top.loc().line == 2);
    CHECK(unknown_top.loc().column == 1);
    CHECK(std::string(unknown_top.what()).rfind("over.yaml:2:1: ", 0) == 0);
    CHECK(unknown_top.message().find("colour") != std::string::npos);

    auto unknown_nested = CatchDefinitionError([] {
      hops::jp::ParseOverrides("add:\n  - date: 2030-05-01\n    name: x\n    kind: y\n", "over.yaml");
    });
    CHECK(unknown_nested.loc().line == 4);
    CHECK(unknown_nested.loc().column == 5);

    auto bad_date = CatchDefinitionError(
        [] { hops::jp::ParseOverrides("add:\n  - {date: 2030-02-30, name: x}\n", "over.yaml"); });
    CHECK(bad_date.loc().line == 2);
    CHECK(bad_date.loc().column == 12);
    CHECK(std::string(bad_date.what()).rfind("over.yaml:2:12: ", 0) == 0);
    CHECK(bad_date.message().find("2030-02-30") != std::string::npos);

    auto bad_remove = CatchDefinitionError(
        [] { hops::jp::ParseOverrides("remove:\n  - 2030-07-15\n  - 15/07/2030\n", "r.yaml"); });
    CHECK(bad_remove.loc().line == 3);
    CHECK(bad_remove.loc().column == 5);

    auto bad_equinox = CatchDefinitionError([] {
      hops::jp::ParseOverrides("equinox:\n  2029: {vernal: 2029-04-20, autumnal: 2029-09-23}\n",
                               "e.yaml");
    });
    CHECK(bad_equinox.loc().line == 2);
    CHECK(bad_equinox.loc().column == 18);

    auto missing = CatchDefinitionError(
        [] { hops::jp::ParseOverrides("equinox:\n  2029: {vernal: 2029-03-20}\n", "e.yaml"); });
    CHECK(missing.loc().line == 2);
    CHECK(missing.message().find("autumnal") != std::string::npos);

    auto out_of_range =
        CatchDefinitionError([] { hops::jp::ParseOverrides("remove: [1948-07-19]\n", "e.yaml"); });
    CHECK(out_of_range.loc().line == 1);
    CHECK(out_of_range.loc().column == 10);

    auto syntax = CatchDefinitionError(
        [] { hops::jp::ParseOverrides("add:\n  - {date: 2030-05-01\n", "s.yaml"); });
    CHECK(syntax.loc().file == "s.yaml");
    CHECK(syntax.loc().line >= 2);

    auto not_a_map = CatchDefinitionError([] { hops::jp::ParseOverrides("- 1\n- 2\n", "m.yaml"); });
    CHECK(not_a_map.loc().line == 1);
    CHECK(not_a_map.loc().column == 1);

    auto bad_year =
        CatchDefinitionError([] { hops::jp::ParseOverrides("published_through: next\n", "p.yaml"); });
    CHECK(bad_year.loc().line == 1);
    CHECK(bad_year.loc().column == 20);
  }

}  // TEST_SUITE
