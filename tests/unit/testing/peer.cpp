#include "tests/unit/testing/peer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <glob.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>

namespace hops::testing {

namespace {

/// The inodes of the TCP sockets listening on 127.0.0.1 or any address at @p port.
std::set<std::string> ListeningInodes(int port) {
  std::set<std::string> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, timer, retr, uid, timeout, inode;
      if (!(f >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >> inode)) continue;
      const size_t colon = local.rfind(':');
      if (st != "0A" || colon == std::string::npos) continue;  // 0A: LISTEN
      if (std::stoi(local.substr(colon + 1), nullptr, 16) == port) out.insert(inode);
    }
  }
  return out;
}

/// Whether process @p pid itself holds a socket listening on @p port (not some other test's
/// server that took the port first).
bool ListensOn(pid_t pid, int port) {
  const std::set<std::string> inodes = ListeningInodes(port);
  if (inodes.empty()) return false;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code lec;
    const std::string target = std::filesystem::read_symlink(e.path(), lec).string();
    if (target.rfind("socket:[", 0) == 0 && inodes.count(target.substr(8, target.size() - 9))) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<Peer> Peer::StartOnFreePort(const std::function<std::vector<std::string>(int)>& argv_for,
                                            int* port, const std::string& log_path, std::string* err,
                                            int wait_ms) {
  for (int attempt = 1;; ++attempt) {
    *port = FreePort();
    auto peer = Start(argv_for(*port), *port, log_path, err, wait_ms);
    if (peer || attempt == 3 || err->find("exited before listening") == std::string::npos) return peer;
  }
}

std::unique_ptr<Peer> Peer::Start(const std::vector<std::string>& argv, int port,
                                  const std::string& log_path, std::string* err, int wait_ms) {
  if (argv.empty()) {
    *err = "empty command";
    return nullptr;
  }
  pid_t pid = fork();
  if (pid < 0) {
    *err = std::string("fork: ") + std::strerror(errno);
    return nullptr;
  }
  if (pid == 0) {
    setpgid(0, 0);
    int fd = open(log_path.empty() ? "/dev/null" : log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0) dup2(nul, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  std::unique_ptr<Peer> peer(new Peer(pid));
  if (port <= 0) return peer;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    // Listening, and it is our process that listens: a parallel test's server that took the port
    // first must not be mistaken for ours (ours then fails to bind and exits, reported below).
    if (PortOpen(port) && ListensOn(pid, port)) return peer;
    int status;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      peer->pid_ = -1;
      *err = argv[0] + " exited before listening on port " + std::to_string(port) + " (log: " + log_path + ")";
      return nullptr;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  *err = argv[0] + " did not listen on port " + std::to_string(port) + " in time (log: " + log_path + ")";
  return nullptr;
}

Peer::~Peer() { Stop(); }

void Peer::Stop() {
  if (pid_ <= 0) return;
  kill(-pid_, SIGTERM);
  kill(pid_, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

namespace {

/// True when 127.0.0.1:@p port can be bound now with socket @p type (SOCK_STREAM or SOCK_DGRAM).
bool CanBind(int port, int type) {
  int fd = socket(AF_INET, type, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const bool ok = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

/// The first port of the kernel's ephemeral range (ip_local_port_range), 32768 when unknown.
int EphemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return in >> low && low > 0 ? low : 32768;
}

}  // namespace

int FreePort() {
  // A port from bind(0) is in the kernel's ephemeral range, which every outgoing connection and
  // every other test's bind(0) draws from too: between this function and the server's own bind,
  // a neighbouring test could take it ("Address already in use"). So pick at random from below
  // that range, free for both TCP and UDP (dnsmasq binds both), and never twice in one process.
  static std::mutex mu;
  static std::set<int> given;
  static std::mt19937 rng(std::random_device{}() ^ static_cast<unsigned>(getpid()));
  std::lock_guard<std::mutex> lock(mu);
  const int low = 10000, high = EphemeralLow() - 1;
  if (high - low >= 1000) {
    std::uniform_int_distribution<int> pick(low, high);
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const int port = pick(rng);
      if (given.count(port) || !CanBind(port, SOCK_STREAM) || !CanBind(port, SOCK_DGRAM)) continue;
      given.insert(port);
      return port;
    }
  }
  // No room below the ephemeral range: let the kernel choose.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  given.insert(port);
  return port;
}

bool PortOpen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

namespace {

// The directories MakeTempDir made in this process, removed when it exits. Built on the first
// MakeTempDir, so it is destroyed after the static peers (nginx, ...) started later, which may
// still be writing into them until they stop.
class TempDirs {
 public:
  void Add(std::string dir) {
    std::lock_guard<std::mutex> lock(mu_);
    dirs_.push_back(std::move(dir));
  }
  ~TempDirs() {
    const char* keep = std::getenv("HOPS_KEEP_TMP");
    if (getpid() != owner_ || (keep && std::string(keep) == "1")) return;
    for (const std::string& dir : dirs_) {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  }

 private:
  const pid_t owner_ = getpid();  // a forked child that exits must not remove its parent's
  std::mutex mu_;
  std::vector<std::string> dirs_;
};

}  // namespace

std::string MakeTempDir(const std::string& prefix) {
  static TempDirs made;
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) return "";
  made.Add(buf.data());
  return buf.data();
}

std::string FindProgram(const std::string& program) {
  if (program.find('/') != std::string::npos) return access(program.c_str(), X_OK) == 0 ? program : "";
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin:/usr/local/sbin";
  size_t start = 0;
  while (start <= path.size()) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      std::string full = dir + "/" + program;
      if (access(full.c_str(), X_OK) == 0) return full;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  glob_t g;
  std::string pattern = "/usr/lib/postgresql/*/bin/" + program;
  std::string found;
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = g.gl_pathc; i-- > 0 && found.empty();)  // the newest version first
      if (access(g.gl_pathv[i], X_OK) == 0) found = g.gl_pathv[i];
  }
  globfree(&g);
  return found;
}

std::string Missing(const std::vector<std::string>& programs) {
  for (const std::string& program : programs)
    if (FindProgram(program).empty())
      return program + " is not installed (HOPS_ALLOW_SKIP=1 skips the tests that need it)";
  return "";
}

bool SkipAllowed() {
  const char* allow = std::getenv("HOPS_ALLOW_SKIP");
  return allow && std::string(allow) == "1";
}

bool SkipWithout(const std::string& program) { return SkipAllowed() && FindProgram(program).empty(); }

bool SkipUnless(bool (*available)()) { return SkipAllowed() && !available(); }

bool HasIpv6Loopback() {
  std::ifstream in("/proc/net/if_inet6");
  std::string address, rest;
  while (in >> address && std::getline(in, rest))
    if (address == "00000000000000000000000000000001") return true;
  return false;
}

bool IsRoot() { return geteuid() == 0; }

int RunCommand(const std::vector<std::string>& argv, std::string* out) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return -1;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(pipefd[1], 1);
    dup2(pipefd[1], 2);
    close(pipefd[0]);
    close(pipefd[1]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  close(pipefd[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}

bool ProcessGone(int pid, int wait_ms) {
  auto gone = [pid] {
    if (::kill(pid, 0) != 0) return errno == ESRCH;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("State:", 0) == 0) return line.find('Z') != std::string::npos;
    }
    return true;
  };
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (!gone()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

std::string WriteScript(const std::string& dir, const std::string& name, const std::string& body) {
  const std::string path = dir + "/" + name;
  WriteFile(path, "#!/bin/sh\n" + body);
  ::chmod(path.c_str(), 0755);
  return path;
}

}  // namespace hops::testing
