// The email channel against a real SMTP server on 127.0.0.1 (tests/unit/testing/smtp_receiver.py on
// aiosmtpd): plain to a relay, STARTTLS with a login, implicit TLS, the test CA; the messages as
// received (envelope, headers, the Japanese subject and body decoded), refusals, and TLS that is
// never given up.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <fstream>
#include <regex>

#include "cmd/hnotify/notifier.hpp"
#include "tests/unit/hnotify/fixture.hpp"
#include "tests/unit/testing/certs.hpp"

namespace hops::notify {
namespace {

using testing::Error;
using testing::MonitorEvent;
using testing::Rig;

const bool kSkipSmtpd = hops::testing::SkipWithout("aiosmtpd") || hops::testing::SkipWithout("openssl");

/// smtp_receiver.py on a free port, run by the Python that has aiosmtpd (the interpreter of the
/// aiosmtpd script, which need not be the first python3 on PATH).
struct Smtpd {
  explicit Smtpd(std::vector<std::string> extra = {}) : dir(hops::testing::MakeTempDir("hops-smtpd")) {
    const std::string exe = hops::testing::FindProgram("aiosmtpd");
    REQUIRE_MESSAGE(!exe.empty(), (hops::testing::Missing({"aiosmtpd"}) + " (Debian package python3-aiosmtpd)"));
    std::ifstream in(exe);
    std::string shebang;
    std::getline(in, shebang);
    REQUIRE(shebang.rfind("#!", 0) == 0);
    std::string err;
    peer = hops::testing::Peer::StartOnFreePort(
        [&](int p) {
          std::vector<std::string> argv = {shebang.substr(2),
                                           std::string(HOPS_SOURCE_DIR) + "/tests/unit/testing/smtp_receiver.py",
                                           std::to_string(p), dir + "/mails.jsonl"};
          argv.insert(argv.end(), extra.begin(), extra.end());
          return argv;
        },
        &port, dir + "/smtpd.log", &err);
    REQUIRE_MESSAGE(peer, err);
  }
  /// The mails received, in order.
  std::vector<nlohmann::json> Mails() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(dir + "/mails.jsonl");
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::string dir;
  int port = 0;
  std::unique_ptr<hops::testing::Peer> peer;
};

/// The test CA and a certificate for 127.0.0.1 in a fresh directory.
std::string Certs() {
  const std::string dir = hops::testing::MakeTempDir("hops-smtp-certs");
  const std::string err = hops::testing::MakeCerts(dir);
  REQUIRE_MESSAGE(err.empty(), err);
  return dir;
}

/// A file with the email channel "mail" (@p keys indented under it) and a route to it.
std::string Mail(const std::string& keys) {
  return "channels:\n  mail:\n    type: email\n    title: '{{summary}}'\n    body: \"{{summary}}\\n二行目: {{key}}\"\n"
         "    retry: {backoff: 10s}\n" + keys + "routes:\n  - {channels: [mail]}\n";
}

std::string NoCr(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\r'), s.end());
  return s;
}

TEST_CASE("email: a relay without TLS gets a MIME mail whose Japanese subject and body arrive readable" *
          doctest::skip(kSkipSmtpd)) {
  Smtpd smtpd;
  Rig rig(Mail("    server: 127.0.0.1:" + std::to_string(smtpd.port) + "\n    tls: none\n"
               "    from: 'hops 監視 <alerts@example.com>'\n    to: [ops@example.com, 'On Call <oncall@example.org>']\n"));
  Event e = MonitorEvent("hmon-check/disk/web01", "critical");
  e.summary = "ディスク残量が少なくなっています: web01 の /var は残り 3% です（しきい値 5%）";
  rig.n.Accept(e);
  const FlushResult r = rig.n.Flush({});
  CHECK(r.delivered == 1);
  const auto mails = smtpd.Mails();
  REQUIRE(mails.size() == 1);
  const nlohmann::json& m = mails[0];
  CHECK(m["from"] == "alerts@example.com");
  CHECK(m["to"] == nlohmann::json::array({"ops@example.com", "oncall@example.org"}));
  CHECK(m["tls"] == false);
  CHECK(m["subject"] == e.summary);
  CHECK(NoCr(m["body"]) == e.summary + "\n二行目: hmon-check/disk/web01\n");
  CHECK(m["headers"]["from"] == "hops 監視 <alerts@example.com>");
  CHECK(m["headers"]["to"] == "ops@example.com, On Call <oncall@example.org>");
  CHECK(m["headers"]["content-type"] == "text/plain; charset=\"UTF-8\"");
  CHECK(m["headers"]["mime-version"] == "1.0");
  CHECK(m["headers"]["auto-submitted"] == "auto-generated");
  const std::string id = m["headers"]["message-id"];
  CHECK(std::regex_match(id, std::regex("<[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@example\\.com>")));
  CHECK(std::regex_match(m["headers"]["date"].get<std::string>(),
                         std::regex("(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} 20[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \\+0000")));
  // On the wire: 7-bit header lines of at most 78 characters, the subject in encoded words.
  const std::string raw = m["raw"];
  size_t longest = 0;
  for (size_t pos = 0, nl; (nl = raw.find("\r\n", pos)) != std::string::npos; pos = nl + 2) longest = std::max(longest, nl - pos);
  CHECK(longest <= 78);
  for (char c : raw) CHECK_MESSAGE(static_cast<unsigned char>(c) < 0x80, raw);
  CHECK(raw.find("Subject: =?UTF-8?B?") != std::string::npos);
  CHECK(raw.find("Content-Transfer-Encoding: base64\r\n") != std::string::npos);

  // An ASCII text goes as it is; a dot at a line start survives (libcurl stuffs it).
  e = MonitorEvent("k", "warning");
  e.summary = "plain\n.dot line";
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto again = smtpd.Mails();
  REQUIRE(again.size() == 2);
  CHECK(again[1]["subject"] == "plain .dot line");
  CHECK(NoCr(again[1]["body"]) == "plain\n.dot line\n二行目: k\n");
}

TEST_CASE("email: the default body ends with the runbook line" * doctest::skip(kSkipSmtpd)) {
  Smtpd smtpd;
  Rig rig("channels:\n  mail:\n    type: email\n    server: 127.0.0.1:" + std::to_string(smtpd.port) +
          "\n    tls: none\n    from: alerts@example.com\n    to: ops@example.com\nroutes:\n  - {channels: [mail]}\n");
  Event e = MonitorEvent("hmon-check/disk/web01", "critical");
  e.runbook = "https://wiki.example.com/runbooks/disk?node=web01";
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto mails = smtpd.Mails();
  REQUIRE(mails.size() == 1);
  const std::string body = NoCr(mails[0]["body"]);
  CHECK(body.rfind("hmon-check/disk/web01 is critical\nstatus: critical\n", 0) == 0);
  CHECK(body.substr(body.size() - 60) == "\nrunbook: https://wiki.example.com/runbooks/disk?node=web01\n");
}

TEST_CASE("email: STARTTLS with the test CA and a login, and a server without STARTTLS gets nothing" *
          doctest::skip(kSkipSmtpd)) {
  const std::string certs = Certs();
  Smtpd smtpd({"--starttls", certs + "/good.crt", certs + "/good.key", "--login", "alerts:pw-5e6f7a8b9c"});
  ::setenv("HOPS_TEST_SMTP_PASSWORD", "pw-5e6f7a8b9c", 1);
  Rig rig(Mail("    server: 127.0.0.1:" + std::to_string(smtpd.port) + "\n    tls: starttls\n    ca_file: " + certs +
               "/ca.crt\n    from: alerts@example.com\n    to: ops@example.com\n    user: alerts\n"
               "    password_env: HOPS_TEST_SMTP_PASSWORD\n"), 1);
  rig.n.Accept(MonitorEvent("k", "critical"));
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto mails = smtpd.Mails();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0]["tls"] == true);
  CHECK(mails[0]["login"] == "alerts");
  CHECK(mails[0]["to"] == nlohmann::json::array({"ops@example.com"}));
  for (const std::string& line : rig.log) CHECK_MESSAGE(line.find("pw-5e6f7a8b9c") == std::string::npos, line);

