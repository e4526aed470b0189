// Jobs with `on:` against real sshd "hosts" on loopback (tests/unit/testing/sshd): remote argv and
// shell commands, hostile environment values, script transfer and cleanup, fan-out with failing
// nodes (max_fail), one_of failover, any, retry, a timeout killing a remote sleep, an unknown host
// key refused, and a resume that skips the (job, node) pairs that succeeded.
#include "tests/unit/hjob-run/print.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <thread>

#include "cmd/hjob-run/remote.hpp"
#include "cmd/hjob-run/runner.hpp"
#include "common/inventory.hpp"
#include "common/settings.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/sshd.hpp"

using namespace hops::job;
using hops::StateStore;

namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Three sshd "hosts" a, b, c (d: a port where nothing listens; e: a host whose key is not
/// known), a state store and a runner wired to RemoteExecutors.
struct Fixture {
  std::string dir = hops::testing::MakeTempDir("hjob-remote");
  std::unique_ptr<StateStore> db = StateStore::Open(dir + "/state.db");
  Runs runs{db.get(), dir};
  SystemClock clock;
  LocalExecutor local;
  std::atomic<bool> stop{false};
  RunnerOptions opts;
  std::shared_ptr<const FlowDef> flow;
  std::map<std::string, std::unique_ptr<hops::testing::Sshd>> hosts;
  std::map<std::string, std::unique_ptr<RemoteExecutor>> executors;
  std::map<std::string, int> opened;  // sessions per node, counted through the -v log

  Fixture() {
    const std::string key = dir + "/id";
    REQUIRE(hops::testing::MakeSshKey(key) == "");
    hops::testing::SshdOptions so;
    so.authorized_keys = {Slurp(key + ".pub")};
    std::string known;
    for (const char* n : {"a", "b", "c", "e"}) {
      std::string err;
      hosts[n] = hops::testing::Sshd::Start(so, &err);
      REQUIRE_MESSAGE(hosts[n], err);
      if (std::string(n) != "e") known += hosts[n]->KnownHostsLine() + "\n";
    }
    hops::testing::WriteFile(dir + "/known_hosts", known);
    hops::testing::WriteFile(dir + "/empty_known_hosts", "");
    auto options = [&](const std::string& name, int port) {
      hops::ssh::SessionOptions o;
      o.host = "127.0.0.1";
      o.port = port;
      o.user = hops::testing::Sshd::User();
      o.identity_files = {key};
      o.use_agent = false;
      o.known_hosts = dir + "/known_hosts";
      o.extra_known_hosts = dir + "/empty_known_hosts";
      o.connect_timeout = std::chrono::seconds(5);
      o.log = [this, name](const std::string& line) {
        if (line.find(": connecting") != std::string::npos) {
          std::lock_guard<std::mutex> l(mu);
          ++opened[name];
        }
      };
      return o;
    };
    for (const auto& [n, h] : hosts) executors[n] = std::make_unique<RemoteExecutor>(n, options(n, h->port()));
    // d: a port bound and closed again, so nothing listens there.
    executors["d"] = std::make_unique<RemoteExecutor>("d", options("d", hops::testing::FreePort()));
    opts.local = &local;
    opts.clock = &clock;
    opts.stop = &stop;
    opts.poll = std::chrono::milliseconds(5);
    opts.executor_for = [this](const std::string& node) -> Executor* {
      auto it = executors.find(node);
      if (it == executors.end()) throw hops::UsageError("node '" + node + "' is not in the inventory");
      return it->second.get();
    };
    opts.select_nodes = [](const TargetSpec& on) { return on.nodes; };
  }

  void Load(const std::string& text) {
    hops::testing::WriteFile(dir + "/f.yaml", text);
    flow = LoadFlowFile(dir + "/f.yaml");
  }
  RunInfo NewRun() { return runs.Create(runs.ReserveId(clock.NowMs()), flow->name, flow->path, {}, ""); }
  RunOutcome Execute(const RunInfo& run, const ResumePlan* plan = nullptr) {
    return ExecuteRun(&runs, run, *flow, {}, opts, plan);
  }
  JobRecord Job(const RunInfo& run, const std::string& name) {
    for (const auto& j : runs.Jobs(run))
      if (j.job == name) return j;
    FAIL("no job " << name);
    return {};
  }
  std::map<std::string, std::string> States(const RunInfo& run) {
    std::map<std::string, std::string> out;
    for (const auto& j : runs.Jobs(run)) out[j.job] = j.state;
    return out;
  }
  int Opened(const std::string& node) {
    std::lock_guard<std::mutex> l(mu);
    return opened[node];
  }
  std::mutex mu;
};

}  // namespace

