// The tls-cert monitor type: connects to a TLS server (directly, or after the plain-text STARTTLS
// exchange of SMTP, IMAP or POP3), reads its certificate and judges the chain, the host name and
// the days left until it expires.
//
// States follow check_tcp/check_smtp -D: a refused connection, an unresolvable host, a timeout, a
// failed handshake or STARTTLS exchange, a bad chain, a host-name mismatch and an expired
// certificate are all CRITICAL for the service; only what keeps the check from running at all (a
// bad parameter, an unreadable ca_file) is UNKNOWN.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/checks/net.hpp"
#include "common/event.hpp"
#include "common/nagios.hpp"
#include "common/socket.hpp"
#include "common/text.hpp"
#include "common/tls.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxLine = 8192;      // longest plain-text protocol line accepted
constexpr int kMaxReplyLines = 200;    // most lines in one multi-line reply

bool IsIpAddress(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

constexpr const char* kDefaultDaysWarning = "30:";
constexpr const char* kDefaultDaysCritical = "14:";

// A certificate that expires tomorrow must not be OK because nobody wrote thresholds: with
// neither bound on `days` given, WARNING below 30 days and CRITICAL below 14 (check_http -C 30,14).
ThresholdMap WithDefaultDays(const ThresholdMap& given) {
  ThresholdMap t = given;
  nagios::Thresholds& days = t["days"];
  if (!days.warning && !days.critical) {
    std::string err;
    days.warning = nagios::ParseRange(kDefaultDaysWarning, &err);
    days.critical = nagios::ParseRange(kDefaultDaysCritical, &err);
  }
  return t;
}

std::string DaysText(double days) {
  const double n = std::fabs(days);
  return nagios::FormatPerfNumber(n) + (n == 1 ? " day" : " days");
}

// ---------------------------------------------------------------------------------------------
// Targets: "host", "host:port", "[v6]:port", "v6", or a URL such as "https://host/",
// "smtp://host:587" (STARTTLS implied) or "imaps://host".

struct Endpoint {
  std::string host;
  int port = 443;
  std::string starttls;  ///< "", "smtp", "imap" or "pop3"
  std::string servername;
  std::string ca_file;
  bool insecure_chain = false;
};

struct Scheme {
  const char* name;
  int port;
  const char* starttls;
};

constexpr Scheme kSchemes[] = {{"https", 443, ""},  {"smtps", 465, ""},    {"imaps", 993, ""},
                               {"pop3s", 995, ""},  {"ldaps", 636, ""},    {"ftps", 990, ""},
                               {"smtp", 25, "smtp"}, {"imap", 143, "imap"}, {"pop3", 110, "pop3"}};

int StartTlsPort(const std::string& protocol) {
  if (protocol == "smtp") return 25;
  if (protocol == "imap") return 143;
  if (protocol == "pop3") return 110;
  return 443;
}

std::string ParseEndpoint(const CheckSpec& spec, Endpoint* ep) {
  const Params& params = spec.params;
  if (auto v = params.Get("starttls")) {
    ep->starttls = Lower(Trim(*v));
    if (ep->starttls != "smtp" && ep->starttls != "imap" && ep->starttls != "pop3")
      return "bad 'starttls' " + Quote(*v) + " (expected smtp, imap or pop3)";
  }
  if (auto v = params.Get("insecure_chain")) {
    auto b = ParseBool(*v);
    if (!b) return BadBoolMessage("insecure_chain", *v);
    ep->insecure_chain = *b;
  }
  if (auto v = params.Get("ca_file")) {
    if (v->empty()) return "empty 'ca_file'";
    ep->ca_file = *v;
  }
  std::string_view rest = Trim(spec.target);
  if (rest.empty()) return "missing target (expected host:port or a URL)";
  int default_port = 0;
  if (const size_t sep = rest.find("://"); sep != std::string_view::npos) {
    const std::string scheme = Lower(rest.substr(0, sep));
    const Scheme* found = nullptr;
    for (const Scheme& s : kSchemes)
      if (scheme == s.name) found = &s;
    if (!found)
      return "URL scheme " + Quote(scheme) +
             " is not supported (expected https, smtps, imaps, pop3s, ldaps, ftps, smtp, imap or pop3)";
    if (*found->starttls) {
      if (!ep->starttls.empty() && ep->starttls != found->starttls)
        return "'starttls: " + ep->starttls + "' conflicts with the URL scheme " + Quote(scheme);
      ep->starttls = found->starttls;
    } else if (!ep->starttls.empty()) {
      return "'starttls' conflicts with the URL scheme " + Quote(scheme) + ", which is TLS from the start";
    }
    default_port = found->port;
    rest.remove_prefix(sep + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  } else {
    default_port = StartTlsPort(ep->starttls);
  }
  std::string err;
  const auto hp = SplitHostPort(std::string(rest), &err);
  if (!hp) return "bad target " + Quote(spec.target) + ": " + err;
  ep->host = hp->host;
  ep->port = hp->port ? hp->port : default_port;
  ep->servername = ep->host;
  if (auto v = params.Get("servername")) {
    const std::string_view name = Trim(*v);
    if (name.empty() || name.find_first_of(" \t/") != std::string_view::npos)
      return "bad 'servername' " + Quote(*v);
    ep->servername = std::string(name);
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Sockets with a deadline (common/socket.hpp).

enum class Io { kOk, kTimeout, kClosed, kError };

// Connects to the first of @p addrs that accepts, before @p deadline.
Io Connect(const std::vector<SockAddr>& addrs, SteadyTime deadline, Fd* out, std::string* err) {
  *err = "no address";
  for (const SockAddr& a : addrs) {
    const int e = ConnectTo(a, SOCK_STREAM, deadline, out);
    if (e == 0) return Io::kOk;
    if (e == ETIMEDOUT) return Io::kTimeout;
    *err = std::strerror(e);
  }
  return Io::kError;
}

// Line-oriented plain-text talk on a non-blocking socket, for the STARTTLS exchange. Reads only
// what the server has sent, so nothing of the TLS handshake is consumed.
class LineConn {
 public:
  LineConn(int fd, SteadyTime deadline) : fd_(fd), deadline_(deadline) {}

  Io Write(std::string_view data) { return Result(WriteAll(fd_, data, deadline_)); }

  // One line without its line break.
  Io ReadLine(std::string* line) {
    while (true) {
      const size_t nl = buf_.find('\n');
      if (nl != std::string::npos) {
        line->assign(buf_, 0, nl);
        if (!line->empty() && line->back() == '\r') line->pop_back();
        buf_.erase(0, nl + 1);
        return Io::kOk;
      }
      if (buf_.size() > kMaxLine) {
        error_ = "line longer than " + std::to_string(kMaxLine) + " bytes";
        return Io::kError;
      }
      const ssize_t n = ReadSome(fd_, &buf_, 1024, deadline_);
      if (n == 0) return Io::kClosed;
      if (n < 0) return Result(static_cast<int>(-n));
    }
  }

  // Why the last call failed with Io::kError.
  const std::string& error() const { return error_; }

 private:
  Io Result(int e) {
    if (e == 0) return Io::kOk;
    if (e == ETIMEDOUT) return Io::kTimeout;
    error_ = LowerFirst(std::strerror(e));
    return Io::kError;
  }

  int fd_;
  SteadyTime deadline_;
  std::string buf_;
  std::string error_;
};

// The outcome of a protocol step: Io::kOk, or why it failed (message for kError).
struct Step {
  Io io = Io::kOk;
  std::string message;
};

Step Fail(std::string message) { return {Io::kError, std::move(message)}; }

// An SMTP reply: its code and every line's text after the code.
Step ReadSmtpReply(LineConn* conn, int* code, std::vector<std::string>* lines) {
  lines->clear();
  std::string line;
  for (int i = 0; i < kMaxReplyLines; ++i) {
    if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])))
      return Fail("smtp: malformed reply " + Quote(Printable(line, 60)));
    *code = std::atoi(line.substr(0, 3).c_str());
    lines->push_back(line.size() > 4 ? line.substr(4) : "");
    if (line.size() == 3 || line[3] != '-') return {};
  }
  return Fail("smtp: reply too long");
}

