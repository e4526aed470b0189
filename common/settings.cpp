#include "common/settings.hpp"

#include <pwd.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include <toml++/toml.h>

#include "common/error.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/units.hpp"
#include "common/zone.hpp"

namespace hops {

namespace {

/// What a settings key holds and how its value is checked.
enum class KeyType {
  kTable,         ///< a table of further keys
  kString,        ///< a string, stored as is once KeySpec::check (if any) accepts it
  kPath,          ///< a non-empty path, resolved against the settings file's directory
  kOptionalPath,  ///< a path as kPath, or "" for none
  kPathList,      ///< a path or an array of paths
  kInteger,       ///< an integer within [KeySpec::min, KeySpec::max]
  kBool,          ///< true or false
};

/// One known settings key.
struct KeySpec {
  const char* name;  ///< dotted name from the document root ("calendar.path")
  KeyType type;
  const char* expected;  ///< what the value is, for messages ("a duration such as \"400d\"")
  std::string Settings::*text = nullptr;  ///< target of kString / kPath / kOptionalPath
  std::vector<std::string> Settings::*list = nullptr;  ///< target of kPathList
  /// Checks a kString value of the key named @p name: "" when valid, else the message.
  std::string (*check)(const std::string& name, const std::string& value) = nullptr;
  int Settings::*integer = nullptr;  ///< target of kInteger
  int64_t min = 0, max = 0;          ///< range of kInteger
  bool Settings::*boolean = nullptr;  ///< target of kBool
};

/// "" for a known IANA zone name (or "" for the system's zone), else the message.
std::string CheckTimezone(const std::string& /*key*/, const std::string& name) {
  if (name.empty() || FindZone(name)) return "";
  return "unknown timezone '" + name + "'" + DidYouMean(name, AllZoneNames()) +
         " (expected an IANA name such as Asia/Tokyo)";
}

/// "" for a positive duration, else the message.
std::string CheckDuration(const std::string& key, const std::string& text) {
  auto d = ParseDuration(text);
  if (d && d->count() > 0) return "";
  return "'" + key + "' must be a positive duration such as \"400d\" or \"8w\", got '" + text + "'";
}

/// "" for a duration of zero or more, else the message.
std::string CheckDurationOrZero(const std::string& key, const std::string& text) {
  auto d = ParseDuration(text);
  if (d && d->count() >= 0) return "";
  return "'" + key + "' must be a duration such as \"15s\" (\"0s\" for none), got '" + text + "'";
}

/// "" for a duration of at least kMinMonitorRawRetention, else the message.
std::string CheckRawRetention(const std::string& key, const std::string& text) {
  if (std::string problem = CheckDuration(key, text); !problem.empty()) return problem;
  if (*ParseDuration(text) >= kMinMonitorRawRetention) return "";
  return "'" + key + "' must be at least " + FormatDuration(kMinMonitorRawRetention) +
         " (two months, so that a monthly report finds the whole previous month), got '" + text + "'";
}

// Every key the settings file may contain. Tools that add settings add their keys (and the
// tables holding them) here and their fields to Settings; nothing else needs to change.
const KeySpec kKnownKeys[] = {
    {"timezone", KeyType::kString, "an IANA time zone name such as \"Asia/Tokyo\"", &Settings::timezone,
     nullptr, CheckTimezone},
    {"state_dir", KeyType::kPath, "a directory path", &Settings::state_dir},
    {"calendar", KeyType::kTable, "a [calendar] section"},
    {"calendar.path", KeyType::kPathList, "calendar files or directories", nullptr,
     &Settings::calendar_path},
    {"calendar.jp_holidays_file", KeyType::kOptionalPath, "a file path, or \"\" for none",
     &Settings::jp_holidays_file},
    {"monitor", KeyType::kTable, "a [monitor] section"},
    {"monitor.retention", KeyType::kString, "a duration such as \"400d\"", &Settings::monitor_retention,
     nullptr, CheckDuration},
    {"monitor.raw_retention", KeyType::kString, "a duration of at least 62d", &Settings::monitor_raw_retention,
     nullptr, CheckRawRetention},
    {"monitor.hourly_retention", KeyType::kString, "a duration such as \"400d\"",
     &Settings::monitor_hourly_retention, nullptr, CheckDuration},
    {"monitor.daily_retention", KeyType::kString, "a duration such as \"1830d\"",
     &Settings::monitor_daily_retention, nullptr, CheckDuration},
    {"monitor.status_retention", KeyType::kString, "a duration such as \"400d\"",
     &Settings::monitor_status_retention, nullptr, CheckDuration},
    {"monitor.prune_after", KeyType::kString, "a duration such as \"30d\"", &Settings::monitor_prune_after,
     nullptr, CheckDuration},
    {"monitor.per_host", KeyType::kInteger, "requests in flight to one host, 1 to 1000", nullptr, nullptr, nullptr,
     &Settings::monitor_per_host, 1, 1000},
    {"job", KeyType::kTable, "a [job] section"},
    {"job.keep_runs", KeyType::kString, "a duration such as \"90d\"", &Settings::job_keep_runs, nullptr,
     CheckDuration},
    {"ssh", KeyType::kTable, "an [ssh] section"},
    {"ssh.known_hosts", KeyType::kOptionalPath, "a known_hosts file path, or \"\" for the default",
     &Settings::ssh_known_hosts},
    {"ssh.accept_new", KeyType::kBool, "true or false", nullptr, nullptr, nullptr, nullptr, 0, 0,
     &Settings::ssh_accept_new},
    {"ssh.connect_timeout", KeyType::kString, "a duration such as \"10s\"", &Settings::ssh_connect_timeout,
     nullptr, CheckDuration},
    {"ssh.keepalive", KeyType::kString, "a duration such as \"15s\", or \"0s\" for none",
     &Settings::ssh_keepalive, nullptr, CheckDurationOrZero},
};

/// "an integer", "a table", ...: the TOML type of @p node, for "got ..." in messages.
std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

/// The value of environment variable @p name, or "" when unset.
std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

/// The user's home directory: $HOME, else the password database, else "/".
std::string HomeDir() {
  std::string home = Env("HOME");
  if (!home.empty()) return home;
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir && *pw->pw_dir) return pw->pw_dir;
  return "/";
}

/// An XDG base directory: $@p var if absolute (as the spec requires), else ~/@p fallback.
std::string XdgDir(const char* var, const char* fallback) {
  std::string v = Env(var);
  if (!v.empty() && v[0] == '/') return v;
  return HomeDir() + "/" + fallback;
}

/// Expands a leading "~" or "~/" to $HOME, then resolves a relative path against @p base_dir.
std::string ResolvePath(const std::string& p, const std::filesystem::path& base_dir) {
  if (p == "~") return HomeDir();
  if (p.compare(0, 2, "~/") == 0) return HomeDir() + p.substr(1);
  std::filesystem::path path(p);
  if (path.is_absolute() || base_dir.empty()) return p;
  return (base_dir / path).string();
}

/// Walks a parsed settings document, storing values and keeping the first problem in file order.
class Checker {
 public:
  Checker(Settings* settings, std::filesystem::path base_dir)
      : settings_(settings), base_dir_(std::move(base_dir)) {}

