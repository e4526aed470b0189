// What hnotify does with events and the spool: Accept routes an event, suppresses what was just
// sent and spools the rest; Flush delivers what is due, retrying with backoff.
//
// Dedupe. For each (route, channel, event key) the state store keeps the status last sent, expiring
// after the route's `dedupe` window (`repeat` for problems when the route has one). An event whose
// status equals it is not sent again; any other status is (a flapping check is not silenced into
// a wrong picture). A compare-and-swap decides between overlapping runs, so an event is sent once.
//
// Open problems. Each problem sent is remembered per event key with its (route, channel) targets,
// so its recovery (an ok event) goes exactly where the problem went and nowhere else, even when
// the recovery would not match those routes itself (a route for severity critical); routes with
// `send_recovery: false` are skipped. Without such a record (a state store started afresh), an ok
// event right after a problem status (`changed`, `previous_status` warning, critical or unknown)
// is routed like any other event. An ok event that is no recovery is never sent. With `repeat`, a reminder item in the spool re-sends a problem still
// open every `repeat`, even when no further event arrives (hmon-check --changes-only).
//
// Suppression, between routing and dedupe. A silence (hnotify silence add) that matches the event
// holds back every notification of it. An inhibit rule holds back an event matching its target
// while a problem matching its source is open (its record in hnotify.open) with the same values
// of the `equal` fields. A problem held back either way is marked in hnotify.open, so its
// recovery is not sent either. A route with `group:` sends the first `limit` notifications of a
// group within `window` and holds the rest; when the window ends, Flush sends one summary of them
// (a release item in a spool queue, so the wait spans runs).
//
// Fallback. A notification its channel gives up on (retry limit, age, permanent failure) is
// spooled anew for the `fallback:` channels of its route.
//
// Delivery. Each item is claimed with a lease longer than twice the channel's timeout, so
// overlapping runs never send one item at the same time, and a process killed mid-send leaves the
// item to a later run (at-least-once; the idempotency key goes along where the API takes one).
#ifndef HOPS_CMD_HNOTIFY_NOTIFIER_HPP_
#define HOPS_CMD_HNOTIFY_NOTIFIER_HPP_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cmd/hnotify/config.hpp"
#include "cmd/hnotify/route.hpp"
#include "cmd/hnotify/spool.hpp"
#include "common/event.hpp"
#include "common/state.hpp"

namespace hops::notify {

/// Services a Notifier uses; tests replace the clock, the randomness and sleeping.
struct NotifierOptions {
  NowFn now_ms = SystemNowMs;                     ///< wall clock, ms since the epoch
  std::function<double()> random;                 ///< uniform in [0, 1) for jitter; empty: a PRNG
  std::function<void(int64_t ms)> sleep;          ///< waits (Flush with a deadline); empty: real
  int verbose = 0;                                ///< 1: every decision and attempt is logged
  /// Receives each line to report (without a program name); empty: Warn() to stderr.
  std::function<void(const std::string&)> log;
};

/// What Accept did with one event.
struct Accepted {
  std::vector<int64_t> ids;  ///< spool items made
  int suppressed = 0;        ///< targets not sent: the same status was sent within the window
  int silenced = 0;          ///< targets not sent: a silence matches the event
  int inhibited = 0;         ///< targets not sent: an inhibit rule holds the event back
  int held = 0;              ///< targets held for their group's summary
  bool routed = false;       ///< some route (or an open problem) wanted it
};

/// What Flush should do.
struct FlushOptions {
  std::optional<int64_t> until_ms;     ///< wait for watched items until then (ms since the epoch)
  std::optional<std::set<int64_t>> watch;  ///< the items to wait for; nullopt: every item
  std::vector<std::string> only;       ///< only these channels; empty: all (and reminders)
};

/// What Flush did.
struct FlushResult {
  int delivered = 0;  ///< items the channels confirmed
  int dropped = 0;    ///< items given up (permanent failure, retry limit or age): reported
  int retried = 0;    ///< failed attempts that stay in the spool
  int fallback = 0;   ///< items given up and spooled anew for their route's fallback channels
  int64_t pending = 0;  ///< watched items still in the spool at the end
  std::optional<int64_t> next_ms;  ///< when the earliest of those is due
};

/// Routes, spools and delivers the notifications of one definition file.
class Notifier {
 public:
  Notifier(const NotifyFile& file, StateStore* store, NotifierOptions options = {});
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  /// Routes @p e (see the file comment) and spools one item per channel it goes to.
  Accepted Accept(const Event& e);
  /// Spools @p p as it is (an ad-hoc message or a test: no route, no dedupe); returns the id.
  int64_t AcceptMessage(const Payload& p);
  /// Handles due repeat reminders, then delivers due items until none is left; with until_ms,
  /// waits for the watched items' retries until then.
  FlushResult Flush(const FlushOptions& o);

