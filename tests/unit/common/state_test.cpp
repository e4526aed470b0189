#include "common/state.hpp"

#include <doctest/doctest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "common/settings.hpp"

namespace hops {
namespace {

/// A fresh temporary directory, removed with its contents at scope end.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/hops-state-test-XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string db() const { return path_ + "/state.db"; }

 private:
  std::string path_;
};

/// A doctest matcher for messages containing @p s.
doctest::Contains Has(const std::string& s) { return doctest::Contains(s.c_str()); }

/// A settable clock for StateOptions::now_ms.
struct FakeClock {
  int64_t now = 1'700'000'000'000;
  StateOptions Options() {
    StateOptions o;
    o.now_ms = [this] { return now; };
    return o;
  }
};

/// Permission bits of @p path, or -1 when it does not exist.
int ModeOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int>(st.st_mode & 07777);
}

/// Runs @p sql on @p path through a raw SQLite connection (to prepare or inspect files).
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  const std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  REQUIRE_MESSAGE(rc == SQLITE_OK, msg);
}

/// The single integer @p sql returns on @p path, through a raw connection.
int64_t RawInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
  int64_t v = -1;
  if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return v;
}

/// A forked child process; killed and reaped at scope end if the test did not wait for it (a
/// failed REQUIRE must not leave it behind).
class Child {
 public:
  /// Forks a child that runs @p body and exits with its result (99 after an exception, printed);
  /// the child never returns into doctest.
  explicit Child(const std::function<int()>& body) {
    std::fflush(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int rc = 98;
      try {
        rc = body();
      } catch (const std::exception& e) {
        std::fprintf(stderr, "child %d: %s\n", static_cast<int>(getpid()), e.what());
        rc = 99;
      }
      std::fflush(nullptr);
      _exit(rc);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }
  Child(Child&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  /// Waits for the child and returns its exit status (-1 when it did not exit normally).
  int Wait() {
    int status = 0;
    const pid_t pid = pid_;
    pid_ = -1;
    if (pid <= 0 || waitpid(pid, &status, 0) != pid) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
};

/// A pipe for one-byte signals between parent and child.
struct Pipe {
  int fd[2] = {-1, -1};
  Pipe() { REQUIRE(pipe(fd) == 0); }
  ~Pipe() {
    for (int f : fd) {
      if (f >= 0) close(f);
    }
  }
  void Signal() {
    const char c = 'x';
    (void)!write(fd[1], &c, 1);
  }
  /// True when a byte arrived within 20 s.
  bool WaitSignal() {
    pollfd p{fd[0], POLLIN, 0};
    if (poll(&p, 1, 20000) != 1) return false;
    char c;
    return read(fd[0], &c, 1) == 1;
  }
};

MonitorStatus SampleStatus(const std::string& key, const std::string& state) {
  MonitorStatus m;
  m.key = key;
  m.state = state;
  m.hard_state = state;
  m.consecutive = 3;
  m.last_summary = "HTTP 200 in 0.12 s";
  m.last_change_ms = 1000;
  m.last_check_ms = 2000;
  m.history = "OOWCC";
  return m;
}

TEST_CASE("state: DefaultPath is state.db in the state directory") {
  Settings s;
  s.state_dir = "/var/lib/hops";
  CHECK(StateStore::DefaultPath(s) == "/var/lib/hops/state.db");
  s.state_dir = "/srv/hops/";
  CHECK(StateStore::DefaultPath(s) == "/srv/hops/state.db");
}

TEST_CASE("state: creates the directory 0700 and the files 0600 whatever the umask") {
  TempDir tmp;
  const std::string dir = tmp.path() + "/a/b";
  const std::string path = dir + "/state.db";
  const mode_t old = umask(022);
  {
    auto store = StateStore::Open(path);
    store->PutValue("ns", "k", "v");
    CHECK(ModeOf(tmp.path() + "/a") == 0700);
    CHECK(ModeOf(dir) == 0700);
    CHECK(ModeOf(path) == 0600);
    // The WAL and shared-memory files exist while the connection is open and after a write.
    CHECK(ModeOf(path + "-wal") == 0600);
    CHECK(ModeOf(path + "-shm") == 0600);
  }
  umask(old);
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("state: an existing database readable by others is tightened to 0600") {
  TempDir tmp;
  RawExec(tmp.db(), "CREATE TABLE t (x); DROP TABLE t;");  // an empty database file
  REQUIRE(chmod(tmp.db().c_str(), 0644) == 0);
  REQUIRE(ModeOf(tmp.db()) == 0644);
  StateStore::Open(tmp.db());
  CHECK(ModeOf(tmp.db()) == 0600);
}

TEST_CASE("state: an existing state directory keeps its mode") {
  TempDir tmp;
  REQUIRE(chmod(tmp.path().c_str(), 0750) == 0);
  StateStore::Open(tmp.db());
  CHECK(ModeOf(tmp.path()) == 0750);
}

TEST_CASE("state: a state directory path that is a file is an error naming it") {
  TempDir tmp;
  std::ofstream(tmp.path() + "/file") << "x";
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.path() + "/file/state.db"),
                       Has("'" + tmp.path() + "/file' is not a directory"), RuntimeError);
}

TEST_CASE("state: an empty file is migrated to the current schema in WAL mode") {
  TempDir tmp;
  std::ofstream(tmp.db()).close();  // 0 bytes
  StateStore::Open(tmp.db());
  CHECK(RawInt(tmp.db(), "PRAGMA user_version") == kStateSchemaVersion);
  CHECK(RawInt(tmp.db(), "PRAGMA application_id") == 0x686f7073);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'queue_item'") == 1);
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(tmp.db().c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(s) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s, 0))) == "wal");
  sqlite3_finalize(s);
  sqlite3_close(db);
}

