// bench_report_month: a generated month of monitoring for `hmon-check report` (November 2026,
// Asia/Tokyo). Writes into DIR an inventory of NODES nodes, a monitor file of MONITORS monitors
// per node (web, api, db, ping, cpu, memory, disk, load, swap, queue: the first MONITORS of
// them), a business calendar, and DIR/state/state.db holding, for every check, a sample of its
// graphed measure every INTERVAL seconds (with their hourly and daily roll-ups), a few outages
// as status changes, and the notifications hnotify would have logged for them.
// Samples are written straight into the perfdata tables in one ordered pass (the state store
// creates them first); status changes and notifications go through the state store's API.
// Usage: bench_report_month DIR [NODES [MONITORS [INTERVAL_S [SEED]]]]
// Run by scripts/bench/report.sh and examples/report/make-sample.sh.
#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "common/state.hpp"

namespace {

constexpr int64_t kMinMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinMs;
constexpr int64_t kDayMs = 24 * kHourMs;
/// 2026-11-01T00:00+09:00.
constexpr int64_t kMonthMs = 1'793'458'800'000;
constexpr int64_t kMonthEndMs = kMonthMs + 30 * kDayMs;

/// A small deterministic generator.
struct Lcg {
  uint64_t s;
  uint64_t Next() {
    s = s * 6364136223846793005ULL + 1442695040888963407ULL;
    return s >> 33;
  }
  double Unit() { return double(Next() % 1000000) / 1e6; }  ///< in [0, 1)
  int64_t Below(int64_t n) { return int64_t(Next() % uint64_t(n)); }
};

/// One kind of monitor: its definition and how its graphed measure behaves.
struct Kind {
  const char* id;
  const char* yaml;   ///< the definition's keys after the type
  const char* label;  ///< the graphed perfdata label
  const char* uom;
  double base, daily, noise, trend;  ///< value = base + daily * (business-hours wave) + noise + trend * t
  const char* problem;               ///< a summary when it fails
};

const Kind kKinds[] = {
    {"web", "type: http\n    target: \"http://{{node.address}}/\"\n    thresholds: {time: {warning: 1s, critical: 3s}}\n"
            "    runbook: \"https://wiki.example.com/runbooks/web?node={{node.id}}\"",
     "time", "s", 0.12, 0.25, 0.05, 0, "CRITICAL - GET http://{{node}}/ timed out after 10s"},
    {"api", "type: https\n    target: \"https://{{node.address}}/api/health\"\n    runbook: \"https://wiki.example.com/runbooks/api\"",
     "time", "s", 0.08, 0.1, 0.03, 0, "CRITICAL - HTTP 503 Service Unavailable"},
    {"db", "type: tcp\n    target: \"{{node.address}}:5432\"\n    runbook: \"DB 担当に電話 (内線 2301)、その後 runbook/db.md\"",
     "time", "s", 0.002, 0.002, 0.001, 0, "CRITICAL - connection refused"},
    {"ping", "type: ping\n    thresholds: {rta: {warning: 100, critical: 300}}", "rta", "ms", 0.4, 0.3, 0.2, 0,
     "CRITICAL - 100% packet loss"},
    {"cpu", "type: cpu\n    warning: 80\n    critical: 95", "busy_pct", "%", 15, 45, 8, 0, "WARNING - cpu busy 86%"},
    {"memory", "type: memory\n    warning: 85\n    critical: 95", "used_pct", "%", 55, 10, 2, 8,
     "WARNING - memory used 87%"},
    {"disk", "type: disk\n    target: /\n    warning: 80\n    critical: 90", "used_pct", "%", 62, 0.5, 0.2, 14,
     "WARNING - / 81% used"},
    {"load", "type: load\n    warning: 4\n    critical: 8", "load1", "", 0.4, 2.2, 0.4, 0, "CRITICAL - load 9.1"},
    {"swap", "type: swap", "used_pct", "%", 3, 1, 0.5, 0, "WARNING - swap used 60%"},
    {"queue", "type: command\n    command: [/usr/lib/nagios/plugins/check_queue]\n    report: [depth]", "depth", "",
     10, 120, 15, 0, "CRITICAL - queue depth 5000"},
};

void Die(const std::string& what) {
  std::fprintf(stderr, "bench_report_month: %s\n", what.c_str());
  std::exit(1);
}

void Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) Die(std::string(sql) + ": " + (err ? err : "?"));
}

