// Regular expressions for log lines and process command lines: POSIX extended syntax (as in
// `grep -E`, with the GNU \w \W \s \S \b \B \< \> escapes) plus the Perl shorthands \d, \D and \t.
// glibc's matcher does not recurse per input byte, so long lines and binary junk cannot overflow
// the stack as std::regex does; input beyond kMaxRegexInput bytes is not looked at.
#ifndef HOPS_COMMON_CHECK_REGEX_HPP_
#define HOPS_COMMON_CHECK_REGEX_HPP_

#include <regex.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace hops::mon {

/// How many leading bytes of a text a LineRegex examines; bounds the time of a pathological pattern.
constexpr size_t kMaxRegexInput = 8192;

/// @p pattern with the Perl shorthands glibc lacks rewritten: \d → [0-9], \D → [^0-9], \t → a tab,
/// and inside brackets \d, \s, \w and \t → 0-9, [:space:], [:alnum:]_ and a tab.
inline std::string PerlShorthandsToPosix(std::string_view pattern) {
  std::string out;
  bool in_bracket = false;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (in_bracket) {
      if (c == '[' && i + 1 < pattern.size() &&
          (pattern[i + 1] == ':' || pattern[i + 1] == '.' || pattern[i + 1] == '=')) {
        const char kind = pattern[i + 1];
        const size_t close = pattern.find(std::string{kind, ']'}, i + 2);
        if (close != std::string_view::npos) {
          out.append(pattern.substr(i, close + 2 - i));
          i = close + 1;
          continue;
        }
      }
      if (c == '\\' && i + 1 < pattern.size()) {
        const char n = pattern[i + 1];
        const char* repl = n == 'd' ? "0-9" : n == 's' ? "[:space:]" : n == 'w' ? "[:alnum:]_"
                         : n == 't' ? "\t" : nullptr;
        if (repl) {
          out += repl;
          ++i;
          continue;
        }
      }
      if (c == ']') in_bracket = false;
      out += c;
      continue;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      const char n = pattern[i + 1];
      const char* repl = n == 'd' ? "[0-9]" : n == 'D' ? "[^0-9]" : n == 't' ? "\t" : nullptr;
      if (repl) {
        out += repl;
      } else {
        out += c;
        out += n;
      }
      ++i;
      continue;
    }
    out += c;
    if (c == '[') {
      in_bracket = true;
      // A ']' right after '[' or '[^' is a literal member, not the end of the bracket.
      if (i + 1 < pattern.size() && pattern[i + 1] == '^') out += pattern[++i];
      if (i + 1 < pattern.size() && pattern[i + 1] == ']') out += pattern[++i];
    }
  }
  return out;
}

/// A compiled pattern; immutable after Compile, so one instance may be used from several threads.
class LineRegex {
 public:
  /// Compiles @p pattern; nullptr with *@p err set to "invalid regular expression '...': reason".
  static std::unique_ptr<LineRegex> Compile(const std::string& pattern, bool ignore_case,
                                            std::string* err) {
    std::unique_ptr<LineRegex> re(new LineRegex(pattern));
    const int flags = REG_EXTENDED | REG_NOSUB | (ignore_case ? REG_ICASE : 0);
    const int rc = regcomp(&re->re_, PerlShorthandsToPosix(pattern).c_str(), flags);
    if (rc != 0) {
      char buf[256];
      regerror(rc, &re->re_, buf, sizeof buf);
      if (err) *err = "invalid regular expression '" + pattern + "': " + buf;
      re->compiled_ = false;
      return nullptr;
    }
    return re;
  }
  /// Frees the compiled pattern.
  ~LineRegex() {
    if (compiled_) regfree(&re_);
  }
  LineRegex(const LineRegex&) = delete;
  LineRegex& operator=(const LineRegex&) = delete;

  /// True when the pattern matches somewhere in the first kMaxRegexInput bytes of @p text (which may
  /// hold NUL bytes).
  bool Search(std::string_view text) const {
    regmatch_t m[1];
    m[0].rm_so = 0;
    m[0].rm_eo = static_cast<regoff_t>(text.size() < kMaxRegexInput ? text.size() : kMaxRegexInput);
    static const char kEmpty[] = "";
    return regexec(&re_, text.empty() ? kEmpty : text.data(), 1, m, REG_STARTEND) == 0;
  }
  /// The pattern as written.
  const std::string& pattern() const { return pattern_; }

 private:
  explicit LineRegex(std::string pattern) : pattern_(std::move(pattern)) {}
  regex_t re_{};
  bool compiled_ = true;
  std::string pattern_;
};

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_REGEX_HPP_
