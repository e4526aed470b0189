// Error types shared by every hops tool, and the one place that maps them to exit codes.
#ifndef HOPS_COMMON_ERROR_HPP_
#define HOPS_COMMON_ERROR_HPP_

#include <stdexcept>
#include <string>
#include <string_view>

namespace hops {

/// What went wrong, independent of any tool's exit-code convention.
enum class ErrorKind {
  kUsage,       ///< bad command line (unknown option, bad argument value)
  kDefinition,  ///< a YAML definition or settings file is invalid
  kRange,       ///< a request outside what the tool supports (e.g. a year hcal cannot answer)
  kRuntime,     ///< the operation itself failed (I/O, network, child process)
};

/// A position in a source file; line and column are 1-based, 0 means unknown.
struct SourceLoc {
  std::string file;  ///< path as given by the user, or a pseudo-name such as "<string>"
  int line = 0;
  int column = 0;
  /// "file:line:column", dropping the parts that are unknown.
  std::string Str() const;
};

/// Base class of every error hops reports to the user.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  /// Which category this error belongs to; drives the exit code.
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

/// Bad command-line usage.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& message) : Error(ErrorKind::kUsage, message) {}
};

/// A request outside the supported range (dates before 1948-07-20 for Japanese holidays, ...).
class RangeError : public Error {
 public:
  explicit RangeError(const std::string& message) : Error(ErrorKind::kRange, message) {}
};

/// An operation that failed at run time.
class RuntimeError : public Error {
 public:
  explicit RuntimeError(const std::string& message) : Error(ErrorKind::kRuntime, message) {}
};

/// An invalid definition, pointing at the offending place in the source file.
/// what() is "file:line:col: message" followed, when the source text is known, by the line and a caret.
class DefinitionError : public Error {
 public:
  DefinitionError(SourceLoc loc, const std::string& message, const std::string& source_line = "");
  /// Where the error is.
  const SourceLoc& loc() const { return loc_; }
  /// The message without position or snippet.
  const std::string& message() const { return message_; }

 private:
  SourceLoc loc_;
  std::string message_;
};

/// Line @p line (1-based) of @p text without its line terminator ("\n" or "\r\n"), or "" when out
/// of range: the source line a DefinitionError shows above its caret.
std::string SourceLineOf(std::string_view text, int line);

/// Exit-code conventions; each tool picks one (see the EXIT STATUS section of its man page).
enum class ExitStyle {
  kQuestion,  ///< hcal: 0 yes, 1 no, 2 error
  kNagios,    ///< hmon-check: 0 OK .. 3 UNKNOWN; every error is 3
  kCommand,   ///< others: 0 success, 1 operation failed, 2 usage or definition error
};

/// The exit code an error of @p kind gets under @p style.
int ExitCodeFor(ErrorKind kind, ExitStyle style);

}  // namespace hops

#endif  // HOPS_COMMON_ERROR_HPP_
