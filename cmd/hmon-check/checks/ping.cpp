// The ping monitor type: several ICMP echo requests per target, in the spirit of check_icmp.
//
// It uses an unprivileged ICMP datagram socket where net.ipv4.ping_group_range allows one, a raw
// socket otherwise (root or CAP_NET_RAW), and reports UNKNOWN when it can open neither. Each run
// has its own socket and, for raw sockets, its own identifier, and waits with ppoll against
// per-packet deadlines, so many pings can run side by side in the worker pool.
//
// States: no reply at all is CRITICAL "no reply" (check_icmp's host-down); otherwise the
// thresholds decide. Validate makes sure the packets and the wait for the last reply fit in the
// timeout, so only a name lookup can run out of time: that is CRITICAL, like other network
// errors. Without thresholds of its own a check uses check_icmp's defaults,
// rta 200/500 ms and loss 40/80 %, so partial loss is not silently OK.
#include "cmd/hmon-check/checks/ping.hpp"

#include <arpa/inet.h>
#include <linux/icmp.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <random>

#include "cmd/hmon-check/checks/net.hpp"
#include "common/socket.hpp"
#include "common/units.hpp"

namespace hops::mon {

using Clock = std::chrono::steady_clock;
using nagios::State;

PingStats SummarizeRtts(int sent, const std::vector<double>& rtts_ms) {
  PingStats s;
  s.sent = sent;
  s.received = static_cast<int>(rtts_ms.size());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.loss = sent > 0 ? 100.0 * (sent - s.received) / sent : 100.0;
  if (s.loss < 0) s.loss = 0;
  if (rtts_ms.empty()) {
    s.rta = s.rtmin = s.rtmax = s.jitter = nan;
    return s;
  }
  double sum = 0, jsum = 0;
  s.rtmin = s.rtmax = rtts_ms[0];
  for (size_t i = 0; i < rtts_ms.size(); ++i) {
    sum += rtts_ms[i];
    s.rtmin = std::min(s.rtmin, rtts_ms[i]);
    s.rtmax = std::max(s.rtmax, rtts_ms[i]);
    if (i > 0) jsum += std::fabs(rtts_ms[i] - rtts_ms[i - 1]);
  }
  s.rta = sum / rtts_ms.size();
  s.jitter = rtts_ms.size() > 1 ? jsum / (rtts_ms.size() - 1) : 0.0;
  return s;
}

namespace {

// A number for a summary: three decimals, or "U" when unknown.
std::string Ms(double v) {
  if (!std::isfinite(v)) return "U";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

Perfdata Perf(const std::string& label, double value, const std::string& uom,
              std::optional<double> max = std::nullopt) {
  Perfdata p;
  p.label = label;
  p.value = value;
  p.uom = uom;
  p.min = 0.0;
  p.max = max;
  return p;
}

}  // namespace

void FillPingResult(const std::string& host, const PingStats& stats, CheckResult* result) {
  result->perfdata.push_back(Perf("rta", stats.rta, "ms"));
  result->perfdata.push_back(Perf("rtmax", stats.rtmax, "ms"));
  result->perfdata.push_back(Perf("loss", stats.loss, "%", 100.0));
  result->perfdata.push_back(Perf("jitter", stats.jitter, "ms"));
  result->details["sent"] = stats.sent;
  result->details["received"] = stats.received;
  if (stats.received == 0) {
    result->state = State::kCritical;
    result->summary = "no reply from " + host + " (" + std::to_string(stats.sent) + " sent)";
    return;
  }
  result->details["rtmin_ms"] = stats.rtmin;
  result->state = State::kOk;
  char loss[32];
  std::snprintf(loss, sizeof loss, "%g", std::round(stats.loss * 10) / 10);
  result->summary = host + ": rta " + Ms(stats.rta) + " ms, lost " + loss + "%, jitter " +
                    Ms(stats.jitter) + " ms";
}

namespace {

// The parsed parameters of a ping check.
struct PingOptions {
  std::string host;
  int packets = 5;
  std::chrono::milliseconds interval{200};
  size_t size = 56;
  std::chrono::milliseconds packet_timeout{1000};
};

constexpr size_t kCookieSize = 8;
constexpr size_t kMaxSize = 65000;

std::string ParsePing(const CheckSpec& spec, PingOptions* o) {
  std::string err;
  auto hp = SplitHostPort(spec.target, &err);
  if (!hp) return "target: " + err;
  if (hp->port != 0) return "target: ping takes a host without a port, not '" + spec.target + "'";
  o->host = hp->host;
  if (auto v = spec.params.Get("packets")) {
    if (v->empty() || v->size() > 3 || v->find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(*v) < 1 || std::stoi(*v) > 100) {
      return "packets: invalid count '" + *v + "' (expected 1..100)";
    }
    o->packets = std::stoi(*v);
  }
  if (auto v = spec.params.Get("interval")) {
    auto d = ParseDuration(*v);
    if (!d || *d < std::chrono::milliseconds(10) || *d > std::chrono::minutes(1)) {
      return "interval: invalid duration '" + *v + "' (expected 10ms..1m, e.g. 200ms)";
    }
    o->interval = *d;
  }
  if (auto v = spec.params.Get("size")) {
    auto n = ParseSize(*v);
    if (!n || *n < kCookieSize || *n > kMaxSize) {
      return "size: invalid payload size '" + *v + "' (expected 8..65000 bytes)";
    }
    o->size = static_cast<size_t>(*n);
  }
  const auto schedule = o->interval * (o->packets - 1);
  if (auto v = spec.params.Get("packet_timeout")) {
    auto d = ParseDuration(*v);
    if (!d || d->count() <= 0) {
      return "packet_timeout: invalid duration '" + *v + "' (expected e.g. 1s or 500ms)";
    }
    o->packet_timeout = *d;
    if (schedule + *d > spec.timeout) {
      return "packet_timeout: " + std::to_string(o->packets) + " packets every " +
             FormatDuration(o->interval) + " plus a " + FormatDuration(*d) +
             " wait take longer than the timeout " + FormatDuration(spec.timeout);
    }
  } else {
    // Default: a second per reply, less when the timeout leaves less after the last packet.
    o->packet_timeout = std::min(std::chrono::milliseconds(1000), spec.timeout - schedule);
    if (o->packet_timeout < std::chrono::milliseconds(10)) {
      return "packets: " + std::to_string(o->packets) + " packets every " +
             FormatDuration(o->interval) + " do not fit in the timeout " +
             FormatDuration(spec.timeout);
    }
  }
  return "";
}

// The text of /proc/sys/net/ipv4/ping_group_range, for the UNKNOWN message.
std::string PingGroupRange() {
  std::ifstream in("/proc/sys/net/ipv4/ping_group_range");
  std::string a, b;
  if (!(in >> a >> b)) return "";
  return a + " " + b;
}

// Opens an ICMP socket for @p family: datagram first, raw second. Returns the descriptor and
// sets *@p raw, or -1 with *@p err set.
int OpenIcmpSocket(int family, bool* raw, std::string* err) {
  const int proto =
      family == AF_INET ? static_cast<int>(IPPROTO_ICMP) : static_cast<int>(IPPROTO_ICMPV6);
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd >= 0) {
    *raw = false;
    return fd;
  }
  const int dgram_errno = errno;
  fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
  if (fd >= 0) {
    *raw = true;
    // Only echo replies reach the socket; other ICMP traffic of the host is filtered out.
    if (family == AF_INET) {
      icmp_filter filt{};
      filt.data = ~(1U << ICMP_ECHOREPLY);
      setsockopt(fd, SOL_RAW, ICMP_FILTER, &filt, sizeof filt);
    } else {
      icmp6_filter filt;
      ICMP6_FILTER_SETBLOCKALL(&filt);
      ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filt);
      setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filt, sizeof filt);
    }
    return fd;
  }
  *err = std::string("cannot open an ICMP socket: ") + std::strerror(errno) +
         " (unprivileged: " + std::strerror(dgram_errno);
  std::string range = PingGroupRange();
  if (!range.empty()) *err += "; net.ipv4.ping_group_range is '" + range + "'";
  *err += ")";
  return -1;
}

