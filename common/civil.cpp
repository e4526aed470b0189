#include "common/civil.hpp"

#include <cctype>
#include <cstdio>

#include "common/text.hpp"

namespace hops {

static bool ParseDigits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<Day> ParseIsoDate(std::string_view s) {
  std::string why;
  return ParseIsoDate(s, &why);
}

std::optional<Day> ParseIsoDate(std::string_view s, std::string* why) {
  why->clear();
  int y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  if (!ParseDigits(s, 0, 4, &y) || !ParseDigits(s, 5, 2, &m) || !ParseDigits(s, 8, 2, &d))
    return std::nullopt;
  auto day = MakeDay(y, m, d);
  if (!day) *why = DateProblem(y, unsigned(m), unsigned(d));
  return day;
}

static const char* const kMonthNames[] = {"January", "February", "March",     "April",   "May",      "June",
                                          "July",    "August",   "September", "October", "November", "December"};

const char* MonthName(unsigned m) { return m >= 1 && m <= 12 ? kMonthNames[m - 1] : "?"; }

std::string DateProblem(std::optional<int> y, unsigned m, unsigned d) {
  if (m < 1 || m > 12) return "there is no month " + std::to_string(m);
  if (d < 1) return "there is no day " + std::to_string(d);
  const unsigned days = DaysInMonth(y.value_or(2000), m);  // 2000: a leap year
  if (d <= days) return "";
  if (!y) return std::string(MonthName(m)) + " has at most " + std::to_string(days) + " days";
  return std::string(MonthName(m)) + " " + std::to_string(*y) + " has " + std::to_string(days) + " days";
}

std::optional<Day> MakeDay(int y, unsigned m, unsigned d) {
  date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
  if (!ymd.ok()) return std::nullopt;
  return Day{ymd};
}

std::string FormatIsoDate(Day d) {
  Ymd v = ToYmd(d);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", v.y, v.m, v.d);
  return buf;
}

unsigned DaysInMonth(int y, unsigned m) {
  return unsigned(date::year_month_day_last{date::year{y}, date::month_day_last{date::month{m}}}.day());
}

static const char* const kWeekdayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char* const kWeekdayLong[] = {"sunday",   "monday", "tuesday", "wednesday",
                                           "thursday", "friday", "saturday"};

const char* WeekdayName(unsigned wd) { return wd < 7 ? kWeekdayNames[wd] : "?"; }

std::optional<unsigned> ParseWeekdayName(std::string_view s) {
  const std::string lower = Lower(s);
  for (unsigned i = 0; i < 7; ++i)
    if (lower == kWeekdayNames[i] || lower == kWeekdayLong[i]) return i;
  return std::nullopt;
}

}  // namespace hops
