#include "common/calendar_load.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <set>

#include "common/spell.hpp"
#include "common/text.hpp"

namespace hops::cal {

const std::vector<std::string> kFileKeys = {"version", "calendars"};
const std::vector<std::string> kCalendarKeys = {
    "description", "timezone",  "base",        "weekdays",  "holidays", "closed",
    "open",        "hours",     "special_hours", "day_start", "valid",  "rules",
    "shift",       "max_shift", "within",      "month_start", "base_month"};
const std::vector<std::string> kRuleSelectors = {"day",     "relative_day",     "business_day",    "closed_day",
                                                 "weekday", "relative_weekday", "nearest_weekday", "gotobi",
                                                 "every"};
const std::vector<std::string> kRuleKeys = {"day",          "relative_day",     "business_day", "closed_day",
                                            "weekday",      "relative_weekday", "nearest_weekday", "gotobi",
                                            "every",        "from",             "months",       "shift",
                                            "max_shift",    "within",           "offset",       "name"};
const std::vector<std::string> kEntryKeys = {"date", "name"};
const std::vector<std::string> kOpenEntryKeys = {"date", "name", "hours"};
const std::vector<std::string> kSpecialHoursKeys = {"date", "hours", "name"};
const std::vector<std::string> kValidKeys = {"from", "to"};
const std::vector<std::string> kHolidaySets = {"jp", "jp-gov", "jp-bank"};

namespace {

const char* const kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};

// Items of a node that may be a scalar or a list of scalars.
std::vector<YAML::Node> Items(const YAML::Node& n) {
  std::vector<YAML::Node> out;
  if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(item);
  } else {
    out.push_back(n);
  }
  return out;
}

// Collects definition errors so that loading goes on after one: a run reports every error.
class Collector {
 public:
  explicit Collector(std::vector<DefinitionError>* out) : out_(out) {}
  /// Records an error without stopping.
  void Add(DefinitionError e) { out_->push_back(std::move(e)); }
  /// Runs one part of a definition that stands on its own; records the DefinitionError it throws.
  /// True when it threw none.
  template <class F>
  bool Try(F&& part) {
    try {
      part();
      return true;
    } catch (const DefinitionError& e) {
      Add(e);
      return false;
    }
  }
  /// How many errors were recorded so far.
  size_t count() const { return out_->size(); }
  /// Where they go (for MapReader).
  std::vector<DefinitionError>* list() const { return out_; }

 private:
  std::vector<DefinitionError>* out_;
};

