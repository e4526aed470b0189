#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "tests/unit/testing/certs.hpp"
#include "tests/unit/testing/nginx.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/test_server.hpp"

namespace hops::mon {
namespace {

namespace ht = hops::testing;
using ht::MakeCerts;
using nagios::State;

// Certificates, and nginx serving TLS with each of them.
struct TlsPeers {
  std::string error;        ///< why the certificates are missing, when they are
  std::string nginx_error;  ///< why nginx is not running, when it is not
  std::string dir;
  int good = 0, soon = 0, wrong = 0, expired = 0;
  std::unique_ptr<ht::Peer> nginx;
};

TlsPeers StartPeers() {
  TlsPeers t;
  t.error = ht::Missing({"openssl"});
  if (!t.error.empty()) return t;
  t.dir = ht::MakeTempDir("hops-tls");
  const std::string& d = t.dir;
  if (std::string err = MakeCerts(d); !err.empty()) {
    t.error = err;
    return t;
  }
  t.nginx_error = ht::Missing({"nginx"});
  if (!t.nginx_error.empty()) return t;  // the STARTTLS tests still run
  const std::string ok = "  location / { return 200 \"ok\\n\"; }";
  std::vector<ht::NginxServer> servers = {{"good", "", ok}, {"soon", "", ok}, {"wrong", "", ok}, {"expired", "", ok}};
  std::string err;
  t.nginx = ht::StartNginx(d, &servers, &err);
  t.good = servers[0].port;
  t.soon = servers[1].port;
  t.wrong = servers[2].port;
  t.expired = servers[3].port;
  if (!t.nginx) t.nginx_error = "nginx did not start: " + err;
  return t;
}

// The shared peers (started on first use, stopped when the test binary exits).
const TlsPeers& Peers() {
  static TlsPeers t = StartPeers();
  return t;
}

// Tests that need openssl (and nginx): skipped only when one is missing and HOPS_ALLOW_SKIP=1;
// otherwise they run, and fail when it is missing.
const bool kSkipOpenssl = ht::SkipWithout("openssl");
const bool kSkipNginx = kSkipOpenssl || ht::SkipWithout("nginx");

#define REQUIRE_PEERS(t, need_nginx)             \
  const TlsPeers& t = Peers();                   \
  REQUIRE_MESSAGE(t.error.empty(), t.error);     \
  if (need_nginx) REQUIRE_MESSAGE(t.nginx_error.empty(), t.nginx_error)

CheckSpec Spec(const std::string& target) {
  CheckSpec s;
  s.monitor = "cert";
  s.type = "tls-cert";
  s.target = target;
  s.timeout = std::chrono::milliseconds(5000);
  return s;
}

std::string Local(int port) { return "localhost:" + std::to_string(port); }

CheckResult RunTls(const CheckSpec& spec) {
  auto type = MakeTlsCertCheck();
  const std::string err = type->Validate(spec);
  REQUIRE_MESSAGE(err.empty(), err);
  return type->Run(spec, CheckContext{});
}

nagios::Thresholds Limits(const char* warning, const char* critical) {
  nagios::Thresholds t;
  std::string err;
  if (warning) t.warning = nagios::ParseRange(warning, &err);
  if (critical) t.critical = nagios::ParseRange(critical, &err);
  return t;
}

using hops::testing::SilentListener;

// A tiny SMTP, IMAP or POP3 server on 127.0.0.1 that speaks just enough to offer STARTTLS (or
// not), then does the TLS handshake with OpenSSL; one connection at a time, on its own thread.
class MailServer {
 public:
  MailServer(std::string protocol, const std::string& dir, bool offer) : protocol_(std::move(protocol)), offer_(offer) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_chain_file(ctx_, (dir + "/good.crt").c_str());
    SSL_CTX_use_PrivateKey_file(ctx_, (dir + "/good.key").c_str(), SSL_FILETYPE_PEM);
    thread_ = std::thread([this] { Loop(); });
  }
  ~MailServer() {
    stop_ = true;
    thread_.join();
    close(fd_);
    SSL_CTX_free(ctx_);
  }
  int port() const { return port_; }
  /// Completed TLS handshakes.
  int handshakes() const { return handshakes_; }
  /// Waits up to 2 s for @p n completed handshakes (the server may finish after the client).
  bool WaitHandshakes(int n) const {
    for (int i = 0; i < 200 && handshakes_ < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return handshakes_ == n;
  }
  /// The last plain-text command line received.
  std::string last_command() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_command_;
  }

 private:
  void Loop() {
    // A client that hangs up mid-handshake must not kill the test binary with SIGPIPE.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      const int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(c);
      close(c);
    }
  }

