// Remote execution over SSH (libssh): one Session per node, opened once and reused for every
// command (each command is a channel of that one connection).
//
// Connecting: the server's host key is checked against the user's known_hosts file
// (SessionOptions::known_hosts, default ~/.ssh/known_hosts) and a further read-only file
// (SessionOptions::extra_known_hosts, the settings key `[ssh] known_hosts`). An unknown key is
// refused, naming the host and the key's SHA256 fingerprint the way OpenSSH prints it, unless
// accept_new is set, which appends it to the user's file; a changed key (or a key of another type
// than the one on record) is always refused. ~/.ssh/config is not read. Authentication tries the
// ssh-agent, then each identity file, then a password read with ReadSecret (common/secret.hpp)
// from `password_env`/`password_file` only; no message or log line ever holds the password.
//
// Running: a command is an argv (each word single-quoted, so nothing in it is interpreted) or a
// shell string run by /bin/sh on the target. Its environment is never sent as SSH "env" requests
// (sshd drops them unless AcceptEnv allows): it travels inside the command as a preamble of
// `export NAME='value'` lines, each value single-quoted with every ' written as '\'' and names
// checked, so every byte of a value (quotes, $(...), backticks, ;, line breaks, bytes that are not
// UTF-8) arrives as it was; NUL bytes, which no environment can hold, are refused. The remote
// login shell only ever sees `exec /bin/sh -c '<script>'`, so the script is POSIX sh whatever
// the user's shell; that line itself needs a login shell of the Bourne family (sh, bash, dash,
// ksh, zsh), not csh or fish. The whole line must stay below 120 KiB (Linux takes at most 128 KiB
// in one argument): pass larger data on stdin or in a file.
//
// Output: stdout and stderr are captured up to a cap each, keeping the FIRST bytes (as RunProcess
// does: the start of an output is what a later job parses); the rest is read and dropped so the
// remote command never blocks, and ProcessResult::out_truncated / err_truncated say so.
//
// Timeouts: the remote script first reports its process id and the host's boot id on stderr (a
// line Run removes again; RemoteCommand::on_start gets them); sshd made it the leader of a new
// session and process group. On the timeout the group gets
// SIGTERM, after kill_grace SIGKILL, each through `kill -SIG -PGID` on a second channel of the
// same connection and through an SSH "signal" request. The kill is what counts: sshd refuses
// signal requests for root logins ("session signalling requires privilege separation") and
// OpenSSH before 7.9 ignores them. Then the channel is closed. Processes that leave the group
// (setsid, daemons) are beyond reach, as with RunProcess.
//
// Files: Upload copies a local file by SFTP (or, when the server has no SFTP subsystem, through
// `cat` on stdin) to a fresh name in a remote directory, mode 0700; the RemoteFile it returns
// removes it when destroyed, and RunScript uploads, runs and removes whatever the outcome.
//
// Threads: libssh sessions are not thread-safe, so every Session method takes the session's own
// mutex: calls on one Session from several threads are safe but run one at a time. For parallel
// work open one Session per node and drive each from its own thread; Sessions share nothing.
//
// Jump hosts: SessionOptions::jump reaches a node through another SSH server (OpenSSH's
// ProxyJump; chains through jump->jump). libssh 0.10 (Debian 12) has no ProxyJump of its own,
// only a ProxyCommand that would run the ssh binary with its own host key and login handling; so
// the Session logs in to the jump host itself (same checks), opens a direct-tcpip channel to the
// node there, and a thread of the Session copies bytes between that channel and a socketpair whose
// other end carries the node's own SSH connection, end to end encrypted and verified as usual.
#ifndef HOPS_CMD_HJOB_RUN_SSH_HPP_
#define HOPS_CMD_HJOB_RUN_SSH_HPP_

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/process.hpp"

