// Suppression between routing and dedupe, with a fake clock: silences, inhibition, grouping and
// burst summaries, calendar routes with `else`, and fallback channels.
#include <doctest/doctest.h>

#include <algorithm>

#include "cmd/hnotify/notifier.hpp"
#include "cmd/hnotify/route.hpp"
#include "cmd/hnotify/silence.hpp"
#include "common/calendar_load.hpp"
#include "tests/unit/hnotify/fixture.hpp"

namespace hops::notify {
namespace {

using testing::MonitorEvent;
using testing::Opts;
using testing::Rig;
using testing::ReadAll;
using testing::Clear;
using testing::Spooled;
using testing::kTwoChannels;

constexpr int64_t kMinute = 60 * 1000;

/// The summary line of the spooled item whose reason is "summary" (fails when there is not one).
std::string SummaryText(Rig& rig) {
  std::vector<std::string> out;
  for (const QueueItem& item : rig.n.spool().List(rig.f.ChannelNames())) {
    std::string err;
    auto p = Payload::FromJson(item.payload, &err);
    if (p && p->reason == "summary") out.push_back(p->event.value("summary", ""));
  }
  REQUIRE(out.size() == 1);
  return out[0];
}

Event NodeEvent(const std::string& key, const std::string& status, const std::string& node,
                std::optional<std::string> previous = std::nullopt) {
  Event e = MonitorEvent(key, status, previous);
  e.node = node;
  return e;
}


TEST_CASE("silence: matching events are held back until it ends, their recoveries too") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a], dedupe: 0}\n", 1);
  const Silence s = AddSilence(rig.store.get(), ParseMatchPairs({"node=web1", "severity=warning,critical"}),
                               rig.clock.now + 60 * kMinute, "maintenance", rig.clock.now);
  CHECK(s.id.size() == 8);
  Accepted acc = rig.n.Accept(NodeEvent("db/web1", "critical", "web1"));
  CHECK(acc.ids.empty());
  CHECK(acc.silenced == 1);
  CHECK(rig.log.back().find("silenced by " + s.id) != std::string::npos);
  CHECK(rig.n.Accept(NodeEvent("db/web2", "critical", "web2")).ids.size() == 1);  // another node
  // The recovery of a problem held back is not sent either (the silence does not match ok).
  CHECK(rig.n.Accept(NodeEvent("db/web1", "ok", "web1", "critical")).ids.empty());
  // Once it ends, the same event goes out.
  rig.clock.now += 60 * kMinute;
  CHECK(ListSilences(rig.store.get()).empty());
  CHECK(rig.n.Accept(NodeEvent("db/web1", "critical", "web1")).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{"a problem critical db/web2", "a problem critical db/web1"});
}

TEST_CASE("silence: the repeat reminders of a problem are skipped while it lasts, and resume after") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a], repeat: 10m}\n");
  CHECK(rig.n.Accept(NodeEvent("db/web1", "critical", "web1")).ids.size() == 1);
  Clear(rig);
  AddSilence(rig.store.get(), ParseMatchPairs({"node=web1"}), rig.clock.now + 15 * kMinute, "", rig.clock.now);
  rig.clock.now += 10 * kMinute;
  rig.n.Flush({});
  CHECK(Spooled(rig).empty());
  rig.clock.now += 10 * kMinute;  // the silence ended at 15m; the next reminder is at 20m
  rig.n.Flush({});
  CHECK(Spooled(rig) == std::vector<std::string>{"a repeat critical db/web1"});
}

