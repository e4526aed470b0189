// teams: a Microsoft Teams channel through a Power Automate Workflows webhook (the template "Post
// to a channel when a webhook request is received"), with an Adaptive Card: the title in the
// status's colour, the body line by line, the event's facts, and a runbook URL as an Action.OpenUrl
// button. The URL carries its signature (sig=...), so it is a secret: url_env or url_file only.
// Office 365 connector URLs (*.webhook.office.com/webhookb2/...) belong to a service Microsoft
// retired; they are refused with the way to a Workflows URL, at load time when the URL can be read
// then, else when sending.
#include "cmd/hnotify/channels/channel.hpp"

#include "common/text.hpp"

namespace hops::notify {

namespace {

constexpr size_t kMaxLines = 60;  // body lines shown as text blocks; the rest is cut off

/// The Adaptive Card colour of @p m's title.
std::string Colour(const Message& m) {
  if (m.reason == "recovery") return "Good";
  const std::string severity = m.event.value("severity", "");
  if (severity == "critical") return "Attention";
  if (severity == "warning" || severity == "unknown") return "Warning";
  if (severity == "ok") return "Good";
  return "Accent";
}

class Teams : public Channel {
 public:
  using Channel::Channel;
  SecretRef url;

  Attempt Send(const Message& m) const override {
    Attempt a;
    std::optional<std::string> target = SecretUrlFor(url, &a);
    if (!target) return a;
    http::Request q;
    q.method = "POST";
    q.url = *target;
    q.secret_url = true;
    q.user_agent = "hops-hnotify";
    q.headers.emplace_back("Content-Type", "application/json");
    q.body = JsonText(Card(m));
    a.request = std::move(q);
    return a;
  }

  Outcome Judge(const Message& /*m*/, const http::Response& r) const override {
    return JudgeHttp(r, r.ok() && r.status >= 300 ? JsonReason(r.body) : "");
  }

  std::vector<std::string> CheckSecrets() const override { return CheckSecret(url); }

  /// The URL when it can be read now (for the check at load time).
  std::optional<std::string> UrlNow() const {
    std::string err;
    return ReadCachedSecret(url, &err);
  }

 private:
  /// The message Workflows posts: one Adaptive Card attachment.
  nlohmann::ordered_json Card(const Message& m) const {
    using J = nlohmann::ordered_json;
    const RenderContext ctx = FullContext(m);
    J blocks = J::array();
    blocks.push_back({{"type", "TextBlock"}, {"text", ctx.vars.at("title")}, {"weight", "Bolder"}, {"size", "Medium"},
                      {"color", Colour(m)}, {"wrap", true}});
    // One block a line: a TextBlock joins single line breaks into one paragraph.
    const std::string& body = ctx.vars.at("body");
    size_t lines = 0;
    for (size_t pos = 0; pos < body.size() && lines < kMaxLines; ++lines) {
      size_t nl = body.find('\n', pos);
      if (nl == std::string::npos) nl = body.size();
      const std::string line = body.substr(pos, nl - pos);
      pos = nl + 1;
      if (!Trim(line).empty()) blocks.push_back({{"type", "TextBlock"}, {"text", line}, {"wrap", true}, {"spacing", "None"}});
    }
    J facts = J::array();
    for (const char* field : {"status", "key", "node", "scope", "tool", "time"}) {
      const auto it = m.event.find(field);
      if (it != m.event.end() && it->is_string() && !it->get<std::string>().empty())
        facts.push_back({{"title", field}, {"value", it->get<std::string>()}});
    }
    if (!facts.empty()) blocks.push_back({{"type", "FactSet"}, {"facts", facts}});
    J content;
    content["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json";
    content["type"] = "AdaptiveCard";
    content["version"] = "1.4";
    content["msteams"] = {{"width", "Full"}};
    content["body"] = std::move(blocks);
    if (const std::string runbook = RunbookUrl(m.event); !runbook.empty())
      content["actions"] = J::array({{{"type", "Action.OpenUrl"}, {"title", RunbookLabel(common().language)}, {"url", runbook}}});
    J attachment;
    attachment["contentType"] = "application/vnd.microsoft.card.adaptive";
    attachment["contentUrl"] = nullptr;
    attachment["content"] = std::move(content);
    return {{"type", "message"}, {"attachments", J::array({attachment})}};
  }
};

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Teams>(std::move(common));
  ch->url = ReadSecretRef(doc, r, "url", true);
  // A URL that can be read now is checked now; one that cannot is read (and checked) when sending.
  if (std::optional<std::string> now = ch->UrlNow()) {
    if (const std::string why = RetiredService(*now); !why.empty())
      doc.Fail(r.Get(ch->url.key), "the URL read from " + Quote(ch->url.key) + ": " + why);
  }
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  SecretSchema(&p, "url", "the Workflows webhook URL (a secret: it carries its signature)");
  return p;
}

}  // namespace

ChannelType TeamsType() {
  return {"teams", "a Microsoft Teams channel through a Workflows webhook (url_env or url_file)", {"url_env", "url_file"},
          &Parse, &Schema};
}

}  // namespace hops::notify
