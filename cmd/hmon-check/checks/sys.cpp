// The local system checks: process, disk, load, cpu, memory and swap. They read /proc and statvfs
// directly and never run external commands. Failing to read a figure is UNKNOWN with the reason.
#include "cmd/hmon-check/checks/sys.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>

#include "cmd/hmon-check/regex.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;

constexpr const char* kStateLetters = "RSDZTtXxKWPI";
constexpr size_t kMaxListedProcesses = 20;

/// Reads the whole of @p path (proc files report size 0, so read to EOF); false with *@p err set.
bool ReadWholeFile(const std::string& path, std::string* text, std::string* err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *err = "cannot open " + Quote(path) + ": " + std::strerror(errno);
    return false;
  }
  text->clear();
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *err = "cannot read " + Quote(path) + ": " + std::strerror(errno);
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    text->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

double Round2(double v) { return std::round(v * 100) / 100; }

/// A percentage with one decimal: "42.1%".
std::string Pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", v);
  return buf;
}

/// A byte count in binary units with one decimal: "512 B", "12.3 GiB".
std::string FormatBytes(uint64_t bytes) {
  static const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes) / 1024;
  int i = 0;
  while (v >= 1024 && i < 5) {
    v /= 1024;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[i]);
  return buf;
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  s = Trim(s);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

/// Calls @p fn(line) for each line of @p text.
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    fn(text.substr(start, nl - start));
    start = nl + 1;
  }
}

/// Splits on blanks.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

Perfdata Perf(const std::string& label, double value, const std::string& uom,
              std::optional<double> min = std::nullopt, std::optional<double> max = std::nullopt) {
  Perfdata p;
  p.label = label;
  p.value = value;
  p.uom = uom;
  p.min = min;
  p.max = max;
  return p;
}

/// Common shape of the system checks: a proc root and a timed Run.
class SysCheck : public CheckType {
 public:
  explicit SysCheck(std::string proc_root) : proc_root_(std::move(proc_root)) {}
  CheckResult Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const final {
    const auto start = Clock::now();
    CheckResult r = Measure(spec);
    if (r.state == State::kOk) ApplyThresholds(spec.thresholds, &r);
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return r;
  }

 protected:
  /// Takes the measurements: OK with perfdata, summary and details, or UNKNOWN with the reason.
  virtual CheckResult Measure(const CheckSpec& spec) const = 0;
  std::string ProcPath(const std::string& name) const { return proc_root_ + "/" + name; }
  std::string proc_root_;
};

// --- process ---

/// The process filters of one check, compiled.
struct ProcessFilter {
  std::optional<std::string> name;
  std::optional<Regex> name_regex;
  std::optional<Regex> args_regex;
  std::optional<uint32_t> uid;
  std::string states;

  bool Matches(const ProcessInfo& p) const {
    if (name) {
      // comm holds at most 15 bytes: a longer name matches its truncation.
      const bool eq = p.name == *name || (name->size() > 15 && p.name == name->substr(0, 15));
      if (!eq) return false;
    }
    if (name_regex && !name_regex->Search(p.name)) return false;
    if (args_regex && !args_regex->Search(p.args)) return false;
    if (uid && p.uid != *uid) return false;
    if (!states.empty() && states.find(p.state) == std::string::npos) return false;
    return true;
  }
};

/// The uid of a user name or number; nullopt when no such user exists.
std::optional<uint32_t> ResolveUser(const std::string& user) {
  uint32_t uid = 0;
  if (ParseNumber(user, &uid)) return uid;
  struct passwd pw;
  struct passwd* result = nullptr;
  std::vector<char> buf(16384);
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &result) != 0 || !result) return std::nullopt;
  return result->pw_uid;
}

