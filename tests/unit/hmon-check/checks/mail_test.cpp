// Tests of the smtp, imap, pop3 and ftp monitor types: SMTP against aiosmtpd (plain, STARTTLS,
// implicit TLS), FTP against pyftpdlib, IMAP and POP3 against small in-test line servers.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>

#include "cmd/hmon-check/checks/check.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/test_server.hpp"

namespace hops::mon {
namespace {

using namespace std::chrono_literals;
using hops::testing::kThenClose;
using hops::testing::LineServer;
using hops::testing::SilentListener;
using nagios::State;

const CheckType& Type(const std::string& name) {
  static auto smtp = MakeMailCheck("smtp");
  static auto imap = MakeMailCheck("imap");
  static auto pop3 = MakeMailCheck("pop3");
  static auto ftp = MakeMailCheck("ftp");
  if (name == "smtp") return *smtp;
  if (name == "imap") return *imap;
  if (name == "pop3") return *pop3;
  return *ftp;
}

CheckSpec MailSpec(const std::string& type, int port, std::chrono::milliseconds timeout = 5000ms) {
  CheckSpec s;
  s.monitor = "test";
  s.type = type;
  s.target = "127.0.0.1:" + std::to_string(port);
  s.timeout = timeout;
  return s;
}

CheckResult RunCheck(const CheckSpec& s) { return Type(s.type).Run(s, CheckContext{}); }

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Sets an environment variable for one test.
struct ScopedEnv {
  ScopedEnv(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~ScopedEnv() { unsetenv(name_); }
  const char* name_;
};

// The first word of @p line after skipping @p skip words, upper-cased.
std::string Word(const std::string& line, int skip = 0) {
  std::istringstream ss(line);
  std::string w;
  for (int i = 0; i <= skip; ++i) ss >> w;
  std::transform(w.begin(), w.end(), w.begin(), [](unsigned char c) { return std::toupper(c); });
  return w;
}

std::string Unquote(std::string s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

// An IMAP server accepting LOGIN alice/@p password (and echoing a bad one, to test redaction).
LineServer::Reply Imap(const std::string& password) {
  return [password](const std::string& line) -> std::string {
    std::istringstream ss(line);
    std::string tag, cmd, user, pass;
    ss >> tag >> cmd >> user >> pass;
    std::string verb = Word(cmd);
    if (verb == "CAPABILITY") return "* CAPABILITY IMAP4rev1\r\n" + tag + " OK done\r\n";
    if (verb == "LOGIN") {
      if (Unquote(user) == "alice" && Unquote(pass) == password) return tag + " OK LOGIN done\r\n";
      return tag + " NO [AUTHENTICATIONFAILED] bad password " + Unquote(pass) + "\r\n";
    }
    if (verb == "NOOP") return tag + " OK NOOP done\r\n";
    if (verb == "LOGOUT") return "* BYE\r\n" + tag + " OK LOGOUT done\r\n" + kThenClose;
    return tag + " BAD unknown command\r\n";
  };
}

// A POP3 server accepting USER alice / PASS @p password.
LineServer::Reply Pop3(const std::string& password) {
  return [password](const std::string& line) -> std::string {
    std::string verb = Word(line);
    std::string arg = line.size() > verb.size() + 1 ? line.substr(verb.size() + 1) : "";
    if (verb == "CAPA") return "+OK capabilities\r\nUSER\r\nUIDL\r\n.\r\n";
    if (verb == "USER") return "+OK\r\n";
    if (verb == "PASS") return arg == password ? "+OK logged in\r\n" : "-ERR invalid login\r\n";
    if (verb == "NOOP") return "+OK\r\n";
    if (verb == "QUIT") return std::string("+OK bye\r\n") + kThenClose;
    return "-ERR unknown command\r\n";
  };
}

bool SawVerb(LineServer& server, const std::string& verb, int skip = 0) {
  for (const std::string& l : server.Lines()) {
    if (Word(l, skip) == verb) return true;
  }
  return false;
}

// Tests that need aiosmtpd, openssl or pyftpdlib: skipped only when it is missing and
// HOPS_ALLOW_SKIP=1; otherwise they run, and fail when it is missing.
const bool kSkipSmtpd = hops::testing::SkipWithout("aiosmtpd");
const bool kSkipSmtpdTls = kSkipSmtpd || hops::testing::SkipWithout("openssl");

// aiosmtpd on a free port with @p extra arguments (the test fails when it is not installed).
std::unique_ptr<hops::testing::Peer> StartSmtpd(int* port, std::vector<std::string> extra = {}) {
  std::string exe = hops::testing::FindProgram("aiosmtpd");
  REQUIRE_MESSAGE(!exe.empty(), (hops::testing::Missing({"aiosmtpd"}) + " (Debian package python3-aiosmtpd)"));
  std::string dir = hops::testing::MakeTempDir("hops-smtp");
  std::string err;
  auto peer = hops::testing::Peer::StartOnFreePort(
      [&](int p) {
        std::vector<std::string> argv = {exe, "-n", "-l", "127.0.0.1:" + std::to_string(p)};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
      },
      port, dir + "/aiosmtpd.log", &err);
  REQUIRE_MESSAGE(peer, err);
  return peer;
}

// A self-signed certificate for 127.0.0.1 in @p dir; false when openssl is missing or fails.
bool MakeCert(const std::string& dir, std::string* crt, std::string* key) {
  std::string openssl = hops::testing::FindProgram("openssl");
  if (openssl.empty()) return false;
  *crt = dir + "/cert.pem";
  *key = dir + "/key.pem";
  std::string out;
  int rc = hops::testing::RunCommand(
      {openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", *key, "-out", *crt,
       "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"},
      &out);
  return rc == 0;
}

// ---------------------------------------------------------------------------------------------
// smtp

TEST_CASE("smtp: greeting, expect and login against aiosmtpd" * doctest::skip(kSkipSmtpd)) {
  int port = 0;
  auto smtpd = StartSmtpd(&port);

  CheckResult r = RunCheck(MailSpec("smtp", port));
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "answered in "));
  CHECK(Contains(r.summary, "[220 "));
  CHECK(Contains(r.details["greeting"].get<std::string>(), "Python SMTP"));
  REQUIRE(r.perfdata.size() == 1);
  CHECK(r.perfdata[0].label == "time");
  CHECK(r.perfdata[0].value > 0);
  CHECK(r.perfdata[0].value < 5);

