// The runner on a real state store in a temporary directory: DAG order and parallelism, end
// values, retries on a fake clock, outputs and conditions, approvals, holds, handlers, sub-flows
// and every resume mode.
#include "tests/unit/hjob-run/print.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "cmd/hjob-run/runner.hpp"
#include "common/zone.hpp"
#include "tests/unit/testing/peer.hpp"

using namespace hops::job;
using hops::StateStore;
using hops::YamlDoc;

namespace {

/// Time that passes only when slept, so retries and waits take no real time.
class FakeClock : public Clock {
 public:
  int64_t NowMs() override { return now_.load(); }
  bool Sleep(std::chrono::milliseconds d, const std::atomic<bool>* stop) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      sleeps_.push_back(d.count());
    }
    now_ += d.count();
    return !(stop && stop->load());
  }
  std::vector<int64_t> sleeps() {
    std::lock_guard<std::mutex> l(mu_);
    return sleeps_;
  }

 private:
  std::atomic<int64_t> now_{1800000000000};
  std::mutex mu_;
  std::vector<int64_t> sleeps_;
};

/// An executor whose commands are answered by a function; it records what it was asked.
class ScriptedExecutor : public Executor {
 public:
  /// Exit code of a command by its argv[0] (default 0); "sleep" takes 60 ms of real time.
  std::map<std::string, std::vector<int>> codes;
  CommandResult Run(const JobCommand& cmd, const std::atomic<bool>*) override {
    const std::string name = cmd.command.argv.empty() ? cmd.command.shell : cmd.command.argv[0];
    int code = 0;
    {
      std::lock_guard<std::mutex> l(mu_);
      calls_.push_back(name);
      envs_.push_back(cmd.env);
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
      auto& queue = codes[name];
      if (!queue.empty()) {
        code = queue.front();
        if (queue.size() > 1) queue.erase(queue.begin());
      }
    }
    if (name.rfind("slow", 0) == 0) std::this_thread::sleep_for(std::chrono::milliseconds(60));
    CommandResult r;
    r.end = CommandResult::End::kExited;
    r.exit_code = code;
    r.out = name + "-out\n";
    std::lock_guard<std::mutex> l(mu_);
    --in_flight_;
    return r;
  }
  std::string Where() const override { return "scripted"; }
  std::vector<std::string> calls() {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  std::vector<std::vector<std::pair<std::string, std::string>>> envs() {
    std::lock_guard<std::mutex> l(mu_);
    return envs_;
  }
  int max_in_flight() {
    std::lock_guard<std::mutex> l(mu_);
    return max_in_flight_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> calls_;
  std::vector<std::vector<std::pair<std::string, std::string>>> envs_;
  int in_flight_ = 0, max_in_flight_ = 0;
};

/// A state store, a fake clock and a scripted executor in a temporary directory.
struct Fixture {
  std::string dir = hops::testing::MakeTempDir("hjob-runner");
  std::unique_ptr<StateStore> db = StateStore::Open(dir + "/state.db");
  Runs runs{db.get(), dir};
  FakeClock clock;
  ScriptedExecutor scripted;
  LocalExecutor local;
  std::atomic<bool> stop{false};
  RunnerOptions opts;
  std::shared_ptr<const FlowDef> flow;

  Fixture() {
    opts.local = &scripted;
    opts.clock = &clock;
    opts.stop = &stop;
    opts.poll = std::chrono::milliseconds(5);
  }

  void Load(const std::string& text, const std::string& name = "f.yaml") {
    hops::testing::WriteFile(dir + "/" + name, text);
    flow = LoadFlowFile(dir + "/" + name);
  }

  RunInfo NewRun(const std::map<std::string, std::string>& params = {}) {
    return runs.Create(runs.ReserveId(clock.NowMs()), flow->name, flow->path, ResolveParams(*flow, {params.begin(), params.end()}), "");
  }

  RunOutcome Execute(const RunInfo& run, const ResumePlan* plan = nullptr) {
    return ExecuteRun(&runs, run, *flow, run.params, opts, plan);
  }

  ResumePlan Plan(const RunInfo& run, ResumePlan::Mode mode, std::set<std::string> targets = {}) {
    ResumePlan p;
    p.mode = mode;
    p.targets = std::move(targets);
    for (auto& r : runs.Jobs(run)) p.previous[r.job] = r;
    runs.Reopen(run);
    return p;
  }

  std::map<std::string, std::string> States(const RunInfo& run) {
    std::map<std::string, std::string> out;
    for (const auto& j : runs.Jobs(run)) out[j.job] = j.state;
    return out;
  }

  JobRecord Job(const RunInfo& run, const std::string& name) {
    for (const auto& j : runs.Jobs(run))
      if (j.job == name) return j;
    FAIL("no job " << name);
    return {};
  }
};

std::string Env(const std::vector<std::pair<std::string, std::string>>& env, const std::string& name) {
  std::string v = "(unset)";
  for (const auto& [k, val] : env)
    if (k == name) v = val;
  return v;
}

}  // namespace

TEST_SUITE("hjob-run runner") {
  TEST_CASE("jobs run after what they need, at most 'parallel' at once") {
    Fixture f;
    f.Load("name: dag\nparallel: 2\njobs:\n"
           "  last: {run: [last], needs: [slow1, slow2, slow3, slow4]}\n"
           "  slow1: {run: [slow1], needs: first}\n  slow2: {run: [slow2], needs: first}\n"
           "  slow3: {run: [slow3], needs: first}\n  slow4: {run: [slow4], needs: first}\n"
           "  first: {run: [first]}\n");
    const RunInfo run = f.NewRun();
    const RunOutcome out = f.Execute(run);
    CHECK(out.status == "success");
    CHECK(out.summary == "6 jobs: 6 success");
    auto calls = f.scripted.calls();
    REQUIRE(calls.size() == 6);
    CHECK(calls.front() == "first");
    CHECK(calls.back() == "last");
    CHECK(f.scripted.max_in_flight() == 2);
    CHECK(f.runs.Get(run.id).status == "success");
  }

  TEST_CASE("end values judge exit codes, a failure stops the flow unless the job may fail") {
    Fixture f;
    f.Load("name: ev\njobs:\n"
           "  warn: {run: [warn], end_values: {warning: '1-3'}}\n"
           "  bad: {run: [bad], needs: warn}\n"
           "  after: {run: [after], needs: bad}\n"
           "  side: {run: [side]}\n");
    f.scripted.codes["warn"] = {2};
    f.scripted.codes["bad"] = {4};
    const RunInfo run = f.NewRun();
    const RunOutcome out = f.Execute(run);
    CHECK(out.status == "failed");
    CHECK(f.States(run) == std::map<std::string, std::string>{{"warn", "warning"}, {"bad", "failed"}, {"after", "pending"}, {"side", "success"}});
    CHECK(f.Job(run, "bad").exit_code == 4);
    CHECK(f.Job(run, "bad").reason == "exit 4");

    Fixture g;
    g.Load("name: ev2\njobs:\n  check: {run: [check], allow_failure: true}\n"
           "  fix: {run: [fix], needs: check, when: jobs.check.status == failed}\n"
           "  done: {run: [done], needs: [check, fix]}\n");
    g.scripted.codes["check"] = {1};
    const RunInfo run2 = g.NewRun();
    CHECK(g.Execute(run2).status == "success");
    CHECK(g.States(run2) == std::map<std::string, std::string>{{"check", "failed"}, {"fix", "success"}, {"done", "success"}});
  }

  TEST_CASE("retries wait delay * backoff^n on the clock and stop at the first success") {
    Fixture f;
    f.Load("name: retry\njobs:\n  a: {run: [flaky], retry: {count: 4, delay: 1s, backoff: 2}}\n");
    f.scripted.codes["flaky"] = {1, 1, 0};
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "success");
    CHECK(f.clock.sleeps() == std::vector<int64_t>{1000, 2000});
    CHECK(f.Job(run, "a").attempts == 3);
    auto envs = f.scripted.envs();
    REQUIRE(envs.size() == 3);
    CHECK(Env(envs[2], "HOPS_ATTEMPT") == "3");

    Fixture g;
    g.Load("name: retry2\njobs:\n  a: {run: [bad], retry: {count: 2, delay: 10s, backoff: 3, max_delay: 20s}}\n");
    g.scripted.codes["bad"] = {7};
    const RunInfo run2 = g.NewRun();
    CHECK(g.Execute(run2).status == "failed");
    CHECK(g.clock.sleeps() == std::vector<int64_t>{10000, 20000});
    CHECK(g.Job(run2, "a").attempts == 3);
  }

