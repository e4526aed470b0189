#include "cmd/hjob-run/ssh.hpp"

#include <fcntl.h>
#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "common/error.hpp"
#include "common/output.hpp"
#include "common/secret.hpp"
#include "common/settings.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::ssh {

namespace {

using Clock = std::chrono::steady_clock;

/// The line the remote script writes to stderr first: its pid (the leader of its process group),
/// a space and the host's boot id.
constexpr char kPidMarker[] = "\036hops-pid=";
/// How much stderr is searched for kPidMarker before giving up.
constexpr size_t kPidSearchLimit = 4096;
/// The longest ExecLine: Linux refuses a single argument above 128 KiB (MAX_ARG_STRLEN), and the
/// line is one argument of the remote login shell.
constexpr size_t kMaxExecLine = 120 * 1024;
/// The largest file Upload copies.
constexpr size_t kMaxUpload = 64 * 1024 * 1024;
/// After the exit status has come, how long the output may pause before the channel is closed
/// without its end (a background process holding the output open). Output still queued behind
/// the channel window comes after the status, and on a loaded host or through a jump host it can
/// pause for more than a second: a shorter wait cut 3 MB of output short.
constexpr std::chrono::milliseconds kDrainAfterExit{5000};
/// ... or three times the longest pause in the command's output so far, up to this.
constexpr std::chrono::milliseconds kDrainMax{60000};

/// The password database entry of the user running us (getpwuid_r: sessions start in parallel).
struct Me {
  std::string name, home;
};
Me LookUpMe() {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  Me me;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found) {
    me.name = found->pw_name ? found->pw_name : "";
    me.home = found->pw_dir ? found->pw_dir : "";
  }
  return me;
}

std::string HomeDirectory() {
  if (const char* home = std::getenv("HOME"); home && *home) return home;
  const std::string home = LookUpMe().home;
  return home.empty() ? "/" : home;
}

std::string LocalUser() {
  const std::string name = LookUpMe().name;
  if (!name.empty()) return name;
  const char* user = std::getenv("USER");
  return user ? user : "";
}

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

/// The signal number of an RFC 4254 signal name ("TERM"), 0 when unknown.
int SignalNumber(const std::string& name) {
  static const std::pair<const char*, int> kSignals[] = {
      {"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"FPE", SIGFPE},   {"HUP", SIGHUP},   {"ILL", SIGILL},
      {"INT", SIGINT},   {"KILL", SIGKILL}, {"PIPE", SIGPIPE}, {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV},
      {"TERM", SIGTERM}, {"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"BUS", SIGBUS},   {"TRAP", SIGTRAP},
  };
  for (const auto& [n, number] : kSignals)
    if (name == n) return number;
  return 0;
}

/// "SHA256:..." of @p key, "" when it cannot be computed.
std::string Fingerprint(ssh_key key) {
  unsigned char* hash = nullptr;
  size_t len = 0;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &len) != 0) return "";
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
  ssh_clean_pubkey_hash(&hash);
  std::string out = text ? text : "";
  ssh_string_free_char(text);
  return out;
}

/// Appends @p data to @p to, keeping at most @p max bytes; sets *@p truncated when some are dropped.
void AppendCapped(std::string* to, const char* data, size_t len, size_t max, bool* truncated) {
  const size_t room = to->size() < max ? max - to->size() : 0;
  to->append(data, std::min(room, len));
  if (len > room) *truncated = true;
}

/// What the callbacks of one running command collect.
struct RunState {
  size_t max_out = 0, max_err = 0;
  std::string out, err;
  bool out_truncated = false, err_truncated = false;
  std::string err_pending;  // stderr held back while looking for kPidMarker
  bool pid_searching = true;
  long pid = 0;
  std::string boot_id;
  bool eof = false, closed = false;
  bool got_status = false, got_signal = false;
  int exit_status = -1;
  std::string exit_signal;
  Clock::time_point last_rx = Clock::now(), exit_at;
  /// The longest pause between two pieces of output so far: on a loaded host (or through a jump
  /// host) output comes in bursts, and the wait after the exit status grows with them.
  Clock::duration max_gap{0};
  bool any_rx = false;

  /// How long to wait for more output after the exit status and the last data.
  Clock::duration Drain() const {
    return std::min<Clock::duration>(std::max<Clock::duration>(kDrainAfterExit, 3 * max_gap), kDrainMax);
  }

  void AddErr(const char* data, size_t len) { AppendCapped(&err, data, len, max_err, &err_truncated); }

  /// Moves held-back stderr out, ending the search for the marker.
  void FlushPending() {
    pid_searching = false;
    AddErr(err_pending.data(), err_pending.size());
    err_pending.clear();
  }

