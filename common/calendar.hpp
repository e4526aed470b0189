// Business calendars: which civil dates are business days, which instants are open, and why.
#ifndef HOPS_COMMON_CALENDAR_HPP_
#define HOPS_COMMON_CALENDAR_HPP_

#include <array>
#include <chrono>
#include <functional>
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
  std::vector<TimeRange> hours;  ///< special_hours, and open entries that give their own hours
  SourceLoc loc;
};

/// What to do when a rule selects a date that is not a business day of the base calendar.
enum class Shift { kBefore, kAfter, kSkip, kKeep };
/// "before", "after", "skip", "keep".
const char* ShiftName(Shift s);

/// Which days besides the 5th..25th a 五十日 (gotobi) rule picks.
enum class Gotobi {
  kLastDay,    ///< the month's last day (28th to 31st): the default
  kThirtieth,  ///< the 30th, or February's last day
  kBoth,       ///< the 30th (or February's last day) and the 31st
};

/// A rule of a rule-based calendar: a selector, optional month filter, shift and offset.
/// "Absolute" selectors name civil dates (JP1 絶対日: the 25th is the 25th); "relative" ones count
/// from the start of the rule month (JP1 相対日, counted from 基準日, Calendar::month_start).
struct Rule {
  enum class Kind {
    kDay,              ///< civil days of the month: 5, last, last-3 (JP1 絶対日)
    kRelativeDay,      ///< nth day of the rule month counted from its start (JP1 相対日)
    kBusinessDay,      ///< nth business day of the rule month (JP1 運用日; negative from the end)
    kClosedDay,        ///< nth closed day of the rule month (JP1 休業日; negative from the end)
    kWeekday,          ///< weekday occurrences of the civil month: tue#2, fri#last, mon (every)
    kRelativeWeekday,  ///< weekday occurrences counted from the start of the rule month
    kNearestWeekday,   ///< Quartz "15W": the Mon-Fri day nearest the given civil day, within the month
    kGotobi,           ///< 五十日: 5, 10, 15, 20, 25 and the month end (see Gotobi)
    kEvery,            ///< every N days from an anchor date
  };
  Kind kind = Kind::kDay;
  /// kDay/kRelativeDay/kNearestWeekday: day numbers, where values <= 0 count back from the last
  /// day (0 = last, -3 = last-3). kBusinessDay/kClosedDay: n >= 1 from the start, n <= -1 from the
  /// end (-1 = last).
  std::vector<int> numbers;
  /// kWeekday/kRelativeWeekday: (weekday 0=Sun..6, occurrence 1..5, -1 = last, 0 = every).
  std::vector<std::pair<unsigned, int>> weekdays;
  Gotobi gotobi = Gotobi::kLastDay;  ///< kGotobi
  int every_days = 0;  ///< kEvery
  Day anchor{};        ///< kEvery
  std::array<bool, 13> months{};  ///< months[1..12]; all true when not filtered
  Shift shift = Shift::kSkip;
  int max_shift = 10;  ///< calendar days a shift may move the date
  bool within_month = false;  ///< a shift never leaves the rule month: it turns the other way
  int offset = 0;      ///< business days to move after shifting (JP1 起算スケジュール)
  std::string text;    ///< description for explain ("last business day")
  SourceLoc loc;
  /// True when the rule selects at most one date in each rule month (so that 0 or 2 runs in one
  /// month means a run moved across a month boundary).
  bool OncePerMonth() const;
};

/// A date selected by a rule, after shifting and offset.
struct RuleHit {
  Day date;
  size_t rule = 0;     ///< index into Calendar::rules
  Day selected;        ///< the date the selector picked, before shift and offset
  bool shifted = false;  ///< moved by 'shift' before or after
  bool turned = false;   ///< shifted the other way than written, to stay within the month
};

/// A date a rule selected and then dropped: no run comes from it.
struct RuleMiss {
  enum class Why {
    kSkip,           ///< not a business day of the base, and the shift is skip
    kNoBusinessDay,  ///< before/after found no business day within max_shift (and the month)
    kOutOfRange,     ///< the offset ran off the supported date range
  };
  Day selected;
  size_t rule = 0;
  Why why = Why::kSkip;
  bool both_ways = false;  ///< kNoBusinessDay: 'within: month' turned the search the other way too
};

