#include "cmd/hjob-run/commands.hpp"

#include <fnmatch.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cmd/hjob-run/flow.hpp"
#include "cmd/hjob-run/remote.hpp"
#include "cmd/hjob-run/report.hpp"
#include "cmd/hjob-run/runner.hpp"
#include "cmd/hjob-run/runs.hpp"
#include "common/calendar_load.hpp"
#include "common/event.hpp"
#include "common/inventory.hpp"
#include "common/output.hpp"
#include "common/settings.hpp"
#include "common/spell.hpp"
#include "common/state.hpp"
#include "common/text.hpp"
#include "common/units.hpp"
#include "common/zone.hpp"

namespace hops::job {

namespace {

constexpr const char* kTool = "hjob-run";

/// Set by SIGINT, SIGTERM and SIGHUP: the run stops its jobs and ends as failed.
std::atomic<bool> g_stop{false};

extern "C" void OnStopSignal(int) { g_stop.store(true); }

void InstallStopHandlers() {
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &sa, nullptr);
}

std::unique_ptr<StateStore> OpenState(const Settings& settings) {
  StateOptions opts;
  opts.components = {kStateCore};
  return StateStore::Open(StateStore::DefaultPath(settings), std::move(opts));
}

std::string Absolute(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

std::string Iso(int64_t ms) {
  return FormatTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::string Duration(int64_t from, int64_t to) {
  if (from <= 0 || to < from) return "";
  return FormatDuration(std::chrono::milliseconds(to - from));
}

std::string UserName() {
  if (const passwd* pw = ::getpwuid(::getuid())) return pw->pw_name;
  const char* u = std::getenv("USER");
  return u ? u : "uid " + std::to_string(::getuid());
}

int ExitFor(const std::string& status) {
  if (status == "success" || status == "skipped") return kExitSuccess;
  if (status == "warning") return kExitWarning;
  if (status == "held") return kExitHeld;
  return kExitFailed;
}

/// Everything a command on one state store needs.
struct Store {
  Settings settings = LoadSettings();
  std::unique_ptr<StateStore> db = OpenState(settings);
  Runs runs{db.get(), settings.state_dir};
  std::unique_ptr<Nodes> nodes;  ///< the inventory's nodes, when a job of the flow has `on:`
};

/// Calls @p f for every job of @p flow and its sub-flows.
void ForEachJob(const FlowDef& flow, const std::function<void(const FlowDef&, const JobDef&)>& f) {
  for (const auto& j : flow.jobs) {
    f(flow, j);
    if (j.kind == JobKind::kFlow) ForEachJob(flow.Subflow(j), f);
  }
}

/// Whether a job of @p flow (or of its sub-flows) runs on nodes.
bool RunsOnNodes(const FlowDef& flow) {
  bool remote = false;
  ForEachJob(flow, [&](const FlowDef&, const JobDef& j) { remote = remote || j.on.Remote(); });
  return remote;
}

/// The inventory file hjob-run reads.
std::string InventoryPath(const Options& o) { return o.inventory.empty() ? inv::DefaultInventoryPath() : o.inventory; }

/// Loads the inventory into st->nodes when a job of @p flow runs on nodes, and checks that every
/// `on:` selects nodes (a definition error at the `on:` otherwise).
void LoadNodes(const FlowDef& flow, const Options& o, Store* st) {
  if (!RunsOnNodes(flow)) return;
  std::function<void(const std::string&, ssh::SessionOptions*)> adjust;
  if (o.verbose)
    adjust = [](const std::string&, ssh::SessionOptions* so) {
      so->log = [](const std::string& line) { std::fprintf(stderr, "hjob-run: %s\n", line.c_str()); };
    };
  st->nodes = std::make_unique<Nodes>(inv::Inventory::Load(InventoryPath(o)), st->settings, adjust);
  ForEachJob(flow, [&](const FlowDef& f, const JobDef& j) {
    if (!j.on.Remote() || j.on.Templated()) return;  // ${NAME}: checked when the job runs
    std::vector<std::string> nodes;
    try {
      nodes = st->nodes->Select(j.on);
      for (const auto& n : nodes) st->nodes->For(n);  // how each is reached: ssh_jump, ...
    } catch (const UsageError& e) {
      std::ifstream in(f.path);
      std::stringstream text;
      text << in.rdbuf();
      throw DefinitionError(j.on.loc, "'on' of job '" + j.id + "': " + e.what(), SourceLineOf(text.str(), j.on.loc.line));
    }
    if (nodes.empty()) throw DefinitionError(j.on.loc, "'on' of job '" + j.id + "' selects no node");
  });
}

/// Lets @p ro run jobs with `on:` on the nodes of @p nodes (null: no inventory).
void UseNodes(Nodes* nodes, RunnerOptions* ro) {
  if (!nodes) return;
  ro->executor_for = [nodes](const std::string& node) { return nodes->For(node); };
  ro->select_nodes = [nodes](const TargetSpec& on) { return nodes->Select(on); };
}

/// The calendars a flow may name: --calendars, else the settings' calendar path.
class Calendars {
 public:
  Calendars(const Settings& settings, const std::vector<std::string>& files) : settings_(settings), files_(files) {}

  /// Checks that @p flow's calendar (and its sub-flows') exists; appends errors.
  void Check(const FlowDef& flow, std::vector<DefinitionError>* errors) {
    std::set<std::string> seen;
    CheckOne(flow, errors, &seen);
  }

  /// Why calendar @p name is closed now, or nullopt when it is open.
  std::optional<std::string> Closed(const std::string& name) {
    const cal::Calendar& c = Registry()->Find(name);
    cal::DayInfo info;
    if (cal::IsOpenAt(c, cal::Now(), &info)) return std::nullopt;
    return info.reason;
  }

 private:
  void CheckOne(const FlowDef& flow, std::vector<DefinitionError>* errors, std::set<std::string>* seen) {
    if (!seen->insert(flow.path).second) return;
    if (!flow.calendar.empty()) {
      const SourceLoc& at = flow.calendar_loc;
      std::ifstream in(flow.path);
      std::string line;
      for (int i = 0; i < at.line && std::getline(in, line); ++i) {
      }
      const std::vector<std::string> paths = cal::CalendarPaths(settings_, files_);
      if (paths.empty()) {
        errors->emplace_back(at, "flow '" + flow.name + "' names calendar '" + flow.calendar +
                                     "', but no calendar file was loaded: give --calendars or set [calendar] path", line);
      } else {
        auto* reg = Registry();
        if (!reg->errors().empty()) {
          for (const auto& e : reg->errors()) errors->push_back(e);
        } else {
          std::vector<std::string> names;
          for (const auto* c : reg->All()) names.push_back(c->name);
          try {
            reg->Find(flow.calendar);
          } catch (const UsageError&) {
            errors->emplace_back(at, "flow '" + flow.name + "' names unknown calendar '" + flow.calendar + "'" +
                                         DidYouMean(flow.calendar, names), line);
          }
        }
      }
    }
    for (const auto& [path, sub] : flow.subflows) CheckOne(*sub, errors, seen);
  }

  cal::Registry* Registry() {
    if (!registry_) registry_ = cal::OpenRegistry(settings_, cal::CalendarPaths(settings_, files_));
    return registry_.get();
  }

  const Settings& settings_;
  std::vector<std::string> files_;
  std::unique_ptr<cal::Registry> registry_;
};

/// Loads @p path with every check a run needs (calendars included); throws the first error.
std::shared_ptr<const FlowDef> LoadChecked(const std::string& path, Calendars* calendars) {
  std::vector<DefinitionError> errors;
  auto flow = LoadFlowFileCollect(path, &errors);
  if (errors.empty()) calendars->Check(*flow, &errors);
  if (!errors.empty()) ThrowFirst(errors);
  return flow;
}

/// Finds job @p name ("CALLER/JOB" for sub-flows) in @p flow; throws UsageError with a suggestion.
const JobDef& FindJob(const FlowDef& flow, const std::string& name) {
  const FlowDef* f = &flow;
  size_t start = 0;
  while (true) {
    const size_t slash = name.find('/', start);
    const std::string part = name.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    const JobDef* j = f->Find(part);
    if (j && slash == std::string::npos) return *j;
    if (!j || j->kind != JobKind::kFlow) break;
    f = &f->Subflow(*j);
    start = slash + 1;
  }
  throw UsageError("flow '" + flow.name + "' has no job '" + Printable(name, 80) + "'" + DidYouMean(name, AllJobNames(flow)));
}

std::vector<std::pair<std::string, std::string>> SplitParams(const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& a : args) out.push_back(SplitParam(a));
  return out;
}

RunnerOptions BaseRunnerOptions(Executor* local, Clock* clock, Reporter* reporter, Calendars* calendars,
                                const Settings& settings) {
  RunnerOptions ro;
  ro.local = local;
  ro.clock = clock;
  ro.reporter = reporter;
  ro.stop = &g_stop;
  ro.calendar_closed = [calendars](const std::string& name) { return calendars->Closed(name); };
  ro.zone = settings.timezone.empty() ? LocalZone() : FindZone(settings.timezone);
  return ro;
}

/// Lets approvals be answered at the terminal when standard input and standard error are one.
void UsePrompt(RunnerOptions* ro) {
  if (::isatty(0) != 1 || ::isatty(2) != 1) return;
  static TerminalPrompt prompt(0, 2);
  ro->prompt = &prompt;
  ro->prompt_user = UserName();
}

/// " (run ID, pid N on HOST)": who holds the lock of @p flow, or "" when that is not known.
std::string Holder(StateStore* db, const std::string& flow) {
  auto h = db->GetLockHolder(Runs::LockName(flow));
  if (!h || h->pid <= 0) return "";
  std::string run;
  if (StartsWith(h->owner, "hjob-run run ")) run = "run " + h->owner.substr(13, h->owner.find(' ', 13) - 13) + ", ";
  return " (" + run + "pid " + std::to_string(h->pid) + " on " + h->hostname + ")";
}

/// How a job's state reads after "job 'x' of run R ".
std::string StateWords(const std::string& state) {
  if (state == "running" || state == "held" || state == "pending") return "is " + state;
  if (state == "waiting") return "is waiting for approval";
  return "has ended (" + state + ")";
}

/// One run of @p flow with @p params (the whole `run` command without --events).
int RunOnce(Store& st, Calendars& calendars, const FlowDef& flow, const std::string& file,
            const std::map<std::string, std::string>& params, const std::string& event, const Options& o) {
  SystemClock clock;
  if (!flow.calendar.empty()) {
    if (auto why = calendars.Closed(flow.calendar)) {
      const std::string id = st.runs.ReserveId(clock.NowMs());
      RunInfo run = st.runs.Create(id, flow.name, file, params, event);
      st.runs.Finish(run, "skipped");
      const std::string line = "skipped: closed (calendar '" + flow.calendar + "': " + *why + ")";
      if (o.format == "json") {
        run.ended_ms = clock.NowMs();
        WriteEvent(JobEvent(run, nullptr, "skipped", "run " + run.id + " of flow '" + flow.name + "' " + line));
      } else {
        std::printf("%s\n", line.c_str());
      }
      return kExitSuccess;
    }
  }
  const std::string id = st.runs.ReserveId(clock.NowMs());
  RunInfo pending;
  pending.id = id;
  pending.file = file;
  auto lock = st.db->TryLock(Runs::LockName(flow.name), Runs::LockOwner(pending));
  if (!lock) {
    st.runs.ReleaseId(id);
    Warn("flow '" + flow.name + "' is already running" + Holder(st.db.get(), flow.name));
    return kExitLocked;
  }
  const RunInfo run = st.runs.Create(id, flow.name, file, params, event);
  LocalExecutor local;
  ConsoleReporter reporter(o.format == "json", ::isatty(2) == 1, ::isatty(1) == 1, &clock);
  RunnerOptions ro = BaseRunnerOptions(&local, &clock, &reporter, &calendars, st.settings);
  UseNodes(st.nodes.get(), &ro);
  if (!event.empty()) ro.extra_env.emplace_back("HOPS_EVENT", event);
  else UsePrompt(&ro);
  const RunOutcome out = ExecuteRun(&st.runs, run, flow, params, ro, nullptr);
  return ExitFor(out.status);
}

/// The string fields of an event by their schema names.
std::map<std::string, std::string> EventFields(const Event& e) {
  std::map<std::string, std::string> f = {{"tool", e.tool},     {"host", e.host},         {"kind", e.kind},
                                          {"key", e.key},       {"status", e.status},     {"severity", e.severity},
                                          {"summary", e.summary}, {"time", FormatTimestamp(e.time)}};
  auto opt = [&](const char* name, const std::optional<std::string>& v) {
    if (v) f[name] = *v;
  };
  opt("previous_status", e.previous_status);
  opt("calendar", e.calendar);
  opt("monitor", e.monitor);
  opt("job", e.job);
  opt("node", e.node);
  opt("scope", e.scope);
  return f;
}

bool Matches(const FlowDef& flow, const std::map<std::string, std::string>& fields) {
  for (const auto& [field, globs] : flow.events) {
    auto it = fields.find(field);
    if (it == fields.end()) return false;
    const bool any = std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
      return ::fnmatch(g.c_str(), it->second.c_str(), 0) == 0;
    });
    if (!any) return false;
  }
  return true;
}

