// Business calendars: which civil dates are business days, which instants are open, and why.
#ifndef HOPS_COMMON_CALENDAR_HPP_
#define HOPS_COMMON_CALENDAR_HPP_

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/civil.hpp"
#include "common/error.hpp"
#include "common/jpholiday.hpp"
#include "common/zone.hpp"

namespace hops::cal {

/// An instant, to the second.
using Instant = date::sys_seconds;

/// A half-open window [start, end) in minutes from the civil midnight of a business date.
/// start is in [0, 48h); end is in (start, 48h]. "22:00-06:00" is stored as 1320..1800.
struct TimeRange {
  int start = 0;
  int end = 0;
};

/// Parses "HH:MM-HH:MM" (hours up to 48, ranges crossing midnight allowed); error text in @p err.
std::optional<TimeRange> ParseTimeRange(const std::string& s, std::string* err);
/// "09:00-18:00" (ends past midnight are written past 24:00, e.g. "22:00-30:00").
std::string FormatTimeRange(const TimeRange& r);

/// A set of civil dates: one day, a range of days, or a yearly recurring day or range.
struct DateSpec {
  bool recurring = false;  ///< month-day form, every year
  Day from{}, to{};        ///< one-off: inclusive range
  unsigned from_md = 0;    ///< recurring: month*100+day, inclusive
  unsigned to_md = 0;      ///< recurring: may be < from_md when the range wraps the year end
  /// True when @p d (with month-day @p md) is in the set.
  bool Contains(Day d, unsigned md) const;
};

/// Parses "YYYY-MM-DD", "YYYY-MM-DD..YYYY-MM-DD", "MM-DD" or "MM-DD..MM-DD"; error text in @p err.
std::optional<DateSpec> ParseDateSpec(const std::string& s, std::string* err);

/// A dated entry (closure, open day or special hours) with the place it was defined.
struct DatedEntry {
  DateSpec spec;
  std::string text;  ///< the spec as written
  std::string name;  ///< optional label ("創立記念日")
  std::vector<TimeRange> hours;  ///< special_hours only
  SourceLoc loc;
};

/// What to do when a rule selects a date that is not a business day of the base calendar.
enum class Shift { kBefore, kAfter, kSkip, kKeep };
/// "before", "after", "skip", "keep".
const char* ShiftName(Shift s);

/// A rule of a rule-based calendar: a selector, optional month filter, shift and offset.
struct Rule {
  enum class Kind {
    kDay,             ///< days of the month: 5, last, last-3
    kBusinessDay,     ///< nth business day of the month (negative counts from the end)
    kClosedDay,       ///< nth closed day of the month (negative counts from the end)
    kWeekday,         ///< weekday occurrences: tue#2, fri#last, mon (every Monday)
    kNearestWeekday,  ///< Quartz "15W": the Mon-Fri day nearest the given day, within the month
    kGotobi,          ///< 五十日: 5, 10, 15, 20, 25 and the month's last day
    kEvery,           ///< every N days from an anchor date
  };
  Kind kind = Kind::kDay;
  /// kDay/kNearestWeekday: day numbers, where values <= 0 count back from the last day (0 = last,
  /// -3 = last-3). kBusinessDay/kClosedDay: n >= 1 from the start, n <= -1 from the end (-1 = last).
  std::vector<int> numbers;
  /// kWeekday: (weekday 0=Sun..6, occurrence 1..5, -1 = last, 0 = every).
  std::vector<std::pair<unsigned, int>> weekdays;
  int every_days = 0;  ///< kEvery
  Day anchor{};        ///< kEvery
  std::array<bool, 13> months{};  ///< months[1..12]; all true when not filtered
  Shift shift = Shift::kSkip;
  int max_shift = 10;  ///< calendar days a shift may move the date
  int offset = 0;      ///< business days to move after shifting (JP1 起算スケジュール)
  std::string text;    ///< description for explain ("last business day")
  SourceLoc loc;
};

/// A date selected by a rule, after shifting and offset.
struct RuleHit {
  Day date;
  size_t rule = 0;   ///< index into Calendar::rules
  Day selected;      ///< the date the selector picked, before shift and offset
};

/// Why a date is open or closed.
struct DayInfo {
  bool open = false;
  std::string reason;       ///< "振替休日 (substitute for 憲法記念日 2026-05-03)", "weekly day off (sat)", ...
  std::string reason_en;    ///< English reason where one exists (holidays), else same as reason
  std::string source;       ///< what decided: "jp", "closed", "open", "weekdays", "rule", "validity", "base"
  SourceLoc loc;            ///< where the deciding definition is, when it comes from a file
  bool predicted = false;   ///< the deciding holiday is a predicted equinox
  bool named = false;       ///< a named holiday or closure (as opposed to a weekly day off or no rule)
};

class Registry;

/// One named calendar as defined in a file.
class Calendar {
 public:
  std::string name;
  std::string file;
  SourceLoc loc;
  std::string description;
  std::string timezone_name;  ///< "" = inherited from base, settings or the system
  const TimeZone* zone = nullptr;  ///< resolved by Registry
  std::string base_name;
  SourceLoc base_loc;
  const Calendar* base = nullptr;  ///< resolved by Registry
  std::array<bool, 7> weekdays{false, true, true, true, true, true, false};
  bool has_weekdays = false;
  SourceLoc weekdays_loc;  ///< where 'weekdays' is defined (else the calendar's own position)
  SourceLoc holidays_loc;  ///< where 'holidays' is defined
  std::vector<std::string> holiday_sets;  ///< "jp", "jp-gov", "jp-bank"
  std::vector<DatedEntry> closed, open, special_hours;
  std::vector<TimeRange> hours;                      ///< every business day ("" = all day)
  std::array<std::optional<std::vector<TimeRange>>, 7> weekday_hours;  ///< per weekday
  bool has_hours = false;
  std::optional<int> day_start;  ///< minutes; JP1 基準時刻
  std::optional<Day> valid_from, valid_to;
  std::vector<Rule> rules;
  int month_start = 1;  ///< JP1 基準日: "month" runs from this day to the day before it next month

