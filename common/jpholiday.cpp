#include "common/jpholiday.hpp"

#include "common/spell.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdint>
#include <mutex>

#include "common/error.hpp"

namespace hops::jp {

namespace {

constexpr Day MakeConstDay(int y, unsigned m, unsigned d) {
  return Day{date::year{y} / date::month{m} / date::day{d}};
}

constexpr Day kLawStart = MakeConstDay(1948, 7, 20);  // 昭和23年法律第178号 施行
constexpr Day kLastDay = MakeConstDay(kLastYear, 12, 31);
constexpr Day kSubstituteStart = MakeConstDay(1973, 4, 12);  // 昭和48年法律第10号 (振替休日)
constexpr Day kCitizensStart = MakeConstDay(1985, 12, 27);  // 昭和60年法律第103号 (国民の休日)
constexpr Day kRevision2007 = MakeConstDay(2007, 1, 1);  // 平成17年法律第43号 (Art. 3 reworded)

// Range of the equinox approximation formula.
constexpr int kFormulaFirstYear = 1851;
constexpr int kFormulaLastYear = 2150;

// Officially published 春分日/秋分日 (day of March, day of September), 1948 .. kPublishedLastYear.
// Published yearly by the National Astronomical Observatory in the 暦要項 (官報, February of the
// preceding year); the 2027 dates were published in February 2026.
constexpr int kPublishedFirstYear = 1948;
constexpr int kPublishedLastYear = 2027;
struct EquinoxRow {
  unsigned char vernal;
  unsigned char autumnal;
};
// clang-format off
constexpr EquinoxRow kPublishedEquinoxes[] = {
    /* 1948 */ {21, 23}, {21, 23}, {21, 23}, {21, 24}, {21, 23}, {21, 23}, {21, 23}, {21, 24},
    /* 1956 */ {21, 23}, {21, 23}, {21, 23}, {21, 24}, {20, 23}, {21, 23}, {21, 23}, {21, 24},
    /* 1964 */ {20, 23}, {21, 23}, {21, 23}, {21, 24}, {20, 23}, {21, 23}, {21, 23}, {21, 24},
    /* 1972 */ {20, 23}, {21, 23}, {21, 23}, {21, 24}, {20, 23}, {21, 23}, {21, 23}, {21, 24},
    /* 1980 */ {20, 23}, {21, 23}, {21, 23}, {21, 23}, {20, 23}, {21, 23}, {21, 23}, {21, 23},
    /* 1988 */ {20, 23}, {21, 23}, {21, 23}, {21, 23}, {20, 23}, {20, 23}, {21, 23}, {21, 23},
    /* 1996 */ {20, 23}, {20, 23}, {21, 23}, {21, 23}, {20, 23}, {20, 23}, {21, 23}, {21, 23},
    /* 2004 */ {20, 23}, {20, 23}, {21, 23}, {21, 23}, {20, 23}, {20, 23}, {21, 23}, {21, 23},
    /* 2012 */ {20, 22}, {20, 23}, {21, 23}, {21, 23}, {20, 22}, {20, 23}, {21, 23}, {21, 23},
    /* 2020 */ {20, 22}, {20, 23}, {21, 23}, {21, 23}, {20, 22}, {20, 23}, {20, 23}, {21, 23},
};
// clang-format on
static_assert(sizeof kPublishedEquinoxes / sizeof kPublishedEquinoxes[0] ==
                  kPublishedLastYear - kPublishedFirstYear + 1,
              "one row per published year");

constexpr int kYearCount = kLastYear - kFirstYear + 1;
constexpr long kFirstDayNumber = static_cast<long>(kLawStart.time_since_epoch().count());
constexpr long kLastDayNumber = static_cast<long>(kLastDay.time_since_epoch().count());

// Floor division for a positive divisor (C++ '/' truncates toward zero, which is wrong for negatives).
constexpr long long FloorDiv(long long a, long long b) { return a / b - ((a % b != 0) && (a < 0)); }

// Day of month of the equinox by the 新こよみ便利帳 formula, in exact integer arithmetic (micro-days):
//   floor(C + 0.242194 * (y - 1980) - floor((y - 1980) / 4)).
// Years after 2150 use the last era's constants (only needed internally for the 2151 neighbour year).
unsigned FormulaEquinoxDay(int y, bool vernal) {
  long long c;
  if (y < 1900) {
    c = vernal ? 19827700 : 22258800;
  } else if (y < 1980) {
    c = vernal ? 20835700 : 23258800;
  } else if (y < 2100) {
    c = vernal ? 20843100 : 23248800;
  } else {
    c = vernal ? 21851000 : 24248800;
  }
  const long long n = y - 1980;
  const long long micro = c + 242194 * n - FloorDiv(n, 4) * 1000000;
  return static_cast<unsigned>(FloorDiv(micro, 1000000));
}

std::string RangeText() { return FormatIsoDate(kLawStart) + ".." + FormatIsoDate(kLastDay); }

[[noreturn]] void ThrowDayOutOfRange(Day d) {
  throw RangeError("date " + FormatIsoDate(d) +
                   " is outside the supported range of Japanese holidays (" + RangeText() + ")");
}

void CheckDay(Day d) {
  if (d < kLawStart || d > kLastDay) ThrowDayOutOfRange(d);
}

Day NthMonday(int y, unsigned m, unsigned n) {
  return Day{date::year_month_weekday{date::year{y} / date::month{m} / date::Monday[n]}};
}

bool IsSunday(Day d) { return WeekdayOf(d) == 0; }

Holiday MakeHoliday(Day d, const char* name, const char* name_en, bool predicted = false) {
  Holiday h;
  h.date = d;
  h.name = name;
  h.name_en = name_en;
  h.kind = HolidayKind::kNational;
  h.predicted = predicted;
  return h;
}

bool ByDate(const Holiday& a, const Holiday& b) { return a.date < b.date; }

// Finds the holiday on @p d in the date-sorted @p list.
const Holiday* FindIn(const std::vector<Holiday>& list, Day d) {
  auto it =
      std::lower_bound(list.begin(), list.end(), d, [](const Holiday& h, Day x) { return h.date < x; });
  return it != list.end() && it->date == d ? &*it : nullptr;
}

// Civil year of day number @p z (days since 1970-01-01); Hinnant's civil_from_days reduced to the year,
// written out so the hot Find path stays cheap even in unoptimised builds.
inline int YearOfDayNumber(long z) {
  z += 719468;
  const long era = (z >= 0 ? z : z - 146096) / 146097;
  const long doe = z - era * 146097;                                       // [0, 146096]
  const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                // [0, 365], March-based
  const long mp = (5 * doy + 2) / 153;                                     // [0, 11], 0 = March
  return static_cast<int>(yoe + era * 400 + (mp >= 10 ? 1 : 0));
}

// The computed holidays of one year plus an O(1) day-of-year index into them.
struct YearData {
  std::vector<Holiday> list;
  Day jan1;
  long jan1_number;  // jan1 as a day number
  std::array<std::int16_t, 366> index;
};

}  // namespace

Day FirstSupportedDay() { return kLawStart; }
Day LastSupportedDay() { return kLastDay; }
int LastPublishedYear() { return kPublishedLastYear; }

std::pair<Day, Day> FormulaEquinoxes(int y) {
  if (y < kFormulaFirstYear || y > kFormulaLastYear)
    throw RangeError("year " + std::to_string(y) + " is outside the range of the equinox formula (" +
                     std::to_string(kFormulaFirstYear) + ".." + std::to_string(kFormulaLastYear) + ")");
  return {MakeConstDay(y, 3, FormulaEquinoxDay(y, true)),
          MakeConstDay(y, 9, FormulaEquinoxDay(y, false))};
}

std::optional<std::pair<Day, Day>> PublishedEquinoxes(int y) {
  if (y < kPublishedFirstYear || y > kPublishedLastYear) return std::nullopt;
  const EquinoxRow& row = kPublishedEquinoxes[y - kPublishedFirstYear];
  return std::make_pair(MakeConstDay(y, 3, row.vernal), MakeConstDay(y, 9, row.autumnal));
}

struct HolidayCalendar::Impl {
  Overrides overrides;
  // Equinoxes of years after this one are predictions.
  int official_through = kPublishedLastYear;