  /// Checks every key of @p table, whose dotted name is @p prefix ("" for the root).
  void CheckTable(const toml::table& table, const std::string& prefix) {
    for (auto&& [key, node] : table) {
      const std::string leaf(key.str());
      const std::string name = prefix.empty() ? leaf : prefix + "." + leaf;
      const KeySpec* spec = leaf.find('.') == std::string::npos ? Find(name) : nullptr;
      if (!spec) {
        Report(key.source(),
               "unknown key '" + name + "' in settings" + DidYouMean(name, Siblings(prefix)));
        continue;
      }
      CheckValue(*spec, node);
    }
  }

  /// The earliest problem found, if any: position and message.
  const std::optional<std::pair<toml::source_position, std::string>>& first() const {
    return first_;
  }

 private:
  static const KeySpec* Find(const std::string& name) {
    for (const auto& spec : kKnownKeys)
      if (name == spec.name) return &spec;
    return nullptr;
  }

  // Known keys directly inside the table named @p prefix, as dotted names.
  static std::vector<std::string> Siblings(const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& spec : kKnownKeys) {
      std::string_view name = spec.name;
      size_t dot = name.rfind('.');
      std::string_view parent = dot == std::string_view::npos ? "" : name.substr(0, dot);
      if (parent == prefix) out.emplace_back(name);
    }
    return out;
  }

  void Report(const toml::source_region& where, std::string message) {
    const toml::source_position pos = where.begin;
    if (!first_ || pos < first_->first) first_.emplace(pos, std::move(message));
  }

  void CheckValue(const KeySpec& spec, const toml::node& node) {
    const std::string name = spec.name;
    switch (spec.type) {
      case KeyType::kTable:
        if (const toml::table* t = node.as_table())
          CheckTable(*t, name);
        else
          Report(node.source(), "'" + name + "' must be a table, got " + TypeName(node) + " (expected " + spec.expected + ")");
        return;
      case KeyType::kString:
      case KeyType::kPath:
      case KeyType::kOptionalPath: {
        const auto* s = node.as_string();
        if (!s) {
          Report(node.source(), "'" + name + "' must be a string, got " + TypeName(node) + " (expected " + spec.expected + ")");
          return;
        }
        const std::string& v = s->get();
        if (spec.type == KeyType::kString) {
          if (spec.check) {
            if (std::string problem = spec.check(name, v); !problem.empty()) {
              Report(node.source(), problem);
              return;
            }
          }
          settings_->*spec.text = v;
        } else if (v.empty()) {
          if (spec.type == KeyType::kPath)
            Report(node.source(), "'" + name + "' must not be empty");
          else
            settings_->*spec.text = "";
        } else {
          settings_->*spec.text = ResolvePath(v, base_dir_);
        }
        return;
      }
      case KeyType::kInteger: {
        const auto* i = node.as_integer();
        if (!i) {
          Report(node.source(), "'" + name + "' must be an integer, got " + TypeName(node) + " (expected " + spec.expected + ")");
          return;
        }
        if (i->get() < spec.min || i->get() > spec.max) {
          Report(node.source(), "'" + name + "' must be from " + std::to_string(spec.min) + " to " +
                                    std::to_string(spec.max) + ", got " + std::to_string(i->get()));
          return;
        }
        settings_->*spec.integer = static_cast<int>(i->get());
        return;
      }
      case KeyType::kBool: {
        const auto* b = node.as_boolean();
        if (!b) {
          Report(node.source(), "'" + name + "' must be a boolean, got " + TypeName(node) + " (expected " + spec.expected + ")");
          return;
        }
        settings_->*spec.boolean = b->get();
        return;
      }
      case KeyType::kPathList: {
        std::vector<std::string> paths;
        auto add = [&](const toml::node& item) {
          const auto* s = item.as_string();
          if (!s) {
            Report(item.source(), "'" + name + "' must be a string or an array of strings, got " + TypeName(item) +
                                      " (expected " + spec.expected + ")");
          } else if (s->get().empty()) {
            Report(item.source(), "'" + name + "' entries must not be empty");
          } else {
            paths.push_back(ResolvePath(s->get(), base_dir_));
          }
        };
        if (const toml::array* a = node.as_array()) {
          for (const toml::node& item : *a) add(item);
        } else {
          add(node);
        }
        settings_->*spec.list = std::move(paths);
        return;
      }
    }
  }

