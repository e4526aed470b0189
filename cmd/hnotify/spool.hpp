// The spool: every notification is a queue item of the state store (common/state.hpp) before any
// attempt to deliver it, and leaves only when its channel confirmed it. One queue per channel of
// a definition file, so a channel that is down holds back only its own notifications, in order.
//
// The payload is what is needed to render the message at delivery time — the event, the channel
// and route names, why it is sent, its idempotency key — never the rendered request: secrets
// (webhook URLs, tokens, header values) are read from their *_env / *_file source when sending
// and are never written into state.db.
#ifndef HOPS_CMD_HNOTIFY_SPOOL_HPP_
#define HOPS_CMD_HNOTIFY_SPOOL_HPP_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cmd/hnotify/channels/channel.hpp"
#include "common/state.hpp"

namespace hops::notify {

/// The layout version of a spool payload ("v"); a reader refuses others.
constexpr int kPayloadVersion = 1;

/// One spooled notification (a queue item's payload, as JSON).
struct Payload {
  std::string channel;
  std::string route;                  ///< "" for ad-hoc messages and tests
  std::string reason;                 ///< problem, recovery, repeat, info, message, test
  std::string id;                     ///< idempotency key (UUID), the same for every attempt
  nlohmann::ordered_json event;               ///< the event (hops-event(5))
  std::optional<std::string> title;   ///< an ad-hoc title (send --title)
  std::optional<std::string> body;    ///< an ad-hoc text (send --message)
  std::optional<int> attempts;        ///< a limit below the channel's (tests: 1)
  std::string fallback_of;            ///< the channel that gave up on it, for a fallback; else ""

  /// The JSON text stored in the queue.
  std::string ToJson() const;
  /// Parses a stored payload; nullopt with *@p err when it is not one.
  static std::optional<Payload> FromJson(const std::string& text, std::string* err);
  /// The message a channel renders.
  Message ToMessage(int attempt) const;
};

/// A new random idempotency key: a version 4 UUID ("3f2b...-4...-a...").
std::string NewIdempotencyKey();

/// Wall clock in ms since the epoch.
using NowFn = std::function<int64_t()>;
/// The system clock as a NowFn.
int64_t SystemNowMs();

/// The spool of one definition file (by NotifyFile::id) in a state store.
class Spool {
 public:
  /// @p file_id: NotifyFile::id.
  Spool(StateStore* store, std::string file_id) : store_(store), file_id_(std::move(file_id)) {}

  /// The queue of @p channel.
  std::string Queue(const std::string& channel) const;
  /// The queue of repeat reminders.
  std::string RepeatQueue() const;
  /// The queue of group releases (a group's summary is due when its window ends).
  std::string GroupQueue() const;
  /// Adds @p p to its channel's queue, due at @p not_before_ms, and remembers the channel (see
  /// SpooledChannels); returns the item id.
  int64_t Enqueue(const Payload& p, int64_t not_before_ms);
  /// Every channel that ever had an item spooled under this file, besides @p configured: those
  /// the file no longer defines show up here, so their items are never forgotten.
  std::vector<std::string> SpooledChannels(const std::vector<std::string>& configured);
  /// Every item of @p channels' queues, by id.
  std::vector<QueueItem> List(const std::vector<std::string>& channels);
  /// The item @p id among @p channels' queues, or nullopt.
  std::optional<QueueItem> Find(const std::vector<std::string>& channels, int64_t id);
  /// The channel a queue name belongs to.
  std::string ChannelOf(const std::string& queue) const;

  StateStore* store() const { return store_; }
  const std::string& file_id() const { return file_id_; }

 private:
  StateStore* store_;
  std::string file_id_;
  std::set<std::string> registered_;  ///< channels known to be in the registry already
};

/// kv namespaces of hnotify in the state store.
constexpr const char* kQueuesNs = "hnotify.queues";  ///< file id → JSON list of channels spooled to
constexpr const char* kLastNs = "hnotify.last";      ///< file, route, channel, key → last status sent
constexpr const char* kOpenNs = "hnotify.open";      ///< file, event key → open problem and its targets
constexpr const char* kGroupNs = "hnotify.group";    ///< file, route, channel, group → burst counts

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_SPOOL_HPP_
