#include "cmd/hmon-check/definitions.hpp"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "common/inventory.hpp"

using namespace hops;
using namespace hops::mon;

namespace {

// Loads @p text as a run does (one monitor at a time where the layout allows) and checks that
// reading the file whole gives the same monitors.
MonitorFile LoadOk(const std::string& text) {
  std::vector<DefinitionError> errors, whole_errors;
  MonitorFile f = LoadMonitorText(text, "m.yaml", &errors);
  for (const auto& e : errors) FAIL_CHECK(e.what());
  REQUIRE(errors.empty());
  MonitorFile whole = LoadMonitorFile(YamlDoc::FromString(text, "m.yaml"), &whole_errors);
  CHECK(whole_errors.empty());
  CHECK(whole.Serialize() == f.Serialize());
  return f;
}

// The errors of @p text as a run reports them; reading the file whole reports the same.
std::vector<DefinitionError> Errors(const std::string& text) {
  std::vector<DefinitionError> errors, whole_errors;
  LoadMonitorText(text, "m.yaml", &errors);
  LoadMonitorFile(YamlDoc::FromString(text, "m.yaml"), &whole_errors);
  REQUIRE(errors.size() == whole_errors.size());
  for (size_t i = 0; i < errors.size(); ++i) CHECK(std::string(errors[i].what()) == whole_errors[i].what());
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
    REQUIRE(f.size() == 2);
    const MonitorDef web = f.at(0);
    CHECK(web.timeout.count() == 3000);
    CHECK(web.rules.after == 2);
    CHECK(web.rules.window_m == 3);
    CHECK(web.rules.window_n == 5);
    CHECK(web.rules.flapping);
    CHECK(web.rules.flap_high == 40);
    CHECK(web.base.thresholds.at("time").warning->text == "0.5");
    CHECK(web.base.thresholds.at("time").critical->text == "2");
    CHECK(f.at(1).rules.after == 1);
    CHECK(f.at(1).base.thresholds.at("used_pct").critical->Alerts(91));
    CHECK_FALSE(f.at(1).base.thresholds.at("used_pct").critical->Alerts(89));
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
    e = Errors("monitors:\n  a: {type: tcp, target: '127.0.0.1:1', runbook: 'see {{node.id}}'}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().column == 50);
    CHECK(e[0].message().find("placeholders need nodes") != std::string::npos);
  }

  TEST_CASE("report key: true, false or a list of labels, kept through the definition cache") {
    MonitorFile f = LoadOk(R"(monitors:
  all: {type: command, command: [x], report: true}
  none: {type: memory, report: false}
  some: {type: command, command: [x], report: [queue, lag]}
  plain: {type: memory}
)");
    auto back = MonitorFileFromCache(MonitorFileToCache(f, "h"), "h");
    REQUIRE(back);
    for (const MonitorFile* file : {&f, &*back}) {
      CHECK(file->at(0).report == std::vector<std::string>{"*"});
      CHECK_FALSE(file->at(0).report_off);
      CHECK(file->at(1).report.empty());
      CHECK(file->at(1).report_off);
      CHECK(file->at(2).report == std::vector<std::string>{"queue", "lag"});
      CHECK(file->at(3).report.empty());
      CHECK_FALSE(file->at(3).report_off);
    }
    auto e = Errors("monitors:\n  a: {type: memory, report: maybe}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message().find("'report'") != std::string::npos);
    e = Errors("monitors:\n  a: {type: memory, report: [time, '*']}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].message() == "'report' lists perfdata labels, got '*'");
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
    runbook: "https://wiki.example.com/ping?node={{node.id}}"
  local:
    type: memory
    runbook: free the cache, then page the on-call
)");
    auto all = ExpandInstances(f, &inventory, {}, {}, {});
    std::vector<std::string> keys;
    for (const auto& in : all) keys.push_back(in.key + "=" + in.spec.target);
    CHECK(keys == std::vector<std::string>{
                      "health/web01=http://127.0.0.11:8080/", "health/web02=http://127.0.0.12:8080/",
                      "ssh/web01=127.0.0.11:2222", "ping/web01=127.0.0.11", "ping/web02=127.0.0.12",
                      "ping/db01=127.0.0.21", "local="});
    CHECK(all[0].runbook.empty());
    CHECK(all[5].runbook == "https://wiki.example.com/ping?node=db01");
    CHECK(all[6].runbook == "free the cache, then page the on-call");
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
    REQUIRE(back->size() == 1);
    const MonitorDef a = f.at(0);
    const MonitorDef b = back->at(0);
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
    const std::string cached = MonitorFileToCache(f, hash);
    const std::string stamp = cached.substr(0, cached.find('\n'));
    // Reproducible: the same for every build of the same sources, whenever it was built.
    const std::string prefix = "hops " HOPS_VERSION " cache-format 4 build ";
    REQUIRE(stamp.rfind(prefix, 0) == 0);
    const std::string build_id = stamp.substr(prefix.size());
    CHECK(build_id.size() >= 16);  // the toolchain writes a GNU build ID (SHA-1: 40 digits)
    CHECK(build_id.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(cached == MonitorFileToCache(f, hash));
    // An entry of another build (here: one stamped with a build time) is not used.
    CHECK_FALSE(MonitorFileFromCache("0.1.0 Jan  1 2026 00:00:00" + cached.substr(stamp.size()), hash));
    CHECK(MonitorFileFromCache(cached, hash));
    // Nor is a cut one.
    for (size_t cut : {cached.size() - 1, cached.size() - 7, stamp.size() + 3})
      CHECK_FALSE(MonitorFileFromCache(cached.substr(0, cut), hash));
  }

  TEST_CASE("a file read one monitor at a time equals the file read whole, whatever its layout") {
    // LoadOk compares both reads; these are layouts the line cutter must get right or decline.
    LoadOk("monitors:\n  a: {type: tcp, target: '127.0.0.1:1'}\n  b: {type: tcp, target: '127.0.0.1:2', depends_on: a}\n");
    LoadOk("# head\nversion: 1\nmonitors:\n\n    a:\n        type: tcp\n        target: 127.0.0.1:1\n# c\n    b: {type: tcp,\n      target: '127.0.0.1:2'}\ndefaults: {after: 2}\n");
    LoadOk("monitors:\n  a: &t {type: tcp, target: '127.0.0.1:1'}\n  b: *t\n");  // read whole
    LoadOk("monitors: {a: {type: tcp, target: '127.0.0.1:1'}}\n");                  // read whole
    LoadOk("defaults:\n  timeout: 3s\nmonitors:\n  web:\n    type: http\n    target: http://127.0.0.1/\n    headers:\n      X-A: \"1\"\n    conditions:\n      - {status: [200, 301]}\n      - {time: 2s, severity: warning}\n    thresholds: {size: {critical: \"~:1000\"}}\n");
    // Errors point into the file, not into the entry: line 5 is monitor 'c'.
    auto e = Errors("monitors:\n  a: {type: tcp, target: '127.0.0.1:1'}\n  b: {type: tcp, target: '127.0.0.1:1'}\n\n  c: {type: tcp, target: '127.0.0.1:1', aftr: 2}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().Str() == "m.yaml:5:41");
    e = Errors("monitors:\n  a: {type: tcp, target: '127.0.0.1:1'}\n  a: {type: tcp, target: '127.0.0.1:2'}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().Str() == "m.yaml:3:3");
    e = Errors("monitors:\n  a: {type: tcp, target: '127.0.0.1:1'}\n  b: {type: tcp, target: '127.0.0.1:1', depends_on: x}\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().Str() == "m.yaml:3:53");
  }

  TEST_CASE("a type's parameter error points at the parameter it names, or at the target") {
    auto e = Errors("monitors:\n  api:\n    type: http\n    target: http://127.0.0.1/\n    json_equals: up\n");
    REQUIRE(e.size() == 1);
    CHECK(std::string(e[0].what()) == "m.yaml:5:18: monitor 'api': 'json_equals' needs 'json_path'\n"
                                      "      json_equals: up\n"
                                      "                   ^");
    e = Errors("monitors:\n  api:\n    type: http\n    target: ftp://127.0.0.1/\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().Str() == "m.yaml:4:13");
    // A message naming no key of the monitor stays at the monitor.
    e = Errors("monitors:\n  plugin:\n    type: command\n");
    REQUIRE(e.size() == 1);
    CHECK(e[0].loc().Str() == "m.yaml:2:3");
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
