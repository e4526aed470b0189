// Delivery through the spool to a real HTTP receiver on 127.0.0.1 (tests/unit/testing/
// http_receiver.py) and to real commands: confirmation, retries, backoff, Retry-After, timeouts,
// outages, limits, and secrets kept out of the state store and the log.
#include "cmd/hnotify/notifier.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>

#include "tests/unit/hnotify/fixture.hpp"
#include "tests/unit/testing/receiver.hpp"

namespace hops::notify {
namespace {

using testing::FakeClock;
using testing::Load;
using testing::MonitorEvent;
using testing::OpenStore;
using testing::Opts;
using testing::Rig;
using testing::ReadAll;

/// A started receiver (the test fails when python3 cannot run it).
std::unique_ptr<hops::testing::Receiver> StartReceiver() {
  auto r = std::make_unique<hops::testing::Receiver>();
  std::string err;
  REQUIRE_MESSAGE(r->Start(&err), err);
  return r;
}

/// A file with one webhook channel "hook" to @p url (with @p extra keys and @p retry) and a route
/// to it.
std::string Hook(const std::string& url, const std::string& extra = "",
                 const std::string& retry = "{backoff: 10s, max_backoff: 1m}") {
  return "channels:\n  hook:\n    type: webhook\n    url: " + url + "\n    retry: " + retry + "\n" + extra +
         "routes:\n  - {channels: [hook]}\n";
}

TEST_CASE("delivery: a webhook gets the default JSON payload and an idempotency key, 2xx confirms") {
  auto rcv = StartReceiver();
  Rig rig(Hook(rcv->Url(), "    headers: {X-Team: ops, X-Key: '{{key}}'}\n"));
  Event e = MonitorEvent("hmon-check/db/web01", "critical", "ok");
  e.data = {{"target", "http://10.0.0.1/"}};
  REQUIRE(rig.n.Accept(e).ids.size() == 1);
  const FlushResult r = rig.n.Flush({});
  CHECK(r.delivered == 1);
  CHECK(r.pending == 0);
  CHECK(rig.store->QueueDepth(rig.n.spool().Queue("hook")) == 0);
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["method"] == "POST");
  CHECK(got[0]["path"] == "/hook");
  CHECK(got[0]["headers"]["content-type"] == "application/json");
  CHECK(got[0]["headers"]["x-team"] == "ops");
  CHECK(got[0]["headers"]["x-key"] == "hmon-check/db/web01");
  CHECK(got[0]["headers"]["idempotency-key"].get<std::string>().size() == 36);
  const nlohmann::json body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  CHECK(body["title"] == "[CRITICAL] hmon-check/db/web01");
  CHECK(body["body"].get<std::string>().rfind("hmon-check/db/web01 is critical\nstatus: critical\n", 0) == 0);
  CHECK(body["reason"] == "problem");
  CHECK(body["route"] == "#1");
  CHECK(body["id"] == got[0]["headers"]["idempotency-key"]);
  CHECK(body["event"]["data"]["target"] == "http://10.0.0.1/");
  CHECK(body["event"]["v"] == 1);
  // The delivery log says who was told what, for reports.
  const auto logged = rig.store->ListDeliveries("", 0, INT64_MAX);
  REQUIRE(logged.size() == 1);
  CHECK(logged[0].event_key == "hmon-check/db/web01");
  CHECK(logged[0].event_kind == "monitor.result");
  CHECK(logged[0].event_status == "critical");
  CHECK(logged[0].reason == "problem");
  CHECK(logged[0].route == "#1");
  CHECK(logged[0].channel == "hook");
  CHECK(logged[0].channel_type == "webhook");
  CHECK(logged[0].outcome == "sent");
  CHECK(logged[0].time_ms == rig.clock.now);
}

TEST_CASE("delivery: a group summary's default title says what it holds, not its key") {
  auto rcv = StartReceiver();
  Rig rig("channels:\n  hook: {type: webhook, url: " + rcv->Url() + "}\n"
          "routes:\n  - {name: batch, channels: [hook], group: {by: [scope], limit: 0, window: 1m}}\n");
  for (const char* key : {"hmon-check/agent/w1", "hmon-check/agent/w2"}) {
    Event e = MonitorEvent(key, "critical", "ok");
    e.scope = "batch";
    rig.n.Accept(e);
  }
  rig.clock.now += 60 * 1000;
  rig.n.Flush({});
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 1);
  const nlohmann::json body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  CHECK(body["event"]["key"] == "hnotify/summary/batch/scope batch");
  CHECK(body["title"] == "[CRITICAL] 2 alerts for scope batch (critical 2)");
  CHECK(body["body"].get<std::string>().rfind("2 alerts for scope batch (critical 2)\nstatus: critical\n", 0) == 0);
  // The delivery log tells how each check's problem went out: grouped, then the summary sent.
  std::vector<std::string> logged;
  for (const Delivery& d : rig.store->ListDeliveries("", 0, INT64_MAX))
    logged.push_back(d.event_key + " " + d.reason + " " + d.outcome + " " + d.detail);
  std::string all;
  for (const std::string& l : logged) all += l + "|";
  INFO(all);
  CHECK(logged == std::vector<std::string>{"hmon-check/agent/w1 problem grouped held for the summary of route 'batch'",
                                           "hmon-check/agent/w2 problem grouped held for the summary of route 'batch'",
                                           "hnotify/summary/batch/scope batch summary sent HTTP 200"});
}

