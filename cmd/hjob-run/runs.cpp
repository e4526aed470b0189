#include "cmd/hjob-run/runs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"

namespace hops::job {

namespace {

/// "20261121-235901-3f2a": the UTC time of @p ms and four random hex digits.
std::string NewRunId(int64_t ms) {
  const time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  static thread_local std::mt19937 rng{std::random_device{}()};
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "-%04x", static_cast<unsigned>(rng() & 0xffff));
  return std::string(buf) + suffix;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string BootId() {
  static const std::string id = std::string(Trim(ReadText("/proc/sys/kernel/random/boot_id")));
  return id;
}

void MakeDirs(const std::string& dir) {
  if (dir.empty()) return;
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) throw RuntimeError("cannot create directory '" + dir + "': not a directory");
    return;
  }
  const size_t slash = dir.rfind('/');
  if (slash != std::string::npos && slash > 0) MakeDirs(dir.substr(0, slash));
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw RuntimeError("cannot create directory '" + dir + "': " + std::strerror(errno));
}

void AppendFile(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) throw RuntimeError("cannot write log '" + path + "': " + std::strerror(errno));
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      throw RuntimeError("cannot write log '" + path + "': " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
}

Runs::Runs(StateStore* store, std::string state_dir) : store_(store), state_dir_(std::move(state_dir)) {}

std::string Runs::ReserveId(int64_t now_ms) {
  // Two runs in one second differ in the random part.
  for (int i = 0; i < 1000; ++i) {
    const std::string id = NewRunId(now_ms);
    if (store_->PutValueIfAbsent(kNsRunId, id, "")) return id;
  }
  throw RuntimeError("cannot find a free run id");
}

void Runs::ReleaseId(const std::string& id) { store_->DeleteValue(kNsRunId, id); }

