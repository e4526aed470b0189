// Tests of the tcp and dns monitor types against real peers on loopback: in-test socket servers
// and dnsmasq.
#include "cmd/hmon-check/checks/net.hpp"

#include <dirent.h>
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <string>

#include "cmd/hmon-check/checks/check.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/test_server.hpp"

namespace hops::mon {
namespace {

using namespace std::chrono_literals;
using hops::testing::LineServer;
using hops::testing::ReadLine;
using hops::testing::SilentListener;
using hops::testing::ThreadServer;
using hops::testing::WriteStr;
using nagios::State;

const CheckType& Tcp() {
  static auto t = MakeTcpCheck();
  return *t;
}

const CheckType& Dns() {
  static auto t = MakeDnsCheck();
  return *t;
}

CheckSpec MakeSpec(const std::string& type, const std::string& target,
                   std::chrono::milliseconds timeout = 2000ms) {
  CheckSpec s;
  s.monitor = "test";
  s.type = type;
  s.target = target;
  s.timeout = timeout;
  return s;
}

CheckResult RunTimed(const CheckType& t, const CheckSpec& s, double* secs) {
  auto start = std::chrono::steady_clock::now();
  CheckResult r = t.Run(s, CheckContext{});
  *secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

CheckResult RunCheck(const CheckType& t, const CheckSpec& s) { return t.Run(s, CheckContext{}); }

// The value of perfdata @p label, NaN when absent.
double Perf(const CheckResult& r, const std::string& label) {
  for (const Perfdata& p : r.perfdata) {
    if (p.label == label) return p.value;
  }
  return std::nan("");
}

nagios::Thresholds Thr(const char* warn, const char* crit) {
  nagios::Thresholds t;
  if (warn) t.warning = nagios::ParseRange(warn, nullptr);
  if (crit) t.critical = nagios::ParseRange(crit, nullptr);
  return t;
}

std::string Target(int port) { return "127.0.0.1:" + std::to_string(port); }

// Open descriptors of this process.
int CountFds() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return -1;
  while (readdir(d)) ++n;
  closedir(d);
  return n;
}

// A server that sends a banner line and then waits for the client to go away.
ThreadServer::Handler Banner(const std::string& banner) {
  return [banner](int fd) {
    WriteStr(fd, banner);
    std::string line;
    ReadLine(fd, &line, 2000);
  };
}

// ---------------------------------------------------------------------------------------------
// Helpers

TEST_CASE("check_net: SplitHostPort") {
  std::string err;
  auto hp = SplitHostPort("example.org:22", &err);
  REQUIRE(hp);
  CHECK(hp->host == "example.org");
  CHECK(hp->port == 22);
  hp = SplitHostPort("[::1]:2222", &err);
  REQUIRE(hp);
  CHECK(hp->host == "::1");
  CHECK(hp->port == 2222);
  hp = SplitHostPort("fe80::1", &err);
  REQUIRE(hp);
  CHECK(hp->host == "fe80::1");
  CHECK(hp->port == 0);
  CHECK_FALSE(SplitHostPort("host:0", &err));
  CHECK(err.find("invalid port '0'") != std::string::npos);
  CHECK_FALSE(SplitHostPort("host:70000", &err));
  CHECK_FALSE(SplitHostPort("host:", &err));
  CHECK(err.find("missing port") != std::string::npos);
  CHECK_FALSE(SplitHostPort("[::1:22", &err));
  CHECK(err.find("missing ']'") != std::string::npos);
  CHECK_FALSE(SplitHostPort(":22", &err));
  CHECK(err.find("missing host") != std::string::npos);
  CHECK(JoinHostPort("::1", 53) == "[::1]:53");
  CHECK(JoinHostPort("a.b", 53) == "a.b:53");
}

TEST_CASE("check_net: ResolveHost resolves numbers without blocking and names by deadline") {
  auto deadline = std::chrono::steady_clock::now() + 2s;
  Resolved r = ResolveHost("127.0.0.1", 80, AF_UNSPEC, deadline);
  REQUIRE(r.addrs.size() == 1);
  CHECK(r.addrs[0].Text() == "127.0.0.1");
  // An already passed deadline still answers for numeric addresses.
  r = ResolveHost("::1", 80, AF_UNSPEC, std::chrono::steady_clock::now());
  REQUIRE(r.addrs.size() == 1);
  CHECK(r.addrs[0].Text() == "::1");
  r = ResolveHost("localhost", 80, AF_INET, deadline);
  REQUIRE_FALSE(r.addrs.empty());
  CHECK(r.addrs[0].Text() == "127.0.0.1");
  CHECK_FALSE(r.timed_out);
  r = ResolveHost("::1", 80, AF_INET, deadline);  // an IPv6 number asked as IPv4
  CHECK(r.addrs.empty());
  CHECK(r.gai_error != 0);
}

// ---------------------------------------------------------------------------------------------
// tcp

TEST_CASE("tcp: an expected banner is OK with the time measured") {
  ThreadServer server(Banner("SSH-2.0-hops_test\r\n"));
  REQUIRE(server.ok());
  CheckSpec s = MakeSpec("tcp", Target(server.port()));
  s.params.Set("expect", "SSH-2.0");
  CheckResult r = RunCheck(Tcp(), s);
  CHECK(r.state == State::kOk);
  CHECK(r.summary.find("SSH-2.0-hops_test") != std::string::npos);
  REQUIRE(r.perfdata.size() == 1);
  CHECK(r.perfdata[0].label == "time");
  CHECK(r.perfdata[0].uom == "s");
  CHECK(r.perfdata[0].value >= 0);
  CHECK(r.perfdata[0].value < 2);
  CHECK(r.details["response"] == "SSH-2.0-hops_test");
  CHECK(Tcp().Measures().front() == "time");
}

TEST_CASE("tcp: a plain connect is OK without reading") {
  SilentListener listener;  // accepts in the kernel, never speaks
  REQUIRE(listener.ok());
  double secs = 0;
  CheckResult r = RunTimed(Tcp(), MakeSpec("tcp", Target(listener.port())), &secs);
  CHECK(r.state == State::kOk);
  CHECK(r.summary.find("accepted the connection") != std::string::npos);
  CHECK(secs < 1.0);
}

TEST_CASE("tcp: send with escapes, expect and expect_regex") {
  ThreadServer server([](int fd) {
    std::string line;
    if (ReadLine(fd, &line)) WriteStr(fd, "+PONG " + line + "\r\n");
  });
  REQUIRE(server.ok());
  CheckSpec s = MakeSpec("tcp", Target(server.port()));
  s.params.Set("send", "PING hello\\r\\n");
  s.params.Set("expect", "+PONG PING");
  s.params.Set("expect_regex", "^\\+PONG [A-Z]+ hel+o$|hello\\r");
  CheckResult r = RunCheck(Tcp(), s);
  CHECK(r.state == State::kOk);
  CHECK(r.summary.find("+PONG PING hello") != std::string::npos);
}

TEST_CASE("tcp: an unexpected answer is WARNING, or mismatch_state") {
  ThreadServer server(Banner("HELLO there\r\n"));
  REQUIRE(server.ok());
  CheckSpec s = MakeSpec("tcp", Target(server.port()), 5000ms);
  s.params.Set("expect", "SSH-");
  double secs = 0;
  CheckResult r = RunTimed(Tcp(), s, &secs);
  CHECK(r.state == State::kWarning);
  CHECK(secs < 2.0);  // a complete line that does not match ends the wait early
  CHECK(r.summary.find("unexpected response") != std::string::npos);
  CHECK(r.summary.find("HELLO there") != std::string::npos);
  CHECK(r.summary.find("'SSH-'") != std::string::npos);

  s.params.Set("mismatch_state", "critical");
  CHECK(RunCheck(Tcp(), s).state == State::kCritical);

  CheckSpec re = MakeSpec("tcp", Target(server.port()));
  re.params.Set("expect_regex", "^SSH-[0-9]");
  CHECK(RunCheck(Tcp(), re).state == State::kWarning);
}

TEST_CASE("tcp: max_bytes stops reading before the timeout") {
  ThreadServer server(Banner(std::string(100, 'x')));
  REQUIRE(server.ok());
  CheckSpec s = MakeSpec("tcp", Target(server.port()), 5000ms);
  s.params.Set("expect", "SSH-");
  s.params.Set("max_bytes", "10");
  double secs = 0;
  CheckResult r = RunTimed(Tcp(), s, &secs);
  CHECK(r.state == State::kWarning);
  CHECK(r.details["bytes_received"] == 10);
  CHECK(secs < 2.0);
}

TEST_CASE("tcp: expect_regex over a 16 MiB answer gets a result, not a crash") {
  // A backtracking matcher recurses once per byte on (a|b)*c and overflows the stack long before
  // 16 MiB; reading must also not rescan the whole answer after every small read.
  constexpr size_t kSize = size_t{16} << 20;
  const std::string no_c(kSize, 'a');
  const std::string ends_in_c = std::string(kSize - 1, 'b') + "c";
  for (const std::string* answer : {&no_c, &ends_in_c}) {
    CAPTURE(answer->back());
    ThreadServer server(Banner(*answer));
    REQUIRE(server.ok());
    CheckSpec s = MakeSpec("tcp", Target(server.port()), 20000ms);
    s.params.Set("expect_regex", "(a|b)*c");
    s.params.Set("max_bytes", "16MiB");
    double secs = 0;
    CheckResult r = RunTimed(Tcp(), s, &secs);
    CHECK(r.details["bytes_received"] == kSize);
    CHECK(secs < 10.0);
    if (answer == &no_c) {
      CHECK(r.state == State::kWarning);
      CHECK(r.summary.find("unexpected response") == 0);
      CHECK(r.summary.find("expected /(a|b)*c/") != std::string::npos);
    } else {
      CHECK(r.state == State::kOk);
    }
  }
}

TEST_CASE("tcp: connection refused is CRITICAL, or refuse_state") {
  int port = hops::testing::FreePort();
  CheckSpec s = MakeSpec("tcp", Target(port));
  CheckResult r = RunCheck(Tcp(), s);
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "connection refused by 127.0.0.1:" + std::to_string(port));
  CHECK(r.perfdata.empty());
  s.params.Set("refuse_state", "warning");
  CHECK(RunCheck(Tcp(), s).state == State::kWarning);
  s.params.Set("refuse_state", "OK");
  CHECK(RunCheck(Tcp(), s).state == State::kOk);
}

TEST_CASE("tcp: a peer that never answers is CRITICAL within the timeout") {
  SilentListener listener;
  REQUIRE(listener.ok());
  CheckSpec s = MakeSpec("tcp", Target(listener.port()), 300ms);
  s.params.Set("expect", "220");
  double secs = 0;
  CheckResult r = RunTimed(Tcp(), s, &secs);
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "no response from " + Target(listener.port()) + " within 300ms");
  CHECK(secs >= 0.25);
  CHECK(secs < 2.0);
}

