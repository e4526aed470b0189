#include "cmd/hmon-check/checks/sys.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/unit/testing/peer.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using testing::MakeTempDir;
using testing::WriteFile;

CheckSpec Spec(const std::string& type, const std::string& target = "") {
  CheckSpec s;
  s.monitor = "m";
  s.type = type;
  s.target = target;
  s.timeout = std::chrono::milliseconds(5000);
  s.state_key = "m";
  return s;
}

nagios::Thresholds Th(const std::string& warning, const std::string& critical) {
  nagios::Thresholds t;
  if (!warning.empty()) t.warning = nagios::ParseRange(warning, nullptr);
  if (!critical.empty()) t.critical = nagios::ParseRange(critical, nullptr);
  return t;
}

const Perfdata* FindPerf(const CheckResult& r, const std::string& label) {
  for (const auto& p : r.perfdata) {
    if (p.label == label) return &p;
  }
  return nullptr;
}

double PerfValue(const CheckResult& r, const std::string& label) {
  const Perfdata* p = FindPerf(r, label);
  REQUIRE_MESSAGE(p != nullptr, "no perfdata '" << label << "' in " << r.summary);
  return p->value;
}

const char* kMeminfo =
    "MemTotal:       16000000 kB\n"
    "MemFree:         2000000 kB\n"
    "MemAvailable:    4000000 kB\n"
    "Buffers:          100000 kB\n"
    "Cached:          1000000 kB\n"
    "SwapCached:            0 kB\n"
    "SwapTotal:       2000000 kB\n"
    "SwapFree:         500000 kB\n"
    "HugePages_Total:       0\n";

const char* kStat =
    "cpu  1000 50 300 8000 200 10 20 30 5 0\n"
    "cpu0 500 25 150 4000 100 5 10 15 0 0\n"
    "cpu1 500 25 150 4000 100 5 10 15 0 0\n"
    "cpu2 0 0 0 0 0 0 0 0 0 0\n"
    "cpu3 0 0 0 0 0 0 0 0 0 0\n"
    "intr 12345 0 0\n"
    "ctxt 999\n";

/// Writes /proc/PID/{status,cmdline} under @p root.
void FakeProcess(const std::string& root, int pid, const std::string& name, char state, int uid,
                 int rss_kb, const std::string& cmdline) {
  const std::string dir = root + "/" + std::to_string(pid);
  ::mkdir(dir.c_str(), 0755);
  std::string status = "Name:\t" + name + "\nUmask:\t0022\nState:\t" + std::string(1, state) +
                       " (whatever)\nTgid:\t" + std::to_string(pid) + "\nUid:\t" + std::to_string(uid + 1) +
                       "\t" + std::to_string(uid) + "\t" + std::to_string(uid) + "\t" + std::to_string(uid) + "\n";
  if (rss_kb > 0) status += "VmRSS:\t   " + std::to_string(rss_kb) + " kB\n";
  WriteFile(dir + "/status", status);
  WriteFile(dir + "/cmdline", cmdline);
}

/// A fixture /proc with four processes, loadavg, meminfo and stat.
std::string FakeProc() {
  const std::string root = MakeTempDir("hops-proc");
  FakeProcess(root, 100, "nginx", 'S', 33, 2048, std::string("nginx: master process\0", 22));
  FakeProcess(root, 101, "nginx", 'S', 33, 1024, std::string("nginx: worker process\0", 22));
  FakeProcess(root, 200, "python3", 'R', 1000, 4096,
              std::string("/usr/bin/python3\0/srv/app/worker.py\0--queue\0high\0", 49));
  FakeProcess(root, 300, "defunct", 'Z', 1000, 0, "");
  FakeProcess(root, 2, "kthreadd", 'S', 0, 0, "");
  WriteFile(root + "/loadavg", "2.00 1.00 0.40 3/456 7890\n");
  WriteFile(root + "/meminfo", kMeminfo);
  WriteFile(root + "/stat", kStat);
  ::mkdir((root + "/self").c_str(), 0755);  // not numeric: ignored
  return root;
}

}  // namespace

TEST_CASE("check_sys: ParseMeminfo reads kB figures and falls back without MemAvailable") {
  std::string err;
  auto mi = ParseMeminfo(kMeminfo, &err);
  REQUIRE(mi);
  CHECK(mi->mem_total == 16000000ull * 1024);
  CHECK(mi->mem_available == 4000000ull * 1024);
  CHECK(mi->swap_total == 2000000ull * 1024);
  CHECK(mi->swap_free == 500000ull * 1024);

  auto old = ParseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 20 kB\nCached: 30 kB\n", &err);
  REQUIRE(old);
  CHECK(old->mem_available == 150 * 1024);
  CHECK(old->swap_total == 0);

  CHECK_FALSE(ParseMeminfo("MemFree: 100 kB\n", &err));
  CHECK(err == "no MemTotal line in meminfo");
  CHECK_FALSE(ParseMeminfo("MemTotal: lots kB\n", &err));
  CHECK(err == "malformed MemTotal line in meminfo");
}

