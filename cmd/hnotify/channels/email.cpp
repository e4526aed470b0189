// email: a mail submitted over SMTP (common/http on libcurl). The server's TLS is never optional:
// `tls: starttls` (the default, port 587) fails unless the server upgrades the connection before
// anything else is said, `tls: implicit` (port 465) speaks TLS from the first byte, and plain SMTP
// needs `tls: none` written, for a relay on the same host or network, and never with a login. The
// mail is MIME with the title as its Subject (RFC 2047 encoded words when it is not ASCII) and the
// body as UTF-8 text (base64 when it is not ASCII), so Japanese arrives readable; its Message-ID
// is made of the notification's UUID, the same for every attempt, so a mail submitted twice (the
// server's answer lost) can be told for the same. The server's 250 confirms; 4xx is retried, 5xx
// is final.
#include "cmd/hnotify/channels/channel.hpp"

#include <unistd.h>

#include <ctime>

#include "common/text.hpp"

namespace hops::notify {

namespace {

/// @p in in base64 (RFC 4648), with a CRLF after every 76 characters when @p wrap.
std::string Base64(std::string_view in, bool wrap) {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t line = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    const size_t n = std::min<size_t>(3, in.size() - i);
    uint32_t v = 0;
    for (size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<unsigned char>(in[i + k]) : 0);
    for (size_t k = 0; k < 4; ++k) out += k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=';
    line += 4;
    if (wrap && line == 76 && i + 3 < in.size()) {
      out += "\r\n";
      line = 0;
    }
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

/// @p text for a header field: as it is when it is ASCII without "=?", else RFC 2047 encoded
/// words ("=?UTF-8?B?...?=", at most 75 characters each, whole characters in each) folded onto
/// continuation lines.
std::string EncodeWords(const std::string& text) {
  if (IsAscii(text) && text.find("=?") == std::string::npos) return text;
  constexpr size_t kMaxBytes = 36;  // 48 base64 characters: a word of 60, a line of at most 69
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.size(), start + kMaxBytes);
    while (end < text.size() && end > start && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(std::string_view(text).substr(start, end - start), false) + "?=";
    start = end;
  }
  return out;
}

/// The bare address of "Name <addr>" or "addr".
std::string BareAddress(const std::string& mailbox) {
  const size_t lt = mailbox.rfind('<');
  if (lt != std::string::npos && !mailbox.empty() && mailbox.back() == '>')
    return std::string(Trim(mailbox.substr(lt + 1, mailbox.size() - lt - 2)));
  return std::string(Trim(mailbox));
}

/// @p mailbox for a header: the display name of "Name <addr>" encoded when it is not ASCII.
std::string HeaderMailbox(const std::string& mailbox) {
  const size_t lt = mailbox.rfind('<');
  if (lt == std::string::npos || lt == 0) return BareAddress(mailbox);
  std::string name(Trim(mailbox.substr(0, lt)));
  if (IsAscii(name)) return name + " <" + BareAddress(mailbox) + ">";
  return EncodeWords(name) + " <" + BareAddress(mailbox) + ">";
}

/// True when @p a looks like an address: local@domain, no blanks, brackets, quotes or commas.
bool PlausibleAddress(const std::string& a) {
  const size_t at = a.rfind('@');
  return at != std::string::npos && at > 0 && at + 1 < a.size() &&
         a.find_first_of(" \t\r\n<>,;\"()[]\\") == std::string::npos;
}

/// Now as an RFC 5322 date in UTC ("Thu, 07 May 2026 03:12:45 +0000"), whatever the locale.
std::string MailDate() {
  static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

/// This host's name (for EHLO), "localhost" when it has none.
std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

/// @p text with CRLF line ends.
std::string Crlf(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r') continue;
    if (text[i] == '\n') out += '\r';
    out += text[i];
  }
  return out;
}

class Email : public Channel {
 public:
  using Channel::Channel;
  std::string host;
  int port = 0;
  std::string tls;  ///< starttls, implicit or none
  std::string from;
  std::vector<std::string> to;
  std::string user;
  SecretRef password;
  std::string ca_file;

