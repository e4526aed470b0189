// The smtp, imap, pop3 and ftp monitor types: each check is a session of the HTTP layer
// (common/http, one Runner per batch).
//
// Each check connects, reads the greeting, optionally upgrades to TLS and logs in, sends one
// harmless command (SMTP/IMAP NOOP, POP3 CAPA or NOOP when logged in, FTP: login and PWD only)
// and quits. The greeting is every server line that arrives before the first command is sent.
//
// States follow check_smtp: connection refused, timeouts, lost connections, TLS failures and
// refused logins are CRITICAL; a wrong greeting or an unexpected reply is WARNING (so is a server
// that offers no STARTTLS when `tls: starttls` asks for it); bad parameters, unreadable secrets
// and local problems are UNKNOWN.
#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/checks/net.hpp"
#include "cmd/hmon-check/checks/requests.hpp"
#include "common/event.hpp"
#include "common/http.hpp"
#include "common/output.hpp"
#include "common/secret.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using Clock = std::chrono::steady_clock;
using nagios::State;

// What differs between the four protocols.
struct Protocol {
  const char* name;        // type name and plain URL scheme
  const char* tls_scheme;  // implicit-TLS URL scheme
  int port;                // default port
  int tls_port;            // default port with implicit TLS
};

const Protocol kProtocols[] = {
    {"smtp", "smtps", 25, 465},
    {"imap", "imaps", 143, 993},
    {"pop3", "pop3s", 110, 995},
    {"ftp", "ftps", 21, 990},
};

enum class Tls { kNone, kStartTls, kImplicit };

// The parsed parameters of a mail check.
struct MailOptions {
  std::string host;
  int port = 0;
  Tls tls = Tls::kNone;
  std::string user;
  std::optional<std::string> password_env;
  std::optional<std::string> password_file;
  std::optional<std::string> expect;
  std::string ca_file;
  bool insecure = false;
};

std::string ParseMail(const Protocol& proto, const CheckSpec& spec, MailOptions* o) {
  std::string err;
  auto hp = SplitHostPort(spec.target, &err);
  if (!hp) return "target: " + err;
  o->host = hp->host;
  if (auto v = spec.params.Get("tls")) {
    if (*v == "none") {
      o->tls = Tls::kNone;
    } else if (*v == "starttls") {
      o->tls = Tls::kStartTls;
    } else if (*v == "implicit") {
      o->tls = Tls::kImplicit;
    } else {
      return "tls: invalid value '" + *v + "' (expected none, starttls or implicit)";
    }
  }
  o->port = hp->port;
  if (auto v = spec.params.Get("port")) {
    auto parsed = SplitHostPort("x:" + *v, &err);
    if (!parsed) return "port: invalid port '" + *v + "' (expected 1..65535)";
    if (hp->port != 0 && hp->port != parsed->port) {
      return "port: " + *v + " conflicts with the port in target '" + spec.target + "'";
    }
    o->port = parsed->port;
  }
  if (o->port == 0) o->port = o->tls == Tls::kImplicit ? proto.tls_port : proto.port;
  if (auto v = spec.params.Get("user")) {
    if (v->empty()) return "user: must not be empty";
    o->user = *v;
  }
  o->password_env = spec.params.Get("password_env");
  o->password_file = spec.params.Get("password_file");
  if (o->password_env && o->password_file) {
    return "password_env: give either password_env or password_file, not both";
  }
  if ((o->password_env || o->password_file) && o->user.empty()) {
    return std::string(o->password_env ? "password_env" : "password_file") + ": needs 'user'";
  }
  if (!o->user.empty() && !o->password_env && !o->password_file) {
    return "user: needs password_env or password_file (passwords are never written inline)";
  }
  if (!o->user.empty() && !spec.params.Get("tls")) {
    // Without TLS the password crosses the network in clear: only when the monitor says so.
    return "user: a login without TLS sends the password in clear; set tls: starttls or implicit "
           "(or tls: none to allow it, e.g. for a local relay)";
  }
  if (o->password_env && o->password_env->empty()) return "password_env: must not be empty";
  if (o->password_file && o->password_file->empty()) return "password_file: must not be empty";
  if (auto v = spec.params.Get("expect")) {
    if (v->empty()) return "expect: must not be empty";
    o->expect = *v;
  }
  if (auto v = spec.params.Get("ca_file")) {
    if (v->empty()) return "ca_file: must not be empty";
    if (o->tls == Tls::kNone) return "ca_file: needs tls starttls or implicit";
    o->ca_file = *v;
  }
  if (auto v = spec.params.Get("insecure")) {
    auto b = ParseBool(*v);
    if (!b) return BadBoolMessage("insecure", *v);
    if (*b && o->tls == Tls::kNone) return "insecure: needs tls starttls or implicit";
    o->insecure = *b;
  }
  return "";
}