TEST_CASE("tcp: a connect that never completes times out as CRITICAL") {
  // A listener with a full accept queue drops further SYNs, so connect() hangs.
  SilentListener listener(0);
  REQUIRE(listener.ok());
  std::vector<int> fillers;
  for (int i = 0; i < 3; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(listener.port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
    fillers.push_back(fd);
  }
  std::this_thread::sleep_for(50ms);
  double secs = 0;
  CheckResult r = RunTimed(Tcp(), MakeSpec("tcp", Target(listener.port()), 300ms), &secs);
  for (int fd : fillers) close(fd);
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "connection timed out after 300ms");
  CHECK(secs < 2.0);
}

TEST_CASE("tcp: thresholds on time raise WARNING and CRITICAL") {
  SilentListener listener;
  REQUIRE(listener.ok());
  CheckSpec s = MakeSpec("tcp", Target(listener.port()));
  s.thresholds["time"] = Thr("@0:", nullptr);  // any time alerts
  CheckResult r = RunCheck(Tcp(), s);
  CHECK(r.state == State::kWarning);
  CHECK(r.summary.find("time warning") != std::string::npos);
  CHECK(r.perfdata[0].warn == "@0:");
  s.thresholds["time"] = Thr(nullptr, "@0:");
  CHECK(RunCheck(Tcp(), s).state == State::kCritical);
  s.thresholds["time"] = Thr("1", "2");  // a loopback connect is far below a second
  CHECK(RunCheck(Tcp(), s).state == State::kOk);
}

