#include "cmd/hjob-run/ssh.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/settings.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/sshd.hpp"

namespace hops::ssh {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace ht = hops::testing;

const bool kSkipSshd = ht::SkipWithout("sshd") || ht::SkipWithout("ssh-keygen") || ht::SkipWithout("pgrep");

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Matches an exception message holding @p s.
doctest::Contains Has(const std::string& s) { return doctest::Contains(s.c_str()); }

/// A token no other test run uses, for process names and file names.
std::string Unique() {
  static std::mt19937_64 rng(std::random_device{}() ^ static_cast<uint64_t>(getpid()));
  return std::to_string(rng() % 1000000000);
}

/// A user key, @p n test sshd "hosts" that accept it, and a known_hosts file listing them.
struct Lab {
  std::string dir, key, known_hosts;
  std::vector<std::unique_ptr<ht::Sshd>> hosts;

  explicit Lab(int n = 1, ht::SshdOptions so = {}) {
    dir = ht::MakeTempDir("hops-ssh-test");
    REQUIRE(!dir.empty());
    key = dir + "/id_ed25519";
    const std::string made = ht::MakeSshKey(key);
    REQUIRE_MESSAGE(made.empty(), made);
    so.authorized_keys.push_back(ReadAll(key + ".pub"));
    known_hosts = dir + "/known_hosts";
    std::string lines;
    for (int i = 0; i < n; ++i) {
      std::string err;
      hosts.push_back(ht::Sshd::Start(so, &err));
      REQUIRE_MESSAGE(hosts.back() != nullptr, err);
      lines += hosts.back()->KnownHostsLine() + "\n";
    }
    ht::WriteFile(known_hosts, lines);
  }