namespace hops {

struct Settings;

namespace ssh {

/// How to reach and log in to one node.
struct SessionOptions {
  /// Host name or address.
  std::string host;
  /// TCP port.
  int port = 22;
  /// Remote user; "" = the local user's name.
  std::string user;
  /// Private key files tried in order (unencrypted, or held by the agent); empty = those of
  /// ~/.ssh/id_ed25519, ~/.ssh/id_ecdsa and ~/.ssh/id_rsa that exist.
  std::vector<std::string> identity_files;
  /// Try the keys of the ssh-agent first.
  bool use_agent = true;
  /// The agent's socket; "" = $SSH_AUTH_SOCK.
  std::string agent_socket;
  /// Environment variable holding the password (see ReadSecret); "" = none.
  std::string password_env;
  /// File holding the password (see ReadSecret); "" = none. Tried after the keys.
  std::string password_file;
  /// The user's known_hosts file: read, and appended to by accept_new; "" = ~/.ssh/known_hosts.
  std::string known_hosts;
  /// A further known_hosts file, only read (`[ssh] known_hosts`); "" = /etc/ssh/ssh_known_hosts.
  std::string extra_known_hosts;
  /// Accept (and record in known_hosts) the key of a host that has none on record yet.
  bool accept_new = false;
  /// How long connecting, the key exchange and each request to the server may take.
  std::chrono::milliseconds connect_timeout{10000};
  /// While a command runs and the server has sent nothing for this long, send it a request that
  /// wants a reply (a channel is opened and closed again), waiting up to connect_timeout, at most
  /// 2 intervals, for it: no answer ends the command as lost (a host that vanished or froze, whose
  /// kernel may still acknowledge TCP); so does data the socket sent that stays unacknowledged
  /// for 3 intervals. 0 = off.
  std::chrono::milliseconds keepalive{15000};
  /// Reach the node through this SSH server (it must allow TCP forwarding), itself verified and
  /// logged in to as any node; nullptr = connect directly.
  std::shared_ptr<const SessionOptions> jump;
  /// Receives -v lines ("ssh root@db1:22: connected, ..."); never a password or an environment
  /// value. nullptr = silent.
  std::function<void(const std::string&)> log;
};

/// Fills the `[ssh]` keys of @p settings (known_hosts, accept_new, connect_timeout, keepalive)
/// into @p o.
void ApplySettings(const Settings& settings, SessionOptions* o);

/// One remote command.
struct RemoteCommand {
  /// The program and its arguments, each passed as it is (not interpreted by any shell); the
  /// program is looked up in the remote PATH. Exactly one of argv and shell is set.
  std::vector<std::string> argv;
  /// A script run by /bin/sh on the target (like `sh -c`).
  std::string shell;
  /// Variables exported to the command: names are [A-Za-z_][A-Za-z0-9_]*, values any bytes but NUL.
  std::vector<std::pair<std::string, std::string>> env;
  /// Remote working directory; "" = the login directory. A missing one fails with status 126.
  std::string cwd;
  /// Bytes fed to the command's stdin, which then sees end-of-file.
  std::string stdin_data;
  /// How long the command may run, counted from the channel's opening.
  std::chrono::milliseconds timeout{10000};
  /// At the timeout the remote group gets SIGTERM; after this, SIGKILL.
  std::chrono::milliseconds kill_grace{1000};
  /// Bytes of stdout and stderr kept (the first ones).
  size_t max_stdout = 64 * 1024;
  size_t max_stderr = 8 * 1024;
  /// When *stop becomes true (looked at least once a second), the command is stopped as at its
  /// timeout (the result says kTimedOut); nullptr = only the timeout stops it.
  const std::atomic<bool>* stop = nullptr;
  /// Called once the command runs, with its process group on the target (the pid it reported)
  /// and the target's boot id (/proc/sys/kernel/random/boot_id, "" when it has none), so that a
  /// run that dies can tell its next resume what it left running there.
  std::function<void(long pgid, const std::string& boot_id)> on_start;
};

/// @p s as one POSIX shell word: between single quotes, each ' written as '\'' ("it's" becomes
/// 'it'\''s'); '' for "". Every byte but NUL stands for itself inside; NUL cannot be passed.
std::string ShellQuote(std::string_view s);

/// True when @p name can be an exported shell variable: [A-Za-z_][A-Za-z0-9_]*.
bool ValidEnvName(std::string_view name);

/// The script /bin/sh runs for @p c: the pid report (when @p report_pid), the export lines, the
/// cd, then `exec` of the quoted argv or the shell string. Throws UsageError for a bad variable
/// name, a NUL byte, or both or neither of argv and shell.
std::string CommandScript(const RemoteCommand& c, bool report_pid = true);

/// What the server is asked to run: `exec /bin/sh -c '<CommandScript>'`.
std::string ExecLine(const RemoteCommand& c, bool report_pid = true);

class Session;

/// A file Session::Upload made; removed when this object is destroyed (or by Remove). It must
/// not outlive its Session.
class RemoteFile {
 public:
  RemoteFile() = default;
  RemoteFile(RemoteFile&& other) noexcept;
  RemoteFile& operator=(RemoteFile&& other) noexcept;
  RemoteFile(const RemoteFile&) = delete;
  RemoteFile& operator=(const RemoteFile&) = delete;
  /// Removes the file if Remove was not called, ignoring failures.
  ~RemoteFile();
  /// The remote path, e.g. "/tmp/hops-3f2a9c0e1b7d4a65-backup.sh".
  const std::string& path() const { return path_; }
  /// Removes the file now; "" when done (or already done), else why not.
  std::string Remove();

