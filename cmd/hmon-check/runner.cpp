#include "cmd/hmon-check/runner.hpp"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <unordered_map>
#include <thread>

#include "common/calendar_load.hpp"
#include "common/inventory.hpp"
#include "common/output.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {

namespace {

using nagios::State;

constexpr size_t kHistoryMax = 32;
constexpr const char* kTool = "hmon-check";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

State StateOfWord(const std::string& w) {
  auto s = nagios::ParseStateWord(w);
  return s ? *s : State::kOk;
}

bool IsCheckStatus(const std::string& s) {
  return s == "ok" || s == "warning" || s == "critical" || s == "unknown";
}

State LetterState(char c) {
  switch (c) {
    case 'W': return State::kWarning;
    case 'C': return State::kCritical;
    case 'U': return State::kUnknown;
    default: return State::kOk;
  }
}

}  // namespace

char HistoryLetter(const std::string& status) {
  if (status == "warning") return 'W';
  if (status == "critical") return 'C';
  if (status == "unknown") return 'U';
  return 'O';
}

Outcome EvaluateState(const StateRules& rules, const std::optional<MonitorStatus>& previous,
                      const std::string& raw, const std::string& summary, int64_t now_ms) {
  Outcome o;
  o.raw = raw;
  const State prev_hard =
      previous && !previous->hard_state.empty() ? StateOfWord(previous->hard_state) : State::kOk;
  const bool was_flapping = previous && previous->state == "flapping";
  const std::string prev_reported =
      previous ? (was_flapping ? "flapping" : nagios::StateWord(prev_hard)) : "";
  o.previous = prev_reported;
  const bool was_unjudged = previous && (previous->state == "suppressed" || previous->state == "unreachable");
  o.log_from = was_unjudged ? previous->state : prev_reported;
  MonitorStatus n = previous ? *previous : MonitorStatus{};
  n.last_check_ms = now_ms;
  n.last_summary = summary;
  if (!IsCheckStatus(raw)) {  // suppressed or unreachable: nothing was judged
    o.hard = prev_hard;
    o.status = raw;
    if (!was_flapping) n.state = raw;  // keep the flapping mark for the next judged run
    if (n.hard_state.empty()) n.hard_state = nagios::StateWord(prev_hard);
    o.log_change = o.log_from != o.status;
    if (o.log_change) n.last_change_ms = now_ms;
    o.next = n;
    return o;
  }
  n.history.push_back(HistoryLetter(raw));
  if (n.history.size() > kHistoryMax) n.history.erase(0, n.history.size() - kHistoryMax);
  // Nagios counts check attempts: consecutive non-OK results of any kind (W, C and U alike), or
  // consecutive OK results while recovering.
  const bool raw_bad = n.history.back() != 'O';
  int consecutive = 0;
  for (auto it = n.history.rbegin(); it != n.history.rend() && (*it != 'O') == raw_bad; ++it) ++consecutive;
  const State raw_state = StateOfWord(raw);
  State candidate = prev_hard;
  if (rules.window_m > 0) {
    size_t take = std::min<size_t>(n.history.size(), size_t(rules.window_n));
    std::string recent = n.history.substr(n.history.size() - take);
    int bad = 0;
    State worst = State::kOk;
    for (char c : recent) {
      if (c != 'O') {
        ++bad;
        worst = nagios::WorstOf(worst, LetterState(c));
      }
    }
    if (bad >= rules.window_m) candidate = worst;
    else if (!raw_bad && consecutive >= rules.recover_after) candidate = State::kOk;
  } else if (raw_bad) {
    // Soft until the attempts reach `after`; once the hard state is non-OK, a change to another
    // non-OK state is hard at once (Nagios: a hard state change between problem states).
    if (prev_hard != State::kOk || consecutive >= rules.after) candidate = raw_state;
  } else if (prev_hard == State::kOk || consecutive >= rules.recover_after) {
    candidate = State::kOk;
  }
  bool flapping = false;
  if (rules.flapping) {
    size_t take = std::min<size_t>(n.history.size(), size_t(rules.flap_window));
    std::string recent = n.history.substr(n.history.size() - take);
    if (recent.size() >= 4) {
      int changes = 0;
      for (size_t i = 1; i < recent.size(); ++i) changes += recent[i] != recent[i - 1];
      int pct = changes * 100 / int(recent.size() - 1);
      flapping = was_flapping ? pct > rules.flap_low : pct >= rules.flap_high;
    }
  }
  o.hard = flapping ? prev_hard : candidate;
  o.status = flapping ? "flapping" : nagios::StateWord(candidate);
  o.changed = previous ? o.status != prev_reported : o.status != "ok";
  o.soft = !flapping && raw != nagios::StateWord(o.hard);
  n.state = flapping ? "flapping" : raw;
  n.hard_state = nagios::StateWord(o.hard);
  n.consecutive = consecutive;
  o.log_change = o.log_from != o.status;
  if (o.changed || o.log_change || !previous) n.last_change_ms = now_ms;
  o.next = n;
  return o;
}

