// Small pieces the TLS-speaking monitor types share (http/https and tls-cert).
#ifndef HOPS_COMMON_CHECK_TLS_UTIL_HPP_
#define HOPS_COMMON_CHECK_TLS_UTIL_HPP_

#include <string>
#include <string_view>

namespace hops::mon {

/// @p s fit for one line of output: control bytes become '?', and it is cut to @p max bytes.
std::string Printable(std::string_view s, size_t max);

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_TLS_UTIL_HPP_
