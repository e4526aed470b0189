#include "common/output.hpp"
#include "common/text.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <optional>
#include <string>

#include "tests/unit/testing/peer.hpp"

namespace hops {
namespace {

/// Sets or unsets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  ~EnvGuard() {
    for (const auto& [name, old] : saved_) {
      if (old)
        setenv(name.c_str(), old->c_str(), 1);
      else
        unsetenv(name.c_str());
    }
  }
  void Set(const std::string& name, const std::string& value) {
    Save(name);
    setenv(name.c_str(), value.c_str(), 1);
  }
  void Unset(const std::string& name) {
    Save(name);
    unsetenv(name.c_str());
  }

 private:
  void Save(const std::string& name) {
    if (saved_.count(name)) return;
    const char* v = std::getenv(name.c_str());
    saved_[name] = v ? std::optional<std::string>(v) : std::nullopt;
  }
  std::map<std::string, std::optional<std::string>> saved_;
};

/// A pipe whose ends close at scope end.
struct Pipe {
  Pipe() { REQUIRE(pipe(fds) == 0); }
  ~Pipe() {
    for (int fd : fds)
      if (fd >= 0) close(fd);
  }
  void CloseRead() {
    close(fds[0]);
    fds[0] = -1;
  }
  int fds[2] = {-1, -1};
};

/// Points file descriptor @p fd (1 or 2) somewhere else for one test, restoring it afterwards.
class Redirect {
 public:
  Redirect(int fd, int target) : fd_(fd) {
    std::fflush(stdout);
    std::fflush(stderr);
    saved_ = dup(fd);
    REQUIRE(saved_ >= 0);
    REQUIRE(dup2(target, fd) == fd);
  }
  ~Redirect() {
    std::fflush(fd_ == 1 ? stdout : stderr);
    std::clearerr(fd_ == 1 ? stdout : stderr);
    dup2(saved_, fd_);
    close(saved_);
  }

 private:
  int fd_;
  int saved_ = -1;
};

/// A temporary file that captures what is written to it.
class TempFile {
 public:
  TempFile() {
    char tmpl[] = "/tmp/hops-output-test-XXXXXX";
    fd_ = mkstemp(tmpl);
    REQUIRE(fd_ >= 0);
    path_ = tmpl;
  }
  ~TempFile() {
    close(fd_);
    unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  std::string Contents() const {
    std::string out;
    char buf[4096];
    ssize_t n;
    for (off_t off = 0; (n = pread(fd_, buf, sizeof buf, off)) > 0; off += n) out.append(buf, n);
    return out;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

/// Ignores SIGPIPE for one test so writes to a closed pipe fail with EPIPE.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() { old_ = std::signal(SIGPIPE, SIG_IGN); }
  ~IgnoreSigpipe() { std::signal(SIGPIPE, old_); }

 private:
  void (*old_)(int);
};

/// Opens a pseudo-terminal pair; the slave end is a tty. Both fds are -1 when unavailable.
struct Pty {
  Pty() {
    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0) return;
    if (grantpt(master) != 0 || unlockpt(master) != 0) return;
    const char* name = ptsname(master);
    if (name) slave = open(name, O_RDWR | O_NOCTTY);
  }
  ~Pty() {
    if (slave >= 0) close(slave);
    if (master >= 0) close(master);
  }
  int master = -1;
  int slave = -1;
};

bool HavePty() { return Pty().slave >= 0; }
bool HaveDevFull() { return access("/dev/full", W_OK) == 0; }

}  // namespace

TEST_CASE("output: ParseFormat") {
  CHECK(ParseFormat("text") == Format::kText);
  CHECK(ParseFormat("json") == Format::kJson);
  CHECK_FALSE(ParseFormat("JSON").has_value());
  CHECK_FALSE(ParseFormat("").has_value());
  CHECK_FALSE(ParseFormat("yaml").has_value());
}