TEST_CASE("state: reopening keeps data and does not migrate again") {
  TempDir tmp;
  {
    auto store = StateStore::Open(tmp.db());
    store->PutValue("logfile", "/var/log/syslog", "inode=1 offset=42");
    store->PutMonitorStatuses({SampleStatus("web/node1", "ok")});
  }
  auto store = StateStore::Open(tmp.db());
  CHECK(store->GetValue("logfile", "/var/log/syslog") ==
        std::optional<std::string>("inode=1 offset=42"));
  REQUIRE(store->GetMonitorStatus("web/node1"));
  CHECK(store->GetMonitorStatus("web/node1")->last_summary == "HTTP 200 in 0.12 s");
  CHECK(store->path() == tmp.db());
}

TEST_CASE("state: a database from a newer hops is refused") {
  TempDir tmp;
  StateStore::Open(tmp.db())->PutValue("ns", "k", "v");
  RawExec(tmp.db(), "PRAGMA user_version = 5");
  CHECK_THROWS_WITH_AS(
      StateStore::Open(tmp.db()),
      ("state database '" + tmp.db() + "' has schema version 5, this hops understands up to " +
       std::to_string(kStateSchemaVersion) + "; upgrade hops")
          .c_str(),
      RuntimeError);
  // Refusing left the data alone.
  CHECK(RawInt(tmp.db(), "PRAGMA user_version") == 5);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM kv") == 1);
}

TEST_CASE("state: a database of another application is refused, not migrated") {
  TempDir tmp;
  RawExec(tmp.db(), "CREATE TABLE customers (id INTEGER)");
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db()),
                       ("'" + tmp.db() + "' is not a hops state database").c_str(), RuntimeError);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'kv'") == 0);
}

TEST_CASE("state: a file that is not a database is an error naming the path") {
  TempDir tmp;
  std::ofstream(tmp.db()) << "this is not an sqlite database, just some text long enough........"
                             "..............................................................";
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db()), Has("state database '" + tmp.db() + "'"),
                       RuntimeError);
}

