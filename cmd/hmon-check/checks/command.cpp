// The command check: runs an existing Nagios/Monitoring Plugins plugin and takes its result.
//
// `command` is the argv list (program first), executed directly with posix_spawn, never through a
// shell, in its own process group with stdin from /dev/null, the environment of hmon-check plus
// `env`, and in `cwd` when given. The plugin's exit code is the state (0 OK .. 3 UNKNOWN); any other
// code, death by a signal, a missing or non-executable program are UNKNOWN with the reason. Its
// stdout (first 64 KiB) is split by nagios::ParsePluginOutput: the status line is the summary as
// the plugin wrote it, the rest the long output, and the perfdata are kept, so `thresholds:` on the
// plugin's own labels can raise the state further. On the timeout the whole process group is
// killed with SIGKILL (as Nagios core does) and the result is UNKNOWN "plugin timed out after 5s".
// The arguments and `env` values are never echoed (they may hold secrets); messages name only the
// program.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

extern char** environ;

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxStdout = 64 * 1024;
constexpr size_t kMaxStderr = 8 * 1024;

/// The first non-blank line of @p text, at most 200 bytes.
std::string FirstLine(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b != std::string::npos) {
      line = line.substr(b);
      return line.size() > 200 ? line.substr(0, 200) + "..." : line;
    }
    start = nl + 1;
  }
  return "";
}

/// The full path of @p program: as given when it has a '/', else the first executable regular file
/// in @p path_var; "" with *@p err set when there is none.
std::string ResolveProgram(const std::string& program, const std::string& path_var,
                           const std::string& cwd, std::string* err) {
  auto check = [err, &program](const std::string& full) -> bool {
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0) {
      *err = "plugin " + Quote(program) + " not found: " + std::strerror(errno);
      return false;
    }
    if (!S_ISREG(st.st_mode)) {
      *err = "plugin " + Quote(program) + " is not a regular file";
      return false;
    }
    if (::access(full.c_str(), X_OK) != 0) {
      *err = "plugin " + Quote(program) + " is not executable";
      return false;
    }
    return true;
  };
  if (program.find('/') != std::string::npos) {
    std::string full = program;
    if (program[0] != '/' && !cwd.empty()) full = cwd + "/" + program;
    return check(full) ? program : "";
  }
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t colon = path_var.find(':', start);
    if (colon == std::string::npos) colon = path_var.size();
    std::string dir = path_var.substr(start, colon - start);
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + program;
    struct stat st {};
    if (::stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(full.c_str(), X_OK) == 0)
      return full;
    start = colon + 1;
  }
  *err = "plugin " + Quote(program) + " not found in PATH";
  return "";
}

/// Keeps at most @p cap bytes of what arrives; the rest is read and dropped.
struct Sink {
  int fd = -1;
  std::string data;
  size_t cap = 0;
  bool truncated = false;
};

/// Reads what @p s's pipe has now; false at EOF or on an error (the fd is then closed).
bool Drain(Sink* s) {
  char buf[8192];
  while (true) {
    ssize_t n = ::read(s->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) {
      ::close(s->fd);
      s->fd = -1;
      return false;
    }
    const size_t room = s->data.size() < s->cap ? s->cap - s->data.size() : 0;
    const size_t take = std::min(room, static_cast<size_t>(n));
    s->data.append(buf, take);
    if (take < static_cast<size_t>(n)) s->truncated = true;
  }
}

