#include "common/calendar.hpp"

#include <algorithm>
#include <cstdio>

namespace hops::cal {

namespace {

constexpr int kMinutesPerDay = 24 * 60;

// Parses "H:MM" or "HH:MM" with hours 0..48; returns minutes or -1.
int ParseClock(const std::string& s) {
  size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return -1;
  int h = 0, m = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    h = h * 10 + (s[i] - '0');
  }
  for (size_t i = colon + 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return -1;
    m = m * 10 + (s[i] - '0');
  }
  if (m > 59 || h > 48 || (h == 48 && m > 0)) return -1;
  return h * 60 + m;
}

std::string Clock(int minutes) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

// "MM-DD" (02-29 allowed); on failure @p why says what makes a well-formed one impossible.
bool ParseMonthDay(const std::string& s, unsigned* md, std::string* why) {
  if (s.size() != 5 || s[2] != '-') return false;
  for (size_t i : {0, 1, 3, 4})
    if (s[i] < '0' || s[i] > '9') return false;
  unsigned m = (s[0] - '0') * 10 + (s[1] - '0');
  unsigned d = (s[3] - '0') * 10 + (s[4] - '0');
  *why = DateProblem(std::nullopt, m, d);
  if (!why->empty()) return false;
  *md = m * 100 + d;
  return true;
}

unsigned MonthDayOf(Day d) {
  Ymd v = ToYmd(d);
  return v.m * 100 + v.d;
}

}  // namespace

std::optional<TimeRange> ParseTimeRange(const std::string& s, std::string* err) {
  size_t dash = s.find('-');
  if (dash == std::string::npos) {
    *err = "expected a time range 'HH:MM-HH:MM', got '" + s + "'";
    return std::nullopt;
  }
  int a = ParseClock(s.substr(0, dash));
  int b = ParseClock(s.substr(dash + 1));
  if (a < 0 || b < 0) {
    *err = "malformed time range '" + s + "': expected 'HH:MM-HH:MM' with hours 00..48 and minutes 00..59";
    return std::nullopt;
  }
  if (a >= 2 * kMinutesPerDay) {
    *err = "time range '" + s + "' starts at or after 48:00";
    return std::nullopt;
  }
  if (b == a) {
    *err = "time range '" + s + "' is empty";
    return std::nullopt;
  }
  if (b < a) {
    if (b > kMinutesPerDay || a >= kMinutesPerDay) {
      *err = "time range '" + s + "' ends before it starts";
      return std::nullopt;
    }
    b += kMinutesPerDay;  // crosses midnight: "22:00-06:00"
  }
  if (b > 2 * kMinutesPerDay || b - a > kMinutesPerDay) {
    *err = "time range '" + s + "' is longer than 24 hours or ends after 48:00";
    return std::nullopt;
  }
  return TimeRange{a, b};
}

std::string FormatTimeRange(const TimeRange& r) { return Clock(r.start) + "-" + Clock(r.end); }

bool DateSpec::Contains(Day d, unsigned md) const {
  if (!recurring) return d >= from && d <= to;
  if (from_md <= to_md) return md >= from_md && md <= to_md;
  return md >= from_md || md <= to_md;  // wraps the year end
}

std::optional<DateSpec> ParseDateSpec(const std::string& s, std::string* err) {
  DateSpec spec;
  std::string a = s, b = s;
  size_t dots = s.find("..");
  if (dots != std::string::npos) {
    a = s.substr(0, dots);
    b = s.substr(dots + 2);
  }
  // A well-formed but impossible date says why ("February 2026 has 28 days").
  std::string why_a, why_b;
  auto bad = [&]() {
    const std::string& why = why_a.empty() ? why_b : why_a;
    if (!why.empty()) {
      const std::string& part = why_a.empty() ? b : a;
      *err = "invalid date '" + part + "'" + (part == s ? "" : " in '" + s + "'") + ": " + why;
    } else {
      *err = "malformed date '" + s + "': expected YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, MM-DD or MM-DD..MM-DD";
    }
    return std::nullopt;
  };
  if (a.size() == 5 && b.size() == 5) {
    spec.recurring = true;
    if (!ParseMonthDay(a, &spec.from_md, &why_a) || !ParseMonthDay(b, &spec.to_md, &why_b)) return bad();
    return spec;
  }
  auto fa = ParseIsoDate(a, &why_a), fb = ParseIsoDate(b, &why_b);
  if (!fa || !fb) return bad();
  if (*fb < *fa) {
    *err = "date range '" + s + "' ends before it starts";
    return std::nullopt;
  }
  spec.from = *fa;
  spec.to = *fb;
  return spec;
}