TEST_CASE("tcp: host names") {
  ThreadServer v4(Banner("SSH-2.0-v4\r\n"));
  REQUIRE(v4.ok());
  CheckSpec s = MakeSpec("tcp", "localhost:" + std::to_string(v4.port()));
  s.params.Set("expect", "SSH-2.0-v4");
  CHECK(RunCheck(Tcp(), s).state == State::kOk);  // ::1 may be refused first, then 127.0.0.1
}

// Skipped only when ::1 is missing and HOPS_ALLOW_SKIP=1; otherwise it runs, and fails without it.
TEST_CASE("tcp: an IPv6 literal" * doctest::skip(hops::testing::SkipUnless(hops::testing::HasIpv6Loopback))) {
  REQUIRE_MESSAGE(hops::testing::HasIpv6Loopback(), "no IPv6 loopback (HOPS_ALLOW_SKIP=1 skips this test)");
  ThreadServer v6(Banner("SSH-2.0-v6\r\n"), "::1");
  REQUIRE(v6.ok());
  CheckSpec s6 = MakeSpec("tcp", "[::1]:" + std::to_string(v6.port()));
  s6.params.Set("expect", "SSH-2.0-v6");
  CheckResult r = RunCheck(Tcp(), s6);
  CHECK(r.state == State::kOk);
  CHECK(r.details["address"] == "::1");
}

