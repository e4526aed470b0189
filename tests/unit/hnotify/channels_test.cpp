// The API channels (chatwork, line, teams, pagerduty) against the recording HTTP receiver on
// 127.0.0.1: the exact request (method, path, headers, form or JSON body), how each API's answers
// are judged, rate limits and Retry-After, retired services refused, and secrets that the peer
// echoes back kept out of the log and the state store.
#include <doctest/doctest.h>
#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "cmd/hnotify/notifier.hpp"
#include "tests/unit/hnotify/fixture.hpp"
#include "tests/unit/testing/receiver.hpp"

namespace hops::notify {
namespace {

using testing::Error;
using testing::MonitorEvent;
using testing::Rig;

std::unique_ptr<hops::testing::Receiver> StartReceiver() {
  auto r = std::make_unique<hops::testing::Receiver>();
  std::string err;
  REQUIRE_MESSAGE(r->Start(&err), err);
  return r;
}

/// A file with channel "c" of @p type (@p keys indented under it), fixed texts and a route to it.
std::string One(const std::string& type, const std::string& keys) {
  return "channels:\n  c:\n    type: " + type + "\n    title: '{{status_label}} {{key}}'\n"
         "    body: \"{{summary}}\\n日本語の本文\"\n    retry: {backoff: 10s}\n" + keys + "routes:\n  - {channels: [c]}\n";
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string FormDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

TEST_CASE("chatwork: the form field body in an [info] box, the token in X-ChatWorkToken") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_CW_TOKEN", "cwtoken-0a1b2c3d4e", 1);
  rcv->SetPlan("body:200:{\"message_id\":\"1\"}|X-RateLimit-Remaining=299|X-RateLimit-Reset=" + std::to_string(UnixNow() + 300));
  Rig rig(One("chatwork", "    room_id: 12345\n    token_env: HOPS_TEST_CW_TOKEN\n    base_url: " + rcv->Url("/") + "\n"));
  rig.n.Accept(MonitorEvent("hmon-check/db/web01", "critical"));
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["method"] == "POST");
  CHECK(got[0]["path"] == "/v2/rooms/12345/messages");
  CHECK(got[0]["headers"]["x-chatworktoken"] == "cwtoken-0a1b2c3d4e");
  CHECK(got[0]["headers"]["content-type"] == "application/x-www-form-urlencoded");
  const std::string body = got[0]["body"];
  REQUIRE(body.rfind("body=", 0) == 0);
  CHECK(body.find_first_of(" \n&") == std::string::npos);
  CHECK(FormDecode(body.substr(5)) ==
        "[info][title]CRITICAL hmon-check/db/web01[/title]hmon-check/db/web01 is critical\n日本語の本文[/info]");
  ::unsetenv("HOPS_TEST_CW_TOKEN");
}

TEST_CASE("chatwork: with no requests left it waits for the reset, and a 429 is retried then") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_CW_TOKEN", "cwtoken-0a1b2c3d4e", 1);
  rcv->SetPlan("body:200:{}|X-RateLimit-Remaining=0|X-RateLimit-Reset=" + std::to_string(UnixNow() + 120));
  Rig rig(One("chatwork", "    room_id: '1'\n    token_env: HOPS_TEST_CW_TOKEN\n    base_url: " + rcv->Url() + "\n"));
  rig.n.Accept(MonitorEvent("a", "critical"));
  CHECK(rig.n.Flush({}).delivered == 1);
  rig.n.Accept(MonitorEvent("b", "critical"));
  const int64_t t0 = rig.clock.now;
  FlushResult r = rig.n.Flush({});
  CHECK(r.retried == 1);
  CHECK(rcv->Requests().size() == 1);  // not sent: the count is used up
  REQUIRE(r.next_ms);
  CHECK(*r.next_ms >= t0 + 110 * 1000);
  CHECK(*r.next_ms <= t0 + 121 * 1000);
  REQUIRE(!rig.log.empty());
  CHECK(rig.log.back().find("ChatWork's request limit is used up") != std::string::npos);

