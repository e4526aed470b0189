// `hmon-check status`: the state of every check as one page (text, JSON or a self-contained HTML
// page to serve or print), grouped by scope, worst first, with when each state began, when the
// check last ran, the last notification hnotify logged for it, and its runbook.
#ifndef HOPS_CMD_HMON_CHECK_STATUS_HPP_
#define HOPS_CMD_HMON_CHECK_STATUS_HPP_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/state.hpp"

namespace hops {
class TimeZone;
}  // namespace hops

namespace hops::mon {

/// Options of `hmon-check status` besides those of the monitor file and --format.
struct StatusOptions {
  std::string out;                 ///< --out FILE, written atomically; "" = stdout
  int refresh = -1;                ///< --refresh SECONDS of the html page; -1 = 60, 0 = never
  std::string stale_after = "15m"; ///< --stale-after: a last check older than this is stale
  bool exit_worst = false;         ///< --exit-worst: exit with the worst hard state shown
};

/// A check of the monitor file, as the page needs it.
struct StatusCheck {
  std::string key;          ///< state key: "<monitor>/<node>" or "<monitor>"
  std::string monitor;      ///< monitor id
  std::string node;         ///< node id, "" without a node
  std::string scope;        ///< the node's first inventory scope, "" without a node
  std::string description;  ///< the monitor's description
  std::string runbook;      ///< the runbook, expanded for the node
};

/// One row of the page.
struct StatusRow {
  StatusCheck check;         ///< from the file (only key, and monitor/node split from it, when not)
  bool in_file = true;       ///< false: in the state store, but no longer in the monitor file
  bool checked = false;      ///< false: in the file but never run ("pending")
  std::string state;         ///< reported: the hard state, or flapping, suppressed, unreachable, pending
  std::string hard_state;    ///< the confirmed state ("" when none yet)
  std::string raw_state;     ///< the latest check's own state
  bool soft = false;         ///< raw_state is a problem (or recovery) not confirmed yet
  int consecutive = 0;       ///< checks in a row with the latest result's kind
  std::string summary;       ///< summary line of the latest check
  int64_t since_ms = 0;      ///< when the reported state began (0: unknown)
  std::string since_from;    ///< the state before that, when the change log has it
  int64_t last_check_ms = 0; ///< when the check last ran (0: never)
  bool stale = false;        ///< the last check is older than the stale limit
  std::optional<Delivery> notified;  ///< the last notification hnotify logged for the check
};

/// Rows of one scope.
struct StatusGroup {
  std::string scope;      ///< "" for checks without a node
  bool in_file = true;    ///< false: the group of checks no longer in the monitor file
  std::vector<StatusRow> rows;  ///< worst first, then by key
};

/// The whole page.
struct StatusPage {
  int64_t generated_ms = 0;                  ///< when it was made, ms since the epoch
  const TimeZone* zone = nullptr;            ///< for the times shown; nullptr: UTC
  std::chrono::milliseconds stale_after{0};  ///< a last check older than this is stale
  int refresh_s = 0;                         ///< html: reload every this many seconds (0: never)
  std::map<std::string, int> counts;         ///< rows of the file per reported state
  int stale = 0;                             ///< stale rows of the file
  int not_in_file = 0;                       ///< rows of the not-in-the-file group
  std::vector<StatusGroup> groups;           ///< by scope name ("" first), then the not-in-file group
};

/// The order of reported states on the page: critical, unknown, warning, flapping, unreachable,
/// pending, ok, suppressed (0 first); any other word after them.
int StatusRank(const std::string& state);

/// Builds the page of @p checks (the monitor file's, already narrowed by --scope and the like)
/// from @p store at @p now_ms (null: no store yet, every check pending). With @p include_unlisted,
/// statuses of keys not among @p checks form the last group ("not in the file").
StatusPage BuildStatusPage(StateStore* store, const std::vector<StatusCheck>& checks, bool include_unlisted,
                           int64_t now_ms, std::chrono::milliseconds stale_after);

/// "3h 12m", "2d 4h", "12m", "40s": @p ms in its two largest units (one below a minute and an hour).
std::string StatusAge(int64_t ms);

/// The page as aligned columns, one block per group, runbooks on a line below their row; control
/// bytes and invalid UTF-8 of summaries become '?'.
std::string StatusText(const StatusPage& page);
/// The page as one JSON object: generated, time_zone, counts, groups with their rows.
nlohmann::ordered_json StatusJson(const StatusPage& page);
/// The page as one self-contained HTML document: inline style, no script, nothing fetched.
std::string StatusHtml(const StatusPage& page);

/// The worst hard state of the page's rows in the file, as a Nagios exit code (for --exit-worst).
int StatusWorstExit(const StatusPage& page);

}  // namespace hops::mon

#endif  // HOPS_CMD_HMON_CHECK_STATUS_HPP_