// "mon-fri", "sat", "mon,wed,fri", or a list of those.
std::array<bool, 7> ParseWeekdaySet(const YamlDoc& doc, const YAML::Node& n, const std::string& what,
                                    Collector& errs) {
  std::array<bool, 7> set{};
  for (const YAML::Node& item : Items(n)) {
    errs.Try([&] {
      std::string text = ScalarText(doc, item, what);
      size_t pos = 0;
      while (pos <= text.size()) {
        size_t comma = text.find(',', pos);
        std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        part.erase(0, part.find_first_not_of(' '));
        part.erase(part.find_last_not_of(' ') + 1);
        size_t dash = part.find('-');
        auto a = ParseWeekdayName(part.substr(0, dash));
        auto b = dash == std::string::npos ? a : ParseWeekdayName(part.substr(dash + 1));
        if (!a || !b) {
          errs.Add(doc.ErrorAt(item, "malformed weekday '" + part + "' in " + what +
                                         ": expected names like mon, tue-fri or sat,sun"));
        } else {
          for (unsigned d = *a;; d = (d + 1) % 7) {
            set[d] = true;
            if (d == *b) break;
          }
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    });
  }
  return set;
}

std::vector<TimeRange> ParseHoursList(const YamlDoc& doc, const YAML::Node& n, const std::string& what,
                                      Collector& errs) {
  std::vector<TimeRange> out;
  if (n.IsSequence() && n.size() == 0) {
    errs.Add(doc.ErrorAt(n, what + " must list at least one time range"));
    return out;
  }
  const size_t before = errs.count();
  for (const YAML::Node& item : Items(n)) {
    errs.Try([&] {
      std::string err;
      auto r = ParseTimeRange(ScalarText(doc, item, what), &err);
      if (!r) doc.Fail(item, err);
      out.push_back(*r);
    });
  }
  if (errs.count() != before) return out;
  std::sort(out.begin(), out.end(), [](const TimeRange& a, const TimeRange& b) { return a.start < b.start; });
  for (size_t i = 1; i < out.size(); ++i)
    if (out[i].start < out[i - 1].end)
      errs.Add(doc.ErrorAt(n, what + ": time ranges " + FormatTimeRange(out[i - 1]) + " and " +
                                  FormatTimeRange(out[i]) + " overlap"));
  return out;
}

DateSpec ParseSpecNode(const YamlDoc& doc, const YAML::Node& n, const std::string& what) {
  std::string err;
  auto spec = ParseDateSpec(ScalarText(doc, n, what), &err);
  if (!spec) doc.Fail(n, err);
  return *spec;
}

Day ParseDayNode(const YamlDoc& doc, const YAML::Node& n, const std::string& what) {
  std::string s = ScalarText(doc, n, what);
  std::string why;
  auto d = ParseIsoDate(s, &why);
  if (!d) doc.Fail(n, what + " must be a date YYYY-MM-DD, got '" + s + "'" + (why.empty() ? "" : ": " + why));
  return *d;
}

// The entries of 'closed' or 'open' (whose entries may give their own hours).
std::vector<DatedEntry> ParseEntries(const YamlDoc& doc, const YAML::Node& n, const std::string& what,
                                     Collector& errs) {
  const bool open = what == "open";
  std::vector<DatedEntry> out;
  if (!n.IsSequence()) doc.Fail(n, "'" + what + "' must be a list of dates, got " + NodeTypeName(n));
  for (const YAML::Node& item : n) {
    errs.Try([&] {
      DatedEntry e;
      e.loc = doc.Loc(item);
      YAML::Node date_node;  // never assign Nodes: yaml-cpp assignment rewrites the aliased node
      date_node.reset(item);
      if (item.IsMap()) {
        MapReader m(doc, item, "an entry of '" + what + "'", open ? kOpenEntryKeys : kEntryKeys, errs.list());
        errs.Try([&] { e.name = m.String("name").value_or(""); });
        if (open && m.Has("hours")) e.hours = ParseHoursList(doc, m.Get("hours"), "'hours' of an 'open' entry", errs);
        date_node.reset(m.Require("date"));
      }
      e.text = ScalarText(doc, date_node, "an entry of '" + what + "'");
      e.spec = ParseSpecNode(doc, date_node, "an entry of '" + what + "'");
      out.push_back(std::move(e));
    });
  }
  return out;
}

std::vector<DatedEntry> ParseSpecialHours(const YamlDoc& doc, const YAML::Node& n, Collector& errs) {
  std::vector<DatedEntry> out;
  if (n.IsMap()) {
    for (auto it = n.begin(); it != n.end(); ++it) {
      errs.Try([&] {
        DatedEntry e;
        e.loc = doc.Loc(it->first);
        e.text = ScalarText(doc, it->first, "a 'special_hours' date");
        errs.Try([&] { e.spec = ParseSpecNode(doc, it->first, "a 'special_hours' date"); });
        e.hours = ParseHoursList(doc, it->second, "'special_hours' of " + e.text, errs);
        out.push_back(std::move(e));
      });
    }
  } else if (n.IsSequence()) {
    for (const YAML::Node& item : n) {
      errs.Try([&] {
        MapReader m(doc, item, "an entry of 'special_hours'", kSpecialHoursKeys, errs.list());
        DatedEntry e;
        e.loc = doc.Loc(item);
        errs.Try([&] { e.name = m.String("name").value_or(""); });
        errs.Try([&] { e.hours = ParseHoursList(doc, m.Require("hours"), "'hours'", errs); });
        YAML::Node date_node = m.Require("date");
        e.text = ScalarText(doc, date_node, "'date'");
        e.spec = ParseSpecNode(doc, date_node, "'date'");
        out.push_back(std::move(e));
      });
    }
  } else {
    doc.Fail(n, "'special_hours' must be a mapping of date to hours or a list, got " +
                    std::string(NodeTypeName(n)));
  }
  return out;
}

int ParseClockNode(const YamlDoc& doc, const YAML::Node& n, const std::string& what) {
  std::string s = ScalarText(doc, n, what);
  std::string err;
  auto r = ParseTimeRange(s + "-" + (s == "00:00" ? "24:00" : "00:00"), &err);
  if (!r || r->start >= 24 * 60) doc.Fail(n, what + " must be a time of day HH:MM (00:00..23:59), got '" + s + "'");
  return r->start;
}

Shift ParseShiftNode(const YamlDoc& doc, const YAML::Node& n) {
  std::string s = ScalarText(doc, n, "'shift'");
  if (s == "before") return Shift::kBefore;
  if (s == "after") return Shift::kAfter;
  if (s == "skip") return Shift::kSkip;
  if (s == "keep") return Shift::kKeep;
  doc.Fail(n, "'shift' must be one of before, after, skip, keep, got '" + s + "'" +
                  DidYouMean(s, {"before", "after", "skip", "keep"}));
}

// "tue#2" -> (2, 2), "fri#last" -> (5, -1), "mon" -> (1, 0) when @p every is allowed; occurrences
// up to @p max_occ.
std::optional<std::pair<unsigned, int>> ParseWeekdayOccurrence(const std::string& text, bool every, int max_occ) {
  const std::string s = Lower(text);
  size_t hash = s.find('#');
  auto wd = ParseWeekdayName(s.substr(0, hash));
  if (!wd) return std::nullopt;
  if (hash == std::string::npos) return every ? std::make_optional(std::make_pair(*wd, 0)) : std::nullopt;
  std::string o = s.substr(hash + 1);
  if (o == "last") return std::make_pair(*wd, -1);
  auto k = ParseLong(o);
  if (k && *k >= 1 && *k <= max_occ) return std::make_pair(*wd, int(*k));
  return std::nullopt;
}

// "last" -> 0, "last-3" -> -3, "25" -> 25 (days), with bounds checks.
int ParseDayNumber(const YamlDoc& doc, const YAML::Node& n, const std::string& what, bool business) {
  std::string s = Lower(ScalarText(doc, n, what));
  if (s == "last") return business ? -1 : 0;
  if (s.rfind("last-", 0) == 0) {
    auto k = ParseLong(s.substr(5));
    if (k && *k >= 0 && *k <= 30) return business ? int(-*k - 1) : int(-*k);
  } else if (auto v = ParseLong(s)) {
    if (*v >= 1 && *v <= 31) return int(*v);
    if (business && *v <= -1 && *v >= -31) return int(*v);
  }
  doc.Fail(n, what + " must be " + (business ? "1..31, -1..-31, " : "1..31, ") +
                  "'last' or 'last-N', got '" + s + "'");
}

std::string NodeText(const YAML::Node& n) {
  if (n.IsScalar()) return n.Scalar();
  std::string s;
  for (const auto& i : n) s += (s.empty() ? "" : ",") + (i.IsScalar() ? i.Scalar() : std::string("?"));
  return s;
}

// 'within': "month" keeps shifts inside the rule month, "none" does not.
bool ParseWithinNode(const YamlDoc& doc, const YAML::Node& n) {
  std::string s = ScalarText(doc, n, "'within'");
  if (s == "month") return true;
  if (s == "none") return false;
  doc.Fail(n, "'within' must be month or none, got '" + s + "'" + DidYouMean(s, {"month", "none"}));
}

// The defaults a calendar gives its rules.
struct RuleDefaults {
  std::optional<Shift> shift;  ///< written at the calendar level
  int max_shift = 10;
  bool within_month = false;
};

Rule ParseRule(const YamlDoc& doc, const YAML::Node& n, size_t index, const Calendar& cal,
               const RuleDefaults& defaults, Collector& errs) {
  const std::string what = "rule " + std::to_string(index + 1) + " of calendar '" + cal.name + "'";
  MapReader m(doc, n, what, kRuleKeys, errs.list());
  Rule r;
  r.loc = doc.Loc(n);
  r.shift = defaults.shift.value_or(Shift::kSkip);
  r.max_shift = defaults.max_shift;
  r.within_month = defaults.within_month;
  r.months.fill(true);
  r.months[0] = false;
  std::string selector;
  for (const auto& s : kRuleSelectors) {
    if (!m.Has(s)) continue;
    if (!selector.empty()) {
      errs.Add(doc.ErrorAt(m.Get(s), what + " has two selectors ('" + selector + "' and '" + s +
                                         "'); use one rule for each"));
      continue;
    }
    selector = s;
  }
  if (selector.empty()) {
    std::string list;
    for (const auto& s : kRuleSelectors) list += (list.empty() ? "" : ", ") + s;
    errs.Add(doc.ErrorAt(n, what + " needs one selector: " + list));
  }
  YAML::Node v = selector.empty() ? YAML::Node() : m.Get(selector);
  std::string desc = selector.empty() ? "" : selector + " " + NodeText(v);
  auto each = [&](const std::function<void(const YAML::Node&)>& f) {
    for (const YAML::Node& i : Items(v)) errs.Try([&] { f(i); });
  };
  if (selector == "day" || selector == "relative_day" || selector == "nearest_weekday") {
    r.kind = selector == "day"            ? Rule::Kind::kDay
             : selector == "relative_day" ? Rule::Kind::kRelativeDay
                                          : Rule::Kind::kNearestWeekday;
    each([&](const YAML::Node& i) { r.numbers.push_back(ParseDayNumber(doc, i, "'" + selector + "'", false)); });
  } else if (selector == "business_day" || selector == "closed_day") {
    r.kind = selector == "business_day" ? Rule::Kind::kBusinessDay : Rule::Kind::kClosedDay;
    each([&](const YAML::Node& i) { r.numbers.push_back(ParseDayNumber(doc, i, "'" + selector + "'", true)); });
  } else if (selector == "weekday" || selector == "relative_weekday") {
    r.kind = selector == "weekday" ? Rule::Kind::kWeekday : Rule::Kind::kRelativeWeekday;
    each([&](const YAML::Node& i) {
      std::string s = ScalarText(doc, i, "'" + selector + "'");
      auto wd = ParseWeekdayOccurrence(s, true, 5);
      if (!wd) doc.Fail(i, "'" + selector + "' must be like tue#2, fri#last or mon, got '" + Lower(s) + "'");
      r.weekdays.push_back(*wd);
    });
  } else if (selector == "gotobi") {
    r.kind = Rule::Kind::kGotobi;
    errs.Try([&] {
      const std::string s = Lower(ScalarText(doc, v, "'gotobi'"));
      if (s == "true" || s == "last") r.gotobi = Gotobi::kLastDay;
      else if (s == "30") r.gotobi = Gotobi::kThirtieth;
      else if (s == "both") r.gotobi = Gotobi::kBoth;
      else if (s == "false") doc.Fail(v, "'gotobi' cannot be false; remove the rule instead");
      else doc.Fail(v, "'gotobi' must be true (or last), 30 or both, got '" + s + "'");
    });
    desc = r.gotobi == Gotobi::kLastDay     ? "gotobi (5, 10, 15, 20, 25 and month end)"
           : r.gotobi == Gotobi::kThirtieth ? "gotobi (5, 10, 15, 20, 25 and 30, or February's last day)"
                                            : "gotobi (5, 10, 15, 20, 25, 30 and 31, or February's last day)";
  } else if (selector == "every") {
    r.kind = Rule::Kind::kEvery;
    errs.Try([&] {
      std::string s = Lower(ScalarText(doc, v, "'every'"));
      long mult = 1;
      std::string num = s;
      if (!s.empty() && (s.back() == 'd' || s.back() == 'w')) {
        mult = s.back() == 'w' ? 7 : 1;
        num = s.substr(0, s.size() - 1);
      }
      auto k = ParseLong(num);
      if (!k || *k < 1 || *k * mult > 3660)
        doc.Fail(v, "'every' must be a number of days (14, 14d) or weeks (2w) between 1 day and 3660 days, got '" +
                        s + "'");
      r.every_days = int(*k * mult);
    });
    errs.Try([&] {
      if (!m.Has("from")) doc.Fail(n, what + ": 'every' needs 'from', the anchor date");
      r.anchor = ParseDayNode(doc, m.Get("from"), "'from'");
    });
    desc = "every " + std::to_string(r.every_days) + " days from " + FormatIsoDate(r.anchor);
  }
  if (m.Has("from") && selector != "every")
    errs.Add(doc.ErrorAt(m.Get("from"), "'from' is only used with 'every'"));
  if (m.Has("months")) {
    r.months.fill(false);
    for (const YAML::Node& i : Items(m.Get("months"))) {
      errs.Try([&] {
        std::string s = Lower(ScalarText(doc, i, "'months'"));
        int month = 0;
        if (auto k = ParseLong(s); k && *k >= 1 && *k <= 12) month = int(*k);
        for (int j = 0; j < 12 && !month; ++j)
          if (s == kMonthNames[j]) month = j + 1;
        if (!month) doc.Fail(i, "'months' must list months 1..12 or jan..dec, got '" + s + "'");
        r.months[month] = true;
      });
    }
    desc += " in months " + NodeText(m.Get("months"));
  }
  // A closed_day rule selects days that are closed by definition: shifting them away would
  // empty the rule, so unless told otherwise it keeps them.
  if (r.kind == Rule::Kind::kClosedDay) r.shift = Shift::kKeep;
  if (m.Has("shift")) errs.Try([&] { r.shift = ParseShiftNode(doc, m.Get("shift")); });
  errs.Try([&] {
    if (auto ms = m.Int("max_shift", 0, 31)) r.max_shift = int(*ms);
  });
  if (m.Has("within")) errs.Try([&] { r.within_month = ParseWithinNode(doc, m.Get("within")); });
  errs.Try([&] {
    if (auto off = m.Int("offset", -31, 31)) r.offset = int(*off);
  });
  // JP1 起算 and Hinemos "x days after" count from the selected day even when it is closed: with
  // an offset and no shift written, the selected day is kept as the anchor.
  if (r.offset != 0 && !m.Has("shift") && !defaults.shift && r.kind != Rule::Kind::kClosedDay) r.shift = Shift::kKeep;
  if (r.shift != Shift::kSkip) desc += std::string(", shift ") + ShiftName(r.shift);
  if (r.within_month && (r.shift == Shift::kBefore || r.shift == Shift::kAfter)) desc += ", within month";
  if (r.offset) desc += ", offset " + std::to_string(r.offset);
  r.text = desc;
  errs.Try([&] { r.text = m.String("name").value_or(desc); });
  return r;
}

// Whether @p cal's own 'hours' is the per-weekday mapping form.
bool HasHoursMapping(const Calendar& cal) {
  if (!cal.has_hours || !cal.hours.empty()) return false;
  return std::any_of(cal.weekday_hours.begin(), cal.weekday_hours.end(), [](const auto& h) { return h.has_value(); });
}

// The weekdays on which open entry @p e opens a day that @p cal (with an hours mapping) gives no
// hours: the entry gives none of its own, no special_hours entry of @p cal covers the day, and
// the mapping leaves its weekday out.
std::array<bool, 7> WeekdaysWithoutHours(const Calendar& cal, const DatedEntry& e) {
  std::array<bool, 7> missing{};
  if (!e.hours.empty()) return missing;
  auto check = [&](Day d, unsigned md) {
    for (const DatedEntry& sh : cal.special_hours)
      if (sh.spec.Contains(d, md)) return;
    if (!cal.weekday_hours[WeekdayOf(d)]) missing[WeekdayOf(d)] = true;
  };
  auto month_day = [](Day d) {
    Ymd v = ToYmd(d);
    return v.m * 100 + v.d;
  };
  if (!e.spec.recurring) {
    int n = 0;  // a range longer than ten years has shown every weekday long before its end
    for (Day d = e.spec.from; d <= e.spec.to && n < 3660; d += date::days{1}, ++n) check(d, month_day(d));
    return missing;
  }
  // A yearly date falls on every weekday over the years: 28 years are a whole cycle of weekdays
  // and leap years.
  for (Day d = *MakeDay(2001, 1, 1); d <= *MakeDay(2028, 12, 31); d += date::days{1}) {
    const unsigned md = month_day(d);
    if (e.spec.Contains(d, md)) check(d, md);
  }
  return missing;
}

// "sat, sun" for the days set in @p days; "" when none is.
std::string WeekdayList(const std::array<bool, 7>& days) {
  std::string out;
  for (unsigned d = 0; d < 7; ++d)
    if (days[d]) out += (out.empty() ? "" : ", ") + std::string(WeekdayName(d));
  return out;
}

}  // namespace

LoadOptions LoadOptionsFrom(const Settings& settings) {
  LoadOptions lo;
  lo.default_timezone = settings.timezone;
  lo.jp_holidays_file = settings.jp_holidays_file;
  return lo;
}

std::vector<std::string> CalendarPaths(const Settings& settings, const std::vector<std::string>& files) {
  if (!files.empty()) return files;
  std::vector<std::string> paths;
  for (const auto& p : settings.calendar_path) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0) paths.push_back(p);
  }
  return paths;
}