  CheckSpec s = MailSpec("smtp", port);
  s.params.Set("expect", "Python SMTP");
  CHECK(RunCheck(s).state == State::kOk);
  s.params.Set("expect", "Postfix");
  r = RunCheck(s);
  CHECK(r.state == State::kWarning);
  CHECK(Contains(r.summary, "does not contain 'Postfix'"));

  // The port may also come from the port key.
  CheckSpec by_key = MailSpec("smtp", port);
  by_key.target = "127.0.0.1";
  by_key.params.Set("port", std::to_string(port));
  CHECK(RunCheck(by_key).state == State::kOk);

  // aiosmtpd without TLS offers no AUTH: a configured login cannot happen.
  ScopedEnv env("HOPS_TEST_SMTP_PW", "pw");
  CheckSpec login = MailSpec("smtp", port);
  login.params.Set("user", "bob");
  login.params.Set("tls", "none");  // a plain-text login is allowed only when asked for
  login.params.Set("password_env", "HOPS_TEST_SMTP_PW");
  r = RunCheck(login);
  CHECK(r.state == State::kWarning);
  CHECK(Contains(r.summary, "offers no login"));

  // STARTTLS asked of a server that has none.
  CheckSpec tls = MailSpec("smtp", port);
  tls.params.Set("tls", "starttls");
  r = RunCheck(tls);
  CHECK(r.state == State::kWarning);
  CHECK(Contains(r.summary, "does not offer STARTTLS"));

