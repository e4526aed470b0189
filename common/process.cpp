#include "common/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "common/socket.hpp"
#include "common/text.hpp"

extern char** environ;

namespace hops {

namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

/// Where the program is, or why it cannot be run.
struct Resolved {
  std::string path;   ///< what to hand posix_spawn; "" when not runnable
  std::string error;  ///< why not
  int status = 0;     ///< 127 or 126 when not runnable
};

/// Finds @p program: as given when it has a '/' (relative to @p cwd), else the first executable
/// regular file in @p path_var. @p name names it in messages ("plugin 'x'").
Resolved ResolveProgram(const std::string& program, const std::string& path_var,
                        const std::string& cwd, const std::string& name) {
  Resolved r;
  if (program.find('/') != std::string::npos) {
    const std::string full = program[0] != '/' && !cwd.empty() ? cwd + "/" + program : program;
    struct stat st {};
    if (::stat(full.c_str(), &st) != 0) {
      r.status = ExecFailureStatus(errno);
      r.error = name + " not found: " + std::strerror(errno);
    } else if (!S_ISREG(st.st_mode)) {
      r.status = 126;
      r.error = name + " is not a regular file";
    } else if (::access(full.c_str(), X_OK) != 0) {
      r.status = 126;
      r.error = name + " is not executable";
    } else {
      r.path = program;  // posix_spawn resolves it after changing to cwd
    }
    return r;
  }
  size_t start = 0;
  while (start <= path_var.size()) {
    size_t colon = path_var.find(':', start);
    if (colon == std::string::npos) colon = path_var.size();
    std::string dir = path_var.substr(start, colon - start);
    if (dir.empty()) dir = ".";
    const std::string full = dir + "/" + program;
    struct stat st {};
    if (::stat(full.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(full.c_str(), X_OK) == 0) {
      r.path = full;
      return r;
    }
    start = colon + 1;
  }
  r.status = 127;
  r.error = name + " not found in PATH";
  return r;
}

/// The PATH the program gets: from @p env when given, else ours; the default when unset.
std::string PathOf(const std::optional<std::vector<std::string>>& env) {
  if (env) {
    for (const auto& e : *env)
      if (e.rfind("PATH=", 0) == 0) return e.substr(5);
    return kDefaultPath;
  }
  const char* p = std::getenv("PATH");
  return p ? p : kDefaultPath;
}

/// One captured stream: keeps at most cap bytes of what arrives; the rest is read and dropped.
struct Sink {
  Fd fd;
  std::string data;
  size_t cap = 0;
  bool truncated = false;
};

/// Reads what @p s's pipe has now, without blocking; closes it at the end of the stream or on an
/// error.
void Drain(Sink* s) {
  char buf[65536];
  while (s->fd.valid()) {
    const ssize_t n = ::read(s->fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      s->fd.reset();
      return;
    }
    const size_t room = s->data.size() < s->cap ? s->cap - s->data.size() : 0;
    const size_t take = std::min(room, static_cast<size_t>(n));
    s->data.append(buf, take);
    if (take < static_cast<size_t>(n)) s->truncated = true;
  }
}

/// The program's input: what is left to write into its pipe.
struct Feed {
  Fd fd;
  std::string data;
  size_t written = 0;
};

/// write(2) that reports a reader gone as EPIPE without raising SIGPIPE in this process: the
/// signal is blocked in this thread meanwhile and one it caused is taken back.
ssize_t WriteNoSigpipe(int fd, const char* p, size_t n) {
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  const ssize_t w = ::write(fd, p, n);
  const int e = errno;
  if (w < 0 && e == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = e;
  return w;
}

/// Writes what @p f's pipe takes now, without blocking; closes it when all is written or the
/// program stopped reading.
void Pump(Feed* f) {
  while (f->fd.valid()) {
    if (f->written == f->data.size()) {
      f->fd.reset();
      return;
    }
    const ssize_t n = WriteNoSigpipe(f->fd.get(), f->data.data() + f->written, f->data.size() - f->written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      f->fd.reset();
      return;
    }
    f->written += static_cast<size_t>(n);
  }
}

/// Waits up to 1 s for @p pid (already sent SIGKILL) to be reaped; true with *@p status set.
bool Reap(pid_t pid, int* status) {
  for (int i = 0; i < 200; ++i) {
    const pid_t w = ::waitpid(pid, status, WNOHANG);
    if (w == pid) return true;
    if (w < 0 && errno != EINTR) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

/// Fills the end, status, exit code and signal of @p r from a wait status.
void Decode(int status, ProcessResult* r) {
  if (WIFEXITED(status)) {
    r->end = ProcessEnd::kExited;
    r->exit_code = r->status = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    r->end = ProcessEnd::kSignaled;
    r->signal = WTERMSIG(status);
    r->status = 128 + r->signal;
  }
}

/// Owns posix_spawn's file actions and attributes.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

int ExecFailureStatus(int err) { return err == ENOENT ? 127 : 126; }

ProcessResult RunProcess(const ProcessOptions& o) {
  const auto start = Clock::now();
  ProcessResult res;
  if (o.argv.empty() || o.argv[0].empty()) {
    res.error = "no " + o.what + " to run";
    return res;
  }
  const std::string& program = o.argv[0];
  const std::string name = o.what + " " + Quote(program);

  if (!o.cwd.empty()) {
    struct stat st {};
    const bool found = ::stat(o.cwd.c_str(), &st) == 0;
    if (!found || !S_ISDIR(st.st_mode)) {
      res.status = 126;
      res.error = "cannot run " + name + " in " + Quote(o.cwd) + ": " +
                  (found ? "not a directory" : std::strerror(errno));
      return res;
    }
  }
  const Resolved where = ResolveProgram(program, PathOf(o.env), o.cwd, name);
  if (where.path.empty()) {
    res.status = where.status;
    res.error = where.error;
    return res;
  }

  std::vector<char*> c_argv, c_env;
  for (const auto& a : o.argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  if (o.env) {
    for (const auto& e : *o.env) c_env.push_back(const_cast<char*>(e.c_str()));
    c_env.push_back(nullptr);
  }

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    res.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return res;
  }
  Sink out{Fd(out_pipe[0]), {}, o.max_stdout, false};
  Fd out_w(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    res.error = std::string("cannot create a pipe: ") + std::strerror(errno);
    return res;
  }
  Sink errs{Fd(err_pipe[0]), {}, o.max_stderr, false};
  Fd err_w(err_pipe[1]);
  Feed feed;
  Fd in_r;
  if (o.input) {
    int in_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0) {
      res.error = std::string("cannot create a pipe: ") + std::strerror(errno);
      return res;
    }
    in_r = Fd(in_pipe[0]);
    feed.fd = Fd(in_pipe[1]);
    feed.data = *o.input;
  }

  pid_t pid = -1;
  int rc = 0;
  {
    SpawnSetup s;
    if (in_r.valid()) posix_spawn_file_actions_adddup2(&s.actions, in_r.get(), 0);
    else posix_spawn_file_actions_addopen(&s.actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&s.actions, out_w.get(), 1);
    posix_spawn_file_actions_adddup2(&s.actions, err_w.get(), 2);
    // Descriptors other threads opened without O_CLOEXEC must not leak into the program.
    posix_spawn_file_actions_addclosefrom_np(&s.actions, 3);
    if (!o.cwd.empty()) posix_spawn_file_actions_addchdir_np(&s.actions, o.cwd.c_str());
    sigset_t no_signals, default_signals;
    sigemptyset(&no_signals);
    sigemptyset(&default_signals);
    for (int sig : {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2})
      sigaddset(&default_signals, sig);
    posix_spawnattr_setsigmask(&s.attr, &no_signals);
    posix_spawnattr_setsigdefault(&s.attr, &default_signals);
    posix_spawnattr_setpgroup(&s.attr, 0);
    posix_spawnattr_setflags(&s.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                          POSIX_SPAWN_SETSIGDEF);
    rc = ::posix_spawn(&pid, where.path.c_str(), &s.actions, &s.attr, c_argv.data(),
                       o.env ? c_env.data() : environ);
  }
  out_w.reset();
  err_w.reset();
  in_r.reset();
  if (rc != 0) {
    res.status = ExecFailureStatus(rc);
    res.error = "cannot run " + name + ": " + std::strerror(rc);
    return res;
  }
  ::fcntl(out.fd.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(errs.fd.get(), F_SETFL, O_NONBLOCK);
  if (o.on_start) o.on_start(pid);
  if (feed.fd.valid()) {
    ::fcntl(feed.fd.get(), F_SETFL, O_NONBLOCK);
    Pump(&feed);
  }

  // Until the timeout: reap the program when it exits and keep the pipes drained. After it:
  // SIGTERM to the group, then SIGKILL once the program has exited or the grace period is over.
  // While stopping, the program is not reaped before the SIGKILL, so its pid (the group's id)
  // cannot have been reused by then.
  const auto deadline = start + o.timeout;
  bool stopping = false, reaped = false, lost = false;
  Clock::time_point kill_at;
  int status = 0, poll_error = 0;
  while (true) {
    if (!stopping) {
      const pid_t w = ::waitpid(pid, &status, WNOHANG);
      reaped = w == pid;
      lost = w < 0 && errno == ECHILD;  // reaped elsewhere (a SIGCHLD handler): status unknown
      if (reaped || lost) {
        // What it wrote is in the pipes now; a child it left behind may hold them open, so take
        // what is there and stop.
        Drain(&out);
        Drain(&errs);
        break;
      }
    } else {
      siginfo_t si{};
      const int w = ::waitid(P_PID, static_cast<id_t>(pid), &si, WEXITED | WNOHANG | WNOWAIT);
      lost = w < 0 && errno == ECHILD;
      if (lost) break;
      if ((w == 0 && si.si_pid == pid) || Clock::now() >= kill_at) {
        ::kill(-pid, SIGKILL);
        reaped = Reap(pid, &status);
        break;
      }
    }
    const auto now = Clock::now();
    if (!stopping && (now >= deadline || (o.stop && o.stop->load()))) {
      feed.fd.reset();
      ::kill(-pid, SIGTERM);
      stopping = true;
      kill_at = now + o.kill_grace;
      continue;
    }
    pollfd fds[3];
    Sink* sinks[2];
    nfds_t n = 0;
    for (Sink* s : {&out, &errs}) {
      if (!s->fd.valid()) continue;
      sinks[n] = s;
      fds[n++] = {s->fd.get(), POLLIN, 0};
    }
    const nfds_t n_sinks = n;
    if (feed.fd.valid()) fds[n++] = {feed.fd.get(), POLLOUT, 0};
    const auto next = stopping ? kill_at : deadline;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count() + 1;
    // With both pipes closed only the exit is awaited: poll just sleeps.
    const int wait_ms = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(left, n == 0 ? 5 : 50)));
    const int pr = ::poll(fds, n, wait_ms);
    if (pr < 0 && errno != EINTR) {
      poll_error = errno;
      ::kill(-pid, SIGKILL);
      reaped = Reap(pid, &status);
      break;
    }
    for (nfds_t i = 0; pr > 0 && i < n_sinks; ++i) {
      if (fds[i].revents) Drain(sinks[i]);
    }
    if (pr > 0 && n > n_sinks && fds[n_sinks].revents) Pump(&feed);
  }
  if (stopping) {
    Drain(&out);
    Drain(&errs);
  }

  res.out = std::move(out.data);
  res.err = std::move(errs.data);
  res.out_truncated = out.truncated;
  res.err_truncated = errs.truncated;
  if (poll_error != 0) {
    res.end = ProcessEnd::kLost;
    res.error = "cannot wait for " + name + ": " + std::strerror(poll_error);
  } else if (lost) {
    res.end = ProcessEnd::kLost;
    res.error = "the exit status of " + name + " was taken by another waiter";
  } else if (stopping) {
    if (reaped) Decode(status, &res);
    res.end = ProcessEnd::kTimedOut;
    res.exit_code = -1;
  } else {
    Decode(status, &res);
  }
  return res;
}

int ExecReplace(const std::vector<std::string>& argv, std::string* reason) {
  std::vector<char*> c_argv;
  for (const auto& a : argv) c_argv.push_back(const_cast<char*>(a.c_str()));
  c_argv.push_back(nullptr);
  ::execvp(c_argv[0], c_argv.data());
  const int err = errno;
  *reason = std::strerror(err);
  return ExecFailureStatus(err);
}

}  // namespace hops
