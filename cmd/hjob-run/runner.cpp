#include "cmd/hjob-run/runner.hpp"

#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>

#include <date/date.h>

#include "common/event.hpp"
#include "common/text.hpp"
#include "common/units.hpp"
#include "common/zone.hpp"

namespace hops::job {

namespace {

/// Bytes of stdout a named output may hold: an environment string must stay well under the
/// kernel's 128 KiB limit for one string.
constexpr size_t kMaxOutput = 64 << 10;
/// Bytes of a job's output kept in its state row.
constexpr size_t kTailBytes = 1000;

bool IsEnded(const std::string& state) {
  return state == "success" || state == "warning" || state == "failed" || state == "skipped";
}

/// The last non-empty line of @p text.
std::string LastLine(const std::string& text) {
  size_t end = text.size();
  while (end > 0) {
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
    const size_t start = text.rfind('\n', end == 0 ? 0 : end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    const std::string line(Trim(text.substr(from, end - from)));
    if (!line.empty()) return line;
    if (from == 0) break;
    end = from;
  }
  return "";
}

/// The end of @p text, at most @p max bytes.
std::string Tail(const std::string& text, size_t max) {
  return text.size() <= max ? text : text.substr(text.size() - max);
}

std::string SignalName(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

/// One job of a flow level while it runs.
struct Slot {
  const JobDef* def = nullptr;
  std::string name;
  JobRecord rec;
  bool done = false;       ///< ended (success, warning, failed, skipped), now or before
  bool kept = false;       ///< kept as the earlier attempt left it; never started
  bool forced = false;     ///< a resume --only target: its needs count as met
  bool running = false;
  bool attempted = false;  ///< started once in this invocation; never started again
  bool hold_noted = false;
  bool rewrite = false;    ///< kept, but changed by the plan: record it again
};

/// The outcome of one flow level.
struct LevelResult {
  std::string status;  ///< success, warning, failed, held, incomplete
};

class Execution {
 public:
  Execution(Runs* runs, const RunInfo& run, const RunnerOptions& o, const ResumePlan* plan)
      : runs_(runs), run_(run), o_(o), plan_(plan) {}

  LevelResult RunLevel(const FlowDef& flow, const std::string& prefix, const std::map<std::string, std::string>& params);

  /// The worst status of the jobs this invocation ran.
  std::string RanStatus() const {
    std::lock_guard<std::mutex> l(ran_mu_);
    if (ran_.count("failed")) return "failed";
    if (ran_.count("held")) return "held";
    if (ran_.count("warning")) return "warning";
    return "success";
  }

 private:
  void Record(const JobRecord& rec) { runs_->SetJob(run_, rec); }
  void Ran(const std::string& state) {
    std::lock_guard<std::mutex> l(ran_mu_);
    if (IsEnded(state) || state == "held") ran_.insert(state);
  }
  /// True once the run is to stop: the caller's flag, seen by a scheduler loop, or an error.
  bool Stopped() {
    if (o_.stop && o_.stop->load()) stop_ = true;
    return stop_.load();
  }

  /// Whether the earlier attempt's record of @p name stands (resume), and whether its needs are
  /// forced met.
  void Decide(const std::string& name, const JobDef& def, Slot* s) const;
  bool IsTargetOrAncestor(const std::string& name) const {
    for (const auto& t : plan_->targets)
      if (t == name || StartsWith(t, name + "/")) return true;
    return false;
  }
  /// Whether the earlier result @p prev of one node of job @p name stands (resume): a node that
  /// ended well does, unless its job runs again on purpose (--from, --only: every node again;
  /// --warnings: the nodes that ended with a warning).
  bool KeepNode(const std::string& name, const JobRecord& prev) const {
    if (prev.state != "success" && prev.state != "warning") return false;
    switch (plan_->mode) {
      case ResumePlan::Mode::kFrom: return !from_set_.count(name) && !IsTargetOrAncestor(name);
      case ResumePlan::Mode::kOnly: return false;
      case ResumePlan::Mode::kWarnings: return prev.state == "success";
      case ResumePlan::Mode::kFailed:
      case ResumePlan::Mode::kNext: break;
    }
    return true;
  }

  JobRecord RunJob(const FlowDef& flow, const JobDef& def, const std::string& name,
                   std::vector<std::pair<std::string, std::string>> env,
                   const std::map<std::string, std::string>& values);
  void RunCommandJob(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                     const std::map<std::string, std::string>& values, JobRecord* rec);
  /// The attempts (retries included) of @p def on @p node ("" = this host) into @p rec; the
  /// last attempt's end in *@p last when given.
  void RunAttempts(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                   const std::string& node, JobRecord* rec, CommandResult::End* last = nullptr);
  /// A job with `on:`: one record "JOB@NODE" per node, dispatched by the target's mode.
  void RunOnNodes(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                  const std::vector<std::string>& nodes, JobRecord* rec);
  /// The executor of @p node; "" = this host.
  Executor* ExecutorFor(const std::string& node) {
    if (node.empty()) return o_.local;
    if (!o_.executor_for) throw RuntimeError("no inventory is loaded to reach node '" + node + "'");
    return o_.executor_for(node);
  }
  void RunApproval(const JobDef& def, JobRecord* rec);
  void RunWait(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env, JobRecord* rec);
  void RunSubflow(const FlowDef& flow, const JobDef& def, const std::map<std::string, std::string>& values,
                  JobRecord* rec);
  std::string RunHandlers(const FlowDef& flow, const std::string& prefix, const std::map<std::string, std::string>& params,
                          const std::vector<Slot>& slots, std::string status);

  Runs* runs_;
  const RunInfo& run_;
  const RunnerOptions& o_;
  const ResumePlan* plan_;
  /// What commands and sleeps watch: set from the caller's flag by the scheduler loops, which
  /// look at it at least every poll interval, or when a scheduler loop fails.
  std::atomic<bool> stop_{false};
  mutable std::mutex ran_mu_;
  std::set<std::string> ran_;  ///< end states of the jobs this invocation ran
  std::mutex report_mu_;       ///< one reporter call at a time
  std::set<std::string> from_set_;  ///< kFrom: the jobs to run again (computed on first use)
  bool from_ready_ = false;

 public:
  /// Calls the reporter, one call at a time.
  template <typename F>
  void Report(F f) {
    if (!o_.reporter) return;
    std::lock_guard<std::mutex> l(report_mu_);
    f(*o_.reporter);
  }
  /// kFrom: computes the set of jobs downstream of the targets across sub-flows.
  void PrepareFrom(const FlowDef& top);
};

void Execution::PrepareFrom(const FlowDef& top) {
  if (!plan_ || plan_->mode != ResumePlan::Mode::kFrom) return;
  // For a target "a/b/c": c and its downstream jobs in a/b's flow, b's downstream in a's flow,
  // and a's downstream in the top flow.
  for (const auto& target : plan_->targets) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      const size_t slash = target.find('/', start);
      parts.push_back(target.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    const FlowDef* flow = &top;
    std::string prefix;
    for (size_t i = 0; i < parts.size() && flow; ++i) {
      const JobDef* j = flow->Find(parts[i]);
      if (!j) break;
      from_set_.insert(prefix + parts[i]);
      for (const auto& d : flow->Downstream(parts[i])) {
        from_set_.insert(prefix + d);
        // Everything inside a downstream sub-flow runs again too.
        const JobDef* dj = flow->Find(d);
        if (dj && dj->kind == JobKind::kFlow)
          for (const auto& inner : AllJobNames(flow->Subflow(*dj))) from_set_.insert(prefix + d + "/" + inner);
      }
      if (j->kind == JobKind::kFlow && i + 1 == parts.size())
        for (const auto& inner : AllJobNames(flow->Subflow(*j))) from_set_.insert(prefix + parts[i] + "/" + inner);
      prefix += parts[i] + "/";
      flow = j->kind == JobKind::kFlow ? &flow->Subflow(*j) : nullptr;
    }
  }
  from_ready_ = true;
}

void Execution::Decide(const std::string& name, const JobDef& def, Slot* s) const {
  if (!plan_) return;
  auto it = plan_->previous.find(name);
  const JobRecord* prev = it == plan_->previous.end() ? nullptr : &it->second;
  const bool ok_before = prev && (prev->state == "success" || prev->state == "warning" || prev->state == "skipped");
  bool keep = false;
  switch (plan_->mode) {
    case ResumePlan::Mode::kFailed:
      keep = ok_before;
      break;
    case ResumePlan::Mode::kNext:
      keep = ok_before || (prev && prev->state == "failed" && def.kind != JobKind::kFlow);
      break;
    case ResumePlan::Mode::kFrom:
      keep = ok_before && !from_set_.count(name) && !IsTargetOrAncestor(name);
      break;
    case ResumePlan::Mode::kOnly:
    case ResumePlan::Mode::kWarnings:
      keep = !IsTargetOrAncestor(name);
      s->forced = plan_->targets.count(name) > 0;
      break;
  }
  if (!keep) return;
  s->kept = true;
  if (prev) s->rec = *prev;
  if (plan_->mode == ResumePlan::Mode::kNext && s->rec.state == "failed") {
    s->rec.state = "skipped";
    s->rec.skip_as = "success";
    s->rec.reason = "failed, then skipped by resume --next";
    s->rewrite = true;
  }
  s->done = IsEnded(s->rec.state);
}

LevelResult Execution::RunLevel(const FlowDef& flow, const std::string& prefix,
                                const std::map<std::string, std::string>& params) {
  std::vector<Slot> slots;
  for (const JobDef* def : flow.TopoOrder()) {
    Slot s;
    s.def = def;
    s.name = prefix + def->id;
    s.rec.job = s.name;
    s.rec.output_name = def->output;
    Decide(s.name, *def, &s);
    if (!s.kept || s.rewrite) Record(s.rec);
    slots.push_back(std::move(s));
  }
  auto slot_of = [&](const std::string& id) -> Slot* {
    for (auto& s : slots)
      if (s.def->id == id) return &s;
    return nullptr;
  };
  // What a job sees: parameters and the outputs of the jobs it needs.
  auto values_for = [&](const JobDef& def) {
    std::map<std::string, std::string> values = params;
    for (const auto& up : flow.Upstream(def.id)) {
      const Slot* s = slot_of(up);
      if (s && !s->def->output.empty() && s->done) values[s->def->output] = s->rec.output_value;
    }
    return values;
  };
  auto env_for = [&](const JobDef& def, const std::string& name, const std::map<std::string, std::string>& values) {
    std::vector<std::pair<std::string, std::string>> env = def.env;
    for (const auto& p : flow.params) env.emplace_back(p.name, values.at(p.name));
    for (const auto& up : flow.Upstream(def.id)) {
      const Slot* s = slot_of(up);
      if (s && !s->def->output.empty() && s->done) env.emplace_back(s->def->output, s->rec.output_value);
    }
    env.insert(env.end(), o_.extra_env.begin(), o_.extra_env.end());
    env.emplace_back("HOPS_RUN_ID", run_.id);
    env.emplace_back("HOPS_FLOW", flow.name);
    env.emplace_back("HOPS_JOB", name);
    return env;
  };
  auto lookup = [&](const Ref& ref) -> std::string {
    if (ref.kind == Ref::Kind::kParam) {
      auto it = params.find(ref.name);
      return it == params.end() ? "" : it->second;
    }
    if (ref.kind == Ref::Kind::kOutput) {
      for (const auto& s : slots)
        if (s.def->output == ref.name) return s.rec.output_value;
      return "";
    }
    const Slot* s = slot_of(ref.name);
    if (!s) return "";
    if (ref.kind == Ref::Kind::kJobStatus) return s->rec.state;
    if (ref.kind == Ref::Kind::kJobExitCode) return s->rec.exit_code ? std::to_string(*s->rec.exit_code) : "";
    return s->rec.output_value;
  };
  auto met = [&](const Slot& s) {
    if (s.forced) return true;
    for (const auto& n : s.def->needs) {
      const Slot* d = slot_of(n);
      if (!d || !d->done) return false;
      const std::string& st = d->rec.state;
      if (st == "failed" && !d->def->allow_failure) return false;
    }
    return true;
  };

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<size_t, JobRecord>> finished;
  std::vector<std::thread> threads;
  int running = 0;
  bool failing = false;
  auto end_job = [&](Slot& s, JobRecord rec) {
    s.rec = std::move(rec);
    s.done = IsEnded(s.rec.state);
    Record(s.rec);
    Ran(s.rec.state);
    Report([&](Reporter& r) { r.JobEnded(run_, s.rec); });
  };
  // Whatever fails here (the state store), the jobs started are stopped and waited for first.
  struct Joiner {
    std::vector<std::thread>* threads;
    std::atomic<bool>* stop;
    ~Joiner() {
      if (std::uncaught_exceptions() > 0) stop->store(true);
      for (auto& t : *threads)
        if (t.joinable()) t.join();
    }
  } joiner{&threads, &stop_};
  while (true) {
    std::vector<std::pair<size_t, JobRecord>> ended;
    {
      std::lock_guard<std::mutex> l(mu);
      ended.swap(finished);
    }
    for (auto& [i, rec] : ended) {
      Slot& s = slots[i];
      s.running = false;
      --running;
      end_job(s, std::move(rec));
      if (s.rec.state == "failed" && !s.def->allow_failure) failing = true;
    }
    if (Stopped()) failing = true;
    bool progressed = !ended.empty();
    if (!failing) {
      for (size_t i = 0; i < slots.size(); ++i) {
        Slot& s = slots[i];
        if (s.done || s.running || s.kept || s.attempted || !met(s)) continue;
        if (auto as = runs_->SkipRequested(run_, s.name)) {
          JobRecord rec = s.rec;
          rec.state = "skipped";
          rec.skip_as = *as;
          rec.reason = "skipped by an operator (counts as " + *as + ")";
          rec.started_ms = rec.ended_ms = o_.clock->NowMs();
          runs_->ClearSkip(run_, s.name);
          runs_->SetHold(run_, s.name, false);
          end_job(s, rec);
          progressed = true;
          continue;
        }
        if (runs_->Held(run_, s.name)) {
          if (!s.hold_noted) {
            s.hold_noted = true;
            s.rec.state = "held";
            s.rec.reason = "held by an operator ('hjob-run release " + run_.id + " " + s.name + "' lets it run)";
            Record(s.rec);
            Report([&](Reporter& r) { r.JobWaiting(run_, s.rec, "is " + s.rec.reason); });
          }
          continue;
        }
        if (s.hold_noted) {  // released
          s.hold_noted = false;
          s.rec.state = "pending";
          s.rec.reason.clear();
          Record(s.rec);
        }
        if (s.def->when) {
          bool go = false;
          try {
            go = EvaluateCondition(*s.def->when, lookup);
          } catch (const std::exception& e) {
            JobRecord rec = s.rec;
            rec.state = "failed";
            rec.reason = std::string("cannot evaluate 'when': ") + e.what();
            end_job(s, rec);
            failing = !s.def->allow_failure;
            progressed = true;
            break;
          }
          if (!go) {
            JobRecord rec = s.rec;
            rec.state = "skipped";
            rec.reason = "'when' is false: " + s.def->when->text;
            rec.started_ms = rec.ended_ms = o_.clock->NowMs();
            end_job(s, rec);
            progressed = true;
            continue;
          }
        }
        if (running >= flow.parallel) break;
        s.running = true;
        s.attempted = true;
        ++running;
        progressed = true;
        const std::map<std::string, std::string> values = values_for(*s.def);
        auto env = env_for(*s.def, s.name, values);
        threads.emplace_back([this, &flow, &s, i, env, values, &mu, &cv, &finished]() {
          JobRecord rec = RunJob(flow, *s.def, s.name, env, values);
          std::lock_guard<std::mutex> l(mu);
          finished.emplace_back(i, std::move(rec));
          cv.notify_all();
        });
      }
    }
    if (running == 0 && !progressed) break;
    if (progressed) continue;  // something changed: look again at once
    std::unique_lock<std::mutex> l(mu);
    cv.wait_for(l, o_.poll, [&] { return !finished.empty(); });
  }
  for (auto& t : threads) t.join();

  bool any_failed = false, any_held = false, any_pending = false, any_warning = false;
  for (const auto& s : slots) {
    const std::string& st = s.rec.state;
    if (st == "failed" && !s.def->allow_failure) any_failed = true;
    else if (st == "held" || st == "waiting") any_held = true;
    else if (!IsEnded(st)) any_pending = true;
    else if (st == "warning" || (st == "skipped" && s.rec.skip_as == "warning")) any_warning = true;
  }
  std::string status = Stopped() || any_failed ? "failed"
                       : any_held              ? "held"
                       : any_pending           ? "incomplete"
                       : any_warning           ? "warning"
                                               : "success";
  LevelResult r;
  r.status = RunHandlers(flow, prefix, params, slots, status);
  return r;
}

std::string Execution::RunHandlers(const FlowDef& flow, const std::string& prefix,
                                   const std::map<std::string, std::string>& params, const std::vector<Slot>& slots,
                                   std::string status) {
  std::vector<const JobDef*> handlers;
  if (flow.on_success && (status == "success" || status == "warning")) handlers.push_back(&*flow.on_success);
  if (flow.on_failure && status == "failed") handlers.push_back(&*flow.on_failure);
  if (flow.on_exit) handlers.push_back(&*flow.on_exit);
  std::string failed;
  for (const auto& s : slots)
    if (s.rec.state == "failed") failed += (failed.empty() ? "" : " ") + s.name;
  for (const JobDef* h : handlers) {
    std::vector<std::pair<std::string, std::string>> env = h->env;
    for (const auto& p : flow.params) env.emplace_back(p.name, params.at(p.name));
    env.insert(env.end(), o_.extra_env.begin(), o_.extra_env.end());
    env.emplace_back("HOPS_RUN_ID", run_.id);
    env.emplace_back("HOPS_FLOW", flow.name);
    env.emplace_back("HOPS_JOB", prefix + h->id);
    env.emplace_back("HOPS_RUN_STATUS", status);
    env.emplace_back("HOPS_FAILED_JOBS", failed);
    JobRecord rec = RunJob(flow, *h, prefix + h->id, env, params);
    Record(rec);
    Report([&](Reporter& r) { r.JobEnded(run_, rec); });
    // A handler that fails is an unexpected error: the run fails with it.
    if (rec.state == "failed" && status != "held" && status != "incomplete") status = "failed";
  }
  return status;
}

JobRecord Execution::RunJob(const FlowDef& flow, const JobDef& def, const std::string& name,
                            std::vector<std::pair<std::string, std::string>> env,
                            const std::map<std::string, std::string>& values) {
  JobRecord rec;
  rec.job = name;
  rec.output_name = def.output;
  rec.state = "running";
  rec.started_ms = o_.clock->NowMs();
  // Fail-safe: whatever goes wrong while a job runs ends it as failed, never as anything else.
  try {
    Record(rec);
    Report([&](Reporter& r) { r.JobStarted(run_, rec); });
    switch (def.kind) {
      case JobKind::kRun:
        RunCommandJob(def, env, values, &rec);
        break;
      case JobKind::kApproval:
        RunApproval(def, &rec);
        break;
      case JobKind::kWait:
        RunWait(def, env, &rec);
        break;
      case JobKind::kFlow:
        RunSubflow(flow, def, values, &rec);
        break;
    }
  } catch (const std::exception& e) {
    rec.state = "failed";
    rec.reason = e.what();
  } catch (...) {
    rec.state = "failed";
    rec.reason = "unexpected error";
  }
  if (rec.state == "running") {
    rec.state = "failed";
    rec.reason = "ended without a status";
  }
  rec.pgid = 0;
  if (IsEnded(rec.state)) rec.ended_ms = o_.clock->NowMs();
  return rec;
}

void Execution::RunCommandJob(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                              const std::map<std::string, std::string>& values, JobRecord* rec) {
  if (!def.on.Remote()) return RunAttempts(def, env, "", rec);
  if (!o_.select_nodes) throw RuntimeError("job '" + def.id + "' runs on nodes, but no inventory is loaded");
  TargetSpec on = def.on;
  for (auto* names : {&on.nodes, &on.scopes})
    for (auto& n : *names) n = ExpandTemplate(n, values);
  const std::vector<std::string> nodes = o_.select_nodes(on);
  if (nodes.empty()) throw RuntimeError("'on' of job '" + def.id + "' selects no node");
  RunOnNodes(def, env, nodes, rec);
}

void Execution::RunOnNodes(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                           const std::vector<std::string>& nodes, JobRecord* rec) {
  const size_t total = nodes.size();
  std::vector<JobRecord> results(total);
  std::vector<bool> kept(total, false);
  for (size_t i = 0; i < total; ++i) {
    results[i].job = rec->job + "@" + nodes[i];
    results[i].output_name = def.output;
    // Resume: a (job, node) pair that ended well before is not run again, unless asked for.
    if (!plan_) continue;
    auto it = plan_->previous.find(results[i].job);
    if (it != plan_->previous.end() && KeepNode(rec->job, it->second)) {
      results[i] = it->second;
      kept[i] = true;
    }
  }
  std::vector<CommandResult::End> ends(total, CommandResult::End::kNotStarted);
  auto run_node = [&](size_t i) {
    JobRecord& nr = results[i];
    nr.state = "running";
    nr.reason.clear();
    nr.started_ms = o_.clock->NowMs();
    nr.ended_ms = 0;
    Record(nr);
    auto node_env = env;
    node_env.emplace_back("HOPS_NODE", nodes[i]);
    try {
      RunAttempts(def, node_env, nodes[i], &nr, &ends[i]);
    } catch (const std::exception& e) {
      nr.state = "failed";
      nr.reason = e.what();
    }
    if (nr.state == "running") {
      nr.state = "failed";
      nr.reason = "ended without a status";
    }
    nr.ended_ms = o_.clock->NowMs();
    Record(nr);
    Report([&](Reporter& r) { r.NodeEnded(run_, *rec, nodes[i], nr); });
  };
  auto summary = [&](const std::string& lead) {
    std::map<std::string, int> counts;
    std::string failed;
    for (size_t i = 0; i < total; ++i) {
      ++counts[results[i].state];
      if (results[i].state == "failed" && failed.size() < 300)
        failed += (failed.empty() ? "; " : ", ") + nodes[i] + ": " + Printable(results[i].reason, 100);
    }
    std::string parts;
    for (const char* st : {"success", "warning", "failed", "pending"})
      if (counts.count(st)) parts += (parts.empty() ? "" : ", ") + std::to_string(counts[st]) + " " + st;
    return lead + std::to_string(total) + " node" + (total == 1 ? "" : "s") + ": " + parts + failed;
  };
  int attempts = 0;
  auto finish = [&](const std::string& state, const std::string& reason, const JobRecord* from) {
    for (const auto& r : results) attempts += r.attempts;
    rec->attempts = attempts;
    rec->state = state;
    rec->reason = reason;
    if (from) {
      rec->exit_code = from->exit_code;
      rec->output_value = from->output_value;
      rec->tail = from->tail;
    }
  };

  if (def.on.mode != TargetSpec::Mode::kAll) {
    Report([&](Reporter& r) { r.JobDispatched(run_, *rec, total, 1); });
    // one_of: in order until one succeeds; any: the first node that can be reached runs it.
    const bool one_of = def.on.mode == TargetSpec::Mode::kOneOf;
    for (size_t i = 0; i < total; ++i) {
      if (!kept[i]) {
        if (Stopped()) break;
        run_node(i);
      }
      const JobRecord& nr = results[i];
      const bool ok = nr.state == "success" || nr.state == "warning";
      if (ok || (!one_of && ends[i] != CommandResult::End::kNotStarted))
        return finish(nr.state, "on " + nodes[i] + ": " + nr.reason, &nr);
    }
    for (size_t i = 0; i < total; ++i)
      if (results[i].state.empty() || results[i].state == "pending") results[i].state = "pending";
    return finish("failed", summary(one_of ? "no node succeeded, " : "no node could be reached, "), nullptr);
  }

  const int allowed = def.on.AllowedFailures(static_cast<int>(total));
  const size_t width = def.on.parallel > 0 ? std::min<size_t>(def.on.parallel, total) : total;
  // Rows are listed in the order first recorded: record them all now, so that results, status
  // and logs list the nodes in the job's order, not in the order parallel nodes happen to start.
  for (size_t i = 0; i < total; ++i) {
    if (kept[i]) continue;
    results[i].state = "pending";
    results[i].reason = "not started yet";
    Record(results[i]);
  }
  Report([&](Reporter& r) { r.JobDispatched(run_, *rec, total, width); });
  std::mutex mu;
  size_t next = 0;
  int failures = 0;
  auto worker = [&] {
    while (true) {
      size_t i;
      {
        std::lock_guard<std::mutex> l(mu);
        if (next >= total) return;
        i = next++;
        if (kept[i]) continue;
        if (Stopped() || (failures > allowed && !def.on.keep_going)) {
          results[i].state = "pending";
          results[i].reason = Stopped() ? "not started: the run was stopped"
                                        : "not started: more than " + std::to_string(allowed) + " node(s) failed";
          Record(results[i]);
          continue;
        }
      }
      run_node(i);
      if (results[i].state == "failed") {
        std::lock_guard<std::mutex> l(mu);
        ++failures;
      }
    }
  };
  std::vector<std::thread> threads;
  for (size_t t = 1; t < width; ++t) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  bool warning = false, pending = false;
  for (const auto& r : results) {
    if (r.state == "warning") warning = true;
    if (r.state == "pending") pending = true;
  }
  const std::string state = failures > allowed || pending || Stopped() ? "failed"
                            : failures > 0 || warning                ? "warning"
                                                                     : "success";
  finish(state, summary(""), total == 1 ? &results[0] : nullptr);
}

void Execution::RunAttempts(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                            const std::string& node, JobRecord* rec, CommandResult::End* last) {
  Executor* executor = ExecutorFor(node);
  const std::string log = runs_->LogPath(run_, rec->job, true);
  struct stat st {};
  if (::stat(log.c_str(), &st) == 0 && st.st_size > 0) AppendFile(log, "--- run again by resume ---\n");
  const int attempts = 1 + def.retry.count;
  for (int a = 1; a <= attempts; ++a) {
    if (a > 1) {
      const auto delay = def.retry.DelayBefore(a);
      AppendFile(log, "--- attempt " + std::to_string(a) + " of " + std::to_string(attempts) + " after " +
                          FormatDuration(delay) + " ---\n");
      if (!o_.clock->Sleep(delay, &stop_)) {
        rec->state = "failed";
        rec->reason = "interrupted";
        return;
      }
    }
    rec->attempts = a;
    rec->exit_code.reset();
    JobCommand cmd;
    cmd.command = def.run;
    cmd.script = def.script;
    cmd.env = env;
    cmd.env.emplace_back("HOPS_ATTEMPT", std::to_string(a));
    cmd.cwd = def.cwd;
    cmd.timeout = def.timeout;
    cmd.on_start = [&](int pgid) {
      rec->pgid = pgid;
      rec->boot_id = BootId();
      Record(*rec);
    };
    cmd.on_remote_start = [&](long pgid, const std::string& boot_id) {
      rec->pgid = static_cast<int>(pgid);
      rec->boot_id = boot_id;
      rec->pgid_node = node;
      Record(*rec);
    };
    const CommandResult r = executor->Run(cmd, &stop_);
    if (last) *last = r.end;
    // A command whose connection was lost may still run on its node: its group stays on record,
    // so that resume asks the node first.
    if (r.end != CommandResult::End::kLost || rec->pgid_node.empty()) {
      rec->pgid = 0;
      rec->pgid_node.clear();
    }
    std::string text = r.out;
    if (r.out_truncated) text += "\n--- stdout cut at " + std::to_string(cmd.max_stdout) + " bytes ---\n";
    text += r.err;
    if (r.err_truncated) text += "\n--- stderr cut at " + std::to_string(cmd.max_stderr) + " bytes ---\n";
    AppendFile(log, text);
    rec->tail = Tail(r.out + r.err, kTailBytes);
    const std::string why = LastLine(r.err);
    switch (r.end) {
      case CommandResult::End::kExited:
        rec->exit_code = r.exit_code;
        rec->state = JudgedName(def.end_values.Judge(r.exit_code));
        rec->reason = "exit " + std::to_string(r.exit_code);
        if (rec->state != "success" && !why.empty()) rec->reason += ": " + Printable(why, 200);
        break;
      case CommandResult::End::kSignaled:
        rec->exit_code = r.exit_code;
        rec->state = "failed";
        rec->reason = "killed by " + SignalName(r.exit_code - 128);
        break;
      case CommandResult::End::kTimedOut:
        rec->state = "failed";
        rec->reason = "timed out after " + FormatDuration(def.timeout);
        break;
      case CommandResult::End::kStopped:
        rec->state = "failed";
        rec->reason = "interrupted";
        return;
      case CommandResult::End::kNotStarted:
        rec->exit_code = r.exit_code >= 0 ? std::optional<int>(r.exit_code) : std::nullopt;
        rec->state = "failed";
        rec->reason = r.error;
        break;
      case CommandResult::End::kLost:
        rec->state = "failed";
        rec->reason = r.error;
        break;
    }
    if (rec->state != "failed" && !def.output.empty()) {
      // A named output is only ever the whole of stdout: anything else fails the job.
      std::string value = r.out;
      if (r.out_truncated || value.size() > kMaxOutput) {
        rec->state = "failed";
        rec->reason = "output '" + def.output + "' is larger than " + std::to_string(kMaxOutput / 1024) + " KiB";
      } else if (value.find('\0') != std::string::npos) {
        rec->state = "failed";
        rec->reason = "output '" + def.output + "' holds a NUL byte";
      } else {
        while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
        rec->output_value = value;
      }
    }
    if (rec->state != "failed") return;
    Record(*rec);
  }
}

void Execution::RunApproval(const JobDef& def, JobRecord* rec) {
  const int64_t deadline = o_.clock->NowMs() + def.approval.timeout.count();
  for (bool first = true;; first = false) {
    if (first && !runs_->Approval(run_, rec->job)) {  // decided beforehand: nobody to tell
      rec->state = "waiting";
      rec->reason = "waiting for approval ('hjob-run approve " + run_.id + " " + rec->job + "' or 'deny')";
      Record(*rec);
      Report([&](Reporter& r) {
        r.JobWaiting(run_, *rec,
                     "waits for approval: " + def.approval.message + " ('hjob-run approve " + run_.id + " " + rec->job +
                         "' or 'deny')");
      });
    }
    if (auto d = runs_->Approval(run_, rec->job)) {
      // A decision is used once: a resume after a denial asks again.
      runs_->ClearApproval(run_, rec->job);
      if (o_.prompt) o_.prompt->Withdraw(rec->job, std::string(d->approve ? "approved" : "denied") + " by " + d->by);
      rec->state = d->approve ? "success" : "failed";
      rec->reason = std::string(d->approve ? "approved" : "denied") + (d->by.empty() ? "" : " by " + d->by) +
                    (d->comment.empty() ? "" : ": " + d->comment);
      return;
    }
    if (Stopped()) {
      if (o_.prompt) o_.prompt->Withdraw(rec->job, "interrupted");
      rec->state = "failed";
      rec->reason = "interrupted while waiting for approval";
      return;
    }
    const int64_t now = o_.clock->NowMs();
    if (now >= deadline) {
      const std::string after = "no answer within " + FormatDuration(def.approval.timeout);
      if (o_.prompt) o_.prompt->Withdraw(rec->job, after);
      if (def.approval.on_timeout == "approve") {
        rec->state = "success";
        rec->reason = "approved: " + after;
      } else if (def.approval.on_timeout == "hold") {
        rec->state = "held";
        rec->reason = after + "; held ('hjob-run approve " + run_.id + " " + rec->job + "', then resume)";
      } else {
        rec->state = "failed";
        rec->reason = "denied: " + after;
      }
      return;
    }
    const auto wait = std::min<std::chrono::milliseconds>(o_.poll, std::chrono::milliseconds(deadline - now));
    if (o_.prompt) {
      const std::string question = "job '" + rec->job + "' of run " + run_.id + ": " + def.approval.message;
      if (const std::optional<bool> yes = o_.prompt->Ask(rec->job, question, wait)) {
        ApprovalDecision d;
        d.approve = *yes;
        d.by = o_.prompt_user + " at the terminal";
        d.at_ms = o_.clock->NowMs();
        runs_->SetApproval(run_, rec->job, d);
        continue;
      }
      if (o_.prompt->Owns(rec->job)) continue;  // Ask waited already
    }
    o_.clock->Sleep(wait, &stop_);
  }
}

void Execution::RunWait(const JobDef& def, const std::vector<std::pair<std::string, std::string>>& env,
                        JobRecord* rec) {
  const WaitSpec& w = def.wait;
  const int64_t start = o_.clock->NowMs();
  const int64_t deadline = start + def.timeout.count();
  auto interrupted = [&] {
    rec->state = "failed";
    rec->reason = "interrupted";
  };
  auto timed_out = [&](const std::string& what) {
    rec->state = "failed";
    rec->reason = "timed out after " + FormatDuration(def.timeout) + " waiting " + what;
  };
  if (w.sleep || !w.until.empty()) {
    const int64_t target = w.sleep ? start + w.sleep->count() : UntilMs(w.until, start, o_.zone);
    const std::string what = w.sleep ? "for " + FormatDuration(*w.sleep) : "until " + w.until;
    while (true) {
      const int64_t now = o_.clock->NowMs();
      if (now >= target) break;
      if (now >= deadline) return timed_out(what);
      if (!o_.clock->Sleep(std::chrono::milliseconds(std::min(target, deadline) - now), &stop_)) return interrupted();
    }
    rec->state = "success";
    rec->reason = "waited " + what;
    return;
  }
  for (int tries = 1;; ++tries) {
    if (!w.file.empty()) {
      struct stat st {};
      if (::stat(w.file.c_str(), &st) == 0) {
        rec->state = "success";
        rec->reason = "file '" + w.file + "' exists";
        return;
      }
    } else {
      JobCommand cmd;
      cmd.command = *w.command;
      cmd.env = env;
      cmd.cwd = def.cwd;
      cmd.timeout = std::chrono::milliseconds(std::max<int64_t>(1, deadline - o_.clock->NowMs()));
      const CommandResult r = ExecutorFor("")->Run(cmd, &stop_);
      rec->attempts = tries;
      if (r.end == CommandResult::End::kStopped) return interrupted();
      if (r.end == CommandResult::End::kNotStarted) {
        rec->state = "failed";
        rec->reason = r.error;
        return;
      }
      if (r.end == CommandResult::End::kExited && r.exit_code == 0) {
        rec->state = "success";
        rec->reason = "command succeeded after " + std::to_string(tries) + " tr" + (tries == 1 ? "y" : "ies");
        return;
      }
    }
    const int64_t now = o_.clock->NowMs();
    const std::string what = w.file.empty() ? "for the command to succeed" : "for file '" + w.file + "'";
    if (now >= deadline) return timed_out(what);
    if (!o_.clock->Sleep(std::chrono::milliseconds(std::min<int64_t>(w.interval.count(), deadline - now)), &stop_))
      return interrupted();
  }
}

void Execution::RunSubflow(const FlowDef& flow, const JobDef& def, const std::map<std::string, std::string>& values,
                           JobRecord* rec) {
  const FlowDef& sub = flow.Subflow(def);
  std::vector<std::pair<std::string, std::string>> given;
  for (const auto& [name, text] : def.flow_params) given.emplace_back(name, ExpandTemplate(text, values));
  const std::map<std::string, std::string> params = ResolveParams(sub, given);
  if (!sub.calendar.empty()) {
    if (!o_.calendar_closed) throw RuntimeError("flow '" + sub.name + "' names calendar '" + sub.calendar + "', but no calendar is loaded");
    if (auto why = o_.calendar_closed(sub.calendar)) {
      rec->state = "skipped";
      rec->reason = "calendar '" + sub.calendar + "' is closed: " + *why;
      return;
    }
  }
  const LevelResult r = RunLevel(sub, rec->job + "/", params);
  rec->reason = "flow '" + sub.name + "' ended " + r.status;
  if (r.status == "success" || r.status == "warning" || r.status == "failed" || r.status == "held") rec->state = r.status;
  else rec->state = "pending";  // incomplete: some of its jobs are still to run
}

}  // namespace

int64_t SystemClock::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SystemClock::Sleep(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  const auto until = std::chrono::steady_clock::now() + d;
  while (true) {
    if (stop && stop->load()) return false;
    const auto now = std::chrono::steady_clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(until - now, std::chrono::milliseconds(50)));
  }
}

std::vector<std::string> AllJobNames(const FlowDef& flow) {
  std::vector<std::string> out;
  for (const JobDef* j : flow.TopoOrder()) {
    out.push_back(j->id);
    if (j->kind == JobKind::kFlow)
      for (const auto& inner : AllJobNames(flow.Subflow(*j))) out.push_back(j->id + "/" + inner);
  }
  return out;
}

int64_t UntilMs(const std::string& until, int64_t now_ms, const TimeZone* zone) {
  if (auto t = ParseTimestamp(until))
    return std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
  const auto minutes = ParseClockMinutes(until, 23);
  if (!minutes) throw RuntimeError("invalid time '" + until + "'");
  const date::sys_seconds now{std::chrono::seconds(now_ms / 1000)};
  const date::local_seconds local = zone ? zone->ToLocal(now) : date::local_seconds{now.time_since_epoch()};
  const date::local_days today = date::floor<date::days>(local);
  for (int day = 0; day < 3; ++day) {
    const date::local_seconds want = today + date::days(day) + std::chrono::minutes(*minutes);
    const date::sys_seconds at = zone ? zone->FromLocal(want).instant : date::sys_seconds{want.time_since_epoch()};
    const int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
    if (ms > now_ms) return ms;
  }
  return now_ms;
}

RunOutcome ExecuteRun(Runs* runs, const RunInfo& run, const FlowDef& flow,
                      const std::map<std::string, std::string>& params, const RunnerOptions& opts,
                      const ResumePlan* plan) {
  Execution ex(runs, run, opts, plan);
  ex.PrepareFrom(flow);
  ex.Report([&](Reporter& r) { r.RunStarted(run, plan != nullptr); });
  const LevelResult level = ex.RunLevel(flow, "", params);
  RunOutcome out;
  out.status = level.status;
  out.ran_status = ex.RanStatus();
  runs->Finish(run, out.status);
  std::map<std::string, int> counts;
  int total = 0;
  std::vector<JobRecord> failed;
  for (const auto& j : runs->Jobs(run)) {
    if (j.job.find('@') != std::string::npos) continue;  // handlers and JOB@NODE rows
    ++counts[j.state];
    ++total;
    if (j.state == "failed") failed.push_back(j);
  }
  out.summary = std::to_string(total) + " job" + (total == 1 ? "" : "s");
  std::string parts;
  for (const char* st : {"success", "warning", "failed", "skipped", "held", "waiting", "running", "pending"}) {
    if (!counts.count(st)) continue;
    parts += (parts.empty() ? ": " : ", ") + std::to_string(counts[st]) + " " + st;
  }
  out.summary += parts;
  ex.Report([&](Reporter& r) { r.RunEnded(run, out.status, out.summary, failed); });
  return out;
}

}  // namespace hops::job
