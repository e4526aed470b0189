// slack: an incoming webhook. The URL is the credential, so it is only ever read from url_env or
// url_file. The message is the title as `text` (what notifications and old clients show; with a
// runbook URL, a link `<URL|Runbook>` after it) and an attachment in the status's colour holding
// the body. Slack confirms with the body "ok"; anything else is a failure carrying Slack's reason
// (invalid_payload, no_service, channel_is_archived...).
#include "cmd/hnotify/channels/channel.hpp"

#include <chrono>

#include "common/event.hpp"
#include "common/text.hpp"

namespace hops::notify {

namespace {

/// Slack's mrkdwn escapes: &, < and > (the only characters it treats specially in text).
std::string SlackEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else if (c == '>') out += "&gt;";
    else out += c;
  }
  return out;
}

std::string Colour(const Message& m) {
  if (m.reason == "recovery") return "#2eb886";
  const std::string severity = m.event.value("severity", "");
  if (severity == "critical") return "#d50200";
  if (severity == "warning") return "#de9e31";
  if (severity == "unknown") return "#8e44ad";
  if (severity == "ok") return "#2eb886";
  return "#439fe0";
}

class Slack : public Channel {
 public:
  using Channel::Channel;
  SecretRef url;

  Attempt Send(const Message& m) const override {
    Attempt a;
    std::optional<std::string> target = SecretUrlFor(url, &a);
    if (!target) return a;
    const RenderContext ctx = FullContext(m);
    nlohmann::ordered_json attachment;
    attachment["color"] = Colour(m);
    attachment["fallback"] = SlackEscape(ctx.vars.at("title"));
    attachment["text"] = SlackEscape(ctx.vars.at("body"));
    attachment["footer"] = "hnotify";
    if (auto tp = ParseTimestamp(m.event.value("time", "")))
      attachment["ts"] = std::chrono::duration_cast<std::chrono::seconds>(tp->time_since_epoch()).count();
    nlohmann::ordered_json body;
    std::string text = SlackEscape(ctx.vars.at("title"));
    // A runbook URL becomes a link after the title, where it shows in the notification itself.
    if (const std::string runbook = RunbookUrl(m.event); !runbook.empty())
      text += " <" + SlackEscape(runbook) + "|" + RunbookLabel(common().language) + ">";
    body["text"] = text;
    body["attachments"] = nlohmann::ordered_json::array({attachment});
    http::Request q;
    q.method = "POST";
    q.url = *target;
    q.secret_url = true;
    q.user_agent = "hops-hnotify";
    q.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
    q.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    a.request = std::move(q);
    return a;
  }

  Outcome Judge(const Message& /*m*/, const http::Response& r) const override {
    const std::string reason = BodyReason(r.body);
    if (r.ok() && r.status == 200) {
      if (reason == "ok") return Outcome::Delivered("HTTP 200 ok");
      // A 200 without "ok" is not Slack's answer (a proxy, a captive portal): not confirmed.
      return Outcome::Permanent("HTTP 200 without Slack's \"ok\"" + (reason.empty() ? "" : ": " + reason));
    }
    Outcome o = JudgeHttp(r, reason.empty() ? "" : "slack says " + Quote(reason));
    return o;
  }

  std::vector<std::string> CheckSecrets() const override { return CheckSecret(url); }
};

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Slack>(std::move(common));
  ch->url = ReadSecretRef(doc, r, "url", true);
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  SecretSchema(&p, "url", "the incoming-webhook URL (a secret)");
  return p;
}

}  // namespace

ChannelType SlackType() {
  return {"slack", "a Slack incoming webhook (url_env or url_file)", {"url_env", "url_file"}, &Parse, &Schema};
}

}  // namespace hops::notify