  Attempt Send(const Message& m) const override {
    Attempt a;
    http::Request q;
    if (!user.empty()) {
      std::optional<std::string> secret = SecretFor(password, &a);
      if (!secret) return a;
      q.user = user;
      q.password = *secret;
    }
    q.url = std::string(tls == "implicit" ? "smtps" : "smtp") + "://" + host + ":" + std::to_string(port) + "/" +
            http::PercentEncode(HostName());
    q.tls.ca_file = ca_file;
    http::Mail mail;
    mail.from = BareAddress(from);
    for (const std::string& t : to) mail.to.push_back(BareAddress(t));
    mail.require_tls = tls != "none";
    q.mail = std::move(mail);
    q.body = Mime(m);
    a.request = std::move(q);
    return a;
  }

  Outcome Judge(const Message& /*m*/, const http::Response& r) const override {
    // libcurl keeps the refusal's code, not its text ("RCPT failed: 550"); status_line is the
    // server's last line (its "221 Bye" after QUIT).
    std::string said = Printable(Trim(r.error_text), 200);
    const std::string code = ": " + std::to_string(r.status);
    if (EndsWith(said, code)) said.erase(said.size() - code.size());
    if (r.smtp && r.status >= 400) {
      // The server refused the mail (a recipient, the size, the sender): 4xx later, 5xx never.
      Outcome o = r.status < 500 ? Outcome::Retry("") : Outcome::Permanent("");
      o.detail = "SMTP " + std::to_string(r.status) + (said.empty() ? "" : ": " + said);
      return o;
    }
    if (!r.ok()) return JudgeHttp(r, "");
    return Outcome::Delivered("SMTP " + std::to_string(r.status));
  }

  std::vector<std::string> CheckSecrets() const override { return user.empty() ? std::vector<std::string>{} : CheckSecret(password); }