  // Past the limit ChatWork answers 429 with its reset time: the next attempt waits for it.
  Rig other(One("chatwork", "    room_id: '1'\n    token_env: HOPS_TEST_CW_TOKEN\n    base_url: " + rcv->Url() + "\n"));
  rcv->SetPlan("body:429:{\"errors\":[\"Rate-limit-exceeded\"]}|X-RateLimit-Remaining=0|X-RateLimit-Reset=" +
               std::to_string(UnixNow() + 60));
  other.n.Accept(MonitorEvent("c", "critical"));
  const int64_t t1 = other.clock.now;
  r = other.n.Flush({});
  CHECK(r.retried == 1);
  REQUIRE(r.next_ms);
  CHECK(*r.next_ms >= t1 + 50 * 1000);
  REQUIRE(other.log.size() == 1);
  CHECK(other.log[0].find("failed (attempt 1): HTTP 429: Rate-limit-exceeded") != std::string::npos);
  ::unsetenv("HOPS_TEST_CW_TOKEN");
}

TEST_CASE("line: a push with the channel token, to, and one retry key for every attempt, and 409 counts as delivered") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_LINE_TOKEN", "linetoken-9z8y7x6w5v", 1);
  rcv->SetPlan("500 body:409:{\"message\":\"The retry key is already accepted\"}");
  const std::string to = "U0123456789abcdef0123456789abcdef";
  Rig rig(One("line", "    to: " + to + "\n    channel_token_env: HOPS_TEST_LINE_TOKEN\n    base_url: " + rcv->Url("") + "\n"));
  rig.n.Accept(MonitorEvent("k", "warning"));
  CHECK(rig.n.Flush({}).retried == 1);
  rig.clock.now += 60 * 1000;
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto all = rcv->Requests();
  REQUIRE(all.size() == 2);
  for (const auto& q : all) {
    CHECK(q["method"] == "POST");
    CHECK(q["path"] == "/v2/bot/message/push");
    CHECK(q["headers"]["authorization"] == "Bearer linetoken-9z8y7x6w5v");
    CHECK(q["headers"]["content-type"] == "application/json");
    CHECK(q["headers"]["x-line-retry-key"].get<std::string>().size() == 36);
    CHECK(q["body"] == "{\"to\":\"" + to + "\",\"messages\":[{\"type\":\"text\",\"text\":\"WARNING k\\nk is warning\\n日本語の本文\"}]}");
  }
  CHECK(all[0]["headers"]["x-line-retry-key"] == all[1]["headers"]["x-line-retry-key"]);
  REQUIRE(!rig.log.empty());

  // A long text goes as up to 5 messages of at most 5,000 characters, cut at line ends.
  rcv->SetPlan("ok");
  Event e = MonitorEvent("long", "critical");
  std::string line(99, 'x');
  e.summary.clear();
  for (int i = 0; i < 120; ++i) e.summary += std::string(i ? "\n" : "") + "行" + line;  // 120 lines of 100 characters
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  const nlohmann::json body = nlohmann::json::parse(rcv->Requests().back()["body"].get<std::string>());
  REQUIRE(body["messages"].size() == 3);
  const std::string first = body["messages"][0]["text"];
  CHECK(first.rfind("CRITICAL long\n行x", 0) == 0);
  CHECK(first.back() == 'x');  // cut at a line end
  std::string joined;
  for (const auto& m : body["messages"]) joined += (joined.empty() ? "" : "\n") + m["text"].get<std::string>();
  CHECK(joined == "CRITICAL long\n" + e.summary + "\n日本語の本文");

  // More than 5 messages' worth: the fifth ends with "…".
  e.key = "longer";
  e.summary.clear();
  for (int i = 0; i < 300; ++i) e.summary += std::string(i ? "\n" : "") + "行" + line;
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  const nlohmann::json five = nlohmann::json::parse(rcv->Requests().back()["body"].get<std::string>());
  REQUIRE(five["messages"].size() == 5);
  const std::string last = five["messages"][4]["text"];
  CHECK(last.size() > 3);
  CHECK(last.substr(last.size() - 3) == "…");
  ::unsetenv("HOPS_TEST_LINE_TOKEN");
}