/// Kills the plugin's process group and reaps the plugin, waiting at most 1 s for it.
void KillGroup(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid || (w < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

class CommandCheck : public CheckType {
 public:
  std::string Name() const override { return "command"; }
  std::vector<std::string> ParamKeys() const override { return {"command", "env", "cwd"}; }
  std::vector<std::string> Measures() const override { return {}; }

  std::string Validate(const CheckSpec& spec) const override {
    const Params& p = spec.params;
    const auto& argv = p.All("command");
    if (argv.empty()) return "'command' is missing: give the plugin and its arguments as a list";
    if (argv[0].empty()) return "'command' starts with an empty program name";
    if (argv.size() == 1 && argv[0].find_first_of(" \t") != std::string::npos)
      return "'command' must be a list (program, then each argument), not one string with blanks: " +
             Quote(argv[0].substr(0, argv[0].find_first_of(" \t"))) + " ...";
    if (!p.All("env").empty()) return "'env' must be a mapping of variable names to values";
    for (const auto& [name, value] : p.Map("env")) {
      if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
        return "'env' has an invalid variable name " + Quote(name);
    }
    if (auto c = p.Get("cwd"); c && c->empty()) return "'cwd' is empty";
    return "";
  }

  CheckResult Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const override {
    const auto start = Clock::now();
    CheckResult r = Execute(spec, start);
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return r;
  }

 private:
  CheckResult Execute(const CheckSpec& spec, Clock::time_point start) const {
    CheckResult r;
    r.state = State::kUnknown;
    const Params& p = spec.params;
    const std::vector<std::string>& argv = p.All("command");
    if (argv.empty() || argv[0].empty()) {
      r.summary = "'command' is missing";
      return r;
    }
    const std::string& program = argv[0];
    r.details["program"] = program;
    const std::string cwd = p.Get("cwd").value_or("");
    const auto& env_map = p.Map("env");

    // The environment: ours with `env` laid over it.
    std::vector<std::string> env;
    for (char** e = environ; e && *e; ++e) {
      std::string kv(*e);
      const std::string name = kv.substr(0, kv.find('='));
      if (!env_map.count(name)) env.push_back(std::move(kv));
    }
    for (const auto& [name, value] : env_map) env.push_back(name + "=" + value);
    std::string path_var = "/usr/local/bin:/usr/bin:/bin";
    if (auto it = env_map.find("PATH"); it != env_map.end()) {
      path_var = it->second;
    } else if (const char* pv = std::getenv("PATH")) {
      path_var = pv;
    }

    if (!cwd.empty()) {
      struct stat st {};
      const bool found = ::stat(cwd.c_str(), &st) == 0;
      if (!found || !S_ISDIR(st.st_mode)) {
        r.summary = "cannot run plugin " + Quote(program) + " in " + Quote(cwd) + ": " +
                    (found ? "not a directory" : std::strerror(errno));
        return r;
      }
    }
    std::string err;
    const std::string full = ResolveProgram(program, path_var, cwd, &err);
    if (full.empty()) {
      r.summary = err;
      return r;
    }

    std::vector<char*> c_argv, c_env;
    for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
    c_argv.push_back(nullptr);
    for (const auto& e : env) c_env.push_back(const_cast<char*>(e.c_str()));
    c_env.push_back(nullptr);

    int out_pipe[2], err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      r.summary = std::string("cannot create a pipe: ") + std::strerror(errno);
      return r;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      r.summary = std::string("cannot create a pipe: ") + std::strerror(errno);
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      return r;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], 2);
    // Descriptors other threads opened without O_CLOEXEC must not leak into the plugin.
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&fa, cwd.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t no_signals, default_signals;
    sigemptyset(&no_signals);
    sigemptyset(&default_signals);
    for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2})
      sigaddset(&default_signals, sig);
    posix_spawnattr_setsigmask(&attr, &no_signals);
    posix_spawnattr_setsigdefault(&attr, &default_signals);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, full.c_str(), &fa, &attr, c_argv.data(), c_env.data());
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      r.summary = "cannot run plugin " + Quote(program) + ": " + std::strerror(rc);
      return r;
    }

    Sink out{out_pipe[0], {}, kMaxStdout, false};
    Sink errs{err_pipe[0], {}, kMaxStderr, false};
    ::fcntl(out.fd, F_SETFL, O_NONBLOCK);
    ::fcntl(errs.fd, F_SETFL, O_NONBLOCK);
    const auto deadline = start + spec.timeout;
    bool exited = false, timed_out = false, status_lost = false;
    int status = 0, poll_error = 0;
    while (true) {
      if (!exited) {
        pid_t w = ::waitpid(pid, &status, WNOHANG);
        if (w == pid) exited = true;
        if (w < 0 && errno == ECHILD) {  // reaped elsewhere (a SIGCHLD handler): status unknown
          exited = status_lost = true;
        }
      }
      if (exited) {
        // What the plugin wrote is in the pipes now; a child it left behind may hold them open,
        // so take what is there and stop.
        if (out.fd >= 0) Drain(&out);
        if (errs.fd >= 0) Drain(&errs);
        break;
      }
      const auto now = Clock::now();
      if (now >= deadline) {
        timed_out = true;
        break;
      }
      pollfd fds[2];
      nfds_t n = 0;
      if (out.fd >= 0) fds[n++] = {out.fd, POLLIN, 0};
      if (errs.fd >= 0) fds[n++] = {errs.fd, POLLIN, 0};
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
      // With both pipes closed only the exit is awaited: poll just sleeps.
      const int wait_ms = static_cast<int>(std::min<int64_t>(left, n == 0 ? 5 : 50));
      int pr = ::poll(fds, n, wait_ms);
      if (pr < 0 && errno != EINTR) {
        poll_error = errno;
        break;
      }
      if (pr > 0) {
        for (nfds_t i = 0; i < n; ++i) {
          if (!fds[i].revents) continue;
          Drain(fds[i].fd == out.fd ? &out : &errs);
        }
      }
    }
    if (timed_out || !exited) KillGroup(pid);
    if (out.fd >= 0) ::close(out.fd);
    if (errs.fd >= 0) ::close(errs.fd);

    const std::string err_line = FirstLine(errs.data);
    if (!errs.data.empty()) r.details["stderr"] = errs.data.substr(0, 1024);
    if (out.truncated) r.details["stdout_truncated"] = true;
    if (timed_out) {
      r.summary = "plugin timed out after " + FormatDuration(spec.timeout);
      return r;
    }
    if (!exited) {
      r.summary = "cannot wait for plugin " + Quote(program) + ": " + std::strerror(poll_error);
      return r;
    }
    if (status_lost) {
      r.summary = "the exit status of plugin " + Quote(program) + " was taken by another waiter";
      return r;
    }
    if (WIFSIGNALED(status)) {
      const int sig = WTERMSIG(status);
      r.summary = "plugin " + Quote(program) + " was killed by signal " + std::to_string(sig) + " (" +
                  strsignal(sig) + ")";
      r.details["signal"] = sig;
      return r;
    }
    const int code = WEXITSTATUS(status);
    r.details["exit_code"] = code;
    std::string perf_err;
    nagios::PluginOutput po = nagios::ParsePluginOutput(out.data, &perf_err);
    if (!perf_err.empty()) r.details["perfdata_errors"] = perf_err;
    if (code > 3) {
      std::string why = !err_line.empty() ? err_line : po.status_line;
      r.summary = "plugin exited with " + std::to_string(code) + (why.empty() ? "" : ": " + why);
      r.long_output = po.long_output;
      return r;
    }
    r.state = static_cast<State>(code);
    if (po.status_line.empty()) {
      r.summary = "plugin " + Quote(program) + " printed nothing" +
                  (err_line.empty() ? "" : " (stderr: " + err_line + ")");
    } else {
      r.summary = po.status_line;
    }
    r.long_output = po.long_output;
    r.perfdata = std::move(po.perfdata);
    ApplyThresholds(spec.thresholds, &r);
    return r;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeCommandCheck() { return std::make_unique<CommandCheck>(); }

}  // namespace hops::mon