  // Thresholds on time.
  CheckSpec slow = MailSpec("smtp", port);
  slow.thresholds["time"].critical = nagios::ParseRange("@0:", nullptr);
  r = RunCheck(slow);
  CHECK(r.state == State::kCritical);
  CHECK(Contains(r.summary, "time critical"));
}

TEST_CASE("smtp: STARTTLS and implicit TLS against aiosmtpd" * doctest::skip(kSkipSmtpdTls)) {
  std::string dir = hops::testing::MakeTempDir("hops-smtp-tls");
  std::string crt, key;
  REQUIRE_MESSAGE(MakeCert(dir, &crt, &key), "openssl cannot make a certificate");
  int port = 0;
  auto smtpd = StartSmtpd(&port, {"--tlscert", crt, "--tlskey", key});
  CheckSpec s = MailSpec("smtp", port);
  s.params.Set("tls", "starttls");
  s.params.Set("ca_file", crt);
  CheckResult r = RunCheck(s);
  CHECK(r.state == State::kOk);
  CHECK(r.details["tls"] == "starttls");

  CheckSpec unverified = MailSpec("smtp", port);
  unverified.params.Set("tls", "starttls");
  r = RunCheck(unverified);  // self-signed, not in the system store
  CHECK(r.state == State::kCritical);
  CHECK(Contains(r.summary, "TLS with 127.0.0.1:" + std::to_string(port) + " failed"));
  unverified.params.Set("insecure", "true");
  CHECK(RunCheck(unverified).state == State::kOk);

  int sport = 0;
  auto smtps = StartSmtpd(&sport, {"--smtpscert", crt, "--smtpskey", key});
  REQUIRE(smtps);
  CheckSpec implicit = MailSpec("smtp", sport);
  implicit.params.Set("tls", "implicit");
  implicit.params.Set("ca_file", crt);
  r = RunCheck(implicit);
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "[220 "));  // the greeting read through TLS
  // Plain SMTP against the TLS port gets no greeting: CRITICAL at the timeout.
  CheckSpec plain = MailSpec("smtp", sport, 500ms);
  r = RunCheck(plain);
  CHECK(r.state == State::kCritical);
  CHECK(Contains(r.summary, "timed out after 500ms"));
}

TEST_CASE("smtp: a wrong greeting is WARNING") {
  LineServer server("554 5.3.2 no service here\r\n",
                    [](const std::string&) { return std::string("221 bye\r\n") + kThenClose; });
  REQUIRE(server.ok());
  CheckResult r = RunCheck(MailSpec("smtp", server.port()));
  CHECK(r.state == State::kWarning);
  CHECK(Contains(r.summary, "unexpected response from 127.0.0.1:"));
  CHECK(Contains(r.summary, "554 5.3.2 no service here"));
}

TEST_CASE("smtp: refused is CRITICAL, a silent server is CRITICAL at the timeout") {
  int port = hops::testing::FreePort();
  CheckResult r = RunCheck(MailSpec("smtp", port));
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "connection refused by 127.0.0.1:" + std::to_string(port));
  CHECK(r.perfdata.empty());

  SilentListener silent;
  REQUIRE(silent.ok());
  auto start = std::chrono::steady_clock::now();
  r = RunCheck(MailSpec("smtp", silent.port(), 300ms));
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "timed out after 300ms without a greeting");
  CHECK(secs < 2.0);
}

// ---------------------------------------------------------------------------------------------
// imap, pop3

TEST_CASE("imap: greeting, login and refused login") {
  LineServer server("* OK [CAPABILITY IMAP4rev1] hops test imap ready\r\n", Imap("Sup3r-Secret"));
  REQUIRE(server.ok());
  CheckSpec s = MailSpec("imap", server.port());
  s.params.Set("expect", "hops test imap");
  CheckResult r = RunCheck(s);
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "[* OK [CAPABILITY IMAP4rev1] hops test imap ready]"));
  CHECK(SawVerb(server, "NOOP", 1));
  CHECK_FALSE(SawVerb(server, "LOGIN", 1));

  ScopedEnv good("HOPS_TEST_IMAP_PW", "Sup3r-Secret");
  CheckSpec login = MailSpec("imap", server.port());
  login.params.Set("user", "alice");
  login.params.Set("tls", "none");  // a plain-text login is allowed only when asked for
  login.params.Set("password_env", "HOPS_TEST_IMAP_PW");
  r = RunCheck(login);
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "logged in as 'alice' on 127.0.0.1:"));
  CHECK(r.details["logged_in"] == true);

  ScopedEnv bad("HOPS_TEST_IMAP_BAD", "Wr0ng-Secret");
  login.params.Set("password_env", "HOPS_TEST_IMAP_BAD");
  r = RunCheck(login);
  CHECK(r.state == State::kCritical);
  CHECK(Contains(r.summary, "login as 'alice' refused by 127.0.0.1:"));
  // The server echoed the password; the summary must not.
  CHECK_FALSE(Contains(r.summary, "Wr0ng-Secret"));
  CHECK(Contains(r.summary, "bad password ***"));
  CHECK_FALSE(Contains(r.details.dump(), "Wr0ng-Secret"));
}