TEST_CASE("state: monitor statuses round-trip") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  CHECK_FALSE(store->GetMonitorStatus("web/node1"));
  CHECK(store->GetAllMonitorStatus().empty());

  MonitorStatus a = SampleStatus("web/node1", "critical");
  a.hard_state = "ok";
  a.consecutive = 2;
  a.last_change_ms = 1234567890123;
  a.last_check_ms = 1234567899999;
  MonitorStatus b = SampleStatus("web/node2", "pending");
  b.hard_state = "";
  b.history = std::string(40, 'O') + "WC";  // longer than 32: the newest 32 are kept
  store->PutMonitorStatuses({a, b});

  auto got = store->GetMonitorStatus("web/node1");
  REQUIRE(got);
  CHECK(got->key == "web/node1");
  CHECK(got->state == "critical");
  CHECK(got->hard_state == "ok");
  CHECK(got->consecutive == 2);
  CHECK(got->last_summary == a.last_summary);
  CHECK(got->last_change_ms == 1234567890123);
  CHECK(got->last_check_ms == 1234567899999);
  CHECK(got->history == "OOWCC");

  auto all = store->GetAllMonitorStatus();
  REQUIRE(all.size() == 2);
  CHECK(all.at("web/node2").hard_state == "");
  CHECK(all.at("web/node2").history == std::string(30, 'O') + "WC");

  a.state = "ok";
  a.consecutive = 1;
  store->PutMonitorStatuses({a});
  CHECK(store->GetMonitorStatus("web/node1")->state == "ok");
  CHECK(store->GetAllMonitorStatus().size() == 2);

  store->DeleteMonitorStatuses({"web/node2", "no/such"});
  CHECK_FALSE(store->GetMonitorStatus("web/node2"));
  CHECK(store->GetAllMonitorStatus().size() == 1);
}

TEST_CASE("state: PutMonitorStatuses is atomic: a bad entry mid-batch writes nothing") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->PutMonitorStatuses({SampleStatus("a", "ok")});

  MonitorStatus changed = SampleStatus("a", "critical");
  MonitorStatus fresh = SampleStatus("b", "warning");
  MonitorStatus bad = SampleStatus("c", "sideways");
  MonitorStatus after = SampleStatus("d", "ok");
  CHECK_THROWS_WITH_AS(store->PutMonitorStatuses({changed, fresh, bad, after}),
                       "cannot save monitor status 'c': invalid state 'sideways'", RuntimeError);
  CHECK(store->GetMonitorStatus("a")->state == "ok");
  CHECK_FALSE(store->GetMonitorStatus("b"));
  CHECK_FALSE(store->GetMonitorStatus("d"));
  CHECK(store->GetAllMonitorStatus().size() == 1);

  MonitorStatus bad_hard = SampleStatus("e", "ok");
  bad_hard.hard_state = "OK";
  CHECK_THROWS_WITH_AS(store->PutMonitorStatuses({fresh, bad_hard}),
                       "cannot save monitor status 'e': invalid state 'OK'", RuntimeError);
  CHECK_FALSE(store->GetMonitorStatus("b"));

  // The store stays usable after the rollback.
  store->PutMonitorStatuses({fresh});
  CHECK(store->GetMonitorStatus("b")->state == "warning");
}

TEST_CASE("state: status changes are listed by prefix, time and limit, newest first") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendStatusChanges({
      {"web-home/node1", 100, "ok", "warning", "slow"},
      {"web-home/node2", 200, "ok", "critical", "down"},
      {"web-home2/node1", 300, "ok", "critical", "other monitor"},
      {"web-home/node1", 400, "warning", "ok", "fine again"},
  });
  auto all = store->ListStatusChanges("", 0, 0);
  REQUIRE(all.size() == 4);
  CHECK(all[0].time_ms == 400);
  CHECK(all[3].time_ms == 100);

  auto web = store->ListStatusChanges("web-home/", 0, 0);
  REQUIRE(web.size() == 3);
  CHECK(web[0].key == "web-home/node1");
  CHECK(web[0].from == "warning");
  CHECK(web[0].to == "ok");
  CHECK(web[0].summary == "fine again");
  CHECK(web[1].key == "web-home/node2");
  CHECK(web[2].time_ms == 100);

  auto recent = store->ListStatusChanges("web-home/", 200, 0);
  CHECK(recent.size() == 2);
  auto one = store->ListStatusChanges("web-home/node1", 0, 1);
  REQUIRE(one.size() == 1);
  CHECK(one[0].time_ms == 400);
  CHECK(store->ListStatusChanges("nothing", 0, 0).empty());

  CHECK(store->PruneStatusChanges(300) == 2);
  CHECK(store->ListStatusChanges("", 0, 0).size() == 2);
}

