#include "common/tls.hpp"

#include <doctest/doctest.h>
#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <csignal>
#include <ctime>

namespace hops {
namespace {

TEST_SUITE("hops::tls") {
  TEST_CASE("CertExpiry counts whole days, negative once expired") {
    ASN1_TIME* t = ASN1_TIME_set(nullptr, std::time(nullptr) + 5 * 86400 + 3600);
    double days = 0;
    std::string iso;
    REQUIRE(CertExpiry(t, &days, &iso));
    CHECK(days == 5);
    CHECK(iso.size() == 20);
    CHECK(iso.back() == 'Z');
    ASN1_TIME_set(t, std::time(nullptr) - 2 * 86400 + 60);
    REQUIRE(CertExpiry(t, &days, &iso));
    CHECK(days == -2);
    CHECK_FALSE(CertExpiry(nullptr, &days, &iso));
    ASN1_TIME_free(t);
  }

  TEST_CASE("CertNameText prints a name in RFC 2253 order, UTF-8 kept") {
    X509_NAME* name = X509_NAME_new();
    REQUIRE(name);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Exämple"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                               0);
    CHECK(CertNameText(name) == "CN=localhost,O=Exämple");
    CHECK(CertNameText(nullptr) == "");
    X509_NAME_free(name);
  }

  TEST_CASE("SigpipeGuard swallows a SIGPIPE raised while it is alive") {
    {
      const SigpipeGuard guard;
      std::raise(SIGPIPE);  // blocked: pending until the guard consumes it
    }
    sigset_t pending;
    sigemptyset(&pending);
    sigpending(&pending);
    CHECK(sigismember(&pending, SIGPIPE) == 0);
  }
}

}  // namespace
}  // namespace hops
