#include "cmd/hmon-check/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <deque>
#include <string_view>
#include <map>
#include <set>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "cmd/hmon-check/definitions.hpp"
#include "cmd/hmon-check/html.hpp"
#include "common/calendar.hpp"
#include "common/civil.hpp"
#include "common/inventory.hpp"
#include "common/nagios.hpp"

namespace hops::mon::report {

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;
/// Notifications logged this long after the month still belong to its incidents (a recovery
/// confirmed just after midnight).
constexpr int64_t kLateDeliveryMs = kHourMs;

/// The classes of state the figures count.
enum Class { kOk, kWarning, kCritical, kUnknown, kNoData };

Class ClassOf(const std::string& state) {
  if (state == "ok") return kOk;
  if (state == "warning") return kWarning;
  if (state == "critical") return kCritical;
  if (state == "unknown" || state == "flapping") return kUnknown;
  return kNoData;  // "", pending, suppressed (calendar closed), unreachable (a parent is down)
}

bool IsProblem(Class c) { return c == kWarning || c == kCritical || c == kUnknown; }

/// How bad a problem class is, to find an incident's worst state.
int Severity(Class c) { return c == kCritical ? 3 : c == kUnknown ? 2 : c == kWarning ? 1 : 0; }

const char* ClassName(Class c) {
  switch (c) {
    case kOk: return "ok";
    case kWarning: return "warning";
    case kCritical: return "critical";
    case kUnknown: return "unknown";
    default: return "no_data";
  }
}

int64_t& Slot(StateTimes& t, Class c) {
  switch (c) {
    case kOk: return t.ok;
    case kWarning: return t.warning;
    case kCritical: return t.critical;
    case kUnknown: return t.unknown;
    default: return t.no_data;
  }
}

/// How much of [a, b) lies within the sorted, disjoint @p spans.
int64_t Overlap(const std::vector<Span>& spans, int64_t a, int64_t b) {
  int64_t total = 0;
  auto it = std::lower_bound(spans.begin(), spans.end(), a,
                             [](const Span& s, int64_t t) { return s.second <= t; });
  for (; it != spans.end() && it->first < b; ++it)
    total += std::max<int64_t>(0, std::min(b, it->second) - std::max(a, it->first));
  return total;
}

/// Sorts and merges @p spans.
std::vector<Span> Merged(std::vector<Span> spans) {
  std::sort(spans.begin(), spans.end());
  std::vector<Span> out;
  for (const Span& s : spans) {
    if (s.second <= s.first) continue;
    if (!out.empty() && s.first <= out.back().second) out.back().second = std::max(out.back().second, s.second);
    else out.push_back(s);
  }
  return out;
}

int64_t InstantMs(cal::Instant t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// The local date of @p ms in @p zone (UTC when null).
Day LocalDay(int64_t ms, const TimeZone* zone) {
  const date::sys_seconds t{std::chrono::seconds{ms / 1000}};
  const auto local = zone ? zone->ToLocal(t) : date::local_seconds{t.time_since_epoch()};
  return Day{date::floor<date::days>(local).time_since_epoch()};
}

/// Local midnight of @p d in @p zone, in ms.
int64_t MidnightMs(Day d, const TimeZone* zone) { return InstantMs(cal::LocalToInstant(zone, d, 0)); }

/// The monitor id and node of a store key "<monitor>/<node>" or "<monitor>".
std::pair<std::string, std::string> SplitKey(const std::string& key) {
  const size_t slash = key.find('/');
  if (slash == std::string::npos) return {key, ""};
  return {key.substr(0, slash), key.substr(slash + 1)};
}

}  // namespace

std::optional<Span> MonthSpan(const std::string& text, const TimeZone* zone) {
  if (text.size() != 7 || text[4] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6})
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
  const int y = std::stoi(text.substr(0, 4));
  const unsigned m = static_cast<unsigned>(std::stoi(text.substr(5, 2)));
  if (y < 2000 || y > 2999 || m < 1 || m > 12) return std::nullopt;
  const Day first = *MakeDay(y, m, 1);
  const Day next = m == 12 ? *MakeDay(y + 1, 1, 1) : *MakeDay(y, m + 1, 1);
  return Span{MidnightMs(first, zone), MidnightMs(next, zone)};
}

std::vector<Span> OpenSpans(const cal::Calendar& calendar, Span span) {
  const TimeZone* zone = calendar.Zone();
  std::vector<Span> out;
  // The day before: a window running past midnight reaches into the month.
  const Day first = LocalDay(span.first, zone) - date::days{1};
  const Day last = LocalDay(span.second - 1, zone);
  const auto [lo, hi] = calendar.SupportedRange();
  for (Day d = first; d <= last; d += date::days{1}) {
    if (d < lo || d > hi || !calendar.IsBusinessDay(d)) continue;
    for (const cal::TimeRange& w : calendar.WindowsOf(d)) {
      const int64_t a = InstantMs(cal::LocalToInstant(zone, d, w.start));
      const int64_t b = InstantMs(cal::LocalToInstant(zone, d, w.end));
      out.emplace_back(std::max(a, span.first), std::min(b, span.second));
    }
  }
  return Merged(std::move(out));
}

std::vector<Span> ClosedDays(const cal::Calendar& calendar, Span span) {
  const TimeZone* zone = calendar.Zone();
  std::vector<Span> out;
  const auto [lo, hi] = calendar.SupportedRange();
  for (Day d = LocalDay(span.first, zone); d <= LocalDay(span.second - 1, zone); d += date::days{1}) {
    if (d >= lo && d <= hi && calendar.IsBusinessDay(d)) continue;
    out.emplace_back(std::max(MidnightMs(d, zone), span.first),
                     std::min(MidnightMs(d + date::days{1}, zone), span.second));
  }
  return Merged(std::move(out));
}

std::vector<std::string> DefaultLabels(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> kDefaults = {
      {"http", {"time"}},  {"https", {"time"}},    {"tcp", {"time"}},       {"dns", {"time"}},
      {"smtp", {"time"}},  {"imap", {"time"}},     {"pop3", {"time"}},      {"ftp", {"time"}},
      {"sql", {"time"}},   {"ping", {"rta"}},      {"cpu", {"busy_pct"}},   {"memory", {"used_pct"}},
      {"swap", {"used_pct"}}, {"disk", {"used_pct"}}, {"load", {"load1"}},
  };
  if (type.empty()) return {"time", "rta", "busy_pct", "used_pct", "load1"};
  const auto it = kDefaults.find(type);
  return it == kDefaults.end() ? std::vector<std::string>{} : it->second;
}