std::unique_ptr<Registry> OpenRegistry(const Settings& settings, const std::vector<std::string>& paths) {
  auto reg = std::make_unique<Registry>(LoadOptionsFrom(settings));
  for (const auto& p : paths) reg->AddPath(p);
  reg->Resolve();
  return reg;
}

Registry::Registry(LoadOptions options) : options_(std::move(options)) {
  jp::Overrides overrides;
  if (!options_.jp_holidays_file.empty()) {
    std::ifstream in(options_.jp_holidays_file, std::ios::binary);
    if (!in)
      throw DefinitionError({options_.jp_holidays_file, 0, 0}, "cannot read the Japanese holiday override file");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    overrides = jp::ParseOverrides(text, options_.jp_holidays_file);
  }
  jp_ = std::make_unique<jp::HolidayCalendar>(std::move(overrides));
}

Registry::~Registry() = default;

void Registry::AddPath(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::vector<std::string> files;
    if (DIR* dir = ::opendir(path.c_str())) {
      while (dirent* e = ::readdir(dir)) {
        std::string n = e->d_name;
        auto ends = [&](const std::string& suf) {
          return n.size() > suf.size() && n.compare(n.size() - suf.size(), suf.size(), suf) == 0;
        };
        if (n[0] != '.' && (ends(".yaml") || ends(".yml"))) files.push_back(path + "/" + n);
      }
      ::closedir(dir);
    }
    std::sort(files.begin(), files.end());
    if (files.empty()) empty_dirs_.push_back(path);
    for (const auto& f : files) AddPath(f);
    return;
  }
  try {
    AddDocument(YamlDoc::FromFile(path));
  } catch (const DefinitionError& e) {
    errors_.push_back(e);
  }
}