/// The worse of two exit codes: usage, failed, locked, held, warning, success.
int Worse(int a, int b) {
  static const int order[] = {kExitSuccess, kExitWarning, kExitHeld, kExitLocked, kExitFailed, kExitUsage};
  auto rank = [](int c) { return static_cast<int>(std::find(std::begin(order), std::end(order), c) - std::begin(order)); };
  return rank(a) >= rank(b) ? a : b;
}

/// The longest event --events takes: every job gets it in one environment string,
/// "HOPS_EVENT=<event>", and Linux passes at most 128 KiB in one (MAX_ARG_STRLEN).
constexpr size_t kMaxEventBytes = 128 * 1024 - sizeof "HOPS_EVENT=";

/// Reads a line of @p in into *@p line without its newline, keeping at most @p max bytes (the
/// rest of a longer line is read and dropped, *@p too_long set); false at the end of the input.
bool GetLineCapped(std::istream& in, std::string* line, size_t max, bool* too_long) {
  line->clear();
  *too_long = false;
  std::streambuf* buf = in.rdbuf();
  bool any = false;
  for (int ch; (ch = buf->sbumpc()) != std::char_traits<char>::eof();) {
    any = true;
    if (ch == '\n') return true;
    if (line->size() < max)
      line->push_back(static_cast<char>(ch));
    else
      *too_long = true;
  }
  in.setstate(std::ios::eofbit);
  return any;
}