TEST_CASE("imap: password_file, and secrets that cannot be read are UNKNOWN") {
  LineServer server("* OK ready\r\n", Imap("from-file"));
  REQUIRE(server.ok());
  std::string dir = hops::testing::MakeTempDir("hops-imap");
  hops::testing::WriteFile(dir + "/pw", "from-file\n");
  CheckSpec s = MailSpec("imap", server.port());
  s.params.Set("user", "alice");
  s.params.Set("tls", "none");  // a plain-text login is allowed only when asked for
  s.params.Set("password_file", dir + "/pw");
  CHECK(RunCheck(s).state == State::kOk);

  s.params.Set("password_file", dir + "/missing");
  CheckResult r = RunCheck(s);
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "cannot read 'password_file' '" + dir + "/missing': No such file or directory");

  // An empty file is an error too (one final line break is not part of the password).
  hops::testing::WriteFile(dir + "/empty", "\n");
  s.params.Set("password_file", dir + "/empty");
  r = RunCheck(s);
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "'password_file' '" + dir + "/empty' is empty");

  CheckSpec env = MailSpec("imap", server.port());
  env.params.Set("user", "alice");
  env.params.Set("tls", "none");  // a plain-text login is allowed only when asked for
  env.params.Set("password_env", "HOPS_TEST_UNSET_VARIABLE");
  unsetenv("HOPS_TEST_UNSET_VARIABLE");
  r = RunCheck(env);
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "environment variable 'HOPS_TEST_UNSET_VARIABLE' named by 'password_env' is not set");
}

TEST_CASE("pop3: CAPA without login, NOOP after login, refused login") {
  LineServer server("+OK hops test pop3 ready\r\n", Pop3("pop-pw"));
  REQUIRE(server.ok());
  CheckResult r = RunCheck(MailSpec("pop3", server.port()));
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "[+OK hops test pop3 ready]"));
  CHECK_FALSE(SawVerb(server, "USER"));

  ScopedEnv good("HOPS_TEST_POP_PW", "pop-pw");
  CheckSpec login = MailSpec("pop3", server.port());
  login.params.Set("user", "alice");
  login.params.Set("tls", "none");  // a plain-text login is allowed only when asked for
  login.params.Set("password_env", "HOPS_TEST_POP_PW");
  r = RunCheck(login);
  CHECK(r.state == State::kOk);
  CHECK(SawVerb(server, "NOOP"));

  ScopedEnv bad("HOPS_TEST_POP_BAD", "nope");
  login.params.Set("password_env", "HOPS_TEST_POP_BAD");
  r = RunCheck(login);
  CHECK(r.state == State::kCritical);
  CHECK(Contains(r.summary, "login as 'alice' refused"));
  CHECK(Contains(r.summary, "-ERR invalid login"));
}

// ---------------------------------------------------------------------------------------------
// ftp

// A Python that has pyftpdlib, or "".
std::string FtpdPython() {
  for (std::string p : {std::string("/usr/bin/python3"), hops::testing::FindProgram("python3")}) {
    if (!p.empty() && hops::testing::RunCommand({p, "-c", "import pyftpdlib"}) == 0) return p;
  }
  return "";
}

const bool kSkipFtpd = hops::testing::SkipUnless([] { return !FtpdPython().empty(); });

