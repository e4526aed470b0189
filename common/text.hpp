// Small text helpers every tool uses for messages and parameter values: quoting a subject,
// making bytes safe to show, trimming, ASCII case, and the strict number and boolean parsers.
// All of them work on bytes and ASCII only; none depends on the locale.
#ifndef HOPS_COMMON_TEXT_HPP_
#define HOPS_COMMON_TEXT_HPP_

#include <climits>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hops {

/// @p s between single quotes, the way messages name a subject: Quote("x") is "'x'". The text is
/// not escaped; pass bytes from outside through Printable first.
std::string Quote(std::string_view s);

/// @p s made fit for one line of output: each control byte (below 0x20, and DEL) and each byte
/// that is not part of valid UTF-8 becomes '?', a tab becomes a space. When more than @p max bytes
/// would result, the text is cut at a character boundary to at most @p max bytes and "..." is
/// appended.
std::string Printable(std::string_view s, size_t max);

/// @p s without leading and trailing ASCII white space (space, \t, \n, \v, \f, \r). The result
/// points into @p s.
std::string_view Trim(std::string_view s);

/// @p s with ASCII letters in lower case; other bytes are kept.
std::string Lower(std::string_view s);

/// @p s with ASCII letters in upper case; other bytes are kept.
std::string Upper(std::string_view s);

/// @p s with its first byte in lower case when that is an ASCII letter (library messages made
/// git-style: "Error while parsing" → "error while parsing").
std::string LowerFirst(std::string_view s);

/// True when @p s starts with @p prefix.
bool StartsWith(std::string_view s, std::string_view prefix);

/// True when @p s ends with @p suffix.
bool EndsWith(std::string_view s, std::string_view suffix);

/// True when @p a and @p b are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// Parses a whole decimal integer: an optional '+' or '-', then one or more digits ASCII 0-9, and
/// nothing else (no blanks, no "0x", no decimal point). nullopt when malformed, when it does not
/// fit in a long, or when it lies outside [@p lo, @p hi].
std::optional<long> ParseLong(std::string_view s, long lo = LONG_MIN, long hi = LONG_MAX);

/// The words ParseBool accepts, for messages: "true, false, yes, no, on or off".
extern const char* const kBoolWords;

/// Parses a boolean the one way every tool does: true, yes, on → true; false, no, off → false, in
/// any case ("True", "OFF"); nullopt for anything else (including "1", "0" and "").
std::optional<bool> ParseBool(std::string_view s);

/// The message for a value of parameter @p key that ParseBool refuses:
/// "'KEY' must be true, false, yes, no, on or off (any case), not 'VALUE'".
std::string BadBoolMessage(std::string_view key, std::string_view value);

}  // namespace hops

#endif  // HOPS_COMMON_TEXT_HPP_