TEST_CASE("delivery: a failure is retried after a backoff with the same idempotency key") {
  auto rcv = StartReceiver();
  rcv->SetPlan("500 ok");
  Rig rig(Hook(rcv->Url()));
  rig.n.Accept(MonitorEvent("k", "critical"));
  const int64_t t0 = rig.clock.now;
  FlushResult r = rig.n.Flush({});
  CHECK(r.delivered == 0);
  CHECK(r.retried == 1);
  CHECK(r.pending == 1);
  // backoff 10s, equal jitter with random 0.5: 7.5s.
  REQUIRE(r.next_ms);
  CHECK(*r.next_ms == t0 + 7500);
  auto items = rig.n.spool().List({"hook"});
  REQUIRE(items.size() == 1);
  CHECK(items[0].attempts == 1);
  CHECK(items[0].last_error == "HTTP 500: error 500");
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0] == "notification #1 to 'hook' (k critical (problem)) failed (attempt 1): HTTP 500: error 500; "
                  "next attempt at 2026-05-07T03:12:52.500Z");
  // Not due yet: nothing is sent.
  rig.clock.now = t0 + 7499;
  CHECK(rig.n.Flush({}).delivered == 0);
  CHECK(rcv->Requests().size() == 1);
  rig.clock.now = t0 + 7500;
  r = rig.n.Flush({});
  CHECK(r.delivered == 1);
  CHECK(r.pending == 0);
  const auto all = rcv->Requests();
  REQUIRE(all.size() == 2);
  CHECK(all[0]["headers"]["idempotency-key"] == all[1]["headers"]["idempotency-key"]);
  CHECK(all[0]["body"] == all[1]["body"]);
}

TEST_CASE("delivery: backoff doubles up to max_backoff, with equal jitter") {
  RetryPolicy p;
  p.backoff = std::chrono::seconds(10);
  p.max_backoff = std::chrono::seconds(60);
  CHECK(Notifier::BackoffMs(p, 1, 0.0) == 5000);
  CHECK(Notifier::BackoffMs(p, 1, 0.999999) == 9999);
  CHECK(Notifier::BackoffMs(p, 2, 0.0) == 10000);
  CHECK(Notifier::BackoffMs(p, 3, 1.0) == 40000);
  CHECK(Notifier::BackoffMs(p, 4, 1.0) == 60000);
  CHECK(Notifier::BackoffMs(p, 40, 0.0) == 30000);
}