void RunChecks(size_t count, const std::function<const std::string&(size_t)>& type_of,
               const MakeInstanceFn& make, int concurrency, const CheckContext& ctx, const CheckDoneFn& done) {
  const auto& types = CheckTypes();
  std::map<std::string, std::vector<uint32_t>> batch_groups;
  std::vector<uint32_t> pool;
  for (size_t i = 0; i < count; ++i) {
    const CheckType& t = *types.at(type_of(i));
    if (t.UsesCurlMulti()) batch_groups[t.Name()].push_back(uint32_t(i));
    else pool.push_back(uint32_t(i));
  }
  std::mutex mu;  // done is called by one thread at a time
  auto finish = [&](size_t i, std::shared_ptr<const Instance> in, CheckResult r) {
    std::lock_guard<std::mutex> lock(mu);
    done(i, std::move(in), std::move(r));
  };
  auto failed = [](const std::exception& e) {
    CheckResult r;
    r.state = State::kUnknown;
    r.summary = std::string("check failed: ") + e.what();
    return r;
  };
  auto guarded = [&](size_t i) {
    auto start = std::chrono::steady_clock::now();
    std::shared_ptr<const Instance> in;
    CheckResult r;
    try {
      in = make(i);
      r = types.at(in->spec.type)->Run(in->spec, ctx);
    } catch (const std::exception& e) {
      r = failed(e);
    }
    if (r.duration.count() == 0)
      r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    finish(i, std::move(in), std::move(r));
  };
  // Every group runs at the same time: the thread pool, and each type of the HTTP layer in its own
  // loop on its own thread, so a run ends when its slowest check does. They share --concurrency:
  // each gets a part in proportion to its checks (at least one); when there are more groups than
  // the budget allows, they take turns, so no more than --concurrency checks ever run at once.
  const size_t budget = size_t(std::max(1, concurrency));
  // Shares: the pool (when it has checks), then one per HTTP-layer type, each at least 1 and in
  // proportion to its checks; rounding up to 1 may overshoot the budget, which the largest shares
  // give back.
  std::vector<std::pair<std::string, size_t>> groups;  // type name ("" for the pool), checks
  if (!pool.empty()) groups.emplace_back("", pool.size());
  for (const auto& [name, idx] : batch_groups) groups.emplace_back(name, idx.size());
  const bool together = groups.size() <= budget;
  std::vector<size_t> share(groups.size());
  for (size_t g = 0; g < groups.size(); ++g) share[g] = std::max<size_t>(1, budget * groups[g].second / count);
  size_t total = 0;
  for (size_t n : share) total += n;
  while (together && total > budget) {
    --*std::max_element(share.begin(), share.end());
    --total;
  }
  std::atomic<size_t> next{0};
  auto run_pool = [&](size_t n_workers) {
    std::vector<std::thread> workers;
    for (size_t w = 0; w < std::min(n_workers, pool.size()); ++w)
      workers.emplace_back([&] {
        for (size_t k = next++; k < pool.size(); k = next++) guarded(pool[k]);
      });
    for (auto& w : workers) w.join();
  };
  auto run_group = [&](const std::string& name, size_t share) {
    const std::vector<uint32_t>& idx = batch_groups.at(name);
    // The instances in flight, and why one could not be made.
    std::vector<std::shared_ptr<const Instance>> live(idx.size());
    std::vector<bool> reported(idx.size());
    std::map<size_t, std::string> make_errors;
    SpecSource specs(idx.size(), [&](size_t k) -> std::shared_ptr<const CheckSpec> {
      try {
        live[k] = make(idx[k]);
        return std::shared_ptr<const CheckSpec>(live[k], &live[k]->spec);
      } catch (const std::exception& e) {
        make_errors[k] = e.what();
        return nullptr;
      }
    });
    auto report = [&](size_t k, CheckResult r) {
      reported[k] = true;
      if (auto e = make_errors.find(k); e != make_errors.end()) r = failed(std::runtime_error(e->second));
      finish(idx[k], std::move(live[k]), std::move(r));
    };
    try {
      types.at(name)->RunBatch(specs, ctx, int(share), report);
    } catch (const std::exception& e) {
      for (size_t k = 0; k < idx.size(); ++k)
        if (!reported[k]) report(k, failed(e));
    }
  };
  auto run = [&](size_t g, size_t n) {
    if (groups[g].first.empty()) run_pool(n);
    else run_group(groups[g].first, n);
  };
  std::vector<std::thread> workers;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (together) workers.emplace_back(run, g, share[g]);
    else run(g, budget);  // more groups than --concurrency: one after another, each with all of it
  }
  for (auto& w : workers) w.join();
}

