#include "common/socket.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/unit/testing/listener.hpp"

namespace hops {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

/// True when @p fd is an open descriptor.
bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

/// 127.0.0.1:@p port as a SockAddr.
SockAddr Loopback(int port) {
  SockAddr a;
  auto* in = reinterpret_cast<sockaddr_in*>(&a.addr);
  in->sin_family = AF_INET;
  in->sin_port = htons(static_cast<uint16_t>(port));
  in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.len = sizeof *in;
  return a;
}

/// A connected pair of non-blocking stream sockets.
std::pair<Fd, Fd> SocketPair() {
  int sv[2] = {-1, -1};
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
  return {Fd(sv[0]), Fd(sv[1])};
}

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

TEST_CASE("socket: Fd closes what it owns, moves, releases and resets") {
  int p[2];
  REQUIRE(::pipe(p) == 0);
  {
    Fd a(p[0]);
    CHECK(a.valid());
    Fd b(std::move(a));
    CHECK_FALSE(a.valid());
    CHECK(b.get() == p[0]);
    Fd c;
    c = std::move(b);
    CHECK(c.get() == p[0]);
    CHECK(IsOpen(p[0]));
  }
  CHECK_FALSE(IsOpen(p[0]));

  Fd w(p[1]);
  const int raw = w.release();
  CHECK_FALSE(w.valid());
  CHECK(IsOpen(raw));
  w.reset(raw);
  CHECK(w.get() == raw);
  w.reset();
  CHECK_FALSE(IsOpen(raw));
}

TEST_CASE("socket: SockAddr text and MsUntil") {
  CHECK(Loopback(80).Text() == "127.0.0.1");
  SockAddr v6;
  auto* in6 = reinterpret_cast<sockaddr_in6*>(&v6.addr);
  in6->sin6_family = AF_INET6;
  in6->sin6_addr = in6addr_loopback;
  v6.len = sizeof *in6;
  CHECK(v6.Text() == "::1");
  CHECK(SockAddr().Text() == "");

  CHECK(MsUntil(Clock::now() - 1s) == 0);
  CHECK(MsUntil(Clock::now() + 10s) > 9900);
  CHECK(MsUntil(Clock::now() + 10s) <= 10000);
  CHECK(MsUntil(Clock::now() + std::chrono::microseconds(100)) == 1);  // rounded up
}

TEST_CASE("socket: WaitFd returns the events, or 0 at the deadline") {
  auto [a, b] = SocketPair();
  auto t0 = Clock::now();
  CHECK(WaitFd(a.get(), POLLIN, t0 + 200ms) == 0);
  CHECK(SecondsSince(t0) >= 0.19);
  CHECK(SecondsSince(t0) < 2.0);

  CHECK((WaitFd(a.get(), POLLOUT, Clock::now() + 1s) & POLLOUT) != 0);
  REQUIRE(::write(b.get(), "x", 1) == 1);
  t0 = Clock::now();
  CHECK((WaitFd(a.get(), POLLIN, t0 + 5s) & POLLIN) != 0);
  CHECK(SecondsSince(t0) < 1.0);
  // A deadline already past still probes: ready now is reported, not ready is 0 at once.
  t0 = Clock::now();
  CHECK((WaitFd(a.get(), POLLIN, t0 - 1ms) & POLLIN) != 0);
  char c;
  REQUIRE(::read(a.get(), &c, 1) == 1);
  CHECK(WaitFd(a.get(), POLLIN, Clock::now() - 1ms) == 0);
  CHECK(SecondsSince(t0) < 1.0);
  b.reset();
  CHECK((WaitFd(a.get(), POLLIN, Clock::now() + 1s) & (POLLIN | POLLHUP)) != 0);
}

TEST_CASE("socket: ConnectTo connects, reports a refusal, and keeps its deadline on a silent listener") {
  testing::SilentListener open_listener;
  REQUIRE(open_listener.ok());
  Fd fd;
  CHECK(ConnectTo(Loopback(open_listener.port()), SOCK_STREAM, Clock::now() + 2s, &fd) == 0);
  CHECK(fd.valid());
  CHECK((::fcntl(fd.get(), F_GETFL) & O_NONBLOCK) != 0);
  CHECK((::fcntl(fd.get(), F_GETFD) & FD_CLOEXEC) != 0);

  // A port that is bound but not listening (held for the whole test) refuses.
  Fd bound(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  SockAddr any = Loopback(0);
  REQUIRE(::bind(bound.get(), reinterpret_cast<sockaddr*>(&any.addr), any.len) == 0);
  socklen_t len = sizeof any.addr;
  REQUIRE(::getsockname(bound.get(), reinterpret_cast<sockaddr*>(&any.addr), &len) == 0);
  Fd refused;
  CHECK(ConnectTo(any, SOCK_STREAM, Clock::now() + 2s, &refused) == ECONNREFUSED);

  // A listener with a full accept queue drops further SYNs, so the connect hangs until the
  // deadline.
  testing::SilentListener silent(0);
  REQUIRE(silent.ok());
  std::vector<Fd> fillers;
  for (int i = 0; i < 3; ++i) {
    fillers.emplace_back(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    const SockAddr a = Loopback(silent.port());
    ::connect(fillers.back().get(), reinterpret_cast<const sockaddr*>(&a.addr), a.len);
  }
  std::this_thread::sleep_for(50ms);
  Fd hung;
  const auto t0 = Clock::now();
  CHECK(ConnectTo(Loopback(silent.port()), SOCK_STREAM, t0 + 300ms, &hung) == ETIMEDOUT);
  CHECK(SecondsSince(t0) >= 0.29);
  CHECK(SecondsSince(t0) < 2.0);
}

TEST_CASE("socket: WriteAll and ReadSome keep their deadline") {
  auto [a, b] = SocketPair();
  auto t0 = Clock::now();
  std::string got;
  CHECK(ReadSome(a.get(), &got, 100, t0 + 150ms) == -ETIMEDOUT);
  CHECK(SecondsSince(t0) >= 0.14);

  CHECK(WriteAll(b.get(), "hello world", Clock::now() + 1s) == 0);
  CHECK(ReadSome(a.get(), &got, 5, Clock::now() + 1s) == 5);
  CHECK(got == "hello");
  CHECK(ReadSome(a.get(), &got, 100, Clock::now() + 1s) == 6);
  CHECK(got == "hello world");

  // Nobody reads: the socket buffer fills and the rest times out.
  const std::string big(16 * 1024 * 1024, 'x');
  t0 = Clock::now();
  CHECK(WriteAll(b.get(), big, t0 + 200ms) == ETIMEDOUT);
  CHECK(SecondsSince(t0) < 2.0);

  b.reset();
  std::string rest;
  ssize_t n = 1;
  while (n > 0) n = ReadSome(a.get(), &rest, 1 << 20, Clock::now() + 1s);
  CHECK(n == 0);  // the end of the stream
  CHECK(WriteAll(a.get(), "x", Clock::now() + 1s) == EPIPE);  // and no SIGPIPE
}

}  // namespace hops