  SessionOptions Options(size_t i = 0) const {
    SessionOptions o;
    o.host = "127.0.0.1";
    o.port = hosts.at(i)->port();
    o.user = ht::Sshd::User();
    o.identity_files = {key};
    o.use_agent = false;
    o.known_hosts = known_hosts;
    o.extra_known_hosts = dir + "/no-such-known-hosts";
    o.connect_timeout = 10s;
    return o;
  }
};

RemoteCommand Argv(std::vector<std::string> argv) {
  RemoteCommand c;
  c.argv = std::move(argv);
  return c;
}

RemoteCommand Shell(std::string script) {
  RemoteCommand c;
  c.shell = std::move(script);
  return c;
}

/// True when a process whose command line holds @p pattern runs (pgrep -f).
bool Running(const std::string& pattern) { return ht::RunCommand({"pgrep", "-f", pattern}) == 0; }

/// Waits up to @p wait for no process to match @p pattern; true when none does.
bool GoneWithin(const std::string& pattern, std::chrono::milliseconds wait) {
  const auto until = Clock::now() + wait;
  while (Running(pattern)) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

/// Values a shell would act on if they were ever spliced into a command unquoted.
std::vector<std::string> HostileValues(const std::string& canary) {
  return {"it's",
          "'",
          "''\\''",
          "$(touch " + canary + ")",
          "`touch " + canary + "`",
          "; touch " + canary + "; #",
          "a\nb\n\ttouch " + canary + "\n",
          "\"double\" $HOME ${HOME} $$ \\ \\\\ \\'",
          "* ? [a-z] ~ ! & | < > ( ) { }",
          "\xff\xfe latin1 \xe9 bytes \x80",
          "trailing backslash \\",
          " leading and trailing blanks ",
          ""};
}

/// Checks that @p r exited 0 having printed each of @p values followed by a NUL, and nothing on stderr.
void CheckPrintedEach(const ProcessResult& r, const std::vector<std::string>& values) {
  REQUIRE(r.end == ProcessEnd::kExited);
  CHECK(r.exit_code == 0);
  std::string expected;
  for (const std::string& v : values) expected += v + std::string(1, '\0');
  CHECK(r.out == expected);
  CHECK(r.err.empty());
}

TEST_SUITE("hops::ssh") {
  TEST_CASE("ShellQuote makes one POSIX word of any bytes") {
    CHECK(ShellQuote("") == "''");
    CHECK(ShellQuote("plain") == "'plain'");
    CHECK(ShellQuote("it's") == "'it'\\''s'");
    CHECK(ShellQuote("$(x) `y` ;\n") == "'$(x) `y` ;\n'");
    // Round trip through a local /bin/sh: printf prints each word back exactly.
    const std::string canary = ht::MakeTempDir("hops-ssh-quote") + "/pwned";
    for (const std::string& v : HostileValues(canary)) {
      ProcessOptions o;
      o.argv = {"/bin/sh", "-c", "printf '%s' " + ShellQuote(v)};
      ProcessResult r = RunProcess(o);
      CHECK(r.exit_code == 0);
      CHECK(r.out == v);
    }
    CHECK_FALSE(std::filesystem::exists(canary));
  }

  TEST_CASE("CommandScript checks names, NUL bytes and the command's form") {
    CHECK(ValidEnvName("A"));
    CHECK(ValidEnvName("_x1"));
    CHECK_FALSE(ValidEnvName(""));
    CHECK_FALSE(ValidEnvName("1A"));
    CHECK_FALSE(ValidEnvName("A-B"));
    CHECK_FALSE(ValidEnvName("A=B"));
    CHECK_FALSE(ValidEnvName("A;rm"));
    RemoteCommand c = Argv({"echo", "hi"});
    c.env = {{"GREETING", "it's"}};
    c.cwd = "/srv/my app";
    CHECK(CommandScript(c, false) == "export GREETING='it'\\''s'\ncd '/srv/my app' || exit 126\nexec 'echo' 'hi'\n");
    CHECK(ExecLine(Argv({"true"}), false) == "exec /bin/sh -c 'exec '\\''true'\\''\n'");
    c.env = {{"BAD NAME", "x"}};
    CHECK_THROWS_WITH_AS(CommandScript(c), Has("invalid environment variable name 'BAD NAME'"), UsageError);
    c.env = {{"OK", std::string("a\0b", 3)}};
    CHECK_THROWS_WITH_AS(CommandScript(c), Has("'OK' holds a NUL byte"), UsageError);
    CHECK_THROWS_AS(CommandScript(RemoteCommand{}), UsageError);
    RemoteCommand both = Argv({"true"});
    both.shell = "true";
    CHECK_THROWS_AS(CommandScript(both), UsageError);
    CHECK_THROWS_AS(CommandScript(Argv({"-rf"})), UsageError);
  }

  TEST_CASE("[ssh] settings keys reach the session options") {
    Settings s = ParseSettings(
        "[ssh]\nknown_hosts = \"/etc/hops/known_hosts\"\naccept_new = true\nconnect_timeout = \"3s\"\n"
        "keepalive = \"0s\"\n",
        "/etc/hops/config.toml");
    SessionOptions o;
    ApplySettings(s, &o);
    CHECK(o.extra_known_hosts == "/etc/hops/known_hosts");
    CHECK(o.accept_new);
    CHECK(o.connect_timeout == 3s);
    CHECK(o.keepalive == 0s);
    Settings d = ParseSettings("", "x.toml");
    SessionOptions od;
    ApplySettings(d, &od);
    CHECK(od.extra_known_hosts.empty());
    CHECK_FALSE(od.accept_new);
    CHECK(od.connect_timeout == 10s);
    CHECK(od.keepalive == 15s);
    CHECK_THROWS_WITH(ParseSettings("[ssh]\naccept_new = \"yes\"\n", "c.toml"),
                      Has("'ssh.accept_new' must be a boolean, got a string"));
    CHECK_THROWS_WITH(ParseSettings("[ssh]\nconnect_timeout = \"soon\"\n", "c.toml"),
                      Has("'ssh.connect_timeout' must be a positive duration"));
    CHECK_THROWS_WITH(ParseSettings("[ssh]\nacept_new = true\n", "c.toml"),
                      Has("did you mean 'ssh.accept_new'?"));
  }

  TEST_CASE("argv words reach the remote program as they are" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    const std::string canary = lab.dir + "/pwned";
    std::vector<std::string> argv = {"printf", "%s\\0"};
    const std::vector<std::string> values = HostileValues(canary);
    argv.insert(argv.end(), values.begin(), values.end());
    ProcessResult r = s.Run(Argv(argv));
    CheckPrintedEach(r, values);
    CHECK_FALSE(std::filesystem::exists(canary));

    r = s.Run(Argv({"sh", "-c", "echo to-err >&2; exit 3"}));
    CHECK(r.end == ProcessEnd::kExited);
    CHECK(r.exit_code == 3);
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(r.err == "to-err\n");

    r = s.Run(Argv({"no-such-program-" + Unique()}));
    CHECK(r.end == ProcessEnd::kExited);
    CHECK(r.exit_code == 127);
  }

  TEST_CASE("shell strings run under sh with stdout, stderr and exit code apart" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    ProcessResult r = s.Run(Shell("printf abc | tr a-z A-Z; echo; echo oops >&2; exit 7"));
    CHECK(r.end == ProcessEnd::kExited);
    CHECK(r.exit_code == 7);
    CHECK(r.out == "ABC\n");
    CHECK(r.err == "oops\n");

    RemoteCommand c = Shell("pwd; cat");
    c.cwd = lab.dir;
    c.stdin_data = "from stdin\n";
    r = s.Run(c);
    CHECK(r.exit_code == 0);
    CHECK(r.out == lab.dir + "\nfrom stdin\n");

    c.cwd = lab.dir + "/missing";
    r = s.Run(c);
    CHECK(r.exit_code == 126);

    r = s.Run(Shell("kill -USR1 $$"));
    CHECK(r.end == ProcessEnd::kSignaled);
    CHECK(r.signal == SIGUSR1);
    CHECK(r.status == 128 + SIGUSR1);
  }

  TEST_CASE("hostile environment values arrive literally" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    const std::string canary = lab.dir + "/pwned";
    const std::vector<std::string> values = HostileValues(canary);
    RemoteCommand c = Shell("");
    std::string script = "printf '%s\\0'";
    for (size_t i = 0; i < values.size(); ++i) {
      c.env.emplace_back("V" + std::to_string(i), values[i]);
      script += " \"$V" + std::to_string(i) + "\"";
    }
    c.shell = script;
    ProcessResult r = s.Run(c);
    CheckPrintedEach(r, values);
    // Exported to programs too, not only shell variables; with an argv command as well.
    RemoteCommand p = Argv({"printenv", "V3"});
    p.env = c.env;
    r = s.Run(p);
    CHECK(r.out == values[3] + "\n");
    CHECK_FALSE(std::filesystem::exists(canary));

    RemoteCommand bad = Argv({"true"});
    bad.env = {{"X;touch " + canary, "1"}};
    r = s.Run(bad);
    CHECK(r.end == ProcessEnd::kNotStarted);
    CHECK(r.error.find("invalid environment variable name") != std::string::npos);
    bad.env = {{"X", std::string(200 * 1024, 'x')}};
    r = s.Run(bad);
    CHECK(r.end == ProcessEnd::kNotStarted);
    CHECK(r.error.find("more than the 120 KiB") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(canary));
  }

  TEST_CASE("output beyond the cap is dropped, keeping the first bytes" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    RemoteCommand c = Shell("seq 1 200000; seq 1 100000 >&2");
    c.max_stdout = 1000;
    c.max_stderr = 100;
    ProcessResult r = s.Run(c);
    CHECK(r.exit_code == 0);
    CHECK(r.out.size() == 1000);
    CHECK(r.out.compare(0, 8, "1\n2\n3\n4\n") == 0);
    CHECK(r.out_truncated);
    CHECK(r.err.size() == 100);
    CHECK(r.err.compare(0, 4, "1\n2\n") == 0);
    CHECK(r.err_truncated);
    // Megabytes pass whole within a larger cap (the window keeps growing).
    c = Shell("head -c 6000000 /dev/zero | tr '\\0' x");
    c.max_stdout = 8 << 20;
    r = s.Run(c);
    CHECK(r.exit_code == 0);
    CHECK(r.out.size() == 6000000);
    CHECK_FALSE(r.out_truncated);
    CHECK(r.out.find_first_not_of('x') == std::string::npos);
  }

  TEST_CASE("a background process holding the output open does not keep the command running" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    const std::string mark = "300." + Unique();
    const auto start = std::chrono::steady_clock::now();
    ProcessResult r = s.Run(Shell("sleep " + mark + " & echo done"));
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.exit_code == 0);
    CHECK(r.out == "done\n");
    // 5 s of silence after the exit status, not the sleep's 300 s.
    CHECK(took < std::chrono::seconds(20));
    CHECK(took >= std::chrono::seconds(4));
    std::system(("pkill -f 'sleep " + mark + "'").c_str());
  }

  TEST_CASE("a timeout kills the remote process group and the session goes on" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    const std::string mark = "1000." + Unique();
    RemoteCommand c = Shell("sleep " + mark + " & sleep " + mark + "1; wait");
    c.timeout = 1s;
    c.kill_grace = 500ms;
    const auto t0 = Clock::now();
    ProcessResult r = s.Run(c);
    const auto took = Clock::now() - t0;
    CHECK(r.end == ProcessEnd::kTimedOut);
    CHECK(took >= 1s);
    CHECK(took < 5s);
    CHECK(GoneWithin("sleep " + mark, 3s));

    // A group that ignores SIGTERM gets SIGKILL after the grace period.
    const std::string ignores_term = "1000." + Unique();
    c = Shell("trap '' TERM; sleep " + ignores_term + " & sleep " + ignores_term + "1; wait");
    c.timeout = 500ms;
    c.kill_grace = 500ms;
    r = s.Run(c);
    CHECK(r.end == ProcessEnd::kTimedOut);
    CHECK(GoneWithin("sleep " + ignores_term, 3s));

    // Timed out before the remote script even started (the login shell is slower than 1 ms):
    // it is stopped as soon as it reports its pid.
    const std::string early = "1000." + Unique();
    c = Shell("sleep " + early);
    c.timeout = 1ms;
    c.kill_grace = 1ms;
    r = s.Run(c);
    CHECK(r.end == ProcessEnd::kTimedOut);
    CHECK(r.error.empty());
    CHECK(GoneWithin("sleep " + early, 3s));

    r = s.Run(Argv({"echo", "still here"}));
    CHECK(r.out == "still here\n");
  }

  TEST_CASE("unknown host keys are refused unless accept_new, changed keys always" * doctest::skip(kSkipSshd)) {
    Lab lab;
    ht::WriteFile(lab.known_hosts, "");
    SessionOptions o = lab.Options();
    const std::string where = "'127.0.0.1:" + std::to_string(lab.hosts[0]->port()) + "'";
    const std::string fp = lab.hosts[0]->Fingerprint();
    REQUIRE(fp.rfind("SHA256:", 0) == 0);
    CHECK_THROWS_WITH_AS(Session{o}, Has("host key of " + where + " is not known: ssh-ed25519 " + fp),
                         RuntimeError);
    CHECK_THROWS_WITH_AS(Session{o}, Has(" is in neither '" + o.known_hosts + "' nor '" + o.extra_known_hosts + "';"),
                         RuntimeError);
    CHECK(ReadAll(lab.known_hosts).empty());

    // Listed in the extra (read-only) file: accepted, the user's file untouched.
    o.extra_known_hosts = lab.dir + "/extra_known_hosts";
    ht::WriteFile(o.extra_known_hosts, lab.hosts[0]->KnownHostsLine() + "\n");
    {
      Session s(o);
      CHECK(s.host_key_fingerprint() == fp);
    }
    CHECK(ReadAll(lab.known_hosts).empty());

    // accept_new records the key; then it is known without accept_new.
    o = lab.Options();
    o.known_hosts = lab.dir + "/new/known_hosts";
    o.accept_new = true;
    {
      Session s(o);
      CHECK(s.Run(Argv({"true"})).exit_code == 0);
    }
    std::istringstream line(lab.hosts[0]->KnownHostsLine());
    std::string host, type, blob;
    line >> host >> type >> blob;
    CHECK(ReadAll(o.known_hosts).find(host + " " + type + " " + blob) != std::string::npos);
    o.accept_new = false;
    { Session s(o); }

    // The host comes back with another key: refused, even with accept_new.
    REQUIRE(lab.hosts[0]->RestartWithNewHostKey().empty());
    const std::string fp2 = lab.hosts[0]->Fingerprint();
    REQUIRE(fp2 != fp);
    o.accept_new = true;
    CHECK_THROWS_WITH_AS(Session{o}, Has("host key of " + where + " has changed: it offers ssh-ed25519 " + fp2),
                         RuntimeError);
    CHECK(ReadAll(o.known_hosts).find(fp2) == std::string::npos);
  }

  TEST_CASE("connection and login failures are clear errors" * doctest::skip(kSkipSshd)) {
    Lab lab(1, ht::SshdOptions{{}, true, true});
    SessionOptions o = lab.Options();
    const std::string other = lab.dir + "/other_key";
    REQUIRE(ht::MakeSshKey(other).empty());
    o.identity_files = {other};
    CHECK_THROWS_WITH_AS(Session{o},
                         Has("authentication failed for '" + o.user + "@127.0.0.1:" +
                                           std::to_string(o.port) + "': tried key '" + other + "'"),
                         RuntimeError);

    // A password from the environment: refused, and never shown in the message or the -v lines.
    const std::string secret = "hunter2-" + Unique();
    const std::string var = "HOPS_SSH_TEST_PW_" + Unique();
    ::setenv(var.c_str(), secret.c_str(), 1);
    o.password_env = var;
    std::vector<std::string> log;
    o.log = [&log](const std::string& line) { log.push_back(line); };
    std::string message;
    try {
      Session s(o);
    } catch (const RuntimeError& e) {
      message = e.what();
    }
    CHECK(message.find("tried key '" + other + "', the password; the server accepts publickey, password") !=
          std::string::npos);
    CHECK(message.find(secret) == std::string::npos);
    CHECK_FALSE(log.empty());
    for (const std::string& line : log) CHECK(line.find(secret) == std::string::npos);
    ::unsetenv(var.c_str());
    CHECK_THROWS_WITH_AS(Session{o}, Has("environment variable '" + var + "' named by 'password_env' is not set"),
                         RuntimeError);

    // A server that never says a word: the connect timeout ends the wait.
    {
      int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
      REQUIRE(::listen(fd, 4) == 0);
      socklen_t len = sizeof a;
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
      SessionOptions mute = lab.Options();
      mute.port = ntohs(a.sin_port);
      mute.connect_timeout = 500ms;
      const auto t0 = Clock::now();
      CHECK_THROWS_WITH_AS(Session{mute}, Has("cannot connect to '127.0.0.1:" + std::to_string(mute.port) + "': "),
                           RuntimeError);
      const auto took = Clock::now() - t0;
      CHECK(took >= 400ms);
      CHECK(took < 3s);
      ::close(fd);
    }

    // Nothing listens.
    o = lab.Options();
    o.port = ht::FreePort();
    CHECK_THROWS_WITH_AS(Session{o},
                         Has("cannot connect to '127.0.0.1:" + std::to_string(o.port) + "': connection refused"),
                         RuntimeError);
  }

  TEST_CASE("keys held by an ssh-agent log in" * doctest::skip(kSkipSshd || ht::SkipWithout("ssh-agent"))) {
    Lab lab;
    const std::string sock = lab.dir + "/agent.sock";
    std::string err;
    auto agent = ht::Peer::Start({"ssh-agent", "-D", "-a", sock}, 0, lab.dir + "/agent.log", &err);
    REQUIRE_MESSAGE(agent != nullptr, err);
    for (int i = 0; i < 200 && !std::filesystem::exists(sock); ++i) std::this_thread::sleep_for(10ms);
    std::string out;
    REQUIRE_MESSAGE(ht::RunCommand({"env", "SSH_AUTH_SOCK=" + sock, "ssh-add", lab.key}, &out) == 0, out);
    SessionOptions o = lab.Options();
    o.identity_files = {lab.dir + "/not-a-key"};
    o.use_agent = true;
    o.agent_socket = sock;
    std::vector<std::string> log;
    o.log = [&log](const std::string& line) { log.push_back(line); };
    Session s(o);
    CHECK(s.Run(Argv({"true"})).exit_code == 0);
    bool by_agent = false;
    for (const std::string& line : log) by_agent |= line.find("logged in with a key of the agent") != std::string::npos;
    CHECK(by_agent);
  }

  TEST_CASE("scripts are uploaded, run and removed whatever the outcome" * doctest::skip(kSkipSshd)) {
    for (bool sftp : {true, false}) {
      CAPTURE(sftp);
      Lab lab(1, ht::SshdOptions{{}, sftp, false});
      Session s(lab.Options());
      const std::string remote_dir = lab.dir + "/remote";
      REQUIRE(::mkdir(remote_dir.c_str(), 0755) == 0);
      const std::string script =
          ht::WriteScript(lab.dir, "job.sh", "echo \"$0\"; stat -c %a \"$0\"; printf '%s|' \"$@\"; exit \"$CODE\"\n");
      RemoteCommand c = Argv({"a b", "it's"});
      c.env = {{"CODE", "0"}};
      std::string cleanup = "unset";
      ProcessResult r = s.RunScript(script, c, remote_dir, &cleanup);
      CHECK(cleanup.empty());
      REQUIRE(r.end == ProcessEnd::kExited);
      CHECK(r.exit_code == 0);
      std::istringstream lines(r.out);
      std::string path, mode, args;
      std::getline(lines, path);
      std::getline(lines, mode);
      std::getline(lines, args);
      CHECK(path.rfind(remote_dir + "/hops-", 0) == 0);
      CHECK(path.size() > remote_dir.size() + 6 + 16);
      CHECK(path.substr(path.size() - 7) == "-job.sh");
      CHECK(mode == "700");
      CHECK(args == "a b|it's|");
      CHECK_FALSE(std::filesystem::exists(path));

      c.env = {{"CODE", "3"}};
      r = s.RunScript(script, c, remote_dir, &cleanup);
      CHECK(r.exit_code == 3);
      CHECK(cleanup.empty());
      CHECK(std::filesystem::is_empty(remote_dir));

      const std::string mark = "1000." + Unique();
      const std::string slow = ht::WriteScript(lab.dir, "slow.sh", "sleep " + mark + "\n");
      RemoteCommand t = Argv({});
      t.timeout = 500ms;
      r = s.RunScript(slow, t, remote_dir, &cleanup);
      CHECK(r.end == ProcessEnd::kTimedOut);
      CHECK(GoneWithin("sleep " + mark, 3s));
      CHECK(cleanup.empty());
      CHECK(std::filesystem::is_empty(remote_dir));

      // A RemoteFile removes its file when it goes.
      std::string kept;
      {
        RemoteFile f = s.Upload(script, remote_dir);
        kept = f.path();
        CHECK(std::filesystem::exists(kept));
      }
      CHECK_FALSE(std::filesystem::exists(kept));

      CHECK_THROWS_WITH_AS(s.Upload(script, lab.dir + "/no-such-dir"),
                           Has("cannot upload '" + script + "' to '" + lab.dir + "/no-such-dir/hops-"),
                           RuntimeError);
      CHECK_THROWS_WITH_AS(s.Upload(lab.dir + "/missing.sh", remote_dir),
                           Has("cannot read '" + lab.dir + "/missing.sh'"), RuntimeError);
      CHECK(std::filesystem::is_empty(remote_dir));
    }
  }

  TEST_CASE("one session runs many commands over one connection" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    const auto t0 = Clock::now();
    const int n = 30;
    for (int i = 0; i < n; ++i) {
      RemoteCommand c = Argv({"echo", std::to_string(i)});
      ProcessResult r = s.Run(c);
      REQUIRE(r.out == std::to_string(i) + "\n");
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    MESSAGE(n << " commands on one session: " << ms / n << " ms each");
    const std::string log = ReadAll(lab.hosts[0]->dir() + "/sshd.log");
    size_t logins = 0;
    for (size_t at = log.find("Accepted publickey"); at != std::string::npos; at = log.find("Accepted publickey", at + 1))
      ++logins;
    CHECK(logins == 1);
  }

  TEST_CASE("several hosts at once, and one session shared by threads" * doctest::skip(kSkipSshd)) {
    Lab lab(4);
    std::vector<std::unique_ptr<Session>> sessions;
    for (size_t i = 0; i < lab.hosts.size(); ++i) sessions.push_back(std::make_unique<Session>(lab.Options(i)));
    std::atomic<int> good{0};
    std::vector<std::thread> threads;
    for (size_t i = 0; i < sessions.size(); ++i) {
      threads.emplace_back([&, i] {
        for (int k = 0; k < 10; ++k) {
          RemoteCommand c = Shell("echo \"$HOST_ID:$K\"");
          c.env = {{"HOST_ID", std::to_string(i)}, {"K", std::to_string(k)}};
          if (sessions[i]->Run(c).out == std::to_string(i) + ":" + std::to_string(k) + "\n") ++good;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(good == 40);

    good = 0;
    threads.clear();
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        for (int k = 0; k < 10; ++k)
          if (sessions[0]->Run(Argv({"echo", std::to_string(i * 100 + k)})).out == std::to_string(i * 100 + k) + "\n")
            ++good;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(good == 40);
  }

  TEST_CASE("a jump host carries the connection to a node" * doctest::skip(kSkipSshd)) {
    Lab lab(2);
    ht::SshdOptions closed;
    closed.tcp_forwarding = false;
    closed.authorized_keys.push_back(ReadAll(lab.key + ".pub"));
    std::string err;
    auto no_forwarding = ht::Sshd::Start(closed, &err);
    REQUIRE_MESSAGE(no_forwarding != nullptr, err);
    ht::WriteFile(lab.known_hosts, ReadAll(lab.known_hosts) + no_forwarding->KnownHostsLine() + "\n");

    SessionOptions o = lab.Options(1);
    o.jump = std::make_shared<SessionOptions>(lab.Options(0));
    std::vector<std::string> log;
    o.log = [&log](const std::string& line) { log.push_back(line); };
    {
      Session s(o);
      CHECK(s.host_key_fingerprint() == lab.hosts[1]->Fingerprint());
      for (int i = 0; i < 3; ++i) CHECK(s.Run(Argv({"echo", std::to_string(i)})).out == std::to_string(i) + "\n");
      RemoteCommand big = Shell("head -c 3000000 /dev/zero");
      big.max_stdout = 4 << 20;
      CHECK(s.Run(big).out.size() == 3000000);
      const std::string script = ht::WriteScript(lab.dir, "via-jump.sh", "echo jumped\n");
      CHECK(s.RunScript(script, Argv({}), lab.dir).out == "jumped\n");
    }
    REQUIRE_FALSE(log.empty());
    CHECK(log.front().find("through jump host '" + o.user + "@127.0.0.1:" + std::to_string(lab.hosts[0]->port()) + "'") !=
          std::string::npos);
    // The node's own host key is checked as ever, through the jump host too.
    SessionOptions unknown = o;
    unknown.known_hosts = lab.dir + "/only-jump";
    ht::WriteFile(unknown.known_hosts, lab.hosts[0]->KnownHostsLine() + "\n");
    auto jump_only = std::make_shared<SessionOptions>(lab.Options(0));
    jump_only->known_hosts = unknown.known_hosts;
    unknown.jump = jump_only;
    CHECK_THROWS_WITH_AS(Session{unknown}, Has("host key of '127.0.0.1:" + std::to_string(lab.hosts[1]->port()) + "' is not known"),
                         RuntimeError);
    // A jump host that does not forward: the node is not reached another way.
    SessionOptions refused = lab.Options(1);
    auto via = std::make_shared<SessionOptions>(lab.Options(0));
    via->port = no_forwarding->port();
    refused.jump = via;
    CHECK_THROWS_WITH_AS(Session{refused},
                         Has("cannot connect to '127.0.0.1:" + std::to_string(lab.hosts[1]->port()) +
                             "' through jump host '" + o.user + "@127.0.0.1:" + std::to_string(no_forwarding->port()) + "'"),
                         RuntimeError);
  }

  TEST_CASE("a connection lost mid-command ends it as lost" * doctest::skip(kSkipSshd)) {
    Lab lab;
    SessionOptions o = lab.Options();
    o.keepalive = 200ms;
    std::vector<std::string> log;
    o.log = [&log](const std::string& line) { log.push_back(line); };
    Session s(o);
    // Quiet for longer than the keepalive interval: checked, and still fine.
    ProcessResult r = s.Run(Shell("sleep 1; echo done"));
    CHECK(r.out == "done\n");
    bool checked = false;
    for (const std::string& line : log) checked |= line.find("checking the connection") != std::string::npos;
    CHECK(checked);

    // The server side of the connection dies (its per-connection sshd processes, children of ours).
    std::thread killer([&] {
      std::this_thread::sleep_for(500ms);
      std::string pids;
      ht::RunCommand({"pgrep", "-P", std::to_string(lab.hosts[0]->pid())}, &pids);
      std::istringstream in(pids);
      for (int pid; in >> pid;) ::kill(pid, SIGKILL);
    });
    const auto t0 = Clock::now();
    const std::string orphan = "30." + Unique();
    r = s.Run(Shell("sleep " + orphan));
    killer.join();
    std::string left;
    ht::RunCommand({"pgrep", "-f", "sleep " + orphan}, &left);  // orphaned by the dead connection
    std::istringstream left_pids(left);
    for (int pid; left_pids >> pid;) ::kill(pid, SIGKILL);
    CHECK(r.end == ProcessEnd::kLost);
    CHECK(r.error.find("connection to '" + o.user + "@127.0.0.1:" + std::to_string(o.port) + "' lost") !=
          std::string::npos);
    CHECK(Clock::now() - t0 < 10s);
    r = s.Run(Argv({"true"}));
    CHECK(r.end != ProcessEnd::kExited);
  }

  TEST_CASE("on_start tells the remote process group and the host's boot id" * doctest::skip(kSkipSshd)) {
    Lab lab;
    Session s(lab.Options());
    RemoteCommand c = Shell("echo $$; echo err >&2");
    long pgid = 0;
    std::string boot_id;
    int calls = 0;
    c.on_start = [&](long p, const std::string& b) {
      ++calls;
      pgid = p;
      boot_id = b;
    };
    const ProcessResult r = s.Run(c);
    REQUIRE(r.end == ProcessEnd::kExited);
    CHECK(calls == 1);
    CHECK(std::to_string(pgid) + "\n" == r.out);
    CHECK(r.err == "err\n");
    std::string local = ReadAll("/proc/sys/kernel/random/boot_id");
    while (!local.empty() && local.back() == '\n') local.pop_back();
    CHECK(boot_id == local);  // the loopback "host" is this one
  }

  TEST_CASE("a host that freezes mid-command ends it as lost within the keepalive limits" *
            doctest::skip(kSkipSshd)) {
    Lab lab;
    SessionOptions o = lab.Options();
    o.keepalive = 300ms;
    o.connect_timeout = 2s;
    Session s(o);
    CHECK(s.Run(Argv({"true"})).end == ProcessEnd::kExited);
    // The server side freezes (its per-connection sshd processes are stopped): its kernel still
    // acknowledges every TCP segment, but nothing answers.
    std::vector<int> frozen;
    std::thread freezer([&] {
      std::this_thread::sleep_for(500ms);
      std::string out;
      ht::RunCommand({"pgrep", "-P", std::to_string(lab.hosts[0]->pid())}, &out);
      std::istringstream in(out);
      for (int pid; in >> pid;) {
        frozen.push_back(pid);
        std::string children;
        ht::RunCommand({"pgrep", "-P", std::to_string(pid)}, &children);
        std::istringstream cin(children);
        for (int child; cin >> child;) frozen.push_back(child);
      }
      for (int pid : frozen) ::kill(pid, SIGSTOP);
    });
    const auto t0 = Clock::now();
    const std::string orphan = "30." + Unique();
    ProcessResult r = s.Run(Shell("sleep " + orphan));
    const auto took = Clock::now() - t0;
    freezer.join();
    for (int pid : frozen) ::kill(pid, SIGKILL);
    for (int pid : frozen) ::kill(pid, SIGCONT);
    std::string left;
    ht::RunCommand({"pgrep", "-f", "sleep " + orphan}, &left);
    std::istringstream left_pids(left);
    for (int pid; left_pids >> pid;) ::kill(pid, SIGKILL);
    CHECK(frozen.size() >= 1);
    CHECK(r.end == ProcessEnd::kLost);
    CHECK(r.error.find("connection to '" + o.user + "@127.0.0.1:" + std::to_string(o.port) + "' lost: no answer") !=
          std::string::npos);
    // The freeze at 0.5 s, a keepalive interval and the wait for an answer (2 intervals).
    CHECK(took < 3s);
  }
}

}  // namespace
}  // namespace hops::ssh
