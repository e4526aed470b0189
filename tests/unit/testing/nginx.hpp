// A real nginx for tests, on 127.0.0.1, configured by the test (plain HTTP and TLS servers).
#ifndef HOPS_TESTS_UNIT_TESTING_NGINX_HPP_
#define HOPS_TESTS_UNIT_TESTING_NGINX_HPP_

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/testing/peer.hpp"

namespace hops::testing {

/// One server block of a test nginx.
struct NginxServer {
  std::string cert;    ///< a MakeCerts certificate ("good", "soon", ...) in the directory for TLS; "" for plain HTTP
  std::string listen;  ///< extra listen parameters, e.g. " http2"
  std::string body;    ///< the block's directives (locations)
  int port = 0;        ///< set by StartNginx (a free port)
};

/// Starts nginx in @p dir (its config, logs and temp files go there; certificates are read from
/// there) with one server per element of @p servers, filling in their ports; waits until the
/// first one listens. nullptr with *@p err filled on failure.
std::unique_ptr<Peer> StartNginx(const std::string& dir, std::vector<NginxServer>* servers, std::string* err);

}  // namespace hops::testing

#endif  // HOPS_TESTS_UNIT_TESTING_NGINX_HPP_
