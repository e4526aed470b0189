#include "cmd/hmon-check/checks/tls_util.hpp"

#include <openssl/asn1.h>
#include <pthread.h>

#include <algorithm>
#include <cmath>
#include <ctime>

namespace hops::mon {

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  const size_t n = std::min(s.size(), max);
  out.reserve(n + 3);
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > max) out += "...";
  return out;
}

bool CertExpiry(const ASN1_TIME* not_after, double* days, std::string* iso) {
  int d = 0, s = 0;
  if (!not_after || !ASN1_TIME_diff(&d, &s, nullptr, not_after)) return false;
  *days = std::floor((static_cast<double>(d) * 86400.0 + s) / 86400.0);
  std::tm tm{};
  if (!ASN1_TIME_to_tm(not_after, &tm)) return false;
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  *iso = buf;
  return true;
}

SigpipeGuard::SigpipeGuard() {
  sigemptyset(&pipe_);
  sigaddset(&pipe_, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  was_pending_ = sigismember(&pending, SIGPIPE) == 1;
  pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
}

SigpipeGuard::~SigpipeGuard() {
  if (!was_pending_) {
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      sigtimedwait(&pipe_, nullptr, &zero);
    }
  }
  pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace hops::mon
