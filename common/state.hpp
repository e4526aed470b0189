// The one local state store of every hops tool: state.db (SQLite, WAL) in the state directory.
// Every table is reached through the typed API below; no SQL lives outside state.cpp.
// See man/hops-state.5 for the file, its schema versions, permissions, locks and concurrency
// guarantees.
#ifndef HOPS_COMMON_STATE_HPP_
#define HOPS_COMMON_STATE_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/settings.hpp"

namespace hops {

/// The layout of state.db itself (PRAGMA user_version): 2 = each schema component's version is
/// recorded in the table schema_component. 1 was the single schema version of hops 0.1, whose
/// files are upgraded in place.
constexpr int kStateFileFormat = 2;

/// The schema component of the tables every tool shares: kv, queue_item, run, job_state.
constexpr const char* kStateCore = "core";
/// The schema component of hmon-check's tables: monitor_status, status_change, perf_series,
/// perf_raw, perf_hourly, perf_daily, perf_purge.
constexpr const char* kStateMonitor = "hmon-check";

/// The schema components this build knows, each with the version it creates and understands.
/// A component is a group of tables that one tool (or "core") migrates on its own.
std::map<std::string, int> KnownStateComponents();

/// How a state store is opened.
struct StateOptions {
  /// How long a statement waits for another process's write transaction before failing.
  std::chrono::milliseconds busy_timeout{10000};
  /// Wall clock in ms since the epoch for timestamps the store writes itself; empty = system clock.
  std::function<int64_t()> now_ms;
  /// The schema components the caller uses (names from KnownStateComponents; "core" is always
  /// included); empty = all of them. Only these are created, migrated and checked: a file in
  /// which another component is newer than this build knows is still opened.
  std::vector<std::string> components;
};

/// The remembered status of one monitor instance (hmon-check).
struct MonitorStatus {
  std::string key;  ///< monitor instance, e.g. "web-home/node1"
  /// One of ok, warning, critical, unknown, suppressed, unreachable, flapping, pending.
  std::string state;
  std::string hard_state;      ///< the confirmed state: one of the above, or "" when none yet
  int consecutive = 0;         ///< how many checks in a row returned the current state
  std::string last_summary;    ///< summary line of the latest check
  int64_t last_change_ms = 0;  ///< when state last changed, ms since the epoch
  int64_t last_check_ms = 0;   ///< when the latest check ran, ms since the epoch
  std::string history;  ///< recent results, a letter each, newest last; the newest 32 are kept
};

/// One entry of the status change log.
struct StatusChange {
  std::string key;      ///< monitor instance
  int64_t time_ms = 0;  ///< when the change happened, ms since the epoch
  std::string from;     ///< previous state
  std::string to;       ///< new state
  std::string summary;  ///< summary line of the check that caused the change
};

/// One perfdata measurement.
struct PerfSample {
  std::string key;      ///< monitor instance
  std::string label;    ///< perfdata label, e.g. "time"
  int64_t time_ms = 0;  ///< when it was measured, ms since the epoch
  double value = 0;     ///< the measured value
  std::string uom;      ///< unit of measure as in perfdata ("s", "%", "B", ""...)
};

/// A perfdata series: one label of one monitor instance in one unit.
struct PerfSeries {
  int64_t id = 0;      ///< the store's id of the series
  std::string key;     ///< monitor instance
  std::string label;   ///< perfdata label
  std::string uom;     ///< unit of measure
};

/// The width of a roll-up bucket of perfdata: an hour, or a day (UTC).
enum class RollupGranularity { kHourly, kDaily };

/// The summary of one measure of one monitor instance over one hour or UTC day.
struct PerfRollup {
  std::string key;        ///< monitor instance
  std::string label;      ///< perfdata label
  std::string uom;        ///< unit of measure
  int64_t bucket_ms = 0;  ///< start of the hour or UTC day, ms since the epoch
  double min = 0;         ///< smallest value in the bucket
  double max = 0;         ///< largest value in the bucket
  double sum = 0;         ///< sum of the values (sum / count is the average)
  int64_t count = 0;      ///< how many numeric values the bucket holds
};

/// How long hmon-check keeps each kind of history; see MaintainMonitorHistory.
struct MonitorHistoryPolicy {
  /// Raw perfdata samples (the settings accept no less than two months).
  std::chrono::milliseconds raw{std::chrono::hours(24 * 62)};
  /// Hourly roll-ups, by the start of their hour.
  std::chrono::milliseconds hourly{std::chrono::hours(24 * 400)};
  /// Daily roll-ups, by the start of their UTC day.
  std::chrono::milliseconds daily{std::chrono::hours(24 * 1830)};
  /// Status changes.
  std::chrono::milliseconds status_changes{std::chrono::hours(24 * 400)};
  /// A monitor instance no run has checked for this long is gone: its status and history go.
  std::chrono::milliseconds gone_after{std::chrono::hours(24 * 30)};
  /// MaintainMonitorHistory looks for gone monitor instances at most this often.
  std::chrono::milliseconds gone_check_every{std::chrono::hours(1)};
};

/// A monitor instance that no run has checked within the grace period.
struct GoneMonitor {
  std::string key;            ///< monitor instance
  int64_t last_check_ms = 0;  ///< its latest check; 0 when only perfdata without a status was left
};

/// How many rows of each kind of history were (or would be) deleted.
struct HistoryRows {
  int64_t samples = 0;         ///< raw perfdata samples
  int64_t hourly = 0;          ///< hourly roll-ups
  int64_t daily = 0;           ///< daily roll-ups
  int64_t status_changes = 0;  ///< status change log entries
};

/// What pruning the monitor history did (or, for a dry run, would do).
struct HistoryPruneReport {
  bool gone_checked = false;       ///< whether gone monitor instances were looked for
  std::vector<GoneMonitor> gone;   ///< the gone monitor instances removed, by key
  int64_t gone_series = 0;         ///< their perfdata series (one per label and unit)
  HistoryRows gone_rows;           ///< their rows (samples and roll-ups of earlier removals too)
  HistoryRows expired;             ///< rows older than their retention
};

/// One item of a spool queue (hnotify).
struct QueueItem {
  int64_t id = 0;             ///< unique, increasing and never reused
  std::string queue;          ///< queue name
  std::string payload;        ///< the payload as enqueued (JSON text)
  int attempts = 0;           ///< how many times the item was claimed
  int64_t created_ms = 0;     ///< when it was enqueued, ms since the epoch
  int64_t not_before_ms = 0;  ///< when it is due: the enqueue/retry time, or the end of a lease
  std::string last_error;     ///< error given with the latest Retry, "" if none
};

/// One notification that left the spool: delivered, or given up (hnotify's delivery log, read by
/// hmon-check's report and status page).
struct Delivery {
  int64_t time_ms = 0;       ///< when it was confirmed or given up, ms since the epoch
  std::string event_key;     ///< key of the event it notified about ("" for an ad-hoc message)
  std::string event_kind;    ///< kind of that event
  std::string event_status;  ///< status of that event ("critical", "ok", ...)
  std::string reason;        ///< problem, recovery, repeat, summary, info, message or test
  std::string route;         ///< route that sent it ("" for ad-hoc messages and tests)
  std::string channel;       ///< channel name
  std::string channel_type;  ///< channel type: email, slack, webhook, ...
  std::string outcome;       ///< "sent", "fallback" (handed to fallback channels), "dropped" or
                             ///< "grouped" (held for a group summary, which is logged on its own)
  std::string detail;        ///< the peer's answer or why it was given up; never a secret
};

/// One run of a job flow (hjob-run).
struct Run {
  int64_t id = 0;          ///< unique, increasing and never reused
  std::string flow;        ///< flow name
  std::string params;      ///< run parameters as given to StartRun (JSON text)
  std::string status;      ///< "running" until FinishRun sets the final status
  int64_t started_ms = 0;  ///< when StartRun was called, ms since the epoch
  int64_t ended_ms = 0;    ///< when FinishRun was called, 0 while running
};

/// The state of one job within a run.
struct JobState {
  int64_t run_id = 0;            ///< the run it belongs to
  std::string job;               ///< job name, unique within the run
  std::string state;             ///< job state as the flow runner names it ("running", "ok", ...)
  std::optional<int> exit_code;  ///< exit code, nullopt while unknown
  int64_t started_ms = 0;        ///< ms since the epoch, 0 if not started
  int64_t ended_ms = 0;          ///< ms since the epoch, 0 if not ended
  std::string output_tail;       ///< the last part of the job's output
};

/// Who holds a named lock, as the holder wrote it into the lock file.
struct LockHolder {
  std::string name;         ///< lock name
  std::string owner;        ///< owner description given to TryLock/Lock
  int64_t pid = 0;          ///< process id of the holder; 0 when it has not written it yet
  std::string hostname;     ///< host the holder runs on
  int64_t acquired_ms = 0;  ///< when the lock was taken, ms since the epoch
};

/// A held named lock (defined below).
class StateLock;

/// A connection to state.db; safe to share between threads of one process, never across fork().
class StateStore {
 public:
  /// Opens (creating if needed) the store at @p path and migrates the components of @p opts;
  /// throws RuntimeError, leaving a file that is not a hops state database untouched.
  static std::unique_ptr<StateStore> Open(const std::string& path, StateOptions opts = {});
  /// The store's path under @p settings: state_dir + "/state.db".
  static std::string DefaultPath(const Settings& settings);

