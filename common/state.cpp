#include "common/state.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "common/error.hpp"

namespace hops {

namespace {

/// PRAGMA application_id of a hops state database: "hops" in ASCII.
constexpr int kApplicationId = 0x686f7073;

/// The longest history string kept per monitor.
constexpr size_t kMaxHistory = 32;

/// The schema component table (file format 2): the version of each component in the file.
constexpr const char* kComponentTable = R"sql(
CREATE TABLE schema_component (
  component TEXT NOT NULL PRIMARY KEY,
  version INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

/// Core version 1: the shared tables as schema version 1 (file format 1) had them.
constexpr const char* kCoreV1 = R"sql(
CREATE TABLE kv (
  ns TEXT NOT NULL,
  key TEXT NOT NULL,
  value BLOB NOT NULL,
  expires_ms INTEGER,
  PRIMARY KEY (ns, key)
) WITHOUT ROWID;
CREATE INDEX kv_by_expiry ON kv (expires_ms) WHERE expires_ms IS NOT NULL;

CREATE TABLE queue_item (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue TEXT NOT NULL,
  payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  not_before_ms INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX queue_item_by_queue ON queue_item (queue, id);

CREATE TABLE run (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  flow TEXT NOT NULL,
  params TEXT NOT NULL,
  status TEXT NOT NULL,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX run_by_flow ON run (flow, id);

CREATE TABLE job_state (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  job TEXT NOT NULL,
  state TEXT NOT NULL,
  exit_code INTEGER,
  started_ms INTEGER NOT NULL,
  ended_ms INTEGER NOT NULL,
  output_tail TEXT NOT NULL,
  UNIQUE (run_id, job)
);

CREATE TABLE state_lock (
  name TEXT NOT NULL PRIMARY KEY,
  owner TEXT NOT NULL,
  pid INTEGER NOT NULL,
  hostname TEXT NOT NULL,
  proc_start INTEGER NOT NULL,
  acquired_ms INTEGER NOT NULL,
  token TEXT NOT NULL
) WITHOUT ROWID;
)sql";

/// Core version 2: named locks are file locks in locks/, no longer rows.
constexpr const char* kCoreV2 = "DROP TABLE state_lock;";

/// Core version 3: hnotify's delivery log, which reports read beside the monitor history.
constexpr const char* kCoreV3 = R"sql(
CREATE TABLE delivery (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  event_key TEXT NOT NULL,
  event_kind TEXT NOT NULL,
  event_status TEXT NOT NULL,
  reason TEXT NOT NULL,
  route TEXT NOT NULL,
  channel TEXT NOT NULL,
  channel_type TEXT NOT NULL,
  outcome TEXT NOT NULL CONSTRAINT valid_outcome CHECK (outcome = 'sent' OR outcome = 'fallback'
    OR outcome = 'dropped'),
  detail TEXT NOT NULL
);
CREATE INDEX delivery_by_key ON delivery (event_key, time_ms);
CREATE INDEX delivery_by_time ON delivery (time_ms);
)sql";

/// Core version 4: the delivery log also records notifications held for a group summary
/// (outcome 'grouped'); SQLite cannot change a CHECK, so the table is rebuilt.
constexpr const char* kCoreV4 = R"sql(
CREATE TABLE delivery_v4 (
  id INTEGER PRIMARY KEY,
  time_ms INTEGER NOT NULL,
  event_key TEXT NOT NULL,
  event_kind TEXT NOT NULL,
  event_status TEXT NOT NULL,
  reason TEXT NOT NULL,
  route TEXT NOT NULL,
  channel TEXT NOT NULL,
  channel_type TEXT NOT NULL,
  outcome TEXT NOT NULL CONSTRAINT valid_outcome CHECK (outcome IN ('sent', 'fallback', 'dropped', 'grouped')),
  detail TEXT NOT NULL
);
INSERT INTO delivery_v4 SELECT id, time_ms, event_key, event_kind, event_status, reason, route, channel,
  channel_type, outcome, detail FROM delivery;
DROP TABLE delivery;
ALTER TABLE delivery_v4 RENAME TO delivery;
CREATE INDEX delivery_by_key ON delivery (event_key, time_ms);
CREATE INDEX delivery_by_time ON delivery (time_ms);
)sql";

/// hmon-check version 1: its tables as schema version 1 (file format 1) had them.
constexpr const char* kMonitorV1 = R"sql(
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

CREATE TABLE status_change (
  id INTEGER PRIMARY KEY,
  key TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  summary TEXT NOT NULL
);
CREATE INDEX status_change_by_key ON status_change (key, time_ms);
CREATE INDEX status_change_by_time ON status_change (time_ms);

CREATE TABLE perf_sample (
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  value REAL,
  uom TEXT NOT NULL
);
CREATE INDEX perf_sample_by_key ON perf_sample (key, label, time_ms);
CREATE INDEX perf_sample_by_time ON perf_sample (time_ms);
)sql";

/// hmon-check version 2: perfdata history that stays small. Samples are keyed by time, then
/// series (no second index), so inserts append; hourly and daily (UTC) roll-ups keep the
/// summaries once raw samples are pruned. perf_purge holds the series of removed monitor
/// instances whose rows are still being deleted. Existing samples are moved over and rolled up.
/// monitor_status is rebuilt with its state checks written as OR chains: SQLite evaluates an IN
/// list of a CHECK through a temporary table built for every row, which made saving 100,000
/// statuses take a second longer.
constexpr const char* kMonitorV2 = R"sql(
CREATE TABLE perf_series (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  label TEXT NOT NULL,
  uom TEXT NOT NULL,
  UNIQUE (key, label, uom)
);

CREATE TABLE perf_raw (
  time_ms INTEGER NOT NULL,
  series INTEGER NOT NULL,
  value REAL,
  PRIMARY KEY (time_ms, series)
) WITHOUT ROWID;

CREATE TABLE perf_hourly (
  bucket_ms INTEGER NOT NULL,
  series INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (bucket_ms, series)
) WITHOUT ROWID;

CREATE TABLE perf_daily (
  bucket_ms INTEGER NOT NULL,
  series INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (bucket_ms, series)
) WITHOUT ROWID;

CREATE TABLE perf_purge (series INTEGER PRIMARY KEY);

INSERT INTO perf_series (key, label, uom)
  SELECT DISTINCT key, label, uom FROM perf_sample ORDER BY key, label, uom;
INSERT OR IGNORE INTO perf_raw (time_ms, series, value)
  SELECT p.time_ms, s.id, p.value FROM perf_sample p
  JOIN perf_series s ON s.key = p.key AND s.label = p.label AND s.uom = p.uom
  ORDER BY p.time_ms, s.id, p.rowid;
INSERT INTO perf_hourly (bucket_ms, series, min, max, sum, count)
  SELECT time_ms - (time_ms % 3600000 + 3600000) % 3600000, series, min(value), max(value),
         sum(value), count(value)
  FROM perf_raw WHERE value IS NOT NULL GROUP BY 1, 2;
INSERT INTO perf_daily (bucket_ms, series, min, max, sum, count)
  SELECT bucket_ms - (bucket_ms % 86400000 + 86400000) % 86400000, series, min(min), max(max),
         sum(sum), sum(count)
  FROM perf_hourly GROUP BY 1, 2;
DROP TABLE perf_sample;

CREATE TABLE monitor_status_v2 (
  key TEXT NOT NULL PRIMARY KEY,
  state TEXT NOT NULL CONSTRAINT valid_state CHECK (
    state = 'ok' OR state = 'warning' OR state = 'critical' OR state = 'unknown' OR
    state = 'suppressed' OR state = 'unreachable' OR state = 'flapping' OR state = 'pending'),
  hard_state TEXT NOT NULL CONSTRAINT valid_hard_state CHECK (hard_state = '' OR
    hard_state = 'ok' OR hard_state = 'warning' OR hard_state = 'critical' OR
    hard_state = 'unknown' OR hard_state = 'suppressed' OR hard_state = 'unreachable' OR
    hard_state = 'flapping' OR hard_state = 'pending'),
  consecutive INTEGER NOT NULL,
  last_summary TEXT NOT NULL,
  last_change_ms INTEGER NOT NULL,
  last_check_ms INTEGER NOT NULL,
  history TEXT NOT NULL CONSTRAINT short_history CHECK (length(history) <= 32)
) WITHOUT ROWID;
INSERT INTO monitor_status_v2 SELECT key, state, hard_state, consecutive, last_summary,
  last_change_ms, last_check_ms, history FROM monitor_status;
DROP TABLE monitor_status;
ALTER TABLE monitor_status_v2 RENAME TO monitor_status;
)sql";

/// A schema component: a group of tables migrated on its own, with its own version.
struct Component {
  const char* name;
  /// In order: entry i brings version i to i + 1, so the version this build knows is the number
  /// of entries. Never edit a released entry; append one.
  std::vector<const char*> migrations;
  /// The component's version in a file of format 1 (one user_version for everything).
  int format1_version;
};

/// Every component this build knows. A tool that adds tables adds a component named after
/// itself ("hnotify", "hjob-run", ...), so that adding or migrating its tables never concerns
/// older builds of the other tools.
const std::vector<Component>& Components() {
  static const std::vector<Component> all = {
      {kStateCore, {kCoreV1, kCoreV2, kCoreV3, kCoreV4}, 1},
      {kStateMonitor, {kMonitorV1, kMonitorV2}, 1},
  };
  return all;
}

/// The version of @p c this build knows.
int KnownVersion(const Component& c) { return static_cast<int>(c.migrations.size()); }

/// Monitor states the schema accepts.
const char* const kMonitorStates[] = {"ok",         "warning",     "critical", "unknown",
                                      "suppressed", "unreachable", "flapping", "pending"};

/// A failed SQLite call: the result code and SQLite's message (never any bound value).
struct SqliteError {
  int code;
  std::string message;
};

/// Throws SqliteError for @p rc with the connection's current message.
[[noreturn]] void ThrowSqlite(sqlite3* db, int rc) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError{rc, msg ? msg : sqlite3_errstr(rc)};
}

/// Finalizes a statement.
struct StmtDeleter {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};

/// An owned prepared statement.
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

