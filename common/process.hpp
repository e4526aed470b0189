// Running another program: RunProcess starts it with posix_spawn (an argv vector, never a shell)
// in its own process group, feeds it /dev/null or the bytes it is given, captures its stdout and stderr through capped
// pipes, and on the timeout stops the whole group (SIGTERM, then SIGKILL after a grace period).
// ExecReplace is the in-place variant for a tool that hands its process over (hcal gate).
//
// Exit statuses follow the shell: the program's exit code, 128+N when signal N ended it, 127 when
// the program was not found and 126 when it was found but could not be run.
#ifndef HOPS_COMMON_PROCESS_HPP_
#define HOPS_COMMON_PROCESS_HPP_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace hops {

/// What RunProcess runs and how.
struct ProcessOptions {
  /// The program, then its arguments, passed as they are. A program without '/' is looked up in
  /// the PATH of the environment it gets (else "/usr/local/bin:/usr/bin:/bin"); a relative path
  /// with '/' is taken relative to cwd.
  std::vector<std::string> argv;
  /// "NAME=value" entries: exactly the program's environment (nothing is added). nullopt: ours.
  std::optional<std::vector<std::string>> env;
  /// The program's working directory; "" keeps ours.
  std::string cwd;
  /// Bytes written to the program's standard input through a pipe, which is closed after them;
  /// nullopt: its input is /dev/null. What the program leaves unread when it exits or closes its
  /// input is dropped (never a SIGPIPE for the caller).
  std::optional<std::string> input;
  /// How long the program may run, counted from the start of RunProcess.
  std::chrono::milliseconds timeout{10000};
  /// At the timeout the group gets SIGTERM; whatever still runs when the program has exited, or
  /// after this grace period, gets SIGKILL.
  std::chrono::milliseconds kill_grace{1000};
  /// Bytes of stdout and stderr kept; the rest is read and dropped, so the program never blocks
  /// on a full pipe.
  size_t max_stdout = 64 * 1024;
  size_t max_stderr = 8 * 1024;
  /// The word that names the program in messages ("plugin 'check_disk' not found in PATH").
  std::string what = "program";
  /// When set and it becomes true, the group is stopped as at the timeout (checked at least every
  /// 50 ms); the result then says kTimedOut, and the caller knows why.
  const std::atomic<bool>* stop = nullptr;
  /// Called with the program's pid (which is also its process group id) right after it started.
  std::function<void(int pid)> on_start;
};

/// How a process ended.
enum class ProcessEnd {
  kExited,      ///< it exited by itself: exit_code
  kSignaled,    ///< a signal it did not get from us ended it: signal
  kTimedOut,    ///< it ran into the timeout and its group was stopped
  kNotStarted,  ///< it could not be started (status 127, 126, or -1 for a local failure): error
  kLost,        ///< it ran, but its end could not be learned: error
};

/// What RunProcess observed.
struct ProcessResult {
  ProcessEnd end = ProcessEnd::kNotStarted;
  /// The shell-style status: the exit code, 128+N for signal N (also after the timeout), 127 when
  /// the program was not found, 126 when it could not be run; -1 when unknown.
  int status = -1;
  int exit_code = -1;  ///< kExited: the exit code, else -1
  int signal = 0;      ///< kSignaled, and kTimedOut when reaped: the signal that ended it, else 0
  std::string out;     ///< the first max_stdout bytes of stdout
  std::string err;     ///< the first max_stderr bytes of stderr
  bool out_truncated = false;  ///< stdout had more than max_stdout bytes
  bool err_truncated = false;  ///< stderr had more than max_stderr bytes
  /// kNotStarted, kLost: why, naming the program by ProcessOptions::what and argv[0] (never the
  /// arguments or the environment, which may hold secrets): "plugin 'x' not found in PATH",
  /// "plugin 'x' is not executable", "cannot run plugin 'x': Exec format error", ...
  std::string error;
};

/// Runs @p o.argv as described by @p o and waits for it (at most timeout + kill_grace + 1 s).
/// Its stdin is /dev/null (or o.input), descriptors other than 0-2 are closed, its signal mask is empty and
/// SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1 and SIGUSR2 have their
/// default action. It leads a new process group, which the timeout stops as a whole. Once the
/// program has exited, output still held in the pipes is taken, but a background child that keeps
/// them open is not waited for (nor killed).
ProcessResult RunProcess(const ProcessOptions& o);

/// The shell-style status of an exec that failed with errno @p err: 127 for ENOENT (not found),
/// 126 for anything else (not executable, bad format, ...).
int ExecFailureStatus(int err);

/// Replaces this process with @p argv (execvp: a program without '/' is looked up in our PATH;
/// the environment, descriptors and signal dispositions are kept). Returns only when that fails:
/// ExecFailureStatus of the error, with *@p reason set to its description. @p argv must not be
/// empty.
int ExecReplace(const std::vector<std::string>& argv, std::string* reason);

}  // namespace hops

#endif  // HOPS_COMMON_PROCESS_HPP_