  /// Closes the connection; locks taken through the store stay held.
  ~StateStore();
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  /// The path the store was opened with.
  const std::string& path() const;
  /// The schema version of every component recorded in the file, including components this
  /// build does not know or was not asked to open.
  std::map<std::string, int> ComponentVersions();

  // --- Monitor status (hmon-check) ---

  /// The remembered status of @p key, or nullopt when none.
  std::optional<MonitorStatus> GetMonitorStatus(const std::string& key);
  /// Every remembered status, by key.
  std::map<std::string, MonitorStatus> GetAllMonitorStatus();
  /// Inserts or replaces all @p statuses in one transaction; on any error none is written.
  void PutMonitorStatuses(const std::vector<MonitorStatus>& statuses);
  /// Forgets the statuses of @p keys (monitors that no longer exist) in one transaction; their
  /// perfdata goes with the next removal of gone monitor instances.
  void DeleteMonitorStatuses(const std::vector<std::string>& keys);

  // --- Status change log ---

  /// Appends @p changes in one transaction.
  void AppendStatusChanges(const std::vector<StatusChange>& changes);
  /// Changes of keys starting with @p key_prefix at or after @p since_ms, newest first, at most
  /// @p limit of them (limit <= 0: all).
  std::vector<StatusChange> ListStatusChanges(const std::string& key_prefix, int64_t since_ms,
                                              int limit);
  /// The changes of keys starting with @p key_prefix in since_ms <= time_ms < until_ms, each
  /// key's changes preceded by its last change before since_ms (the state the key entered the
  /// range in) when there is one; ordered by key, then time. Each key costs a few index seeks,
  /// however long the log.
  std::vector<StatusChange> ListStatusChangesBetween(const std::string& key_prefix,
                                                     int64_t since_ms, int64_t until_ms);
  /// The newest change of each of @p keys that has one, by key: one index seek a key, however
  /// long the log (a page of every check's current state needs no more).
  std::map<std::string, StatusChange> LastStatusChanges(const std::vector<std::string>& keys);
  /// The first change at or after @p since_ms of each of @p keys that has one, by key: one
  /// index seek a key.
  std::map<std::string, StatusChange> FirstStatusChangesFrom(const std::vector<std::string>& keys,
                                                             int64_t since_ms);
  /// Deletes changes older than @p older_than_ms; returns how many were deleted.
  int64_t PruneStatusChanges(int64_t older_than_ms);

