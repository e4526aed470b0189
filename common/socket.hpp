// Socket plumbing with deadlines, for every tool that talks to a peer itself: an owned
// descriptor, a resolved address, waiting for readiness, and connect/send/receive that never
// block past a deadline. Sockets are non-blocking; deadlines are steady-clock instants.
#ifndef HOPS_COMMON_SOCKET_HPP_
#define HOPS_COMMON_SOCKET_HPP_

#include <sys/socket.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <string_view>

namespace hops {

/// An instant on the steady clock, by which an operation must be done.
using SteadyTime = std::chrono::steady_clock::time_point;

/// Owns a file descriptor and closes it when destroyed; movable, not copyable.
class Fd {
 public:
  Fd() = default;
  /// Takes ownership of @p fd (-1: none).
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  /// Closes the descriptor held and takes over @p other's.
  Fd& operator=(Fd&& other) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  /// The descriptor, -1 when none.
  int get() const { return fd_; }
  /// True when a descriptor is held.
  bool valid() const { return fd_ >= 0; }
  /// Gives the descriptor up without closing it; the Fd then holds none.
  int release();
  /// Closes the descriptor held (if any) and takes ownership of @p fd.
  void reset(int fd = -1);

 private:
  int fd_ = -1;
};

/// One resolved socket address.
struct SockAddr {
  sockaddr_storage addr{};  ///< the address, port included
  socklen_t len = 0;        ///< the meaningful length of addr
  /// The numeric address without port ("127.0.0.1", "::1"); "" for other families.
  std::string Text() const;
};

/// Milliseconds from now until @p deadline, rounded up; 0 once it has passed.
int MsUntil(SteadyTime deadline);

/// Waits until @p fd is ready for @p events (POLLIN, POLLOUT) or @p deadline passes. Returns the
/// poll revents (which may be POLLERR or POLLHUP), 0 once the deadline has passed, or POLLERR with
/// errno set when poll itself fails. A deadline already past still probes once without waiting,
/// so WaitFd(fd, POLLIN, now) asks "is data waiting right now?". An interrupted poll is resumed.
short WaitFd(int fd, short events, SteadyTime deadline);

/// Opens a non-blocking, close-on-exec socket of @p type (SOCK_STREAM, SOCK_DGRAM) for @p a into
/// *@p fd and connects it, waiting until @p deadline. Returns 0 when connected, ETIMEDOUT when the
/// deadline passed first, else the errno of the failure (ECONNREFUSED, ...).
int ConnectTo(const SockAddr& a, int type, SteadyTime deadline, Fd* fd);

/// Sends all of @p data on the non-blocking socket @p fd (never raising SIGPIPE) before
/// @p deadline. Returns 0, ETIMEDOUT, or the errno of the failure.
int WriteAll(int fd, std::string_view data, SteadyTime deadline);

/// Appends to @p out what the non-blocking socket @p fd has, at most @p max bytes, waiting until
/// @p deadline for something to arrive. Returns the number of bytes read, 0 at the end of the
/// stream, -ETIMEDOUT when the deadline passed first, or -errno on failure.
ssize_t ReadSome(int fd, std::string* out, size_t max, SteadyTime deadline);

}  // namespace hops

#endif  // HOPS_COMMON_SOCKET_HPP_