TEST_CASE("delivery: 429 with Retry-After waits as long as the receiver asks") {
  auto rcv = StartReceiver();
  rcv->SetPlan("429:120 ok");
  Rig rig(Hook(rcv->Url()));
  rig.n.Accept(MonitorEvent("k", "critical"));
  const int64_t t0 = rig.clock.now;
  FlushResult r = rig.n.Flush({});
  CHECK(r.retried == 1);
  REQUIRE(r.next_ms);
  CHECK(*r.next_ms == t0 + 120000);
  rig.clock.now = t0 + 119000;
  CHECK(rig.n.Flush({}).delivered == 0);
  rig.clock.now = t0 + 120000;
  CHECK(rig.n.Flush({}).delivered == 1);
  CHECK(rcv->Requests().size() == 2);
}

TEST_CASE("delivery: a receiver that never answers times out and the item stays for later") {
  auto rcv = StartReceiver();
  rcv->SetPlan("hang");
  Rig rig(Hook(rcv->Url(), "    timeout: 500ms\n"));
  rig.n.Accept(MonitorEvent("k", "critical"));
  const auto start = std::chrono::steady_clock::now();
  FlushResult r = rig.n.Flush({});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK(r.retried == 1);
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0].find("failed (attempt 1): timeout") != std::string::npos);
  CHECK(rig.n.spool().List({"hook"}).size() == 1);
}

TEST_CASE("delivery: a claimed item is leased: an overlapping flush leaves it alone until the lease ends") {
  auto rcv = StartReceiver();
  Rig rig(Hook(rcv->Url(), "    timeout: 2s\n"));
  rig.n.Accept(MonitorEvent("k", "critical"));
  // Another process claimed it and is sending it (or died doing so).
  REQUIRE(rig.store->Claim(rig.n.spool().Queue("hook"), rig.clock.now, Notifier::LeaseMs(*rig.f.FindChannel("hook"))));
  CHECK(Notifier::LeaseMs(*rig.f.FindChannel("hook")) == 9000);
  FlushResult r = rig.n.Flush({});
  CHECK(r.delivered == 0);
  CHECK(r.pending == 1);
  CHECK(rcv->Requests().empty());
  rig.clock.now += 9000;
  CHECK(rig.n.Flush({}).delivered == 1);
  CHECK(rcv->Delivered().size() == 1);
}

TEST_CASE("delivery: the spool outlives an outage: everything arrives afterwards, once, in order, in full") {
  auto rcv = StartReceiver();
  rcv->Stop();
  Rig rig(Hook(rcv->Url()));
  std::vector<std::string> keys;
  for (int i = 0; i < 6; ++i) {
    keys.push_back("hmon-check/m" + std::to_string(i) + "/web01");
    Event e = MonitorEvent(keys.back(), i % 2 ? "warning" : "critical");
    e.summary = "summary " + std::to_string(i) + " \"quoted\" 日本語";
    rig.n.Accept(e);
  }
  FlushResult r = rig.n.Flush({});
  CHECK(r.delivered == 0);
  CHECK(r.retried == 1);  // the channel is down: the others wait behind the first
  CHECK(r.pending == 6);
  rig.clock.now += 60 * 1000;
  CHECK(rig.n.Flush({}).retried == 1);
  std::string err;
  REQUIRE_MESSAGE(rcv->Start(&err), err);
  rig.clock.now += 10 * 60 * 1000;
  r = rig.n.Flush({});
  CHECK(r.delivered == 6);
  CHECK(r.pending == 0);
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 6);
  for (int i = 0; i < 6; ++i) {
    const nlohmann::json body = nlohmann::json::parse(got[i]["body"].get<std::string>());
    CHECK(body["event"]["key"] == keys[i]);
    CHECK(body["event"]["summary"] == "summary " + std::to_string(i) + " \"quoted\" 日本語");
  }
}

