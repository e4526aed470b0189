// Reading a secret (a password, a token) that a definition names instead of writing it: a
// parameter ending in `_env` names an environment variable, any other (`_file`) a file. Every tool
// reads secrets through ReadSecret, so they behave the same everywhere. Messages name the key and
// the variable or file, never the value; to keep a secret out of text a peer sends back, use
// RedactSecrets (common/output.hpp).
#ifndef HOPS_COMMON_SECRET_HPP_
#define HOPS_COMMON_SECRET_HPP_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace hops {

/// The largest secret file ReadSecret reads (64 KiB); a larger file is refused, so a mistaken
/// path (a log, /dev/zero) is never read whole.
constexpr size_t kMaxSecretBytes = 64 * 1024;

/// Reads the secret that parameter @p key names with @p name:
///   - @p key ends in "_env" ("password_env"): the value of environment variable @p name, as is;
///   - otherwise ("password_file"): the content of file @p name with one trailing line break
///     ("\n" or "\r\n") removed; everything else (blanks, further line breaks) is kept.
/// An unset or empty variable, an empty file (or one holding only a line break), a file that
/// cannot be read and one larger than kMaxSecretBytes give nullopt with *@p err set:
///   "environment variable 'PGPW' named by 'password_env' is not set" (or "is empty"),
///   "cannot read 'password_file' '/etc/pw': Permission denied",
///   "'password_file' '/etc/pw' is empty" (or "is larger than 64 KiB").
/// The file's mode is not checked: a secret file should be readable only by the user running
/// the tool (mode 0600 or 0400), but one shared through a group-readable file is used as well.
std::optional<std::string> ReadSecret(std::string_view key, const std::string& name, std::string* err);

}  // namespace hops

#endif  // HOPS_COMMON_SECRET_HPP_