class ProcessCheck : public SysCheck {
 public:
  using SysCheck::SysCheck;
  std::string Name() const override { return "process"; }
  std::vector<std::string> ParamKeys() const override {
    return {"name", "name_regex", "args_regex", "user", "state"};
  }
  std::vector<std::string> PatternKeys() const override { return {"name_regex", "args_regex"}; }
  std::vector<std::string> Measures() const override { return {"count", "rss"}; }
  std::string Validate(const CheckSpec& spec) const override {
    const Params& p = spec.params;
    if (p.Has("name") && p.Has("name_regex")) return "'name' and 'name_regex' cannot be used together";
    if (auto n = p.Get("name"); n && n->empty()) return "'name' is empty";
    for (const char* key : {"name_regex", "args_regex"}) {
      if (auto v = p.Get(key)) {
        std::string err;
        if (!Regex::Compile(*v, &err)) return "'" + std::string(key) + "': " + err;
      }
    }
    if (auto u = p.Get("user"); u && u->empty()) return "'user' is empty";
    if (auto s = p.Get("state")) {
      if (s->empty()) return "'state' is empty";
      for (char c : *s) {
        if (c == '\0' || std::strchr(kStateLetters, c) == nullptr)
          return "'state' " + Quote(*s) + " has " + Quote(std::string(1, c)) +
                 ", which is not a process state letter (R, S, D, Z, T, t, X, I, ...)";
      }
    }
    return "";
  }

 protected:
  CheckResult Measure(const CheckSpec& spec) const override {
    const Params& p = spec.params;
    ProcessFilter filter;
    std::string desc;
    auto add_desc = [&desc](const std::string& k, const std::string& v) {
      desc += (desc.empty() ? "" : " ") + k + "=" + v;
    };
    std::string err;
    if (auto v = p.Get("name")) {
      filter.name = *v;
      add_desc("name", *v);
    }
    if (auto v = p.Get("name_regex")) {
      filter.name_regex = Regex::Compile(*v, &err);
      if (!filter.name_regex) return Unknown("'name_regex': " + err);
      add_desc("name_regex", *v);
    }
    if (auto v = p.Get("args_regex")) {
      filter.args_regex = Regex::Compile(*v, &err);
      if (!filter.args_regex) return Unknown("'args_regex': " + err);
      add_desc("args_regex", *v);
    }
    if (auto v = p.Get("user")) {
      filter.uid = ResolveUser(*v);
      if (!filter.uid) return Unknown("unknown user " + Quote(*v));
      add_desc("user", *v);
    }
    if (auto v = p.Get("state")) {
      filter.states = *v;
      add_desc("state", *v);
    }
    std::vector<ProcessInfo> all = ReadProcesses(proc_root_, &err);
    if (all.empty() && !err.empty()) return Unknown(err);
    const bool real_proc = proc_root_ == "/proc";
    const int self = static_cast<int>(::getpid());
    uint64_t rss = 0;
    std::vector<const ProcessInfo*> matched;
    for (const ProcessInfo& pi : all) {
      if (real_proc && pi.pid == self) continue;  // like check_procs, never count ourselves
      if (!filter.Matches(pi)) continue;
      matched.push_back(&pi);
      rss += pi.rss;
    }
    CheckResult r;
    r.state = State::kOk;
    const size_t n = matched.size();
    r.summary = std::to_string(n) + (n == 1 ? " process" : " processes");
    if (!desc.empty()) r.summary += " matching " + desc;
    r.perfdata.push_back(Perf("count", static_cast<double>(n), "", 0.0));
    r.perfdata.push_back(Perf("rss", static_cast<double>(rss), "B", 0.0));
    nlohmann::ordered_json pids = nlohmann::ordered_json::array();
    for (size_t i = 0; i < matched.size(); ++i) {
      const ProcessInfo& pi = *matched[i];
      if (i < kMaxListedProcesses) {
        pids.push_back(pi.pid);
        std::string args = pi.args.empty() ? "[" + pi.name + "]" : pi.args;
        if (args.size() > 200) args = args.substr(0, 200) + "...";
        if (!r.long_output.empty()) r.long_output += '\n';
        r.long_output += std::to_string(pi.pid) + " " + std::string(1, pi.state) + " uid=" +
                         std::to_string(pi.uid) + " rss=" + FormatBytes(pi.rss) + " " + args;
      } else if (i == kMaxListedProcesses) {
        r.long_output += "\n... and " + std::to_string(n - kMaxListedProcesses) + " more";
      }
    }
    r.details["count"] = n;
    r.details["rss"] = rss;
    r.details["pids"] = pids;
    return r;
  }
};

