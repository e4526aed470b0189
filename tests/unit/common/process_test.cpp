#include "common/process.hpp"

#include <doctest/doctest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/testing/peer.hpp"

namespace hops {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::MakeTempDir;
using testing::WriteFile;

/// Options running /bin/sh -c @p script (the test's own choice of a shell, not RunProcess's).
ProcessOptions Sh(const std::string& script) {
  ProcessOptions o;
  o.argv = {"/bin/sh", "-c", script};
  o.timeout = 10s;
  return o;
}

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Runs /bin/sh -c @p script, which starts a grandchild and writes its pid into "$0", with
/// @p timeout and @p grace; *@p secs is how long RunProcess took. Checks that it timed out, was
/// ended by signal @p sig, and that the grandchild is gone afterwards.
ProcessResult RunTimingOut(const std::string& script, std::chrono::milliseconds timeout,
                           std::chrono::milliseconds grace, int sig, double* secs) {
  const std::string pidfile = MakeTempDir("hops-process") + "/grandchild.pid";
  ProcessOptions o = Sh(script);
  o.argv.push_back(pidfile);
  o.timeout = timeout;
  o.kill_grace = grace;
  const auto t0 = Clock::now();
  ProcessResult r = RunProcess(o);
  *secs = SecondsSince(t0);
  CHECK(r.end == ProcessEnd::kTimedOut);
  CHECK(r.signal == sig);
  CHECK(r.status == 128 + sig);
  std::ifstream in(pidfile);
  int pid = 0;
  in >> pid;
  REQUIRE(pid > 0);
  CHECK_MESSAGE(testing::ProcessGone(pid), "the grandchild " << pid << " survived");
  return r;
}

/// Runs @p fn in a forked child and returns its exit status (-1 when it did not exit).
template <typename Fn>
int InChild(Fn fn) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(fn());
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("process: exit codes, output, and arguments passed literally") {
  ProcessResult r = RunProcess(Sh("printf 'out:%s|%s|' \"$0\" \"$1\"; echo err >&2; exit 3"));
  CHECK(r.end == ProcessEnd::kExited);
  CHECK(r.exit_code == 3);
  CHECK(r.status == 3);
  CHECK(r.signal == 0);
  CHECK(r.out == "out:/bin/sh||");
  CHECK(r.err == "err\n");
  CHECK(r.error.empty());

  ProcessOptions o = Sh("printf '[%s]' \"$@\"");
  o.argv.push_back("sh");
  o.argv.push_back("a b  c");
  o.argv.push_back("$(id) `id`; *");
  r = RunProcess(o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "[a b  c][$(id) `id`; *]");
}

TEST_CASE("process: death by a signal is 128+N") {
  ProcessResult r = RunProcess(Sh("kill -TERM $$"));
  CHECK(r.end == ProcessEnd::kSignaled);
  CHECK(r.signal == SIGTERM);
  CHECK(r.status == 128 + SIGTERM);
  CHECK(r.exit_code == -1);
  r = RunProcess(Sh("kill -SEGV $$"));
  CHECK(r.end == ProcessEnd::kSignaled);
  CHECK(r.status == 128 + SIGSEGV);
}

TEST_CASE("process: a program that is not found is 127, one that cannot run 126") {
  const std::string dir = MakeTempDir("hops-process");
  ProcessOptions o;
  o.argv = {"hops-no-such-program", "secret-argument"};
  ProcessResult r = RunProcess(o);
  CHECK(r.end == ProcessEnd::kNotStarted);
  CHECK(r.status == 127);
  CHECK(r.error == "program 'hops-no-such-program' not found in PATH");

  WriteFile(dir + "/noexec", "#!/bin/sh\nexit 0\n");
  ::chmod((dir + "/noexec").c_str(), 0644);
  // Executable, but not a format the kernel runs (no #! line): the exec itself fails.
  WriteFile(dir + "/garbage", "\x7f" "ELF garbage");
  ::chmod((dir + "/garbage").c_str(), 0755);
  struct Row {
    std::string program, cwd;
    int status;
    std::string error;
  };
  const Row rows[] = {
      {dir + "/missing", "", 127, "plugin '" + dir + "/missing' not found: No such file or directory"},
      {dir + "/noexec", "", 126, "plugin '" + dir + "/noexec' is not executable"},
      {dir, "", 126, "plugin '" + dir + "' is not a regular file"},
      {dir + "/garbage", "", 126, "cannot run plugin '" + dir + "/garbage': Exec format error"},
      {"/bin/true", dir + "/nowhere", 126,
       "cannot run plugin '/bin/true' in '" + dir + "/nowhere': No such file or directory"},
  };
  o.what = "plugin";
  for (const Row& row : rows) {
    CAPTURE(row.program);
    o.argv = {row.program, "secret-argument"};
    o.cwd = row.cwd;
    r = RunProcess(o);
    CHECK(r.end == ProcessEnd::kNotStarted);
    CHECK(r.status == row.status);
    CHECK(r.error == row.error);  // the arguments are never shown
  }

  CHECK(ExecFailureStatus(ENOENT) == 127);
  CHECK(ExecFailureStatus(EACCES) == 126);
  CHECK(ExecFailureStatus(ENOEXEC) == 126);
}

TEST_CASE("process: the environment is exactly the one given, else ours") {
  ProcessOptions o;
  o.argv = {"env"};  // found through the default PATH: the given environment has none
  o.env = std::vector<std::string>{"A=1", "B=two words", "EMPTY="};
  ProcessResult r = RunProcess(o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "A=1\nB=two words\nEMPTY=\n");

  o.env = std::vector<std::string>{};
  r = RunProcess(o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "");

  // The PATH of the given environment is the one searched.
  const std::string dir = MakeTempDir("hops-process");
  testing::WriteScript(dir, "hops-only-here", "echo found\n");
  o.argv = {"hops-only-here"};
  o.env = std::vector<std::string>{"PATH=" + dir};
  r = RunProcess(o);
  CHECK(r.out == "found\n");

  ::setenv("HOPS_TEST_PROCESS_INHERITED", "from the parent", 1);
  r = RunProcess(Sh("echo \"$HOPS_TEST_PROCESS_INHERITED\""));
  CHECK(r.out == "from the parent\n");
}

TEST_CASE("process: cwd, a relative program in it, and stdin from /dev/null") {
  const std::string dir = MakeTempDir("hops-process");
  testing::WriteScript(dir, "here", "pwd\ncat\necho \"stdin done\"\n");
  ProcessOptions o;
  o.argv = {"./here"};
  o.cwd = dir;
  const auto t0 = Clock::now();
  ProcessResult r = RunProcess(o);
  CHECK(r.exit_code == 0);
  CHECK(r.out == dir + "\nstdin done\n");
  CHECK(SecondsSince(t0) < 2.0);
}

TEST_CASE("process: output is capped while the rest is drained, so the child never blocks") {
  // 10 MiB on each stream, far beyond a pipe's buffer, then an exit code that proves the child
  // finished on its own.
  ProcessOptions o = Sh("head -c 10485760 /dev/zero; head -c 10485760 /dev/zero >&2; exit 7");
  o.max_stdout = 1000;
  o.max_stderr = 10;
  o.timeout = 20s;
  const auto t0 = Clock::now();
  ProcessResult r = RunProcess(o);
  CHECK(r.end == ProcessEnd::kExited);
  CHECK(r.exit_code == 7);
  CHECK(r.out == std::string(1000, '\0'));
  CHECK(r.out_truncated);
  CHECK(r.err.size() == 10);
  CHECK(r.err_truncated);
  CHECK(SecondsSince(t0) < 10.0);

  r = RunProcess(Sh("echo small"));
  CHECK(r.out == "small\n");
  CHECK_FALSE(r.out_truncated);
  CHECK_FALSE(r.err_truncated);
}

TEST_CASE("process: a background child holding the pipes does not hold the caller") {
  const auto t0 = Clock::now();
  ProcessResult r = RunProcess(Sh("(sleep 3 &); echo quick"));
  CHECK(SecondsSince(t0) < 2.0);
  CHECK(r.end == ProcessEnd::kExited);
  CHECK(r.out == "quick\n");
}

TEST_CASE("process: the timeout stops the whole group, grandchildren included") {
  double secs = 0;
  // The shell dies of the SIGTERM, no SIGKILL needed.
  ProcessResult r =
      RunTimingOut("sleep 30 & echo $! > \"$0\"; sleep 30; echo too late", 500ms, 1s, SIGTERM, &secs);
  CHECK(secs >= 0.49);
  CHECK(secs < 2.5);
  CHECK(r.out.find("too late") == std::string::npos);
}

TEST_CASE("process: SIGKILL follows after the grace period when SIGTERM is ignored") {
  // The ignored SIGTERM is inherited by the grandchild too.
  double secs = 0;
  RunTimingOut("trap '' TERM; sleep 30 & echo $! > \"$0\"; sleep 30", 500ms, 300ms, SIGKILL, &secs);
  CHECK(secs >= 0.79);
  CHECK(secs < 3.0);
}

TEST_CASE("process: once the program has exited, the rest of its group gets SIGKILL at once") {
  // The grandchild ignores SIGTERM, the program itself does not.
  double secs = 0;
  RunTimingOut("sh -c \"trap '' TERM; exec sleep 30\" & echo $! > \"$0\"; sleep 30", 500ms, 10s,
               SIGTERM, &secs);
  CHECK(secs < 3.0);  // not the 10 s grace
}

TEST_CASE("process: the stop flag stops the whole group as the timeout would") {
  std::atomic<bool> stop{false};
  int started = 0;
  ProcessOptions o = Sh("sleep 30 & echo $! > \"$0\"; sleep 30");
  const std::string dir = MakeTempDir();
  const std::string pid_file = dir + "/grandchild.pid";
  o.argv.push_back(pid_file);
  o.stop = &stop;
  o.on_start = [&](int pid) { started = pid; };
  std::thread stopper([&] {
    std::this_thread::sleep_for(300ms);
    stop = true;
  });
  const auto t0 = Clock::now();
  ProcessResult r = RunProcess(o);
  stopper.join();
  CHECK(SecondsSince(t0) < 3.0);
  CHECK(r.end == ProcessEnd::kTimedOut);
  CHECK(r.signal == SIGTERM);
  CHECK(started > 0);
  // The grandchild, in the group the program led, is gone too.
  std::ifstream in(pid_file);
  int grandchild = 0;
  in >> grandchild;
  REQUIRE(grandchild > 0);
  CHECK(testing::ProcessGone(grandchild));
}

TEST_CASE("process: ExecReplace runs the program in place, or returns 127/126") {
  CHECK(InChild([] {
          std::string reason;
          return ExecReplace({"/bin/sh", "-c", "exit 5"}, &reason);
        }) == 5);
  CHECK(InChild([] {
          std::string reason;
          const int status = ExecReplace({"hops-no-such-program"}, &reason);
          return status == 127 && reason == "No such file or directory" ? 0 : 1;
        }) == 0);
  const std::string dir = MakeTempDir("hops-process");
  WriteFile(dir + "/noexec", "#!/bin/sh\nexit 0\n");
  ::chmod((dir + "/noexec").c_str(), 0644);
  CHECK(InChild([&] {
          std::string reason;
          const int status = ExecReplace({dir + "/noexec"}, &reason);
          return status == 126 && reason == "Permission denied" ? 0 : 1;
        }) == 0);
}

TEST_CASE("process: input is written to the program's stdin, then closed") {
  ProcessOptions o = Sh("cat; echo end");
  o.input = std::string("line 1\nline 2\n");
  ProcessResult r = RunProcess(o);
  CHECK(r.end == ProcessEnd::kExited);
  CHECK(r.out == "line 1\nline 2\nend\n");
  // An empty input is an immediate end of file, not /dev/null's absence of a pipe.
  o = Sh("test -p /dev/stdin && wc -c");
  o.input = std::string();
  r = RunProcess(o);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find('0') != std::string::npos);
}

TEST_CASE("process: an input larger than the pipe holds is fed while the program reads it") {
  ProcessOptions o = Sh("wc -c");
  o.input = std::string(3 << 20, 'x');  // 3 MiB, far beyond a pipe's 64 KiB
  ProcessResult r = RunProcess(o);
  CHECK(r.exit_code == 0);
  CHECK(std::stol(r.out) == 3L << 20);
}

TEST_CASE("process: a program that does not read its input ends the feeding without SIGPIPE") {
  // SIGPIPE keeps its default action here: a stray one would kill this test binary.
  struct sigaction old {};
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGPIPE, &dfl, &old);
  ProcessOptions o = Sh("exec 0<&-; echo closed");
  o.input = std::string(1 << 20, 'y');
  ProcessResult r = RunProcess(o);
  sigaction(SIGPIPE, &old, nullptr);
  CHECK(r.end == ProcessEnd::kExited);
  CHECK(r.exit_code == 0);
  CHECK(r.out == "closed\n");
}

}  // namespace hops