  std::mutex mu;
  std::array<std::atomic<const YearData*>, kYearCount> years;
  std::vector<std::unique_ptr<YearData>> owned;  // guarded by mu

  /// The 祝日 (Art. 2 plus special-law days) of year @p y, date-sorted, overrides applied.
  std::vector<Holiday> Base(int y) const;
  /// Base days of @p y plus 振替休日 and 国民の休日, using the neighbour years for the edges.
  std::unique_ptr<YearData> Compute(int y) const;
  /// Cached YearData of @p y (kFirstYear..kLastYear).
  const YearData& Get(int y);
};

std::vector<Holiday> HolidayCalendar::Impl::Base(int y) const {
  std::vector<Holiday> out;
  if (y < kFirstYear) return out;
  auto fixed = [&](unsigned m, unsigned d, const char* name, const char* name_en) {
    out.push_back(MakeHoliday(MakeConstDay(y, m, d), name, name_en));
  };
  auto monday = [&](unsigned m, unsigned n, const char* name, const char* name_en) {
    out.push_back(MakeHoliday(NthMonday(y, m, n), name, name_en));
  };

  // 春分日 / 秋分日: user override, else the published table, else the formula (a prediction once
  // past the last official year).
  Day vernal, autumnal;
  bool predicted = false;
  if (auto it = overrides.equinox.find(y); it != overrides.equinox.end()) {
    vernal = it->second.first;
    autumnal = it->second.second;
  } else if (auto published = PublishedEquinoxes(y)) {
    vernal = published->first;
    autumnal = published->second;
  } else {
    vernal = MakeConstDay(y, 3, FormulaEquinoxDay(y, true));
    autumnal = MakeConstDay(y, 9, FormulaEquinoxDay(y, false));
    predicted = y > official_through;
  }

  if (y >= 1949) fixed(1, 1, "元日", "New Year's Day");
  if (y >= 1949 && y <= 1999) fixed(1, 15, "成人の日", "Coming of Age Day");
  if (y >= 2000) monday(1, 2, "成人の日", "Coming of Age Day");
  // S41法86: the date set by 政令 (昭和41年政令第376号) is 2/11; the first one was in 1967.
  if (y >= 1967) fixed(2, 11, "建国記念の日", "National Foundation Day");
  if (y >= 2020) fixed(2, 23, "天皇誕生日", "The Emperor's Birthday");
  if (y >= 1949) out.push_back(MakeHoliday(vernal, "春分の日", "Vernal Equinox Day", predicted));
  if (y >= 1949 && y <= 1988) fixed(4, 29, "天皇誕生日", "The Emperor's Birthday");
  if (y >= 1989 && y <= 2006) fixed(4, 29, "みどりの日", "Greenery Day");
  if (y >= 2007) fixed(4, 29, "昭和の日", "Showa Day");
  if (y >= 1949) fixed(5, 3, "憲法記念日", "Constitution Memorial Day");
  if (y >= 2007) fixed(5, 4, "みどりの日", "Greenery Day");
  if (y >= 1949) fixed(5, 5, "こどもの日", "Children's Day");

  // 海の日, スポーツの日 and 山の日 were moved for the Tokyo Olympics in 2020 and 2021
  // (平成30年法律第55号, 令和2年法律第68号).
  if (y >= 1996 && y <= 2002) {
    fixed(7, 20, "海の日", "Marine Day");
  } else if (y == 2020) {
    fixed(7, 23, "海の日", "Marine Day");
  } else if (y == 2021) {
    fixed(7, 22, "海の日", "Marine Day");
  } else if (y >= 2003) {
    monday(7, 3, "海の日", "Marine Day");
  }
  if (y == 2020) {
    fixed(8, 10, "山の日", "Mountain Day");
  } else if (y == 2021) {
    fixed(8, 8, "山の日", "Mountain Day");
  } else if (y >= 2016) {
    fixed(8, 11, "山の日", "Mountain Day");
  }

  if (y >= 1966 && y <= 2002) fixed(9, 15, "敬老の日", "Respect for the Aged Day");
  if (y >= 2003) monday(9, 3, "敬老の日", "Respect for the Aged Day");
  out.push_back(MakeHoliday(autumnal, "秋分の日", "Autumnal Equinox Day", predicted));

  if (y >= 1966 && y <= 1999) {
    fixed(10, 10, "体育の日", "Health and Sports Day");
  } else if (y >= 2000 && y <= 2019) {
    monday(10, 2, "体育の日", "Health and Sports Day");
  } else if (y == 2020) {
    fixed(7, 24, "スポーツの日", "Sports Day");
  } else if (y == 2021) {
    fixed(7, 23, "スポーツの日", "Sports Day");
  } else if (y >= 2022) {
    monday(10, 2, "スポーツの日", "Sports Day");
  }
  fixed(11, 3, "文化の日", "Culture Day");
  fixed(11, 23, "勤労感謝の日", "Labor Thanksgiving Day");
  if (y >= 1989 && y <= 2018) fixed(12, 23, "天皇誕生日", "The Emperor's Birthday");

  // One-off 休日 created by special laws.
  switch (y) {
    case 1959:
      fixed(4, 10, "皇太子明仁親王の結婚の儀", "Wedding Ceremony of Crown Prince Akihito");
      break;
    case 1989:
      fixed(2, 24, "昭和天皇の大喪の礼", "State Funeral of Emperor Showa");
      break;
    case 1990:
      fixed(11, 12, "即位礼正殿の儀", "Enthronement Ceremony");
      break;
    case 1993:
      fixed(6, 9, "皇太子徳仁親王の結婚の儀", "Wedding Ceremony of Crown Prince Naruhito");
      break;
    case 2019:
      // 平成30年法律第99号: treated as 国民の祝日 for Art. 3 ¶2/¶3, which makes 04-30 and 05-02
      // 国民の休日 by the sandwich rule.
      fixed(5, 1, "天皇の即位の日", "Enthronement Day");
      fixed(10, 22, "即位礼正殿の儀の行われる日", "Enthronement Ceremony Day");
      break;
    default:
      break;
  }

  out.erase(std::remove_if(out.begin(), out.end(), [](const Holiday& h) { return h.date < kLawStart; }),
            out.end());

  // User overrides: removals first, then additions (an addition replaces a built-in day).
  const Day jan1 = MakeConstDay(y, 1, 1), dec31 = MakeConstDay(y, 12, 31);
  for (Day d : overrides.remove) {
    if (d < jan1 || d > dec31) continue;
    out.erase(std::remove_if(out.begin(), out.end(), [d](const Holiday& h) { return h.date == d; }),
              out.end());
  }
  for (const Holiday& extra : overrides.add) {
    if (extra.date < jan1 || extra.date > dec31) continue;
    out.erase(std::remove_if(out.begin(), out.end(),
                             [&extra](const Holiday& h) { return h.date == extra.date; }),
              out.end());
    Holiday h = extra;
    h.kind = HolidayKind::kNational;
    h.predicted = false;
    h.substitute_for.reset();
    out.push_back(std::move(h));
  }

  std::stable_sort(out.begin(), out.end(), ByDate);
  return out;
}

std::unique_ptr<YearData> HolidayCalendar::Impl::Compute(int y) const {
  // The 祝日 of the neighbour years are needed at the edges: a Sunday 祝日 on Dec 31 (possible through
  // overrides) gives a 振替休日 in January, and a sandwiched Jan 1 or Dec 31 depends on the other year.
  std::vector<Holiday> s = Base(y - 1);
  std::vector<Holiday> current = Base(y);
  std::vector<Holiday> next = Base(y + 1);
  s.insert(s.end(), current.begin(), current.end());
  s.insert(s.end(), next.begin(), next.end());

  const Day jan1 = MakeConstDay(y, 1, 1), dec31 = MakeConstDay(y, 12, 31);
  std::map<Day, Holiday> derived;

  // Art. 3 ¶2 振替休日: only a 祝日 falling on a Sunday creates one.
  for (const Holiday& h : s) {
    if (h.date < kSubstituteStart || !IsSunday(h.date)) continue;
    Day c = h.date + date::days{1};
    bool predicted = h.predicted;
    if (h.date < kRevision2007) {
      // 1973 wording: 「その翌日を休日とする」; nothing extra when the next day is itself a 祝日.
      if (FindIn(s, c)) continue;
    } else {
      // 2007 wording: 「その日後においてその日に最も近い「国民の祝日」でない日」.
      while (const Holiday* n = FindIn(s, c)) {
        predicted = predicted || n->predicted;
        c += date::days{1};
      }
    }
    if (c < jan1 || c > dec31) continue;
    Holiday sub;
    sub.date = c;
    sub.name = "振替休日";
    sub.name_en = "Substitute Holiday";
    sub.kind = HolidayKind::kSubstitute;
    sub.predicted = predicted;
    sub.substitute_for = h.date;
    derived.emplace(c, std::move(sub));
  }

  // Art. 3 ¶3 国民の休日: a non-祝日 whose previous and next days are both 祝日.
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    const Day x = s[i].date + date::days{1};
    if (s[i + 1].date != x + date::days{1}) continue;  // s has no entry on x, so this checks x+1 only
    if (x < kCitizensStart || x < jan1 || x > dec31) continue;
    // A day that is already a 振替休日 stays one. Before 2007 the law also excluded Sundays and
    // 振替休日 (「日曜日にあたる日及び前項に規定する休日にあたる日を除く」).
    if (derived.count(x)) continue;
    if (x < kRevision2007 && IsSunday(x)) continue;
    Holiday citizens;
    citizens.date = x;
    citizens.name = "国民の休日";
    citizens.name_en = "Citizens' Holiday";
    citizens.kind = HolidayKind::kCitizens;
    citizens.predicted = s[i].predicted || s[i + 1].predicted;
    derived.emplace(x, std::move(citizens));
  }