TEST_CASE("tcp: Validate rejects bad parameters by key") {
  auto validate = [](const std::string& target, const char* key, const char* value) {
    CheckSpec s = MakeSpec("tcp", target);
    if (key) s.params.Set(key, value);
    return Tcp().Validate(s);
  };
  CHECK(validate("127.0.0.1:22", nullptr, nullptr) == "");
  CHECK(validate("127.0.0.1", nullptr, nullptr).find("target: missing port") == 0);
  CHECK(validate("127.0.0.1:99999", nullptr, nullptr).find("target: invalid port") == 0);
  CHECK(validate("h:22", "send", "bad\\q").find("send: unknown escape '\\q'") == 0);
  CHECK(validate("h:22", "send", "x\\x4").find("send: bad '\\x' escape") == 0);
  CHECK(validate("h:22", "expect_regex", "(") == "expect_regex: invalid regular expression '(': missing ')'");
  CHECK(validate("h:22", "expect_regex", "^SSH-(?!1)").find("(lookahead is not supported)") != std::string::npos);
  CHECK(validate("h:22", "refuse_state", "maybe").find("refuse_state: invalid state 'maybe'") == 0);
  CHECK(validate("h:22", "mismatch_state", "fatal").find("mismatch_state:") == 0);
  CHECK(validate("h:22", "max_bytes", "0").find("max_bytes: invalid size '0'") == 0);
  CHECK(validate("h:22", "max_bytes", "lots").find("max_bytes:") == 0);
  CHECK(validate("h:22", "max_bytes", "4K") == "");
  // Run reports the same problem as UNKNOWN instead of crashing.
  CheckResult r = RunCheck(Tcp(), MakeSpec("tcp", "nohost"));
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary.find("invalid parameters: target: missing port") == 0);
}

TEST_CASE("tcp: many checks leave no descriptor behind") {
  ThreadServer server(Banner("SSH-2.0-x\r\n"));
  SilentListener silent;
  REQUIRE(server.ok());
  REQUIRE(silent.ok());
  int refused = hops::testing::FreePort();
  // Warm up lazily created descriptors (resolver, random device).
  RunCheck(Tcp(), MakeSpec("tcp", Target(server.port())));
  int before = CountFds();
  for (int i = 0; i < 30; ++i) {
    CheckSpec ok = MakeSpec("tcp", Target(server.port()));
    ok.params.Set("expect", "SSH-");
    CHECK(RunCheck(Tcp(), ok).state == State::kOk);
    CHECK(RunCheck(Tcp(), MakeSpec("tcp", Target(refused))).state == State::kCritical);
    CheckSpec quiet = MakeSpec("tcp", Target(silent.port()), 10ms);
    quiet.params.Set("expect", "x");
    CHECK(RunCheck(Tcp(), quiet).state == State::kCritical);
  }
  CHECK(CountFds() <= before);  // a leak would add one per failing kind and round
}

