// Runs of job flows as the state store keeps them (see FILES and STATE in hjob-run(1)): the run
// row and job states of the core schema, hjob-run's key/value namespaces for what those do not
// hold (run ids, captured outputs, attempts, operator requests), the flow lock and the log files.
#ifndef HOPS_CMD_HJOB_RUN_RUNS_HPP_
#define HOPS_CMD_HJOB_RUN_RUNS_HPP_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/state.hpp"

namespace hops::job {

/// Key/value namespaces of hjob-run in the state store.
constexpr const char* kNsRunId = "hjob-run.run";      ///< run id → run row id
constexpr const char* kNsJob = "hjob-run.job";        ///< "ROW/JOB" → JSON: attempts, output, reason, ...
constexpr const char* kNsControl = "hjob-run.control";  ///< "ROW/JOB/hold|skip|approval" → request

/// One run of a flow.
struct RunInfo {
  int64_t row = 0;      ///< the state store's run id
  std::string id;       ///< the run id users see: "20261121-235901-3f2a"
  std::string flow;     ///< flow name
  std::string file;     ///< the flow file, absolute
  std::map<std::string, std::string> params;  ///< parameter values of the run
  std::string event;    ///< the event that started it (JSON line), "" = none
  std::string status;   ///< running, success, warning, failed, held, incomplete, skipped
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
};

/// What is known of one job of a run (sub-flow jobs are named "CALLER/JOB").
struct JobRecord {
  std::string job;
  /// pending, running, waiting (for an approval), held, success, warning, failed, skipped.
  std::string state = "pending";
  std::optional<int> exit_code;
  int64_t started_ms = 0;
  int64_t ended_ms = 0;
  std::string tail;          ///< the end of its output (stdout, then stderr)
  int attempts = 0;          ///< commands started (retries included)
  std::string output_name;   ///< its named output, "" = none
  std::string output_value;  ///< the captured value
  std::string reason;        ///< why it ended so ("exit 3", "timed out after 5s", "approved by ops")
  std::string skip_as;       ///< skipped by an operator: the status it counts as
  int pgid = 0;              ///< while running: the process group of its command
  std::string boot_id;       ///< the boot the process group belongs to
  std::string pgid_node;     ///< the node the process group runs on; "" = this host
};

/// An operator's answer to an approval.
struct ApprovalDecision {
  bool approve = false;
  std::string by;       ///< who (user name)
  int64_t at_ms = 0;
  std::string comment;
};

/// The runs in one state store.
class Runs {
 public:
  /// Runs in @p store; logs go under @p state_dir/hjob-run/.
  Runs(StateStore* store, std::string state_dir);

  /// A fresh run id for a run starting at @p now_ms, reserved so that no other run takes it.
  std::string ReserveId(int64_t now_ms);
  /// Gives back an id ReserveId returned that no run was recorded under.
  void ReleaseId(const std::string& id);
  /// Records the run @p id (from ReserveId) of @p flow (file @p file).
  RunInfo Create(const std::string& id, const std::string& flow, const std::string& file,
                 const std::map<std::string, std::string>& params, const std::string& event);
  /// The run with id @p id; throws UsageError naming the latest runs when there is none.
  RunInfo Get(const std::string& id);
  /// The latest run (of @p flow when not ""), or nullopt.
  std::optional<RunInfo> Latest(const std::string& flow);
  /// Runs, newest first (of @p flow when not ""), at most @p limit.
  std::vector<RunInfo> List(const std::string& flow, int limit);
  /// Sets the final status of @p run.
  void Finish(const RunInfo& run, const std::string& status);
  /// The finished runs (not running, held or incomplete: those may still be resumed) that ended
  /// before @p older_than_ms, oldest first. Unless @p dry_run, each is deleted with everything
  /// kept of it: its state rows, outputs, operator requests and log files.
  std::vector<RunInfo> Prune(int64_t older_than_ms, bool dry_run);
  /// Marks a finished run as running again (resume).
  void Reopen(const RunInfo& run);

  /// Stores @p job of @p run (its state row and what the row does not hold).
  void SetJob(const RunInfo& run, const JobRecord& job);
  /// Every recorded job of @p run, in the order they were first recorded, except that the JOB@NODE
  /// rows of a job follow its own row.
  std::vector<JobRecord> Jobs(const RunInfo& run);

  /// Operator requests, read by the process that runs @p run.
  void SetHold(const RunInfo& run, const std::string& job, bool hold);
  bool Held(const RunInfo& run, const std::string& job);
  void SetSkip(const RunInfo& run, const std::string& job, const std::string& as);
  std::optional<std::string> SkipRequested(const RunInfo& run, const std::string& job);
  void ClearSkip(const RunInfo& run, const std::string& job);
  void SetApproval(const RunInfo& run, const std::string& job, const ApprovalDecision& d);
  std::optional<ApprovalDecision> Approval(const RunInfo& run, const std::string& job);
  void ClearApproval(const RunInfo& run, const std::string& job);

  /// The lock that lets one run of flow @p flow go at a time on this host.
  static std::string LockName(const std::string& flow);
  /// The owner text a running process writes into the lock for @p run.
  static std::string LockOwner(const RunInfo& run);
  /// True while a live process runs @p run (it holds the flow's lock as its owner).
  bool Live(const RunInfo& run);

  /// The log file of @p job in @p run (its directory is created 0700 when @p create).
  std::string LogPath(const RunInfo& run, const std::string& job, bool create);
  /// The log directory of @p run.
  std::string LogDir(const RunInfo& run) const;

  StateStore* store() { return store_; }

 private:
  RunInfo FromRow(const Run& r);
  std::string JobKey(const RunInfo& run, const std::string& job) const;
  StateStore* store_;
  std::string state_dir_;
};

/// The boot id of this host (/proc/sys/kernel/random/boot_id), "" when unknown.
std::string BootId();

/// Appends @p data to @p path, creating it 0600; throws RuntimeError.
void AppendFile(const std::string& path, const std::string& data);

/// Creates @p dir and its missing parents with mode 0700; throws RuntimeError.
void MakeDirs(const std::string& dir);

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_RUNS_HPP_