TEST_CASE("silence: add, list and remove, and bad --match arguments are usage errors") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {channels: [a]}\n");
  const Silence s1 = AddSilence(rig.store.get(), ParseMatchPairs({"scope=tokyo"}), rig.clock.now + 2 * kMinute, "", rig.clock.now);
  const Silence s2 = AddSilence(rig.store.get(), ParseMatchPairs({"key=db/*"}), rig.clock.now + kMinute, "x", rig.clock.now);
  std::vector<Silence> all = ListSilences(rig.store.get());
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == s2.id);  // by end time
  CHECK(all[1].pairs.at("scope") == std::vector<std::string>{"tokyo"});
  CHECK(RemoveSilence(rig.store.get(), s2.id));
  CHECK_FALSE(RemoveSilence(rig.store.get(), s2.id));
  CHECK(ListSilences(rig.store.get()).size() == 1);
  CHECK_THROWS_WITH(ParseMatchPairs({"nod=web1"}), doctest::Contains("unknown --match key 'nod', did you mean 'node'?"));
  CHECK_THROWS_WITH(ParseMatchPairs({"node"}), doctest::Contains("expected KEY=VALUE"));
  CHECK_THROWS_WITH(ParseMatchPairs({"severity=crit"}), doctest::Contains("unknown severity 'crit'"));
}

TEST_CASE("inhibit: while the node is down its services are held back, on that node only") {
  Rig rig(std::string(kTwoChannels) + R"(routes:
  - {channels: [a], dedupe: 0}
inhibit:
  - source: {key: "*/ping/*", severity: critical}
    target: {severity: [warning, critical]}
    equal: [node]
)");
  CHECK(rig.n.Accept(NodeEvent("hmon/ping/web1", "critical", "web1")).ids.size() == 1);
  Accepted held = rig.n.Accept(NodeEvent("hmon/http/web1", "critical", "web1"));
  CHECK(held.ids.empty());
  CHECK(held.inhibited == 1);
  CHECK(rig.n.Accept(NodeEvent("hmon/http/web2", "critical", "web2")).ids.size() == 1);  // other node
  // The source itself is never inhibited by itself.
  CHECK(rig.n.Accept(NodeEvent("hmon/ping/web1", "warning", "web1")).ids.size() == 1);
  // The node is back: its services are sent again; the held one's recovery is not.
  CHECK(rig.n.Accept(NodeEvent("hmon/ping/web1", "ok", "web1", "warning")).ids.size() == 1);
  CHECK(rig.n.Accept(NodeEvent("hmon/http/web1", "ok", "web1", "critical")).ids.empty());
  CHECK(rig.n.Accept(NodeEvent("hmon/smtp/web1", "critical", "web1")).ids.size() == 1);
  CHECK(Spooled(rig) == std::vector<std::string>{"a problem critical hmon/ping/web1", "a problem critical hmon/http/web2",
                                                 "a problem warning hmon/ping/web1", "a recovery ok hmon/ping/web1",
                                                 "a problem critical hmon/smtp/web1"});
}

TEST_CASE("group: above the limit in a window, one summary when the window ends, across runs") {
  const std::string yaml = std::string(kTwoChannels) +
                           "routes:\n  - {name: web, channels: [a], group: {by: [scope], limit: 2, window: 5m}}\n";
  Rig rig(yaml);
  const int64_t t0 = rig.clock.now;
  auto storm = [&](const std::string& scope, int n, const std::string& status) {
    for (int i = 0; i < n; ++i) {
      Event e = MonitorEvent(scope + "/host" + std::to_string(i), status);
      e.scope = scope;
      rig.n.Accept(e);
    }
  };
  storm("tokyo/web", 3, "warning");
  storm("tokyo/web", 2, "critical");  // host0, host1 change status: counted as well
  storm("osaka/db", 1, "critical");   // another group
  CHECK(Spooled(rig).size() == 3);    // 2 of tokyo/web, 1 of osaka/db
  rig.clock.now = t0 + 5 * kMinute - 1;
  rig.n.Flush({});
  CHECK(Spooled(rig).size() == 3);  // not yet
  Clear(rig);
  // Another run (a cron job) on the same state store releases it when the window ends.
  rig.clock.now = t0 + 5 * kMinute;
  {
    std::vector<std::string> log;
    Notifier other(rig.f, rig.store.get(), Opts(&rig.clock, &log));
    other.Flush({});
  }
  // Delivery failed (port 9) and the item stays; it is the summary.
  CHECK(SummaryText(rig) == "3 more alerts for scope tokyo/web (warning 1, critical 2)");
  Clear(rig);
  // Counting starts afresh.
  storm("tokyo/web", 1, "unknown");
  CHECK(Spooled(rig) == std::vector<std::string>{"a problem unknown tokyo/web/host0"});
}

