// Monitor definitions (YAML) for hmon-check: monitors, their targets, thresholds and state rules.
#ifndef HOPS_COMMON_MONITOR_DEF_HPP_
#define HOPS_COMMON_MONITOR_DEF_HPP_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/error.hpp"
#include "common/yaml_doc.hpp"

namespace hops::inv {
class Inventory;
struct Node;
}  // namespace hops::inv

namespace hops::mon {

/// Keys of the file, of `defaults:` and of a monitor (besides its type's own keys).
extern const std::vector<std::string> kMonitorFileKeys;
extern const std::vector<std::string> kMonitorDefaultKeys;
extern const std::vector<std::string> kMonitorCommonKeys;
/// Keys of a condition (http/https).
extern const std::vector<std::string> kConditionKeys;

/// When a monitor's hard state changes (soft states, M of N, flap detection).
struct StateRules {
  int after = 1;          ///< consecutive non-OK results (any mix) before the hard state leaves OK
  int recover_after = 1;  ///< consecutive OK results before the hard state returns to OK
  int window_m = 0;       ///< M of N: non-OK when at least M of the last N results are non-OK (0 = off)
  int window_n = 0;
  bool flapping = false;  ///< flap detection over the recent history
  int flap_window = 21;   ///< results considered
  int flap_low = 25;      ///< % of state changes below which flapping stops
  int flap_high = 50;     ///< % of state changes above which flapping starts
};

/// One monitor as defined in the file, before node expansion.
struct MonitorDef {
  std::string id;
  std::string type;
  std::string description;
  std::string target;                  ///< may hold {{node.*}} placeholders
  std::vector<std::string> scopes;     ///< inventory selection
  std::vector<SourceLoc> scope_locs;   ///< where each of scopes is written
  std::vector<std::string> nodes;      ///< node ids
  std::vector<SourceLoc> node_locs;    ///< where each of nodes is written
  std::chrono::milliseconds timeout{10000};
  std::string calendar;                ///< hcal calendar that must be open for the check to run
  SourceLoc calendar_loc;              ///< where 'calendar' is given (the monitor's or the defaults')
  std::string depends_on;              ///< parent monitor id (same node)
  StateRules rules;
  bool enabled = true;
  CheckSpec base;                      ///< params, conditions and thresholds (unexpanded)
  SourceLoc loc;
};

/// A loaded definition file.
struct MonitorFile {
  std::string path;
  std::vector<MonitorDef> monitors;
  /// The monitor with @p id, or nullptr.
  const MonitorDef* Find(const std::string& id) const;
};

/// Loads a definition file; every error is collected in @p errors (file:line:column each).
MonitorFile LoadMonitorFile(const YamlDoc& doc, std::vector<DefinitionError>* errors);

/// Checks every 'scope' and 'nodes' selector of @p file against @p inventory: one error per
/// unknown or malformed selector, at the selector, with the inventory's suggestion. @p text is the
/// file's content for the caret line ("" for none).
std::vector<DefinitionError> CheckSelectors(const MonitorFile& file, const inv::Inventory& inventory,
                                            const std::string& text);

/// One check to run: a monitor for one node (or for no node).
struct Instance {
  const MonitorDef* def = nullptr;
  const inv::Node* node = nullptr;  ///< null when the monitor has no node targets
  std::string scope;                ///< the node's first scope ("" without a node)
  CheckSpec spec;                   ///< expanded for the node
  std::string key;                  ///< state key: "<monitor>/<node>" or "<monitor>"
};

/// Expands monitors × targets. @p inventory may be null when no monitor needs nodes.
/// @p only restricts monitor ids; @p scopes / @p nodes further restrict nodes. Throws
/// DefinitionError (template or parameter errors, pointing at the monitor) or UsageError.
std::vector<Instance> ExpandInstances(const MonitorFile& file, const inv::Inventory* inventory,
                                      const std::vector<std::string>& only,
                                      const std::vector<std::string>& scopes,
                                      const std::vector<std::string>& nodes);

/// Parses a threshold range for @p measure. The bounds of a time measure may be durations in
/// m, s or ms, converted to the measure's unit: seconds for "time" ("500ms" is 0.5), milliseconds
/// for ping's "rta", "rtmax" and "jitter" ("1s" is 1000); hours, days and weeks are refused.
/// Returns nullopt and fills @p err when malformed.
std::optional<nagios::Range> ParseThresholdRange(const std::string& measure, const std::string& text,
                                                 std::string* err);

/// JSON Schema of the monitor file format.
std::string MonitorSchema();

/// True when a monitor of @p file holds a value that may be a credential written inline: an `env`
/// mapping (command plugins) or a credential header under `headers` (common/http's
/// IsSecretHeader). Such a file is never cached, so that no secret is copied into the state store.
bool HoldsInlineSecrets(const MonitorFile& file);

/// A loaded file as JSON, so a run can reuse it while the file is unchanged (parsing YAML is the
/// largest fixed cost of a run). Tagged with this build, so another build never reads it.
std::string MonitorFileToCache(const MonitorFile& file, const std::string& content_hash);
/// The file stored by MonitorFileToCache, or nullopt when the cache is from another build or
/// another content hash, or unreadable.
std::optional<MonitorFile> MonitorFileFromCache(const std::string& cached, const std::string& content_hash);
/// A short hash of a file's bytes (FNV-1a 64, hex), for cache keys.
std::string ContentHash(const std::string& bytes);

}  // namespace hops::mon

#endif  // HOPS_COMMON_MONITOR_DEF_HPP_