/// What tells one version of a file from another: device, inode, size and modification time
/// (a rename puts a new inode in place); nullopt when it cannot be read.
std::optional<std::array<int64_t, 5>> FileVersion(const std::string& path) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) return std::nullopt;
  return std::array<int64_t, 5>{static_cast<int64_t>(sb.st_dev), static_cast<int64_t>(sb.st_ino),
                                static_cast<int64_t>(sb.st_size), static_cast<int64_t>(sb.st_mtim.tv_sec),
                                static_cast<int64_t>(sb.st_mtim.tv_nsec)};
}

/// `run --events`: one run per matching event read from @p in.
int RunEvents(Store& st, Calendars& calendars, const FlowDef& flow, const std::string& file, std::istream& in,
              const Options& o) {
  const auto given = SplitParams(o.params);
  std::vector<std::string> names;
  for (const auto& p : flow.params) names.push_back(p.name);
  int worst = kExitSuccess, line_no = 0, matched = 0;
  std::string line;
  bool too_long = false;
  const bool remote = RunsOnNodes(flow);
  // The version of the inventory file st.nodes holds (none: read it at the next run).
  std::optional<std::array<int64_t, 5>> loaded;
  while (!g_stop.load() && GetLineCapped(in, &line, kMaxEventBytes, &too_long)) {
    ++line_no;
    if (!too_long && Trim(line).empty()) continue;
    Event e;
    std::string text;
    try {
      if (too_long) throw RuntimeError("longer than 128 KiB, more than HOPS_EVENT can hold");
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) throw RuntimeError("not JSON");
      e = EventFromJson(j);
      text = EventToJson(e).dump();
      if (text.size() > kMaxEventBytes) throw RuntimeError("longer than 128 KiB, more than HOPS_EVENT can hold");
    } catch (const std::exception& ex) {
      Warn("event line " + std::to_string(line_no) + " ignored: " + LowerFirst(ex.what()));
      worst = Worse(worst, kExitFailed);
      continue;
    }
    const auto fields = EventFields(e);
    if (!Matches(flow, fields)) continue;
    ++matched;
    // Parameters: defaults, then the event's fields (and data members) of the same name, then --param.
    std::vector<std::pair<std::string, std::string>> values;
    for (const auto& name : names) {
      if (auto it = fields.find(name); it != fields.end()) {
        values.emplace_back(name, it->second);
      } else if (e.data.is_object() && e.data.contains(name)) {
        const auto& v = e.data[name];
        values.emplace_back(name, v.is_string() ? v.get<std::string>() : v.dump());
      }
    }
    values.insert(values.end(), given.begin(), given.end());
    // Each run sees the inventory as it is now, as if started on its own: the events may come
    // from `hscope-sync sync --format json`, which writes the nodes they name only just before.
    // It is read again when the file changed (its version taken before reading it, so that a
    // change while it is read is seen at the next run).
    if (remote) {
      const auto version = FileVersion(InventoryPath(o));
      if (!version || version != loaded) {
        loaded.reset();
        try {
          LoadNodes(flow, o, &st);
          loaded = version;
        } catch (const Error& ex) {
          Warn("event line " + std::to_string(line_no) + ": " + ex.what());
          worst = Worse(worst, kExitUsage);
          continue;
        }
      }
    }
    int code;
    try {
      const auto params = ResolveParams(flow, values);
      code = RunOnce(st, calendars, flow, file, params, text, o);
    } catch (const UsageError& ex) {
      Warn("event line " + std::to_string(line_no) + ": " + ex.what());
      code = kExitUsage;
    }
    worst = Worse(worst, code);
  }
  if (matched == 0 && o.format != "json") Warn("no event matched flow '" + flow.name + "'");
  return worst;
}