RunInfo Runs::Create(const std::string& id, const std::string& flow, const std::string& file,
                     const std::map<std::string, std::string>& params, const std::string& event) {
  RunInfo run;
  run.id = id;
  run.flow = flow;
  run.file = file;
  run.params = params;
  run.event = event;
  nlohmann::json j;
  j["id"] = run.id;
  j["file"] = file;
  j["params"] = params;
  if (!event.empty()) j["event"] = event;
  run.row = store_->StartRun(flow, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  store_->PutValue(kNsRunId, run.id, std::to_string(run.row));
  auto stored = store_->GetRun(run.row);
  run.status = stored->status;
  run.started_ms = stored->started_ms;
  return run;
}

RunInfo Runs::FromRow(const Run& r) {
  RunInfo run;
  run.row = r.id;
  run.flow = r.flow;
  run.status = r.status;
  run.started_ms = r.started_ms;
  run.ended_ms = r.ended_ms;
  const nlohmann::json j = nlohmann::json::parse(r.params, nullptr, false);
  if (j.is_object()) {
    run.id = j.value("id", "");
    run.file = j.value("file", "");
    run.event = j.value("event", "");
    if (j.contains("params") && j["params"].is_object())
      for (const auto& [k, v] : j["params"].items())
        if (v.is_string()) run.params[k] = v.get<std::string>();
  }
  if (run.id.empty()) run.id = std::to_string(r.id);
  return run;
}

RunInfo Runs::Get(const std::string& id) {
  if (auto row = store_->GetValue(kNsRunId, id); row && !row->empty()) {
    if (auto n = ParseLong(*row, 1)) {
      if (auto r = store_->GetRun(*n)) return FromRow(*r);
    }
  }
  std::vector<std::string> ids;
  for (const auto& r : List("", 50)) ids.push_back(r.id);
  throw UsageError("no run '" + Printable(id, 60) + "' in " + store_->path() + DidYouMean(id, ids));
}

std::optional<RunInfo> Runs::Latest(const std::string& flow) {
  auto runs = List(flow, 1);
  if (runs.empty()) return std::nullopt;
  return runs.front();
}

std::vector<RunInfo> Runs::List(const std::string& flow, int limit) {
  std::vector<RunInfo> out;
  for (const auto& r : store_->ListRuns(flow, limit)) out.push_back(FromRow(r));
  return out;
}

void Runs::Finish(const RunInfo& run, const std::string& status) { store_->FinishRun(run.row, status); }

std::vector<RunInfo> Runs::Prune(int64_t older_than_ms, bool dry_run) {
  std::vector<RunInfo> out;
  // Only the expired rows are read: every run calls this.
  for (const auto& r : store_->ListRunsEndedBefore(older_than_ms))
    if (r.status != "held" && r.status != "incomplete") out.push_back(FromRow(r));
  if (dry_run) return out;
  for (const RunInfo& run : out) {
    // Logs first: a run whose rows are gone can no longer be found to remove them.
    std::error_code ec;
    std::filesystem::remove_all(LogDir(run), ec);
    if (ec) throw RuntimeError("cannot remove '" + LogDir(run) + "': " + ec.message());
    const std::string prefix = std::to_string(run.row) + "/";
    for (const char* ns : {kNsJob, kNsControl})
      for (const auto& [key, value] : store_->ListValues(ns, prefix)) store_->DeleteValue(ns, key);
    store_->DeleteRun(run.row);
    store_->DeleteValue(kNsRunId, run.id);
  }
  return out;
}

void Runs::Reopen(const RunInfo& run) { store_->FinishRun(run.row, "running"); }

std::string Runs::JobKey(const RunInfo& run, const std::string& job) const {
  return std::to_string(run.row) + "/" + job;
}

void Runs::SetJob(const RunInfo& run, const JobRecord& job) {
  nlohmann::json j;
  j["attempts"] = job.attempts;
  if (!job.output_name.empty()) {
    j["output_name"] = job.output_name;
    j["output"] = job.output_value;
  }
  if (!job.reason.empty()) j["reason"] = job.reason;
  if (!job.skip_as.empty()) j["skip_as"] = job.skip_as;
  if (job.pgid > 0) {
    j["pgid"] = job.pgid;
    j["boot_id"] = job.boot_id;
    if (!job.pgid_node.empty()) j["pgid_node"] = job.pgid_node;
  }
  store_->PutValue(kNsJob, JobKey(run, job.job), j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  store_->SetJobState(run.row, job.job, job.state, job.exit_code, job.started_ms, job.ended_ms, job.tail);
}

std::vector<JobRecord> Runs::Jobs(const RunInfo& run) {
  std::vector<JobRecord> out;
  for (const auto& s : store_->GetJobStates(run.row)) {
    JobRecord r;
    r.job = s.job;
    r.state = s.state;
    r.exit_code = s.exit_code;
    r.started_ms = s.started_ms;
    r.ended_ms = s.ended_ms;
    r.tail = s.output_tail;
    if (auto v = store_->GetValue(kNsJob, JobKey(run, s.job))) {
      const nlohmann::json j = nlohmann::json::parse(*v, nullptr, false);
      if (j.is_object()) {
        r.attempts = j.value("attempts", 0);
        r.output_name = j.value("output_name", "");
        r.output_value = j.value("output", "");
        r.reason = j.value("reason", "");
        r.skip_as = j.value("skip_as", "");
        r.pgid = j.value("pgid", 0);
        r.boot_id = j.value("boot_id", "");
        r.pgid_node = j.value("pgid_node", "");
      }
    }
    out.push_back(std::move(r));
  }
  // A job's JOB@NODE rows follow its own row, in the order they were recorded (the job's node
  // order), whatever jobs were recorded in between.
  std::set<std::string> plain;
  for (const auto& r : out)
    if (r.job.find('@') == std::string::npos) plain.insert(r.job);
  std::map<std::string, std::vector<size_t>> nodes;  // job -> indexes of its node rows
  std::vector<bool> follows(out.size(), false);
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t at = out[i].job.find('@');
    if (at != std::string::npos && plain.count(out[i].job.substr(0, at))) {
      nodes[out[i].job.substr(0, at)].push_back(i);
      follows[i] = true;
    }
  }
  std::vector<JobRecord> grouped;
  grouped.reserve(out.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (follows[i]) continue;
    auto it = nodes.find(out[i].job);
    grouped.push_back(std::move(out[i]));
    if (it != nodes.end())
      for (size_t k : it->second) grouped.push_back(std::move(out[k]));
  }
  return grouped;
}

void Runs::SetHold(const RunInfo& run, const std::string& job, bool hold) {
  if (hold) store_->PutValue(kNsControl, JobKey(run, job) + "/hold", "1");
  else store_->DeleteValue(kNsControl, JobKey(run, job) + "/hold");
}

bool Runs::Held(const RunInfo& run, const std::string& job) {
  return store_->GetValue(kNsControl, JobKey(run, job) + "/hold").has_value();
}

void Runs::SetSkip(const RunInfo& run, const std::string& job, const std::string& as) {
  store_->PutValue(kNsControl, JobKey(run, job) + "/skip", as);
}

std::optional<std::string> Runs::SkipRequested(const RunInfo& run, const std::string& job) {
  return store_->GetValue(kNsControl, JobKey(run, job) + "/skip");
}

void Runs::ClearSkip(const RunInfo& run, const std::string& job) {
  store_->DeleteValue(kNsControl, JobKey(run, job) + "/skip");
}

void Runs::SetApproval(const RunInfo& run, const std::string& job, const ApprovalDecision& d) {
  nlohmann::json j{{"approve", d.approve}, {"by", d.by}, {"at_ms", d.at_ms}, {"comment", d.comment}};
  store_->PutValue(kNsControl, JobKey(run, job) + "/approval",
                   j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::optional<ApprovalDecision> Runs::Approval(const RunInfo& run, const std::string& job) {
  auto v = store_->GetValue(kNsControl, JobKey(run, job) + "/approval");
  if (!v) return std::nullopt;
  const nlohmann::json j = nlohmann::json::parse(*v, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  ApprovalDecision d;
  d.approve = j.value("approve", false);
  d.by = j.value("by", "");
  d.at_ms = j.value("at_ms", int64_t{0});
  d.comment = j.value("comment", "");
  return d;
}

void Runs::ClearApproval(const RunInfo& run, const std::string& job) {
  store_->DeleteValue(kNsControl, JobKey(run, job) + "/approval");
}

std::string Runs::LockName(const std::string& flow) { return "hjob-run.flow." + flow; }

std::string Runs::LockOwner(const RunInfo& run) { return "hjob-run run " + run.id + " of '" + run.file + "'"; }

bool Runs::Live(const RunInfo& run) {
  auto holder = store_->GetLockHolder(LockName(run.flow));
  return holder && holder->owner == LockOwner(run);
}

std::string Runs::LogDir(const RunInfo& run) const { return state_dir_ + "/hjob-run/" + run.id; }

std::string Runs::LogPath(const RunInfo& run, const std::string& job, bool create) {
  const std::string path = LogDir(run) + "/" + job + ".log";
  if (create) MakeDirs(path.substr(0, path.rfind('/')));
  return path;
}

}  // namespace hops::job