/// A borrowed (cached) prepared statement in use: binds, steps, reads, and resets when done.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  ~Stmt() { Reset(); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  /// Clears the statement for another round of binds and steps.
  void Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  /// Binds text to 1-based parameter @p i.
  Stmt& Bind(int i, const std::string& v) {
    Check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  /// Binds text to parameter @p i, or NULL when @p v is nullopt.
  Stmt& Bind(int i, const std::optional<std::string>& v) { return v ? Bind(i, *v) : BindNull(i); }
  /// Binds a blob (arbitrary bytes) to parameter @p i.
  Stmt& BindBlob(int i, const std::string& v) {
    Check(sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
    return *this;
  }
  /// Binds an integer to parameter @p i.
  Stmt& Bind(int i, int64_t v) {
    Check(sqlite3_bind_int64(s_, i, v));
    return *this;
  }
  /// Binds an integer to parameter @p i, or NULL when @p v is nullopt.
  Stmt& Bind(int i, std::optional<int64_t> v) { return v ? Bind(i, *v) : BindNull(i); }
  /// Binds a real to parameter @p i (NaN becomes NULL).
  Stmt& Bind(int i, double v) {
    Check(std::isnan(v) ? sqlite3_bind_null(s_, i) : sqlite3_bind_double(s_, i, v));
    return *this;
  }
  /// Binds NULL to parameter @p i.
  Stmt& BindNull(int i) {
    Check(sqlite3_bind_null(s_, i));
    return *this;
  }
  /// Steps once: true when a row is available, false when done.
  bool Step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    ThrowSqlite(db_, rc);
  }
  /// Runs a statement that returns no rows needed; returns the number of rows it changed.
  int64_t Exec() {
    while (Step()) {
    }
    return sqlite3_changes64(db_);
  }
  /// Column @p c as an integer.
  int64_t Int(int c) { return sqlite3_column_int64(s_, c); }
  /// Column @p c as a real (NULL reads as NaN).
  double Real(int c) {
    if (IsNull(c)) return std::numeric_limits<double>::quiet_NaN();
    return sqlite3_column_double(s_, c);
  }
  /// Column @p c as text or bytes.
  std::string Text(int c) {
    const void* p = sqlite3_column_blob(s_, c);
    const int n = sqlite3_column_bytes(s_, c);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }
  /// True when column @p c is NULL.
  bool IsNull(int c) { return sqlite3_column_type(s_, c) == SQLITE_NULL; }

 private:
  void Check(int rc) {
    if (rc != SQLITE_OK) ThrowSqlite(db_, rc);
  }
  sqlite3* db_;
  sqlite3_stmt* s_;
};

/// The smallest string greater than every string starting with @p prefix, or nullopt when there is
/// none (empty prefix or only 0xff bytes); strings compare bytewise as SQLite's BINARY collation.
std::optional<std::string> PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

/// @p a + @p b, saturating instead of overflowing.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (b > 0 && a > kMax - b) return kMax;
  if (b < 0 && a < kMin - b) return kMin;
  return a + b;
}

/// This host's name, or "" when unknown.
std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

/// The directory part of @p path ("" when it has none).
std::string DirName(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return "";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

/// Creates @p dir and any missing parents with mode 0700 (whatever the umask); existing
/// directories are left alone.
void MakeDirs(const std::string& dir) {
  if (dir.empty()) return;
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) {
      throw RuntimeError("state directory '" + dir + "' is not a directory");
    }
    return;
  }
  MakeDirs(DirName(dir));
  if (mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) return;
    throw RuntimeError("cannot create state directory '" + dir + "': " + std::strerror(errno));
  }
  // The umask may have taken bits off; the mode is set without changing it.
  if (chmod(dir.c_str(), 0700) != 0) {
    throw RuntimeError("cannot set the mode of state directory '" + dir +
                       "': " + std::strerror(errno));
  }
}

/// Opens @p file read-write and close-on-exec, creating it when missing. A file of ours that
/// group or others may access, or that is empty (as just created, whatever the umask left of
/// 0600), is set to 0600 first. The process umask is never changed. -1 with errno on failure.
int OpenPrivateFile(const std::string& file) {
  const int fd = open(file.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0) return -1;
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_uid == geteuid() &&
      ((st.st_mode & 077) != 0 || (st.st_size == 0 && (st.st_mode & 0777) != 0600)) &&
      fchmod(fd, 0600) != 0) {
    const int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

/// Sets @p file to 0600 when it exists, is ours and is open to group or others.
void TightenMode(const std::string& file) {
  struct stat st;
  if (stat(file.c_str(), &st) != 0) return;
  if (st.st_uid != geteuid() || (st.st_mode & 077) == 0) return;
  if (chmod(file.c_str(), 0600) != 0) {
    throw RuntimeError("cannot restrict permissions of '" + file + "': " + std::strerror(errno));
  }
}

/// 64-bit FNV-1a of @p s. Lock file names depend on it, so it must never change.
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

/// The file name of lock @p name: the start of the name in characters safe in a file name, so an
/// administrator can tell the files apart, then a hash of the whole name.
std::string LockFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (out.size() == 64) break;
    // ASCII only, whatever the locale: every process must arrive at the same file.
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.';
    out += safe ? c : '_';
  }
  char hash[24];
  std::snprintf(hash, sizeof hash, "-%016llx.lock", static_cast<unsigned long long>(Fnv1a(name)));
  return out + hash;
}

/// Closes a file descriptor at scope end unless released.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) close(fd);
  }
};

/// An F_OFD_* lock request for the whole of a file.
struct flock WholeFile(short type) {
  struct flock fl;
  std::memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  return fl;
}

/// Tries to take the write lock on @p fd (of @p file); false when another holder has it.
bool TryLockFd(int fd, const std::string& file) {
  struct flock fl = WholeFile(F_WRLCK);
  if (fcntl(fd, F_OFD_SETLK, &fl) == 0) return true;
  if (errno == EAGAIN || errno == EACCES) return false;
  throw RuntimeError("cannot lock '" + file + "': " + std::strerror(errno));
}

/// The holder record of a lock file: "key=value" lines, newline-free values.
std::string HolderRecord(const LockHolder& h) {
  auto clean = [](std::string v) {
    std::replace(v.begin(), v.end(), '\n', ' ');
    return v;
  };
  return "pid=" + std::to_string(h.pid) + "\nhost=" + clean(h.hostname) +
         "\nacquired_ms=" + std::to_string(h.acquired_ms) + "\nowner=" + clean(h.owner) + "\n";
}

/// Parses HolderRecord (the first value of each key counts); nullopt when it is incomplete.
std::optional<LockHolder> ParseHolderRecord(const std::string& name, const std::string& text) {
  LockHolder h;
  h.name = name;
  std::set<std::string> seen;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line) && !in.eof()) {  // a last line without its newline is torn
    const size_t eq = line.find('=');
    if (eq == std::string::npos) return std::nullopt;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (!seen.insert(key).second) continue;
    if (key == "pid") h.pid = std::strtoll(value.c_str(), nullptr, 10);
    if (key == "host") h.hostname = value;
    if (key == "acquired_ms") h.acquired_ms = std::strtoll(value.c_str(), nullptr, 10);
    if (key == "owner") h.owner = value;
  }
  if (h.pid <= 0 || !seen.count("owner")) return std::nullopt;
  return h;
}

/// The whole content of @p fd from its start ("" on error).
std::string ReadAll(int fd) {
  std::string out;
  char buf[512];
  for (off_t off = 0;;) {
    const ssize_t n = pread(fd, buf, sizeof buf, off);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    off += n;
  }
  return out;
}

/// What the header of an opened database says about whose it is.
struct Identity {
  int64_t application_id = 0;
  int64_t format = 0;   ///< PRAGMA user_version
  int64_t objects = 0;  ///< tables, indexes, ... in sqlite_master
};

/// Throws unless @p id is a hops database or an empty one (that becomes one).
void CheckHopsFile(const Identity& id, const std::string& path) {
  if (id.application_id == kApplicationId) return;
  if (id.application_id == 0 && id.format == 0 && id.objects == 0) return;
  char why[96];
  if (id.application_id != 0) {
    std::snprintf(why, sizeof why, "its application_id is 0x%08llx, not 0x%08x",
                  static_cast<unsigned long long>(static_cast<uint32_t>(id.application_id)),
                  kApplicationId);
  } else {
    std::snprintf(why, sizeof why, "it has content but no application_id");
  }
  throw RuntimeError("'" + path + "' is not a hops state database (" + why +
                     "); it was left untouched");
}

/// The system clock in ms since the epoch.
int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

/// One open connection with its statement cache; every public call holds mu.
struct StateStore::Impl {
  std::string path;
  sqlite3* db = nullptr;
  StateOptions opts;
  pid_t pid = getpid();
  std::mutex mu;
  std::unordered_map<std::string, StmtPtr> stmts;
  /// The schema components opened (those asked for, and core).
  std::vector<const Component*> components;

  ~Impl() {
    if (getpid() != pid) {
      // Inherited through fork(): the parent still owns the connection and its file locks, so
      // closing here could disturb it. Leave the memory to the exiting child.
      for (auto& [sql, stmt] : stmts) stmt.release();
      return;
    }
    stmts.clear();
    if (db) sqlite3_close_v2(db);
  }

  /// Timestamps the store records.
  int64_t Now() const { return opts.now_ms ? opts.now_ms() : SystemNowMs(); }