// --- disk ---

/// The outcome of a statvfs call run on a helper thread.
struct StatvfsJob {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  int rc = 0;
  int error = 0;
  struct statvfs st {};
};

class DiskCheck : public SysCheck {
 public:
  using SysCheck::SysCheck;
  std::string Name() const override { return "disk"; }
  std::vector<std::string> ParamKeys() const override { return {"inodes"}; }
  std::vector<std::string> Measures() const override {
    return {"used_pct", "free", "used", "inodes_used_pct"};
  }
  std::string Validate(const CheckSpec& spec) const override {
    if (spec.target.empty()) return "'target' is missing: give a mount point or a path";
    return spec.params.CheckBool("inodes");
  }

 protected:
  CheckResult Measure(const CheckSpec& spec) const override {
    const std::string& path = spec.target;
    // statvfs blocks on a dead NFS server, so it runs on its own thread; on a timeout that thread
    // is left behind (detached) and the check returns UNKNOWN.
    auto job = std::make_shared<StatvfsJob>();
    std::thread([job, path] {
      struct statvfs st {};
      int rc = ::statvfs(path.c_str(), &st);
      int error = errno;
      std::lock_guard<std::mutex> lock(job->mu);
      job->rc = rc;
      job->error = error;
      job->st = st;
      job->done = true;
      job->cv.notify_all();
    }).detach();
    std::unique_lock<std::mutex> lock(job->mu);
    if (!job->cv.wait_for(lock, spec.timeout, [&job] { return job->done; }))
      return Unknown("timed out after " + FormatDuration(spec.timeout) + " reading " + Quote(path));
    if (job->rc != 0) return Unknown("cannot stat " + Quote(path) + ": " + std::strerror(job->error));
    const struct statvfs& st = job->st;
    const uint64_t frsize = st.f_frsize ? st.f_frsize : st.f_bsize;
    const uint64_t total = static_cast<uint64_t>(st.f_blocks) * frsize;
    const uint64_t used = static_cast<uint64_t>(st.f_blocks - st.f_bfree) * frsize;
    const uint64_t avail = static_cast<uint64_t>(st.f_bavail) * frsize;
    // As df: the share of the space non-root users can have (reserved blocks excluded).
    const double used_pct = used + avail == 0 ? 0.0 : 100.0 * static_cast<double>(used) /
                                                          static_cast<double>(used + avail);
    CheckResult r;
    r.state = State::kOk;
    r.summary = path + " " + Pct(used_pct) + " used (" + FormatBytes(avail) + " free of " +
                FormatBytes(total) + ")";
    r.perfdata.push_back(Perf("used_pct", Round2(used_pct), "%", 0.0, 100.0));
    r.perfdata.push_back(Perf("free", static_cast<double>(avail), "B", 0.0, static_cast<double>(total)));
    r.perfdata.push_back(Perf("used", static_cast<double>(used), "B", 0.0, static_cast<double>(total)));
    r.details["path"] = path;
    r.details["total"] = total;
    r.details["used"] = used;
    r.details["free"] = avail;
    r.details["used_pct"] = Round2(used_pct);
    // Inode figures when asked for, or when a threshold needs them.
    if (spec.params.Bool("inodes") || spec.thresholds.count("inodes_used_pct")) {
      if (st.f_files == 0) {
        r.long_output = "the file system of " + Quote(path) + " has no inode limit";
        r.details["inodes_used_pct"] = nullptr;
      } else {
        const uint64_t iused = static_cast<uint64_t>(st.f_files - st.f_ffree);
        const uint64_t iavail = static_cast<uint64_t>(st.f_favail);
        const double ipct = iused + iavail == 0 ? 0.0 : 100.0 * static_cast<double>(iused) /
                                                           static_cast<double>(iused + iavail);
        r.summary += ", inodes " + Pct(ipct) + " used";
        r.perfdata.push_back(Perf("inodes_used_pct", Round2(ipct), "%", 0.0, 100.0));
        r.details["inodes_used_pct"] = Round2(ipct);
      }
    }
    return r;
  }
};