namespace {

/// Records what the runner reports about nodes: "dispatch JOB N/WIDTH" and "JOB@NODE STATE".
struct NodeLog : Reporter {
  std::vector<std::string> lines;
  void JobDispatched(const RunInfo&, const JobRecord& job, size_t nodes, size_t width) override {
    lines.push_back("dispatch " + job.job + " " + std::to_string(nodes) + "/" + std::to_string(width));
  }
  void NodeEnded(const RunInfo&, const JobRecord& job, const std::string& node, const JobRecord& r) override {
    lines.push_back(job.job + "@" + node + " " + r.state + (r.job == job.job + "@" + node ? "" : " (record " + r.job + ")"));
  }
};

}  // namespace

TEST_SUITE("hjob-run remote") {
  TEST_CASE("node attributes say how to log in: key, password source, jump host") {
    const auto inventory = hops::inv::Inventory::Parse(
        "version: 1\nnodes:\n"
        "  bastion: {address: 127.0.0.9, ssh: {user: gate, port: 2200}, attributes: {ssh_key: /keys/gate}}\n"
        "  db: {address: 127.0.0.10, ssh: {user: dba}, attributes: {ssh_jump: bastion, "
        "ssh_password_env: DB_SSH_PASSWORD, ssh_password_file: /run/secrets/db}}\n"
        "  loop1: {address: 127.0.0.11, attributes: {ssh_jump: loop2}}\n"
        "  loop2: {address: 127.0.0.12, attributes: {ssh_jump: loop1}}\n"
        "  lost: {address: 127.0.0.13, attributes: {ssh_jump: nowhere}}\n",
        "inv.yaml");
    hops::Settings settings;
    const auto db = NodeSessionOptions(*inventory.FindNode("db"), settings, &inventory);
    CHECK(db.host == "127.0.0.10");
    CHECK(db.user == "dba");
    CHECK(db.port == 22);
    CHECK(db.password_env == "DB_SSH_PASSWORD");
    CHECK(db.password_file == "/run/secrets/db");
    REQUIRE(db.jump);
    CHECK(db.jump->host == "127.0.0.9");
    CHECK(db.jump->user == "gate");
    CHECK(db.jump->port == 2200);
    CHECK(db.jump->identity_files == std::vector<std::string>{"/keys/gate"});
    CHECK_FALSE(db.jump->jump);
    CHECK_THROWS_WITH_AS(NodeSessionOptions(*inventory.FindNode("loop1"), settings, &inventory),
                         "node 'loop2': 'ssh_jump' goes round in a circle through 'loop1'", hops::UsageError);
    CHECK_THROWS_WITH_AS(NodeSessionOptions(*inventory.FindNode("lost"), settings, &inventory),
                         "node 'lost': 'ssh_jump' names 'nowhere', which is not in the inventory", hops::UsageError);
  }

  TEST_CASE("argv and shell commands run on the node over one session, hostile values arrive literally") {
    Fixture f;
    const std::string hostile = "it's \"$(touch " + f.dir + "/pwned)\"; `touch " + f.dir + "/pwned2` $HOME \\ \n| rm -rf /nothing";
    std::string yaml_value;
    for (char c : hostile) yaml_value += c == '\n' ? std::string("\\n") : c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    f.Load("name: remote\njobs:\n"
           "  argv: {on: {nodes: [a], mode: any}, run: [printenv, EVIL], env: {EVIL: \"" + yaml_value + "\"}, output: OUT}\n"
           "  shell: {on: [a], run: 'printf \"%s|%s\" \"$EVIL\" \"$HOPS_NODE\" > " + f.dir + "/shell.txt', "
           "env: {EVIL: \"" + yaml_value + "\"}, needs: argv}\n");
    const RunInfo run = f.NewRun();
    const RunOutcome out = f.Execute(run);
    CHECK(out.status == "success");
    CHECK(out.summary == "2 jobs: 2 success");
    CHECK(f.Job(run, "argv").output_value == hostile);
    CHECK(f.Job(run, "argv@a").state == "success");
    CHECK(Slurp(f.dir + "/shell.txt") == hostile + "|a");
    CHECK_FALSE(Exists(f.dir + "/pwned"));
    CHECK_FALSE(Exists(f.dir + "/pwned2"));
    CHECK(f.Opened("a") == 1);  // both jobs on one connection
  }

  TEST_CASE("a script is copied, run with its arguments and removed, also when it fails") {
    Fixture f;
    hops::testing::WriteFile(f.dir + "/s.sh", "#!/bin/sh\necho \"$0\" > " + f.dir + "/where.txt\necho \"args:$1:$2\"\nexit \"$3\"\n");
    f.Load("name: script\njobs:\n"
           "  ok: {on: {nodes: [a], mode: one_of}, script: [s.sh, 'x y', '$(z)', '0'], output: OUT}\n"
           "  bad: {on: [b], script: [s.sh, p, q, '3'], needs: ok}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    CHECK(f.Job(run, "ok").output_value == "args:x y:$(z)");
    const std::string remote_path = Slurp(f.dir + "/where.txt");
    CHECK(remote_path.rfind("/tmp/hops-", 0) == 0);
    CHECK_FALSE(Exists(remote_path.substr(0, remote_path.size() - 1)));  // removed after the failure too
    CHECK(f.Job(run, "bad@b").state == "failed");
    CHECK(f.Job(run, "bad@b").exit_code == 3);
  }

  TEST_CASE("fan-out: a failing node within max_fail is a warning, past it the job fails") {
    Fixture f;
    f.Load("name: fan\njobs:\n"
           "  tolerant: {on: {nodes: [a, b, c], max_fail: 1}, run: 'test \"$HOPS_NODE\" != b'}\n"
           "  strict: {on: {nodes: [a, b, c], max_fail: 0%, parallel: 1}, run: 'test \"$HOPS_NODE\" != b', needs: tolerant}\n");
    NodeLog log;
    f.opts.reporter = &log;
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    // Each node's end is reported as it happens (tolerant's nodes in any order).
    REQUIRE(log.lines.size() == 7);
    CHECK(log.lines[0] == "dispatch tolerant 3/3");
    std::vector<std::string> tolerant(log.lines.begin() + 1, log.lines.begin() + 4);
    std::sort(tolerant.begin(), tolerant.end());
    CHECK(tolerant == std::vector<std::string>{"tolerant@a success", "tolerant@b failed", "tolerant@c success"});
    CHECK(log.lines[4] == "dispatch strict 3/1");
    CHECK(log.lines[5] == "strict@a success");
    CHECK(log.lines[6] == "strict@b failed");  // c never started
    auto st = f.States(run);
    CHECK(st["tolerant"] == "warning");
    CHECK(st["tolerant@a"] == "success");
    CHECK(st["tolerant@b"] == "failed");
    CHECK(st["tolerant@c"] == "success");
    CHECK(f.Job(run, "tolerant").reason.find("3 nodes: 2 success, 1 failed; b: exit 1") == 0);
    CHECK(st["strict"] == "failed");
    CHECK(st["strict@b"] == "failed");
    CHECK(st["strict@c"] == "pending");  // one at a time: stopped after b
    CHECK(f.Job(run, "strict@c").reason == "not started: more than 0 node(s) failed");
  }

  TEST_CASE("one_of fails over to the next node, any takes the first reachable node only") {
    Fixture f;
    f.Load("name: failover\njobs:\n"
           "  one: {on: {nodes: [d, b, c], mode: one_of}, run: 'test \"$HOPS_NODE\" = c && echo on-$HOPS_NODE', output: ONE}\n"
           "  any: {on: {nodes: [d, b, c], mode: any}, run: 'test \"$HOPS_NODE\" = c', needs: one, allow_failure: true}\n");
    const RunInfo run = f.NewRun();
    f.Execute(run);
    auto st = f.States(run);
    CHECK(st["one"] == "success");
    CHECK(f.Job(run, "one").output_value == "on-c");
    CHECK(st["one@d"] == "failed");
    CHECK(f.Job(run, "one@d").reason.find("cannot connect to") == 0);
    CHECK(st["one@b"] == "failed");
    CHECK(st["any"] == "failed");  // b was reached: its failure is the job's
    CHECK(st["any@b"] == "failed");
    CHECK(st.count("any@c") == 0);
  }

  TEST_CASE("retry on a node, and a timeout that kills the remote sleep") {
    Fixture f;
    f.Load("name: rt\njobs:\n"
           "  flaky: {on: [a], run: 'test -e " + f.dir + "/once || { touch " + f.dir + "/once; exit 1; }', retry: {count: 2}}\n"
           "  slow: {on: [b], run: 'echo $$ > " + f.dir + "/pid; exec sleep 30', timeout: 1s, needs: flaky}\n");
    const RunInfo run = f.NewRun();
    const auto t0 = std::chrono::steady_clock::now();
    CHECK(f.Execute(run).status == "failed");
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15));
    CHECK(f.Job(run, "flaky").state == "success");
    CHECK(f.Job(run, "flaky@a").attempts == 2);
    CHECK(f.Job(run, "slow@b").reason == "timed out after 1s");
    const int pid = std::stoi(Slurp(f.dir + "/pid"));
    bool gone = false;
    for (int i = 0; i < 50 && !gone; ++i) {
      gone = ::kill(pid, 0) != 0;
      if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(gone);
  }

  TEST_CASE("an unknown host key is refused and nothing runs there") {
    Fixture f;
    f.Load("name: hk\njobs:\n  j: {on: [e], run: 'touch " + f.dir + "/ran'}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    CHECK(f.Job(run, "j@e").reason.find("host key of") == 0);
    CHECK(f.Job(run, "j@e").reason.find("is not known") != std::string::npos);
    CHECK_FALSE(Exists(f.dir + "/ran"));
  }

  TEST_CASE("resume runs again only the (job, node) pairs that did not succeed") {
    Fixture f;
    f.Load("name: res\njobs:\n"
           "  j: {on: {nodes: [a, b, c], max_fail: 0}, run: 'echo x >> " + f.dir + "/count.$HOPS_NODE; "
           "test \"$HOPS_NODE\" != b || test -e " + f.dir + "/fixed'}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "failed");
    hops::testing::WriteFile(f.dir + "/fixed", "");
    ResumePlan plan;
    for (auto& r : f.runs.Jobs(run)) plan.previous[r.job] = r;
    f.runs.Reopen(run);
    CHECK(f.Execute(run, &plan).status == "success");
    CHECK(Slurp(f.dir + "/count.a") == "x\n");
    CHECK(Slurp(f.dir + "/count.b") == "x\nx\n");
    CHECK(Slurp(f.dir + "/count.c") == "x\n");
    CHECK(f.States(run)["j@b"] == "success");
  }

  TEST_CASE("resume --from and --only run a job again on every node, --warnings on its warning nodes") {
    Fixture f;
    // b ends with a warning (exit 1) until the file 'fixed' exists.
    f.Load("name: again\nparallel: 1\njobs:\n"
           "  first: {run: [true]}\n"
           "  j: {on: {nodes: [a, b]}, needs: first, end_values: {warning: '1'}, run: 'echo x >> " + f.dir +
           "/count.$HOPS_NODE; test \"$HOPS_NODE\" != b || test -e " + f.dir + "/fixed || exit 1'}\n");
    const RunInfo run = f.NewRun();
    CHECK(f.Execute(run).status == "warning");
    auto resume = [&](ResumePlan::Mode mode, std::set<std::string> targets) {
      ResumePlan plan;
      plan.mode = mode;
      plan.targets = std::move(targets);
      for (auto& r : f.runs.Jobs(run)) plan.previous[r.job] = r;
      f.runs.Reopen(run);
      return f.Execute(run, &plan).status;
    };
    CHECK(resume(ResumePlan::Mode::kWarnings, {"j"}) == "warning");
    CHECK(Slurp(f.dir + "/count.a") == "x\n");
    CHECK(Slurp(f.dir + "/count.b") == "x\nx\n");
    hops::testing::WriteFile(f.dir + "/fixed", "");
    CHECK(resume(ResumePlan::Mode::kFrom, {"first"}) == "success");
    CHECK(Slurp(f.dir + "/count.a") == "x\nx\n");
    CHECK(Slurp(f.dir + "/count.b") == "x\nx\nx\n");
    CHECK(resume(ResumePlan::Mode::kOnly, {"j"}) == "success");
    CHECK(Slurp(f.dir + "/count.a") == "x\nx\nx\n");
    CHECK(Slurp(f.dir + "/count.b") == "x\nx\nx\nx\n");
  }
}
