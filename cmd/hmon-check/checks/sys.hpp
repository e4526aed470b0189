// Readers behind the local system checks (process, disk, load, cpu, memory, swap): pure parsers of
// /proc files, so tests drive them with fixture text, and the types bound to another /proc root.
#ifndef HOPS_COMMON_CHECK_SYS_HPP_
#define HOPS_COMMON_CHECK_SYS_HPP_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"

namespace hops::mon {

/// The figures of /proc/meminfo the memory and swap checks use, in bytes.
struct MemInfo {
  uint64_t mem_total = 0;      ///< MemTotal
  uint64_t mem_available = 0;  ///< MemAvailable (MemFree + Buffers + Cached on kernels before 3.14)
  uint64_t swap_total = 0;     ///< SwapTotal
  uint64_t swap_free = 0;      ///< SwapFree
};

/// Parses /proc/meminfo text; nullopt with *@p err set when MemTotal is missing or a value is bad.
std::optional<MemInfo> ParseMeminfo(std::string_view text, std::string* err);

/// The three load averages of /proc/loadavg.
struct LoadAvg {
  double load1 = 0;   ///< 1-minute average
  double load5 = 0;   ///< 5-minute average
  double load15 = 0;  ///< 15-minute average
};

/// Parses /proc/loadavg text ("0.52 0.48 0.40 1/123 4567"); nullopt with *@p err set when malformed.
std::optional<LoadAvg> ParseLoadavg(std::string_view text, std::string* err);

/// The aggregate "cpu" line of /proc/stat in clock ticks, and how many CPUs are online.
struct CpuTimes {
  uint64_t user = 0;     ///< user time, guest time included
  uint64_t nice = 0;     ///< niced user time, guest_nice included
  uint64_t system = 0;   ///< kernel time
  uint64_t idle = 0;     ///< idle time
  uint64_t iowait = 0;   ///< idle while waiting for I/O
  uint64_t irq = 0;      ///< hard interrupts
  uint64_t softirq = 0;  ///< soft interrupts
  uint64_t steal = 0;    ///< time taken by the hypervisor for other guests
  int cpus = 0;          ///< number of "cpuN" lines (online CPUs)
  /// The sum of all fields (guest time is already part of user and nice).
  uint64_t Total() const { return user + nice + system + idle + iowait + irq + softirq + steal; }
};

/// Parses /proc/stat text; nullopt with *@p err set when the "cpu" line is missing or malformed.
std::optional<CpuTimes> ParseStat(std::string_view text, std::string* err);

/// CPU use between two /proc/stat samples, in percent of all CPU time.
struct CpuUsage {
  double busy_pct = 0;    ///< neither idle nor iowait
  double iowait_pct = 0;  ///< idle while waiting for I/O
  double steal_pct = 0;   ///< stolen by the hypervisor
};

/// The CPU use from @p before to @p after; nullopt when no CPU time passed between them.
std::optional<CpuUsage> CpuUsageBetween(const CpuTimes& before, const CpuTimes& after);

/// One process as the process check sees it.
struct ProcessInfo {
  int pid = 0;          ///< process id
  std::string name;     ///< command name (comm, at most 15 bytes), unescaped
  char state = '?';     ///< state letter: R, S, D, Z, T, t, X, I, ...
  uint32_t uid = 0;     ///< effective user id
  uint64_t rss = 0;     ///< resident set size in bytes (0 for kernel threads)
  std::string args;     ///< command line with the NUL separators turned into spaces
};

/// Parses /proc/PID/status text into name, state, uid and rss (pid and args are left unset);
/// nullopt with *@p err set when Name, State or Uid is missing.
std::optional<ProcessInfo> ParseProcStatus(std::string_view text, std::string* err);

/// /proc/PID/cmdline text with NUL separators as spaces and the trailing NUL dropped.
std::string CmdlineToArgs(std::string_view cmdline);

/// Every process under @p proc_root (numeric directories with a readable status file); processes
/// that exit while being read are skipped. Empty with *@p err set when @p proc_root cannot be read.
std::vector<ProcessInfo> ReadProcesses(const std::string& proc_root, std::string* err);

/// The system check type @p name ("process", "disk", "load", "cpu", "memory" or "swap") reading
/// @p proc_root instead of /proc (disk ignores it); nullptr for any other name.
std::unique_ptr<CheckType> MakeSysCheck(const std::string& name, const std::string& proc_root);

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_SYS_HPP_
