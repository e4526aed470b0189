#include "cmd/hcal/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <sys/stat.h>

#include "common/event.hpp"
#include "common/process.hpp"
#include "common/settings.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"

namespace hops::cal {

namespace {

constexpr const char* kTool = "hcal";

bool Json(const HcalOptions& o) { return o.format == "json"; }

std::string IsoInstant(Instant t, const TimeZone* zone) { return FormatInstant(t, zone); }

// Collects bulk text output and writes it in large chunks: stdout is line-buffered for pipelines,
// and one write(2) per line would dominate long listings.
class ChunkedOut {
 public:
  ~ChunkedOut() { Flush(); }
  void Add(const std::string& s) {
    buf_ += s;
    if (buf_.size() >= 1 << 16) Flush();
  }
  void Flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    buf_.clear();
  }

 private:
  std::string buf_;
};

// One line "DATE<TAB>wday[<TAB>note]".
void PrintDayLine(Day d, const std::string& note, ChunkedOut* out = nullptr) {
  std::string line = FormatIsoDate(d) + "\t" + WeekdayName(WeekdayOf(d));
  if (!note.empty()) line += "\t" + note;
  line += "\n";
  if (out) out->Add(line);
  else std::fputs(line.c_str(), stdout);
}

Event DayEvent(const Calendar& cal, Day d, const DayInfo& info) {
  Event e;
  e.tool = kTool;
  e.kind = "calendar.day";
  e.key = std::string(kTool) + "/" + cal.name + "/" + FormatIsoDate(d);
  e.status = info.open ? "open" : "closed";
  e.severity = "info";
  e.summary = FormatIsoDate(d) + " " + e.status + ": " + info.reason;
  e.calendar = cal.name;
  e.data = nlohmann::ordered_json::object();
  e.data["date"] = FormatIsoDate(d);
  e.data["weekday"] = WeekdayName(WeekdayOf(d));
  e.data["open"] = info.open;
  e.data["reason"] = info.reason;
  if (info.reason_en != info.reason) e.data["reason_en"] = info.reason_en;
  e.data["source"] = info.source;
  if (info.loc.line > 0) e.data["defined_at"] = info.loc.Str();
  if (info.predicted) e.data["predicted"] = true;
  return e;
}

std::string DayNote(const Calendar& cal, const DayInfo& info) {
  // Open days of plain calendars need no note; rule dates and closures say why.
  if (info.open && (info.source == "weekdays" || (info.source == "base" && cal.rules.empty()))) {
    if (info.reason.rfind("business day", 0) == 0) return "";
  }
  std::string note = info.reason;
  if (info.predicted) note += "\tpredicted";
  return note;
}

// A YYYY-MM-DD argument; an impossible date says why ("February 2026 has 28 days"), a malformed
// one what was @p expected.
Day ParseIsoArg(const std::string& text, const std::string& expected) {
  std::string why;
  auto d = ParseIsoDate(text, &why);
  if (!d) throw UsageError("invalid date '" + text + "': " + (why.empty() ? "expected " + expected : why));
  return *d;
}

// A YYYY-MM argument: the first day of that month.
Day ParseMonthArg(const std::string& text) {
  std::string why;
  auto d = text.size() == 7 ? ParseIsoDate(text + "-01", &why) : std::nullopt;
  if (!d) throw UsageError("invalid month '" + text + "': " + (why.empty() ? "expected YYYY-MM" : why));
  return *d;
}

}  // namespace

Day ParseDateArg(const std::string& text, const Calendar& cal) {
  if (text == "today" || text == "yesterday" || text == "tomorrow") {
    Day today = BusinessDateOf(cal, Now());
    return today + date::days{text == "today" ? 0 : text == "tomorrow" ? 1 : -1};
  }
  return ParseIsoArg(text, "YYYY-MM-DD, today, yesterday or tomorrow");
}

