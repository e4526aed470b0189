// The hmon-check commands: each takes parsed options and returns a Nagios exit code.
#ifndef HOPS_COMMON_MONITOR_CMD_HPP_
#define HOPS_COMMON_MONITOR_CMD_HPP_

#include <map>
#include <string>
#include <vector>

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

/// The default definition file: $XDG_CONFIG_HOME/hops/monitors.yaml if present, else /etc/hops/monitors.yaml.
std::string DefaultMonitorsPath();

int CmdRun(const MonitorOptions& o);
int CmdValidate(const MonitorOptions& o);
int CmdList(const MonitorOptions& o);
int CmdHistory(const MonitorOptions& o, const std::string& id, const std::string& node, const std::string& since);
int CmdAdHoc(const AdHocOptions& o);
int CmdMonitorSchema();

/// Parameter keys of a type whose values are NAME=VALUE mappings on the command line.
bool IsMapParam(const std::string& key);

}  // namespace hops::mon

#endif  // HOPS_COMMON_MONITOR_CMD_HPP_