Step SmtpStartTls(LineConn* conn) {
  int code = 0;
  std::vector<std::string> lines;
  Step st = ReadSmtpReply(conn, &code, &lines);
  if (st.io != Io::kOk) return st;
  if (code != 220) return Fail("smtp: unexpected greeting " + Quote(std::to_string(code) + " " + Printable(lines.front(), 60)));
  if (Io io = conn->Write("EHLO " + LocalHostName() + "\r\n"); io != Io::kOk) return {io, ""};
  if ((st = ReadSmtpReply(conn, &code, &lines)).io != Io::kOk) return st;
  if (code != 250) return Fail("smtp: EHLO refused: " + Quote(std::to_string(code) + " " + Printable(lines.front(), 60)));
  bool offered = false;
  for (const std::string& l : lines)
    if (Upper(Trim(l)).rfind("STARTTLS", 0) == 0) offered = true;
  if (!offered) return Fail("smtp: server does not offer STARTTLS");
  if (Io io = conn->Write("STARTTLS\r\n"); io != Io::kOk) return {io, ""};
  if ((st = ReadSmtpReply(conn, &code, &lines)).io != Io::kOk) return st;
  if (code != 220) return Fail("smtp: STARTTLS refused: " + Quote(std::to_string(code) + " " + Printable(lines.front(), 60)));
  return {};
}