  TEST_CASE("a named output is the job's stdout: later jobs get it as env and in conditions") {
    Fixture f;
    f.opts.local = &f.local;
    f.Load("name: out\nparams: {P: 'a b'}\njobs:\n"
           "  count: {run: \"printf '42\\\\n\\\\n'\", output: ROWS}\n"
           "  use: {run: 'test \"$ROWS\" = 42 && test \"$P\" = \"a b\" && test \"$HOPS_JOB\" = use', needs: count,"
           " when: 'outputs.ROWS > 9 && jobs.count.output == 42'}\n"
           "  never: {run: [false], needs: count, when: outputs.ROWS < 10}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "success");
    CHECK(f.Job(run, "count").output_value == "42");
    CHECK(f.States(run) == std::map<std::string, std::string>{{"count", "success"}, {"use", "success"}, {"never", "skipped"}});
    CHECK(f.Job(run, "never").reason == "'when' is false: outputs.ROWS < 10");
    struct stat st {};
    REQUIRE(::stat(f.runs.LogPath(run, "count", false).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    CHECK(::stat(f.runs.LogDir(run).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
  }

  TEST_CASE("an output too large to be an environment variable fails the job") {
    Fixture f;
    f.opts.local = &f.local;
    f.Load("name: big\njobs:\n  a: {run: 'head -c 70000 /dev/zero | tr \"\\\\0\" x', output: BIG}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    CHECK(f.Job(run, "a").reason == "output 'BIG' is larger than 64 KiB");
  }

  TEST_CASE("a timeout fails the job, a command that cannot start fails it with the reason") {
    Fixture f;
    f.opts.local = &f.local;
    f.Load("name: slow\njobs:\n  a: {run: [sleep, '5'], timeout: 200ms}\n  b: {run: [/nonexistent/prog]}\n");
    const RunInfo run = f.NewRun();
    const auto start = std::chrono::steady_clock::now();
    CHECK(f.Execute(run).status == "failed");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(4));
    CHECK(f.Job(run, "a").reason == "timed out after 200ms");
    CHECK_FALSE(f.Job(run, "a").exit_code.has_value());
    CHECK(f.Job(run, "b").reason == "command '/nonexistent/prog' not found: No such file or directory");
    CHECK(f.Job(run, "b").exit_code == 127);
  }

  TEST_CASE("the stop flag ends running jobs as interrupted and the run as failed") {
    Fixture f;
    f.opts.local = &f.local;
    SystemClock real;
    f.opts.clock = &real;
    f.Load("name: stop\njobs:\n  a: {run: [sleep, '30']}\n  b: {run: [true], needs: a}\n");
    const RunInfo run = f.NewRun();
    std::thread stopper([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      f.stop = true;
    });
    const RunOutcome out = f.Execute(run);
    stopper.join();
    CHECK(out.status == "failed");
    CHECK(f.Job(run, "a").reason == "interrupted");
    CHECK(f.Job(run, "b").state == "pending");
  }

  TEST_CASE("an approval waits for a decision from another process") {
    Fixture f;
    SystemClock real;
    f.opts.clock = &real;
    f.Load("name: appr\njobs:\n  ask: {approval: {message: 'cut over?', timeout: 1m}}\n  go: {run: [go], needs: ask}\n");
    const RunInfo run = f.NewRun();
    std::thread approver([&] {
      // A second connection, as `hjob-run approve` would open.
      auto db = StateStore::Open(f.dir + "/state.db");
      Runs other(db.get(), f.dir);
      for (int i = 0; i < 500 && other.Jobs(run).empty(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      for (int i = 0; i < 500; ++i) {
        auto jobs = other.Jobs(run);
        if (std::any_of(jobs.begin(), jobs.end(), [](const JobRecord& j) { return j.job == "ask" && j.state == "waiting"; })) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      ApprovalDecision d;
      d.approve = true;
      d.by = "alice";
      other.SetApproval(run, "ask", d);
    });
    const RunOutcome out = f.Execute(run);
    approver.join();
    CHECK(out.status == "success");
    CHECK(f.Job(run, "ask").reason == "approved by alice");
    CHECK(f.scripted.calls() == std::vector<std::string>{"go"});
  }

  TEST_CASE("an approval's timeout decides: deny fails, approve goes on, hold stops the run") {
    for (const std::string def : {"deny", "approve", "hold"}) {
      Fixture f;
      f.Load("name: t\njobs:\n  ask: {approval: {message: m, timeout: 10m, default: " + def + "}}\n  go: {run: [go], needs: ask}\n");
      const RunInfo run = f.NewRun();
      const RunOutcome out = f.Execute(run);
      CAPTURE(def);
      CHECK(out.status == (def == "deny" ? "failed" : def == "approve" ? "success" : "held"));
      if (def == "hold") {
        CHECK(f.Job(run, "ask").state == "held");
        // Approved later, the resume goes on from the approval.
        ApprovalDecision d;
        d.approve = true;
        d.by = "bob";
        f.runs.SetApproval(run, "ask", d);
        ResumePlan plan = f.Plan(run, ResumePlan::Mode::kFailed);
        CHECK(f.Execute(run, &plan).status == "success");
        CHECK(f.Job(run, "ask").reason == "approved by bob");
      }
    }
  }

  TEST_CASE("a held job stops the run as held, released, a resume runs it") {
    Fixture f;
    f.Load("name: h\nparallel: 1\njobs:\n  a: {run: [a]}\n  b: {run: [b], needs: a}\n  c: {run: [c]}\n");
    const RunInfo run = f.NewRun();
    f.runs.SetHold(run, "b", true);
    CHECK(f.Execute(run).status == "held");
    CHECK(f.States(run) == std::map<std::string, std::string>{{"a", "success"}, {"b", "held"}, {"c", "success"}});
    f.runs.SetHold(run, "b", false);
    ResumePlan plan = f.Plan(run, ResumePlan::Mode::kFailed);
    CHECK(f.Execute(run, &plan).status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "c", "b"});
  }

  TEST_CASE("an operator's skip request counts as the status asked for") {
    Fixture f;
    f.Load("name: s\njobs:\n  a: {run: [a]}\n  b: {run: [b], needs: a}\n");
    const RunInfo run = f.NewRun();
    f.runs.SetSkip(run, "a", "warning");
    CHECK(f.Execute(run).status == "warning");
    CHECK(f.Job(run, "a").state == "skipped");
    CHECK(f.Job(run, "a").skip_as == "warning");
    CHECK(f.scripted.calls() == std::vector<std::string>{"b"});
  }

  TEST_CASE("handlers run by outcome with the run's status, a failing handler fails the run") {
    Fixture f;
    f.Load("name: hd\njobs:\n  a: {run: [a]}\n"
           "on_success: {run: [notify-ok]}\non_failure: {run: [notify-bad]}\non_exit: {run: [cleanup]}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "notify-ok", "cleanup"});
    CHECK(Env(f.scripted.envs()[2], "HOPS_RUN_STATUS") == "success");

    Fixture g;
    g.Load("name: hd2\njobs:\n  a: {run: [a]}\non_failure: {run: [notify-bad]}\non_exit: {run: [cleanup]}\n");
    g.scripted.codes["a"] = {1};
    g.scripted.codes["cleanup"] = {1};
    const RunInfo run2 = g.NewRun();
    CHECK(g.Execute(run2).status == "failed");
    CHECK(g.scripted.calls() == std::vector<std::string>{"a", "notify-bad", "cleanup"});
    CHECK(Env(g.scripted.envs()[1], "HOPS_FAILED_JOBS") == "a");

    Fixture h;
    h.Load("name: hd3\njobs:\n  a: {run: [a]}\non_exit: {run: [cleanup]}\n");
    h.scripted.codes["cleanup"] = {1};
    CHECK(h.Execute(h.NewRun()).status == "failed");
  }

  TEST_CASE("a sub-flow runs inside the run, its jobs named after the caller") {
    Fixture f;
    hops::testing::WriteFile(f.dir + "/sub.yaml", "name: sub\nparams: {node: }\njobs:\n  s1: {run: [s1]}\n  s2: {run: [s2], needs: s1}\n");
    f.Load("name: main\njobs:\n  a: {run: [a], output: N}\n  call: {flow: sub.yaml, params: {node: 'x-${N}'}, needs: a}\n  z: {run: [z], needs: call}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "success");
    CHECK(f.States(run) == std::map<std::string, std::string>{
                               {"a", "success"}, {"call", "success"}, {"call/s1", "success"}, {"call/s2", "success"}, {"z", "success"}});
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "s1", "s2", "z"});
    CHECK(Env(f.scripted.envs()[1], "node") == "x-a-out");
    CHECK(Env(f.scripted.envs()[1], "HOPS_JOB") == "call/s1");
  }

  TEST_CASE("a sub-flow whose calendar is closed is skipped") {
    Fixture f;
    hops::testing::WriteFile(f.dir + "/sub.yaml", "name: sub\ncalendar: biz\njobs:\n  s1: {run: [s1]}\n");
    f.Load("name: main\njobs:\n  call: {flow: sub.yaml}\n");
    f.opts.calendar_closed = [](const std::string& name) -> std::optional<std::string> {
      return name == "biz" ? std::optional<std::string>("weekly day off (sat)") : std::nullopt;
    };
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "success");
    CHECK(f.Job(run, "call").state == "skipped");
    CHECK(f.Job(run, "call").reason == "calendar 'biz' is closed: weekly day off (sat)");
    CHECK(f.scripted.calls().empty());
  }

  TEST_CASE("resume reruns what did not succeed and restores the outputs of what did") {
    Fixture f;
    f.Load("name: r\njobs:\n  a: {run: [a], output: A}\n  b: {run: [b], needs: a}\n  c: {run: [c], needs: b}\n");
    f.scripted.codes["b"] = {1, 0};
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    ResumePlan plan = f.Plan(run, ResumePlan::Mode::kFailed);
    const RunOutcome out = f.Execute(run, &plan);
    CHECK(out.status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "b", "b", "c"});
    auto envs = f.scripted.envs();
    CHECK(Env(envs[2], "A") == "a-out");  // restored from the first attempt
    CHECK(Env(envs[3], "A") == "a-out");
    CHECK(f.runs.Get(run.id).status == "success");
  }

  TEST_CASE("resume after the process died: jobs left running or pending run again") {
    Fixture f;
    f.Load("name: died\njobs:\n  a: {run: [a]}\n  b: {run: [b], needs: a}\n  c: {run: [c], needs: b}\n");
    const RunInfo run = f.NewRun();
    // What a run killed while b ran leaves behind.
    JobRecord a;
    a.job = "a";
    a.state = "success";
    a.exit_code = 0;
    f.runs.SetJob(run, a);
    JobRecord b;
    b.job = "b";
    b.state = "running";
    f.runs.SetJob(run, b);
    ResumePlan plan = f.Plan(run, ResumePlan::Mode::kFailed);
    CHECK(f.Execute(run, &plan).status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"b", "c"});
  }

  TEST_CASE("resume --from reruns a job and everything after it, --only just the job") {
    Fixture f;
    f.Load("name: from\nparallel: 1\njobs:\n  a: {run: [a]}\n  b: {run: [b], needs: a}\n  c: {run: [c], needs: b}\n  d: {run: [d], needs: a}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "success");
    ResumePlan from = f.Plan(run, ResumePlan::Mode::kFrom, {"b"});
    CHECK(f.Execute(run, &from).status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "b", "c", "d", "b", "c"});
    ResumePlan only = f.Plan(run, ResumePlan::Mode::kOnly, {"d"});
    CHECK(f.Execute(run, &only).status == "success");
    CHECK(f.scripted.calls().back() == "d");
    CHECK(f.scripted.calls().size() == 7);
  }

  TEST_CASE("resume --only runs a job even when what it needs did not run, the run stays incomplete") {
    Fixture f;
    f.Load("name: only\njobs:\n  a: {run: [a]}\n  b: {run: [b], needs: a}\n  c: {run: [c], needs: b}\n");
    f.scripted.codes["a"] = {1, 0};
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    ResumePlan only = f.Plan(run, ResumePlan::Mode::kOnly, {"b"});
    const RunOutcome out = f.Execute(run, &only);
    CHECK(out.status == "failed");  // a is still failed
    CHECK(out.ran_status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "b"});
  }

  TEST_CASE("resume --next counts the failed job as skipped and goes on after it") {
    Fixture f;
    f.Load("name: next\njobs:\n  a: {run: [a]}\n  b: {run: [b], needs: a}\n  c: {run: [c], needs: b}\n");
    f.scripted.codes["b"] = {1};
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    ResumePlan next = f.Plan(run, ResumePlan::Mode::kNext);
    CHECK(f.Execute(run, &next).status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "b", "c"});
    CHECK(f.Job(run, "b").state == "skipped");
    CHECK(f.Job(run, "b").reason == "failed, then skipped by resume --next");
  }

  TEST_CASE("resume --warnings reruns only the jobs that ended with a warning") {
    Fixture f;
    f.Load("name: w\njobs:\n  a: {run: [a], end_values: {warning: '1'}}\n  b: {run: [b], needs: a}\n");
    f.scripted.codes["a"] = {1, 0};
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "warning");
    ResumePlan w = f.Plan(run, ResumePlan::Mode::kWarnings, {"a"});
    const RunOutcome out = f.Execute(run, &w);
    CHECK(out.status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "b", "a"});
  }