TEST_CASE("state: perfdata is listed by prefix, label and time range, and pruned") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendPerfSamples({
      {"web/node1", "time", 1000, 0.25, "s"},
      {"web/node1", "size", 1000, 5120, "B"},
      {"web/node1", "time", 2000, 0.5, "s"},
      {"web/node2", "time", 1500, 1.5, "s"},
      {"webx/node1", "time", 1500, 9, "s"},
      {"db/node1", "conn", 3000, 12, ""},
  });
  auto web_time = store->ListPerfSamples("web/", "time", 0, 10000);
  REQUIRE(web_time.size() == 3);
  CHECK(web_time[0].key == "web/node1");
  CHECK(web_time[0].time_ms == 1000);
  CHECK(web_time[0].value == 0.25);
  CHECK(web_time[0].uom == "s");
  CHECK(web_time[1].time_ms == 2000);
  CHECK(web_time[2].key == "web/node2");

  CHECK(store->ListPerfSamples("web/", "", 0, 10000).size() == 4);
  // since is inclusive, until exclusive.
  auto window = store->ListPerfSamples("", "", 1000, 2000);
  CHECK(window.size() == 4);
  CHECK(store->ListPerfSamples("", "", 0, 100000).size() == 6);

  CHECK(store->PrunePerfSamples(1500) == 2);
  CHECK(store->ListPerfSamples("", "", 0, 100000).size() == 4);
  CHECK(store->PrunePerfSamples(1500) == 0);
  CHECK(store->PrunePerfSamples(100000) == 4);
  CHECK(store->ListPerfSamples("", "", 0, 100000).empty());
}

TEST_CASE("state: a NaN perfdata value survives as NaN") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendPerfSamples({{"k", "l", 1, std::nan(""), ""}});
  auto got = store->ListPerfSamples("k", "l", 0, 2);
  REQUIRE(got.size() == 1);
  CHECK(std::isnan(got[0].value));
}

TEST_CASE("state: 10000 perf samples go in one call") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  std::vector<PerfSample> samples;
  for (int i = 0; i < 10000; ++i) {
    samples.push_back({"mon/node" + std::to_string(i % 50), "time", i, i * 0.5, "s"});
  }
  store->AppendPerfSamples(samples);
  CHECK(store->ListPerfSamples("mon/", "time", 0, 10000).size() == 10000);
  // "mon/node1" is a prefix of node1 and node10..node19.
  CHECK(store->ListPerfSamples("mon/node1", "", 0, 10000).size() == 11 * 200);
}

TEST_CASE("state: values round-trip, expire and purge") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  CHECK_FALSE(store->GetValue("ns", "k"));

  const std::string bytes("a\0b\xff", 4);
  store->PutValue("ns", "k", bytes);
  CHECK(store->GetValue("ns", "k") == std::optional<std::string>(bytes));
  CHECK_FALSE(store->GetValue("other", "k"));

  store->PutValue("ns", "short", "x", clock.now + 1000);
  CHECK(store->GetValue("ns", "short") == std::optional<std::string>("x"));
  clock.now += 1000;
  CHECK_FALSE(store->GetValue("ns", "short"));  // expired, even before a purge

  store->PutValue("ns", "later", "y", clock.now + 5000);
  CHECK(store->PurgeExpired(clock.now) == 1);
  CHECK(store->PurgeExpired(clock.now) == 0);
  CHECK(store->GetValue("ns", "later") == std::optional<std::string>("y"));
  CHECK(store->GetValue("ns", "k") == std::optional<std::string>(bytes));

  CHECK(store->DeleteValue("ns", "k"));
  CHECK_FALSE(store->DeleteValue("ns", "k"));
  CHECK_FALSE(store->GetValue("ns", "k"));
}

