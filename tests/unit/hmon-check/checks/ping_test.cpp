// Tests of the ping monitor type: the loss/jitter arithmetic, and real echo requests to
// loopback addresses only (127.0.0.0/8 and ::1).
#include "cmd/hmon-check/checks/ping.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "tests/unit/testing/peer.hpp"

namespace hops::mon {
namespace {

using namespace std::chrono_literals;
using nagios::State;

const CheckType& Ping() {
  static auto t = MakePingCheck();
  return *t;
}

CheckSpec PingSpec(const std::string& target, std::chrono::milliseconds timeout = 5000ms) {
  CheckSpec s;
  s.monitor = "test";
  s.type = "ping";
  s.target = target;
  s.timeout = timeout;
  return s;
}

const Perfdata* FindPerf(const CheckResult& r, const std::string& label) {
  for (const Perfdata& p : r.perfdata) {
    if (p.label == label) return &p;
  }
  return nullptr;
}

nagios::Thresholds Thr(const char* warn, const char* crit) {
  nagios::Thresholds t;
  if (warn) t.warning = nagios::ParseRange(warn, nullptr);
  if (crit) t.critical = nagios::ParseRange(crit, nullptr);
  return t;
}

// True when this process may open an ICMP socket of either kind.
bool CanPing() {
  int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP);
  if (fd < 0) fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
  if (fd < 0) return false;
  close(fd);
  return true;
}

bool CanPingIpv6Loopback() { return CanPing() && hops::testing::HasIpv6Loopback(); }

// Tests that need ICMP sockets (IPv6 loopback, root): skipped only when the machine lacks them
// and HOPS_ALLOW_SKIP=1; otherwise they run, and fail without them.
const bool kSkipNoPing = hops::testing::SkipUnless(CanPing);
constexpr const char* kNoPing =
    "no ICMP socket allowed (not root, ping_group_range excludes us; HOPS_ALLOW_SKIP=1 skips this test)";

TEST_CASE("ping: SummarizeRtts computes loss, average, max and jitter") {
  PingStats s = SummarizeRtts(5, {1.0, 2.0, 4.0});
  CHECK(s.sent == 5);
  CHECK(s.received == 3);
  CHECK(s.loss == doctest::Approx(40.0));
  CHECK(s.rta == doctest::Approx(7.0 / 3));
  CHECK(s.rtmin == doctest::Approx(1.0));
  CHECK(s.rtmax == doctest::Approx(4.0));
  CHECK(s.jitter == doctest::Approx(1.5));  // (|2-1| + |4-2|) / 2

  s = SummarizeRtts(4, {3.0, 1.0, 3.0, 1.0});
  CHECK(s.loss == doctest::Approx(0.0));
  CHECK(s.jitter == doctest::Approx(2.0));

  s = SummarizeRtts(1, {2.5});
  CHECK(s.jitter == doctest::Approx(0.0));
  CHECK(s.rta == doctest::Approx(2.5));

  s = SummarizeRtts(3, {});
  CHECK(s.loss == doctest::Approx(100.0));
  CHECK(std::isnan(s.rta));
  CHECK(std::isnan(s.rtmax));
  CHECK(std::isnan(s.jitter));
}

TEST_CASE("ping: no reply is CRITICAL, partial loss is left to thresholds") {
  CheckResult r;
  FillPingResult("192.0.2.1", SummarizeRtts(5, {}), &r);
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "no reply from 192.0.2.1 (5 sent)");
  REQUIRE(FindPerf(r, "loss"));
  CHECK(FindPerf(r, "loss")->value == doctest::Approx(100.0));
  CHECK(FindPerf(r, "loss")->uom == "%");
  CHECK(std::isnan(FindPerf(r, "rta")->value));

  CheckResult partial;
  FillPingResult("h", SummarizeRtts(5, {1.0, 1.2}), &partial);
  CHECK(partial.state == State::kOk);
  CHECK(partial.summary == "h: rta 1.100 ms, lost 60%, jitter 0.200 ms");
  ThresholdMap t;
  t["loss"] = Thr("40", "80");
  ApplyThresholds(t, &partial);
  CHECK(partial.state == State::kWarning);
  CHECK(partial.summary.find("loss warning") != std::string::npos);
}