  void Stderr(const char* data, size_t len) {
    if (!pid_searching) return AddErr(data, len);
    err_pending.append(data, len);
    const size_t at = err_pending.find(kPidMarker);
    if (at != std::string::npos) {
      const size_t digits = at + sizeof kPidMarker - 1;
      const size_t nl = err_pending.find('\n', digits);
      if (nl == std::string::npos) {
        if (err_pending.size() > kPidSearchLimit) FlushPending();
        return;
      }
      const std::string_view report = std::string_view(err_pending).substr(digits, nl - digits);
      const size_t space = std::min(report.find(' '), report.size());
      pid = ParseLong(report.substr(0, space), 2, 1L << 30).value_or(0);
      if (space < report.size()) boot_id = Printable(report.substr(space + 1), 64);
      err_pending.erase(at, nl + 1 - at);
      FlushPending();
    } else if (err_pending.size() > kPidSearchLimit) {
      FlushPending();
    }
  }
};

int OnData(ssh_session, ssh_channel, void* data, uint32_t len, int is_stderr, void* userdata) {
  auto* st = static_cast<RunState*>(userdata);
  const auto now = Clock::now();
  if (st->any_rx) st->max_gap = std::max(st->max_gap, now - st->last_rx);
  st->any_rx = true;
  st->last_rx = now;
  if (is_stderr)
    st->Stderr(static_cast<const char*>(data), len);
  else
    AppendCapped(&st->out, static_cast<const char*>(data), len, st->max_out, &st->out_truncated);
  return static_cast<int>(len);
}

void OnEof(ssh_session, ssh_channel, void* userdata) { static_cast<RunState*>(userdata)->eof = true; }

void OnClose(ssh_session, ssh_channel, void* userdata) {
  auto* st = static_cast<RunState*>(userdata);
  st->closed = true;
  st->eof = true;
}

void OnExitStatus(ssh_session, ssh_channel, int status, void* userdata) {
  auto* st = static_cast<RunState*>(userdata);
  st->got_status = true;
  st->exit_status = status;
  st->exit_at = Clock::now();
}

void OnExitSignal(ssh_session, ssh_channel, const char* signal, int, const char*, const char*, void* userdata) {
  auto* st = static_cast<RunState*>(userdata);
  st->got_signal = true;
  st->exit_signal = signal ? signal : "";
  st->exit_at = Clock::now();
}

/// Sets how long each blocking call on @p s may wait (at least 1 ms).
void SetTimeout(ssh_session s, std::chrono::milliseconds t) {
  const long ms = static_cast<long>(std::max<int64_t>(1, t.count()));
  const long secs = ms / 1000, usecs = (ms % 1000) * 1000;
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &secs);
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT_USEC, &usecs);
}

/// Whether the server behind @p s answers a request that wants a reply within @p wait: a channel
/// is opened and closed again (a refusal is an answer too). Restores the session's timeout to
/// @p restore afterwards.
bool Answers(ssh_session s, std::chrono::milliseconds wait, std::chrono::milliseconds restore) {
  ssh_channel probe = ssh_channel_new(s);
  if (!probe) return false;
  SetTimeout(s, wait);
  const int rc = ssh_channel_open_session(probe);
  SetTimeout(s, restore);
  if (rc == SSH_OK) ssh_channel_close(probe);
  ssh_channel_free(probe);
  return ssh_is_connected(s) && rc != SSH_AGAIN;
}

/// Reads file @p path whole; throws RuntimeError.
std::string ReadLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError("cannot read " + Quote(path) + ": " + std::strerror(errno));
  std::string data;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > kMaxUpload) throw RuntimeError(Quote(path) + " is larger than 64 MiB");
  }
  if (in.bad()) throw RuntimeError("cannot read " + Quote(path) + ": " + std::strerror(errno));
  return data;
}

/// A fresh remote file name: "hops-" + 16 random hex digits, then "-" and the local file's name
/// when that holds only letters, digits, '.', '_' and '-'.
std::string TempName(const std::string& local_path) {
  static std::mutex mu;
  static std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(getpid()) << 32));
  uint64_t bits;
  {
    std::lock_guard<std::mutex> lock(mu);
    bits = rng();
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bits));
  std::string name = std::string("hops-") + hex;
  const size_t slash = local_path.rfind('/');
  const std::string base = slash == std::string::npos ? local_path : local_path.substr(slash + 1);
  const bool plain = !base.empty() && base.size() <= 64 && std::all_of(base.begin(), base.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-';
  });
  if (plain) name += "-" + base;
  return name;
}

/// The text of an SFTP status code.
std::string SftpError(sftp_session sftp, ssh_session s) {
  switch (sftp_get_error(sftp)) {
    case SSH_FX_NO_SUCH_FILE: return "No such file or directory";
    case SSH_FX_PERMISSION_DENIED: return "Permission denied";
    case SSH_FX_FILE_ALREADY_EXISTS: return "File exists";
    case SSH_FX_NO_SUCH_PATH: return "No such file or directory";
    case SSH_FX_WRITE_PROTECT: return "Read-only file system";
    case SSH_FX_NO_MEDIA: return "No medium found";
    case SSH_FX_CONNECTION_LOST: return "connection lost";
    default: return LowerFirst(ssh_get_error(s));
  }
}

}  // namespace

