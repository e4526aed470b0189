#include "cmd/hnotify/inputs.hpp"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <sstream>
#include <vector>

#include "cmd/hnotify/notifier.hpp"
#include "common/error.hpp"
#include "common/output.hpp"
#include "common/text.hpp"

namespace hops::notify {

const std::vector<std::string> kInputFormats = {"events", "snmptrapd", "syslog"};

namespace {

/// @p s with invalid UTF-8 replaced by U+FFFD (sources outside hops send any bytes).
std::string CleanUtf8(std::string_view s) {
  const std::string quoted = nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return nlohmann::json::parse(quoted).get<std::string>();
}

/// @p s cut to at most @p max bytes at a UTF-8 character boundary, "..." marking the cut.
std::string Cut(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  s.resize(n);
  return s + "...";
}

/// Whether @p oid (normalized) is the numeric @p number or ends with "::@p name" / is @p name.
bool IsOid(const std::string& oid, std::string_view number, std::string_view name) {
  if (oid == number || oid == name) return true;
  return EndsWith(oid, name) && oid.size() > name.size() + 1 && oid.compare(oid.size() - name.size() - 2, 2, "::") == 0;
}

bool LooksLikeOid(std::string_view token) {
  if (token.empty()) return false;
  if (token[0] == '.' || (token[0] >= '0' && token[0] <= '9')) return true;
  return StartsWith(token, "iso.") || token == "iso" || token.find("::") != std::string_view::npos;
}

/// Whether @p v, a varbind value, is not a quoted string left open by a line break.
bool ClosedQuote(std::string_view v) {
  if (v.empty() || v.front() != '"') return true;
  if (v.size() < 2 || v.back() != '"') return false;
  size_t backslashes = 0;
  for (size_t i = v.size() - 1; i > 1 && v[i - 1] == '\\'; --i) ++backslashes;
  return backslashes % 2 == 0;
}

/// The text of a Hex-STRING ("E6 97 A5 E6 9C AC"): net-snmp writes a string that is not printable
/// ASCII (Japanese in UTF-8) as hex bytes. Decoded only when the bytes are valid UTF-8 text with
/// some non-ASCII character (ASCII text would have been written as it is); else nullopt.
std::optional<std::string> HexText(std::string_view v) {
  std::string bytes;
  bool non_ascii = false;
  for (size_t i = 0; i < v.size();) {
    if (v[i] == ' ' || v[i] == '\n') {
      ++i;
      continue;
    }
    if (i + 1 >= v.size() || !std::isxdigit(static_cast<unsigned char>(v[i])) ||
        !std::isxdigit(static_cast<unsigned char>(v[i + 1])) || std::islower(static_cast<unsigned char>(v[i])) ||
        std::islower(static_cast<unsigned char>(v[i + 1])))
      return std::nullopt;
    const auto c = static_cast<unsigned char>(std::stoi(std::string(v.substr(i, 2)), nullptr, 16));
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return std::nullopt;
    non_ascii |= c >= 0x80;
    bytes += static_cast<char>(c);
    i += 2;
  }
  if (!non_ascii || CleanUtf8(bytes) != bytes) return std::nullopt;
  return bytes;
}

/// A varbind value without net-snmp's type prefix ("STRING: ") and string quotes.
std::string TrapValue(std::string_view v) {
  static const char* const kTypes[] = {"STRING: ",    "INTEGER: ",   "OID: ",       "Timeticks: ", "Gauge32: ",
                                       "Counter32: ", "Counter64: ", "IpAddress: ", "Hex-STRING: ", "Unsigned32: ",
                                       "Opaque: ",    "BITS: ",      "Network Address: "};
  for (const char* t : kTypes)
    if (StartsWith(v, t)) {
      v.remove_prefix(std::string_view(t).size());
      break;
    }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    std::string out;
    for (size_t i = 1; i + 1 < v.size(); ++i) {
      if (v[i] == '\\' && i + 2 < v.size()) ++i;
      out += v[i];
    }
    if (std::optional<std::string> text = HexText(out)) return *text;
    return out;
  }
  return std::string(v);
}

/// The sending address of a transport string: "UDP: [192.0.2.7]:41234->[192.0.2.1]:162" (also
/// enclosed in brackets, or "UDP: 192.0.2.7:41234") gives "192.0.2.7".
std::string SourceAddress(std::string_view t) {
  t = Trim(t);
  if (t.size() >= 2 && t.front() == '[' && t.back() == ']') t = t.substr(1, t.size() - 2);
  const size_t colon = t.find(": ");
  if (colon != std::string_view::npos) t = t.substr(colon + 2);
  t = t.substr(0, t.find("->"));
  if (!t.empty() && t.front() == '[') return std::string(t.substr(1, t.find(']') - 1));
  const size_t port = t.rfind(':');
  return std::string(Trim(port == std::string_view::npos ? t : t.substr(0, port)));
}

constexpr std::string_view kSyslogSeverities[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
constexpr std::string_view kFacilities[] = {"kern",     "user",   "mail",   "daemon", "auth",   "syslog", "lpr",
                                            "news",     "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security",
                                            "console",  "solaris-cron", "local0", "local1", "local2", "local3",
                                            "local4",   "local5", "local6", "local7"};

/// The next space-separated field of @p s (consumed with its space).
std::string_view NextField(std::string_view& s) {
  const size_t sp = s.find(' ');
  const std::string_view f = s.substr(0, sp);
  s = sp == std::string_view::npos ? std::string_view() : s.substr(sp + 1);
  return f;
}

/// RFC 5424 STRUCTURED-DATA ("-" or "[id k="v"]..."), consumed with the space after it.
std::string_view StructuredData(std::string_view& s) {
  if (s.empty() || s[0] != '[') return NextField(s);
  size_t i = 0;
  while (i < s.size() && s[i] == '[') {
    bool quoted = false;
    for (++i; i < s.size(); ++i) {
      if (quoted && s[i] == '\\') {
        ++i;
      } else if (s[i] == '"') {
        quoted = !quoted;
      } else if (!quoted && s[i] == ']') {
        ++i;
        break;
      }
    }
  }
  const std::string_view sd = s.substr(0, i);
  s.remove_prefix(i);
  if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
  return sd;
}

/// FNV-1a, 32 bits, as 8 hex digits.
std::string ShortHash(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) h = (h ^ c) * 16777619u;
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", h);
  return buf;
}

bool IsRfc3164Time(std::string_view s) {
  // "Mmm dd hh:mm:ss" (the day padded with a space)
  return s.size() >= 15 && s[3] == ' ' && s[6] == ' ' && s[9] == ':' && s[12] == ':';
}

std::string_view Dash(std::string_view v) { return v == "-" ? std::string_view() : v; }

}  // namespace