// --- load ---

class LoadCheck : public SysCheck {
 public:
  using SysCheck::SysCheck;
  std::string Name() const override { return "load"; }
  std::vector<std::string> ParamKeys() const override { return {"per_cpu"}; }
  std::vector<std::string> Measures() const override { return {"load1", "load5", "load15"}; }
  std::string Validate(const CheckSpec& spec) const override {
    return spec.params.CheckBool("per_cpu");
  }

 protected:
  CheckResult Measure(const CheckSpec& spec) const override {
    std::string text, err;
    if (!ReadWholeFile(ProcPath("loadavg"), &text, &err)) return Unknown(err);
    auto load = ParseLoadavg(text, &err);
    if (!load) return Unknown(err);
    const bool per_cpu = spec.params.Bool("per_cpu");
    int cpus = 1;
    if (per_cpu) {
      std::string stat_text;
      if (!ReadWholeFile(ProcPath("stat"), &stat_text, &err)) return Unknown(err);
      auto times = ParseStat(stat_text, &err);
      if (!times) return Unknown(err);
      cpus = times->cpus > 0 ? times->cpus : 1;
    }
    const double l1 = Round2(load->load1 / cpus), l5 = Round2(load->load5 / cpus),
                 l15 = Round2(load->load15 / cpus);
    CheckResult r;
    r.state = State::kOk;
    char buf[128];
    std::snprintf(buf, sizeof buf, "%.2f, %.2f, %.2f", l1, l5, l15);
    r.summary = std::string(per_cpu ? "load average per CPU " : "load average ") + buf;
    if (per_cpu) r.summary += " (" + std::to_string(cpus) + (cpus == 1 ? " CPU)" : " CPUs)");
    r.perfdata.push_back(Perf("load1", l1, "", 0.0));
    r.perfdata.push_back(Perf("load5", l5, "", 0.0));
    r.perfdata.push_back(Perf("load15", l15, "", 0.0));
    r.details["load1"] = l1;
    r.details["load5"] = l5;
    r.details["load15"] = l15;
    r.details["per_cpu"] = per_cpu;
    if (per_cpu) r.details["cpus"] = cpus;
    return r;
  }
};

// --- cpu ---

constexpr std::chrono::milliseconds kDefaultCpuSample{500};

class CpuCheck : public SysCheck {
 public:
  using SysCheck::SysCheck;
  std::string Name() const override { return "cpu"; }
  std::vector<std::string> ParamKeys() const override { return {"sample"}; }
  std::vector<std::string> Measures() const override { return {"busy_pct", "iowait_pct", "steal_pct"}; }
  std::string Validate(const CheckSpec& spec) const override {
    std::chrono::milliseconds sample = kDefaultCpuSample;
    if (auto v = spec.params.Get("sample")) {
      auto d = ParseDuration(*v);
      if (!d || d->count() <= 0) return "'sample' must be a positive duration such as 500ms, not " + Quote(*v);
      sample = *d;
    }
    if (sample >= spec.timeout)
      return "'sample' (" + FormatDuration(sample) + ") must be shorter than the timeout (" +
             FormatDuration(spec.timeout) + ")";
    return "";
  }