TEST_CASE("state: PutValueIfAbsent inserts once, and again after expiry") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  CHECK(store->PutValueIfAbsent("dedupe", "alert-1", "1", clock.now + 60000));
  CHECK_FALSE(store->PutValueIfAbsent("dedupe", "alert-1", "2", clock.now + 60000));
  CHECK(store->GetValue("dedupe", "alert-1") == std::optional<std::string>("1"));
  clock.now += 60000;
  CHECK(store->PutValueIfAbsent("dedupe", "alert-1", "3", std::nullopt));
  CHECK(store->GetValue("dedupe", "alert-1") == std::optional<std::string>("3"));
}

TEST_CASE("state: CompareAndSwapValue swaps only on a match") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  CHECK_FALSE(store->CompareAndSwapValue("c", "n", std::string("0"), "1"));
  CHECK_FALSE(store->GetValue("c", "n"));
  CHECK(store->CompareAndSwapValue("c", "n", std::nullopt, "1"));
  CHECK_FALSE(store->CompareAndSwapValue("c", "n", std::nullopt, "9"));
  CHECK_FALSE(store->CompareAndSwapValue("c", "n", std::string("0"), "9"));
  CHECK(store->CompareAndSwapValue("c", "n", std::string("1"), "2", clock.now + 10));
  CHECK(store->GetValue("c", "n") == std::optional<std::string>("2"));
  clock.now += 10;
  // Expired counts as absent.
  CHECK_FALSE(store->CompareAndSwapValue("c", "n", std::string("2"), "3"));
  CHECK(store->CompareAndSwapValue("c", "n", std::nullopt, "3"));
  CHECK(store->GetValue("c", "n") == std::optional<std::string>("3"));
}

TEST_CASE("state: queue items are claimed oldest due first, acked and retried") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  const int64_t t = clock.now;
  const int64_t a = store->Enqueue("mail", R"({"to":"a"})", t);
  const int64_t b = store->Enqueue("mail", R"({"to":"b"})", t + 5000);  // not due yet
  const int64_t c = store->Enqueue("mail", R"({"to":"c"})", t);
  const int64_t other = store->Enqueue("slack", "{}", t);
  CHECK(a < b);
  CHECK(b < c);
  CHECK(store->QueueDepth("mail") == 3);
  CHECK(store->QueueDepth("slack") == 1);
  CHECK(store->QueueDepth("none") == 0);

  auto first = store->Claim("mail", t, 30000);
  REQUIRE(first);
  CHECK(first->id == a);
  CHECK(first->queue == "mail");
  CHECK(first->payload == R"({"to":"a"})");
  CHECK(first->attempts == 1);
  CHECK(first->created_ms == t);
  CHECK(first->not_before_ms == t + 30000);
  auto second = store->Claim("mail", t, 30000);
  REQUIRE(second);
  CHECK(second->id == c);
  CHECK_FALSE(store->Claim("mail", t, 30000));  // b is not due, a and c are leased

  CHECK(store->Ack(a));
  CHECK_FALSE(store->Ack(a));
  CHECK(store->Retry(c, t + 1000, "smtp: 451 try later"));
  CHECK_FALSE(store->Retry(a, t, "gone"));

  auto list = store->ListQueue("mail");
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == b);
  CHECK(list[0].attempts == 0);
  CHECK(list[1].id == c);
  CHECK(list[1].attempts == 1);
  CHECK(list[1].not_before_ms == t + 1000);
  CHECK(list[1].last_error == "smtp: 451 try later");

  auto retried = store->Claim("mail", t + 1000, 30000);
  REQUIRE(retried);
  CHECK(retried->id == c);
  CHECK(retried->attempts == 2);
  CHECK(retried->last_error == "smtp: 451 try later");

  auto later = store->Claim("mail", t + 5000, 30000);
  REQUIRE(later);
  CHECK(later->id == b);
  CHECK(store->Claim("slack", t, 1000)->id == other);
}