std::string NormalizeOid(std::string_view oid) {
  if (StartsWith(oid, "iso.")) return "1." + std::string(oid.substr(4));
  if (oid.size() > 1 && oid[0] == '.' && oid[1] >= '0' && oid[1] <= '9') return std::string(oid.substr(1));
  return std::string(oid);
}

std::string TrapStatus(std::string_view trap_oid) {
  const std::string o = NormalizeOid(trap_oid);
  if (IsOid(o, "1.3.6.1.6.3.1.1.5.3", "linkDown")) return "critical";
  if (IsOid(o, "1.3.6.1.6.3.1.1.5.4", "linkUp")) return "info";
  return "warning";
}

Event TrapEvent(std::string_view text, const std::string& status) {
  std::vector<std::string> lines;
  {
    std::istringstream in{std::string(text)};
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(CleanUtf8(line));
    }
  }
  if (lines.size() < 3) throw RuntimeError("not a trap from snmptrapd: expected a host name, an address and varbinds");
  const std::string hostname(Trim(lines[0]));
  const std::string transport(Trim(lines[1]));
  std::string source = SourceAddress(transport);
  if (source.empty()) source = hostname;
  // "OID VALUE" lines; a quoted value goes on over line breaks until its closing quote (a string
  // with a newline, or a Hex-STRING that net-snmp wraps every 16 bytes).
  std::vector<std::pair<std::string, std::string>> raw;
  bool open = false;
  for (size_t i = 2; i < lines.size(); ++i) {
    const std::string_view l = lines[i];
    const size_t sp = l.find_first_of(" \t");
    const std::string_view first = l.substr(0, sp);
    if (!raw.empty() && (open || !LooksLikeOid(first))) {
      raw.back().second += "\n" + lines[i];
      open = !ClosedQuote(raw.back().second);
      continue;
    }
    raw.emplace_back(NormalizeOid(first), sp == std::string_view::npos ? "" : std::string(Trim(l.substr(sp + 1))));
    open = !ClosedQuote(raw.back().second);
  }
  std::string uptime, trap_oid, enterprise, agent;
  nlohmann::ordered_json varbinds = nlohmann::ordered_json::array();
  std::vector<std::string> texts;
  for (const auto& [oid, v] : raw) {
    const std::string value = TrapValue(v);
    if (IsOid(oid, "1.3.6.1.2.1.1.3.0", "sysUpTime.0") || IsOid(oid, "1.3.6.1.2.1.1.3.0", "sysUpTimeInstance")) {
      uptime = value;
    } else if (IsOid(oid, "1.3.6.1.6.3.1.1.4.1.0", "snmpTrapOID.0")) {
      trap_oid = NormalizeOid(value);
    } else if (IsOid(oid, "1.3.6.1.6.3.1.1.4.3.0", "snmpTrapEnterprise.0")) {
      enterprise = NormalizeOid(value);
    } else if (IsOid(oid, "1.3.6.1.6.3.18.1.3.0", "snmpTrapAddress.0")) {
      agent = value;
    } else if (IsOid(oid, "1.3.6.1.6.3.18.1.4.0", "snmpTrapCommunity.0")) {
      // the community is a password: it goes nowhere
    } else {
      varbinds.push_back({{"oid", oid}, {"value", value}});
      if (!value.empty()) texts.push_back(value);
    }
  }
  if (trap_oid.empty()) throw RuntimeError("not a trap from snmptrapd: no snmpTrapOID.0 varbind");
  Event e;
  e.tool = "hnotify";
  e.kind = "snmp.trap";
  e.key = "snmp/" + source + "/" + trap_oid;
  e.status = status.empty() ? TrapStatus(trap_oid) : status;
  e.severity = e.status;
  std::string summary = "SNMP trap " + trap_oid + " from " + hostname;
  if (source != hostname) summary += " [" + source + "]";
  if (!texts.empty()) {
    std::string joined;
    for (const std::string& t : texts) joined += (joined.empty() ? "" : ", ") + t;
    for (char& c : joined)
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    summary += ": " + Cut(joined, 200);
  }
  e.summary = summary;
  if (hostname != "<UNKNOWN>") e.node = hostname;
  nlohmann::ordered_json d;
  d["hostname"] = hostname;
  d["source"] = source;
  d["transport"] = transport;
  d["trap_oid"] = trap_oid;
  if (!uptime.empty()) d["uptime"] = uptime;
  if (!enterprise.empty()) d["enterprise"] = enterprise;
  if (!agent.empty()) d["agent_address"] = agent;
  d["varbinds"] = varbinds;
  e.data = d;
  return e;
}