std::vector<CheckResult> RunChecks(const std::vector<Instance>& instances, int concurrency, const CheckContext& ctx) {
  std::vector<CheckResult> results(instances.size());
  RunChecks(
      instances.size(), [&](size_t i) -> const std::string& { return instances[i].spec.type; },
      [&](size_t i) { return std::shared_ptr<const Instance>(std::shared_ptr<const Instance>(), &instances[i]); },
      concurrency, ctx,
      [&](size_t i, std::shared_ptr<const Instance>, CheckResult r) { results[i] = std::move(r); });
  return results;
}

namespace {

std::string Describe(const Instance& in) { return in.def->id + (in.node ? " on " + in.node->id : ""); }

Event OutcomeEvent(const Outcome& o) {
  const Instance& in = *o.instance;
  Event e;
  e.tool = kTool;
  e.kind = "monitor.result";
  e.key = std::string(kTool) + "/" + in.key;
  e.status = o.status;
  e.severity = IsCheckStatus(o.status) || o.status == "flapping" ? nagios::StateWord(o.hard) : "info";
  std::string text = o.result.summary;
  if (o.status == "suppressed") text = "not run: calendar '" + in.def->calendar + "' is closed";
  std::string label;  // what the summary leads with: the confirmed state, or why there is none
  if (o.status == "flapping") label = "FLAPPING";
  else if (o.soft) label = std::string(nagios::StateName(StateOfWord(o.raw))) + " (soft)";
  else if (IsCheckStatus(o.status)) label = nagios::StateName(o.hard);
  else label = o.status;
  e.summary = Describe(in) + ": " + label + " - " + text;
  if (!o.previous.empty()) e.previous_status = o.previous;
  e.changed = o.changed;
  e.monitor = in.def->id;
  if (in.node) e.node = in.node->id;
  if (!in.scope.empty()) e.scope = in.scope;
  if (!in.runbook.empty()) e.runbook = in.runbook;
  e.duration_ms = double(o.result.duration.count());
  e.perfdata = o.result.perfdata;
  e.data = nlohmann::ordered_json::object();
  e.data["type"] = in.spec.type;
  if (!in.spec.target.empty()) e.data["target"] = in.spec.target;
  e.data["raw_status"] = o.raw;
  e.data["soft"] = o.soft;
  e.data["consecutive"] = o.next.consecutive;
  e.data["history"] = o.next.history;
  if (!o.result.long_output.empty()) e.data["long_output"] = o.result.long_output;
  if (!o.result.details.empty()) e.data["details"] = o.result.details;
  return e;
}

Color StatusColor(const std::string& s) {
  if (s == "ok") return Color::kGreen;
  if (s == "warning" || s == "flapping") return Color::kYellow;
  if (s == "critical") return Color::kRed;
  if (s == "unknown") return Color::kBlue;
  return Color::kDim;
}

}  // namespace

