// The tcp and dns monitor types, and the network helpers of check_net.hpp.
//
// tcp follows check_tcp: connection refused → `refuse_state` (CRITICAL by default), a connect
// timeout or a silent peer → CRITICAL (a network error, not a failure to run the check), an
// unexpected answer → `mismatch_state` (WARNING by default). Bad parameters are UNKNOWN.
//
// dns follows check_dns: an rcode other than `expect_rcode`, an empty answer, a missing expected
// value or no answer in time are CRITICAL. With `server` it speaks DNS itself (UDP, then TCP when
// the answer is truncated); without it A/AAAA go through getaddrinfo (the system resolver), and
// other types ask the first nameserver of /etc/resolv.conf directly.
#include "cmd/hmon-check/checks/net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/regex.hpp"
#include "common/socket.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {

using Clock = std::chrono::steady_clock;
using nagios::State;

// ---------------------------------------------------------------------------------------------
// Helpers of check_net.hpp.

std::optional<HostPort> SplitHostPort(const std::string& text, std::string* err) {
  HostPort hp;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos) {
      *err = "missing ']' in '" + text + "'";
      return std::nullopt;
    }
    hp.host = text.substr(1, close - 1);
    std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        *err = "unexpected '" + rest + "' after ']' in '" + text + "'";
        return std::nullopt;
      }
      port_text = rest.substr(1);
      if (port_text.empty()) {
        *err = "missing port after ':' in '" + text + "'";
        return std::nullopt;
      }
    }
  } else {
    size_t colon = text.find(':');
    if (colon != std::string::npos && text.find(':', colon + 1) == std::string::npos) {
      hp.host = text.substr(0, colon);
      port_text = text.substr(colon + 1);
      if (port_text.empty()) {
        *err = "missing port after ':' in '" + text + "'";
        return std::nullopt;
      }
    } else {
      hp.host = text;  // no colon, or a bare IPv6 address
    }
  }
  if (hp.host.empty()) {
    *err = "missing host in '" + text + "'";
    return std::nullopt;
  }
  if (hp.host.find_first_of(" \t\r\n/[]") != std::string::npos) {
    *err = "invalid host '" + hp.host + "'";
    return std::nullopt;
  }
  if (!port_text.empty()) {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port_text) < 1 || std::stoi(port_text) > 65535) {
      *err = "invalid port '" + port_text + "' (expected 1..65535)";
      return std::nullopt;
    }
    hp.port = std::stoi(port_text);
  }
  return hp;
}

