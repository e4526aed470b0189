#include "cmd/hjob-run/report.hpp"

#include <cstdio>

#include "common/output.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::job {

std::string SeverityOf(const std::string& status) {
  if (status == "success") return "ok";
  if (status == "warning" || status == "held" || status == "waiting" || status == "incomplete") return "warning";
  if (status == "failed") return "critical";
  return "info";  // running, pending, skipped
}

Event JobEvent(const RunInfo& run, const JobRecord* job, const std::string& status, const std::string& summary) {
  Event e;
  e.tool = "hjob-run";
  e.kind = job ? "job.step" : "job.run";
  e.key = "hjob-run/" + run.flow + (job ? "/" + job->job : "");
  // Waiting for a person is "held" in the event vocabulary; "pending" (a sub-flow that stopped
  // early) too.
  e.status = status == "waiting" || status == "pending" ? "held" : status == "incomplete" ? "failed" : status;
  e.severity = SeverityOf(status);
  e.summary = summary;
  nlohmann::ordered_json data;
  data["run_id"] = run.id;
  data["flow"] = run.flow;
  if (job) {
    e.job = job->job;
    if (job->ended_ms > 0 && job->started_ms > 0) e.duration_ms = static_cast<double>(job->ended_ms - job->started_ms);
    if (job->exit_code) data["exit_code"] = *job->exit_code;
    if (job->attempts > 0) data["attempts"] = job->attempts;
    if (!job->reason.empty()) data["reason"] = job->reason;
    if (!job->output_name.empty() && (status == "success" || status == "warning")) data["output"] = job->output_name;
  } else {
    data["file"] = run.file;
    if (run.ended_ms > 0 && run.started_ms > 0) e.duration_ms = static_cast<double>(run.ended_ms - run.started_ms);
  }
  e.data = std::move(data);
  return e;
}

void ConsoleReporter::Progress(const std::string& line) {
  if (!progress_) return;
  const double secs = static_cast<double>(clock_->NowMs() - start_ms_) / 1000.0;
  std::fprintf(stderr, "%7.1fs  %s\n", secs, line.c_str());
}

void ConsoleReporter::RunStarted(const RunInfo& run, bool resumed) {
  start_ms_ = clock_->NowMs();
  if (json_) WriteEvent(JobEvent(run, nullptr, "running", std::string(resumed ? "resumed" : "started") + " run " + run.id + " of flow '" + run.flow + "'"));
  Progress(std::string(resumed ? "resume" : "start") + " run " + run.id + " of flow '" + run.flow + "'");
}

void ConsoleReporter::JobStarted(const RunInfo& run, const JobRecord& job) {
  if (json_) WriteEvent(JobEvent(run, &job, "running", "job '" + job.job + "' started"));
  Progress("start    " + job.job);
}

void ConsoleReporter::JobWaiting(const RunInfo& run, const JobRecord& job, const std::string& what) {
  const std::string line = "job '" + job.job + "' of run " + run.id + " " + Printable(what, 400);
  if (json_) WriteEvent(JobEvent(run, &job, "held", line));
  // Always said on stderr: a person has to act.
  Warn(line);
}

void ConsoleReporter::JobEnded(const RunInfo& run, const JobRecord& job) {
  const std::string reason = Printable(job.reason, 300);
  if (json_) {
    WriteEvent(JobEvent(run, &job, job.state, "job '" + job.job + "' " + job.state + (reason.empty() ? "" : ": " + reason)));
  } else if (text_) {
    std::printf("%s\t%s\t%s\n", job.job.c_str(), job.state.c_str(), reason.c_str());
    std::fflush(stdout);
  }
  Progress(job.state + std::string(job.state.size() < 8 ? 8 - job.state.size() : 0, ' ') + " " + job.job +
           (reason.empty() ? "" : "  " + reason));
}

void ConsoleReporter::JobDispatched(const RunInfo& /*run*/, const JobRecord& job, size_t nodes, size_t width) {
  Progress("         " + job.job + " on " + std::to_string(nodes) + " node" + (nodes == 1 ? "" : "s") +
           (width < nodes ? ", " + std::to_string(width) + " at a time" : ""));
}

void ConsoleReporter::NodeEnded(const RunInfo& run, const JobRecord& job, const std::string& node,
                                const JobRecord& result) {
  const std::string reason = Printable(result.reason, 300);
  if (json_) {
    Event e = JobEvent(run, &result, result.state,
                       "job '" + job.job + "' on node '" + node + "' " + result.state + (reason.empty() ? "" : ": " + reason));
    e.job = job.job;
    e.node = node;
    WriteEvent(e);
  }
  Progress(result.state + std::string(result.state.size() < 8 ? 8 - result.state.size() : 0, ' ') + " " + result.job +
           (reason.empty() ? "" : "  " + reason));
}

Event RunEndedEvent(const RunInfo& run, const std::string& status, const std::string& summary,
                    const std::vector<JobRecord>& failed) {
  std::string at;
  auto names = nlohmann::ordered_json::array();
  for (const auto& j : failed) {
    at += (at.empty() ? " at " : ", ") + j.job + (j.reason.empty() ? "" : " (" + Printable(j.reason, 200) + ")");
    names.push_back(j.job);
  }
  Event e = JobEvent(run, nullptr, status, "run " + run.id + " of flow '" + run.flow + "' " + status + at + ": " + summary);
  if (!failed.empty()) e.data["failed_jobs"] = std::move(names);
  return e;
}

void ConsoleReporter::RunEnded(const RunInfo& run, const std::string& status, const std::string& summary,
                               const std::vector<JobRecord>& failed) {
  RunInfo ended = run;
  ended.ended_ms = clock_->NowMs();
  if (ended.started_ms == 0) ended.started_ms = start_ms_;
  if (json_) WriteEvent(RunEndedEvent(ended, status, summary, failed));
  else if (text_) std::printf("run %s\t%s\t%s\n", run.id.c_str(), status.c_str(), summary.c_str());
  Progress("run " + run.id + " " + status + ": " + summary);
}

}  // namespace hops::job