// Reads IMAP lines until the tagged reply for @p tag; untagged lines go to @p untagged.
Step ReadImapTagged(LineConn* conn, const std::string& tag, std::string* tagged, std::vector<std::string>* untagged) {
  std::string line;
  for (int i = 0; i < kMaxReplyLines; ++i) {
    if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
    if (line.rfind(tag + " ", 0) == 0) {
      *tagged = line.substr(tag.size() + 1);
      return {};
    }
    untagged->push_back(line);
  }
  return Fail("imap: reply too long");
}

bool HasWord(const std::string& text, const std::string& word) {
  const std::string upper = " " + Upper(text) + " ";
  return upper.find(" " + word + " ") != std::string::npos;
}

Step ImapStartTls(LineConn* conn) {
  std::string line;
  if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
  if (line.rfind("* OK", 0) != 0) return Fail("imap: unexpected greeting " + Quote(Printable(line, 60)));
  bool offered = HasWord(line, "STARTTLS");
  if (Io io = conn->Write("a1 CAPABILITY\r\n"); io != Io::kOk) return {io, ""};
  std::string tagged;
  std::vector<std::string> untagged;
  Step st = ReadImapTagged(conn, "a1", &tagged, &untagged);
  if (st.io != Io::kOk) return st;
  for (const std::string& l : untagged)
    if (Upper(l).rfind("* CAPABILITY", 0) == 0 && HasWord(l, "STARTTLS")) offered = true;
  if (!offered) return Fail("imap: server does not offer STARTTLS");
  if (Io io = conn->Write("a2 STARTTLS\r\n"); io != Io::kOk) return {io, ""};
  untagged.clear();
  if ((st = ReadImapTagged(conn, "a2", &tagged, &untagged)).io != Io::kOk) return st;
  if (Upper(tagged).rfind("OK", 0) != 0) return Fail("imap: STARTTLS refused: " + Quote(Printable(tagged, 60)));
  return {};
}

Step Pop3StartTls(LineConn* conn) {
  std::string line;
  if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
  if (line.rfind("+OK", 0) != 0) return Fail("pop3: unexpected greeting " + Quote(Printable(line, 60)));
  if (Io io = conn->Write("CAPA\r\n"); io != Io::kOk) return {io, ""};
  if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
  if (line.rfind("+OK", 0) == 0) {
    bool offered = false;
    for (int i = 0;; ++i) {
      if (i == kMaxReplyLines) return Fail("pop3: reply too long");
      if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
      if (line == ".") break;
      if (Upper(Trim(line)) == "STLS") offered = true;
    }
    if (!offered) return Fail("pop3: server does not offer STLS");
  }
  if (Io io = conn->Write("STLS\r\n"); io != Io::kOk) return {io, ""};
  if (Io io = conn->ReadLine(&line); io != Io::kOk) return {io, ""};
  if (line.rfind("+OK", 0) != 0) return Fail("pop3: STLS refused: " + Quote(Printable(line, 60)));
  return {};
}

// ---------------------------------------------------------------------------------------------
// OpenSSL.

struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};

// The reason of the last OpenSSL error on this thread, or "" when there is none.
std::string OpenSslError() {
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  if (!e) return "";
  if (const char* reason = ERR_reason_error_string(e)) return reason;
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

SSL_CTX* NewClientCtx() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  // Verification is judged after the handshake (SSL_get_verify_result), so a bad chain still
  // shows the certificate.
  if (ctx) SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  return ctx;
}

