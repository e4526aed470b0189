// bench_state_size: how big hmon-check's history grows and what a run costs as it grows.
// Simulates runs of CHECKS checks with MEASURES perfdata labels each, every INTERVAL seconds for
// DAYS days of a fake clock, through the state store calls a run makes (AppendPerfSamples and
// MaintainMonitorHistory with the default retention; statuses once a day), then prints the bytes each table takes,
// the bytes per check and year, and the time a run's writes take with empty and with full
// history. The same samples go into the layout of hmon-check schema version 1 (perf_sample with
// two indexes, never pruned) for OLD_DAYS days, for comparison.
// Usage: bench_state_size DIR [CHECKS [MEASURES [INTERVAL_S [DAYS [OLD_DAYS]]]]]
// Run by scripts/bench/state-size.sh.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/state.hpp"

namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kDayMs = 86'400'000;
/// 2030-01-01T00:00:00Z: where the simulated year starts.
constexpr int64_t kStartMs = 1'893'456'000'000;

/// The median of @p v in microseconds.
double MedianUs(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

/// A raw connection for the statistics and the old layout.
struct Db {
  sqlite3* db = nullptr;
  explicit Db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
      std::fprintf(stderr, "cannot open %s\n", path.c_str());
      std::exit(1);
    }
  }
  ~Db() { sqlite3_close(db); }
  void Exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::fprintf(stderr, "%s: %s\n", sql, err ? err : "?");
      std::exit(1);
    }
  }
  /// Rows of @p sql as (text, integer) pairs.
  std::vector<std::pair<std::string, int64_t>> Pairs(const char* sql) {
    std::vector<std::pair<std::string, int64_t>> out;
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
      std::exit(1);
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(s, 0);
      out.emplace_back(t ? reinterpret_cast<const char*>(t) : "", sqlite3_column_int64(s, 1));
    }
    sqlite3_finalize(s);
    return out;
  }
  /// The integer in the first column of the first row of @p sql.
  int64_t Int(const char* sql) {
    sqlite3_stmt* s = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK) {
      std::fprintf(stderr, "%s: %s\n", sql, sqlite3_errmsg(db));
      std::exit(1);
    }
    const int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    return v;
  }
};

