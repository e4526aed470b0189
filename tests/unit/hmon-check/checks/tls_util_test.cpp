#include "cmd/hmon-check/checks/tls_util.hpp"

#include <doctest/doctest.h>

using namespace hops::mon;

TEST_SUITE("check_tls_util") {
  TEST_CASE("Printable replaces control bytes and cuts long text") {
    CHECK(Printable("ok\r\n", 10) == "ok??");
    CHECK(Printable("abcdef", 3) == "abc...");
    CHECK(Printable(std::string("a\0b", 3), 10) == "a?b");
  }
}