TEST_CASE("ping: 127.0.0.1 and 127.0.0.2 answer" * doctest::skip(kSkipNoPing)) {
  REQUIRE_MESSAGE(CanPing(), kNoPing);
  for (const char* host : {"127.0.0.1", "127.0.0.2"}) {
    CAPTURE(host);
    CheckSpec s = PingSpec(host);
    s.params.Set("packets", "3");
    s.params.Set("interval", "50ms");
    auto start = std::chrono::steady_clock::now();
    CheckResult r = Ping().Run(s, CheckContext{});
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(r.state == State::kOk);
    CHECK(r.summary.find(std::string(host) + ": rta ") == 0);
    CHECK(r.details["address"] == host);
    CHECK(r.details["sent"] == 3);
    CHECK(r.details["received"] == 3);
    REQUIRE(FindPerf(r, "rta"));
    CHECK(FindPerf(r, "rta")->value > 0);
    CHECK(FindPerf(r, "rta")->value < 1000);
    CHECK(FindPerf(r, "rtmax")->value >= FindPerf(r, "rta")->value);
    CHECK(FindPerf(r, "loss")->value == doctest::Approx(0.0));
    CHECK(FindPerf(r, "jitter")->value >= 0);
    // check_icmp's default thresholds apply when the spec has none.
    CHECK(FindPerf(r, "rta")->warn == "200");
    CHECK(FindPerf(r, "loss")->crit == "80");
    CHECK(secs < 2.0);  // 3 packets 50ms apart, replies in microseconds
  }
}

TEST_CASE("ping: localhost by name" * doctest::skip(kSkipNoPing)) {
  REQUIRE_MESSAGE(CanPing(), kNoPing);
  CheckSpec s = PingSpec("localhost");
  s.params.Set("packets", "2");
  s.params.Set("interval", "20ms");
  CheckResult r = Ping().Run(s, CheckContext{});
  CHECK(r.state == State::kOk);
  CHECK(r.details["address"] == "127.0.0.1");  // IPv4 preferred
}

TEST_CASE("ping: ::1" * doctest::skip(hops::testing::SkipUnless(CanPingIpv6Loopback))) {
  REQUIRE_MESSAGE(CanPing(), kNoPing);
  REQUIRE_MESSAGE(hops::testing::HasIpv6Loopback(), "no IPv6 loopback (HOPS_ALLOW_SKIP=1 skips this test)");
  CheckSpec s6 = PingSpec("::1");
  s6.params.Set("packets", "2");
  s6.params.Set("interval", "20ms");
  s6.params.Set("size", "100");
  const CheckResult r = Ping().Run(s6, CheckContext{});
  CHECK(r.state == State::kOk);
  CHECK(r.details["received"] == 2);
}

TEST_CASE("ping: thresholds on rta and loss" * doctest::skip(kSkipNoPing)) {
  REQUIRE_MESSAGE(CanPing(), kNoPing);
  CheckSpec s = PingSpec("127.0.0.1");
  s.params.Set("packets", "2");
  s.params.Set("interval", "20ms");
  s.thresholds["rta"] = Thr("@0:", nullptr);  // any round trip alerts
  CheckResult r = Ping().Run(s, CheckContext{});
  CHECK(r.state == State::kWarning);
  CHECK(r.summary.find("rta warning") != std::string::npos);
  s.thresholds.clear();
  s.thresholds["loss"] = Thr(nullptr, "@0:0");  // exactly 0% loss alerts
  r = Ping().Run(s, CheckContext{});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary.find("loss critical") != std::string::npos);
}

TEST_CASE("ping: several checks run side by side" * doctest::skip(kSkipNoPing)) {
  REQUIRE_MESSAGE(CanPing(), kNoPing);
  std::vector<std::thread> threads;
  std::vector<CheckResult> results(6);
  auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      CheckSpec s = PingSpec(i % 2 ? "127.0.0.1" : "127.0.0.2");
      s.params.Set("packets", "5");
      s.params.Set("interval", "100ms");
      results[i] = Ping().Run(s, CheckContext{});
    });
  }
  for (auto& t : threads) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (const CheckResult& r : results) {
    CHECK(r.state == State::kOk);
    CHECK(r.details["received"] == 5);  // no run took another's replies
  }
  CHECK(secs < 2.0);  // run one after another they would take 6 × 0.4 s
}