  // --- Perfdata history ---
  // A series is one label of one monitor instance in one unit. Raw samples are keyed by time
  // first, so a run's samples go to the end of the table whatever its size; each sample also
  // updates the hourly and daily (UTC) roll-up of its series in the same transaction.

  /// Appends @p samples, and adds them to their roll-ups, in one transaction. A second sample
  /// of a series at the same millisecond is ignored; NaN is kept as a sample but not rolled up.
  void AppendPerfSamples(const std::vector<PerfSample>& samples);
  /// Samples of keys starting with @p key_prefix and label @p label ("" = any) with
  /// since_ms <= time_ms < until_ms, ordered by key, label and time.
  std::vector<PerfSample> ListPerfSamples(const std::string& key_prefix, const std::string& label,
                                          int64_t since_ms, int64_t until_ms);
  /// Roll-ups of keys starting with @p key_prefix and label @p label ("" = any) whose bucket
  /// starts at since_ms <= bucket_ms < until_ms, ordered by key, label and bucket.
  std::vector<PerfRollup> ListPerfRollups(const std::string& key_prefix, const std::string& label,
                                          int64_t since_ms, int64_t until_ms,
                                          RollupGranularity granularity);
  /// The series of keys starting with @p key_prefix and label @p label ("" = any), ordered by
  /// key, label and unit.
  std::vector<PerfSeries> ListPerfSeries(const std::string& key_prefix, const std::string& label);
  /// Calls @p visit(index, time_ms, value) for every raw sample of @p series (index: its place
  /// in @p series) with since_ms <= time_ms < until_ms, in time order, without holding them all
  /// in memory: for reading a month of many series. A NaN sample reads as NaN.
  void ScanPerfSamples(const std::vector<PerfSeries>& series, int64_t since_ms, int64_t until_ms,
                       const std::function<void(size_t, int64_t, double)>& visit);
  /// Deletes raw samples older than @p older_than_ms (their roll-ups stay); returns how many
  /// were deleted.
  int64_t PrunePerfSamples(int64_t older_than_ms);