// Reads the password named by the options (ReadSecret); false with *@p err set (never
// containing it).
bool LoadPassword(const MailOptions& o, std::string* password, std::string* err) {
  std::optional<std::string> v;
  if (o.password_env) {
    v = ReadSecret("password_env", *o.password_env, err);
  } else if (o.password_file) {
    v = ReadSecret("password_file", *o.password_file, err);
  } else {
    return true;
  }
  if (v) *password = std::move(*v);
  return v.has_value();
}

// A check in flight: its options and the password it sent.
struct Started {
  MailOptions o;
  std::string password;
};

// The first line of server text @p s, fit to show.
std::string ServerLine(std::string_view s) { return Printable(s.substr(0, s.find_first_of("\r\n")), 120); }

// Fills the session request of a check of @p proto; false with *@p failed filled when the check
// cannot run.
bool Prepare(const Protocol& proto, const CheckSpec& spec, Started* s, http::Request* q, CheckResult* failed) {
  std::string err = ParseMail(proto, spec, &s->o);
  if (!err.empty()) {
    *failed = Unknown("invalid parameters: " + err);
    return false;
  }
  if (!LoadPassword(s->o, &s->password, &err)) {
    *failed = Unknown(err);
    return false;
  }
  const MailOptions& o = s->o;
  const std::string name = proto.name;
  const std::string scheme = o.tls == Tls::kImplicit ? proto.tls_scheme : name;
  std::string path = "/";
  if (name == "smtp") path += http::PercentEncode(LocalHostName());  // the EHLO domain
  q->url = scheme + "://" + JoinHostPort(o.host, o.port) + path;
  q->timeout = spec.timeout;
  q->max_body = 0;  // a CAPA listing matters only by its arrival
  q->capture_headers = false;
  http::Session session;
  session.require_tls = o.tls == Tls::kStartTls;
  if (name == "pop3" && o.user.empty()) {
    // NOOP is only valid after login; CAPA works before it.
    session.command = "CAPA";
    session.listing = true;
  } else if (name != "ftp") {
    session.command = "NOOP";
  }
  q->session = std::move(session);
  q->tls.ca_file = o.ca_file;
  q->tls.insecure = o.insecure;
  q->user = o.user;
  q->password = s->password;
  return true;
}