// Runs @p fn in a forked child (for privilege or namespace changes that must not touch this
// process) and returns what it printed; the child is killed after 20 s. "" when it failed.
std::string RunInChild(const std::function<std::string()>& fn) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return "";
  pid_t pid = fork();
  if (pid < 0) return "";
  if (pid == 0) {
    close(pipefd[0]);
    std::string out = fn();
    (void)!write(pipefd[1], out.data(), out.size());
    _exit(0);
  }
  close(pipefd[1]);
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pipefd[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      kill(pid, SIGKILL);
      out.clear();
      break;
    }
    char buf[512];
    ssize_t n = read(pipefd[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return "";
  return out;
}

// "state|summary|socket|received" of a ping run.
std::string Describe(const CheckResult& r) {
  std::string socket = r.details.contains("socket") ? r.details["socket"].get<std::string>() : "";
  std::string received =
      r.details.contains("received") ? std::to_string(r.details["received"].get<int>()) : "";
  return std::to_string(static_cast<int>(r.state)) + "|" + r.summary + "|" + socket + "|" +
         received;
}

// Moves the calling (child) process into a new network namespace with loopback up; false when
// namespaces are not available.
bool EnterPrivateNetwork() {
  if (unshare(CLONE_NEWNET) != 0) return false;
  std::string ip = hops::testing::FindProgram("ip");
  return !ip.empty() && hops::testing::RunCommand({ip, "link", "set", "lo", "up"}) == 0;
}

// Writes a sysctl of the current network namespace.
bool WriteSysctl(const std::string& path, const std::string& value) {
  std::ofstream out(path);
  out << value << "\n";
  out.close();
  return static_cast<bool>(out);
}

// True when a child process can have a private network namespace whose sysctls it may set.
bool HavePrivateNetwork() {
  if (!hops::testing::IsRoot()) return false;
  return RunInChild([]() -> std::string {
           return EnterPrivateNetwork() && WriteSysctl("/proc/sys/net/ipv4/ping_group_range", "0 2147483647") ? "yes"
                                                                                                              : "no";
         }) == "yes";
}

// Tests that need root, or a private network namespace: skipped only when the machine lacks it
// and HOPS_ALLOW_SKIP=1; otherwise they run, and fail without it.
const bool kSkipNotRoot = hops::testing::SkipUnless(hops::testing::IsRoot);
const bool kSkipNoNetns = hops::testing::SkipUnless(HavePrivateNetwork);
constexpr const char* kNotRoot = "needs root (HOPS_ALLOW_SKIP=1 skips this test)";

TEST_CASE("ping: without ICMP permission the check is UNKNOWN with the reason" * doctest::skip(kSkipNotRoot)) {
  REQUIRE_MESSAGE(hops::testing::IsRoot(), kNotRoot);
  std::string out = RunInChild([] {
    if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(2);
    CheckSpec s = PingSpec("127.0.0.1");
    s.params.Set("packets", "1");
    return Describe(Ping().Run(s, CheckContext{}));
  });
  REQUIRE(!out.empty());
  // Unprivileged datagram sockets work when ping_group_range covers gid 65534.
  std::ifstream range_file("/proc/sys/net/ipv4/ping_group_range");
  long lo = 1, hi = 0;
  range_file >> lo >> hi;
  if (lo <= 65534 && 65534 <= hi) {
    CHECK(out.rfind("0|", 0) == 0);
  } else {
    CHECK(out.rfind("3|cannot open an ICMP socket: ", 0) == 0);
    CHECK(out.find("ping_group_range is '") != std::string::npos);
  }
}

TEST_CASE("ping: unprivileged datagram sockets, in a private network namespace" * doctest::skip(kSkipNoNetns)) {
  REQUIRE_MESSAGE(hops::testing::IsRoot(), kNotRoot);
  // The namespace has its own loopback and its own ping_group_range; the host's is untouched.
  std::string out = RunInChild([]() -> std::string {
    if (!EnterPrivateNetwork()) return "no-netns";
    if (!WriteSysctl("/proc/sys/net/ipv4/ping_group_range", "0 2147483647")) return "no-sysctl";
    CheckSpec s = PingSpec("127.0.0.1");
    s.params.Set("packets", "3");
    s.params.Set("interval", "20ms");
    return Describe(Ping().Run(s, CheckContext{}));
  });
  REQUIRE_MESSAGE((out != "no-netns" && out != "no-sysctl"),
                  ("network namespaces not available (" + out + "; HOPS_ALLOW_SKIP=1 skips this test)"));
  CHECK(out.rfind("0|127.0.0.1: rta ", 0) == 0);
  CHECK(out.find("|datagram|3") != std::string::npos);
}

TEST_CASE("ping: a host that ignores echo requests is CRITICAL no reply" * doctest::skip(kSkipNoNetns)) {
  REQUIRE_MESSAGE(hops::testing::IsRoot(), kNotRoot);
  // In a private network namespace, loopback is told to ignore echo requests: real 100% loss
  // without sending anything beyond this namespace's own 127.0.0.1.
  std::string out = RunInChild([]() -> std::string {
    if (!EnterPrivateNetwork()) return "no-netns";
    if (!WriteSysctl("/proc/sys/net/ipv4/icmp_echo_ignore_all", "1")) return "no-sysctl";
    CheckSpec s = PingSpec("127.0.0.1", 2000ms);
    s.params.Set("packets", "3");
    s.params.Set("interval", "50ms");
    s.params.Set("packet_timeout", "200ms");
    auto start = std::chrono::steady_clock::now();
    CheckResult r = Ping().Run(s, CheckContext{});
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return Describe(r) + (secs < 2.0 ? "|fast" : "|slow");
  });
  REQUIRE_MESSAGE((out != "no-netns" && out != "no-sysctl"),
                  ("network namespaces not available (" + out + "; HOPS_ALLOW_SKIP=1 skips this test)"));
  CHECK(out.rfind("2|no reply from 127.0.0.1 (3 sent)|", 0) == 0);
  CHECK(out.find("|0|fast") != std::string::npos);
}

TEST_CASE("ping: Validate rejects bad parameters by key") {
  auto validate = [](const std::string& target, std::vector<std::pair<const char*, const char*>> kv,
                     std::chrono::milliseconds timeout = 10000ms) {
    CheckSpec s = PingSpec(target, timeout);
    for (auto& [k, v] : kv) s.params.Set(k, v);
    return Ping().Validate(s);
  };
  CHECK(validate("127.0.0.1", {}) == "");
  CHECK(validate("::1", {{"packets", "100"}, {"interval", "10ms"}, {"size", "1K"}}) == "");
  CHECK(validate("127.0.0.1:80", {}).find("target: ping takes a host without a port") == 0);
  CHECK(validate("", {}).find("target:") == 0);
  CHECK(validate("h", {{"packets", "0"}}).find("packets: invalid count '0'") == 0);
  CHECK(validate("h", {{"packets", "101"}}).find("packets:") == 0);
  CHECK(validate("h", {{"packets", "five"}}).find("packets:") == 0);
  CHECK(validate("h", {{"interval", "5ms"}}).find("interval: invalid duration '5ms'") == 0);
  CHECK(validate("h", {{"size", "4"}}).find("size: invalid payload size '4'") == 0);
  CHECK(validate("h", {{"packet_timeout", "0s"}}).find("packet_timeout: invalid") == 0);
  CHECK(validate("h", {{"packets", "10"}, {"interval", "1s"}}, 5000ms)
            .find("packets: 10 packets every 1s do not fit in the timeout 5s") == 0);
  CHECK(validate("h", {{"packet_timeout", "3s"}}, 2000ms).find("packet_timeout: 5 packets") == 0);
  // The default per-packet wait shrinks to fit a short timeout.
  CHECK(validate("h", {}, 1000ms) == "");
  CheckResult r = Ping().Run(PingSpec("127.0.0.1:80"), CheckContext{});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary.find("invalid parameters: target:") == 0);
}

}  // namespace
}  // namespace hops::mon