// ---- command text ----

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char ch : s) {
    if (ch == '\'')
      out += "'\\''";
    else
      out += ch;
  }
  out += "'";
  return out;
}

bool ValidEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
  });
}

std::string CommandScript(const RemoteCommand& c, bool report_pid) {
  if (c.argv.empty() == c.shell.empty())
    throw UsageError(c.argv.empty() ? "a remote command needs an argv or a shell string"
                                    : "a remote command takes an argv or a shell string, not both");
  auto no_nul = [](std::string_view what, std::string_view s) {
    if (s.find('\0') != std::string_view::npos) throw UsageError(std::string(what) + " holds a NUL byte");
  };
  std::string script;
  if (report_pid)
    script += "{ read hops_boot_id < /proc/sys/kernel/random/boot_id; } 2>/dev/null\n"
              "printf '\\036hops-pid=%s %s\\n' \"$$\" \"$hops_boot_id\" >&2\nunset hops_boot_id\n";
  for (const auto& [name, value] : c.env) {
    if (!ValidEnvName(name))
      throw UsageError("invalid environment variable name " + Quote(Printable(name, 80)) +
                       " (expected letters, digits and '_', not starting with a digit)");
    no_nul("the value of environment variable " + Quote(name), value);
    script += "export " + name + "=" + ShellQuote(value) + "\n";
  }
  if (!c.cwd.empty()) {
    no_nul("the working directory", c.cwd);
    script += "cd " + ShellQuote(c.cwd) + " || exit 126\n";
  }
  if (!c.argv.empty()) {
    if (!c.argv[0].empty() && c.argv[0][0] == '-')
      throw UsageError("remote program name " + Quote(Printable(c.argv[0], 80)) + " starts with '-'");
    script += "exec";
    for (const std::string& arg : c.argv) {
      no_nul("a remote command argument", arg);
      script += " " + ShellQuote(arg);
    }
    script += "\n";
  } else {
    no_nul("the remote shell command", c.shell);
    script += c.shell;
    script += "\n";
  }
  return script;
}

std::string ExecLine(const RemoteCommand& c, bool report_pid) {
  return "exec /bin/sh -c " + ShellQuote(CommandScript(c, report_pid));
}

void ApplySettings(const Settings& settings, SessionOptions* o) {
  if (!settings.ssh_known_hosts.empty()) o->extra_known_hosts = settings.ssh_known_hosts;
  o->accept_new = settings.ssh_accept_new;
  if (auto d = ParseDuration(settings.ssh_connect_timeout); d && d->count() > 0) o->connect_timeout = *d;
  if (auto d = ParseDuration(settings.ssh_keepalive); d && d->count() >= 0) o->keepalive = *d;
}

// ---- RemoteFile ----

RemoteFile::RemoteFile(RemoteFile&& other) noexcept
    : session_(std::exchange(other.session_, nullptr)), path_(std::move(other.path_)) {}

