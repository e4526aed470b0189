// The test peers' start-up: a server is only taken as started when it is the one listening.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/unit/testing/peer.hpp"

namespace hops::testing {

TEST_CASE("peer: a port another process listens on is not taken for the peer's own") {
  const int port = FreePort();
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);  // another process's, not inherited
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(listen(fd, 128) == 0);  // never accepts: room for every probe of the start-up loop
  const std::string dir = MakeTempDir("hops-peer");
  const std::string server =
      "import socket, sys, time\n"
      "s = socket.socket()\n"
      "s.bind(('127.0.0.1', int(sys.argv[1])))\n"  // fails: the port is taken
      "s.listen()\n"
      "time.sleep(30)\n";
  std::string err;
  auto peer = Peer::Start({"python3", "-c", server, std::to_string(port)}, port, dir + "/log", &err);
  CHECK(peer == nullptr);
  CHECK(err.find("exited before listening on port " + std::to_string(port)) != std::string::npos);
  close(fd);
  // With the port free the same server is started.
  peer = Peer::Start({"python3", "-c", server, std::to_string(port)}, port, dir + "/log", &err);
  CHECK(peer != nullptr);
}

}  // namespace hops::testing
