#include "common/units.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <optional>

namespace hops {
namespace {

using std::chrono::milliseconds;

/// ParseDuration in milliseconds, or -1 when it fails.
int64_t Ms(std::string_view s) {
  const auto d = ParseDuration(s);
  return d ? d->count() : -1;
}

}  // namespace

TEST_CASE("units: ParseDuration accepts single and combined units") {
  CHECK(Ms("250ms") == 250);
  CHECK(Ms("30s") == 30'000);
  CHECK(Ms("5m") == 300'000);
  CHECK(Ms("1h30m") == 5'400'000);
  CHECK(Ms("2d") == 172'800'000);
  CHECK(Ms("1w") == 604'800'000);
  CHECK(Ms("1w2d3h4m5s6ms") == 604'800'000 + 172'800'000 + 10'800'000 + 240'000 + 5'000 + 6);
  CHECK(Ms("90m") == 5'400'000);
  CHECK(Ms("1500ms") == 1500);
  CHECK(Ms("0s") == 0);
  CHECK(Ms("007s") == 7'000);
}

TEST_CASE("units: ParseDuration takes a bare integer as seconds") {
  CHECK(Ms("0") == 0);
  CHECK(Ms("45") == 45'000);
  CHECK(Ms("9223372036854775") == 9'223'372'036'854'775'000);
  CHECK(Ms("9223372036854776") == -1);  // * 1000 overflows int64
}

TEST_CASE("units: ParseDuration rejects malformed input") {
  for (const char* bad :
       {"",   "-5s",  "+5s",   "-1",   "s",     "ms",   "1.5h", "5 s",  " 5s", "5s ", "5x", "5M",
        "5H", "1h30", "30m1h", "1s1s", "1ms1s", "1h1h", "5sec", "1m1m", "5us", "1e3", "h1"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseDuration(bad).has_value());
  }
}

TEST_CASE("units: ParseDuration rejects overflow") {
  CHECK(Ms("9223372036854775807ms") == 9'223'372'036'854'775'807);
  CHECK(Ms("9223372036854775808ms") == -1);
  CHECK(Ms("99999999999999999999s") == -1);  // does not fit uint64 while reading
  CHECK(Ms("15250284452w") == 15250284452LL * 604'800'000);
  CHECK(Ms("15250284453w") == -1);
  CHECK(Ms("15250w1ms") == 15250LL * 604'800'000 + 1);
  CHECK(Ms("9223372036854775s") == 9'223'372'036'854'775'000);
  CHECK(Ms("9223372036854775s808ms") == -1);  // the sum overflows
  CHECK(Ms("9223372036854775s807ms") == 9'223'372'036'854'775'807);
}

TEST_CASE("units: FormatDuration") {
  CHECK(FormatDuration(milliseconds(0)) == "0s");
  CHECK(FormatDuration(milliseconds(250)) == "250ms");
  CHECK(FormatDuration(milliseconds(5'400'000)) == "1h30m");
  CHECK(FormatDuration(milliseconds(1500)) == "1s500ms");
  CHECK(FormatDuration(milliseconds(30'000)) == "30s");
  CHECK(FormatDuration(milliseconds(93'784'005)) == "1d2h3m4s5ms");
  CHECK(FormatDuration(milliseconds(14LL * 86'400'000)) == "14d");
  CHECK(FormatDuration(milliseconds(-90'000)) == "-1m30s");
  CHECK(FormatDuration(milliseconds(INT64_MIN)) == "-106751991167d7h12m55s808ms");
  // What FormatDuration writes, ParseDuration reads back.
  const int64_t samples[] = {1, 999, 61'001, 86'400'000, 987'654'321'012, INT64_MAX};
  for (int64_t ms : samples) {
    CAPTURE(ms);
    CHECK(Ms(FormatDuration(milliseconds(ms))) == ms);
  }
}

TEST_CASE("units: ParseSize binary and decimal units") {
  CHECK(ParseSize("512") == 512u);
  CHECK(ParseSize("0") == 0u);
  CHECK(ParseSize("512B") == 512u);
  CHECK(ParseSize("10K") == 10'240u);
  CHECK(ParseSize("10k") == 10'240u);
  CHECK(ParseSize("10KiB") == 10'240u);
  CHECK(ParseSize("10kB") == 10'000u);
  CHECK(ParseSize("10KB") == 10'000u);
  CHECK(ParseSize("3M") == 3u * 1024 * 1024);
  CHECK(ParseSize("3MiB") == 3u * 1024 * 1024);
  CHECK(ParseSize("3MB") == 3'000'000u);
  CHECK(ParseSize("2G") == 2ULL << 30);
  CHECK(ParseSize("2GB") == 2'000'000'000u);
  CHECK(ParseSize("1T") == 1ULL << 40);
  CHECK(ParseSize("1TB") == 1'000'000'000'000u);
  CHECK(ParseSize("1P") == 1ULL << 50);
  CHECK(ParseSize("15E") == 15ULL << 60);
  CHECK(ParseSize("18446744073709551615") == UINT64_MAX);
}

TEST_CASE("units: ParseSize fractions round down to whole bytes") {
  CHECK(ParseSize("1.5K") == 1536u);
  CHECK(ParseSize("0.5KiB") == 512u);
  CHECK(ParseSize("0.1K") == 102u);
  CHECK(ParseSize("1.5GB") == 1'500'000'000u);
  CHECK(ParseSize("2.25T") == (9ULL << 40) / 4);
  CHECK(ParseSize("15.99E") == 18'435'214'858'663'483'146u);
}

TEST_CASE("units: ParseSize rejects malformed input and overflow") {
  for (const char* bad : {"",
                          "K",
                          "-1",
                          "+1",
                          "1.5",
                          "1.5B",
                          "1.",
                          ".5K",
                          "1 K",
                          " 1K",
                          "1K ",
                          "10Kb",
                          "10kib",
                          "10b",
                          "10X",
                          "1e3",
                          "16E",
                          "18446744073709551616",
                          "17179869184G",
                          "1.0000000000000000001K"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseSize(bad).has_value());
  }
}

TEST_CASE("units: ParsePercent") {
  CHECK(ParsePercent("80%") == 80.0);
  CHECK(ParsePercent("80") == 80.0);
  CHECK(ParsePercent("12.5%") == 12.5);
  CHECK(ParsePercent("0") == 0.0);
  CHECK(ParsePercent("100%") == 100.0);
  CHECK(ParsePercent("100.0") == 100.0);
  for (const char* bad : {"", "%", "100.01", "101%", "-1", "+5", "5%%", "%5", ".5", "5.", "5 %",
                          "1e2", "nan", "inf", "0x10", "5,5"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParsePercent(bad).has_value());
  }
}

TEST_CASE("units: ParseClockMinutes") {
  CHECK(ParseClockMinutes("00:00", 24) == 0);
  CHECK(ParseClockMinutes("9:05", 24) == 545);
  CHECK(ParseClockMinutes("09:05", 24) == 545);
  CHECK(ParseClockMinutes("23:59", 23) == 1439);
  CHECK(ParseClockMinutes("24:00", 24) == 1440);
  CHECK_FALSE(ParseClockMinutes("24:00", 23).has_value());
  CHECK(ParseClockMinutes("29:00", 48) == 1740);
  CHECK(ParseClockMinutes("48:00", 48) == 2880);
  CHECK_FALSE(ParseClockMinutes("49:00", 48).has_value());
  CHECK_FALSE(ParseClockMinutes("29:00", 24).has_value());
  for (const char* bad :
       {"", ":", "9", "0900", "9:5", "09:5", "09:005", "009:00", "09:60", "9:99", "-1:00", "+1:00",
        " 9:00", "9:00 ", "09-00", "a9:00", "09:0a", "9:00:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseClockMinutes(bad, 48).has_value());
  }
}

}  // namespace hops