void Registry::AddDocument(const YamlDoc& doc) {
  const size_t first_error = errors_.size();
  try {
    const YAML::Node& root = doc.root();
    if (!root || root.IsNull()) doc.Fail(root, "the file is empty: expected a 'calendars' mapping");
    MapReader top(doc, root, "the calendar file", kFileKeys, &errors_);
    Collector(&errors_).Try([&] { top.Int("version", 1, 1); });  // only version 1 exists
    YAML::Node cals = top.Require("calendars");
    if (!cals.IsMap()) doc.Fail(cals, "'calendars' must be a mapping of name to calendar, got " + std::string(NodeTypeName(cals)));
    for (auto it = cals.begin(); it != cals.end(); ++it) {
      try {
        LoadCalendar(doc, it->first, it->second);
      } catch (const DefinitionError& e) {
        errors_.push_back(e);
      } catch (const YAML::Exception& e) {
        errors_.push_back(doc.ErrorAt(it->first, "cannot read calendar: " + e.msg));
      }
    }
  } catch (const DefinitionError& e) {
    errors_.push_back(e);
  }
  // In the order of the file, whatever order the checks ran in.
  std::stable_sort(errors_.begin() + long(first_error), errors_.end(),
                   [](const DefinitionError& a, const DefinitionError& b) {
                     return std::make_pair(a.loc().line, a.loc().column) < std::make_pair(b.loc().line, b.loc().column);
                   });
}