// ---------------------------------------------------------------------------------------------
// dns

// dnsmasq on a free port with a few test records (the test fails when it is not installed).
std::unique_ptr<hops::testing::Peer> StartDnsmasq(int* port) {
  std::string exe = hops::testing::FindProgram("dnsmasq");
  REQUIRE_MESSAGE(!exe.empty(), (hops::testing::Missing({"dnsmasq"}) + " (Debian package dnsmasq-base)"));
  std::string dir = hops::testing::MakeTempDir("hops-dns");
  std::string big = "--txt-record=big.test";
  for (char c : {'a', 'b', 'c'}) big += "," + std::string(250, c);  // three strings
  std::string err;
  auto argv = [&](int p) {
    return std::vector<std::string>{exe,
                                    "--keep-in-foreground",
                                    "--conf-file=/dev/null",
                                    "--port=" + std::to_string(p),
                                    "--listen-address=127.0.0.1",
                                    "--bind-interfaces",
                                    "--no-resolv",
                                    "--no-hosts",
                                    "--user=root",
                                    "--pid-file=" + dir + "/dnsmasq.pid",
                                    "--log-facility=-",
                                    "--address=/ok.test/127.0.0.7",
                                    "--address=/v6.test/fd00::7",
                                    "--address=/nx.test/",
                                    "--txt-record=txt.test,hello world",
                                    "--mx-host=mx.test,mail.mx.test,10",
                                    "--local=/cn.test/",
                                    "--host-record=target.cn.test,127.0.0.9",
                                    "--cname=alias.cn.test,target.cn.test",
                                    big};
  };
  auto peer = hops::testing::Peer::StartOnFreePort(argv, port, dir + "/dnsmasq.log", &err);
  REQUIRE_MESSAGE(peer, err);
  return peer;
}

CheckSpec DnsSpec(const std::string& name, int port, const char* type = nullptr,
                  std::chrono::milliseconds timeout = 2000ms) {
  CheckSpec s = MakeSpec("dns", name, timeout);
  s.params.Set("server", "127.0.0.1:" + std::to_string(port));
  if (type) s.params.Set("record", type);
  return s;
}