namespace {

/// The statuses, changes and perfdata of finished checks, written a thousand checks at a time so
/// that neither memory nor one transaction grows with the run.
class StateWriter {
 public:
  explicit StateWriter(StateStore* store) : store_(store) {}
  void Add(const Outcome& o, int64_t now) {
    statuses_.push_back(o.next);
    if (o.log_change) changes_.push_back({o.next.key, now, o.log_from, o.status, o.result.summary});
    for (const Perfdata& p : o.result.perfdata)
      if (!std::isnan(p.value)) samples_.push_back({o.next.key, p.label, now, p.value, p.uom});
    if (statuses_.size() >= 1000) Flush();
  }
  void Flush() {
    if (!statuses_.empty()) store_->PutMonitorStatuses(statuses_);
    if (!changes_.empty()) store_->AppendStatusChanges(changes_);
    if (!samples_.empty()) store_->AppendPerfSamples(samples_);
    statuses_.clear();
    changes_.clear();
    samples_.clear();
  }

 private:
  StateStore* store_;
  std::vector<MonitorStatus> statuses_;
  std::vector<StatusChange> changes_;
  std::vector<PerfSample> samples_;
};

}  // namespace

int RunMonitors(const MonitorFile& file, const std::vector<Target>& targets, const RunOptions& opts,
                StateStore* store, const cal::Registry* calendars) {
  const int64_t now = NowMs();
  const bool keep_state = store && opts.use_state;
  std::unique_ptr<StateLock> lock;
  if (keep_state) {
    char abs[PATH_MAX];
    std::string name = std::string("hmon-check:") + (realpath(file.path.c_str(), abs) ? abs : file.path.c_str());
    lock = store->Lock(name, std::string(kTool) + " run -f " + file.path, opts.lock_wait);
    if (!lock) {
      auto holder = store->GetLockHolder(name);
      throw RuntimeError("another hmon-check run of '" + file.path + "' is in progress" +
                         (holder && holder->pid > 0 ? " (pid " + std::to_string(holder->pid) + " on " + holder->hostname + ")" : "") +
                         "; gave up waiting after " + FormatDuration(opts.lock_wait));
    }
  }
  const size_t n = targets.size();
  // Monitors are unpacked when their checks start; a monitor of several nodes is shared by the
  // checks of its nodes while any is in flight (allocated apart from its control block, so that
  // the weak reference does not keep it).
  std::mutex defs_mu;
  std::unordered_map<uint32_t, std::weak_ptr<const MonitorDef>> defs;
  auto def_of = [&](uint32_t m) {
    if (!file.per_node(m)) return std::shared_ptr<const MonitorDef>(new MonitorDef(file.at(m)));
    std::lock_guard<std::mutex> l(defs_mu);
    std::shared_ptr<const MonitorDef> d = defs[m].lock();
    if (!d) {
      d = std::shared_ptr<const MonitorDef>(new MonitorDef(file.at(m)));
      defs[m] = d;
    }
    return d;
  };
  auto make = [&](size_t t) {
    auto in = std::make_shared<Instance>(MakeInstance(file, targets[t], def_of(targets[t].monitor)));
    if (!opts.state_key.empty()) in->spec.state_key = opts.state_key;
    return std::shared_ptr<const Instance>(std::move(in));
  };
  // 1. Calendar suppression, once per monitor.
  std::map<uint32_t, bool> closed;
  for (const Target& t : targets) {
    if (!file.has_calendar(t.monitor) || closed.count(t.monitor)) continue;
    const auto def = def_of(t.monitor);
    if (!calendars) throw UsageError("monitor '" + def->id + "' names calendar '" + def->calendar + "' but no calendars are loaded");
    const cal::Calendar& c = calendars->Find(def->calendar);
    closed[t.monitor] = !cal::IsOpenAt(c, date::floor<std::chrono::seconds>(std::chrono::system_clock::now()), nullptr);
  }
  auto suppressed = [&](size_t t) {
    auto it = closed.find(targets[t].monitor);
    return it != closed.end() && it->second;
  };
  // 2. Dependencies: a child of a failing parent on the same node is unreachable, not failing.
  // parent[t] is the target whose result decides, or -1; parents run first.
  std::vector<int32_t> parent(n, -1);
  std::vector<int> depth(file.size(), 0);
  {
    std::map<uint32_t, std::string> parent_id;  // monitor → the monitor it depends on
    for (const Target& t : targets)
      if (file.has_parent(t.monitor) && !parent_id.count(t.monitor)) parent_id[t.monitor] = def_of(t.monitor)->depends_on;
    std::set<std::string> parent_ids;
    for (const auto& [m, p] : parent_id) parent_ids.insert(p);
    std::unordered_map<std::string, int32_t> by_key;  // keys of the targets that are parents
    for (size_t t = 0; t < n; ++t)
      if (parent_ids.count(file.id(targets[t].monitor))) by_key.emplace(TargetKey(file, targets[t]), int32_t(t));
    for (size_t t = 0; t < n; ++t) {
      auto p = parent_id.find(targets[t].monitor);
      if (p == parent_id.end()) continue;
      auto it = targets[t].node ? by_key.find(p->second + "/" + targets[t].node->id) : by_key.end();
      if (it == by_key.end()) it = by_key.find(p->second);
      if (it != by_key.end()) parent[t] = it->second;
    }
    for (const auto& [m, p] : parent_id) {
      int d = 0;
      for (uint32_t q = m; file.has_parent(q) && d < 64; ++d) {
        auto up = file.IndexOf(def_of(q)->depends_on);
        if (!up) break;
        q = uint32_t(*up);
      }
      depth[m] = d;
    }
  }
  // 3. Each check's outcome as soon as it is known: its state against the stored history, then
  // its output (JSON at once; text and Nagios lines in definition order at the end) and its rows.
  StateWriter writer(store);
  State worst = State::kOk;
  std::map<std::string, int> counts;
  size_t width = 7;
  for (const Target& t : targets) width = std::max(width, file.id(t.monitor).size() + (t.node ? t.node->id.size() + 1 : 0));
  const bool buffered = opts.format != "json";
  std::vector<std::string> lines(buffered ? n : 0), perf_text(opts.format == "nagios" ? n : 0);
  std::vector<std::string> final_raw(n);  // "" until the target's outcome is known
  struct Parked {
    size_t target;
    std::shared_ptr<const Instance> instance;
    CheckResult result;
  };
  std::multimap<int32_t, Parked> parked;  // children waiting for their parent's outcome
  const bool color = ColorEnabled(1);
  std::function<void(size_t, std::shared_ptr<const Instance>, CheckResult, std::string)> finalize;
  finalize = [&](size_t t, std::shared_ptr<const Instance> in, CheckResult result, std::string raw) {
    if (!in) {  // the instance could not be made: report against the monitor as written
      auto bare = std::make_shared<Instance>();
      bare->def = def_of(targets[t].monitor);
      bare->node = targets[t].node;
      bare->key = TargetKey(file, targets[t]);
      bare->spec = bare->def->base;
      in = std::move(bare);
    }
    if (parent[t] >= 0 && raw != "suppressed") {
      const std::string& p = final_raw[size_t(parent[t])];
      if (p.empty()) {
        parked.emplace(parent[t], Parked{t, std::move(in), std::move(result)});
        return;
      }
      if (p == "critical" || p == "unknown" || p == "unreachable") {
        result.summary = "parent '" + TargetKey(file, targets[size_t(parent[t])]) + "' is " + p + " (own result: " +
                         nagios::StateWord(result.state) + ", " + result.summary + ")";
        raw = "unreachable";
      }
    }
    std::optional<MonitorStatus> prev;
    if (keep_state) prev = store->GetMonitorStatus(in->key);
    Outcome o = EvaluateState(keep_state ? in->def->rules : StateRules{}, prev, raw, result.summary, now);
    o.instance = in.get();
    o.result = std::move(result);
    o.next.key = in->key;
    if (!keep_state) o.changed = false;
    final_raw[t] = raw;
    counts[o.status]++;
    if (IsCheckStatus(o.status) || o.status == "flapping") worst = nagios::WorstOf(worst, o.hard);
    if (keep_state) writer.Add(o, now);
    const bool shown = !opts.changes_only || o.changed;
    if (opts.format == "json") {
      if (shown) WriteEvent(OutcomeEvent(o));
    } else if (opts.format == "nagios") {
      std::vector<Perfdata> perf = o.result.perfdata;
      for (Perfdata& p : perf) p.label = in->key + " " + p.label;
      perf_text[t] = nagios::FormatPerfdataList(perf);
      if (shown)
        lines[t] = "[" + std::string(IsCheckStatus(o.status) ? nagios::StateName(o.hard) : o.status) + "] " + in->key +
                   ": " + (o.status == "suppressed" ? "calendar closed" : o.result.summary) + "\n";
    } else if (shown) {
      std::string st = o.status + (o.soft ? "?" : "") + (o.changed ? "*" : "");
      char head[64];
      std::snprintf(head, sizeof head, "%-12s", st.c_str());
      std::string key = in->key;
      key.resize(width, ' ');
      std::string text = o.status == "suppressed" ? "calendar '" + in->def->calendar + "' closed" : o.result.summary;
      if (o.soft) {
        const int of = o.raw == "ok" ? in->def->rules.recover_after : in->def->rules.after;
        text += " (soft " + o.raw + ", " + std::to_string(o.next.consecutive) +
                (in->def->rules.window_m > 0 ? " in a row)" : " of " + std::to_string(of) + ")");
      }
      lines[t] = Colorize(head, StatusColor(o.status), color) + " " + key + "  " + text + "\n";
    }
    // Children that finished first get their outcome now.
    auto range = parked.equal_range(int32_t(t));
    std::vector<Parked> ready;
    for (auto it = range.first; it != range.second; ++it) ready.push_back(std::move(it->second));
    parked.erase(range.first, range.second);
    for (Parked& c : ready) {
      const std::string own = nagios::StateWord(c.result.state);
      finalize(c.target, std::move(c.instance), std::move(c.result), own);
    }
  };
  // 4. Run every check that is not suppressed, parents first.
  std::vector<uint32_t> order;
  order.reserve(n);
  for (size_t t = 0; t < n; ++t) {
    if (suppressed(t)) finalize(t, make(t), CheckResult{}, "suppressed");
    else order.push_back(uint32_t(t));
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return depth[targets[a].monitor] < depth[targets[b].monitor]; });
  CheckContext ctx;
  ctx.state = store;
  ctx.now_ms = NowMs;
  ctx.per_host = opts.per_host;
  RunChecks(
      order.size(), [&](size_t k) -> const std::string& { return file.type(targets[order[k]].monitor); },
      [&](size_t k) { return make(order[k]); }, opts.concurrency, ctx,
      [&](size_t k, std::shared_ptr<const Instance> in, CheckResult r) {
        const std::string raw = nagios::StateWord(r.state);
        finalize(order[k], std::move(in), std::move(r), raw);
      });
  while (!parked.empty()) {  // a parent that never reported (it cannot happen): judge alone
    Parked c = std::move(parked.begin()->second);
    parked.erase(parked.begin());
    parent[c.target] = -1;
    const std::string own = nagios::StateWord(c.result.state);
    finalize(c.target, std::move(c.instance), std::move(c.result), own);
  }
  if (keep_state) {
    writer.Flush();
    store->MaintainMonitorHistory(now, opts.history);
  }
  // 5. Output and exit code.
  if (opts.format == "nagios") {
    std::string summary;
    for (const char* st : {"critical", "warning", "unknown", "ok", "flapping", "unreachable", "suppressed"})
      if (counts[st]) summary += (summary.empty() ? "" : ", ") + std::to_string(counts[st]) + " " + st;
    std::string head = nagios::StatusLine("HMON-CHECK", worst, summary.empty() ? "no monitors" : summary, {});
    std::string perf;
    for (const std::string& p : perf_text)
      if (!p.empty()) perf += (perf.empty() ? "" : " ") + p;
    std::fputs((head + (perf.empty() ? "" : " | " + perf) + "\n").c_str(), stdout);
    for (const std::string& l : lines) std::fputs(l.c_str(), stdout);
  } else if (opts.format != "json") {
    for (const std::string& l : lines) std::fputs(l.c_str(), stdout);
    std::string summary;
    for (const char* st : {"ok", "warning", "critical", "unknown", "flapping", "unreachable", "suppressed"})
      if (counts[st]) summary += (summary.empty() ? "" : ", ") + std::to_string(counts[st]) + " " + st;
    std::printf("%zu checks: %s\n", n, summary.empty() ? "none" : summary.c_str());
  }
  return static_cast<int>(worst);
}

int PrintAdHoc(const Instance& instance, const CheckResult& result) {
  const std::string service = Upper(instance.spec.type);
  std::string out = nagios::PluginText(service, result.state, result.summary, result.long_output, result.perfdata);
  std::fputs(out.c_str(), stdout);
  return static_cast<int>(result.state);
}

}  // namespace hops::mon
