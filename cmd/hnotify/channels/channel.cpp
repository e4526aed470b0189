// The parts every channel shares: the table of types, the texts of a message, reading secrets,
// and judging HTTP responses.
#include "cmd/hnotify/channels/channel.hpp"

#include <cstring>

#include "common/secret.hpp"
#include "common/text.hpp"

namespace hops::notify {

const std::vector<std::string> kChannelCommonKeys = {"type", "timeout", "language", "title", "body", "retry"};

const std::vector<ChannelType>& ChannelTypes() {
  static const std::vector<ChannelType> types = {SlackType(),    WebhookType(),  CommandType(),
                                                     EmailType(),    ChatworkType(), LineType(),
                                                     TeamsType(),    PagerdutyType()};
  return types;
}

RenderContext Channel::Context(const Message& m) const {
  RenderContext ctx;
  ctx.event = &m.event;
  ctx.zone = common_.zone;
  const auto status = m.event.find("status");
  ctx.vars["status_label"] = StatusLabel(status != m.event.end() && status->is_string() ? status->get<std::string>() : "",
                                         common_.language, m.reason == "recovery");
  // What the message is about: the event's key, or for a group summary (whose key is
  // hnotify/summary/ROUTE/GROUP) its text, "50 alerts for scope batch (critical 50)".
  auto field = [&](const char* name) {
    const auto it = m.event.find(name);
    return it != m.event.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  ctx.vars["subject"] = field("kind") == "notify.summary" && !field("summary").empty() ? field("summary") : field("key");
  ctx.vars["channel"] = m.channel;
  ctx.vars["route"] = m.route;
  ctx.vars["reason"] = m.reason;
  ctx.vars["id"] = m.id;
  return ctx;
}

std::string Channel::Title(const Message& m) const {
  std::string t = m.title ? *m.title : common_.title.Render(Context(m));
  for (char& c : t)
    if (c == '\n' || c == '\r') c = ' ';
  return t;
}

std::string Channel::Body(const Message& m) const {
  if (m.body) return *m.body;
  RenderContext ctx = Context(m);
  ctx.vars["title"] = Title(m);
  return common_.body.Render(ctx);
}

RenderContext Channel::FullContext(const Message& m) const {
  RenderContext ctx = Context(m);
  ctx.vars["title"] = Title(m);
  ctx.vars["body"] = Body(m);
  return ctx;
}

Outcome Channel::Judge(const Message& /*m*/, const http::Response& response) const {
  return JudgeHttp(response, BodyReason(response.body));
}

std::vector<std::string> Channel::Secrets() const {
  std::lock_guard<std::mutex> lock(secrets_mu_);
  std::vector<std::string> out;
  for (const auto& [ref, value] : secrets_) {
    out.push_back(value);
    // "Bearer TOKEN", "Basic ...": the credential alone may be echoed too.
    const size_t sp = value.find(' ');
    if (sp != std::string::npos && value.size() - sp - 1 >= 8) out.push_back(value.substr(sp + 1));
    // A secret URL (a webhook's): its long path segments and query values (a signature, a token)
    // may be echoed on their own.
    if (StartsWith(value, "https://") || StartsWith(value, "http://")) {
      const size_t path = value.find('/', value.find("//") + 2);
      size_t start = path;
      for (size_t i = path; path != std::string::npos && i <= value.size(); ++i) {
        if (i < value.size() && value[i] != '/' && value[i] != '?' && value[i] != '&' && value[i] != '=') continue;
        if (i - start - 1 >= 16 && i > start) out.push_back(value.substr(start + 1, i - start - 1));
        start = i;
      }
    }
  }
  return out;
}

std::optional<std::string> Channel::ReadCachedSecret(const std::string& key, const std::string& name,
                                                     std::string* err) const {
  const std::string ref = key + "\n" + name;
  {
    std::lock_guard<std::mutex> lock(secrets_mu_);
    for (const auto& [r, value] : secrets_)
      if (r == ref) return value;
  }
  std::optional<std::string> v = ReadSecret(key, name, err);
  if (!v) return std::nullopt;
  std::lock_guard<std::mutex> lock(secrets_mu_);
  secrets_.emplace_back(ref, *v);
  return v;
}

std::optional<std::string> Channel::SecretFor(const SecretRef& ref, Attempt* a) const {
  std::string err;
  std::optional<std::string> v = ReadCachedSecret(ref, &err);
  if (!v) a->outcome = Outcome::Retry(err);
  return v;
}

std::optional<std::string> Channel::SecretUrlFor(const SecretRef& ref, Attempt* a) const {
  std::optional<std::string> url = SecretFor(ref, a);
  if (!url) return std::nullopt;
  std::string err;
  if (!http::ParseUrl(*url, &err)) {
    a->outcome = Outcome::Permanent("the URL read from " + Quote(ref.key) + " is not a valid URL");
    return std::nullopt;
  }
  if (const std::string why = RetiredService(*url); !why.empty()) {
    a->outcome = Outcome::Permanent("the URL read from " + Quote(ref.key) + ": " + why);
    return std::nullopt;
  }
  return url;
}

std::vector<std::string> Channel::CheckSecret(const SecretRef& ref) const {
  std::string err;
  std::optional<std::string> v = ReadCachedSecret(ref, &err);
  if (!v) return {err};
  if (EndsWith(ref.key, "url_env") || EndsWith(ref.key, "url_file"))
    if (const std::string why = RetiredService(*v); !why.empty()) return {"the URL read from " + Quote(ref.key) + ": " + why};
  return {};
}

std::optional<std::string> Channel::ValueOf(const ValueSpec& v, const RenderContext& ctx, std::string* err) const {
  if (v.secret.set()) return ReadCachedSecret(v.secret, err);
  std::string text = v.text.Render(ctx);
  for (char& c : text)
    if (c == '\n' || c == '\r' || c == '\0') c = ' ';
  return text;
}

SecretRef ReadSecretRef(const YamlDoc& doc, const MapReader& r, const std::string& base, bool required,
                        std::optional<std::string>* inline_value) {
  SecretRef ref;
  const bool env = r.Has(base + "_env"), file = r.Has(base + "_file");
  const bool plain = inline_value && r.Has(base);
  if (env + file + plain > 1) {
    const std::string later = file ? base + "_file" : base + "_env";
    doc.Fail(r.Get(later), inline_value ? "use only one of '" + base + "', '" + base + "_env' or '" + base + "_file'"
                                        : "use either '" + base + "_env' or '" + base + "_file'");
  }
  if (env || file) {
    ref.key = base + (env ? "_env" : "_file");
    ref.name = ScalarText(doc, r.Get(ref.key), "'" + ref.key + "'");
    if (ref.name.empty()) doc.Fail(r.Get(ref.key), "'" + ref.key + "' is empty");
  } else if (plain) {
    *inline_value = ScalarText(doc, r.Get(base), "'" + base + "'");
  } else if (required) {
    doc.Fail(r.node(), "missing '" + base + "_env' or '" + base + "_file'" +
                           (inline_value ? " (or '" + base + "')" : ""));
  }
  return ref;
}

std::vector<ValueSpec> ReadValueMap(const YamlDoc& doc, const YAML::Node& node, const std::string& key,
                                    bool (*secret_name)(std::string_view name)) {
  if (!node.IsMap()) doc.Fail(node, "'" + key + "' must be a mapping of names to values, not " + std::string(NodeTypeName(node)));
  std::vector<ValueSpec> out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    ValueSpec v;
    v.name = ScalarText(doc, it->first, "a name in '" + key + "'");
    if (v.name.empty() || v.name.find_first_of(" \t\r\n:=") != std::string::npos)
      doc.Fail(it->first, "invalid name " + Quote(v.name) + " in '" + key + "'");
    for (const auto& seen : out)
      if (EqualsIgnoreCase(seen.name, v.name)) doc.Fail(it->first, Quote(v.name) + " is given twice in '" + key + "'");
    if (it->second.IsMap()) {
      MapReader r(doc, it->second, Quote(v.name) + " in '" + key + "'", {"value_env", "value_file"});
      v.secret = ReadSecretRef(doc, r, "value", true);
    } else {
      if (secret_name(v.name))
        doc.Fail(it->second, Quote(v.name) + " in '" + key + "' carries a credential and must not be written into the file: "
                             "give it as {value_env: VARIABLE} or {value_file: PATH}");
      v.text = Template::Parse(doc, it->second, Quote(v.name) + " in '" + key + "'", {"title"});
    }
    out.push_back(std::move(v));
  }
  return out;
}

nlohmann::ordered_json ValueMapSchema(const std::string& what) {
  using J = nlohmann::ordered_json;
  J secret = {{"type", "object"}, {"additionalProperties", false}, {"minProperties", 1}, {"maxProperties", 1},
              {"properties", {{"value_env", {{"type", "string"}}}, {"value_file", {{"type", "string"}}}}}};
  return {{"type", "object"}, {"description", what},
          {"additionalProperties", {{"oneOf", J::array({{{"type", "string"}}, secret})}}}};
}

void SecretSchema(nlohmann::ordered_json* props, const std::string& base, const std::string& what) {
  (*props)[base + "_env"] = {{"type", "string"}, {"description", "environment variable holding " + what}};
  (*props)[base + "_file"] = {{"type", "string"}, {"description", "file holding " + what}};
}

std::string BodyReason(const std::string& body) {
  std::string_view first = body;
  const size_t nl = first.find('\n');
  if (nl != std::string_view::npos) first = first.substr(0, nl);
  return Printable(Trim(first), 200);
}

Outcome JudgeHttp(const http::Response& r, const std::string& peer_reason) {
  if (!r.ok()) {
    Outcome o;
    o.kind = http::Classify(r) == http::Verdict::kRetry ? Outcome::Kind::kRetry : Outcome::Kind::kPermanent;
    // The system's reason is short and stable ("Connection refused"); libcurl's text repeats
    // the address and measured times, so it is only the fallback.
    o.detail = std::string(http::ErrorName(r.error));
    if (r.os_errno != 0) o.detail += ": " + LowerFirst(std::strerror(r.os_errno));
    else if (r.error != http::Error::kTimeout && !r.error_text.empty()) o.detail += ": " + Printable(r.error_text, 200);
    return o;
  }
  std::string detail = "HTTP " + std::to_string(r.status);
  if (r.status >= 200 && r.status < 300) return Outcome::Delivered(detail);
  if (!peer_reason.empty()) detail += ": " + peer_reason;
  if (r.status >= 300 && r.status < 400)
    return Outcome::Permanent(detail + " (a redirect is never followed: give the final URL)");
  Outcome o;
  o.kind = http::Classify(r) == http::Verdict::kRetry ? Outcome::Kind::kRetry : Outcome::Kind::kPermanent;
  o.detail = detail;
  o.retry_after = http::RetryAfter(r);
  return o;
}

void CheckInlineUrl(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
  const std::string url = ScalarText(doc, node, "'" + key + "'");
  std::string err;
  auto parts = http::ParseUrl(url, &err);
  if (!parts) doc.Fail(node, "'" + key + "' is not a valid URL: " + LowerFirst(err));
  if (parts->scheme != "http" && parts->scheme != "https")
    doc.Fail(node, "'" + key + "' must be an http or https URL, not " + Quote(parts->scheme));
  if (http::RedactUrl(url) != url)
    doc.Fail(node, "'" + key + "' holds a credential (a password or a token-like parameter): put the URL in a file or "
                   "variable and name it with '" + key + "_file' or '" + key + "_env'");
}

std::string ReadBaseUrl(const YamlDoc& doc, const MapReader& r, const std::string& fallback) {
  if (!r.Has("base_url")) return fallback;
  CheckInlineUrl(doc, r.Get("base_url"), "base_url");
  std::string url = ScalarText(doc, r.Get("base_url"), "'base_url'");
  if (!RetiredService(url).empty()) doc.Fail(r.Get("base_url"), RetiredService(url));
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

std::string RetiredService(const std::string& url) {
  std::string err;
  const std::optional<http::UrlParts> parts = http::ParseUrl(url, &err);
  if (!parts) return "";
  const std::string host = Lower(parts->host);
  if (host == "notify-api.line.me" || host == "notify-bot.line.me")
    return "LINE Notify ended on 31 March 2025 and takes no more messages: use a channel of type 'line' (the LINE "
           "Messaging API: channel_token_env or channel_token_file, and 'to')";
  if ((EndsWith(host, ".webhook.office.com") && StartsWith(parts->path, "/webhookb2/")) ||
      (host == "outlook.office.com" && StartsWith(parts->path, "/webhook/")))
    return "this is an Office 365 connector URL of Microsoft Teams, which Microsoft has retired: add the Workflows "
           "template 'Post to a channel when a webhook request is received' to the channel and give that URL to a "
           "channel of type 'teams'";
  return "";
}

std::string JsonText(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string CutText(const std::string& s, size_t max) {
  if (max == 0) return "";
  size_t points = 0, i = 0, keep = 0;  // keep: the byte length of the first max - 1 code points
  for (; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (points == max - 1) keep = i;
    if (++points > max) return s.substr(0, keep) + "\u2026";
  }
  return s;
}

std::string JsonReason(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return BodyReason(body);
  std::string out;
  auto add = [&out](const nlohmann::json& v) {
    std::string text = v.is_string() ? v.get<std::string>()
                       : v.is_object() && v.contains("message") && v["message"].is_string()
                           ? v["message"].get<std::string>() +
                                 (v.contains("property") && v["property"].is_string() ? " (" + v["property"].get<std::string>() + ")" : "")
                           : "";
    if (!text.empty()) out += (out.empty() ? "" : "; ") + text;
  };
  if (j.contains("message")) add(j["message"]);
  for (const char* list : {"errors", "details"})
    if (j.contains(list) && j[list].is_array())
      for (const auto& v : j[list]) add(v);
  return out.empty() ? BodyReason(body) : Printable(out, 300);
}

std::string RunbookUrl(const nlohmann::ordered_json& event) {
  const auto it = event.find("runbook");
  if (it == event.end() || !it->is_string()) return "";
  const std::string url(Trim(it->get<std::string>()));
  const std::string scheme = Lower(url.substr(0, 8));
  if (!StartsWith(scheme, "http://") && !StartsWith(scheme, "https://")) return "";
  if (url.size() <= (scheme[4] == 's' ? 8u : 7u)) return "";  // no host
  for (char c : url) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7F || c == '"' || c == '<' || c == '>' || c == '|' || c == '\\' || c == '`') return "";
  }
  return url;
}

std::string RunbookLabel(const std::string& language) { return language == "ja" ? "対応手順" : "Runbook"; }

}  // namespace hops::notify
