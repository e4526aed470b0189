// pagerduty: PagerDuty Events API v2 (POST /v2/enqueue). A problem triggers an alert and its
// recovery resolves it: both carry the event's key as dedup_key, so repeats and reminders add to
// the open alert rather than open new ones. A runbook URL goes with a trigger as a link (`links:
// [{href, text}]`), which PagerDuty shows on the incident. The integration's routing key is in the
// body, read from routing_key_env or routing_key_file. PagerDuty accepts with 202; only 429 and 5xx
// are worth retrying (a 400 is an event it will never take).
#include "cmd/hnotify/channels/channel.hpp"

#include "common/text.hpp"

namespace hops::notify {

namespace {

constexpr size_t kMaxSummary = 1024;  // characters of payload.summary
constexpr size_t kMaxDedupKey = 255;  // characters of dedup_key

/// PagerDuty's severity (critical, error, warning, info) of an event's.
std::string Severity(const std::string& severity) {
  if (severity == "critical") return "critical";
  if (severity == "warning") return "warning";
  if (severity == "unknown") return "error";
  return "info";
}

std::string Field(const nlohmann::ordered_json& event, const char* name) {
  const auto it = event.find(name);
  return it != event.end() && it->is_string() ? it->get<std::string>() : "";
}

class Pagerduty : public Channel {
 public:
  using Channel::Channel;
  std::string base_url;
  SecretRef routing_key;

  Attempt Send(const Message& m) const override {
    Attempt a;
    std::optional<std::string> key = SecretFor(routing_key, &a);
    if (!key) return a;
    http::Request q;
    q.method = "POST";
    q.url = base_url + "/v2/enqueue";
    q.user_agent = "hops-hnotify";
    q.headers.emplace_back("Content-Type", "application/json");
    q.body = JsonText(Event(m, *key));
    a.request = std::move(q);
    return a;
  }

  Outcome Judge(const Message& /*m*/, const http::Response& r) const override {
    if (!r.ok()) return JudgeHttp(r, "");
    const std::string reason = JsonReason(r.body);
    if (r.status == 202) return Outcome::Delivered("HTTP 202");
    if (r.status == 429 || r.status >= 500) {
      Outcome o = JudgeHttp(r, reason);
      o.kind = Outcome::Kind::kRetry;
      return o;
    }
    Outcome o = JudgeHttp(r, reason);
    o.kind = Outcome::Kind::kPermanent;
    if (r.status >= 200 && r.status < 300) o.detail += " (not PagerDuty's 202: the event was not accepted)";
    return o;
  }

  std::vector<std::string> CheckSecrets() const override { return CheckSecret(routing_key); }

  /// The Events API v2 event of @p m.
  nlohmann::ordered_json Event(const Message& m, const std::string& key) const {
    nlohmann::ordered_json e;
    e["routing_key"] = key;
    const std::string status = Field(m.event, "status");
    const bool resolve = m.reason == "recovery" || status == "ok";
    e["event_action"] = resolve ? "resolve" : "trigger";
    std::string dedup = Field(m.event, "key");
    e["dedup_key"] = CutText(dedup.empty() ? m.id : dedup, kMaxDedupKey);
    if (resolve) return e;
    const RenderContext ctx = FullContext(m);
    nlohmann::ordered_json p;
    p["summary"] = CutText(ctx.vars.at("title"), kMaxSummary);
    std::string source = Field(m.event, "node");
    if (source.empty()) source = Field(m.event, "host");
    p["source"] = source.empty() ? "hops" : source;
    p["severity"] = Severity(Field(m.event, "severity"));
    if (const std::string t = Field(m.event, "time"); !t.empty()) p["timestamp"] = t;
    std::string component = Field(m.event, "monitor");
    if (component.empty()) component = Field(m.event, "job");
    if (!component.empty()) p["component"] = component;
    if (const std::string scope = Field(m.event, "scope"); !scope.empty()) p["group"] = scope;
    if (const std::string kind = Field(m.event, "kind"); !kind.empty()) p["class"] = kind;
    p["custom_details"] = {{"body", ctx.vars.at("body")}, {"event", m.event}};
    e["payload"] = std::move(p);
    e["client"] = "hops hnotify";
    if (const std::string runbook = RunbookUrl(m.event); !runbook.empty())
      e["links"] = nlohmann::ordered_json::array({{{"href", runbook}, {"text", RunbookLabel(common().language)}}});
    return e;
  }
};

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Pagerduty>(std::move(common));
  ch->routing_key = ReadSecretRef(doc, r, "routing_key", true);
  ch->base_url = ReadBaseUrl(doc, r, "https://events.pagerduty.com");
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  SecretSchema(&p, "routing_key", "the integration's routing key (a secret)");
  p["base_url"] = {{"type", "string"}, {"description", "the API's address (default https://events.pagerduty.com; "
                                                       "https://events.eu.pagerduty.com for the EU service region)"}};
  return p;
}

}  // namespace

ChannelType PagerdutyType() {
  return {"pagerduty", "PagerDuty Events API v2: trigger on a problem, resolve on recovery (routing_key_env or routing_key_file)",
          {"routing_key_env", "routing_key_file", "base_url"}, &Parse, &Schema};
}

}  // namespace hops::notify