  /// The cached statement for @p sql, prepared on first use.
  Stmt Prepare(const char* sql) {
    auto it = stmts.find(sql);
    if (it == stmts.end()) {
      sqlite3_stmt* s = nullptr;
      const int rc = sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) ThrowSqlite(db, rc);
      it = stmts.emplace(sql, StmtPtr(s)).first;
    }
    return Stmt(db, it->second.get());
  }

  /// Appends @p d to the delivery log, inside the caller's transaction.
  void InsertDelivery(const Delivery& d) {
    Stmt s = Prepare(
        "INSERT INTO delivery (time_ms, event_key, event_kind, event_status, reason, route, channel,"
        " channel_type, outcome, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
    s.Bind(1, d.time_ms).Bind(2, d.event_key).Bind(3, d.event_kind).Bind(4, d.event_status);
    s.Bind(5, d.reason).Bind(6, d.route).Bind(7, d.channel).Bind(8, d.channel_type);
    s.Bind(9, d.outcome).Bind(10, d.detail);
    s.Exec();
  }

  /// Runs one or more statements that return nothing.
  void Exec(const char* sql) {
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) ThrowSqlite(db, rc);
  }

  /// The single integer @p sql returns (an uncached statement, for pragmas).
  int64_t QueryInt(const char* sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql, -1, &raw, nullptr);
    if (rc != SQLITE_OK) ThrowSqlite(db, rc);
    StmtPtr owned(raw);
    Stmt s(db, raw);
    return s.Step() ? s.Int(0) : 0;
  }

  /// "state database '<path>': cannot <op>: <sqlite message>", explaining a busy timeout.
  std::string Describe(const std::string& op, const SqliteError& e) const {
    std::string msg = "state database '" + path + "': cannot " + op + ": " + e.message;
    if ((e.code & 0xff) == SQLITE_BUSY && e.code != SQLITE_BUSY_SNAPSHOT) {
      msg += " (another process kept it busy for more than " +
             std::to_string(opts.busy_timeout.count()) + " ms)";
    }
    return msg;
  }

  /// Runs @p f under the mutex, turning SQLite failures into RuntimeError that names @p op.
  template <typename F>
  auto Do(const std::string& op, F&& f) -> decltype(f()) {
    if (getpid() != pid) {
      throw RuntimeError("state database '" + path + "' was opened by process " +
                         std::to_string(pid) + "; open it again after fork()");
    }
    std::lock_guard<std::mutex> lock(mu);
    try {
      return f();
    } catch (const SqliteError& e) {
      throw RuntimeError(Describe(op, e));
    }
  }

  /// Throws unless component @p name was opened.
  void Need(const char* name) const {
    for (const Component* c : components) {
      if (std::strcmp(c->name, name) == 0) return;
    }
    throw RuntimeError("state database '" + path + "' was opened without schema component '" +
                       name + "'");
  }

  /// The directory of the lock files: locks/ beside the database.
  std::string LockDir() const {
    const std::string dir = DirName(path);
    return dir.empty() ? "locks" : dir == "/" ? "/locks" : dir + "/locks";
  }

  /// Reads the identity of the database (call inside a transaction for a consistent view).
  Identity ReadIdentity() {
    Identity id;
    id.application_id = QueryInt("PRAGMA application_id");
    id.format = QueryInt("PRAGMA user_version");
    id.objects = QueryInt("SELECT count(*) FROM sqlite_master");
    return id;
  }

  /// The version of every component recorded in a file of format @p format; for format 1, the
  /// versions its single schema version stands for.
  std::map<std::string, int> ReadVersions(int64_t format);
  /// Throws when the file's format, or the version of an opened component, is newer than this
  /// build knows; true when an opened component is older.
  bool CheckVersions(const Identity& id);
  /// Brings the file to format 2 and the opened components to their versions, in one
  /// transaction.
  void Migrate();

  // Perfdata history (defined with the perfdata calls below).

  /// Rows of @p table, keyed by (@p time_column, series), of the series of keys starting with
  /// @p key_prefix and label @p label ("" = any) with since_ms <= time < until_ms, ordered by
  /// key, label, time and unit: "SELECT time, series, @p columns" rows made by
  /// @p make_row(Stmt&, const SeriesInfo&).
  template <typename Row, typename MakeRow>
  std::vector<Row> ReadSeriesRows(const char* table, const char* time_column, const char* columns,
                                  const std::string& key_prefix, const std::string& label,
                                  int64_t since_ms, int64_t until_ms, MakeRow make_row);
  /// The id of series (@p key, @p label, @p uom), created when new; call in a write transaction.
  int64_t SeriesId(const std::string& key, const std::string& label, const std::string& uom);
  /// Counts (@p dry_run) or deletes the history rows older than @p policy keeps them.
  HistoryRows Expire(int64_t now_ms, const MonitorHistoryPolicy& policy, bool dry_run);
  /// True when the gone monitor instances are due to be looked for at @p now_ms, which is then
  /// recorded as the latest look.
  bool GoneCheckDue(int64_t now_ms, std::chrono::milliseconds every);
  /// Removes (or, with @p dry_run, counts) the gone monitor instances into @p report.
  void RemoveGone(int64_t now_ms, const MonitorHistoryPolicy& policy, bool dry_run,
                  HistoryPruneReport* report);
};