TEST_CASE("output: ColorEnabled on a pipe") {
  EnvGuard env;
  Pipe p;
  const int fd = p.fds[1];
  env.Unset("NO_COLOR");
  env.Unset("CLICOLOR_FORCE");
  env.Set("TERM", "xterm-256color");
  CHECK_FALSE(ColorEnabled(fd));  // not a tty

  env.Set("CLICOLOR_FORCE", "1");
  CHECK(ColorEnabled(fd));
  env.Set("CLICOLOR_FORCE", "yes");
  CHECK(ColorEnabled(fd));
  env.Set("CLICOLOR_FORCE", "0");
  CHECK_FALSE(ColorEnabled(fd));
  env.Set("CLICOLOR_FORCE", "");
  CHECK_FALSE(ColorEnabled(fd));

  env.Set("CLICOLOR_FORCE", "1");
  env.Set("NO_COLOR", "1");
  CHECK_FALSE(ColorEnabled(fd));  // NO_COLOR beats CLICOLOR_FORCE
  env.Set("NO_COLOR", "");
  CHECK(ColorEnabled(fd));  // an empty NO_COLOR counts as unset

  env.Unset("TERM");
  CHECK(ColorEnabled(fd));  // forcing does not need TERM
}

// Skipped only without a pseudo-terminal and with HOPS_ALLOW_SKIP=1; otherwise it fails then.
TEST_CASE("output: ColorEnabled on a terminal" * doctest::skip(hops::testing::SkipUnless(HavePty))) {
  Pty pty;
  REQUIRE_MESSAGE(pty.slave >= 0, "no pseudo-terminal available (HOPS_ALLOW_SKIP=1 skips this test)");
  EnvGuard env;
  env.Unset("NO_COLOR");
  env.Unset("CLICOLOR_FORCE");
  env.Set("TERM", "xterm");
  CHECK(ColorEnabled(pty.slave));
  env.Set("TERM", "dumb");
  CHECK_FALSE(ColorEnabled(pty.slave));
  env.Set("TERM", "");
  CHECK_FALSE(ColorEnabled(pty.slave));
  env.Unset("TERM");
  CHECK_FALSE(ColorEnabled(pty.slave));
  env.Set("TERM", "xterm");
  env.Set("NO_COLOR", "x");
  CHECK_FALSE(ColorEnabled(pty.slave));
  env.Set("NO_COLOR", "");
  CHECK(ColorEnabled(pty.slave));
}

TEST_CASE("output: Colorize") {
  CHECK(Colorize("x", Color::kRed, true) == "\x1b[31mx\x1b[0m");
  CHECK(Colorize("x", Color::kGreen, true) == "\x1b[32mx\x1b[0m");
  CHECK(Colorize("x", Color::kYellow, true) == "\x1b[33mx\x1b[0m");
  CHECK(Colorize("x", Color::kBlue, true) == "\x1b[34mx\x1b[0m");
  CHECK(Colorize("x", Color::kBold, true) == "\x1b[1mx\x1b[0m");
  CHECK(Colorize("x", Color::kDim, true) == "\x1b[2mx\x1b[0m");
  CHECK(Colorize("x", Color::kReverse, true) == "\x1b[7mx\x1b[0m");
  CHECK(Colorize("plain", Color::kRed, false) == "plain");
}

TEST_CASE("output: SetProgramName keeps the last path component, Warn uses it") {
  SetProgramName("/usr/local/bin/hmon-check");
  CHECK(ProgramName() == "hmon-check");
  SetProgramName("hcal");
  CHECK(ProgramName() == "hcal");
  TempFile err;
  {
    Redirect r(2, err.fd());
    Warn("cannot open 'x': No such file or directory");
  }
  CHECK(err.Contents() == "hcal: cannot open 'x': No such file or directory\n");
}

TEST_CASE("output: WriteJsonLine writes one compact UTF-8 line") {
  nlohmann::ordered_json j;
  j["z"] = 1;
  j["a"] = "祝日 \"q\"\n";
  j["bad"] = std::string("caf\xe9");  // Latin-1, not UTF-8
  j["list"] = {1, 2};
  TempFile out;
  {
    Redirect r(1, out.fd());
    WriteJsonLine(j);
    CHECK(CloseStdout() == 0);
  }
  CHECK(out.Contents() ==
        "{\"z\":1,\"a\":\"祝日 \\\"q\\\"\\n\",\"bad\":\"caf\xef\xbf\xbd\",\"list\":[1,2]}\n");
}