// A calendar with errors is still added (so that the calendars naming it as their base do not
// also report it as undefined): a registry with errors answers no question.
void Registry::LoadCalendar(const YamlDoc& doc, const YAML::Node& key, const YAML::Node& value) {
  Collector errs(&errors_);
  auto cal = std::make_unique<Calendar>();
  cal->name = ScalarText(doc, key, "a calendar name");
  cal->file = doc.filename();
  cal->loc = doc.Loc(key);
  cal->jp = jp_.get();
  const std::string& name = cal->name;
  if (name.empty() || name.find(':') != std::string::npos || name.find('/') != std::string::npos)
    errs.Add(doc.ErrorAt(key, "calendar name '" + name + "' must be non-empty and contain no ':' or '/'"));
  bool twice = false;
  for (const auto& other : calendars_) {
    if (other->name == name && other->file == cal->file && !twice) {
      errs.Add(doc.ErrorAt(key, "calendar '" + name + "' is defined twice (first at " + other->loc.Str() + ")"));
      twice = true;
    }
  }
  errs.Try([&] { LoadCalendarBody(doc, value, cal.get()); });
  if (!twice) calendars_.push_back(std::move(cal));
}

void Registry::LoadCalendarBody(const YamlDoc& doc, const YAML::Node& value, Calendar* cal) {
  Collector errs(&errors_);
  const std::string what = "calendar '" + cal->name + "'";
  MapReader m(doc, value, what, kCalendarKeys, errs.list());
  errs.Try([&] { cal->description = m.String("description").value_or(""); });
  errs.Try([&] {
    auto tz = m.String("timezone");
    if (!tz) return;
    cal->timezone_name = *tz;
    cal->zone = FindZone(*tz);
    if (!cal->zone)
      doc.Fail(m.Get("timezone"), "unknown timezone '" + *tz + "'" + DidYouMean(*tz, AllZoneNames()) +
                                      " (expected an IANA name such as Asia/Tokyo)");
  });
  errs.Try([&] {
    if (auto b = m.String("base")) {
      cal->base_name = *b;
      cal->base_loc = doc.Loc(m.Get("base"));
    }
  });
  // 'hours' by weekday must cover the weekly pattern: checked only when both read cleanly.
  const size_t before_week = errs.count();
  if (m.Has("weekdays")) {
    if (m.Has("base"))
      errs.Add(doc.ErrorAt(m.Get("weekdays"),
                           "'weekdays' cannot be combined with 'base' (the base decides the weekly pattern)"));
    cal->weekdays = ParseWeekdaySet(doc, m.Get("weekdays"), "'weekdays'", errs);
    cal->has_weekdays = true;
    cal->weekdays_loc = doc.Loc(m.Get("weekdays"));
  }
  if (m.Has("holidays")) {
    cal->holidays_loc = doc.Loc(m.Get("holidays"));
    for (const YAML::Node& i : Items(m.Get("holidays"))) {
      errs.Try([&] {
        std::string s = ScalarText(doc, i, "'holidays'");
        if (std::find(kHolidaySets.begin(), kHolidaySets.end(), s) == kHolidaySets.end())
          doc.Fail(i, "unknown holiday set '" + s + "'" + DidYouMean(s, kHolidaySets) +
                          " (built-in sets: jp, jp-gov, jp-bank; list company closures under 'closed')");
        if (std::find(cal->holiday_sets.begin(), cal->holiday_sets.end(), s) == cal->holiday_sets.end())
          cal->holiday_sets.push_back(s);
      });
    }
  }
  if (m.Has("closed")) errs.Try([&] { cal->closed = ParseEntries(doc, m.Get("closed"), "closed", errs); });
  if (m.Has("open")) errs.Try([&] { cal->open = ParseEntries(doc, m.Get("open"), "open", errs); });
  if (m.Has("hours")) {
    YAML::Node h = m.Get("hours");
    cal->has_hours = true;
    cal->hours_loc = doc.Loc(h);
    cal->hours_line = doc.Line(cal->hours_loc.line);
    if (h.IsMap()) {
      for (auto it = h.begin(); it != h.end(); ++it) {
        errs.Try([&] {
          auto days = ParseWeekdaySet(doc, it->first, "a weekday key of 'hours'", errs);
          auto ranges = ParseHoursList(doc, it->second, "'hours' of " + ScalarText(doc, it->first, "'hours'"), errs);
          for (unsigned d = 0; d < 7; ++d) {
            if (!days[d]) continue;
            if (cal->weekday_hours[d])
              errs.Add(doc.ErrorAt(it->first, std::string("'hours' lists ") + WeekdayName(d) + " twice"));
            cal->weekday_hours[d] = ranges;
          }
        });
      }
      if (!m.Has("base") && errs.count() == before_week) {  // every weekly business day needs its hours
        std::string missing;
        for (unsigned d = 0; d < 7; ++d)
          if (cal->weekdays[d] && !cal->weekday_hours[d]) missing += (missing.empty() ? "" : ", ") + std::string(WeekdayName(d));
        if (!missing.empty())
          errs.Add(doc.ErrorAt(h, "'hours' gives no hours for business days " + missing +
                                      " (list them, or remove them from 'weekdays')"));
      }
    } else {
      cal->hours = ParseHoursList(doc, h, "'hours'", errs);
    }
  }
  if (m.Has("special_hours"))
    errs.Try([&] { cal->special_hours = ParseSpecialHours(doc, m.Get("special_hours"), errs); });
  // An open-by-exception day needs hours too: its own, special_hours', or its weekday's.
  if (HasHoursMapping(*cal) && errs.count() == before_week) {
    for (const DatedEntry& e : cal->open) {
      const std::string missing = WeekdayList(WeekdaysWithoutHours(*cal, e));
      if (!missing.empty())
        errs.Add(DefinitionError(e.loc,
                                 "'open' entry " + e.text + " falls on " + missing +
                                     ", for which 'hours' lists no hours: give the entry its own 'hours', or list " +
                                     missing + " in 'hours'",
                                 doc.Line(e.loc.line)));
    }
  }
  if (m.Has("day_start"))
    errs.Try([&] { cal->day_start = ParseClockNode(doc, m.Get("day_start"), "'day_start'"); });
  if (m.Has("valid")) {
    errs.Try([&] {
      MapReader v(doc, m.Get("valid"), "'valid' of " + what, kValidKeys, errs.list());
      bool from_ok = errs.Try([&] {
        if (v.Has("from")) cal->valid_from = ParseDayNode(doc, v.Get("from"), "'from'");
      });
      bool to_ok = errs.Try([&] {
        if (v.Has("to")) cal->valid_to = ParseDayNode(doc, v.Get("to"), "'to'");
      });
      if (from_ok && to_ok && cal->valid_from && cal->valid_to && *cal->valid_to < *cal->valid_from)
        doc.Fail(v.Get("to"), "'valid' ends before it starts");
    });
  }
  RuleDefaults defaults;
  if (m.Has("shift")) errs.Try([&] { defaults.shift = ParseShiftNode(doc, m.Get("shift")); });
  errs.Try([&] { defaults.max_shift = int(m.Int("max_shift", 0, 31).value_or(10)); });
  if (m.Has("within")) errs.Try([&] { defaults.within_month = ParseWithinNode(doc, m.Get("within")); });
  if (m.Has("month_start")) {
    errs.Try([&] {
      const YAML::Node node = m.Get("month_start");
      const std::string s = Lower(ScalarText(doc, node, "'month_start'"));
      auto k = ParseLong(s);
      if (s == "last") cal->month_start = 31;
      else if (k && *k >= 1 && *k <= 31) cal->month_start = int(*k);
      else if (auto wd = k ? std::nullopt : ParseWeekdayOccurrence(s, false, 4)) cal->month_start_weekday = wd;
      else
        doc.Fail(node, "'month_start' must be a day 1..31 or last, or a weekday occurrence such as mon#1 or "
                       "fri#last (#1..#4), got '" + s + "'");
    });
  }
  if (m.Has("base_month")) {
    errs.Try([&] {
      const YAML::Node node = m.Get("base_month");
      const std::string s = ScalarText(doc, node, "'base_month'");
      if (s == "next") cal->base_month_next = true;
      else if (s != "current")
        doc.Fail(node, "'base_month' must be current (当月) or next (翌月), got '" + s + "'" +
                           DidYouMean(s, {"current", "next"}));
    });
  }
  if (m.Has("rules")) {
    YAML::Node rules = m.Get("rules");
    if (!m.Has("base"))
      errs.Add(doc.ErrorAt(rules, "'rules' need a 'base' calendar whose business days they count"));
    if (!rules.IsSequence() || rules.size() == 0) doc.Fail(rules, "'rules' must be a non-empty list of rules");
    for (size_t i = 0; i < rules.size(); ++i)
      errs.Try([&] { cal->rules.push_back(ParseRule(doc, rules[i], i, *cal, defaults, errs)); });
  } else {
    for (const char* k : {"shift", "max_shift", "within", "month_start", "base_month"})
      if (m.Has(k)) errs.Add(doc.ErrorAt(m.Get(k), std::string("'") + k + "' only applies to calendars with 'rules'"));
  }
}