void PrintPlan(const FlowDef& flow, const std::map<std::string, std::string>& params, Calendars& calendars,
               const std::string& indent, Nodes* nodes) {
  if (indent.empty()) {
    std::printf("flow %s (%s): %zu job%s, at most %d at once\n", flow.name.c_str(), flow.path.c_str(), flow.jobs.size(),
                flow.jobs.size() == 1 ? "" : "s", flow.parallel);
    for (const auto& p : flow.params)
      std::printf("param %s=%s\n", p.name.c_str(), Printable(params.at(p.name), 200).c_str());
  }
  if (!flow.calendar.empty()) {
    auto why = calendars.Closed(flow.calendar);
    std::printf("%scalendar %s: %s\n", indent.c_str(), flow.calendar.c_str(),
                why ? ("closed now (" + *why + "): the run would be skipped").c_str() : "open now");
  }
  int step = 0;
  for (const JobDef* j : flow.TopoOrder()) {
    std::string what;
    switch (j->kind) {
      case JobKind::kRun: what = "run " + std::string(j->run.argv.empty() ? "(sh -c) " : "") + j->run.Display(); break;
      case JobKind::kFlow: what = "flow " + j->flow_file; break;
      case JobKind::kApproval: what = "approval: " + j->approval.message; break;
      case JobKind::kWait:
        what = j->wait.sleep ? "wait " + FormatDuration(*j->wait.sleep)
               : !j->wait.until.empty() ? "wait until " + j->wait.until
               : !j->wait.file.empty() ? "wait for file " + j->wait.file
                                       : "wait for command " + j->wait.command->Display();
        break;
    }
    std::string extra;
    if (!j->needs.empty()) {
      extra += "; needs ";
      for (size_t i = 0; i < j->needs.size(); ++i) extra += (i ? ", " : "") + j->needs[i];
    }
    if (j->when) extra += "; when " + j->when->text;
    if (j->kind == JobKind::kRun) {
      extra += "; timeout " + FormatDuration(j->timeout);
      if (j->retry.count > 0) extra += "; retry " + std::to_string(j->retry.count);
      if (!j->output.empty()) extra += "; output " + j->output;
      if (!j->cwd.empty()) extra += "; cwd " + j->cwd;
    }
    if (j->allow_failure) extra += "; may fail";
    std::string where = "local";
    if (j->on.Remote() && nodes) {
      where.clear();
      TargetSpec on = j->on;
      bool later = false;  // named by an output: known only when the job runs
      for (auto* names : {&on.nodes, &on.scopes}) {
        for (auto& n : *names) {
          try {
            n = ExpandTemplate(n, params);
          } catch (const RuntimeError&) {
            later = true;
            where += (where.empty() ? "" : ", ") + n;
          }
        }
      }
      if (later) where += " (known when the job runs)";
      else
        for (const auto& n : nodes->Select(on)) where += (where.empty() ? "" : ", ") + nodes->For(n)->Where();
      where += std::string("; ") + TargetModeName(j->on.mode);
      if (j->on.mode == TargetSpec::Mode::kAll) {
        if (j->on.parallel > 0) where += ", parallel " + std::to_string(j->on.parallel);
        if (j->on.max_fail > 0) where += ", max_fail " + std::to_string(j->on.max_fail) + (j->on.max_fail_percent ? "%" : "");
        if (j->on.keep_going) where += ", keep going";
      }
    }
    if (j->kind == JobKind::kRun && !j->script.empty()) what = "script " + j->script + (j->run.argv.empty() ? "" : " " + j->run.Display());
    std::printf("%s%d. %s [%s] %s%s\n", indent.c_str(), ++step, j->id.c_str(), where.c_str(), Printable(what, 300).c_str(),
                extra.c_str());
    if (j->kind == JobKind::kFlow) {
      const FlowDef& sub = flow.Subflow(*j);
      std::map<std::string, std::string> shown;
      for (const auto& p : sub.params) shown[p.name] = p.default_value.value_or("");
      for (const auto& [n, v] : j->flow_params) shown[n] = v;
      PrintPlan(sub, shown, calendars, indent + "   ", nodes);
    }
  }
  for (const auto* h : {&flow.on_success, &flow.on_failure, &flow.on_exit})
    if (*h) std::printf("%s%s: run %s\n", indent.c_str(), (*h)->id.substr(1).c_str(), Printable((*h)->run.Display(), 300).c_str());
}

nlohmann::ordered_json JobJson(const JobRecord& j) {
  nlohmann::ordered_json o;
  o["job"] = j.job;
  o["state"] = j.state;
  o["exit_code"] = j.exit_code ? nlohmann::ordered_json(*j.exit_code) : nlohmann::ordered_json();
  o["attempts"] = j.attempts;
  o["started"] = j.started_ms > 0 ? nlohmann::ordered_json(Iso(j.started_ms)) : nlohmann::ordered_json();
  o["ended"] = j.ended_ms > 0 ? nlohmann::ordered_json(Iso(j.ended_ms)) : nlohmann::ordered_json();
  o["duration_ms"] = j.ended_ms > 0 && j.started_ms > 0 ? nlohmann::ordered_json(j.ended_ms - j.started_ms)
                                                        : nlohmann::ordered_json();
  if (!j.output_name.empty()) {
    o["output_name"] = j.output_name;
    o["output"] = j.output_value;
  }
  o["reason"] = j.reason;
  if (!j.skip_as.empty()) o["skip_as"] = j.skip_as;
  return o;
}

/// The status users see: a "running" run whose process is gone was interrupted.
std::string ShownStatus(Runs& runs, const RunInfo& run) {
  if (run.status == "running" && !runs.Live(run)) return "interrupted";
  return run.status;
}

/// A CSV field (RFC 4180): quoted when it holds a comma, quote or line break.
std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

/// A job of @p run that an operator names, with its record (nullopt when none yet).
struct NamedJob {
  std::shared_ptr<const FlowDef> flow;
  const JobDef* def = nullptr;
  std::optional<JobRecord> rec;
};

NamedJob FindRunJob(Runs& runs, const RunInfo& run, const std::string& name) {
  NamedJob n;
  n.flow = LoadFlowFile(run.file);
  n.def = &FindJob(*n.flow, name);
  for (auto& r : runs.Jobs(run))
    if (r.job == name) n.rec = r;
  return n;
}

