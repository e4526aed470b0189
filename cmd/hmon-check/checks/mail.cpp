// The smtp, imap, pop3 and ftp monitor types, run through libcurl (one multi loop per batch).
//
// Each check connects, reads the greeting, optionally upgrades to TLS and logs in, sends one
// harmless command (SMTP/IMAP NOOP, POP3 CAPA or NOOP when logged in, FTP: login and PWD through
// CURLOPT_NOBODY) and quits. The greeting is taken from libcurl's debug stream: every server line
// that arrives before the first command is sent.
//
// States follow check_smtp: connection refused, timeouts, lost connections, TLS failures and
// refused logins are CRITICAL; a wrong greeting or an unexpected reply is WARNING (so is a server
// that offers no STARTTLS when `tls: starttls` asks for it); bad parameters, unreadable secrets
// and local problems are UNKNOWN.
#include <curl/curl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <sstream>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/checks/net.hpp"
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

// One check in flight.
struct MailJob {
  size_t index = 0;
  const CheckSpec* spec = nullptr;
  const Protocol* proto = nullptr;
  MailOptions o;
  CURL* easy = nullptr;
  std::string password;
  std::string greeting;   // server text received before the first command
  std::string last_line;  // the last non-empty server line
  bool sent_any = false;
  bool login_sent = false;
  char errbuf[CURL_ERROR_SIZE] = "";

  ~MailJob() {
    if (easy) curl_easy_cleanup(easy);
  }
};

// Server lines shown in messages: control characters replaced, cut to 120 characters.
std::string Clean(const std::string& s, size_t max = 120) {
  std::string out;
  for (char c : s) {
    if (c == '\r' || c == '\n') break;
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '.' : c;
    if (out.size() >= max) {
      out += "...";
      break;
    }
  }
  return out;
}

// libcurl's debug stream: server lines (greeting, last reply) and the verbs we send. Arguments
// of sent commands are never looked at beyond the verb, since they may carry credentials.
int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* userp) {
  auto* job = static_cast<MailJob*>(userp);
  if (type == CURLINFO_HEADER_IN) {
    std::string text(data, size);
    if (!job->sent_any && job->greeting.size() < 8192) job->greeting += text;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) job->last_line = Clean(line);
    }
  } else if (type == CURLINFO_HEADER_OUT) {
    job->sent_any = true;
    std::string verb(data, std::min<size_t>(size, 64));
    std::istringstream words(verb);
    std::string first, second;
    words >> first >> second;
    if (std::string(job->proto->name) == "imap") first = second;  // after the tag
    first = Upper(first);
    static const char* const kLoginVerbs[] = {"AUTH", "AUTHENTICATE", "LOGIN", "USER", "APOP"};
    for (const char* v : kLoginVerbs) {
      // FTP's "AUTH TLS" is the TLS upgrade, not a login.
      if (first == v && !(first == "AUTH" && std::string(job->proto->name) == "ftp")) {
        job->login_sent = true;
      }
    }
  }
  return 0;
}

// Discards response bodies (CAPA lists, NOOP answers): only their arrival matters.
size_t OnWrite(char*, size_t size, size_t nmemb, void*) { return size * nmemb; }

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A finished UNKNOWN result for a check that could not be started.
CheckResult Unknown(const std::string& summary) {
  CheckResult r;
  r.state = State::kUnknown;
  r.summary = summary;
  return r;
}

