// hjob-run's commands: main.cpp parses the command line into Options and calls one of these.
#ifndef HOPS_CMD_HJOB_RUN_COMMANDS_HPP_
#define HOPS_CMD_HJOB_RUN_COMMANDS_HPP_

#include <string>
#include <vector>

namespace hops::job {

/// Exit codes (EXIT STATUS in hjob-run(1)); anything but 0 stops `hjob-run ... && next`.
constexpr int kExitSuccess = 0;  ///< every job succeeded (or was skipped), or the calendar is closed
constexpr int kExitFailed = 1;   ///< a job failed, the run was interrupted, or an operation failed
constexpr int kExitUsage = 2;    ///< usage or definition error
constexpr int kExitWarning = 3;  ///< the run ended, some job with a warning
constexpr int kExitLocked = 4;   ///< the flow (or the run) is already running
constexpr int kExitHeld = 5;     ///< the run stopped at a held job or an approval left on hold

/// The command line, parsed once by main.cpp.
struct Options {
  std::string file;                         ///< FLOW.yaml (run, graph, validate)
  std::string run_id;                       ///< RUN
  std::string job;                          ///< JOB
  std::vector<std::string> params;          ///< --param NAME=VALUE
  bool dry_run = false;                     ///< run --dry-run
  std::string format = "text";              ///< --format
  std::string events;                       ///< run --events FILE ("-" = stdin)
  std::vector<std::string> calendar_files;  ///< --calendars
  std::vector<std::string> from, only;      ///< resume --from / --only
  bool next = false;                        ///< resume --next
  bool warnings = false;                    ///< resume --warnings
  std::string as = "success";               ///< skip --as
  std::string comment;                      ///< approve/deny --comment
  std::string flow;                         ///< list --flow
  int limit = 20;                           ///< list --limit
  std::string older_than;                   ///< prune --older-than
  std::string inventory;                    ///< run/resume --inventory ("" = the default path)
  bool verbose = false;                     ///< run/resume -v: SSH connection lines on stderr
  std::string node;                         ///< logs --node
};

int CmdRun(const Options& o);
int CmdResume(const Options& o);
/// approve (@p approve) or deny.
int CmdDecide(const Options& o, bool approve);
/// hold (@p hold) or release.
int CmdHold(const Options& o, bool hold);
int CmdSkip(const Options& o);
int CmdStatus(const Options& o);
int CmdList(const Options& o);
/// hjob-run prune: deletes finished runs older than --older-than / [job] keep_runs.
int CmdPrune(const Options& o);
int CmdLogs(const Options& o);
int CmdResults(const Options& o);
int CmdGraph(const Options& o);
int CmdValidate(const Options& o);

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_COMMANDS_HPP_