namespace {

/// A transaction, rolled back unless committed.
class Txn {
 public:
  /// Starts one with @p begin ("BEGIN" for a consistent snapshot to read).
  Txn(sqlite3* db, const char* begin) : db_(db) {
    const int rc = sqlite3_exec(db_, begin, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) ThrowSqlite(db_, rc);
    active_ = true;
  }
  ~Txn() {
    if (active_ && !sqlite3_get_autocommit(db_)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Txn(const Txn&) = delete;
  Txn& operator=(const Txn&) = delete;

  /// Commits; on failure the destructor rolls back.
  void Commit() {
    const int rc = sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) ThrowSqlite(db_, rc);
    active_ = false;
  }

 private:
  sqlite3* db_;
  bool active_ = false;
};

/// A write transaction (BEGIN IMMEDIATE, so writers queue on the busy timeout instead of failing
/// on upgrade); rolled back unless committed.
class WriteTxn : public Txn {
 public:
  explicit WriteTxn(sqlite3* db) : Txn(db, "BEGIN IMMEDIATE") {}
};

/// A MonitorStatus from a row of SELECT key, state, ... history.
MonitorStatus ReadMonitorStatus(Stmt& s) {
  MonitorStatus m;
  m.key = s.Text(0);
  m.state = s.Text(1);
  m.hard_state = s.Text(2);
  m.consecutive = static_cast<int>(s.Int(3));
  m.last_summary = s.Text(4);
  m.last_change_ms = s.Int(5);
  m.last_check_ms = s.Int(6);
  m.history = s.Text(7);
  return m;
}

/// A QueueItem from a row of SELECT id, queue, payload, ... last_error.
QueueItem ReadQueueItem(Stmt& s) {
  QueueItem q;
  q.id = s.Int(0);
  q.queue = s.Text(1);
  q.payload = s.Text(2);
  q.attempts = static_cast<int>(s.Int(3));
  q.created_ms = s.Int(4);
  q.not_before_ms = s.Int(5);
  q.last_error = s.Text(6);
  return q;
}

/// A Run from a row of SELECT id, flow, params, status, started_ms, ended_ms.
Run ReadRun(Stmt& s) {
  Run r;
  r.id = s.Int(0);
  r.flow = s.Text(1);
  r.params = s.Text(2);
  r.status = s.Text(3);
  r.started_ms = s.Int(4);
  r.ended_ms = s.Int(5);
  return r;
}

/// True when @p state is a monitor state (or "" and @p allow_empty).
bool ValidMonitorState(const std::string& state, bool allow_empty) {
  if (state.empty()) return allow_empty;
  for (const char* s : kMonitorStates) {
    if (state == s) return true;
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Opening

StateStore::StateStore(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

StateStore::~StateStore() = default;

std::string StateStore::DefaultPath(const Settings& settings) {
  std::string dir = settings.state_dir;
  if (dir.empty()) return "state.db";
  if (dir.back() != '/') dir += '/';
  return dir + "state.db";
}

const std::string& StateStore::path() const { return impl_->path; }

std::map<std::string, int> KnownStateComponents() {
  std::map<std::string, int> out;
  for (const Component& c : Components()) out[c.name] = KnownVersion(c);
  return out;
}

std::map<std::string, int> StateStore::Impl::ReadVersions(int64_t format) {
  std::map<std::string, int> out;
  if (format == 1) {
    for (const Component& c : Components()) {
      if (c.format1_version > 0) out[c.name] = c.format1_version;
    }
  } else if (format >= 2) {
    Stmt s = Prepare("SELECT component, version FROM schema_component");
    while (s.Step()) out[s.Text(0)] = static_cast<int>(s.Int(1));
  }
  return out;
}

bool StateStore::Impl::CheckVersions(const Identity& id) {
  if (id.format > kStateFileFormat) {
    throw RuntimeError("state database '" + path + "' has schema format " +
                       std::to_string(id.format) + ", this hops understands up to " +
                       std::to_string(kStateFileFormat) + "; upgrade hops");
  }
  const std::map<std::string, int> versions = ReadVersions(id.format);
  bool older = id.format < kStateFileFormat;
  for (const Component* c : components) {
    const auto it = versions.find(c->name);
    const int version = it == versions.end() ? 0 : it->second;
    if (version > KnownVersion(*c)) {
      throw RuntimeError("state database '" + path + "' has version " + std::to_string(version) +
                         " of schema component '" + c->name + "', this hops understands up to " +
                         std::to_string(KnownVersion(*c)) + "; upgrade hops");
    }
    older = older || version < KnownVersion(*c);
  }
  return older;
}

void StateStore::Impl::Migrate() {
  {
    // Most opens find nothing to do: a snapshot read decides without taking the write lock.
    Txn snapshot(db, "BEGIN");
    if (!CheckVersions(ReadIdentity())) return;
  }
  WriteTxn txn(db);
  // Read again under the write lock: another process may have migrated meanwhile.
  const Identity id = ReadIdentity();
  CheckHopsFile(id, path);
  if (!CheckVersions(id)) return;
  // A new file, or format 1 (one schema version for all tables): the component table starts
  // with the versions the old schema version stands for.
  const std::map<std::string, int> versions = ReadVersions(id.format);
  if (id.format < 2) {
    Exec(kComponentTable);
    Stmt s = Prepare("INSERT INTO schema_component (component, version) VALUES (?1, ?2)");
    for (const auto& [name, version] : versions) {
      s.Reset();
      s.Bind(1, name).Bind(2, static_cast<int64_t>(version)).Exec();
    }
  }
  for (const Component* c : components) {
    const auto it = versions.find(c->name);
    const int from = it == versions.end() ? 0 : it->second;
    if (from == KnownVersion(*c)) continue;
    for (int v = from; v < KnownVersion(*c); ++v) Exec(c->migrations[v]);
    Stmt s = Prepare("INSERT OR REPLACE INTO schema_component (component, version) VALUES (?1, ?2)");
    s.Bind(1, std::string(c->name)).Bind(2, static_cast<int64_t>(KnownVersion(*c))).Exec();
  }
  const std::string set = "PRAGMA user_version=" + std::to_string(kStateFileFormat) +
                          "; PRAGMA application_id=" + std::to_string(kApplicationId) + ";";
  Exec(set.c_str());
  txn.Commit();
}

std::unique_ptr<StateStore> StateStore::Open(const std::string& path, StateOptions opts) {
  if (path.empty()) throw RuntimeError("state database path is empty");
  auto impl = std::make_shared<Impl>();
  impl->path = path;
  impl->opts = std::move(opts);
  for (const Component& c : Components()) {
    const std::vector<std::string>& want = impl->opts.components;
    if (want.empty() || c.name == std::string(kStateCore) ||
        std::find(want.begin(), want.end(), c.name) != want.end()) {
      impl->components.push_back(&c);
    }
  }
  for (const std::string& name : impl->opts.components) {
    const bool known = std::any_of(impl->components.begin(), impl->components.end(),
                                   [&](const Component* c) { return name == c->name; });
    if (!known) throw RuntimeError("unknown state schema component '" + name + "'");
  }

  MakeDirs(DirName(path));
  // The file is created here, 0600 whatever the umask, so SQLite never creates it; SQLite gives
  // the -wal and -shm files it creates the mode of the database file.
  const int fd = OpenPrivateFile(path);
  if (fd < 0) {
    throw RuntimeError("state database '" + path + "': cannot open: " + std::strerror(errno));
  }
  close(fd);
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK) {
    const std::string msg = impl->db ? sqlite3_errmsg(impl->db) : sqlite3_errstr(rc);
    throw RuntimeError("state database '" + path + "': cannot open: " + msg);
  }
  sqlite3_extended_result_codes(impl->db, 1);
  const int64_t busy_ms = impl->opts.busy_timeout.count();
  sqlite3_busy_timeout(impl->db, static_cast<int>(std::clamp<int64_t>(
                                     busy_ms, 0, std::numeric_limits<int>::max())));

  impl->Do("open", [&] {
    {
      // Whose file is it? Only reads, before anything changes it: another application's
      // database at this path is refused as it is (not switched to WAL, no table created).
      Txn snapshot(impl->db, "BEGIN");
      CheckHopsFile(impl->ReadIdentity(), path);
    }
    // Closing must not checkpoint: every short-lived cron run would pay for a checkpoint and
    // fsync; SQLite checkpoints the WAL by itself once it grows past 1000 pages.
    sqlite3_db_config(impl->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    // Switching to WAL needs a moment of exclusive access; the busy handler covers most but
    // not all of the ways that can collide with another process opening the file.
    const auto deadline = std::chrono::steady_clock::now() + impl->opts.busy_timeout;
    std::string mode;
    for (;;) {
      sqlite3_stmt* raw = nullptr;
      int rc2 = sqlite3_prepare_v2(impl->db, "PRAGMA journal_mode=WAL", -1, &raw, nullptr);
      if (rc2 != SQLITE_OK) ThrowSqlite(impl->db, rc2);
      StmtPtr owned(raw);
      rc2 = sqlite3_step(raw);
      if (rc2 == SQLITE_ROW) {
        const unsigned char* t = sqlite3_column_text(raw, 0);
        mode = t ? reinterpret_cast<const char*>(t) : "";
        break;
      }
      if ((rc2 & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) {
        ThrowSqlite(impl->db, rc2);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (mode != "wal") {
      throw RuntimeError("cannot use write-ahead logging for state database '" + path +
                         "' (journal mode stays '" + mode +
                         "'); the state directory must be on a local file system");
    }
    // A WAL file that grew during a large batch is cut back to 4 MiB after checkpoints.
    impl->Exec(
        "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA journal_size_limit=4194304;");
    impl->Migrate();
  });
  // SQLite created -wal and -shm with the database's mode; files left by another program may be
  // wider.
  for (const char* suffix : {"-wal", "-shm"}) TightenMode(path + suffix);
  return std::unique_ptr<StateStore>(new StateStore(std::move(impl)));
}

std::map<std::string, int> StateStore::ComponentVersions() {
  return impl_->Do("read schema versions", [&] {
    Txn snapshot(impl_->db, "BEGIN");
    return impl_->ReadVersions(impl_->ReadIdentity().format);
  });
}

// ---------------------------------------------------------------------------------------------
// Monitor status

std::optional<MonitorStatus> StateStore::GetMonitorStatus(const std::string& key) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read monitor status", [&]() -> std::optional<MonitorStatus> {
    Stmt s = impl_->Prepare(
        "SELECT key, state, hard_state, consecutive, last_summary, last_change_ms, last_check_ms,"
        " history FROM monitor_status WHERE key = ?1");
    s.Bind(1, key);
    if (!s.Step()) return std::nullopt;
    return ReadMonitorStatus(s);
  });
}

std::map<std::string, MonitorStatus> StateStore::GetAllMonitorStatus() {
  impl_->Need(kStateMonitor);
  return impl_->Do("read monitor statuses", [&] {
    std::map<std::string, MonitorStatus> all;
    Stmt s = impl_->Prepare(
        "SELECT key, state, hard_state, consecutive, last_summary, last_change_ms, last_check_ms,"
        " history FROM monitor_status");
    while (s.Step()) {
      MonitorStatus m = ReadMonitorStatus(s);
      std::string key = m.key;
      all.emplace(std::move(key), std::move(m));
    }
    return all;
  });
}

void StateStore::PutMonitorStatuses(const std::vector<MonitorStatus>& statuses) {
  impl_->Need(kStateMonitor);
  impl_->Do("save monitor statuses", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare(
        "INSERT OR REPLACE INTO monitor_status (key, state, hard_state, consecutive, last_summary,"
        " last_change_ms, last_check_ms, history) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const MonitorStatus& m : statuses) {
      if (!ValidMonitorState(m.state, false) || !ValidMonitorState(m.hard_state, true)) {
        throw RuntimeError("cannot save monitor status '" + m.key + "': invalid state '" +
                           (ValidMonitorState(m.state, false) ? m.hard_state : m.state) + "'");
      }
      const std::string history = m.history.size() > kMaxHistory
                                      ? m.history.substr(m.history.size() - kMaxHistory)
                                      : m.history;
      s.Reset();
      s.Bind(1, m.key).Bind(2, m.state).Bind(3, m.hard_state);
      s.Bind(4, static_cast<int64_t>(m.consecutive)).Bind(5, m.last_summary);
      s.Bind(6, m.last_change_ms).Bind(7, m.last_check_ms).Bind(8, history);
      s.Exec();
    }
    txn.Commit();
  });
}

void StateStore::DeleteMonitorStatuses(const std::vector<std::string>& keys) {
  impl_->Need(kStateMonitor);
  impl_->Do("delete monitor statuses", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM monitor_status WHERE key = ?1");
    for (const std::string& key : keys) {
      s.Reset();
      s.Bind(1, key).Exec();
    }
    txn.Commit();
  });
}

// ---------------------------------------------------------------------------------------------
// Status change log

void StateStore::AppendStatusChanges(const std::vector<StatusChange>& changes) {
  impl_->Need(kStateMonitor);
  impl_->Do("record status changes", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare(
        "INSERT INTO status_change (key, time_ms, from_state, to_state, summary)"
        " VALUES (?1, ?2, ?3, ?4, ?5)");
    for (const StatusChange& c : changes) {
      s.Reset();
      s.Bind(1, c.key).Bind(2, c.time_ms).Bind(3, c.from).Bind(4, c.to).Bind(5, c.summary);
      s.Exec();
    }
    txn.Commit();
  });
}

std::vector<StatusChange> StateStore::ListStatusChanges(const std::string& key_prefix,
                                                        int64_t since_ms, int limit) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read status changes", [&] {
    std::vector<StatusChange> out;
    Stmt s = impl_->Prepare(
        "SELECT key, time_ms, from_state, to_state, summary FROM status_change"
        " WHERE key >= ?1 AND (?2 IS NULL OR key < ?2) AND time_ms >= ?3"
        " ORDER BY time_ms DESC, id DESC LIMIT ?4");
    s.Bind(1, key_prefix).Bind(2, PrefixEnd(key_prefix)).Bind(3, since_ms);
    s.Bind(4, static_cast<int64_t>(limit <= 0 ? -1 : limit));
    while (s.Step()) {
      out.push_back(StatusChange{s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4)});
    }
    return out;
  });
}

std::vector<StatusChange> StateStore::ListStatusChangesBetween(const std::string& key_prefix,
                                                               int64_t since_ms,
                                                               int64_t until_ms) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read status changes", [&] {
    std::vector<StatusChange> out;
    Txn snapshot(impl_->db, "BEGIN");
    // Walks the keys through the index on (key, time_ms): one seek finds the next key, one its
    // last change before the range, one its changes within it.
    Stmt next_key = impl_->Prepare(
        "SELECT key FROM status_change WHERE key >= ?1 AND (?2 IS NULL OR key < ?2)"
        " ORDER BY key LIMIT 1");
    Stmt before = impl_->Prepare(
        "SELECT key, time_ms, from_state, to_state, summary FROM status_change"
        " WHERE key = ?1 AND time_ms < ?2 ORDER BY time_ms DESC, id DESC LIMIT 1");
    Stmt within = impl_->Prepare(
        "SELECT key, time_ms, from_state, to_state, summary FROM status_change"
        " WHERE key = ?1 AND time_ms >= ?2 AND time_ms < ?3 ORDER BY time_ms, id");
    const std::optional<std::string> end = PrefixEnd(key_prefix);
    std::string from = key_prefix;
    for (;;) {
      next_key.Reset();
      if (!next_key.Bind(1, from).Bind(2, end).Step()) break;
      const std::string key = next_key.Text(0);
      from = key + '\0';  // the smallest key after it
      before.Reset();
      before.Bind(1, key).Bind(2, since_ms);
      if (before.Step())
        out.push_back(StatusChange{before.Text(0), before.Int(1), before.Text(2), before.Text(3),
                                   before.Text(4)});
      within.Reset();
      within.Bind(1, key).Bind(2, since_ms).Bind(3, until_ms);
      while (within.Step())
        out.push_back(StatusChange{within.Text(0), within.Int(1), within.Text(2), within.Text(3),
                                   within.Text(4)});
    }
    return out;
  });
}