  static void Send(int fd, const std::string& text) { send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

  // Reads one line byte by byte, so no byte of the TLS handshake is consumed.
  bool ReadLine(int fd, std::string* line) {
    line->clear();
    char ch;
    while (recv(fd, &ch, 1, 0) == 1) {
      if (ch == '\n') {
        if (!line->empty() && line->back() == '\r') line->pop_back();
        std::lock_guard<std::mutex> lock(mu_);
        last_command_ = *line;
        return true;
      }
      *line += ch;
    }
    return false;
  }

  void Serve(int c) {
    std::string line;
    if (protocol_ == "smtp") {
      Send(c, "220 mail.test ESMTP ready\r\n");
      if (!ReadLine(c, &line)) return;
      Send(c, offer_ ? "250-mail.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n" : "250-mail.test\r\n250 8BITMIME\r\n");
      if (!ReadLine(c, &line) || line != "STARTTLS") return;
      Send(c, "220 go ahead\r\n");
    } else if (protocol_ == "imap") {
      Send(c, "* OK [CAPABILITY IMAP4rev1] ready\r\n");
      if (!ReadLine(c, &line)) return;
      const std::string tag = line.substr(0, line.find(' '));
      Send(c, std::string("* CAPABILITY IMAP4rev1") + (offer_ ? " STARTTLS" : "") + "\r\n" + tag + " OK done\r\n");
      if (!ReadLine(c, &line) || line.find("STARTTLS") == std::string::npos) return;
      Send(c, line.substr(0, line.find(' ')) + " OK begin TLS\r\n");
    } else {
      Send(c, "+OK ready\r\n");
      if (!ReadLine(c, &line)) return;
      Send(c, std::string("+OK\r\nUSER\r\n") + (offer_ ? "STLS\r\n" : "") + ".\r\n");
      if (!ReadLine(c, &line) || line != "STLS") return;
      Send(c, "+OK begin TLS\r\n");
    }
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) == 1) {
      ++handshakes_;
      char buf[256];
      while (SSL_read(ssl, buf, sizeof buf) > 0) {
      }
    }
    SSL_free(ssl);
  }

  std::string protocol_;
  bool offer_;
  int fd_ = -1;
  int port_ = 0;
  SSL_CTX* ctx_ = nullptr;
  std::atomic<bool> stop_{false};
  std::atomic<int> handshakes_{0};
  mutable std::mutex mu_;
  std::string last_command_;
  std::thread thread_;
};