TEST_CASE("state: an unacked claim becomes due again when its lease ends") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  const int64_t id = store->Enqueue("q", "{}", 0);
  auto first = store->Claim("q", 1000, 500);
  REQUIRE(first);
  CHECK(first->attempts == 1);
  CHECK_FALSE(store->Claim("q", 1499, 500));
  auto again = store->Claim("q", 1500, 500);
  REQUIRE(again);
  CHECK(again->id == id);
  CHECK(again->attempts == 2);
  CHECK(store->QueueDepth("q") == 1);
}

TEST_CASE("state: job runs and job states round-trip") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  CHECK_FALSE(store->LatestRun("nightly"));

  const int64_t r1 = store->StartRun("nightly", R"({"date":"2026-01-01"})");
  clock.now += 10;
  const int64_t r2 = store->StartRun("nightly", "{}");
  const int64_t other = store->StartRun("weekly", "{}");
  CHECK(r1 < r2);

  auto latest = store->LatestRun("nightly");
  REQUIRE(latest);
  CHECK(latest->id == r2);
  CHECK(latest->status == "running");
  CHECK(latest->started_ms == clock.now);
  CHECK(latest->ended_ms == 0);
  CHECK(store->GetRun(r1)->params == R"({"date":"2026-01-01"})");
  CHECK_FALSE(store->GetRun(9999));

  store->SetJobState(r2, "extract", "running", std::nullopt, 100, 0, "");
  store->SetJobState(r2, "load", "pending", std::nullopt, 0, 0, "");
  store->SetJobState(r2, "extract", "ok", 0, 100, 200, "done\n");
  store->SetJobState(other, "extract", "failed", 3, 1, 2, "boom");
  auto jobs = store->GetJobStates(r2);
  REQUIRE(jobs.size() == 2);
  CHECK(jobs[0].run_id == r2);
  CHECK(jobs[0].job == "extract");
  CHECK(jobs[0].state == "ok");
  CHECK(jobs[0].exit_code == std::optional<int>(0));
  CHECK(jobs[0].started_ms == 100);
  CHECK(jobs[0].ended_ms == 200);
  CHECK(jobs[0].output_tail == "done\n");
  CHECK(jobs[1].job == "load");
  CHECK_FALSE(jobs[1].exit_code);
  CHECK(store->GetJobStates(r1).empty());

  CHECK_THROWS_WITH_AS(store->SetJobState(9999, "x", "ok", 0, 0, 0, ""),
                       doctest::Contains("no run 9999"), RuntimeError);
  CHECK_THROWS_WITH_AS(store->FinishRun(9999, "ok"), doctest::Contains("no run 9999"),
                       RuntimeError);

  clock.now += 50;
  store->FinishRun(r2, "failed");
  latest = store->LatestRun("nightly");
  CHECK(latest->status == "failed");
  CHECK(latest->ended_ms == clock.now);

  // Only finished runs that ended before the cutoff go, with their job states.
  CHECK(store->PruneRuns(clock.now + 1) == 1);
  CHECK_FALSE(store->GetRun(r2));
  CHECK(store->GetJobStates(r2).empty());
  CHECK(store->GetRun(r1));
  CHECK(store->GetJobStates(other).size() == 1);
}

TEST_CASE("state: a lock is exclusive within a process and released by its owner") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  auto lock = store->TryLock("flow:nightly", "hjob-run nightly");
  REQUIRE(lock);
  CHECK(lock->name() == "flow:nightly");
  CHECK(lock->Held());
  CHECK_FALSE(store->TryLock("flow:nightly", "second"));
  CHECK_FALSE(store->Lock("flow:nightly", "second", std::chrono::milliseconds(50)));
  auto other = store->TryLock("flow:weekly", "hjob-run weekly");
  CHECK(other);

  auto holder = store->GetLockHolder("flow:nightly");
  REQUIRE(holder);
  CHECK(holder->owner == "hjob-run nightly");
  CHECK(holder->pid == getpid());
  CHECK(holder->acquired_ms == clock.now);
  CHECK_FALSE(holder->hostname.empty());

  lock->Release();
  CHECK_FALSE(lock->Held());
  CHECK_FALSE(store->GetLockHolder("flow:nightly"));
  auto again = store->TryLock("flow:nightly", "third");
  CHECK(again);
  again.reset();
  CHECK_FALSE(store->GetLockHolder("flow:nightly"));
}