namespace {

/// Runs @p stmt (a query of one row with ?1 = key, further parameters bound by @p bind) for each
/// of @p keys in one read snapshot; @p read turns a row into a value of the result.
template <typename T, typename Bind, typename Read>
std::map<std::string, T> OneRowEach(sqlite3* db, Stmt& stmt, const std::vector<std::string>& keys,
                                    Bind bind, Read read) {
  std::map<std::string, T> out;
  Txn snapshot(db, "BEGIN");
  for (const std::string& key : keys) {
    if (out.count(key)) continue;
    stmt.Reset();
    stmt.Bind(1, key);
    bind(stmt);
    if (stmt.Step()) out.emplace(key, read(stmt));
  }
  return out;
}

/// A StatusChange from a row of SELECT key, time_ms, from_state, to_state, summary.
StatusChange ReadStatusChange(Stmt& s) {
  return StatusChange{s.Text(0), s.Int(1), s.Text(2), s.Text(3), s.Text(4)};
}

/// A Delivery from a row of SELECT time_ms, event_key, ... detail.
Delivery ReadDelivery(Stmt& s) {
  return Delivery{s.Int(0), s.Text(1), s.Text(2), s.Text(3), s.Text(4), s.Text(5),
                  s.Text(6), s.Text(7), s.Text(8), s.Text(9)};
}

}  // namespace

std::map<std::string, StatusChange> StateStore::LastStatusChanges(const std::vector<std::string>& keys) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read status changes", [&] {
    Stmt s = impl_->Prepare(
        "SELECT key, time_ms, from_state, to_state, summary FROM status_change"
        " WHERE key = ?1 ORDER BY time_ms DESC, id DESC LIMIT 1");
    return OneRowEach<StatusChange>(impl_->db, s, keys, [](Stmt&) {}, ReadStatusChange);
  });
}

std::map<std::string, StatusChange> StateStore::FirstStatusChangesFrom(const std::vector<std::string>& keys,
                                                                       int64_t since_ms) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read status changes", [&] {
    Stmt s = impl_->Prepare(
        "SELECT key, time_ms, from_state, to_state, summary FROM status_change"
        " WHERE key = ?1 AND time_ms >= ?2 ORDER BY time_ms, id LIMIT 1");
    return OneRowEach<StatusChange>(
        impl_->db, s, keys, [&](Stmt& st) { st.Bind(2, since_ms); }, ReadStatusChange);
  });
}

int64_t StateStore::PruneStatusChanges(int64_t older_than_ms) {
  impl_->Need(kStateMonitor);
  return impl_->Do("prune status changes", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM status_change WHERE time_ms < ?1");
    const int64_t n = s.Bind(1, older_than_ms).Exec();
    txn.Commit();
    return n;
  });
}

// ---------------------------------------------------------------------------------------------
// Perfdata

namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;

/// The start of the bucket @p width_ms wide that holds @p t_ms; buckets start at whole multiples
/// of their width since the epoch, so daily buckets are UTC days.
int64_t BucketStart(int64_t t_ms, int64_t width_ms) {
  return t_ms - (t_ms % width_ms + width_ms) % width_ms;
}

/// A roll-up table and the width of its buckets.
struct RollupTable {
  const char* table;
  int64_t width_ms;
};
constexpr RollupTable kHourly{"perf_hourly", kHourMs};
constexpr RollupTable kDaily{"perf_daily", kDayMs};

/// A table of monitor history whose rows expire: where their time is, which count of
/// HistoryRows and which retention of MonitorHistoryPolicy they are, and, for tables keyed by
/// perfdata series, how much time one transaction of a removal covers.
struct HistoryTable {
  const char* table;
  const char* time_column;
  int64_t HistoryRows::*rows;
  std::chrono::milliseconds MonitorHistoryPolicy::*retention;
  int64_t purge_chunk_ms;  ///< 0: not keyed by series
};
const HistoryTable kHistoryTables[] = {
    {"perf_raw", "time_ms", &HistoryRows::samples, &MonitorHistoryPolicy::raw, 6 * kHourMs},
    {"perf_hourly", "bucket_ms", &HistoryRows::hourly, &MonitorHistoryPolicy::hourly,
     15 * kDayMs},
    {"perf_daily", "bucket_ms", &HistoryRows::daily, &MonitorHistoryPolicy::daily, 366 * kDayMs},
    {"status_change", "time_ms", &HistoryRows::status_changes,
     &MonitorHistoryPolicy::status_changes, 0},
};

/// The rows of @p t that @p policy keeps at @p now_ms have times at or after this.
int64_t ExpiryCutoff(const HistoryTable& t, const MonitorHistoryPolicy& policy, int64_t now_ms) {
  return SaturatingAdd(now_ms, -(policy.*t.retention).count());
}

/// The series of keys starting with ?1 (?2: PrefixEnd of it) and label ?3 ("" = any).
constexpr const char* kSeriesFilter =
    "key >= ?1 AND (?2 IS NULL OR key < ?2) AND (?3 = '' OR label = ?3)";

/// A perfdata series as readers report it, with its place in (key, label, uom) order.
struct SeriesInfo {
  std::string key, label, uom;
  size_t key_label_rank = 0;  ///< rank of (key, label) among the series found
  size_t rank = 0;            ///< rank of (key, label, uom)
};

/// The kv entry holding when gone monitor instances were last looked for (ms, decimal).
constexpr const char* kGoneCheckNs = "hmon-check";
constexpr const char* kGoneCheckKey = "history.gone-checked-ms";

/// A JSON array of @p ids, for json_each().
std::string JsonIds(const std::vector<int64_t>& ids) {
  std::string out = "[";
  for (int64_t id : ids) out += (out.size() > 1 ? "," : "") + std::to_string(id);
  return out + "]";
}

}  // namespace

int64_t StateStore::Impl::SeriesId(const std::string& key, const std::string& label,
                                   const std::string& uom) {
  {
    Stmt s = Prepare("SELECT id FROM perf_series WHERE key = ?1 AND label = ?2 AND uom = ?3");
    if (s.Bind(1, key).Bind(2, label).Bind(3, uom).Step()) return s.Int(0);
  }
  Stmt s = Prepare("INSERT INTO perf_series (key, label, uom) VALUES (?1, ?2, ?3)");
  s.Bind(1, key).Bind(2, label).Bind(3, uom).Exec();
  return sqlite3_last_insert_rowid(db);
}

void StateStore::AppendPerfSamples(const std::vector<PerfSample>& samples) {
  impl_->Need(kStateMonitor);
  impl_->Do("record perfdata", [&] {
    WriteTxn txn(impl_->db);
    // Each sample with its series, in (time, series) order: each insert lands at the end of
    // perf_raw, and a run's roll-ups all sit in the latest bucket.
    std::map<std::tuple<std::string, std::string, std::string>, int64_t> ids;
    std::vector<std::pair<int64_t, size_t>> order;  // series, index in samples
    order.reserve(samples.size());
    for (size_t i = 0; i < samples.size(); ++i) {
      const PerfSample& p = samples[i];
      auto [it, added] = ids.try_emplace({p.key, p.label, p.uom}, 0);
      if (added) it->second = impl_->SeriesId(p.key, p.label, p.uom);
      order.emplace_back(it->second, i);
    }
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      return std::make_tuple(samples[a.second].time_ms, a.first, a.second) <
             std::make_tuple(samples[b.second].time_ms, b.first, b.second);
    });
    Stmt raw = impl_->Prepare(
        "INSERT INTO perf_raw (time_ms, series, value) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
    for (const auto& [series, i] : order) {
      const PerfSample& p = samples[i];
      raw.Reset();
      if (raw.Bind(1, p.time_ms).Bind(2, series).Bind(3, p.value).Exec() == 0) continue;
      if (std::isnan(p.value)) continue;
      for (const RollupTable& r : {kHourly, kDaily}) {
        const std::string sql =
            std::string("INSERT INTO ") + r.table +
            " (bucket_ms, series, min, max, sum, count) VALUES (?1, ?2, ?3, ?3, ?3, 1)"
            " ON CONFLICT (bucket_ms, series) DO UPDATE SET min = min(min, excluded.min),"
            " max = max(max, excluded.max), sum = sum + excluded.sum, count = count + 1";
        Stmt up = impl_->Prepare(sql.c_str());
        up.Bind(1, BucketStart(p.time_ms, r.width_ms)).Bind(2, series).Bind(3, p.value).Exec();
      }
    }
    txn.Commit();
  });
}

namespace {

/// The series a statement "SELECT id, key, label, uom FROM perf_series ..." finds, by id.
std::unordered_map<int64_t, SeriesInfo> ReadSeries(Stmt& s) {
  std::unordered_map<int64_t, SeriesInfo> found;
  std::vector<SeriesInfo*> sorted;
  while (s.Step()) {
    SeriesInfo& info = found[s.Int(0)];
    info = SeriesInfo{s.Text(1), s.Text(2), s.Text(3)};
    sorted.push_back(&info);
  }
  std::sort(sorted.begin(), sorted.end(), [](const SeriesInfo* a, const SeriesInfo* b) {
    return std::tie(a->key, a->label, a->uom) < std::tie(b->key, b->label, b->uom);
  });
  for (size_t i = 0; i < sorted.size(); ++i) {
    sorted[i]->rank = i;
    const bool same = i > 0 && sorted[i]->key == sorted[i - 1]->key &&
                      sorted[i]->label == sorted[i - 1]->label;
    sorted[i]->key_label_rank = i == 0 ? 0 : sorted[i - 1]->key_label_rank + (same ? 0 : 1);
  }
  return found;
}

}  // namespace

template <typename Row, typename MakeRow>
std::vector<Row> StateStore::Impl::ReadSeriesRows(const char* table, const char* time_column,
                                                  const char* columns,
                                                  const std::string& key_prefix,
                                                  const std::string& label, int64_t since_ms,
                                                  int64_t until_ms, MakeRow make_row) {
  std::vector<Row> out;
  Txn snapshot(db, "BEGIN");
  std::unordered_map<int64_t, SeriesInfo> series;
  {
    const std::string sql =
        std::string("SELECT id, key, label, uom FROM perf_series WHERE ") + kSeriesFilter;
    Stmt s = Prepare(sql.c_str());
    s.Bind(1, key_prefix).Bind(2, PrefixEnd(key_prefix)).Bind(3, label);
    series = ReadSeries(s);
  }
  if (series.empty()) return out;
  // Rows are keyed by time, then series: the time range is read once, keeping the series found.
  const std::string sql = std::string("SELECT ") + time_column + ", series, " + columns +
                          " FROM " + table + " WHERE " + time_column + " >= ?4 AND " +
                          time_column + " < ?5 AND series IN (SELECT id FROM perf_series WHERE " +
                          kSeriesFilter + ")";
  Stmt s = Prepare(sql.c_str());
  s.Bind(1, key_prefix).Bind(2, PrefixEnd(key_prefix)).Bind(3, label);
  s.Bind(4, since_ms).Bind(5, until_ms);
  struct Found {
    std::tuple<size_t, int64_t, size_t> order;  // (key, label), time, uom
    Row row;
  };
  std::vector<Found> found;
  while (s.Step()) {
    const auto it = series.find(s.Int(1));
    if (it == series.end()) continue;  // a series removed since it was read
    const SeriesInfo& info = it->second;
    found.push_back(Found{{info.key_label_rank, s.Int(0), info.rank}, make_row(s, info)});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.order < b.order; });
  out.reserve(found.size());
  for (Found& f : found) out.push_back(std::move(f.row));
  return out;
}