TEST_CASE("line: LINE Notify is refused with the way to the Messaging API") {
  const std::string ended = "LINE Notify, which ended on 31 March 2025";
  CHECK(Error(One("line", "    token_env: LINE_NOTIFY_TOKEN\n")).find("'token_env' looks like " + ended) != std::string::npos);
  CHECK(Error(One("line", "    url: https://notify-api.line.me/api/notify\n")).find(ended) != std::string::npos);
  CHECK(Error(One("webhook", "    url: https://notify-api.line.me/api/notify\n")) ==
        "n.yaml:7:10: LINE Notify ended on 31 March 2025 and takes no more messages: use a channel of type 'line' (the LINE "
        "Messaging API: channel_token_env or channel_token_file, and 'to')");
  CHECK(Error(One("line", "    to: someone\n    channel_token_env: T\n")) ==
        "n.yaml:7:9: 'to' must be a LINE user, group or room ID (U, C or R and 32 hex digits, as webhooks and the LINE "
        "Developers console show it), not 'someone'");
  CHECK(Error(One("line", "    to: U0123456789abcdef0123456789abcdef\n")).find("missing 'channel_token_env' or 'channel_token_file'") !=
        std::string::npos);
}

TEST_CASE("teams: an Adaptive Card to a Workflows webhook, and an Office 365 connector URL is refused") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_TEAMS_URL", rcv->Url("/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SigSecret77").c_str(), 1);
  rcv->SetPlan("body:202:");
  Rig rig(One("teams", "    url_env: HOPS_TEST_TEAMS_URL\n"), 1);
  Event e = MonitorEvent("hmon-check/db/web01", "critical");
  e.node = "web01";
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["method"] == "POST");
  CHECK(got[0]["headers"]["content-type"] == "application/json");
  const nlohmann::json card = nlohmann::json::parse(got[0]["body"].get<std::string>());
  CHECK(card["type"] == "message");
  REQUIRE(card["attachments"].size() == 1);
  CHECK(card["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive");
  const nlohmann::json& c = card["attachments"][0]["content"];
  CHECK(c["type"] == "AdaptiveCard");
  CHECK(c["version"] == "1.4");
  REQUIRE(c["body"].size() == 4);
  CHECK(c["body"][0] == nlohmann::json::parse(R"({"type":"TextBlock","text":"CRITICAL hmon-check/db/web01","weight":"Bolder",
                                                   "size":"Medium","color":"Attention","wrap":true})"));
  CHECK(c["body"][1]["text"] == "hmon-check/db/web01 is critical");
  CHECK(c["body"][2]["text"] == "日本語の本文");
  CHECK(c["body"][3]["type"] == "FactSet");
  CHECK(c["body"][3]["facts"][0] == nlohmann::json::parse(R"({"title":"status","value":"critical"})"));
  CHECK(c["body"][3]["facts"][2] == nlohmann::json::parse(R"({"title":"node","value":"web01"})"));
  for (const std::string& line : rig.log) CHECK_MESSAGE(line.find("SigSecret77") == std::string::npos, line);

  // A connector URL that can be read when the file loads is a definition error there.
  ::setenv("HOPS_TEST_TEAMS_URL", "https://contoso.webhook.office.com/webhookb2/1234@5678/IncomingWebhook/abcd/ef01", 1);
  const std::string err = Error(One("teams", "    url_env: HOPS_TEST_TEAMS_URL\n"));
  CHECK(err.rfind("n.yaml:7:14: the URL read from 'url_env': this is an Office 365 connector URL of Microsoft Teams, "
                  "which Microsoft has retired", 0) == 0);
  CHECK(err.find("abcd") == std::string::npos);
  // Read only when sending: the notification is dropped, saying why.
  ::unsetenv("HOPS_TEST_TEAMS_URL");
  Rig later(One("teams", "    url_env: HOPS_TEST_TEAMS_URL\n"));
  ::setenv("HOPS_TEST_TEAMS_URL", "https://contoso.webhook.office.com/webhookb2/1234@5678/IncomingWebhook/abcd/ef01", 1);
  later.n.Accept(MonitorEvent("k", "critical"));
  CHECK(later.n.Flush({}).dropped == 1);
  REQUIRE(later.log.size() == 1);
  CHECK(later.log[0].find("Office 365 connector") != std::string::npos);
  ::unsetenv("HOPS_TEST_TEAMS_URL");
}