  auto data = std::make_unique<YearData>();
  data->jan1 = jan1;
  data->jan1_number = static_cast<long>(jan1.time_since_epoch().count());
  data->list = std::move(current);
  for (auto& entry : derived) data->list.push_back(std::move(entry.second));
  std::stable_sort(data->list.begin(), data->list.end(), ByDate);
  data->index.fill(-1);
  for (size_t i = 0; i < data->list.size(); ++i)
    data->index[static_cast<size_t>((data->list[i].date - jan1).count())] = static_cast<std::int16_t>(i);
  return data;
}

const YearData& HolidayCalendar::Impl::Get(int y) {
  std::atomic<const YearData*>& slot = years[static_cast<size_t>(y - kFirstYear)];
  if (const YearData* cached = slot.load(std::memory_order_acquire)) return *cached;
  std::lock_guard<std::mutex> lock(mu);
  if (const YearData* cached = slot.load(std::memory_order_relaxed)) return *cached;
  owned.push_back(Compute(y));
  const YearData* fresh = owned.back().get();
  slot.store(fresh, std::memory_order_release);
  return *fresh;
}

HolidayCalendar::HolidayCalendar(Overrides overrides) : impl_(std::make_shared<Impl>()) {
  for (auto& slot : impl_->years) slot.store(nullptr, std::memory_order_relaxed);
  for (const auto& [year, dates] : overrides.equinox) {
    if (year < kFirstYear || year > kLastYear)
      throw RangeError("equinox override for year " + std::to_string(year) +
                       " is outside the supported range of Japanese holidays (" +
                       std::to_string(kFirstYear) + ".." + std::to_string(kLastYear) + ")");
    const Ymd v = ToYmd(dates.first), a = ToYmd(dates.second);
    if (v.y != year || v.m != 3)
      throw DefinitionError(SourceLoc{"<overrides>"}, "vernal equinox of " + std::to_string(year) +
                                                          " must be in March " + std::to_string(year) +
                                                          ", got " + FormatIsoDate(dates.first));
    if (a.y != year || a.m != 9)
      throw DefinitionError(SourceLoc{"<overrides>"},
                            "autumnal equinox of " + std::to_string(year) + " must be in September " +
                                std::to_string(year) + ", got " + FormatIsoDate(dates.second));
  }
  for (const Holiday& h : overrides.add) CheckDay(h.date);
  for (Day d : overrides.remove) CheckDay(d);
  impl_->official_through = std::max(kPublishedLastYear, overrides.published_through);
  impl_->overrides = std::move(overrides);
}

