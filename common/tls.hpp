// TLS pieces shared by the HTTP layer (common/http) and tools that speak TLS themselves
// (hmon-check's tls-cert): certificate facts for output, and SIGPIPE protection.
#ifndef HOPS_COMMON_TLS_HPP_
#define HOPS_COMMON_TLS_HPP_

#include <openssl/asn1.h>
#include <openssl/x509.h>
#include <signal.h>

#include <string>

namespace hops {

/// Days from now until @p not_after, rounded down (negative once expired), and the date in ISO
/// form; false when the time cannot be read.
bool CertExpiry(const ASN1_TIME* not_after, double* days, std::string* iso);

/// @p name as one line in RFC 2253 form ("CN=localhost,O=Example"), UTF-8 kept; "" for null.
std::string CertNameText(const X509_NAME* name);

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

}  // namespace hops

#endif  // HOPS_COMMON_TLS_HPP_
