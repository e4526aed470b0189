// Network helpers shared by the tcp, dns, ping and mail monitor types: target parsing and name
// resolution bounded by a deadline. (SockAddr and the socket plumbing: common/socket.hpp;
// booleans: ParseBool in common/text.hpp.)
#ifndef HOPS_COMMON_CHECK_NET_HPP_
#define HOPS_COMMON_CHECK_NET_HPP_

#include <sys/socket.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/socket.hpp"
#include "common/text.hpp"

namespace hops::mon {

/// A host and an optional port, as split from a target.
struct HostPort {
  std::string host;  ///< name or address, without IPv6 brackets
  int port = 0;      ///< 1..65535, or 0 when the text had no port
};

/// Splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6 address; nullopt with *@p err
/// set for an empty host, unbalanced brackets or a port outside 1..65535.
std::optional<HostPort> SplitHostPort(const std::string& text, std::string* err);

/// "host:port", with brackets around a host that contains ':'.
std::string JoinHostPort(const std::string& host, int port);

/// What ResolveHost found.
struct Resolved {
  std::vector<SockAddr> addrs;  ///< in getaddrinfo order, duplicates removed
  int gai_error = 0;            ///< the getaddrinfo error (EAI_*), 0 on success
  bool timed_out = false;       ///< the deadline passed before the resolver answered
  std::string error;            ///< a lower-case reason when addrs is empty
};

/// Resolves @p host (a name or a numeric address) to TCP addresses of @p family (AF_INET,
/// AF_INET6 or AF_UNSPEC) with @p port, giving up at @p deadline; numeric addresses never block.
Resolved ResolveHost(const std::string& host, int port, int family,
                     std::chrono::steady_clock::time_point deadline);

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_NET_HPP_