 protected:
  CheckResult Measure(const CheckSpec& spec) const override {
    std::chrono::milliseconds sample = kDefaultCpuSample;
    if (auto v = spec.params.Get("sample")) {
      if (auto d = ParseDuration(*v)) sample = *d;
    }
    if (sample >= spec.timeout) sample = spec.timeout / 2;
    std::string text, err;
    if (!ReadWholeFile(ProcPath("stat"), &text, &err)) return Unknown(err);
    auto before = ParseStat(text, &err);
    if (!before) return Unknown(err);
    std::this_thread::sleep_for(sample);
    if (!ReadWholeFile(ProcPath("stat"), &text, &err)) return Unknown(err);
    auto after = ParseStat(text, &err);
    if (!after) return Unknown(err);
    auto use = CpuUsageBetween(*before, *after);
    if (!use) return Unknown("no CPU time passed in " + FormatDuration(sample) + " of /proc/stat samples");
    CheckResult r;
    r.state = State::kOk;
    r.summary = "CPU " + Pct(use->busy_pct) + " busy (iowait " + Pct(use->iowait_pct) + ", steal " +
                Pct(use->steal_pct) + ") over " + FormatDuration(sample);
    r.perfdata.push_back(Perf("busy_pct", Round2(use->busy_pct), "%", 0.0, 100.0));
    r.perfdata.push_back(Perf("iowait_pct", Round2(use->iowait_pct), "%", 0.0, 100.0));
    r.perfdata.push_back(Perf("steal_pct", Round2(use->steal_pct), "%", 0.0, 100.0));
    r.details["busy_pct"] = Round2(use->busy_pct);
    r.details["iowait_pct"] = Round2(use->iowait_pct);
    r.details["steal_pct"] = Round2(use->steal_pct);
    r.details["sample_ms"] = sample.count();
    r.details["cpus"] = after->cpus;
    return r;
  }
};

// --- memory and swap ---

class MemoryCheck : public SysCheck {
 public:
  MemoryCheck(std::string proc_root, bool swap) : SysCheck(std::move(proc_root)), swap_(swap) {}
  std::string Name() const override { return swap_ ? "swap" : "memory"; }
  std::vector<std::string> ParamKeys() const override { return {}; }
  std::vector<std::string> Measures() const override {
    if (swap_) return {"used_pct", "free"};
    return {"used_pct", "available"};
  }
  std::string Validate(const CheckSpec&) const override { return ""; }

 protected:
  CheckResult Measure(const CheckSpec&) const override {
    std::string text, err;
    if (!ReadWholeFile(ProcPath("meminfo"), &text, &err)) return Unknown(err);
    auto mi = ParseMeminfo(text, &err);
    if (!mi) return Unknown(err);
    CheckResult r;
    r.state = State::kOk;
    if (swap_) {
      if (mi->swap_total == 0) {
        r.summary = "no swap";
        r.perfdata.push_back(Perf("used_pct", 0, "%", 0.0, 100.0));
        r.perfdata.push_back(Perf("free", 0, "B", 0.0, 0.0));
        r.details["total"] = 0;
        r.details["free"] = 0;
        r.details["used_pct"] = 0;
        return r;
      }
      const uint64_t free = std::min(mi->swap_free, mi->swap_total);
      const double pct = 100.0 * static_cast<double>(mi->swap_total - free) /
                         static_cast<double>(mi->swap_total);
      r.summary = "swap " + Pct(pct) + " used (" + FormatBytes(free) + " free of " +
                  FormatBytes(mi->swap_total) + ")";
      r.perfdata.push_back(Perf("used_pct", Round2(pct), "%", 0.0, 100.0));
      r.perfdata.push_back(Perf("free", static_cast<double>(free), "B", 0.0,
                                static_cast<double>(mi->swap_total)));
      r.details["total"] = mi->swap_total;
      r.details["free"] = free;
      r.details["used_pct"] = Round2(pct);
      return r;
    }
    if (mi->mem_total == 0) return Unknown("MemTotal is 0 in " + Quote(ProcPath("meminfo")));
    const uint64_t avail = std::min(mi->mem_available, mi->mem_total);
    const double pct = 100.0 * static_cast<double>(mi->mem_total - avail) /
                       static_cast<double>(mi->mem_total);
    r.summary = "memory " + Pct(pct) + " used (" + FormatBytes(avail) + " available of " +
                FormatBytes(mi->mem_total) + ")";
    r.perfdata.push_back(Perf("used_pct", Round2(pct), "%", 0.0, 100.0));
    r.perfdata.push_back(Perf("available", static_cast<double>(avail), "B", 0.0,
                              static_cast<double>(mi->mem_total)));
    r.details["total"] = mi->mem_total;
    r.details["available"] = avail;
    r.details["used_pct"] = Round2(pct);
    return r;
  }

 private:
  bool swap_;
};

}  // namespace

// --- parsers ---

