// Test helpers that start real peer servers (nginx, SMTP, PostgreSQL, ...) on loopback.
#ifndef HOPS_TESTS_UNIT_TESTING_PEER_HPP_
#define HOPS_TESTS_UNIT_TESTING_PEER_HPP_

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace hops::testing {

/// A child process started by a test; stopped (SIGTERM, then SIGKILL) by pid when destroyed.
class Peer {
 public:
  /// Starts @p argv with stdout/stderr going to @p log_path, then waits until 127.0.0.1:@p port
  /// accepts connections (port 0: no wait). Returns nullptr and fills @p err on failure.
  static std::unique_ptr<Peer> Start(const std::vector<std::string>& argv, int port,
                                     const std::string& log_path, std::string* err,
                                     int wait_ms = 10000);
  /// Start on a FreePort(): @p argv_for gives the command for a port, which is stored in
  /// *@p port. A server that exits before listening (a parallel test took the port between
  /// FreePort and its bind) is started again on a fresh port, three times at most.
  static std::unique_ptr<Peer> StartOnFreePort(const std::function<std::vector<std::string>(int)>& argv_for,
                                               int* port, const std::string& log_path, std::string* err,
                                               int wait_ms = 10000);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;
  /// The child's process id.
  int pid() const { return pid_; }
  /// Stops the child now (idempotent).
  void Stop();

 private:
  explicit Peer(int pid) : pid_(pid) {}
  int pid_;
};

/// A port on 127.0.0.1 that was free for TCP and UDP a moment ago, from below the kernel's
/// ephemeral range so that no bind(0) or outgoing connection of a parallel test can take it
/// before the server binds it; never the same twice in one process.
int FreePort();
/// Creates a fresh directory "$TMPDIR/PREFIX-XXXXXX" (mkdtemp, "" on failure). It is removed with
/// everything in it when the process that made it exits normally (not by a forked child), unless
/// HOPS_KEEP_TMP=1 keeps it for a look afterwards.
std::string MakeTempDir(const std::string& prefix = "hops-test");
/// Full path of @p program on PATH (or in /usr/sbin, /usr/lib/postgresql/*/bin), or "".
std::string FindProgram(const std::string& program);

// Tests that need a peer program (nginx, dnsmasq, PostgreSQL, ...) or a capability of the machine
// (IPv6 loopback, ICMP sockets, root) fail when it is missing: a missing peer must not pass
// unnoticed. Only with HOPS_ALLOW_SKIP=1 is such a test skipped, by a doctest skip decorator:
// `TEST_CASE("..." * doctest::skip(SkipWithout("nginx")))`. tests/unit/main.cpp then prints
// "[hops] skipped: ...", which ctest reports as a skipped test.

/// "" when every one of @p programs is found (FindProgram), else why the test cannot run:
/// "nginx is not installed (HOPS_ALLOW_SKIP=1 skips the tests that need it)".
std::string Missing(const std::vector<std::string>& programs);
/// True when HOPS_ALLOW_SKIP=1.
bool SkipAllowed();
/// True when SkipAllowed() and @p program is missing (FindProgram); without the variable the
/// test runs, and fails for want of the program.
bool SkipWithout(const std::string& program);
/// True when SkipAllowed() and @p available() says no; @p available is asked only then.
bool SkipUnless(bool (*available)());
/// True when the loopback interface has ::1.
bool HasIpv6Loopback();
/// True when the tests run as root (network namespaces, dropping privileges).
bool IsRoot();
/// Runs a command (argv, no shell) to completion; returns its exit status, output in @p out.
int RunCommand(const std::vector<std::string>& argv, std::string* out = nullptr);
/// Writes @p content to @p path (truncating).
void WriteFile(const std::string& path, const std::string& content);
/// Waits up to @p wait_ms for process @p pid to be gone (or a zombie nobody reaped yet); true
/// when it is.
bool ProcessGone(int pid, int wait_ms = 2000);
/// Writes an executable sh script @p name (with "#!/bin/sh" prepended to @p body) into @p dir;
/// returns its path.
std::string WriteScript(const std::string& dir, const std::string& name, const std::string& body);
/// True when 127.0.0.1:@p port accepts a TCP connection.
bool PortOpen(int port);

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_PEER_HPP_