/// A rule month in which a once-a-month rule runs other than once because runs moved across its
/// boundaries (Calendar::RunCountIssues()).
struct RunCountIssue {
  size_t rule = 0;
  int period = 0;                  ///< the rule month (see Calendar::PeriodName())
  int runs = 0;                    ///< runs that land in it
  std::vector<RuleHit> moved_out;  ///< selected in it, landing in another month
  std::vector<RuleHit> moved_in;   ///< selected in another month, landing in it
};

/// Where a calendar's time zone comes from.
enum class ZoneOrigin {
  kWritten,   ///< its own 'timezone'
  kBase,      ///< its base's
  kSettings,  ///< the settings file's 'timezone'
  kHolidays,  ///< Asia/Tokyo, for a calendar with Japanese holidays
  kHost,      ///< the host's zone ($TZ, /etc/localtime)
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
  /// JP1 基準日: a rule month starts on this day of the civil month, 1..31 (31 = the last day; a
  /// shorter month starts on its last day), unless month_start_weekday is set.
  int month_start = 1;
  /// JP1 基準日 as a weekday occurrence: (weekday 0=Sun..6, occurrence 1..4 or -1 = last).
  std::optional<std::pair<unsigned, int>> month_start_weekday;
  /// JP1 基準月: false (当月) names a rule month after the civil month it starts in, true (翌月)
  /// after the next one.
  bool base_month_next = false;
  SourceLoc hours_loc;     ///< where 'hours' is defined
  std::string hours_line;  ///< its source line (for errors found when bases are linked)
  ZoneOrigin zone_origin = ZoneOrigin::kWritten;  ///< set by Registry

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
  /// The calendar whose hours are this one's (itself, or the base it inherits them from); nullptr
  /// when no calendar of the chain has hours.
  const Calendar* HoursOwner() const;
  /// The effective origin of Zone(): kBase resolves to the origin of the base's zone.
  ZoneOrigin EffectiveZoneOrigin() const;
  /// Dates rules selected on @p d and then dropped (rule calendars only), in rule order.
  std::vector<RuleMiss> DroppedOn(Day d) const;
  /// For the rule months that overlap [from, to]: once-a-month rules that run 0 times in a month
  /// (its run moved to another month) or more than once (another month's run moved in).
  std::vector<RunCountIssue> RunCountIssues(Day from, Day to) const;
  /// The rule month @p d belongs to.
  int PeriodOf(Day d) const;
  /// The first and last day of rule month @p period.
  std::pair<Day, Day> PeriodBounds(int period) const;
  /// "2026-02", the name of rule month @p period (its first and last day follow when the months
  /// are not the civil months: "2026-02 (2026-02-21..2026-03-20)").
  std::string PeriodName(int period) const;

  const jp::HolidayCalendar* jp = nullptr;  ///< set by Registry

 private:
  friend class Registry;
  /// The hits and drops of the rules in one rule month.
  struct PeriodRuns {
    std::vector<RuleHit> hits;      ///< by landing date, then rule
    std::vector<RuleMiss> dropped;  ///< by selected date, then rule
  };
  DayInfo ClassifyUnchecked(Day d) const;
  DayInfo ClassifyByRules(Day d) const;
  std::string RuleRunsText(Day d) const;
  const PeriodRuns& Runs(int period) const;
  const std::vector<RuleHit>& PeriodHits(int period) const { return Runs(period).hits; }
  Day PeriodStart(int year, unsigned month) const;
  unsigned PeriodMonth(int period) const;
  mutable std::mutex cache_mu_;
  mutable std::map<int, PeriodRuns> runs_cache_;
};

/// The current instant, to the second.
Instant Now();

/// Parses an instant: "now", "@EPOCH", "YYYY-MM-DDTHH:MM[:SS[.FFF]][Z|±HH:MM]" (a space may replace T;
/// fractional seconds are dropped), a local time being taken in @p zone. Throws UsageError.
Instant ParseInstant(const std::string& text, const TimeZone* zone);
/// The same, asking @p local_zone for the zone only when @p text is a local time (it may throw
/// when no zone gives a local time one meaning).
Instant ParseInstant(const std::string& text, const std::function<const TimeZone*()>& local_zone);

/// The business date an instant belongs to: the business day whose open window contains it (a
/// window running past midnight keeps Friday's date on Saturday morning), else its local date
/// minus the day start.
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