namespace {

/// The line a threshold range draws: the bound beyond which it alerts.
std::optional<double> LineOf(const std::optional<nagios::Range>& r) {
  if (!r) return std::nullopt;
  if (!r->end_inf) return r->end;
  if (!r->start_inf) return r->start;
  return std::nullopt;
}

}  // namespace

InstanceInfo InfoOf(const Instance& instance) {
  InstanceInfo i;
  i.key = instance.key;
  i.monitor = instance.def->id;
  if (instance.node) i.node = instance.node->id;
  i.runbook = instance.runbook;
  i.type = instance.def->type;
  i.labels = instance.def->report;
  i.no_graphs = instance.def->report_off;
  for (const auto& [measure, t] : instance.spec.thresholds)
    i.thresholds.emplace_back(measure, ThresholdLine{LineOf(t.warning), LineOf(t.critical)});
  return i;
}

std::optional<double> StateTimes::Availability() const {
  if (Monitored() <= 0) return std::nullopt;
  return double(ok + warning) / double(Monitored());
}

void StateTimes::Add(const StateTimes& o) {
  ok += o.ok;
  warning += o.warning;
  critical += o.critical;
  unknown += o.unknown;
  no_data += o.no_data;
}

// ---------------------------------------------------------------------------------------------
// Figures

namespace {

/// Adds to @p a the segment [from, to) spent in class @p c.
void Count(Availability* a, const std::vector<Span>& open, Class c, int64_t from, int64_t to) {
  if (to <= from) return;
  Slot(a->all, c) += to - from;
  if (!open.empty()) Slot(a->business, c) += Overlap(open, from, to);
}

/// The state timeline of one instance over the report's month: its state times and incidents.
/// @p changes are the key's changes as ListStatusChangesBetween gives them.
void Replay(const Input& in, int64_t data_end, const std::vector<const StatusChange*>& changes,
            const InstanceInfo& info, Availability* a, std::vector<Incident>* incidents) {
  Class cur = kNoData;
  int64_t t = in.span.first;
  std::optional<Incident> open;
  auto enter = [&](Class next, const StatusChange& c, int64_t when) {
    if (IsProblem(next) && !open) {
      open = Incident{info.key, info.monitor, info.node, ClassName(next), when, 0, 0, c.summary,
                      info.runbook, {}};
    } else if (IsProblem(next) && Severity(next) > Severity(ClassOf(open->state))) {
      open->state = ClassName(next);
      open->summary = c.summary;
    } else if (!IsProblem(next) && open) {
      open->end_ms = when;
      open->duration_ms = when - open->start_ms;
      incidents->push_back(std::move(*open));
      open.reset();
    }
    cur = next;
  };
  for (const StatusChange* c : changes) {
    if (c->time_ms < in.span.first) {  // the state the instance entered the month in
      enter(ClassOf(c->to), *c, c->time_ms);
      continue;
    }
    const int64_t when = std::min(c->time_ms, data_end);
    Count(a, in.open, cur, t, when);
    t = std::max(t, when);
    if (c->time_ms >= data_end) break;
    enter(ClassOf(c->to), *c, c->time_ms);
  }
  Count(a, in.open, cur, t, data_end);
  Count(a, in.open, kNoData, std::max(t, data_end), in.span.second);
  // A month that has not begun has no incident: the state it will begin in is not known yet.
  if (open && data_end > in.span.first) {
    open->duration_ms = data_end - open->start_ms;
    incidents->push_back(std::move(*open));
  }
}

/// The state @p s reports, as the change log records it: the hard state, or flapping.
std::string ReportedState(const MonitorStatus& s) {
  if (s.state == "flapping" || s.hard_state.empty()) return s.state;
  return s.hard_state;
}

/// Adds to @p by_key the state each key of @p infos entered the month in when the change log
/// holds no change before the month: a run logs no change for a first result that is OK, and
/// changes older than the retention are pruned, yet such a check was monitored. The state is
/// the `from` of the key's first change in or after the month (from the month's start), or,
/// when the key never changed since, its stored status from its last change (or first check).
/// A key whose first change came from nothing ("") had no data before it. @p entries owns the
/// changes added.
void EntryStates(StateStore& store, const Input& in, int64_t data_end, const std::map<std::string, InstanceInfo>& infos,
                 const std::map<std::string, MonitorStatus>& statuses,
                 std::map<std::string, std::vector<const StatusChange*>>* by_key, std::deque<StatusChange>* entries) {
  std::vector<std::string> unchanged;  // no change in the month either
  auto assume = [&](const std::string& key, int64_t at, const std::string& state, const std::string& summary) {
    if (state.empty() || at >= data_end) return;
    entries->push_back(StatusChange{key, std::max(at, in.span.first), "", state, summary});
    std::vector<const StatusChange*>& list = (*by_key)[key];
    list.insert(list.begin(), &entries->back());
  };
  for (const auto& [key, info] : infos) {
    const auto it = by_key->find(key);
    if (it == by_key->end()) unchanged.push_back(key);
    else if (it->second.front()->time_ms >= in.span.first) assume(key, in.span.first, it->second.front()->from, "");
  }
  if (unchanged.empty() || data_end <= in.span.first) return;
  std::vector<std::string> later;  // changed after the month
  for (const std::string& key : unchanged) {
    const auto it = statuses.find(key);
    if (it == statuses.end()) continue;
    if (it->second.last_change_ms < data_end)
      assume(key, it->second.last_change_ms, ReportedState(it->second), it->second.last_summary);
    else
      later.push_back(key);
  }
  for (const auto& [key, c] : store.FirstStatusChangesFrom(later, data_end)) assume(key, in.span.first, c.from, "");
}

}  // namespace

