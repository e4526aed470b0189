// chatwork: a message to a ChatWork room through API v2 (POST /v2/rooms/{room_id}/messages, the
// API token in X-ChatWorkToken, the text as the form field `body`). The title is the [info] box's
// [title] and the body its text. ChatWork counts requests per token (X-RateLimit-Remaining,
// X-RateLimit-Reset: the Unix time the count starts again) and answers 429 past the limit: once the
// count is used up, the channel sends nothing more before the reset, and a 429 is retried then.
#include "cmd/hnotify/channels/channel.hpp"

#include <chrono>

#include "common/text.hpp"

namespace hops::notify {

namespace {

using SysClock = std::chrono::system_clock;

class Chatwork : public Channel {
 public:
  using Channel::Channel;
  std::string base_url;
  std::string room_id;
  SecretRef token;

  Attempt Send(const Message& m) const override {
    Attempt a;
    if (std::optional<std::chrono::seconds> wait = RateLimited(SysClock::now())) {
      a.outcome = Outcome::Retry("ChatWork's request limit is used up until " + std::to_string(wait->count()) +
                                 "s from now (X-RateLimit-Remaining: 0)");
      a.outcome.retry_after = *wait;
      return a;
    }
    std::optional<std::string> secret = SecretFor(token, &a);
    if (!secret) return a;
    const RenderContext ctx = FullContext(m);
    const std::string text = "[info][title]" + ctx.vars.at("title") + "[/title]" + ctx.vars.at("body") + "[/info]";
    http::Request q;
    q.method = "POST";
    q.url = base_url + "/v2/rooms/" + room_id + "/messages";
    q.user_agent = "hops-hnotify";
    q.headers.emplace_back("X-ChatWorkToken", *secret);
    q.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
    q.body = "body=" + http::PercentEncode(text);
    a.request = std::move(q);
    return a;
  }

  Outcome Judge(const Message& /*m*/, const http::Response& r) const override {
    const SysClock::time_point now = SysClock::now();
    std::optional<std::chrono::seconds> reset;
    if (const std::string* v = r.headers.Find("X-RateLimit-Reset")) {
      if (std::optional<long> at = ParseLong(Trim(*v), 0)) {
        const auto left = std::chrono::seconds(*at) - std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
        reset = std::max(left, std::chrono::seconds(1));
      }
    }
    const std::string* remaining = r.headers.Find("X-RateLimit-Remaining");
    if (r.ok() && reset && remaining && ParseLong(Trim(*remaining), 0) == 0L) {
      std::lock_guard<std::mutex> lock(mu_);
      blocked_until_ = now + *reset;
    }
    Outcome o = JudgeHttp(r, r.ok() && r.status >= 300 ? JsonReason(r.body) : "");
    if (r.ok() && r.status == 429 && !o.retry_after && reset) o.retry_after = reset;
    return o;
  }

  std::vector<std::string> CheckSecrets() const override { return CheckSecret(token); }

 private:
  /// How long the request count stays used up, if it is.
  std::optional<std::chrono::seconds> RateLimited(SysClock::time_point now) const {
    std::lock_guard<std::mutex> lock(mu_);
    if (now >= blocked_until_) return std::nullopt;
    return std::max(std::chrono::duration_cast<std::chrono::seconds>(blocked_until_ - now), std::chrono::seconds(1));
  }

  mutable std::mutex mu_;
  mutable SysClock::time_point blocked_until_{};
};

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Chatwork>(std::move(common));
  ch->token = ReadSecretRef(doc, r, "token", true);
  if (!r.Has("room_id")) doc.Fail(r.node(), "channel " + Quote(ch->name()) + " has no 'room_id' (the number in the room's URL, #!rid...)");
  ch->room_id = ScalarText(doc, r.Get("room_id"), "'room_id'");
  if (ch->room_id.empty() || ch->room_id.find_first_not_of("0123456789") != std::string::npos)
    doc.Fail(r.Get("room_id"), "'room_id' must be the room's number (the digits after #!rid in its URL), not " + Quote(ch->room_id));
  ch->base_url = ReadBaseUrl(doc, r, "https://api.chatwork.com");
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  p["room_id"] = {{"type", {"string", "integer"}}, {"description", "the room's number (the digits after #!rid in its URL)"}};
  SecretSchema(&p, "token", "the API token (a secret)");
  p["base_url"] = {{"type", "string"}, {"description", "the API's address (default https://api.chatwork.com)"}};
  return p;
}

}  // namespace

ChannelType ChatworkType() {
  return {"chatwork", "a ChatWork room through API v2 (room_id, token_env or token_file)",
          {"room_id", "token_env", "token_file", "base_url"}, &Parse, &Schema};
}

}  // namespace hops::notify