  Settings* settings_;
  std::filesystem::path base_dir_;
  std::optional<std::pair<toml::source_position, std::string>> first_;
};

}  // namespace

std::string DefaultConfigFile(const std::string& name) {
  std::string user = XdgDir("XDG_CONFIG_HOME", ".config") + "/hops/" + name;
  std::error_code ec;
  if (std::filesystem::exists(user, ec)) return user;
  return "/etc/hops/" + name;
}

std::string SettingsPath(bool* explicit_path) {
  std::string env = Env("HOPS_CONFIG");
  if (explicit_path) *explicit_path = !env.empty();
  if (!env.empty()) return env;
  return DefaultConfigFile("config.toml");
}

Settings DefaultSettings() {
  Settings s;
  std::string state = Env("HOPS_STATE_DIR");
  if (state.empty()) {
    std::string xdg = Env("XDG_STATE_HOME");
    if (!xdg.empty() && xdg[0] == '/')
      state = xdg + "/hops";
    else if (geteuid() == 0)
      state = "/var/lib/hops";
    else
      state = HomeDir() + "/.local/state/hops";
  }
  s.state_dir = state;
  s.calendar_path = {XdgDir("XDG_CONFIG_HOME", ".config") + "/hops/calendars.yaml",
                     "/etc/hops/calendars.yaml", "/etc/hops/calendars.d"};
  return s;
}

Settings ParseSettings(const std::string& text, const std::string& filename) {
  toml::table doc;
#if TOML_EXCEPTIONS
  try {
    doc = toml::parse(std::string_view(text), std::string_view(filename));
  } catch (const toml::parse_error& e) {
    const auto& pos = e.source().begin;
    throw DefinitionError(
        SourceLoc{filename, static_cast<int>(pos.line), static_cast<int>(pos.column)},
        LowerFirst(e.description()), SourceLineOf(text, static_cast<int>(pos.line)));
  }
#else
  toml::parse_result result = toml::parse(std::string_view(text), std::string_view(filename));
  if (!result) {
    const toml::parse_error& e = result.error();
    const auto& pos = e.source().begin;
    throw DefinitionError(
        SourceLoc{filename, static_cast<int>(pos.line), static_cast<int>(pos.column)},
        LowerFirst(e.description()), SourceLineOf(text, static_cast<int>(pos.line)));
  }
  doc = std::move(result).table();
#endif

  Settings settings = DefaultSettings();
  settings.source = filename;
  Checker checker(&settings, std::filesystem::path(filename).parent_path());
  checker.CheckTable(doc, "");
  if (const auto& problem = checker.first()) {
    const int line = static_cast<int>(problem->first.line);
    throw DefinitionError(SourceLoc{filename, line, static_cast<int>(problem->first.column)},
                          problem->second, SourceLineOf(text, line));
  }
  return settings;
}

Settings LoadSettings() {
  bool explicit_path = false;
  const std::string path = SettingsPath(&explicit_path);

  std::string text;
  FILE* f = std::fopen(path.c_str(), "rb");
  int err = f ? 0 : errno;
  if (f) {
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    if (std::ferror(f)) err = errno ? errno : EIO;
    std::fclose(f);
  }

  Settings settings;
  if (err == ENOENT && !explicit_path) {
    settings = DefaultSettings();
  } else if (err != 0) {
    throw DefinitionError(SourceLoc{path}, std::string("cannot read settings file: ") +
                                               std::strerror(err) +
                                               (explicit_path ? " (named by $HOPS_CONFIG)" : ""));
  } else {
    settings = ParseSettings(text, path);
  }

  std::string state = Env("HOPS_STATE_DIR");
  if (!state.empty()) settings.state_dir = state;
  return settings;
}

}  // namespace hops
