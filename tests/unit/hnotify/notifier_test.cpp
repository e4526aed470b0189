// Routing decisions over time, with a fake clock: dedupe, repeat, recoveries, overlapping runs.
#include "cmd/hnotify/notifier.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <thread>

#include "tests/unit/hnotify/fixture.hpp"

namespace hops::notify {
namespace {

using namespace std::chrono_literals;
using testing::FakeClock;
using testing::Load;
using testing::MonitorEvent;
using testing::OpenStore;
using testing::Opts;
using testing::Rig;
using testing::Clear;
using testing::Spooled;

constexpr int64_t kMinute = 60 * 1000;

using testing::kTwoChannels;

TEST_CASE("dedupe: the same status within the window is sent once, another status at once") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a], dedupe: 5m}\n");
  const Event crit = MonitorEvent("hmon-check/db/web01", "critical");
  const int64_t t0 = rig.clock.now;
  CHECK(rig.n.Accept(crit).ids.size() == 1);
  rig.clock.now = t0 + kMinute;
  Accepted again = rig.n.Accept(crit);
  CHECK(again.ids.empty());
  CHECK(again.suppressed == 1);
  rig.clock.now = t0 + 5 * kMinute - 1;
  CHECK(rig.n.Accept(crit).ids.empty());
  // Another key is another subject.
  CHECK(rig.n.Accept(MonitorEvent("hmon-check/db/web02", "critical")).ids.size() == 1);
  // The window is over: sent again.
  rig.clock.now = t0 + 5 * kMinute;
  CHECK(rig.n.Accept(crit).ids.size() == 1);
  // A change is sent at once, and so is the way back (a flapping check is not silenced into a
  // wrong picture).
  rig.clock.now += kMinute;
  CHECK(rig.n.Accept(MonitorEvent("hmon-check/db/web01", "warning")).ids.size() == 1);
  CHECK(rig.n.Accept(crit).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{
                             "a problem critical hmon-check/db/web01", "a problem critical hmon-check/db/web02",
                             "a problem critical hmon-check/db/web01", "a problem warning hmon-check/db/web01",
                             "a problem critical hmon-check/db/web01"});
}

TEST_CASE("dedupe: 0 turns it off, routes keep their own records") {
  Rig rig(std::string(kTwoChannels) +
                            "routes:\n  - {channels: [a], dedupe: 0, continue: true}\n  - {channels: [b]}\n");
  const Event crit = MonitorEvent("k", "critical");
  CHECK(rig.n.Accept(crit).ids.size() == 2);
  rig.clock.now += 1;
  Accepted second = rig.n.Accept(crit);
  CHECK(second.ids.size() == 1);  // a again; b within its 5m
  CHECK(second.suppressed == 1);
}

TEST_CASE("dedupe: overlapping runs on one state store send an event once") {
  FakeClock clock;
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  const NotifyFile f = Load(std::string(kTwoChannels) + "routes:\n  - {channels: [a, b]}\n");
  constexpr int kEvents = 40;
  std::atomic<int> spooled{0};
  auto run = [&] {
    StateOptions so;
    so.components = {kStateCore};
    so.now_ms = clock.Fn();
    auto store = StateStore::Open(dir + "/state.db", so);
    std::vector<std::string> log;
    NotifierOptions o;
    o.now_ms = clock.Fn();
    o.log = [&log](const std::string& l) { log.push_back(l); };
    Notifier n(f, store.get(), o);
    for (int i = 0; i < kEvents; ++i) spooled += int(n.Accept(MonitorEvent("k" + std::to_string(i), "critical")).ids.size());
  };
  std::thread t1(run), t2(run), t3(run);
  t1.join();
  t2.join();
  t3.join();
  CHECK(spooled == 2 * kEvents);
  StateOptions so;
  auto store = StateStore::Open(dir + "/state.db", so);
  Spool spool(store.get(), f.id);
  const auto items = spool.List({"a", "b"});
  CHECK(items.size() == 2 * kEvents);
  // Every one of them is due: none is left behind in its reservation.
  for (const auto& item : items) CHECK(item.not_before_ms <= clock.now);
}

