// Small pieces the TLS-speaking monitor types share (http/https and tls-cert).
#ifndef HOPS_COMMON_CHECK_TLS_UTIL_HPP_
#define HOPS_COMMON_CHECK_TLS_UTIL_HPP_

#include <openssl/asn1.h>
#include <signal.h>

#include <string>
#include <string_view>

namespace hops::mon {

/// @p s fit for one line of output: control bytes become '?', and it is cut to @p max bytes.
std::string Printable(std::string_view s, size_t max);

/// Days from now until @p not_after, rounded down (negative once expired), and the date in ISO
/// form; false when the time cannot be read.
bool CertExpiry(const ASN1_TIME* not_after, double* days, std::string* iso);

/// Blocks SIGPIPE on this thread while alive, and consumes one raised meanwhile: with
/// CURLOPT_NOSIGNAL libcurl leaves SIGPIPE to the application, and a TLS library writing to a
/// socket the server closed may raise it.
class SigpipeGuard {
 public:
  SigpipeGuard();
  ~SigpipeGuard();
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_;
  sigset_t old_;
  bool was_pending_ = false;
};

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_TLS_UTIL_HPP_
