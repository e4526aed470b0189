#include "cmd/hmon-check/runner.hpp"

#include <doctest/doctest.h>

using namespace hops;
using namespace hops::mon;

namespace {

// Feeds raw results through EvaluateState as successive runs; returns the reported statuses.
struct Series {
  StateRules rules;
  std::optional<MonitorStatus> stored;
  std::vector<Outcome> outcomes;
  int64_t now = 1000;
  const Outcome& Feed(const std::string& raw) {
    Outcome o = EvaluateState(rules, stored, raw, "summary of " + raw, now += 60000);
    o.next.key = "m/n";
    stored = o.next;
    outcomes.push_back(o);
    return outcomes.back();
  }
  std::string Statuses() const {
    std::string s;
    for (const auto& o : outcomes) s += (s.empty() ? "" : " ") + o.status + (o.changed ? "*" : "");
    return s;
  }
};

}  // namespace

TEST_SUITE("monitor_run") {
  TEST_CASE("after: 1 changes at once, a new monitor that fails is a change") {
    Series s;
    s.Feed("critical");
    s.Feed("critical");
    s.Feed("ok");
    CHECK(s.Statuses() == "critical* critical ok*");
    CHECK(s.outcomes[0].previous == "");
    CHECK(s.outcomes[2].previous == "critical");
    CHECK(s.stored->history == "CCO");
  }

  TEST_CASE("a new monitor that is ok is not a change") {
    Series s;
    CHECK_FALSE(s.Feed("ok").changed);
  }

  TEST_CASE("after: 3 needs three failures in a row, soft states in between") {
    Series s;
    s.rules.after = 3;
    s.Feed("ok");
    s.Feed("critical");
    s.Feed("critical");
    CHECK(s.outcomes.back().soft);
    CHECK(s.outcomes.back().hard == nagios::State::kOk);
    s.Feed("critical");
    s.Feed("ok");
    CHECK(s.Statuses() == "ok ok ok critical* ok*");
    CHECK_FALSE(s.outcomes[3].soft);
  }

  TEST_CASE("one blip does not alert, alternating failures never reach the count") {
    Series s;
    s.rules.after = 2;
    for (const char* r : {"ok", "warning", "ok", "critical", "ok", "warning", "ok"}) s.Feed(r);
    for (const auto& o : s.outcomes) CHECK(o.status == "ok");
  }

  // Nagios state types (https://assets.nagios.com/downloads/nagioscore/docs/nagioscore/4/en/statetypes.html):
  // attempts count consecutive non-OK results of any kind; once hard, a change from one problem
  // state to another is hard at once.
  TEST_CASE("mixed failures count as attempts: W C W with after: 2 alerts on the second") {
    Series s;
    s.rules.after = 2;
    for (const char* r : {"warning", "critical", "warning", "critical", "warning", "critical", "warning", "critical"}) s.Feed(r);
    CHECK(s.Statuses() == "ok critical* warning* critical* warning* critical* warning* critical*");
    CHECK(s.outcomes[0].soft);
    for (size_t i = 1; i < s.outcomes.size(); ++i) CHECK_FALSE(s.outcomes[i].soft);
  }

  TEST_CASE("after: 3 with W C U: hard on the third attempt, in the state of that result") {
    Series s;
    s.rules.after = 3;
    for (const char* r : {"ok", "warning", "critical", "unknown"}) s.Feed(r);
    CHECK(s.Statuses() == "ok ok ok unknown*");
    CHECK(s.outcomes[2].next.consecutive == 2);
  }

  TEST_CASE("a hard critical followed by warning is a hard warning at once") {
    Series s;
    s.rules.after = 3;
    for (const char* r : {"critical", "critical", "critical", "warning"}) s.Feed(r);
    CHECK(s.Statuses() == "ok ok critical* warning*");
    CHECK_FALSE(s.outcomes.back().soft);
    CHECK(s.outcomes.back().hard == nagios::State::kWarning);
  }

  TEST_CASE("an OK in the middle resets the attempts") {
    Series s;
    s.rules.after = 3;
    for (const char* r : {"warning", "critical", "ok", "critical", "warning", "critical"}) s.Feed(r);
    CHECK(s.Statuses() == "ok ok ok ok ok critical*");
    CHECK(s.outcomes[4].next.consecutive == 2);
  }

  TEST_CASE("a failure during recovery keeps the problem hard, in its new state") {
    Series s;
    s.rules.after = 2;
    s.rules.recover_after = 3;
    for (const char* r : {"critical", "critical", "ok", "ok", "warning", "ok", "ok", "ok"}) s.Feed(r);
    CHECK(s.Statuses() == "ok critical* critical critical warning* warning warning ok*");
    CHECK(s.outcomes[3].soft);   // ok while hard critical
    CHECK_FALSE(s.outcomes[4].soft);
  }

  TEST_CASE("M of N counts any mix of failures and recovers after recover_after OKs") {
    Series s;
    s.rules.window_m = 3;
    s.rules.window_n = 5;
    s.rules.recover_after = 2;
    for (const char* r : {"warning", "ok", "unknown", "ok", "warning", "ok", "ok", "ok", "ok"}) s.Feed(r);
    // 3 of 5 at the fifth result (W . U . W): the worst of them, unknown < warning in Nagios order.
    CHECK(s.outcomes[4].status == nagios::StateWord(nagios::WorstOf(nagios::State::kWarning, nagios::State::kUnknown)));
    CHECK(s.outcomes[4].changed);
    CHECK(s.outcomes[5].status == s.outcomes[4].status);  // U . W . : only 2 of 5, but 1 OK < recover_after
    CHECK(s.outcomes[6].status == "ok");                  // two OKs in a row, fewer than 3 of 5 failed
    CHECK(s.outcomes[6].changed);
  }

  TEST_CASE("recover_after keeps the failure until enough OK results") {
    Series s;
    s.rules.recover_after = 2;
    s.Feed("critical");
    s.Feed("ok");
    CHECK(s.outcomes.back().status == "critical");
    CHECK(s.outcomes.back().soft);
    s.Feed("ok");
    CHECK(s.Statuses() == "critical* critical ok*");
  }

  TEST_CASE("M of N alerts on the worst of the window") {
    Series s;
    s.rules.window_m = 2;
    s.rules.window_n = 4;
    s.Feed("warning");
    CHECK(s.outcomes.back().status == "ok");
    s.Feed("ok");
    s.Feed("critical");
    CHECK(s.outcomes.back().status == "critical");
    CHECK(s.outcomes.back().changed);
    s.Feed("ok");
    CHECK(s.outcomes.back().status == "critical");  // still 2 of the last 4 failed
    s.Feed("ok");
    CHECK(s.outcomes.back().status == "ok");  // 1 of the last 4: recovered
  }

  TEST_CASE("flapping holds the hard state and reports start and stop once") {
    Series s;
    s.rules.flapping = true;
    s.rules.flap_window = 8;
    s.rules.flap_high = 50;
    s.rules.flap_low = 25;
    for (const char* r : {"ok", "critical", "ok", "critical"}) s.Feed(r);
    CHECK(s.outcomes.back().status == "flapping");
    CHECK(s.outcomes.back().changed);
    s.Feed("ok");
    CHECK(s.outcomes.back().status == "flapping");
    CHECK_FALSE(s.outcomes.back().changed);
    for (int i = 0; i < 8; ++i) s.Feed("ok");
    CHECK(s.outcomes.back().status == "ok");
    bool stopped = false;
    for (size_t i = 5; i < s.outcomes.size(); ++i) stopped = stopped || (s.outcomes[i].changed && s.outcomes[i].previous == "flapping");
    CHECK(stopped);
  }

  TEST_CASE("suppressed and unreachable judge nothing and keep the history") {
    Series s;
    s.Feed("critical");
    const Outcome& sup = s.Feed("suppressed");
    CHECK(sup.status == "suppressed");
    CHECK_FALSE(sup.changed);
    CHECK(sup.hard == nagios::State::kCritical);
    CHECK(s.stored->history == "C");
    const Outcome& un = s.Feed("unreachable");
    CHECK(un.status == "unreachable");
    CHECK_FALSE(un.changed);
    // Coming back from a suppressed run with the same hard state is not a change.
    CHECK_FALSE(s.Feed("critical").changed);
  }

  TEST_CASE("the change log is a timeline: first results and suppressed/unreachable runs are logged, without events") {
    Series s;
    s.rules.after = 2;
    auto log = [&] {
      std::string out;
      for (const auto& o : s.outcomes)
        out += (out.empty() ? "" : " ") + (o.log_change ? "[" + o.log_from + ">" + o.status + "]" : "-");
      return out;
    };
    s.Feed("ok");           // first result: logged, no event
    s.Feed("ok");
    s.Feed("suppressed");   // the calendar closed
    s.Feed("suppressed");
    s.Feed("ok");           // open again
    s.Feed("critical");     // soft: still ok
    s.Feed("critical");     // hard
    s.Feed("unreachable");  // the parent failed
    s.Feed("critical");
    CHECK(log() == "[>ok] - [ok>suppressed] - [suppressed>ok] - [ok>critical] [critical>unreachable] "
                   "[unreachable>critical]");
    CHECK(s.Statuses() == "ok ok suppressed suppressed ok ok critical* unreachable critical");
    CHECK(s.stored->last_change_ms == s.outcomes.back().next.last_check_ms);
    CHECK(s.outcomes[3].next.last_change_ms == s.outcomes[2].next.last_check_ms);  // suppressed since the first
  }

  TEST_CASE("history keeps the newest 32 results") {
    Series s;
    for (int i = 0; i < 40; ++i) s.Feed(i % 2 ? "warning" : "ok");
    CHECK(s.stored->history.size() == 32);
    CHECK(s.stored->history.back() == 'W');
  }
}