TEST_CASE("pagerduty: trigger on a problem, resolve on recovery with the same dedup key, and 202 accepts") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_PD_KEY", "R0UT1NGKEY0123456789abcdef012345", 1);
  rcv->SetPlan("body:202:{\"status\":\"success\",\"dedup_key\":\"k\"}");
  Rig rig(One("pagerduty", "    routing_key_env: HOPS_TEST_PD_KEY\n    base_url: " + rcv->Url("") + "\n"));
  Event e = MonitorEvent("hmon-check/db/web01", "critical");
  e.monitor = "db";
  e.scope = "tokyo/web";
  rig.n.Accept(e);
  rig.n.Accept(MonitorEvent("hmon-check/db/web01", "ok", "critical"));
  CHECK(rig.n.Flush({}).delivered == 2);
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 2);
  CHECK(got[0]["method"] == "POST");
  CHECK(got[0]["path"] == "/v2/enqueue");
  CHECK(got[0]["headers"]["content-type"] == "application/json");
  nlohmann::json trigger = nlohmann::json::parse(got[0]["body"].get<std::string>());
  CHECK(trigger["payload"]["custom_details"]["event"]["key"] == "hmon-check/db/web01");
  trigger["payload"].erase("custom_details");
  CHECK(trigger == nlohmann::json::parse(R"({"routing_key":"R0UT1NGKEY0123456789abcdef012345","event_action":"trigger",
      "dedup_key":"hmon-check/db/web01","payload":{"summary":"CRITICAL hmon-check/db/web01","source":"ops1",
      "severity":"critical","timestamp":"2026-05-07T03:12:45.512Z","component":"db","group":"tokyo/web",
      "class":"monitor.result"},"client":"hops hnotify"})"));
  CHECK(got[1]["body"] == R"({"routing_key":"R0UT1NGKEY0123456789abcdef012345","event_action":"resolve","dedup_key":"hmon-check/db/web01"})");
  ::unsetenv("HOPS_TEST_PD_KEY");
}

TEST_CASE("pagerduty: 429 and 5xx are retried (Retry-After honoured), a 400 or another 2xx is final") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_PD_KEY", "R0UT1NGKEY0123456789abcdef012345", 1);
  Rig rig(One("pagerduty", "    routing_key_env: HOPS_TEST_PD_KEY\n    base_url: " + rcv->Url("") + "\n"));
  rcv->SetPlan("429:90");
  rig.n.Accept(MonitorEvent("a", "critical"));
  const int64_t t0 = rig.clock.now;
  FlushResult r = rig.n.Flush({});
  CHECK(r.retried == 1);
  REQUIRE(r.next_ms);
  CHECK(*r.next_ms == t0 + 90 * 1000);
  rcv->SetPlan("503");
  rig.clock.now += 90 * 1000;
  CHECK(rig.n.Flush({}).retried == 1);
  rcv->SetPlan("body:400:{\"status\":\"invalid-event\",\"message\":\"Event-object-is-invalid\",\"errors\":[\"routing_key-is-invalid\"]}");
  rig.clock.now += 3600 * 1000;
  rig.log.clear();
  r = rig.n.Flush({});
  CHECK(r.dropped == 1);
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0] == "dropped notification #1 to 'c' (a critical (problem)): HTTP 400: Event-object-is-invalid; routing_key-is-invalid");
  rcv->SetPlan("ok");
  rig.n.Accept(MonitorEvent("b", "critical"));
  rig.log.clear();
  CHECK(rig.n.Flush({}).dropped == 1);
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0] == "dropped notification #2 to 'c' (b critical (problem)): HTTP 200 (not PagerDuty's 202: the event was not accepted)");
  ::unsetenv("HOPS_TEST_PD_KEY");
}

