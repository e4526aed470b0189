// The logfile check (check_logfiles parity): scans the lines appended to one or more log files
// since the previous run for critical and warning patterns, follows rotation and truncation, and
// raises a heartbeat alert when a line that should keep coming has not been seen for a while.
//
// Per file, the state store (namespace "logfile", key "<state_key>|<path>") keeps a JSON record
// {"dev", "ino", "offset", "seen_ms"}: the file's identity, the offset just after the last complete
// line read, and when a line matching absent_pattern was last seen (the first run counts as seen,
// so a heartbeat check starts with a full period of grace). The records never expire.
//
// One run, per file:
//   - no record (first run, or no state store): start at the end of the file, or at its start with
//     `from_start: true`; nothing before that point alerts;
//   - same device and inode, size >= offset: read from the offset (plain append);
//   - same file but smaller than the offset: it was truncated (copytruncate), read from 0;
//   - another device/inode: it was rotated. The rest of the old file is read through the `rotated`
//     glob ("{path}" stands for the file's path; default "{path}.*"): the candidate with the old
//     device and inode is read from the old offset to its end, then the new file from 0. When no
//     candidate has the old inode (compressed at once, deleted), a note says lines may be missed.
//   - a last line without its newline is left for the next run (an old rotated file is final, so
//     its last line is taken whole); a line longer than 64 KiB is cut into 64 KiB pieces.
//
// Line matching, in order: absent_pattern marks the heartbeat seen; an ok_pattern match forgets
// the matches found so far in this file in this run (a recovery message); then critical_pattern
// (else warning_pattern) makes a critical (warning) line unless an `exclude` pattern matches too.
// Patterns are RE2 regexes (cmd/hmon-check/regex.hpp), optionally `ignore_case`.
//
// Result: measures critical_lines (primary), warning_lines and lines (lines read), plain counts
// for this run. Without thresholds any critical line is CRITICAL and any warning line WARNING; a
// threshold on critical_lines (or warning_lines) replaces that rule for those lines, so
// `critical: "4"` alerts only from the fifth critical line (check_logfiles' criticalthreshold). A
// missed heartbeat is `absent_state` (default CRITICAL); a file that cannot be read is UNKNOWN.
// On the timeout the offsets reached so far are saved, the matches so far are reported, and the
// state is at least UNKNOWN ("timed out after 5s reading ..."), the rest being read next run.
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/regex.hpp"
#include "common/state.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;

constexpr const char* kStateNs = "logfile";
constexpr size_t kMaxLineBytes = 64 * 1024;
constexpr size_t kMaxShownLineBytes = 300;
constexpr size_t kMaxSummaryLineBytes = 120;
constexpr int kDefaultMaxLines = 20;
constexpr const char* kDefaultRotated = "{path}.*";

/// The compiled patterns of one check.
struct Patterns {
  std::vector<Regex> critical, warning, ok, exclude;
  std::optional<Regex> absent;

  static bool AnyMatch(const std::vector<Regex>& list, std::string_view line) {
    for (const auto& re : list) {
      if (re.Search(line)) return true;
    }
    return false;
  }
};

/// Compiles every pattern parameter; "" or a message naming the key.
std::string CompilePatterns(const Params& p, Patterns* out) {
  const RegexOptions options{p.Bool("ignore_case")};
  struct Slot {
    const char* key;
    std::vector<Regex>* list;
  };
  for (Slot s : {Slot{"critical_pattern", &out->critical}, Slot{"warning_pattern", &out->warning},
                 Slot{"ok_pattern", &out->ok}, Slot{"exclude", &out->exclude}}) {
    for (const std::string& pat : p.All(s.key)) {
      std::string err;
      if (pat.empty()) return "'" + std::string(s.key) + "' has an empty pattern";
      auto re = Regex::Compile(pat, options, &err);
      if (!re) return "'" + std::string(s.key) + "': " + err;
      s.list->push_back(std::move(*re));
    }
  }
  if (auto a = p.Get("absent_pattern")) {
    if (a->empty()) return "'absent_pattern' is empty";
    std::string err;
    out->absent = Regex::Compile(*a, options, &err);
    if (!out->absent) return "'absent_pattern': " + err;
  }
  return "";
}

