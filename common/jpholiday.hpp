// Japanese national holidays (国民の祝日に関する法律, 昭和23年法律第178号) computed by rule, not from a
// date list.
//
// The 祝日 of each year come from the rules in force that year (Happy Monday moves, era changes of
// 天皇誕生日, the 2020/2021 Olympic moves, one-off special-law days); 春分の日/秋分の日 come from a
// built-in table of officially published dates and, beyond it, from the standard approximation formula
// (flagged as predicted). 振替休日 (Art. 3 ¶2, from 1973-04-12) and 国民の休日 (Art. 3 ¶3, from
// 1985-12-27) are derived from the 祝日 with the wording in force on the day in question.
#ifndef HOPS_COMMON_JPHOLIDAY_HPP_
#define HOPS_COMMON_JPHOLIDAY_HPP_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/civil.hpp"

namespace hops::jp {

/// Legal category of a holiday.
enum class HolidayKind {
  kNational,  ///< 国民の祝日, including days a special law treats as one (2019-05-01, 1989-02-24, ...)
  kSubstitute,  ///< 振替休日 (Art. 3 ¶2)
  kCitizens,    ///< 国民の休日: a day sandwiched between two 祝日 (Art. 3 ¶3)
};

/// One holiday.
struct Holiday {
  Day date;             ///< the day
  std::string name;     ///< Japanese name, e.g. "春分の日", "振替休日", "国民の休日"
  std::string name_en;  ///< English name, e.g. "Vernal Equinox Day", "Substitute Holiday"
  HolidayKind kind = HolidayKind::kNational;  ///< legal category
  bool predicted = false;  ///< an equinox not yet officially published, or a day derived from one
  std::optional<Day> substitute_for;  ///< for kSubstitute: the Sunday 祝日 this day replaces
};

/// Extra data for future law changes without a new release (loaded from a YAML override file).
struct Overrides {
  /// If greater than LastPublishedYear(), equinox dates up to this year count as official.
  int published_through = 0;
  /// Year -> (vernal, autumnal) official equinox dates; overrides the table and the formula.
  std::map<int, std::pair<Day, Day>> equinox;
  /// Extra 祝日 (forced to kind kNational); they take part in the substitute and 国民の休日 rules and
  /// replace a built-in 祝日 on the same date.
  std::vector<Holiday> add;
  /// Dates that are no longer 祝日 (applied before `add` and before the derived-day rules).
  std::vector<Day> remove;
};

/// First year with any supported day (the law took effect on 1948-07-20).
constexpr int kFirstYear = 1948;
/// Last supported year (the equinox formula is valid through 2150).
constexpr int kLastYear = 2150;

/// 1948-07-20, the day the holiday law took effect.
Day FirstSupportedDay();
/// 2150-12-31.
Day LastSupportedDay();
/// Last year whose equinox dates are officially published in the built-in table (2027).
int LastPublishedYear();

/// 春分日 and 秋分日 of year @p y (1851..2150) by the 新こよみ便利帳 formula; RangeError outside that
/// range.
std::pair<Day, Day> FormulaEquinoxes(int y);
/// Officially published 春分日 and 秋分日 of @p y from the built-in table; nullopt when not in the
/// table.
std::optional<std::pair<Day, Day>> PublishedEquinoxes(int y);

/// Computes and caches the holidays of 1948-07-20 .. 2150-12-31. Copies share the (immutable) cache;
/// safe to use from several threads at once.
class HolidayCalendar {
 public:
  /// A calendar with the built-in rules plus @p overrides; RangeError if an override date or year is
  /// outside the supported range, DefinitionError if an equinox date is not in its year's
  /// March/September.
  explicit HolidayCalendar(Overrides overrides = {});
  /// Copies share the cache.
  HolidayCalendar(const HolidayCalendar&) = default;
  /// Copies share the cache.
  HolidayCalendar& operator=(const HolidayCalendar&) = default;

  /// The holiday on @p d, or nullptr; the pointer stays valid while this calendar or a copy lives.
  /// Throws RangeError (message names the date and the supported range) outside 1948-07-20..2150-12-31.
  const Holiday* Find(Day d) const;
  /// Holidays in [from, to], ascending (empty when from > to). Throws RangeError if any part is outside
  /// the range.
  std::vector<Holiday> Between(Day from, Day to) const;
  /// Every holiday of year @p y (1948..2150), ascending; RangeError for other years.
  const std::vector<Holiday>& Year(int y) const;
  /// The overrides this calendar was built with.
  const Overrides& overrides() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

/// Parses an override file's YAML text; errors are DefinitionError with file:line:column. Unknown keys
/// are errors.
Overrides ParseOverrides(const std::string& yaml_text, const std::string& filename);

}  // namespace hops::jp

#endif  // HOPS_COMMON_JPHOLIDAY_HPP_