Report Build(StateStore* store, const Input& in) {
  Report r;
  r.input = in;
  r.data_end_ms = std::clamp(in.now_ms, in.span.first, in.span.second);
  std::map<std::string, InstanceInfo> infos;
  for (const InstanceInfo& i : in.instances) infos.emplace(i.key, i);

  const std::vector<StatusChange> changes =
      store ? store->ListStatusChangesBetween("", in.span.first, r.data_end_ms) : std::vector<StatusChange>{};
  const std::map<std::string, MonitorStatus> statuses =
      store ? store->GetAllMonitorStatus() : std::map<std::string, MonitorStatus>{};
  // Where known time ends for a check the file no longer defines (removed, or renamed): at its
  // last check, when its status is still stored; its state did not go on after it.
  auto last_check = [&](const std::string& key) {
    const auto it = statuses.find(key);
    return it == statuses.end() ? r.data_end_ms : std::min(r.data_end_ms, it->second.last_check_ms);
  };
  std::map<std::string, int64_t> removed;  // by key: where its known time ends
  std::map<std::string, std::vector<const StatusChange*>> by_key;
  for (const StatusChange& c : changes) {
    if (!infos.count(c.key)) {
      if (!in.include_unlisted) continue;
      const int64_t end = last_check(c.key);
      if (end <= in.span.first) continue;  // removed before the month
      removed.emplace(c.key, end);
      InstanceInfo extra;
      extra.key = c.key;
      std::tie(extra.monitor, extra.node) = SplitKey(c.key);
      infos.emplace(c.key, extra);
    }
    by_key[c.key].push_back(&c);
  }
  std::deque<StatusChange> entries;  // entry states the log does not hold (EntryStates)
  if (store) EntryStates(*store, in, r.data_end_ms, infos, statuses, &by_key, &entries);

  // State times and incidents.
  for (const auto& [key, info] : infos) {
    Availability a;
    a.key = key;
    a.monitor = info.monitor;
    a.node = info.node;
    a.instances = 1;
    static const std::vector<const StatusChange*> kNone;
    const auto it = by_key.find(key);
    const auto gone = removed.find(key);
    Replay(in, gone == removed.end() ? r.data_end_ms : gone->second, it == by_key.end() ? kNone : it->second, info,
           &a, &r.incidents);
    r.instances.push_back(a);
  }
  std::map<std::string, Availability> monitors, nodes;
  for (const Availability& a : r.instances) {
    auto add = [&](Availability& g, const std::string& key) {
      g.key = key;
      g.instances += 1;
      g.all.Add(a.all);
      g.business.Add(a.business);
    };
    add(monitors[a.monitor], a.monitor);
    monitors[a.monitor].monitor = a.monitor;
    if (!a.node.empty()) {
      add(nodes[a.node], a.node);
      nodes[a.node].node = a.node;
    }
    r.total.instances += 1;
    r.total.all.Add(a.all);
    r.total.business.Add(a.business);
  }
  for (auto& [k, a] : monitors) r.monitors.push_back(a);
  for (auto& [k, a] : nodes) r.nodes.push_back(a);

  // Incidents, their notifications, MTTR.
  std::sort(r.incidents.begin(), r.incidents.end(), [](const Incident& a, const Incident& b) {
    return std::tie(a.start_ms, a.key) < std::tie(b.start_ms, b.key);
  });
  int64_t earliest = in.span.first;
  for (const Incident& i : r.incidents) earliest = std::min(earliest, i.start_ms);
  const std::string kPrefix = "hmon-check/";
  std::map<std::string, std::vector<Delivery>> deliveries;
  for (Delivery& d : store ? store->ListDeliveries(kPrefix, earliest, in.span.second + kLateDeliveryMs)
                           : std::vector<Delivery>{}) {
    const std::string key = d.event_key.substr(kPrefix.size());
    if (!infos.count(key)) continue;
    if (d.time_ms >= in.span.first && d.time_ms < in.span.second) {
      if (d.outcome == "sent") ++r.notifications_sent;
      else ++r.notifications_failed;
    }
    deliveries[key].push_back(std::move(d));
  }
  {
    // Each notification goes to the latest incident of its key that started at or before it.
    std::map<std::string, std::vector<Incident*>> of_key;
    for (Incident& i : r.incidents) of_key[i.key].push_back(&i);
    for (auto& [key, list] : deliveries) {
      const auto it = of_key.find(key);
      if (it == of_key.end()) continue;
      for (const Delivery& d : list) {
        Incident* owner = nullptr;
        for (Incident* i : it->second)
          if (i->start_ms <= d.time_ms) owner = i;
        if (owner) owner->notifications.push_back({d.time_ms, d.channel, d.channel_type, d.outcome, d.reason, d.route});
      }
    }
  }
  int64_t ended = 0, total = 0;
  for (const Incident& i : r.incidents) {
    if (i.end_ms == 0 || i.end_ms < in.span.first || i.end_ms >= in.span.second) continue;
    ++ended;
    total += i.duration_ms;
  }
  if (ended > 0) r.mttr_ms = total / ended;

  // Perfdata: the graphed series of each instance, read in one pass over the month.
  std::vector<PerfSeries> wanted;
  for (const PerfSeries& s : store ? store->ListPerfSeries("", "") : std::vector<PerfSeries>{}) {
    const auto it = infos.find(s.key);
    if (it == infos.end() || it->second.no_graphs) continue;
    const InstanceInfo& info = it->second;
    std::vector<std::string> labels = info.labels.empty() ? DefaultLabels(info.type) : info.labels;
    const bool all = std::find(labels.begin(), labels.end(), "*") != labels.end();
    if (!all && std::find(labels.begin(), labels.end(), s.label) == labels.end()) continue;
    wanted.push_back(s);
  }
  const int points = std::max(1, in.points);
  const int64_t len = std::max<int64_t>(1, in.span.second - in.span.first);
  std::vector<Series> series(wanted.size());
  std::vector<std::vector<double>> values(wanted.size());
  for (size_t i = 0; i < wanted.size(); ++i) {
    Series& s = series[i];
    s.key = wanted[i].key;
    s.label = wanted[i].label;
    s.uom = wanted[i].uom;
    const InstanceInfo& info = infos.at(s.key);
    s.monitor = info.monitor;
    s.node = info.node;
    for (const auto& [label, line] : info.thresholds)
      if (label == s.label) s.thresholds = line;
    s.buckets.resize(points);
    s.min = INFINITY;
    s.max = -INFINITY;
  }
  auto add = [&](Series& s, int64_t t, double lo, double hi, double sum, int64_t n) {
    Series::Bucket& b = s.buckets[size_t((t - in.span.first) * points / len)];
    b.min = b.count ? std::min(b.min, lo) : lo;
    b.max = b.count ? std::max(b.max, hi) : hi;
    b.sum += sum;
    b.count += n;
    s.min = std::min(s.min, lo);
    s.max = std::max(s.max, hi);
    s.avg += sum;  // the sum until the end
    s.count += n;
  };
  if (store) store->ScanPerfSamples(wanted, in.span.first, in.span.second, [&](size_t i, int64_t t, double v) {
    if (std::isnan(v)) return;
    add(series[i], t, v, v, v, 1);
    values[i].push_back(v);
  });
  for (size_t i = 0; i < series.size(); ++i) {
    Series& s = series[i];
    if (s.count == 0) {
      // Raw samples pruned: the hourly roll-ups still give min, max and average.
      for (const PerfRollup& p :
           store->ListPerfRollups(s.key, s.label, in.span.first, in.span.second, RollupGranularity::kHourly))
        if (p.key == s.key && p.uom == s.uom && p.count > 0) add(s, p.bucket_ms, p.min, p.max, p.sum, p.count);
      if (s.count == 0) continue;
    } else {
      std::vector<double>& v = values[i];
      const size_t rank = size_t(std::ceil(0.95 * double(v.size()))) - 1;
      std::nth_element(v.begin(), v.begin() + long(rank), v.end());
      s.p95 = v[rank];
      std::vector<double>().swap(v);
    }
    s.avg /= double(s.count);
    r.series.push_back(std::move(s));
  }
  std::stable_sort(r.series.begin(), r.series.end(), [](const Series& a, const Series& b) {
    return std::tie(a.node, a.key, a.label, a.uom) < std::tie(b.node, b.key, b.label, b.uom);
  });
  return r;
}

