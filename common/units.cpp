#include "common/units.hpp"

#include <charconv>
#include <iterator>
#include <system_error>
#include <limits>

namespace hops {

namespace {

__extension__ typedef unsigned __int128 Uint128;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

/// Reads the digits at @p *pos into @p *out and advances; false when there are none or on overflow.
bool ReadUint(std::string_view s, size_t* pos, uint64_t* out) {
  const size_t start = *pos;
  uint64_t v = 0;
  while (*pos < s.size() && IsDigit(s[*pos])) {
    const unsigned digit = static_cast<unsigned>(s[*pos] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
    ++*pos;
  }
  *out = v;
  return *pos > start;
}

struct DurationUnit {
  std::string_view name;
  int64_t ms;
};

// Largest first: the order parts must appear in.
constexpr DurationUnit kDurationUnits[] = {
    {"w", 7 * 24 * 3600 * 1000LL},
    {"d", 24 * 3600 * 1000LL},
    {"h", 3600 * 1000LL},
    {"m", 60 * 1000LL},
    {"s", 1000LL},
    {"ms", 1LL},
};

struct SizeUnit {
  std::string_view name;
  uint64_t factor;
};

constexpr uint64_t kKiB = 1ULL << 10, kMiB = 1ULL << 20, kGiB = 1ULL << 30, kTiB = 1ULL << 40,
                   kPiB = 1ULL << 50, kEiB = 1ULL << 60;
constexpr uint64_t kKB = 1000, kMB = kKB * 1000, kGB = kMB * 1000, kTB = kGB * 1000,
                   kPB = kTB * 1000, kEB = kPB * 1000;

constexpr SizeUnit kSizeUnits[] = {
    {"", 1},     {"B", 1},                                              //
    {"K", kKiB}, {"k", kKiB}, {"KiB", kKiB}, {"kB", kKB}, {"KB", kKB},  //
    {"M", kMiB}, {"m", kMiB}, {"MiB", kMiB}, {"MB", kMB},               //
    {"G", kGiB}, {"g", kGiB}, {"GiB", kGiB}, {"GB", kGB},               //
    {"T", kTiB}, {"t", kTiB}, {"TiB", kTiB}, {"TB", kTB},               //
    {"P", kPiB}, {"p", kPiB}, {"PiB", kPiB}, {"PB", kPB},               //
    {"E", kEiB}, {"e", kEiB}, {"EiB", kEiB}, {"EB", kEB},               //
};

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t pos = 0;
  uint64_t n = 0;
  if (!ReadUint(s, &pos, &n)) return std::nullopt;
  const uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  if (pos == s.size()) {  // bare integer: seconds
    if (n > kMax / 1000) return std::nullopt;
    return std::chrono::milliseconds(static_cast<int64_t>(n) * 1000);
  }
  uint64_t total = 0;
  size_t next_unit = 0;  // index into kDurationUnits of the smallest unit still allowed
  for (;;) {
    size_t end = pos;
    while (end < s.size() && !IsDigit(s[end])) ++end;
    const std::string_view unit = s.substr(pos, end - pos);
    size_t u = next_unit;
    while (u < std::size(kDurationUnits) && kDurationUnits[u].name != unit) ++u;
    if (u == std::size(kDurationUnits)) return std::nullopt;  // unknown, repeated or out of order
    const uint64_t factor = static_cast<uint64_t>(kDurationUnits[u].ms);
    if (n > kMax / factor || n * factor > kMax - total) return std::nullopt;
    total += n * factor;
    next_unit = u + 1;
    pos = end;
    if (pos == s.size()) break;
    if (!ReadUint(s, &pos, &n) || pos == s.size()) return std::nullopt;  // a part needs a unit
  }
  return std::chrono::milliseconds(static_cast<int64_t>(total));
}

std::string FormatDuration(std::chrono::milliseconds d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  // Work on the magnitude as unsigned so the most negative value does not overflow.
  uint64_t rest = static_cast<uint64_t>(ms);
  if (ms < 0) {
    out = "-";
    rest = ~rest + 1;
  }
  // Weeks are not used: "14d" reads more easily than "2w".
  for (size_t i = 1; i < std::size(kDurationUnits); ++i) {
    const uint64_t factor = static_cast<uint64_t>(kDurationUnits[i].ms);
    const uint64_t part = rest / factor;
    rest %= factor;
    if (part != 0) out += std::to_string(part) + std::string(kDurationUnits[i].name);
  }
  return out;
}

std::optional<uint64_t> ParseSize(std::string_view s) {
  size_t pos = 0;
  uint64_t whole = 0;
  if (!ReadUint(s, &pos, &whole)) return std::nullopt;
  uint64_t frac = 0, frac_scale = 1;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    const size_t start = pos;
    while (pos < s.size() && IsDigit(s[pos])) {
      if (pos - start >= 18) return std::nullopt;  // more precision than any unit can use
      frac = frac * 10 + static_cast<uint64_t>(s[pos] - '0');
      frac_scale *= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  const std::string_view unit = s.substr(pos);
  for (const auto& u : kSizeUnits) {
    if (u.name != unit) continue;
    if (frac_scale > 1 && u.factor == 1) return std::nullopt;  // fractional bytes
    const Uint128 value =
        static_cast<Uint128>(whole) * u.factor + static_cast<Uint128>(frac) * u.factor / frac_scale;
    if (value > std::numeric_limits<uint64_t>::max()) return std::nullopt;
    return static_cast<uint64_t>(value);
  }
  return std::nullopt;
}

std::optional<double> ParsePercent(std::string_view s) {
  if (!s.empty() && s.back() == '%') s.remove_suffix(1);
  size_t pos = 0;
  while (pos < s.size() && IsDigit(s[pos])) ++pos;
  if (pos == 0) return std::nullopt;
  if (pos < s.size() && s[pos] == '.') {
    const size_t start = ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos;
    if (pos == start) return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  double v = 0;  // from_chars, unlike strtod, ignores the locale's decimal point
  if (std::from_chars(s.data(), s.data() + s.size(), v).ec != std::errc() || v > 100.0)
    return std::nullopt;
  return v;
}

std::optional<int> ParseClockMinutes(std::string_view s, int max_hours) {
  const size_t colon = s.find(':');
  if (colon != 1 && colon != 2) return std::nullopt;
  if (s.size() != colon + 3) return std::nullopt;
  int hours = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (!IsDigit(s[i])) return std::nullopt;
    hours = hours * 10 + (s[i] - '0');
  }
  if (!IsDigit(s[colon + 1]) || !IsDigit(s[colon + 2])) return std::nullopt;
  const int minutes = (s[colon + 1] - '0') * 10 + (s[colon + 2] - '0');
  if (hours > max_hours || minutes > 59) return std::nullopt;
  return hours * 60 + minutes;
}

}  // namespace hops
