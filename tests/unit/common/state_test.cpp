#include "common/state.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
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
#include <iterator>
#include <limits>
#include <map>
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

/// A raw connection to a database holding a transaction begun with "BEGIN IMMEDIATE" or
/// "BEGIN EXCLUSIVE", as another process would; rolled back and closed at scope end.
class RawTxn {
 public:
  RawTxn(const std::string& path, const char* begin) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, begin, nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  ~RawTxn() {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
  }
  RawTxn(const RawTxn&) = delete;
  RawTxn& operator=(const RawTxn&) = delete;
  void Commit() { sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

/// The whole content of @p path ("" when it cannot be read).
std::string FileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// The process umask as the kernel reports it, read without changing it.
int CurrentUmask() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Umask:", 0) == 0) return static_cast<int>(std::strtol(line.c_str() + 6, nullptr, 8));
  }
  return -1;
}

/// Sets the umask for one scope (tests only: the store itself never changes it).
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(umask(mask)) {}
  ~ScopedUmask() { umask(old_); }

 private:
  mode_t old_;
};

/// The journal mode of @p path, through a raw connection.
std::string RawJournalMode(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr) == SQLITE_OK);
  std::string mode;
  if (sqlite3_step(s) == SQLITE_ROW) mode = reinterpret_cast<const char*>(sqlite3_column_text(s, 0));
  sqlite3_finalize(s);
  sqlite3_close(db);
  return mode;
}

/// The schema of hops 0.1, whose files have one schema version (user_version 1) for all tables:
/// the file an old build left behind, as it wrote it.
const char* const kSchemaV1 = R"sql(
CREATE TABLE monitor_status (
  key TEXT NOT NULL PRIMARY KEY,
  state TEXT NOT NULL CONSTRAINT valid_state CHECK (state IN
    ('ok', 'warning', 'critical', 'unknown', 'suppressed', 'unreachable', 'flapping', 'pending')),
  hard_state TEXT NOT NULL CONSTRAINT valid_hard_state CHECK (hard_state IN ('',
    'ok', 'warning', 'critical', 'unknown', 'suppressed', 'unreachable', 'flapping', 'pending')),
  consecutive INTEGER NOT NULL,
  last_summary TEXT NOT NULL,
  last_change_ms INTEGER NOT NULL,
  last_check_ms INTEGER NOT NULL,
  history TEXT NOT NULL CONSTRAINT short_history CHECK (length(history) <= 32)
) WITHOUT ROWID;
CREATE TABLE status_change (id INTEGER PRIMARY KEY, key TEXT NOT NULL, time_ms INTEGER NOT NULL,
  from_state TEXT NOT NULL, to_state TEXT NOT NULL, summary TEXT NOT NULL);
CREATE INDEX status_change_by_key ON status_change (key, time_ms);
CREATE INDEX status_change_by_time ON status_change (time_ms);
CREATE TABLE perf_sample (key TEXT NOT NULL, label TEXT NOT NULL, time_ms INTEGER NOT NULL,
  value REAL, uom TEXT NOT NULL);
CREATE INDEX perf_sample_by_key ON perf_sample (key, label, time_ms);
CREATE INDEX perf_sample_by_time ON perf_sample (time_ms);
CREATE TABLE kv (ns TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, expires_ms INTEGER,
  PRIMARY KEY (ns, key)) WITHOUT ROWID;
CREATE INDEX kv_by_expiry ON kv (expires_ms) WHERE expires_ms IS NOT NULL;
CREATE TABLE queue_item (id INTEGER PRIMARY KEY AUTOINCREMENT, queue TEXT NOT NULL,
  payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, created_ms INTEGER NOT NULL,
  not_before_ms INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '');
CREATE INDEX queue_item_by_queue ON queue_item (queue, id);
CREATE TABLE run (id INTEGER PRIMARY KEY AUTOINCREMENT, flow TEXT NOT NULL, params TEXT NOT NULL,
  status TEXT NOT NULL, started_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX run_by_flow ON run (flow, id);
CREATE TABLE job_state (id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE, job TEXT NOT NULL,
  state TEXT NOT NULL, exit_code INTEGER, started_ms INTEGER NOT NULL, ended_ms INTEGER NOT NULL,
  output_tail TEXT NOT NULL, UNIQUE (run_id, job));
CREATE TABLE state_lock (name TEXT NOT NULL PRIMARY KEY, owner TEXT NOT NULL, pid INTEGER NOT NULL,
  hostname TEXT NOT NULL, proc_start INTEGER NOT NULL, acquired_ms INTEGER NOT NULL,
  token TEXT NOT NULL) WITHOUT ROWID;
)sql";

/// Writes a file as hops 0.1 left it: WAL mode, the v1 schema in one transaction with
/// user_version 1 and the hops application_id, and some data of every tool.
void WriteV1File(const std::string& path, bool with_state_lock = true) {
  std::string schema = kSchemaV1;
  if (!with_state_lock) schema = schema.substr(0, schema.find("CREATE TABLE state_lock"));
  RawExec(path, "PRAGMA journal_mode=WAL; BEGIN;" + schema +
                    "PRAGMA user_version=1; PRAGMA application_id=1752133747; COMMIT;");
  RawExec(path,
          "INSERT INTO kv VALUES ('logfile', '/var/log/syslog', 'offset=42', NULL);"
          "INSERT INTO monitor_status VALUES ('web/node1', 'critical', 'ok', 2, 'HTTP 500',"
          " 1000, 2000, 'OOC');"
          "INSERT INTO status_change (key, time_ms, from_state, to_state, summary)"
          " VALUES ('web/node1', 2000, 'ok', 'critical', 'HTTP 500');"
          "INSERT INTO queue_item (queue, payload, created_ms, not_before_ms)"
          " VALUES ('mail', '{}', 1, 1);"
          "INSERT INTO run (flow, params, status, started_ms) VALUES ('nightly', '{}', 'ok', 5);");
  if (with_state_lock) {
    RawExec(path, "INSERT INTO state_lock VALUES ('flow', 'old', 1, 'h', 0, 0, 't')");
  }
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
  mode_t mask = 0;
  SUBCASE("umask 000") { mask = 0; }
  SUBCASE("umask 022") { mask = 022; }
  SUBCASE("umask 277 (even the owner's bits taken)") { mask = 0277; }
  ScopedUmask scoped(mask);
  {
    auto store = StateStore::Open(path);
    store->PutValue("ns", "k", "v");
    CHECK(CurrentUmask() == static_cast<int>(mask));
    CHECK(ModeOf(tmp.path() + "/a") == 0700);
    CHECK(ModeOf(dir) == 0700);
    CHECK(ModeOf(path) == 0600);
    // SQLite creates the WAL and shared-memory files (while the connection is open and after a
    // write) with the mode of the database file.
    CHECK(ModeOf(path + "-wal") == 0600);
    CHECK(ModeOf(path + "-shm") == 0600);
    auto lock = store->TryLock("l", "me");
    REQUIRE(lock);
    CHECK(ModeOf(dir + "/locks") == 0700);
    for (const auto& e : std::filesystem::directory_iterator(dir + "/locks")) {
      CHECK(ModeOf(e.path().string()) == 0600);
    }
  }
  CHECK(ModeOf(path) == 0600);
}

