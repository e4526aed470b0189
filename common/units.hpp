// Strict parsers (and a formatter) for durations, sizes, percentages and clock times on command
// lines and in definitions.
#ifndef HOPS_COMMON_UNITS_HPP_
#define HOPS_COMMON_UNITS_HPP_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hops {

/// Parses a duration such as "250ms", "30s", "5m", "1h30m", "2d" or "1w": one or more integer-unit
/// parts with units w, d, h, m, s, ms each at most once and in that order, or a bare integer of
/// seconds; nullopt on an empty string, sign, fraction, space, unknown or repeated unit, or
/// overflow.
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view s);

/// Formats @p d with units d, h, m, s, ms, dropping zero parts ("1h30m", "250ms", "1d2h", "0s";
/// negatives get a leading '-'); ParseDuration accepts the result.
std::string FormatDuration(std::chrono::milliseconds d);

/// Parses a byte count: digits, optionally with a fraction when a unit follows, then a unit;
/// nullopt when malformed, fractional bytes remain without a unit, or the value overflows. Units
/// follow GNU dd/df: "" or "B" = 1; K, M, G, T, P, E (either case) and KiB, MiB, GiB, TiB, PiB, EiB
/// = powers of 1024; kB/KB, MB, GB, TB, PB, EB = powers of 1000. A fraction with a unit is rounded
/// down to whole bytes ("1.5K" = 1536).
std::optional<uint64_t> ParseSize(std::string_view s);

/// Parses a percentage "80", "80%" or "12.5%" (digits with an optional fraction and an optional
/// '%') in 0..100; nullopt otherwise.
std::optional<double> ParsePercent(std::string_view s);

/// Parses "H:MM" or "HH:MM" into minutes since 00:00; hours may be 0..@p max_hours with any minutes
/// 00..59 (24 allows "24:00", 48 allows "29:00" = 1740), nullopt otherwise.
std::optional<int> ParseClockMinutes(std::string_view s, int max_hours);

}  // namespace hops

#endif  // HOPS_COMMON_UNITS_HPP_