/// A matched line.
struct Match {
  State severity;
  std::string path;
  std::string text;  // already made printable
};

/// The stored record of one file.
struct FileRecord {
  uint64_t dev = 0;
  uint64_t ino = 0;
  int64_t offset = 0;
  int64_t seen_ms = 0;
};

std::optional<FileRecord> ParseRecord(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  FileRecord r;
  try {
    r.dev = j.at("dev").get<uint64_t>();
    r.ino = j.at("ino").get<uint64_t>();
    r.offset = j.at("offset").get<int64_t>();
    r.seen_ms = j.value("seen_ms", int64_t{0});
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (r.offset < 0) r.offset = 0;
  return r;
}

std::string RecordText(const FileRecord& r) {
  nlohmann::ordered_json j;
  j["dev"] = r.dev;
  j["ino"] = r.ino;
  j["offset"] = r.offset;
  j["seen_ms"] = r.seen_ms;
  return j.dump();
}

/// What one run found in one file.
struct FileScan {
  std::string path;
  std::string error;           // why it could not be read; "" when it was
  std::vector<std::string> notes;
  int64_t lines = 0;
  int64_t critical = 0;
  int64_t warning = 0;
  std::vector<Match> matches;  // at most max_lines
  bool first_run = false;
  bool rotated = false;
  bool truncated = false;
  bool timed_out = false;
  int64_t offset = 0;          // where the next run starts
  int64_t size = 0;
  int64_t seen_ms = 0;         // absent_pattern last seen
};

/// Reads the lines of @p fd from @p offset, calling @p on_line for each complete one; returns the
/// offset after the last line consumed. A last line without newline is consumed only when @p final.
int64_t ReadLines(int fd, int64_t offset, bool final, Clock::time_point deadline,
                  const std::function<void(std::string_view)>& on_line, bool* timed_out,
                  std::string* error) {
  // A line longer than kMaxLineBytes is handed on in kMaxLineBytes pieces from its start.
  auto emit = [&on_line](std::string_view line) {
    while (line.size() > kMaxLineBytes) {
      on_line(line.substr(0, kMaxLineBytes));
      line.remove_prefix(kMaxLineBytes);
    }
    on_line(line);
  };
  std::string pending;
  int64_t line_start = offset;
  int64_t pos = offset;
  std::vector<char> buf(64 * 1024);
  while (true) {
    if (Clock::now() >= deadline) {
      *timed_out = true;
      return line_start;
    }
    const ssize_t n = ::pread(fd, buf.data(), buf.size(), pos);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::strerror(errno);
      return line_start;
    }
    if (n == 0) break;
    pos += n;
    pending.append(buf.data(), static_cast<size_t>(n));
    size_t begin = 0;
    while (true) {
      const size_t nl = pending.find('\n', begin);
      if (nl == std::string::npos) break;
      emit(std::string_view(pending).substr(begin, nl - begin));
      begin = nl + 1;
    }
    while (pending.size() - begin > kMaxLineBytes) {
      on_line(std::string_view(pending).substr(begin, kMaxLineBytes));
      begin += kMaxLineBytes;
    }
    pending.erase(0, begin);
    line_start += static_cast<int64_t>(begin);
  }
  if (final && !pending.empty()) {
    emit(pending);
    line_start += static_cast<int64_t>(pending.size());
  }
  return line_start;
}

/// The paths @p pattern matches, sorted; empty when none.
std::vector<std::string> Glob(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;
}

bool HasGlobMeta(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  size_t pos = 0;
  while ((pos = s.find(from, pos)) != std::string::npos) {
    s.replace(pos, from.size(), to);
    pos += to.size();
  }
  return s;
}

/// Everything a file scan needs besides the file.
struct ScanContext {
  const CheckSpec* spec;
  const Patterns* patterns;
  StateStore* store;
  int64_t now_ms;
  Clock::time_point deadline;
  size_t max_lines;
  bool from_start;
  std::string rotated;  // glob with {path}
};