 private:
  friend class Session;
  RemoteFile(Session* session, std::string path) : session_(session), path_(std::move(path)) {}
  Session* session_ = nullptr;
  std::string path_;
};

/// An authenticated connection to one node.
class Session {
 public:
  /// Connects, verifies the host key and authenticates. Throws RuntimeError:
  ///   "cannot connect to 'db1:22': Connection refused",
  ///   "host key of 'db1:22' is not known: ssh-ed25519 SHA256:...; ...",
  ///   "host key of 'db1:22' has changed: ...", "authentication failed for 'root@db1:22': ...".
  explicit Session(SessionOptions o);
  /// Disconnects.
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// "user@host:port", for messages.
  const std::string& name() const { return name_; }
  /// The server's host key fingerprint, "SHA256:..." (base64 without padding, as OpenSSH).
  const std::string& host_key_fingerprint() const { return fingerprint_; }

  /// Runs @p c and waits for it. Never throws for remote trouble: a channel that cannot be opened
  /// or a refused command gives kNotStarted, a connection lost midway kLost (with error set).
  /// Status as RunProcess: the exit code, 128+N for signal N, 127 command not found. Once the
  /// command has exited, its output is taken until it ends or pauses for 5 s (a background
  /// process keeping it open is not waited for). kTimedOut with error set: the command had not
  /// yet reported its process id (a login shell slower than timeout + kill_grace +
  /// connect_timeout), so it may still run. Returns by then, plus up to connect_timeout for each
  /// request a hung server leaves unanswered.
  ProcessResult Run(const RemoteCommand& c);

  /// Copies local file @p local_path to a new file in remote directory @p remote_dir, mode 0700.
  /// Throws RuntimeError when it cannot (nothing is left behind then).
  RemoteFile Upload(const std::string& local_path, const std::string& remote_dir = "/tmp");

  /// Uploads @p local_path, runs it with @p c.argv as its arguments (c.shell must be empty; env,
  /// cwd and limits apply), and removes it whatever the outcome. A removal that fails is told in
  /// *@p cleanup_error (when given; "" when it worked). Throws as Upload.
  ProcessResult RunScript(const std::string& local_path, const RemoteCommand& c,
                          const std::string& remote_dir = "/tmp", std::string* cleanup_error = nullptr);

 private:
  friend class RemoteFile;
  struct Impl;
  std::string RemovePath(const std::string& path);
  void Log(const std::string& line) const;

  SessionOptions o_;
  std::string name_;
  std::string fingerprint_;
  std::string password_;  // kept only for redaction of log lines
  mutable std::mutex mu_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ssh
}  // namespace hops

#endif  // HOPS_CMD_HJOB_RUN_SSH_HPP_