TEST_CASE("check_sys: ParseLoadavg and ParseStat") {
  std::string err;
  auto l = ParseLoadavg("0.52 1.48 12.40 1/123 4567\n", &err);
  REQUIRE(l);
  CHECK(l->load1 == doctest::Approx(0.52));
  CHECK(l->load5 == doctest::Approx(1.48));
  CHECK(l->load15 == doctest::Approx(12.40));
  CHECK_FALSE(ParseLoadavg("0.52 x 1\n", &err));
  CHECK(err.find("malformed loadavg") == 0);
  CHECK_FALSE(ParseLoadavg("", &err));

  auto t = ParseStat(kStat, &err);
  REQUIRE(t);
  CHECK(t->cpus == 4);
  CHECK(t->user == 1000);
  CHECK(t->iowait == 200);
  CHECK(t->steal == 30);
  CHECK(t->Total() == 1000 + 50 + 300 + 8000 + 200 + 10 + 20 + 30);
  auto old = ParseStat("cpu 10 0 5 85\ncpu0 10 0 5 85\n", &err);  // a 2.4 kernel: four fields
  REQUIRE(old);
  CHECK(old->idle == 85);
  CHECK(old->cpus == 1);
  CHECK_FALSE(ParseStat("intr 1\n", &err));
  CHECK(err == "no cpu line in /proc/stat");
  CHECK_FALSE(ParseStat("cpu 1 2 x 4 5\n", &err));
  CHECK(err == "malformed cpu line in /proc/stat");
}

TEST_CASE("check_sys: CpuUsageBetween") {
  CpuTimes a, b;
  a.user = 100;
  a.idle = 1000;
  b = a;
  CHECK_FALSE(CpuUsageBetween(a, b));  // no time passed
  b.user += 30;
  b.system += 10;
  b.idle += 40;
  b.iowait += 10;
  b.steal += 10;  // total delta 100
  auto u = CpuUsageBetween(a, b);
  REQUIRE(u);
  CHECK(u->busy_pct == doctest::Approx(50));
  CHECK(u->iowait_pct == doctest::Approx(10));
  CHECK(u->steal_pct == doctest::Approx(10));
}

TEST_CASE("check_sys: ParseProcStatus and CmdlineToArgs") {
  std::string err;
  auto p = ParseProcStatus("Name:\tmy\\\\od\\nd name\nState:\tZ (zombie)\nUid:\t1\t2\t3\t4\nVmRSS:\t 10 kB\n", &err);
  REQUIRE(p);
  CHECK(p->name == "my\\od\nd name");
  CHECK(p->state == 'Z');
  CHECK(p->uid == 2);  // effective uid
  CHECK(p->rss == 10240);
  CHECK_FALSE(ParseProcStatus("Name:\tx\nState:\tR\n", &err));
  CHECK(err == "no Uid line in process status");
  CHECK(CmdlineToArgs(std::string("a\0b c\0d\0", 8)) == "a b c d");
  CHECK(CmdlineToArgs("") == "");
}

TEST_CASE("check_sys: ReadProcesses reads a fixture /proc") {
  const std::string root = FakeProc();
  std::string err;
  auto procs = ReadProcesses(root, &err);
  CHECK(err.empty());
  CHECK(procs.size() == 5);
  bool found = false;
  for (const auto& p : procs) {
    if (p.pid != 200) continue;
    found = true;
    CHECK(p.name == "python3");
    CHECK(p.args == "/usr/bin/python3 /srv/app/worker.py --queue high");
    CHECK(p.uid == 1000);
    CHECK(p.rss == 4096 * 1024);
  }
  CHECK(found);
  CHECK(ReadProcesses(root + "/nope", &err).empty());
  CHECK(err.find("cannot read '") == 0);
}