/// Whether process group @p pgid of boot @p boot_id still runs on @p node (asked over SSH, through
/// @p nodes); false when that cannot be told (the node is gone from the inventory or unreachable:
/// a job run there now could not start either).
bool RunsOnNode(Nodes* nodes, const std::string& node, int pgid, const std::string& boot_id) {
  if (!nodes) return false;
  JobCommand check;
  // Zombies do not count: the group's commands have ended (an init that reaps late keeps them).
  check.command.shell =
      "read b < /proc/sys/kernel/random/boot_id && [ \"$b\" = \"$HOPS_BOOT_ID\" ] && kill -0 -\"$HOPS_PGID\" || exit 1\n"
      "command -v ps >/dev/null || exit 0\n"
      "ps -e -o pgid= -o stat= | awk -v g=\"$HOPS_PGID\" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'";
  check.env = {{"HOPS_BOOT_ID", boot_id}, {"HOPS_PGID", std::to_string(pgid)}};
  check.timeout = std::chrono::seconds(30);
  try {
    const CommandResult r = nodes->For(node)->Run(check, nullptr);
    return r.end == CommandResult::End::kExited && r.exit_code == 0;
  } catch (const UsageError&) {
    return false;
  }
}

/// Why @p run cannot be resumed yet: a process group its dead hjob-run left behind still runs,
/// here or on a node (reached through @p nodes), or one on a node whose connection was lost.
std::optional<std::string> Leftover(Runs& runs, const RunInfo& run, Nodes* nodes) {
  for (const auto& j : runs.Jobs(run)) {
    if (j.pgid <= 0) continue;
    if (!j.pgid_node.empty()) {
      if (RunsOnNode(nodes, j.pgid_node, j.pgid, j.boot_id))
        return "job '" + j.job + "' of run " + run.id + " still runs on node '" + j.pgid_node + "' as process group " +
               std::to_string(j.pgid) +
               (j.state == "running" || j.state == "waiting" ? ", left behind when its hjob-run ended"
                                                             : ", though its connection was lost") +
               "; stop it there (kill -TERM -" + std::to_string(j.pgid) + ") or let it end, then resume";
      continue;
    }
    if ((j.state != "running" && j.state != "waiting") || j.boot_id != BootId()) continue;
    if (::kill(-j.pgid, 0) == 0 || errno == EPERM)
      return "job '" + j.job + "' of run " + run.id + " still runs as process group " + std::to_string(j.pgid) +
             ", left behind when its hjob-run ended; stop it (kill -TERM -- -" + std::to_string(j.pgid) +
             ") or let it end, then resume";
  }
  return std::nullopt;
}

}  // namespace

namespace {

/// How long finished runs are kept: --older-than, else [job] keep_runs, else 90 days.
std::chrono::milliseconds KeepRuns(const Settings& settings, const std::string& older_than) {
  const std::string text = !older_than.empty() ? older_than : settings.job_keep_runs.empty() ? "90d" : settings.job_keep_runs;
  const auto d = ParseDuration(text);
  if (!d || d->count() <= 0)
    throw UsageError((older_than.empty() ? "[job] keep_runs" : "--older-than") +
                     std::string(" must be a positive duration such as 90d, got '") + Printable(text, 60) + "'");
  return *d;
}

/// After a run: removes the runs that expired; a failure only warns.
void PruneAfterRun(Store& st) {
  try {
    st.runs.Prune(SystemClock().NowMs() - KeepRuns(st.settings, "").count(), false);
  } catch (const std::exception& e) {
    Warn(std::string("could not remove expired runs: ") + e.what());  // the run itself is done
  }
}

}  // namespace

int CmdRun(const Options& o) {
  Store st;
  Calendars calendars(st.settings, o.calendar_files);
  auto flow = LoadChecked(o.file, &calendars);
  const std::string file = Absolute(o.file);
  // With --events the inventory is read again for each run; one that does not exist yet (the
  // first `hscope-sync sync --format json | hjob-run run --events -` writes it) is no error here.
  std::error_code ec;
  if (o.events.empty() || std::filesystem::exists(InventoryPath(o), ec)) LoadNodes(*flow, o, &st);
  if (o.events.empty()) {
    const auto params = ResolveParams(*flow, SplitParams(o.params));
    if (o.dry_run) {
      PrintPlan(*flow, params, calendars, "", st.nodes.get());
      return kExitSuccess;
    }
    InstallStopHandlers();
    const int rc = RunOnce(st, calendars, *flow, file, params, "", o);
    PruneAfterRun(st);
    return rc;
  }
  if (o.dry_run) throw UsageError("--dry-run cannot be combined with --events");
  InstallStopHandlers();
  int rc;
  if (o.events == "-") {
    rc = RunEvents(st, calendars, *flow, file, std::cin, o);
  } else {
    std::ifstream in(o.events);
    if (!in) throw UsageError("cannot read events file '" + o.events + "': " + std::strerror(errno));
    rc = RunEvents(st, calendars, *flow, file, in, o);
  }
  PruneAfterRun(st);
  return rc;
}