RemoteFile& RemoteFile::operator=(RemoteFile&& other) noexcept {
  if (this != &other) {
    Remove();
    session_ = std::exchange(other.session_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

RemoteFile::~RemoteFile() { Remove(); }

std::string RemoteFile::Remove() {
  if (!session_) return "";
  Session* session = std::exchange(session_, nullptr);
  try {
    return session->RemovePath(path_);
  } catch (const std::exception& e) {
    return e.what();
  }
}

// ---- Session ----

struct Session::Impl {
  ssh_session s = nullptr;
  sftp_session sftp = nullptr;
  bool sftp_tried = false;
  // Through a jump host: its session, the direct-tcpip channel to the node on it, the socketpair
  // end the pump thread serves (the other is the node session's), and the pump thread.
  std::unique_ptr<Session> jump;
  ssh_channel tunnel = nullptr;
  int pump_fd = -1;
  std::atomic<bool> stop_pump{false};
  std::thread pump;

  ~Impl() {
    if (sftp) sftp_free(sftp);
    if (s) {
      ssh_disconnect(s);
      ssh_free(s);  // closes the node's end of the socketpair too
    }
    stop_pump = true;
    if (pump.joinable()) pump.join();
    if (pump_fd >= 0) close(pump_fd);
    if (tunnel) {
      if (jump && ssh_is_connected(jump->impl_->s)) ssh_channel_close(tunnel);
      ssh_channel_free(tunnel);
    }
  }

  /// Copies bytes both ways between the tunnel and pump_fd until either side ends or stop_pump.
  /// Each turn moves whatever is ready on either side and sleeps in poll() only when neither had
  /// anything: libssh's connectors moved about 1 MB/s through a jump host, this moves what the
  /// link carries.
  void Pump() {
    ssh_session js = jump->impl_->s;
    std::lock_guard<std::mutex> lock(jump->mu_);  // the jump session is this thread's alone now
    std::vector<char> buf(256 * 1024);
    auto write_all = [&](const char* data, size_t len) {
      while (len > 0) {
        const ssize_t n = ::write(pump_fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        len -= static_cast<size_t>(n);
      }
      return true;
    };
    bool node_open = true;  // the node session still writes to us
    while (!stop_pump && ssh_channel_is_open(tunnel)) {
      bool moved = false;
      // The node's bytes, from the tunnel to the node session.
      const int avail = ssh_channel_poll(tunnel, 0);
      if (avail == SSH_ERROR || avail == SSH_EOF) break;
      if (avail > 0) {
        const int n = ssh_channel_read_nonblocking(tunnel, buf.data(),
                                                   static_cast<uint32_t>(std::min<size_t>(avail, buf.size())), 0);
        if (n == SSH_ERROR) break;
        if (n > 0) {
          if (!write_all(buf.data(), static_cast<size_t>(n))) break;
          moved = true;
        }
      }
      // The node session's bytes, into the tunnel.
      if (node_open) {
        const ssize_t n = ::recv(pump_fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n > 0) {
          if (ssh_channel_write(tunnel, buf.data(), static_cast<uint32_t>(n)) == SSH_ERROR) break;
          moved = true;
        } else if (n == 0) {
          node_open = false;
          ssh_channel_send_eof(tunnel);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
          break;
        }
      }
      if (moved) continue;
      pollfd fds[2] = {{ssh_get_fd(js), POLLIN, 0}, {pump_fd, static_cast<short>(node_open ? POLLIN : 0), 0}};
      ::poll(fds, 2, 100);
    }
    // The node's session sees the end of its connection.
    shutdown(pump_fd, SHUT_RDWR);
  }

  std::string Error() const { return LowerFirst(ssh_get_error(s)); }
};

namespace {

/// Serialises the known_hosts reads and appends of the sessions of this process.
std::mutex known_hosts_mu;

}  // namespace

Session::Session(SessionOptions o) : o_(std::move(o)), impl_(std::make_unique<Impl>()) {
  static std::once_flag init;
  std::call_once(init, [] { ssh_init(); });
  if (o_.user.empty()) o_.user = LocalUser();
  const std::string host_port = o_.host + ":" + std::to_string(o_.port);
  name_ = o_.user + "@" + host_port;
  const std::string home = HomeDirectory();
  if (o_.known_hosts.empty()) o_.known_hosts = home + "/.ssh/known_hosts";
  if (o_.extra_known_hosts.empty()) o_.extra_known_hosts = "/etc/ssh/ssh_known_hosts";

  ssh_session s = impl_->s = ssh_new();
  if (!s) throw RuntimeError("cannot connect to " + Quote(host_port) + ": out of memory");
  bool no = false;
  int one = 1;
  unsigned int port = static_cast<unsigned int>(o_.port);
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no);
  if (ssh_options_set(s, SSH_OPTIONS_HOST, o_.host.c_str()) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_PORT, &port) != SSH_OK ||
      ssh_options_set(s, SSH_OPTIONS_USER, o_.user.c_str()) != SSH_OK)
    throw RuntimeError("cannot connect to " + Quote(host_port) + ": " + impl_->Error());
  SetTimeout(s, o_.connect_timeout);
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &one);
  ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, o_.known_hosts.c_str());
  ssh_options_set(s, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, o_.extra_known_hosts.c_str());
  if (!o_.agent_socket.empty()) ssh_options_set(s, SSH_OPTIONS_IDENTITY_AGENT, o_.agent_socket.c_str());
  if (o_.jump) {
    impl_->jump = std::make_unique<Session>(*o_.jump);
    Log("through jump host " + Quote(impl_->jump->name()));
    ssh_session js = impl_->jump->impl_->s;
    impl_->tunnel = ssh_channel_new(js);
    if (!impl_->tunnel ||
        ssh_channel_open_forward(impl_->tunnel, o_.host.c_str(), o_.port, "127.0.0.1", 0) != SSH_OK)
      throw RuntimeError("cannot connect to " + Quote(host_port) + " through jump host " +
                         Quote(impl_->jump->name()) + ": " + LowerFirst(ssh_get_error(js)));
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw RuntimeError("cannot connect to " + Quote(host_port) + ": socketpair: " + std::strerror(errno));
    impl_->pump_fd = fds[1];
    socket_t node_fd = fds[0];
    if (ssh_options_set(s, SSH_OPTIONS_FD, &node_fd) != SSH_OK) {
      close(node_fd);
      throw RuntimeError("cannot connect to " + Quote(host_port) + ": " + impl_->Error());
    }
    impl_->pump = std::thread([impl = impl_.get()] { impl->Pump(); });
  }

  Log("connecting");
  if (ssh_connect(s) != SSH_OK)
    throw RuntimeError("cannot connect to " + Quote(host_port) + ": " + impl_->Error());
  if (o_.keepalive.count() > 0 && !o_.jump) {
    // A peer that vanished: written data that stays unacknowledged ends the connection.
    const int fd = ssh_get_fd(s);
    unsigned int user_timeout = static_cast<unsigned int>(std::min<int64_t>(3 * o_.keepalive.count(), 1 << 30));
    setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
  }

  // The host key.
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(s, &key) != SSH_OK)
    throw RuntimeError("cannot get the host key of " + Quote(host_port) + ": " + impl_->Error());
  fingerprint_ = Fingerprint(key);
  const std::string key_text = std::string(ssh_key_type_to_char(ssh_key_type(key))) + " " + fingerprint_;
  ssh_key_free(key);
  const std::string files = Quote(o_.known_hosts) + " and " + Quote(o_.extra_known_hosts);
  std::unique_lock<std::mutex> known_hosts_lock(known_hosts_mu);
  switch (ssh_session_is_known_server(s)) {
    case SSH_KNOWN_HOSTS_OK:
      Log("host key " + key_text + " is known");
      break;
    case SSH_KNOWN_HOSTS_CHANGED:
    case SSH_KNOWN_HOSTS_OTHER:
      throw RuntimeError("host key of " + Quote(host_port) + " has changed: it offers " + key_text +
                         ", which " + files + " do not list for it; refusing to connect (someone may be "
                         "intercepting the connection; if the host was reinstalled, remove its old key "
                         "with ssh-keygen -R)");
    case SSH_KNOWN_HOSTS_UNKNOWN:
    case SSH_KNOWN_HOSTS_NOT_FOUND:
      if (!o_.accept_new)
        throw RuntimeError("host key of " + Quote(host_port) + " is not known: " + key_text + " is in neither " +
                           Quote(o_.known_hosts) + " nor " + Quote(o_.extra_known_hosts) + "; check the fingerprint and add the key (ssh-keyscan), or set accept_new");
      if (ssh_session_update_known_hosts(s) != SSH_OK)
        throw RuntimeError("cannot add the host key of " + Quote(host_port) + " to " + Quote(o_.known_hosts) +
                           ": " + impl_->Error());
      Log("host key " + key_text + " is new: added to " + o_.known_hosts);
      break;
    default:
      throw RuntimeError("cannot check the host key of " + Quote(host_port) + ": " + impl_->Error());
  }

  known_hosts_lock.unlock();

  // Authentication.
  int rc = ssh_userauth_none(s, nullptr);
  if (rc == SSH_AUTH_SUCCESS) return;
  if (rc == SSH_AUTH_ERROR) throw RuntimeError("cannot log in to " + Quote(name_) + ": " + impl_->Error());
  std::vector<std::string> tried;
  const int methods = ssh_userauth_list(s, nullptr);
  if (methods & SSH_AUTH_METHOD_PUBLICKEY) {
    const char* env_sock = std::getenv("SSH_AUTH_SOCK");
    if (o_.use_agent && (!o_.agent_socket.empty() || (env_sock && *env_sock))) {
      Log("trying the agent's keys");
      rc = ssh_userauth_agent(s, nullptr);
      if (rc == SSH_AUTH_SUCCESS) {
        Log("logged in with a key of the agent");
        return;
      }
      tried.push_back("the agent's keys");
    }
    std::vector<std::string> identities = o_.identity_files;
    const bool defaults = identities.empty();
    if (defaults) identities = {home + "/.ssh/id_ed25519", home + "/.ssh/id_ecdsa", home + "/.ssh/id_rsa"};
    for (const std::string& path : identities) {
      if (defaults && access(path.c_str(), F_OK) != 0) continue;
      ssh_key priv = nullptr;
      if (ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &priv) != SSH_OK) {
        tried.push_back("key " + Quote(path) + " (cannot be read: missing, encrypted or not a private key)");
        continue;
      }
      Log("trying key " + path);
      rc = ssh_userauth_publickey(s, nullptr, priv);
      ssh_key_free(priv);
      if (rc == SSH_AUTH_SUCCESS) {
        Log("logged in with key " + path);
        return;
      }
      if (rc == SSH_AUTH_ERROR) throw RuntimeError("cannot log in to " + Quote(name_) + ": " + impl_->Error());
      tried.push_back("key " + Quote(path));
    }
  }
  if (!o_.password_env.empty() || !o_.password_file.empty()) {
    std::string err;
    const bool from_env = !o_.password_env.empty();
    auto pw = ReadSecret(from_env ? "password_env" : "password_file", from_env ? o_.password_env : o_.password_file, &err);
    if (!pw) throw RuntimeError("cannot log in to " + Quote(name_) + ": " + err);
    password_ = *pw;
    if (methods & SSH_AUTH_METHOD_PASSWORD) {
      Log("trying the password");
      rc = ssh_userauth_password(s, nullptr, pw->c_str());
      if (rc == SSH_AUTH_SUCCESS) {
        Log("logged in with the password");
        return;
      }
      tried.push_back("the password");
    } else if (methods & SSH_AUTH_METHOD_INTERACTIVE) {
      Log("trying the password (keyboard-interactive)");
      rc = ssh_userauth_kbdint(s, nullptr, nullptr);
      for (int round = 0; rc == SSH_AUTH_INFO && round < 4; ++round) {
        const int prompts = ssh_userauth_kbdint_getnprompts(s);
        for (int i = 0; i < prompts; ++i) {
          char echo = 0;
          ssh_userauth_kbdint_getprompt(s, static_cast<unsigned>(i), &echo);
          // Only a hidden prompt gets the password; anything else is a question we cannot answer.
          ssh_userauth_kbdint_setanswer(s, static_cast<unsigned>(i), echo ? "" : pw->c_str());
        }
        rc = ssh_userauth_kbdint(s, nullptr, nullptr);
      }
      if (rc == SSH_AUTH_SUCCESS) {
        Log("logged in with the password");
        return;
      }
      tried.push_back("the password (keyboard-interactive)");
    } else {
      tried.push_back("no password (the server takes none)");
    }
    if (rc == SSH_AUTH_ERROR) throw RuntimeError("cannot log in to " + Quote(name_) + ": " + impl_->Error());
  }
  std::vector<std::string> accepted;
  if (methods & SSH_AUTH_METHOD_PUBLICKEY) accepted.push_back("publickey");
  if (methods & SSH_AUTH_METHOD_PASSWORD) accepted.push_back("password");
  if (methods & SSH_AUTH_METHOD_INTERACTIVE) accepted.push_back("keyboard-interactive");
  if (methods & SSH_AUTH_METHOD_GSSAPI_MIC) accepted.push_back("gssapi-with-mic");
  if (methods & SSH_AUTH_METHOD_HOSTBASED) accepted.push_back("hostbased");
  throw RuntimeError(RedactSecrets("authentication failed for " + Quote(name_) + ": tried " +
                                       (tried.empty() ? std::string("nothing") : Join(tried, ", ")) +
                                       "; the server accepts " +
                                       (accepted.empty() ? std::string("none") : Join(accepted, ", ")),
                                   {password_}));
}