  /// The spool of the file.
  Spool& spool() { return spool_; }

  /// The lease a delivery of @p ch takes: twice its timeout and 5 seconds, far longer than any
  /// attempt can last (a command gets at most timeout + 2 s).
  static int64_t LeaseMs(const Channel& ch);
  /// The delay before attempt @p attempts + 1: backoff doubled per attempt up to max_backoff,
  /// "equal jitter" (half fixed, half random by @p random in [0, 1)).
  static int64_t BackoffMs(const RetryPolicy& p, int attempts, double random);

 private:
  struct Claimed;
  void Log(const std::string& line) const;
  void Verbose(const std::string& line) const;
  /// The secrets every channel has read: a peer may echo another channel's, too.
  std::vector<std::string> AllSecrets() const;
  double Random();
  /// Spools @p p for (route, channel) unless the status last sent there is the same; the item id.
  /// With @p group, a notification past the group's limit is held instead (*@p held set).
  std::optional<int64_t> SendDeduped(const std::string& route, const Payload& p, const std::string& status,
                                     std::chrono::milliseconds window, const GroupPolicy* group = nullptr,
                                     bool* held = nullptr);
  /// Counts @p p in its group of @p route; true when it is to be held for the summary.
  bool GroupHold(const std::string& route, const GroupPolicy& g, const Payload& p);
  /// Sends the summary of the group record @p gkey if its window is over and it holds any.
  void ReleaseGroup(const std::string& gkey);
  /// Handles the due group release items.
  std::set<std::string> ProcessGroups();
  /// The inhibit rule and open problem that hold @p e back, described; nullopt: none.
  std::optional<std::string> Inhibitor(const Event& e) const;
  /// Marks the problem @p e as held back (no recovery is then sent), unless it is open already.
  void MarkHeld(const nlohmann::ordered_json& event, const std::string& key, const std::string& why);
  /// Spools @p c's payload for its route's fallback channels, logging why (@p detail: ": ..." or
  /// " after N attempts: ..."); true when there were any.
  bool FallBack(const Claimed& c, const std::string& detail);
  /// Records the problem targets of @p e sent now; returns those that are new or changed.
  std::vector<std::pair<std::string, std::string>> RecordOpen(const nlohmann::ordered_json& event, const std::string& key,
                                                              const std::vector<std::pair<std::string, std::string>>& targets,
                                                              const std::string& status);
  /// Handles the due repeat reminders; returns the channels it spooled to.
  std::set<std::string> ProcessReminders();
  /// Delivers @p batch (at most one item per channel) at once.
  void Deliver(std::vector<Claimed>& batch, FlushResult* r);
  /// Acts on the outcome of one attempt.
  void Settle(Claimed& c, Outcome o, FlushResult* r);
  std::string LastKey(const std::string& route, const std::string& channel, const std::string& key) const;
  std::string OpenKey(const std::string& key) const;

  const NotifyFile& file_;
  StateStore* store_;
  NotifierOptions opts_;
  Spool spool_;
  std::unique_ptr<http::Runner> runner_;
  std::map<std::string, int64_t> stopped_until_;  ///< channel → its head item's next attempt
  std::set<std::string> warned_orphans_;
  std::set<std::string> refilled_;  ///< channels given an item during Flush (fallbacks, summaries)
  mutable bool secrets_read_ = false;  ///< AllSecrets has read every channel's secrets
  uint64_t rng_state_;
};

/// A short description of a payload for messages: "hmon-check/db/web1 critical (problem)".
std::string DescribePayload(const Payload& p);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_NOTIFIER_HPP_