TEST_CASE("state: opening never changes the process umask, not even for a moment") {
  TempDir tmp;
  ScopedUmask scoped(022);
  // Another connection holds the file exclusively, so Open waits (its busy timeout) before it
  // fails; a watcher thread reads the umask all that time.
  std::ofstream(tmp.db()).close();
  auto other = std::make_unique<RawTxn>(tmp.db(), "BEGIN EXCLUSIVE");
  std::atomic<bool> done{false};
  std::set<int> seen;
  std::thread watcher([&] {
    while (!done) seen.insert(CurrentUmask());
  });
  StateOptions quick;
  quick.busy_timeout = std::chrono::milliseconds(300);
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db(), quick), Has("database is locked"), RuntimeError);
  done = true;
  watcher.join();
  other.reset();
  CHECK(seen == std::set<int>{022});
  StateStore::Open(tmp.db());
  CHECK(CurrentUmask() == 022);
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

TEST_CASE("state: an empty file gets the hops application_id and every component in WAL mode") {
  TempDir tmp;
  std::ofstream(tmp.db()).close();  // 0 bytes
  auto store = StateStore::Open(tmp.db());
  CHECK(RawInt(tmp.db(), "PRAGMA user_version") == kStateFileFormat);
  CHECK(RawInt(tmp.db(), "PRAGMA application_id") == 0x686f7073);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'queue_item'") == 1);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'monitor_status'") == 1);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'state_lock'") == 0);
  const std::map<std::string, int> known = KnownStateComponents();
  CHECK(known.at("core") == 4);
  CHECK(known.at("hmon-check") == 2);
  CHECK(store->ComponentVersions() == known);
  CHECK(RawJournalMode(tmp.db()) == "wal");
}

TEST_CASE("state: a file written by hops 0.1 (one schema version) is upgraded in place") {
  TempDir tmp;
  WriteV1File(tmp.db());
  REQUIRE(RawInt(tmp.db(), "PRAGMA user_version") == 1);
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  CHECK(RawInt(tmp.db(), "PRAGMA user_version") == kStateFileFormat);
  CHECK(RawInt(tmp.db(), "PRAGMA application_id") == 0x686f7073);
  CHECK(store->ComponentVersions() == KnownStateComponents());
  // Core 1 -> 2 dropped the lock rows (locks are lock files now); everything else is kept.
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'state_lock'") == 0);
  CHECK(store->GetValue("logfile", "/var/log/syslog") == std::optional<std::string>("offset=42"));
  REQUIRE(store->GetMonitorStatus("web/node1"));
  CHECK(store->GetMonitorStatus("web/node1")->history == "OOC");
  // The rebuilt status table still refuses a state outside the schema's words, also by hand.
  for (const char* bad : {"('x', 'bogus', 'ok', 0, '', 0, 0, '')", "('x', 'ok', 'bogus', 0, '', 0, 0, '')"}) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(tmp.db().c_str(), &db) == SQLITE_OK);
    CHECK(sqlite3_exec(db, (std::string("INSERT INTO monitor_status VALUES ") + bad).c_str(), nullptr, nullptr,
                       nullptr) == SQLITE_CONSTRAINT);
    sqlite3_close(db);
  }
  CHECK(store->ListStatusChanges("web/", 0, 0).size() == 1);
  CHECK(store->QueueDepth("mail") == 1);
  REQUIRE(store->LatestRun("nightly"));
  CHECK(store->LatestRun("nightly")->started_ms == 5);
  // Ids go on increasing after the upgrade.
  CHECK(store->Enqueue("mail", "{}", 1) > store->ListQueue("mail").front().id);
  CHECK(store->TryLock("flow", "new"));
}

TEST_CASE("state: an old file upgraded by a tool that uses only core records every component") {
  TempDir tmp;
  WriteV1File(tmp.db());
  StateOptions core_only;
  core_only.components = {"core"};
  auto store = StateStore::Open(tmp.db(), core_only);
  // hmon-check's tables were at its version 1 in the old file, and stay as they are.
  CHECK(store->ComponentVersions() == std::map<std::string, int>{{"core", 4}, {"hmon-check", 1}});
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM monitor_status") == 1);
  CHECK_THROWS_WITH_AS(
      store->GetMonitorStatus("web/node1"),
      ("state database '" + tmp.db() + "' was opened without schema component 'hmon-check'")
          .c_str(),
      RuntimeError);
}

TEST_CASE("state: an upgrade that fails part of the way changes nothing") {
  TempDir tmp;
  // A damaged old file: its state_lock table is missing, so core's migration 1 -> 2 fails after
  // the component table was created and the old versions recorded.
  WriteV1File(tmp.db(), /*with_state_lock=*/false);
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db()), Has("no such table: state_lock"), RuntimeError);
  CHECK(RawInt(tmp.db(), "PRAGMA user_version") == 1);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'schema_component'") ==
        0);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM kv") == 1);
}

TEST_CASE("state: a tool adds its component to an existing file without touching the others") {
  TempDir tmp;
  StateOptions core_only;
  core_only.components = {"core"};
  StateStore::Open(tmp.db(), core_only)->PutValue("ns", "k", "v");
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name = 'monitor_status'") == 0);
  StateOptions monitor;
  monitor.components = {"hmon-check"};
  auto store = StateStore::Open(tmp.db(), monitor);
  CHECK(store->ComponentVersions() == KnownStateComponents());
  CHECK(store->GetValue("ns", "k") == std::optional<std::string>("v"));
  store->PutMonitorStatuses({SampleStatus("a", "ok")});

  StateOptions bad;
  bad.components = {"hnotfy"};
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db(), bad), "unknown state schema component 'hnotfy'",
                       RuntimeError);
}

TEST_CASE("state: components this build does not know are ignored and kept") {
  TempDir tmp;
  StateStore::Open(tmp.db())->PutValue("ns", "k", "v");
  // What a newer hnotify (and some later tool) would have added.
  RawExec(tmp.db(),
          "CREATE TABLE hnotify_outbox (id INTEGER PRIMARY KEY, body TEXT);"
          "INSERT INTO hnotify_outbox (body) VALUES ('page the on-call');"
          "INSERT INTO schema_component VALUES ('hnotify', 7), ('hscope-sync', 1);");
  auto store = StateStore::Open(tmp.db());
  std::map<std::string, int> want = KnownStateComponents();
  want["hnotify"] = 7;
  want["hscope-sync"] = 1;
  CHECK(store->ComponentVersions() == want);
  CHECK(store->GetValue("ns", "k") == std::optional<std::string>("v"));
  store->PutMonitorStatuses({SampleStatus("a", "ok")});
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM hnotify_outbox") == 1);
}