void Write(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) Die("cannot write " + path);
}

/// How busy the hour of @p t_ms is: 1 in Tokyo business hours on weekdays, lower at night.
double Wave(int64_t t_ms) {
  const int64_t local = t_ms + 9 * kHourMs;
  const double hour = double(local % kDayMs) / double(kHourMs);
  const int weekday = int((local / kDayMs + 4) % 7);
  const double day = std::max(0.0, std::sin((hour - 7) / 12 * M_PI));
  return weekday == 0 || weekday == 6 ? day * 0.2 : day;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) Die("usage: bench_report_month DIR [NODES [MONITORS [INTERVAL_S [SEED]]]]");
  const std::string dir = argv[1];
  const int nodes = argc > 2 ? std::atoi(argv[2]) : 100;
  const int monitors = argc > 3 ? std::atoi(argv[3]) : 10;
  const int64_t interval = (argc > 4 ? std::atoll(argv[4]) : 300) * 1000;
  Lcg rng{uint64_t(argc > 5 ? std::atoll(argv[5]) : 1)};
  const int kinds = int(sizeof kKinds / sizeof kKinds[0]);
  if (nodes < 1 || monitors < 1 || monitors > kinds || interval <= 0) Die("bad arguments");

  std::string inv = "version: 1\nnodes:\n", mon = "version: 1\nmonitors:\n";
  std::vector<std::string> node_ids;
  for (int n = 0; n < nodes; ++n) {
    char id[32];
    std::snprintf(id, sizeof id, "%s%03d", n % 2 ? "db" : "web", n + 1);
    node_ids.push_back(id);
    inv += "  " + std::string(id) + ": {address: 10.0." + std::to_string(n / 250) + "." + std::to_string(n % 250 + 1) +
           ", scopes: [prod/" + (n % 2 ? "db" : "web") + "]}\n";
  }
  for (int k = 0; k < monitors; ++k) mon += "  " + std::string(kKinds[k].id) + ":\n    scope: prod\n    " + kKinds[k].yaml + "\n";
  Write(dir + "/inventory.yaml", inv);
  Write(dir + "/monitors.yaml", mon);
  Write(dir + "/calendars.yaml",
        "version: 1\ncalendars:\n  biz:\n    timezone: Asia/Tokyo\n    weekdays: mon-fri\n    holidays: [jp]\n"
        "    hours: \"09:00-18:00\"\n");

  const auto t0 = std::chrono::steady_clock::now();
  const std::string db_path = dir + "/state/state.db";
  std::system(("mkdir -p '" + dir + "/state'").c_str());
  auto store = hops::StateStore::Open(db_path);

  // Outages, their status changes and notifications.
  std::vector<hops::StatusChange> changes;
  std::vector<hops::Delivery> deliveries;
  auto deliver = [&](const std::string& key, int64_t t, const char* status, const char* reason, const char* channel,
                     const char* type, const char* outcome) {
    hops::Delivery d;
    d.time_ms = t;
    d.event_key = "hmon-check/" + key;
    d.event_kind = "monitor.result";
    d.event_status = status;
    d.reason = reason;
    d.route = "ops";
    d.channel = channel;
    d.channel_type = type;
    d.outcome = outcome;
    deliveries.push_back(d);
  };
  for (int n = 0; n < nodes; ++n) {
    for (int k = 0; k < monitors; ++k) {
      const std::string key = std::string(kKinds[k].id) + "/" + node_ids[n];
      changes.push_back({key, kMonthMs - 40 * kDayMs, "", "ok", "OK"});
      const int outages = rng.Below(10) < 7 ? 0 : 1 + int(rng.Below(3));
      int64_t t = kMonthMs;
      for (int i = 0; i < outages; ++i) {
        const int64_t start = t + (1 + rng.Below(9 * 24 * 60)) * kMinMs;
        const int64_t len = (5 + rng.Below(rng.Below(4) == 0 ? 600 : 60)) * kMinMs;
        if (start >= kMonthEndMs) break;
        std::string summary = kKinds[k].problem;
        if (const size_t p = summary.find("{{node}}"); p != std::string::npos) summary.replace(p, 8, node_ids[n]);
        const char* state = summary.rfind("WARNING", 0) == 0 ? "warning" : "critical";
        changes.push_back({key, start, "ok", state, summary});
        deliver(key, start + 20'000, state, "problem", "ops-mail", "email", "sent");
        deliver(key, start + 21'000, state, "problem", "ops-slack", "slack", rng.Below(8) ? "sent" : "fallback");
        const bool open = start + len >= kMonthEndMs;
        if (!open) {
          changes.push_back({key, start + len, state, "ok", "OK - recovered"});
          deliver(key, start + len + 20'000, "ok", "recovery", "ops-mail", "email", "sent");
        }
        t = start + len;
      }
    }
  }
  store->AppendStatusChanges(changes);
  store->AppendDeliveries(deliveries);
  store.reset();

  // Perfdata: one series per check, written in (time, series) order as runs would.
  sqlite3* db = nullptr;
  if (sqlite3_open(db_path.c_str(), &db) != SQLITE_OK) Die("cannot open " + db_path);
  Exec(db, "PRAGMA synchronous = OFF");
  Exec(db, "BEGIN");
  std::vector<int64_t> ids;
  {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO perf_series (key, label, uom) VALUES (?1, ?2, ?3)", -1, &s, nullptr);
    for (int n = 0; n < nodes; ++n) {
      for (int k = 0; k < monitors; ++k) {
        const std::string key = std::string(kKinds[k].id) + "/" + node_ids[n];
        sqlite3_bind_text(s, 1, key.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 2, kKinds[k].label, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, kKinds[k].uom, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) Die(sqlite3_errmsg(db));
        sqlite3_reset(s);
        ids.push_back(sqlite3_last_insert_rowid(db));
      }
    }
    sqlite3_finalize(s);
  }
  int64_t samples = 0;
  {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT INTO perf_raw (time_ms, series, value) VALUES (?1, ?2, ?3)", -1, &s, nullptr);
    for (int64_t t = kMonthMs; t < kMonthEndMs; t += interval) {
      const double wave = Wave(t), progress = double(t - kMonthMs) / double(kMonthEndMs - kMonthMs);
      for (size_t i = 0; i < ids.size(); ++i) {
        const Kind& k = kKinds[i % size_t(monitors)];
        const double node_factor = 0.7 + 0.6 * double((i / size_t(monitors)) % 7) / 6;
        double v = k.base * node_factor + k.daily * wave * node_factor + k.noise * (rng.Unit() - 0.5) * 2 +
                   k.trend * progress;
        if (rng.Below(2000) == 0) v += k.daily * 3;  // a spike now and then
        sqlite3_bind_int64(s, 1, t);
        sqlite3_bind_int64(s, 2, ids[i]);
        if (std::string(k.uom) == "%") v = std::min(100.0, v);
        sqlite3_bind_double(s, 3, std::max(0.0, v));
        if (sqlite3_step(s) != SQLITE_DONE) Die(sqlite3_errmsg(db));
        sqlite3_reset(s);
        ++samples;
      }
    }
    sqlite3_finalize(s);
  }
  Exec(db,
       "INSERT INTO perf_hourly (bucket_ms, series, min, max, sum, count)"
       " SELECT time_ms - time_ms % 3600000, series, min(value), max(value), sum(value), count(value)"
       " FROM perf_raw GROUP BY 1, 2");
  Exec(db,
       "INSERT INTO perf_daily (bucket_ms, series, min, max, sum, count)"
       " SELECT bucket_ms - bucket_ms % 86400000, series, min(min), max(max), sum(sum), sum(count)"
       " FROM perf_hourly GROUP BY 1, 2");
  Exec(db, "COMMIT");
  sqlite3_close(db);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("generated %d checks, %lld samples, %zu status changes, %zu notifications in %.1f s\n",
              nodes * monitors, static_cast<long long>(samples), changes.size(), deliveries.size(), secs);
  return 0;
}
