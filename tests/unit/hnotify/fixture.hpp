// Helpers of the hnotify unit tests: definition files from strings, events, a fake clock and a
// state store in a fresh directory.
#ifndef HOPS_TESTS_UNIT_HNOTIFY_FIXTURE_HPP_
#define HOPS_TESTS_UNIT_HNOTIFY_FIXTURE_HPP_

#include <doctest/doctest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cmd/hnotify/config.hpp"
#include "cmd/hnotify/notifier.hpp"
#include "common/event.hpp"
#include "common/state.hpp"
#include "tests/unit/testing/peer.hpp"

namespace hops::notify::testing {

/// The errors of loading @p yaml as "file:line:column: message", one each.
inline std::vector<std::string> Errors(const std::string& yaml) {
  std::vector<DefinitionError> errors;
  try {
    LoadNotifyFile(YamlDoc::FromString(yaml, "n.yaml"), &errors);
  } catch (const DefinitionError& e) {
    errors.push_back(e);
  }
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.loc().Str() + ": " + e.message());
  return out;
}

/// The one error of @p yaml (fails the test when there is not exactly one).
inline std::string Error(const std::string& yaml) {
  const std::vector<std::string> errors = Errors(yaml);
  CHECK_MESSAGE(errors.size() == 1, "errors: " << errors.size() << (errors.empty() ? "" : ", first: " + errors[0]));
  return errors.empty() ? "" : errors.front();
}

/// @p yaml loaded; fails the test on any error.
inline NotifyFile Load(const std::string& yaml) {
  std::vector<DefinitionError> errors;
  NotifyFile f = LoadNotifyFile(YamlDoc::FromString(yaml, "n.yaml"), &errors);
  for (const auto& e : errors) FAIL_CHECK(e.what());
  REQUIRE(errors.empty());
  return f;
}

/// A monitor.result event of @p key with @p status (and the same severity).
inline Event MonitorEvent(const std::string& key, const std::string& status,
                          std::optional<std::string> previous = std::nullopt) {
  Event e;
  e.tool = "hmon-check";
  e.kind = "monitor.result";
  e.key = key;
  e.status = status;
  e.severity = status;
  e.summary = key + " is " + status;
  e.host = "ops1";
  e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1778123565512));
  if (previous) {
    e.previous_status = previous;
    e.changed = *previous != status;
  }
  return e;
}

/// A wall clock the test moves by hand.
struct FakeClock {
  int64_t now = 1778123565000;  // 2026-05-07T03:12:45Z
  NowFn Fn() {
    return [this] { return now; };
  }
};

/// A state store in a fresh directory whose clock is @p clock.
inline std::unique_ptr<StateStore> OpenStore(FakeClock* clock) {
  StateOptions so;
  so.now_ms = clock->Fn();
  so.components = {kStateCore};
  return StateStore::Open(hops::testing::MakeTempDir("hops-hnotify") + "/state.db", std::move(so));
}

/// Notifier options with @p clock, no jitter (random 0.5), no real sleeping (the clock moves), and
/// the log lines kept in @p log.
inline NotifierOptions Opts(FakeClock* clock, std::vector<std::string>* log) {
  NotifierOptions o;
  o.now_ms = clock->Fn();
  o.random = [] { return 0.5; };
  o.sleep = [clock](int64_t ms) { clock->now += ms; };
  o.log = [log](const std::string& line) { log->push_back(line); };
  return o;
}

/// A notifier of the definition file @p yaml over a fresh state store, with a fake clock and its
/// log lines kept.
struct Rig {
  explicit Rig(const std::string& yaml, int verbose = 0)
      : store(OpenStore(&clock)), f(Load(yaml)), n(f, store.get(), Options(verbose)) {}
  FakeClock clock;
  std::unique_ptr<StateStore> store;
  NotifyFile f;
  std::vector<std::string> log;
  Notifier n;

 private:
  NotifierOptions Options(int verbose) {
    NotifierOptions o = Opts(&clock, &log);
    o.verbose = verbose;
    return o;
  }
};

/// "channel reason status key" of each item in the spool, oldest first.
inline std::vector<std::string> Spooled(Rig& rig) {
  std::vector<std::string> out;
  for (const QueueItem& item : rig.n.spool().List(rig.f.ChannelNames())) {
    std::string err;
    auto p = Payload::FromJson(item.payload, &err);
    REQUIRE(p);
    out.push_back(p->channel + " " + p->reason + " " + p->event.value("status", "") + " " + p->event.value("key", ""));
  }
  return out;
}

/// Drops every spooled item (as if delivered), so the next check sees only new ones.
inline void Clear(Rig& rig) {
  for (const QueueItem& item : rig.n.spool().List(rig.f.ChannelNames())) rig.store->Ack(item.id, item.attempts);
}

/// The bytes of the file @p path ("" when it cannot be read).
inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Two webhook channels, a and b, to a port nothing listens on.
inline const char* const kTwoChannels = R"(channels:
  a: {type: webhook, url: "http://127.0.0.1:9/a"}
  b: {type: webhook, url: "http://127.0.0.1:9/b"}
)";

}  // namespace hops::notify::testing

#endif  // HOPS_TESTS_UNIT_HNOTIFY_FIXTURE_HPP_