 private:
  /// The whole message: header fields, a blank line, the body.
  std::string Mime(const Message& m) const {
    const RenderContext ctx = FullContext(m);
    std::string to_field;
    for (const std::string& t : to) to_field += (to_field.empty() ? "" : ",\r\n ") + HeaderMailbox(t);
    const std::string domain = BareAddress(from).substr(BareAddress(from).rfind('@') + 1);
    std::string h;
    h += "Date: " + MailDate() + "\r\n";
    h += "From: " + HeaderMailbox(from) + "\r\n";
    h += "To: " + to_field + "\r\n";
    h += "Subject: " + EncodeWords(ctx.vars.at("title")) + "\r\n";
    h += "Message-ID: <" + m.id + "@" + domain + ">\r\n";
    h += "MIME-Version: 1.0\r\n";
    h += "Content-Type: text/plain; charset=UTF-8\r\n";
    h += "Auto-Submitted: auto-generated\r\n";
    h += "X-Mailer: hops-hnotify\r\n";
    std::string body = Crlf(ctx.vars.at("body"));
    if (body.empty() || body.compare(body.size() - 2, 2, "\r\n") != 0) body += "\r\n";
    bool long_line = false;
    for (size_t pos = 0, nl; (nl = body.find("\r\n", pos)) != std::string::npos; pos = nl + 2)
      long_line = long_line || nl - pos > 998;
    if (IsAscii(body) && !long_line) return h + "Content-Transfer-Encoding: 7bit\r\n\r\n" + body;
    return h + "Content-Transfer-Encoding: base64\r\n\r\n" + Base64(body, true) + "\r\n";
  }
};

/// A mailbox of key @p what: "addr" or "Name <addr>", one line, a plausible address.
std::string ReadMailbox(const YamlDoc& doc, const YAML::Node& node, const std::string& what) {
  const std::string v = ScalarText(doc, node, what);
  if (v.find_first_of("\r\n") != std::string::npos || !PlausibleAddress(BareAddress(v)))
    doc.Fail(node, what + " must be a mail address ('ops@example.com' or 'Ops <ops@example.com>'), not " +
                       Quote(Printable(v, 100)));
  return v;
}

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Email>(std::move(common));
  const std::string what = "channel " + Quote(ch->name());
  if (!r.Has("server")) doc.Fail(r.node(), what + " has no 'server' (the SMTP server as HOST or HOST:PORT)");
  const std::string server = ScalarText(doc, r.Get("server"), "'server'");
  ch->tls = r.String("tls").value_or("");
  if (!ch->tls.empty() && ch->tls != "starttls" && ch->tls != "implicit" && ch->tls != "none")
    doc.Fail(r.Get("tls"), "'tls' must be starttls, implicit or none, not " + Quote(ch->tls));
  // HOST, HOST:PORT, [V6], [V6]:PORT
  std::string port_text;
  const size_t close = server.rfind(']');
  const size_t colon = server.rfind(':');
  if (colon != std::string::npos && (server.front() != '[' || (close != std::string::npos && colon > close))) {
    ch->host = server.substr(0, colon);
    port_text = server.substr(colon + 1);
  } else {
    ch->host = server;
  }
  if (ch->host.empty() || ch->host.find_first_of(" /@?#") != std::string::npos)
    doc.Fail(r.Get("server"), "'server' must be HOST or HOST:PORT, not " + Quote(Printable(server, 100)));
  if (!port_text.empty()) {
    std::optional<long> port = ParseLong(port_text, 1, 65535);
    if (!port) doc.Fail(r.Get("server"), "the port of 'server' must be a number from 1 to 65535, not " + Quote(port_text));
    ch->port = static_cast<int>(*port);
  }
  if (ch->tls.empty()) ch->tls = ch->port == 465 ? "implicit" : "starttls";
  if (ch->port == 0) ch->port = ch->tls == "implicit" ? 465 : ch->tls == "none" ? 25 : 587;
  if (ch->tls == "none" && ch->port == 465)
    doc.Fail(r.Get("tls"), "port 465 speaks TLS from the start: use 'tls: implicit'");
  if (!r.Has("from")) doc.Fail(r.node(), what + " has no 'from' (the sender address)");
  ch->from = ReadMailbox(doc, r.Get("from"), "'from'");
  if (!r.Has("to")) doc.Fail(r.node(), what + " has no 'to' (one recipient address or a list)");
  const YAML::Node to = r.Get("to");
  if (to.IsSequence()) {
    for (const auto& t : to) ch->to.push_back(ReadMailbox(doc, t, "a recipient in 'to'"));
    if (ch->to.empty()) doc.Fail(to, "'to' names no recipient");
  } else {
    ch->to.push_back(ReadMailbox(doc, to, "'to'"));
  }
  if (auto user = r.String("user")) ch->user = *user;
  ch->password = ReadSecretRef(doc, r, "password", false);
  if (ch->user.empty() && ch->password.set())
    doc.Fail(r.Get(ch->password.key), "'" + ch->password.key + "' without 'user': name the account to log in as");
  if (!ch->user.empty() && !ch->password.set())
    doc.Fail(r.Get("user"), "'user' without 'password_env' or 'password_file'");
  if (!ch->user.empty() && ch->tls == "none")
    doc.Fail(r.Get("user"), "a login over plain SMTP ('tls: none') would send the password unencrypted: use "
                            "'tls: starttls' (port 587) or 'tls: implicit' (port 465)");
  if (auto ca = r.String("ca_file")) ch->ca_file = *ca;
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  p["server"] = {{"type", "string"}, {"description", "SMTP server: HOST or HOST:PORT (port by tls: 587, 465 or 25)"}};
  p["tls"] = {{"enum", {"starttls", "implicit", "none"}},
              {"description", "starttls (required, the default; implicit on port 465), implicit (smtps), none (a local relay)"}};
  p["from"] = {{"type", "string"}, {"description", "sender: 'addr' or 'Name <addr>'"}};
  p["to"] = {{"oneOf", {{{"type", "string"}}, {{"type", "array"}, {"items", {{"type", "string"}}}, {"minItems", 1}}}},
             {"description", "recipients"}};
  p["user"] = {{"type", "string"}, {"description", "login name (with password_env or password_file)"}};
  SecretSchema(&p, "password", "the login password");
  p["ca_file"] = {{"type", "string"}, {"description", "PEM CA bundle trusted for the server's certificate"}};
  return p;
}

}  // namespace

ChannelType EmailType() {
  return {"email", "mail over SMTP: STARTTLS or implicit TLS, UTF-8 MIME (server, from, to)",
          {"server", "tls", "from", "to", "user", "password_env", "password_file", "ca_file"}, &Parse, &Schema};
}

}  // namespace hops::notify