/// A measured value: perfdata that moves like a response time or a size.
double Value(int check, int measure, int64_t run) {
  const uint64_t h = (static_cast<uint64_t>(run) * 2654435761u) ^ (check * 40503u + measure);
  return measure == 0 ? 0.05 + static_cast<double>(h % 1000) / 4000.0
                      : static_cast<double>(4096 + h % 65536);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr,
                 "usage: bench_state_size DIR [CHECKS [MEASURES [INTERVAL_S [DAYS [OLD_DAYS]]]]]\n");
    return 2;
  }
  const std::string dir = argv[1];
  const int checks = argc > 2 ? std::atoi(argv[2]) : 20;
  const int measures = argc > 3 ? std::atoi(argv[3]) : 2;
  const int64_t interval_ms = (argc > 4 ? std::atoll(argv[4]) : 60) * 1000;
  const int days = argc > 5 ? std::atoi(argv[5]) : 365;
  const int old_days = argc > 6 ? std::atoi(argv[6]) : 30;
  const int64_t runs = days * kDayMs / interval_ms;
  const int64_t runs_per_day = kDayMs / interval_ms;

  std::vector<std::string> keys, labels;
  for (int c = 0; c < checks; ++c) keys.push_back("web-" + std::to_string(c) + "/node" + std::to_string(c % 7));
  for (int m = 0; m < measures; ++m) labels.push_back(m == 0 ? "time" : "size" + std::to_string(m));
  auto run_samples = [&](int64_t run, int64_t t) {
    std::vector<hops::PerfSample> samples;
    for (int c = 0; c < checks; ++c)
      for (int m = 0; m < measures; ++m)
        samples.push_back({keys[c], labels[m], t, Value(c, m, run), m == 0 ? "s" : "B"});
    return samples;
  };

  // hmon-check schema version 2, through the store.
  const std::string path = dir + "/state.db";
  int64_t t = kStartMs;
  hops::StateOptions opts;
  opts.components = {hops::kStateMonitor};
  opts.now_ms = [&t] { return t; };
  auto store = hops::StateStore::Open(path, opts);
  const hops::MonitorHistoryPolicy policy;
  // Microseconds of each run's AppendPerfSamples, MaintainMonitorHistory and both, on the first
  // day (but the first run, which creates the series) and the last.
  std::vector<double> early_us[3], late_us[3];
  for (int64_t run = 0; run < runs; ++run) {
    t = kStartMs + run * interval_ms;
    if (run % runs_per_day == 0) {
      // The statuses say the checks are alive (a run saves them every time; once a day is
      // enough for MaintainMonitorHistory, and their cost does not depend on the history).
      std::vector<hops::MonitorStatus> statuses;
      for (const std::string& key : keys) {
        hops::MonitorStatus m;
        m.key = key;
        m.state = m.hard_state = "ok";
        m.last_check_ms = t;
        statuses.push_back(m);
      }
      store->PutMonitorStatuses(statuses);
    }
    const std::vector<hops::PerfSample> samples = run_samples(run, t);
    const auto t0 = Clock::now();
    store->AppendPerfSamples(samples);
    const auto t1 = Clock::now();
    store->MaintainMonitorHistory(t, policy);
    const auto t2 = Clock::now();
    const double us[3] = {std::chrono::duration<double, std::micro>(t1 - t0).count(),
                          std::chrono::duration<double, std::micro>(t2 - t1).count(),
                          std::chrono::duration<double, std::micro>(t2 - t0).count()};
    for (int k = 0; k < 3; ++k) {
      if (run >= 1 && run <= std::min<int64_t>(runs_per_day, 500)) early_us[k].push_back(us[k]);
      if (run >= runs - std::min<int64_t>(runs_per_day, 500)) late_us[k].push_back(us[k]);
    }
  }
  store.reset();

  Db db(path);
  db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  const int64_t page = db.Int("PRAGMA page_size");
  const int64_t file_pages = db.Int("PRAGMA page_count");
  const int64_t free_pages = db.Int("PRAGMA freelist_count");
  std::map<std::string, int64_t> bytes;  // table (with its indexes) -> bytes of its pages
  for (const auto& [name, size] :
       db.Pairs("SELECT coalesce(m.tbl_name, d.name), sum(d.pgsize) FROM dbstat d"
                " LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1")) {
    bytes[name] += size;
  }
  std::map<std::string, int64_t> rows;
  for (const char* table : {"perf_raw", "perf_hourly", "perf_daily", "perf_series", "monitor_status"}) {
    rows[table] = db.Int((std::string("SELECT count(*) FROM ") + table).c_str());
  }
  const int64_t series = static_cast<int64_t>(checks) * measures;
  std::printf("simulated: %d checks x %d measures every %llds for %d days (%lld runs, %lld samples)\n",
              checks, measures, static_cast<long long>(interval_ms / 1000), days,
              static_cast<long long>(runs), static_cast<long long>(runs * series));
  std::printf("retention: raw %s, hourly %s, daily %s (defaults)\n", "62d", "400d", "1830d");
  std::printf("%-16s %12s %12s %10s\n", "table", "rows", "bytes", "bytes/row");
  int64_t history_bytes = 0;
  for (const char* table : {"perf_raw", "perf_hourly", "perf_daily", "perf_series"}) {
    const int64_t b = bytes[table];
    history_bytes += b;
    std::printf("%-16s %12lld %12lld %10.1f\n", table, static_cast<long long>(rows[table]),
                static_cast<long long>(b), rows[table] ? static_cast<double>(b) / rows[table] : 0.0);
  }
  std::printf("file: %lld pages of %lld bytes, %lld free\n", static_cast<long long>(file_pages),
              static_cast<long long>(page), static_cast<long long>(free_pages));
  const double per_check = static_cast<double>(history_bytes) / checks;
  std::printf("perfdata history per check after %d days: %.0f bytes (%.2f MB)\n", days, per_check,
              per_check / 1e6);
  // Once every table has filled its retention, a check holds this much and no more.
  auto per_row = [&](const char* table) {
    return rows[table] ? static_cast<double>(bytes[table]) / rows[table] : 0.0;
  };
  const double steady = measures * (62.0 * runs_per_day * per_row("perf_raw") +
                                    400.0 * 24 * per_row("perf_hourly") +
                                    1830.0 * per_row("perf_daily"));
  std::printf("per check at steady state (62d raw, 400d hourly, 1830d daily): %.2f MB\n", steady / 1e6);
  const char* what[3] = {"samples", "upkeep", "both"};
  std::printf("a run's writes (%lld samples; upkeep: MaintainMonitorHistory), median us on the first"
              " day -> the last:",
              static_cast<long long>(series));
  for (int k = 0; k < 3; ++k) {
    const double early = MedianUs(early_us[k]), late = MedianUs(late_us[k]);
    std::printf(" %s %.0f -> %.0f (x%.2f)%s", what[k], early, late, early > 0 ? late / early : 0.0,
                k < 2 ? "," : "\n");
  }

  // hmon-check schema version 1, as it wrote samples: one row each, two indexes, 400 days kept.
  if (old_days > 0) {
    const std::string old_path = dir + "/old.db";
    Db old(old_path);
    old.Exec(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE perf_sample (key TEXT NOT NULL, label TEXT NOT NULL, time_ms INTEGER NOT NULL,"
        " value REAL, uom TEXT NOT NULL);"
        "CREATE INDEX perf_sample_by_key ON perf_sample (key, label, time_ms);"
        "CREATE INDEX perf_sample_by_time ON perf_sample (time_ms);");
    sqlite3_stmt* ins = nullptr;
    sqlite3_prepare_v2(old.db, "INSERT INTO perf_sample VALUES (?1, ?2, ?3, ?4, ?5)", -1, &ins, nullptr);
    const int64_t old_runs = old_days * runs_per_day;
    std::vector<double> old_early, old_late;
    for (int64_t run = 0; run < old_runs; ++run) {
      const int64_t ot = kStartMs + run * interval_ms;
      const std::vector<hops::PerfSample> samples = run_samples(run, ot);
      const auto t0 = Clock::now();
      old.Exec("BEGIN IMMEDIATE");
      for (const hops::PerfSample& p : samples) {
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, p.key.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(ins, 2, p.label.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(ins, 3, p.time_ms);
        sqlite3_bind_double(ins, 4, p.value);
        sqlite3_bind_text(ins, 5, p.uom.c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_step(ins);
      }
      old.Exec("COMMIT");
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
      if (run >= 1 && run <= std::min<int64_t>(runs_per_day, 500)) old_early.push_back(us);
      if (run >= old_runs - std::min<int64_t>(runs_per_day, 500)) old_late.push_back(us);
    }
    sqlite3_finalize(ins);
    old.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const int64_t old_bytes = old.Int("PRAGMA page_count") * old.Int("PRAGMA page_size");
    const int64_t old_rows = old.Int("SELECT count(*) FROM perf_sample");
    const double per_sample = static_cast<double>(old_bytes) / old_rows;
    const double samples_per_year = 365.0 * runs_per_day * measures;
    const double old_check_year = per_sample * samples_per_year;
    const double oe = MedianUs(old_early), ol = MedianUs(old_late);
    std::printf("old layout (schema 1), %d days: %.1f bytes/sample, %.2f MB per check-year;"
                " a run's samples, median us on the first day -> the last: %.0f -> %.0f (x%.2f)\n",
                old_days, per_sample, old_check_year / 1e6, oe, ol, oe > 0 ? ol / oe : 0.0);
    std::printf("size ratio, old per check-year / new per check after %d days: %.1f\n", days,
                old_check_year / per_check);
  }
  return 0;
}