void Registry::Resolve() {
  if (!default_zone_ && !options_.default_timezone.empty()) {
    default_zone_ = FindZone(options_.default_timezone);
    if (!default_zone_)
      throw DefinitionError({"settings", 0, 0}, "unknown timezone '" + options_.default_timezone + "'");
  }
  std::vector<std::string> names;
  for (const auto& c : calendars_) names.push_back(c->name);
  std::vector<std::pair<size_t, DefinitionError>> problems;  // by calendar, reported in definition order
  for (size_t i = 0; i < calendars_.size(); ++i) {
    auto& c = calendars_[i];
    if (c->base_name.empty() || c->base) continue;
    const Calendar* found = nullptr;
    for (const auto& o : calendars_)  // same file first, then any file
      if (o->name == c->base_name && o->file == c->file) found = o.get();
    for (const auto& o : calendars_)
      if (!found && o->name == c->base_name) found = o.get();
    if (!found) {
      problems.emplace_back(i, DefinitionError(c->base_loc, "calendar '" + c->name + "' has an undefined base '" +
                                                            c->base_name + "'" + DidYouMean(c->base_name, names)));
      c->base_name.clear();
      c->rules.clear();
      continue;
    }
    c->base = found;
  }
  // Cycles: follow each base chain.
  bool cyclic = false;
  for (size_t i = 0; i < calendars_.size(); ++i) {
    const auto& c = calendars_[i];
    std::vector<const Calendar*> chain{c.get()};
    for (const Calendar* b = c->base; b; b = b->base) {
      if (std::find(chain.begin(), chain.end(), b) != chain.end()) {
        std::string path;
        for (const Calendar* x : chain) path += x->name + " -> ";
        problems.emplace_back(i, DefinitionError(c->base_loc, "calendar '" + c->name +
                                                               "' has a cycle through 'base': " + path + b->name));
        cyclic = true;
        break;
      }
      chain.push_back(b);
    }
  }
  if (cyclic) {
    for (auto& c : calendars_) c->base = nullptr;  // never walk a cyclic chain
  }
  // A calendar with a base and an hours mapping must give hours to every weekday its bases open:
  // the weekly pattern of the first calendar of the chain, and the days opened by exception.
  for (size_t i = 0; i < calendars_.size(); ++i) {
    const Calendar& c = *calendars_[i];
    if (!c.base || !HasHoursMapping(c)) continue;
    const Calendar* root = c.base;
    while (root->base) root = root->base;
    std::array<bool, 7> weekly{};
    for (unsigned d = 0; d < 7; ++d) weekly[d] = root->weekdays[d] && !c.weekday_hours[d];
    if (std::string missing = WeekdayList(weekly); !missing.empty())
      problems.emplace_back(i, DefinitionError(c.hours_loc,
                                               "'hours' gives no hours for " + missing + ", business days of '" +
                                                   root->name + "' (list them in 'hours')",
                                               c.hours_line));
    for (const Calendar* b = c.base; b; b = b->base) {
      for (const DatedEntry& e : b->open) {
        if (std::string missing = WeekdayList(WeekdaysWithoutHours(c, e)); !missing.empty())
          problems.emplace_back(i, DefinitionError(c.hours_loc,
                                                   "'hours' lists no hours for " + missing + ", on which '" + b->name +
                                                       "' opens " + e.text + " by exception (list " + missing +
                                                       " in 'hours')",
                                                   c.hours_line));
      }
    }
  }
  std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& f : problems) errors_.push_back(std::move(f.second));
  // Calendars that name no zone: their base's; else the settings' default; else Asia/Tokyo when
  // they use Japanese holidays; else the host's.
  for (auto& c : calendars_) {
    if (c->zone) continue;
    if (c->base) {
      c->zone_origin = ZoneOrigin::kBase;
    } else if (default_zone_) {
      c->zone = default_zone_;
      c->zone_origin = ZoneOrigin::kSettings;
    } else if (const TimeZone* tokyo = c->UsesJp() ? FindZone("Asia/Tokyo") : nullptr) {
      c->zone = tokyo;
      c->zone_origin = ZoneOrigin::kHolidays;
    } else {
      c->zone = LocalZone();
      c->zone_origin = ZoneOrigin::kHost;
    }
  }
}

