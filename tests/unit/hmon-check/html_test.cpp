// The escaping every hmon-check HTML page goes through.
#include "cmd/hmon-check/html.hpp"

#include <doctest/doctest.h>

namespace hops::mon::html {

TEST_CASE("html: Escape leaves no markup, keeps UTF-8, and replaces what HTML cannot carry") {
  CHECK(Escape("<script>alert('x')</script> & \"q\"") ==
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
  CHECK(Escape("ディスク使用率 95%\nline 2\tend") == "ディスク使用率 95%\nline 2\tend");
  CHECK(Escape(std::string("a\x01" "b\x7f" "c", 5)) == "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c");
  CHECK(Escape("\xff\xfe ok") == "\xEF\xBF\xBD\xEF\xBF\xBD ok");
  CHECK(Escape("\xE3\x81") == "\xEF\xBF\xBD\xEF\xBF\xBD");             // cut in the middle
  CHECK(Escape("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");             // overlong '/'
  CHECK(Escape("\xED\xA0\x80") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  CHECK(Escape("\xF0\x9F\x98\x80") == "\xF0\x9F\x98\x80");             // 4 bytes
}

TEST_CASE("html: SafeHref links http(s) and mailto URLs only") {
  CHECK(SafeHref("https://wiki.example.com/run?x=1&y=\"2\"") == "https://wiki.example.com/run?x=1&amp;y=&quot;2&quot;");
  CHECK(SafeHref("  HTTP://a/b ") == "HTTP://a/b");
  CHECK(SafeHref("mailto:ops@example.com") == "mailto:ops@example.com");
  CHECK(SafeHref("javascript:alert(1)") == "");
  CHECK(SafeHref("restart nginx, then check /health") == "");
  CHECK(SafeHref("https://a/b c") == "");
  CHECK(SafeHref("data:text/html,<b>") == "");
}

}  // namespace hops::mon::html