std::pair<Day, Day> ResolvePeriod(const PeriodOptions& p, const Calendar* cal, bool required) {
  int given = (!p.from.empty() || !p.to.empty()) + !p.year.empty() + !p.month.empty();
  if (given > 1) throw UsageError("give only one of --from/--to, --year and --month");
  if (!p.year.empty()) {
    auto y = ParseLong(p.year, 1, 9999);
    if (!y) throw UsageError("invalid year '" + p.year + "'");
    return {*MakeDay(int(*y), 1, 1), *MakeDay(int(*y), 12, 31)};
  }
  if (!p.month.empty()) {
    Day d = ParseMonthArg(p.month);
    Ymd v = ToYmd(d);
    return {d, *MakeDay(v.y, v.m, DaysInMonth(v.y, v.m))};
  }
  if (p.from.empty() || p.to.empty()) {
    if (!p.from.empty() || !p.to.empty()) throw UsageError("--from and --to go together");
    if (required) throw UsageError("give a period: --from DATE --to DATE, --year YYYY or --month YYYY-MM");
    return {Day{}, Day{}};
  }
  auto parse = [&](const std::string& s) {
    return cal ? ParseDateArg(s, *cal) : ParseIsoArg(s, "YYYY-MM-DD");
  };
  Day a = parse(p.from), b = parse(p.to);
  if (b < a) throw UsageError("--to " + p.to + " is before --from " + p.from);
  return {a, b};
}

std::unique_ptr<Registry> LoadRegistry(const HcalOptions& opts) {
  Settings settings = LoadSettings();
  auto reg = OpenRegistry(settings, CalendarPaths(settings, opts.files));
  reg->ThrowIfErrors();
  return reg;
}

std::vector<std::string> JudgedNotes(const HcalOptions& o, const Calendar& cal, Instant t, bool now,
                                     const TimeZone* host) {
  std::vector<std::string> notes;
  const TimeZone* zone = cal.Zone();
  const std::string zone_name = zone ? zone->name() : "UTC";
  if (o.verbose)
    notes.push_back("judged " + IsoInstant(t, zone) + " (business date " + FormatIsoDate(BusinessDateOf(cal, t)) +
                    ", " + zone_name + ")");
  if (now && !o.quiet && host) {
    // The calendar's own date, not its business date: a day_start moves the business date on
    // purpose, a time zone that is not the host's by accident.
    auto date_in = [&](const TimeZone* z) {
      date::local_seconds l = z ? z->ToLocal(t) : date::local_seconds{t.time_since_epoch()};
      return Day{date::floor<date::days>(l).time_since_epoch()};
    };
    const Day host_date = date_in(host);
    if (date_in(zone) != host_date)
      notes.push_back("warning: calendar '" + cal.name + "' judges " + IsoInstant(t, zone) + " (" + zone_name +
                      "), a date other than this host's " + FormatIsoDate(host_date) + " (" + host->name() +
                      "); cron starts jobs by the host's clock, so check the crontab's times (see TIME ZONES "
                      "AND CRON in hcal(1)); -q or --at silences this");
  }
  return notes;
}

namespace {

// Prints JudgedNotes() of a question about instant @p t to stderr.
void PrintJudged(const HcalOptions& o, const Calendar& cal, Instant t, bool now) {
  for (const std::string& n : JudgedNotes(o, cal, t, now, now ? LocalZone() : nullptr))
    std::fprintf(stderr, "%s: %s\n", kTool, n.c_str());
}

// Unless -q: when rule calendar @p cal is closed at @p t only because of the hours it inherits
// (a JP1 user reads a rule as a date), a warning on stderr that says so.
void WarnInheritedHours(const HcalOptions& o, const Calendar& cal, Instant t, const DayInfo& info) {
  const Calendar* owner = cal.HoursOwner();
  if (o.quiet || cal.rules.empty() || info.source != "hours" || !owner || owner == &cal) return;
  const Day bd = BusinessDateOf(cal, t);
  std::string hours;
  for (const TimeRange& w : cal.WindowsOf(bd)) hours += (hours.empty() ? "" : ", ") + FormatTimeRange(w);
  if (hours.empty()) return;
  std::fprintf(stderr,
               "%s: warning: '%s' is closed at %s only because of the business hours it inherits from '%s' (%s); "
               "%s is one of its run dates: ask 'hcal is-business-day' about the date alone, or give '%s' "
               "hours of its own; -q silences this\n",
               kTool, cal.name.c_str(), IsoInstant(t, cal.Zone()).c_str(), owner->name.c_str(), hours.c_str(),
               FormatIsoDate(bd).c_str(), cal.name.c_str());
}

}  // namespace