// Prepares the easy handle of @p job; false with *@p failed filled when the check cannot run.
bool Prepare(MailJob* job, CheckResult* failed) {
  const CheckSpec& spec = *job->spec;
  std::string err = ParseMail(*job->proto, spec, &job->o);
  if (!err.empty()) {
    *failed = Unknown("invalid parameters: " + err);
    return false;
  }
  if (!LoadPassword(job->o, &job->password, &err)) {
    *failed = Unknown(err);
    return false;
  }
  job->easy = curl_easy_init();
  if (!job->easy) {
    *failed = Unknown("cannot create a libcurl handle");
    return false;
  }
  CURL* e = job->easy;
  const MailOptions& o = job->o;
  const std::string proto = job->proto->name;
  const std::string scheme = o.tls == Tls::kImplicit ? job->proto->tls_scheme : proto;
  std::string path = "/";
  if (proto == "smtp") {  // the path is the EHLO domain
    char* esc = curl_easy_escape(e, LocalHostName().c_str(), 0);
    if (esc) {
      path += esc;
      curl_free(esc);
    }
  }
  const std::string url = scheme + "://" + JoinHostPort(o.host, o.port) + path;
  const long timeout_ms = static_cast<long>(std::max<int64_t>(1, spec.timeout.count()));
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, scheme.c_str());
#endif
  curl_easy_setopt(e, CURLOPT_PRIVATE, job);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  // Bounds the QUIT exchange when the connection closes after the transfer.
  curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, std::max(1L, (timeout_ms + 999) / 1000));
  // Every check sees a fresh greeting: no connection is shared between checks.
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, OnDebug);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, job);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(e, CURLOPT_USE_SSL,
                   o.tls == Tls::kStartTls ? static_cast<long>(CURLUSESSL_ALL)
                                           : static_cast<long>(CURLUSESSL_NONE));
  if (!o.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, o.ca_file.c_str());
  if (o.insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!o.user.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, o.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, job->password.c_str());
  }
  if (proto == "smtp" || proto == "imap") {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "NOOP");
  } else if (proto == "pop3") {
    // NOOP is only valid after login; CAPA (multi-line, read as a body) works before it.
    if (o.user.empty()) {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "CAPA");
    } else {
      curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "NOOP");
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    }
  } else {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  }
  return true;
}

