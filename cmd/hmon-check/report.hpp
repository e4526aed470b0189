// hmon-check report: a month of the state store (status changes, perfdata, hnotify's delivery
// log) as availability figures, an incident list and resource trend graphs, rendered as one
// self-contained HTML file or as JSON/CSV. The figures are defined in hmon-check(1).
#ifndef HOPS_CMD_HMON_CHECK_REPORT_HPP_
#define HOPS_CMD_HMON_CHECK_REPORT_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/state.hpp"
#include "common/zone.hpp"

namespace hops::cal {
class Calendar;
}  // namespace hops::cal

namespace hops::mon {
struct Instance;
}  // namespace hops::mon

namespace hops::mon::report {

/// A half-open interval of time [first, second) in ms since the epoch.
using Span = std::pair<int64_t, int64_t>;

/// The month "YYYY-MM" (2000-01 .. 2999-12) as [start, end) in @p zone (null = UTC); nullopt
/// when @p text is not such a month.
std::optional<Span> MonthSpan(const std::string& text, const TimeZone* zone);

/// The open (business-hours) windows of @p calendar within @p span, merged and in order.
std::vector<Span> OpenSpans(const cal::Calendar& calendar, Span span);
/// The days of @p span (midnight to midnight in the calendar's zone) that are not business days
/// of @p calendar, merged and in order: shaded in the graphs.
std::vector<Span> ClosedDays(const cal::Calendar& calendar, Span span);

/// A perfdata threshold line: the bound a warning or critical range alerts beyond.
struct ThresholdLine {
  std::optional<double> warning;   ///< value of the warning line, when the range has one bound
  std::optional<double> critical;  ///< value of the critical line
};

/// One monitor instance the report covers, as the definitions describe it.
struct InstanceInfo {
  std::string key;      ///< "<monitor>/<node>" or "<monitor>"
  std::string monitor;  ///< monitor id
  std::string node;     ///< node id, "" without a node
  std::string runbook;  ///< expanded runbook: text or a URL
  /// Perfdata labels graphed: empty = the defaults of the type (DefaultLabels); "*" = every
  /// label the store holds for the instance.
  std::vector<std::string> labels;
  bool no_graphs = false;  ///< `report: false`: no graph for this monitor
  std::string type;        ///< monitor type, for the default labels
  std::vector<std::pair<std::string, ThresholdLine>> thresholds;  ///< by label
};

/// The report's view of @p instance: key, runbook, graphed labels and threshold lines.
InstanceInfo InfoOf(const Instance& instance);

/// The labels graphed for a monitor of @p type without a `report:` key ("" = type unknown: the
/// labels of every type that has defaults): response times, CPU, memory, disk and load.
std::vector<std::string> DefaultLabels(const std::string& type);

/// What the report is made from besides the state store.
struct Input {
  std::string month;             ///< "2026-11"
  Span span{0, 0};               ///< the month in the report's zone
  int64_t now_ms = 0;            ///< time after this is "no data" (a month not over yet)
  const TimeZone* zone = nullptr;  ///< the zone times are shown in; null = UTC
  std::string calendar;          ///< calendar name, "" = none
  std::vector<Span> open;        ///< business hours within the month (with a calendar)
  std::vector<Span> closed_days; ///< closed days within the month (with a calendar)
  std::vector<InstanceInfo> instances;  ///< the instances the report covers
  /// Also cover keys the store holds for the month that the definitions do not list (monitors
  /// removed since): only when nothing narrowed the selection.
  bool include_unlisted = false;
  std::string scope;             ///< how the selection was narrowed, for the header ("" = all)
  int points = 360;              ///< graph resolution: buckets per month
};

/// Time in each state class, in ms.
struct StateTimes {
  int64_t ok = 0;
  int64_t warning = 0;
  int64_t critical = 0;
  int64_t unknown = 0;  ///< unknown and flapping
  int64_t no_data = 0;  ///< before the first check, pending, suppressed, unreachable, the future
  /// Monitored time: ok + warning + critical + unknown.
  int64_t Monitored() const { return ok + warning + critical + unknown; }
  /// (ok + warning) / monitored time; nullopt when nothing was monitored.
  std::optional<double> Availability() const;
  /// Adds @p o.
  void Add(const StateTimes& o);
};

/// The state times of a monitor instance, a monitor, a node, or all of them.
struct Availability {
  std::string key;      ///< instance key, or the monitor id / node id of a group
  std::string monitor;  ///< "" for a node group
  std::string node;     ///< "" for a monitor group
  int instances = 0;    ///< instances summed
  StateTimes all;       ///< over the whole month
  StateTimes business;  ///< within business hours (zero without a calendar)
};

/// One notification of an incident (hnotify's delivery log).
struct Notification {
  int64_t time_ms = 0;
  std::string channel, channel_type, outcome, reason, route;
};

/// A period in which an instance was in a problem state (warning, critical, unknown).
struct Incident {
  std::string key, monitor, node;
  std::string state;       ///< the worst state of the period
  int64_t start_ms = 0;    ///< the change into the problem (may precede the month)
  int64_t end_ms = 0;      ///< the change out of it; 0 while open
  int64_t duration_ms = 0; ///< to the end, or to the end of the report's time while open
  std::string summary;     ///< summary of the change into the worst state
  std::string runbook;
  std::vector<Notification> notifications;
};

/// One graphed perfdata series, its month's figures and its graph points.
struct Series {
  std::string key, monitor, node, label, uom;
  int64_t count = 0;  ///< numeric samples in the month
  double min = 0, avg = 0, max = 0;
  std::optional<double> p95;  ///< nearest-rank 95th percentile; nullopt from roll-ups only
  ThresholdLine thresholds;
  /// One bucket per Input::points (empty ones have count 0).
  struct Bucket {
    double min = 0, max = 0, sum = 0;
    int64_t count = 0;
  };
  std::vector<Bucket> buckets;
};

/// The whole report.
struct Report {
  Input input;
  int64_t data_end_ms = 0;  ///< min(span end, now): where known time ends
  std::vector<Availability> instances;  ///< by key
  std::vector<Availability> monitors;   ///< by monitor id
  std::vector<Availability> nodes;      ///< by node id (instances with a node)
  Availability total;
  std::vector<Incident> incidents;  ///< by start, then key
  std::optional<int64_t> mttr_ms;   ///< mean duration of the incidents that ended in the month
  int64_t notifications_sent = 0;    ///< deliveries "sent" in the month for the covered keys
  int64_t notifications_failed = 0;  ///< deliveries "fallback" or "dropped"
  std::vector<Series> series;        ///< by node, key, label
};

/// Reads the month of @p in from @p store (null: no store yet, nothing was ever checked) and
/// computes every figure.
Report Build(StateStore* store, const Input& in);

/// The report as one self-contained HTML page in @p lang ("en" or "ja").
std::string RenderHtml(const Report& r, const std::string& lang);
/// The report's figures as one JSON document.
std::string RenderJson(const Report& r);
/// The report's figures as CSV: one table, a row per figure group (column "record").
std::string RenderCsv(const Report& r);

}  // namespace hops::mon::report

#endif  // HOPS_CMD_HMON_CHECK_REPORT_HPP_
