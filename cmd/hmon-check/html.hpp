// What hmon-check's HTML documents (the monthly report, the status page) share: escaping, and the
// page frame with its inline style. Pages are self-contained: no script, font, image or style is
// fetched from anywhere, so they read offline, as a mail attachment, or printed.
#ifndef HOPS_CMD_HMON_CHECK_HTML_HPP_
#define HOPS_CMD_HMON_CHECK_HTML_HPP_

#include <string>
#include <string_view>

namespace hops::mon::html {

/// @p s with &, <, >, " and ' escaped, for element text and quoted attribute values. Invalid
/// UTF-8 becomes U+FFFD, so no input can break the page's markup or encoding.
std::string Escape(std::string_view s);

/// An href for @p url when it is an http(s) or mailto URL, else "" (a runbook given as text, or a
/// javascript: URL, is shown as text, never linked).
std::string SafeHref(std::string_view url);

/// @p s with every byte that is not part of valid UTF-8 replaced by U+FFFD (for CSV and other
/// text outputs that are not HTML).
std::string ValidUtf8(std::string_view s);

}  // namespace hops::mon::html

#endif  // HOPS_CMD_HMON_CHECK_HTML_HPP_
