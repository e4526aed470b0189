#include "cmd/hmon-check/commands.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "common/calendar.hpp"
#include "common/calendar_load.hpp"
#include "common/inventory.hpp"
#include "cmd/hmon-check/definitions.hpp"
#include "cmd/hmon-check/report.hpp"
#include "cmd/hmon-check/runner.hpp"
#include "cmd/hmon-check/status.hpp"
#include "common/output.hpp"
#include "common/settings.hpp"
#include "common/spell.hpp"
#include "common/state.hpp"
#include "common/units.hpp"
#include "common/zone.hpp"

namespace hops::mon {

namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Opens the state store with the schema components hmon-check uses, so that a file in which
/// another tool's tables are newer than this build knows is still opened.
std::unique_ptr<StateStore> OpenState(const Settings& settings) {
  StateOptions opts;
  opts.components = {kStateMonitor};
  return StateStore::Open(StateStore::DefaultPath(settings), std::move(opts));
}

/// The state store for a command that only reads it (status, report): nullptr when there is no
/// store yet (nothing ever ran), which such a command must not create.
std::unique_ptr<StateStore> OpenStateToRead(const Settings& settings) {
  struct stat st;
  if (::stat(StateStore::DefaultPath(settings).c_str(), &st) != 0 && errno == ENOENT) return nullptr;
  return OpenState(settings);
}

std::chrono::milliseconds DurationArg(const std::string& text, const std::string& option) {
  auto d = ParseDuration(text);
  if (!d) throw UsageError("invalid duration '" + text + "' for " + option + ": expected e.g. 500ms, 10s, 1m");
  return *d;
}

/// @p ms since the epoch as an RFC 3339 UTC timestamp.
std::string Iso(int64_t ms) {
  return FormatTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

/// Everything a run needs, loaded once.
struct Loaded {
  MonitorFile file;
  std::unique_ptr<inv::Inventory> inventory;
  std::unique_ptr<cal::Registry> calendars;
  std::vector<Target> targets;
};

constexpr const char* kDefinitionCache = "hmon-check.definitions";

std::string ReadDefinitions(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DefinitionError({path, 0, 0}, std::string("cannot read file: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Loads everything a command needs. With @p cache, an unchanged definition file is taken from
/// the state store instead of being parsed again.
std::unique_ptr<Loaded> Load(const MonitorOptions& o, const Settings& settings,
                             std::vector<DefinitionError>* all_errors, StateStore* cache = nullptr) {
  auto l = std::make_unique<Loaded>();
  std::string path = o.file.empty() ? DefaultMonitorsPath() : o.file;
  std::vector<DefinitionError> errors;
  const std::string text = ReadDefinitions(path);
  const std::string hash = ContentHash(text);
  char abs[PATH_MAX];
  const std::string cache_key = realpath(path.c_str(), abs) ? abs : path;
  bool cached = false;
  if (cache) {
    if (auto v = cache->GetValue(kDefinitionCache, cache_key)) {
      if (auto f = MonitorFileFromCache(*v, hash); f && f->path == path) {
        l->file = std::move(*f);
        cached = true;
      }
    }
  }
  if (!cached) {
    l->file = LoadMonitorText(text, path, &errors);
    // A file with credentials written inline is parsed on every run rather than copied into the
    // state store.
    if (cache && errors.empty()) {
      if (!HoldsInlineSecrets(l->file)) cache->PutValue(kDefinitionCache, cache_key, MonitorFileToCache(l->file, hash));
      else cache->DeleteValue(kDefinitionCache, cache_key);  // one an older build may have written
    }
  }
  bool need_nodes = !o.scopes.empty() || !o.nodes.empty();
  bool need_calendars = false;
  for (size_t i = 0; i < l->file.size(); ++i) {
    need_nodes = need_nodes || l->file.per_node(i);
    need_calendars = need_calendars || l->file.has_calendar(i);
  }
  if (need_nodes) {
    std::string ipath = o.inventory.empty() ? inv::DefaultInventoryPath() : o.inventory;
    try {
      l->inventory = std::make_unique<inv::Inventory>(inv::Inventory::Load(ipath));
    } catch (const DefinitionError& e) {
      errors.push_back(e);
    }
    if (l->inventory)
      for (auto& e : CheckSelectors(l->file, *l->inventory, text)) errors.push_back(std::move(e));
  }
  if (need_calendars) {
    // An error about a monitor's 'calendar' points at the value (its own or the defaults').
    auto calendar_error = [&](const MonitorDef& m, const std::string& message) {
      const SourceLoc& where = m.calendar_loc.line > 0 ? m.calendar_loc : m.loc;
      errors.emplace_back(where, message, SourceLineOf(text, where.line));
    };
    const std::vector<std::string> calendar_paths = cal::CalendarPaths(settings, o.calendar_files);
    // The monitors that name a calendar, unpacked.
    std::vector<MonitorDef> with_calendar;
    for (size_t i = 0; i < l->file.size(); ++i)
      if (l->file.has_calendar(i)) with_calendar.push_back(l->file.at(i));
    if (calendar_paths.empty()) {
      for (const auto& m : with_calendar)
        calendar_error(m, "monitor '" + m.id + "' names calendar '" + m.calendar +
                              "', but no calendar file was loaded: give --calendars or set [calendar] path");
    } else {
      l->calendars = cal::OpenRegistry(settings, calendar_paths);
      for (const auto& e : l->calendars->errors()) errors.push_back(e);
      if (l->calendars->errors().empty()) {
        std::vector<std::string> names;
        for (const auto* c : l->calendars->All()) names.push_back(c->name);
        for (const auto& m : with_calendar) {
          try {
            l->calendars->Find(m.calendar);
          } catch (const UsageError&) {
            calendar_error(m, "monitor '" + m.id + "' names unknown calendar '" + m.calendar + "'" +
                                  DidYouMean(m.calendar, names));
          }
        }
      }
    }
  }
  if (errors.empty() && (!need_nodes || l->inventory)) {
    try {
      l->targets = ExpandTargets(l->file, l->inventory.get(), o.only, o.scopes, o.nodes);
    } catch (const DefinitionError& e) {
      errors.push_back(e);
    }
  }
  if (all_errors) {
    *all_errors = errors;
  } else if (!errors.empty()) {
    if (errors.size() == 1) throw errors.front();
    throw DefinitionError(errors.front().loc(), errors.front().message() + " (and " +
                                                    std::to_string(errors.size() - 1) +
                                                    " more; run 'hmon-check validate' to list them)");
  }
  return l;
}

}  // namespace

std::string DefaultMonitorsPath() { return DefaultConfigFile("monitors.yaml"); }

MonitorHistoryPolicy HistoryPolicyOf(const Settings& settings) {
  MonitorHistoryPolicy p;
  auto set = [](const std::string& text, std::chrono::milliseconds* out) {
    if (auto d = ParseDuration(text); d && d->count() > 0) *out = *d;
  };
  // The deprecated `retention` stands for raw samples (never under the minimum) and status
  // changes; their own keys win.
  set(settings.monitor_retention, &p.raw);
  p.raw = std::max<std::chrono::milliseconds>(p.raw, kMinMonitorRawRetention);
  set(settings.monitor_retention, &p.status_changes);
  set(settings.monitor_raw_retention, &p.raw);
  set(settings.monitor_status_retention, &p.status_changes);
  set(settings.monitor_hourly_retention, &p.hourly);
  set(settings.monitor_daily_retention, &p.daily);
  set(settings.monitor_prune_after, &p.gone_after);
  return p;
}

bool IsMapParam(const std::string& key) { return key == "headers" || key == "expect_header" || key == "env"; }

int CmdRun(const MonitorOptions& o) {
  if (o.concurrency < 1) throw UsageError("--concurrency must be at least 1");
  const Settings settings = LoadSettings();
  std::unique_ptr<StateStore> store;
  if (!o.no_state) store = OpenState(settings);
  auto l = Load(o, settings, nullptr, store.get());
  RunOptions ro;
  ro.concurrency = o.concurrency;
  ro.changes_only = o.changes_only;
  ro.format = o.format;
  ro.use_state = !o.no_state;
  ro.lock_wait = DurationArg(o.lock_wait, "--lock-wait");
  ro.history = HistoryPolicyOf(settings);
  ro.per_host = settings.monitor_per_host;
  return RunMonitors(l->file, l->targets, ro, store.get(), l->calendars.get());
}

int CmdValidate(const MonitorOptions& o) {
  std::vector<DefinitionError> errors;
  auto l = Load(o, LoadSettings(), &errors);
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.what());
  if (!errors.empty()) {
    std::fprintf(stderr, "hmon-check: %zu error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
    return 3;
  }
  std::printf("%zu monitor%s, %zu check%s ok\n", l->file.size(), l->file.size() == 1 ? "" : "s",
              l->targets.size(), l->targets.size() == 1 ? "" : "s");
  return 0;
}

int CmdList(const MonitorOptions& o) {
  auto l = Load(o, LoadSettings(), nullptr);
  for (const Target& t : l->targets) {
    const Instance in = MakeInstance(l->file, t);
    if (o.format == "json") {
      nlohmann::ordered_json j;
      j["key"] = in.key;
      j["monitor"] = in.def->id;
      j["type"] = in.spec.type;
      if (in.node) j["node"] = in.node->id;
      if (!in.scope.empty()) j["scope"] = in.scope;
      j["target"] = in.spec.target;
      if (!in.def->calendar.empty()) j["calendar"] = in.def->calendar;
      if (!in.def->depends_on.empty()) j["depends_on"] = in.def->depends_on;
      j["timeout_ms"] = in.def->timeout.count();
      WriteJsonLine(j);
    } else {
      std::string line = in.key + "\t" + in.spec.type + "\t" + in.spec.target;
      if (!in.def->calendar.empty()) line += "\tcalendar=" + in.def->calendar;
      std::puts(line.c_str());
    }
  }
  return 0;
}

int CmdHistory(const MonitorOptions& o, const std::string& id, const std::string& node, const std::string& since) {
  int64_t now = NowMs(), since_ms = 0;
  if (!since.empty()) {
    if (auto d = ParseDuration(since)) {
      since_ms = now - d->count();
    } else if (auto t = ParseTimestamp(since.size() == 10 ? since + "T00:00:00Z" : since)) {
      since_ms = std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
    } else {
      throw UsageError("invalid --since '" + since + "': expected a duration (7d) or a date (2026-11-01)");
    }
  }
  Settings settings = LoadSettings();
  auto store = OpenState(settings);
  std::string prefix = id + (node.empty() ? "" : "/" + node);
  auto changes = store->ListStatusChanges(prefix, since_ms, 100000);
  auto samples = store->ListPerfSamples(prefix, "", since_ms, now + 1);
  auto keep = [&](const std::string& key) {  // "web" must not match "web2/..."
    return key == prefix || key.compare(0, prefix.size() + 1, prefix + "/") == 0;
  };
  auto kept = [&](const auto& rows) {
    return std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return keep(r.key); });
  };
  if (!kept(changes) && !kept(samples)) {
    // Nothing in the period: fine for a known check, but an unknown id is most likely a typo.
    std::set<std::string> keys;
    for (const auto& [key, status] : store->GetAllMonitorStatus()) keys.insert(key);
    // Removed monitors keep their changes but not their status: look there only when needed.
    if (std::none_of(keys.begin(), keys.end(), keep))
      for (const auto& c : store->ListStatusChanges("", 0, 0)) keys.insert(c.key);
    if (std::none_of(keys.begin(), keys.end(), keep)) {
      std::set<std::string> names;  // monitor ids, or whole keys when a node was given
      for (const auto& k : keys) names.insert(node.empty() ? k.substr(0, k.find('/')) : k);
      throw RuntimeError("no history for '" + prefix + "' in " + store->path() +
                         DidYouMean(prefix, {names.begin(), names.end()}));
    }
  }
  if (o.format == "json") {
    for (const auto& c : changes) {
      if (!keep(c.key)) continue;
      WriteJsonLine(nlohmann::ordered_json{{"kind", "change"}, {"key", c.key}, {"time", Iso(c.time_ms)},
                                           {"from", c.from}, {"to", c.to}, {"summary", c.summary}});
    }
    for (const auto& s : samples) {
      if (!keep(s.key)) continue;
      WriteJsonLine(nlohmann::ordered_json{{"kind", "perfdata"}, {"key", s.key}, {"time", Iso(s.time_ms)},
                                           {"label", s.label}, {"value", s.value}, {"uom", s.uom}});
    }
    return 0;
  }
  const bool csv = o.format == "csv";
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  if (csv) std::puts("kind,time,key,from_or_label,to_or_value,summary_or_uom");
  for (const auto& c : changes) {
    if (!keep(c.key)) continue;
    if (csv) std::printf("change,%s,%s,%s,%s,%s\n", Iso(c.time_ms).c_str(), quote(c.key).c_str(), c.from.c_str(),
                         c.to.c_str(), quote(c.summary).c_str());
    else std::printf("%s\t%s\t%s -> %s\t%s\n", Iso(c.time_ms).c_str(), c.key.c_str(),
                     c.from.empty() ? "(new)" : c.from.c_str(), c.to.c_str(), c.summary.c_str());
  }
  for (const auto& s : samples) {
    if (!keep(s.key)) continue;
    if (csv) std::printf("perfdata,%s,%s,%s,%.6g,%s\n", Iso(s.time_ms).c_str(), quote(s.key).c_str(),
                         quote(s.label).c_str(), s.value, s.uom.c_str());
    else std::printf("%s\t%s\t%s=%.6g%s\n", Iso(s.time_ms).c_str(), s.key.c_str(), s.label.c_str(), s.value,
                     s.uom.c_str());
  }
  return 0;
}

int CmdPrune(bool dry_run, const std::string& older_than) {
  const Settings settings = LoadSettings();
  MonitorHistoryPolicy policy = HistoryPolicyOf(settings);
  if (!older_than.empty()) {
    policy.gone_after = DurationArg(older_than, "--older-than");
    if (policy.gone_after.count() <= 0) throw UsageError("--older-than must be a positive duration, got '" + older_than + "'");
  }
  auto store = OpenState(settings);
  const HistoryPruneReport r = store->PruneMonitorHistory(NowMs(), policy, dry_run);
  auto count = [](int64_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  auto rows = [&](const HistoryRows& h) {
    return count(h.samples, "sample", "samples") + ", " + std::to_string(h.hourly) + " hourly and " +
           count(h.daily, "daily roll-up", "daily roll-ups") + ", " +
           count(h.status_changes, "status change", "status changes");
  };
  const char* verb = dry_run ? "would remove" : "removed";
  std::string out;
  for (const GoneMonitor& g : r.gone)
    out += std::string(verb) + " " + g.key + " (" + (g.last_check_ms ? "last checked " + Iso(g.last_check_ms) : "no status") + ")\n";
  out += std::string(verb) + " " + count(int64_t(r.gone.size()), "monitor", "monitors") + " not checked for " +
         FormatDuration(policy.gone_after) + ": " + count(r.gone_series, "series", "series") + ", " + rows(r.gone_rows) + "\n";
  out += std::string(verb) + " by age: " + rows(r.expired) + "\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}

int CmdAdHoc(const AdHocOptions& o) {
  const auto& types = CheckTypes();
  const CheckType& type = *types.at(o.type);
  MonitorDef def;
  def.id = o.type;
  def.type = o.type;
  def.target = o.target;
  def.timeout = DurationArg(o.timeout, "--timeout");
  def.base.monitor = o.type;
  def.base.type = o.type;
  def.base.target = o.target;
  def.base.timeout = def.timeout;
  for (const auto& [key, values] : o.params) {
    for (const auto& v : values) {
      if (IsMapParam(key)) {
        size_t eq = v.find('=');
        if (eq == std::string::npos) throw UsageError("--" + key + " takes NAME=VALUE, got '" + v + "'");
        def.base.params.SetMap(key, v.substr(0, eq), v.substr(eq + 1));
      } else {
        def.base.params.Add(key, v);
      }
    }
  }
  std::vector<std::string> measures = type.Measures();
  auto threshold = [&](const std::string& measure, const std::string& w, const std::string& c) {
    nagios::Thresholds t = def.base.thresholds[measure];
    std::string err;
    if (!w.empty()) {
      t.warning = ParseThresholdRange(measure, w, &err);
      if (!t.warning) throw UsageError("warning threshold of '" + measure + "': " + err);
    }
    if (!c.empty()) {
      t.critical = ParseThresholdRange(measure, c, &err);
      if (!t.critical) throw UsageError("critical threshold of '" + measure + "': " + err);
    }
    def.base.thresholds[measure] = t;
  };
  if (!o.warning.empty() || !o.critical.empty()) {
    if (measures.empty()) throw UsageError("type '" + o.type + "' has no measure for -w/-c");
    threshold(measures.front(), o.warning, o.critical);
  }
  for (const auto& [m, r] : o.warn_measure) threshold(m, r, "");
  for (const auto& [m, r] : o.crit_measure) threshold(m, "", r);
  std::string err = type.Validate(def.base);
  if (!err.empty()) throw UsageError(err);
  MonitorFile file;
  file.path = "<command line>";
  file.Add(def);
  std::vector<Instance> instances = ExpandInstances(file, nullptr, {}, {}, {});
  // A logfile plugin reports the lines written since its last call, as check_logfiles does: its
  // offset is kept in the state store under the path and every parameter, so two plugin calls
  // with other patterns on one file keep their own places.
  std::unique_ptr<StateStore> store;
  if (o.type == "logfile") {
    std::string identity = o.type + "\n" + o.target;
    for (const auto& [key, values] : o.params)
      for (const auto& v : values) identity += "\n" + key + "=" + v;
    instances.front().spec.state_key = "adhoc/logfile/" + ContentHash(identity).substr(0, 16);
    store = OpenState(LoadSettings());
  }
  if (o.format == "json") {
    RunOptions ro;
    ro.format = "json";
    ro.use_state = false;  // statuses and history stay those of `run`; only the offset is kept
    ro.state_key = instances.front().spec.state_key;
    return RunMonitors(file, {Target{}}, ro, store.get(), nullptr);
  }
  CheckContext ctx;
  ctx.state = store.get();
  ctx.now_ms = NowMs;
  std::vector<CheckResult> results = RunChecks(instances, 1, ctx);
  return PrintAdHoc(instances.front(), results.front());
}

int CmdStatus(const MonitorOptions& o, const StatusOptions& so) {
  if (so.refresh < -1) throw UsageError("--refresh must be 0 (never) or a number of seconds, got " + std::to_string(so.refresh));
  const std::chrono::milliseconds stale = DurationArg(so.stale_after, "--stale-after");
  if (stale.count() <= 0) throw UsageError("--stale-after must be a positive duration, got '" + so.stale_after + "'");
  const Settings settings = LoadSettings();
  auto l = Load(o, settings, nullptr);
  std::vector<StatusCheck> checks;
  checks.reserve(l->targets.size());
  for (const Target& t : l->targets) {
    const Instance in = MakeInstance(l->file, t);
    checks.push_back({in.key, in.def->id, in.node ? in.node->id : "", in.scope, in.def->description, in.runbook});
  }
  // Statuses of checks no longer in the file are listed apart, unless the page is narrowed (their
  // scope is not known any more).
  const bool narrowed = !o.only.empty() || !o.scopes.empty() || !o.nodes.empty();
  auto store = OpenStateToRead(settings);
  StatusPage page = BuildStatusPage(store.get(), checks, !narrowed, NowMs(), stale);
  page.zone = settings.timezone.empty() ? LocalZone() : FindZone(settings.timezone);
  page.refresh_s = so.refresh < 0 ? 60 : so.refresh;
  std::string text;
  if (o.format == "json") text = StatusJson(page).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  else if (o.format == "html") text = StatusHtml(page);
  else text = StatusText(page);
  if (so.out.empty()) std::fputs(text.c_str(), stdout);
  else inv::Inventory::WriteFileAtomic(so.out, text);
  return so.exit_worst ? StatusWorstExit(page) : 0;
}

int CmdMonitorSchema() {
  std::fputs(MonitorSchema().c_str(), stdout);
  std::fputs("\n", stdout);
  return 0;
}

int CmdReport(const MonitorOptions& o, const ReportOptions& ro) {
  if (!report::MonthSpan(ro.month, nullptr))
    throw UsageError("invalid --month '" + ro.month + "': expected a month such as 2026-11");
  const Settings settings = LoadSettings();
  report::Input in;
  in.month = ro.month;
  std::unique_ptr<cal::Registry> calendars;
  const cal::Calendar* calendar = nullptr;
  if (!ro.calendar.empty()) {
    const std::vector<std::string> paths = cal::CalendarPaths(settings, o.calendar_files);
    if (paths.empty())
      throw UsageError("--calendar '" + ro.calendar + "' needs a calendar file: give --calendars or set [calendar] path");
    calendars = cal::OpenRegistry(settings, paths);
    calendars->ThrowIfErrors();
    calendar = &calendars->Find(ro.calendar);
    in.calendar = ro.calendar;
    in.zone = calendar->Zone();
  } else if (!settings.timezone.empty()) {
    in.zone = FindZone(settings.timezone);
  }
  in.span = *report::MonthSpan(ro.month, in.zone);
  if (calendar) {
    in.open = report::OpenSpans(*calendar, in.span);
    in.closed_days = report::ClosedDays(*calendar, in.span);
  }
  auto l = Load(o, settings, nullptr);
  for (const Target& t : l->targets) in.instances.push_back(report::InfoOf(MakeInstance(l->file, t)));
  in.include_unlisted = o.only.empty() && o.scopes.empty() && o.nodes.empty();
  std::string scope;
  for (const auto& list : {o.only, o.scopes, o.nodes})
    for (const auto& s : list) scope += (scope.empty() ? "" : ", ") + s;
  in.scope = scope;
  in.now_ms = NowMs();
  auto store = OpenStateToRead(settings);
  const report::Report r = report::Build(store.get(), in);
  const std::string text = ro.format == "json"  ? report::RenderJson(r)
                           : ro.format == "csv" ? report::RenderCsv(r)
                                                : report::RenderHtml(r, ro.lang);
  if (ro.out.empty() || ro.out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  // Whole or not at all: a mail job or web server reading the file never sees half a report.
  inv::Inventory::WriteFileAtomic(ro.out, text);
  return 0;
}

}  // namespace hops::mon