TEST_CASE("channels: a runbook URL is a link in Slack, Teams and PagerDuty, a text or javascript: runbook is not") {
  auto rcv = StartReceiver();
  const std::string url = "https://wiki.example.com/runbooks/db?node=web01&lang=ja";
  ::setenv("HOPS_TEST_RB_SLACK", rcv->Url("/services/T0/B0/x").c_str(), 1);
  ::setenv("HOPS_TEST_RB_TEAMS", rcv->Url("/wf?sig=x").c_str(), 1);
  ::setenv("HOPS_TEST_RB_PD", "R0UT1NGKEY0123456789abcdef012345", 1);
  auto send = [&](const std::string& type, const std::string& keys, const std::optional<std::string>& runbook,
                  const std::string& plan) {
    rcv->SetPlan(plan);
    Rig rig("channels:\n  c:\n    type: " + type + "\n" + keys + "routes:\n  - {channels: [c]}\n");
    Event e = MonitorEvent("hmon-check/db/web01", "critical");
    e.runbook = runbook;
    rig.n.Accept(e);
    CHECK(rig.n.Flush({}).delivered == 1);
    return nlohmann::json::parse(rcv->Delivered().back()["body"].get<std::string>());
  };
  const std::string slack = "    url_env: HOPS_TEST_RB_SLACK\n", teams = "    url_env: HOPS_TEST_RB_TEAMS\n",
                    pd = "    routing_key_env: HOPS_TEST_RB_PD\n    base_url: " + rcv->Url("") + "\n";
  const std::string webhook = "    url: " + rcv->Url("/hook") + "\n";

  nlohmann::json j = send("slack", slack, url, "body:200:ok");
  CHECK(j["text"] == "[CRITICAL] hmon-check/db/web01 <https://wiki.example.com/runbooks/db?node=web01&amp;lang=ja|Runbook>");
  CHECK(j["attachments"][0]["text"].get<std::string>().find("\nrunbook: " + url.substr(0, 40)) != std::string::npos);
  j = send("slack", slack + "    language: ja\n", url, "body:200:ok");
  CHECK(j["text"] == "【重大】hmon-check/db/web01 <https://wiki.example.com/runbooks/db?node=web01&amp;lang=ja|対応手順>");

  j = send("teams", teams, url, "body:202:");
  const nlohmann::json& card = j["attachments"][0]["content"];
  CHECK(card["actions"] == nlohmann::json::parse(R"([{"type":"Action.OpenUrl","title":"Runbook","url":")" + url + R"("}])"));
  CHECK(card["body"][card["body"].size() - 2]["text"] == "runbook: " + url);  // the last body line, before the facts

  j = send("pagerduty", pd, url, "body:202:{}");
  CHECK(j["links"] == nlohmann::json::parse(R"([{"href":")" + url + R"(","text":"Runbook"}])"));

  j = send("webhook", webhook, url, "ok");
  CHECK(j["event"]["runbook"] == url);
  CHECK(j["body"].get<std::string>().find("\nrunbook: " + url) != std::string::npos);

  // Text, a javascript: URL and a URL with a blank are shown as text (the default body), never linked.
  for (const std::string rb : {"call the DBA on 1234", "javascript:alert(1)", "https://x.example/a b", "https://"}) {
    CAPTURE(rb);
    j = send("slack", slack, rb, "body:200:ok");
    CHECK(j["text"] == "[CRITICAL] hmon-check/db/web01");
    CHECK(j["attachments"][0]["text"].get<std::string>().find("runbook: ") != std::string::npos);
    j = send("teams", teams, rb, "body:202:");
    CHECK(!j["attachments"][0]["content"].contains("actions"));
    j = send("pagerduty", pd, rb, "body:202:{}");
    CHECK(!j.contains("links"));
  }
  // No runbook: no link, and no runbook line.
  j = send("slack", slack, std::nullopt, "body:200:ok");
  CHECK(j["text"] == "[CRITICAL] hmon-check/db/web01");
  CHECK(j["attachments"][0]["text"].get<std::string>().find("runbook") == std::string::npos);
  j = send("teams", teams, std::nullopt, "body:202:");
  CHECK(!j["attachments"][0]["content"].contains("actions"));
  j = send("pagerduty", pd, std::nullopt, "body:202:{}");
  CHECK(!j.contains("links"));
  ::unsetenv("HOPS_TEST_RB_SLACK");
  ::unsetenv("HOPS_TEST_RB_TEAMS");
  ::unsetenv("HOPS_TEST_RB_PD");
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("channels: secrets a peer echoes back never reach the log or the state store") {
  auto rcv = StartReceiver();
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  const std::vector<std::string> secrets = {"cw-Secret-1111aaaa", "line-Secret-2222bbbb", "TeamsSig-3333cccc",
                                            "pdSecret44444444dddddddddddddddd"};
  ::setenv("HOPS_TEST_S_CW", secrets[0].c_str(), 1);
  hops::testing::WriteFile(dir + "/line", secrets[1] + "\n");
  ::setenv("HOPS_TEST_S_TEAMS", rcv->Url("/wf?sig=" + secrets[2]).c_str(), 1);
  hops::testing::WriteFile(dir + "/pd", secrets[3] + "\n");
  std::string echo;
  for (const auto& s : secrets) echo += (echo.empty() ? "" : ",") + s;
  rcv->SetPlan("body:503:" + echo);
  testing::FakeClock clock;
  StateOptions so;
  so.now_ms = clock.Fn();
  auto store = StateStore::Open(dir + "/state.db", so);
  const NotifyFile f = testing::Load(
      "channels:\n"
      "  cw: {type: chatwork, room_id: 1, token_env: HOPS_TEST_S_CW, base_url: '" + rcv->Url("") + "'}\n"
      "  ln: {type: line, to: U0123456789abcdef0123456789abcdef, channel_token_file: " + dir + "/line, base_url: '" + rcv->Url("") + "'}\n"
      "  tm: {type: teams, url_env: HOPS_TEST_S_TEAMS}\n"
      "  pd: {type: pagerduty, routing_key_file: " + dir + "/pd, base_url: '" + rcv->Url("") + "'}\n"
      "routes:\n  - {channels: [cw, ln, tm, pd]}\n");
  std::vector<std::string> log;
  NotifierOptions o = testing::Opts(&clock, &log);
  o.verbose = 1;
  Notifier n(f, store.get(), o);
  n.Accept(MonitorEvent("k", "critical"));
  CHECK(n.Flush({}).retried == 4);
  CHECK(rcv->Requests().size() == 4);
  REQUIRE(log.size() >= 8);
  for (const std::string& line : log)
    for (const std::string& s : secrets) CHECK_MESSAGE(line.find(s) == std::string::npos, line);
  store.reset();
  const std::string db = ReadAll(dir + "/state.db") + ReadAll(dir + "/state.db-wal");
  CHECK(db.find("hnotify:") != std::string::npos);
  for (const std::string& s : secrets) CHECK(db.find(s) == std::string::npos);
  ::unsetenv("HOPS_TEST_S_CW");
  ::unsetenv("HOPS_TEST_S_TEAMS");
}

}  // namespace
}  // namespace hops::notify