const Holiday* HolidayCalendar::Find(Day d) const {
  const long n = static_cast<long>(d.time_since_epoch().count());
  if (n < kFirstDayNumber || n > kLastDayNumber) ThrowDayOutOfRange(d);
  const YearData& data = impl_->Get(YearOfDayNumber(n));
  const std::int16_t i = data.index[static_cast<size_t>(n - data.jan1_number)];
  return i < 0 ? nullptr : &data.list[static_cast<size_t>(i)];
}

std::vector<Holiday> HolidayCalendar::Between(Day from, Day to) const {
  CheckDay(from);
  CheckDay(to);
  std::vector<Holiday> out;
  if (from > to) return out;
  const int first = ToYmd(from).y, last = ToYmd(to).y;
  for (int y = first; y <= last; ++y)
    for (const Holiday& h : impl_->Get(y).list)
      if (h.date >= from && h.date <= to) out.push_back(h);
  return out;
}

const std::vector<Holiday>& HolidayCalendar::Year(int y) const {
  if (y < kFirstYear || y > kLastYear)
    throw RangeError("year " + std::to_string(y) +
                     " is outside the supported range of Japanese holidays (" +
                     std::to_string(kFirstYear) + ".." + std::to_string(kLastYear) + ")");
  return impl_->Get(y).list;
}