// ---------------------------------------------------------------------------------------------
// Output

namespace {

/// The report's words in English and Japanese.
struct Words {
  const char *title, *period, *zone, *calendar, *none, *generated_until, *summary, *monitors, *nodes,
      *instances, *incidents, *open_incidents, *mttr, *notifications, *failed, *availability,
      *business_availability, *by_monitor, *by_node, *monitor, *node, *ok, *warning, *critical,
      *unknown, *no_data, *start, *end, *open, *duration, *state, *message, *notified, *runbook,
      *no_incidents, *graphs, *no_graphs, *min, *avg, *max, *p95, *samples, *scope, *all,
      *closed, *no_node, *more, *definitions;
};

const Words kEn = {
    "Monthly operations report", "Period", "Time zone", "Calendar", "none", "data until",
    "Summary", "Monitors", "Nodes", "Checks", "Incidents", "still open", "MTTR",
    "Notifications sent", "not delivered", "Availability", "Availability in business hours",
    "Availability by monitor", "Availability by node", "Monitor", "Node", "OK", "Warning",
    "Critical", "Unknown", "No data", "Start", "End", "open", "Duration", "State", "Summary line",
    "Notified", "Runbook", "No incident this month.", "Resource trends", "No perfdata this month.",
    "min", "avg", "max", "p95", "samples", "Scope", "all", "closed days shaded", "(no node)",
    "more", "Availability = (OK + Warning) / (OK + Warning + Critical + Unknown); no data "
    "(before the first check, pending, suppressed by a closed calendar, unreachable) is left out. "
    "An incident is a period in Warning, Critical or Unknown; MTTR is the mean duration of the "
    "incidents that ended in the month."};

const Words kJa = {
    "月次運用レポート", "対象期間", "タイムゾーン", "カレンダー", "なし", "データ終端",
    "サマリー", "監視", "ノード", "チェック", "障害", "継続中", "平均復旧時間 (MTTR)",
    "通知送信数", "未送達", "稼働率", "営業時間内の稼働率", "監視ごとの稼働率", "ノードごとの稼働率",
    "監視", "ノード", "正常", "警告", "異常", "不明", "データなし", "開始", "終了", "継続中",
    "継続時間", "状態", "概要", "通知先", "対応手順", "今月の障害はありません。", "リソース推移",
    "今月の性能データはありません。", "最小", "平均", "最大", "95%値", "サンプル", "スコープ",
    "全体", "網掛けは休業日", "(ノードなし)", "件ほか",
    "稼働率 = (正常 + 警告) / (正常 + 警告 + 異常 + 不明)。データなし (初回チェック前、保留、"
    "カレンダー休業による抑止、到達不能) は除きます。障害は警告・異常・不明の期間、MTTR は月内に"
    "終わった障害の継続時間の平均です。"};

std::string Printf(const char* fmt, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, v);
  return buf;
}

/// A measured value for people: 4 significant digits, no exponent.
std::string Num(double v) {
  if (!std::isfinite(v)) return "-";
  if (std::fabs(v) >= 1e15) return Printf("%.4g", v);  // not 300 digits
  if (std::fabs(v) >= 10000) return Printf("%.0f", v);
  return Printf("%.4g", v);
}

std::string Percent(const std::optional<double>& v) {
  if (!v) return "-";
  return Printf("%.3f", *v * 100) + "%";
}

/// A duration as "3d 4h 05m" (ja: "3日 4時間 5分").
std::string Dur(int64_t ms, bool ja) {
  const int64_t m = ms / kMinuteMs, d = m / 1440, h = m / 60 % 24, mi = m % 60;
  std::string out;
  if (ja) {
    if (d) out += std::to_string(d) + "日 ";
    if (d || h) out += std::to_string(h) + "時間 ";
    return out + std::to_string(mi) + "分";
  }
  if (d) out += std::to_string(d) + "d ";
  if (d || h) out += std::to_string(h) + "h ";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02lldm", static_cast<long long>(mi));
  return out + (d || h ? buf : std::to_string(mi) + "m");
}

/// "2026-11-03 14:05" in @p zone.
std::string LocalTime(int64_t ms, const TimeZone* zone) {
  const date::sys_seconds t{std::chrono::seconds{ms / 1000 - (ms % 1000 < 0 ? 1 : 0)}};
  const auto local = zone ? zone->ToLocal(t) : date::local_seconds{t.time_since_epoch()};
  return date::format("%F %R", date::floor<std::chrono::minutes>(local));
}