Session::~Session() = default;

void Session::Log(const std::string& line) const {
  if (o_.log) o_.log(RedactSecrets("ssh " + name_ + ": " + line, {password_}));
}

ProcessResult Session::Run(const RemoteCommand& c) {
  std::lock_guard<std::mutex> lock(mu_);
  ProcessResult r;
  std::string line;
  try {
    line = ExecLine(c);
  } catch (const Error& e) {
    r.error = e.what();
    return r;
  }
  if (line.size() > kMaxExecLine) {
    r.error = "the remote command with its environment takes " + std::to_string(line.size()) +
              " bytes, more than the 120 KiB a remote shell argument may hold (pass large data in a file or on stdin)";
    return r;
  }
  {
    std::string names;
    for (const auto& kv : c.env) names += " " + kv.first;
    Log("running " + (c.argv.empty() ? "sh -c " + Quote(Printable(c.shell, 200)) : Quote(Printable(c.argv[0], 200))) +
        (names.empty() ? "" : " with" + names));
  }
  ssh_session s = impl_->s;
  const auto start = Clock::now();
  ssh_channel ch = ssh_channel_new(s);
  if (!ch || ssh_channel_open_session(ch) != SSH_OK) {
    r.error = "cannot open a channel to " + Quote(name_) + ": " + impl_->Error();
    if (ch) ssh_channel_free(ch);
    return r;
  }
  RunState st;
  st.max_out = c.max_stdout;
  st.max_err = c.max_stderr;
  ssh_channel_callbacks_struct cb{};
  cb.userdata = &st;
  cb.channel_data_function = OnData;
  cb.channel_eof_function = OnEof;
  cb.channel_close_function = OnClose;
  cb.channel_exit_status_function = OnExitStatus;
  cb.channel_exit_signal_function = OnExitSignal;
  ssh_callbacks_init(&cb);
  ssh_set_channel_callbacks(ch, &cb);
  auto finish = [&] {
    ssh_remove_channel_callbacks(ch, &cb);
    if (!st.closed && ssh_is_connected(s)) ssh_channel_close(ch);
    ssh_channel_free(ch);
  };
  if (ssh_channel_request_exec(ch, line.c_str()) != SSH_OK) {
    r.error = "cannot run a command on " + Quote(name_) + ": " + impl_->Error();
    finish();
    return r;
  }
  bool lost = false;
  std::string lost_why;
  if (!c.stdin_data.empty()) {
    size_t sent = 0;
    while (sent < c.stdin_data.size()) {
      const uint32_t chunk = static_cast<uint32_t>(std::min<size_t>(c.stdin_data.size() - sent, 32768));
      const int n = ssh_channel_write(ch, c.stdin_data.data() + sent, chunk);
      if (n <= 0) break;  // the command stopped reading; its end tells the rest
      sent += static_cast<size_t>(n);
    }
  }
  ssh_channel_send_eof(ch);

  // Stopping the remote process group: an SSH signal request (sshd kills the group, but refuses
  // for root logins and before OpenSSH 7.9), and `kill -SIG -PGID` on a second channel once the
  // script has reported its pid, which a slow login shell may delay past the timeout.
  auto kill_group = [&](const char* sig) {
    Log(std::string("timed out: sending SIG") + sig + " to process group " + std::to_string(st.pid));
    ssh_channel killer = ssh_channel_new(s);
    if (!killer) return;
    const std::string cmd = std::string("kill -") + sig + " -" + std::to_string(st.pid) + " 2>/dev/null";
    if (ssh_channel_open_session(killer) == SSH_OK && ssh_channel_request_exec(killer, cmd.c_str()) == SSH_OK) {
      ssh_channel_send_eof(killer);
      ssh_channel_get_exit_status(killer);  // waits until the kill has run
      ssh_channel_close(killer);
    }
    ssh_channel_free(killer);
  };

  ssh_event event = ssh_event_new();
  ssh_event_add_session(event, s);
  const auto deadline = start + c.timeout;
  Clock::time_point kill_at{}, give_up_at{};
  bool timed_out = false, killed = false;
  int group_got = 0;  // what kill_group sent: 0 nothing yet, 1 SIGTERM, 2 SIGKILL
  auto last_keepalive = Clock::now();
  bool started = false;
  auto tell_start = [&] {
    if (started || st.pid <= 0) return;
    started = true;
    if (c.on_start) c.on_start(st.pid, st.boot_id);
  };
  while (!st.closed) {
    tell_start();
    const auto now = Clock::now();
    const bool ended = st.got_status || st.got_signal;
    if (ended && st.eof) break;
    // After the exit, output still comes in (sshd sends the status before the data the window
    // held back); a background process holding the output open sends nothing: stop waiting.
    if (ended && now - std::max(st.exit_at, st.last_rx) >= st.Drain()) break;
    const bool stopped = c.stop && c.stop->load();
    if (!timed_out && (now >= deadline || stopped)) {
      timed_out = true;
      Log(stopped ? std::string("stopped") : "timed out after " + FormatDuration(c.timeout));
      ssh_channel_request_send_signal(ch, "TERM");
      kill_at = now + c.kill_grace;
    }
    if (timed_out && !killed && now >= kill_at) {
      killed = true;
      ssh_channel_request_send_signal(ch, "KILL");
      // Without the pid yet, wait for it as long as the login may take.
      give_up_at = now + std::chrono::seconds(2) + (st.pid > 0 ? std::chrono::milliseconds(0) : o_.connect_timeout);
    }
    if (timed_out && st.pid > 0 && !ended) {
      const int want = killed ? 2 : 1;
      if (group_got != want) {
        kill_group(killed ? "KILL" : "TERM");
        group_got = want;
        if (killed) give_up_at = std::min(give_up_at, Clock::now() + std::chrono::seconds(2));
        continue;
      }
    }
    if (killed && now >= give_up_at) break;
    auto next = timed_out ? (killed ? give_up_at : kill_at) : deadline;
    if (ended) next = std::min<Clock::time_point>(next, std::max(st.exit_at, st.last_rx) + st.Drain());
    if (o_.keepalive.count() > 0) {
      const auto ka = std::max(st.last_rx, last_keepalive) + o_.keepalive;
      if (now >= ka) {
        Log("no data for " + FormatDuration(o_.keepalive) + ": checking the connection");
        // A frozen or vanished host whose kernel still acknowledges TCP never answers: only a
        // request that must be answered tells (a keepalive@openssh.com request whose reply never
        // comes is not noticed by libssh). Opening a channel is one.
        const auto wait = std::min<std::chrono::milliseconds>(o_.connect_timeout, 2 * o_.keepalive);
        if (!Answers(s, wait, o_.connect_timeout)) {
          lost = true;
          lost_why = ssh_is_connected(s) ? "no answer within " + FormatDuration(wait) + " to a check of the connection"
                                         : impl_->Error();
          break;
        }
        last_keepalive = Clock::now();
        continue;
      }
      next = std::min(next, ka);
    }
    const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - now).count();
    const int rc = ssh_event_dopoll(event, static_cast<int>(std::clamp<int64_t>(wait, 1, c.stop ? 200 : 1000)));
    if (rc == SSH_ERROR || !ssh_is_connected(s)) {
      lost = true;
      lost_why = impl_->Error();
      break;
    }
  }
  ssh_event_remove_session(event, s);
  ssh_event_free(event);
  tell_start();  // a command that ended within one poll
  finish();
  st.FlushPending();

  r.out = std::move(st.out);
  r.err = std::move(st.err);
  r.out_truncated = st.out_truncated;
  r.err_truncated = st.err_truncated;
  if (st.got_signal) {
    r.signal = SignalNumber(st.exit_signal);
    r.status = r.signal > 0 ? 128 + r.signal : -1;
  }
  if (timed_out) {
    r.end = ProcessEnd::kTimedOut;
    if (!st.got_signal && st.got_status) r.status = st.exit_status;
    if (!group_got && !st.got_signal && !st.got_status)
      r.error = "the command on " + Quote(name_) + " never reported its process id; it may still run";
  } else if (st.got_signal) {
    r.end = ProcessEnd::kSignaled;
  } else if (st.got_status) {
    r.end = ProcessEnd::kExited;
    r.exit_code = r.status = st.exit_status;
  } else {
    r.end = ProcessEnd::kLost;
    r.error = lost ? "connection to " + Quote(name_) + " lost: " + lost_why
                   : "the command on " + Quote(name_) + " ended without an exit status";
  }
  Log("ended: status " + std::to_string(r.status));
  return r;
}

