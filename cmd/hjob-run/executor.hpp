// Where a job's command runs. The runner only ever talks to an Executor: LocalExecutor runs
// commands on this host through common/process; a remote executor (one SSH connection per node,
// parameters delivered by a quoted export preamble) implements the same interface.
#ifndef HOPS_CMD_HJOB_RUN_EXECUTOR_HPP_
#define HOPS_CMD_HJOB_RUN_EXECUTOR_HPP_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cmd/hjob-run/flow.hpp"
#include "common/process.hpp"

namespace hops::job {

/// One command to run, with everything the executor needs and nothing it must interpret.
struct JobCommand {
  Command command;  ///< argv (no shell) or a string for `sh -c`; with script: the script's arguments
  /// A local script file to run (copied to the target first when it is remote); "" = none.
  std::string script;
  /// Variables added to the target's environment, in order (later ones win): the flow's and the
  /// job's env, then parameters, outputs and HOPS_*. Values are data: an executor must deliver
  /// them byte for byte and never splice them into a command string.
  std::vector<std::pair<std::string, std::string>> env;
  std::string cwd;                     ///< working directory on the target; "" = the default
  std::chrono::milliseconds timeout{std::chrono::hours(1)};  ///< the command's whole group is stopped then
  size_t max_stdout = 1 << 20;         ///< bytes of stdout kept
  size_t max_stderr = 256 << 10;       ///< bytes of stderr kept
  /// Called once a local command runs, with the process group that runs it, so that a run that
  /// dies can tell its next resume what it left running.
  std::function<void(int pgid)> on_start;
  /// The same for a command on a node: its process group there and the node's boot id ("" when
  /// unknown).
  std::function<void(long pgid, const std::string& boot_id)> on_remote_start;
};

/// How a command ended.
struct CommandResult {
  enum class End {
    kExited,      ///< it exited by itself: exit_code
    kSignaled,    ///< a signal ended it: status is 128+N
    kTimedOut,    ///< the timeout stopped it
    kStopped,     ///< the run was interrupted (SIGINT/SIGTERM to hjob-run) and stopped it
    kNotStarted,  ///< it could not be started: error
    kLost,        ///< its end could not be learned (or the connection was lost): error
  };
  End end = End::kNotStarted;
  int exit_code = -1;     ///< kExited: the code; kSignaled: 128+N; else -1
  std::string out, err;   ///< captured stdout and stderr (each capped)
  bool out_truncated = false, err_truncated = false;
  std::string error;      ///< kNotStarted, kLost: why (never the arguments or environment)
};

/// How @p p (of RunProcess or an SSH command) reads as a CommandResult: a timeout while *@p stop
/// is set is kStopped.
CommandResult FromProcessResult(ProcessResult p, const std::atomic<bool>* stop);

/// Runs commands somewhere. Run may be called from several threads at once.
class Executor {
 public:
  virtual ~Executor() = default;
  /// Runs @p cmd to its end. When *@p stop becomes true, the command is stopped as at its
  /// timeout and the result says kStopped.
  virtual CommandResult Run(const JobCommand& cmd, const std::atomic<bool>* stop) = 0;
  /// Where commands run, for plans and messages: "local", "ssh:web01", ...
  virtual std::string Where() const = 0;
};

/// Runs commands on this host: argv directly, strings with /bin/sh -c, each in its own process
/// group (killed as a whole at the timeout), with this process's environment plus cmd.env.
class LocalExecutor : public Executor {
 public:
  CommandResult Run(const JobCommand& cmd, const std::atomic<bool>* stop) override;
  std::string Where() const override { return "local"; }
};

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_EXECUTOR_HPP_
