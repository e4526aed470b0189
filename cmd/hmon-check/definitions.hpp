// Monitor definitions (YAML) for hmon-check: monitors, their targets, thresholds and state rules.
#ifndef HOPS_COMMON_MONITOR_DEF_HPP_
#define HOPS_COMMON_MONITOR_DEF_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
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
  std::string runbook;                 ///< the response procedure: text or a URL, may hold {{node.*}}
  /// `report:` the perfdata labels the monthly report graphs: empty = the type's defaults,
  /// {"*"} = every label (`report: true`), else the labels listed.
  std::vector<std::string> report;
  bool report_off = false;             ///< `report: false`: no graph in the monthly report
  std::string target;                  ///< may hold {{node.*}} placeholders
  std::vector<std::string> scopes;     ///< inventory selection
  std::vector<SourceLoc> scope_locs;   ///< where each of scopes is written
  std::vector<std::string> nodes;      ///< node ids
  std::vector<SourceLoc> node_locs;    ///< where each of nodes is written
  std::chrono::milliseconds timeout{10000};
  std::string calendar;                ///< hcal calendar that must be open for the check to run
  SourceLoc calendar_loc;              ///< where 'calendar' is given (the monitor's or the defaults')
  std::string depends_on;              ///< parent monitor id (same node)
  SourceLoc depends_loc;               ///< where 'depends_on' is given
  StateRules rules;
  bool enabled = true;
  CheckSpec base;                      ///< params, conditions and thresholds (unexpanded)
  SourceLoc loc;
};

/// A loaded definition file. Monitors are kept packed (a few hundred bytes each) and unpacked
/// when asked, so that a file of 100,000 monitors costs tens of megabytes, not hundreds.
class MonitorFile {
 public:
  std::string path;

  /// The number of monitors.
  size_t size() const { return entries_.size(); }
  /// Monitor @p i, unpacked.
  MonitorDef at(size_t i) const;
  /// The id of monitor @p i.
  const std::string& id(size_t i) const { return entries_[i].id; }
  /// The type of monitor @p i.
  const std::string& type(size_t i) const;
  /// True when monitor @p i is enabled, names a calendar, depends on another, selects nodes.
  bool enabled(size_t i) const { return entries_[i].flags & kEnabled; }
  bool has_calendar(size_t i) const { return entries_[i].flags & kCalendar; }
  bool has_parent(size_t i) const { return entries_[i].flags & kParent; }
  bool per_node(size_t i) const { return entries_[i].flags & kPerNode; }
  /// True when monitor @p i holds a value that may be a credential (HoldsInlineSecrets).
  bool inline_secret(size_t i) const { return entries_[i].flags & kSecret; }
  /// Every monitor id, in file order.
  std::vector<std::string> Ids() const;
  /// The index of the monitor @p id. Not safe to call from several threads before the first call
  /// after the last Add has returned.
  std::optional<size_t> IndexOf(const std::string& id) const;
  /// Appends @p def.
  void Add(const MonitorDef& def);
  /// The monitors as one string, for the definition cache.
  std::string Serialize() const;
  /// Replaces the monitors with those of @p data (as Serialize wrote it); false, leaving the file
  /// empty, when it does not read back (a truncated value, an unknown type).
  bool Deserialize(const std::string& data);

 private:
  enum Flags : uint8_t { kEnabled = 1, kCalendar = 2, kParent = 4, kPerNode = 8, kSecret = 16 };
  struct Entry {
    std::string id;
    uint32_t offset = 0;  ///< of its bytes in packed_
    uint32_t size = 0;
    uint8_t type = 0;     ///< index in types_
    uint8_t flags = 0;
  };
  void Index(const MonitorDef& def, uint32_t offset, uint32_t size);

  std::string packed_;
  std::vector<Entry> entries_;
  std::vector<std::string> types_;
  mutable std::vector<uint32_t> by_id_;  ///< entry indexes sorted by id; built on demand
};

/// Loads a definition file; every error is collected in @p errors (file:line:column each).
MonitorFile LoadMonitorFile(const YamlDoc& doc, std::vector<DefinitionError>* errors);
/// Loads a definition file from its text, one monitor at a time where the file's layout allows
/// (YamlDoc::FromStringSplit), else whole. Throws DefinitionError on a YAML syntax error.
MonitorFile LoadMonitorText(const std::string& text, const std::string& path,
                            std::vector<DefinitionError>* errors);

/// Checks every 'scope' and 'nodes' selector of @p file against @p inventory: one error per
/// unknown or malformed selector, at the selector, with the inventory's suggestion. @p text is the
/// file's content for the caret line ("" for none).
std::vector<DefinitionError> CheckSelectors(const MonitorFile& file, const inv::Inventory& inventory,
                                            const std::string& text);

/// One check to run: a monitor for one node (or for no node).
struct Instance {
  std::shared_ptr<const MonitorDef> def;
  const inv::Node* node = nullptr;  ///< null when the monitor has no node targets
  std::string scope;                ///< the node's first scope ("" without a node)
  CheckSpec spec;                   ///< expanded for the node
  std::string key;                  ///< state key: "<monitor>/<node>" or "<monitor>"
  std::string runbook;              ///< the monitor's runbook, expanded for the node
};

/// A check to run before it is made: which monitor, for which node. Eight bytes and a pointer, so
/// a run holds a list of them and makes each Instance only while its check is in flight.
struct Target {
  uint32_t monitor = 0;             ///< index in the MonitorFile
  const inv::Node* node = nullptr;  ///< null when the monitor has no node targets
};

/// The state key of @p target: "<monitor>/<node>" or "<monitor>".
std::string TargetKey(const MonitorFile& file, const Target& target);

/// Expands monitors × nodes. @p inventory may be null when no monitor needs nodes.
/// @p only restricts monitor ids; @p scopes / @p nodes further restrict nodes. Every instance is
/// made once here, so MakeInstance does not fail later. Throws DefinitionError (template or
/// parameter errors, pointing at the monitor) or UsageError.
std::vector<Target> ExpandTargets(const MonitorFile& file, const inv::Inventory* inventory,
                                  const std::vector<std::string>& only,
                                  const std::vector<std::string>& scopes,
                                  const std::vector<std::string>& nodes);

/// The instance of @p target, with @p def when the caller has unpacked the monitor already.
/// Throws DefinitionError when a node placeholder or a parameter is bad for the node.
Instance MakeInstance(const MonitorFile& file, const Target& target,
                      std::shared_ptr<const MonitorDef> def = nullptr);

/// ExpandTargets, each made into its Instance (for listing and small runs).
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

/// A loaded file as stored in the definition cache, so a run can reuse it while the file is
/// unchanged (parsing YAML is the largest fixed cost of a run). Tagged with this build, so another
/// build never reads it.
std::string MonitorFileToCache(const MonitorFile& file, const std::string& content_hash);
/// The file stored by MonitorFileToCache, or nullopt when the cache is from another build or
/// another content hash, or unreadable.
std::optional<MonitorFile> MonitorFileFromCache(const std::string& cached, const std::string& content_hash);
/// A short hash of a file's bytes (FNV-1a 64, hex), for cache keys.
std::string ContentHash(const std::string& bytes);

}  // namespace hops::mon

#endif  // HOPS_COMMON_MONITOR_DEF_HPP_
