#include "common/secret.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "tests/unit/testing/peer.hpp"

namespace hops {
namespace {

using testing::MakeTempDir;
using testing::WriteFile;

/// ReadSecret's value, or "ERROR: <message>".
std::string Read(std::string_view key, const std::string& name) {
  std::string err;
  std::optional<std::string> v = ReadSecret(key, name, &err);
  if (!v) return "ERROR: " + err;
  CHECK(err.empty());
  return *v;
}

}  // namespace

TEST_CASE("secret: a *_env key reads the environment variable as is") {
  ::setenv("HOPS_TEST_SECRET_SET", "s3cr3t value\n", 1);
  CHECK(Read("password_env", "HOPS_TEST_SECRET_SET") == "s3cr3t value\n");
  CHECK(Read("bearer_env", "HOPS_TEST_SECRET_SET") == "s3cr3t value\n");
}

TEST_CASE("secret: an unset or empty variable is an error naming the variable and the key") {
  ::unsetenv("HOPS_TEST_SECRET_UNSET");
  CHECK(Read("password_env", "HOPS_TEST_SECRET_UNSET") ==
        "ERROR: environment variable 'HOPS_TEST_SECRET_UNSET' named by 'password_env' is not set");
  ::setenv("HOPS_TEST_SECRET_EMPTY", "", 1);
  CHECK(Read("token_env", "HOPS_TEST_SECRET_EMPTY") ==
        "ERROR: environment variable 'HOPS_TEST_SECRET_EMPTY' named by 'token_env' is empty");
}

TEST_CASE("secret: a file loses exactly one trailing line break") {
  const std::string dir = MakeTempDir("hops-secret");
  struct Row {
    const char* content;
    const char* want;
  };
  const Row rows[] = {
      {"s3cret", "s3cret"},          {"s3cret\n", "s3cret"},
      {"s3cret\r\n", "s3cret"},      {"s3cret\n\n", "s3cret\n"},
      {"s3cret\r\n\r\n", "s3cret\r\n"}, {"s3cret\r", "s3cret\r"},
      {"  s3cret \t\n", "  s3cret \t"}, {"two\nlines\n", "two\nlines"},
  };
  int i = 0;
  for (const Row& row : rows) {
    CAPTURE(row.content);
    const std::string path = dir + "/pw" + std::to_string(i++);
    WriteFile(path, row.content);
    CHECK(Read("password_file", path) == row.want);
  }
  // Bytes are kept as they are, NUL included.
  WriteFile(dir + "/nul", std::string("a\0b\n", 4));
  CHECK(Read("password_file", dir + "/nul") == std::string("a\0b", 3));
}

TEST_CASE("secret: an empty file is an error naming the file, never the content") {
  const std::string dir = MakeTempDir("hops-secret");
  for (const char* content : {"", "\n", "\r\n"}) {
    CAPTURE(content);
    WriteFile(dir + "/empty", content);
    CHECK(Read("password_file", dir + "/empty") == "ERROR: 'password_file' '" + dir + "/empty' is empty");
  }
}

TEST_CASE("secret: an unreadable or oversized file is an error with the reason") {
  const std::string dir = MakeTempDir("hops-secret");
  CHECK(Read("password_file", dir + "/missing") ==
        "ERROR: cannot read 'password_file' '" + dir + "/missing': No such file or directory");
  CHECK(Read("bearer_file", dir) == "ERROR: cannot read 'bearer_file' '" + dir + "': Is a directory");
  const std::string big(kMaxSecretBytes + 1, 'k');
  WriteFile(dir + "/big", big);
  const std::string msg = Read("password_file", dir + "/big");
  CHECK(msg == "ERROR: 'password_file' '" + dir + "/big' is larger than 64 KiB");
  CHECK(msg.find("kkk") == std::string::npos);
  // A file of exactly the limit is read.
  WriteFile(dir + "/max", std::string(kMaxSecretBytes, 'k'));
  CHECK(Read("password_file", dir + "/max").size() == kMaxSecretBytes);
}

}  // namespace hops