// The Internet checksum of @p data.
uint16_t Checksum(const std::string& data) {
  uint32_t sum = 0;
  for (size_t i = 0; i + 1 < data.size(); i += 2) {
    sum += (static_cast<unsigned char>(data[i]) << 8) | static_cast<unsigned char>(data[i + 1]);
  }
  if (data.size() % 2) sum += static_cast<unsigned char>(data.back()) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

// An identifier for raw sockets, distinct for runs in this process.
uint16_t NextIdentifier() {
  static std::atomic<uint32_t> counter{static_cast<uint32_t>(getpid()) * 7919u};
  return static_cast<uint16_t>(counter.fetch_add(1) & 0xffff);
}

// True when @p a and @p b hold the same IP address (ports ignored).
bool SameAddress(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    return reinterpret_cast<const sockaddr_in&>(a).sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in&>(b).sin_addr.s_addr;
  }
  return std::memcmp(&reinterpret_cast<const sockaddr_in6&>(a).sin6_addr,
                     &reinterpret_cast<const sockaddr_in6&>(b).sin6_addr, sizeof(in6_addr)) == 0;
}

class PingCheck : public CheckType {
 public:
  std::string Name() const override { return "ping"; }
  std::vector<std::string> ParamKeys() const override {
    return {"packets", "interval", "size", "packet_timeout"};
  }
  std::vector<std::string> Measures() const override { return {"rta", "rtmax", "loss", "jitter"}; }
  std::string Validate(const CheckSpec& spec) const override {
    PingOptions o;
    return ParsePing(spec, &o);
  }
  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override;
};