const TimeZone* Registry::DefaultZone() const {
  if (default_zone_) return default_zone_;
  // Not named in the settings: the system's zone, found only when a calendar inherits it.
  return options_.default_timezone.empty() ? LocalZone() : nullptr;
}

void Registry::ThrowIfErrors() const {
  if (errors_.empty()) return;
  if (errors_.size() == 1) throw errors_.front();
  const DefinitionError& first = errors_.front();
  throw DefinitionError(first.loc(), first.message() + " (and " + std::to_string(errors_.size() - 1) +
                                         " more error" + (errors_.size() > 2 ? "s" : "") +
                                         "; run 'hcal validate' to list them)");
}

const Calendar& Registry::Find(const std::string& ref) const {
  std::string file, name = ref;
  size_t colon = ref.rfind(':');
  if (colon != std::string::npos) {
    file = ref.substr(0, colon);
    name = ref.substr(colon + 1);
  }
  auto file_matches = [&](const Calendar& c) {
    if (file.empty()) return true;
    if (c.file == file) return true;
    size_t slash = c.file.rfind('/');
    return slash != std::string::npos && c.file.substr(slash + 1) == file;
  };
  std::vector<const Calendar*> found;
  std::vector<std::string> names;
  for (const auto& c : calendars_) {
    names.push_back(c->name);
    if (c->name == name && file_matches(*c)) found.push_back(c.get());
  }
  if (found.size() == 1) return *found.front();
  if (found.size() > 1)
    throw UsageError("calendar '" + ref + "' is ambiguous: defined at " + found[0]->loc.Str() + " and " +
                     found[1]->loc.Str() + "; name it as FILE:" + name);
  if (calendars_.empty()) throw UsageError(NothingLoaded());
  throw UsageError("unknown calendar '" + ref + "'" + DidYouMean(name, names));
}

std::string Registry::NothingLoaded() const {
  if (empty_dirs_.empty()) return "no calendars loaded: give -f FILE or set [calendar] path in the settings file";
  std::string dirs;
  for (size_t i = 0; i < empty_dirs_.size(); ++i)
    dirs += std::string(i == 0 ? "" : i + 1 == empty_dirs_.size() ? " and " : ", ") + "'" + empty_dirs_[i] + "'";
  return "no calendars loaded: " + std::string(empty_dirs_.size() == 1 ? "directory " : "directories ") + dirs +
         (empty_dirs_.size() == 1 ? " holds" : " hold") + " no *.yaml or *.yml files";
}

std::vector<const Calendar*> Registry::All() const {
  std::vector<const Calendar*> out;
  for (const auto& c : calendars_) out.push_back(c.get());
  return out;
}

}  // namespace hops::cal