std::vector<RunWarning> RunCountWarnings(const Calendar& cal, Day from, Day to) {
  std::vector<RunWarning> out;
  for (const RunCountIssue& issue : cal.RunCountIssues(from, to)) {
    const Rule& r = cal.rules[issue.rule];
    std::string text = "'" + cal.name + "' rule " + std::to_string(issue.rule + 1) + " (" + r.text + ") ";
    text += issue.runs == 0 ? "has no run" : "runs " + std::to_string(issue.runs) + " times";
    text += " in the month " + cal.PeriodName(issue.period) + ":";
    bool shifted = false;
    const auto& moved = issue.runs == 0 ? issue.moved_out : issue.moved_in;
    for (size_t i = 0; i < moved.size(); ++i) {
      const RuleHit& h = moved[i];
      shifted = shifted || h.shifted;
      text += std::string(i ? "," : "") +
              (issue.runs == 0 ? " its " + FormatIsoDate(h.selected) + " moved to " + FormatIsoDate(h.date)
                               : " " + FormatIsoDate(h.date) + " comes from " + FormatIsoDate(h.selected));
    }
    if (shifted && !r.within_month) text += " ('within: month' keeps shifts inside their month)";
    out.push_back({r.loc, text});
  }
  return out;
}

namespace {

}  // namespace

static int Answer(const HcalOptions& o, bool yes, const std::string& text) {
  if (o.verbose) std::fputs((text + "\n").c_str(), stdout);
  return yes ? 0 : 1;
}

namespace {

// The calendar.state event for "is CAL open at t" (is-open and explain --at).
Event StateEvent(const Calendar& cal, Instant t, bool open, const DayInfo& info,
                 const std::optional<std::pair<Instant, Instant>>& window, const std::string& text) {
  std::string when = IsoInstant(t, cal.Zone());
  Event e;
    e.tool = kTool;
  e.kind = "calendar.state";
  e.key = std::string(kTool) + "/" + cal.name;
  e.status = open ? "open" : "closed";
  e.severity = "info";
  e.summary = cal.name + " at " + when + " " + text;
  e.calendar = cal.name;
  e.data = nlohmann::ordered_json::object();
  e.data["at"] = when;
  e.data["business_date"] = FormatIsoDate(BusinessDateOf(cal, t));
  e.data["open"] = open;
  e.data["reason"] = info.reason;
  e.data["source"] = info.source;
  if (info.loc.line > 0) e.data["defined_at"] = info.loc.Str();
  if (window) {
    e.data["window_start"] = IsoInstant(window->first, cal.Zone());
    e.data["window_end"] = IsoInstant(window->second, cal.Zone());
  }
  return e;
}

std::string StateText(const Calendar& cal, bool open, const DayInfo& info,
                      const std::optional<std::pair<Instant, Instant>>& window) {
  std::string text = std::string(open ? "open" : "closed") + ": " + info.reason;
  if (open && window)
    text += " [" + IsoInstant(window->first, cal.Zone()) + " .. " + IsoInstant(window->second, cal.Zone()) + ")";
  return text;
}

}  // namespace

int CmdIsOpen(const HcalOptions& o, const std::string& name, const std::string& at) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  Instant t = at.empty() ? Now() : ParseInstant(at, cal.Zone());
  PrintJudged(o, cal, t, at.empty());
  DayInfo info;
  std::optional<std::pair<Instant, Instant>> window;
  bool open = IsOpenAt(cal, t, &info, &window);
  if (!open) WarnInheritedHours(o, cal, t, info);
  std::string text = StateText(cal, open, info, window);
  if (Json(o)) {
    WriteEvent(StateEvent(cal, t, open, info, window, text));
    return open ? 0 : 1;
  }
  return Answer(o, open, text);
}

int CmdIsBusinessDay(const HcalOptions& o, const std::string& name, const std::string& date) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  const bool relative = date.empty() || date == "today" || date == "yesterday" || date == "tomorrow";
  if (relative) PrintJudged(o, cal, Now(), true);
  Day d = ParseDateArg(date.empty() ? "today" : date, cal);
  DayInfo info = cal.Classify(d);
  if (Json(o)) {
    WriteEvent(DayEvent(cal, d, info));
    return info.open ? 0 : 1;
  }
  return Answer(o, info.open, FormatIsoDate(d) + " " + (info.open ? "open" : "closed") + ": " + info.reason);
}

