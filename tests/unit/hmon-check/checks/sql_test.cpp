#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "cmd/hmon-check/checks/check.hpp"
#include "tests/unit/testing/peer.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using testing::FindProgram;
using testing::FreePort;
using testing::MakeTempDir;
using testing::Peer;
using testing::RunCommand;
using testing::WriteFile;

constexpr const char* kPassword = "s3cret-pw";

/// A throwaway PostgreSQL cluster: user "hops" with kPassword over TCP (scram), trust on the socket.
struct PgServer {
  std::string dir;
  int port = 0;
  std::unique_ptr<Peer> peer;
  std::string error;  // why the server is not available

  PgServer() {
    const std::string initdb = FindProgram("initdb"), postgres = FindProgram("postgres");
    if (initdb.empty() || postgres.empty()) {
      error = "the PostgreSQL server is not installed (Debian package postgresql; HOPS_ALLOW_SKIP=1 skips the "
              "tests that need it)";
      return;
    }
    dir = MakeTempDir("hops-pg");
    std::vector<std::string> as_user;
    if (::geteuid() == 0) {
      // postgres refuses to run as root: run it as the postgres (or nobody) user.
      const struct passwd* pw = ::getpwnam("postgres");
      if (!pw) pw = ::getpwnam("nobody");
      const std::string setpriv = FindProgram("setpriv");
      if (!pw || setpriv.empty()) {
        error = "running as root without a 'postgres' user or setpriv";
        return;
      }
      if (::chown(dir.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        error = "cannot chown " + dir;
        return;
      }
      as_user = {setpriv, "--reuid=" + std::to_string(pw->pw_uid),
                 "--regid=" + std::to_string(pw->pw_gid), "--clear-groups", "--"};
    }
    const std::string pwfile = dir + "/pw";
    WriteFile(pwfile, std::string(kPassword) + "\n");
    if (::geteuid() == 0) {
      const struct passwd* pw = ::getpwnam("postgres") ? ::getpwnam("postgres") : ::getpwnam("nobody");
      if (::chown(pwfile.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        error = "cannot chown " + pwfile;
        return;
      }
    }
    std::vector<std::string> init = as_user;
    for (const std::string& a : {initdb, std::string("-D"), dir + "/data", std::string("-U"),
                                 std::string("hops"), "--pwfile=" + pwfile, std::string("--auth-local=trust"),
                                 std::string("--auth-host=scram-sha-256"), std::string("--no-sync")})
      init.push_back(a);
    std::string out;
    if (RunCommand(init, &out) != 0) {
      error = "initdb failed: " + out;
      return;
    }
    port = FreePort();
    std::vector<std::string> run = as_user;
    for (const std::string& a :
         {postgres, std::string("-D"), dir + "/data", std::string("-k"), dir, std::string("-c"),
          std::string("listen_addresses=127.0.0.1"), std::string("-p"), std::to_string(port),
          std::string("-c"), std::string("fsync=off")})
      run.push_back(a);
    std::string err;
    peer = Peer::Start(run, port, dir + "/postgres.log", &err, 30000);
    if (!peer) {
      error = "postgres did not start: " + err;
      return;
    }
    // The port opens before the server accepts sessions ("the database system is starting up").
    if (RunCommand({FindProgram("pg_isready"), "-h", "127.0.0.1", "-p", std::to_string(port), "-t", "30"}) != 0)
      error = "postgres is not ready after 30 s (log: " + dir + "/postgres.log)";
  }
};

/// One server for all tests of this file, started on first use.
PgServer& Server() {
  static PgServer server;
  return server;
}

CheckSpec Spec(const std::string& target, const std::string& query = "") {
  ::setenv("HOPS_TEST_PG_PASSWORD", kPassword, 1);
  CheckSpec s;
  s.monitor = "db";
  s.type = "sql";
  s.target = target;
  s.timeout = std::chrono::milliseconds(10000);
  s.params.Set("user", "hops");
  s.params.Set("database", "postgres");
  s.params.Set("password_env", "HOPS_TEST_PG_PASSWORD");
  if (!query.empty()) s.params.Set("query", query);
  return s;
}

const Perfdata* FindPerf(const CheckResult& r, const std::string& label) {
  for (const auto& p : r.perfdata) {
    if (p.label == label) return &p;
  }
  return nullptr;
}

nagios::Thresholds Th(const std::string& warning, const std::string& critical) {
  nagios::Thresholds t;
  if (!warning.empty()) t.warning = nagios::ParseRange(warning, nullptr);
  if (!critical.empty()) t.critical = nagios::ParseRange(critical, nullptr);
  return t;
}

}  // namespace

TEST_CASE("check_sql: Validate") {
  auto type = MakeSqlCheck();
  CHECK(type->Validate(Spec("127.0.0.1")) == "");
  CHECK(type->Validate(Spec("[::1]:5432")) == "");
  CHECK(type->Validate(Spec("/run/postgresql")) == "");
  CHECK(type->Validate(Spec("")) == "'target' is missing: give host[:port] or a Unix socket directory");
  CHECK(type->Validate(Spec("db:99999")) == "'target' 'db:99999' has a bad port");
  CHECK(type->Validate(Spec("[::1")) == "'target' '[::1' lacks the closing ']'");
  auto spec = Spec("db:5432");
  spec.params.Set("port", "5433");
  CHECK(type->Validate(spec) == "the port is given twice: in 'target' and in 'port'");
  spec = Spec("db");
  spec.params.Set("port", "http");
  CHECK(type->Validate(spec) == "'port' must be a number from 1 to 65535, not 'http'");
  spec = Spec("db");
  spec.params.Set("sslmode", "sometimes");
  CHECK(type->Validate(spec).find("'sslmode' must be disable, allow, prefer, require") == 0);
  spec = Spec("db");
  spec.params.Set("expect_rows", "-1");
  CHECK(type->Validate(spec) == "'expect_rows' must be a whole number, not '-1'");
  spec = Spec("db");
  spec.params.Set("password_file", "/etc/pw");
  CHECK(type->Validate(spec) == "'password_env' and 'password_file' cannot be used together");
  spec = Spec("db");
  spec.params.Set("query", "");
  CHECK(type->Validate(spec) == "'query' is empty");
  CHECK(type->Measures() == std::vector<std::string>{"time", "value", "rows"});
}

TEST_CASE("check_sql: refused and silent servers are CRITICAL within the timeout") {
  auto type = MakeSqlCheck();
  const int closed = FreePort();
  auto r = type->Run(Spec("127.0.0.1:" + std::to_string(closed)), {});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary.find("cannot connect to 127.0.0.1:" + std::to_string(closed) + ": ") == 0);
  CHECK(r.summary.find("Connection refused") != std::string::npos);

