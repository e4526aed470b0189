#include "common/error.hpp"

namespace hops {

std::string SourceLoc::Str() const {
  std::string s = file.empty() ? "<input>" : file;
  if (line > 0) {
    s += ":" + std::to_string(line);
    if (column > 0) s += ":" + std::to_string(column);
  }
  return s;
}

std::string SourceLineOf(std::string_view text, int line) {
  if (line < 1) return "";
  size_t start = 0;
  for (int i = 1; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  std::string_view s = text.substr(start, text.find('\n', start) - start);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return std::string(s);
}

static std::string FormatDefinitionError(const SourceLoc& loc, const std::string& message,
                                         const std::string& source_line) {
  std::string out = loc.Str() + ": " + message;
  if (!source_line.empty() && loc.column > 0) {
    out += "\n  " + source_line + "\n  ";
    // Keep tabs so the caret lines up under the offending column.
    for (int i = 0; i < loc.column - 1 && i < static_cast<int>(source_line.size()); ++i)
      out += source_line[i] == '\t' ? '\t' : ' ';
    out += "^";
  }
  return out;
}

DefinitionError::DefinitionError(SourceLoc loc, const std::string& message,
                                 const std::string& source_line)
    : Error(ErrorKind::kDefinition, FormatDefinitionError(loc, message, source_line)),
      loc_(std::move(loc)),
      message_(message) {}

int ExitCodeFor(ErrorKind kind, ExitStyle style) {
  switch (style) {
    case ExitStyle::kNagios:
      return 3;
    case ExitStyle::kQuestion:
      return 2;
    case ExitStyle::kCommand:
      return kind == ErrorKind::kRuntime ? 1 : 2;
  }
  return 2;
}

}  // namespace hops