  /// Whether @p d is a business day (for rule calendars: a rule date), with the reason.
  DayInfo Classify(Day d) const;
  /// Shorthand for Classify(d).open.
  bool IsBusinessDay(Day d) const;
  /// Rule hits on @p d (rule calendars only), in rule order.
  std::vector<RuleHit> HitsOn(Day d) const;
  /// Open windows of business date @p d in minutes from its midnight (all day = day start + 24h).
  std::vector<TimeRange> WindowsOf(Day d) const;
  /// The effective day start in minutes (own, else base's, else 0).
  int DayStart() const;
  /// The effective timezone.
  const TimeZone* Zone() const;
  /// Whether the calendar (or its base chain) uses the Japanese holiday table.
  bool UsesJp() const;
  /// The first and last date this calendar can answer for.
  std::pair<Day, Day> SupportedRange() const;
  /// Throws RangeError when @p d is outside SupportedRange().
  void CheckRange(Day d) const;
  /// Whether the calendar defines business hours (own or inherited).
  bool HasHours() const;

  const jp::HolidayCalendar* jp = nullptr;  ///< set by Registry

 private:
  friend class Registry;
  DayInfo ClassifyUnchecked(Day d) const;
  DayInfo ClassifyByRules(Day d) const;
  const std::vector<RuleHit>& PeriodHits(int period) const;
  std::pair<Day, Day> PeriodBounds(int period) const;
  int PeriodOf(Day d) const;
  mutable std::mutex cache_mu_;
  mutable std::map<int, std::vector<RuleHit>> hits_cache_;
};

/// The current instant, to the second.
Instant Now();

/// Parses an instant: "now", "@EPOCH", "YYYY-MM-DDTHH:MM[:SS][Z|±HH:MM]" (a space may replace T),
/// a local time being taken in @p zone. Throws UsageError.
Instant ParseInstant(const std::string& text, const TimeZone* zone);

/// The business date an instant belongs to (local date minus the day start).
Day BusinessDateOf(const Calendar& cal, Instant t);

/// Whether @p cal is open at @p t; when it is, @p window receives the open window.
bool IsOpenAt(const Calendar& cal, Instant t, DayInfo* info, std::optional<std::pair<Instant, Instant>>* window = nullptr);

/// The instant of local time @p minutes after midnight of @p d in @p zone (DST gaps move forward).
Instant LocalToInstant(const TimeZone* zone, Day d, int minutes);

/// Open time in [from, to) (merged windows, real elapsed seconds).
std::chrono::seconds OpenTimeBetween(const Calendar& cal, Instant from, Instant to);

/// Next (dir=+1) or previous (dir=-1) business day strictly after/before @p from; nullopt when none
/// before the end of the supported range.
std::optional<Day> NextBusinessDay(const Calendar& cal, Day from, int dir);

/// @p d itself when a business day, else the nearest business day in direction @p dir.
std::optional<Day> ShiftToBusinessDay(const Calendar& cal, Day d, int dir);

}  // namespace hops::cal

#endif  // HOPS_COMMON_CALENDAR_HPP_