  // The same server without the test CA: the certificate does not verify, nothing is sent.
  Rig untrusted(Mail("    server: 127.0.0.1:" + std::to_string(smtpd.port) + "\n    from: alerts@example.com\n"
                     "    to: ops@example.com\n    user: alerts\n    password_env: HOPS_TEST_SMTP_PASSWORD\n"));
  untrusted.n.Accept(MonitorEvent("k", "critical"));
  const FlushResult r = untrusted.n.Flush({});
  CHECK(r.delivered == 0);
  REQUIRE(!untrusted.log.empty());
  CHECK_MESSAGE(untrusted.log.back().find("TLS") != std::string::npos, untrusted.log.back());
  CHECK(smtpd.Mails().size() == 1);
  ::unsetenv("HOPS_TEST_SMTP_PASSWORD");

  // STARTTLS is the default and never opportunistic: a server that does not offer it gets no mail.
  Smtpd plain;
  Rig strict(Mail("    server: 127.0.0.1:" + std::to_string(plain.port) + "\n    from: alerts@example.com\n"
                  "    to: ops@example.com\n"));
  strict.n.Accept(MonitorEvent("k", "critical"));
  CHECK(strict.n.Flush({}).delivered == 0);
  REQUIRE(!strict.log.empty());
  CHECK_MESSAGE(strict.log.back().find("STARTTLS") != std::string::npos, strict.log.back());
  CHECK(plain.Mails().empty());
}

