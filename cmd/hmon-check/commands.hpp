// The hmon-check commands: each takes parsed options and returns a Nagios exit code.
#ifndef HOPS_COMMON_MONITOR_CMD_HPP_
#define HOPS_COMMON_MONITOR_CMD_HPP_

#include <map>
#include <string>
#include <vector>

#include "common/settings.hpp"
#include "common/state.hpp"

namespace hops::mon {

/// Options shared by the commands that read a definition file.
struct MonitorOptions {
  std::string file;                        ///< -f FILE; "" = the default monitors path
  std::string inventory;                   ///< --inventory FILE; "" = the default inventory path
  std::vector<std::string> calendar_files; ///< --calendars FILE; empty = the settings' calendar path
  std::vector<std::string> only, scopes, nodes;
  std::string format = "text";
  int concurrency = 64;
  bool changes_only = false;
  bool no_state = false;
  std::string lock_wait = "30s";
};

/// Parameters of an ad-hoc check given on the command line.
struct AdHocOptions {
  std::string type;
  std::string target;
  std::string warning, critical;           ///< thresholds on the type's primary measure
  std::map<std::string, std::string> warn_measure, crit_measure;  ///< --warn-M / --crit-M
  std::map<std::string, std::vector<std::string>> params;         ///< --<param> VALUE
  std::string timeout = "10s";
  std::string format = "nagios";
};

/// Options of `hmon-check report`.
struct ReportOptions {
  std::string month;          ///< --month YYYY-MM
  std::string calendar;       ///< --calendar NAME: business hours and closed days; "" = none
  std::string out;            ///< --out FILE; "" or "-" = standard output
  std::string lang = "en";    ///< --lang en|ja
  std::string format = "html";  ///< --format html|json|csv
};
struct StatusOptions;

/// The default definition file: $XDG_CONFIG_HOME/hops/monitors.yaml if present, else /etc/hops/monitors.yaml.
std::string DefaultMonitorsPath();

int CmdRun(const MonitorOptions& o);
int CmdValidate(const MonitorOptions& o);
int CmdList(const MonitorOptions& o);
int CmdHistory(const MonitorOptions& o, const std::string& id, const std::string& node, const std::string& since);
/// `hmon-check prune`: deletes expired history and the monitor instances not checked for
/// @p older_than ("" = the settings' prune_after), printing what went (@p dry_run: what would).
int CmdPrune(bool dry_run, const std::string& older_than);
int CmdAdHoc(const AdHocOptions& o);
/// `hmon-check status`: the page of the checks of @p o's file in @p o.format; 0 once written
/// (with @p so.exit_worst, the worst hard state shown).
int CmdStatus(const MonitorOptions& o, const StatusOptions& so);
int CmdMonitorSchema();
/// `hmon-check report`: the monthly operations report of the monitors @p o selects.
int CmdReport(const MonitorOptions& o, const ReportOptions& r);

/// How long the monitor history is kept, from the [monitor] settings (as LoadSettings checked
/// them): the defaults of MonitorHistoryPolicy where a key is not set.
MonitorHistoryPolicy HistoryPolicyOf(const Settings& settings);

/// Parameter keys of a type whose values are NAME=VALUE mappings on the command line.
bool IsMapParam(const std::string& key);

}  // namespace hops::mon

#endif  // HOPS_COMMON_MONITOR_CMD_HPP_