/// RFC 3339 with the zone's offset (or Z).
std::string Rfc3339(int64_t ms, const TimeZone* zone) {
  return FormatInstant(date::sys_seconds{std::chrono::seconds{ms / 1000}}, zone);
}

const char* kStyle = R"css(
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic",
  sans-serif; color: #1d2430; margin: 24px auto; max-width: 1100px; font-size: 14px; line-height: 1.45; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; border-bottom: 2px solid #1d2430; padding-bottom: 2px; margin-top: 28px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #555; margin: 0 0 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; }
.card { border: 1px solid #ccd; border-radius: 6px; padding: 8px 12px; min-width: 150px; }
.card b { display: block; font-size: 20px; }
.card span { color: #555; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 6px 0; }
th, td { border: 1px solid #ccd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f6; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.critical td.state { color: #b3001b; font-weight: bold; }
tr.warning td.state { color: #a35f00; font-weight: bold; }
tr.unknown td.state { color: #6b3fa0; font-weight: bold; }
td.summary { word-break: break-word; max-width: 320px; }
ul.sent { margin: 0; padding-left: 14px; font-size: 11px; }
ul.sent li { white-space: nowrap; }
.note { color: #555; font-size: 12px; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
figure { margin: 0; border: 1px solid #dde; border-radius: 4px; padding: 4px; break-inside: avoid; }
figcaption { font-size: 11px; color: #333; }
figcaption b { font-size: 12px; }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart text { font-size: 10px; fill: #555; }
svg.chart .closed { fill: #eceff3; }
svg.chart .grid { stroke: #dfe3ea; stroke-width: 1; }
svg.chart .axis { stroke: #888; stroke-width: 1; }
svg.chart .band { fill: #9cc3e6; fill-opacity: .55; stroke: none; }
svg.chart .avg { fill: none; stroke: #1f5fa8; stroke-width: 1.2; }
svg.chart .warn { stroke: #e08a00; stroke-width: 1; stroke-dasharray: 5 3; }
svg.chart .crit { stroke: #c8102e; stroke-width: 1; stroke-dasharray: 5 3; }
section.node { break-inside: auto; }
@media print { body { margin: 0; font-size: 11px; } .charts { grid-template-columns: 1fr 1fr; } }
)css";

std::string E(const std::string& s) { return html::Escape(s); }

/// SVG points "x,y x,y ..." of @p pts, leaving out the inner points of level runs (the line is
/// the same without them; flat series get much shorter).
std::string Points(const std::vector<std::pair<size_t, long>>& pts) {
  std::string out;
  for (size_t k = 0; k < pts.size(); ++k) {
    const bool inner = k > 0 && k + 1 < pts.size() && pts[k - 1].second == pts[k].second &&
                       pts[k + 1].second == pts[k].second;
    if (inner) continue;
    if (!out.empty()) out += ' ';
    out += std::to_string(pts[k].first) + "," + std::to_string(pts[k].second);
  }
  return out;
}

/// A line chart of one series over the month: min-max band and average per bucket, thresholds,
/// closed days shaded, time axis in the report's zone.
std::string Chart(const Series& s, const Report& r) {
  constexpr double kW = 520, kH = 170, kL = 52, kR = 8, kT = 8, kB = 20;
  const double pw = kW - kL - kR, ph = kH - kT - kB;
  const Input& in = r.input;
  const double len = double(in.span.second - in.span.first);
  double lo = std::min(0.0, s.min), hi = s.max;
  for (const auto& t : {s.thresholds.warning, s.thresholds.critical})
    if (t) hi = std::max(hi, *t), lo = std::min(lo, *t);
  // Values near the ends of double's range: the axis stops short of them (their points sit on
  // its edge), so the range and its ticks stay finite.
  constexpr double kAxisMax = 1e300;
  lo = std::max(lo, -kAxisMax);
  hi = std::min(hi, kAxisMax);
  if (!(hi > lo)) hi = lo + std::max(1.0, std::fabs(lo));  // a flat series; "+ 1" is lost on 1e17
  // Round ticks: a step of 1, 2, 2.5 or 5 times a power of ten, four to six of them.
  const double raw = (hi - lo) / 4, mag = std::pow(10.0, std::floor(std::log10(raw))), f = raw / mag;
  const double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  lo = std::floor(lo / step) * step;
  hi = std::ceil(hi / step) * step;
  auto y = [&](double v) {  // within the plot
    const double yy = ph - (v - lo) / (hi - lo) * ph;
    return std::isnan(yy) ? ph : std::clamp(yy, 0.0, ph);
  };
  auto x = [&](int64_t t) { return kL + double(t - in.span.first) / len * pw; };
  std::string o;
  o.reserve(8192);
  o += "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 " + Printf("%.0f", kW) + " " +
       Printf("%.0f", kH) + "\" role=\"img\" aria-label=\"" + E(s.key + " " + s.label) + "\">";
  for (const Span& c : in.closed_days)
    o += "<rect class=\"closed\" x=\"" + Printf("%.1f", x(c.first)) + "\" y=\"" + Printf("%.0f", kT) +
         "\" width=\"" + Printf("%.1f", x(c.second) - x(c.first)) + "\" height=\"" + Printf("%.0f", ph) + "\"/>";
  for (int k = 0; lo + step * k <= hi + step / 2; ++k) {
    const double v = lo + step * k, yy = kT + y(v);
    o += "<line class=\"grid\" x1=\"" + Printf("%.0f", kL) + "\" x2=\"" + Printf("%.0f", kL + pw) + "\" y1=\"" +
         Printf("%.1f", yy) + "\" y2=\"" + Printf("%.1f", yy) + "\"/>";
    o += "<text x=\"" + Printf("%.0f", kL - 3) + "\" y=\"" + Printf("%.1f", yy + 3) + "\" text-anchor=\"end\">" +
         Printf("%g", v) + "</text>";
  }
  // Day ticks: the 1st, 8th, 15th, 22nd and 29th at local midnight.
  for (Day d = LocalDay(in.span.first, in.zone); MidnightMs(d, in.zone) < in.span.second; d += date::days{1}) {
    const Ymd ymd = ToYmd(d);
    if ((ymd.d - 1) % 7 != 0) continue;
    const double xx = x(std::max(in.span.first, MidnightMs(d, in.zone)));
    o += "<line class=\"axis\" x1=\"" + Printf("%.1f", xx) + "\" x2=\"" + Printf("%.1f", xx) + "\" y1=\"" +
         Printf("%.0f", kT + ph) + "\" y2=\"" + Printf("%.0f", kT + ph + 4) + "\"/>";
    o += "<text x=\"" + Printf("%.1f", xx) + "\" y=\"" + Printf("%.0f", kH - 4) + "\" text-anchor=\"middle\">" +
         std::to_string(ymd.m) + "/" + std::to_string(ymd.d) + "</text>";
  }
  o += "<line class=\"axis\" x1=\"" + Printf("%.0f", kL) + "\" x2=\"" + Printf("%.0f", kL + pw) + "\" y1=\"" +
       Printf("%.0f", kT + ph) + "\" y2=\"" + Printf("%.0f", kT + ph) + "\"/>";
  // The data, in bucket units scaled to the plot: short integer coordinates keep big months small.
  const size_t n = s.buckets.size();
  o += "<g transform=\"translate(" + Printf("%.0f", kL) + " " + Printf("%.0f", kT) + ") scale(" +
       Printf("%.5f", pw / double(n)) + " 1)\">";
  for (size_t i = 0; i < n;) {
    if (s.buckets[i].count == 0) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && s.buckets[j].count > 0) ++j;  // a run of buckets with data
    std::vector<std::pair<size_t, long>> upper, lower, avg;
    for (size_t k = i; k < j; ++k) {
      const auto& b = s.buckets[k];
      upper.emplace_back(k, std::lround(y(b.max)));
      lower.emplace_back(k, std::lround(y(b.min)));
      avg.emplace_back(k, std::lround(y(b.sum / double(b.count))));
    }
    if (j - i == 1) {  // one bucket: a bar as wide as the bucket
      upper.emplace_back(j, upper.back().second);
      lower.emplace_back(j, lower.back().second);
    }
    std::reverse(lower.begin(), lower.end());
    std::string band = Points(upper) + " " + Points(lower);
    o += "<polygon class=\"band\" points=\"" + band + "\"/>";
    if (j - i > 1) o += "<polyline class=\"avg\" vector-effect=\"non-scaling-stroke\" points=\"" + Points(avg) + "\"/>";
    i = j;
  }
  o += "</g>";
  auto threshold = [&](const std::optional<double>& v, const char* cls) {
    if (!v) return;
    const double yy = kT + y(*v);
    o += "<line class=\"" + std::string(cls) + "\" x1=\"" + Printf("%.0f", kL) + "\" x2=\"" +
         Printf("%.0f", kL + pw) + "\" y1=\"" + Printf("%.1f", yy) + "\" y2=\"" + Printf("%.1f", yy) + "\"/>";
  };
  threshold(s.thresholds.warning, "warn");
  threshold(s.thresholds.critical, "crit");
  o += "</svg>";
  return o;
}

/// The runbook as a link when it is a safe URL, else as text.
std::string Runbook(const std::string& runbook) {
  const std::string href = html::SafeHref(runbook);
  if (href.empty()) return E(runbook);
  return "<a href=\"" + href + "\">" + E(runbook) + "</a>";
}

}  // namespace

std::string RenderHtml(const Report& r, const std::string& lang) {
  const bool ja = lang == "ja";
  const Words& w = ja ? kJa : kEn;
  const Input& in = r.input;
  const bool biz = !in.calendar.empty();
  const std::string zone = in.zone ? in.zone->name() : "UTC";
  std::string o;
  o.reserve(64 * 1024 + r.series.size() * 8192);
  o += "<!DOCTYPE html>\n<html lang=\"" + std::string(ja ? "ja" : "en") + "\">\n<head>\n<meta charset=\"utf-8\">\n";
  o += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  o += "<title>" + E(std::string(w.title) + " " + in.month) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  o += "<h1>" + E(std::string(w.title) + " " + in.month) + "</h1>\n<p class=\"meta\">" + w.period + ": " +
       E(LocalTime(in.span.first, in.zone)) + " – " + E(LocalTime(in.span.second, in.zone));
  if (r.data_end_ms < in.span.second) o += " (" + std::string(w.generated_until) + " " + E(LocalTime(r.data_end_ms, in.zone)) + ")";
  o += " · " + std::string(w.zone) + ": " + E(zone) + " · " + w.calendar + ": " + (biz ? E(in.calendar) : w.none) +
       " · " + w.scope + ": " + (in.scope.empty() ? w.all : E(in.scope)) + "</p>\n";

  // Summary.
  int open_incidents = 0;
  for (const Incident& i : r.incidents) open_incidents += i.end_ms == 0;
  auto card = [&](const std::string& value, const char* label, const std::string& note = "") {
    o += "<div class=\"card\"><b>" + value + "</b><span>" + label + (note.empty() ? "" : " · " + note) + "</span></div>";
  };
  o += "<h2>" + std::string(w.summary) + "</h2>\n<div class=\"cards\" id=\"summary\">";
  card(std::to_string(r.monitors.size()), w.monitors, std::to_string(r.instances.size()) + " " + w.instances);
  card(std::to_string(r.nodes.size()), w.nodes);
  card(Percent(r.total.all.Availability()), w.availability);
  if (biz) card(Percent(r.total.business.Availability()), w.business_availability);
  card(std::to_string(r.incidents.size()), w.incidents, std::to_string(open_incidents) + " " + w.open_incidents);
  card(r.mttr_ms ? Dur(*r.mttr_ms, ja) : "-", w.mttr);
  card(std::to_string(r.notifications_sent), w.notifications,
       std::to_string(r.notifications_failed) + " " + w.failed);
  o += "</div>\n<p class=\"note\">" + std::string(w.definitions) + "</p>\n";

  auto table = [&](const std::vector<Availability>& rows, const char* title, const char* first, const char* id) {
    o += "<h3>" + std::string(title) + "</h3>\n<table id=\"" + id + "\"><thead><tr><th>" + first + "</th><th>" +
         w.instances + "</th><th>" + w.ok + "</th><th>" + w.warning + "</th><th>" + w.critical + "</th><th>" +
         w.unknown + "</th><th>" + w.no_data + "</th><th>" + w.availability + "</th>";
    if (biz) o += "<th>" + std::string(w.business_availability) + "</th>";
    o += "</tr></thead><tbody>\n";
    for (const Availability& a : rows) {
      o += "<tr><td>" + E(a.key) + "</td><td class=\"n\">" + std::to_string(a.instances) + "</td>";
      for (int64_t t : {a.all.ok, a.all.warning, a.all.critical, a.all.unknown, a.all.no_data})
        o += "<td class=\"n\">" + Dur(t, ja) + "</td>";
      o += "<td class=\"n\">" + Percent(a.all.Availability()) + "</td>";
      if (biz) o += "<td class=\"n\">" + Percent(a.business.Availability()) + "</td>";
      o += "</tr>\n";
    }
    o += "</tbody></table>\n";
  };
  table(r.monitors, w.by_monitor, w.monitor, "by-monitor");
  if (!r.nodes.empty()) table(r.nodes, w.by_node, w.node, "by-node");

  // Incidents.
  o += "<h2>" + std::string(w.incidents) + "</h2>\n";
  if (r.incidents.empty()) {
    o += "<p id=\"incidents\">" + std::string(w.no_incidents) + "</p>\n";
  } else {
    o += "<table id=\"incidents\"><thead><tr><th>" + std::string(w.start) + "</th><th>" + w.end + "</th><th>" +
         w.duration + "</th><th>" + w.node + "</th><th>" + w.monitor + "</th><th>" + w.state + "</th><th>" +
         w.message + "</th><th>" + w.notified + "</th><th>" + w.runbook + "</th></tr></thead><tbody>\n";
    for (const Incident& i : r.incidents) {
      o += "<tr class=\"incident " + i.state + "\"><td class=\"n\">" + E(LocalTime(i.start_ms, in.zone)) +
           "</td><td class=\"n\">" + (i.end_ms ? E(LocalTime(i.end_ms, in.zone)) : std::string(w.open)) +
           "</td><td class=\"n\">" + Dur(i.duration_ms, ja) + "</td><td>" + E(i.node) + "</td><td>" + E(i.monitor) +
           "</td><td class=\"state\">" +
           (i.state == "critical" ? w.critical : i.state == "warning" ? w.warning : w.unknown) +
           "</td><td class=\"summary\">" + E(i.summary) + "</td><td>";
      if (!i.notifications.empty()) {
        o += "<ul class=\"sent\">";
        constexpr size_t kShown = 8;
        for (size_t k = 0; k < i.notifications.size() && k < kShown; ++k) {
          const Notification& n = i.notifications[k];
          o += "<li>" + E(LocalTime(n.time_ms, in.zone).substr(11)) + " " + E(n.channel) +
               (n.channel_type.empty() ? "" : " (" + E(n.channel_type) + ")") + ": " + E(n.outcome) + "</li>";
        }
        if (i.notifications.size() > kShown)
          o += "<li>+" + std::to_string(i.notifications.size() - kShown) + " " + w.more + "</li>";
        o += "</ul>";
      }
      o += "</td><td>" + Runbook(i.runbook) + "</td></tr>\n";
    }
    o += "</tbody></table>\n";
  }

  // Graphs, per node.
  o += "<h2>" + std::string(w.graphs) + "</h2>\n";
  if (r.series.empty()) o += "<p>" + std::string(w.no_graphs) + "</p>\n";
  else if (!in.closed_days.empty()) o += "<p class=\"note\">" + std::string(w.closed) + "</p>\n";
  for (size_t i = 0; i < r.series.size();) {
    const std::string& node = r.series[i].node;
    o += "<section class=\"node\" data-node=\"" + E(node) + "\"><h3>" + (node.empty() ? w.no_node : E(node)) +
         "</h3>\n<div class=\"charts\">\n";
    for (; i < r.series.size() && r.series[i].node == node; ++i) {
      const Series& s = r.series[i];
      const std::string u = s.uom.empty() ? "" : " " + E(s.uom);
      o += "<figure>" + Chart(s, r) + "<figcaption><b>" + E(s.monitor) + " · " + E(s.label) + "</b> " + w.min +
           " " + Num(s.min) + u + " · " + w.avg + " " + Num(s.avg) + u + " · " + w.max + " " + Num(s.max) + u +
           " · " + w.p95 + " " + (s.p95 ? Num(*s.p95) + u : "-") + " · " + std::to_string(s.count) + " " +
           w.samples + "</figcaption></figure>\n";
    }
    o += "</div></section>\n";
  }
  o += "</body>\n</html>\n";
  return o;
}

namespace {

nlohmann::ordered_json Times(const StateTimes& t) {
  return {{"ok_ms", t.ok}, {"warning_ms", t.warning}, {"critical_ms", t.critical}, {"unknown_ms", t.unknown},
          {"no_data_ms", t.no_data}};
}

nlohmann::ordered_json OrNull(const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nullptr; }

nlohmann::ordered_json AvailabilityJson(const Availability& a, bool biz) {
  nlohmann::ordered_json j;
  j["key"] = a.key;
  if (!a.monitor.empty()) j["monitor"] = a.monitor;
  if (!a.node.empty()) j["node"] = a.node;
  j["instances"] = a.instances;
  j["time"] = Times(a.all);
  j["availability"] = OrNull(a.all.Availability());
  if (biz) {
    j["business_time"] = Times(a.business);
    j["business_availability"] = OrNull(a.business.Availability());
  }
  return j;
}

}  // namespace

std::string RenderJson(const Report& r) {
  using J = nlohmann::ordered_json;
  const Input& in = r.input;
  const bool biz = !in.calendar.empty();
  J j;
  j["month"] = in.month;
  j["from"] = Rfc3339(in.span.first, in.zone);
  j["until"] = Rfc3339(in.span.second, in.zone);
  j["data_until"] = Rfc3339(r.data_end_ms, in.zone);
  j["zone"] = in.zone ? in.zone->name() : "UTC";
  j["calendar"] = biz ? J(in.calendar) : J(nullptr);
  int open = 0;
  for (const Incident& i : r.incidents) open += i.end_ms == 0;
  J s;
  s["monitors"] = r.monitors.size();
  s["nodes"] = r.nodes.size();
  s["instances"] = r.instances.size();
  s["time"] = Times(r.total.all);
  s["availability"] = OrNull(r.total.all.Availability());
  if (biz) {
    s["business_time"] = Times(r.total.business);
    s["business_availability"] = OrNull(r.total.business.Availability());
  }
  s["incidents"] = r.incidents.size();
  s["open_incidents"] = open;
  s["mttr_ms"] = r.mttr_ms ? J(*r.mttr_ms) : J(nullptr);
  s["notifications_sent"] = r.notifications_sent;
  s["notifications_failed"] = r.notifications_failed;
  j["summary"] = s;
  auto list = [&](const std::vector<Availability>& rows) {
    J out = J::array();
    for (const Availability& a : rows) out.push_back(AvailabilityJson(a, biz));
    return out;
  };
  j["monitors"] = list(r.monitors);
  j["nodes"] = list(r.nodes);
  j["instances"] = list(r.instances);
  J incidents = J::array();
  for (const Incident& i : r.incidents) {
    J x;
    x["key"] = i.key;
    x["monitor"] = i.monitor;
    x["node"] = i.node;
    x["state"] = i.state;
    x["start"] = Rfc3339(i.start_ms, in.zone);
    x["end"] = i.end_ms ? J(Rfc3339(i.end_ms, in.zone)) : J(nullptr);
    x["duration_ms"] = i.duration_ms;
    x["summary"] = i.summary;
    x["runbook"] = i.runbook;
    J sent = J::array();
    for (const Notification& n : i.notifications)
      sent.push_back({{"time", Rfc3339(n.time_ms, in.zone)}, {"channel", n.channel}, {"channel_type", n.channel_type},
                      {"outcome", n.outcome}, {"reason", n.reason}, {"route", n.route}});
    x["notifications"] = sent;
    incidents.push_back(x);
  }
  j["incidents"] = incidents;
  J series = J::array();
  for (const Series& x : r.series) {
    series.push_back({{"key", x.key}, {"monitor", x.monitor}, {"node", x.node}, {"label", x.label}, {"uom", x.uom},
                      {"count", x.count}, {"min", x.min}, {"avg", x.avg}, {"max", x.max}, {"p95", OrNull(x.p95)},
                      {"warning", OrNull(x.thresholds.warning)}, {"critical", OrNull(x.thresholds.critical)}});
  }
  j["series"] = series;
  // Invalid UTF-8 in a summary becomes U+FFFD rather than failing the report.
  return j.dump(2, ' ', false, J::error_handler_t::replace) + "\n";
}

namespace {

/// A CSV field: valid UTF-8, quoted when it holds a comma, quote or line break. Text that a
/// spreadsheet would take for a formula (starting with =, +, -, @, tab or carriage return: CSV
/// injection) gets a leading apostrophe, so it opens as the text it is.
std::string Field(const std::string& s) {
  std::string v = html::ValidUtf8(s);
  if (!v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos) v.insert(0, 1, '\'');
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string q = "\"";
  for (char c : v) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

std::string Real(const std::optional<double>& v) { return v ? Printf("%.6g", *v) : ""; }

}  // namespace

std::string RenderCsv(const Report& r) {
  const Input& in = r.input;
  const bool biz = !in.calendar.empty();
  std::string o =
      "record,key,monitor,node,label,value,state,start,end,duration_ms,ok_ms,warning_ms,critical_ms,unknown_ms,"
      "no_data_ms,availability,business_availability,uom,count,min,avg,max,p95,warning,critical,summary,runbook,"
      "notified\n";
  auto row = [&](std::vector<std::string> f) {
    f.resize(28);
    for (size_t i = 0; i < f.size(); ++i) o += (i ? "," : "") + f[i];
    o += "\n";
  };
  int open = 0;
  for (const Incident& i : r.incidents) open += i.end_ms == 0;
  auto figure = [&](const char* name, const std::string& value) { row({"summary", "", "", "", name, value}); };
  figure("monitors", std::to_string(r.monitors.size()));
  figure("nodes", std::to_string(r.nodes.size()));
  figure("instances", std::to_string(r.instances.size()));
  figure("availability", Real(r.total.all.Availability()));
  if (biz) figure("business_availability", Real(r.total.business.Availability()));
  figure("incidents", std::to_string(r.incidents.size()));
  figure("open_incidents", std::to_string(open));
  figure("mttr_ms", r.mttr_ms ? std::to_string(*r.mttr_ms) : "");
  figure("notifications_sent", std::to_string(r.notifications_sent));
  figure("notifications_failed", std::to_string(r.notifications_failed));
  auto times = [&](const char* record, const Availability& a) {
    row({record, Field(a.key), Field(a.monitor), Field(a.node), "", std::to_string(a.instances), "", "", "", "",
         std::to_string(a.all.ok), std::to_string(a.all.warning), std::to_string(a.all.critical),
         std::to_string(a.all.unknown), std::to_string(a.all.no_data), Real(a.all.Availability()),
         biz ? Real(a.business.Availability()) : ""});
  };
  for (const Availability& a : r.monitors) times("monitor", a);
  for (const Availability& a : r.nodes) times("node", a);
  for (const Availability& a : r.instances) times("instance", a);
  for (const Incident& i : r.incidents) {
    std::string sent;
    for (const Notification& n : i.notifications) sent += (sent.empty() ? "" : ";") + n.channel + ":" + n.outcome;
    std::vector<std::string> f(28);
    f[0] = "incident";
    f[1] = Field(i.key);
    f[2] = Field(i.monitor);
    f[3] = Field(i.node);
    f[6] = i.state;
    f[7] = Rfc3339(i.start_ms, in.zone);
    f[8] = i.end_ms ? Rfc3339(i.end_ms, in.zone) : "";
    f[9] = std::to_string(i.duration_ms);
    f[25] = Field(i.summary);
    f[26] = Field(i.runbook);
    f[27] = Field(sent);
    row(f);
  }
  for (const Series& s : r.series) {
    std::vector<std::string> f(28);
    f[0] = "series";
    f[1] = Field(s.key);
    f[2] = Field(s.monitor);
    f[3] = Field(s.node);
    f[4] = Field(s.label);
    f[17] = Field(s.uom);
    f[18] = std::to_string(s.count);
    f[19] = Real(s.min);
    f[20] = Real(s.avg);
    f[21] = Real(s.max);
    f[22] = Real(s.p95);
    f[23] = Real(s.thresholds.warning);
    f[24] = Real(s.thresholds.critical);
    row(f);
  }
  return o;
}

}  // namespace hops::mon::report