// pyftpdlib under a Python that has it (the test fails when none does).
std::unique_ptr<hops::testing::Peer> StartFtpd(int* port, std::vector<std::string> extra = {}) {
  const std::string python = FtpdPython();
  REQUIRE_MESSAGE(!python.empty(),
                  "pyftpdlib is not installed (Debian package python3-pyftpdlib; HOPS_ALLOW_SKIP=1 skips the tests "
                  "that need it)");
  std::string dir = hops::testing::MakeTempDir("hops-ftp");
  std::string err;
  std::string log = hops::testing::MakeTempDir("hops-ftp-log") + "/ftpd.log";
  auto peer = hops::testing::Peer::StartOnFreePort(
      [&](int p) {
        std::vector<std::string> argv = {python, "-m", "pyftpdlib", "-i", "127.0.0.1", "-p", std::to_string(p), "-d", dir};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return argv;
      },
      port, log, &err);
  REQUIRE_MESSAGE(peer, err);
  return peer;
}

TEST_CASE("ftp: anonymous and user logins against pyftpdlib" * doctest::skip(kSkipFtpd)) {
  int port = 0;
  auto anon = StartFtpd(&port);
  CheckSpec s = MailSpec("ftp", port);
  s.params.Set("expect", "pyftpdlib");
  CheckResult r = RunCheck(s);
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "[220 pyftpdlib"));

  int uport = 0;
  auto users = StartFtpd(&uport, {"-u", "alice", "-P", "ftp-pw"});
  REQUIRE(users);
  ScopedEnv good("HOPS_TEST_FTP_PW", "ftp-pw");
  CheckSpec login = MailSpec("ftp", uport);
  login.params.Set("user", "alice");
  login.params.Set("tls", "none");  // a plain-text login is allowed only when asked for
  login.params.Set("password_env", "HOPS_TEST_FTP_PW");
  r = RunCheck(login);
  CHECK(r.state == State::kOk);
  CHECK(Contains(r.summary, "logged in as 'alice'"));

  // pyftpdlib answers a failed login after 3 s, so both refusals run in one batch: a wrong
  // password, and no user at all, where the check must not depend on anonymous access.
  ScopedEnv bad("HOPS_TEST_FTP_BAD", "wrong");
  login.params.Set("password_env", "HOPS_TEST_FTP_BAD");
  CheckSpec anonymous = MailSpec("ftp", uport);
  std::vector<CheckResult> results(2);
  Type("ftp").RunBatch({&login, &anonymous}, CheckContext{}, 2,
                       [&](size_t i, CheckResult res) { results.at(i) = std::move(res); });
  CHECK(results[0].state == State::kCritical);
  CHECK(Contains(results[0].summary, "login as 'alice' refused"));
  CHECK(results[1].state == State::kOk);
  CHECK(Contains(results[1].summary, "anonymous login refused"));
}

// ---------------------------------------------------------------------------------------------
// batches and validation

TEST_CASE("mail: RunBatch runs checks concurrently and reports each by index") {
  LineServer pop("+OK ready\r\n", Pop3("x"));
  REQUIRE(pop.ok());
  std::vector<std::unique_ptr<SilentListener>> silent;
  std::vector<CheckSpec> specs;
  specs.push_back(MailSpec("pop3", pop.port()));
  specs.push_back(MailSpec("pop3", hops::testing::FreePort()));
  for (int i = 0; i < 5; ++i) {
    silent.push_back(std::make_unique<SilentListener>());
    specs.push_back(MailSpec("pop3", silent.back()->port(), 400ms));
  }
  CheckSpec invalid = MailSpec("pop3", pop.port());
  invalid.params.Set("tls", "sometimes");
  specs.push_back(invalid);
  std::vector<const CheckSpec*> ptrs;
  for (const CheckSpec& s : specs) ptrs.push_back(&s);

  std::vector<int> seen(specs.size(), 0);
  std::vector<CheckResult> results(specs.size());
  auto start = std::chrono::steady_clock::now();
  Type("pop3").RunBatch(ptrs, CheckContext{}, 10, [&](size_t i, CheckResult r) {
    REQUIRE(i < specs.size());
    ++seen[i];
    results[i] = std::move(r);
  });
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (int n : seen) CHECK(n == 1);
  CHECK(results[0].state == State::kOk);
  CHECK(Contains(results[1].summary, "connection refused"));
  for (int i = 2; i < 7; ++i) {
    CHECK(results[i].state == State::kCritical);
    CHECK(results[i].summary == "timed out after 400ms without a greeting");
  }
  CHECK(results[7].state == State::kUnknown);
  CHECK(Contains(results[7].summary, "tls: invalid value 'sometimes'"));
  CHECK(secs < 1.5);  // five 400ms timeouts one after another would take 2 s

  // With one at a time, completion order is index order.
  std::vector<size_t> order;
  Type("pop3").RunBatch({ptrs[0], ptrs[1], ptrs[7]}, CheckContext{}, 1,
                        [&](size_t i, CheckResult) { order.push_back(i); });
  CHECK(order == std::vector<size_t>{0, 1, 2});
}

