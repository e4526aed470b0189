#include "cmd/hnotify/route.hpp"

#include <doctest/doctest.h>

#include "tests/unit/hnotify/fixture.hpp"

namespace hops::notify {
namespace {

using testing::Load;
using testing::MonitorEvent;

/// "route>channel" for each target of @p e.
std::vector<std::string> Targets(const NotifyFile& f, const Event& e) {
  std::vector<std::string> out;
  for (const Target& t : RouteEvent(f, e)) out.push_back(t.route->name + ">" + t.channel);
  return out;
}

const char* const kChannels = R"(channels:
  a: {type: webhook, url: "http://127.0.0.1:9/a"}
  b: {type: webhook, url: "http://127.0.0.1:9/b"}
  c: {type: webhook, url: "http://127.0.0.1:9/c"}
)";

TEST_CASE("route: the first matching route takes the event, unless it says continue") {
  const NotifyFile f = Load(std::string(kChannels) + R"(routes:
  - name: db
    match: {monitor: "db-*", severity: [critical, warning]}
    channels: [a, b]
    continue: true
  - name: crit
    match: {severity: critical}
    channels: [b, c]
  - name: rest
    channels: [c]
)");
  Event e = MonitorEvent("hmon-check/db-main/web01", "critical");
  e.monitor = "db-main";
  // db continues to crit, which stops; b is sent once, by the first route naming it.
  CHECK(Targets(f, e) == std::vector<std::string>{"db>a", "db>b", "crit>c"});
  e.severity = e.status = "warning";
  CHECK(Targets(f, e) == std::vector<std::string>{"db>a", "db>b", "rest>c"});
  e.monitor = "web";
  CHECK(Targets(f, e) == std::vector<std::string>{"rest>c"});
  // An event without the field never matches a condition on it.
  e.monitor.reset();
  e.severity = e.status = "critical";
  CHECK(Targets(f, e) == std::vector<std::string>{"crit>b", "crit>c"});
}

TEST_CASE("route: each condition: globs, exact words, scopes as subtrees, changed") {
  auto matches = [](const std::string& match, const Event& e) {
    const NotifyFile f = Load(std::string(kChannels) + "routes:\n  - {match: " + match + ", channels: [a]}\n");
    return !RouteEvent(f, e).empty();
  };
  Event e = MonitorEvent("hmon-check/web-home/web01", "warning", "ok");
  e.node = "web01";
  e.scope = "tokyo/web";
  e.job = "nightly";
  CHECK(matches("{kind: 'monitor.*'}", e));
  CHECK_FALSE(matches("{kind: 'calendar.*'}", e));
  CHECK(matches("{key: 'hmon-check/web-*/*'}", e));
  CHECK_FALSE(matches("{key: 'hmon-check/db*'}", e));
  CHECK(matches("{status: [critical, warning]}", e));
  CHECK_FALSE(matches("{status: warn}", e));
  CHECK(matches("{tool: hmon-check}", e));
  CHECK_FALSE(matches("{tool: hcal}", e));
  CHECK(matches("{node: 'web0?'}", e));
  CHECK(matches("{job: nightly}", e));
  CHECK(matches("{scope: tokyo}", e));       // the subtree
  CHECK(matches("{scope: tokyo/web}", e));
  CHECK(matches("{scope: 'tok*'}", e));
  CHECK_FALSE(matches("{scope: tokyo/db}", e));
  CHECK_FALSE(matches("{scope: tok}", e));   // not a prefix of a segment
  CHECK_FALSE(matches("{scope: tokyo/web/app}", e));
  CHECK(matches("{changed: true}", e));
  e.changed = false;
  CHECK_FALSE(matches("{changed: true}", e));
  CHECK(matches("{changed: false}", e));
  e.changed.reset();  // absent counts as unchanged
  CHECK(matches("{changed: false}", e));
  // Every condition must hold.
  CHECK_FALSE(matches("{severity: warning, node: db01}", e));
}

}  // namespace
}  // namespace hops::notify