TEST_CASE("state: a lock outlives its store and is released afterwards") {
  TempDir tmp;
  std::unique_ptr<StateLock> lock;
  {
    auto store = StateStore::Open(tmp.db());
    lock = store->TryLock("l", "me");
    REQUIRE(lock);
  }
  CHECK(lock->Held());
  lock.reset();
  CHECK(StateStore::Open(tmp.db())->TryLock("l", "me"));
}

TEST_CASE("state: a lock held by a live child blocks; Lock waits for its release") {
  TempDir tmp;
  StateStore::Open(tmp.db());  // create the file before forking
  Pipe locked, release;
  Child child([&] {
    auto store = StateStore::Open(tmp.db());
    auto lock = store->TryLock("flow", "child");
    if (!lock) return 1;
    locked.Signal();
    release.WaitSignal();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return 0;  // the lock is released as it goes out of scope
  });
  REQUIRE(locked.WaitSignal());
  auto store = StateStore::Open(tmp.db());
  CHECK_FALSE(store->TryLock("flow", "parent"));
  auto holder = store->GetLockHolder("flow");
  REQUIRE(holder);
  CHECK(holder->pid == child.pid());
  CHECK(holder->owner == "child");
  CHECK_FALSE(store->Lock("flow", "parent", std::chrono::milliseconds(100)));
  release.Signal();
  auto lock = store->Lock("flow", "parent", std::chrono::seconds(10));
  CHECK(lock);
  CHECK(child.Wait() == 0);
  CHECK(store->GetLockHolder("flow")->pid == getpid());
}

TEST_CASE("state: a lock whose holder died is stolen") {
  TempDir tmp;
  StateStore::Open(tmp.db());
  Child child([&] {
    auto store = StateStore::Open(tmp.db());
    auto lock = store->TryLock("flow", "crashing child");
    if (!lock) return 1;
    std::fflush(nullptr);
    _exit(0);  // dies holding the lock, as after a crash
  });
  const pid_t pid = child.pid();
  SUBCASE("reaped") { REQUIRE(child.Wait() == 0); }
  SUBCASE("exited but not yet reaped (a zombie)") {
    siginfo_t info{};
    REQUIRE(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0);
    REQUIRE(kill(pid, 0) == 0);  // the pid still exists
  }
  auto store = StateStore::Open(tmp.db());
  auto holder = store->GetLockHolder("flow");
  REQUIRE(holder);
  CHECK(holder->pid == pid);
  auto lock = store->TryLock("flow", "parent");
  REQUIRE(lock);
  CHECK(store->GetLockHolder("flow")->owner == "parent");
}

TEST_CASE("state: lock liveness checks the host and the process start time") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  auto mine = store->TryLock("l", "me");
  REQUIRE(mine);
  // Our own, live pid but another start time: the pid was reused, so the holder is gone.
  RawExec(tmp.db(), "UPDATE state_lock SET proc_start = proc_start + 1");
  auto stolen = store->TryLock("l", "thief");
  REQUIRE(stolen);
  CHECK_FALSE(mine->Held());
  CHECK(store->GetLockHolder("l")->owner == "thief");
  // A dead pid on another host cannot be checked, so that lock is honoured.
  RawExec(tmp.db(), "UPDATE state_lock SET hostname = 'elsewhere.example', pid = 2147483000");
  CHECK_FALSE(store->TryLock("l", "third"));
  CHECK(store->GetLockHolder("l")->hostname == "elsewhere.example");
}

TEST_CASE("state: a store opened before fork() refuses to be used in the child") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  Child child([&] {
    try {
      store->PutValue("ns", "k", "v");
    } catch (const RuntimeError& e) {
      return std::string(e.what()).find("open it again after fork()") != std::string::npos ? 0 : 2;
    }
    return 1;
  });
  CHECK(child.Wait() == 0);
  CHECK_FALSE(store->GetValue("ns", "k"));
}