TEST_CASE("recovery: goes where the problem went, and only there") {
  Rig rig(std::string(kTwoChannels) + R"(routes:
  - {name: crit, match: {severity: critical}, channels: [a]}
  - {name: all, channels: [b]}
)");
  CHECK(rig.n.Accept(MonitorEvent("k", "critical", "ok")).ids.size() == 1);
  Clear(rig);
  rig.clock.now += kMinute;
  // The ok event would take route 'all' (b), but the problem went to a.
  CHECK(rig.n.Accept(MonitorEvent("k", "ok", "critical")).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{"a recovery ok k"});
  Clear(rig);
  // Once recovered, ok results are routine: nothing is sent, also after the dedupe window.
  rig.clock.now += 10 * kMinute;
  CHECK(rig.n.Accept(MonitorEvent("k", "ok", "ok")).ids.empty());
  CHECK(rig.n.Accept(MonitorEvent("k", "ok")).ids.empty());
  // An ok event that follows a problem hnotify never sent (a fresh state store) is routed like any
  // other event.
  CHECK(rig.n.Accept(MonitorEvent("other", "ok", "warning")).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{"b recovery ok other"});
}

TEST_CASE("recovery: critical, ok, critical within the window is three notifications") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a]}\n");
  CHECK(rig.n.Accept(MonitorEvent("k", "critical", "ok")).ids.size() == 1);
  rig.clock.now += 1000;
  CHECK(rig.n.Accept(MonitorEvent("k", "ok", "critical")).ids.size() == 1);
  rig.clock.now += 1000;
  CHECK(rig.n.Accept(MonitorEvent("k", "critical", "ok")).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{"a problem critical k", "a recovery ok k", "a problem critical k"});
}

TEST_CASE("recovery: send_recovery false sends none, and the problem is closed all the same") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a], send_recovery: false}\n");
  CHECK(rig.n.Accept(MonitorEvent("k", "warning", "ok")).ids.size() == 1);
  Accepted ok = rig.n.Accept(MonitorEvent("k", "ok", "warning"));
  CHECK(ok.ids.empty());
  CHECK(Spooled(rig).size() == 1);
}

/// A command channel that appends "$HOPS_NOTIFY_REASON $HOPS_EVENT_STATUS" to @p file.
std::string Recorder(const std::string& file) {
  return "channels:\n  rec:\n    type: command\n    argv: [sh, -c, 'echo \"$HOPS_NOTIFY_REASON $HOPS_EVENT_STATUS\" >> " +
         file + "']\n";
}