TEST_CASE("state: a component newer than this build is refused, naming it and both versions") {
  TempDir tmp;
  StateStore::Open(tmp.db())->PutValue("ns", "k", "v");
  const int known = KnownStateComponents().at("hmon-check");
  const int newer = known + 1;
  RawExec(tmp.db(), "UPDATE schema_component SET version = " + std::to_string(newer) +
                        " WHERE component = 'hmon-check'");
  const std::string msg = "state database '" + tmp.db() + "' has version " +
                          std::to_string(newer) + " of schema component 'hmon-check', this hops" +
                          " understands up to " + std::to_string(known) + "; upgrade hops";
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db()), msg.c_str(), RuntimeError);
  StateOptions monitor;
  monitor.components = {"hmon-check"};
  CHECK_THROWS_WITH_AS(StateStore::Open(tmp.db(), monitor), msg.c_str(), RuntimeError);
  // A tool that does not use hmon-check's tables goes on using the file.
  StateOptions core_only;
  core_only.components = {"core"};
  CHECK(StateStore::Open(tmp.db(), core_only)->GetValue("ns", "k") ==
        std::optional<std::string>("v"));
  CHECK(RawInt(tmp.db(), "SELECT version FROM schema_component WHERE component = 'hmon-check'") ==
        newer);
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

TEST_CASE("state: a database of a newer file format is refused") {
  TempDir tmp;
  StateStore::Open(tmp.db())->PutValue("ns", "k", "v");
  RawExec(tmp.db(), "PRAGMA user_version = 5");
  CHECK_THROWS_WITH_AS(
      StateStore::Open(tmp.db()),
      ("state database '" + tmp.db() + "' has schema format 5, this hops understands up to " +
       std::to_string(kStateFileFormat) + "; upgrade hops")
          .c_str(),
      RuntimeError);
  // Refusing left the data alone.
  CHECK(RawInt(tmp.db(), "PRAGMA user_version") == 5);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM kv") == 1);
}

TEST_CASE("state: a database of another application is refused and left untouched") {
  TempDir tmp;
  std::string sql, why;
  SUBCASE("another application_id") {
    sql = "PRAGMA application_id = 1297105986; CREATE TABLE t (x); DROP TABLE t;";
    why = "its application_id is 0x4d504442, not 0x686f7073";
  }
  SUBCASE("tables but no application_id") {
    sql = "CREATE TABLE customers (id INTEGER); INSERT INTO customers VALUES (1);";
    why = "it has content but no application_id";
  }
  SUBCASE("a user_version but no application_id") {
    sql = "PRAGMA user_version = 3;";
    why = "it has content but no application_id";
  }
  RawExec(tmp.db(), sql);
  REQUIRE(chmod(tmp.db().c_str(), 0600) == 0);
  const std::string before = FileBytes(tmp.db());
  REQUIRE(!before.empty());
  CHECK_THROWS_WITH_AS(
      StateStore::Open(tmp.db()),
      ("'" + tmp.db() + "' is not a hops state database (" + why + "); it was left untouched")
          .c_str(),
      RuntimeError);
  // Not switched to WAL (that alone rewrites the header), no table created, nothing beside it.
  CHECK(FileBytes(tmp.db()) == before);
  CHECK(ModeOf(tmp.db() + "-wal") == -1);
  CHECK(ModeOf(tmp.db() + "-shm") == -1);
  CHECK(RawJournalMode(tmp.db()) == "delete");
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

TEST_CASE("state: status changes in a range come by key, each after its last change before it") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendStatusChanges({
      {"web/b", 50, "", "ok", "first"},
      {"web/a", 10, "", "ok", "first"},
      {"web/a", 20, "ok", "critical", "down"},
      {"web/a", 20, "critical", "warning", "same ms, later"},
      {"web/a", 150, "warning", "ok", "up"},
      {"web/a", 300, "ok", "critical", "after the range"},
      {"web/c", 120, "", "ok", "only within"},
      {"web2/a", 110, "", "critical", "other monitor"},
      {"db", 5, "", "unknown", "before only"},
  });
  auto got = store->ListStatusChangesBetween("web/", 100, 300);
  std::vector<std::string> seen;
  for (const auto& c : got) seen.push_back(c.key + "@" + std::to_string(c.time_ms) + ":" + c.to);
  // web/a enters the range warning (the later of two changes at 20 ms); web/b stays ok; web/c
  // has no change before; web2 and db are other prefixes; 300 is outside [100, 300).
  CHECK(seen == std::vector<std::string>{"web/a@20:warning", "web/a@150:ok", "web/b@50:ok",
                                         "web/c@120:ok"});
  CHECK(got.front().summary == "same ms, later");
  // A prefix that is a whole key, and the empty prefix.
  CHECK(store->ListStatusChangesBetween("db", 100, 300).size() == 1);
  CHECK(store->ListStatusChangesBetween("", 0, 1000).size() == 9);
  CHECK(store->ListStatusChangesBetween("", 0, 1).empty());
  CHECK(store->ListStatusChangesBetween("nothing", 0, 1000).empty());
}

TEST_CASE("state: core 4 keeps the delivery log of core 3 and adds the outcome 'grouped'") {
  TempDir tmp;
  StateStore::Open(tmp.db()).reset();
  // The delivery table as core version 3 released it, with one entry.
  RawExec(tmp.db(), R"sql(
DROP TABLE delivery;
CREATE TABLE delivery (
  id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, event_key TEXT NOT NULL, event_kind TEXT NOT NULL,
  event_status TEXT NOT NULL, reason TEXT NOT NULL, route TEXT NOT NULL, channel TEXT NOT NULL,
  channel_type TEXT NOT NULL,
  outcome TEXT NOT NULL CONSTRAINT valid_outcome CHECK (outcome = 'sent' OR outcome = 'fallback'
    OR outcome = 'dropped'),
  detail TEXT NOT NULL);
CREATE INDEX delivery_by_key ON delivery (event_key, time_ms);
CREATE INDEX delivery_by_time ON delivery (time_ms);
INSERT INTO delivery VALUES (7, 1000, 'hmon-check/web', 'monitor.result', 'critical', 'problem', 'ops', 'mail',
  'email', 'sent', '250 queued');
UPDATE schema_component SET version = 3 WHERE component = 'core';
)sql");
  auto store = StateStore::Open(tmp.db());
  CHECK(store->ComponentVersions().at("core") == 4);
  Delivery grouped;
  grouped.time_ms = 2000;
  grouped.event_key = "hmon-check/db";
  grouped.outcome = "grouped";
  store->AppendDeliveries({grouped});
  std::vector<std::string> got;
  for (const Delivery& d : store->ListDeliveries("", 0, INT64_MAX)) got.push_back(d.event_key + " " + d.outcome + " " + d.detail);
  CHECK(got == std::vector<std::string>{"hmon-check/web sent 250 queued", "hmon-check/db grouped "});
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'delivery' AND type = 'index'") == 2);
  Delivery bogus = grouped;
  bogus.outcome = "bogus";
  CHECK_THROWS(store->AppendDeliveries({bogus}));
}

