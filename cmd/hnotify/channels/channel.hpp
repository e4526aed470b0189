// The channel interface of hnotify: where a notification goes (a Slack webhook, any webhook, a
// command...). A channel type is one file in cmd/hnotify/channels/ that reads its own keys of a
// `channels:` entry and turns a Message into either an HTTP or SMTP request (performed by common/
// http, many at once) or, for a channel that delivers by other means, an outcome it reached itself.
// Adding a type: write channels/NAME.cpp with a `ChannelType NameType()` and list it in
// ChannelTypes() (channels/channel.cpp); nothing else changes.
#ifndef HOPS_CMD_HNOTIFY_CHANNELS_CHANNEL_HPP_
#define HOPS_CMD_HNOTIFY_CHANNELS_CHANNEL_HPP_

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cmd/hnotify/template.hpp"
#include "common/http.hpp"
#include "common/yaml_doc.hpp"

namespace hops::notify {

/// How failed deliveries are retried (`retry:` in `defaults:` or a channel).
struct RetryPolicy {
  std::chrono::milliseconds backoff{std::chrono::seconds(30)};   ///< delay after the first failure
  std::chrono::milliseconds max_backoff{std::chrono::hours(1)};  ///< the doubling stops here
  int attempts = 20;                                             ///< give up after this many
  std::chrono::milliseconds max_age{std::chrono::hours(24)};     ///< or this long after acceptance
};

/// What every channel has, whatever its type.
struct ChannelCommon {
  std::string name;                            ///< the key in `channels:`
  std::string type;                            ///< "slack", "webhook", "command", ...
  SourceLoc loc;                               ///< where the name is written
  std::chrono::milliseconds timeout{10000};    ///< one delivery attempt, at most
  std::string language = "en";                 ///< of the default texts: en or ja
  Template title;                              ///< one line; written or the language's default
  Template body;                               ///< the message text; written or the default
  RetryPolicy retry;
  const TimeZone* zone = nullptr;              ///< for {{time_local}}; nullptr: UTC
};

/// One notification to deliver: the event and why it is sent; the texts are rendered from it by
/// the channel, at delivery time, so no secret and no rendered text is ever stored.
struct Message {
  nlohmann::ordered_json event;     ///< the event (hops-event(5) schema v1)
  std::string channel;      ///< channel name
  std::string route;        ///< the route that sent it ("" for ad-hoc messages and tests)
  std::string reason;       ///< problem, recovery, repeat, info, message or test
  std::string id;           ///< idempotency key: a UUID, the same for every attempt
  int attempt = 1;          ///< 1 for the first attempt
  std::optional<std::string> title;  ///< replaces the title template (send --title)
  std::optional<std::string> body;   ///< replaces the body template (send --message)
};

/// What one delivery attempt came to.
struct Outcome {
  enum class Kind {
    kDelivered,  ///< the channel confirmed it: the item leaves the spool
    kRetry,      ///< may work later: the item stays, due again after a backoff
    kPermanent,  ///< will fail again (rejected as invalid): the item is dropped and reported
  };
  Kind kind = Kind::kRetry;
  std::string detail;  ///< one line: "HTTP 200", "HTTP 500: no healthy upstream", "exit 3: ..."
  std::optional<std::chrono::seconds> retry_after;  ///< the peer's wish (Retry-After, 429)

  static Outcome Delivered(std::string detail) { return {Kind::kDelivered, std::move(detail), {}}; }
  static Outcome Retry(std::string detail) { return {Kind::kRetry, std::move(detail), {}}; }
  static Outcome Permanent(std::string detail) { return {Kind::kPermanent, std::move(detail), {}}; }
};

/// What Channel::Send returns: a request for common/http to perform (then Judge tells the
/// outcome), or the outcome itself.
struct Attempt {
  std::optional<http::Request> request;
  Outcome outcome;
};

/// A source of a secret value: the name of an environment variable (`*_env`) or of a file
/// (`*_file`), as written in the definition file.
struct SecretRef {
  std::string key;   ///< "url_env", "value_file", ...
  std::string name;  ///< the variable or the path
  bool set() const { return !key.empty(); }
};

/// One value of a NAME → value mapping (webhook `headers:`, command `env:`): a template written
/// inline, or a secret read from `{value_env: VAR}` / `{value_file: PATH}`.
struct ValueSpec {
  std::string name;
  Template text;     ///< when secret is not set
  SecretRef secret;  ///< value_env / value_file
};

/// A configured channel. Send and Judge of one channel are never called concurrently; different
/// channels' are.
class Channel {
 public:
  explicit Channel(ChannelCommon common) : common_(std::move(common)) {}
  virtual ~Channel() = default;
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// Name, type, timeout, templates, retry policy.
  const ChannelCommon& common() const { return common_; }
  /// The channel's name.
  const std::string& name() const { return common_.name; }