CheckResult PingCheck::Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const {
  const auto start = Clock::now();
  const auto deadline = start + spec.timeout;
  CheckResult r;
  ThresholdMap thresholds = spec.thresholds;
  auto finish = [&]() {
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    ApplyThresholds(thresholds, &r);
    return r;
  };
  PingOptions o;
  std::string err = ParsePing(spec, &o);
  if (!err.empty()) {
    r.state = State::kUnknown;
    r.summary = "invalid parameters: " + err;
    return finish();
  }
  // check_icmp's default thresholds for the measures the spec leaves open.
  auto add_default = [&](const char* measure, const char* warn, const char* crit) {
    if (thresholds.count(measure)) return;
    nagios::Thresholds t;
    t.warning = nagios::ParseRange(warn, nullptr);
    t.critical = nagios::ParseRange(crit, nullptr);
    thresholds[measure] = t;
  };
  add_default("rta", "200", "500");
  add_default("loss", "40", "80");

  Resolved res = ResolveHost(o.host, 0, AF_UNSPEC, deadline);
  if (res.addrs.empty()) {
    r.state = State::kCritical;
    r.summary = res.timed_out ? "cannot resolve '" + o.host + "': timed out after " +
                                    FormatDuration(spec.timeout)
                              : "cannot resolve '" + o.host + "': " + res.error;
    return finish();
  }
  SockAddr dest = res.addrs[0];
  for (const SockAddr& a : res.addrs) {  // IPv4 first when the name has both
    if (a.addr.ss_family == AF_INET) {
      dest = a;
      break;
    }
  }
  const int family = dest.addr.ss_family;
  const std::string shown = dest.Text() == o.host ? o.host : o.host + " (" + dest.Text() + ")";
  r.details["host"] = o.host;
  r.details["address"] = dest.Text();

  bool raw = false;
  Fd sock(OpenIcmpSocket(family, &raw, &err));
  if (!sock.valid()) {
    r.state = State::kUnknown;
    r.summary = err;
    return finish();
  }
  r.details["socket"] = raw ? "raw" : "datagram";

  // A request: type, code, checksum, identifier, sequence, then a per-run cookie and filler.
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t cookie_value = rng();
  std::string cookie(reinterpret_cast<const char*>(&cookie_value), kCookieSize);
  const uint16_t ident = NextIdentifier();  // datagram sockets: the kernel sets its own
  const auto seq_base = static_cast<uint16_t>(rng() & 0xffff);
  const uint8_t request_type = family == AF_INET ? ICMP_ECHO : ICMP6_ECHO_REQUEST;
  const uint8_t reply_type = family == AF_INET ? ICMP_ECHOREPLY : ICMP6_ECHO_REPLY;

  const int n = o.packets;
  std::vector<Clock::time_point> sent_at(n);
  std::vector<double> rtt(n, -1);
  int sent = 0, answered = 0;
  std::string send_error;
  auto next_send = Clock::now();
  std::string buf(kMaxSize + 128, '\0');

  auto send_one = [&](int i) {
    std::string pkt(8, '\0');
    pkt[0] = static_cast<char>(request_type);
    const uint16_t seq = static_cast<uint16_t>(seq_base + i);
    pkt[4] = static_cast<char>(ident >> 8);
    pkt[5] = static_cast<char>(ident & 0xff);
    pkt[6] = static_cast<char>(seq >> 8);
    pkt[7] = static_cast<char>(seq & 0xff);
    pkt += cookie;
    for (size_t k = kCookieSize; k < o.size; ++k) pkt += static_cast<char>(k & 0xff);
    if (family == AF_INET) {  // ICMPv6 checksums are always computed by the kernel
      uint16_t sum = Checksum(pkt);
      pkt[2] = static_cast<char>(sum >> 8);
      pkt[3] = static_cast<char>(sum & 0xff);
    }
    sent_at[i] = Clock::now();
    ++sent;
    if (sendto(sock.get(), pkt.data(), pkt.size(), 0, reinterpret_cast<const sockaddr*>(&dest.addr),
               dest.len) < 0) {
      send_error = std::strerror(errno);
    }
  };

  auto receive_all = [&]() {
    for (;;) {
      sockaddr_storage from{};
      socklen_t from_len = sizeof from;
      ssize_t got = recvfrom(sock.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from),
                             &from_len);
      if (got < 0) {
        if (errno == EINTR) continue;
        return;  // EAGAIN, or an error queued by the kernel for an earlier packet
      }
      const auto now = Clock::now();
      size_t off = 0;
      if (raw && family == AF_INET) {  // raw IPv4 sockets deliver the IP header too
        if (got < 1) continue;
        off = (static_cast<unsigned char>(buf[0]) & 0x0f) * 4u;
      }
      if (static_cast<size_t>(got) < off + 8 + kCookieSize) continue;
      const unsigned char* icmp = reinterpret_cast<const unsigned char*>(buf.data()) + off;
      if (icmp[0] != reply_type || !SameAddress(from, dest.addr)) continue;
      if (raw && ((icmp[4] << 8) | icmp[5]) != ident) continue;
      if (std::memcmp(icmp + 8, cookie.data(), kCookieSize) != 0) continue;
      const int i = static_cast<uint16_t>(((icmp[6] << 8) | icmp[7]) - seq_base);
      if (i >= sent || rtt[i] >= 0) continue;  // not ours, or a duplicate
      auto took = now - sent_at[i];
      if (took > o.packet_timeout) continue;  // too late: counted as lost
      rtt[i] = std::chrono::duration<double, std::milli>(took).count();
      ++answered;
    }
  };

  bool cut_short = false;
  for (;;) {
    auto now = Clock::now();
    if (sent < n && now >= next_send) {
      send_one(sent);
      next_send += o.interval;
      continue;
    }
    // Done when every request is answered or past its own deadline.
    Clock::time_point last_wait = now;
    bool waiting = false;
    for (int i = 0; i < sent; ++i) {
      if (rtt[i] < 0 && sent_at[i] + o.packet_timeout > now) {
        waiting = true;
        last_wait = std::max(last_wait, sent_at[i] + o.packet_timeout);
      }
    }
    if (sent == n && (!waiting || answered == n)) break;
    if (now >= deadline) {
      cut_short = sent < n;
      break;
    }
    auto wake = sent < n ? next_send : last_wait;
    wake = std::min(wake, deadline);
    auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(wake - now).count();
    if (ns < 0) ns = 0;
    timespec ts{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
    pollfd p{sock.get(), POLLIN, 0};
    int ready = ppoll(&p, 1, &ts, nullptr);
    if (ready > 0) receive_all();
  }

  std::vector<double> rtts;
  for (int i = 0; i < sent; ++i) {
    if (rtt[i] >= 0) rtts.push_back(rtt[i]);
  }
  PingStats stats = SummarizeRtts(sent, rtts);
  FillPingResult(shown, stats, &r);
  if (!send_error.empty()) {
    r.details["send_error"] = send_error;
    if (stats.received == 0) r.summary = "cannot send to " + shown + ": " + send_error;
  }
  if (cut_short)
    r.long_output = "only " + std::to_string(sent) + " of " + std::to_string(n) +
                    " packets fit in the timeout " + FormatDuration(spec.timeout);
  return finish();
}

}  // namespace

std::unique_ptr<CheckType> MakePingCheck() { return std::make_unique<PingCheck>(); }

}  // namespace hops::mon