TEST_CASE("state: the newest and the first-from change of each key, and the newest delivery, one seek each") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendStatusChanges({
      {"web", 10, "", "critical", "first"},
      {"web", 20, "critical", "ok", "up"},
      {"web", 20, "ok", "warning", "same ms, later"},
      {"web2", 500, "", "ok", "a key the first one is a prefix of"},
      {"db", 5, "", "unknown", "only"},
  });
  auto last = store->LastStatusChanges({"web", "db", "gone", "web"});
  REQUIRE(last.size() == 2);
  CHECK(last.at("web").summary == "same ms, later");  // not web2's later change
  CHECK(last.at("db").time_ms == 5);
  CHECK(store->LastStatusChanges({}).empty());
  auto first = store->FirstStatusChangesFrom({"web", "db", "web2"}, 15);
  REQUIRE(first.size() == 2);
  CHECK(first.at("web").summary == "up");  // the earlier of two changes at 20 ms
  CHECK(first.at("web2").time_ms == 500);
  CHECK(store->FirstStatusChangesFrom({"web"}, 21).empty());

  auto delivery = [](int64_t t, const std::string& key, const std::string& channel) {
    return Delivery{t, key, "monitor.result", "critical", "problem", "ops", channel, "slack", "sent", ""};
  };
  store->AppendDeliveries({delivery(100, "hmon-check/web", "a"), delivery(300, "hmon-check/web", "b"),
                           delivery(300, "hmon-check/web", "c"), delivery(900, "hmon-check/web2", "d"),
                           delivery(50, "hmon-check/db", "e")});
  auto notified = store->LastDeliveries({"hmon-check/web", "hmon-check/db", "hmon-check/none"});
  REQUIRE(notified.size() == 2);
  CHECK(notified.at("hmon-check/web").channel == "c");  // the later entry of the same ms
  CHECK(notified.at("hmon-check/db").channel == "e");
}

TEST_CASE("state: perfdata series are listed and their samples scanned in time order") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendPerfSamples({
      {"web/a", "time", 1000, 0.5, "s"},
      {"web/a", "time", 2000, 0.7, "s"},
      {"web/a", "size", 1000, 10, "B"},
      {"web/b", "time", 1500, std::nan(""), "s"},
      {"web2/a", "time", 1000, 9, "s"},
  });
  auto series = store->ListPerfSeries("web/", "");
  REQUIRE(series.size() == 3);
  CHECK(series[0].key == "web/a");
  CHECK(series[0].label == "size");
  CHECK(series[0].uom == "B");
  CHECK(series[1].label == "time");
  CHECK(series[2].key == "web/b");
  CHECK(store->ListPerfSeries("web/", "time").size() == 2);
  // Only the series asked for (web/a time and web/b time), within [1000, 2000), by time.
  std::vector<std::string> seen;
  store->ScanPerfSamples({series[1], series[2]}, 1000, 2000, [&](size_t i, int64_t t, double v) {
    seen.push_back(std::to_string(i) + "@" + std::to_string(t) + "=" + (std::isnan(v) ? "nan" : std::to_string(v)));
  });
  CHECK(seen == std::vector<std::string>{"0@1000=0.500000", "1@1500=nan"});
  bool called = false;
  store->ScanPerfSamples({}, 0, 5000, [&](size_t, int64_t, double) { called = true; });
  CHECK_FALSE(called);
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

/// 2024-01-01T00:00:00Z, a UTC midnight, in ms.
constexpr int64_t kDay0 = 1'704'067'200'000;
constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDay = 24 * kHour;

/// @p rows as "key label uom bucket min/max/sum/count" lines, buckets relative to kDay0 in hours.
std::vector<std::string> Lines(const std::vector<PerfRollup>& rows) {
  std::vector<std::string> out;
  for (const PerfRollup& r : rows) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %s %s %+lldh %g/%g/%g/%lld", r.key.c_str(), r.label.c_str(),
                  r.uom.c_str(), static_cast<long long>((r.bucket_ms - kDay0) / kHour), r.min,
                  r.max, r.sum, static_cast<long long>(r.count));
    out.push_back(buf);
  }
  return out;
}

/// @p samples as "key label time value uom" lines, times relative to kDay0 in ms.
std::vector<std::string> Lines(const std::vector<PerfSample>& samples) {
  std::vector<std::string> out;
  for (const PerfSample& p : samples) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s %s %+lld %g %s", p.key.c_str(), p.label.c_str(),
                  static_cast<long long>(p.time_ms - kDay0), p.value, p.uom.c_str());
    out.push_back(buf);
  }
  return out;
}

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

/// Every roll-up of @p granularity in @p store.
std::vector<std::string> AllRollups(StateStore& store, RollupGranularity granularity) {
  return Lines(store.ListPerfRollups("", "", std::numeric_limits<int64_t>::min(), kForever,
                                     granularity));
}

TEST_CASE("state: hmon-check 1 -> 2 moves the samples of an old file into series and roll-ups") {
  TempDir tmp;
  WriteV1File(tmp.db());
  RawExec(tmp.db(),
          "INSERT INTO perf_sample (key, label, time_ms, value, uom) VALUES"
          " ('web/node1', 'time', " + std::to_string(kDay0 - 1) + ", 0.5, 's'),"
          " ('web/node1', 'time', " + std::to_string(kDay0) + ", 0.25, 's'),"
          " ('web/node1', 'time', " + std::to_string(kDay0) + ", 9, 's'),"  // same ms: dropped
          " ('web/node1', 'time', " + std::to_string(kDay0 + 1000) + ", NULL, 's'),"
          " ('web/node1', 'time', " + std::to_string(kDay0 + 2000) + ", 7, 'ms'),"
          " ('web/node1', 'size', " + std::to_string(kDay0) + ", 100, 'B'),"
          " ('web/node2', 'time', " + std::to_string(kDay0 + 5) + ", 1.5, 's')");
  auto store = StateStore::Open(tmp.db());
  CHECK(store->ComponentVersions() == KnownStateComponents());
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM sqlite_master WHERE name LIKE 'perf_sample%'") == 0);
  CHECK(Lines(store->ListPerfSamples("", "", 0, kForever)) ==
        std::vector<std::string>{
            "web/node1 size +0 100 B",
            "web/node1 time -1 0.5 s",
            "web/node1 time +0 0.25 s",
            "web/node1 time +1000 nan s",
            "web/node1 time +2000 7 ms",
            "web/node2 time +5 1.5 s",
        });
  // Roll-ups of the moved samples; a value that is not a number is kept but not counted.
  CHECK(AllRollups(*store, RollupGranularity::kHourly) ==
        std::vector<std::string>{
            "web/node1 size B +0h 100/100/100/1",
            "web/node1 time s -1h 0.5/0.5/0.5/1",
            "web/node1 time ms +0h 7/7/7/1",
            "web/node1 time s +0h 0.25/0.25/0.25/1",
            "web/node2 time s +0h 1.5/1.5/1.5/1",
        });
  CHECK(AllRollups(*store, RollupGranularity::kDaily) ==
        std::vector<std::string>{
            "web/node1 size B +0h 100/100/100/1",
            "web/node1 time s -24h 0.5/0.5/0.5/1",
            "web/node1 time ms +0h 7/7/7/1",
            "web/node1 time s +0h 0.25/0.25/0.25/1",
            "web/node2 time s +0h 1.5/1.5/1.5/1",
        });
  // New samples join the moved ones, in their series and buckets.
  store->AppendPerfSamples({{"web/node1", "time", kDay0 + 3000, 0.75, "s"}});
  CHECK(Lines(store->ListPerfRollups("web/node1", "time", kDay0, kDay0 + 1,
                                     RollupGranularity::kHourly)) ==
        std::vector<std::string>{"web/node1 time ms +0h 7/7/7/1",
                                 "web/node1 time s +0h 0.25/0.75/1/2"});
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM perf_series") == 4);
}