TEST_CASE("group: an event after the window releases the summary before it is counted") {
  Rig rig(std::string(kTwoChannels) + "routes:\n  - {name: r, channels: [a], group: {limit: 0, window: 1m}}\n");
  rig.n.Accept(MonitorEvent("k1", "critical"));
  rig.n.Accept(MonitorEvent("k2", "critical"));
  CHECK(Spooled(rig).empty());
  rig.clock.now += kMinute;
  CHECK(rig.n.Accept(MonitorEvent("k3", "critical")).held == 1);
  // Nothing of the window went out one by one (limit 0): not "more" alerts, just alerts.
  CHECK(SummaryText(rig) == "2 alerts on route 'r' (critical 2)");
}

TEST_CASE("calendar route: applies while the calendar is open, else its else: route") {
  NotifyFile f = testing::Load(std::string(kTwoChannels) + R"(routes:
  - name: day
    calendar: office
    channels: [a]
    else: {channels: [b], dedupe: 0}
)");
  auto reg = std::make_shared<cal::Registry>();
  reg->AddDocument(YamlDoc::FromString(
      "calendars:\n  office:\n    timezone: UTC\n    weekdays: mon-fri\n    hours: \"09:00-18:00\"\n", "c.yaml"));
  reg->Resolve();
  REQUIRE(reg->errors().empty());
  std::vector<DefinitionError> errors;
  ResolveCalendars(&f, reg, &errors);
  REQUIRE(errors.empty());
  const Event e = MonitorEvent("k", "critical");
  const int64_t thu_10 = 1778148000000;  // 2026-05-07T10:00Z, Thursday
  const int64_t thu_20 = thu_10 + 10 * 60 * kMinute;
  auto channels = [&](int64_t now) {
    std::string out;
    for (const Target& t : RouteEvent(f, e, now)) out += t.route->name + ":" + t.channel + " ";
    return out;
  };
  CHECK(channels(thu_10) == "day:a ");
  CHECK(channels(thu_20) == "day/else:b ");
  CHECK(f.FindRoute("day/else") == f.routes[0].otherwise.get());
  // Without else, a closed calendar lets the next route take the event.
  NotifyFile g = testing::Load(std::string(kTwoChannels) +
                               "routes:\n  - {calendar: office, channels: [a]}\n  - {channels: [b]}\n");
  ResolveCalendars(&g, reg, &errors);
  CHECK(RouteEvent(g, e, thu_20).at(0).channel == "b");
  CHECK(RouteEvent(g, e, thu_10).at(0).channel == "a");
  // An unknown calendar is an error at its name.
  NotifyFile h = testing::Load(std::string(kTwoChannels) + "routes:\n  - {calendar: ofice, channels: [a]}\n");
  ResolveCalendars(&h, reg, &errors);
  REQUIRE(errors.size() == 1);
  CHECK(std::string(errors[0].what()).find("n.yaml:5:") != std::string::npos);
  CHECK(std::string(errors[0].what()).find("route '#1' names unknown calendar 'ofice', did you mean 'office'?") !=
        std::string::npos);
}

TEST_CASE("fallback: a notification its channel gives up on goes to the route's fallback") {
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  Rig rig("channels:\n  gone: {type: command, argv: [" + dir + "/no-such-program]}\n"
          "  phone: {type: command, argv: [sh, -c, 'cat > " + dir + "/phone']}\n"
          "routes:\n  - {channels: [gone], fallback: phone}\n");
  rig.n.Accept(MonitorEvent("k", "critical"));
  const FlushResult r = rig.n.Flush({});
  CHECK(r.dropped == 0);
  CHECK(r.fallback == 1);
  CHECK(r.delivered == 1);
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0].rfind("notification #1 to 'gone' (k critical (problem)) failed for good: command '", 0) == 0);
  CHECK(rig.log[0].find("handed to fallback 'phone' as #2") != std::string::npos);
  CHECK(ReadAll(dir + "/phone").find("\"key\":\"k\"") != std::string::npos);
  CHECK(Spooled(rig).empty());
}

}  // namespace
}  // namespace hops::notify
