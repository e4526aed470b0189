// What a run leaves in the monitor history: perfdata with its roll-ups, kept for their periods,
// and nothing of monitor instances that no run checks any more.
#include <doctest/doctest.h>

#include <chrono>
#include <limits>

#include "cmd/hmon-check/commands.hpp"
#include "cmd/hmon-check/definitions.hpp"
#include "cmd/hmon-check/runner.hpp"
#include "common/state.hpp"
#include "tests/unit/testing/peer.hpp"

using namespace hops;
using namespace hops::mon;

namespace {

constexpr int64_t kDayMs = 24 * 3'600'000;
constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// One monitor "web" whose check reports perfdata t=1s.
struct RunFixture {
  std::string dir = testing::MakeTempDir("hops-history");
  std::unique_ptr<StateStore> store = StateStore::Open(dir + "/state.db");
  MonitorFile file;
  std::vector<Target> targets;

  RunFixture() {
    std::vector<DefinitionError> errors;
    file = LoadMonitorFile(YamlDoc::FromString("version: 1\nmonitors:\n  web:\n    type: command\n"
                                               "    command: [sh, -c, \"echo 'OK | t=1s'\"]\n",
                                               dir + "/m.yaml"),
                           &errors);
    REQUIRE(errors.empty());
    targets = ExpandTargets(file, nullptr, {}, {}, {});
    REQUIRE(targets.size() == 1);
  }

  int Run(const MonitorHistoryPolicy& history = {}) {
    RunOptions opts;
    opts.history = history;
    return RunMonitors(file, targets, opts, store.get(), nullptr);
  }
};

MonitorStatus CheckedAt(const std::string& key, int64_t ms) {
  MonitorStatus m;
  m.key = key;
  m.state = m.hard_state = "ok";
  m.last_check_ms = m.last_change_ms = ms;
  return m;
}

}  // namespace

TEST_CASE("history: a run keeps raw samples for their period and their roll-ups beyond it") {
  RunFixture f;
  const int64_t now = SystemNowMs();
  f.store->AppendPerfSamples({{"web", "t", now - 63 * kDayMs, 3, "s"},
                              {"web", "t", now - 61 * kDayMs, 2, "s"}});
  REQUIRE(f.Run() == 0);
  // The raw sample older than 62 days went; the one the run took came.
  const std::vector<PerfSample> samples = f.store->ListPerfSamples("web", "t", 0, kForever);
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].value == 2);
  CHECK(samples[1].value == 1);
  CHECK(samples[1].time_ms >= now);
  // Its summaries stay: three days, the oldest from the pruned sample.
  const std::vector<PerfRollup> daily =
      f.store->ListPerfRollups("web", "t", 0, kForever, RollupGranularity::kDaily);
  REQUIRE(daily.size() == 3);
  CHECK(daily[0].max == 3);
  CHECK(daily[2].count == 1);
  CHECK(f.store->ListPerfRollups("web", "t", 0, kForever, RollupGranularity::kHourly).size() == 3);
}

TEST_CASE("history: a run removes monitors not checked for the grace period, and only those") {
  RunFixture f;
  const int64_t now = SystemNowMs();
  f.store->PutMonitorStatuses({CheckedAt("gone/n1", now - 31 * kDayMs),
                               CheckedAt("resting/n1", now - 29 * kDayMs)});
  f.store->AppendPerfSamples({{"gone/n1", "t", now - 31 * kDayMs, 1, "s"},
                              {"resting/n1", "t", now - 29 * kDayMs, 1, "s"}});
  f.store->AppendStatusChanges({{"gone/n1", now - 40 * kDayMs, "ok", "critical", "down"}});

  SUBCASE("the default grace, 30 days") {
    REQUIRE(f.Run() == 0);
    CHECK_FALSE(f.store->GetMonitorStatus("gone/n1"));
    CHECK(f.store->ListPerfSamples("gone/", "", 0, kForever).empty());
    CHECK(f.store->ListPerfRollups("gone/", "", 0, kForever, RollupGranularity::kDaily).empty());
    CHECK(f.store->ListStatusChanges("gone/", 0, 0).empty());
    CHECK(f.store->GetMonitorStatus("resting/n1"));
    CHECK(f.store->ListPerfSamples("resting/", "", 0, kForever).size() == 1);
  }
  SUBCASE("a longer grace keeps it") {
    MonitorHistoryPolicy history;
    history.gone_after = std::chrono::hours(24 * 32);
    REQUIRE(f.Run(history) == 0);
    CHECK(f.store->GetMonitorStatus("gone/n1"));
    CHECK(f.store->ListPerfSamples("gone/", "", 0, kForever).size() == 1);
  }
  // The monitor the run checked is never gone.
  CHECK(f.store->GetMonitorStatus("web"));
}

TEST_CASE("history: the [monitor] settings give the retention, the old `retention` still counts") {
  using std::chrono::hours;
  Settings s;
  MonitorHistoryPolicy p = HistoryPolicyOf(s);
  CHECK(p.raw == hours(24 * 62));
  CHECK(p.hourly == hours(24 * 400));
  CHECK(p.daily == hours(24 * 1830));
  CHECK(p.status_changes == hours(24 * 400));
  CHECK(p.gone_after == hours(24 * 30));

  // `retention` meant raw samples and status changes; raw samples now stay two months at least.
  s.monitor_retention = "800d";
  p = HistoryPolicyOf(s);
  CHECK(p.raw == hours(24 * 800));
  CHECK(p.status_changes == hours(24 * 800));
  s.monitor_retention = "30d";
  p = HistoryPolicyOf(s);
  CHECK(p.raw == hours(24 * 62));
  CHECK(p.status_changes == hours(24 * 30));

  // The keys of their own win over it.
  s.monitor_raw_retention = "90d";
  s.monitor_status_retention = "10d";
  s.monitor_hourly_retention = "2w";
  s.monitor_daily_retention = "3650d";
  s.monitor_prune_after = "7d";
  p = HistoryPolicyOf(s);
  CHECK(p.raw == hours(24 * 90));
  CHECK(p.status_changes == hours(24 * 10));
  CHECK(p.hourly == hours(24 * 14));
  CHECK(p.daily == hours(24 * 3650));
  CHECK(p.gone_after == hours(24 * 7));
}