// Skipped only when dnsmasq is missing and HOPS_ALLOW_SKIP=1; otherwise it runs, and fails without it.
TEST_CASE("dns: records from a real server" * doctest::skip(hops::testing::SkipWithout("dnsmasq"))) {
  int port = 0;
  auto dnsmasq = StartDnsmasq(&port);

  SUBCASE("A with expected address") {
    CheckSpec s = DnsSpec("ok.test", port);
    s.params.Add("expect", "127.0.0.7");
    CheckResult r = RunCheck(Dns(), s);
    CHECK(r.state == State::kOk);
    CHECK(r.summary.find("'ok.test' A 127.0.0.7 in ") == 0);
    CHECK(r.details["rcode"] == "NOERROR");
    CHECK(r.details["transport"] == "udp");
    CHECK(Perf(r, "time") >= 0);
  }
  SUBCASE("a missing expected address is CRITICAL") {
    CheckSpec s = DnsSpec("ok.test", port);
    s.params.Add("expect", "127.0.0.7");
    s.params.Add("expect", "127.0.0.8");
    CheckResult r = RunCheck(Dns(), s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "'ok.test' A: missing 127.0.0.8 (got 127.0.0.7)");
  }
  SUBCASE("AAAA, with the address written differently") {
    CheckSpec s = DnsSpec("v6.test", port, "AAAA");
    s.params.Add("expect", "fd00:0::7");
    CheckResult r = RunCheck(Dns(), s);
    CHECK(r.state == State::kOk);
    CHECK(r.details["answers"][0] == "fd00::7");
  }
  SUBCASE("an empty answer is CRITICAL") {
    CheckResult r = RunCheck(Dns(), DnsSpec("target.cn.test", port, "AAAA"));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "'target.cn.test' AAAA: no AAAA record (NOERROR, empty answer)");
  }
  SUBCASE("REFUSED is CRITICAL with the rcode name") {
    // dnsmasq has no upstream for the AAAA of an --address name that only has an IPv4.
    CheckResult r = RunCheck(Dns(), DnsSpec("ok.test", port, "AAAA"));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "'ok.test' AAAA: REFUSED");
  }
  SUBCASE("MX by exchange or by preference and exchange") {
    CheckSpec s = DnsSpec("mx.test", port, "mx");
    s.params.Add("expect", "mail.mx.test");
    s.params.Add("expect", "10 MAIL.mx.test.");
    CheckResult r = RunCheck(Dns(), s);
    CHECK(r.state == State::kOk);
    CHECK(r.summary.find("10 mail.mx.test") != std::string::npos);
  }
  SUBCASE("TXT") {
    CheckSpec s = DnsSpec("txt.test", port, "TXT");
    s.params.Add("expect", "hello world");
    CHECK(RunCheck(Dns(), s).state == State::kOk);
    s.params.Set("expect", "hello");
    CHECK(RunCheck(Dns(), s).state == State::kCritical);
  }
  SUBCASE("CNAME, and A through the alias") {
    CheckSpec s = DnsSpec("alias.cn.test", port, "CNAME");
    s.params.Add("expect", "target.cn.test");
    CHECK(RunCheck(Dns(), s).state == State::kOk);
    CheckSpec a = DnsSpec("alias.cn.test", port);
    a.params.Add("expect", "127.0.0.9");
    CheckResult r = RunCheck(Dns(), a);
    CHECK(r.state == State::kOk);
    CHECK(r.details["cname_chain"][0] == "target.cn.test");
  }
  SUBCASE("NXDOMAIN is CRITICAL, unless expected") {
    CheckResult r = RunCheck(Dns(), DnsSpec("host.nx.test", port));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "'host.nx.test' A: NXDOMAIN");
    CheckSpec s = DnsSpec("host.nx.test", port);
    s.params.Set("expect_rcode", "nxdomain");
    r = RunCheck(Dns(), s);
    CHECK(r.state == State::kOk);
    CHECK(r.summary.find("NXDOMAIN as expected") != std::string::npos);
    CheckSpec exists = DnsSpec("ok.test", port);
    exists.params.Set("expect_rcode", "NXDOMAIN");
    r = RunCheck(Dns(), exists);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("expected NXDOMAIN") != std::string::npos);
  }
  SUBCASE("a truncated UDP answer is retried over TCP") {
    CheckResult r = RunCheck(Dns(), DnsSpec("big.test", port, "TXT"));
    CHECK(r.state == State::kOk);
    CHECK(r.details["transport"] == "tcp");
    REQUIRE(r.details["answers"].size() == 1);
    CHECK(r.details["answers"][0].get<std::string>().size() == 750);
  }
  SUBCASE("thresholds on time") {
    CheckSpec s = DnsSpec("ok.test", port);
    s.thresholds["time"] = Thr(nullptr, "@0:");
    CheckResult r = RunCheck(Dns(), s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("time critical") != std::string::npos);
  }
}

TEST_CASE("dns: the system resolver for A and AAAA without a server") {
  CheckSpec s = MakeSpec("dns", "localhost");
  s.params.Add("expect", "127.0.0.1");
  CheckResult r = RunCheck(Dns(), s);
  CHECK(r.state == State::kOk);
  CHECK(r.details["transport"] == "getaddrinfo");
  CHECK(r.summary.find("'localhost' A 127.0.0.1") == 0);
  s.params.Set("expect", "127.0.0.2");
  CHECK(RunCheck(Dns(), s).state == State::kCritical);
}

TEST_CASE("dns: a server that never answers is CRITICAL within the timeout") {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  double secs = 0;
  CheckResult r = RunTimed(Dns(), DnsSpec("ok.test", port, nullptr, 300ms), &secs);
  CHECK(r.state == State::kCritical);
  CHECK(r.summary ==
        "'ok.test' A: no answer from 127.0.0.1:" + std::to_string(port) + " within 300ms");
  CHECK(secs < 2.0);
  // The query was sent twice: once, and again halfway to the deadline.
  char buf[512];
  int got = 0;
  while (recv(fd, buf, sizeof buf, MSG_DONTWAIT) > 0) ++got;
  CHECK(got == 2);
  close(fd);
}

