// line: a push message through the LINE Messaging API (POST /v2/bot/message/push, the channel
// access token as a Bearer token, `to` a user, group or room ID). The title and the body go out as
// text messages of at most 5,000 characters each, up to 5 in one push (the API's limits). Every
// attempt of one notification carries the same X-Line-Retry-Key (its UUID), so LINE delivers a
// retried push once; its 409 (already accepted) counts as delivered. LINE Notify, the older
// service of personal tokens, ended in March 2025: its URL or token keys are refused with a
// pointer to this channel.
#include "cmd/hnotify/channels/channel.hpp"

#include "common/text.hpp"

namespace hops::notify {

namespace {

constexpr size_t kMaxMessages = 5;     // messages in one push
constexpr size_t kMaxText = 5000;      // characters in one text message

class Line : public Channel {
 public:
  using Channel::Channel;
  std::string base_url;
  std::string to;
  SecretRef token;

  Attempt Send(const Message& m) const override {
    Attempt a;
    std::optional<std::string> secret = SecretFor(token, &a);
    if (!secret) return a;
    const RenderContext ctx = FullContext(m);
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    for (const std::string& text : Texts(ctx.vars.at("title") + "\n" + ctx.vars.at("body")))
      messages.push_back({{"type", "text"}, {"text", text}});
    nlohmann::ordered_json body;
    body["to"] = to;
    body["messages"] = std::move(messages);
    http::Request q;
    q.method = "POST";
    q.url = base_url + "/v2/bot/message/push";
    q.user_agent = "hops-hnotify";
    q.bearer = *secret;
    q.headers.emplace_back("Content-Type", "application/json");
    q.headers.emplace_back("X-Line-Retry-Key", m.id);
    q.body = JsonText(body);
    a.request = std::move(q);
    return a;
  }

  Outcome Judge(const Message& /*m*/, const http::Response& r) const override {
    // 409: a push with this retry key was accepted before (an earlier attempt whose answer was lost).
    if (r.ok() && r.status == 409) return Outcome::Delivered("HTTP 409: accepted before (X-Line-Retry-Key)");
    return JudgeHttp(r, r.ok() && r.status >= 300 ? JsonReason(r.body) : "");
  }

  std::vector<std::string> CheckSecrets() const override { return CheckSecret(token); }

  /// @p text as the texts of at most kMaxMessages messages of at most kMaxText characters, cut at
  /// line ends where one is near; what does not fit in the last is cut off with "…".
  static std::vector<std::string> Texts(const std::string& text) {
    std::vector<std::string> out;
    for (size_t pos = 0; pos < text.size();) {
      const std::string_view rest = std::string_view(text).substr(pos);
      if (out.size() + 1 == kMaxMessages) {
        out.push_back(CutText(std::string(rest), kMaxText));
        break;
      }
      size_t fit = 0;  // bytes of the first kMaxText characters
      for (size_t points = 0; fit < rest.size(); ++fit)
        if ((static_cast<unsigned char>(rest[fit]) & 0xC0) != 0x80 && points++ == kMaxText) break;
      size_t end = fit;
      if (fit < rest.size()) {
        const size_t nl = rest.rfind('\n', fit);
        if (nl != std::string_view::npos && nl >= fit / 2) end = nl;
      }
      out.emplace_back(rest.substr(0, end));
      pos += end + (end < rest.size() && rest[end] == '\n' ? 1 : 0);
    }
    return out;
  }
};

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  for (const char* notify : {"url", "url_env", "url_file", "token_env", "token_file"})
    if (r.Has(notify))
      doc.Fail(r.Get(notify), "'" + std::string(notify) + "' looks like LINE Notify, which ended on 31 March 2025: a 'line' "
                              "channel sends through the LINE Messaging API with a channel access token "
                              "(channel_token_env or channel_token_file) and 'to' (a user, group or room ID)");
  auto ch = std::make_unique<Line>(std::move(common));
  ch->token = ReadSecretRef(doc, r, "channel_token", true);
  if (!r.Has("to")) doc.Fail(r.node(), "channel " + Quote(ch->name()) + " has no 'to' (the user, group or room ID to push to)");
  ch->to = ScalarText(doc, r.Get("to"), "'to'");
  // User IDs start with U, group IDs with C, room IDs with R, then 32 hex digits.
  const bool id = ch->to.size() == 33 && (ch->to[0] == 'U' || ch->to[0] == 'C' || ch->to[0] == 'R') &&
                  ch->to.find_first_not_of("0123456789abcdef", 1) == std::string::npos;
  if (!id)
    doc.Fail(r.Get("to"), "'to' must be a LINE user, group or room ID (U, C or R and 32 hex digits, as webhooks "
                          "and the LINE Developers console show it), not " + Quote(Printable(ch->to, 80)));
  ch->base_url = ReadBaseUrl(doc, r, "https://api.line.me");
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  p["to"] = {{"type", "string"}, {"pattern", "^[UCR][0-9a-f]{32}$"}, {"description", "user, group or room ID"}};
  SecretSchema(&p, "channel_token", "the channel access token (a secret)");
  p["base_url"] = {{"type", "string"}, {"description", "the API's address (default https://api.line.me)"}};
  // LINE Notify's keys: never valid, named so that the loader can say what replaced them.
  for (const char* notify : {"url", "url_env", "url_file", "token_env", "token_file"})
    p[notify] = {{"not", nlohmann::ordered_json::object()}, {"description", "LINE Notify (ended March 2025): refused"}};
  return p;
}

}  // namespace

ChannelType LineType() {
  return {"line", "a LINE Messaging API push (to, channel_token_env or channel_token_file)",
          {"to", "channel_token_env", "channel_token_file", "base_url", "url", "url_env", "url_file", "token_env", "token_file"},
          &Parse, &Schema};
}

}  // namespace hops::notify