TEST_SUITE("hops::mon::tls-cert") {
  TEST_CASE("type description") {
    auto t = MakeTlsCertCheck();
    CHECK(t->Name() == "tls-cert");
    CHECK(!t->UsesCurlMulti());
    CHECK(t->Measures() == std::vector<std::string>{"days"});
    CHECK(t->ParamKeys() == std::vector<std::string>{"servername", "starttls", "ca_file", "insecure_chain"});
  }

  TEST_CASE("Validate rejects bad targets and parameters with a message naming the key") {
    auto t = MakeTlsCertCheck();
    auto err = [&](const std::string& target, const std::string& key = "", const std::string& value = "") {
      CheckSpec s = Spec(target);
      if (!key.empty()) s.params.Set(key, value);
      return t->Validate(s);
    };
    CHECK(err("example.com") == "");
    CHECK(err("example.com:8443") == "");
    CHECK(err("[::1]:443") == "");
    CHECK(err("::1") == "");
    CHECK(err("https://user@example.com:8443/path?q") == "");
    CHECK(err("smtp://mail.example.com:587") == "");
    CHECK(err("") == "missing target (expected host:port or a URL)");
    CHECK(err("example.com:0") == "bad target 'example.com:0': invalid port '0' (expected 1..65535)");
    CHECK(err("example.com:99999") == "bad target 'example.com:99999': invalid port '99999' (expected 1..65535)");
    CHECK(err("example.com:https") == "bad target 'example.com:https': invalid port 'https' (expected 1..65535)");
    CHECK(err("example.com:") == "bad target 'example.com:': missing port after ':' in 'example.com:'");
    CHECK(err("[::1") == "bad target '[::1': missing ']' in '[::1'");
    CHECK(err(":443") == "bad target ':443': missing host in ':443'");
    CHECK(err("ftp://example.com") ==
          "URL scheme 'ftp' is not supported (expected https, smtps, imaps, pop3s, ldaps, ftps, smtp, imap or pop3)");
    CHECK(err("example.com", "starttls", "ldap") == "bad 'starttls' 'ldap' (expected smtp, imap or pop3)");
    CHECK(err("example.com", "starttls", "SMTP") == "");
    CHECK(err("https://example.com", "starttls", "smtp") ==
          "'starttls' conflicts with the URL scheme 'https', which is TLS from the start");
    CHECK(err("imap://example.com", "starttls", "smtp") == "'starttls: smtp' conflicts with the URL scheme 'imap'");
    CHECK(err("example.com", "insecure_chain", "perhaps") ==
          "'insecure_chain' must be true, false, yes, no, on or off (any case), not 'perhaps'");
    CHECK(err("example.com", "insecure_chain", "0") ==
          "'insecure_chain' must be true, false, yes, no, on or off (any case), not '0'");
    CHECK(err("example.com", "insecure_chain", "On") == "");
    CHECK(err("example.com", "servername", "a b") == "bad 'servername' 'a b'");
    CHECK(err("example.com", "ca_file", "") == "empty 'ca_file'");
    CheckSpec s = Spec("example.com");
    s.conditions.push_back(Condition{});
    CHECK(t->Validate(s) == "type 'tls-cert' takes no conditions (use thresholds on 'days')");
  }

  TEST_CASE("a valid chain and host name are OK, with days, subject, issuer and SANs" * doctest::skip(kSkipNginx)) {
    REQUIRE_PEERS(t, true);
    CheckSpec s = Spec(Local(t.good));
    s.params.Set("ca_file", t.dir + "/ca.crt");
    CheckResult r = RunTls(s);
    CHECK(r.state == State::kOk);
    CHECK(r.summary.rfind("certificate for 'localhost' expires in 36", 0) == 0);
    REQUIRE(r.perfdata.size() == 1);
    CHECK(r.perfdata[0].label == "days");
    CHECK(r.perfdata[0].value >= 363);
    CHECK(r.perfdata[0].value <= 365);
    CHECK(r.details["subject"] == "CN=good");
    CHECK(r.details["issuer"] == "CN=hops test CA");
    CHECK(r.details["san"] == nlohmann::ordered_json::array({"DNS:localhost", "IP:127.0.0.1"}));
    CHECK(r.details["chain"] == "ok");
    CHECK(r.details["days"] == r.perfdata[0].value);
    CHECK(r.details["not_after"].get<std::string>().size() == 20);
    CHECK(r.long_output.find("subject alternative names: DNS:localhost, IP:127.0.0.1") != std::string::npos);

    // The IP address is checked against the IP SAN; a URL target works the same.
    s.target = "127.0.0.1:" + std::to_string(t.good);
    CHECK(RunTls(s).state == State::kOk);
    s.target = "https://localhost:" + std::to_string(t.good) + "/health";
    CHECK(RunTls(s).state == State::kOk);
  }

  TEST_CASE("an untrusted chain is CRITICAL with OpenSSL's reason unless insecure_chain" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_PEERS(t, true);
    CheckSpec s = Spec(Local(t.good));
    CheckResult r = RunTls(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "certificate verify failed: unable to get local issuer certificate");
    CHECK(r.details["chain"] == "unable to get local issuer certificate");
    s.params.Set("insecure_chain", "true");
    r = RunTls(s);
    CHECK(r.state == State::kOk);
    CHECK(r.long_output.find("chain: unable to get local issuer certificate (ignored: insecure_chain)") !=
          std::string::npos);
  }

  TEST_CASE("days thresholds: a 5-day certificate warns below 30 and is critical below 7" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_PEERS(t, true);
    CheckSpec s = Spec(Local(t.soon));
    s.params.Set("ca_file", t.dir + "/ca.crt");
    s.thresholds["days"] = Limits("30:", "3:");
    CheckResult r = RunTls(s);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.find(", days warning") != std::string::npos);
    REQUIRE(r.perfdata.size() == 1);
    CHECK(r.perfdata[0].value >= 4);
    CHECK(r.perfdata[0].value <= 5);
    CHECK(r.perfdata[0].warn == "30:");
    s.thresholds["days"] = Limits("30:", "7:");
    r = RunTls(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find(", days critical") != std::string::npos);
    // With no thresholds written, the defaults (warning 30:, critical 14:) apply: a certificate
    // that expires in 5 days is not OK.
    s.thresholds.clear();
    r = RunTls(s);
    CHECK(r.state == State::kCritical);
    REQUIRE(r.perfdata.size() == 1);
    CHECK(r.perfdata[0].warn == "30:");
    CHECK(r.perfdata[0].crit == "14:");
    // One bound written: no default is added beside it.
    s.thresholds["days"] = Limits("3:", nullptr);
    CHECK(RunTls(s).state == State::kOk);
  }

  TEST_CASE("a host-name mismatch is CRITICAL, servername selects the name to verify" * doctest::skip(kSkipNginx)) {
    REQUIRE_PEERS(t, true);
    CheckSpec s = Spec(Local(t.wrong));
    s.params.Set("ca_file", t.dir + "/ca.crt");
    CheckResult r = RunTls(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "certificate does not match 'localhost'");
    s.params.Set("servername", "wrong.example");
    r = RunTls(s);
    CHECK(r.state == State::kOk);
    CHECK(r.details["servername"] == "wrong.example");
  }

  TEST_CASE("an expired certificate is CRITICAL even without thresholds" * doctest::skip(kSkipNginx)) {
    REQUIRE_PEERS(t, true);
    CheckSpec s = Spec(Local(t.expired));
    s.params.Set("ca_file", t.dir + "/ca.crt");
    CheckResult r = RunTls(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("certificate expired ", 0) == 0);
    CHECK(r.summary.find(" days ago (2020-02-01T00:00:00Z)") != std::string::npos);
    CHECK(r.summary.find("verify failed") == std::string::npos);
    CHECK(r.details["chain"] == "certificate has expired");
    REQUIRE(r.perfdata.size() == 1);
    CHECK(r.perfdata[0].value < -365);
    s.params.Set("insecure_chain", "true");
    CHECK(RunTls(s).state == State::kCritical);
  }

  TEST_CASE("refused, unresolvable and silent servers are CRITICAL") {
    const int port = ht::FreePort();
    CheckResult r = RunTls(Spec("127.0.0.1:" + std::to_string(port)));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "cannot connect to '127.0.0.1:" + std::to_string(port) + "': connection refused");

    r = RunTls(Spec("no-such-host.invalid:443"));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("cannot resolve host 'no-such-host.invalid': ", 0) == 0);

    SilentListener silent;
    CheckSpec s = Spec("127.0.0.1:" + std::to_string(silent.port()));
    s.timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    r = RunTls(s);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "timed out after 300ms");

    s.params.Set("starttls", "smtp");  // silent before the greeting
    r = RunTls(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "timed out after 300ms");
  }

  TEST_CASE("an unreadable ca_file is UNKNOWN") {
    CheckSpec s = Spec("127.0.0.1:1");
    s.params.Set("ca_file", "/nonexistent/ca.pem");
    const CheckResult r = RunTls(s);
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary.rfind("cannot load 'ca_file' '/nonexistent/ca.pem': ", 0) == 0);
  }

  TEST_CASE("STARTTLS for smtp, imap and pop3" * doctest::skip(kSkipOpenssl)) {
    REQUIRE_PEERS(t, false);
    for (const std::string protocol : {"smtp", "imap", "pop3"}) {
      CAPTURE(protocol);
      MailServer server(protocol, t.dir, true);
      CheckSpec s = Spec(Local(server.port()));
      s.params.Set("starttls", protocol);
      s.params.Set("ca_file", t.dir + "/ca.crt");
      CheckResult r = RunTls(s);
      CHECK(r.state == State::kOk);
      CHECK(r.summary.rfind("certificate for 'localhost' expires in ", 0) == 0);
      CHECK(r.details["starttls"] == protocol);
      CHECK(r.details["subject"] == "CN=good");
      CHECK(server.WaitHandshakes(1));
      // The URL form implies the exchange.
      s = Spec(protocol + "://localhost:" + std::to_string(server.port()));
      s.params.Set("ca_file", t.dir + "/ca.crt");
      CHECK(RunTls(s).state == State::kOk);
      CHECK(server.WaitHandshakes(2));
    }
  }

  TEST_CASE("a server that does not offer STARTTLS is CRITICAL" * doctest::skip(kSkipOpenssl)) {
    REQUIRE_PEERS(t, false);
    const std::pair<const char*, const char*> cases[] = {{"smtp", "smtp: server does not offer STARTTLS"},
                                                         {"imap", "imap: server does not offer STARTTLS"},
                                                         {"pop3", "pop3: server does not offer STLS"}};
    for (const auto& [protocol, message] : cases) {
      CAPTURE(protocol);
      MailServer server(protocol, t.dir, false);
      CheckSpec s = Spec(Local(server.port()));
      s.params.Set("starttls", protocol);
      const CheckResult r = RunTls(s);
      CHECK(r.state == State::kCritical);
      CHECK(r.summary == message);
      CHECK(server.handshakes() == 0);
    }
  }

  TEST_CASE("TLS straight to a plain-text server fails the handshake as CRITICAL" * doctest::skip(kSkipOpenssl)) {
    REQUIRE_PEERS(t, false);
    MailServer server("smtp", t.dir, true);
    const CheckResult r = RunTls(Spec("127.0.0.1:" + std::to_string(server.port())));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("TLS handshake with '127.0.0.1:" + std::to_string(server.port()) + "' failed: ", 0) == 0);
  }

  TEST_CASE("Run is safe from several threads at once" * doctest::skip(kSkipNginx)) {
    REQUIRE_PEERS(t, true);
    auto type = MakeTlsCertCheck();
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        for (int j = 0; j < 5; ++j) {
          CheckSpec s = Spec(Local(t.good));
          s.params.Set("insecure_chain", "yes");
          if (type->Run(s, CheckContext{}).state == State::kOk) ++ok;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(ok == 20);
  }
}

}  // namespace
}  // namespace hops::mon