  TEST_CASE("resume of a sub-flow reruns only its jobs that did not succeed") {
    Fixture f;
    hops::testing::WriteFile(f.dir + "/sub.yaml", "name: sub\njobs:\n  s1: {run: [s1]}\n  s2: {run: [s2], needs: s1}\n");
    f.Load("name: main\njobs:\n  a: {run: [a]}\n  call: {flow: sub.yaml, needs: a}\n");
    f.scripted.codes["s2"] = {1, 0};
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    CHECK(f.Job(run, "call").state == "failed");
    ResumePlan plan = f.Plan(run, ResumePlan::Mode::kFailed);
    CHECK(f.Execute(run, &plan).status == "success");
    CHECK(f.scripted.calls() == std::vector<std::string>{"a", "s1", "s2", "s2"});
  }

  TEST_CASE("wait jobs: a file that appears, a command that comes to succeed, a sleep") {
    Fixture f;
    const std::string flag = f.dir + "/done.flag";
    f.Load("name: w\njobs:\n  pause: {wait: {sleep: 90s}}\n  file: {wait: {file: '" + flag + "', interval: 10s}, timeout: 1m}\n"
           "  cmd: {wait: {command: [probe], interval: 5s}}\n");
    f.scripted.codes["probe"] = {1, 1, 0};
    const RunInfo run = f.NewRun();
    // The file never appears: the wait times out on the fake clock.
    CHECK(f.Execute(run).status == "failed");
    CHECK(f.Job(run, "pause").state == "success");
    CHECK(f.Job(run, "file").reason == "timed out after 1m waiting for file '" + flag + "'");
    CHECK(f.Job(run, "cmd").reason == "command succeeded after 3 tries");
    hops::testing::WriteFile(flag, "");
    ResumePlan plan = f.Plan(run, ResumePlan::Mode::kFailed);
    CHECK(f.Execute(run, &plan).status == "success");
    CHECK(f.Job(run, "file").reason == "file '" + flag + "' exists");
  }

  TEST_CASE("wait until a time of day: the next time the clock shows it") {
    const int64_t t = 1800000000000;  // 2027-01-15T08:00:00Z
    CHECK(UntilMs("09:30", t, nullptr) == t + 90 * 60 * 1000);
    CHECK(UntilMs("07:00", t, nullptr) == t + 23 * 3600 * 1000);
    CHECK(UntilMs("2027-01-15T08:00:05Z", t, nullptr) == t + 5000);
    CHECK(UntilMs("17:30", t, hops::FindZone("Asia/Tokyo")) == t + 30 * 60 * 1000);  // 17:00 JST now
  }
}
