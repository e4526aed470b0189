#include "common/secret.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/text.hpp"

namespace hops {

namespace {

/// Reads all of @p path, at most @p max + 1 bytes; false with errno set on failure.
bool ReadUpTo(const std::string& path, size_t max, std::string* out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  char buf[4096];
  while (out->size() <= max) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      errno = e;
      return false;
    }
    if (n == 0) break;
    out->append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return true;
}

}  // namespace

std::optional<std::string> ReadSecret(std::string_view key, const std::string& name, std::string* err) {
  if (EndsWith(key, "_env")) {
    const char* v = std::getenv(name.c_str());
    if (!v || !*v) {
      *err = "environment variable " + Quote(name) + " named by " + Quote(key) + " is " +
             (v ? "empty" : "not set");
      return std::nullopt;
    }
    return std::string(v);
  }
  std::string value;
  if (!ReadUpTo(name, kMaxSecretBytes, &value)) {
    *err = "cannot read " + Quote(key) + " " + Quote(name) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  if (value.size() > kMaxSecretBytes) {
    *err = Quote(key) + " " + Quote(name) + " is larger than " + std::to_string(kMaxSecretBytes / 1024) + " KiB";
    return std::nullopt;
  }
  if (EndsWith(value, "\r\n")) {
    value.resize(value.size() - 2);
  } else if (EndsWith(value, "\n")) {
    value.pop_back();
  }
  if (value.empty()) {
    *err = Quote(key) + " " + Quote(name) + " is empty";
    return std::nullopt;
  }
  return value;
}

}  // namespace hops
