#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>

#include "cmd/hmon-check/checks/check.hpp"
#include "tests/unit/testing/peer.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using testing::MakeTempDir;
using testing::WriteFile;

/// Writes an executable sh script @p name into @p dir; returns its path.
std::string Plugin(const std::string& dir, const std::string& name, const std::string& body) {
  return testing::WriteScript(dir, name, body);
}

CheckSpec Spec(const std::vector<std::string>& argv) {
  CheckSpec s;
  s.monitor = "plugin";
  s.type = "command";
  s.timeout = std::chrono::milliseconds(10000);
  for (const auto& a : argv) s.params.Add("command", a);
  return s;
}

const Perfdata* FindPerf(const CheckResult& r, const std::string& label) {
  for (const auto& p : r.perfdata) {
    if (p.label == label) return &p;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("check_cmd: the plugin's exit code, status line, long output and perfdata") {
  const std::string dir = MakeTempDir("hops-cmd");
  auto type = MakeCommandCheck();
  const char* words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  for (int code = 0; code <= 3; ++code) {
    const std::string p = Plugin(dir, "check_" + std::to_string(code),
                                 "echo 'DISK " + std::string(words[code]) +
                                     " - free 42% | free=42%;20;10;0;100'\n"
                                     "echo 'line two'\n"
                                     "echo 'line three | extra=7c'\n"
                                     "echo \"more=1\"\n"
                                     "exit " + std::to_string(code) + "\n");
    auto spec = Spec({p});
    REQUIRE(type->Validate(spec) == "");
    auto r = type->Run(spec, {});
    CHECK(static_cast<int>(r.state) == code);
    CHECK(r.summary == "DISK " + std::string(words[code]) + " - free 42%");
    CHECK(r.long_output == "line two\nline three");
    REQUIRE(r.perfdata.size() == 3);
    CHECK(r.perfdata[0].label == "free");
    CHECK(r.perfdata[0].value == 42);
    CHECK(r.perfdata[0].uom == "%");
    CHECK(r.perfdata[0].warn == "20");
    CHECK(r.perfdata[1].label == "extra");
    CHECK(r.perfdata[2].label == "more");
    CHECK(r.details["exit_code"] == code);
  }
}

TEST_CASE("check_cmd: thresholds on the plugin's own perfdata raise the state") {
  const std::string dir = MakeTempDir("hops-cmd");
  auto spec = Spec({Plugin(dir, "check_free", "echo 'OK - fine | free=42%;;;0;100'\n")});
  nagios::Thresholds t;
  t.critical = nagios::ParseRange("50:", nullptr);
  spec.thresholds["free"] = t;
  auto r = MakeCommandCheck()->Run(spec, {});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "OK - fine, free critical");
  CHECK(FindPerf(r, "free")->crit == "50:");
}

TEST_CASE("check_cmd: arguments are passed literally, never through a shell") {
  const std::string dir = MakeTempDir("hops-cmd");
  const std::string p = Plugin(dir, "check_args", "echo \"OK - [$1] [$2] [$#]\"\n");
  const std::string evil = "$(id) `id` ; touch " + dir + "/pwned";
  auto r = MakeCommandCheck()->Run(Spec({p, "a b  c", evil}), {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "OK - [a b  c] [" + evil + "] [2]");
  CHECK(::access((dir + "/pwned").c_str(), F_OK) != 0);
}

TEST_CASE("check_cmd: a plugin gets a clean environment, never hmon-check's secrets") {
  const std::string dir = MakeTempDir("hops-cmd");
  ::setenv("HOPS_TEST_TOKEN", "tok-7f3a9c1e55d2", 1);
  ::setenv("TZ", "Asia/Tokyo", 1);
  Plugin(dir, "check_secret", "echo \"OK - token=[${HOPS_TEST_TOKEN:-}] tz=$TZ n=$(env | grep -vc '^PWD=\\|^SHLVL=\\|^_=')\"\n");
  auto spec = Spec({dir + "/check_secret"});
  spec.params.SetMap("env", "PGHOST", "127.0.0.1");
  auto r = MakeCommandCheck()->Run(spec, {});
  ::unsetenv("HOPS_TEST_TOKEN");
  ::unsetenv("TZ");
  CHECK(r.state == State::kOk);
  CHECK(r.summary.find("tok-7f3a9c1e55d2") == std::string::npos);
  CHECK(r.summary.rfind("OK - token=[] tz=Asia/Tokyo n=", 0) == 0);
  // PATH, TZ and PGHOST, plus LANG and LC_ALL when hmon-check has them.
  auto env = PluginEnvironment({{"PGHOST", "127.0.0.1"}});
  CHECK(env.back() == "PGHOST=127.0.0.1");
  for (const auto& kv : env) {
    const std::string name = kv.substr(0, kv.find('='));
    CHECK((name == "PATH" || name == "LANG" || name == "LC_ALL" || name == "TZ" || name == "PGHOST"));
  }
}

TEST_CASE("check_cmd: env, cwd, PATH lookup and stdin") {
  const std::string dir = MakeTempDir("hops-cmd");
  const std::string work = MakeTempDir("hops-cwd");
  Plugin(dir, "check_env", "x=$(cat)\necho \"OK - var=$HOPS_TEST_VAR pwd=$(pwd) stdin=[$x]\"\n");
  auto spec = Spec({"check_env"});
  spec.params.SetMap("env", "HOPS_TEST_VAR", "hello world");
  spec.params.SetMap("env", "PATH", dir + ":/usr/bin:/bin");
  spec.params.Set("cwd", work);
  REQUIRE(MakeCommandCheck()->Validate(spec) == "");
  auto r = MakeCommandCheck()->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "OK - var=hello world pwd=" + work + " stdin=[]");

  spec.params.Set("cwd", work + "/missing");
  r = MakeCommandCheck()->Run(spec, {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "cannot run plugin 'check_env' in '" + work + "/missing': No such file or directory");
}

TEST_CASE("check_cmd: missing, non-executable and failing plugins are UNKNOWN with the reason") {
  const std::string dir = MakeTempDir("hops-cmd");
  auto type = MakeCommandCheck();
  auto r = type->Run(Spec({dir + "/check_missing"}), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "plugin '" + dir + "/check_missing' not found: No such file or directory");

  r = type->Run(Spec({"check_hops_no_such_plugin"}), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "plugin 'check_hops_no_such_plugin' not found in PATH");

  WriteFile(dir + "/check_noexec", "#!/bin/sh\necho OK\n");
  ::chmod((dir + "/check_noexec").c_str(), 0644);
  r = type->Run(Spec({dir + "/check_noexec"}), {});
  CHECK(r.state == State::kUnknown);
  if (::geteuid() != 0) CHECK(r.summary == "plugin '" + dir + "/check_noexec' is not executable");
  else CHECK(r.summary.find("plugin '" + dir + "/check_noexec'") != std::string::npos);

  r = type->Run(Spec({dir}), {});
  CHECK(r.summary == "plugin '" + dir + "' is not a regular file");

  // A shell that cannot find what the plugin runs: exit 127 with its message.
  r = type->Run(Spec({Plugin(dir, "check_127", "exec /nonexistent/helper\n")}), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary.find("plugin exited with 127: ") == 0);
  CHECK(r.summary.find("/nonexistent/helper") != std::string::npos);
  CHECK(r.summary.find("not found") != std::string::npos);

  r = type->Run(Spec({Plugin(dir, "check_4", "echo 'weird'\nexit 4\n")}), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "plugin exited with 4: weird");

  r = type->Run(Spec({Plugin(dir, "check_segv", "kill -SEGV $$\n")}), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "plugin '" + dir + "/check_segv' was killed by signal 11 (Segmentation fault)");

  r = type->Run(Spec({Plugin(dir, "check_silent", "echo boom >&2\nexit 2\n")}), {});
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "plugin '" + dir + "/check_silent' printed nothing (stderr: boom)");

  // A script without #! cannot be executed directly.
  WriteFile(dir + "/check_noshebang", "\x7f" "ELF garbage");
  ::chmod((dir + "/check_noshebang").c_str(), 0755);
  r = type->Run(Spec({dir + "/check_noshebang"}), {});
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "cannot run plugin '" + dir + "/check_noshebang': Exec format error");
}

