#include "cmd/hnotify/template.hpp"

#include <doctest/doctest.h>

#include "common/event.hpp"
#include "common/zone.hpp"
#include "tests/unit/hnotify/fixture.hpp"

namespace hops::notify {
namespace {

Template Parse(const std::string& text, Escape escape = Escape::kNone,
               const std::vector<std::string>& extra = {"title", "body", "event"}) {
  YamlDoc doc = YamlDoc::FromString("t: " + nlohmann::json(text).dump() + "\n", "n.yaml");
  return Template::Parse(doc, doc.root()["t"], "'t'", extra, escape);
}

nlohmann::ordered_json Event1() {
  Event e = testing::MonitorEvent("hmon-check/db/web01", "critical", "ok");
  e.summary = "db \"down\"\nsince 03:00";
  e.node = "web01";
  e.data = {{"target", "http://10.0.0.1/"}, {"checks", {{{"name", "a"}}, {{"name", "b"}}}}, {"n", 3}};
  return EventToJson(e);
}

std::string Render(const Template& t, const nlohmann::ordered_json& ev, std::map<std::string, std::string> vars = {}) {
  RenderContext ctx;
  ctx.event = &ev;
  ctx.vars = std::move(vars);
  return t.Render(ctx);
}

TEST_CASE("template: event fields, dotted paths into data, and notification values") {
  const auto ev = Event1();
  CHECK(Render(Parse("[{{status}}] {{ key }} on {{node}}"), ev) == "[critical] hmon-check/db/web01 on web01");
  CHECK(Render(Parse("{{data.target}} {{data.checks.1.name}} {{data.n}}"), ev) == "http://10.0.0.1/ b 3");
  CHECK(Render(Parse("{{changed}} {{v}}"), ev) == "true 1");
  // Absent fields and paths render empty.
  CHECK(Render(Parse("<{{scope}}><{{data.nope.x}}><{{data.checks.9}}>"), ev) == "<><><>");
  CHECK(Render(Parse("{{route}}/{{channel}}/{{reason}}: {{title}}"), ev,
               {{"route", "db"}, {"channel", "ops"}, {"reason", "problem"}, {"title", "T"}}) == "db/ops/problem: T");
  CHECK(Render(Parse("{{data}}"), ev) == R"({"target":"http://10.0.0.1/","checks":[{"name":"a"},{"name":"b"}],"n":3})");
}

TEST_CASE("template: JSON escaping keeps a payload valid JSON whatever the event holds") {
  const auto ev = Event1();
  const Template t = Parse(R"({"text": "{{summary}}", "n": {{data.n}}, "event": {{event}}})", Escape::kJson);
  const std::string out = Render(t, ev);
  const nlohmann::json j = nlohmann::json::parse(out);
  CHECK(j["text"] == "db \"down\"\nsince 03:00");
  CHECK(j["n"] == 3);
  CHECK(j["event"]["key"] == "hmon-check/db/web01");
  CHECK(JsonEscape("a\"b\\c\n\x01") == "a\\\"b\\\\c\\n\\u0001");
}

TEST_CASE("template: time_local is the event time in the given zone") {
  const auto ev = Event1();  // 2026-05-07T03:12:45.512Z
  RenderContext ctx;
  ctx.event = &ev;
  CHECK(Parse("{{time_local}}").Render(ctx) == "2026-05-07 03:12:45Z");
  ctx.zone = FindZone("Asia/Tokyo");
  REQUIRE(ctx.zone);
  CHECK(Parse("{{time_local}}").Render(ctx) == "2026-05-07 12:12:45+09:00");
}

TEST_CASE("template: the default texts, in English and Japanese, leave out what the event lacks") {
  const auto ev = Event1();
  RenderContext ctx;
  ctx.event = &ev;
  ctx.vars["status_label"] = StatusLabel("critical", "en", false);
  ctx.vars["subject"] = "hmon-check/db/web01";  // the key, as a channel sets it (delivery_test)
  CHECK(DefaultTitle("en").Render(ctx) == "[CRITICAL] hmon-check/db/web01");
  CHECK(DefaultBody("en").Render(ctx) ==
        "db \"down\"\nsince 03:00\nstatus: critical\nprevious status: ok\nnode: web01\nhost: ops1\n"
        "time: 2026-05-07 03:12:45Z");
  ctx.vars["status_label"] = StatusLabel("critical", "ja", false);
  CHECK(DefaultTitle("ja").Render(ctx) == "【重大】hmon-check/db/web01");
  CHECK(DefaultBody("ja").Render(ctx) ==
        "db \"down\"\nsince 03:00\n状態: 重大 (critical)\n前回の状態: ok\nノード: web01\nホスト: ops1\n"
        "発生時刻: 2026-05-07 03:12:45Z");
  CHECK(StatusLabel("ok", "ja", true) == "復旧");
  CHECK(StatusLabel("ok", "en", true) == "RECOVERED");
  CHECK(StatusLabel("warning", "ja", false) == "警告");
  CHECK(StatusLabel("degraded", "ja", false) == "degraded");
  CHECK(StatusLabel("degraded", "en", false) == "DEGRADED");
}

TEST_CASE("template: {{runbook}}, and the default bodies end with the runbook when the event has one") {
  Event e = testing::MonitorEvent("hmon-check/db/web01", "critical");
  e.runbook = "https://wiki.example.com/runbooks/db?node=web01";
  const auto ev = EventToJson(e);
  CHECK(Render(Parse("see {{runbook}}"), ev) == "see https://wiki.example.com/runbooks/db?node=web01");
  RenderContext ctx;
  ctx.event = &ev;
  ctx.vars["status_label"] = StatusLabel("critical", "en", false);
  CHECK(DefaultBody("en").Render(ctx) ==
        "hmon-check/db/web01 is critical\nstatus: critical\nhost: ops1\ntime: 2026-05-07 03:12:45Z\n"
        "runbook: https://wiki.example.com/runbooks/db?node=web01");
  ctx.vars["status_label"] = StatusLabel("critical", "ja", false);
  e.runbook = "DBA に電話 (内線 1234)";
  const auto ja = EventToJson(e);
  ctx.event = &ja;
  CHECK(DefaultBody("ja").Render(ctx) ==
        "hmon-check/db/web01 is critical\n状態: 重大 (critical)\nホスト: ops1\n発生時刻: 2026-05-07 03:12:45Z\n"
        "対応手順: DBA に電話 (内線 1234)");
}

TEST_CASE("template: what a placeholder may name depends on where it is written") {
  YamlDoc doc = YamlDoc::FromString("t: '{{title}}'\n", "n.yaml");
  CHECK_THROWS_WITH_AS(Template::Parse(doc, doc.root()["t"], "'title'", {}),
                       "n.yaml:1:4: 'title': unknown placeholder '{{title}}' (event fields, data.PATH, status_label, "
                       "time_local, channel, route, reason, id)\n  t: '{{title}}'\n     ^",
                       DefinitionError);
  CHECK_NOTHROW(Template::Parse(doc, doc.root()["t"], "'body'", {"title"}));
  YamlDoc bad = YamlDoc::FromString("t: '{{ }}'\n", "n.yaml");
  CHECK_THROWS_WITH_AS(Template::Parse(bad, bad.root()["t"], "'t'", {}),
                       "n.yaml:1:4: 't': invalid placeholder '{{}}'\n  t: '{{ }}'\n     ^", DefinitionError);
}

}  // namespace
}  // namespace hops::notify
