#include "common/output.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace hops {

namespace {

std::string& ProgramNameStorage() {
  static std::string name = "hops";
  return name;
}

/// Whether environment variable @p name is set to a non-empty value.
bool EnvNonEmpty(const char* name) {
  const char* v = std::getenv(name);
  return v && *v;
}

/// The errno of the last failed WriteJsonLine, kept for CloseStdout because stdio forgets it.
int& LastWriteErrno() {
  static int err = 0;
  return err;
}

/// Whether @p fd is a pipe or socket whose reading end has gone away (poll reports POLLERR).
bool ReaderGone(int fd) {
  pollfd pfd{fd, 0, 0};
  return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLERR) != 0;
}

}  // namespace

std::optional<Format> ParseFormat(std::string_view s) {
  if (s == "text") return Format::kText;
  if (s == "json") return Format::kJson;
  return std::nullopt;
}

bool ColorEnabled(int fd) {
  if (EnvNonEmpty("NO_COLOR")) return false;
  const char* force = std::getenv("CLICOLOR_FORCE");
  if (force && *force && std::strcmp(force, "0") != 0) return true;
  if (!isatty(fd)) return false;
  const char* term = std::getenv("TERM");
  return term && *term && std::strcmp(term, "dumb") != 0;
}

std::string Colorize(const std::string& text, Color c, bool enabled) {
  if (!enabled) return text;
  const char* code = "";
  switch (c) {
    case Color::kRed:
      code = "31";
      break;
    case Color::kGreen:
      code = "32";
      break;
    case Color::kYellow:
      code = "33";
      break;
    case Color::kBlue:
      code = "34";
      break;
    case Color::kBold:
      code = "1";
      break;
    case Color::kDim:
      code = "2";
      break;
    case Color::kReverse:
      code = "7";
      break;
  }
  return std::string("\x1b[") + code + "m" + text + "\x1b[0m";
}

void SetProgramName(const char* name) {
  std::string s = name ? name : "";
  const size_t slash = s.rfind('/');
  if (slash != std::string::npos) s.erase(0, slash + 1);
  ProgramNameStorage() = s.empty() ? "hops" : s;
}

const std::string& ProgramName() { return ProgramNameStorage(); }

void SetupStdout() { std::setvbuf(stdout, nullptr, _IOLBF, BUFSIZ); }

int CloseStdout() {
  const bool earlier_error = std::ferror(stdout) != 0;
  errno = 0;
  const bool flush_failed = std::fflush(stdout) != 0;
  int err = flush_failed ? errno : 0;
  if (!earlier_error && !flush_failed) return 0;
  if (err == 0) err = LastWriteErrno();
  if (err == 0 && ReaderGone(fileno(stdout))) err = EPIPE;
  // Report each failure once, even if stdout is used and closed again.
  std::clearerr(stdout);
  LastWriteErrno() = 0;
  // A reader that went away (`| head`) is not an error worth reporting.
  if (err == EPIPE) return 0;
  // An earlier buffered write may have lost its errno; then report the error without a reason.
  std::string message = "write error";
  if (err != 0) message += std::string(": ") + std::strerror(err);
  Warn(message);
  return 1;
}

void Warn(const std::string& message) {
  const std::string line = ProgramName() + ": " + message + "\n";
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
}

void WriteJsonLine(const nlohmann::ordered_json& j) {
  std::string line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  line += '\n';
  errno = 0;
  const bool short_write = std::fwrite(line.data(), 1, line.size(), stdout) != line.size();
  if ((short_write || std::ferror(stdout)) && errno != 0) LastWriteErrno() = errno;
}

// The shortest start of a secret that is still redacted where a cut ends it.
constexpr size_t kMinCutSecret = 8;

std::string RedactSecrets(std::string text, const std::vector<std::string>& secrets) {
  std::vector<bool> covered(text.size(), false);
  bool any = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (size_t pos = text.find(secret); pos != std::string::npos;
         pos = text.find(secret, pos + 1)) {
      for (size_t i = pos; i < pos + secret.size(); ++i) covered[i] = true;
      any = true;
    }
    // A value cut short for display (Printable's "...", or the end of the text) may end in the
    // first part of a secret: cover the longest such part of kMinCutSecret bytes or more.
    if (secret.size() <= kMinCutSecret) continue;
    auto cover_cut = [&](size_t end) {
      for (size_t k = std::min(secret.size() - 1, end); k >= kMinCutSecret; --k) {
        if (text.compare(end - k, k, secret, 0, k) == 0) {
          for (size_t i = end - k; i < end; ++i) covered[i] = true;
          any = true;
          return;
        }
      }
    };
    for (size_t pos = text.find("..."); pos != std::string::npos; pos = text.find("...", pos + 1)) cover_cut(pos);
    cover_cut(text.size());
  }
  if (!any) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (!covered[i]) {
      out += text[i++];
      continue;
    }
    out += "***";
    while (i < text.size() && covered[i]) ++i;
  }
  return out;
}

}  // namespace hops
