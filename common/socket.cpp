#include "common/socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

namespace hops {

using Clock = std::chrono::steady_clock;

Fd& Fd::operator=(Fd&& other) noexcept {
  if (this != &other) reset(other.release());
  return *this;
}

int Fd::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

void Fd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

std::string SockAddr::Text() const {
  char buf[INET6_ADDRSTRLEN] = "";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, buf, sizeof buf);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

int MsUntil(SteadyTime deadline) {
  const auto left = deadline - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(left).count();
  return static_cast<int>(std::min<long long>((us + 999) / 1000, INT_MAX));
}

short WaitFd(int fd, short events, SteadyTime deadline) {
  // A deadline that has passed still probes once (poll with 0 ms): "is it ready now?" is how
  // callers ask whether more data is already waiting.
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, MsUntil(deadline));
    if (n > 0) return p.revents;
    if (n == 0) return 0;
    if (errno != EINTR) return POLLERR;
  }
}

int ConnectTo(const SockAddr& a, int type, SteadyTime deadline, Fd* fd) {
  const int s = ::socket(a.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s < 0) return errno;
  fd->reset(s);
  if (::connect(s, reinterpret_cast<const sockaddr*>(&a.addr), a.len) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  if (WaitFd(s, POLLOUT, deadline) == 0) return ETIMEDOUT;
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (::getsockopt(s, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) return errno;
  return so_error;
}

int WriteAll(int fd, std::string_view data, SteadyTime deadline) {
  size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n > 0) {
      off += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return errno;
    if (WaitFd(fd, POLLOUT, deadline) == 0) return ETIMEDOUT;
  }
  return 0;
}

ssize_t ReadSome(int fd, std::string* out, size_t max, SteadyTime deadline) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, std::min(max, sizeof buf), 0);
    if (n >= 0) {
      out->append(buf, static_cast<size_t>(n));
      return n;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    if (WaitFd(fd, POLLIN, deadline) == 0) return -ETIMEDOUT;
  }
}

}  // namespace hops