std::vector<PerfSample> StateStore::ListPerfSamples(const std::string& key_prefix,
                                                    const std::string& label, int64_t since_ms,
                                                    int64_t until_ms) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read perfdata", [&] {
    return impl_->ReadSeriesRows<PerfSample>(
        "perf_raw", "time_ms", "value", key_prefix, label, since_ms, until_ms,
        [](Stmt& s, const SeriesInfo& info) {
          return PerfSample{info.key, info.label, s.Int(0), s.Real(2), info.uom};
        });
  });
}

std::vector<PerfRollup> StateStore::ListPerfRollups(const std::string& key_prefix,
                                                    const std::string& label, int64_t since_ms,
                                                    int64_t until_ms,
                                                    RollupGranularity granularity) {
  impl_->Need(kStateMonitor);
  const RollupTable& table = granularity == RollupGranularity::kHourly ? kHourly : kDaily;
  return impl_->Do("read perfdata roll-ups", [&] {
    return impl_->ReadSeriesRows<PerfRollup>(
        table.table, "bucket_ms", "min, max, sum, count", key_prefix, label, since_ms, until_ms,
        [](Stmt& s, const SeriesInfo& info) {
          return PerfRollup{info.key,  info.label, info.uom,  s.Int(0),
                            s.Real(2), s.Real(3),  s.Real(4), s.Int(5)};
        });
  });
}

std::vector<PerfSeries> StateStore::ListPerfSeries(const std::string& key_prefix,
                                                   const std::string& label) {
  impl_->Need(kStateMonitor);
  return impl_->Do("read perfdata series", [&] {
    std::vector<PerfSeries> out;
    const std::string sql = std::string("SELECT id, key, label, uom FROM perf_series WHERE ") +
                            kSeriesFilter + " ORDER BY key, label, uom";
    Stmt s = impl_->Prepare(sql.c_str());
    s.Bind(1, key_prefix).Bind(2, PrefixEnd(key_prefix)).Bind(3, label);
    while (s.Step()) out.push_back(PerfSeries{s.Int(0), s.Text(1), s.Text(2), s.Text(3)});
    return out;
  });
}

void StateStore::ScanPerfSamples(const std::vector<PerfSeries>& series, int64_t since_ms,
                                 int64_t until_ms,
                                 const std::function<void(size_t, int64_t, double)>& visit) {
  impl_->Need(kStateMonitor);
  if (series.empty()) return;
  impl_->Do("read perfdata", [&] {
    // perf_raw is keyed by time, then series: the range is read once, in order, and each row
    // is looked up among the series asked for.
    std::unordered_map<int64_t, size_t> index;
    index.reserve(series.size());
    for (size_t i = 0; i < series.size(); ++i) index.emplace(series[i].id, i);
    Stmt s = impl_->Prepare(
        "SELECT time_ms, series, value FROM perf_raw WHERE time_ms >= ?1 AND time_ms < ?2"
        " ORDER BY time_ms, series");
    s.Bind(1, since_ms).Bind(2, until_ms);
    while (s.Step()) {
      const auto it = index.find(s.Int(1));
      if (it != index.end()) visit(it->second, s.Int(0), s.Real(2));
    }
  });
}

int64_t StateStore::PrunePerfSamples(int64_t older_than_ms) {
  impl_->Need(kStateMonitor);
  return impl_->Do("prune perfdata", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM perf_raw WHERE time_ms < ?1");
    const int64_t n = s.Bind(1, older_than_ms).Exec();
    txn.Commit();
    return n;
  });
}

// ---------------------------------------------------------------------------------------------
// Monitor history upkeep

HistoryRows StateStore::Impl::Expire(int64_t now_ms, const MonitorHistoryPolicy& policy,
                                     bool dry_run) {
  HistoryRows rows;
  Txn txn(db, dry_run ? "BEGIN" : "BEGIN IMMEDIATE");
  for (const HistoryTable& t : kHistoryTables) {
    const std::string where =
        std::string(" FROM ") + t.table + " WHERE " + t.time_column + " < ?1";
    Stmt s = Prepare(((dry_run ? "SELECT count(*)" : "DELETE") + where).c_str());
    s.Bind(1, ExpiryCutoff(t, policy, now_ms));
    rows.*t.rows = dry_run ? (s.Step() ? s.Int(0) : 0) : s.Exec();
  }
  if (!dry_run) txn.Commit();
  return rows;
}

bool StateStore::Impl::GoneCheckDue(int64_t now_ms, std::chrono::milliseconds every) {
  auto due = [&] {
    Stmt s = Prepare("SELECT value FROM kv WHERE ns = ?1 AND key = ?2");
    s.Bind(1, std::string(kGoneCheckNs)).Bind(2, std::string(kGoneCheckKey));
    if (!s.Step()) return true;
    const int64_t last = std::strtoll(s.Text(0).c_str(), nullptr, 10);
    // A clock set back makes the latest look lie in the future: look again.
    return last > now_ms || now_ms - last >= every.count();
  };
  {
    // Most runs find it is not time yet, without taking the write lock.
    Txn snapshot(db, "BEGIN");
    if (!due()) return false;
  }
  WriteTxn txn(db);
  if (!due()) return false;  // another process has just looked
  Stmt s = Prepare(
      "INSERT OR REPLACE INTO kv (ns, key, value, expires_ms) VALUES (?1, ?2, ?3, NULL)");
  s.Bind(1, std::string(kGoneCheckNs)).Bind(2, std::string(kGoneCheckKey));
  s.Bind(3, std::to_string(now_ms)).Exec();
  txn.Commit();
  return true;
}

void StateStore::Impl::RemoveGone(int64_t now_ms, const MonitorHistoryPolicy& policy,
                                  bool dry_run, HistoryPruneReport* report) {
  report->gone_checked = true;
  const int64_t cutoff = SaturatingAdd(now_ms, -policy.gone_after.count());
  // The gone instances: statuses last checked before the cutoff, then the keys of series left
  // without a status (DeleteMonitorStatuses).
  auto find_gone = [&] {
    std::vector<GoneMonitor> gone;
    {
      Stmt s = Prepare("SELECT key, last_check_ms FROM monitor_status WHERE last_check_ms < ?1");
      s.Bind(1, cutoff);
      while (s.Step()) gone.push_back(GoneMonitor{s.Text(0), s.Int(1)});
    }
    Stmt s = Prepare(
        "SELECT DISTINCT key FROM perf_series WHERE key NOT IN (SELECT key FROM monitor_status)");
    while (s.Step()) gone.push_back(GoneMonitor{s.Text(0), 0});
    std::sort(gone.begin(), gone.end(),
              [](const GoneMonitor& a, const GoneMonitor& b) { return a.key < b.key; });
    return gone;
  };

  if (dry_run) {
    Txn snapshot(db, "BEGIN");
    report->gone = find_gone();
    // What the removal would delete after expiry: the gone keys' series and status changes, and
    // the rows of their series and of those still being deleted.
    std::vector<int64_t> ids;
    const int64_t changes_cutoff = SaturatingAdd(now_ms, -policy.status_changes.count());
    for (const GoneMonitor& g : report->gone) {
      {
        Stmt s = Prepare("SELECT id FROM perf_series WHERE key = ?1");
        s.Bind(1, g.key);
        while (s.Step()) ids.push_back(s.Int(0));
      }
      Stmt s = Prepare("SELECT count(*) FROM status_change WHERE key = ?1 AND time_ms >= ?2");
      s.Bind(1, g.key).Bind(2, changes_cutoff);
      if (s.Step()) report->gone_rows.status_changes += s.Int(0);
    }
    report->gone_series = static_cast<int64_t>(ids.size());
    {
      Stmt s = Prepare("SELECT series FROM perf_purge");
      while (s.Step()) ids.push_back(s.Int(0));
    }
    if (ids.empty()) return;
    const std::string json = JsonIds(ids);
    for (const HistoryTable& t : kHistoryTables) {
      if (t.purge_chunk_ms == 0) continue;
      const std::string sql = std::string("SELECT count(*) FROM ") + t.table + " WHERE " +
                              t.time_column +
                              " >= ?2 AND series IN (SELECT value FROM json_each(?1))";
      Stmt s = Prepare(sql.c_str());
      s.Bind(1, json).Bind(2, ExpiryCutoff(t, policy, now_ms));
      if (s.Step()) report->gone_rows.*t.rows += s.Int(0);
    }
    return;
  }

  {
    // One transaction forgets the instances: their statuses, status changes and series. Their
    // samples and roll-ups, no longer visible, are queued in perf_purge.
    WriteTxn txn(db);
    report->gone = find_gone();
    for (const GoneMonitor& g : report->gone) {
      Prepare("DELETE FROM monitor_status WHERE key = ?1").Bind(1, g.key).Exec();
      report->gone_rows.status_changes +=
          Prepare("DELETE FROM status_change WHERE key = ?1").Bind(1, g.key).Exec();
      Prepare("INSERT OR IGNORE INTO perf_purge (series) SELECT id FROM perf_series WHERE key = ?1")
          .Bind(1, g.key)
          .Exec();
      report->gone_series +=
          Prepare("DELETE FROM perf_series WHERE key = ?1").Bind(1, g.key).Exec();
    }
    txn.Commit();
  }

  // Then the rows of every queued series (also those an interrupted removal left), a stretch of
  // time per transaction: samples are keyed by time, so each stretch is one range of the table.
  std::vector<int64_t> queued;
  {
    Txn snapshot(db, "BEGIN");
    Stmt s = Prepare("SELECT series FROM perf_purge");
    while (s.Step()) queued.push_back(s.Int(0));
  }
  if (queued.empty()) return;
  for (const HistoryTable& t : kHistoryTables) {
    if (t.purge_chunk_ms == 0) continue;
    const std::string col = t.time_column;
    const std::string next_sql =
        "SELECT min(" + col + ") FROM " + t.table + " WHERE " + col + " >= ?1";
    const std::string delete_sql = std::string("DELETE FROM ") + t.table + " WHERE " + col +
                                   " BETWEEN ?1 AND ?2 AND series IN (SELECT series FROM perf_purge)";
    int64_t from = std::numeric_limits<int64_t>::min();
    for (;;) {
      WriteTxn txn(db);
      int64_t first = 0;
      {
        Stmt s = Prepare(next_sql.c_str());
        if (!s.Bind(1, from).Step() || s.IsNull(0)) break;
        first = s.Int(0);
      }
      const int64_t last = SaturatingAdd(first, t.purge_chunk_ms - 1);
      report->gone_rows.*t.rows +=
          Prepare(delete_sql.c_str()).Bind(1, first).Bind(2, last).Exec();
      txn.Commit();
      if (last == std::numeric_limits<int64_t>::max()) break;
      from = last + 1;
    }
  }
  WriteTxn txn(db);
  for (int64_t id : queued) Prepare("DELETE FROM perf_purge WHERE series = ?1").Bind(1, id).Exec();
  txn.Commit();
}

