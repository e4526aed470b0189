// The hnotify definition file (notify.yaml, hnotify(5)): channels, routes and defaults.
#ifndef HOPS_CMD_HNOTIFY_CONFIG_HPP_
#define HOPS_CMD_HNOTIFY_CONFIG_HPP_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cmd/hnotify/channels/channel.hpp"
#include "common/calendar_load.hpp"
#include "common/event.hpp"
#include "common/yaml_doc.hpp"

namespace hops::inv {
class Inventory;
}  // namespace hops::inv

namespace hops::notify {

/// Keys of the top level, of `defaults:`, of a route and of a route's `match:`.
extern const std::vector<std::string> kFileKeys;
extern const std::vector<std::string> kDefaultsKeys;
extern const std::vector<std::string> kRouteKeys;
extern const std::vector<std::string> kMatchKeys;
/// Keys of a `retry:` mapping.
extern const std::vector<std::string> kRetryKeys;
/// Keys of a `group:` mapping, of an `inhibit:` entry and of a route's `else:`.
extern const std::vector<std::string> kGroupKeys;
extern const std::vector<std::string> kInhibitKeys;
extern const std::vector<std::string> kElseKeys;
/// The event fields `group: {by}` and `inhibit: {equal}` may name.
extern const std::vector<std::string> kEventFields;

/// The value of event field @p field (one of kEventFields) of @p e; "" when the event has none.
std::string EventField(const Event& e, const std::string& field);

/// The conditions of a route: every condition written must hold; a list holds when any of its
/// values does. An empty Match matches every event.
struct Match {
  std::vector<std::string> kind;      ///< globs ("monitor.*")
  std::vector<std::string> status;    ///< exact words
  std::vector<std::string> severity;  ///< info, ok, warning, critical, unknown
  std::vector<std::string> key;       ///< globs over the event key
  std::vector<std::string> monitor;   ///< globs; an event without the field does not match
  std::vector<std::string> job;       ///< globs; likewise
  std::vector<std::string> node;      ///< globs; likewise
  /// Scope paths or globs: "tokyo" matches scope tokyo and everything below it (tokyo/web).
  std::vector<std::string> scope;
  /// Inventory tag selectors among the scopes of a route ("tag:role=web"), where each is written;
  /// an event matches when its node is one the selector chooses (ResolveTags fills tag_nodes).
  std::vector<std::pair<std::string, SourceLoc>> scope_tags;
  std::set<std::string> tag_nodes;
  std::vector<std::string> tool;      ///< exact producer names
  std::optional<bool> changed;        ///< the event's `changed` (absent counts as false)

  /// True when @p e satisfies every condition.
  bool Matches(const Event& e) const;
};

/// Burst suppression of a route (`group:`): per group (the values of the `by` fields), the first
/// `limit` notifications within `window` go out as usual; the rest are held and, when the
/// window ends, sent as one summary ("37 more alerts for scope tokyo/web").
struct GroupPolicy {
  std::vector<std::string> by;                  ///< event fields (kEventFields); none: one group
  int limit = 5;                                ///< notifications sent one by one per window
  std::chrono::milliseconds window{std::chrono::minutes(5)};  ///< from the group's first notification
};

/// One entry of `inhibit:`: while a problem matching `source` is open, events matching `target`
/// whose `equal` fields have the same values are held back.
struct InhibitRule {
  SourceLoc loc;
  Match source;
  Match target;
  std::vector<std::string> equal;  ///< event fields (kEventFields)
};

/// One entry of `routes:`.
struct Route {
  std::string name;                      ///< `name:`, else "#N" (N: position, from 1)
  SourceLoc loc;                         ///< where the entry starts
  Match match;
  std::vector<std::string> channels;     ///< names of channels, in order
  bool cont = false;                     ///< `continue:` look at the next routes too
  bool send_recovery = true;             ///< send recovery (ok) notices
  std::chrono::milliseconds dedupe{};    ///< the same status again within this is not sent
  /// A problem still open is sent again after this; nullopt: never.
  std::optional<std::chrono::milliseconds> repeat;
  std::optional<GroupPolicy> group;      ///< burst suppression; nullopt: none
  /// Channels that take a notification this route's channel gave up on (retry limit, age or a
  /// permanent failure); empty: none.
  std::vector<std::string> fallback;
  std::string calendar;                  ///< `calendar:` the route applies while it is open
  SourceLoc calendar_loc;                ///< where `calendar:` is written
  const cal::Calendar* cal = nullptr;    ///< the calendar, once resolved (ResolveCalendars)
  /// `else:`: the route taking this one's place while the calendar is closed (named
  /// "NAME/else"); nullptr: the route does not apply then.
  std::shared_ptr<const Route> otherwise;
};

/// The values of `defaults:` that routes and channels start from.
struct Defaults {
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  std::string language = "en";
  std::chrono::milliseconds dedupe{std::chrono::minutes(5)};
  std::optional<std::chrono::milliseconds> repeat;
  bool send_recovery = true;
  RetryPolicy retry;
  std::optional<GroupPolicy> group;
};

/// A loaded definition file.
struct NotifyFile {
  std::string path;  ///< as given
  /// What the spool and the dedupe records are kept under: the absolute path of the file, so two
  /// files sharing a state directory never mix.
  std::string id;
  Defaults defaults;
  std::vector<std::unique_ptr<Channel>> channels;  ///< in file order
  std::vector<Route> routes;                       ///< in file order
  std::vector<InhibitRule> inhibit;                ///< in file order
  std::shared_ptr<const cal::Registry> calendars;  ///< what routes' calendars live in

  /// The channel named @p name, or nullptr.
  const Channel* FindChannel(const std::string& name) const;
  /// The route named @p name (also "NAME/else"), or nullptr.
  const Route* FindRoute(const std::string& name) const;
  /// Every channel name, in file order.
  std::vector<std::string> ChannelNames() const;
};

/// Loads @p doc; every error found (file:line:column, with "did you mean") is appended to
/// @p errors and the rest is read on, so that `validate` can list them all. @p zone is the time
/// zone of {{time_local}}.
NotifyFile LoadNotifyFile(const YamlDoc& doc, std::vector<DefinitionError>* errors,
                          const TimeZone* zone = nullptr);

/// True when some route names a `calendar:`.
bool NeedsCalendars(const NotifyFile& file);

/// Finds the calendar of each route in @p registry (kept in file.calendars); an unknown name is
/// appended to @p errors at the route's `calendar:`, with "did you mean" (and the line of @p doc
/// under it when given).
void ResolveCalendars(NotifyFile* file, std::shared_ptr<const cal::Registry> registry,
                      std::vector<DefinitionError>* errors, const YamlDoc* doc = nullptr);

/// True when some route selects nodes by inventory tag (`scope: tag:KEY=VALUE`).
bool NeedsInventory(const NotifyFile& file);

/// Finds the nodes of each route's tag selectors in @p inventory; a selector that selects
/// nothing known (an unknown tag) is appended to @p errors at the selector, with the inventory's
/// suggestion.
void ResolveTags(NotifyFile* file, const inv::Inventory& inventory, std::vector<DefinitionError>* errors,
                 const YamlDoc* doc = nullptr);

/// The default definition file: $XDG_CONFIG_HOME/hops/notify.yaml (else
/// ~/.config/hops/notify.yaml) if present, else /etc/hops/notify.yaml.
std::string DefaultNotifyPath();

/// The JSON Schema (draft 2020-12) of the definition file, pretty-printed.
std::string NotifySchema();

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_CONFIG_HPP_