// Turns a finished transfer into the check result.
CheckResult Finish(const MailJob& job, CURLcode rc) {
  const CheckSpec& spec = *job.spec;
  const MailOptions& o = job.o;
  const std::string where = JoinHostPort(o.host, o.port);
  CheckResult r;
  curl_off_t total_us = 0;
  curl_easy_getinfo(job.easy, CURLINFO_TOTAL_TIME_T, &total_us);
  long os_errno = 0;
  curl_easy_getinfo(job.easy, CURLINFO_OS_ERRNO, &os_errno);
  const double secs = static_cast<double>(total_us) / 1e6;
  r.duration = std::chrono::milliseconds(total_us / 1000);
  r.details["protocol"] = job.proto->name;
  r.details["host"] = o.host;
  r.details["port"] = o.port;
  r.details["tls"] = o.tls == Tls::kNone       ? "none"
                     : o.tls == Tls::kStartTls ? "starttls"
                                               : "implicit";
  const std::string greeting = Clean(job.greeting);
  if (!greeting.empty()) r.details["greeting"] = greeting;
  if (!o.user.empty()) r.details["user"] = o.user;

  const std::string last = job.last_line.empty() ? "" : " [" + job.last_line + "]";
  const std::string curl_text = job.errbuf[0] ? job.errbuf : curl_easy_strerror(rc);
  bool answered = false;
  switch (rc) {
    case CURLE_OK:
      answered = true;
      break;
    case CURLE_COULDNT_RESOLVE_HOST:
      r.state = State::kCritical;
      r.summary = "cannot resolve '" + o.host + "'";
      break;
    case CURLE_COULDNT_CONNECT:
      r.state = State::kCritical;
      r.summary = os_errno == ECONNREFUSED ? "connection refused by " + where
                                           : "cannot connect to " + where + ": " + curl_text;
      break;
    case CURLE_OPERATION_TIMEDOUT:
      r.state = State::kCritical;
      r.summary = "timed out after " + FormatDuration(spec.timeout) +
                  (job.last_line.empty() ? " without a greeting" : " after" + last);
      break;
    case CURLE_LOGIN_DENIED:
      if (o.user.empty()) {  // FTP's anonymous login: the server answered, which is the check
        answered = true;
        r.details["anonymous_login"] = "refused";
      } else {
        r.state = State::kCritical;
        r.summary = "login as '" + o.user + "' refused by " + where + last;
      }
      break;
    case CURLE_USE_SSL_FAILED:
      r.state = State::kWarning;
      r.summary = where + " does not offer STARTTLS" + last;
      break;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      r.state = State::kCritical;
      r.summary = "TLS with " + where + " failed: " + curl_text;
      break;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_UNSUPPORTED_PROTOCOL:
      r.state = State::kUnknown;
      r.summary = "cannot set up the check: " + curl_text;
      break;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_QUOTE_ERROR:
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_FTP_WEIRD_PASS_REPLY:
    case CURLE_FTP_WEIRD_PASV_REPLY:
    case CURLE_FTP_WEIRD_227_FORMAT:
    case CURLE_FTP_COULDNT_SET_TYPE:
    case CURLE_FTP_ACCEPT_FAILED:
      r.state = State::kWarning;
      r.summary =
          "unexpected response from " + where + (job.last_line.empty() ? ": " + curl_text : last);
      break;
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      r.state = State::kCritical;
      r.summary = "connection to " + where + " lost: " + curl_text + last;
      break;
    default:
      r.state = State::kUnknown;
      r.summary = std::string(curl_easy_strerror(rc)) + ": " + curl_text;
      break;
  }
  if (answered) {
    Perfdata p;
    p.label = "time";
    p.value = secs;
    p.uom = "s";
    p.min = 0.0;
    p.max = std::chrono::duration<double>(spec.timeout).count();
    r.perfdata.push_back(p);
    char t[32];
    std::snprintf(t, sizeof t, "%.3f", secs);
    std::string first = Clean(job.greeting);
    r.state = State::kOk;
    if (!o.user.empty()) {
      r.summary = "logged in as '" + o.user + "' on " + where + " in " + t + " s [" + first + "]";
    } else {
      r.summary = where + " answered in " + t + " s [" + first + "]";
      if (r.details.contains("anonymous_login")) r.summary += ", anonymous login refused";
    }
    if (o.expect && job.greeting.find(*o.expect) == std::string::npos) {
      r.state = State::kWarning;
      r.summary = "greeting of " + where + " does not contain '" + *o.expect + "' [" + first + "]";
    } else if (!o.user.empty() && !job.login_sent) {
      // libcurl skips SMTP AUTH silently when the server offers no mechanism.
      r.state = State::kWarning;
      r.summary = where + " offers no login, '" + o.user + "' was not logged in [" + first + "]";
    }
    r.details["logged_in"] = !o.user.empty() && job.login_sent;
  }
  if (!job.password.empty()) {
    r.summary = RedactSecrets(r.summary, {job.password});
    r.long_output = RedactSecrets(r.long_output, {job.password});
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
  void RunBatch(const std::vector<const CheckSpec*>& specs, const CheckContext& ctx,
                int max_parallel, const DoneFn& done) const override;

 private:
  const Protocol* proto_;
};

void MailCheck::RunBatch(const std::vector<const CheckSpec*>& specs, const CheckContext& /*ctx*/,
                         int max_parallel, const DoneFn& done) const {
  GlobalInit();
  CURLM* multi = curl_multi_init();
  if (!multi) {
    for (size_t i = 0; i < specs.size(); ++i) done(i, Unknown("cannot create a libcurl handle"));
    return;
  }
  const int limit = max_parallel > 0 ? max_parallel : INT_MAX;
  std::vector<std::unique_ptr<MailJob>> jobs(specs.size());
  size_t next = 0;
  int active = 0;
  while (next < specs.size() || active > 0) {
    while (active < limit && next < specs.size()) {
      const size_t i = next++;
      auto job = std::make_unique<MailJob>();
      job->index = i;
      job->spec = specs[i];
      job->proto = proto_;
      CheckResult failed;
      if (!Prepare(job.get(), &failed) || curl_multi_add_handle(multi, job->easy) != CURLM_OK) {
        if (failed.summary.empty()) failed = Unknown("cannot start the transfer");
        done(i, std::move(failed));
        continue;
      }
      jobs[i] = std::move(job);
      ++active;
    }
    int running = 0;
    curl_multi_perform(multi, &running);
    int queued = 0;
    while (CURLMsg* m = curl_multi_info_read(multi, &queued)) {
      if (m->msg != CURLMSG_DONE) continue;
      CURL* easy = m->easy_handle;
      const CURLcode rc = m->data.result;
      MailJob* job = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &job);
      curl_multi_remove_handle(multi, easy);
      CheckResult r = Finish(*job, rc);
      const size_t i = job->index;
      jobs[i].reset();
      --active;
      done(i, std::move(r));
    }
    if (active > 0) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  curl_multi_cleanup(multi);
}

}  // namespace

std::unique_ptr<CheckType> MakeMailCheck(const std::string& protocol) {
  for (const Protocol& p : kProtocols) {
    if (protocol == p.name) return std::make_unique<MailCheck>(&p);
  }
  return nullptr;
}

}  // namespace hops::mon
