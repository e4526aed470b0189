#include "common/text.hpp"

#include <algorithm>
#include <charconv>

namespace hops {

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

char LowerChar(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

char UpperChar(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

/// The length of the valid UTF-8 sequence at @p s[i], or 0 when it is not one (overlong forms,
/// surrogates and code points above U+10FFFF are not valid).
size_t Utf8SeqLen(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  if (len == 2 && c < 0xC2) return 0;  // overlong
  if (len == 3) {
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong, surrogate
  }
  if (len == 4) {
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return 0;
  }
  return len;
}

}  // namespace

std::string Quote(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q += '\'';
  q.append(s);
  q += '\'';
  return q;
}

std::string Printable(std::string_view s, size_t max) {
  std::string out;
  out.reserve(std::min(s.size(), max) + 3);
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    char replacement = 0;
    if (c == '\t') {
      replacement = ' ';
    } else if (c < 0x20 || c == 0x7F) {
      replacement = '?';
    } else if ((len = Utf8SeqLen(s, i)) == 0) {
      len = 1;
      replacement = '?';
    }
    const size_t add = replacement ? 1 : len;
    if (out.size() + add > max) {
      out += "...";
      break;
    }
    if (replacement) {
      out += replacement;
    } else {
      out.append(s.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = LowerChar(c);
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = UpperChar(c);
  return out;
}

std::string LowerFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = LowerChar(out[0]);
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerChar(a[i]) != LowerChar(b[i])) return false;
  }
  return true;
}

std::optional<long> ParseLong(std::string_view s, long lo, long hi) {
  // from_chars takes a leading '-' (and then needs a digit) but not a '+'.
  const bool plus = !s.empty() && s.front() == '+';
  if (plus) s.remove_prefix(1);
  if (s.empty() || !((s.front() >= '0' && s.front() <= '9') || (!plus && s.front() == '-')))
    return std::nullopt;
  long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v, 10);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

const char* const kBoolWords = "true, false, yes, no, on or off";

std::optional<bool> ParseBool(std::string_view s) {
  for (const char* w : {"true", "yes", "on"})
    if (EqualsIgnoreCase(s, w)) return true;
  for (const char* w : {"false", "no", "off"})
    if (EqualsIgnoreCase(s, w)) return false;
  return std::nullopt;
}

std::string BadBoolMessage(std::string_view key, std::string_view value) {
  return Quote(key) + " must be " + kBoolWords + " (any case), not " + Quote(value);
}

}  // namespace hops