int CmdNext(const HcalOptions& o, const std::string& name, const std::string& from, int count, int dir) {
  if (count < 1) throw UsageError("-n must be at least 1");
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  Day d = ParseDateArg(from.empty() ? "today" : from, cal);
  for (int i = 0; i < count; ++i) {
    auto next = NextBusinessDay(cal, d, dir);
    if (!next) {
      std::fprintf(stderr, "%s: no %s business day of '%s' %s %s within the supported range\n", kTool,
                   dir > 0 ? "further" : "earlier", cal.name.c_str(), dir > 0 ? "after" : "before",
                   FormatIsoDate(d).c_str());
      return 1;
    }
    d = *next;
    DayInfo info = cal.Classify(d);
    if (Json(o)) WriteEvent(DayEvent(cal, d, info));
    else PrintDayLine(d, DayNote(cal, info));
  }
  return 0;
}

int CmdList(const HcalOptions& o, const std::string& name, const PeriodOptions& p, const std::string& which) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  auto [from, to] = ResolvePeriod(p, &cal, true);
  cal.CheckRange(from);
  cal.CheckRange(to);
  const bool json = Json(o);
  ChunkedOut out;
  for (Day d = from; d <= to; d += date::days{1}) {
    DayInfo info = cal.Classify(d);
    if (which == "open" && !info.open) continue;
    if (which == "closed" && info.open) continue;
    if (json) {
      WriteEvent(DayEvent(cal, d, info));
    } else if (which == "all") {
      out.Add(FormatIsoDate(d) + "\t" + WeekdayName(WeekdayOf(d)) + "\t" + (info.open ? "open" : "closed") +
              "\t" + info.reason + (info.predicted ? "\tpredicted" : "") + "\n");
    } else {
      PrintDayLine(d, DayNote(cal, info), &out);
    }
  }
  out.Flush();
  if (!o.quiet)
    for (const RunWarning& w : RunCountWarnings(cal, from, to))
      std::fprintf(stderr, "%s: warning: %s\n", kTool, w.text.c_str());
  return 0;
}