/// The line handler of a scan.
std::function<void(std::string_view)> LineHandler(const ScanContext& sc, FileScan* scan) {
  return [&sc, scan](std::string_view line) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++scan->lines;
    const Patterns& p = *sc.patterns;
    if (p.absent && p.absent->Search(line)) scan->seen_ms = sc.now_ms;
    if (Patterns::AnyMatch(p.ok, line)) {
      scan->critical = 0;
      scan->warning = 0;
      scan->matches.clear();
      return;
    }
    State sev;
    if (Patterns::AnyMatch(p.critical, line)) {
      sev = State::kCritical;
    } else if (Patterns::AnyMatch(p.warning, line)) {
      sev = State::kWarning;
    } else {
      return;
    }
    if (Patterns::AnyMatch(p.exclude, line)) return;
    ++(sev == State::kCritical ? scan->critical : scan->warning);
    if (scan->matches.size() < sc.max_lines)
      scan->matches.push_back({sev, scan->path, Printable(line, kMaxShownLineBytes)});
  };
}

/// Reads what is new in @p path and saves the new record.
FileScan ScanFile(const ScanContext& sc, const std::string& path) {
  FileScan scan;
  scan.path = path;
  const std::string key = sc.spec->state_key + "|" + path;
  std::optional<std::string> old_text;
  if (sc.store) {
    try {
      old_text = sc.store->GetValue(kStateNs, key);
    } catch (const std::exception& e) {
      scan.error = "cannot read the saved offset of " + Quote(path) + ": " + e.what();
      return scan;
    }
  }
  FileRecord saved;
  bool has_saved = false;
  if (old_text) {
    if (auto parsed = ParseRecord(*old_text)) {
      saved = *parsed;
      has_saved = true;
    }
  }
  const FileRecord* rec = has_saved ? &saved : nullptr;

  // O_NONBLOCK so that a FIFO cannot block the open; regular files ignore it.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    scan.error = "cannot open " + Quote(path) + ": " + std::strerror(errno);
    return scan;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    scan.error = S_ISREG(st.st_mode) ? "cannot stat " + Quote(path) + ": " + std::strerror(errno)
                                     : Quote(path) + " is not a regular file";
    ::close(fd);
    return scan;
  }
  scan.size = st.st_size;
  std::optional<FileRecord> rotated_identity;  // set when the old file is not finished
  const auto on_line = LineHandler(sc, &scan);
  int64_t offset = 0;
  if (!rec) {
    scan.first_run = true;
    scan.seen_ms = sc.now_ms;
    offset = sc.from_start ? 0 : st.st_size;
  } else {
    scan.seen_ms = rec->seen_ms;
    if (rec->dev != static_cast<uint64_t>(st.st_dev) || rec->ino != static_cast<uint64_t>(st.st_ino)) {
      scan.rotated = true;
      const std::string pattern = ReplaceAll(sc.rotated, "{path}", path);
      int64_t old_progress = 0;
      bool found = false;
      for (const std::string& cand : Glob(pattern)) {
        struct stat cst {};
        if (::stat(cand.c_str(), &cst) != 0 || !S_ISREG(cst.st_mode) ||
            static_cast<uint64_t>(cst.st_dev) != rec->dev ||
            static_cast<uint64_t>(cst.st_ino) != rec->ino)
          continue;
        const int old_fd = ::open(cand.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (old_fd < 0) continue;
        found = true;
        std::string error;
        const int64_t from = rec->offset <= cst.st_size ? rec->offset : 0;
        old_progress = ReadLines(old_fd, from, true, sc.deadline, on_line, &scan.timed_out, &error);
        ::close(old_fd);
        scan.notes.push_back(Quote(path) + " was rotated; read the rest of " + Quote(cand));
        if (!error.empty()) scan.notes.push_back("cannot read " + Quote(cand) + ": " + error);
        break;
      }
      if (!found)
        scan.notes.push_back(Quote(path) + " was rotated and no file matching " + Quote(pattern) +
                             " is the old one; lines written before the rotation may be missed");
      offset = 0;
      if (scan.timed_out) {
        // Out of time inside the old file: keep following it, so the next run finishes it.
        rotated_identity = FileRecord{rec->dev, rec->ino, old_progress, 0};
      }
    } else if (st.st_size < rec->offset) {
      scan.truncated = true;
      scan.notes.push_back(Quote(path) + " was truncated; reading it from the start");
      offset = 0;
    } else {
      offset = rec->offset;
    }
  }
  std::string error;
  if (!scan.timed_out) {
    scan.offset = ReadLines(fd, offset, false, sc.deadline, on_line, &scan.timed_out, &error);
  } else {
    scan.offset = rotated_identity ? rotated_identity->offset : offset;
  }
  ::close(fd);
  if (!error.empty()) scan.error = "cannot read " + Quote(path) + ": " + error;

  if (sc.store) {
    FileRecord next;
    next.dev = rotated_identity ? rotated_identity->dev : static_cast<uint64_t>(st.st_dev);
    next.ino = rotated_identity ? rotated_identity->ino : static_cast<uint64_t>(st.st_ino);
    next.offset = scan.offset;
    next.seen_ms = scan.seen_ms;
    try {
      // Compare-and-swap: when another run moved the offset meanwhile, it reported these lines.
      if (!sc.store->CompareAndSwapValue(kStateNs, key, old_text, RecordText(next))) {
        scan.error = "the saved offset of " + Quote(path) + " was changed by another run meanwhile";
        scan.critical = scan.warning = 0;
        scan.matches.clear();
      }
    } catch (const std::exception& e) {
      scan.error = "cannot save the offset of " + Quote(path) + ": " + e.what();
    }
  }
  return scan;
}