std::string JoinHostPort(const std::string& host, int port) {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

namespace {

// Appends the addresses of @p list to @p out, skipping duplicates.
void CollectAddrs(const addrinfo* list, std::vector<SockAddr>* out) {
  for (const addrinfo* ai = list; ai; ai = ai->ai_next) {
    if (ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    SockAddr a;
    std::memcpy(&a.addr, ai->ai_addr, ai->ai_addrlen);
    a.len = ai->ai_addrlen;
    bool dup = std::any_of(out->begin(), out->end(), [&](const SockAddr& b) {
      return b.len == a.len && std::memcmp(&b.addr, &a.addr, a.len) == 0;
    });
    if (!dup) out->push_back(a);
  }
}

// A getaddrinfo_a request; heap-allocated because the resolver thread writes into it.
struct AsyncLookup {
  gaicb cb{};
  addrinfo hints{};
  std::string host;
  std::string service;
};

}  // namespace

Resolved ResolveHost(const std::string& host, int port, int family, Clock::time_point deadline) {
  Resolved r;
  std::string service = port > 0 ? std::to_string(port) : "";
  addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | (port > 0 ? AI_NUMERICSERV : 0);
  addrinfo* list = nullptr;
  int rc = getaddrinfo(host.c_str(), service.empty() ? nullptr : service.c_str(), &hints, &list);
  if (rc == 0) {
    CollectAddrs(list, &r.addrs);
    freeaddrinfo(list);
    return r;
  }
  if (rc != EAI_NONAME) {  // a numeric address of the other family, say
    r.gai_error = rc;
    r.error = gai_strerror(rc);
    return r;
  }
  // A name: ask the resolver asynchronously so the deadline holds even when DNS hangs.
  auto* req = new AsyncLookup;
  req->host = host;
  req->service = service;
  req->hints.ai_family = family;
  req->hints.ai_socktype = SOCK_STREAM;
  req->hints.ai_flags = port > 0 ? AI_NUMERICSERV : 0;
  req->cb.ar_name = req->host.c_str();
  req->cb.ar_service = req->service.empty() ? nullptr : req->service.c_str();
  req->cb.ar_request = &req->hints;
  gaicb* reqs[1] = {&req->cb};
  rc = getaddrinfo_a(GAI_NOWAIT, reqs, 1, nullptr);
  if (rc != 0) {
    delete req;
    r.gai_error = rc;
    r.error = gai_strerror(rc);
    return r;
  }
  for (;;) {
    rc = gai_error(&req->cb);
    if (rc != EAI_INPROGRESS) break;
    auto left = deadline - Clock::now();
    if (left <= Clock::duration::zero()) {
      rc = gai_cancel(&req->cb);
      if (rc == EAI_ALLDONE) {  // finished while we gave up: use the answer
        rc = gai_error(&req->cb);
        break;
      }
      if (rc != EAI_CANCELED) {
        // EAI_NOTCANCELED: a resolver thread is still working on the request and will write
        // into it; it is deliberately leaked (a few hundred bytes per hung lookup).
        req = nullptr;
      }
      delete req;
      r.timed_out = true;
      r.gai_error = EAI_AGAIN;
      r.error = "no answer from the resolver in time";
      return r;
    }
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    const gaicb* wait[1] = {&req->cb};
    gai_suspend(wait, 1, &ts);
  }
  if (rc == 0) {
    CollectAddrs(req->cb.ar_result, &r.addrs);
    if (r.addrs.empty()) {
      r.gai_error = EAI_NODATA;
      r.error = "no address of the requested family";
    }
  } else {
    r.gai_error = rc;
    r.error = rc == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(rc);
  }
  if (req->cb.ar_result) freeaddrinfo(req->cb.ar_result);
  delete req;
  return r;
}

namespace {

// Seconds with three decimals, for summaries ("0.012").
std::string Secs(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", s);
  return buf;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The first line of @p data, control characters shown as '.', cut to @p max characters.
std::string FirstLine(const std::string& data, size_t max = 80) {
  std::string line;
  for (char c : data) {
    if (c == '\n' || c == '\r') {
      if (!line.empty()) break;
      continue;
    }
    line += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '.' : c;
    if (line.size() >= max) {
      line += "...";
      break;
    }
  }
  return line;
}

// Decodes \r \n \t \0 \\ and \xHH in @p text; nullopt with *@p err set on a bad escape.
std::optional<std::string> Unescape(const std::string& text, std::string* err) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (++i == text.size()) {
      *err = "trailing '\\'";
      return std::nullopt;
    }
    switch (text[i]) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case 'x': {
        std::string hex = text.substr(i + 1, 2);
        if (hex.size() != 2 || !std::isxdigit(static_cast<unsigned char>(hex[0])) ||
            !std::isxdigit(static_cast<unsigned char>(hex[1]))) {
          *err = "bad '\\x' escape (expected two hex digits)";
          return std::nullopt;
        }
        out += static_cast<char>(std::stoi(hex, nullptr, 16));
        i += 2;
        break;
      }
      default:
        *err = std::string("unknown escape '\\") + text[i] + "'";
        return std::nullopt;
    }
  }
  return out;
}

// The description of a connect failure.
std::string ErrnoText(int e) { return e == ETIMEDOUT ? "timed out" : std::strerror(e); }

// ---------------------------------------------------------------------------------------------
// tcp

// How long a tcp check waits for more after a complete line that does not match.
constexpr std::chrono::milliseconds kQuietAfterLine{250};

// The parsed parameters of a tcp check.
struct TcpOptions {
  HostPort target;
  std::string send;                   // decoded
  std::optional<std::string> expect;  // decoded
  std::optional<std::string> expect_regex;
  std::optional<Regex> regex;  // expect_regex compiled
  State refuse_state = State::kCritical;
  State mismatch_state = State::kWarning;
  size_t max_bytes = 4096;
};

// Parses a tcp spec; returns "" or a message naming the bad key.
std::string ParseTcp(const CheckSpec& spec, TcpOptions* o) {
  std::string err;
  auto hp = SplitHostPort(spec.target, &err);
  if (!hp) return "target: " + err;
  if (hp->port == 0) return "target: missing port in '" + spec.target + "' (expected host:port)";
  o->target = *hp;
  if (auto v = spec.params.Get("send")) {
    auto s = Unescape(*v, &err);
    if (!s) return "send: " + err;
    o->send = *s;
  }
  if (auto v = spec.params.Get("expect")) {
    auto s = Unescape(*v, &err);
    if (!s) return "expect: " + err;
    if (s->empty()) return "expect: must not be empty";
    o->expect = *s;
  }
  if (auto v = spec.params.Get("expect_regex")) {
    o->regex = Regex::Compile(*v, &err);
    if (!o->regex) return "expect_regex: " + err;
    o->expect_regex = *v;
  }
  for (const char* key : {"refuse_state", "mismatch_state"}) {
    if (auto v = spec.params.Get(key)) {
      auto st = nagios::ParseStateWord(*v);
      if (!st) {
        return std::string(key) + ": invalid state '" + *v +
               "' (expected ok, warning, critical or unknown)";
      }
      (std::string(key) == "refuse_state" ? o->refuse_state : o->mismatch_state) = *st;
    }
  }
  if (auto v = spec.params.Get("max_bytes")) {
    auto n = ParseSize(*v);
    if (!n || *n == 0 || *n > (1u << 24)) {
      return "max_bytes: invalid size '" + *v + "' (expected 1 to 16MiB, e.g. 4096 or 4K)";
    }
    o->max_bytes = static_cast<size_t>(*n);
  }
  return "";
}

class TcpCheck : public CheckType {
 public:
  std::string Name() const override { return "tcp"; }
  std::vector<std::string> ParamKeys() const override {
    return {"send", "expect", "expect_regex", "refuse_state", "mismatch_state", "max_bytes"};
  }
  std::vector<std::string> PatternKeys() const override { return {"expect_regex"}; }
  std::vector<std::string> Measures() const override { return {"time"}; }
  std::string Validate(const CheckSpec& spec) const override {
    TcpOptions o;
    return ParseTcp(spec, &o);
  }
  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override;
};

CheckResult TcpCheck::Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const {
  const auto start = Clock::now();
  const auto deadline = start + spec.timeout;
  CheckResult r;
  auto finish = [&]() {
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ApplyThresholds(spec.thresholds, &r);
    return r;
  };
  TcpOptions o;
  std::string err = ParseTcp(spec, &o);
  if (!err.empty()) {
    r.state = State::kUnknown;
    r.summary = "invalid parameters: " + err;
    return finish();
  }
  const std::string where = JoinHostPort(o.target.host, o.target.port);
  r.details["host"] = o.target.host;
  r.details["port"] = o.target.port;

  Resolved res = ResolveHost(o.target.host, o.target.port, AF_UNSPEC, deadline);
  if (res.addrs.empty()) {
    // Resolution failures are network errors: CRITICAL, as check_tcp does.
    r.state = State::kCritical;
    r.summary = res.timed_out ? "cannot resolve '" + o.target.host + "': timed out after " +
                                    FormatDuration(spec.timeout)
                              : "cannot resolve '" + o.target.host + "': " + res.error;
    return finish();
  }
  Fd fd;
  int cerr = ECONNREFUSED;
  const SockAddr* used = nullptr;
  for (const SockAddr& a : res.addrs) {
    cerr = ConnectTo(a, SOCK_STREAM, deadline, &fd);
    if (cerr == 0) {
      used = &a;
      break;
    }
    if (cerr == ETIMEDOUT) break;
  }
  if (!used) {
    r.details["connected"] = false;
    if (cerr == ECONNREFUSED) {
      r.state = o.refuse_state;
      r.summary = "connection refused by " + where;
    } else if (cerr == ETIMEDOUT) {
      r.state = State::kCritical;
      r.summary = "connection timed out after " + FormatDuration(spec.timeout);
    } else {
      r.state = State::kCritical;
      r.summary = "cannot connect to " + where + ": " + ErrnoText(cerr);
    }
    return finish();
  }
  r.details["address"] = used->Text();
  r.details["connected"] = true;

  if (!o.send.empty()) {
    int werr = WriteAll(fd.get(), o.send, deadline);
    if (werr != 0) {
      r.state = State::kCritical;
      r.summary = werr == ETIMEDOUT
                      ? "sending to " + where + " timed out after " + FormatDuration(spec.timeout)
                      : "cannot send to " + where + ": " + ErrnoText(werr);
      return finish();
    }
  }

  std::string got;
  bool matched = true;
  bool timed_out = false;
  std::string read_error;
  if (o.expect || o.expect_regex) {
    auto matches = [&]() {
      if (o.expect && got.find(*o.expect) == std::string::npos) return false;
      if (o.regex && !o.regex->Search(got)) return false;
      return true;
    };
    matched = false;
    // Like check_tcp, an answer that ends in a complete line without a match is a mismatch; a
    // short quiet period first lets the rest of a banner sent in pieces arrive.
    auto read_until = deadline;
    size_t checked = 0;  // how much of the answer matches() has seen
    while (got.size() < o.max_bytes) {
      ssize_t n = ReadSome(fd.get(), &got, o.max_bytes - got.size(), read_until);
      if (n == -ETIMEDOUT) {
        timed_out = Clock::now() >= deadline;
        break;
      }
      if (n < 0) {
        read_error = std::strerror(static_cast<int>(-n));
        break;
      }
      // matches() looks at the whole answer, so while more is already waiting it runs only each
      // time the answer has doubled: the work stays linear in the answer's size.
      if (n > 0 && got.size() < o.max_bytes && got.size() < 2 * checked && WaitFd(fd.get(), POLLIN, Clock::now()))
        continue;
      checked = got.size();
      if (matches()) {
        matched = true;
        break;
      }
      if (n == 0) break;  // peer closed
      read_until =
          got.back() == '\n' ? std::min(deadline, Clock::now() + kQuietAfterLine) : deadline;
    }
    if (!matched && checked < got.size()) matched = matches();
  }
  const double secs = SecondsSince(start);
  r.perfdata.push_back(TimePerf(secs, spec.timeout));
  r.details["bytes_received"] = got.size();
  if (!got.empty()) r.details["response"] = FirstLine(got, 200);
  if (matched) {
    r.state = State::kOk;
    if (o.expect || o.expect_regex) {
      r.summary = where + " answered in " + Secs(secs) + " s [" + FirstLine(got) + "]";
    } else {
      r.summary = where + " accepted the connection in " + Secs(secs) + " s";
    }
    return finish();
  }
  std::string wanted = o.expect ? "'" + FirstLine(*o.expect) + "'" : "";
  if (o.expect_regex)
    wanted += (wanted.empty() ? "" : " and ") + std::string("/") + *o.expect_regex + "/";
  if (got.empty()) {
    // Nothing at all: a silent peer (timeout) or one that hung up. check_tcp treats both as
    // socket errors, CRITICAL.
    r.state = State::kCritical;
    if (timed_out) {
      r.summary = "no response from " + where + " within " + FormatDuration(spec.timeout);
    } else if (!read_error.empty()) {
      r.summary = "cannot read from " + where + ": " + read_error;
    } else {
      r.summary = where + " closed the connection without a response";
    }
    return finish();
  }
  r.state = o.mismatch_state;
  r.summary = "unexpected response from " + where + " [" + FirstLine(got) + "], expected " + wanted;
  return finish();
}

// ---------------------------------------------------------------------------------------------
// dns

constexpr int kTypeA = 1, kTypeCname = 5, kTypeMx = 15, kTypeTxt = 16, kTypeAaaa = 28;

// Record types the dns check asks for, by name.
const std::map<std::string, int>& DnsTypes() {
  static const std::map<std::string, int> types = {{"A", kTypeA},
                                                   {"AAAA", kTypeAaaa},
                                                   {"CNAME", kTypeCname},
                                                   {"MX", kTypeMx},
                                                   {"TXT", kTypeTxt}};
  return types;
}

const char* const kRcodeNames[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                   "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                   "NXRRSET", "NOTAUTH", "NOTZONE"};

std::string RcodeName(int rcode) {
  if (rcode >= 0 && rcode < static_cast<int>(std::size(kRcodeNames))) return kRcodeNames[rcode];
  return "RCODE" + std::to_string(rcode);
}

std::optional<int> ParseRcode(const std::string& text) {
  const std::string up = Upper(text);
  for (size_t i = 0; i < std::size(kRcodeNames); ++i) {
    if (up == kRcodeNames[i]) return static_cast<int>(i);
  }
  return std::nullopt;
}

// A domain name lower-cased without its trailing dot, for comparisons.
std::string NormalName(std::string s) {
  while (!s.empty() && s.back() == '.') s.pop_back();
  return Lower(s);
}

// "" when @p name is a syntactically valid domain name, else the reason.
std::string CheckDomainName(const std::string& name) {
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  if (n.empty()) return "empty name";
  if (n.size() > 253) return "name longer than 253 characters";
  size_t start = 0;
  for (;;) {
    size_t dot = n.find('.', start);
    size_t len = (dot == std::string::npos ? n.size() : dot) - start;
    if (len == 0) return "empty label in '" + name + "'";
    if (len > 63) return "label longer than 63 characters in '" + name + "'";
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (n.find_first_of(" \t\r\n:/@\\") != std::string::npos) {
    return "'" + name + "' is not a domain name";
  }
  return "";
}

// The canonical text of an IP address of @p family, or nullopt when @p text is not one.
std::optional<std::string> CanonicalIp(const std::string& text, int family) {
  unsigned char buf[16];
  if (inet_pton(family, text.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  inet_ntop(family, buf, out, sizeof out);
  return std::string(out);
}

// The parsed parameters of a dns check.
struct DnsOptions {
  std::string name;
  std::string type = "A";
  int qtype = kTypeA;
  std::optional<SockAddr> server;
  std::vector<std::string> expect;  // normalised as answers are
  int expect_rcode = 0;
};

// Normalises an expected or answered value of record type @p qtype for comparison.
std::string NormalValue(int qtype, const std::string& v) {
  if (qtype == kTypeA) return CanonicalIp(v, AF_INET).value_or(v);
  if (qtype == kTypeAaaa) return CanonicalIp(v, AF_INET6).value_or(v);
  if (qtype == kTypeCname) return NormalName(v);
  if (qtype == kTypeMx) {
    size_t sp = v.find(' ');
    if (sp == std::string::npos) return NormalName(v);
    return v.substr(0, sp) + " " + NormalName(v.substr(sp + 1));
  }
  return v;
}

std::string ParseDns(const CheckSpec& spec, DnsOptions* o) {
  std::string err = CheckDomainName(spec.target);
  if (!err.empty()) return "target: " + err;
  o->name = spec.target;
  if (auto v = spec.params.Get("record")) {
    const std::string up = Upper(*v);
    auto it = DnsTypes().find(up);
    if (it == DnsTypes().end()) {
      return "record: unsupported record type '" + *v + "' (expected A, AAAA, CNAME, MX or TXT)";
    }
    o->type = up;
    o->qtype = it->second;
  }
  if (auto v = spec.params.Get("server")) {
    auto hp = SplitHostPort(*v, &err);
    if (!hp) return "server: " + err;
    if (!CanonicalIp(hp->host, AF_INET) && !CanonicalIp(hp->host, AF_INET6)) {
      return "server: '" + *v + "' is not an IP address (expected IP or IP:port)";
    }
    // A numeric address: resolving it never blocks.
    Resolved res = ResolveHost(hp->host, hp->port ? hp->port : 53, AF_UNSPEC, Clock::now());
    if (res.addrs.empty()) return "server: '" + *v + "': " + res.error;
    o->server = res.addrs[0];
  }
  if (auto v = spec.params.Get("expect_rcode")) {
    auto rc = ParseRcode(*v);
    if (!rc) {
      return "expect_rcode: unknown rcode '" + *v +
             "' (expected NOERROR, NXDOMAIN, SERVFAIL, REFUSED, ...)";
    }
    o->expect_rcode = *rc;
  }
  for (const std::string& e : spec.params.All("expect")) {
    if (o->qtype == kTypeA && !CanonicalIp(e, AF_INET)) {
      return "expect: '" + e + "' is not an IPv4 address";
    }
    if (o->qtype == kTypeAaaa && !CanonicalIp(e, AF_INET6)) {
      return "expect: '" + e + "' is not an IPv6 address";
    }
    if (o->qtype == kTypeCname || o->qtype == kTypeMx) {
      std::string host = e;
      if (o->qtype == kTypeMx) {
        size_t sp = e.find(' ');
        if (sp != std::string::npos) {
          std::string pref = e.substr(0, sp);
          if (pref.empty() || pref.find_first_not_of("0123456789") != std::string::npos) {
            return "expect: '" + e + "' is not 'NAME' or 'PREFERENCE NAME'";
          }
          host = e.substr(sp + 1);
        }
      }
      std::string why = CheckDomainName(host);
      if (!why.empty()) return "expect: " + why;
    }
    o->expect.push_back(NormalValue(o->qtype, e));
  }
  if (!o->expect.empty() && o->expect_rcode != 0) {
    return "expect: values cannot be expected together with expect_rcode " +
           RcodeName(o->expect_rcode);
  }
  return "";
}

// What a DNS lookup returned.
struct DnsAnswer {
  int rcode = 0;
  std::vector<std::string> values;  // records of the asked type, as text
  std::vector<std::string> chain;   // CNAME targets met on the way
  std::string transport;            // "udp", "tcp" or "getaddrinfo"
};

// Builds a query for @p name / @p qtype with recursion desired.
std::string BuildQuery(uint16_t id, const std::string& name, int qtype) {
  std::string q;
  auto u16 = [&](int v) {
    q += static_cast<char>((v >> 8) & 0xff);
    q += static_cast<char>(v & 0xff);
  };
  u16(id);
  u16(0x0100);  // RD
  u16(1);
  u16(0);
  u16(0);
  u16(0);
  std::string n = name;
  if (!n.empty() && n.back() == '.') n.pop_back();
  size_t start = 0;
  while (start <= n.size()) {
    size_t dot = n.find('.', start);
    if (dot == std::string::npos) dot = n.size();
    q += static_cast<char>(dot - start);
    q.append(n, start, dot - start);
    start = dot + 1;
  }
  q += '\0';
  u16(qtype);
  u16(1);  // IN
  return q;
}

// Reads a possibly compressed name at *@p pos of @p msg, advancing *@p pos past it.
bool ReadName(const std::string& msg, size_t* pos, std::string* out) {
  out->clear();
  size_t p = *pos;
  bool jumped = false;
  for (int hops = 0; hops < 128; ++hops) {
    if (p >= msg.size()) return false;
    auto len = static_cast<unsigned char>(msg[p]);
    if (len == 0) {
      if (!jumped) *pos = p + 1;
      return true;
    }
    if ((len & 0xc0) == 0xc0) {
      if (p + 1 >= msg.size()) return false;
      size_t target = ((len & 0x3f) << 8) | static_cast<unsigned char>(msg[p + 1]);
      if (!jumped) *pos = p + 2;
      jumped = true;
      p = target;
      continue;
    }
    if ((len & 0xc0) != 0 || p + 1 + len > msg.size()) return false;
    if (!out->empty()) *out += '.';
    out->append(msg, p + 1, len);
    p += 1 + len;
  }
  return false;  // a pointer loop
}

uint16_t U16(const std::string& m, size_t p) {
  return static_cast<uint16_t>((static_cast<unsigned char>(m[p]) << 8) |
                               static_cast<unsigned char>(m[p + 1]));
}

// How a datagram relates to our query.
enum class Parsed { kOk, kNotOurs, kMalformed, kTruncated };

// Parses @p msg as the response to query @p id for @p name / @p qtype.
Parsed ParseResponse(const std::string& msg, uint16_t id, const std::string& name, int qtype,
                     DnsAnswer* a) {
  if (msg.size() < 12) return Parsed::kNotOurs;
  if (U16(msg, 0) != id) return Parsed::kNotOurs;
  uint16_t flags = U16(msg, 2);
  if (!(flags & 0x8000)) return Parsed::kNotOurs;  // a query, not a response
  int qd = U16(msg, 4), an = U16(msg, 6);
  size_t pos = 12;
  std::string owner;
  for (int i = 0; i < qd; ++i) {
    if (!ReadName(msg, &pos, &owner) || pos + 4 > msg.size()) return Parsed::kMalformed;
    if (i == 0 && (NormalName(owner) != NormalName(name) || U16(msg, pos) != qtype)) {
      return Parsed::kNotOurs;
    }
    pos += 4;
  }
  if (flags & 0x0200) return Parsed::kTruncated;
  a->rcode = flags & 0x000f;
  for (int i = 0; i < an; ++i) {
    if (!ReadName(msg, &pos, &owner) || pos + 10 > msg.size()) return Parsed::kMalformed;
    int type = U16(msg, pos);
    size_t rdlen = U16(msg, pos + 8);
    size_t rd = pos + 10;
    if (rd + rdlen > msg.size()) return Parsed::kMalformed;
    pos = rd + rdlen;
    std::string value;
    if (type == kTypeA && rdlen == 4) {
      char buf[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, msg.data() + rd, buf, sizeof buf);
      value = buf;
    } else if (type == kTypeAaaa && rdlen == 16) {
      char buf[INET6_ADDRSTRLEN];
      inet_ntop(AF_INET6, msg.data() + rd, buf, sizeof buf);
      value = buf;
    } else if (type == kTypeCname) {
      size_t p = rd;
      if (!ReadName(msg, &p, &value)) return Parsed::kMalformed;
    } else if (type == kTypeMx && rdlen >= 3) {
      size_t p = rd + 2;
      std::string host;
      if (!ReadName(msg, &p, &host)) return Parsed::kMalformed;
      value = std::to_string(U16(msg, rd)) + " " + host;
    } else if (type == kTypeTxt) {
      size_t p = rd;
      while (p < rd + rdlen) {
        size_t len = static_cast<unsigned char>(msg[p]);
        if (p + 1 + len > rd + rdlen) return Parsed::kMalformed;
        value.append(msg, p + 1, len);
        p += 1 + len;
      }
    } else {
      continue;
    }
    if (type == qtype) {
      a->values.push_back(value);
    } else if (type == kTypeCname) {
      a->chain.push_back(value);
    }
  }
  return Parsed::kOk;
}

// The outcome of asking a server.
enum class Asked { kAnswered, kTimeout, kError };

// Asks @p server over TCP (after a truncated UDP answer).
Asked AskTcp(const SockAddr& server, const std::string& query, uint16_t id, const DnsOptions& o,
             Clock::time_point deadline, DnsAnswer* a, std::string* err) {
  Fd fd;
  int e = ConnectTo(server, SOCK_STREAM, deadline, &fd);
  if (e == ETIMEDOUT) return Asked::kTimeout;
  if (e != 0) {
    *err = "cannot connect over TCP: " + ErrnoText(e);
    return Asked::kError;
  }
  std::string framed;
  framed += static_cast<char>(query.size() >> 8);
  framed += static_cast<char>(query.size() & 0xff);
  framed += query;
  e = WriteAll(fd.get(), framed, deadline);
  if (e == ETIMEDOUT) return Asked::kTimeout;
  if (e != 0) {
    *err = "cannot send over TCP: " + ErrnoText(e);
    return Asked::kError;
  }
  std::string in;
  size_t want = 2;
  while (in.size() < want) {
    ssize_t n = ReadSome(fd.get(), &in, want - in.size(), deadline);
    if (n == -ETIMEDOUT) return Asked::kTimeout;
    if (n <= 0) {
      *err = n == 0 ? "server closed the TCP connection"
                    : "TCP read failed: " + ErrnoText(static_cast<int>(-n));
      return Asked::kError;
    }
    if (want == 2 && in.size() >= 2) want = 2 + U16(in, 0);
  }
  a->transport = "tcp";
  Parsed p = ParseResponse(in.substr(2), id, o.name, o.qtype, a);
  if (p == Parsed::kOk) return Asked::kAnswered;
  *err = p == Parsed::kNotOurs ? "TCP answer does not match the query" : "malformed TCP answer";
  return Asked::kError;
}

// Asks @p server over UDP, retrying once halfway to the deadline, then over TCP when truncated.
Asked AskServer(const SockAddr& server, const DnsOptions& o, Clock::time_point deadline,
                DnsAnswer* a, std::string* err) {
  thread_local std::mt19937 rng{std::random_device{}()};
  const auto id = static_cast<uint16_t>(rng() & 0xffff);
  const std::string query = BuildQuery(id, o.name, o.qtype);
  Fd fd(socket(server.addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) {
    *err = std::string("cannot open a UDP socket: ") + std::strerror(errno);
    return Asked::kError;
  }
  // A connected socket only receives datagrams from the server and reports ICMP errors.
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&server.addr), server.len) != 0) {
    *err = ErrnoText(errno);
    return Asked::kError;
  }
  auto resend_at = Clock::now() + (deadline - Clock::now()) / 2;
  bool resent = false;
  if (send(fd.get(), query.data(), query.size(), 0) < 0) {
    *err = ErrnoText(errno);
    return Asked::kError;
  }
  std::string buf(65535, '\0');
  for (;;) {
    auto wait_until = resent ? deadline : std::min(deadline, resend_at);
    short ev = WaitFd(fd.get(), POLLIN, wait_until);
    if (ev == 0) {
      if (Clock::now() >= deadline) return Asked::kTimeout;
      if (!resent && Clock::now() >= resend_at) {
        resent = true;
        send(fd.get(), query.data(), query.size(), 0);
      }
      continue;
    }
    ssize_t n = recv(fd.get(), buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      *err = ErrnoText(errno);
      return Asked::kError;
    }
    std::string msg(buf.data(), static_cast<size_t>(n));
    DnsAnswer got;
    got.transport = "udp";
    Parsed p = ParseResponse(msg, id, o.name, o.qtype, &got);
    if (p == Parsed::kNotOurs) continue;  // wrong id or question: not the answer to our query
    if (p == Parsed::kMalformed) {
      *err = "malformed answer";
      return Asked::kError;
    }
    if (p == Parsed::kTruncated) return AskTcp(server, query, id, o, deadline, a, err);
    *a = got;
    return Asked::kAnswered;
  }
}

// The port of @p a.
int PortOf(const SockAddr& a) {
  if (a.addr.ss_family == AF_INET) {
    return ntohs(reinterpret_cast<const sockaddr_in*>(&a.addr)->sin_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in6*>(&a.addr)->sin6_port);
}

// The first nameserver of /etc/resolv.conf, or 127.0.0.1 (the resolver's own default).
SockAddr SystemNameserver() {
  std::ifstream in("/etc/resolv.conf");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string word, addr;
    if (ls >> word >> addr && word == "nameserver") {
      size_t pct = addr.find('%');  // drop an IPv6 zone, the socket cannot use it here
      if (pct != std::string::npos) addr.resize(pct);
      if (!CanonicalIp(addr, AF_INET) && !CanonicalIp(addr, AF_INET6)) continue;
      Resolved r = ResolveHost(addr, 53, AF_UNSPEC, Clock::now());
      if (!r.addrs.empty()) return r.addrs[0];
    }
  }
  return ResolveHost("127.0.0.1", 53, AF_INET, Clock::now()).addrs.at(0);
}

class DnsCheck : public CheckType {
 public:
  std::string Name() const override { return "dns"; }
  std::vector<std::string> ParamKeys() const override {
    return {"server", "record", "expect", "expect_rcode"};
  }
  std::vector<std::string> Measures() const override { return {"time"}; }
  std::string Validate(const CheckSpec& spec) const override {
    DnsOptions o;
    return ParseDns(spec, &o);
  }
  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override;
};

CheckResult DnsCheck::Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const {
  const auto start = Clock::now();
  const auto deadline = start + spec.timeout;
  CheckResult r;
  auto finish = [&]() {
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ApplyThresholds(spec.thresholds, &r);
    return r;
  };
  DnsOptions o;
  std::string err = ParseDns(spec, &o);
  if (!err.empty()) {
    r.state = State::kUnknown;
    r.summary = "invalid parameters: " + err;
    return finish();
  }
  const std::string subject = "'" + o.name + "' " + o.type;
  r.details["name"] = o.name;
  r.details["type"] = o.type;

  DnsAnswer a;
  bool use_system = !o.server && (o.qtype == kTypeA || o.qtype == kTypeAaaa);
  if (use_system) {
    a.transport = "getaddrinfo";
    Resolved res = ResolveHost(o.name, 0, o.qtype == kTypeA ? AF_INET : AF_INET6, deadline);
    r.details["server"] = "system resolver";
    if (res.timed_out) {
      r.state = State::kCritical;
      r.summary =
          subject + ": no answer from the system resolver within " + FormatDuration(spec.timeout);
      return finish();
    }
    switch (res.gai_error) {
      case 0:
        for (const SockAddr& s : res.addrs) a.values.push_back(s.Text());
        break;
      case EAI_NONAME: {
        // getaddrinfo says the same for "no such name" and "no address of this family": ask
        // for the other family to tell NXDOMAIN from an empty answer.
        Resolved other = ResolveHost(o.name, 0, o.qtype == kTypeA ? AF_INET6 : AF_INET, deadline);
        a.rcode = other.addrs.empty() ? 3 : 0;
        break;
      }
      case EAI_NODATA:
      case EAI_ADDRFAMILY:
        a.rcode = 0;
        break;
      case EAI_AGAIN:
      case EAI_FAIL:
        a.rcode = 2;
        break;
      default:
        r.state = State::kUnknown;
        r.summary = subject + ": cannot resolve: " + res.error;
        return finish();
    }
  } else {
    SockAddr server = o.server ? *o.server : SystemNameserver();
    const std::string where = JoinHostPort(server.Text(), PortOf(server));
    r.details["server"] = where;
    Asked asked = AskServer(server, o, deadline, &a, &err);
    if (asked == Asked::kTimeout) {
      r.state = State::kCritical;
      r.summary = subject + ": no answer from " + where + " within " + FormatDuration(spec.timeout);
      return finish();
    }
    if (asked == Asked::kError) {
      r.state = State::kCritical;
      r.summary = subject + ": " + where + ": " + err;
      return finish();
    }
  }
  const double secs = SecondsSince(start);
  r.perfdata.push_back(TimePerf(secs, spec.timeout));
  r.details["transport"] = a.transport;
  r.details["rcode"] = RcodeName(a.rcode);
  r.details["answers"] = a.values;
  if (!a.chain.empty()) r.details["cname_chain"] = a.chain;

  std::string values;
  for (size_t i = 0; i < a.values.size(); ++i) {
    if (i == 4) {
      values += " (+" + std::to_string(a.values.size() - 4) + " more)";
      break;
    }
    values += (i ? ", " : "") +
              (o.qtype == kTypeTxt ? "\"" + FirstLine(a.values[i], 60) + "\"" : a.values[i]);
  }
  if (a.rcode != o.expect_rcode) {
    r.state = State::kCritical;
    if (a.rcode == 0) {
      r.summary = subject + ": NOERROR" + (values.empty() ? "" : " (" + values + ")") +
                  ", expected " + RcodeName(o.expect_rcode);
    } else {
      r.summary = subject + ": " + RcodeName(a.rcode);
    }
    return finish();
  }
  if (a.rcode != 0) {
    r.state = State::kOk;
    r.summary = subject + ": " + RcodeName(a.rcode) + " as expected in " + Secs(secs) + " s";
    return finish();
  }
  if (a.values.empty()) {
    r.state = State::kCritical;
    r.summary = subject + ": no " + o.type + " record (NOERROR, empty answer)";
    return finish();
  }
  std::vector<std::string> missing;
  std::set<std::string> have;
  for (const std::string& v : a.values) {
    have.insert(NormalValue(o.qtype, v));
    if (o.qtype == kTypeMx) have.insert(NormalName(v.substr(v.find(' ') + 1)));
  }
  for (const std::string& e : o.expect) {
    if (!have.count(e)) missing.push_back(e);
  }
  if (!missing.empty()) {
    std::string m;
    for (const auto& x : missing) m += (m.empty() ? "" : ", ") + x;
    r.state = State::kCritical;
    r.summary = subject + ": missing " + m + " (got " + values + ")";
    return finish();
  }
  r.state = State::kOk;
  r.summary = subject + " " + values + " in " + Secs(secs) + " s";
  return finish();
}

}  // namespace

std::unique_ptr<CheckType> MakeTcpCheck() { return std::make_unique<TcpCheck>(); }
std::unique_ptr<CheckType> MakeDnsCheck() { return std::make_unique<DnsCheck>(); }

}  // namespace hops::mon
