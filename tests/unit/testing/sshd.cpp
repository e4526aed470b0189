#include "tests/unit/testing/sshd.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace hops::testing {

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string MakeSshKey(const std::string& path, const std::string& type) {
  ::unlink(path.c_str());
  ::unlink((path + ".pub").c_str());
  std::string out;
  const int rc = RunCommand({"ssh-keygen", "-q", "-t", type, "-N", "", "-C", "hops-test", "-f", path}, &out);
  return rc == 0 ? "" : "ssh-keygen failed (" + std::to_string(rc) + "): " + out;
}

std::string Sshd::User() {
  const passwd* pw = getpwuid(getuid());
  return pw && pw->pw_name ? pw->pw_name : "";
}

std::unique_ptr<Sshd> Sshd::Start(const SshdOptions& o, std::string* err) {
  std::unique_ptr<Sshd> d(new Sshd);
  d->o_ = o;
  d->dir_ = MakeTempDir("hops-sshd");
  if (d->dir_.empty()) {
    *err = "cannot make a temp directory";
    return nullptr;
  }
  d->port_ = FreePort();
  if (std::string why = MakeSshKey(d->dir_ + "/host_key"); !why.empty()) {
    *err = why;
    return nullptr;
  }
  std::string keys;
  for (const std::string& k : o.authorized_keys) keys += k + (k.empty() || k.back() != '\n' ? "\n" : "");
  WriteFile(d->dir_ + "/authorized_keys", keys);
  // A port another test's server takes between FreePort and sshd's bind makes sshd exit: try
  // again on a fresh port.
  for (int attempt = 1;; ++attempt) {
    const std::string why = d->Launch();
    if (why.empty()) return d;
    if (attempt == 3 || why.find("exited before listening") == std::string::npos) {
      *err = why;
      return nullptr;
    }
    d->port_ = FreePort();
  }
}

std::string Sshd::Launch() {
  const std::string sshd = FindProgram("sshd");
  if (sshd.empty()) return "sshd is not installed (Debian: openssh-server)";
  // As root, sshd insists on its privilege separation directory (made by systemd at boot).
  if (geteuid() == 0) ::mkdir("/run/sshd", 0755);
  const std::string conf =
      "ListenAddress 127.0.0.1:" + std::to_string(port_) + "\n"
      "HostKey " + dir_ + "/host_key\n"
      "PidFile " + dir_ + "/sshd.pid\n"
      "AuthorizedKeysFile " + dir_ + "/authorized_keys\n"
      "StrictModes no\n"
      "UsePAM no\n"
      "PermitRootLogin yes\n"
      "PubkeyAuthentication yes\n"
      "PasswordAuthentication " + (o_.password ? "yes" : "no") + "\n"
      "KbdInteractiveAuthentication no\n"
      "PrintMotd no\n"
      "PrintLastLog no\n"
      "UseDNS no\n"
      "MaxStartups 200\n"
      "MaxSessions 100\n"
      "LogLevel VERBOSE\n"
      // bash started by sshd without a terminal reads the user's ~/.bashrc unless SHLVL is set:
      // a developer's rc file (pyenv, ...) must not add its noise to the commands' output.
      "SetEnv SHLVL=1\n"
      "AllowTcpForwarding " + (o_.tcp_forwarding ? "yes" : "no") + "\n" +
      (o_.sftp ? "Subsystem sftp internal-sftp\n" : "");
  WriteFile(dir_ + "/sshd_config", conf);
  std::string err;
  // sshd re-executes itself, so it needs its absolute path.
  peer_ = Peer::Start({sshd, "-D", "-e", "-f", dir_ + "/sshd_config"}, port_, dir_ + "/sshd.log", &err);
  if (!peer_) return err + ": " + ReadAll(dir_ + "/sshd.log");
  return "";
}

Sshd::~Sshd() {
  if (peer_) peer_->Stop();
}

std::string Sshd::KnownHostsLine() const {
  std::string pub = ReadAll(dir_ + "/host_key.pub");
  while (!pub.empty() && (pub.back() == '\n' || pub.back() == '\r')) pub.pop_back();
  return "[127.0.0.1]:" + std::to_string(port_) + " " + pub;
}

std::string Sshd::Fingerprint() const {
  std::string out;
  RunCommand({"ssh-keygen", "-l", "-E", "sha256", "-f", dir_ + "/host_key.pub"}, &out);
  // "256 SHA256:... hops-test (ED25519)"
  std::istringstream words(out);
  std::string bits, fp;
  words >> bits >> fp;
  return fp;
}

std::string Sshd::RestartWithNewHostKey() {
  if (peer_) peer_->Stop();
  peer_.reset();
  if (std::string why = MakeSshKey(dir_ + "/host_key"); !why.empty()) return why;
  return Launch();
}

}  // namespace hops::testing
