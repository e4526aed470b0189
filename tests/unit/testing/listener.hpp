// Loopback listeners for tests: a bound, listening socket on port 0, and a listener that never
// accepts (a peer that never answers).
#ifndef HOPS_TESTS_UNIT_TESTING_LISTENER_HPP_
#define HOPS_TESTS_UNIT_TESTING_LISTENER_HPP_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace hops::testing {

/// Binds a TCP socket to @p addr (127.0.0.1 or ::1) port 0 and listens; returns the fd or -1.
inline int ListenLoopback(const char* addr, int backlog, int* port) {
  const bool v6 = std::strchr(addr, ':') != nullptr;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_storage ss{};
  socklen_t len;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    inet_pton(AF_INET6, addr, &a->sin6_addr);
    len = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    inet_pton(AF_INET, addr, &a->sin_addr);
    len = sizeof *a;
  }
  if (bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 || listen(fd, backlog) != 0) {
    close(fd);
    return -1;
  }
  len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  *port = ntohs(v6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                   : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  return fd;
}

/// A listening socket nobody accepts from: connections complete in the kernel and then hear
/// nothing, like a hung server.
class SilentListener {
 public:
  /// Listens on 127.0.0.1 with @p backlog.
  explicit SilentListener(int backlog = 16) { fd_ = ListenLoopback("127.0.0.1", backlog, &port_); }
  ~SilentListener() {
    if (fd_ >= 0) close(fd_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  /// True when listening.
  bool ok() const { return fd_ >= 0; }
  /// The port it listens on.
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_LISTENER_HPP_
