// Running monitors: concurrency, calendar suppression, dependencies, soft/hard states and output.
#ifndef HOPS_COMMON_MONITOR_RUN_HPP_
#define HOPS_COMMON_MONITOR_RUN_HPP_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/hmon-check/definitions.hpp"
#include "common/state.hpp"

namespace hops::cal {
class Registry;
}  // namespace hops::cal

namespace hops::mon {

/// The result of one instance after state evaluation.
struct Outcome {
  const Instance* instance = nullptr;
  CheckResult result;            ///< what the check returned (empty when not run)
  std::string raw;               ///< this run's status: ok..unknown, suppressed, unreachable
  std::string status;            ///< what is reported: the hard state, or flapping/suppressed/unreachable
  nagios::State hard = nagios::State::kOk;  ///< the confirmed state (the exit code uses it)
  std::string previous;          ///< the reported status before this run ("" when new)
  bool changed = false;          ///< status differs from previous (and there was a previous)
  bool soft = false;             ///< raw differs from hard: not confirmed yet
  /// The status change log's view: the status before this run as the log has it (the reported
  /// status, or suppressed/unreachable when the last run was not judged; "" when new), and whether
  /// this run changes it. Unlike `changed` (which drives events), a check's first result and the
  /// runs into and out of suppressed and unreachable are logged too, so the log is a timeline.
  std::string log_from;
  bool log_change = false;
  MonitorStatus next;            ///< what is stored for the next run
};

/// Decides the reported status from the rules, the previous stored status and this run's raw
/// status ("ok", "warning", "critical", "unknown", "suppressed", "unreachable"). Pure.
Outcome EvaluateState(const StateRules& rules, const std::optional<MonitorStatus>& previous,
                      const std::string& raw, const std::string& summary, int64_t now_ms);

/// Makes check i's instance when the check starts.
using MakeInstanceFn = std::function<std::shared_ptr<const Instance>(size_t i)>;
/// Gets check i's result, with its instance (null when MakeInstanceFn threw: the result says why).
using CheckDoneFn = std::function<void(size_t i, std::shared_ptr<const Instance> instance, CheckResult result)>;

/// Runs @p count checks concurrently: the checks of a type that runs batches in one RunBatch per
/// type, the others in a bounded pool, all groups at once within @p concurrency. @p type_of(i)
/// names check i's type; @p make makes its instance when it starts, and @p done gets its result
/// as soon as it is known, one call at a time, after which nothing of the check is kept.
void RunChecks(size_t count, const std::function<const std::string&(size_t)>& type_of,
               const MakeInstanceFn& make, int concurrency, const CheckContext& ctx, const CheckDoneFn& done);

/// Runs @p instances as RunChecks does; results are in instance order.
std::vector<CheckResult> RunChecks(const std::vector<Instance>& instances, int concurrency,
                                   const CheckContext& ctx);

/// Options of `hmon-check run`.
struct RunOptions {
  int concurrency = 64;
  bool use_state = true;            ///< keep soft/hard state, history and perfdata in the store
  bool changes_only = false;
  std::string format = "text";      ///< text, json or nagios
  std::chrono::milliseconds lock_wait{30000};
  MonitorHistoryPolicy history;     ///< retention of perfdata and status changes ([monitor] settings)
  int per_host = 8;                 ///< HTTP/mail checks in flight to one host[:port] (settings)
  std::string state_key;            ///< when set, the state key of every check (one ad-hoc check)
};

/// Runs the targets of a definition file and prints the results; returns the exit code (worst
/// hard state). Each check is made when it starts and its outcome is judged, stored and (as JSON)
/// printed when it ends, so memory grows with the checks in flight, not with the file. @p
/// calendars may be null when no monitor names a calendar.
int RunMonitors(const MonitorFile& file, const std::vector<Target>& targets, const RunOptions& opts,
                StateStore* store, const cal::Registry* calendars);

/// Prints one ad-hoc check in Nagios plugin form and returns its state as the exit code.
int PrintAdHoc(const Instance& instance, const CheckResult& result);

/// The one-letter history code of a status ("O", "W", "C", "U").
char HistoryLetter(const std::string& status);

}  // namespace hops::mon

#endif  // HOPS_COMMON_MONITOR_RUN_HPP_