Event SyslogEvent(std::string_view raw, const std::string& status) {
  const std::string clean = CleanUtf8(raw);
  std::string_view s = Trim(clean);
  if (s.empty()) throw RuntimeError("empty syslog line");
  int pri = -1;
  if (s[0] == '<') {
    const size_t end = s.find('>');
    if (end != std::string_view::npos && end >= 2 && end <= 4)
      if (std::optional<long> p = ParseLong(s.substr(1, end - 1), 0, 191)) {
        pri = static_cast<int>(*p);
        s.remove_prefix(end + 1);
      }
  }
  std::string format = "rfc3164", hostname, app, procid, msgid, sd, timestamp;
  if (pri >= 0 && s.size() > 2 && s[0] == '1' && s[1] == ' ') {
    format = "rfc5424";
    s.remove_prefix(2);
    timestamp = Dash(NextField(s));
    hostname = Dash(NextField(s));
    app = Dash(NextField(s));
    procid = Dash(NextField(s));
    msgid = Dash(NextField(s));
    sd = Dash(StructuredData(s));
    if (StartsWith(s, "\xEF\xBB\xBF")) s.remove_prefix(3);
  } else {
    if (IsRfc3164Time(s)) {
      s.remove_prefix(15);
      if (!s.empty() && s[0] == ' ') s.remove_prefix(1);
    } else {
      std::string_view copy = s;
      const std::string_view first = NextField(copy);
      if (ParseTimestamp(first)) {
        timestamp = first;
        s = copy;
      }
    }
    if (pri >= 0) hostname = NextField(s);
    // TAG: up to '[' (the pid) or ':'
    const size_t colon = s.find(": ");
    const std::string_view tag = colon == std::string_view::npos ? std::string_view() : s.substr(0, colon);
    if (!tag.empty() && tag.find(' ') == std::string_view::npos) {
      const size_t bracket = tag.find('[');
      app = tag.substr(0, bracket);
      if (bracket != std::string_view::npos) procid = tag.substr(bracket + 1, tag.size() - bracket - 2);
      s.remove_prefix(colon + 2);
    }
  }
  const std::string message(Trim(s));
  const int sev = pri >= 0 ? pri % 8 : 5;  // no priority: notice
  const int facility = pri >= 0 ? pri / 8 : 1;
  Event e;
  e.tool = "hnotify";
  e.kind = "syslog.message";
  if (hostname.empty()) hostname = LocalHostName();
  e.key = "syslog/" + hostname + "/" + (app.empty() ? "-" : app) + "/" + ShortHash(message);
  if (status.empty()) {
    e.status = std::string(kSyslogSeverities[sev]);
    e.severity = sev <= 3 ? "critical" : sev == 4 ? "warning" : "info";
  } else {
    e.status = e.severity = status;
  }
  e.summary = Cut(hostname + " " + (app.empty() ? "" : app + ": ") + message, 300);
  e.node = hostname;
  if (!timestamp.empty())
    if (auto t = ParseTimestamp(timestamp)) e.time = *t;
  nlohmann::ordered_json d;
  d["format"] = format;
  d["facility"] = std::string(kFacilities[facility]);
  d["severity"] = std::string(kSyslogSeverities[sev]);
  d["hostname"] = hostname;
  if (!app.empty()) d["app_name"] = app;
  if (!procid.empty()) d["procid"] = procid;
  if (!msgid.empty()) d["msgid"] = msgid;
  if (!sd.empty()) d["structured_data"] = sd;
  if (!timestamp.empty()) d["timestamp"] = timestamp;
  d["message"] = message;
  e.data = d;
  return e;
}