int CmdResume(const Options& o) {
  Store st;
  RunInfo run = st.runs.Get(o.run_id);
  if (st.runs.Live(run)) {
    Warn("run " + run.id + " is still running" + Holder(st.db.get(), run.flow));
    return kExitLocked;
  }
  if (run.status == "skipped")
    throw RuntimeError("run " + run.id + " did not run (its calendar was closed); there is nothing to resume");
  Calendars calendars(st.settings, o.calendar_files);
  auto flow = LoadChecked(run.file, &calendars);
  if (flow->name != run.flow)
    throw UsageError("'" + run.file + "' now defines flow '" + flow->name + "', not '" + run.flow + "'");
  ResumePlan plan;
  const int modes = (!o.from.empty()) + (!o.only.empty()) + o.next + o.warnings;
  if (modes > 1) throw UsageError("--from, --only, --next and --warnings exclude each other");
  const std::vector<std::string> names = AllJobNames(*flow);
  for (const auto& t : o.from.empty() ? o.only : o.from) {
    FindJob(*flow, t);
    plan.targets.insert(t);
  }
  plan.mode = !o.from.empty() ? ResumePlan::Mode::kFrom
              : !o.only.empty() ? ResumePlan::Mode::kOnly
              : o.next           ? ResumePlan::Mode::kNext
              : o.warnings       ? ResumePlan::Mode::kWarnings
                                 : ResumePlan::Mode::kFailed;
  for (auto& r : st.runs.Jobs(run)) plan.previous[r.job] = r;
  if (plan.mode == ResumePlan::Mode::kWarnings) {
    for (const auto& [name, r] : plan.previous)
      if (r.state == "warning" && std::find(names.begin(), names.end(), name) != names.end()) {
        const JobDef& def = FindJob(*flow, name);
        if (def.kind != JobKind::kFlow) plan.targets.insert(name);
      }
    if (plan.targets.empty()) {
      std::printf("run %s has no job that ended with a warning; nothing to resume\n", run.id.c_str());
      return kExitSuccess;
    }
  }
  if (plan.mode == ResumePlan::Mode::kFailed &&
      std::all_of(names.begin(), names.end(), [&](const std::string& name) {
        auto it = plan.previous.find(name);
        return it != plan.previous.end() &&
               (it->second.state == "success" || it->second.state == "warning" || it->second.state == "skipped");
      })) {
    std::printf("run %s ended %s; nothing to resume (--from, --only and --warnings run ended jobs again)\n",
                run.id.c_str(), run.status.c_str());
    return ExitFor(run.status);
  }
  LoadNodes(*flow, o, &st);
  SystemClock clock;
  RunInfo owner = run;
  auto lock = st.db->TryLock(Runs::LockName(run.flow), Runs::LockOwner(owner));
  if (!lock) {
    Warn("flow '" + run.flow + "' is already running" + Holder(st.db.get(), run.flow));
    return kExitLocked;
  }
  if (auto why = Leftover(st.runs, run, st.nodes.get())) {
    Warn(*why);
    return kExitLocked;
  }
  std::vector<std::pair<std::string, std::string>> given(run.params.begin(), run.params.end());
  const auto params = ResolveParams(*flow, given);
  st.runs.Reopen(run);
  run.status = "running";
  InstallStopHandlers();
  LocalExecutor local;
  ConsoleReporter reporter(o.format == "json", ::isatty(2) == 1, ::isatty(1) == 1, &clock);
  RunnerOptions ro = BaseRunnerOptions(&local, &clock, &reporter, &calendars, st.settings);
  UseNodes(st.nodes.get(), &ro);
  if (!run.event.empty()) ro.extra_env.emplace_back("HOPS_EVENT", run.event);
  UsePrompt(&ro);
  const RunOutcome out = ExecuteRun(&st.runs, run, *flow, params, ro, &plan);
  const bool partial = plan.mode == ResumePlan::Mode::kOnly || plan.mode == ResumePlan::Mode::kWarnings;
  return ExitFor(partial ? out.ran_status : out.status);
}

int CmdDecide(const Options& o, bool approve) {
  Store st;
  const RunInfo run = st.runs.Get(o.run_id);
  const NamedJob n = FindRunJob(st.runs, run, o.job);
  if (n.def->kind != JobKind::kApproval) throw UsageError("job '" + o.job + "' of run " + run.id + " is not an approval");
  if (n.rec && (n.rec->state == "success" || n.rec->state == "failed" || n.rec->state == "skipped"))
    throw RuntimeError("job '" + o.job + "' of run " + run.id + " already ended (" + n.rec->state +
                       (n.rec->reason.empty() ? "" : ": " + n.rec->reason) + ")");
  ApprovalDecision d;
  d.approve = approve;
  d.by = UserName();
  d.at_ms = SystemClock().NowMs();
  d.comment = o.comment;
  st.runs.SetApproval(run, o.job, d);
  std::printf("%s job '%s' of run %s\n", approve ? "approved" : "denied", o.job.c_str(), run.id.c_str());
  if (!st.runs.Live(run) && run.status != "running")
    std::printf("the run is not running: 'hjob-run resume %s' continues it\n", run.id.c_str());
  return kExitSuccess;
}

int CmdHold(const Options& o, bool hold) {
  Store st;
  const RunInfo run = st.runs.Get(o.run_id);
  const NamedJob n = FindRunJob(st.runs, run, o.job);
  if (hold && n.rec && n.rec->state != "pending" && n.rec->state != "held")
    throw RuntimeError("job '" + o.job + "' of run " + run.id + " " + StateWords(n.rec->state) +
                       "; only a job that has not started can be held");
  if (!hold && !st.runs.Held(run, o.job)) throw RuntimeError("job '" + o.job + "' of run " + run.id + " is not held");
  st.runs.SetHold(run, o.job, hold);
  std::printf("%s job '%s' of run %s\n", hold ? "held" : "released", o.job.c_str(), run.id.c_str());
  if (!hold && !st.runs.Live(run) && run.status == "held")
    std::printf("the run is held: 'hjob-run resume %s' continues it\n", run.id.c_str());
  return kExitSuccess;
}

int CmdSkip(const Options& o) {
  Store st;
  const RunInfo run = st.runs.Get(o.run_id);
  const NamedJob n = FindRunJob(st.runs, run, o.job);
  const std::string state = n.rec ? n.rec->state : "pending";
  if (state == "running" || state == "waiting" || state == "success" || state == "warning" || state == "skipped")
    throw RuntimeError("job '" + o.job + "' of run " + run.id + " " + StateWords(state) +
                       "; only a job that has not started, is held or failed can be skipped");
  if (st.runs.Live(run)) {
    st.runs.SetSkip(run, o.job, o.as);  // the running process skips it when it gets there
  } else {
    JobRecord rec = n.rec.value_or(JobRecord{});
    rec.job = o.job;
    rec.state = "skipped";
    rec.skip_as = o.as;
    rec.exit_code.reset();
    rec.reason = "skipped by " + UserName() + " (counts as " + o.as + ")";
    rec.started_ms = rec.ended_ms = SystemClock().NowMs();
    st.runs.SetJob(run, rec);
    st.runs.SetHold(run, o.job, false);
  }
  std::printf("skipped job '%s' of run %s (counts as %s)\n", o.job.c_str(), run.id.c_str(), o.as.c_str());
  return kExitSuccess;
}