TEST_CASE("state: hmon-check 1 -> 2 upgrades a file whose core is already at version 2") {
  TempDir tmp;
  WriteV1File(tmp.db());
  StateOptions core_only;
  core_only.components = {"core"};
  StateStore::Open(tmp.db(), core_only);
  RawExec(tmp.db(), "INSERT INTO perf_sample VALUES ('db/n1', 'conn', " + std::to_string(kDay0) +
                        ", 12, ''), ('db/n1', 'conn', " + std::to_string(kDay0 + kHour) +
                        ", 14, '')");
  auto store = StateStore::Open(tmp.db());
  CHECK(store->ComponentVersions().at("hmon-check") == 2);
  CHECK(Lines(store->ListPerfSamples("db/", "conn", 0, kForever)) ==
        std::vector<std::string>{"db/n1 conn +0 12 ", "db/n1 conn +3600000 14 "});
  CHECK(AllRollups(*store, RollupGranularity::kDaily) ==
        std::vector<std::string>{"db/n1 conn  +0h 12/14/26/2"});
}

TEST_CASE("state: roll-ups keep min, max, sum and count per hour and UTC day, across edges") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendPerfSamples({
      {"web/n1", "time", kDay0 - 1, 4, "s"},  // 23:59:59.999 the day before
      {"web/n1", "time", kDay0, 1, "s"},      // midnight starts the next hour and day
      {"web/n1", "time", kDay0 + 59 * 60'000, 3, "s"},
      {"web/n1", "time", kDay0 + 100, std::nan(""), "s"},  // kept, not rolled up
      {"web/n1", "time", kDay0, 100, "s"},  // a second sample of the series at the same ms
  });
  // Another call, in another order: the last ms of the first hour, then the next hour.
  store->AppendPerfSamples({
      {"web/n1", "time", kDay0 + kHour, 10, "s"},
      {"web/n1", "time", kDay0 + kHour - 1, 5, "s"},
      {"web/n1", "time", kDay0 + kHour, 0.5, "ms"},  // another unit is another series
  });
  CHECK(Lines(store->ListPerfSamples("web/n1", "time", kDay0, kDay0 + 1)) ==
        std::vector<std::string>{"web/n1 time +0 1 s"});
  CHECK(AllRollups(*store, RollupGranularity::kHourly) ==
        std::vector<std::string>{
            "web/n1 time s -1h 4/4/4/1",
            "web/n1 time s +0h 1/5/9/3",
            "web/n1 time ms +1h 0.5/0.5/0.5/1",
            "web/n1 time s +1h 10/10/10/1",
        });
  CHECK(AllRollups(*store, RollupGranularity::kDaily) ==
        std::vector<std::string>{
            "web/n1 time s -24h 4/4/4/1",
            "web/n1 time ms +0h 0.5/0.5/0.5/1",
            "web/n1 time s +0h 1/10/19/4",
        });
  // Buckets are chosen by their start: since inclusive, until exclusive; by prefix and label.
  CHECK(Lines(store->ListPerfRollups("web/", "time", kDay0, kDay0 + kHour,
                                     RollupGranularity::kHourly)) ==
        std::vector<std::string>{"web/n1 time s +0h 1/5/9/3"});
  CHECK(store->ListPerfRollups("web/n1", "size", 0, kForever, RollupGranularity::kHourly).empty());
  CHECK(store->ListPerfRollups("web/n2", "", 0, kForever, RollupGranularity::kDaily).empty());
}

/// A status of @p key last checked at @p last_check_ms.
MonitorStatus CheckedAt(const std::string& key, int64_t last_check_ms) {
  MonitorStatus m = SampleStatus(key, "ok");
  m.last_check_ms = last_check_ms;
  return m;
}

TEST_CASE("state: expiry deletes raw samples, then roll-ups and status changes, each by its age") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->AppendPerfSamples({{"web/n1", "time", kDay0, 1, "s"}, {"web/n1", "time", kDay0 + 1, 2, "s"}});
  store->AppendStatusChanges({{"web/n1", kDay0, "ok", "critical", "down"}});
  MonitorHistoryPolicy policy;  // raw 62d, hourly 400d, daily 1830d, status changes 400d
  auto maintain = [&](int64_t now) {
    store->PutMonitorStatuses({CheckedAt("web/n1", now)});  // the monitor is still checked
    return store->MaintainMonitorHistory(now, policy);
  };
  HistoryPruneReport r = maintain(kDay0 + 62 * kDay);
  CHECK(r.expired.samples == 0);
  r = maintain(kDay0 + 62 * kDay + 2);
  CHECK(r.expired.samples == 2);
  CHECK(r.expired.hourly == 0);
  CHECK(store->ListPerfSamples("web/", "", 0, kForever).empty());
  // The summaries stay for the longer periods.
  CHECK(AllRollups(*store, RollupGranularity::kHourly) ==
        std::vector<std::string>{"web/n1 time s +0h 1/2/3/2"});
  CHECK(AllRollups(*store, RollupGranularity::kDaily) ==
        std::vector<std::string>{"web/n1 time s +0h 1/2/3/2"});
  CHECK(store->ListStatusChanges("web/", 0, 0).size() == 1);
  r = maintain(kDay0 + 400 * kDay + 1);
  CHECK(r.expired.hourly == 1);
  CHECK(r.expired.status_changes == 1);
  CHECK(r.expired.daily == 0);
  CHECK(AllRollups(*store, RollupGranularity::kHourly).empty());
  CHECK(AllRollups(*store, RollupGranularity::kDaily).size() == 1);
  CHECK(store->ListStatusChanges("web/", 0, 0).empty());
  r = maintain(kDay0 + 1830 * kDay + 1);
  CHECK(r.expired.daily == 1);
  CHECK(AllRollups(*store, RollupGranularity::kDaily).empty());
}

/// Row counts of every monitor history table of @p db, for comparing before and after.
std::string HistoryCounts(const std::string& db) {
  std::string out;
  for (const char* t : {"monitor_status", "status_change", "perf_series", "perf_raw",
                        "perf_hourly", "perf_daily", "perf_purge"}) {
    out += std::string(t) + "=" + std::to_string(RawInt(db, std::string("SELECT count(*) FROM ") + t)) + " ";
  }
  return out;
}