TEST_CASE("check_cmd: a timeout kills the whole process group") {
  const std::string dir = MakeTempDir("hops-cmd");
  const std::string pidfile = dir + "/child.pid";
  const std::string p = Plugin(dir, "check_slow", "sleep 30 &\necho $! > \"$1\"\nsleep 30\necho 'OK - too late'\n");
  auto spec = Spec({p, pidfile});
  spec.timeout = std::chrono::milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = MakeCommandCheck()->Run(spec, {});
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "plugin timed out after 300ms");
  std::ifstream in(pidfile);
  int child = 0;
  in >> child;
  REQUIRE(child > 0);
  CHECK_MESSAGE(testing::ProcessGone(child), "the plugin's child " << child << " survived the timeout");
}

TEST_CASE("check_cmd: a background child holding stdout does not hold the check") {
  const std::string dir = MakeTempDir("hops-cmd");
  auto spec = Spec({Plugin(dir, "check_bg", "(sleep 3 &)\necho 'OK - quick'\n")});
  const auto t0 = std::chrono::steady_clock::now();
  auto r = MakeCommandCheck()->Run(spec, {});
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "OK - quick");
}

TEST_CASE("check_cmd: huge output is capped without blocking the plugin") {
  const std::string dir = MakeTempDir("hops-cmd");
  auto spec = Spec({Plugin(dir, "check_big",
                           "echo 'OK - big'\ni=0\nwhile [ $i -lt 4000 ]; do\n"
                           "  echo 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n"
                           "  echo 'yyyyyyyy' >&2\n  i=$((i+1))\ndone\n")});
  auto r = MakeCommandCheck()->Run(spec, {});
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "OK - big");
  CHECK(r.details["stdout_truncated"] == true);
  CHECK(r.long_output.size() < 64 * 1024);
}

TEST_CASE("check_cmd: Validate") {
  auto type = MakeCommandCheck();
  CheckSpec spec;
  CHECK(type->Validate(spec) == "'command' is missing: give the plugin and its arguments as a list");
  spec = Spec({"/usr/lib/nagios/plugins/check_disk -w 10%"});
  CHECK(type->Validate(spec) ==
        "'command' must be a list (program, then each argument), not one string with blanks: "
        "'/usr/lib/nagios/plugins/check_disk' ...");
  spec = Spec({""});
  CHECK(type->Validate(spec) == "'command' starts with an empty program name");
  spec = Spec({"check_x"});
  spec.params.Add("env", "A=1");
  CHECK(type->Validate(spec) == "'env' must be a mapping of variable names to values");
  spec = Spec({"check_x"});
  spec.params.SetMap("env", "A=B", "1");
  CHECK(type->Validate(spec) == "'env' has an invalid variable name 'A=B'");
  spec = Spec({"check_x"});
  spec.params.Set("cwd", "");
  CHECK(type->Validate(spec) == "'cwd' is empty");
  CHECK(type->Measures().empty());
}

}  // namespace hops::mon