std::vector<std::string> Lines(const std::string& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

TEST_CASE("repeat: a problem still open is sent again every interval without further events") {
  const std::string file = hops::testing::MakeTempDir("hops-hnotify") + "/sent";
  Rig rig(Recorder(file) + "routes:\n  - {channels: [rec], repeat: 1h}\n");
  const int64_t t0 = rig.clock.now;
  rig.n.Accept(MonitorEvent("k", "critical", "ok"));
  rig.n.Flush({});
  CHECK(Lines(file) == std::vector<std::string>{"problem critical"});
  // Unchanged results (hmon-check without --changes-only) within the interval are not sent.
  for (int m = 5; m < 60; m += 5) {
    rig.clock.now = t0 + m * kMinute;
    CHECK(rig.n.Accept(MonitorEvent("k", "critical", "critical")).ids.empty());
    rig.n.Flush({});
  }
  CHECK(Lines(file).size() == 1);
  rig.clock.now = t0 + 60 * kMinute;
  rig.n.Flush({});
  CHECK(Lines(file) == std::vector<std::string>{"problem critical", "repeat critical"});
  rig.clock.now = t0 + 90 * kMinute;
  rig.n.Flush({});
  CHECK(Lines(file).size() == 2);
  rig.clock.now = t0 + 120 * kMinute;
  rig.n.Flush({});
  CHECK(Lines(file).size() == 3);
  // The recovery ends the repeats.
  rig.clock.now = t0 + 150 * kMinute;
  rig.n.Accept(MonitorEvent("k", "ok", "critical"));
  rig.n.Flush({});
  for (int h = 3; h <= 6; ++h) {
    rig.clock.now = t0 + h * 60 * kMinute;
    rig.n.Flush({});
  }
  CHECK(Lines(file) == std::vector<std::string>{"problem critical", "repeat critical", "repeat critical",
                                                "recovery ok"});
  CHECK(rig.log.empty());
}

TEST_CASE("repeat: an event with the same status after the interval counts as the repeat") {
  const std::string file = hops::testing::MakeTempDir("hops-hnotify") + "/sent";
  Rig rig(Recorder(file) + "routes:\n  - {channels: [rec], repeat: 1h}\n");
  const int64_t t0 = rig.clock.now;
  rig.n.Accept(MonitorEvent("k", "warning", "ok"));
  rig.n.Flush({});
  rig.clock.now = t0 + 61 * kMinute;
  CHECK(rig.n.Accept(MonitorEvent("k", "warning", "warning")).ids.size() == 1);
  rig.n.Flush({});  // the reminder that came due finds it just sent and waits an hour from then
  rig.clock.now = t0 + 100 * kMinute;
  rig.n.Flush({});
  CHECK(Lines(file) == std::vector<std::string>{"problem warning", "problem warning"});
  rig.clock.now = t0 + 121 * kMinute;
  rig.n.Flush({});
  CHECK(Lines(file) == std::vector<std::string>{"problem warning", "problem warning", "repeat warning"});
  // A worse status replaces the repeated one.
  rig.clock.now += kMinute;
  rig.n.Accept(MonitorEvent("k", "critical", "warning"));
  rig.clock.now += 61 * kMinute;
  rig.n.Flush({});
  CHECK(Lines(file) == std::vector<std::string>{"problem warning", "problem warning", "repeat warning",
                                                "problem critical", "repeat critical"});
}

TEST_CASE("info events and events no route takes") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {match: {kind: 'calendar.*'}, channels: [a]}\n", 1);
  Event open;
  open.tool = "hcal";
  open.kind = "calendar.state";
  open.key = "hcal/biz";
  open.status = "open";
  open.severity = "info";
  CHECK(rig.n.Accept(open).ids.size() == 1);
  CHECK(rig.n.Accept(open).ids.empty());
  open.status = "closed";
  CHECK(rig.n.Accept(open).ids.size() == 1);
  Accepted none = rig.n.Accept(MonitorEvent("k", "critical"));
  CHECK_FALSE(none.routed);
  CHECK(none.ids.empty());
  CHECK(rig.log.back() == "k critical: no route matches");
}

TEST_CASE("suppressed and unreachable check results are not sent, and the problem they interrupt stays open") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a]}\n", 1);
  auto info = [](const std::string& status, const std::string& previous) {
    Event e = MonitorEvent("hmon-check/web-tls/web1", status, previous);
    e.severity = "info";
    return e;
  };
  // Its calendar closed, the check did not run: no mail for every check at each maintenance.
  CHECK(rig.n.Accept(info("suppressed", "ok")).ids.empty());
  CHECK(rig.log.back() == "hmon-check/web-tls/web1 suppressed: the check did not run: nothing to send");
  // Its parent failed: the parent's alert is the one alert.
  CHECK(rig.n.Accept(info("unreachable", "ok")).ids.empty());
  CHECK(rig.log.back() == "hmon-check/web-tls/web1 unreachable: the check depends on a failed one: nothing to send");
  CHECK(Spooled(rig).empty());
  // A problem sent before stays open through them, and its recovery is sent.
  CHECK(rig.n.Accept(MonitorEvent("hmon-check/web-tls/web1", "critical", "ok")).ids.size() == 1);
  CHECK(rig.n.Accept(info("unreachable", "critical")).ids.empty());
  CHECK(rig.n.Accept(info("suppressed", "critical")).ids.empty());
  CHECK(rig.n.Accept(MonitorEvent("hmon-check/web-tls/web1", "ok", "critical")).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{"a problem critical hmon-check/web-tls/web1",
                                                 "a recovery ok hmon-check/web-tls/web1"});
}

}  // namespace
}  // namespace hops::notify