namespace {

// Renders one month as 8 lines of 28 visible columns (title, weekday header, 6 week rows).
std::vector<std::string> RenderMonth(const Calendar& cal, int y, unsigned m, bool color, Day today,
                                     std::vector<std::pair<Day, DayInfo>>* named) {
  std::vector<std::string> lines;
  std::string title = std::string(MonthName(m)) + " " + std::to_string(y);
  int pad = (28 - int(title.size())) / 2;
  lines.push_back(std::string(pad, ' ') + title + std::string(28 - pad - title.size(), ' '));
  lines.push_back("Su  Mo  Tu  We  Th  Fr  Sa  ");
  Day first = *MakeDay(y, m, 1);
  unsigned days = DaysInMonth(y, m);
  unsigned col = WeekdayOf(first);
  std::string row(col * 4, ' ');
  for (unsigned dn = 1; dn <= days; ++dn) {
    Day d = first + date::days{dn - 1};
    DayInfo info = cal.Classify(d);
    char marker = ' ';
    Color c = Color::kBold;
    bool colored = false;
    if (!info.open && info.named) {
      marker = '*';
      c = Color::kRed;
      colored = true;
      named->emplace_back(d, info);
    } else if (!info.open) {
      marker = '-';
      c = Color::kDim;
      colored = true;
    } else if (info.source == "open") {
      marker = '+';
      c = Color::kGreen;
      colored = true;
      named->emplace_back(d, info);
    }
    char cell[8];
    std::snprintf(cell, sizeof cell, "%2u%c", dn, marker);
    std::string s = cell;
    if (d == today) s = Colorize(s, Color::kReverse, color);
    else if (colored) s = Colorize(s, c, color);
    row += s + " ";
    if (++col == 7) {
      lines.push_back(row);
      row.clear();
      col = 0;
    }
  }
  if (!row.empty()) lines.push_back(row + std::string((7 - col) * 4, ' '));
  while (lines.size() < 8) lines.push_back(std::string(28, ' '));
  return lines;
}

std::string RStrip(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

int CmdShow(const HcalOptions& o, const std::string& name, const std::string& month, const std::string& year) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  if (!month.empty() && !year.empty()) throw UsageError("give only one of --month and --year");
  Day today = BusinessDateOf(cal, Now());
  bool color = ColorEnabled(1);
  std::vector<std::pair<Day, DayInfo>> named;
  std::vector<std::pair<int, unsigned>> months;
  if (!year.empty()) {
    auto y = ParseLong(year, 1, 9999);
    if (!y) throw UsageError("invalid year '" + year + "'");
    for (unsigned m = 1; m <= 12; ++m) months.emplace_back(int(*y), m);
  } else {
    Day start = today;
    if (!month.empty()) start = ParseMonthArg(month);
    Ymd v = ToYmd(start);
    months.emplace_back(v.y, v.m);
  }
  const Day first_day = *MakeDay(months.front().first, months.front().second, 1);
  const Day last_day =
      *MakeDay(months.back().first, months.back().second, DaysInMonth(months.back().first, months.back().second));
  cal.CheckRange(first_day);
  cal.CheckRange(last_day);
  if (Json(o)) {  // the grid is for people; machines get the same days as events
    for (Day d = first_day; d <= last_day; d += date::days{1}) WriteEvent(DayEvent(cal, d, cal.Classify(d)));
    return 0;
  }
  std::string header = cal.name + (cal.description.empty() ? "" : " - " + cal.description) + " (" +
                       (cal.Zone() ? cal.Zone()->name() : "UTC") + ")";
  std::fputs((header + "\n").c_str(), stdout);
  for (size_t i = 0; i < months.size(); i += 3) {
    std::vector<std::vector<std::string>> cols;
    for (size_t j = i; j < months.size() && j < i + 3; ++j)
      cols.push_back(RenderMonth(cal, months[j].first, months[j].second, color, today, &named));
    for (size_t l = 0; l < cols[0].size(); ++l) {
      std::string line;
      for (size_t c = 0; c < cols.size(); ++c) line += (c ? "  " : "") + cols[c][l];
      line = RStrip(line);
      if (!line.empty() || l < 2) std::fputs((line + "\n").c_str(), stdout);
    }
    std::fputs("\n", stdout);
  }
  std::fputs("* holiday or closure   - day off   + open by exception\n", stdout);
  for (const auto& [d, info] : named) {
    std::string line = "  " + FormatIsoDate(d) + " " + WeekdayName(WeekdayOf(d)) + "  " + info.reason;
    if (info.reason_en != info.reason && !info.reason_en.empty()) line += " / " + info.reason_en;
    if (info.predicted) line += " (predicted)";
    std::fputs((line + "\n").c_str(), stdout);
  }
  return 0;
}

int CmdExplain(const HcalOptions& o, const std::string& name, const std::string& date, const std::string& at) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  if (!date.empty() && !at.empty()) throw UsageError("give a DATE or --at, not both");
  if (!at.empty()) {
    Instant t = ParseInstant(at, cal.Zone());
    DayInfo info;
    std::optional<std::pair<Instant, Instant>> window;
    bool open = IsOpenAt(cal, t, &info, &window);
    if (Json(o)) {
      WriteEvent(StateEvent(cal, t, open, info, window, StateText(cal, open, info, window)));
      return open ? 0 : 1;
    }
    std::string line = IsoInstant(t, cal.Zone()) + " " + (open ? "open" : "closed") + ": " + info.reason;
    if (window)
      line += "\n  window: " + IsoInstant(window->first, cal.Zone()) + " .. " + IsoInstant(window->second, cal.Zone());
    line += "\n  business date: " + FormatIsoDate(BusinessDateOf(cal, t));
    if (info.loc.line > 0) line += "\n  defined at: " + info.loc.Str();
    std::fputs((line + "\n").c_str(), stdout);
    return open ? 0 : 1;
  }
  Day d = ParseDateArg(date.empty() ? "today" : date, cal);
  DayInfo info = cal.Classify(d);
  if (Json(o)) {
    WriteEvent(DayEvent(cal, d, info));
    return info.open ? 0 : 1;
  }
  std::string line = FormatIsoDate(d) + " (" + WeekdayName(WeekdayOf(d)) + ") " + (info.open ? "open" : "closed") +
                     ": " + info.reason;
  if (info.reason_en != info.reason) line += "\n  " + info.reason_en;
  if (info.predicted) line += "\n  predicted: the official date is published in February of the previous year";
  if (info.open) {
    std::string hours;
    for (const TimeRange& w : cal.WindowsOf(d)) hours += (hours.empty() ? "" : ", ") + FormatTimeRange(w);
    line += "\n  hours: " + hours + " (" + (cal.Zone() ? cal.Zone()->name() : "UTC") + ")";
  }
  if (info.loc.line > 0) line += "\n  defined at: " + info.loc.Str();
  std::fputs((line + "\n").c_str(), stdout);
  return info.open ? 0 : 1;
}

