#include "cmd/hmon-check/definitions.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/inventory.hpp"

using namespace hops;
using namespace hops::mon;

namespace {

MonitorFile LoadOk(const std::string& text) {
  std::vector<DefinitionError> errors;
  MonitorFile f = LoadMonitorFile(YamlDoc::FromString(text, "m.yaml"), &errors);
  for (const auto& e : errors) FAIL_CHECK(e.what());
  REQUIRE(errors.empty());
  return f;
}

std::vector<DefinitionError> Errors(const std::string& text) {
  std::vector<DefinitionError> errors;
  LoadMonitorFile(YamlDoc::FromString(text, "m.yaml"), &errors);
  return errors;
}

const char* const kInventory = R"(nodes:
  web01: {address: 127.0.0.11, scopes: [tokyo/web], ssh: {user: ops, port: 2222}, attributes: {path: /healthz}}
  web02: {address: 127.0.0.12, scopes: [tokyo/web]}
  db01: {address: 127.0.0.21, scopes: [tokyo/db]}
)";

}  // namespace

TEST_SUITE("monitor_def") {
  TEST_CASE("defaults, rules and thresholds are read") {
    MonitorFile f = LoadOk(R"(defaults:
  timeout: 3s
  after: 2
monitors:
  web:
    type: http
    target: http://127.0.0.1/ok
    warning: 500ms
    critical: "2"
    window: 3/5
    flapping: {window: 10, low: 10, high: 40}
  disk:
    type: disk
    target: /
    after: 1
    thresholds:
      used_pct: {warning: "~:80", critical: "~:90"}
)");
    REQUIRE(f.monitors.size() == 2);
    const MonitorDef& web = f.monitors[0];
    CHECK(web.timeout.count() == 3000);
    CHECK(web.rules.after == 2);
    CHECK(web.rules.window_m == 3);
    CHECK(web.rules.window_n == 5);
    CHECK(web.rules.flapping);
    CHECK(web.rules.flap_high == 40);
    CHECK(web.base.thresholds.at("time").warning->text == "0.5");
    CHECK(web.base.thresholds.at("time").critical->text == "2");
    CHECK(f.monitors[1].rules.after == 1);
    CHECK(f.monitors[1].base.thresholds.at("used_pct").critical->Alerts(91));
    CHECK_FALSE(f.monitors[1].base.thresholds.at("used_pct").critical->Alerts(89));
  }

  TEST_CASE("errors name file:line:column") {
    auto e = Errors("monitors:\n  a:\n    type: tcp\n    target: 127.0.0.1:1\n    afterr: 2\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().line == 5);
    CHECK(e[0].loc().column == 5);
    CHECK(e[0].message() == "unknown key 'afterr' in monitor 'a', did you mean 'after'?");
    e = Errors("monitors:\n  a:\n    type: tcp\n    target: 127.0.0.1:1\n    timeout: soon\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message() == "'timeout' must be a positive duration such as 500ms, 10s or 1m, got 'soon'");
    e = Errors("monitors:\n  a:\n    type: tcp\n    target: 127.0.0.1:1\n    depends_on: a\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message() == "monitor 'a' cannot depend on itself");
    e = Errors("monitors:\n  a: {type: tcp, target: '127.0.0.1:1', depends_on: b}\n  b: {type: tcp, target: '127.0.0.1:1', depends_on: a}\n");
    REQUIRE(e.size() == 2);
    CHECK(e[0].message().find("dependency cycle") != std::string::npos);
    e = Errors("monitors:\n  a: {type: tcp, target: '{{node.adress}}:22', scope: x}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().column == 26);
    CHECK(e[0].message().find("node.adress") != std::string::npos);
  }

  TEST_CASE("node expansion: scopes, templates, the address default and CLI filters") {
    inv::Inventory inventory = inv::Inventory::Parse(kInventory, "inv.yaml");
    MonitorFile f = LoadOk(R"(monitors:
  health:
    type: http
    scope: tokyo/web
    target: "http://{{node.address}}:8080/"
  ssh:
    type: tcp
    nodes: [web01]
    target: "{{node.address}}:{{node.ssh.port}}"
  ping:
    type: ping
    scope: tokyo
  local:
    type: memory
)");
    auto all = ExpandInstances(f, &inventory, {}, {}, {});
    std::vector<std::string> keys;
    for (const auto& in : all) keys.push_back(in.key + "=" + in.spec.target);
    CHECK(keys == std::vector<std::string>{
                      "health/web01=http://127.0.0.11:8080/", "health/web02=http://127.0.0.12:8080/",
                      "ssh/web01=127.0.0.11:2222", "ping/web01=127.0.0.11", "ping/web02=127.0.0.12",
                      "ping/db01=127.0.0.21", "local="});
    auto db = ExpandInstances(f, &inventory, {}, {"tokyo/db"}, {});
    REQUIRE(db.size() == 1);
    CHECK(db[0].key == "ping/db01");
    auto only = ExpandInstances(f, &inventory, {"ssh"}, {}, {});
    REQUIRE(only.size() == 1);
    CHECK_THROWS_AS(ExpandInstances(f, &inventory, {"shh"}, {}, {}), UsageError);
    CHECK_THROWS_AS(ExpandInstances(f, nullptr, {}, {}, {}), DefinitionError);
  }

  TEST_CASE("unknown scope, node and tag selectors point at the value with a suggestion") {
    inv::Inventory inventory = inv::Inventory::Parse(kInventory, "inv.yaml");
    const std::string text = R"(monitors:
  web:
    type: ping
    scope: [tokyo/db, tokio/web]
  db:
    type: ping
    nodes: db1
  tagged:
    type: ping
    scope: "tag:role=web"
  fine:
    type: ping
    scope: tokyo
    nodes: [web01]
)";
    MonitorFile f = LoadOk(text);
    auto e = CheckSelectors(f, inventory, text);
    REQUIRE(e.size() == 3);
    CHECK(std::string(e[0].what()) ==
          "m.yaml:4:23: monitor 'web': unknown scope 'tokio/web' in inventory 'inv.yaml', did you mean 'tokyo/web'?\n"
          "      scope: [tokyo/db, tokio/web]\n"
          "                        ^");
    CHECK(e[1].loc().line == 7);
    CHECK(e[1].loc().column == 12);
    CHECK(e[1].message() == "monitor 'db': unknown node 'db1' in inventory 'inv.yaml', did you mean 'db01'?");
    CHECK(e[2].loc().line == 10);
    CHECK(e[2].loc().column == 12);
    CHECK(e[2].message() == "monitor 'tagged': unknown tag 'role' in inventory 'inv.yaml': no node has it");
    CHECK(e[0].kind() == ErrorKind::kDefinition);
    // The positions survive the definition cache.
    auto back = MonitorFileFromCache(MonitorFileToCache(f, "h"), "h");
    REQUIRE(back);
    auto again = CheckSelectors(*back, inventory, text);
    REQUIRE(again.size() == 3);
    CHECK(std::string(again[0].what()) == e[0].what());
    CHECK(again[1].loc().Str() == "m.yaml:7:12");
  }

  TEST_CASE("a cached file equals the parsed one, and another hash is refused") {
    const std::string text = R"(defaults:
  calendar: biz
monitors:
  web:
    type: http
    target: http://127.0.0.1/ok
    headers: {X-Test: "1"}
    status: [200, 204]
    conditions:
      - {json: db, equals: up, severity: warning}
      - {time: 2s, severity: warning}
    thresholds:
      size: {critical: "~:1000"}
    recover_after: 3
)";
    MonitorFile f = LoadOk(text);
    const std::string hash = ContentHash(text);
    auto back = MonitorFileFromCache(MonitorFileToCache(f, hash), hash);
    REQUIRE(back);
    REQUIRE(back->monitors.size() == 1);
    const MonitorDef& a = f.monitors[0];
    const MonitorDef& b = back->monitors[0];
    CHECK(b.id == a.id);
    CHECK(b.calendar == "biz");
    CHECK(b.calendar_loc.line == a.calendar_loc.line);
    CHECK(b.loc.line == a.loc.line);
    CHECK(b.rules.recover_after == 3);
    CHECK(b.base.params.All("status") == std::vector<std::string>{"200", "204"});
    CHECK(b.base.params.Map("headers").at("X-Test") == "1");
    REQUIRE(b.base.conditions.size() == 2);
    CHECK(b.base.conditions[0].path == "db");
    CHECK(b.base.conditions[0].severity == nagios::State::kWarning);
    CHECK(b.base.conditions[1].values == std::vector<std::string>{"2"});
    CHECK(b.base.thresholds.at("size").critical->text == "~:1000");
    CHECK_FALSE(MonitorFileFromCache(MonitorFileToCache(f, hash), ContentHash(text + " ")));
    CHECK_FALSE(MonitorFileFromCache("not json", hash));
  }

  TEST_CASE("the cache is stamped with version, cache format and build ID, not the build time") {
    const std::string text = "monitors:\n  web: {type: tcp, target: 127.0.0.1:1}\n";
    MonitorFile f = LoadOk(text);
    const std::string hash = ContentHash(text);
    nlohmann::json j = nlohmann::json::parse(MonitorFileToCache(f, hash));
    const std::string stamp = j.at("stamp").get<std::string>();
    // Reproducible: the same for every build of the same sources, whenever it was built.
    const std::string prefix = "hops " HOPS_VERSION " cache-format 1 build ";
    REQUIRE(stamp.rfind(prefix, 0) == 0);
    const std::string build_id = stamp.substr(prefix.size());
    CHECK(build_id.size() >= 16);  // the toolchain writes a GNU build ID (SHA-1: 40 digits)
    CHECK(build_id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(j.dump() == MonitorFileToCache(f, hash));
    // An entry of another build (here: one stamped with a build time) is not used.
    j["stamp"] = "0.1.0 Jan  1 2026 00:00:00";
    CHECK_FALSE(MonitorFileFromCache(j.dump(), hash));
    CHECK(MonitorFileFromCache(MonitorFileToCache(f, hash), hash));
  }

  TEST_CASE("time thresholds take durations in m, s and ms, and refuse longer units") {
    std::string err;
    CHECK(ParseThresholdRange("time", "1500ms", &err)->text == "1.5");
    CHECK(ParseThresholdRange("time", "~:2", &err)->text == "~:2");
    CHECK(ParseThresholdRange("time", "@1s:2s", &err)->text == "@1:2");
    CHECK(ParseThresholdRange("rta", "~:1s", &err)->text == "~:1000");
    CHECK(ParseThresholdRange("jitter", "20ms", &err)->text == "20");
    CHECK_FALSE(ParseThresholdRange("time", "2x", &err));
    CHECK_FALSE(ParseThresholdRange("used_pct", "80%", &err));
    // A tcp response-time threshold of 30 days (2,592,000 s) can never fire: refused.
    CHECK_FALSE(ParseThresholdRange("time", "30d", &err));
    CHECK(err.find("'30d' in range '30d' is too long for a response time") == 0);
    // Measures that are not times take no units at all.
    CHECK_FALSE(ParseThresholdRange("days", "30d", &err));
    CHECK(err == "bad number '30d' in range '30d'");
    CHECK_FALSE(ParseThresholdRange("count", "1s", &err));
    // In a monitor file the error points at the value.
    auto e = Errors("monitors:\n  a:\n    type: tcp\n    target: 127.0.0.1:1\n    warning: 30d\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().Str() == "m.yaml:5:14");
    CHECK(e[0].message().find("threshold of 'time': '30d' in range '30d' is too long") == 0);
  }
}