TEST_CASE("delivery: --wait: a flush with a deadline waits for retries and delivers") {
  auto rcv = StartReceiver();
  rcv->SetPlan("503*2 ok");
  Rig rig(Hook(rcv->Url()));
  const Accepted a = rig.n.Accept(MonitorEvent("k", "critical"));
  FlushOptions o;
  o.watch = std::set<int64_t>(a.ids.begin(), a.ids.end());
  o.until_ms = rig.clock.now + 5 * 60 * 1000;
  const FlushResult r = rig.n.Flush(o);
  CHECK(r.delivered == 1);
  CHECK(r.retried == 2);
  CHECK(r.pending == 0);
  CHECK(rcv->Requests().size() == 3);
  // A deadline too short gives up waiting; the item stays.
  rcv->SetPlan("503");
  const Accepted b = rig.n.Accept(MonitorEvent("k2", "critical"));
  o.watch = std::set<int64_t>(b.ids.begin(), b.ids.end());
  o.until_ms = rig.clock.now + 20 * 1000;
  const FlushResult r2 = rig.n.Flush(o);
  CHECK(r2.delivered == 0);
  CHECK(r2.pending == 1);
  CHECK(rig.clock.now >= *o.until_ms);
}

TEST_CASE("delivery: a permanent failure, the retry limit and the age limit drop the item and say so") {
  auto rcv = StartReceiver();
  rcv->SetPlan("400");
  Rig rig(Hook(rcv->Url(), "", "{backoff: 1s, attempts: 2, max_age: 1h}"));
  rig.n.Accept(MonitorEvent("bad", "critical"));
  FlushResult r = rig.n.Flush({});
  CHECK(r.dropped == 1);
  CHECK(r.pending == 0);
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0] == "dropped notification #1 to 'hook' (bad critical (problem)): HTTP 400: error 400");

  rig.log.clear();
  rcv->SetPlan("500");
  rig.n.Accept(MonitorEvent("limit", "critical"));
  CHECK(rig.n.Flush({}).retried == 1);
  rig.clock.now += 2000;
  r = rig.n.Flush({});
  CHECK(r.dropped == 1);
  REQUIRE(rig.log.size() == 2);
  CHECK(rig.log[1] == "dropped notification #2 to 'hook' (limit critical (problem)) after 2 attempts: HTTP 500: error 500");

  rig.log.clear();
  rcv->SetPlan("ok");
  rig.n.Accept(MonitorEvent("old", "critical"));
  rig.clock.now += 3600 * 1000 + 1;
  r = rig.n.Flush({});
  CHECK(r.dropped == 1);
  CHECK(r.delivered == 0);
  REQUIRE(rig.log.size() == 1);
  CHECK(rig.log[0] == "dropped notification #3 to 'hook' (old critical (problem)): not delivered within 1h");
  const auto logged = rig.store->ListDeliveries("", 0, INT64_MAX);
  REQUIRE(logged.size() == 3);
  for (const auto& d : logged) CHECK(d.outcome == "dropped");
  CHECK(logged[0].event_key == "bad");
  CHECK(logged[0].detail == "HTTP 400: error 400");
  CHECK(logged[1].detail == "after 2 attempts: HTTP 500: error 500");
  CHECK(logged[2].detail == "not delivered within 1h");
}