int CmdHolidays(const HcalOptions& o, const std::string& set, const PeriodOptions& p) {
  if (std::find(kHolidaySets.begin(), kHolidaySets.end(), set) == kHolidaySets.end())
    throw UsageError("unknown holiday set '" + set + "'" + DidYouMean(set, kHolidaySets));
  Settings settings = LoadSettings();
  Registry reg(LoadOptionsFrom(settings));
  // Preset calendars: the national table plus the year-end closure of the preset, in Japan's zone.
  Calendar preset;
  preset.name = set;
  preset.holiday_sets = {set};
  preset.weekdays.fill(true);
  preset.jp = &reg.Jp();
  preset.zone = FindZone("Asia/Tokyo");
  PeriodOptions q = p;
  if (q.from.empty() && q.to.empty() && q.year.empty() && q.month.empty())
    q.year = std::to_string(ToYmd(BusinessDateOf(preset, Now())).y);
  auto [from, to] = ResolvePeriod(q, &preset, true);
  preset.CheckRange(from);
  preset.CheckRange(to);
  for (Day d = from; d <= to; d += date::days{1}) {
    DayInfo info = preset.Classify(d);
    if (info.open) continue;
    const jp::Holiday* h = reg.Jp().Find(d);
    if (Json(o)) {
      Event e;
      e.tool = kTool;
      e.kind = "calendar.holiday";
      e.key = std::string(kTool) + "/" + set + "/" + FormatIsoDate(d);
      e.status = "closed";
      e.severity = "info";
      e.summary = FormatIsoDate(d) + " " + info.reason;
      e.data = nlohmann::ordered_json::object();
      e.data["date"] = FormatIsoDate(d);
      e.data["weekday"] = WeekdayName(WeekdayOf(d));
      e.data["name"] = h ? h->name : info.reason;
      e.data["name_en"] = h ? h->name_en : info.reason_en;
      e.data["kind"] = !h ? "closure"
                       : h->kind == jp::HolidayKind::kSubstitute ? "substitute"
                       : h->kind == jp::HolidayKind::kCitizens   ? "citizens"
                                                                 : "national";
      if (h && h->substitute_for) e.data["substitute_for"] = FormatIsoDate(*h->substitute_for);
      e.data["predicted"] = info.predicted;
      WriteEvent(e);
    } else {
      std::string line = FormatIsoDate(d) + "\t" + (h ? h->name : info.reason) + "\t" + (h ? h->name_en : info.reason_en);
      if (info.predicted) line += "\tpredicted";
      std::fputs((line + "\n").c_str(), stdout);
    }
  }
  return 0;
}

int CmdShift(const HcalOptions& o, const std::string& name, const std::string& date, int dir) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  Day d = ParseDateArg(date, cal);
  auto r = ShiftToBusinessDay(cal, d, dir);
  if (!r) {
    std::fprintf(stderr, "%s: no business day of '%s' %s %s within the supported range\n", kTool, cal.name.c_str(),
                 dir > 0 ? "on or after" : "on or before", FormatIsoDate(d).c_str());
    return 1;
  }
  DayInfo info = cal.Classify(*r);
  if (Json(o)) {
    Event e = DayEvent(cal, *r, info);
    e.data["shifted_from"] = FormatIsoDate(d);
    WriteEvent(e);
  } else {
    PrintDayLine(*r, *r == d ? "" : "shifted from " + FormatIsoDate(d));
  }
  return 0;
}