  /// Starts delivering @p m: the request to perform, or (a channel that delivers itself, or a
  /// message that cannot be sent, such as a secret that cannot be read) the outcome.
  virtual Attempt Send(const Message& m) const = 0;
  /// The outcome of the request Send returned, from its @p response. The default: 2xx delivered;
  /// 3xx permanent (never followed); otherwise http::Classify, with Retry-After honoured.
  virtual Outcome Judge(const Message& m, const http::Response& response) const;
  /// The secrets the channel has read so far (and the credential of a "Scheme CREDENTIAL" value
  /// on its own), to hide wherever text could show them.
  std::vector<std::string> Secrets() const;
  /// Reads every secret the channel names now; the messages of those that cannot be read
  /// ("environment variable 'X' named by 'url_env' is not set"), for `hnotify validate`.
  virtual std::vector<std::string> CheckSecrets() const { return {}; }

  /// The render context of @p m: event, status_label, time_local, channel, route, reason, id.
  RenderContext Context(const Message& m) const;
  /// The title of @p m (its own, or the title template rendered), one line.
  std::string Title(const Message& m) const;
  /// The text of @p m (its own, or the body template rendered; {{title}} available).
  std::string Body(const Message& m) const;
  /// Context(m) with title and body added, for payloads and arguments.
  RenderContext FullContext(const Message& m) const;

 protected:
  /// Reads the secret named by key @p key (ending in _env or _file) with value @p name, once
  /// (cached); nullopt with *@p err when it cannot be read.
  std::optional<std::string> ReadCachedSecret(const std::string& key, const std::string& name,
                                              std::string* err) const;
  /// ReadCachedSecret of @p ref.
  std::optional<std::string> ReadCachedSecret(const SecretRef& ref, std::string* err) const {
    return ReadCachedSecret(ref.key, ref.name, err);
  }
  /// ReadCachedSecret of @p ref for a Send: nullopt, with a->outcome a retry saying why, when it
  /// cannot be read.
  std::optional<std::string> SecretFor(const SecretRef& ref, Attempt* a) const;
  /// SecretFor of a secret URL (a webhook's): nullopt, with a->outcome a permanent failure, also
  /// when it is not a valid URL or a retired service's.
  std::optional<std::string> SecretUrlFor(const SecretRef& ref, Attempt* a) const;
  /// CheckSecrets of a channel with the one secret @p ref.
  std::vector<std::string> CheckSecret(const SecretRef& ref) const;
  /// The value of @p v: its template rendered with @p ctx (line breaks become spaces), or its
  /// secret; nullopt with *@p err when the secret cannot be read.
  std::optional<std::string> ValueOf(const ValueSpec& v, const RenderContext& ctx, std::string* err) const;