namespace {

/// Accepts @p e into @p n, counting it into @p r.
void AcceptInto(Notifier& n, const Event& e, InputResult* r) {
  for (int64_t id : n.Accept(e).ids) r->ids.insert(id);
}

/// Handles one syslog line (number @p number) and reports a line it cannot use.
bool SyslogLine(Notifier& n, const std::string& status, std::string_view line, long number, InputResult* r) {
  if (Trim(line).empty()) return false;
  ++r->lines;
  try {
    AcceptInto(n, SyslogEvent(line, status), r);
  } catch (const Error& e) {
    Warn("line " + std::to_string(number) + ": " + e.what());
    ++r->rejected;
  }
  return true;
}

/// Syslog lines from descriptor @p fd: each line is spooled when it arrives, what is due is
/// delivered whenever no further input is waiting, and retries are made while the input is idle.
void ReadSyslogFd(Notifier& n, const std::string& status, int fd, InputResult* r) {
  std::string buf;
  long number = 0;
  bool eof = false;
  std::optional<int64_t> next_ms;  // when the earliest spooled item is due
  bool dirty = false;              // lines were accepted since the last delivery
  int64_t last_flush = SystemNowMs();
  const auto deliver = [&] {
    const FlushResult fr = n.Flush(FlushOptions{});
    next_ms = fr.pending > 0 ? fr.next_ms : std::nullopt;
    dirty = false;
    last_flush = SystemNowMs();
  };
  while (!eof) {
    if (dirty && SystemNowMs() - last_flush >= 1000) deliver();  // a steady stream: once a second
    int timeout = -1;
    if (dirty) {
      timeout = 0;
    } else if (next_ms) {
      const int64_t wait = *next_ms - SystemNowMs();
      timeout = static_cast<int>(std::clamp<int64_t>(wait, 0, 60000));
    }
    pollfd p{fd, POLLIN, 0};
    const int ready = poll(&p, 1, timeout);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {  // nothing to read now: deliver what is due
      deliver();
      continue;
    }
    char chunk[65536];
    const ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      eof = true;
    } else {
      buf.append(chunk, static_cast<size_t>(got));
    }
    size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      dirty |= SyslogLine(n, status, std::string_view(buf).substr(start, nl - start), ++number, r);
      start = nl + 1;
    }
    buf.erase(0, start);
  }
  if (!buf.empty()) SyslogLine(n, status, buf, ++number, r);
}

}  // namespace

InputResult ReadInput(const std::string& from, const std::string& status, std::istream& in, int fd, Notifier& n) {
  InputResult r;
  if (from == "snmptrapd") {
    std::ostringstream text;
    text << in.rdbuf();
    r.lines = 1;
    try {
      AcceptInto(n, TrapEvent(text.str(), status), &r);
    } catch (const Error& e) {
      Warn(e.what());
      r.rejected = 1;
    }
    return r;
  }
  if (from != "syslog") throw UsageError("unknown input format " + Quote(from) + " for --from");
  if (fd >= 0) {
    ReadSyslogFd(n, status, fd, &r);
    return r;
  }
  std::string line;
  long number = 0;
  while (std::getline(in, line)) SyslogLine(n, status, line, ++number, &r);
  return r;
}

}  // namespace hops::notify