int CmdHours(const HcalOptions& o, const std::string& name, const PeriodOptions& p) {
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  auto [from, to] = ResolvePeriod(p, &cal, true);
  Instant start = LocalToInstant(cal.Zone(), from, 0);
  Instant end = LocalToInstant(cal.Zone(), to + date::days{1}, 0);
  auto open = OpenTimeBetween(cal, start, end);
  double open_h = open.count() / 3600.0, total_h = (end - start).count() / 3600.0;
  double fraction = total_h > 0 ? open_h / total_h : 0;
  int business_days = 0;
  for (Day d = from; d <= to; d += date::days{1}) business_days += cal.IsBusinessDay(d);
  char buf[512];
  if (Json(o)) {
    Event e;
    e.tool = kTool;
    e.kind = "calendar.hours";
    e.key = std::string(kTool) + "/" + cal.name + "/" + FormatIsoDate(from) + ".." + FormatIsoDate(to);
    e.status = "ok";
    e.severity = "info";
    std::snprintf(buf, sizeof buf, "%s open %.2f of %.2f hours (%.4f) from %s to %s", cal.name.c_str(), open_h,
                  total_h, fraction, FormatIsoDate(from).c_str(), FormatIsoDate(to).c_str());
    e.summary = buf;
    e.calendar = cal.name;
    e.data = nlohmann::ordered_json::object();
    e.data["from"] = FormatIsoDate(from);
    e.data["to"] = FormatIsoDate(to);
    e.data["timezone"] = cal.Zone() ? cal.Zone()->name() : "UTC";
    e.data["business_days"] = business_days;
    e.data["open_hours"] = std::round(open_h * 1e4) / 1e4;
    e.data["total_hours"] = std::round(total_h * 1e4) / 1e4;
    e.data["fraction"] = std::round(fraction * 1e6) / 1e6;
    WriteEvent(e);
    return 0;
  }
  std::snprintf(buf, sizeof buf,
                "calendar\t%s\nfrom\t%s\nto\t%s\ntimezone\t%s\nbusiness_days\t%d\nopen_hours\t%.2f\n"
                "total_hours\t%.2f\nfraction\t%.4f\n",
                cal.name.c_str(), FormatIsoDate(from).c_str(), FormatIsoDate(to).c_str(),
                cal.Zone() ? cal.Zone()->name().c_str() : "UTC", business_days, open_h, total_h, fraction);
  std::fputs(buf, stdout);
  return 0;
}

int CmdGate(const HcalOptions& o, const std::string& name, const std::string& at, int closed_exit,
            const std::vector<std::string>& command) {
  if (command.empty()) throw UsageError("gate needs a command after '--'");
  auto reg = LoadRegistry(o);
  const Calendar& cal = reg->Find(name);
  Instant t = at.empty() ? Now() : ParseInstant(at, cal.Zone());
  PrintJudged(o, cal, t, at.empty());
  DayInfo info;
  if (!IsOpenAt(cal, t, &info)) {
    WarnInheritedHours(o, cal, t, info);
    if (o.verbose)
      std::fprintf(stderr, "%s: '%s' is closed (%s); not running %s\n", kTool, cal.name.c_str(), info.reason.c_str(),
                   command[0].c_str());
    return closed_exit;
  }
  std::fflush(stdout);
  std::string reason;
  const int status = ExecReplace(command, &reason);  // returns only when the exec failed
  std::fprintf(stderr, "%s: cannot run '%s': %s\n", kTool, command[0].c_str(), reason.c_str());
  return status;
}

