#include "common/tls.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <pthread.h>

#include <cmath>
#include <ctime>
#include <memory>

namespace hops {

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

std::string CertNameText(const X509_NAME* name) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || !name) return "";
  X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : "";
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

}  // namespace hops