  // --- Monitor history upkeep (hmon-check) ---

  /// What a run does after saving its results: deletes the rows older than @p policy keeps
  /// them, and, at most once per policy.gone_check_every (remembered in kv), removes the
  /// monitor instances gone at @p now_ms as PruneMonitorHistory does.
  HistoryPruneReport MaintainMonitorHistory(int64_t now_ms, const MonitorHistoryPolicy& policy);
  /// Deletes the rows older than @p policy keeps them, and removes every monitor instance whose
  /// last check is more than policy.gone_after before @p now_ms (and perfdata series left
  /// without a status): its status, status changes, series, samples and roll-ups. The removal
  /// takes several short transactions, so concurrent runs are never kept waiting long; one
  /// that is interrupted is finished by the next. With @p dry_run nothing changes and the
  /// report says what would be deleted.
  HistoryPruneReport PruneMonitorHistory(int64_t now_ms, const MonitorHistoryPolicy& policy,
                                         bool dry_run);

  // --- Key/value blobs (per-tool state: log offsets, dedupe keys) ---

  /// The value of @p key in namespace @p ns, or nullopt when absent or expired.
  std::optional<std::string> GetValue(const std::string& ns, const std::string& key);
  /// Sets @p key to @p value (any bytes), expiring at @p expires_ms (nullopt = never).
  void PutValue(const std::string& ns, const std::string& key, const std::string& value,
                std::optional<int64_t> expires_ms = std::nullopt);
  /// Sets @p key only if it is absent or expired; true when this call set it.
  bool PutValueIfAbsent(const std::string& ns, const std::string& key, const std::string& value,
                        std::optional<int64_t> expires_ms = std::nullopt);
  /// Sets @p key to @p value only if its current value is @p expected (nullopt = absent or
  /// expired); true when swapped. The new value expires at @p expires_ms (nullopt = never).
  bool CompareAndSwapValue(const std::string& ns, const std::string& key,
                           const std::optional<std::string>& expected, const std::string& value,
                           std::optional<int64_t> expires_ms = std::nullopt);
  /// Every (key, value) of namespace @p ns whose key starts with @p key_prefix and that has not
  /// expired, by key.
  std::vector<std::pair<std::string, std::string>> ListValues(const std::string& ns,
                                                              const std::string& key_prefix);
  /// Deletes @p key; true when it existed (expired or not).
  bool DeleteValue(const std::string& ns, const std::string& key);
  /// Deletes every value with expires_ms <= @p now_ms; returns how many were deleted.
  int64_t PurgeExpired(int64_t now_ms);

  // --- Spool queues (hnotify) ---

  /// Adds @p payload_json to @p queue, due at @p not_before_ms; returns the new item's id.
  int64_t Enqueue(const std::string& queue, const std::string& payload_json, int64_t not_before_ms);
  /// Atomically claims the oldest item of @p queue due at @p now_ms: attempts is incremented and
  /// the item is leased (not due) until now_ms + lease_ms; nullopt when none is due.
  std::optional<QueueItem> Claim(const std::string& queue, int64_t now_ms, int64_t lease_ms);
  /// Removes item @p id after successful delivery. @p attempts is the fencing token: the
  /// attempts of the Claim (or 0 for an item never claimed, QueueItem::attempts for one listed);
  /// false when the item no longer exists or was claimed since (a run whose lease ran out then
  /// never removes another run's claim).
  bool Ack(int64_t id, int attempts);
  /// Ack, and in the same transaction, when the item was removed, appends @p logged to the
  /// delivery log: a notification is never logged twice, nor lost from both spool and log.
  bool Ack(int64_t id, int attempts, const Delivery& logged);
  /// Makes item @p id due again at @p not_before_ms, noting @p last_error; @p attempts fences as
  /// with Ack: false when the item no longer exists or was claimed since.
  bool Retry(int64_t id, int attempts, int64_t not_before_ms, const std::string& last_error);
  /// Every item of @p queue (due, leased or waiting), oldest first.
  std::vector<QueueItem> ListQueue(const std::string& queue);
  /// How many items @p queue holds (due, leased or waiting).
  int64_t QueueDepth(const std::string& queue);

