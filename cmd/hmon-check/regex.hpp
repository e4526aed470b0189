// The one regular expression dialect of hops: every pattern a user writes (hmon-check's body_regex,
// expect_regex, logfile and process patterns, ...) is RE2 syntax, matched in time linear in the
// text and without recursion, so no text can overflow the stack or stall a run. RE2 has no
// back-references and no lookaround. Patterns and text are UTF-8; ^ and $ match at line breaks
// as well as at the ends of the text (multi-line mode; \A and \z match only at the ends).
#ifndef HOPS_CMD_HMON_CHECK_REGEX_HPP_
#define HOPS_CMD_HMON_CHECK_REGEX_HPP_

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}  // namespace re2

namespace hops {

/// How a Regex matches.
struct RegexOptions {
  bool ignore_case = false;  ///< letters match in either case (as a leading (?i) would)
};

/// A compiled pattern. Copies share the compiled form; matching never changes it, so one Regex
/// may be used from several threads at once.
class Regex {
 public:
  /// Compiles @p pattern. On a syntax error returns nullopt and sets *@p err to
  /// "invalid regular expression 'PATTERN': REASON", REASON saying what was rejected (such as
  /// "missing ')'" or "invalid escape sequence '\1' (back-references are not supported)").
  /// GNU's word boundaries \< and \>, which RE2 would read as the characters < and >, are
  /// rejected too, as a pattern written for grep would silently never match.
  static std::optional<Regex> Compile(std::string_view pattern, const RegexOptions& options, std::string* err);
  /// Compile with the default options (case-sensitive).
  static std::optional<Regex> Compile(std::string_view pattern, std::string* err) {
    return Compile(pattern, RegexOptions{}, err);
  }

  /// True when the pattern matches somewhere in @p text (which may hold NUL bytes).
  bool Search(std::string_view text) const;
  /// The pattern as written.
  const std::string& pattern() const { return pattern_; }

 private:
  Regex(std::string pattern, std::shared_ptr<const re2::RE2> re) : pattern_(std::move(pattern)), re_(std::move(re)) {}
  std::string pattern_;
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace hops

#endif  // HOPS_CMD_HMON_CHECK_REGEX_HPP_