  // A listener that accepts (in the kernel backlog) and never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const std::string target = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  auto spec = Spec(target);
  spec.timeout = std::chrono::milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  r = type->Run(spec, {});
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "connection to " + target + " timed out after 300ms");
  ::close(fd);
}

// Skipped only when PostgreSQL is missing and HOPS_ALLOW_SKIP=1; otherwise it runs, and fails
// without it.
TEST_CASE("check_sql: queries against a real PostgreSQL" *
          doctest::skip(testing::SkipWithout("initdb") || testing::SkipWithout("postgres"))) {
  PgServer& pg = Server();
  REQUIRE_MESSAGE(pg.error.empty(), pg.error);
  auto type = MakeSqlCheck();
  const std::string target = "127.0.0.1:" + std::to_string(pg.port);

  SUBCASE("SELECT 1 by default") {
    auto spec = Spec(target);
    REQUIRE(type->Validate(spec) == "");
    auto r = type->Run(spec, {});
    CHECK_MESSAGE(r.state == State::kOk, r.summary);
    CHECK(r.summary.find("1 row in ") == 0);
    CHECK(r.summary.find(" s, value '1'") != std::string::npos);
    REQUIRE(FindPerf(r, "time"));
    CHECK(FindPerf(r, "time")->uom == "s");
    CHECK(r.perfdata.front().label == "time");
    CHECK(FindPerf(r, "value")->value == 1);
    CHECK(FindPerf(r, "rows")->value == 1);
    CHECK(r.details["database"] == "postgres");
    CHECK(r.details.dump().find(kPassword) == std::string::npos);
  }
  SUBCASE("thresholds on the value") {
    auto spec = Spec(target, "SELECT 150");
    spec.thresholds["value"] = Th("~:100", "~:200");
    auto r = type->Run(spec, {});
    CHECK(r.state == State::kWarning);
    spec.thresholds["value"] = Th("", "~:100");
    r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find(", value critical") != std::string::npos);
    spec.thresholds["value"] = Th("", "~:1000");
    CHECK(type->Run(spec, {}).state == State::kOk);
    spec.params.Set("query", "SELECT 'abc'");
    r = type->Run(spec, {});
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary.find("cannot apply the 'value' thresholds: the value 'abc' is not a number") !=
          std::string::npos);
  }
  SUBCASE("expect and expect_rows") {
    auto spec = Spec(target, "SELECT 'ready'");
    spec.params.Set("expect", "ready");
    CHECK(type->Run(spec, {}).state == State::kOk);
    spec.params.Set("expect", "other");
    auto r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("; value 'ready', expected 'other'") != std::string::npos);

    spec = Spec(target, "SELECT generate_series(1, 3)");
    spec.params.Set("expect_rows", "3");
    r = type->Run(spec, {});
    CHECK(r.state == State::kOk);
    CHECK(FindPerf(r, "rows")->value == 3);
    spec.params.Set("expect_rows", "2");
    r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("; 3 rows, expected 2") != std::string::npos);

    spec = Spec(target, "SELECT 1 WHERE false");
    spec.params.Set("expect", "1");
    r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("0 rows in ") == 0);
    CHECK(r.summary.find("; no rows, expected '1'") != std::string::npos);
  }
  SUBCASE("a query error is CRITICAL with the server's message") {
    auto r = type->Run(Spec(target, "SELECT * FROM no_such_table"), {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "query failed on " + target + ": relation \"no_such_table\" does not exist");
  }
  SUBCASE("a slow query times out as CRITICAL") {
    auto spec = Spec(target, "SELECT pg_sleep(10)");
    spec.timeout = std::chrono::milliseconds(500);
    const auto t0 = std::chrono::steady_clock::now();
    auto r = type->Run(spec, {});
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(r.state == State::kCritical);
    // The client deadline and the server's statement_timeout race; either one stops it.
    const bool timed_out = r.summary.find("query timed out after 500ms") == 0 ||
                           r.summary.find("statement timeout") != std::string::npos;
    CHECK_MESSAGE(timed_out, r.summary);
  }
  SUBCASE("passwords: a wrong one fails without being echoed, a file works, an unset variable is UNKNOWN") {
    ::setenv("HOPS_TEST_PG_WRONG", "not-the-password", 1);
    auto spec = Spec(target);
    spec.params.Set("password_env", "HOPS_TEST_PG_WRONG");
    auto r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("password authentication failed for user \"hops\"") != std::string::npos);
    CHECK(r.summary.find("not-the-password") == std::string::npos);

    spec = Spec(target);
    spec.params = Params();
    spec.params.Set("user", "hops");
    spec.params.Set("database", "postgres");
    const std::string pwfile = MakeTempDir("hops-pw") + "/pw";
    WriteFile(pwfile, std::string(kPassword) + "\n");
    spec.params.Set("password_file", pwfile);
    CHECK(type->Run(spec, {}).state == State::kOk);

    spec.params.Set("password_file", pwfile + ".missing");
    r = type->Run(spec, {});
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary == "cannot read 'password_file' '" + pwfile + ".missing': No such file or directory");

    // The whole file is the password, less one final line break: a second line is kept, so
    // this one is wrong (it was once cut at the first line).
    WriteFile(pwfile, std::string(kPassword) + "\nsecond line\n");
    spec.params.Set("password_file", pwfile);
    r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("password authentication failed") != std::string::npos);
    WriteFile(pwfile, "");
    r = type->Run(spec, {});
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary == "'password_file' '" + pwfile + "' is empty");

    spec = Spec(target);
    spec.params.Set("password_env", "HOPS_TEST_PG_UNSET_VARIABLE");
    r = type->Run(spec, {});
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary == "environment variable 'HOPS_TEST_PG_UNSET_VARIABLE' named by 'password_env' is not set");
  }
  SUBCASE("a Unix socket directory target and a port parameter") {
    auto spec = Spec(pg.dir);
    spec.params.Set("port", std::to_string(pg.port));
    auto r = type->Run(spec, {});
    CHECK(r.state == State::kOk);
    CHECK(r.details["host"] == pg.dir);
  }
  SUBCASE("parameters are not parsed as a connection string") {
    auto spec = Spec(target);
    spec.params.Set("database", "postgres host=192.0.2.1");
    auto r = type->Run(spec, {});
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("database \"postgres host=192.0.2.1\" does not exist") != std::string::npos);
  }
}

}  // namespace hops::mon