 private:
  ChannelCommon common_;
  mutable std::mutex secrets_mu_;
  mutable std::vector<std::pair<std::string, std::string>> secrets_;  ///< (key + name, value)
};

/// A channel type: its YAML keys, how to read them and its part of `hnotify schema`.
struct ChannelType {
  std::string name;               ///< the value of `type:`
  std::string summary;            ///< one line for messages and the schema
  std::vector<std::string> keys;  ///< its own keys, besides the common ones
  /// Reads the type's keys of @p r (MapReader over the whole entry) into a channel; throws
  /// DefinitionError.
  std::unique_ptr<Channel> (*parse)(const YamlDoc& doc, const MapReader& r, ChannelCommon common);
  /// JSON Schema of each of its own keys (property name → schema).
  nlohmann::ordered_json (*schema)();
};

/// Every channel type, in the order `hnotify schema` lists them.
const std::vector<ChannelType>& ChannelTypes();

/// The keys every channel has besides its type's.
extern const std::vector<std::string> kChannelCommonKeys;

// One factory per file of channels/ (listed explicitly: a static library drops object files
// nothing refers to).
ChannelType WebhookType();  ///< channels/webhook.cpp
ChannelType SlackType();    ///< channels/slack.cpp
ChannelType CommandType();  ///< channels/command.cpp
ChannelType EmailType();      ///< channels/email.cpp
ChannelType ChatworkType();   ///< channels/chatwork.cpp
ChannelType LineType();       ///< channels/line.cpp
ChannelType TeamsType();      ///< channels/teams.cpp
ChannelType PagerdutyType();  ///< channels/pagerduty.cpp

// Helpers for channel types.

/// Reads the secret reference of @p base from @p r: `BASE_env` or `BASE_file` (one of them);
/// with @p allow_inline, `BASE` itself (not a secret then) is returned in *@p inline_value.
/// Throws DefinitionError when both forms are written, or none when @p required.
SecretRef ReadSecretRef(const YamlDoc& doc, const MapReader& r, const std::string& base, bool required,
                        std::optional<std::string>* inline_value = nullptr);
/// Reads the mapping @p node of @p key. An inline value is refused when @p secret_name says the
/// name carries a credential (it must come from value_env / value_file then).
std::vector<ValueSpec> ReadValueMap(const YamlDoc& doc, const YAML::Node& node, const std::string& key,
                                    bool (*secret_name)(std::string_view name));
/// The schema of such a mapping.
nlohmann::ordered_json ValueMapSchema(const std::string& what);

/// The schema of a secret-reference pair BASE_env / BASE_file (added to @p props).
void SecretSchema(nlohmann::ordered_json* props, const std::string& base, const std::string& what);
/// The outcome of an HTTP response the usual way (Channel::Judge's default), with @p peer_reason
/// (what the peer said, already one line) added to failures.
Outcome JudgeHttp(const http::Response& r, const std::string& peer_reason);
/// The first line of @p body, printable, at most 200 bytes ("" when it is empty).
std::string BodyReason(const std::string& body);
/// Checks an inline URL of @p key: http or https, parsed by libcurl, and no credential in it
/// (a password, a token-like query parameter); throws DefinitionError at the value.
void CheckInlineUrl(const YamlDoc& doc, const YAML::Node& node, const std::string& key);
/// The `base_url` of an API channel (what tests and proxies point elsewhere): checked like an
/// inline URL, without a trailing slash; @p fallback when the key is not written.
std::string ReadBaseUrl(const YamlDoc& doc, const MapReader& r, const std::string& fallback);
/// Why @p url belongs to a service that no longer takes messages (LINE Notify, an Office 365
/// connector of Teams) and which channel type replaces it; "" for any other URL.
std::string RetiredService(const std::string& url);
/// @p j as compact JSON text; invalid UTF-8 in strings becomes U+FFFD.
std::string JsonText(const nlohmann::ordered_json& j);
/// @p s cut at a character boundary to at most @p max code points (UTF-8); with "…" as the last
/// of them when it was cut.
std::string CutText(const std::string& s, size_t max);
/// The event's runbook when it is an http(s) URL that a channel may put in a link: one URL, with
/// no blank, control byte, quote, angle bracket or '|' in it; "" otherwise (a runbook written as
/// text, or a javascript: URL, stays text in the body).
std::string RunbookUrl(const nlohmann::ordered_json& event);
/// What a runbook link is called in @p language: "Runbook" (en), 対応手順 (ja).
std::string RunbookLabel(const std::string& language);
/// The reason an API gave in a JSON error body: its "message" and the messages or strings of
/// "errors" / "details", joined by "; " (BodyReason of @p body when it is not JSON).
std::string JsonReason(const std::string& body);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_CHANNELS_CHANNEL_HPP_
