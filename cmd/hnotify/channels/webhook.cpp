// webhook: any HTTP endpoint. The URL (inline, or url_env / url_file when it is a secret), the
// method, header fields (values inline or from value_env / value_file) and a payload template whose
// placeholders are escaped for JSON; without one, a JSON object with the texts and the event.
// Every request carries an Idempotency-Key header, the same for every attempt of one notification.
#include "cmd/hnotify/channels/channel.hpp"

#include "common/text.hpp"

namespace hops::notify {

namespace {

class Webhook : public Channel {
 public:
  using Channel::Channel;

  std::optional<std::string> url;  ///< inline
  SecretRef url_secret;
  std::string method = "POST";
  std::vector<ValueSpec> headers;
  std::optional<Template> payload;
  std::string content_type = "application/json";
  bool content_type_written = false;  ///< `headers:` has Content-Type
  std::string ca_file;

  Attempt Send(const Message& m) const override {
    Attempt a;
    std::string err;
    std::optional<std::string> target = url ? url : ReadCachedSecret(url_secret, &err);
    if (!target) {
      a.outcome = Outcome::Retry(err);
      return a;
    }
    if (const std::string why = RetiredService(*target); !why.empty()) {
      a.outcome = Outcome::Permanent(why);
      return a;
    }
    const RenderContext ctx = FullContext(m);
    http::Request q;
    q.method = method;
    q.url = *target;
    q.secret_url = !url;
    q.user_agent = "hops-hnotify";
    q.tls.ca_file = ca_file;
    if (method != "GET" && method != "DELETE") {
      q.body = payload ? payload->Render(ctx) : DefaultPayload(m, ctx);
      if (!content_type_written) q.headers.emplace_back("Content-Type", content_type);
    }
    q.headers.emplace_back("Idempotency-Key", m.id);
    for (const ValueSpec& h : headers) {
      std::optional<std::string> v = ValueOf(h, ctx, &err);
      if (!v) {
        a.outcome = Outcome::Retry("header " + Quote(h.name) + ": " + err);
        return a;
      }
      q.headers.emplace_back(h.name, *v);
    }
    a.request = std::move(q);
    return a;
  }

  std::vector<std::string> CheckSecrets() const override {
    std::vector<std::string> out;
    std::string err;
    if (!url && !ReadCachedSecret(url_secret, &err)) out.push_back(err);
    for (const ValueSpec& h : headers)
      if (h.secret.set() && !ReadCachedSecret(h.secret, &err)) out.push_back("header " + Quote(h.name) + ": " + err);
    return out;
  }

 private:
  std::string DefaultPayload(const Message& m, const RenderContext& ctx) const {
    nlohmann::ordered_json j;
    j["title"] = ctx.vars.at("title");
    j["body"] = ctx.vars.at("body");
    j["channel"] = m.channel;
    if (!m.route.empty()) j["route"] = m.route;
    j["reason"] = m.reason;
    j["id"] = m.id;
    j["event"] = m.event;
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
};

/// A sample event with every field, to check that a JSON payload stays JSON once filled in.
nlohmann::ordered_json SampleEvent() {
  return nlohmann::ordered_json::parse(R"({"v":1,"time":"2026-05-07T03:12:45.512Z","tool":"hmon-check","host":"ops\"1",
    "kind":"monitor.result","key":"hmon-check/db/web01","status":"critical","severity":"critical",
    "summary":"db on web01: \"CRITICAL\" \\ down\nsecond line","previous_status":"ok","changed":true,
    "monitor":"db","node":"web01","scope":"tokyo/web","duration_ms":12,
    "perfdata":[{"label":"time","value":0.5,"uom":"s","warn":"","crit":""}],"data":{"target":"http://x/"}})");
}

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Webhook>(std::move(common));
  std::optional<std::string> inline_url;
  ch->url_secret = ReadSecretRef(doc, r, "url", true, &inline_url);
  if (inline_url) {
    CheckInlineUrl(doc, r.Get("url"), "url");
    if (const std::string why = RetiredService(*inline_url); !why.empty()) doc.Fail(r.Get("url"), why);
    ch->url = inline_url;
  }
  if (auto m = r.String("method")) {
    ch->method = Upper(*m);
    if (ch->method != "POST" && ch->method != "PUT" && ch->method != "PATCH" && ch->method != "GET" && ch->method != "DELETE")
      doc.Fail(r.Get("method"), "'method' must be POST, PUT, PATCH, GET or DELETE, not " + Quote(*m));
  }
  if (r.Has("headers")) ch->headers = ReadValueMap(doc, r.Get("headers"), "headers", &http::IsSecretHeader);
  for (const ValueSpec& h : ch->headers) {
    if (EqualsIgnoreCase(h.name, "Content-Type")) {
      ch->content_type_written = true;
      if (!h.secret.set()) ch->content_type = h.text.text();
    }
    if (EqualsIgnoreCase(h.name, "Idempotency-Key") || EqualsIgnoreCase(h.name, "Content-Length") ||
        EqualsIgnoreCase(h.name, "Host"))
      doc.Fail(r.Get("headers"), "header " + Quote(h.name) + " is set by hnotify itself");
  }
  if (r.Has("payload")) {
    if (ch->method == "GET" || ch->method == "DELETE")
      doc.Fail(r.Get("payload"), "a " + ch->method + " request has no body: drop 'payload' or use POST");
    const bool json = Lower(ch->content_type).find("json") != std::string::npos;
    ch->payload = Template::Parse(doc, r.Get("payload"), "'payload'", {"title", "body", "event"},
                                  json ? Escape::kJson : Escape::kNone);
    if (json) {
      // Filled in with a sample event, the payload must parse: a placeholder outside quotes, or
      // a quote too many, shows here rather than as HTTP 400 at delivery.
      Message m;
      m.event = SampleEvent();
      m.channel = ch->name();
      m.route = "sample";
      m.reason = "problem";
      m.id = "00000000-0000-4000-8000-000000000000";
      const std::string text = ch->payload->Render(ch->FullContext(m));
      const nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text, nullptr, false);
      if (parsed.is_discarded())
        doc.Fail(r.Get("payload"), "'payload' is not valid JSON once filled in: write string placeholders inside quotes "
                                   "(\"text\": \"{{summary}}\") and {{event}} or {{data}} outside them");
    }
  }
  if (auto ca = r.String("ca_file")) ch->ca_file = *ca;
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  p["url"] = {{"type", "string"}, {"description", "http or https URL without credentials"}};
  SecretSchema(&p, "url", "the URL");
  p["method"] = {{"enum", {"POST", "PUT", "PATCH", "GET", "DELETE"}}};
  p["headers"] = ValueMapSchema("header fields: a template, or {value_env|value_file} for a credential");
  p["payload"] = {{"type", "string"}, {"description", "request body template; placeholders JSON-escaped for a JSON type"}};
  p["ca_file"] = {{"type", "string"}, {"description", "PEM CA bundle trusted for https"}};
  return p;
}

}  // namespace

ChannelType WebhookType() {
  return {"webhook", "any HTTP endpoint: URL, method, headers and a payload template",
          {"url", "url_env", "url_file", "method", "headers", "payload", "ca_file"}, &Parse, &Schema};
}

}  // namespace hops::notify
