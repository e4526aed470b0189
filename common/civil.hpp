// Civil (calendar) dates: parsing, formatting and arithmetic without any timezone.
#ifndef HOPS_COMMON_CIVIL_HPP_
#define HOPS_COMMON_CIVIL_HPP_

#include <date/date.h>

#include <optional>
#include <string>
#include <string_view>

namespace hops {

/// A civil date, counted in days since 1970-01-01 (no timezone attached).
using Day = date::sys_days;

/// Parses a strict ISO date "YYYY-MM-DD"; nullopt when malformed or impossible (2026-02-30).
std::optional<Day> ParseIsoDate(std::string_view s);

/// ParseIsoDate(), saying in @p why what makes a well-formed date impossible ("February 2026 has
/// 28 days", see DateProblem()); @p why is "" when @p s is not of the form YYYY-MM-DD at all.
std::optional<Day> ParseIsoDate(std::string_view s, std::string* why);

/// Why year @p y, month @p m, day @p d is no date: "there is no month 13", "there is no day 0",
/// "February 2026 has 28 days"; "" when it is a date. Without a year (a yearly MM-DD) February
/// has 29 days ("February has at most 29 days").
std::string DateProblem(std::optional<int> y, unsigned m, unsigned d);

/// English month name, "January" .. "December", for 1..12.
const char* MonthName(unsigned m);

/// "YYYY-MM-DD".
std::string FormatIsoDate(Day d);

/// Builds a day from year/month/day; nullopt when impossible.
std::optional<Day> MakeDay(int y, unsigned m, unsigned d);

/// Day of week, 0 = Sunday .. 6 = Saturday.
inline unsigned WeekdayOf(Day d) { return date::weekday{d}.c_encoding(); }

/// Year, month (1-12) and day of month (1-31) of @p d.
struct Ymd {
  int y;
  unsigned m;
  unsigned d;
};
inline Ymd ToYmd(Day d) {
  date::year_month_day ymd{d};
  return {int(ymd.year()), unsigned(ymd.month()), unsigned(ymd.day())};
}

/// Number of days in month @p m of year @p y.
unsigned DaysInMonth(int y, unsigned m);

/// Lower-case English three-letter weekday name ("sun" .. "sat") for 0..6.
const char* WeekdayName(unsigned wd);

/// Parses "sun".."sat" or a full English name, case-insensitive; nullopt otherwise.
std::optional<unsigned> ParseWeekdayName(std::string_view s);

}  // namespace hops

#endif  // HOPS_COMMON_CIVIL_HPP_
