// hmon-check status: rows from the state store and the monitor file, grouped by scope and worst
// first, joined with the status change log and hnotify's delivery log, and written as text, JSON
// and HTML that no summary or runbook can break out of.
#include "cmd/hmon-check/status.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "common/zone.hpp"
#include "tests/unit/testing/peer.hpp"

using namespace hops;
using namespace hops::mon;

namespace {

constexpr int64_t kNow = 1778123565000;  // 2026-05-07T03:12:45Z
constexpr int64_t kMin = 60'000;

struct Fixture {
  std::string dir = testing::MakeTempDir("hops-status");
  std::unique_ptr<StateStore> store = StateStore::Open(dir + "/state.db");

  /// Stores a status of @p key: @p raw is the latest check's state, @p hard the confirmed one.
  void Put(const std::string& key, const std::string& raw, const std::string& hard, int64_t changed_ago_ms,
           int64_t checked_ago_ms, const std::string& summary = "summary") {
    MonitorStatus s;
    s.key = key;
    s.state = raw;
    s.hard_state = hard;
    s.consecutive = 1;
    s.last_summary = summary;
    s.last_change_ms = kNow - changed_ago_ms;
    s.last_check_ms = kNow - checked_ago_ms;
    store->PutMonitorStatuses({s});
  }
};

StatusCheck Check(const std::string& monitor, const std::string& node, const std::string& scope,
                  const std::string& runbook = "") {
  return {node.empty() ? monitor : monitor + "/" + node, monitor, node, scope, "", runbook};
}

std::vector<std::string> Keys(const StatusGroup& g) {
  std::vector<std::string> out;
  for (const StatusRow& r : g.rows) out.push_back(r.check.key);
  return out;
}

TEST_CASE("status: grouped by scope, worst first, soft problems before settled checks, then by key") {
  Fixture f;
  f.Put("web/a", "ok", "ok", 60 * kMin, kMin);
  f.Put("web/b", "critical", "critical", 192 * kMin, kMin);
  f.Put("web/c", "warning", "ok", 5 * kMin, kMin);  // soft warning
  f.Put("web/d", "flapping", "warning", 10 * kMin, kMin);
  f.Put("web/e", "unknown", "unknown", 10 * kMin, kMin);
  f.Put("db/x", "suppressed", "ok", 10 * kMin, kMin);
  f.Put("db/y", "warning", "warning", 10 * kMin, 20 * kMin);  // stale at 15m
  f.Put("dns", "ok", "ok", 10 * kMin, kMin);
  f.Put("gone/z", "critical", "critical", 10 * kMin, kMin);
  const std::vector<StatusCheck> checks = {
      Check("web", "a", "tokyo/web"), Check("web", "b", "tokyo/web"), Check("web", "c", "tokyo/web"),
      Check("web", "d", "tokyo/web"), Check("web", "e", "tokyo/web"), Check("db", "x", "osaka"),
      Check("db", "y", "osaka"),      Check("dns", "", ""),           Check("new", "", "")};
  StatusPage page = BuildStatusPage(f.store.get(), checks, true, kNow, std::chrono::minutes(15));
  REQUIRE(page.groups.size() == 4);
  CHECK(page.groups[0].scope == "");
  CHECK(Keys(page.groups[0]) == std::vector<std::string>{"new", "dns"});  // pending before ok
  CHECK(page.groups[1].scope == "osaka");
  CHECK(Keys(page.groups[1]) == std::vector<std::string>{"db/y", "db/x"});
  CHECK(page.groups[2].scope == "tokyo/web");
  CHECK(Keys(page.groups[2]) == std::vector<std::string>{"web/b", "web/e", "web/d", "web/c", "web/a"});
  CHECK(!page.groups[3].in_file);
  CHECK(Keys(page.groups[3]) == std::vector<std::string>{"gone/z"});
  CHECK(page.groups[3].rows[0].check.monitor == "gone");
  CHECK(page.groups[3].rows[0].check.node == "z");

  const StatusRow& soft = page.groups[2].rows[3];
  CHECK(soft.state == "ok");
  CHECK(soft.raw_state == "warning");
  CHECK(soft.soft);
  CHECK(page.groups[2].rows[2].state == "flapping");
  CHECK(!page.groups[2].rows[2].soft);
  CHECK(page.groups[1].rows[0].stale);
  CHECK(!page.groups[1].rows[1].stale);
  CHECK(!page.groups[0].rows[0].checked);
  CHECK(page.groups[0].rows[0].state == "pending");
  CHECK(page.counts == std::map<std::string, int>{{"critical", 1}, {"unknown", 1}, {"warning", 1}, {"flapping", 1},
                                                  {"pending", 1}, {"ok", 3}, {"suppressed", 1}});
  CHECK(page.stale == 1);
  CHECK(page.not_in_file == 1);
  CHECK(StatusWorstExit(page) == 2);  // critical, worse than unknown (flapping counts as its hard warning)

  // Narrowed (--scope): no not-in-the-file group.
  page = BuildStatusPage(f.store.get(), {checks[5], checks[6]}, false, kNow, std::chrono::minutes(15));
  REQUIRE(page.groups.size() == 1);
  CHECK(Keys(page.groups[0]) == std::vector<std::string>{"db/y", "db/x"});
  CHECK(StatusWorstExit(page) == 1);
}

TEST_CASE("status: the change that began the state and the last notification of each check") {
  Fixture f;
  f.Put("web", "critical", "critical", 30 * kMin, kMin);
  f.Put("web2", "ok", "ok", 30 * kMin, kMin);
  f.store->AppendStatusChanges({{"web", kNow - 90 * kMin, "ok", "warning", "w"},
                                {"web", kNow - 30 * kMin, "warning", "critical", "c"},
                                {"web2", kNow - 50 * kMin, "critical", "ok", "r"}});  // not the current state's
  Delivery d;
  d.event_key = "hmon-check/web";
  d.event_status = "warning";
  d.reason = "problem";
  d.route = "ops";
  d.channel = "ops-slack";
  d.channel_type = "slack";
  d.outcome = "sent";
  d.time_ms = kNow - 80 * kMin;
  Delivery later = d;
  later.event_status = "critical";
  later.time_ms = kNow - 29 * kMin;
  later.outcome = "dropped";
  later.channel = "pager";
  later.channel_type = "pagerduty";
  Delivery other = d;
  other.event_key = "hmon-check/web2";  // "web" must not take "web2"'s
  other.time_ms = kNow - kMin;
  Delivery foreign = d;
  foreign.event_key = "hcal/web";
  foreign.time_ms = kNow;
  f.store->AppendDeliveries({d, later, other, foreign});
  const StatusPage page =
      BuildStatusPage(f.store.get(), {Check("web", "", ""), Check("web2", "", "")}, true, kNow, std::chrono::minutes(15));
  REQUIRE(page.groups.size() == 1);
  const StatusRow& web = page.groups[0].rows[0];
  CHECK(web.check.key == "web");
  CHECK(web.since_ms == kNow - 30 * kMin);
  CHECK(web.since_from == "warning");
  REQUIRE(web.notified);
  CHECK(web.notified->channel == "pager");
  CHECK(web.notified->outcome == "dropped");
  const StatusRow& web2 = page.groups[0].rows[1];
  CHECK(web2.since_from == "");
  REQUIRE(web2.notified);
  CHECK(web2.notified->time_ms == kNow - kMin);

  const std::string text = StatusText(page);
  CHECK(text ==
        "hmon-check status at 2026-05-07 03:12:45Z (UTC): 1 critical, 1 ok\n"
        "\n"
        "== no node (2) ==\n"
        "STATE     CHECK  SINCE                   LAST CHECK  NOTIFIED                               SUMMARY\n"
        "critical  web    2026-05-07 02:42 (30m)  1m ago      dropped via pager (pagerduty) 29m ago  summary\n"
        "ok        web2   2026-05-07 02:42 (30m)  1m ago      sent via ops-slack (slack) 1m ago      summary\n");
  const nlohmann::ordered_json j = StatusJson(page);
  CHECK(j["generated"] == "2026-05-07T03:12:45.000Z");
  CHECK(j["counts"] == nlohmann::ordered_json::parse(R"({"critical":1,"ok":1})"));
  const auto& row = j["groups"][0]["checks"][0];
  CHECK(row["since"] == "2026-05-07T02:42:45.000Z");
  CHECK(row["for_ms"] == 30 * kMin);
  CHECK(row["since_from"] == "warning");
  CHECK(row["last_notification"] == nlohmann::ordered_json::parse(
                                        R"({"time":"2026-05-07T02:43:45.000Z","channel":"pager","channel_type":"pagerduty",
                                            "outcome":"dropped","reason":"problem","status":"critical","route":"ops"})"));
}

TEST_CASE("status: ages in their two largest units") {
  CHECK(StatusAge(0) == "0s");
  CHECK(StatusAge(40'000) == "40s");
  CHECK(StatusAge(12 * kMin + 5000) == "12m");
  CHECK(StatusAge(192 * kMin) == "3h 12m");
  CHECK(StatusAge(180 * kMin) == "3h");
  CHECK(StatusAge((2 * 24 + 4) * 60 * kMin + 7 * kMin) == "2d 4h");
  CHECK(StatusAge(-5) == "0s");
}

TEST_CASE("status: hostile summaries and runbooks stay text in every format") {
  Fixture f;
  const std::string evil = std::string("<script>alert(\"x\")</script> 'q' \xff\xfe \x1b[31mred");
  f.Put("evil", "critical", "critical", kMin, kMin, evil);
  f.Put("good", "ok", "ok", kMin, kMin);
  StatusPage page = BuildStatusPage(f.store.get(),
                                    {Check("evil", "", "", "javascript:alert(1)"),
                                     Check("good", "", "", "https://wiki.example.com/rb?a=1&b=\"2\"")},
                                    true, kNow, std::chrono::minutes(15));
  page.refresh_s = 60;
  const std::string html = StatusHtml(page);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#39;q&#39; \xEF\xBF\xBD\xEF\xBF\xBD \xEF\xBF\xBD[31mred") !=
        std::string::npos);
  CHECK(html.find("href=\"javascript") == std::string::npos);
  CHECK(html.find("<td class=\"rb\" data-label=\"Runbook\">javascript:alert(1)</td>") != std::string::npos);
  CHECK(html.find("<a href=\"https://wiki.example.com/rb?a=1&amp;b=&quot;2&quot;\" rel=\"noopener noreferrer\">") !=
        std::string::npos);
  CHECK(html.find("<meta http-equiv=\"refresh\" content=\"60\">") != std::string::npos);
  CHECK(html.find("default-src 'none'") != std::string::npos);
  page.refresh_s = 0;
  CHECK(StatusHtml(page).find("http-equiv=\"refresh\"") == std::string::npos);

  const std::string text = StatusText(page);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("\xff") == std::string::npos);
  CHECK(text.find("<script>alert(\"x\")</script> 'q' ?? ?[31mred") != std::string::npos);
  // JSON carries the text as it is, invalid UTF-8 replaced, and stays valid JSON.
  const std::string json = StatusJson(page).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  const nlohmann::json back = nlohmann::json::parse(json);
  CHECK(back["groups"][0]["checks"][0]["summary"] == "<script>alert(\"x\")</script> 'q' \xEF\xBF\xBD\xEF\xBF\xBD \x1b[31mred");
  CHECK(back["groups"][0]["checks"][0]["runbook"] == "javascript:alert(1)");
}

TEST_CASE("status: times in the settings' zone") {
  Fixture f;
  f.Put("web", "ok", "ok", 192 * kMin, kMin);
  StatusPage page = BuildStatusPage(f.store.get(), {Check("web", "", "")}, true, kNow, std::chrono::minutes(15));
  page.zone = FindZone("Asia/Tokyo");
  REQUIRE(page.zone);
  const std::string text = StatusText(page);
  CHECK(text.rfind("hmon-check status at 2026-05-07 12:12:45+09:00 (Asia/Tokyo): 1 ok\n", 0) == 0);
  CHECK(text.find("2026-05-07 09:00 (3h 12m)") != std::string::npos);
  const std::string html = StatusHtml(page);
  CHECK(html.find("<time datetime=\"2026-05-07T00:00:45.000Z\">2026-05-07 09:00:45+09:00</time><br><span class=\"sub\">for 3h 12m</span>") !=
        std::string::npos);
}

}  // namespace

TEST_CASE("status: without a state store (nothing ran yet) every check is pending") {
  const StatusPage page = BuildStatusPage(nullptr, {Check("web", "n1", "tokyo"), Check("db", "", "")}, true, kNow,
                                          std::chrono::minutes(15));
  REQUIRE(page.counts.size() == 1);
  CHECK(page.counts.at("pending") == 2);
  CHECK(page.not_in_file == 0);
  REQUIRE(page.groups.size() == 2);
  CHECK_FALSE(page.groups[0].rows[0].notified);
}
