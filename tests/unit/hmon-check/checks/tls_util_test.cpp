#include "cmd/hmon-check/checks/tls_util.hpp"

#include <doctest/doctest.h>
#include <openssl/asn1.h>

#include <ctime>

using namespace hops::mon;

TEST_SUITE("check_tls_util") {
  TEST_CASE("Printable replaces control bytes and cuts long text") {
    CHECK(Printable("ok\r\n", 10) == "ok??");
    CHECK(Printable("abcdef", 3) == "abc...");
    CHECK(Printable(std::string("a\0b", 3), 10) == "a?b");
  }

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
}