// The shared context trusting the system CA store (SSL_CTX is safe to share across threads).
SSL_CTX* DefaultCtx() {
  static SSL_CTX* ctx = [] {
    SSL_CTX* c = NewClientCtx();
    if (c) SSL_CTX_set_default_verify_paths(c);
    return c;
  }();
  return ctx;
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    auto text = [](const ASN1_STRING* s) {
      return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                         static_cast<size_t>(ASN1_STRING_length(s)));
    };
    if (g->type == GEN_DNS) {
      out.push_back("DNS:" + text(g->d.dNSName));
    } else if (g->type == GEN_IPADD) {
      char buf[INET6_ADDRSTRLEN] = "";
      const int len = ASN1_STRING_length(g->d.iPAddress);
      const unsigned char* bytes = ASN1_STRING_get0_data(g->d.iPAddress);
      if (len == 4 || len == 16) inet_ntop(len == 4 ? AF_INET : AF_INET6, bytes, buf, sizeof buf);
      out.push_back(std::string("IP:") + buf);
    } else if (g->type == GEN_EMAIL) {
      out.push_back("email:" + text(g->d.rfc822Name));
    } else if (g->type == GEN_URI) {
      out.push_back("URI:" + text(g->d.uniformResourceIdentifier));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}


// Runs one check; the caller adds the duration.
CheckResult Probe(const CheckSpec& spec) {
  const SigpipeGuard no_sigpipe;
  Endpoint ep;
  if (std::string err = ParseEndpoint(spec, &ep); !err.empty()) return Result(State::kUnknown, err);
  const SteadyTime deadline = Clock::now() + spec.timeout;
  const std::string timed_out = "timed out after " + FormatDuration(spec.timeout);
  const std::string where = Quote(JoinHostPort(ep.host, ep.port));

  std::unique_ptr<SSL_CTX, SslCtxFree> own_ctx;
  SSL_CTX* ctx = nullptr;
  if (ep.ca_file.empty()) {
    ctx = DefaultCtx();
  } else {
    own_ctx.reset(NewClientCtx());
    ctx = own_ctx.get();
    ERR_clear_error();
    if (ctx && SSL_CTX_load_verify_locations(ctx, ep.ca_file.c_str(), nullptr) != 1)
      return Result(State::kUnknown, "cannot load 'ca_file' " + Quote(ep.ca_file) + ": " + OpenSslError());
  }
  if (!ctx) return Result(State::kUnknown, "cannot create a TLS context: " + OpenSslError());

  const Resolved resolved = ResolveHost(ep.host, ep.port, AF_UNSPEC, deadline);
  if (resolved.timed_out) return Result(State::kCritical, timed_out);
  if (resolved.addrs.empty())
    return Result(State::kCritical, "cannot resolve host " + Quote(ep.host) + ": " + LowerFirst(resolved.error));
  Fd fd;
  std::string err;
  switch (Connect(resolved.addrs, deadline, &fd, &err)) {
    case Io::kOk: break;
    case Io::kTimeout: return Result(State::kCritical, timed_out);
    default: return Result(State::kCritical, "cannot connect to " + where + ": " + LowerFirst(err));
  }

  if (!ep.starttls.empty()) {
    LineConn conn(fd.get(), deadline);
    const Step st = ep.starttls == "smtp"   ? SmtpStartTls(&conn)
                    : ep.starttls == "imap" ? ImapStartTls(&conn)
                                            : Pop3StartTls(&conn);
    switch (st.io) {
      case Io::kOk: break;
      case Io::kTimeout: return Result(State::kCritical, timed_out);
      case Io::kClosed: return Result(State::kCritical, ep.starttls + ": connection closed by the server");
      case Io::kError:
        return Result(State::kCritical, st.message.empty() ? ep.starttls + ": " + conn.error() : st.message);
    }
  }

  std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx));
  if (!ssl) return Result(State::kUnknown, "cannot create a TLS session: " + OpenSslError());
  SSL_set_fd(ssl.get(), fd.get());
  if (!IsIpAddress(ep.servername)) SSL_set_tlsext_host_name(ssl.get(), ep.servername.c_str());
  ERR_clear_error();
  while (true) {
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int e = SSL_get_error(ssl.get(), rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      // Any readiness (an error or hang-up too) lets SSL_connect say what happened.
      if (WaitFd(fd.get(), e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline) == 0)
        return Result(State::kCritical, timed_out);
      continue;
    }
    std::string why = OpenSslError();
    if (why.empty()) why = (e == SSL_ERROR_SYSCALL && errno) ? LowerFirst(std::strerror(errno)) : "connection closed by the server";
    return Result(State::kCritical, "TLS handshake with " + where + " failed: " + why);
  }

  std::unique_ptr<X509, X509Free> cert(SSL_get1_peer_certificate(ssl.get()));
  if (!cert) return Result(State::kCritical, "the server sent no certificate");
  const long verify = SSL_get_verify_result(ssl.get());
  const std::string chain = verify == X509_V_OK ? "ok" : X509_verify_cert_error_string(verify);
  const bool host_ok = IsIpAddress(ep.servername)
                           ? X509_check_ip_asc(cert.get(), ep.servername.c_str(), 0) == 1
                           : X509_check_host(cert.get(), ep.servername.data(), ep.servername.size(), 0, nullptr) == 1;
  double days = 0;
  std::string not_after;
  const bool have_days = CertExpiry(X509_get0_notAfter(cert.get()), &days, &not_after);
  const bool expired = have_days && days < 0;
  const std::string subject = CertNameText(X509_get_subject_name(cert.get()));
  const std::string issuer = CertNameText(X509_get_issuer_name(cert.get()));
  const std::vector<std::string> sans = SubjectAltNames(cert.get());
  const char* protocol = SSL_get_version(ssl.get());

  // Say goodbye politely; no reply is awaited.
  const char* bye = ep.starttls == "imap" ? "a3 LOGOUT\r\n" : ep.starttls.empty() ? "" : "QUIT\r\n";
  if (*bye) SSL_write(ssl.get(), bye, static_cast<int>(std::strlen(bye)));
  SSL_shutdown(ssl.get());
  ERR_clear_error();

  CheckResult r;
  std::vector<std::string> failures;
  if (verify != X509_V_OK && !ep.insecure_chain && !(expired && verify == X509_V_ERR_CERT_HAS_EXPIRED))
    failures.push_back("certificate verify failed: " + chain);
  if (!host_ok) failures.push_back("certificate does not match " + Quote(ep.servername));
  if (expired) failures.push_back("certificate expired " + DaysText(days) + " ago (" + not_after + ")");
  if (!have_days) failures.push_back("cannot read the certificate's expiry date");
  r.state = failures.empty() ? State::kOk : State::kCritical;
  if (failures.empty()) {
    r.summary = "certificate for " + Quote(ep.servername) + " expires in " + DaysText(days) + " (" + not_after + ")";
  } else {
    for (const std::string& f : failures) r.summary += (r.summary.empty() ? "" : "; ") + f;
  }
  std::string san_text;
  for (const std::string& s : sans) san_text += (san_text.empty() ? "" : ", ") + s;
  r.long_output = "subject: " + subject + "\nissuer: " + issuer + "\nnot after: " + not_after +
                  "\nsubject alternative names: " + (san_text.empty() ? "none" : san_text) +
                  "\nchain: " + chain + (verify != X509_V_OK && ep.insecure_chain ? " (ignored: insecure_chain)" : "") +
                  "\nprotocol: " + protocol;
  if (have_days) {
    Perfdata p;
    p.label = "days";
    p.value = days;
    r.perfdata.push_back(std::move(p));
  }
  r.details["host"] = ep.host;
  r.details["port"] = ep.port;
  r.details["servername"] = ep.servername;
  if (!ep.starttls.empty()) r.details["starttls"] = ep.starttls;
  r.details["subject"] = subject;
  r.details["issuer"] = issuer;
  r.details["not_after"] = not_after;
  r.details["san"] = sans;
  if (have_days) r.details["days"] = days;
  r.details["chain"] = chain;
  r.details["protocol"] = protocol;
  ApplyThresholds(WithDefaultDays(spec.thresholds), &r);
  return r;
}

class TlsCertCheck : public CheckType {
 public:
  std::string Name() const override { return "tls-cert"; }
  std::vector<std::string> ParamKeys() const override {
    return {"servername", "starttls", "ca_file", "insecure_chain"};
  }
  std::vector<std::string> Measures() const override { return {"days"}; }

  std::string Validate(const CheckSpec& spec) const override {
    if (!spec.conditions.empty()) return "type 'tls-cert' takes no conditions (use thresholds on 'days')";
    Endpoint ep;
    return ParseEndpoint(spec, &ep);
  }

  CheckResult Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const override {
    const auto start = Clock::now();
    CheckResult r;
    try {
      r = Probe(spec);
    } catch (const std::exception& e) {
      r = Result(State::kUnknown, std::string("internal error: ") + e.what());
    }
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return r;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeTlsCertCheck() { return std::make_unique<TlsCertCheck>(); }

}  // namespace hops::mon
