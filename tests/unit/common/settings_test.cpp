#include "common/settings.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "common/error.hpp"

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

/// A fresh temporary directory, removed with its contents at scope end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hops-settings-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Write(const std::string& name, const std::string& text) const {
    const std::string p = path_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(p).parent_path());
    std::ofstream(p) << text;
    return p;
  }

 private:
  std::string path_;
};

/// Environment with fixed, file-system-independent defaults.
void FixedEnv(EnvGuard* env) {
  env->Set("HOME", "/home/tester");
  env->Set("XDG_CONFIG_HOME", "/xdg/config");
  env->Set("XDG_STATE_HOME", "/xdg/state");
  env->Unset("HOPS_STATE_DIR");
  env->Unset("HOPS_CONFIG");
}

/// The DefinitionError ParseSettings throws for @p text, as what().
std::string ParseError(const std::string& text, const std::string& file = "/etc/hops/config.toml") {
  try {
    ParseSettings(text, file);
  } catch (const DefinitionError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("settings: full example parses, relative paths resolve against the file's directory") {
  EnvGuard env;
  FixedEnv(&env);
  const Settings s = ParseSettings(
      "timezone = \"Asia/Tokyo\"\n"
      "state_dir = \"/var/lib/hops\"\n"
      "[calendar]\n"
      "path = [\"/etc/hops/calendars.yaml\", \"calendars.d\", \"~/cal.yaml\"]\n"
      "jp_holidays_file = \"../jp-holidays.yaml\"\n",
      "/etc/hops/config.toml");
  CHECK(s.timezone == "Asia/Tokyo");
  CHECK(s.state_dir == "/var/lib/hops");
  CHECK(s.calendar_path == std::vector<std::string>{"/etc/hops/calendars.yaml",
                                                    "/etc/hops/calendars.d",
                                                    "/home/tester/cal.yaml"});
  CHECK(s.jp_holidays_file == "/etc/hops/../jp-holidays.yaml");
  CHECK(s.source == "/etc/hops/config.toml");
}

TEST_CASE("settings: monitor.per_host is an integer from 1 to 1000, reported at its place") {
  EnvGuard env;
  FixedEnv(&env);
  CHECK(ParseSettings("", "/etc/hops/config.toml").monitor_per_host == 8);
  CHECK(ParseSettings("[monitor]\nper_host = 32\n", "/etc/hops/config.toml").monitor_per_host == 32);
  for (const auto& [text, message] : std::vector<std::pair<std::string, std::string>>{
           {"[monitor]\nper_host = 0\n", "'monitor.per_host' must be from 1 to 1000, got 0"},
           {"[monitor]\nper_host = \"8\"\n",
            "'monitor.per_host' must be an integer, got a string (expected requests in flight to one host, 1 to 1000)"}}) {
    CAPTURE(text);
    try {
      ParseSettings(text, "/etc/hops/config.toml");
      FAIL("expected a DefinitionError");
    } catch (const DefinitionError& e) {
      CHECK(e.loc().line == 2);
      CHECK(e.loc().column == 12);
      CHECK(e.message() == message);
    }
  }
}

TEST_CASE("settings: monitor.retention is read, and misspellings are suggested") {
  EnvGuard env;
  FixedEnv(&env);
  const Settings s = ParseSettings("[monitor]\nretention = \"90d\"\n", "/etc/hops/config.toml");
  CHECK(s.monitor_retention == "90d");
  CHECK(ParseSettings("", "/etc/hops/config.toml").monitor_retention == "");
  try {
    ParseSettings("[monitor]\nretension = \"90d\"\n", "/etc/hops/config.toml");
    FAIL("expected a DefinitionError");
  } catch (const DefinitionError& e) {
    CHECK(e.loc().line == 2);
    CHECK(e.message() == "unknown key 'monitor.retension' in settings, did you mean 'monitor.retention'?");
  }
}

TEST_CASE("settings: the monitor history keys are read, raw samples kept at least two months") {
  EnvGuard env;
  FixedEnv(&env);
  const Settings s = ParseSettings(
      "[monitor]\nraw_retention = \"90d\"\nhourly_retention = \"2w\"\ndaily_retention = \"3650d\"\n"
      "status_retention = \"100d\"\nprune_after = \"7d\"\n",
      "/etc/hops/config.toml");
  CHECK(s.monitor_raw_retention == "90d");
  CHECK(s.monitor_hourly_retention == "2w");
  CHECK(s.monitor_daily_retention == "3650d");
  CHECK(s.monitor_status_retention == "100d");
  CHECK(s.monitor_prune_after == "7d");
  const Settings defaults = ParseSettings("", "/etc/hops/config.toml");
  CHECK(defaults.monitor_raw_retention == "");
  CHECK(defaults.monitor_prune_after == "");
  CHECK(ParseError("[monitor]\nraw_retention = \"62d\"\n") == "(no error)");
  CHECK(ParseError("[monitor]\nraw_retention = \"1487h\"\n") ==
        "/etc/hops/config.toml:2:17: 'monitor.raw_retention' must be at least 62d (two months, so that "
        "a monthly report finds the whole previous month), got '1487h'\n"
        "  raw_retention = \"1487h\"\n"
        "                  ^");
  CHECK(ParseError("[monitor]\nprune_after = \"soon\"\n") ==
        "/etc/hops/config.toml:2:15: 'monitor.prune_after' must be a positive duration such as \"400d\" or "
        "\"8w\", got 'soon'\n"
        "  prune_after = \"soon\"\n"
        "                ^");
  CHECK(ParseError("[monitor]\nhourly_retention = \"0s\"\n")
            .rfind("/etc/hops/config.toml:2:20: 'monitor.hourly_retention' must be a positive duration", 0) == 0);
  // The deprecated key still takes what it always took, shorter than two months included.
  CHECK(ParseError("[monitor]\nretention = \"30d\"\n") == "(no error)");
}

TEST_CASE("settings: a string calendar.path and dotted keys are accepted") {
  EnvGuard env;
  FixedEnv(&env);
  Settings s = ParseSettings("[calendar]\npath = \"cals.yaml\"\n", "conf/config.toml");
  CHECK(s.calendar_path == std::vector<std::string>{"conf/cals.yaml"});
  s = ParseSettings("calendar.path = []\nstate_dir = \"state\"\n", "config.toml");
  CHECK(s.calendar_path.empty());
  CHECK(s.state_dir == "state");  // no directory part: stays relative to the working directory
  s = ParseSettings("calendar = { jp_holidays_file = \"\" }\n", "/c/config.toml");
  CHECK(s.jp_holidays_file == "");
}

TEST_CASE("settings: unset keys keep their defaults") {
  EnvGuard env;
  FixedEnv(&env);
  const Settings s = ParseSettings("# nothing set\n", "/c/config.toml");
  CHECK(s.timezone == "");
  CHECK(s.state_dir == "/xdg/state/hops");
  CHECK(s.calendar_path == std::vector<std::string>{"/xdg/config/hops/calendars.yaml",
                                                    "/etc/hops/calendars.yaml",
                                                    "/etc/hops/calendars.d"});
  CHECK(s.jp_holidays_file == "");
}

TEST_CASE("settings: default state_dir and calendar_path follow the environment") {
  EnvGuard env;
  FixedEnv(&env);
  env.Set("HOPS_STATE_DIR", "/srv/hops");
  CHECK(DefaultSettings().state_dir == "/srv/hops");
  env.Unset("HOPS_STATE_DIR");
  CHECK(DefaultSettings().state_dir == "/xdg/state/hops");
  env.Set("XDG_STATE_HOME", "relative/ignored");
  env.Set("XDG_CONFIG_HOME", "");
  const Settings s = DefaultSettings();
  CHECK(s.state_dir == (geteuid() == 0 ? "/var/lib/hops" : "/home/tester/.local/state/hops"));
  CHECK(s.calendar_path.front() == "/home/tester/.config/hops/calendars.yaml");
  CHECK(s.source == "");
}

TEST_CASE("settings: TOML syntax errors point at toml++'s position") {
  CHECK(
      ParseError("timezone = \"Asia/Tokyo\"\nstate_dir = \n") ==
      "/etc/hops/config.toml:2:13: error while parsing key-value pair: expected value, saw '\\n'\n"
      "  state_dir = \n"
      "              ^");
  CHECK(ParseError("[calendar]\npath = [\"a\" \"b\"]\n") ==
        "/etc/hops/config.toml:2:13: error while parsing array: expected comma or closing "
        "']', saw '\"'\n"
        "  path = [\"a\" \"b\"]\n"
        "              ^");
}

TEST_CASE("settings: unknown keys are rejected at the key with a suggestion") {
  CHECK(ParseError("timezon = \"UTC\"\n") ==
        "/etc/hops/config.toml:1:1: unknown key 'timezon' in settings, did you mean 'timezone'?\n"
        "  timezon = \"UTC\"\n"
        "  ^");
  CHECK(ParseError("[calender]\npath = \"x\"\n") ==
        "/etc/hops/config.toml:1:2: unknown key 'calender' in settings, did you mean 'calendar'?\n"
        "  [calender]\n"
        "   ^");
  CHECK(ParseError("[calendar]\n  pth = \"x\"\n") ==
        "/etc/hops/config.toml:2:3: unknown key 'calendar.pth' in settings, did you mean "
        "'calendar.path'?\n"
        "    pth = \"x\"\n"
        "    ^");
  CHECK(ParseError("colour = true\n") ==
        "/etc/hops/config.toml:1:1: unknown key 'colour' in settings\n"
        "  colour = true\n"
        "  ^");
  // A quoted key containing a dot is not the nested key of the same spelling.
  CHECK(ParseError("\"calendar.path\" = \"x\"\n")
            .rfind("/etc/hops/config.toml:1:1: unknown key 'calendar.path' in settings", 0) == 0);
}

TEST_CASE("settings: the earliest problem in the file is reported") {
  // toml++ iterates keys alphabetically; the error must still be the first in source order.
  try {
    ParseSettings("zzz = 1\ntimezone = 5\naaa = 2\n", "c.toml");
    FAIL("no error");
  } catch (const DefinitionError& e) {
    CHECK(e.loc().line == 1);
    CHECK(e.loc().column == 1);
    CHECK(e.message() == "unknown key 'zzz' in settings");
  }
}

TEST_CASE("settings: wrong value types are rejected at the value, saying what was expected") {
  CHECK(ParseError("timezone = 9\n") ==
        "/etc/hops/config.toml:1:12: 'timezone' must be a string, got an integer (expected an IANA time "
        "zone name such as \"Asia/Tokyo\")\n"
        "  timezone = 9\n"
        "             ^");
  CHECK(ParseError("state_dir = \"\"\n")
            .rfind("/etc/hops/config.toml:1:13: 'state_dir' must not be empty\n", 0) == 0);
  CHECK(ParseError("calendar = \"x\"\n")
            .rfind("/etc/hops/config.toml:1:12: 'calendar' must be a table, got a string (expected a "
                   "[calendar] section)\n", 0) == 0);
  CHECK(ParseError("[[calendar]]\npath = \"x\"\n")
            .rfind("/etc/hops/config.toml:1:1: 'calendar' must be a table, got an array", 0) == 0);
  CHECK(ParseError("[calendar]\npath = [\"a\", 3]\n") ==
        "/etc/hops/config.toml:2:14: 'calendar.path' must be a string or an array of strings, got an "
        "integer (expected calendar files or directories)\n"
        "  path = [\"a\", 3]\n"
        "               ^");
  CHECK(ParseError("[calendar]\npath = [\"\"]\n")
            .rfind("/etc/hops/config.toml:2:9: 'calendar.path' entries must not be empty\n", 0) ==
        0);
  CHECK(ParseError("[calendar]\njp_holidays_file = false\n")
            .rfind("/etc/hops/config.toml:2:20: 'calendar.jp_holidays_file' must be a string, got a "
                   "boolean (expected a file path, or \"\" for none)\n",
                   0) == 0);
  CHECK(ParseError("[monitor]\nretention = 400\n")
            .rfind("/etc/hops/config.toml:2:13: 'monitor.retention' must be a string, got an integer "
                   "(expected a duration such as \"400d\")\n",
                   0) == 0);
}

TEST_CASE("settings: bad values are rejected at the value with a caret and what was expected") {
  // An unknown zone, with the suggestion calendar files give.
  CHECK(ParseError("# hops\ntimezone = \"Asia/Tokio\"\n") ==
        "/etc/hops/config.toml:2:12: unknown timezone 'Asia/Tokio', did you mean 'Asia/Tokyo'? "
        "(expected an IANA name such as Asia/Tokyo)\n"
        "  timezone = \"Asia/Tokio\"\n"
        "             ^");
  CHECK(ParseError("timezone = \"Nowhere/At-All-Really\"\n")
            .rfind("/etc/hops/config.toml:1:12: unknown timezone 'Nowhere/At-All-Really' (expected", 0) == 0);
  CHECK(ParseError("[monitor]\nretention = \"30x\"\n") ==
        "/etc/hops/config.toml:2:13: 'monitor.retention' must be a positive duration such as \"400d\" or "
        "\"8w\", got '30x'\n"
        "  retention = \"30x\"\n"
        "              ^");
  CHECK(ParseError("[monitor]\nretention = \"0d\"\n").rfind("/etc/hops/config.toml:2:13: 'monitor.retention' must", 0) == 0);
  // Valid values, and "" for the system's zone, pass.
  CHECK(ParseError("timezone = \"UTC\"\n[monitor]\nretention = \"8w\"\n") == "(no error)");
  CHECK(ParseError("timezone = \"\"\n") == "(no error)");
}

TEST_CASE("settings: SettingsPath search order") {
  EnvGuard env;
  FixedEnv(&env);
  TempDir dir;
  bool explicit_path = true;

  env.Set("XDG_CONFIG_HOME", dir.path());
  CHECK(SettingsPath(&explicit_path) == "/etc/hops/config.toml");
  CHECK_FALSE(explicit_path);

  const std::string user = dir.Write("hops/config.toml", "");
  CHECK(SettingsPath(&explicit_path) == user);
  CHECK_FALSE(explicit_path);

  env.Set("HOPS_CONFIG", "/nonexistent/hops.toml");
  CHECK(SettingsPath(&explicit_path) == "/nonexistent/hops.toml");
  CHECK(explicit_path);
  CHECK(SettingsPath(nullptr) == "/nonexistent/hops.toml");
}

TEST_CASE("settings: LoadSettings reads the file and applies HOPS_STATE_DIR") {
  EnvGuard env;
  FixedEnv(&env);
  TempDir dir;
  const std::string file = dir.Write("config.toml", "timezone = \"UTC\"\nstate_dir = \"state\"\n");
  env.Set("HOPS_CONFIG", file);
  Settings s = LoadSettings();
  CHECK(s.source == file);
  CHECK(s.timezone == "UTC");
  CHECK(s.state_dir == dir.path() + "/state");

  env.Set("HOPS_STATE_DIR", "/override");
  s = LoadSettings();
  CHECK(s.state_dir == "/override");
  CHECK(s.timezone == "UTC");
}

TEST_CASE("settings: a missing default file means defaults") {
  EnvGuard env;
  FixedEnv(&env);
  TempDir dir;
  env.Set("XDG_CONFIG_HOME", dir.path());
  std::error_code ec;
  if (std::filesystem::exists("/etc/hops/config.toml", ec)) return;  // a real install; not ours
  const Settings s = LoadSettings();
  CHECK(s.source == "");
  CHECK(s.state_dir == "/xdg/state/hops");
  CHECK(s.calendar_path.front() == dir.path() + "/hops/calendars.yaml");
}

TEST_CASE("settings: a missing or unreadable explicit file is a definition error") {
  EnvGuard env;
  FixedEnv(&env);
  TempDir dir;
  env.Set("HOPS_CONFIG", dir.path() + "/missing.toml");
  try {
    LoadSettings();
    FAIL("no error");
  } catch (const DefinitionError& e) {
    CHECK(std::string(e.what()) == dir.path() +
                                       "/missing.toml: cannot read settings file: No such file "
                                       "or directory (named by $HOPS_CONFIG)");
  }
  env.Set("HOPS_CONFIG", dir.path());
  try {
    LoadSettings();
    FAIL("no error");
  } catch (const DefinitionError& e) {
    CHECK(std::string(e.what()) ==
          dir.path() + ": cannot read settings file: Is a directory (named by $HOPS_CONFIG)");
  }
  // Errors inside a loaded file carry its path.
  const std::string bad = dir.Write("bad.toml", "timezone = \"UTC\"\nstate = 1\n");
  env.Set("HOPS_CONFIG", bad);
  try {
    LoadSettings();
    FAIL("no error");
  } catch (const DefinitionError& e) {
    CHECK(e.loc().file == bad);
    CHECK(e.loc().line == 2);
    CHECK(e.message() == "unknown key 'state' in settings");
  }
}

}  // namespace hops