std::optional<MemInfo> ParseMeminfo(std::string_view text, std::string* err) {
  std::optional<uint64_t> total, available, free, buffers, cached, swap_total, swap_free;
  std::string bad;
  ForEachLine(text, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = line.substr(0, colon);
    std::optional<uint64_t>* slot = key == "MemTotal"       ? &total
                                    : key == "MemAvailable" ? &available
                                    : key == "MemFree"      ? &free
                                    : key == "Buffers"      ? &buffers
                                    : key == "Cached"       ? &cached
                                    : key == "SwapTotal"    ? &swap_total
                                    : key == "SwapFree"     ? &swap_free
                                                            : nullptr;
    if (!slot) return;
    std::string_view value = Trim(line.substr(colon + 1));
    uint64_t mult = 1;
    if (value.size() > 3 && value.substr(value.size() - 3) == " kB") {
      mult = 1024;
      value.remove_suffix(3);
    }
    uint64_t n = 0;
    if (!ParseNumber(value, &n)) {
      if (bad.empty()) bad = std::string(key);
      return;
    }
    *slot = n * mult;
  });
  if (!bad.empty()) {
    if (err) *err = "malformed " + bad + " line in meminfo";
    return std::nullopt;
  }
  if (!total) {
    if (err) *err = "no MemTotal line in meminfo";
    return std::nullopt;
  }
  MemInfo mi;
  mi.mem_total = *total;
  mi.mem_available = available ? *available
                                : free.value_or(0) + buffers.value_or(0) + cached.value_or(0);
  mi.swap_total = swap_total.value_or(0);
  mi.swap_free = swap_free.value_or(0);
  return mi;
}

std::optional<LoadAvg> ParseLoadavg(std::string_view text, std::string* err) {
  auto f = Fields(Trim(text));
  LoadAvg l;
  if (f.size() < 3 || !ParseNumber(f[0], &l.load1) || !ParseNumber(f[1], &l.load5) ||
      !ParseNumber(f[2], &l.load15)) {
    if (err) *err = "malformed loadavg " + Quote(std::string(Trim(text).substr(0, 80)));
    return std::nullopt;
  }
  return l;
}

std::optional<CpuTimes> ParseStat(std::string_view text, std::string* err) {
  std::optional<CpuTimes> out;
  int cpus = 0;
  bool bad = false;
  ForEachLine(text, [&](std::string_view line) {
    if (line.substr(0, 3) != "cpu") return;
    auto f = Fields(line);
    if (f.empty()) return;
    if (f[0] != "cpu") {
      ++cpus;
      return;
    }
    // user nice system idle [iowait irq softirq steal guest guest_nice]; older kernels have fewer.
    uint64_t v[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    if (f.size() < 5) {
      bad = true;
      return;
    }
    for (size_t i = 1; i < f.size() && i <= 8; ++i) {
      if (!ParseNumber(f[i], &v[i - 1])) bad = true;
    }
    CpuTimes t;
    t.user = v[0];
    t.nice = v[1];
    t.system = v[2];
    t.idle = v[3];
    t.iowait = v[4];
    t.irq = v[5];
    t.softirq = v[6];
    t.steal = v[7];
    out = t;
  });
  if (bad || !out) {
    if (err) *err = bad ? "malformed cpu line in /proc/stat" : "no cpu line in /proc/stat";
    return std::nullopt;
  }
  out->cpus = cpus;
  return out;
}

std::optional<CpuUsage> CpuUsageBetween(const CpuTimes& before, const CpuTimes& after) {
  auto delta = [](uint64_t a, uint64_t b) { return b > a ? static_cast<double>(b - a) : 0.0; };
  const double total = delta(before.Total(), after.Total());
  if (total <= 0) return std::nullopt;
  const double idle = delta(before.idle, after.idle);
  const double iowait = delta(before.iowait, after.iowait);
  const double steal = delta(before.steal, after.steal);
  CpuUsage u;
  u.busy_pct = std::max(0.0, std::min(100.0, 100.0 * (total - idle - iowait) / total));
  u.iowait_pct = std::min(100.0, 100.0 * iowait / total);
  u.steal_pct = std::min(100.0, 100.0 * steal / total);
  return u;
}

std::optional<ProcessInfo> ParseProcStatus(std::string_view text, std::string* err) {
  ProcessInfo p;
  bool has_name = false, has_state = false, has_uid = false;
  ForEachLine(text, [&](std::string_view line) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    const std::string_view key = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1);
    if (key == "Name") {
      // The kernel writes the name after one tab, escaping '\n' as "\n" and '\' as "\\".
      if (!value.empty() && value.front() == '\t') value.remove_prefix(1);
      p.name.clear();
      for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) {
          p.name += value[i + 1] == 'n' ? '\n' : value[i + 1];
          ++i;
        } else {
          p.name += value[i];
        }
      }
      has_name = true;
    } else if (key == "State") {
      value = Trim(value);
      if (!value.empty()) {
        p.state = value.front();
        has_state = true;
      }
    } else if (key == "Uid") {
      auto f = Fields(value);
      if (f.size() >= 2 && ParseNumber(f[1], &p.uid)) has_uid = true;
    } else if (key == "VmRSS") {
      auto f = Fields(value);
      uint64_t kb = 0;
      if (!f.empty() && ParseNumber(f[0], &kb)) p.rss = kb * 1024;
    }
  });
  if (!has_name || !has_state || !has_uid) {
    if (err) *err = std::string("no ") + (!has_name ? "Name" : !has_state ? "State" : "Uid") +
                    " line in process status";
    return std::nullopt;
  }
  return p;
}

