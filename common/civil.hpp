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