int CmdStatus(const Options& o) {
  Store st;
  std::optional<RunInfo> run;
  if (o.run_id.empty()) {
    run = st.runs.Latest("");
    if (!run) throw RuntimeError("no run recorded in " + st.db->path());
  } else {
    run = st.runs.Get(o.run_id);
  }
  const std::string status = ShownStatus(st.runs, *run);
  const auto jobs = st.runs.Jobs(*run);
  if (o.format == "json") {
    nlohmann::ordered_json j;
    j["run_id"] = run->id;
    j["flow"] = run->flow;
    j["file"] = run->file;
    j["status"] = status;
    j["started"] = Iso(run->started_ms);
    j["ended"] = run->ended_ms > 0 && run->status != "running" ? nlohmann::ordered_json(Iso(run->ended_ms)) : nlohmann::ordered_json();
    j["params"] = run->params;
    j["jobs"] = nlohmann::ordered_json::array();
    for (const auto& r : jobs) j["jobs"].push_back(JobJson(r));
    WriteJsonLine(j);
    return kExitSuccess;
  }
  std::printf("run %s\tflow %s\t%s\n", run->id.c_str(), run->flow.c_str(), status.c_str());
  std::printf("file %s\n", run->file.c_str());
  for (const auto& [k, v] : run->params) std::printf("param %s=%s\n", k.c_str(), Printable(v, 200).c_str());
  if (status == "interrupted")
    std::printf("note: no hjob-run process runs it any more; 'hjob-run resume %s' continues it\n", run->id.c_str());
  for (const auto& r : jobs) {
    std::string line = r.job + "\t" + r.state;
    if (r.exit_code) line += "\texit " + std::to_string(*r.exit_code);
    else line += "\t-";
    line += "\t" + (r.ended_ms > 0 ? Duration(r.started_ms, r.ended_ms) : std::string("-"));
    line += "\t" + Printable(r.reason, 300);
    std::printf("%s\n", line.c_str());
  }
  return kExitSuccess;
}

int CmdPrune(const Options& o) {
  Store st;
  const auto keep = KeepRuns(st.settings, o.older_than);
  const auto pruned = st.runs.Prune(SystemClock().NowMs() - keep.count(), o.dry_run);
  const char* verb = o.dry_run ? "would remove" : "removed";
  for (const RunInfo& r : pruned)
    std::printf("%s run %s of flow '%s' (%s, ended %s)\n", verb, r.id.c_str(), r.flow.c_str(), r.status.c_str(),
                Iso(r.ended_ms).c_str());
  std::printf("%s %zu run%s that ended more than %s ago\n", verb, pruned.size(), pruned.size() == 1 ? "" : "s",
              FormatDuration(keep).c_str());
  return kExitSuccess;
}

int CmdList(const Options& o) {
  Store st;
  for (const auto& r : st.runs.List(o.flow, o.limit)) {
    const std::string status = ShownStatus(st.runs, r);
    if (o.format == "json") {
      WriteJsonLine(nlohmann::ordered_json{{"run_id", r.id},
                                           {"flow", r.flow},
                                           {"status", status},
                                           {"started", Iso(r.started_ms)},
                                           {"file", r.file}});
      continue;
    }
    std::printf("%s\t%s\t%s\t%s\n", r.id.c_str(), r.flow.c_str(), status.c_str(), Iso(r.started_ms).c_str());
  }
  return kExitSuccess;
}

int CmdLogs(const Options& o) {
  Store st;
  const RunInfo run = st.runs.Get(o.run_id);
  const auto jobs = st.runs.Jobs(run);
  auto print = [&](const std::string& job, bool header) {
    FILE* in = std::fopen(st.runs.LogPath(run, job, false).c_str(), "rb");
    if (!in) return false;
    if (header) std::printf("==> %s <==\n", job.c_str());
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, in)) > 0) std::fwrite(buf, 1, n, stdout);
    std::fclose(in);
    return true;
  };
  if (!o.node.empty() && o.job.empty()) throw UsageError("--node needs a JOB");
  if (!o.job.empty()) {
    if (!o.node.empty()) {
      const std::string name = o.job + "@" + o.node;
      if (!print(name, false)) {
        std::vector<std::string> nodes;
        for (const auto& r : jobs)
          if (StartsWith(r.job, o.job + "@")) nodes.push_back(r.job.substr(o.job.size() + 1));
        throw UsageError("job '" + Printable(o.job, 80) + "' of run " + run.id + " has no log on node '" +
                         Printable(o.node, 80) + "'" + DidYouMean(o.node, nodes));
      }
      return kExitSuccess;
    }
    bool on_nodes = false;
    for (const auto& r : jobs)
      if (StartsWith(r.job, o.job + "@")) on_nodes = print(r.job, true) || on_nodes;
    if (on_nodes) return kExitSuccess;
    if (std::none_of(jobs.begin(), jobs.end(), [&](const JobRecord& r) { return r.job == o.job; })) {
      std::vector<std::string> names;
      for (const auto& r : jobs) names.push_back(r.job);
      throw UsageError("run " + run.id + " has no job '" + Printable(o.job, 80) + "'" + DidYouMean(o.job, names));
    }
    if (!print(o.job, false)) throw RuntimeError("job '" + o.job + "' of run " + run.id + " has no log (it ran no command)");
    return kExitSuccess;
  }
  for (const auto& r : jobs) print(r.job, true);
  return kExitSuccess;
}

