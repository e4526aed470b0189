#include "cmd/hnotify/config.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

#include "tests/unit/hnotify/fixture.hpp"

namespace hops::notify {
namespace {

using namespace std::chrono_literals;
using testing::Error;
using testing::Errors;
using testing::Load;

const char* const kMinimal = R"(channels:
  ops:
    type: webhook
    url: https://hooks.example.com/ops
routes:
  - channels: [ops]
)";

TEST_CASE("config: a minimal file takes the documented defaults") {
  NotifyFile f = Load(kMinimal);
  REQUIRE(f.channels.size() == 1);
  const ChannelCommon& c = f.channels[0]->common();
  CHECK(c.name == "ops");
  CHECK(c.type == "webhook");
  CHECK(c.timeout == 10s);
  CHECK(c.language == "en");
  CHECK(c.retry.backoff == 30s);
  CHECK(c.retry.max_backoff == 1h);
  CHECK(c.retry.attempts == 20);
  CHECK(c.retry.max_age == 24h);
  CHECK(c.title.text() == "[{{status_label}}] {{subject}}");
  REQUIRE(f.routes.size() == 1);
  CHECK(f.routes[0].name == "#1");
  CHECK(f.routes[0].dedupe == 5min);
  CHECK_FALSE(f.routes[0].repeat);
  CHECK(f.routes[0].send_recovery);
  CHECK_FALSE(f.routes[0].cont);
  CHECK(f.routes[0].channels == std::vector<std::string>{"ops"});
}

TEST_CASE("config: defaults apply to every channel and route, which may override them") {
  NotifyFile f = Load(R"(defaults:
  timeout: 3s
  language: ja
  dedupe: 10m
  repeat: 4h
  send_recovery: false
  retry: {backoff: 5s, attempts: 3}
channels:
  a: {type: webhook, url: "http://127.0.0.1:9/a"}
  b: {type: webhook, url: "http://127.0.0.1:9/b", timeout: 1s, language: en, retry: {max_age: 1h}}
routes:
  - {name: first, channels: [a], repeat: off}
  - {channels: [b], dedupe: 1m, send_recovery: true, continue: true}
)");
  const ChannelCommon& a = f.FindChannel("a")->common();
  const ChannelCommon& b = f.FindChannel("b")->common();
  CHECK(a.timeout == 3s);
  CHECK(a.language == "ja");
  CHECK(a.title.text() == "【{{status_label}}】{{subject}}");
  CHECK(a.retry.backoff == 5s);
  CHECK(a.retry.attempts == 3);
  CHECK(a.retry.max_age == 24h);
  CHECK(b.timeout == 1s);
  CHECK(b.language == "en");
  CHECK(b.retry.backoff == 5s);  // from the defaults, with the channel's max_age on top
  CHECK(b.retry.max_age == 1h);
  CHECK(f.routes[0].name == "first");
  CHECK(f.routes[0].dedupe == 10min);
  CHECK_FALSE(f.routes[0].repeat);
  CHECK_FALSE(f.routes[0].send_recovery);
  CHECK(f.routes[1].name == "#2");
  CHECK(f.routes[1].dedupe == 1min);
  CHECK(f.routes[1].repeat == std::chrono::milliseconds(4h));
  CHECK(f.routes[1].send_recovery);
  CHECK(f.routes[1].cont);
}

TEST_CASE("config: unknown keys and types are errors at their place, with a suggestion") {
  CHECK(Error("chanels:\n  a: {type: webhook, url: 'http://h/'}\nroutes: []\n") ==
        "n.yaml:1:1: unknown key 'chanels' in the notify file, did you mean 'channels'?");
  CHECK(Error("channels:\n  a: {type: slak, url_env: X}\nroutes: []\n") ==
        "n.yaml:2:13: unknown channel type 'slak', did you mean 'slack'? (types: slack, webhook, command, email, chatwork, line, teams, pagerduty)");
  CHECK(Error("channels:\n  a: {type: webhook, url: 'http://h/', timout: 2s}\nroutes: []\n") ==
        "n.yaml:2:40: unknown key 'timout' in channel 'a', did you mean 'timeout'?");
  CHECK(Error(std::string(kMinimal) + "  - channels: ops\n    match: {severty: critical}\n") ==
        "n.yaml:8:13: unknown key 'severty' in 'match', did you mean 'severity'?");
  CHECK(Error(std::string(kMinimal) + "  - channels: ops\n    match: {severity: critcal}\n") ==
        "n.yaml:8:23: unknown severity 'critcal', did you mean 'critical'? (severities: info, ok, warning, critical, unknown)");
}

TEST_CASE("config: a route naming an undefined channel is an error at the name") {
  CHECK(Error(std::string(kMinimal) + "  - channels: [opz]\n") ==
        "n.yaml:7:16: route '#2' names undefined channel 'opz', did you mean 'ops'?");
}

TEST_CASE("config: every error of the file is listed, not only the first") {
  const std::vector<std::string> errors = Errors(R"(channels:
  a: {type: webhook, url: "http://h/", title: "{{stauts}}"}
  b: {type: nope}
  c: {type: command, argv: []}
routes:
  - channels: [a, zz]
  - {channels: [a], dedupe: soon}
)");
  REQUIRE(errors.size() == 5);
  CHECK(errors[0] == "n.yaml:2:47: 'title': unknown placeholder '{{stauts}}', did you mean '{{status}}'?");
  CHECK(errors[1] == "n.yaml:3:13: unknown channel type 'nope' (types: slack, webhook, command, email, chatwork, line, teams, pagerduty)");
  CHECK(errors[2] == "n.yaml:4:28: 'argv' must be a non-empty list: the program, then its arguments (no shell)");
  CHECK(errors[3] == "n.yaml:6:19: route '#1' names undefined channel 'zz'");
  CHECK(errors[4] == "n.yaml:7:29: invalid duration 'soon' for 'dedupe': expected e.g. 30s, 5m, 1h");
}

TEST_CASE("config: secrets are never written inline: each form says what to use instead") {
  CHECK(Error("channels:\n  s: {type: slack, url: 'https://hooks.slack.com/services/T/B/x'}\nroutes: []\n") ==
        "n.yaml:2:20: 'url' of channel 's' is a secret and must not be written into the file: give it with "
        "'url_env' (an environment variable) or 'url_file' (a file)");
  CHECK(Error("channels:\n  w: {type: webhook, url: 'https://h/', token: abc}\nroutes: []\n") ==
        "n.yaml:2:41: 'token' looks like a secret written into the file: hnotify reads secrets only through "
        "'*_env' and '*_file' keys (a webhook channel takes: url, url_env, url_file, method, headers, payload, ca_file)");
  CHECK(Error("channels:\n  w: {type: webhook, url: 'https://user:pw@h/'}\nroutes: []\n") ==
        "n.yaml:2:27: 'url' holds a credential (a password or a token-like parameter): put the URL in a file or "
        "variable and name it with 'url_file' or 'url_env'");
  CHECK(Error("channels:\n  w: {type: webhook, url: 'https://h/?token=abc'}\nroutes: []\n").find("holds a credential") !=
        std::string::npos);
  CHECK(Error("channels:\n  w:\n    type: webhook\n    url: 'https://h/'\n    headers:\n      Authorization: Bearer x\n"
              "routes: []\n") ==
        "n.yaml:6:22: 'Authorization' in 'headers' carries a credential and must not be written into the file: give it "
        "as {value_env: VARIABLE} or {value_file: PATH}");
  CHECK(Error("channels:\n  c:\n    type: command\n    argv: [page]\n    env: {PAGER_TOKEN: abc}\nroutes: []\n") ==
        "n.yaml:5:24: 'PAGER_TOKEN' in 'env' carries a credential and must not be written into the file: give it "
        "as {value_env: VARIABLE} or {value_file: PATH}");
  CHECK(Error("channels:\n  s: {type: slack, url_env: A, url_file: /b}\nroutes: []\n") ==
        "n.yaml:2:42: use either 'url_env' or 'url_file'");
  CHECK(Error("channels:\n  s: {type: slack}\nroutes: []\n") == "n.yaml:2:6: missing 'url_env' or 'url_file'");
  // The secret forms themselves load.
  NotifyFile f = Load(R"(channels:
  s: {type: slack, url_env: SLACK_URL}
  w:
    type: webhook
    url_file: /etc/hops/hook-url
    headers:
      Authorization: {value_file: /etc/hops/hook-auth}
      X-Team: ops
routes:
  - channels: [s, w]
)");
  CHECK(f.channels.size() == 2);
}

TEST_CASE("config: templates are checked where they are written") {
  CHECK(Error("channels:\n  a: {type: webhook, url: 'http://h/', body: 'x {{data.target'}\nroutes: []\n") ==
        "n.yaml:2:46: 'body': unclosed '{{' (a placeholder is written {{name}})");
  CHECK(Error("channels:\n  a: {type: webhook, url: 'http://h/', title: '{{body}}'}\nroutes: []\n") ==
        "n.yaml:2:47: 'title': unknown placeholder '{{body}}' (event fields, data.PATH, status_label, time_local, "
        "channel, route, reason, id)");
  CHECK(Error("channels:\n  a: {type: webhook, url: 'http://h/', title: '{{status.x}}'}\nroutes: []\n") ==
        "n.yaml:2:47: 'title': placeholder '{{status.x}}': only data and perfdata have fields below them");
  // A JSON payload must stay JSON once filled in.
  CHECK(Error("channels:\n  a: {type: webhook, url: 'http://h/', payload: '{\"t\": {{summary}}}'}\nroutes: []\n") ==
        "n.yaml:2:49: 'payload' is not valid JSON once filled in: write string placeholders inside quotes "
        "(\"text\": \"{{summary}}\") and {{event}} or {{data}} outside them");
  Load("channels:\n  a: {type: webhook, url: 'http://h/', payload: '{\"t\": \"{{summary}}\", \"e\": {{event}}}'}\n"
       "routes: []\n");
  // Not JSON: taken as written.
  Load("channels:\n  a:\n    type: webhook\n    url: 'http://h/'\n    headers: {Content-Type: text/plain}\n"
       "    payload: '{{summary}}'\nroutes: []\n");
}

TEST_CASE("config: routes: repeat is not shorter than dedupe, names are unique") {
  CHECK(Error(std::string(kMinimal) + "  - {channels: [ops], dedupe: 1h, repeat: 30m}\n") ==
        "n.yaml:7:43: 'repeat' must not be shorter than 'dedupe' (1h)");
  CHECK(Error(std::string(kMinimal) + "  - {name: a, channels: [ops]}\n  - {name: a, channels: [ops]}\n") ==
        "n.yaml:8:12: route 'a' is defined twice");
  CHECK(Error(std::string(kMinimal) + "  - {channels: [ops], match: {scope: 'tokyo web'}}\n") ==
        "n.yaml:7:38: invalid scope 'tokyo web': a scope path (tokyo/web), a glob (tokyo/*) or an inventory "
        "tag (tag:role=web)");
}

TEST_CASE("config: group, fallback, calendar, else and inhibit are read and checked at their place") {
  const NotifyFile f = Load(std::string(kMinimal) +
                            "  - name: night\n    calendar: biz\n    channels: [ops]\n    fallback: ops\n"
                            "    group: {by: [scope, node], limit: 3, window: 10m}\n"
                            "    else: {channels: [ops], dedupe: 0}\n"
                            "inhibit:\n  - {source: {monitor: ping}, target: {severity: critical}, equal: node}\n");
  const Route& r = f.routes[1];
  REQUIRE(r.group);
  CHECK(r.group->by == std::vector<std::string>{"scope", "node"});
  CHECK(r.group->limit == 3);
  CHECK(r.group->window == 10min);
  CHECK(r.fallback == std::vector<std::string>{"ops"});
  CHECK(r.calendar == "biz");
  REQUIRE(r.otherwise);
  CHECK(r.otherwise->name == "night/else");
  CHECK(r.otherwise->dedupe == 0ms);
  CHECK(r.otherwise->group);  // from the route
  CHECK(r.otherwise->fallback.empty());
  CHECK_FALSE(f.routes[0].group);  // the documented default: none
  REQUIRE(f.inhibit.size() == 1);
  CHECK(f.inhibit[0].equal == std::vector<std::string>{"node"});
  CHECK(f.inhibit[0].source.monitor == std::vector<std::string>{"ping"});

  CHECK(Error(std::string(kMinimal) + "  - {channels: [ops], group: {by: nod}}\n") ==
        "n.yaml:7:35: unknown event field 'nod' in 'by', did you mean 'node'? (fields: kind, status, severity, key, "
        "monitor, job, node, scope, tool, host, calendar)");
  CHECK(Error(std::string(kMinimal) + "  - {channels: [ops], fallback: opz}\n") ==
        "n.yaml:7:33: route '#2' names undefined channel 'opz', did you mean 'ops'?");
  CHECK(Error(std::string(kMinimal) + "  - {channels: [ops], else: {channels: [ops]}}\n") ==
        "n.yaml:7:29: 'else' needs a 'calendar' (it applies while that calendar is closed)");
  CHECK(Error(std::string(kMinimal) + "  - {channels: [ops], calendar: biz, else: {channels: [ops], match: {}}}\n")
            .find("unknown key 'match' in 'else' of route #2") != std::string::npos);
  CHECK(Error(std::string(kMinimal) + "inhibit:\n  - {source: {}, target: {}, equal: [nodes]}\n")
            .rfind("n.yaml:8:38: unknown event field 'nodes' in 'equal', did you mean 'node'?", 0) == 0);
  CHECK(Error(std::string(kMinimal) + "inhibit:\n  - {target: {}}\n").find("'source'") != std::string::npos);
}

std::string ReadSource(const std::string& rel) {
  std::ifstream in(std::string(HOPS_SOURCE_DIR) + "/" + rel);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("config: examples/notify.yaml loads without an error") {
  const std::string text = ReadSource("examples/notify.yaml");
  REQUIRE_FALSE(text.empty());
  std::vector<DefinitionError> errors;
  NotifyFile f = LoadNotifyFile(YamlDoc::FromString(text, "examples/notify.yaml"), &errors);
  for (const auto& e : errors) FAIL_CHECK(e.what());
  CHECK(f.channels.size() >= 3);
  CHECK(f.routes.size() >= 3);
}

TEST_CASE("config: the schema names exactly the keys the loader takes") {
  const nlohmann::json s = nlohmann::json::parse(NotifySchema());
  auto keys = [](const nlohmann::json& props) {
    std::vector<std::string> out;
    for (const auto& [k, v] : props.items()) out.push_back(k);
    std::sort(out.begin(), out.end());
    return out;
  };
  auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  CHECK(keys(s["properties"]) == sorted(kFileKeys));
  CHECK(keys(s["properties"]["defaults"]["properties"]) == sorted(kDefaultsKeys));
  CHECK(keys(s["$defs"]["route"]["properties"]) == sorted(kRouteKeys));
  CHECK(keys(s["$defs"]["match"]["properties"]) == sorted(kMatchKeys));
  CHECK(keys(s["properties"]["defaults"]["properties"]["retry"]["properties"]) == sorted(kRetryKeys));
  const auto& branches = s["$defs"]["channel"]["allOf"];
  REQUIRE(branches.size() == ChannelTypes().size());
  for (size_t i = 0; i < branches.size(); ++i) {
    const ChannelType& t = ChannelTypes()[i];
    std::vector<std::string> want = kChannelCommonKeys;
    want.insert(want.end(), t.keys.begin(), t.keys.end());
    CHECK_MESSAGE(keys(branches[i]["then"]["properties"]) == sorted(want), t.name);
  }
}

}  // namespace
}  // namespace hops::notify
