// A real OpenSSH server for tests, on 127.0.0.1, with throwaway host and user keys: several
// instances act as several "hosts" on one machine. sshd runs in the foreground (-D -e) with its
// own config, host key, authorized_keys file and pid file in a temp directory, and logs to
// sshd.log there. Remote commands run as the user running the test (root in CI).
#ifndef HOPS_TESTS_UNIT_TESTING_SSHD_HPP_
#define HOPS_TESTS_UNIT_TESTING_SSHD_HPP_

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/testing/peer.hpp"

namespace hops::testing {

/// Makes an unencrypted key pair @p path and @p path.pub (ssh-keygen -t @p type); "" on success,
/// else why not.
std::string MakeSshKey(const std::string& path, const std::string& type = "ed25519");

/// How a test sshd is set up.
struct SshdOptions {
  /// Public key lines (the content of *.pub files) allowed to log in.
  std::vector<std::string> authorized_keys;
  /// Offer the SFTP subsystem (internal-sftp).
  bool sftp = true;
  /// Allow password authentication (with UsePAM no: the user's password in /etc/shadow).
  bool password = false;
  /// Allow TCP forwarding (direct-tcpip channels: serving as a jump host).
  bool tcp_forwarding = true;
};

/// One running test sshd.
class Sshd {
 public:
  /// Starts sshd in a fresh temp directory, on a free port, with a new ed25519 host key. nullptr
  /// with *@p err filled when it cannot.
  static std::unique_ptr<Sshd> Start(const SshdOptions& o, std::string* err);
  /// Stops it (by pid).
  ~Sshd();
  /// The port it listens on (127.0.0.1).
  int port() const { return port_; }
  /// Its temp directory.
  const std::string& dir() const { return dir_; }
  /// Its pid.
  int pid() const { return peer_ ? peer_->pid() : -1; }
  /// The known_hosts line for its current host key: "[127.0.0.1]:PORT ssh-ed25519 AAAA...".
  std::string KnownHostsLine() const;
  /// The fingerprint of its host key as ssh-keygen -l prints it ("SHA256:...").
  std::string Fingerprint() const;
  /// Stops it, makes a new host key and starts it again on the same port (a "reinstalled" host);
  /// "" on success, else why not.
  std::string RestartWithNewHostKey();
  /// The user remote commands run as: the one running the test.
  static std::string User();

 private:
  Sshd() = default;
  std::string Launch();
  SshdOptions o_;
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<Peer> peer_;
};

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_SSHD_HPP_