TEST_CASE("delivery: slack: the body \"ok\" confirms, anything else carries Slack's reason") {
  auto rcv = StartReceiver();
  ::setenv("HOPS_TEST_SLACK_URL", rcv->Url("/services/T0/B0/s3cretpath").c_str(), 1);
  Rig rig("channels:\n  s: {type: slack, url_env: HOPS_TEST_SLACK_URL}\nroutes:\n  - {channels: [s]}\n", 1);
  rig.n.Accept(MonitorEvent("k", "critical"));
  CHECK(rig.n.Flush({}).delivered == 1);
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 1);
  const nlohmann::json body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  CHECK(body["text"] == "[CRITICAL] k");
  CHECK(body["attachments"][0]["color"] == "#d50200");
  CHECK(body["attachments"][0]["text"].get<std::string>().rfind("k is critical\n", 0) == 0);

  rcv->SetPlan("body:404:no_service");
  rig.n.Accept(MonitorEvent("k", "ok", "critical"));
  rig.log.clear();
  const FlushResult r = rig.n.Flush({});
  CHECK(r.dropped == 1);
  CHECK(rig.log.back() == "dropped notification #2 to 's' (k ok (recovery)): HTTP 404: slack says 'no_service'");
  // The URL is the credential: never in the rig.log.
  for (const std::string& line : rig.log) CHECK(line.find("s3cretpath") == std::string::npos);
  CHECK(rig.log[0] == "sending #2 to 's': POST http://127.0.0.1:" + std::to_string(rcv->port()) + "/***; Content-Type: application/json; charset=utf-8; "
                  "(body of " + std::to_string(rcv->Requests().back()["body"].get<std::string>().size()) + " bytes)");

  rcv->SetPlan("body:200:not-slack");
  rig.n.Accept(MonitorEvent("k", "critical", "ok"));
  rig.log.clear();
  CHECK(rig.n.Flush({}).dropped == 1);
  CHECK(rig.log.back() == "dropped notification #3 to 's' (k critical (problem)): HTTP 200 without Slack's \"ok\": not-slack");
  ::unsetenv("HOPS_TEST_SLACK_URL");
}

TEST_CASE("delivery: secrets are read at send time and never reach the state store or the log") {
  auto rcv = StartReceiver();
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  ::setenv("HOPS_TEST_HOOK_KEY", "key-9f8e7d6c5b4a", 1);
  hops::testing::WriteFile(dir + "/url", rcv->Url("/hook/tok-1a2b3c4d5e6f") + "\n");
  FakeClock clock;
  StateOptions so;
  so.now_ms = clock.Fn();
  auto store = StateStore::Open(dir + "/state.db", so);
  const NotifyFile f = Load("channels:\n  hook:\n    type: webhook\n    url_file: " + dir +
                            "/url\n    headers:\n      X-Api-Key: {value_env: HOPS_TEST_HOOK_KEY}\n"
                            "routes:\n  - {channels: [hook]}\n");
  std::vector<std::string> log;
  NotifierOptions o = Opts(&clock, &log);
  o.verbose = 1;
  Notifier n(f, store.get(), o);
  rcv->SetPlan("500 ok");
  n.Accept(MonitorEvent("k", "critical"));
  n.Flush({});
  clock.now += 60 * 1000;
  n.Flush({});
  const auto got = rcv->Delivered();
  REQUIRE(got.size() == 1);
  CHECK(got[0]["headers"]["x-api-key"] == "key-9f8e7d6c5b4a");
  CHECK(got[0]["path"] == "/hook/tok-1a2b3c4d5e6f");
  REQUIRE(log.size() >= 4);
  for (const std::string& line : log) {
    CHECK_MESSAGE(line.find("key-9f8e7d6c5b4a") == std::string::npos, line);
    CHECK_MESSAGE(line.find("tok-1a2b3c4d5e6f") == std::string::npos, line);
  }
  store.reset();
  const std::string db = ReadAll(dir + "/state.db") + ReadAll(dir + "/state.db-wal");
  CHECK(db.find("hnotify:") != std::string::npos);  // the spool was there
  CHECK(db.find("key-9f8e7d6c5b4a") == std::string::npos);
  CHECK(db.find("tok-1a2b3c4d5e6f") == std::string::npos);
  ::unsetenv("HOPS_TEST_HOOK_KEY");
}

