// The event record every hops tool emits with --format json: schema v1, one JSON object per line
// (see hops-event(5)).
#ifndef HOPS_COMMON_EVENT_HPP_
#define HOPS_COMMON_EVENT_HPP_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hops {

/// The event schema version this code writes and the only one it reads.
constexpr int kEventSchemaVersion = 1;

/// Routing level of an event, independent of its kind-specific status word.
enum class Severity { kInfo, kOk, kWarning, kCritical, kUnknown };

/// The schema word for @p s: "info", "ok", "warning", "critical" or "unknown".
const char* SeverityName(Severity s);

/// Parses a schema severity word (exact, lower case); nullopt for anything else.
std::optional<Severity> ParseSeverity(std::string_view s);

/// One performance-data sample, as in Nagios plugin output.
struct Perfdata {
  std::string label;  ///< what was measured ("load1", "/var used")
  double value = 0;   ///< the measurement; NaN means unknown (Nagios "U") and is written as null
  std::string uom;    ///< unit of measure ("s", "ms", "%", "B", "KB", "c", or "")
  std::string warn;   ///< warning threshold as a Nagios range string, "" for none
  std::string crit;   ///< critical threshold as a Nagios range string, "" for none
  std::optional<double> min;  ///< smallest possible value, if known
  std::optional<double> max;  ///< largest possible value, if known
};

/// This host's name (gethostname), or "localhost" when it cannot be determined; computed once.
const std::string& LocalHostName();

/// One event; unset optional fields (and empty perfdata, null data) are omitted from the JSON.
struct Event {
  std::string tool;      ///< producer: "hcal", "hmon-check", ...
  std::string kind;      ///< dotted "<domain>.<what>": "calendar.day", "monitor.result", ...
  std::string key;       ///< stable identity of the subject, e.g. "hcal/biz/2026-05-06"
  std::string status;    ///< kind-specific word: "open", "closed", "ok", "critical", "success", ...
  std::string severity;  ///< routing level, one of the SeverityName() words
  std::string summary;   ///< one human-readable line
  std::optional<std::string> previous_status;  ///< status the subject had before, when known
  std::optional<bool> changed;                 ///< whether status differs from previous_status
  std::optional<std::string> calendar;         ///< calendar name the event concerns
  std::optional<std::string> monitor;          ///< monitor name the event concerns
  std::optional<std::string> job;              ///< job name the event concerns
  std::optional<std::string> node;             ///< job-flow node the event concerns
  std::optional<std::string> scope;            ///< free-form grouping (site, team, environment)
  std::optional<std::string> runbook;          ///< the response procedure: text or a URL
  std::optional<double> duration_ms;           ///< how long the work behind the event took
  std::vector<Perfdata> perfdata;              ///< measurements; omitted when empty
  nlohmann::ordered_json data;                 ///< kind-specific payload object; omitted when null
  std::chrono::system_clock::time_point time = std::chrono::system_clock::now();  ///< when produced
  std::string host = LocalHostName();  ///< producing host
};

/// @p tp in UTC as RFC 3339 with milliseconds (rounded down): "2026-11-22T00:00:00.123Z".
std::string FormatTimestamp(std::chrono::system_clock::time_point tp);

/// Parses an RFC 3339 timestamp with optional fraction (up to 9 digits) and "Z" or
/// "+hh:mm"/"-hh:mm" offset; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> ParseTimestamp(std::string_view s);

/// The schema v1 JSON object for @p e, fields in schema order; integral numbers get no fraction.
nlohmann::ordered_json EventToJson(const Event& e);

/// Reads and validates a schema v1 event, ignoring unknown fields; throws Error(kDefinition) naming
/// the offending field.
Event EventFromJson(const nlohmann::json& j);

/// Writes EventToJson(@p e) to stdout as one JSON line.
void WriteEvent(const Event& e);

}  // namespace hops

#endif  // HOPS_COMMON_EVENT_HPP_