HistoryPruneReport StateStore::MaintainMonitorHistory(int64_t now_ms,
                                                      const MonitorHistoryPolicy& policy) {
  impl_->Need(kStateMonitor);
  return impl_->Do("prune monitor history", [&] {
    HistoryPruneReport report;
    report.expired = impl_->Expire(now_ms, policy, false);
    if (impl_->GoneCheckDue(now_ms, policy.gone_check_every)) {
      impl_->RemoveGone(now_ms, policy, false, &report);
    }
    return report;
  });
}

HistoryPruneReport StateStore::PruneMonitorHistory(int64_t now_ms,
                                                   const MonitorHistoryPolicy& policy,
                                                   bool dry_run) {
  impl_->Need(kStateMonitor);
  return impl_->Do(dry_run ? "read monitor history" : "prune monitor history", [&] {
    HistoryPruneReport report;
    report.expired = impl_->Expire(now_ms, policy, dry_run);
    impl_->RemoveGone(now_ms, policy, dry_run, &report);
    return report;
  });
}

// ---------------------------------------------------------------------------------------------
// Key/value

std::optional<std::string> StateStore::GetValue(const std::string& ns, const std::string& key) {
  return impl_->Do("read value", [&]() -> std::optional<std::string> {
    Stmt s = impl_->Prepare(
        "SELECT value FROM kv WHERE ns = ?1 AND key = ?2"
        " AND (expires_ms IS NULL OR expires_ms > ?3)");
    s.Bind(1, ns).Bind(2, key).Bind(3, impl_->Now());
    if (!s.Step()) return std::nullopt;
    return s.Text(0);
  });
}

std::vector<std::pair<std::string, std::string>> StateStore::ListValues(
    const std::string& ns, const std::string& key_prefix) {
  return impl_->Do("list values", [&] {
    std::vector<std::pair<std::string, std::string>> out;
    Stmt s = impl_->Prepare(
        "SELECT key, value FROM kv WHERE ns = ?1 AND substr(key, 1, length(?2)) = ?2"
        " AND (expires_ms IS NULL OR expires_ms > ?3) ORDER BY key");
    s.Bind(1, ns).Bind(2, key_prefix).Bind(3, impl_->Now());
    while (s.Step()) out.emplace_back(s.Text(0), s.Text(1));
    return out;
  });
}

void StateStore::PutValue(const std::string& ns, const std::string& key, const std::string& value,
                          std::optional<int64_t> expires_ms) {
  impl_->Do("save value", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare(
        "INSERT OR REPLACE INTO kv (ns, key, value, expires_ms) VALUES (?1, ?2, ?3, ?4)");
    s.Bind(1, ns).Bind(2, key).BindBlob(3, value).Bind(4, expires_ms);
    s.Exec();
    txn.Commit();
  });
}

bool StateStore::PutValueIfAbsent(const std::string& ns, const std::string& key,
                                  const std::string& value, std::optional<int64_t> expires_ms) {
  return CompareAndSwapValue(ns, key, std::nullopt, value, expires_ms);
}

bool StateStore::CompareAndSwapValue(const std::string& ns, const std::string& key,
                                     const std::optional<std::string>& expected,
                                     const std::string& value, std::optional<int64_t> expires_ms) {
  return impl_->Do("save value", [&] {
    WriteTxn txn(impl_->db);
    std::optional<std::string> current;
    {
      Stmt s = impl_->Prepare(
          "SELECT value FROM kv WHERE ns = ?1 AND key = ?2"
          " AND (expires_ms IS NULL OR expires_ms > ?3)");
      s.Bind(1, ns).Bind(2, key).Bind(3, impl_->Now());
      if (s.Step()) current = s.Text(0);
    }
    if (current != expected) return false;
    Stmt s = impl_->Prepare(
        "INSERT OR REPLACE INTO kv (ns, key, value, expires_ms) VALUES (?1, ?2, ?3, ?4)");
    s.Bind(1, ns).Bind(2, key).BindBlob(3, value).Bind(4, expires_ms);
    s.Exec();
    txn.Commit();
    return true;
  });
}

bool StateStore::DeleteValue(const std::string& ns, const std::string& key) {
  return impl_->Do("delete value", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM kv WHERE ns = ?1 AND key = ?2");
    const int64_t n = s.Bind(1, ns).Bind(2, key).Exec();
    txn.Commit();
    return n > 0;
  });
}

int64_t StateStore::PurgeExpired(int64_t now_ms) {
  return impl_->Do("purge expired values", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM kv WHERE expires_ms IS NOT NULL AND expires_ms <= ?1");
    const int64_t n = s.Bind(1, now_ms).Exec();
    txn.Commit();
    return n;
  });
}

// ---------------------------------------------------------------------------------------------
// Queues

int64_t StateStore::Enqueue(const std::string& queue, const std::string& payload_json,
                            int64_t not_before_ms) {
  return impl_->Do("enqueue to '" + queue + "'", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare(
        "INSERT INTO queue_item (queue, payload, attempts, created_ms, not_before_ms, last_error)"
        " VALUES (?1, ?2, 0, ?3, ?4, '')");
    s.Bind(1, queue).Bind(2, payload_json).Bind(3, impl_->Now()).Bind(4, not_before_ms);
    s.Exec();
    const int64_t id = sqlite3_last_insert_rowid(impl_->db);
    txn.Commit();
    return id;
  });
}

std::optional<QueueItem> StateStore::Claim(const std::string& queue, int64_t now_ms,
                                           int64_t lease_ms) {
  return impl_->Do("claim from '" + queue + "'", [&]() -> std::optional<QueueItem> {
    WriteTxn txn(impl_->db);
    QueueItem item;
    {
      Stmt s = impl_->Prepare(
          "SELECT id, queue, payload, attempts, created_ms, not_before_ms, last_error"
          " FROM queue_item WHERE queue = ?1 AND not_before_ms <= ?2 ORDER BY id LIMIT 1");
      s.Bind(1, queue).Bind(2, now_ms);
      if (!s.Step()) return std::nullopt;
      item = ReadQueueItem(s);
    }
    item.attempts += 1;
    item.not_before_ms = SaturatingAdd(now_ms, lease_ms);
    Stmt u =
        impl_->Prepare("UPDATE queue_item SET attempts = ?2, not_before_ms = ?3 WHERE id = ?1");
    u.Bind(1, item.id).Bind(2, static_cast<int64_t>(item.attempts)).Bind(3, item.not_before_ms);
    u.Exec();
    txn.Commit();
    return item;
  });
}

bool StateStore::Ack(int64_t id, int attempts) {
  return impl_->Do("acknowledge queue item " + std::to_string(id), [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM queue_item WHERE id = ?1 AND attempts = ?2");
    const int64_t n = s.Bind(1, id).Bind(2, static_cast<int64_t>(attempts)).Exec();
    txn.Commit();
    return n > 0;
  });
}

bool StateStore::Ack(int64_t id, int attempts, const Delivery& logged) {
  return impl_->Do("acknowledge queue item " + std::to_string(id), [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM queue_item WHERE id = ?1 AND attempts = ?2");
    const int64_t n = s.Bind(1, id).Bind(2, static_cast<int64_t>(attempts)).Exec();
    if (n > 0) impl_->InsertDelivery(logged);
    txn.Commit();
    return n > 0;
  });
}

void StateStore::AppendDeliveries(const std::vector<Delivery>& entries) {
  if (entries.empty()) return;
  impl_->Do("append to the delivery log", [&] {
    WriteTxn txn(impl_->db);
    for (const Delivery& d : entries) impl_->InsertDelivery(d);
    txn.Commit();
  });
}

std::vector<Delivery> StateStore::ListDeliveries(const std::string& key_prefix, int64_t since_ms,
                                                 int64_t until_ms) {
  return impl_->Do("read the delivery log", [&] {
    std::vector<Delivery> out;
    Stmt s = impl_->Prepare(
        "SELECT time_ms, event_key, event_kind, event_status, reason, route, channel, channel_type,"
        " outcome, detail FROM delivery WHERE event_key >= ?1 AND (?2 IS NULL OR event_key < ?2)"
        " AND time_ms >= ?3 AND time_ms < ?4 ORDER BY time_ms, id");
    s.Bind(1, key_prefix).Bind(2, PrefixEnd(key_prefix)).Bind(3, since_ms).Bind(4, until_ms);
    while (s.Step()) {
      out.push_back(ReadDelivery(s));
    }
    return out;
  });
}

std::map<std::string, Delivery> StateStore::LastDeliveries(const std::vector<std::string>& event_keys) {
  return impl_->Do("read the delivery log", [&] {
    Stmt s = impl_->Prepare(
        "SELECT time_ms, event_key, event_kind, event_status, reason, route, channel, channel_type,"
        " outcome, detail FROM delivery WHERE event_key = ?1 ORDER BY time_ms DESC, id DESC LIMIT 1");
    return OneRowEach<Delivery>(impl_->db, s, event_keys, [](Stmt&) {}, ReadDelivery);
  });
}

int64_t StateStore::PruneDeliveries(int64_t older_than_ms) {
  return impl_->Do("prune the delivery log", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM delivery WHERE time_ms < ?1");
    const int64_t n = s.Bind(1, older_than_ms).Exec();
    txn.Commit();
    return n;
  });
}

