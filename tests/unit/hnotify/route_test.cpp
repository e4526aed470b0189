#include "cmd/hnotify/route.hpp"

#include <doctest/doctest.h>

#include "common/inventory.hpp"
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

namespace hops::notify {
namespace {

TEST_CASE("route: an inventory tag among the scopes selects events of the nodes that carry it") {
  NotifyFile f = Load(std::string(kChannels) + R"(routes:
  - name: web
    match: {scope: ["tag:role=web", "osaka"]}
    channels: [a]
  - name: rest
    channels: [c]
)");
  REQUIRE(NeedsInventory(f));
  const inv::Inventory inventory = inv::Inventory::Parse(R"(nodes:
  web01: {address: 127.0.0.11, scopes: [tokyo/web], tags: {role: web}}
  db01: {address: 127.0.0.12, scopes: [tokyo/db], tags: {role: db}}
)", "inv.yaml");
  std::vector<DefinitionError> errors;
  ResolveTags(&f, inventory, &errors);
  REQUIRE(errors.empty());
  Event web = MonitorEvent("hmon-check/http/web01", "critical");
  web.node = "web01";
  web.scope = "tokyo/web";
  Event db = web;
  db.node = "db01";
  db.scope = "tokyo/db";
  Event osaka = db;
  osaka.node = "db09";
  osaka.scope = "osaka/db";
  CHECK(Targets(f, web) == std::vector<std::string>{"web>a"});
  CHECK(Targets(f, db) == std::vector<std::string>{"rest>c"});
  CHECK(Targets(f, osaka) == std::vector<std::string>{"web>a"});  // the scope beside the tag
  // A tag no node has is an error at the selector.
  NotifyFile g = Load(std::string(kChannels) + "routes:\n  - match: {scope: \"tag:rol=web\"}\n    channels: [a]\n");
  ResolveTags(&g, inventory, &errors);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].loc().line == 6);
  CHECK(errors[0].message().find("tag") != std::string::npos);
}

}  // namespace
}  // namespace hops::notify