TEST_CASE("delivery: a secret that cannot be read keeps the item for a retry, saying why") {
  FakeClock clock;
  auto store = OpenStore(&clock);
  ::unsetenv("HOPS_TEST_UNSET_URL");
  const NotifyFile f = Load("channels:\n  s: {type: slack, url_env: HOPS_TEST_UNSET_URL}\nroutes:\n  - {channels: [s]}\n");
  std::vector<std::string> log;
  Notifier n(f, store.get(), Opts(&clock, &log));
  n.Accept(MonitorEvent("k", "critical"));
  CHECK(n.Flush({}).retried == 1);
  REQUIRE(log.size() == 1);
  CHECK(log[0].find("failed (attempt 1): environment variable 'HOPS_TEST_UNSET_URL' named by 'url_env' is not set") !=
        std::string::npos);
  CHECK(f.FindChannel("s")->CheckSecrets() ==
        std::vector<std::string>{"environment variable 'HOPS_TEST_UNSET_URL' named by 'url_env' is not set"});
}

TEST_CASE("delivery: command: the event on stdin and in HOPS_EVENT_*, exit codes decide") {
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  const std::string script = hops::testing::WriteScript(dir, "notify.sh",
      "cat > \"$OUT/stdin\"\n"
      "env | grep -E '^(HOPS_|PAGER_|XDG_|SECRET_)' | sort > \"$OUT/env\"\n"
      "printf '%s\\n' \"$@\" > \"$OUT/args\"\n"
      "echo \"failing on purpose\" >&2\n"
      "exit $(cat \"$OUT/code\")\n");
  hops::testing::WriteFile(dir + "/code", "0\n");
  ::setenv("HOPS_TEST_PAGER_TOKEN", "pt-0123456789", 1);
  // Where the hops settings, state and inventory are reaches the program (a hops tool it starts
  // works on the same ones), and a variable of the channel's env wins; nothing else does.
  ::setenv("HOPS_STATE_DIR", (dir + "/state").c_str(), 1);
  ::setenv("HOPS_INVENTORY", (dir + "/inventory.yaml").c_str(), 1);
  ::setenv("XDG_CONFIG_HOME", (dir + "/config").c_str(), 1);
  ::setenv("SECRET_OF_HNOTIFY", "not-for-commands", 1);
  Rig rig("channels:\n  cmd:\n    type: command\n    argv: [" + script +
                            ", '{{title}}', 'a b; $(id)']\n    timeout: 2s\n"
                            "    env: {OUT: " + dir + ", PAGER_TOKEN: {value_env: HOPS_TEST_PAGER_TOKEN}, XDG_CONFIG_HOME: /cfg}\n"
                            "routes:\n  - {channels: [cmd]}\n");
  Event e = MonitorEvent("hmon-check/db/web01", "critical", "ok");
  e.node = "web01";
  rig.n.Accept(e);
  CHECK(rig.n.Flush({}).delivered == 1);
  CHECK(ReadAll(dir + "/args") == "[CRITICAL] hmon-check/db/web01\na b; $(id)\n");
  const nlohmann::json in = nlohmann::json::parse(ReadAll(dir + "/stdin"));
  CHECK(in["key"] == "hmon-check/db/web01");
  CHECK(in["node"] == "web01");
  const std::string env = ReadAll(dir + "/env");
  CHECK(env.find("HOPS_EVENT_KEY=hmon-check/db/web01\n") != std::string::npos);
  CHECK(env.find("HOPS_EVENT_STATUS=critical\n") != std::string::npos);
  CHECK(env.find("HOPS_EVENT_PREVIOUS_STATUS=ok\n") != std::string::npos);
  CHECK(env.find("HOPS_EVENT_NODE=web01\n") != std::string::npos);
  CHECK(env.find("HOPS_NOTIFY_REASON=problem\n") != std::string::npos);
  CHECK(env.find("HOPS_NOTIFY_ATTEMPT=1\n") != std::string::npos);
  CHECK(env.find("PAGER_TOKEN=pt-0123456789\n") != std::string::npos);
  CHECK(env.find("HOPS_STATE_DIR=" + dir + "/state\n") != std::string::npos);
  CHECK(env.find("HOPS_INVENTORY=" + dir + "/inventory.yaml\n") != std::string::npos);
  CHECK(env.find("XDG_CONFIG_HOME=/cfg\n") != std::string::npos);
  CHECK(env.find("XDG_CONFIG_HOME=" + dir) == std::string::npos);
  CHECK(env.find("SECRET_OF_HNOTIFY") == std::string::npos);
  ::unsetenv("HOPS_STATE_DIR");
  ::unsetenv("HOPS_INVENTORY");
  ::unsetenv("XDG_CONFIG_HOME");
  ::unsetenv("SECRET_OF_HNOTIFY");

  auto outcome = [&](const std::string& code, const std::string& key) {
    hops::testing::WriteFile(dir + "/code", code + "\n");
    rig.log.clear();
    rig.n.Accept(MonitorEvent(key, "critical"));
    const FlushResult r = rig.n.Flush({});
    return std::to_string(r.delivered) + "/" + std::to_string(r.retried) + "/" + std::to_string(r.dropped) + " " +
           (rig.log.empty() ? "" : rig.log.back());
  };
  CHECK(outcome("75", "a") == "0/1/0 notification #2 to 'cmd' (a critical (problem)) failed (attempt 1): exit 75: "
                              "failing on purpose; next attempt at 2026-05-07T03:13:07.500Z");
  rig.clock.now += 25LL * 3600 * 1000;  // the age limit drops #2 unseen
  CHECK(outcome("65", "b").rfind("0/0/2 dropped notification #3 to 'cmd' (b critical (problem)): exit 65: failing on purpose", 0) == 0);
  CHECK(outcome("1", "c").rfind("0/1/0 notification #4 to 'cmd' (c critical (problem)) failed (attempt 1): exit 1:", 0) == 0);
  ::unsetenv("HOPS_TEST_PAGER_TOKEN");
}