// Turns a finished session into the check result.
CheckResult Finish(const Protocol& proto, const CheckSpec& spec, const Started& s, const http::Response& response) {
  const MailOptions& o = s.o;
  const std::string where = JoinHostPort(o.host, o.port);
  CheckResult r;
  const double secs = response.timing.total;
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(secs));
  r.details["protocol"] = proto.name;
  r.details["host"] = o.host;
  r.details["port"] = o.port;
  r.details["tls"] = o.tls == Tls::kNone       ? "none"
                     : o.tls == Tls::kStartTls ? "starttls"
                                               : "implicit";
  const std::string greeting = ServerLine(response.greeting);
  if (!greeting.empty()) r.details["greeting"] = greeting;
  if (!o.user.empty()) r.details["user"] = o.user;

  const std::string last_line = ServerLine(response.status_line);
  const std::string last = last_line.empty() ? "" : " [" + last_line + "]";
  const std::string& text = response.error_text;
  bool answered = false;
  switch (response.error) {
    case http::Error::kNone:
      answered = true;
      break;
    case http::Error::kResolve:
      r.state = State::kCritical;
      r.summary = "cannot resolve '" + o.host + "'";
      break;
    case http::Error::kConnect:
      r.state = State::kCritical;
      r.summary = response.os_errno == ECONNREFUSED ? "connection refused by " + where
                                                    : "cannot connect to " + where + ": " + text;
      break;
    case http::Error::kTimeout:
      r.state = State::kCritical;
      r.summary = "timed out after " + FormatDuration(spec.timeout) +
                  (last_line.empty() ? " without a greeting" : " after" + last);
      break;
    case http::Error::kLoginDenied:
      if (o.user.empty()) {  // FTP's anonymous login: the server answered, which is the check
        answered = true;
        r.details["anonymous_login"] = "refused";
      } else {
        r.state = State::kCritical;
        r.summary = "login as '" + o.user + "' refused by " + where + last;
      }
      break;
    case http::Error::kNoStartTls:
      r.state = State::kWarning;
      r.summary = where + " does not offer STARTTLS" + last;
      break;
    case http::Error::kTls:
    case http::Error::kTlsVerify:
      r.state = State::kCritical;
      r.summary = "TLS with " + where + " failed: " + text;
      break;
    case http::Error::kSetup:
      r.state = State::kUnknown;
      r.summary = "cannot set up the check: " + text;
      break;
    case http::Error::kUnexpectedReply:
      r.state = State::kWarning;
      r.summary = "unexpected response from " + where + (last_line.empty() ? ": " + text : last);
      break;
    case http::Error::kConnectionLost:
      r.state = State::kCritical;
      r.summary = "connection to " + where + " lost: " + text + last;
      break;
    default:
      r.state = State::kUnknown;
      r.summary = std::string(http::ErrorName(response.error)) + ": " + text;
      break;
  }
  if (answered) {
    r.perfdata.push_back(TimePerf(secs, spec.timeout));
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", secs);
    r.state = State::kOk;
    if (!o.user.empty()) {
      r.summary = "logged in as '" + o.user + "' on " + where + " in " + t + " s [" + greeting + "]";
    } else {
      r.summary = where + " answered in " + t + " s [" + greeting + "]";
      if (r.details.contains("anonymous_login")) r.summary += ", anonymous login refused";
    }
    if (o.expect && response.greeting.find(*o.expect) == std::string::npos) {
      r.state = State::kWarning;
      r.summary = "greeting of " + where + " does not contain '" + *o.expect + "' [" + greeting + "]";
    } else if (!o.user.empty() && !response.login_sent) {
      // SMTP skips the login silently when the server offers no mechanism.
      r.state = State::kWarning;
      r.summary = where + " offers no login, '" + o.user + "' was not logged in [" + greeting + "]";
    }
    r.details["logged_in"] = !o.user.empty() && response.login_sent;
  }
  if (!s.password.empty()) {
    r.summary = RedactSecrets(r.summary, {s.password});
    r.long_output = RedactSecrets(r.long_output, {s.password});
  }
  ApplyThresholds(spec.thresholds, &r);
  return r;
}

class MailCheck : public CheckType {
 public:
  explicit MailCheck(const Protocol* proto) : proto_(proto) {}
  std::string Name() const override { return proto_->name; }
  std::vector<std::string> ParamKeys() const override {
    return {"port",          "tls",    "user",    "password_env",
            "password_file", "expect", "ca_file", "insecure"};
  }
  std::vector<std::string> Measures() const override { return {"time"}; }
  std::string Validate(const CheckSpec& spec) const override {
    MailOptions o;
    return ParseMail(*proto_, spec, &o);
  }
  bool UsesCurlMulti() const override { return true; }
  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override {
    CheckResult out;
    RunBatch({&spec}, ctx, 1, [&](size_t, CheckResult r) { out = std::move(r); });
    return out;
  }
  void RunBatch(const SpecSource& specs, const CheckContext& ctx,
                int max_parallel, const DoneFn& done) const override;

 private:
  const Protocol* proto_;
};

void MailCheck::RunBatch(const SpecSource& specs, const CheckContext& ctx,
                         int max_parallel, const DoneFn& done) const {
  http::RunnerOptions options;
  options.max_parallel = max_parallel > 0 ? static_cast<size_t>(max_parallel) : specs.size();
  options.max_per_host = static_cast<size_t>(std::max(1, ctx.per_host));
  const Protocol& proto = *proto_;
  RunRequests<Started>(
      specs, options,
      [&proto](const CheckSpec& spec, Started* s, http::Request* q, CheckResult* failed) {
        return Prepare(proto, spec, s, q, failed);
      },
      [&proto](const CheckSpec& spec, const Started& s, const http::Response& response) {
        return Finish(proto, spec, s, response);
      },
      done);
}

}  // namespace

std::unique_ptr<CheckType> MakeMailCheck(const std::string& protocol) {
  for (const Protocol& p : kProtocols) {
    if (protocol == p.name) return std::make_unique<MailCheck>(&p);
  }
  return nullptr;
}

}  // namespace hops::mon