TEST_CASE("check_sys: process counts matches on a fixture /proc") {
  const std::string root = FakeProc();
  auto type = MakeSysCheck("process", root);
  REQUIRE(type);
  CHECK(type->Name() == "process");
  CHECK(type->Measures().front() == "count");

  auto spec = Spec("process");
  spec.params.Set("name", "nginx");
  auto r = type->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "2 processes matching name=nginx");
  CHECK(PerfValue(r, "count") == 2);
  CHECK(PerfValue(r, "rss") == 3072 * 1024);
  CHECK(r.long_output.find("100 S uid=33") != std::string::npos);
  CHECK(r.details["pids"].size() == 2);

  spec = Spec("process");
  spec.params.Set("args_regex", "worker\\.py --queue (high|low)$");
  spec.params.Set("user", "1000");
  r = type->Run(spec, {});
  CHECK(r.summary == "1 process matching args_regex=worker\\.py --queue (high|low)$ user=1000");

  spec = Spec("process");
  spec.params.Set("user", "root");  // a name, resolved with the passwd database
  r = type->Run(spec, {});
  CHECK(r.summary == "1 process matching user=root");
  CHECK(r.details["pids"][0] == 2);

  spec = Spec("process");
  spec.params.Set("state", "ZD");
  r = type->Run(spec, {});
  CHECK(PerfValue(r, "count") == 1);

  spec = Spec("process");
  spec.params.Set("name_regex", "^(nginx|python\\d)$");
  r = type->Run(spec, {});
  CHECK(PerfValue(r, "count") == 3);

  // No match with "at least one" wanted: CRITICAL.
  spec = Spec("process");
  spec.params.Set("name", "postgres");
  spec.thresholds["count"] = Th("", "1:");
  r = type->Run(spec, {});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "0 processes matching name=postgres, count critical");
  CHECK(FindPerf(r, "count")->crit == "1:");

  // Too many: WARNING.
  spec = Spec("process");
  spec.params.Set("name", "nginx");
  spec.thresholds["count"] = Th("1", "5");
  r = type->Run(spec, {});
  CHECK(r.state == State::kWarning);

  spec = Spec("process");
  spec.params.Set("user", "no-such-user-hops");
  r = type->Run(spec, {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "unknown user 'no-such-user-hops'");

  r = MakeSysCheck("process", root + "/missing")->Run(Spec("process"), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary.find("cannot read '") == 0);
}

TEST_CASE("check_sys: process Validate") {
  auto type = MakeProcessCheck();
  auto spec = Spec("process");
  CHECK(type->Validate(spec) == "");
  spec.params.Set("name", "a");
  spec.params.Set("name_regex", "b");
  CHECK(type->Validate(spec) == "'name' and 'name_regex' cannot be used together");
  spec = Spec("process");
  spec.params.Set("args_regex", "(unclosed");
  CHECK(type->Validate(spec) == "'args_regex': invalid regular expression '(unclosed': missing ')'");
  spec = Spec("process");
  spec.params.Set("state", "Rq");
  CHECK(type->Validate(spec).find("'state' 'Rq' has 'q'") == 0);
}

TEST_CASE("check_sys: process finds a real child by its arguments and user") {
  const std::string arg = std::to_string(1000 + ::getpid() % 1000) + ".25";
  std::string err;
  auto child = testing::Peer::Start({"sleep", arg}, 0, "", &err);
  REQUIRE_MESSAGE(child, err);
  auto type = MakeProcessCheck();
  auto spec = Spec("process");
  spec.params.Set("args_regex", "^sleep " + arg + "$");
  spec.params.Set("name", "sleep");
  spec.params.Set("user", std::to_string(::geteuid()));
  spec.thresholds["count"] = Th("", "1:1");
  CheckResult r;
  for (int i = 0; i < 100; ++i) {  // the exec may not have happened yet
    r = type->Run(spec, {});
    if (r.state == State::kOk) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "count") == 1);
  CHECK(PerfValue(r, "rss") > 0);
  CHECK(r.details["pids"][0] == child->pid());
  child->Stop();
  r = type->Run(spec, {});
  CHECK(r.state == State::kCritical);
  CHECK(PerfValue(r, "count") == 0);
}

TEST_CASE("check_sys: load, memory, swap and cpu on a fixture /proc") {
  const std::string root = FakeProc();
  auto load = MakeSysCheck("load", root);
  auto r = load->Run(Spec("load"), {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "load average 2.00, 1.00, 0.40");
  CHECK(PerfValue(r, "load15") == doctest::Approx(0.4));

  auto spec = Spec("load");
  spec.params.Set("per_cpu", "true");
  spec.thresholds["load1"] = Th("0.4", "0.9");
  r = load->Run(spec, {});
  CHECK(r.state == State::kWarning);
  CHECK(r.summary == "load average per CPU 0.50, 0.25, 0.10 (4 CPUs), load1 warning");
  spec.thresholds["load1"] = Th("", "0.3");
  CHECK(load->Run(spec, {}).state == State::kCritical);

  auto mem = MakeSysCheck("memory", root);
  spec = Spec("memory");
  r = mem->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "memory 75.0% used (3.8 GiB available of 15.3 GiB)");
  CHECK(PerfValue(r, "used_pct") == doctest::Approx(75));
  CHECK(PerfValue(r, "available") == 4000000.0 * 1024);
  spec.thresholds["used_pct"] = Th("70", "90");
  CHECK(mem->Run(spec, {}).state == State::kWarning);

  auto swap = MakeSysCheck("swap", root);
  spec = Spec("swap");
  spec.thresholds["used_pct"] = Th("50", "70");
  r = swap->Run(spec, {});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "swap 75.0% used (488.3 MiB free of 1.9 GiB), used_pct critical");

  // No swap configured: OK "no swap" with used_pct 0, thresholds and all.
  WriteFile(root + "/meminfo", "MemTotal: 1000 kB\nMemAvailable: 500 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\n");
  r = swap->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "no swap");
  CHECK(PerfValue(r, "used_pct") == 0);

  // /proc/stat that does not move: the cpu check cannot say anything.
  auto cpu = MakeSysCheck("cpu", root);
  spec = Spec("cpu");
  spec.params.Set("sample", "20ms");
  r = cpu->Run(spec, {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary.find("no CPU time passed") == 0);

  // Missing files are UNKNOWN with the path.
  const std::string empty = MakeTempDir("hops-proc");
  for (const char* t : {"load", "memory", "swap", "cpu"}) {
    r = MakeSysCheck(t, empty)->Run(spec, {});
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary.find("cannot open '" + empty + "/") == 0);
    CHECK(r.perfdata.empty());
  }
  CHECK(MakeSysCheck("nope", root) == nullptr);
}