TEST_CASE("delivery: command: a timeout is retried, a missing program is dropped") {
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  Rig rig("channels:\n  slow: {type: command, argv: [sleep, '30'], timeout: 300ms}\n"
                            "  gone: {type: command, argv: [" + dir + "/no-such-program]}\n"
                            "routes:\n  - {channels: [slow, gone]}\n");
  rig.n.Accept(MonitorEvent("k", "critical"));
  const FlushResult r = rig.n.Flush({});
  CHECK(r.retried == 1);
  CHECK(r.dropped == 1);
  std::sort(rig.log.begin(), rig.log.end());
  REQUIRE(rig.log.size() == 2);
  CHECK(rig.log[0] == "dropped notification #2 to 'gone' (k critical (problem)): command '" + dir +
                  "/no-such-program' not found: No such file or directory");
  CHECK(rig.log[1].rfind("notification #1 to 'slow' (k critical (problem)) failed (attempt 1): timed out after 300ms", 0) == 0);
}

TEST_CASE("delivery: command: delivered_exit names the statuses that confirm") {
  const std::string dir = hops::testing::MakeTempDir("hops-hnotify");
  Rig rig("channels:\n  up: {type: command, argv: [sh, -c, 'exit 75'], delivered_exit: [0, 75]}\n"
                            "routes:\n  - {channels: [up]}\n", 1);
  rig.n.Accept(MonitorEvent("k", "critical"));
  CHECK(rig.n.Flush({}).delivered == 1);
  CHECK(rig.log.back() == "delivered notification #1 to 'up' (k critical (problem)): exit 75");
  CHECK(testing::Error("channels:\n  up: {type: command, argv: [x], delivered_exit: [0, 300]}\nroutes: []\n") ==
        "n.yaml:2:54: 'delivered_exit' takes exit statuses from 0 to 255, not '300'");
}

}  // namespace
}  // namespace hops::notify