const Overrides& HolidayCalendar::overrides() const { return impl_->overrides; }

// ---- override file ----

namespace {

class OverrideParser {
 public:
  OverrideParser(const std::string& text, const std::string& filename)
      : text_(text), filename_(filename) {}

  Overrides Parse() {
    YAML::Node root;
    try {
      root = YAML::Load(text_);
    } catch (const YAML::Exception& e) {
      Fail(e.mark, "invalid YAML: " + e.msg);
    }
    Overrides out;
    if (root.IsNull()) return out;
    if (!root.IsMap()) Fail(root.Mark(), "the override file must be a mapping");
    for (const auto& entry : root) {
      const std::string key = KeyName(entry.first);
      const YAML::Node& value = entry.second;
      if (key == "published_through") {
        const int year = ParseInt(value, "published_through");
        if (year < kFirstYear || year > kLastYear)
          Fail(value.Mark(), "published_through must be a year in " + std::to_string(kFirstYear) + ".." +
                                 std::to_string(kLastYear));
        out.published_through = year;
      } else if (key == "equinox") {
        ParseEquinox(value, &out);
      } else if (key == "add") {
        ParseAdd(value, &out);
      } else if (key == "remove") {
        if (value.IsNull()) continue;
        if (!value.IsSequence()) Fail(value.Mark(), "remove must be a list of dates");
        for (const auto& item : value) out.remove.push_back(ParseDate(item, "remove entry"));
      } else {
        Fail(entry.first.Mark(),
             "unknown key '" + key + "'" +
                 DidYouMean(key, {"published_through", "equinox", "add", "remove"}) +
                 " (expected published_through, equinox, add or remove)");
      }
    }
    return out;
  }