// Skipped only without /dev/full and with HOPS_ALLOW_SKIP=1; otherwise it fails then.
TEST_CASE("output: CloseStdout reports write errors" * doctest::skip(hops::testing::SkipUnless(HaveDevFull))) {
  SetProgramName("hops-test");
  TempFile err;
  Redirect r2(2, err.fd());
  int full = open("/dev/full", O_WRONLY);
  REQUIRE_MESSAGE(full >= 0, "no /dev/full (HOPS_ALLOW_SKIP=1 skips this test)");
  SUBCASE("buffered write") {
    {
      Redirect r1(1, full);
      // Fully buffered, so the failure shows at flush time (other tests may have line-buffered stdout).
      std::setvbuf(stdout, nullptr, _IOFBF, BUFSIZ);
      std::fputs("some output\n", stdout);
      CHECK(CloseStdout() == 1);
    }
    CHECK(err.Contents() == "hops-test: write error: No space left on device\n");
  }
  SUBCASE("line-buffered JSON write keeps its errno") {
    {
      Redirect r1(1, full);
      SetupStdout();
      WriteJsonLine(nlohmann::ordered_json{{"a", 1}});
      CHECK(CloseStdout() == 1);
    }
    CHECK(err.Contents() == "hops-test: write error: No space left on device\n");
  }
  SUBCASE("no error") {
    {
      Redirect r1(1, full);
      CHECK(CloseStdout() == 0);
    }
    CHECK(err.Contents() == "");
  }
  close(full);
}

TEST_CASE("output: CloseStdout ignores EPIPE") {
  SetProgramName("hops-test");
  IgnoreSigpipe ignore;
  TempFile err;
  Redirect r2(2, err.fd());
  SUBCASE("error seen by the final flush") {
    Pipe p;
    p.CloseRead();
    {
      Redirect r1(1, p.fds[1]);
      std::fputs("a line for nobody\n", stdout);
      CHECK(CloseStdout() == 0);
    }
  }
  SUBCASE("error seen by an earlier line-buffered write") {
    Pipe p;
    p.CloseRead();
    {
      Redirect r1(1, p.fds[1]);
      SetupStdout();
      std::fputs("a line for nobody\n", stdout);
      CHECK(std::ferror(stdout) != 0);
      CHECK(CloseStdout() == 0);
    }
  }
  CHECK(err.Contents() == "");
}

TEST_CASE("output: RedactSecrets") {
  CHECK(RedactSecrets("token=abc123&x=abc123", {"abc123"}) == "token=***&x=***");
  CHECK(RedactSecrets("nothing here", {"abc"}) == "nothing here");
  CHECK(RedactSecrets("keep", {""}) == "keep");
  CHECK(RedactSecrets("keep", {}) == "keep");
  CHECK(RedactSecrets("", {"x"}) == "");
  CHECK(RedactSecrets("abc", {"abc"}) == "***");
  // A secret that contains another is redacted whole, whatever the order.
  CHECK(RedactSecrets("u=abcdef", {"abc", "abcdef"}) == "u=***");
  CHECK(RedactSecrets("u=abcdef", {"abcdef", "abc"}) == "u=***");
  // Overlapping and adjacent occurrences leave nothing of the secret behind.
  CHECK(RedactSecrets("xaaay", {"aa"}) == "x***y");
  CHECK(RedactSecrets("pw1pw2 end", {"pw1", "pw2"}) == "*** end");
  // The replacement itself is never matched again.
  CHECK(RedactSecrets("a*b", {"a", "*"}) == "***b");
  CHECK(RedactSecrets("s3cr3t and s3cr3t", {"s3cr3t", "*"}) == "*** and ***");
}

TEST_CASE("output: RedactSecrets covers a secret that a display cut left only the start of") {
  const std::string token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMtYm90In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
  REQUIRE(token.size() > 60);
  const std::string cut = "auth is " + Printable("Bearer " + token, 60);  // "...Bearer eyJ...<cut>..."
  const std::string out = RedactSecrets(cut, {token});
  for (size_t i = 0; i + 8 <= token.size(); ++i) {
    CAPTURE(i);
    CHECK(out.find(token.substr(i, 8)) == std::string::npos);
  }
  CHECK(out.rfind("auth is Bearer ***", 0) == 0);
  // Cut at the very end of the text, without a marker.
  CHECK(RedactSecrets("tail: " + token.substr(0, 20), {token}) == "tail: ***");
  // Fewer than 8 bytes of a secret before a cut are too common to mean anything.
  CHECK(RedactSecrets("version eyJhb...", {token}) == "version eyJhb...");
}

}  // namespace hops
