// Running a flow: the jobs in DAG order with parallelism, retries, timeouts, conditions, named
// outputs, approvals, waits and sub-flows, each job's state written to the state store as it
// changes, and a fail-safe stop on anything unexpected. Commands go through an Executor; time
// through a Clock, so that tests can run retries and waits on a fake one.
#ifndef HOPS_CMD_HJOB_RUN_RUNNER_HPP_
#define HOPS_CMD_HJOB_RUN_RUNNER_HPP_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cmd/hjob-run/executor.hpp"
#include "cmd/hjob-run/flow.hpp"
#include "cmd/hjob-run/prompt.hpp"
#include "cmd/hjob-run/runs.hpp"

namespace hops {
class TimeZone;
}

namespace hops::job {

/// Wall time and sleeping, replaceable in tests.
class Clock {
 public:
  virtual ~Clock() = default;
  /// Milliseconds since the epoch.
  virtual int64_t NowMs() = 0;
  /// Sleeps @p d, or less when *@p stop becomes true; false when stopped.
  virtual bool Sleep(std::chrono::milliseconds d, const std::atomic<bool>* stop) = 0;
};

/// The system clock; Sleep wakes every 50 ms to look at the stop flag.
class SystemClock : public Clock {
 public:
  int64_t NowMs() override;
  bool Sleep(std::chrono::milliseconds d, const std::atomic<bool>* stop) override;
};

/// What the runner tells the user while it works (text, tty progress, JSON events).
class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void RunStarted(const RunInfo& /*run*/, bool /*resumed*/) {}
  virtual void JobStarted(const RunInfo& /*run*/, const JobRecord& /*job*/) {}
  /// A job waits for a person: an approval, or a hold. @p what completes "job 'J' of run R ":
  /// "waits for approval: Switch over? (...)".
  virtual void JobWaiting(const RunInfo& /*run*/, const JobRecord& /*job*/, const std::string& /*what*/) {}
  virtual void JobEnded(const RunInfo& /*run*/, const JobRecord& /*job*/) {}
  /// A job with `on:` goes to @p nodes nodes, @p width at a time (1 for one_of and any).
  virtual void JobDispatched(const RunInfo& /*run*/, const JobRecord& /*job*/, size_t /*nodes*/, size_t /*width*/) {}
  /// Node @p node of job @p job ended: @p result is its JOB@NODE record.
  virtual void NodeEnded(const RunInfo& /*run*/, const JobRecord& /*job*/, const std::string& /*node*/,
                         const JobRecord& /*result*/) {}
  /// The run ended with @p status; @p failed are its jobs that failed (sub-flow jobs as
  /// CALLER/JOB, nodes' rows left out), in the flow's order.
  virtual void RunEnded(const RunInfo& /*run*/, const std::string& /*status*/, const std::string& /*summary*/,
                        const std::vector<JobRecord>& /*failed*/) {}
};

/// Which jobs of an earlier attempt of the run `resume` runs again.
struct ResumePlan {
  enum class Mode {
    kFailed,    ///< (default) every job that did not end with success, warning or skipped
    kNext,      ///< the same, but failed jobs count as skipped: their dependents run
    kFrom,      ///< the targets and everything downstream of them, and what did not end
    kOnly,      ///< only the targets; nothing else runs, whatever its state
    kWarnings,  ///< only the jobs that ended with a warning
  };
  Mode mode = Mode::kFailed;
  std::set<std::string> targets;              ///< full job names (kFrom, kOnly)
  std::map<std::string, JobRecord> previous;  ///< the run's job records, by full name
};

/// The outcome of a run.
struct RunOutcome {
  /// success, warning, failed, held or incomplete (jobs left that did not run).
  std::string status;
  /// Of the jobs this invocation ran (for resume --only and --warnings): success, warning,
  /// failed or held.
  std::string ran_status;
  std::string summary;  ///< "5 jobs: 4 success, 1 warning"
};

/// Everything the runner uses besides the flow.
struct RunnerOptions {
  Executor* local = nullptr;           ///< runs commands on this host (jobs without `on:`)
  /// The executor of inventory node @p node, for jobs with `on:`; may throw UsageError.
  std::function<Executor*(const std::string& node)> executor_for;
  /// The node ids `on:` selects, in order; may throw UsageError. Empty = no inventory: a job
  /// with `on:` fails.
  std::function<std::vector<std::string>(const TargetSpec& on)> select_nodes;
  Clock* clock = nullptr;
  Reporter* reporter = nullptr;        ///< may be null
  const std::atomic<bool>* stop = nullptr;  ///< set on SIGINT/SIGTERM: stop everything, fail the run
  /// Whether the calendar named @p name is closed now: nullopt when open, else why it is closed.
  std::function<std::optional<std::string>(const std::string& name)> calendar_closed;
  const TimeZone* zone = nullptr;      ///< for `wait: until: HH:MM`; null = UTC
  std::chrono::milliseconds poll{250};  ///< how often operator requests are looked at
  std::vector<std::pair<std::string, std::string>> extra_env;  ///< given to every job (HOPS_EVENT)
  /// Asks approvals at the terminal too (see TerminalPrompt); null = only `hjob-run approve`.
  TerminalPrompt* prompt = nullptr;
  /// Who answers at the terminal, as approvals record it.
  std::string prompt_user;
};

/// Runs @p flow as run @p run of @p runs with parameters @p params, resuming per @p plan when
/// given. Writes every job state, the log files and the run's final status; runs the flow's
/// handlers. Never throws for a job's failure; throws only when the state store fails.
RunOutcome ExecuteRun(Runs* runs, const RunInfo& run, const FlowDef& flow,
                      const std::map<std::string, std::string>& params, const RunnerOptions& opts,
                      const ResumePlan* plan);

/// The full names of every job of @p flow and its sub-flows ("CALLER/JOB"), in order.
std::vector<std::string> AllJobNames(const FlowDef& flow);

/// The next instant (ms since the epoch) a `wait: until:` value names after @p now_ms: an RFC
/// 3339 time as it is, "HH:MM" the next time the clock in @p zone (null = UTC) shows it.
int64_t UntilMs(const std::string& until, int64_t now_ms, const TimeZone* zone);

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_RUNNER_HPP_
