// IANA time zones read one TZif file at a time from the system's tz database (via cctz), so that a
// question about one zone never lists or reads the others.
#ifndef HOPS_COMMON_ZONE_HPP_
#define HOPS_COMMON_ZONE_HPP_

#include <date/date.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hops {

/// How a local (wall-clock) time maps to instants in a zone.
struct LocalLookup {
  enum class Kind {
    kUnique,    ///< exactly one instant has this local time
    kSkipped,   ///< the local time does not exist (clocks went forward over it)
    kRepeated,  ///< the local time happens twice (clocks went back over it)
  };
  Kind kind = Kind::kUnique;
  /// kUnique: the instant; kRepeated: the earlier of the two; kSkipped: the instant the gap ends.
  date::sys_seconds instant;
  /// kRepeated: the later of the two instants; otherwise the same as @ref instant.
  date::sys_seconds later;
};

/// A time zone of the tz database. Obtained from FindZone() or LocalZone(); lives until the process
/// ends, so pointers to it can be kept and compared. Its TZif file is read on the first question
/// asked of it (a zone only named is never read). Safe to use from several threads at once.
class TimeZone {
 public:
  ~TimeZone();
  TimeZone(const TimeZone&) = delete;
  TimeZone& operator=(const TimeZone&) = delete;

  /// The IANA name it was found under ("Asia/Tokyo").
  const std::string& name() const { return name_; }
  /// The offset from UTC in force at @p t (local = UTC + offset). This and the other questions
  /// throw RuntimeError when the zone's file cannot be read or is not a TZif file.
  std::chrono::seconds OffsetAt(date::sys_seconds t) const;
  /// The local wall-clock time of @p t.
  date::local_seconds ToLocal(date::sys_seconds t) const { return date::local_seconds{(t + OffsetAt(t)).time_since_epoch()}; }
  /// The instant(s) of local time @p t.
  LocalLookup FromLocal(date::local_seconds t) const;

 private:
  struct Impl;
  friend const TimeZone* FindZone(const std::string& name);
  explicit TimeZone(std::string name);
  const Impl& Loaded() const;  ///< reads the zone on first use
  std::string name_;
  mutable std::mutex load_mu_;
  mutable std::unique_ptr<Impl> owned_;       ///< guarded by load_mu_
  mutable std::atomic<const Impl*> impl_{nullptr};  ///< set once owned_ is loaded
};

/// The zone named @p name ("Asia/Tokyo", "UTC") when $TZDIR (default /usr/share/zoneinfo) has a file
/// of that name; nullptr when the name is malformed or there is none. Only looks the file up: it is
/// read when the zone is first asked a question.
const TimeZone* FindZone(const std::string& name);

/// The zone named by $TZ, else by /etc/localtime (or /etc/timezone), else UTC.
const TimeZone* LocalZone();

/// Every zone name of the tz database, sorted (walks the whole tree: for messages, not questions).
std::vector<std::string> AllZoneNames();

/// "2026-05-08T17:00:00+09:00" (with @p zone's offset at @p t), or "...Z" when @p zone is null.
std::string FormatInstant(date::sys_seconds t, const TimeZone* zone);

}  // namespace hops

#endif  // HOPS_COMMON_ZONE_HPP_