TEST_CASE("dns: answers with the wrong query id are ignored") {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  // Answers every query with a valid A record for it, but with the id plus @p id_delta.
  auto serve = [fd](int id_delta, int queries) {
    return std::thread([fd, id_delta, queries] {
      for (int i = 0; i < queries; ++i) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 1500) <= 0) return;
        char q[512];
        sockaddr_in from{};
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(fd, q, sizeof q, 0, reinterpret_cast<sockaddr*>(&from), &flen);
        if (n < 12) return;
        std::string m(q, static_cast<size_t>(n));
        int id =
            ((static_cast<unsigned char>(m[0]) << 8) | static_cast<unsigned char>(m[1])) + id_delta;
        m[0] = static_cast<char>((id >> 8) & 0xff);
        m[1] = static_cast<char>(id & 0xff);
        m[2] = static_cast<char>(0x81);  // QR, RD
        m[3] = static_cast<char>(0x80);  // RA, NOERROR
        m[7] = 1;                        // one answer
        m += std::string("\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x7f\x00\x00\x0b", 16);
        sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&from), flen);
      }
    });
  };
  {
    std::thread t = serve(0, 1);
    CheckResult r = RunCheck(Dns(), DnsSpec("id.test", port, nullptr, 1000ms));
    t.join();
    CHECK(r.state == State::kOk);  // the fake server itself works
    CHECK(r.summary.find("127.0.0.11") != std::string::npos);
  }
  {
    std::thread t = serve(1, 2);  // the query and its retry
    double secs = 0;
    CheckResult r = RunTimed(Dns(), DnsSpec("id.test", port, nullptr, 400ms), &secs);
    t.join();
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("no answer from") != std::string::npos);
    CHECK(secs < 2.0);
  }
  close(fd);
}

TEST_CASE("dns: no server listening is CRITICAL") {
  int port = hops::testing::FreePort();  // free for TCP; UDP almost surely too
  CheckResult r = RunCheck(Dns(), DnsSpec("ok.test", port, nullptr, 1000ms));
  CHECK(r.state == State::kCritical);
  CHECK(r.summary.find("'ok.test' A: 127.0.0.1:" + std::to_string(port)) == 0);
  CHECK(r.summary.find("Connection refused") != std::string::npos);
}

TEST_CASE("dns: Validate rejects bad parameters by key") {
  auto validate = [](const std::string& name, std::vector<std::pair<const char*, const char*>> kv) {
    CheckSpec s = MakeSpec("dns", name);
    for (auto& [k, v] : kv) s.params.Add(k, v);
    return Dns().Validate(s);
  };
  CHECK(validate("ok.test", {}) == "");
  CHECK(validate("ok.test", {{"server", "[::1]:5353"}, {"record", "aaaa"}}) == "");
  CHECK(validate("a..b", {}).find("target: empty label") == 0);
  CHECK(validate("", {}).find("target: empty name") == 0);
  CHECK(validate("ok.test:53", {}) == "target: 'ok.test:53' is not a domain name");
  CHECK(validate(std::string(64, 'x') + ".test", {}).find("target: label longer") == 0);
  CHECK(validate("ok.test", {{"record", "SRV"}}).find("record: unsupported record type 'SRV'") == 0);
  CHECK(
      validate("ok.test", {{"server", "dns.example"}}).find("server: 'dns.example' is not an IP") ==
      0);
  CHECK(validate("ok.test", {{"server", "127.0.0.1:0"}}).find("server: invalid port") == 0);
  CHECK(validate("ok.test", {{"expect", "nope"}}).find("expect: 'nope' is not an IPv4") == 0);
  CHECK(validate("ok.test", {{"record", "AAAA"}, {"expect", "1.2.3.4"}}).find("expect:") == 0);
  CHECK(validate("ok.test", {{"record", "MX"}, {"expect", "x mail.test"}}).find("expect:") == 0);
  CHECK(validate("ok.test", {{"expect_rcode", "MAYBE"}}).find("expect_rcode: unknown rcode") == 0);
  CHECK(validate("ok.test", {{"expect_rcode", "NXDOMAIN"}, {"expect", "1.2.3.4"}})
            .find("expect: values cannot be expected together with expect_rcode NXDOMAIN") == 0);
}

}  // namespace
}  // namespace hops::mon