int CmdResults(const Options& o) {
  Store st;
  const RunInfo run = st.runs.Get(o.run_id);
  auto jobs = st.runs.Jobs(run);
  // "JOB@NODE" rows are JOB on NODE; the row of a job that ran on nodes sums them up ("*").
  std::vector<std::string> node_of;
  for (auto& j : jobs) {
    const size_t at = j.job.find('@');
    if (at != std::string::npos && at > 0 && j.job[at - 1] != '/') {
      node_of.push_back(j.job.substr(at + 1));
      j.job.resize(at);
      continue;
    }
    const bool fanned = std::any_of(jobs.begin(), jobs.end(), [&](const JobRecord& r) { return StartsWith(r.job, j.job + "@"); });
    node_of.push_back(fanned ? "*" : "local");
  }
  if (o.format == "json") {
    for (size_t i = 0; i < jobs.size(); ++i) {
      const JobRecord& j = jobs[i];
      nlohmann::ordered_json row;
      row["run_id"] = run.id;
      row["flow"] = run.flow;
      row["node"] = node_of[i];
      nlohmann::ordered_json fields = JobJson(j);
      for (auto it = fields.begin(); it != fields.end(); ++it) row[it.key()] = it.value();
      WriteJsonLine(row);
    }
    return kExitSuccess;
  }
  const bool csv = o.format == "csv";
  if (csv) std::puts("run_id,flow,job,node,state,exit_code,attempts,started,ended,duration_ms,output_name,output,reason");
  for (size_t i = 0; i < jobs.size(); ++i) {
    const JobRecord& j = jobs[i];
    const char* node = node_of[i].c_str();
    const std::string code = j.exit_code ? std::to_string(*j.exit_code) : "";
    const std::string ms = j.ended_ms > 0 && j.started_ms > 0 ? std::to_string(j.ended_ms - j.started_ms) : "";
    if (csv) {
      std::printf("%s,%s,%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s\n", run.id.c_str(), Csv(run.flow).c_str(),
                  Csv(j.job).c_str(), Csv(node).c_str(), j.state.c_str(), code.c_str(), j.attempts,
                  j.started_ms > 0 ? Iso(j.started_ms).c_str() : "", j.ended_ms > 0 ? Iso(j.ended_ms).c_str() : "",
                  ms.c_str(), Csv(j.output_name).c_str(), Csv(j.output_value).c_str(), Csv(j.reason).c_str());
    } else {
      std::printf("%s\t%s\t%s\t%s\t%s\t%s\n", j.job.c_str(), node, j.state.c_str(), code.empty() ? "-" : code.c_str(),
                  j.ended_ms > 0 ? Duration(j.started_ms, j.ended_ms).c_str() : "-",
                  j.output_name.empty() ? "" : (j.output_name + "=" + Printable(j.output_value, 200)).c_str());
    }
  }
  return kExitSuccess;
}

int CmdGraph(const Options& o) {
  auto flow = LoadFlowFile(o.file);
  auto label = [](const JobDef& j) {
    switch (j.kind) {
      case JobKind::kRun: {
        // A script, and where it runs: "script backup.sh on ${tier} (any)".
        std::string text = j.script.empty() ? "run" : "script " + j.script;
        std::string on;
        for (const auto* names : {&j.on.nodes, &j.on.scopes})
          for (const auto& n : *names) on += (on.empty() ? " on " : ", ") + n;
        if (!on.empty() && j.on.mode != TargetSpec::Mode::kAll) on += std::string(" (") + TargetModeName(j.on.mode) + ")";
        return text + on;
      }
      case JobKind::kFlow: return "flow " + j.flow_file;
      case JobKind::kApproval: return std::string("approval");
      case JobKind::kWait: return std::string("wait");
    }
    return std::string();
  };
  if (o.format == "dot") {
    auto q = [](const std::string& s) {
      std::string out = "\"";
      for (char c : s) out += c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
      return out + "\"";
    };
    std::printf("digraph %s {\n  rankdir=LR;\n", q(flow->name).c_str());
    for (const JobDef* j : flow->TopoOrder())
      std::printf("  %s [label=%s];\n", q(j->id).c_str(), q(j->id + "\n" + label(*j)).c_str());
    for (const JobDef* j : flow->TopoOrder())
      for (const auto& n : j->needs)
        std::printf("  %s -> %s%s;\n", q(n).c_str(), q(j->id).c_str(), j->when ? (" [label=" + q("when") + "]").c_str() : "");
    std::printf("}\n");
    return kExitSuccess;
  }
  if (o.format == "mermaid") {
    // Mermaid node ids are letters, digits and '_': number the jobs instead.
    std::map<std::string, std::string> ids;
    int n = 0;
    std::printf("flowchart LR\n");
    for (const JobDef* j : flow->TopoOrder()) {
      ids[j->id] = "j" + std::to_string(++n);
      std::string text = j->id + "<br/>" + label(*j);
      std::string esc;
      for (char c : text) esc += c == '"' ? std::string("#quot;") : std::string(1, c);
      std::printf("  %s[\"%s\"]\n", ids[j->id].c_str(), esc.c_str());
    }
    for (const JobDef* j : flow->TopoOrder())
      for (const auto& need : j->needs)
        std::printf("  %s -->%s %s\n", ids[need].c_str(), j->when ? "|when|" : "", ids[j->id].c_str());
    return kExitSuccess;
  }
  // Text: a tree from the jobs that need nothing; a job needed by several appears under each,
  // its subtree once.
  std::set<std::string> shown;
  std::function<void(const JobDef&, const std::string&, bool)> print = [&](const JobDef& j, const std::string& pre, bool last) {
    const bool again = shown.count(j.id) > 0;
    std::string extra;
    if (j.needs.size() > 1) {
      extra += " (needs ";
      for (size_t i = 0; i < j.needs.size(); ++i) extra += (i ? ", " : "") + j.needs[i];
      extra += ")";
    }
    if (j.when) extra += " when " + j.when->text;
    std::printf("%s%s%s [%s]%s%s\n", pre.c_str(), last ? "`-- " : "|-- ", j.id.c_str(), label(j).c_str(), extra.c_str(),
                again ? " ..." : "");
    if (again) return;
    shown.insert(j.id);
    std::vector<const JobDef*> kids;
    for (const JobDef* k : flow->TopoOrder())
      if (std::find(k->needs.begin(), k->needs.end(), j.id) != k->needs.end()) kids.push_back(k);
    for (size_t i = 0; i < kids.size(); ++i) print(*kids[i], pre + (last ? "    " : "|   "), i + 1 == kids.size());
  };
  std::printf("%s\n", flow->name.c_str());
  std::vector<const JobDef*> roots;
  for (const JobDef* j : flow->TopoOrder())
    if (j->needs.empty()) roots.push_back(j);
  for (size_t i = 0; i < roots.size(); ++i) print(*roots[i], "", i + 1 == roots.size());
  return kExitSuccess;
}

int CmdValidate(const Options& o) {
  const Settings settings = LoadSettings();
  Calendars calendars(settings, o.calendar_files);
  std::vector<DefinitionError> errors;
  auto flow = LoadFlowFileCollect(o.file, &errors);
  if (errors.empty()) calendars.Check(*flow, &errors);
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.what());
  if (!errors.empty()) {
    std::fprintf(stderr, "%s: %zu error%s\n", kTool, errors.size(), errors.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  const size_t n = AllJobNames(*flow).size();
  std::printf("ok: flow '%s', %zu job%s\n", flow->name.c_str(), n, n == 1 ? "" : "s");
  return kExitSuccess;
}

}  // namespace hops::job