  // --- Delivery log (hnotify) ---

  /// Appends @p entries to the delivery log in one transaction.
  void AppendDeliveries(const std::vector<Delivery>& entries);
  /// Log entries whose event key starts with @p key_prefix and since_ms <= time_ms < until_ms,
  /// oldest first.
  std::vector<Delivery> ListDeliveries(const std::string& key_prefix, int64_t since_ms,
                                       int64_t until_ms);
  /// The newest log entry of each of @p event_keys that has one, by event key: one index seek
  /// a key, however long the log.
  std::map<std::string, Delivery> LastDeliveries(const std::vector<std::string>& event_keys);
  /// Deletes log entries older than @p older_than_ms; returns how many were deleted.
  int64_t PruneDeliveries(int64_t older_than_ms);

  // --- Job runs (hjob-run) ---

  /// Records a new run of @p flow with status "running"; returns its id.
  int64_t StartRun(const std::string& flow, const std::string& params_json);
  /// Inserts or replaces the state of @p job in run @p run_id; throws when the run does not exist.
  void SetJobState(int64_t run_id, const std::string& job, const std::string& state,
                   std::optional<int> exit_code, int64_t started_ms, int64_t ended_ms,
                   const std::string& output_tail);
  /// The job states of run @p run_id, in the order their jobs were first recorded.
  std::vector<JobState> GetJobStates(int64_t run_id);
  /// Run @p run_id, or nullopt when it does not exist.
  std::optional<Run> GetRun(int64_t run_id);
  /// The most recently started run of @p flow, or nullopt when it never ran.
  std::optional<Run> LatestRun(const std::string& flow);
  /// Runs of @p flow ("" = of every flow), newest first, at most @p limit of them (limit <= 0:
  /// all).
  std::vector<Run> ListRuns(const std::string& flow, int limit);
  /// Finished runs (status not "running") that ended before @p ended_before_ms, oldest first.
  std::vector<Run> ListRunsEndedBefore(int64_t ended_before_ms);
  /// Sets the final @p status of run @p run_id and its end time; throws when it does not exist.
  void FinishRun(int64_t run_id, const std::string& status);
  /// Deletes finished runs (and their job states) that ended before @p older_than_ms; returns how
  /// many runs were deleted.
  int64_t PruneRuns(int64_t older_than_ms);
  /// Deletes run @p run_id and its job states in one transaction; false when it did not exist.
  bool DeleteRun(int64_t run_id);

  // --- Named cross-process locks ---
  // An open file description lock (fcntl F_OFD_SETLK) on a file in locks/ beside the database:
  // the kernel releases it when its holder exits, however it exits.

  /// Takes lock @p name; nullptr when another holder has it. Not reentrant: a second call, even
  /// in this process, fails while the first lock is held.
  std::unique_ptr<StateLock> TryLock(const std::string& name, const std::string& owner);
  /// Like TryLock, but waits up to @p timeout for the lock; nullptr on timeout.
  std::unique_ptr<StateLock> Lock(const std::string& name, const std::string& owner,
                                  std::chrono::milliseconds timeout);
  /// Who holds lock @p name now, or nullopt when nobody does.
  std::optional<LockHolder> GetLockHolder(const std::string& name);

 private:
  /// The connection's internals (defined in state.cpp).
  struct Impl;
  /// Wraps an opened connection.
  explicit StateStore(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

/// A held named lock; released on destruction (or by Release), and may outlive its StateStore.
/// Its file descriptor is close-on-exec, so programs the holder runs do not keep it; a child
/// forked without exec shares it until the child exits (and never releases it itself).
class StateLock {
 public:
  /// Releases the lock.
  ~StateLock();
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

  /// Releases the lock now; a no-op after the first call.
  void Release();
  /// True until Release: nobody can take the lock from a live holder.
  bool Held() const { return !released_; }
  /// The lock's name.
  const std::string& name() const { return name_; }

 private:
  friend class StateStore;
  /// Wraps @p fd, on which this process just took lock @p name.
  StateLock(int fd, std::string name);
  int fd_;
  std::string name_;
  int64_t pid_;  ///< the process that took the lock
  bool released_ = false;
};

}  // namespace hops

#endif  // HOPS_COMMON_STATE_HPP_