TEST_CASE("mail: Validate rejects bad parameters by key") {
  auto validate = [](const std::string& type, const std::string& target,
                     std::vector<std::pair<const char*, const char*>> kv) {
    CheckSpec s = MailSpec(type, 25);
    s.target = target;
    for (auto& [k, v] : kv) s.params.Set(k, v);
    return Type(type).Validate(s);
  };
  CHECK(Type("smtp").Name() == "smtp");
  CHECK(Type("ftp").Name() == "ftp");
  CHECK(Type("imap").Measures() == std::vector<std::string>{"time"});
  CHECK(Type("imap").UsesCurlMulti());
  CHECK(validate("smtp", "mail.example", {}) == "");
  CHECK(validate("imap", "[::1]:143", {{"tls", "starttls"}, {"insecure", "yes"}}) == "");
  CHECK(validate("smtp", "mail.example:99999", {}).find("target: invalid port") == 0);
  CHECK(validate("smtp", "", {}).find("target: missing host") == 0);
  CHECK(validate("smtp", "h", {{"tls", "ssl"}}).find("tls: invalid value 'ssl'") == 0);
  CHECK(validate("smtp", "h", {{"port", "0"}}).find("port: invalid port '0'") == 0);
  CHECK(validate("smtp", "h:25", {{"port", "587"}}).find("port: 587 conflicts") == 0);
  CHECK(validate("smtp", "h", {{"user", "bob"}, {"tls", "none"}}).find("user: needs password_env or") == 0);
  // A login without TLS sends the password in clear: refused unless `tls: none` says so.
  for (const char* type : {"smtp", "imap", "pop3", "ftp"}) {
    CAPTURE(type);
    CHECK(validate(type, "h", {{"user", "bob"}, {"password_env", "X"}}) ==
          "user: a login without TLS sends the password in clear; set tls: starttls or implicit "
          "(or tls: none to allow it, e.g. for a local relay)");
    CHECK(validate(type, "h", {{"user", "bob"}, {"password_env", "X"}, {"tls", "none"}}) == "");
    CHECK(validate(type, "h", {{"user", "bob"}, {"password_env", "X"}, {"tls", "starttls"}}) == "");
  }
  CHECK(validate("smtp", "h", {{"password_env", "X"}}).find("password_env: needs 'user'") == 0);
  CHECK(validate("smtp", "h", {{"user", "b"}, {"tls", "none"}, {"password_env", "X"}, {"password_file", "/f"}})
            .find("password_env: give either") == 0);
  CHECK(validate("smtp", "h", {{"tls", "starttls"}, {"insecure", "maybe"}}) ==
        "'insecure' must be true, false, yes, no, on or off (any case), not 'maybe'");
  CHECK(validate("smtp", "h", {{"tls", "starttls"}, {"insecure", "0"}}) == "'insecure' must be true, false, yes, no, on or off (any case), not '0'");
  CHECK(validate("smtp", "h", {{"tls", "starttls"}, {"insecure", "True"}}) == "");
  CHECK(validate("smtp", "h", {{"ca_file", "/ca.pem"}}).find("ca_file: needs tls") == 0);
  CHECK(validate("smtp", "h", {{"expect", ""}}).find("expect: must not be empty") == 0);
  CHECK(MakeMailCheck("gopher") == nullptr);
}

}  // namespace
}  // namespace hops::mon