TEST_CASE("email: implicit TLS (smtps) with the test CA" * doctest::skip(kSkipSmtpd)) {
  const std::string certs = Certs();
  Smtpd smtpd({"--implicit", certs + "/good.crt", certs + "/good.key"});
  Rig rig(Mail("    server: 127.0.0.1:" + std::to_string(smtpd.port) + "\n    tls: implicit\n    ca_file: " + certs +
               "/ca.crt\n    from: alerts@example.com\n    to: ops@example.com\n"));
  Event e = MonitorEvent("k", "critical");
  e.summary = "暗号化された接続で届く";
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto mails = smtpd.Mails();
  REQUIRE(mails.size() == 1);
  CHECK(mails[0]["tls"] == true);
  CHECK(mails[0]["subject"] == "暗号化された接続で届く");
}

TEST_CASE("email: a 4xx refusal is retried, a 5xx one dropped, with the server's words" * doctest::skip(kSkipSmtpd)) {
  Smtpd smtpd;
  Rig busy(Mail("    server: 127.0.0.1:" + std::to_string(smtpd.port) + "\n    tls: none\n    from: alerts@example.com\n"
                "    to: [ops@example.com, busy@example.com]\n"));
  busy.n.Accept(MonitorEvent("k", "critical"));
  FlushResult r = busy.n.Flush({});
  CHECK(r.retried == 1);
  REQUIRE(busy.log.size() == 1);
  CHECK_MESSAGE(busy.log[0].find("failed (attempt 1): SMTP 451: RCPT failed; next attempt at ") != std::string::npos,
                busy.log[0]);
  Rig reject(Mail("    server: 127.0.0.1:" + std::to_string(smtpd.port) + "\n    tls: none\n    from: alerts@example.com\n"
                  "    to: reject@example.com\n"));
  reject.n.Accept(MonitorEvent("k", "critical"));
  r = reject.n.Flush({});
  CHECK(r.dropped == 1);
  REQUIRE(reject.log.size() == 1);
  CHECK(reject.log[0] == "dropped notification #1 to 'mail' (k critical (problem)): SMTP 550: RCPT failed");
  CHECK(smtpd.Mails().empty());
}

TEST_CASE("email: definition errors: plain text with a login, addresses, tls, server") {
  CHECK(Error(Mail("    server: relay:25\n    tls: none\n    from: a@example.com\n    to: b@example.com\n    user: u\n"
                   "    password_env: P\n")) ==
        "n.yaml:11:11: a login over plain SMTP ('tls: none') would send the password unencrypted: use 'tls: starttls' "
        "(port 587) or 'tls: implicit' (port 465)");
  CHECK(Error(Mail("    server: relay\n    from: not-an-address\n    to: b@example.com\n")) ==
        "n.yaml:8:11: 'from' must be a mail address ('ops@example.com' or 'Ops <ops@example.com>'), not 'not-an-address'");
  CHECK(Error(Mail("    server: relay\n    from: a@example.com\n    to: [b@example.com, 'c d@example.com']\n")) ==
        "n.yaml:9:25: a recipient in 'to' must be a mail address ('ops@example.com' or 'Ops <ops@example.com>'), not 'c d@example.com'");
  CHECK(Error(Mail("    server: relay\n    tls: opportunistic\n    from: a@example.com\n    to: b@example.com\n")) ==
        "n.yaml:8:10: 'tls' must be starttls, implicit or none, not 'opportunistic'");
  CHECK(Error(Mail("    server: relay:99999\n    from: a@example.com\n    to: b@example.com\n")) ==
        "n.yaml:7:13: the port of 'server' must be a number from 1 to 65535, not '99999'");
  CHECK(Error(Mail("    server: relay\n    from: a@example.com\n    to: b@example.com\n    password: x\n")).find(
            "'password' of channel 'mail' is a secret") != std::string::npos);
}

}  // namespace
}  // namespace hops::notify