RemoteFile Session::Upload(const std::string& local_path, const std::string& remote_dir) {
  const std::string data = ReadLocalFile(local_path);
  std::string dir = remote_dir.empty() ? "/tmp" : remote_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  const std::string path = (dir == "/" ? "" : dir) + "/" + TempName(local_path);
  std::unique_lock<std::mutex> lock(mu_);
  ssh_session s = impl_->s;
  if (!impl_->sftp_tried) {
    impl_->sftp_tried = true;
    impl_->sftp = sftp_new(s);
    if (impl_->sftp && sftp_init(impl_->sftp) != SSH_OK) {
      Log("no SFTP (" + impl_->Error() + "): copying files through cat");
      sftp_free(impl_->sftp);
      impl_->sftp = nullptr;
    }
  }
  Log("uploading " + local_path + " to " + path);
  const std::string failed = "cannot upload " + Quote(local_path) + " to " + Quote(path) + " on " + Quote(name_) + ": ";
  if (sftp_session sftp = impl_->sftp) {
    sftp_file f = sftp_open(sftp, path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0700);
    if (!f) throw RuntimeError(failed + SftpError(sftp, s));
    std::string why;
    for (size_t sent = 0; sent < data.size() && why.empty();) {
      const ssize_t n = sftp_write(f, data.data() + sent, std::min<size_t>(data.size() - sent, 32768));
      if (n <= 0)
        why = SftpError(sftp, s);
      else
        sent += static_cast<size_t>(n);
    }
    if (sftp_close(f) != SSH_NO_ERROR && why.empty()) why = SftpError(sftp, s);
    // The server's umask may have narrowed the mode given to open.
    if (why.empty() && sftp_chmod(sftp, path.c_str(), 0700) != 0) why = SftpError(sftp, s);
    if (!why.empty()) {
      sftp_unlink(sftp, path.c_str());
      throw RuntimeError(failed + why);
    }
    return RemoteFile(this, path);
  }
  lock.unlock();
  RemoteCommand copy;
  copy.shell = "set -C; umask 077; cat > " + ShellQuote(path) + " && chmod 700 " + ShellQuote(path);
  copy.stdin_data = data;
  copy.timeout = std::max<std::chrono::milliseconds>(std::chrono::seconds(60), o_.connect_timeout);
  ProcessResult r = Run(copy);
  if (r.end != ProcessEnd::kExited || r.exit_code != 0) {
    if (r.end == ProcessEnd::kExited) RemovePath(path);  // set -C: a file that existed is not ours
    throw RuntimeError(failed + (r.error.empty() ? Printable(Trim(r.err), 300) : r.error));
  }
  return RemoteFile(this, path);
}