TEST_CASE("state: a monitor not checked for the grace period goes with its history, not before") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  const int64_t t0 = kDay0;
  // "old/n1" was checked last at t0, "live/n1" ten days later; three days of samples every 30
  // minutes, so the removal takes several stretches of time.
  store->PutMonitorStatuses({CheckedAt("old/n1", t0), CheckedAt("live/n1", t0 + 10 * kDay)});
  std::vector<PerfSample> samples;
  for (int64_t t = t0 - 3 * kDay; t <= t0; t += kHour / 2) {
    samples.push_back({"old/n1", "time", t, 1, "s"});
    samples.push_back({"old/n1", "size", t, 2, "B"});
    samples.push_back({"live/n1", "time", t, 3, "s"});
  }
  store->AppendPerfSamples(samples);
  store->AppendStatusChanges({{"old/n1", t0 - kDay, "ok", "critical", "down"},
                              {"old/n1", t0, "critical", "ok", "up"},
                              {"live/n1", t0, "ok", "warning", "slow"}});
  const int64_t old_samples = 2 * (3 * 48 + 1);
  MonitorHistoryPolicy policy;  // gone after 30 days, looked for at most once an hour

  // Checked exactly 30 days ago less 1 ms: not gone.
  HistoryPruneReport r = store->MaintainMonitorHistory(t0 + 30 * kDay - 1, policy);
  CHECK(r.gone_checked);
  CHECK(r.gone.empty());
  // Within the hour the next run does not look.
  r = store->MaintainMonitorHistory(t0 + 30 * kDay + kHour - 2, policy);
  CHECK_FALSE(r.gone_checked);
  CHECK(store->GetMonitorStatus("old/n1"));

  // A dry run reports what would go and changes nothing.
  const std::string before = HistoryCounts(tmp.db());
  const HistoryPruneReport dry = store->PruneMonitorHistory(t0 + 30 * kDay + kHour, policy, true);
  CHECK(HistoryCounts(tmp.db()) == before);
  REQUIRE(dry.gone.size() == 1);
  CHECK(dry.gone[0].key == "old/n1");
  CHECK(dry.gone[0].last_check_ms == t0);
  CHECK(dry.gone_series == 2);
  CHECK(dry.gone_rows.samples == old_samples);
  CHECK(dry.gone_rows.hourly == 2 * (3 * 24 + 1));
  CHECK(dry.gone_rows.daily == 2 * 4);
  CHECK(dry.gone_rows.status_changes == 2);

  // An hour after the last look, the run removes it, exactly as the dry run said.
  r = store->MaintainMonitorHistory(t0 + 30 * kDay + kHour, policy);
  CHECK(r.gone_checked);
  REQUIRE(r.gone.size() == 1);
  CHECK(r.gone[0].key == "old/n1");
  CHECK(r.gone_series == dry.gone_series);
  CHECK(r.gone_rows.samples == dry.gone_rows.samples);
  CHECK(r.gone_rows.hourly == dry.gone_rows.hourly);
  CHECK(r.gone_rows.daily == dry.gone_rows.daily);
  CHECK(r.gone_rows.status_changes == dry.gone_rows.status_changes);
  CHECK_FALSE(store->GetMonitorStatus("old/n1"));
  CHECK(store->ListPerfSamples("old/", "", 0, kForever).empty());
  CHECK(store->ListPerfRollups("old/", "", 0, kForever, RollupGranularity::kHourly).empty());
  CHECK(store->ListPerfRollups("old/", "", 0, kForever, RollupGranularity::kDaily).empty());
  CHECK(store->ListStatusChanges("old/", 0, 0).empty());
  // Nothing of it is left in any table, and the other monitor keeps everything.
  CHECK(HistoryCounts(tmp.db()) ==
        "monitor_status=1 status_change=1 perf_series=1 perf_raw=145 perf_hourly=73 "
        "perf_daily=4 perf_purge=0 ");
  CHECK(store->GetMonitorStatus("live/n1"));
  CHECK(store->ListPerfSamples("live/", "", 0, kForever).size() == 145);
}

TEST_CASE("state: perfdata left without a status goes at the next look, and --older-than works") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->PutMonitorStatuses({CheckedAt("a/n1", kDay0), CheckedAt("b/n1", kDay0)});
  store->AppendPerfSamples({{"a/n1", "t", kDay0, 1, ""}, {"b/n1", "t", kDay0, 1, ""}});
  store->DeleteMonitorStatuses({"a/n1"});
  MonitorHistoryPolicy policy;
  HistoryPruneReport r = store->PruneMonitorHistory(kDay0 + kHour, policy, false);
  REQUIRE(r.gone.size() == 1);
  CHECK(r.gone[0].key == "a/n1");
  CHECK(r.gone[0].last_check_ms == 0);
  CHECK(r.gone_rows.samples == 1);
  CHECK(store->ListPerfSamples("", "", 0, kForever).size() == 1);
  // A shorter grace, as `prune --older-than 1h` gives.
  policy.gone_after = std::chrono::hours(1);
  r = store->PruneMonitorHistory(kDay0 + kHour, policy, false);
  CHECK(r.gone.empty());
  r = store->PruneMonitorHistory(kDay0 + kHour + 1, policy, false);
  REQUIRE(r.gone.size() == 1);
  CHECK(r.gone[0].key == "b/n1");
  CHECK(store->ListPerfSamples("", "", 0, kForever).empty());
}

TEST_CASE("state: a removal interrupted after forgetting the monitor is finished by the next") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  store->PutMonitorStatuses({CheckedAt("old/n1", kDay0)});
  store->AppendPerfSamples({{"old/n1", "t", kDay0, 1, ""}, {"old/n1", "t", kDay0 + kDay, 2, ""}});
  const int64_t old_id = RawInt(tmp.db(), "SELECT id FROM perf_series");
  // What the first transaction of a removal leaves when the process dies right after it.
  RawExec(tmp.db(),
          "BEGIN; DELETE FROM monitor_status; INSERT INTO perf_purge SELECT id FROM perf_series;"
          " DELETE FROM perf_series; COMMIT;");
  CHECK(store->ListPerfSamples("", "", 0, kForever).empty());
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM perf_raw") == 2);
  // The monitor comes back meanwhile: a new series, never the old rows.
  store->PutMonitorStatuses({CheckedAt("old/n1", kDay0 + 2 * kDay)});
  store->AppendPerfSamples({{"old/n1", "t", kDay0 + 2 * kDay, 3, ""}});
  CHECK(RawInt(tmp.db(), "SELECT id FROM perf_series") > old_id);
  CHECK(Lines(store->ListPerfSamples("old/", "", 0, kForever)) ==
        std::vector<std::string>{"old/n1 t +172800000 3 "});
  const HistoryPruneReport dry = store->PruneMonitorHistory(kDay0 + 2 * kDay, {}, true);
  CHECK(dry.gone.empty());
  CHECK(dry.gone_rows.samples == 2);
  const HistoryPruneReport r = store->PruneMonitorHistory(kDay0 + 2 * kDay, {}, false);
  CHECK(r.gone.empty());
  CHECK(r.gone_rows.samples == 2);
  CHECK(r.gone_rows.hourly == 2);
  CHECK(r.gone_rows.daily == 2);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM perf_raw") == 1);
  CHECK(RawInt(tmp.db(), "SELECT count(*) FROM perf_purge") == 0);
  CHECK(AllRollups(*store, RollupGranularity::kDaily) ==
        std::vector<std::string>{"old/n1 t  +48h 3/3/3/1"});
}

/// Pages the store wrote to @p db since the last call: frames in the write-ahead log, which the
/// call then empties (no other connection may be reading).
int64_t PagesWritten(const std::string& db) {
  const std::string wal = db + "-wal";
  const int64_t bytes = static_cast<int64_t>(std::filesystem::file_size(wal));
  const int64_t page = RawInt(db, "PRAGMA page_size");
  RawExec(db, "PRAGMA wal_checkpoint(TRUNCATE)");
  REQUIRE(std::filesystem::file_size(wal) == 0);
  return bytes <= 32 ? 0 : (bytes - 32) / (24 + page);
}

