// What a run prints: a line per ended job and a last line for the run (text), or hops events
// (`--format json`: job.run and job.step, see hops-event(5)); progress on stderr when it is a tty.
#ifndef HOPS_CMD_HJOB_RUN_REPORT_HPP_
#define HOPS_CMD_HJOB_RUN_REPORT_HPP_

#include <cstdint>
#include <string>
#include <vector>

#include "cmd/hjob-run/runner.hpp"
#include "common/event.hpp"

namespace hops::job {

/// The reporter of `run` and `resume`.
class ConsoleReporter : public Reporter {
 public:
  /// @p json: events on stdout instead of text; @p progress: start and end lines with the time
  /// elapsed on stderr (a terminal). When stdout is that terminal too (@p stdout_tty), the text
  /// lines are not printed twice: the progress lines stand for them.
  ConsoleReporter(bool json, bool progress, bool stdout_tty, Clock* clock)
      : json_(json), progress_(progress), text_(!json && !(progress && stdout_tty)), clock_(clock) {}
  void RunStarted(const RunInfo& run, bool resumed) override;
  void JobStarted(const RunInfo& run, const JobRecord& job) override;
  void JobWaiting(const RunInfo& run, const JobRecord& job, const std::string& what) override;
  void JobEnded(const RunInfo& run, const JobRecord& job) override;
  void JobDispatched(const RunInfo& run, const JobRecord& job, size_t nodes, size_t width) override;
  void NodeEnded(const RunInfo& run, const JobRecord& job, const std::string& node, const JobRecord& result) override;
  void RunEnded(const RunInfo& run, const std::string& status, const std::string& summary,
                const std::vector<JobRecord>& failed) override;

 private:
  void Progress(const std::string& line);
  bool json_, progress_, text_;
  Clock* clock_;
  int64_t start_ms_ = 0;
};

/// The event of a job state (kind job.step) or, with an empty @p job, of the run (job.run).
Event JobEvent(const RunInfo& run, const JobRecord* job, const std::string& status, const std::string& summary);

/// The event of the end of a run (job.run): its summary names the jobs that failed and why
/// ("failed at backup (exit 3: disk full): 5 jobs: ..."), and data.failed_jobs lists them, so
/// that a notification of the run says where it stopped.
Event RunEndedEvent(const RunInfo& run, const std::string& status, const std::string& summary,
                    const std::vector<JobRecord>& failed);

/// The event severity of a job or run status.
std::string SeverityOf(const std::string& status);

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_REPORT_HPP_