const char* ShiftName(Shift s) {
  switch (s) {
    case Shift::kBefore: return "before";
    case Shift::kAfter: return "after";
    case Shift::kSkip: return "skip";
    case Shift::kKeep: return "keep";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------
// Day classification

const TimeZone* Calendar::Zone() const {
  if (zone) return zone;
  if (base) return base->Zone();
  return nullptr;
}

int Calendar::DayStart() const {
  if (day_start) return *day_start;
  if (base) return base->DayStart();
  return 0;
}

bool Calendar::UsesJp() const {
  if (!holiday_sets.empty()) return true;
  return base && base->UsesJp();
}

std::pair<Day, Day> Calendar::SupportedRange() const {
  if (UsesJp()) return {jp::FirstSupportedDay(), jp::LastSupportedDay()};
  return {Day{date::year{1900} / 1 / 1}, Day{date::year{2199} / 12 / 31}};
}

void Calendar::CheckRange(Day d) const {
  auto [lo, hi] = SupportedRange();
  if (d < lo || d > hi)
    throw RangeError("date " + FormatIsoDate(d) + " is outside the supported range " +
                     FormatIsoDate(lo) + ".." + FormatIsoDate(hi) + " of calendar '" + name + "'" +
                     (UsesJp() ? " (Japanese holidays are defined from 1948-07-20)" : ""));
}

bool Calendar::HasHours() const {
  return has_hours || !special_hours.empty() || (base && base->HasHours());
}

const Calendar* Calendar::HoursOwner() const {
  for (const Calendar* c = this; c; c = c->base)
    if (c->has_hours) return c;
  return nullptr;
}

ZoneOrigin Calendar::EffectiveZoneOrigin() const {
  if (zone_origin == ZoneOrigin::kBase && base) return base->EffectiveZoneOrigin();
  return zone_origin;
}

DayInfo Calendar::Classify(Day d) const {
  CheckRange(d);
  return ClassifyUnchecked(d);
}

bool Calendar::IsBusinessDay(Day d) const { return Classify(d).open; }

namespace {

std::string EntryLabel(const DatedEntry& e) { return e.name.empty() ? e.text : e.name + " (" + e.text + ")"; }

// The Japanese holiday, or the year-end closure of a preset, that one of @p cal's own holiday sets
// closes @p d (month-day @p md) with; false when none does.
bool HolidayOf(const Calendar& cal, Day d, unsigned md, DayInfo* info) {
  const bool year_end_window = md >= 1229 || md <= 103;  // compare set names only there
  for (const auto& set : cal.holiday_sets) {
    if (const jp::Holiday* h = cal.jp ? cal.jp->Find(d) : nullptr) {
      info->reason = h->name;
      info->reason_en = h->name_en;
      if (h->kind == jp::HolidayKind::kSubstitute && h->substitute_for) {
        const jp::Holiday* orig = cal.jp->Find(*h->substitute_for);
        std::string of = orig ? orig->name : "?";
        std::string of_en = orig ? orig->name_en : "?";
        info->reason += " (substitute for " + of + " " + FormatIsoDate(*h->substitute_for) + ")";
        info->reason_en += " (substitute for " + of_en + " " + FormatIsoDate(*h->substitute_for) + ")";
      }
      info->source = set;
      info->loc = cal.holidays_loc;
      info->predicted = h->predicted;
      info->named = true;
      return true;
    }
    if (!year_end_window) continue;
    if (set == "jp-gov" || (set == "jp-bank" && (md >= 1231 || md <= 103))) {
      info->reason = set == "jp-gov" ? "年末年始 (12-29..01-03)" : "年末年始 (12-31..01-03)";
      info->reason_en = set == "jp-gov" ? "Year-end holidays (12-29..01-03)" : "Bank holidays (12-31..01-03)";
      info->source = set;
      info->loc = cal.holidays_loc;
      info->named = true;
      return true;
    }
  }
  return false;
}

}  // namespace

DayInfo Calendar::ClassifyUnchecked(Day d) const {
  DayInfo info;
  const unsigned md = MonthDayOf(d);
  if ((valid_from && d < *valid_from) || (valid_to && d > *valid_to)) {
    info.reason = "outside the validity period (";
    if (valid_from && valid_to) info.reason += FormatIsoDate(*valid_from) + ".." + FormatIsoDate(*valid_to) + ")";
    else if (valid_from) info.reason += "from " + FormatIsoDate(*valid_from) + ")";
    else info.reason += "until " + FormatIsoDate(*valid_to) + ")";
    info.reason += RuleRunsText(d);
    info.source = "validity";
    info.loc = loc;
    info.reason_en = info.reason;
    return info;
  }
  for (const auto& e : open) {
    if (e.spec.Contains(d, md)) {
      info.open = true;
      info.reason = "open by exception: " + EntryLabel(e);
      info.reason_en = info.reason;
      info.source = "open";
      info.loc = e.loc;
      info.named = true;
      return info;
    }
  }
  for (const auto& e : closed) {
    if (e.spec.Contains(d, md)) {
      info.reason = "closure: " + EntryLabel(e);
      info.reason_en = info.reason;
      // A holiday on the same day is named too, from this calendar's sets or its bases'.
      DayInfo hol;
      for (const Calendar* c = this; c; c = c->base) {
        if (!HolidayOf(*c, d, md, &hol)) continue;
        info.reason += "; also " + hol.reason;
        info.reason_en += "; also " + hol.reason_en;
        break;
      }
      const std::string runs = RuleRunsText(d);
      info.reason += runs;
      info.reason_en += runs;
      info.source = "closed";
      info.loc = e.loc;
      info.named = true;
      return info;
    }
  }
  if (HolidayOf(*this, d, md, &info)) {
    const std::string runs = RuleRunsText(d);
    info.reason += runs;
    info.reason_en += runs;
    return info;
  }
  if (!rules.empty()) return ClassifyByRules(d);
  if (base) {
    info = base->ClassifyUnchecked(d);
    info.source = "base";
    return info;
  }
  unsigned wd = WeekdayOf(d);
  info.open = weekdays[wd];
  info.reason = info.open ? std::string("business day (") + WeekdayName(wd) + ")"
                          : std::string("weekly day off (") + WeekdayName(wd) + ")";
  info.reason_en = info.reason;
  info.source = "weekdays";
  info.loc = has_weekdays ? weekdays_loc : loc;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Rule calendars

bool Rule::OncePerMonth() const {
  switch (kind) {
    case Kind::kDay:
    case Kind::kRelativeDay:
    case Kind::kBusinessDay:
    case Kind::kClosedDay:
    case Kind::kNearestWeekday:
      return numbers.size() == 1;
    case Kind::kWeekday:
    case Kind::kRelativeWeekday:
      return weekdays.size() == 1 && weekdays[0].second != 0;
    case Kind::kGotobi:
    case Kind::kEvery:
      return false;
  }
  return false;
}

namespace {

// The @p occ-th (1..5; -1 = last) weekday @p wd of civil month @p y/@p m, if there is one.
std::optional<Day> NthWeekday(int y, unsigned m, unsigned wd, int occ) {
  if (occ < 0) {
    Day d = *MakeDay(y, m, DaysInMonth(y, m));
    while (WeekdayOf(d) != wd) d -= date::days{1};
    return d;
  }
  Day d = *MakeDay(y, m, 1);
  while (WeekdayOf(d) != wd) d += date::days{1};
  d += date::days{7 * (occ - 1)};
  if (ToYmd(d).m != m) return std::nullopt;
  return d;
}

// Day @p n of civil month @p y/@p m (n <= 0 counts back from its last day: 0 = last), if it has one.
std::optional<Day> CivilDay(int y, unsigned m, int n) {
  const int len = int(DaysInMonth(y, m));
  const int dom = n > 0 ? n : len + n;
  if (dom < 1 || dom > len) return std::nullopt;
  return MakeDay(y, m, unsigned(dom));
}

// Business-day test on the base calendar that treats days outside its range as closed, so rules
// near the edges of the supported range degrade instead of throwing.
bool BaseOpen(const Calendar& base, Day d) {
  auto [lo, hi] = base.SupportedRange();
  if (d < lo || d > hi) return false;
  return base.IsBusinessDay(d);
}

// Why @p d is not a business day of @p base ("みどりの日", "weekly day off (sat)").
std::string BaseReason(const Calendar& base, Day d) {
  auto [lo, hi] = base.SupportedRange();
  if (d < lo || d > hi) return "outside its supported range";
  return base.Classify(d).reason;
}

std::optional<Day> StepBusinessDays(const Calendar& base, Day d, int n) {
  int dir = n > 0 ? 1 : -1;
  auto [lo, hi] = base.SupportedRange();
  for (int k = 0; k < std::abs(n); ++k) {
    do {
      d += date::days{dir};
      if (d < lo || d > hi) return std::nullopt;
    } while (!base.IsBusinessDay(d));
  }
  return d;
}

std::string RuleLabel(const std::vector<Rule>& rules, size_t i) {
  return "rule " + std::to_string(i + 1) + " (" + rules[i].text + ")";
}

std::string BusinessDays(int n) {
  return std::to_string(n) + " business day" + (std::abs(n) == 1 ? "" : "s");
}

}  // namespace

Day Calendar::PeriodStart(int year, unsigned month) const {
  if (month_start_weekday) return *NthWeekday(year, month, month_start_weekday->first, month_start_weekday->second);
  const unsigned day = month_start <= 28 ? unsigned(month_start) : std::min(unsigned(month_start), DaysInMonth(year, month));
  return Day{date::year{year} / date::month{month} / date::day{day}};
}

int Calendar::PeriodOf(Day d) const {
  Ymd v = ToYmd(d);
  int p = v.y * 12 + int(v.m) - 1;
  if (month_start_weekday ? d < PeriodStart(v.y, v.m) : v.d < unsigned(month_start) && v.d < DaysInMonth(v.y, v.m))
    --p;  // before the start of its civil month's rule month (a short month starts on its last day)
  return p;
}

std::pair<Day, Day> Calendar::PeriodBounds(int period) const {
  const int y = period / 12;
  const unsigned m = unsigned(period % 12 + 1);
  const Day next = m == 12 ? PeriodStart(y + 1, 1) : PeriodStart(y, m + 1);
  return {PeriodStart(y, m), next - date::days{1}};
}

unsigned Calendar::PeriodMonth(int period) const {
  unsigned m = unsigned(period % 12 + 1);
  return base_month_next ? m % 12 + 1 : m;
}

std::string Calendar::PeriodName(int period) const {
  const int p = base_month_next ? period + 1 : period;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", p / 12, p % 12 + 1);
  std::string name = buf;
  if (month_start == 1 && !month_start_weekday && !base_month_next) return name;
  auto [first, last] = PeriodBounds(period);
  return name + " (" + FormatIsoDate(first) + ".." + FormatIsoDate(last) + ")";
}

const Calendar::PeriodRuns& Calendar::Runs(int period) const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = runs_cache_.find(period);
  if (it != runs_cache_.end()) return it->second;
  PeriodRuns runs;
  const auto [start, end] = PeriodBounds(period);
  const unsigned month = PeriodMonth(period);
  const Calendar& b = *base;
  auto in_period = [&, start = start, end = end](Day d) { return d >= start && d <= end; };
  // The civil months the period overlaps (one or two): absolute selectors name their days.
  std::vector<std::pair<int, unsigned>> civil;
  for (Day d : {start, end}) {
    Ymd v = ToYmd(d);
    if (civil.empty() || civil.back() != std::make_pair(v.y, v.m)) civil.emplace_back(v.y, v.m);
  }
  for (size_t ri = 0; ri < rules.size(); ++ri) {
    const Rule& r = rules[ri];
    if (!r.months[month]) continue;
    std::vector<Day> picked;
    auto pick = [&](std::optional<Day> d) {
      if (d && in_period(*d)) picked.push_back(*d);
    };
    auto relative_day = [&, start = start, end = end](int n) -> std::optional<Day> {
      return n > 0 ? start + date::days{n - 1} : end + date::days{n};
    };
    switch (r.kind) {
      case Rule::Kind::kDay:
        for (int n : r.numbers)
          for (auto [y, m] : civil) pick(CivilDay(y, m, n));
        break;
      case Rule::Kind::kRelativeDay:
        for (int n : r.numbers) pick(relative_day(n));
        break;
      case Rule::Kind::kBusinessDay:
      case Rule::Kind::kClosedDay: {
        std::vector<Day> days;
        bool want_open = r.kind == Rule::Kind::kBusinessDay;
        for (Day d = start; d <= end; d += date::days{1})
          if (BaseOpen(b, d) == want_open) days.push_back(d);
        for (int n : r.numbers) {
          long idx = n > 0 ? n - 1 : long(days.size()) + n;
          if (idx >= 0 && idx < long(days.size())) picked.push_back(days[idx]);
        }
        break;
      }
      case Rule::Kind::kWeekday:
        for (auto [wd, occ] : r.weekdays) {
          for (auto [y, m] : civil) {
            if (occ != 0) {
              pick(NthWeekday(y, m, wd, occ));
              continue;
            }
            for (auto d = NthWeekday(y, m, wd, 1); d && ToYmd(*d).m == m; *d += date::days{7}) pick(d);
          }
        }
        break;
      case Rule::Kind::kRelativeWeekday:
        for (auto [wd, occ] : r.weekdays) {
          Day first = start;
          while (WeekdayOf(first) != wd) first += date::days{1};
          if (occ == 0) {
            for (Day d = first; d <= end; d += date::days{7}) picked.push_back(d);
          } else if (occ > 0) {
            pick(first + date::days{7 * (occ - 1)});
          } else {
            Day d = first;
            while (d + date::days{7} <= end) d += date::days{7};
            picked.push_back(d);
          }
        }
        break;
      case Rule::Kind::kNearestWeekday:
        for (int n : r.numbers) {
          for (auto [y, m] : civil) {
            auto t = CivilDay(y, m, n);
            if (!t || !in_period(*t)) continue;
            // Quartz "W": never out of the civil month, nor out of the rule month.
            const Day lo = std::max(start, *MakeDay(y, m, 1));
            const Day hi = std::min(end, *MakeDay(y, m, DaysInMonth(y, m)));
            Day d = *t;
            unsigned wd = WeekdayOf(d);
            if (wd == 6) d = (d - date::days{1} >= lo) ? d - date::days{1} : d + date::days{2};
            else if (wd == 0) d = (d + date::days{1} <= hi) ? d + date::days{1} : d - date::days{2};
            if (d >= lo && d <= hi) picked.push_back(d);
          }
        }
        break;
      case Rule::Kind::kGotobi:
        for (Day d = start; d <= end; d += date::days{1}) {
          Ymd v = ToYmd(d);
          const unsigned len = DaysInMonth(v.y, v.m);
          bool on = v.d % 5 == 0 && v.d <= 25;
          switch (r.gotobi) {
            case Gotobi::kLastDay: on = on || v.d == len; break;
            case Gotobi::kThirtieth: on = on || v.d == 30 || (len < 30 && v.d == len); break;
            case Gotobi::kBoth: on = on || v.d >= 30 || (len < 30 && v.d == len); break;
          }
          if (on) picked.push_back(d);
        }
        break;
      case Rule::Kind::kEvery: {
        long delta = (start - r.anchor).count();
        long k = delta <= 0 ? 0 : (delta + r.every_days - 1) / r.every_days;
        for (Day d = r.anchor + date::days{k * r.every_days}; d <= end; d += date::days{r.every_days})
          if (d >= start) picked.push_back(d);
        break;
      }
    }
    std::sort(picked.begin(), picked.end());
    picked.erase(std::unique(picked.begin(), picked.end()), picked.end());
    for (Day s : picked) {
      RuleHit hit{s, ri, s};
      std::optional<Day> d = s;
      RuleMiss miss{s, ri, RuleMiss::Why::kSkip};
      if (!BaseOpen(b, s)) {
        switch (r.shift) {
          case Shift::kKeep: break;  // an offset then counts from the closed day itself
          case Shift::kSkip: d.reset(); break;
          case Shift::kBefore:
          case Shift::kAfter: {
            const int dir = r.shift == Shift::kAfter ? 1 : -1;
            d.reset();
            miss.why = RuleMiss::Why::kNoBusinessDay;
            bool at_edge = false;  // 'within: month' stopped the search at the month's edge
            for (int k = 1; k <= r.max_shift && !d; ++k) {
              Day c = s + date::days{dir * k};
              if (r.within_month && !in_period(c)) {
                at_edge = true;
                break;
              }
              if (BaseOpen(b, c)) d = c;
            }
            miss.both_ways = at_edge;
            for (int k = 1; at_edge && k <= r.max_shift && !d; ++k) {
              Day c = s - date::days{dir * k};
              if (!in_period(c)) break;
              if (BaseOpen(b, c)) {
                d = c;
                hit.turned = true;
              }
            }
            hit.shifted = d.has_value();
            break;
          }
        }
      }
      if (d && r.offset != 0) {
        d = StepBusinessDays(b, *d, r.offset);
        if (!d) miss.why = RuleMiss::Why::kOutOfRange;
      }
      if (d) {
        hit.date = *d;
        runs.hits.push_back(hit);
      } else {
        runs.dropped.push_back(miss);
      }
    }
  }
  std::sort(runs.hits.begin(), runs.hits.end(), [](const RuleHit& x, const RuleHit& y) {
    return x.date != y.date ? x.date < y.date : x.rule < y.rule;
  });
  std::sort(runs.dropped.begin(), runs.dropped.end(), [](const RuleMiss& x, const RuleMiss& y) {
    return x.selected != y.selected ? x.selected < y.selected : x.rule < y.rule;
  });
  return runs_cache_.emplace(period, std::move(runs)).first->second;
}

std::vector<RuleHit> Calendar::HitsOn(Day d) const {
  std::vector<RuleHit> out;
  if (rules.empty()) return out;
  // A rule selects dates inside its own period; shifting and offsets can carry them into other
  // periods. Per rule, the landing date never decreases as the selected date grows, so scanning
  // outwards can stop for a rule once one of its hits lands beyond this date's period.
  const int p = PeriodOf(d);
  const auto [first, last] = PeriodBounds(p);
  const size_t n = rules.size();
  std::vector<char> back_done(n), fwd_done(n);
  for (size_t i = 0; i < n; ++i) {
    const Rule& r = rules[i];
    back_done[i] = !(r.shift == Shift::kAfter || r.offset > 0);   // nothing arrives from earlier
    fwd_done[i] = !(r.shift == Shift::kBefore || r.offset < 0);   // nothing arrives from later
  }
  auto all = [](const std::vector<char>& v) { return std::all_of(v.begin(), v.end(), [](char c) { return c; }); };
  for (const RuleHit& h : PeriodHits(p))
    if (h.date == d) out.push_back(h);
  constexpr int kMaxPeriods = 36;  // rules that never land outside give up after three years
  for (int k = 1; k <= kMaxPeriods && !(all(back_done) && all(fwd_done)); ++k) {
    if (!all(back_done)) {
      for (const RuleHit& h : PeriodHits(p - k)) {
        if (h.date == d) out.push_back(h);
        if (h.date < first) back_done[h.rule] = 1;
      }
    }
    if (!all(fwd_done)) {
      for (const RuleHit& h : PeriodHits(p + k)) {
        if (h.date == d) out.push_back(h);
        if (h.date > last) fwd_done[h.rule] = 1;
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const RuleHit& x, const RuleHit& y) { return x.rule < y.rule; });
  return out;
}

std::vector<RuleMiss> Calendar::DroppedOn(Day d) const {
  std::vector<RuleMiss> out;
  if (rules.empty()) return out;
  for (const RuleMiss& m : Runs(PeriodOf(d)).dropped)
    if (m.selected == d) out.push_back(m);
  return out;
}

std::string Calendar::RuleRunsText(Day d) const {
  if (rules.empty() || !base) return "";
  std::string text;
  for (const RuleHit& h : HitsOn(d)) text += (text.empty() ? "" : " and ") + RuleLabel(rules, h.rule);
  return text.empty() ? "" : "; cancels the run of " + text;
}

std::vector<RunCountIssue> Calendar::RunCountIssues(Day from, Day to) const {
  std::vector<RunCountIssue> out;
  if (!base || std::none_of(rules.begin(), rules.end(), [](const Rule& r) { return r.OncePerMonth(); })) return out;
  const int pf = PeriodOf(from), pt = PeriodOf(to);
  constexpr int kMargin = 12;  // offsets can carry a run months away (enough for warnings)
  std::map<std::pair<int, size_t>, RunCountIssue> issues;  // by (month, rule)
  std::map<std::pair<int, size_t>, int> runs;
  auto inside = [&](int p) { return p >= pf && p <= pt; };
  for (int p = pf - kMargin; p <= pt + kMargin; ++p) {
    for (const RuleHit& h : PeriodHits(p)) {
      if (!rules[h.rule].OncePerMonth()) continue;
      const int lp = PeriodOf(h.date);
      if (inside(lp)) ++runs[{lp, h.rule}];
      if (lp == p) continue;
      if (inside(p)) issues[{p, h.rule}].moved_out.push_back(h);
      if (inside(lp)) issues[{lp, h.rule}].moved_in.push_back(h);
    }
  }
  for (auto& [key, issue] : issues) {
    issue.period = key.first;
    issue.rule = key.second;
    issue.runs = runs[key];
    if (issue.runs != 1) out.push_back(std::move(issue));
  }
  return out;
}

DayInfo Calendar::ClassifyByRules(Day d) const {
  DayInfo info;
  info.source = "rule";
  auto hits = HitsOn(d);
  if (!hits.empty()) {
    const RuleHit& h = hits.front();
    const Rule& r = rules[h.rule];
    info.open = true;
    info.loc = r.loc;
    info.reason = RuleLabel(rules, h.rule);
    // Only a kept date can be closed in the base without having been shifted.
    const bool kept_closed = r.shift == Shift::kKeep && !h.shifted && !BaseOpen(*base, h.selected);
    if (h.selected != d) {
      info.reason += ": selected " + FormatIsoDate(h.selected);
      if (kept_closed)  // then offset from it as it is
        info.reason += " (not a business day in '" + base->name + "': " + BaseReason(*base, h.selected) + ")";
      if (h.shifted && h.turned)
        info.reason += std::string(", shifted ") + (r.shift == Shift::kAfter ? "before" : "after") + " (" +
                       ShiftName(r.shift) + " would leave the month)";
      else if (h.shifted)
        info.reason += std::string(", shifted ") + ShiftName(r.shift);
      if (r.offset) info.reason += ", offset " + BusinessDays(r.offset);
    } else if (kept_closed) {
      info.reason += ": kept, although not a business day in '" + base->name + "': " + BaseReason(*base, d);
    }
    info.reason_en = info.reason;
    return info;
  }
  // Say why no rule produced this date: a selector may have picked it and moved it away, or
  // dropped it (a selected date always lies in its own period).
  std::string why;
  const PeriodRuns& runs = Runs(PeriodOf(d));
  for (const RuleHit& h : runs.hits) {
    if (h.selected != d) continue;
    why = RuleLabel(rules, h.rule) + " selected this date and moved it to " + FormatIsoDate(h.date);
    info.loc = rules[h.rule].loc;
    break;
  }
  for (const RuleMiss& m : runs.dropped) {
    if (m.selected != d || !why.empty()) continue;
    const Rule& r = rules[m.rule];
    why = RuleLabel(rules, m.rule) + " selected this date, but ";
    const std::string closed = "it is not a business day in '" + base->name + "' (" + BaseReason(*base, d) + ")";
    switch (m.why) {
      case RuleMiss::Why::kSkip:
        why += closed + " and the rule's shift is skip";
        break;
      case RuleMiss::Why::kNoBusinessDay:
        why += closed + " and no business day of '" + base->name + "' is within " + std::to_string(r.max_shift) +
               " day" + (r.max_shift == 1 ? "" : "s") + (r.shift == Shift::kAfter ? " after" : " before") + " it" +
               (m.both_ways ? std::string(" inside its month, nor ") + (r.shift == Shift::kAfter ? "before" : "after") +
                                  " it (max_shift " + std::to_string(r.max_shift) + ", within: month)"
                            : " (max_shift " + std::to_string(r.max_shift) + ")");
        break;
      case RuleMiss::Why::kOutOfRange:
        why += "its offset of " + BusinessDays(r.offset) + " runs off the supported date range";
        break;
    }
    why += ": no run";
    info.loc = r.loc;
  }
  if (why.empty()) {
    why = "no rule selects this date";
    if (!BaseOpen(*base, d)) why += "; not a business day in '" + base->name + "': " + BaseReason(*base, d);
  }
  info.reason = why;
  info.reason_en = why;
  return info;
}

// ---------------------------------------------------------------------------------------------
// Hours and instants

std::vector<TimeRange> Calendar::WindowsOf(Day d) const {
  const unsigned md = MonthDayOf(d);
  for (const auto& e : special_hours)
    if (e.spec.Contains(d, md)) return e.hours;
  for (const auto& e : open) {  // the deciding open entry, when it gives hours of its own
    if (!e.spec.Contains(d, md)) continue;
    if (!e.hours.empty()) return e.hours;
    break;
  }
  if (has_hours) {
    const auto& wh = weekday_hours[WeekdayOf(d)];
    if (wh) return *wh;
    if (!hours.empty()) return hours;
    return {};  // a per-weekday mapping that leaves this weekday out (the loader refuses that)
  } else if (base && base->HasHours()) {
    return base->WindowsOf(d);
  }
  int ds = DayStart();
  return {TimeRange{ds, ds + kMinutesPerDay}};
}

Instant LocalToInstant(const TimeZone* zone, Day d, int minutes) {
  date::local_seconds ls{date::local_days{d.time_since_epoch()}.time_since_epoch() +
                         std::chrono::minutes{minutes}};
  if (!zone) return Instant{ls.time_since_epoch()};
  // Unique: that instant; repeated: the earlier of the two; inside a DST gap: the instant it ends.
  return zone->FromLocal(ls).instant;
}

namespace {

Day LocalDay(const TimeZone* zone, Instant t, int minus_minutes) {
  auto local = zone ? zone->ToLocal(t) : date::local_seconds{t.time_since_epoch()};
  local -= std::chrono::minutes{minus_minutes};
  return Day{date::floor<date::days>(local).time_since_epoch()};
}

// An open window of a business day, and that day.
struct OpenWindow {
  Day date;
  Instant start, end;
  DayInfo info;
};

// The business day whose open window contains @p t: its local date or one of the two days before
// (the earliest of them when windows overlap). The local date must be in the supported range.
std::optional<OpenWindow> WindowAt(const Calendar& cal, Instant t) {
  const TimeZone* zone = cal.Zone();
  const Day l = LocalDay(zone, t, 0);
  auto [lo, hi] = cal.SupportedRange();
  for (int back = 2; back >= 0; --back) {
    Day d = l - date::days{back};
    if (d < lo || d > hi) continue;
    DayInfo di = cal.Classify(d);
    if (!di.open) continue;
    for (const TimeRange& w : cal.WindowsOf(d)) {
      Instant s = LocalToInstant(zone, d, w.start), e = LocalToInstant(zone, d, w.end);
      if (s <= t && t < e) return OpenWindow{d, s, e, std::move(di)};
    }
  }
  return std::nullopt;
}

}  // namespace

Day BusinessDateOf(const Calendar& cal, Instant t) {
  if (cal.HasHours()) {  // without hours every window is day start to day start: the plain rule
    auto [lo, hi] = cal.SupportedRange();
    const Day l = LocalDay(cal.Zone(), t, 0);
    if (l >= lo && l <= hi)
      if (auto w = WindowAt(cal, t)) return w->date;
  }
  return LocalDay(cal.Zone(), t, cal.DayStart());
}

bool IsOpenAt(const Calendar& cal, Instant t, DayInfo* info,
              std::optional<std::pair<Instant, Instant>>* window) {
  cal.CheckRange(LocalDay(cal.Zone(), t, 0));
  if (auto w = WindowAt(cal, t)) {
    if (info) *info = std::move(w->info);
    if (window) *window = std::make_pair(w->start, w->end);
    return true;
  }
  if (info) {
    auto [lo, hi] = cal.SupportedRange();
    Day bd = std::max(LocalDay(cal.Zone(), t, cal.DayStart()), lo);
    DayInfo di = cal.Classify(bd);
    if (di.open) {
      const std::vector<TimeRange> windows = cal.WindowsOf(bd);
      const Calendar* owner = cal.HoursOwner();
      std::string hours;
      for (const TimeRange& w : windows) hours += (hours.empty() ? "" : ", ") + FormatTimeRange(w);
      if (windows.empty()) {
        di.reason = "no business hours on business day " + FormatIsoDate(bd) + " (" + WeekdayName(WeekdayOf(bd)) +
                    " is not in the 'hours' of '" + (owner ? owner->name : cal.name) + "')";
      } else if (!cal.rules.empty() && owner && owner != &cal) {
        // A rule calendar is read as a set of dates; say that only the inherited hours close it.
        di.reason = "outside the business hours (" + hours + ") that '" + cal.name + "' inherits from '" +
                    owner->name + "'; " + FormatIsoDate(bd) + " is a run date: " + di.reason;
      } else {
        di.reason = "outside business hours (" + hours + ") of business day " + FormatIsoDate(bd);
      }
      di.open = false;
      di.reason_en = di.reason;
      di.source = "hours";
    }
    *info = di;
  }
  return false;
}

std::chrono::seconds OpenTimeBetween(const Calendar& cal, Instant from, Instant to) {
  if (to <= from) return std::chrono::seconds{0};
  const TimeZone* zone = cal.Zone();
  Day first = LocalDay(zone, from, 0) - date::days{2};
  Day last = LocalDay(zone, to, 0);
  cal.CheckRange(first + date::days{2});
  cal.CheckRange(last);
  auto [lo, hi] = cal.SupportedRange();
  std::vector<std::pair<Instant, Instant>> spans;
  for (Day d = std::max(first, lo); d <= last && d <= hi; d += date::days{1}) {
    if (!cal.IsBusinessDay(d)) continue;
    for (const TimeRange& w : cal.WindowsOf(d)) {
      Instant s = std::max(LocalToInstant(zone, d, w.start), from);
      Instant e = std::min(LocalToInstant(zone, d, w.end), to);
      if (s < e) spans.emplace_back(s, e);
    }
  }
  std::sort(spans.begin(), spans.end());
  std::chrono::seconds total{0};
  Instant cur_s{}, cur_e{};
  bool have = false;
  for (auto& [s, e] : spans) {
    if (have && s <= cur_e) {
      cur_e = std::max(cur_e, e);
      continue;
    }
    if (have) total += cur_e - cur_s;
    cur_s = s;
    cur_e = e;
    have = true;
  }
  if (have) total += cur_e - cur_s;
  return total;
}

std::optional<Day> NextBusinessDay(const Calendar& cal, Day from, int dir) {
  auto [lo, hi] = cal.SupportedRange();
  cal.CheckRange(from);
  for (Day d = from + date::days{dir}; d >= lo && d <= hi; d += date::days{dir})
    if (cal.IsBusinessDay(d)) return d;
  return std::nullopt;
}

std::optional<Day> ShiftToBusinessDay(const Calendar& cal, Day d, int dir) {
  if (cal.IsBusinessDay(d)) return d;
  return NextBusinessDay(cal, d, dir);
}

namespace {

// Reads @p n digits of @p s at @p pos; clears *ok when they are not all digits.
int ParseFixedDigits(const std::string& s, size_t pos, size_t n, bool* ok) {
  int v = 0;
  if (pos + n > s.size()) {
    *ok = false;
    return 0;
  }
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') *ok = false;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

}  // namespace

Instant Now() { return date::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

Instant ParseInstant(const std::string& text, const TimeZone* zone) {
  return ParseInstant(text, [zone] { return zone; });
}

Instant ParseInstant(const std::string& text, const std::function<const TimeZone*()>& local_zone) {
  if (text == "now") return Now();
  auto bad = [&]() -> UsageError {
    return UsageError("invalid date-time '" + text +
                      "': expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], 'now' or '@EPOCH'");
  };
  if (!text.empty() && text[0] == '@') {
    std::string digits = text.substr(1);
    if (digits.empty() || digits.size() > 12 || digits.find_first_not_of("0123456789") != std::string::npos)
      throw bad();
    return Instant{std::chrono::seconds{std::stoll(digits)}};
  }
  if (text.size() < 16) throw bad();
  std::string why;
  auto day = ParseIsoDate(text.substr(0, 10), &why);
  if (!why.empty()) throw UsageError("invalid date-time '" + text + "': " + why);
  if (!day || (text[10] != 'T' && text[10] != ' ' && text[10] != 't') || text[13] != ':') throw bad();
  bool ok = true;
  int hh = ParseFixedDigits(text, 11, 2, &ok), mm = ParseFixedDigits(text, 14, 2, &ok), ss = 0;
  size_t pos = 16;
  if (pos < text.size() && text[pos] == ':') {
    ss = ParseFixedDigits(text, pos + 1, 2, &ok);
    pos += 3;
    // Fractional seconds, as EC2 and the JSON events of hops write instants, are dropped.
    if (pos < text.size() && text[pos] == '.') {
      size_t digits = text.find_first_not_of("0123456789", pos + 1);
      if (digits == std::string::npos) digits = text.size();
      if (digits == pos + 1 || digits - pos - 1 > 9) throw bad();
      pos = digits;
    }
  }
  if (!ok || hh > 23 || mm > 59 || ss > 59) throw bad();
  int minutes = hh * 60 + mm;
  std::string rest = text.substr(pos);
  if (rest.empty()) {
    // Local time in the calendar's zone; reject times that do not exist there.
    date::local_seconds ls{date::local_days{day->time_since_epoch()}.time_since_epoch() +
                           std::chrono::minutes{minutes} + std::chrono::seconds{ss}};
    const TimeZone* zone = local_zone();
    if (!zone) return Instant{ls.time_since_epoch()};
    LocalLookup li = zone->FromLocal(ls);
    if (li.kind == LocalLookup::Kind::kSkipped)
      throw UsageError("local time '" + text + "' does not exist in " + zone->name() +
                       " (daylight saving gap); give an offset such as +09:00");
    return li.instant;
  }
  int offset_min = 0;
  if (rest == "Z" || rest == "z") {
    offset_min = 0;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    int oh = ParseFixedDigits(rest, 1, 2, &ok), om = ParseFixedDigits(rest, 4, 2, &ok);
    if (!ok || oh > 23 || om > 59) throw bad();
    offset_min = (rest[0] == '-' ? -1 : 1) * (oh * 60 + om);
  } else {
    throw bad();
  }
  return Instant{day->time_since_epoch()} + std::chrono::minutes{minutes - offset_min} +
         std::chrono::seconds{ss};
}

}  // namespace hops::cal
