#include "cmd/hmon-check/regex.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace hops {
namespace {

/// True when @p pattern compiles and matches somewhere in @p text.
bool Finds(std::string_view pattern, std::string_view text, RegexOptions options = {}) {
  std::string err;
  const auto re = Regex::Compile(pattern, options, &err);
  REQUIRE_MESSAGE(re, err);
  return re->Search(text);
}

/// The error of compiling @p pattern ("" when it compiles).
std::string Error(std::string_view pattern) {
  std::string err;
  return Regex::Compile(pattern, &err) ? "" : err;
}

}  // namespace

TEST_CASE("regex: RE2 syntax, searched anywhere in the text") {
  CHECK(Finds("took \\d+ms", "request took 125ms"));
  CHECK_FALSE(Finds("took \\d+ms", "request took ms"));
  CHECK(Finds("\\berror\\b", "an error here"));
  CHECK_FALSE(Finds("\\berror\\b", "errors"));
  CHECK(Finds("[[:alpha:]]+[[:digit:]]", "abc1"));
  CHECK(Finds("^(?:ok|up)\\s*$", "up  "));
  CHECK(Finds("colou?r", "the colour"));
  CHECK(Finds("a{2,3}b", "xaab"));
  CHECK_FALSE(Finds("a{2,3}b", "xab"));
  CHECK(Finds("(?P<word>h.llo)", "say hello"));
  CHECK(Finds("\\Qa.b*\\E", "xa.b*"));
  CHECK_FALSE(Finds("\\Qa.b*\\E", "xaab"));
  CHECK(Finds("", "anything"));
  CHECK_FALSE(Finds("x", ""));
  CHECK(Finds("^$", ""));
  // NUL bytes do not end the text.
  CHECK(Finds("tail", std::string("head\0tail", 9)));
  // UTF-8: '.' is one character, and classes hold characters, not bytes.
  CHECK(Finds("^caf.$", "café"));
  CHECK(Finds("^[é]+$", "éé"));
}

TEST_CASE("regex: ^ and $ match at line breaks, \\A and \\z only at the ends") {
  const std::string text = "HTTP/1.1 200 OK\r\nServer: x\nok\n";
  CHECK(Finds("^Server:", text));
  CHECK(Finds("^ok$", text));
  CHECK(Finds("OK\r$", text));
  CHECK_FALSE(Finds("\\AServer:", text));
  CHECK(Finds("\\AHTTP", text));
  CHECK(Finds("ok\\n\\z", text));
  CHECK_FALSE(Finds("ok\\z", text));
  // '.' does not cross a line break unless (?s) says so.
  CHECK_FALSE(Finds("OK.*ok", text));
  CHECK(Finds("(?s)OK.*ok", text));
}

TEST_CASE("regex: ignore_case") {
  CHECK_FALSE(Finds("error", "ERROR: disk"));
  CHECK(Finds("error", "ERROR: disk", RegexOptions{true}));
  CHECK(Finds("[a-z]+: DISK", "ERROR: disk", RegexOptions{true}));
  CHECK(Finds("straße", "STRASSE", RegexOptions{true}) == false);  // simple folding only
  CHECK(Finds("élan", "ÉLAN", RegexOptions{true}));
  CHECK(Finds("(?i)error", "ERROR"));
}

TEST_CASE("regex: invalid patterns say what was rejected") {
  CHECK(Error("(a|b*c") == "invalid regular expression '(a|b*c': missing ')'");
  CHECK(Error("a)(b") == "invalid regular expression 'a)(b': unexpected ')'");
  CHECK(Error("[a-") == "invalid regular expression '[a-': missing ']' after '[a-'");
  CHECK(Error("[z-a]") == "invalid regular expression '[z-a]': invalid character class range 'z-a'");
  CHECK(Error("a\\") == "invalid regular expression 'a\\': trailing '\\'");
  CHECK(Error("*a") == "invalid regular expression '*a': no argument for repetition operator '*'");
  CHECK(Error("a**") == "invalid regular expression 'a**': bad repetition operator '**'");
  CHECK(Error("a{1001}") == "invalid regular expression 'a{1001}': invalid repetition size '{1001}'");
  CHECK(Error("\\y") == "invalid regular expression '\\y': invalid escape sequence '\\y'");
  // What ECMAScript, Perl and GNU grep have and RE2 leaves out.
  CHECK(Error("(a)\\1") ==
        "invalid regular expression '(a)\\1': invalid escape sequence '\\1' (back-references are not supported)");
  CHECK(Error("x(?=y)") ==
        "invalid regular expression 'x(?=y)': invalid perl operator '(?=' (lookahead is not supported)");
  CHECK(Error("(?!x)") ==
        "invalid regular expression '(?!x)': invalid perl operator '(?!' (lookahead is not supported)");
  CHECK(Error("(?<=x)y") ==
        "invalid regular expression '(?<=x)y': invalid perl operator '(?<' (lookbehind is not supported; a named "
        "group is written (?P<name>...))");
  CHECK(Error("\\<error\\>") ==
        "invalid regular expression '\\<error\\>': '\\<' is not a word boundary here: use \\b (or '<' alone for "
        "the character)");
  CHECK(Error("error\\>") ==
        "invalid regular expression 'error\\>': '\\>' is not a word boundary here: use \\b (or '>' alone for "
        "the character)");
  CHECK(Error("a\\\\<b") == "");  // an escaped backslash, then '<'
  CHECK(Error("<b>") == "");
  // A null err is allowed.
  CHECK_FALSE(Regex::Compile("(", nullptr));
}

TEST_CASE("regex: a 16 MiB text is searched in linear time without recursion") {
  // A backtracking matcher recurses once per byte here and overflows the stack.
  const std::string text(size_t{16} << 20, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(Finds("(a|b)*c", text));
  CHECK(Finds("(a|b)*c", text + "c"));
  CHECK_FALSE(Finds("[ab]{200}c", text));
  CHECK_FALSE(Finds("(x+x+)+y", std::string(1 << 20, 'x')));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("regex: copies share the pattern and search from several threads at once") {
  std::string err;
  const auto re = Regex::Compile("^id=(\\d+)$", &err);
  REQUIRE(re);
  const Regex copy = *re;
  CHECK(copy.pattern() == "^id=(\\d+)$");
  std::vector<std::thread> threads;
  std::vector<int> found(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) found[t] += copy.Search("x\nid=" + std::to_string(i) + "\ny") ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  for (int n : found) CHECK(n == 2000);
}

}  // namespace hops