TEST_CASE("state: concurrent processes count and enqueue without losing updates") {
  TempDir tmp;
  StateStore::Open(tmp.db());
  constexpr int kChildren = 4;
  constexpr int kRounds = 200;
  std::vector<Child> children;
  for (int c = 0; c < kChildren; ++c) {
    children.emplace_back(Child([&] {
      auto store = StateStore::Open(tmp.db());
      for (int i = 0; i < kRounds; ++i) {
        for (;;) {
          std::optional<std::string> old = store->GetValue("test", "counter");
          const int n = old ? std::stoi(*old) : 0;
          if (store->CompareAndSwapValue("test", "counter", old, std::to_string(n + 1))) break;
        }
        store->Enqueue("q", "{\"child\":" + std::to_string(c) + "}", 0);
      }
      return 0;
    }));
  }
  int failed = 0;
  for (Child& child : children) failed += child.Wait() != 0;
  CHECK(failed == 0);
  auto store = StateStore::Open(tmp.db());
  CHECK(store->GetValue("test", "counter") ==
        std::optional<std::string>(std::to_string(kChildren * kRounds)));
  CHECK(store->QueueDepth("q") == kChildren * kRounds);
}

TEST_CASE("state: two processes claiming one queue never get the same item") {
  TempDir tmp;
  std::set<int64_t> all;
  {
    auto store = StateStore::Open(tmp.db());
    for (int i = 0; i < 300; ++i) all.insert(store->Enqueue("q", "{}", 0));
  }
  std::vector<Child> children;
  for (int c = 0; c < 2; ++c) {
    const std::string out = tmp.path() + "/claimed-" + std::to_string(c);
    children.emplace_back(Child([&, out] {
      auto store = StateStore::Open(tmp.db());
      std::ofstream f(out);
      while (auto item = store->Claim("q", 1000, 60000)) f << item->id << "\n";
      return f.good() ? 0 : 1;
    }));
  }
  for (Child& child : children) CHECK(child.Wait() == 0);
  std::vector<std::set<int64_t>> claimed(2);
  for (int c = 0; c < 2; ++c) {
    std::ifstream f(tmp.path() + "/claimed-" + std::to_string(c));
    int64_t id;
    while (f >> id) CHECK(claimed[c].insert(id).second);
  }
  std::set<int64_t> both;
  std::set_intersection(claimed[0].begin(), claimed[0].end(), claimed[1].begin(), claimed[1].end(),
                        std::inserter(both, both.begin()));
  CHECK(both.empty());
  std::set<int64_t> either = claimed[0];
  either.insert(claimed[1].begin(), claimed[1].end());
  CHECK(either == all);
}

TEST_CASE("state: threads may share one store") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      try {
        for (int i = 0; i < 50; ++i) {
          for (;;) {
            auto old = store->GetValue("t", "n");
            const int n = old ? std::stoi(*old) : 0;
            if (store->CompareAndSwapValue("t", "n", old, std::to_string(n + 1))) break;
          }
        }
      } catch (const std::exception&) {
        ++errors;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(errors == 0);
  CHECK(store->GetValue("t", "n") == std::optional<std::string>("200"));
}

TEST_CASE("state: writers wait for another writer up to the busy timeout") {
  TempDir tmp;
  StateOptions quick;
  quick.busy_timeout = std::chrono::milliseconds(100);
  auto store = StateStore::Open(tmp.db(), quick);

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(tmp.db().c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  CHECK_THROWS_WITH_AS(
      store->PutValue("ns", "k", "v"),
      Has("state database '" + tmp.db() + "': cannot save value: database is locked"),
      RuntimeError);
  // Reads are not blocked by a writer in WAL mode.
  CHECK_FALSE(store->GetValue("ns", "k"));

  StateOptions patient;
  patient.busy_timeout = std::chrono::seconds(10);
  auto waiting = StateStore::Open(tmp.db(), patient);
  std::thread committer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  waiting->PutValue("ns", "k", "v");
  committer.join();
  sqlite3_close(other);
  CHECK(store->GetValue("ns", "k") == std::optional<std::string>("v"));
}

}  // namespace
}  // namespace hops