std::string Session::RemovePath(const std::string& path) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sftp_session sftp = impl_->sftp) {
      if (sftp_unlink(sftp, path.c_str()) == 0 || sftp_get_error(sftp) == SSH_FX_NO_SUCH_FILE) {
        Log("removed " + path);
        return "";
      }
      return "cannot remove " + Quote(path) + " on " + Quote(name_) + ": " + SftpError(sftp, impl_->s);
    }
  }
  RemoteCommand rm;
  rm.argv = {"rm", "-f", "--", path};
  rm.timeout = std::max<std::chrono::milliseconds>(std::chrono::seconds(30), o_.connect_timeout);
  ProcessResult r = Run(rm);
  if (r.end == ProcessEnd::kExited && r.exit_code == 0) return "";
  return "cannot remove " + Quote(path) + " on " + Quote(name_) + ": " +
         (r.error.empty() ? Printable(Trim(r.err), 300) : r.error);
}

ProcessResult Session::RunScript(const std::string& local_path, const RemoteCommand& c, const std::string& remote_dir,
                                 std::string* cleanup_error) {
  if (!c.shell.empty()) throw UsageError("a script takes arguments (argv), not a shell string");
  RemoteFile file = Upload(local_path, remote_dir);
  RemoteCommand run = c;
  run.argv.insert(run.argv.begin(), file.path());
  ProcessResult r = Run(run);
  std::string err = file.Remove();
  if (cleanup_error) *cleanup_error = err;
  return r;
}

}  // namespace hops::ssh
