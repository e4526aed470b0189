#include "cmd/hmon-check/regex.hpp"

#include <re2/re2.h>

#include <utility>

namespace hops {
namespace {

// RE2's Perl mode anchors ^ and $ at the ends of the text; (?m) makes them match at line breaks.
constexpr std::string_view kMultiLine = "(?m)";

/// What RE2 rejected, worded for users: RE2's own description with the offending piece quoted,
/// and a hint for the Perl and ECMAScript features RE2 leaves out.
std::string Reason(const re2::RE2& re) {
  const std::string& arg = re.error_arg();
  std::string what = re.error();
  // RE2 words its errors "description: offending text".
  if (!arg.empty() && what.size() > arg.size() + 2 && what.compare(what.size() - arg.size(), arg.size(), arg) == 0)
    what.resize(what.size() - arg.size() - 2);
  switch (re.error_code()) {
    case re2::RE2::ErrorMissingParen:
      return "missing ')'";  // the argument is the whole pattern
    case re2::RE2::ErrorUnexpectedParen:
      return "unexpected ')'";
    case re2::RE2::ErrorMissingBracket:
      return "missing ']' after '" + arg + "'";
    case re2::RE2::ErrorTrailingBackslash:
      return "trailing '\\'";
    case re2::RE2::ErrorBadEscape:
      if (arg.size() == 2 && arg[1] >= '1' && arg[1] <= '9')
        return "invalid escape sequence '" + arg + "' (back-references are not supported)";
      break;
    case re2::RE2::ErrorBadPerlOp:
      if (arg == "(?=" || arg == "(?!") return "invalid perl operator '" + arg + "' (lookahead is not supported)";
      if (arg == "(?<")
        return "invalid perl operator '(?<' (lookbehind is not supported; a named group is written (?P<name>...))";
      break;
    default:
      break;
  }
  return arg.empty() ? what : what + " '" + arg + "'";
}

/// The position of GNU's \< or \> in @p pattern, or npos.
size_t GnuWordBoundary(std::string_view pattern) {
  for (size_t i = 0; i + 1 < pattern.size(); ++i) {
    if (pattern[i] != '\\') continue;
    if (pattern[i + 1] == '<' || pattern[i + 1] == '>') return i;
    ++i;  // skip the escaped character
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<Regex> Regex::Compile(std::string_view pattern, const RegexOptions& options, std::string* err) {
  auto fail = [&](const std::string& reason) {
    if (err) *err = "invalid regular expression '" + std::string(pattern) + "': " + reason;
    return std::nullopt;
  };
  if (size_t at = GnuWordBoundary(pattern); at != std::string_view::npos)
    return fail("'" + std::string(pattern.substr(at, 2)) + "' is not a word boundary here: use \\b (or '" +
                pattern[at + 1] + "' alone for the character)");
  re2::RE2::Options o;
  o.set_log_errors(false);
  o.set_case_sensitive(!options.ignore_case);
  std::string full(kMultiLine);
  full.append(pattern);
  auto re = std::make_shared<const re2::RE2>(full, o);
  if (!re->ok()) return fail(Reason(*re));
  return Regex(std::string(pattern), std::move(re));
}

bool Regex::Search(std::string_view text) const {
  return re2::RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_);
}

}  // namespace hops