int CmdValidate(const HcalOptions& o, const std::vector<std::string>& files, const PeriodOptions& p) {
  auto [from, to] = ResolvePeriod(p, nullptr, false);
  if (from == Day{} && to == Day{}) {  // this year and the next
    const int year = ToYmd(date::floor<date::days>(Now())).y;
    from = *MakeDay(year, 1, 1);
    to = *MakeDay(year + 1, 12, 31);
  }
  Settings settings = LoadSettings();
  std::vector<std::string> paths = CalendarPaths(settings, files.empty() ? o.files : files);
  if (paths.empty()) throw UsageError("nothing to validate: give FILE arguments or set [calendar] path");
  auto registry = OpenRegistry(settings, paths);
  const Registry& reg = *registry;
  for (const auto& e : reg.errors()) std::fprintf(stderr, "%s\n", e.what());
  if (!reg.errors().empty()) {
    std::fprintf(stderr, "%s: %zu error%s\n", kTool, reg.errors().size(), reg.errors().size() == 1 ? "" : "s");
    return 2;
  }
  if (reg.All().empty() && !reg.EmptyDirs().empty()) throw UsageError(reg.NothingLoaded());
  // Read every calendar's time zone, and say which one it uses when it names none.
  size_t errors = 0;
  for (const Calendar* c : reg.All()) {
    try {
      if (c->Zone()) c->Zone()->OffsetAt(Now());
    } catch (const RuntimeError& e) {
      std::fprintf(stderr, "%s: calendar '%s': %s\n", c->loc.Str().c_str(), c->name.c_str(), e.what());
      ++errors;
      continue;
    }
    const ZoneOrigin origin = c->EffectiveZoneOrigin();
    if (o.quiet || origin == ZoneOrigin::kWritten) continue;
    const std::string zone = c->Zone() ? c->Zone()->name() : "UTC";
    std::string why = zone + (c->zone_origin == ZoneOrigin::kBase        ? ", from its base '" + c->base->name + "'"
                              : origin == ZoneOrigin::kSettings          ? ", the settings' 'timezone'"
                              : origin == ZoneOrigin::kHolidays          ? ", as it uses Japanese holidays"
                                                                         : ", this host's zone: answers depend on the "
                                                                           "host (write 'timezone')");
    const bool host = origin == ZoneOrigin::kHost && c->zone_origin != ZoneOrigin::kBase;
    std::fprintf(stderr, "%s: %s: calendar '%s' names no timezone; it uses %s\n", c->loc.Str().c_str(),
                 host ? "warning" : "note", c->name.c_str(), why.c_str());
  }
  if (errors) {
    std::fprintf(stderr, "%s: %zu error%s\n", kTool, errors, errors == 1 ? "" : "s");
    return 2;
  }
  // Evaluate every calendar over the period, so that rules are exercised, not only parsed: a
  // business day must have business hours, and once-a-month rules should run once a month.
  for (const Calendar* c : reg.All()) {
    auto [lo, hi] = c->SupportedRange();
    const Day first = std::max(from, lo), last = std::min(to, hi);
    for (Day d = first; d <= last; d += date::days{1}) {
      if (!c->Classify(d).open || !c->HasHours() || !c->WindowsOf(d).empty()) continue;
      const Calendar* owner = c->HoursOwner();
      std::fprintf(stderr,
                   "%s: calendar '%s': business day %s (%s) has no business hours: the 'hours' of '%s' list none "
                   "for %s (list %s there, or give the day hours with 'special_hours')\n",
                   c->loc.Str().c_str(), c->name.c_str(), FormatIsoDate(d).c_str(), WeekdayName(WeekdayOf(d)),
                   owner ? owner->name.c_str() : c->name.c_str(), WeekdayName(WeekdayOf(d)),
                   WeekdayName(WeekdayOf(d)));
      ++errors;
      break;
    }
    if (o.quiet || first > last) continue;
    for (const RunWarning& w : RunCountWarnings(*c, first, last))
      std::fprintf(stderr, "%s: warning: %s\n", w.loc.Str().c_str(), w.text.c_str());
  }
  if (errors) {
    std::fprintf(stderr, "%s: %zu error%s\n", kTool, errors, errors == 1 ? "" : "s");
    return 2;
  }
  std::fprintf(stdout, "%zu calendar%s ok\n", reg.All().size(), reg.All().size() == 1 ? "" : "s");
  return 0;
}

int CmdCalendars(const HcalOptions& o, bool names_only) {
  auto reg = LoadRegistry(o);
  for (const Calendar* c : reg->All()) {
    if (names_only) {
      std::fputs((c->name + "\n").c_str(), stdout);
      continue;
    }
    if (Json(o)) {
      Event e;
      e.tool = kTool;
      e.kind = "calendar.definition";
      e.key = std::string(kTool) + "/" + c->name;
      e.status = "ok";
      e.severity = "info";
      e.summary = c->name + (c->description.empty() ? "" : ": " + c->description);
      e.calendar = c->name;
      e.data = nlohmann::ordered_json::object();
      e.data["defined_at"] = c->loc.Str();
      e.data["timezone"] = c->Zone() ? c->Zone()->name() : "UTC";
      if (c->base) e.data["base"] = c->base->name;
      e.data["rules"] = c->rules.size();
      WriteEvent(e);
      continue;
    }
    std::string line = c->name + "\t" + c->loc.Str() + "\t" + c->description + "\n";
    std::fputs(line.c_str(), stdout);
  }
  return 0;
}

int CmdSchema(const std::string& which) {
  if (which == "calendars" || which.empty()) std::fputs(CalendarSchema(), stdout);
  else if (which == "jp-holidays") std::fputs(JpOverridesSchema(), stdout);
  else throw UsageError("unknown schema '" + which + "': expected calendars or jp-holidays");
  return 0;
}

}  // namespace hops::cal