std::string CmdlineToArgs(std::string_view cmdline) {
  while (!cmdline.empty() && cmdline.back() == '\0') cmdline.remove_suffix(1);
  std::string out(cmdline);
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
  return out;
}

std::vector<ProcessInfo> ReadProcesses(const std::string& proc_root, std::string* err) {
  std::vector<ProcessInfo> out;
  DIR* dir = ::opendir(proc_root.c_str());
  if (!dir) {
    if (err) *err = "cannot read " + Quote(proc_root) + ": " + std::strerror(errno);
    return out;
  }
  while (struct dirent* e = ::readdir(dir)) {
    int pid = 0;
    if (!ParseNumber(std::string_view(e->d_name), &pid) || pid <= 0) continue;
    const std::string base = proc_root + "/" + e->d_name;
    std::string status, cmdline, ignored;
    if (!ReadWholeFile(base + "/status", &status, &ignored)) continue;  // exited meanwhile
    auto info = ParseProcStatus(status, nullptr);
    if (!info) continue;
    info->pid = pid;
    if (ReadWholeFile(base + "/cmdline", &cmdline, &ignored)) info->args = CmdlineToArgs(cmdline);
    out.push_back(std::move(*info));
  }
  ::closedir(dir);
  return out;
}

std::unique_ptr<CheckType> MakeSysCheck(const std::string& name, const std::string& proc_root) {
  if (name == "process") return std::make_unique<ProcessCheck>(proc_root);
  if (name == "disk") return std::make_unique<DiskCheck>(proc_root);
  if (name == "load") return std::make_unique<LoadCheck>(proc_root);
  if (name == "cpu") return std::make_unique<CpuCheck>(proc_root);
  if (name == "memory") return std::make_unique<MemoryCheck>(proc_root, false);
  if (name == "swap") return std::make_unique<MemoryCheck>(proc_root, true);
  return nullptr;
}

std::unique_ptr<CheckType> MakeProcessCheck() { return MakeSysCheck("process", "/proc"); }
std::unique_ptr<CheckType> MakeDiskCheck() { return MakeSysCheck("disk", "/proc"); }
std::unique_ptr<CheckType> MakeLoadCheck() { return MakeSysCheck("load", "/proc"); }
std::unique_ptr<CheckType> MakeCpuCheck() { return MakeSysCheck("cpu", "/proc"); }
std::unique_ptr<CheckType> MakeMemoryCheck() { return MakeSysCheck("memory", "/proc"); }
std::unique_ptr<CheckType> MakeSwapCheck() { return MakeSysCheck("swap", "/proc"); }

}  // namespace hops::mon
