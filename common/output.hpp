// Terminal and stream output shared by every tool: formats, colour, warnings, JSON lines and clean
// stdout shutdown.
#ifndef HOPS_COMMON_OUTPUT_HPP_
#define HOPS_COMMON_OUTPUT_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hops {

/// The output format selected with --format.
enum class Format { kText, kJson };

/// Parses a --format value: "text" or "json" (exact, lower case); nullopt otherwise.
std::optional<Format> ParseFormat(std::string_view s);

/// Whether to colour output on @p fd: never when NO_COLOR is non-empty, always when CLICOLOR_FORCE
/// is non-empty and not "0", else only on a tty with TERM set and not "dumb".
bool ColorEnabled(int fd);

/// An ANSI text attribute for Colorize.
enum class Color { kRed, kGreen, kYellow, kBlue, kBold, kDim, kReverse };

/// @p text between the escape sequence for @p c and a reset when @p enabled, else unchanged.
std::string Colorize(const std::string& text, Color c, bool enabled);

/// Sets the name used in messages; a path is cut to its last component, so argv[0] will do.
void SetProgramName(const char* name);

/// The name set by SetProgramName, or "hops" when none was set.
const std::string& ProgramName();

/// Makes stdout line-buffered so lines reach pipes and logs promptly.
void SetupStdout();

/// Flushes stdout; on a write error other than EPIPE prints "<prog>: write error: <reason>" to
/// stderr and returns 1, else returns 0.
int CloseStdout();

/// Prints "<prog>: @p message" and a newline to stderr.
void Warn(const std::string& message);

/// Writes @p j to stdout as one compact line of UTF-8 JSON (invalid UTF-8 in strings becomes
/// U+FFFD) followed by '\n'.
void WriteJsonLine(const nlohmann::ordered_json& j);

/// @p text with every stretch covered by an occurrence of a non-empty secret (overlapping or
/// adjacent ones merged) replaced by "***". Where a value was cut for display (before a "..." or
/// at the end of @p text), a start of a secret of 8 bytes or more left there is covered too.
std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets);

}  // namespace hops

#endif  // HOPS_COMMON_OUTPUT_HPP_