TEST_CASE("state: the pages a run writes do not grow with the history it appends to") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  // 300 series (150 checks with two measures) run every 10 s for 40 minutes of one hour.
  auto run = [&](int64_t t) {
    std::vector<PerfSample> samples;
    for (int i = 0; i < 150; ++i) {
      const std::string key = "mon" + std::to_string((i * 7919) % 150) + "/node";
      samples.push_back({key, "time", t, 0.001 * i, "s"});
      samples.push_back({key, "size", t, 1000.0 + i, "B"});
    }
    store->AppendPerfSamples(samples);
  };
  run(kDay0);
  run(kDay0 + 10'000);
  PagesWritten(tmp.db());
  run(kDay0 + 20'000);
  const int64_t early = PagesWritten(tmp.db());
  for (int64_t t = kDay0 + 30'000; t < kDay0 + 40 * 60'000; t += 10'000) run(t);
  PagesWritten(tmp.db());
  run(kDay0 + 40 * 60'000);
  const int64_t late = PagesWritten(tmp.db());
  INFO("pages written by a run: early ", early, ", after 240 runs ", late);
  CHECK(early > 0);
  // The samples of a run are appended at one end of the table, and its roll-ups sit in the
  // latest buckets: with 72,000 samples more the run writes the same pages (give or take an
  // interior page of the deeper tree), where an index by key would write one page per series.
  CHECK(late <= early + 3);
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

TEST_CASE("state: ListValues gives the live values under a key prefix, by key") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  store->PutValue("n", "a/2", "two");
  store->PutValue("n", "a/1", "one");
  store->PutValue("n", "a/3", "gone", clock.now + 5);
  store->PutValue("n", "b/1", "other key");
  store->PutValue("m", "a/9", "other namespace");
  clock.now += 5;
  using KV = std::vector<std::pair<std::string, std::string>>;
  CHECK(store->ListValues("n", "a/") == KV{{"a/1", "one"}, {"a/2", "two"}});
  CHECK(store->ListValues("n", "").size() == 3);
  CHECK(store->ListValues("n", "c").empty());
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

  CHECK(store->Ack(a, first->attempts));
  CHECK_FALSE(store->Ack(a, first->attempts));
  CHECK(store->Retry(c, second->attempts, t + 1000, "smtp: 451 try later"));
  CHECK_FALSE(store->Retry(a, 1, t, "gone"));

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

TEST_CASE("state: a run whose lease ran out can neither ack nor retry the next run's claim") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  const int64_t id = store->Enqueue("q", "{}", 0);
  auto slow = store->Claim("q", 1000, 500);
  REQUIRE(slow);
  auto next = store->Claim("q", 1500, 500);  // the lease of the slow run is over
  REQUIRE(next);
  CHECK(next->attempts == slow->attempts + 1);
  // The slow run comes back: its ack and its retry are refused, the other run's claim stands.
  CHECK_FALSE(store->Ack(id, slow->attempts));
  CHECK_FALSE(store->Retry(id, slow->attempts, 0, "late"));
  auto list = store->ListQueue("q");
  REQUIRE(list.size() == 1);
  CHECK(list[0].not_before_ms == 2000);
  CHECK(list[0].last_error.empty());
  CHECK_FALSE(store->Claim("q", 1999, 500));
  // The run holding the claim settles it.
  CHECK(store->Retry(id, next->attempts, 1600, "451"));
  CHECK(store->ListQueue("q")[0].not_before_ms == 1600);
  CHECK(store->Ack(id, next->attempts));
  CHECK(store->QueueDepth("q") == 0);
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

  // Runs newest first, of one flow or of all, at most the limit.
  auto ids = [](const std::vector<Run>& runs) {
    std::vector<int64_t> out;
    for (const auto& r : runs) out.push_back(r.id);
    return out;
  };
  CHECK(ids(store->ListRuns("nightly", 0)) == std::vector<int64_t>{r2, r1});
  CHECK(ids(store->ListRuns("", 0)) == std::vector<int64_t>{other, r2, r1});
  CHECK(ids(store->ListRuns("", 2)) == std::vector<int64_t>{other, r2});
  CHECK(store->ListRuns("none", 5).empty());
  CHECK(store->ListRuns("nightly", 1).front().status == "failed");

  // Only finished runs that ended before the cutoff go, with their job states.
  // The same runs are those listed as ended before the cutoff.
  const auto ended = store->ListRunsEndedBefore(clock.now + 1);
  REQUIRE(ended.size() == 1);
  CHECK(ended[0].id == r2);
  CHECK(ended[0].status == "failed");
  CHECK(store->ListRunsEndedBefore(0).empty());
  CHECK(store->PruneRuns(clock.now + 1) == 1);
  CHECK_FALSE(store->GetRun(r2));
  CHECK(store->GetJobStates(r2).empty());
  CHECK(store->GetRun(r1));
  CHECK(store->GetJobStates(other).size() == 1);

  // One run by id, whatever its status, with its job states.
  CHECK(store->DeleteRun(other));
  CHECK_FALSE(store->GetRun(other));
  CHECK(store->GetJobStates(other).empty());
  CHECK_FALSE(store->DeleteRun(other));
  CHECK(store->GetRun(r1));
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

TEST_CASE("state: a lock held by a live child blocks, Lock waits for its release") {
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

TEST_CASE("state: a lock whose holder exited without releasing it is free") {
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
  CHECK_FALSE(store->GetLockHolder("flow"));
  auto lock = store->TryLock("flow", "parent");
  REQUIRE(lock);
  CHECK(store->GetLockHolder("flow")->owner == "parent");
}

TEST_CASE("state: a lock is a file in locks/ that names its holder while it is held") {
  TempDir tmp;
  auto store = StateStore::Open(tmp.db());
  auto lock = store->TryLock("hmon-check:/etc/hops/monitors.yaml", "hmon-check run");
  REQUIRE(lock);
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(tmp.path() + "/locks")) {
    files.push_back(e.path().filename().string());
  }
  REQUIRE(files.size() == 1);
  CHECK(files[0].rfind("hmon-check__etc_hops_monitors.yaml-", 0) == 0);
  const std::string file = tmp.path() + "/locks/" + files[0];
  CHECK(FileBytes(file).rfind("pid=" + std::to_string(getpid()) + "\n", 0) == 0);
  CHECK(FileBytes(file).find("\nowner=hmon-check run\n") != std::string::npos);
  // Names that differ only in characters a file name cannot show get files of their own.
  auto other = store->TryLock("hmon-check:/etc/hops/monitors:yaml", "other");
  CHECK(other);
  lock->Release();
  CHECK(FileBytes(file).empty());
  CHECK_FALSE(store->GetLockHolder("hmon-check:/etc/hops/monitors.yaml"));
  CHECK(store->GetLockHolder("hmon-check:/etc/hops/monitors:yaml"));
  CHECK_FALSE(store->GetLockHolder("never taken"));
}

TEST_CASE("state: locks need no access to the database") {
  TempDir tmp;
  StateOptions quick;
  quick.busy_timeout = std::chrono::milliseconds(100);
  auto store = StateStore::Open(tmp.db(), quick);
  RawTxn other(tmp.db(), "BEGIN IMMEDIATE");
  auto lock = store->TryLock("l", "me");
  CHECK(lock);
  CHECK(store->GetLockHolder("l"));
}

/// A store in a fresh directory whose lock "flow" a forked child holds until it is killed.
struct LockHeldByChild {
  TempDir tmp;
  Pipe locked;
  Child child;
  std::unique_ptr<StateStore> store;

  LockHeldByChild() : child(Hold(tmp.db(), locked)) {
    REQUIRE(locked.WaitSignal());
    store = StateStore::Open(tmp.db());
  }

  static Child Hold(const std::string& db, Pipe& locked) {
    StateStore::Open(db);  // create the file before forking
    return Child([&] {
      auto store = StateStore::Open(db);
      auto lock = store->TryLock("flow", "holder");
      if (!lock) return 1;
      locked.Signal();
      for (;;) pause();
    });
  }
};

TEST_CASE("state: a holder killed with SIGKILL releases its lock at once") {
  LockHeldByChild held;
  StateStore& store = *held.store;
  CHECK_FALSE(store.TryLock("flow", "parent"));
  REQUIRE(store.GetLockHolder("flow"));
  CHECK(store.GetLockHolder("flow")->pid == held.child.pid());
  const pid_t pid = held.child.pid();
  REQUIRE(kill(pid, SIGKILL) == 0);
  SUBCASE("reaped") { CHECK(held.child.Wait() == -1); }
  SUBCASE("dead but not yet reaped (a zombie, its pid still taken)") {
    siginfo_t info{};
    REQUIRE(waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT) == 0);
    REQUIRE(kill(pid, 0) == 0);
  }
  // Nobody holds it the moment the holder is gone: no waiting, no guessing from process ids.
  CHECK_FALSE(store.GetLockHolder("flow"));
  auto lock = store.TryLock("flow", "parent");
  REQUIRE(lock);
  CHECK(store.GetLockHolder("flow")->pid == getpid());
}

TEST_CASE("state: a waiter gives up after its timeout, and the holder is named") {
  LockHeldByChild held;
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(held.store->Lock("flow", "waiter", std::chrono::milliseconds(300)));
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(300));
  auto holder = held.store->GetLockHolder("flow");
  REQUIRE(holder);
  CHECK(holder->pid == held.child.pid());
  CHECK(holder->owner == "holder");
  CHECK(holder->name == "flow");
}

TEST_CASE("state: a program the holder runs does not keep its lock") {
  TempDir tmp;
  StateStore::Open(tmp.db());
  Pipe started;
  Child child([&] {
    auto store = StateStore::Open(tmp.db());
    auto lock = store->TryLock("flow", "holder");
    if (!lock) return 1;
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      execlp("sleep", "sleep", "30", static_cast<char*>(nullptr));
      _exit(127);
    }
    (void)!write(started.fd[1], &grandchild, sizeof grandchild);
    for (;;) pause();
  });
  pid_t grandchild = -1;
  pollfd p{started.fd[0], POLLIN, 0};
  REQUIRE(poll(&p, 1, 20000) == 1);
  REQUIRE(read(started.fd[0], &grandchild, sizeof grandchild) == sizeof grandchild);
  REQUIRE(grandchild > 0);
  struct Reaper {
    pid_t pid;
    ~Reaper() { kill(pid, SIGKILL); }
  } reaper{grandchild};
  // Until it has called exec, the forked program still shares the lock.
  for (int i = 0; i < 2000 && FileBytes("/proc/" + std::to_string(grandchild) + "/comm") != "sleep\n";
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  REQUIRE(FileBytes("/proc/" + std::to_string(grandchild) + "/comm") == "sleep\n");
  auto store = StateStore::Open(tmp.db());
  CHECK_FALSE(store->TryLock("flow", "parent"));
  kill(child.pid(), SIGKILL);
  child.Wait();
  // `sleep` still runs; the lock went with the process that took it.
  CHECK(kill(grandchild, 0) == 0);
  CHECK(store->TryLock("flow", "parent"));
}

TEST_CASE("state: concurrent processes never hold one lock at the same time") {
  TempDir tmp;
  StateStore::Open(tmp.db());
  const std::string inside = tmp.path() + "/inside";
  constexpr int kChildren = 4;
  constexpr int kRounds = 25;
  std::vector<Child> children;
  for (int c = 0; c < kChildren; ++c) {
    children.emplace_back(Child([&] {
      auto store = StateStore::Open(tmp.db());
      for (int i = 0; i < kRounds; ++i) {
        auto lock = store->Lock("flow", "child", std::chrono::seconds(20));
        if (!lock) return 1;
        // Exactly one holder at a time: the marker must not exist yet.
        const int fd = open(inside.c_str(), O_CREAT | O_EXCL | O_WRONLY, 0600);
        if (fd < 0) return 2;
        close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        unlink(inside.c_str());
      }
      return 0;
    }));
  }
  for (Child& child : children) CHECK(child.Wait() == 0);
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

TEST_CASE("state: an acknowledged item is logged once, in the same transaction, and a stale ack logs nothing") {
  TempDir tmp;
  FakeClock clock;
  auto store = StateStore::Open(tmp.db(), clock.Options());
  const int64_t t = clock.now;
  const int64_t id = store->Enqueue("hnotify:f:mail", "{}", t);
  auto first = store->Claim("hnotify:f:mail", t, 1000);
  REQUIRE(first);
  auto second = store->Claim("hnotify:f:mail", t + 2000, 1000);  // the first lease ran out
  REQUIRE(second);
  Delivery d{t + 2500, "hmon-check/web/n1", "monitor.result", "critical", "problem", "ops", "mail",
             "email", "sent", "250 queued"};
  CHECK_FALSE(store->Ack(id, first->attempts, d));  // the stale claim neither removes nor logs
  CHECK(store->ListDeliveries("", 0, t + 10000).empty());
  CHECK(store->Ack(id, second->attempts, d));
  CHECK_FALSE(store->Ack(id, second->attempts, d));
  store->AppendDeliveries({{t + 3000, "hmon-check/db/n2", "monitor.result", "ok", "recovery", "ops",
                            "slack", "slack", "dropped", "404 no_service"},
                           {t - 1, "hmon-check/web/n1", "monitor.result", "warning", "problem", "",
                            "mail", "email", "sent", ""}});
  auto all = store->ListDeliveries("", t, t + 10000);
  REQUIRE(all.size() == 2);  // the entry before t is outside the range
  CHECK(all[0].event_key == "hmon-check/web/n1");
  CHECK(all[0].time_ms == t + 2500);
  CHECK(all[0].event_status == "critical");
  CHECK(all[0].reason == "problem");
  CHECK(all[0].route == "ops");
  CHECK(all[0].channel == "mail");
  CHECK(all[0].channel_type == "email");
  CHECK(all[0].outcome == "sent");
  CHECK(all[0].detail == "250 queued");
  CHECK(all[1].outcome == "dropped");
  CHECK(store->ListDeliveries("hmon-check/db/", 0, t + 10000).size() == 1);
  CHECK(store->ListDeliveries("hmon-check/web/", 0, t + 10000).size() == 2);
  CHECK(store->PruneDeliveries(t) == 1);
  CHECK(store->ListDeliveries("", 0, t + 10000).size() == 2);
  Delivery bad = d;
  bad.outcome = "maybe";
  CHECK_THROWS(store->AppendDeliveries({bad}));
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

  RawTxn other(tmp.db(), "BEGIN IMMEDIATE");
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
    other.Commit();
  });
  waiting->PutValue("ns", "k", "v");
  committer.join();
  CHECK(store->GetValue("ns", "k") == std::optional<std::string>("v"));
}

}  // namespace
}  // namespace hops