std::string Plural(int64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

Perfdata Count(const std::string& label, int64_t n) {
  Perfdata p;
  p.label = label;
  p.value = static_cast<double>(n);
  p.min = 0.0;
  return p;
}

class LogfileCheck : public CheckType {
 public:
  std::string Name() const override { return "logfile"; }
  std::vector<std::string> ParamKeys() const override {
    return {"critical_pattern", "warning_pattern", "ok_pattern", "exclude", "ignore_case",
            "max_lines", "from_start", "absent_pattern", "absent_period", "absent_state", "rotated"};
  }
  std::vector<std::string> PatternKeys() const override {
    return {"critical_pattern", "warning_pattern", "ok_pattern", "exclude", "absent_pattern"};
  }
  std::vector<std::string> Measures() const override {
    return {"critical_lines", "warning_lines", "lines"};
  }

  std::string Validate(const CheckSpec& spec) const override {
    const Params& p = spec.params;
    if (spec.target.empty()) return "'target' is missing: give a log file path or glob";
    for (const char* key : {"ignore_case", "from_start"}) {
      if (std::string err = p.CheckBool(key); !err.empty()) return err;
    }
    Patterns patterns;
    if (std::string err = CompilePatterns(p, &patterns); !err.empty()) return err;
    if (patterns.critical.empty() && patterns.warning.empty() && !patterns.absent)
      return "give at least one of 'critical_pattern', 'warning_pattern' or 'absent_pattern'";
    if (auto v = p.Get("max_lines"); v && !ParseLong(*v, 0, 10000))
      return "'max_lines' must be a number from 0 to 10000, not " + Quote(*v);
    const bool has_pattern = p.Has("absent_pattern"), has_period = p.Has("absent_period");
    if (has_pattern && !has_period) return "'absent_pattern' needs 'absent_period' (such as 15m)";
    if (has_period && !has_pattern) return "'absent_period' needs 'absent_pattern'";
    if (auto v = p.Get("absent_period")) {
      auto d = ParseDuration(*v);
      if (!d || d->count() <= 0) return "'absent_period' must be a positive duration such as 15m, not " + Quote(*v);
    }
    if (auto v = p.Get("absent_state")) {
      auto s = nagios::ParseStateWord(*v);
      if (!s || *s == State::kOk)
        return "'absent_state' must be warning, critical or unknown, not " + Quote(*v);
      if (!has_pattern) return "'absent_state' needs 'absent_pattern'";
    }
    if (auto v = p.Get("rotated"); v && v->empty()) return "'rotated' is empty";
    return "";
  }

  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override {
    const auto start = Clock::now();
    CheckResult r = Scan(spec, ctx, start);
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return r;
  }

 private:
  CheckResult Scan(const CheckSpec& spec, const CheckContext& ctx, Clock::time_point start) const {
    const Params& p = spec.params;
    CheckResult r;
    Patterns patterns;
    if (std::string err = CompilePatterns(p, &patterns); !err.empty()) {
      r.summary = err;
      return r;
    }
    ScanContext sc;
    sc.spec = &spec;
    sc.patterns = &patterns;
    sc.store = ctx.state;
    sc.now_ms = ctx.now_ms ? ctx.now_ms()
                           : std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count();
    sc.deadline = start + spec.timeout;
    sc.max_lines = kDefaultMaxLines;
    if (auto v = p.Get("max_lines"))
      sc.max_lines = static_cast<size_t>(ParseLong(*v, 0, 10000).value_or(kDefaultMaxLines));
    sc.from_start = p.Bool("from_start");
    sc.rotated = p.Get("rotated").value_or(kDefaultRotated);

    std::vector<std::string> paths;
    if (HasGlobMeta(spec.target)) {
      paths = Glob(spec.target);
      if (paths.empty()) {
        r.summary = "no file matches " + Quote(spec.target);
        return r;
      }
    } else {
      paths.push_back(spec.target);
    }

    std::vector<FileScan> scans;
    for (const std::string& path : paths) scans.push_back(ScanFile(sc, path));

    int64_t critical = 0, warning = 0, lines = 0;
    std::vector<std::string> errors, notes;
    std::vector<const Match*> shown;
    std::optional<int64_t> last_seen;
    std::string timed_out_path;
    int read_files = 0;
    nlohmann::ordered_json files = nlohmann::ordered_json::array();
    for (const FileScan& s : scans) {
      critical += s.critical;
      warning += s.warning;
      lines += s.lines;
      for (const auto& m : s.matches) {
        if (shown.size() < sc.max_lines) shown.push_back(&m);
      }
      for (const auto& n : s.notes) notes.push_back(n);
      if (!s.error.empty()) errors.push_back(s.error);
      if (s.error.empty() || s.lines > 0) {
        ++read_files;
        if (!last_seen || s.seen_ms > *last_seen) last_seen = s.seen_ms;
      }
      if (s.timed_out && timed_out_path.empty()) timed_out_path = s.path;
      nlohmann::ordered_json f;
      f["path"] = s.path;
      f["size"] = s.size;
      f["offset"] = s.offset;
      f["lines"] = s.lines;
      f["critical_lines"] = s.critical;
      f["warning_lines"] = s.warning;
      f["first_run"] = s.first_run;
      f["rotated"] = s.rotated;
      f["truncated"] = s.truncated;
      if (!s.error.empty()) f["error"] = s.error;
      files.push_back(std::move(f));
    }

    // The state from the matches; thresholds on a count take over that count's rule.
    State state = State::kOk;
    if (critical > 0 && !spec.thresholds.count("critical_lines")) state = State::kCritical;
    if (warning > 0 && !spec.thresholds.count("warning_lines")) state = nagios::WorstOf(state, State::kWarning);

    // Which files had matches, for "in <path>" or "in N files".
    std::vector<std::string> matched_paths;
    for (const FileScan& s : scans) {
      if (s.critical + s.warning > 0) matched_paths.push_back(s.path);
    }
    std::string where = paths.size() == 1 ? paths[0] : std::to_string(paths.size()) + " files";
    if (matched_paths.size() == 1) where = matched_paths[0];
    else if (matched_paths.size() > 1) where = std::to_string(matched_paths.size()) + " files";

    std::vector<std::string> parts;
    if (critical + warning > 0) {
      std::string counts;
      if (critical > 0) counts = std::to_string(critical) + " critical";
      if (warning > 0) counts += (counts.empty() ? "" : ", ") + std::to_string(warning) + " warning";
      counts += critical + warning == 1 ? " line in " : " lines in ";
      std::string text = counts + where;
      const Match* first = nullptr;
      for (const Match* m : shown) {
        if (m->severity == State::kCritical) {
          first = m;
          break;
        }
      }
      if (!first && !shown.empty()) first = shown.front();
      if (first) text += ": " + Printable(first->text, kMaxSummaryLineBytes);
      parts.push_back(text);
    } else if (read_files > 0) {
      parts.push_back("no matching lines in " + where + " (" + Plural(lines, "new line") + ")");
    }

    const std::optional<std::string> absent_pattern = p.Get("absent_pattern");
    int64_t absent_age_ms = -1;
    if (absent_pattern && last_seen) {
      const auto period = ParseDuration(p.Get("absent_period").value_or("")).value_or(std::chrono::milliseconds(0));
      absent_age_ms = sc.now_ms - *last_seen;
      if (period.count() > 0 && absent_age_ms > period.count()) {
        const State absent_state = nagios::ParseStateWord(p.Get("absent_state").value_or("critical"))
                                       .value_or(State::kCritical);
        state = nagios::WorstOf(state, absent_state);
        parts.push_back("no line matching " + Quote(*absent_pattern) + " for " +
                        FormatDuration(std::chrono::milliseconds(absent_age_ms / 1000 * 1000)) +
                        " (period " + FormatDuration(period) + ")");
      }
    }
    for (const std::string& e : errors) parts.push_back(e);
    if (!timed_out_path.empty())
      parts.push_back("timed out after " + FormatDuration(spec.timeout) + " reading " + Quote(timed_out_path));
    if (!errors.empty() || !timed_out_path.empty()) state = nagios::WorstOf(state, State::kUnknown);

    for (size_t i = 0; i < parts.size(); ++i) r.summary += (i ? "; " : "") + parts[i];
    for (const Match* m : shown) {
      if (!r.long_output.empty()) r.long_output += '\n';
      r.long_output += std::string(m->severity == State::kCritical ? "[critical] " : "[warning] ") +
                       (paths.size() > 1 ? m->path + ": " : "") + m->text;
    }
    if (static_cast<int64_t>(shown.size()) < critical + warning) {
      if (!r.long_output.empty()) r.long_output += '\n';
      r.long_output += "... and " + Plural(critical + warning - static_cast<int64_t>(shown.size()), "more matching line");
    }
    for (const std::string& n : notes) {
      if (!r.long_output.empty()) r.long_output += '\n';
      r.long_output += n;
    }

    r.state = state;
    const bool all_failed = read_files == 0;
    if (!all_failed) {
      r.perfdata.push_back(Count("critical_lines", critical));
      r.perfdata.push_back(Count("warning_lines", warning));
      r.perfdata.push_back(Count("lines", lines));
      ApplyThresholds(spec.thresholds, &r);
    }
    r.details["critical_lines"] = critical;
    r.details["warning_lines"] = warning;
    r.details["lines"] = lines;
    if (absent_pattern && last_seen) {
      r.details["absent_last_seen_ms"] = *last_seen;
      r.details["absent_age_ms"] = absent_age_ms;
    }
    nlohmann::ordered_json m = nlohmann::ordered_json::array();
    for (const Match* x : shown) {
      nlohmann::ordered_json j;
      j["severity"] = nagios::StateWord(x->severity);
      j["path"] = x->path;
      j["line"] = x->text;
      m.push_back(std::move(j));
    }
    r.details["matches"] = std::move(m);
    r.details["files"] = std::move(files);
    return r;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeLogfileCheck() { return std::make_unique<LogfileCheck>(); }

}  // namespace hops::mon
