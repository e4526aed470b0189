#include "cmd/hmon-check/runner.hpp"

#include <limits.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <map>
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
  MonitorStatus n = previous ? *previous : MonitorStatus{};
  n.last_check_ms = now_ms;
  n.last_summary = summary;
  if (!IsCheckStatus(raw)) {  // suppressed or unreachable: nothing was judged
    o.hard = prev_hard;
    o.status = raw;
    if (!was_flapping) n.state = raw;  // keep the flapping mark for the next judged run
    if (n.hard_state.empty()) n.hard_state = nagios::StateWord(prev_hard);
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
  if (o.changed || !previous) n.last_change_ms = now_ms;
  o.next = n;
  return o;
}

std::vector<CheckResult> RunChecks(const std::vector<Instance>& instances, int concurrency,
                                   const CheckContext& ctx) {
  std::vector<CheckResult> results(instances.size());
  const auto& types = CheckTypes();
  std::map<std::string, std::vector<size_t>> batch_groups;
  std::vector<size_t> pool;
  for (size_t i = 0; i < instances.size(); ++i) {
    const CheckType& t = *types.at(instances[i].spec.type);
    if (t.UsesCurlMulti()) batch_groups[t.Name()].push_back(i);
    else pool.push_back(i);
  }
  auto guarded = [&](size_t i) {
    const CheckType& t = *types.at(instances[i].spec.type);
    auto start = std::chrono::steady_clock::now();
    CheckResult r;
    try {
      r = t.Run(instances[i].spec, ctx);
    } catch (const std::exception& e) {
      r = CheckResult{};
      r.state = State::kUnknown;
      r.summary = std::string("check failed: ") + e.what();
    }
    if (r.duration.count() == 0)
      r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    results[i] = std::move(r);
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
  for (size_t g = 0; g < groups.size(); ++g) share[g] = std::max<size_t>(1, budget * groups[g].second / instances.size());
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
    const std::vector<size_t>& idx = batch_groups.at(name);
    std::vector<const CheckSpec*> specs;
    for (size_t i : idx) specs.push_back(&instances[i].spec);
    try {
      types.at(name)->RunBatch(specs, ctx, int(share),
                               [&](size_t k, CheckResult r) { results[idx[k]] = std::move(r); });
    } catch (const std::exception& e) {
      for (size_t i : idx) {
        results[i].state = State::kUnknown;
        results[i].summary = std::string("check failed: ") + e.what();
      }
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

int RunMonitors(const MonitorFile& file, const std::vector<Instance>& instances, const RunOptions& opts,
                StateStore* store, const cal::Registry* calendars) {
  const int64_t now = NowMs();
  std::unique_ptr<StateLock> lock;
  if (store && opts.use_state) {
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
  // 1. Calendar suppression.
  std::vector<std::string> raw(instances.size());
  std::vector<Instance> to_run;
  std::vector<size_t> run_index;
  for (size_t i = 0; i < instances.size(); ++i) {
    const MonitorDef& def = *instances[i].def;
    if (!def.calendar.empty()) {
      if (!calendars) throw UsageError("monitor '" + def.id + "' names calendar '" + def.calendar + "' but no calendars are loaded");
      const cal::Calendar& c = calendars->Find(def.calendar);
      if (!cal::IsOpenAt(c, date::floor<std::chrono::seconds>(std::chrono::system_clock::now()), nullptr)) {
        raw[i] = "suppressed";
        continue;
      }
    }
    run_index.push_back(i);
    to_run.push_back(instances[i]);
  }
  // 2. Run every check that is not suppressed.
  CheckContext ctx;
  ctx.state = store;
  ctx.now_ms = NowMs;
  ctx.per_host = opts.per_host;
  std::vector<CheckResult> ran = RunChecks(to_run, opts.concurrency, ctx);
  std::vector<CheckResult> results(instances.size());
  for (size_t k = 0; k < run_index.size(); ++k) {
    results[run_index[k]] = std::move(ran[k]);
    raw[run_index[k]] = nagios::StateWord(results[run_index[k]].state);
  }
  // 3. Dependencies: a child of a failing parent on the same node is unreachable, not failing.
  std::map<std::string, size_t> by_key;
  for (size_t i = 0; i < instances.size(); ++i) by_key[instances[i].key] = i;
  auto depth = [&](const MonitorDef* d) {
    int n = 0;
    while (d && !d->depends_on.empty() && n < 64) {
      d = file.Find(d->depends_on);
      ++n;
    }
    return n;
  };
  std::vector<size_t> order(instances.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return depth(instances[a].def) < depth(instances[b].def); });
  for (size_t i : order) {
    const Instance& in = instances[i];
    if (in.def->depends_on.empty() || raw[i] == "suppressed") continue;
    std::string parent_key = in.def->depends_on + (in.node ? "/" + in.node->id : "");
    auto it = by_key.find(parent_key);
    if (it == by_key.end()) it = by_key.find(in.def->depends_on);
    if (it == by_key.end()) continue;
    const std::string& p = raw[it->second];
    if (p == "critical" || p == "unknown" || p == "unreachable") {
      raw[i] = "unreachable";
      results[i].summary = "parent '" + instances[it->second].key + "' is " + p + " (own result: " +
                           nagios::StateWord(results[i].state) + ", " + results[i].summary + ")";
    }
  }
  // 4. Soft/hard states against the stored history.
  std::map<std::string, MonitorStatus> previous;
  if (store && opts.use_state) previous = store->GetAllMonitorStatus();
  std::vector<Outcome> outcomes;
  outcomes.reserve(instances.size());
  for (size_t i = 0; i < instances.size(); ++i) {
    std::optional<MonitorStatus> prev;
    if (auto it = previous.find(instances[i].key); it != previous.end()) prev = it->second;
    StateRules rules = opts.use_state && store ? instances[i].def->rules : StateRules{};
    Outcome o = EvaluateState(rules, prev, raw[i], results[i].summary, now);
    o.instance = &instances[i];
    o.result = std::move(results[i]);
    o.next.key = instances[i].key;
    if (!(store && opts.use_state)) o.changed = false;
    outcomes.push_back(std::move(o));
  }
  // 5. Store statuses, changes and perfdata, each in one transaction.
  if (store && opts.use_state) {
    std::vector<MonitorStatus> statuses;
    std::vector<StatusChange> changes;
    std::vector<PerfSample> samples;
    for (const Outcome& o : outcomes) {
      statuses.push_back(o.next);
      if (o.changed) changes.push_back({o.next.key, now, o.previous, o.status, o.result.summary});
      for (const Perfdata& p : o.result.perfdata)
        if (!std::isnan(p.value)) samples.push_back({o.next.key, p.label, now, p.value, p.uom});
    }
    store->PutMonitorStatuses(statuses);
    if (!changes.empty()) store->AppendStatusChanges(changes);
    if (!samples.empty()) store->AppendPerfSamples(samples);
    store->MaintainMonitorHistory(now, opts.history);
  }
  // 6. Output and exit code.
  State worst = State::kOk;
  std::map<std::string, int> counts;
  for (const Outcome& o : outcomes) {
    counts[o.status]++;
    if (IsCheckStatus(o.status) || o.status == "flapping") worst = nagios::WorstOf(worst, o.hard);
  }
  if (opts.format == "json") {
    for (const Outcome& o : outcomes)
      if (!opts.changes_only || o.changed) WriteEvent(OutcomeEvent(o));
  } else if (opts.format == "nagios") {
    std::string summary;
    for (const char* s : {"critical", "warning", "unknown", "ok", "flapping", "unreachable", "suppressed"})
      if (counts[s]) summary += (summary.empty() ? "" : ", ") + std::to_string(counts[s]) + " " + s;
    std::vector<Perfdata> perf;
    for (const Outcome& o : outcomes)
      for (Perfdata p : o.result.perfdata) {
        p.label = o.instance->key + " " + p.label;
        perf.push_back(p);
      }
    std::string out = nagios::StatusLine("HMON-CHECK", worst, summary.empty() ? "no monitors" : summary, perf) + "\n";
    for (const Outcome& o : outcomes) {
      if (opts.changes_only && !o.changed) continue;
      out += "[" + std::string(IsCheckStatus(o.status) ? nagios::StateName(o.hard) : o.status) + "] " +
             o.instance->key + ": " + (o.status == "suppressed" ? "calendar closed" : o.result.summary) + "\n";
    }
    std::fputs(out.c_str(), stdout);
  } else {
    const bool color = ColorEnabled(1);
    size_t wk = 7;
    for (const Outcome& o : outcomes) wk = std::max(wk, o.instance->key.size());
    std::string out;
    for (const Outcome& o : outcomes) {
      if (opts.changes_only && !o.changed) continue;
      std::string st = o.status + (o.soft ? "?" : "") + (o.changed ? "*" : "");
      char head[64];
      std::snprintf(head, sizeof head, "%-12s", st.c_str());
      std::string key = o.instance->key;
      key.resize(wk, ' ');
      std::string text = o.status == "suppressed" ? "calendar '" + o.instance->def->calendar + "' closed"
                                                  : o.result.summary;
      if (o.soft) {
        const int of = o.raw == "ok" ? o.instance->def->rules.recover_after : o.instance->def->rules.after;
        text += " (soft " + o.raw + ", " + std::to_string(o.next.consecutive) +
                (o.instance->def->rules.window_m > 0 ? " in a row)" : " of " + std::to_string(of) + ")");
      }
      out += Colorize(head, StatusColor(o.status), color) + " " + key + "  " + text + "\n";
    }
    std::string summary;
    for (const char* s : {"ok", "warning", "critical", "unknown", "flapping", "unreachable", "suppressed"})
      if (counts[s]) summary += (summary.empty() ? "" : ", ") + std::to_string(counts[s]) + " " + s;
    out += std::to_string(outcomes.size()) + " checks: " + (summary.empty() ? "none" : summary) + "\n";
    std::fputs(out.c_str(), stdout);
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