TEST_CASE("check_sys: load, cpu, memory and swap on this machine") {
  auto r = MakeLoadCheck()->Run(Spec("load"), {});
  CHECK(r.state == State::kOk);
  CHECK(r.perfdata.size() == 3);
  CHECK(PerfValue(r, "load1") >= 0);

  auto spec = Spec("cpu");
  spec.params.Set("sample", "100ms");
  r = MakeCpuCheck()->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "busy_pct") >= 0);
  CHECK(PerfValue(r, "busy_pct") <= 100);
  CHECK(r.summary.find(" busy (iowait ") != std::string::npos);

  r = MakeMemoryCheck()->Run(Spec("memory"), {});
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "used_pct") > 0);
  CHECK(PerfValue(r, "used_pct") < 100);
  CHECK(PerfValue(r, "available") > 0);

  r = MakeSwapCheck()->Run(Spec("swap"), {});
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "used_pct") >= 0);
}

TEST_CASE("check_sys: cpu and load Validate") {
  auto cpu = MakeCpuCheck();
  auto spec = Spec("cpu");
  CHECK(cpu->Validate(spec) == "");
  spec.params.Set("sample", "half a second");
  CHECK(cpu->Validate(spec) == "'sample' must be a positive duration such as 500ms, not 'half a second'");
  spec.params.Set("sample", "10s");
  CHECK(cpu->Validate(spec) == "'sample' (10s) must be shorter than the timeout (5s)");
  spec = Spec("load");
  spec.params.Set("per_cpu", "maybe");
  CHECK(MakeLoadCheck()->Validate(spec) == "'per_cpu' must be true, false, yes, no, on or off (any case), not 'maybe'");
  spec.params.Set("per_cpu", "TRUE");
  CHECK(MakeLoadCheck()->Validate(spec) == "");
}

TEST_CASE("check_sys: disk on real file systems") {
  auto disk = MakeDiskCheck();
  const std::string dir = MakeTempDir("hops-disk");
  auto spec = Spec("disk", dir);
  spec.params.Set("inodes", "true");
  auto r = disk->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary.find(dir + " ") == 0);
  CHECK(r.summary.find("% used (") != std::string::npos);
  const double pct = PerfValue(r, "used_pct");
  CHECK(pct >= 0);
  CHECK(pct <= 100);
  CHECK(FindPerf(r, "free")->max.value() >= PerfValue(r, "free"));
  CHECK(PerfValue(r, "used") > 0);
  CHECK((FindPerf(r, "inodes_used_pct") != nullptr || r.long_output.find("no inode limit") != std::string::npos));

  // Thresholds: anything used at all is CRITICAL.
  spec = Spec("disk", "/");
  spec.thresholds["used_pct"] = Th("", "~:0");
  r = disk->Run(spec, {});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary.find(", used_pct critical") != std::string::npos);
  CHECK(FindPerf(r, "inodes_used_pct") == nullptr);  // not asked for

  // Free space below 1 EiB: WARNING through the "free" measure.
  spec = Spec("disk", "/");
  spec.thresholds["free"] = Th("1152921504606846976:", "");
  CHECK(disk->Run(spec, {}).state == State::kWarning);

  r = disk->Run(Spec("disk", dir + "/missing"), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "cannot stat '" + dir + "/missing': No such file or directory");

  CHECK(disk->Validate(Spec("disk")) == "'target' is missing: give a mount point or a path");
  spec = Spec("disk", "/");
  spec.params.Set("inodes", "yes please");
  CHECK(disk->Validate(spec) == "'inodes' must be true, false, yes, no, on or off (any case), not 'yes please'");
}

}  // namespace hops::mon
