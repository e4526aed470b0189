// The hops tool settings file (TOML): where it is, what it may contain, and its defaults.
#ifndef HOPS_COMMON_SETTINGS_HPP_
#define HOPS_COMMON_SETTINGS_HPP_

#include <chrono>
#include <string>
#include <vector>

namespace hops {

/// The shortest `[monitor] raw_retention`: two months, so the whole previous month is always
/// there for a monthly report.
constexpr std::chrono::hours kMinMonitorRawRetention{24 * 62};

/// Tool-wide settings, from the settings file with defaults for every key it leaves out.
struct Settings {
  /// IANA time zone name such as "Asia/Tokyo"; "" means the system's zone.
  std::string timezone;
  /// Directory for persistent state (monitor history, job runs, ...).
  std::string state_dir;
  /// Calendar definition files, or directories whose *.yaml files are read, in order.
  std::vector<std::string> calendar_path;
  /// Override file for Japanese holidays (future law changes); "" means the built-in table only.
  std::string jp_holidays_file;
  /// Path of the settings file these came from; "" when only defaults apply.
  std::string source;
  /// Deprecated `[monitor] retention`: raw samples (at least kMinMonitorRawRetention) and status
  /// changes, where their own keys are not set; "" = unset.
  std::string monitor_retention;
  /// How long hmon-check keeps raw perfdata samples, e.g. "62d"; "" = the default.
  std::string monitor_raw_retention;
  /// How long hmon-check keeps hourly perfdata roll-ups; "" = the default.
  std::string monitor_hourly_retention;
  /// How long hmon-check keeps daily perfdata roll-ups; "" = the default.
  std::string monitor_daily_retention;
  /// How long hmon-check keeps status changes; "" = the default.
  std::string monitor_status_retention;
  /// After how long without a check hmon-check removes a monitor instance; "" = the default.
  std::string monitor_prune_after;
  /// How many HTTP/mail checks hmon-check runs at once against one host[:port] (`[monitor] per_host`).
  int monitor_per_host = 8;
  /// `[job] keep_runs`: how long hjob-run keeps a finished run (state, outputs, logs); "" = 90d.
  std::string job_keep_runs;
  /// `[ssh] known_hosts`: a known_hosts file read besides the user's ~/.ssh/known_hosts; "" =
  /// /etc/ssh/ssh_known_hosts.
  std::string ssh_known_hosts;
  /// `[ssh] accept_new`: accept and record the host key of a host with none on record yet.
  bool ssh_accept_new = false;
  /// `[ssh] connect_timeout`: how long connecting and each request to a server may take; "" = 10s.
  std::string ssh_connect_timeout;
  /// `[ssh] keepalive`: the silence after which a running command's connection is checked; "0s"
  /// turns checks off; "" = 15s.
  std::string ssh_keepalive;
};

/// The settings file to read: $HOPS_CONFIG (explicit), else $XDG_CONFIG_HOME/hops/config.toml if it
/// exists, else /etc/hops/config.toml.
std::string SettingsPath(bool* explicit_path);

/// The default place of a definition file @p name ("monitors.yaml"): $XDG_CONFIG_HOME/hops/NAME
/// (~/.config/hops/NAME) if it exists, else /etc/hops/NAME.
std::string DefaultConfigFile(const std::string& name);

/// The settings used when no file sets a key (state_dir honours $HOPS_STATE_DIR and XDG variables).
Settings DefaultSettings();

/// Parses settings text named @p filename over DefaultSettings(); throws DefinitionError on syntax
/// errors, unknown keys and wrong types.
Settings ParseSettings(const std::string& text, const std::string& filename);

/// Reads SettingsPath() (a missing non-explicit file means defaults) and applies $HOPS_STATE_DIR;
/// throws DefinitionError.
Settings LoadSettings();

}  // namespace hops

#endif  // HOPS_COMMON_SETTINGS_HPP_