bool StateStore::Retry(int64_t id, int attempts, int64_t not_before_ms,
                       const std::string& last_error) {
  return impl_->Do("reschedule queue item " + std::to_string(id), [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare(
        "UPDATE queue_item SET not_before_ms = ?2, last_error = ?3 WHERE id = ?1 AND attempts = ?4");
    const int64_t n = s.Bind(1, id)
                          .Bind(2, not_before_ms)
                          .Bind(3, last_error)
                          .Bind(4, static_cast<int64_t>(attempts))
                          .Exec();
    txn.Commit();
    return n > 0;
  });
}

std::vector<QueueItem> StateStore::ListQueue(const std::string& queue) {
  return impl_->Do("list queue '" + queue + "'", [&] {
    std::vector<QueueItem> out;
    Stmt s = impl_->Prepare(
        "SELECT id, queue, payload, attempts, created_ms, not_before_ms, last_error"
        " FROM queue_item WHERE queue = ?1 ORDER BY id");
    s.Bind(1, queue);
    while (s.Step()) out.push_back(ReadQueueItem(s));
    return out;
  });
}

int64_t StateStore::QueueDepth(const std::string& queue) {
  return impl_->Do("count queue '" + queue + "'", [&] {
    Stmt s = impl_->Prepare("SELECT count(*) FROM queue_item WHERE queue = ?1");
    s.Bind(1, queue);
    return s.Step() ? s.Int(0) : int64_t{0};
  });
}

// ---------------------------------------------------------------------------------------------
// Job runs

int64_t StateStore::StartRun(const std::string& flow, const std::string& params_json) {
  return impl_->Do("record a run of '" + flow + "'", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare(
        "INSERT INTO run (flow, params, status, started_ms, ended_ms)"
        " VALUES (?1, ?2, 'running', ?3, 0)");
    s.Bind(1, flow).Bind(2, params_json).Bind(3, impl_->Now()).Exec();
    const int64_t id = sqlite3_last_insert_rowid(impl_->db);
    txn.Commit();
    return id;
  });
}

void StateStore::SetJobState(int64_t run_id, const std::string& job, const std::string& state,
                             std::optional<int> exit_code, int64_t started_ms, int64_t ended_ms,
                             const std::string& output_tail) {
  impl_->Do("record job '" + job + "' of run " + std::to_string(run_id), [&] {
    WriteTxn txn(impl_->db);
    {
      Stmt s = impl_->Prepare("SELECT 1 FROM run WHERE id = ?1");
      if (!s.Bind(1, run_id).Step()) {
        throw RuntimeError("no run " + std::to_string(run_id) + " in state database '" +
                           impl_->path + "'");
      }
    }
    Stmt s = impl_->Prepare(
        "INSERT INTO job_state (run_id, job, state, exit_code, started_ms, ended_ms, output_tail)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (run_id, job) DO UPDATE SET state = excluded.state,"
        " exit_code = excluded.exit_code, started_ms = excluded.started_ms,"
        " ended_ms = excluded.ended_ms, output_tail = excluded.output_tail");
    s.Bind(1, run_id).Bind(2, job).Bind(3, state);
    s.Bind(4, exit_code ? std::optional<int64_t>(*exit_code) : std::nullopt);
    s.Bind(5, started_ms).Bind(6, ended_ms).Bind(7, output_tail);
    s.Exec();
    txn.Commit();
  });
}

std::vector<JobState> StateStore::GetJobStates(int64_t run_id) {
  return impl_->Do("read job states of run " + std::to_string(run_id), [&] {
    std::vector<JobState> out;
    Stmt s = impl_->Prepare(
        "SELECT run_id, job, state, exit_code, started_ms, ended_ms, output_tail"
        " FROM job_state WHERE run_id = ?1 ORDER BY id");
    s.Bind(1, run_id);
    while (s.Step()) {
      JobState j;
      j.run_id = s.Int(0);
      j.job = s.Text(1);
      j.state = s.Text(2);
      if (!s.IsNull(3)) j.exit_code = static_cast<int>(s.Int(3));
      j.started_ms = s.Int(4);
      j.ended_ms = s.Int(5);
      j.output_tail = s.Text(6);
      out.push_back(std::move(j));
    }
    return out;
  });
}

std::optional<Run> StateStore::GetRun(int64_t run_id) {
  return impl_->Do("read run " + std::to_string(run_id), [&]() -> std::optional<Run> {
    Stmt s = impl_->Prepare(
        "SELECT id, flow, params, status, started_ms, ended_ms FROM run WHERE id = ?1");
    s.Bind(1, run_id);
    if (!s.Step()) return std::nullopt;
    return ReadRun(s);
  });
}

std::optional<Run> StateStore::LatestRun(const std::string& flow) {
  return impl_->Do("read runs of '" + flow + "'", [&]() -> std::optional<Run> {
    Stmt s = impl_->Prepare(
        "SELECT id, flow, params, status, started_ms, ended_ms FROM run WHERE flow = ?1"
        " ORDER BY id DESC LIMIT 1");
    s.Bind(1, flow);
    if (!s.Step()) return std::nullopt;
    return ReadRun(s);
  });
}

std::vector<Run> StateStore::ListRuns(const std::string& flow, int limit) {
  return impl_->Do("list runs", [&] {
    std::vector<Run> out;
    Stmt s = impl_->Prepare(
        "SELECT id, flow, params, status, started_ms, ended_ms FROM run"
        " WHERE ?1 = '' OR flow = ?1 ORDER BY id DESC LIMIT ?2");
    s.Bind(1, flow).Bind(2, static_cast<int64_t>(limit > 0 ? limit : -1));
    while (s.Step()) out.push_back(ReadRun(s));
    return out;
  });
}

std::vector<Run> StateStore::ListRunsEndedBefore(int64_t ended_before_ms) {
  return impl_->Do("list ended runs", [&] {
    std::vector<Run> out;
    Stmt s = impl_->Prepare(
        "SELECT id, flow, params, status, started_ms, ended_ms FROM run"
        " WHERE status <> 'running' AND ended_ms > 0 AND ended_ms < ?1 ORDER BY id");
    s.Bind(1, ended_before_ms);
    while (s.Step()) out.push_back(ReadRun(s));
    return out;
  });
}

void StateStore::FinishRun(int64_t run_id, const std::string& status) {
  impl_->Do("finish run " + std::to_string(run_id), [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("UPDATE run SET status = ?2, ended_ms = ?3 WHERE id = ?1");
    if (s.Bind(1, run_id).Bind(2, status).Bind(3, impl_->Now()).Exec() == 0) {
      throw RuntimeError("no run " + std::to_string(run_id) + " in state database '" + impl_->path +
                         "'");
    }
    txn.Commit();
  });
}

int64_t StateStore::PruneRuns(int64_t older_than_ms) {
  return impl_->Do("prune runs", [&] {
    WriteTxn txn(impl_->db);
    Stmt s = impl_->Prepare("DELETE FROM run WHERE status <> 'running' AND ended_ms < ?1");
    const int64_t n = s.Bind(1, older_than_ms).Exec();
    txn.Commit();
    return n;
  });
}

bool StateStore::DeleteRun(int64_t run_id) {
  return impl_->Do("delete run " + std::to_string(run_id), [&] {
    WriteTxn txn(impl_->db);
    impl_->Prepare("DELETE FROM job_state WHERE run_id = ?1").Bind(1, run_id).Exec();
    const int64_t n = impl_->Prepare("DELETE FROM run WHERE id = ?1").Bind(1, run_id).Exec();
    txn.Commit();
    return n > 0;
  });
}

// ---------------------------------------------------------------------------------------------
// Locks

std::unique_ptr<StateLock> StateStore::TryLock(const std::string& name, const std::string& owner) {
  return Lock(name, owner, std::chrono::milliseconds(0));
}

std::unique_ptr<StateLock> StateStore::Lock(const std::string& name, const std::string& owner,
                                            std::chrono::milliseconds timeout) {
  const std::string dir = impl_->LockDir();
  MakeDirs(dir);
  const std::string file = dir + "/" + LockFileName(name);
  const int fd = OpenPrivateFile(file);
  if (fd < 0) throw RuntimeError("cannot open lock file '" + file + "': " + std::strerror(errno));
  FdCloser closer{fd};
  // Polling, as F_OFD_SETLKW cannot time out; a released lock is seen within 50 ms.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::chrono::milliseconds pause(2);
  while (!TryLockFd(fd, file)) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return nullptr;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    std::this_thread::sleep_for(std::min(pause, left + std::chrono::milliseconds(1)));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  // Tell waiters who holds it. Written after locking, so a waiter may briefly find the previous
  // holder's record or none; a failed write leaves the lock held but its holder unnamed.
  const std::string record =
      HolderRecord(LockHolder{name, owner, static_cast<int64_t>(getpid()), HostName(), impl_->Now()});
  if (pwrite(fd, record.data(), record.size(), 0) == static_cast<ssize_t>(record.size())) {
    (void)!ftruncate(fd, static_cast<off_t>(record.size()));
  }
  closer.fd = -1;
  return std::unique_ptr<StateLock>(new StateLock(fd, name));
}

std::optional<LockHolder> StateStore::GetLockHolder(const std::string& name) {
  const std::string file = impl_->LockDir() + "/" + LockFileName(name);
  const int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw RuntimeError("cannot open lock file '" + file + "': " + std::strerror(errno));
  }
  FdCloser closer{fd};
  for (int attempt = 0;; ++attempt) {
    struct flock fl = WholeFile(F_WRLCK);
    if (fcntl(fd, F_OFD_GETLK, &fl) != 0) {
      throw RuntimeError("cannot test lock file '" + file + "': " + std::strerror(errno));
    }
    if (fl.l_type == F_UNLCK) return std::nullopt;
    if (std::optional<LockHolder> h = ParseHolderRecord(name, ReadAll(fd))) return h;
    // A new holder is between taking the lock and writing its record.
    if (attempt == 50) return LockHolder{name, "", 0, "", 0};
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

StateLock::StateLock(int fd, std::string name)
    : fd_(fd), name_(std::move(name)), pid_(static_cast<int64_t>(getpid())) {}

StateLock::~StateLock() { Release(); }

void StateLock::Release() {
  if (fd_ < 0) return;
  // A child forked without exec shares the lock; only the process that took it releases it.
  if (!released_ && getpid() == pid_) {
    (void)!ftruncate(fd_, 0);
    struct flock fl = WholeFile(F_UNLCK);
    fcntl(fd_, F_OFD_SETLK, &fl);
  }
  close(fd_);
  fd_ = -1;
  released_ = true;
}

}  // namespace hops
