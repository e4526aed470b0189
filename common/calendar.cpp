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

DayInfo Calendar::Classify(Day d) const {
  CheckRange(d);
  return ClassifyUnchecked(d);
}

bool Calendar::IsBusinessDay(Day d) const { return Classify(d).open; }

static std::string EntryLabel(const DatedEntry& e) {
  return e.name.empty() ? e.text : e.name + " (" + e.text + ")";
}

DayInfo Calendar::ClassifyUnchecked(Day d) const {
  DayInfo info;
  const unsigned md = MonthDayOf(d);
  if ((valid_from && d < *valid_from) || (valid_to && d > *valid_to)) {
    info.reason = "outside the validity period (";
    if (valid_from && valid_to) info.reason += FormatIsoDate(*valid_from) + ".." + FormatIsoDate(*valid_to) + ")";
    else if (valid_from) info.reason += "from " + FormatIsoDate(*valid_from) + ")";
    else info.reason += "until " + FormatIsoDate(*valid_to) + ")";
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
      info.source = "closed";
      info.loc = e.loc;
      info.named = true;
      return info;
    }
  }
  for (const auto& set : holiday_sets) {
    if (const jp::Holiday* h = jp ? jp->Find(d) : nullptr) {
      info.reason = h->name;
      info.reason_en = h->name_en;
      if (h->kind == jp::HolidayKind::kSubstitute && h->substitute_for) {
        const jp::Holiday* orig = jp->Find(*h->substitute_for);
        std::string of = orig ? orig->name : "?";
        std::string of_en = orig ? orig->name_en : "?";
        info.reason += " (substitute for " + of + " " + FormatIsoDate(*h->substitute_for) + ")";
        info.reason_en += " (substitute for " + of_en + " " + FormatIsoDate(*h->substitute_for) + ")";
      }
      info.source = set;
      info.loc = holidays_loc;
      info.predicted = h->predicted;
      info.named = true;
      return info;
    }
    bool year_end = (set == "jp-gov" && (md >= 1229 || md <= 103)) ||
                    (set == "jp-bank" && (md >= 1231 || md <= 103));
    if (year_end) {
      info.reason = set == "jp-gov" ? "年末年始 (12-29..01-03)" : "年末年始 (12-31..01-03)";
      info.reason_en = set == "jp-gov" ? "Year-end holidays (12-29..01-03)"
                                       : "Bank holidays (12-31..01-03)";
      info.source = set;
      info.loc = holidays_loc;
      info.named = true;
      return info;
    }
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

int Calendar::PeriodOf(Day d) const {
  Ymd v = ToYmd(d);
  int p = v.y * 12 + int(v.m) - 1;
  if (int(v.d) < month_start) --p;
  return p;
}

std::pair<Day, Day> Calendar::PeriodBounds(int period) const {
  int y = period / 12, m = period % 12 + 1;
  Day start = Day{date::year{y} / date::month(m) / date::day(month_start)};
  int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
  Day next = Day{date::year{ny} / date::month(nm) / date::day(month_start)};
  return {start, next - date::days{1}};
}

namespace {

// Business-day test on the base calendar that treats days outside its range as closed, so rules
// near the edges of the supported range degrade instead of throwing.
bool BaseOpen(const Calendar& base, Day d) {
  auto [lo, hi] = base.SupportedRange();
  if (d < lo || d > hi) return false;
  return base.IsBusinessDay(d);
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

}  // namespace

const std::vector<RuleHit>& Calendar::PeriodHits(int period) const {
  std::lock_guard<std::mutex> lock(cache_mu_);
  auto it = hits_cache_.find(period);
  if (it != hits_cache_.end()) return it->second;
  std::vector<RuleHit> hits;
  auto [start, end] = PeriodBounds(period);
  const unsigned month = unsigned(period % 12 + 1);
  const Calendar& b = *base;
  for (size_t ri = 0; ri < rules.size(); ++ri) {
    const Rule& r = rules[ri];
    if (!r.months[month]) continue;
    std::vector<Day> picked;
    auto day_at = [&](int n) -> std::optional<Day> {
      Day d = n > 0 ? start + date::days{n - 1} : end + date::days{n};
      if (d < start || d > end) return std::nullopt;
      return d;
    };
    switch (r.kind) {
      case Rule::Kind::kDay:
        for (int n : r.numbers)
          if (auto d = day_at(n)) picked.push_back(*d);
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
          Day first = start;
          while (WeekdayOf(first) != wd) first += date::days{1};
          if (occ == 0) {
            for (Day d = first; d <= end; d += date::days{7}) picked.push_back(d);
          } else if (occ > 0) {
            Day d = first + date::days{7 * (occ - 1)};
            if (d <= end) picked.push_back(d);
          } else {
            Day d = first;
            while (d + date::days{7} <= end) d += date::days{7};
            picked.push_back(d);
          }
        }
        break;
      case Rule::Kind::kNearestWeekday:
        for (int n : r.numbers) {
          auto t = day_at(n);
          if (!t) continue;
          Day d = *t;
          unsigned wd = WeekdayOf(d);
          if (wd == 6) d = (d - date::days{1} >= start) ? d - date::days{1} : d + date::days{2};
          else if (wd == 0) d = (d + date::days{1} <= end) ? d + date::days{1} : d - date::days{2};
          if (d >= start && d <= end) picked.push_back(d);
        }
        break;
      case Rule::Kind::kGotobi:
        for (Day d = start; d <= end; d += date::days{1}) {
          Ymd v = ToYmd(d);
          if (v.d % 5 == 0 ? v.d <= 25 : false) picked.push_back(d);
          else if (v.d == DaysInMonth(v.y, v.m)) picked.push_back(d);
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
      std::optional<Day> d = s;
      if (!BaseOpen(b, s)) {
        switch (r.shift) {
          case Shift::kKeep: break;
          case Shift::kSkip: d.reset(); break;
          case Shift::kBefore:
          case Shift::kAfter: {
            int dir = r.shift == Shift::kAfter ? 1 : -1;
            d.reset();
            for (int k = 1; k <= r.max_shift; ++k) {
              Day c = s + date::days{dir * k};
              if (BaseOpen(b, c)) {
                d = c;
                break;
              }
            }
            break;
          }
        }
      }
      if (d && r.offset != 0) d = StepBusinessDays(b, *d, r.offset);
      if (d) hits.push_back({*d, ri, s});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const RuleHit& x, const RuleHit& y) {
    return x.date != y.date ? x.date < y.date : x.rule < y.rule;
  });
  return hits_cache_.emplace(period, std::move(hits)).first->second;
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

DayInfo Calendar::ClassifyByRules(Day d) const {
  DayInfo info;
  info.source = "rule";
  auto hits = HitsOn(d);
  if (!hits.empty()) {
    const RuleHit& h = hits.front();
    const Rule& r = rules[h.rule];
    info.open = true;
    info.loc = r.loc;
    info.reason = "rule " + std::to_string(h.rule + 1) + " (" + r.text + ")";
    if (h.selected != d) {
      info.reason += ": selected " + FormatIsoDate(h.selected);
      if (!BaseOpen(*base, h.selected) && (r.shift == Shift::kBefore || r.shift == Shift::kAfter))
        info.reason += std::string(", shifted ") + ShiftName(r.shift);
      if (r.offset)
        info.reason += ", offset " + std::to_string(r.offset) + " business day" + (std::abs(r.offset) == 1 ? "" : "s");
    }
    info.reason_en = info.reason;
    return info;
  }
  // Say why no rule produced this date: a selector may have picked it and moved it away
  // (a selected date always lies in its own period).
  std::string why = "no rule selects this date";
  for (const RuleHit& h : PeriodHits(PeriodOf(d))) {
    if (h.selected != d) continue;
    why = "rule " + std::to_string(h.rule + 1) + " (" + rules[h.rule].text + ") selected this date and moved it to " +
          FormatIsoDate(h.date);
    info.loc = rules[h.rule].loc;
    break;
  }
  if (why.rfind("no rule", 0) == 0 && !BaseOpen(*base, d)) {
    DayInfo bi = base->ClassifyUnchecked(d);
    why += "; not a business day in '" + base->name + "': " + bi.reason;
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
  if (has_hours) {
    const auto& wh = weekday_hours[WeekdayOf(d)];
    if (wh) return *wh;
    if (!hours.empty()) return hours;
    return {};  // a per-weekday mapping that leaves this weekday out: no open hours
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

static Day LocalDay(const TimeZone* zone, Instant t, int minus_minutes) {
  auto local = zone ? zone->ToLocal(t) : date::local_seconds{t.time_since_epoch()};
  local -= std::chrono::minutes{minus_minutes};
  return Day{date::floor<date::days>(local).time_since_epoch()};
}

Day BusinessDateOf(const Calendar& cal, Instant t) { return LocalDay(cal.Zone(), t, cal.DayStart()); }

bool IsOpenAt(const Calendar& cal, Instant t, DayInfo* info,
              std::optional<std::pair<Instant, Instant>>* window) {
  const TimeZone* zone = cal.Zone();
  Day l = LocalDay(zone, t, 0);
  cal.CheckRange(l);
  auto [lo, hi] = cal.SupportedRange();
  for (int back = 2; back >= 0; --back) {
    Day d = l - date::days{back};
    if (d < lo || d > hi) continue;
    DayInfo di = cal.Classify(d);
    if (!di.open) continue;
    for (const TimeRange& w : cal.WindowsOf(d)) {
      Instant s = LocalToInstant(zone, d, w.start), e = LocalToInstant(zone, d, w.end);
      if (s <= t && t < e) {
        if (info) *info = di;
        if (window) *window = std::make_pair(s, e);
        return true;
      }
    }
  }
  if (info) {
    Day bd = BusinessDateOf(cal, t);
    if (bd < lo) bd = lo;
    DayInfo di = cal.Classify(bd);
    if (di.open) {
      std::string hours;
      for (const TimeRange& w : cal.WindowsOf(bd)) hours += (hours.empty() ? "" : ", ") + FormatTimeRange(w);
      di.open = false;
      di.reason = "outside business hours (" + hours + ") of business day " + FormatIsoDate(bd);
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
  }
  if (!ok || hh > 23 || mm > 59 || ss > 59) throw bad();
  int minutes = hh * 60 + mm;
  std::string rest = text.substr(pos);
  if (rest.empty()) {
    // Local time in the calendar's zone; reject times that do not exist there.
    date::local_seconds ls{date::local_days{day->time_since_epoch()}.time_since_epoch() +
                           std::chrono::minutes{minutes} + std::chrono::seconds{ss}};
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