 private:
  [[noreturn]] void Fail(const YAML::Mark& mark, const std::string& message) const {
    SourceLoc loc{filename_};
    if (!mark.is_null() && mark.line >= 0) {
      loc.line = mark.line + 1;
      loc.column = mark.column >= 0 ? mark.column + 1 : 0;
    }
    throw DefinitionError(loc, message, SourceLine(loc.line));
  }

  std::string SourceLine(int line) const {
    if (line <= 0) return "";
    size_t start = 0;
    for (int i = 1; i < line; ++i) {
      start = text_.find('\n', start);
      if (start == std::string::npos) return "";
      ++start;
    }
    size_t end = text_.find('\n', start);
    std::string s = text_.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!s.empty() && s.back() == '\r') s.pop_back();
    return s;
  }

  std::string KeyName(const YAML::Node& key) const {
    if (!key.IsScalar()) Fail(key.Mark(), "keys must be plain names");
    return key.Scalar();
  }

  std::string Scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) Fail(node.Mark(), what + " must be a scalar");
    return node.Scalar();
  }

  int ParseInt(const YAML::Node& node, const std::string& what) const {
    const std::string s = Scalar(node, what);
    if (s.empty() || s.size() > 6 || !std::all_of(s.begin(), s.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c));
        }))
      Fail(node.Mark(), what + " must be a year, got '" + s + "'");
    return std::stoi(s);
  }

  Day ParseDate(const YAML::Node& node, const std::string& what) const {
    const std::string s = Scalar(node, what);
    std::optional<Day> d = ParseIsoDate(s);
    if (!d) Fail(node.Mark(), "invalid date '" + s + "' in " + what + " (expected YYYY-MM-DD)");
    if (*d < kLawStart || *d > kLastDay)
      Fail(node.Mark(), "date " + s + " is outside the supported range (" + RangeText() + ")");
    return *d;
  }

  void ParseEquinox(const YAML::Node& value, Overrides* out) const {
    if (value.IsNull()) return;
    if (!value.IsMap()) Fail(value.Mark(), "equinox must map years to {vernal: DATE, autumnal: DATE}");
    for (const auto& entry : value) {
      const int year = ParseInt(entry.first, "equinox year");
      if (year < kFirstYear || year > kLastYear)
        Fail(entry.first.Mark(), "equinox year " + std::to_string(year) + " is outside " +
                                     std::to_string(kFirstYear) + ".." + std::to_string(kLastYear));
      const YAML::Node& dates = entry.second;
      if (!dates.IsMap())
        Fail(dates.Mark(),
             "equinox " + std::to_string(year) + " must be {vernal: DATE, autumnal: DATE}");
      std::optional<Day> vernal, autumnal;
      for (const auto& field : dates) {
        const std::string key = KeyName(field.first);
        if (key == "vernal") {
          vernal = ParseDate(field.second, "vernal");
          const Ymd v = ToYmd(*vernal);
          if (v.y != year || v.m != 3)
            Fail(field.second.Mark(), "vernal equinox of " + std::to_string(year) +
                                          " must be in March " + std::to_string(year));
        } else if (key == "autumnal") {
          autumnal = ParseDate(field.second, "autumnal");
          const Ymd a = ToYmd(*autumnal);
          if (a.y != year || a.m != 9)
            Fail(field.second.Mark(), "autumnal equinox of " + std::to_string(year) +
                                          " must be in September " + std::to_string(year));
        } else {
          Fail(field.first.Mark(), "unknown key '" + key + "'" + DidYouMean(key, {"vernal", "autumnal"}) +
                                               " (expected vernal or autumnal)");
        }
      }
      if (!vernal || !autumnal)
        Fail(dates.Mark(), "equinox " + std::to_string(year) + " needs both vernal and autumnal");
      out->equinox[year] = {*vernal, *autumnal};
    }
  }

  void ParseAdd(const YAML::Node& value, Overrides* out) const {
    if (value.IsNull()) return;
    if (!value.IsSequence()) Fail(value.Mark(), "add must be a list of {date, name, name_en}");
    for (const auto& item : value) {
      if (!item.IsMap())
        Fail(item.Mark(), "add entries must be {date: DATE, name: NAME, name_en: NAME}");
      Holiday h;
      bool has_date = false, has_name = false, has_name_en = false;
      for (const auto& field : item) {
        const std::string key = KeyName(field.first);
        if (key == "date") {
          h.date = ParseDate(field.second, "add entry");
          has_date = true;
        } else if (key == "name") {
          h.name = Scalar(field.second, "name");
          has_name = !h.name.empty();
        } else if (key == "name_en") {
          h.name_en = Scalar(field.second, "name_en");
          has_name_en = true;
        } else {
          Fail(field.first.Mark(), "unknown key '" + key + "'" + DidYouMean(key, {"date", "name", "name_en"}) +
                                               " (expected date, name or name_en)");
        }
      }
      if (!has_date) Fail(item.Mark(), "add entry needs a date");
      if (!has_name) Fail(item.Mark(), "add entry needs a non-empty name");
      if (!has_name_en) h.name_en = h.name;
      h.kind = HolidayKind::kNational;
      out->add.push_back(std::move(h));
    }
  }

  const std::string& text_;
  const std::string& filename_;
};

}  // namespace

Overrides ParseOverrides(const std::string& yaml_text, const std::string& filename) {
  return OverrideParser(yaml_text, filename).Parse();
}

}  // namespace hops::jp
