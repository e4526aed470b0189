#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/state.hpp"
#include "tests/unit/testing/peer.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using testing::MakeTempDir;
using testing::WriteFile;

void Append(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::app);
  f << text;
}

const Perfdata* FindPerf(const CheckResult& r, const std::string& label) {
  for (const auto& p : r.perfdata) {
    if (p.label == label) return &p;
  }
  return nullptr;
}

double PerfValue(const CheckResult& r, const std::string& label) {
  const Perfdata* p = FindPerf(r, label);
  REQUIRE_MESSAGE(p != nullptr, "no perfdata '" << label << "' in " << r.summary);
  return p->value;
}

nagios::Thresholds Th(const std::string& warning, const std::string& critical) {
  nagios::Thresholds t;
  if (!warning.empty()) t.warning = nagios::ParseRange(warning, nullptr);
  if (!critical.empty()) t.critical = nagios::ParseRange(critical, nullptr);
  return t;
}

/// A log file in a fresh directory, a real state store and an injectable clock.
struct LogFixture {
  std::string dir = MakeTempDir("hops-log");
  std::string log = dir + "/app.log";
  std::unique_ptr<StateStore> store = StateStore::Open(dir + "/state.db");
  int64_t now = 1'800'000'000'000;
  std::unique_ptr<CheckType> type = MakeLogfileCheck();
  CheckSpec spec;

  LogFixture() {
    spec.monitor = "app-log";
    spec.type = "logfile";
    spec.target = log;
    spec.state_key = "app-log";
    spec.timeout = std::chrono::milliseconds(5000);
    spec.params.Add("critical_pattern", "ERROR");
    spec.params.Add("critical_pattern", "FATAL");
    spec.params.Add("warning_pattern", "WARN");
  }
  CheckContext Ctx() {
    CheckContext ctx;
    ctx.state = store.get();
    ctx.now_ms = [this] { return now; };
    return ctx;
  }
  CheckResult Run() {
    REQUIRE(type->Validate(spec) == "");
    return type->Run(spec, Ctx());
  }
};

}  // namespace

TEST_CASE("check_log: patterns are RE2 and see whole lines, however long") {
  LogFixture f;
  f.spec.params = Params();
  f.spec.params.Set("from_start", "true");
  f.spec.params.Add("critical_pattern", "took \\d{4,}ms");
  f.spec.params.Add("critical_pattern", "(a|b)*c");
  f.spec.params.Add("warning_pattern", "\\bslow\\b");
  // The 60 kB line holds its match near the end; the 64 kB line of a's cannot match (a|b)*c.
  WriteFile(f.log, std::string(60000, ' ') + "took 12345ms\n" + std::string(64 * 1024 - 1, 'a') + "\n" +
                       "slowly\n" + "too slow\n" + std::string("nul\0took 1000ms\n", 16));
  auto r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(PerfValue(r, "critical_lines") == 2);
  CHECK(PerfValue(r, "warning_lines") == 1);
  CHECK(PerfValue(r, "lines") == 5);
}

TEST_CASE("check_log: the first run starts at the end, then appended lines alert") {
  LogFixture f;
  WriteFile(f.log, "old ERROR that must not alert\nold WARN\n");
  auto r = f.Run();
  CHECK(r.state == State::kOk);
  CHECK(r.summary == "no matching lines in " + f.log + " (0 new lines)");
  CHECK(r.details["files"][0]["first_run"] == true);

  Append(f.log, "12:00 INFO fine\n12:01 ERROR disk on fire\n12:02 WARN slow\n");
  r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "1 critical, 1 warning lines in " + f.log + ": 12:01 ERROR disk on fire");
  CHECK(r.long_output == "[critical] 12:01 ERROR disk on fire\n[warning] 12:02 WARN slow");
  CHECK(PerfValue(r, "critical_lines") == 1);
  CHECK(PerfValue(r, "warning_lines") == 1);
  CHECK(PerfValue(r, "lines") == 3);
  CHECK(FindPerf(r, "lines")->uom == "");

  // Nothing new: OK again.
  r = f.Run();
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "lines") == 0);

  Append(f.log, "WARN only a warning\r\n");
  r = f.Run();
  CHECK(r.state == State::kWarning);
  CHECK(r.summary == "1 warning line in " + f.log + ": WARN only a warning");
}

TEST_CASE("check_log: a partial last line waits for its newline") {
  LogFixture f;
  WriteFile(f.log, "");
  f.Run();
  Append(f.log, "INFO a\nERROR par");
  auto r = f.Run();
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "lines") == 1);
  Append(f.log, "tial write\n");
  r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.long_output == "[critical] ERROR partial write");
}

TEST_CASE("check_log: rotation reads the rest of the old file, then the new one") {
  LogFixture f;
  WriteFile(f.log, "start\n");
  f.Run();
  Append(f.log, "ERROR written before the rotation\n");
  // logrotate's default: rename, then the application creates a new file.
  REQUIRE(std::rename(f.log.c_str(), (f.log + ".1").c_str()) == 0);
  Append(f.log + ".1", "FATAL written to the old descriptor\n");
  WriteFile(f.log, "ERROR first line of the new file\nINFO ok\n");
  auto r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(PerfValue(r, "critical_lines") == 3);
  CHECK(r.long_output.find("[critical] ERROR written before the rotation\n"
                           "[critical] FATAL written to the old descriptor\n"
                           "[critical] ERROR first line of the new file\n") == 0);
  CHECK(r.long_output.find("was rotated; read the rest of '" + f.log + ".1'") != std::string::npos);
  CHECK(r.details["files"][0]["rotated"] == true);

  // The new file is followed from where this run stopped.
  Append(f.log, "WARN after\n");
  r = f.Run();
  CHECK(r.state == State::kWarning);
  CHECK(PerfValue(r, "lines") == 1);

  // Rotated again, and the old file is already gone (compressed): a note, and the new file from 0.
  // The new file is created while the old one still exists: a file created after the unlink may
  // get the freed inode back (ext4 reuses it at once, more often while other tests create and
  // delete files), and the same inode with a smaller size is a truncation, not a rotation.
  Append(f.log, "ERROR lost with the old file\n");
  REQUIRE(std::rename(f.log.c_str(), (f.log + ".1").c_str()) == 0);
  WriteFile(f.log, "INFO new\n");
  REQUIRE(::unlink((f.log + ".1").c_str()) == 0);
  r = f.Run();
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "lines") == 1);
  CHECK(r.long_output.find("lines written before the rotation may be missed") != std::string::npos);
}

TEST_CASE("check_log: a custom rotated pattern finds a date-suffixed archive") {
  LogFixture f;
  f.spec.params.Set("rotated", "{path}-2*");
  WriteFile(f.log, "");
  f.Run();
  Append(f.log, "ERROR before\n");
  REQUIRE(std::rename(f.log.c_str(), (f.log + "-20261122").c_str()) == 0);
  WriteFile(f.log + "-20261121", "ERROR an older archive must not be read\n");
  WriteFile(f.log, "");
  auto r = f.Run();
  CHECK(PerfValue(r, "critical_lines") == 1);
  CHECK(r.long_output.find("[critical] ERROR before") == 0);
}

TEST_CASE("check_log: truncation restarts at the beginning") {
  LogFixture f;
  WriteFile(f.log, "a long first line that makes the file big enough\nanother line\n");
  f.Run();
  WriteFile(f.log, "ERROR after truncate\n");  // same inode, shorter than the saved offset
  auto r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "1 critical line in " + f.log + ": ERROR after truncate");
  CHECK(r.details["files"][0]["truncated"] == true);
}

TEST_CASE("check_log: a missing file is UNKNOWN and its offset is kept") {
  LogFixture f;
  WriteFile(f.log, "x\n");
  f.Run();
  Append(f.log, "ERROR before it went away\n");
  REQUIRE(std::rename(f.log.c_str(), (f.log + ".1").c_str()) == 0);
  auto r = f.Run();
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "cannot open '" + f.log + "': No such file or directory");
  CHECK(r.perfdata.empty());
  // When it comes back, the rest of the old file is still read.
  WriteFile(f.log, "");
  r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.long_output.find("ERROR before it went away") != std::string::npos);
}

TEST_CASE("check_log: from_start, excludes, ok_pattern and ignore_case") {
  LogFixture f;
  f.spec.params.Set("from_start", "true");
  f.spec.params.Add("exclude", "ERROR .*ignorable");
  f.spec.params.Add("ok_pattern", "service recovered");
  WriteFile(f.log,
            "ERROR an ignorable thing\n"
            "ERROR real one\n"
            "service recovered\n"
            "WARN after recovery\n"
            "error lower case\n");
  auto r = f.Run();
  CHECK(r.state == State::kWarning);  // the critical before "recovered" was forgotten
  CHECK(r.summary == "1 warning line in " + f.log + ": WARN after recovery");
  CHECK(PerfValue(r, "lines") == 5);

  LogFixture g;
  g.spec.params.Set("from_start", "true");
  g.spec.params.Set("ignore_case", "true");
  WriteFile(g.log, "error lower case\n");
  CHECK(g.Run().state == State::kCritical);
}

TEST_CASE("check_log: max_lines caps the listed lines, not the counts") {
  LogFixture f;
  f.spec.params.Set("from_start", "true");
  f.spec.params.Set("max_lines", "5");
  std::string text;
  for (int i = 0; i < 30; ++i) text += "ERROR number " + std::to_string(i) + "\n";
  WriteFile(f.log, text);
  auto r = f.Run();
  CHECK(PerfValue(r, "critical_lines") == 30);
  CHECK(r.details["matches"].size() == 5);
  CHECK(r.long_output ==
        "[critical] ERROR number 0\n[critical] ERROR number 1\n[critical] ERROR number 2\n"
        "[critical] ERROR number 3\n[critical] ERROR number 4\n... and 25 more matching lines");
}

TEST_CASE("check_log: thresholds on critical_lines replace the any-line rule") {
  LogFixture f;
  f.spec.params.Set("from_start", "true");
  f.spec.thresholds["critical_lines"] = Th("0", "4");
  WriteFile(f.log, "ERROR 1\nERROR 2\nERROR 3\n");
  auto r = f.Run();
  CHECK(r.state == State::kWarning);  // 3 > 0 warns, 3 <= 4 is not critical
  CHECK(FindPerf(r, "critical_lines")->crit == "4");
  Append(f.log, "ERROR 4\nERROR 5\nERROR 6\nERROR 7\nERROR 8\n");
  r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.summary.find("5 critical lines in ") == 0);
  CHECK(r.summary.find(", critical_lines critical") != std::string::npos);
  Append(f.log, "INFO quiet\n");
  CHECK(f.Run().state == State::kOk);
}

TEST_CASE("check_log: absent_pattern heartbeat with an injected clock") {
  LogFixture f;
  f.spec.params = Params();
  f.spec.params.Set("absent_pattern", "heartbeat");
  f.spec.params.Set("absent_period", "10m");
  WriteFile(f.log, "heartbeat before the first run\n");
  auto r = f.Run();  // first run: the period starts now
  CHECK(r.state == State::kOk);
  f.now += 5 * 60 * 1000;
  Append(f.log, "INFO busy\n");
  CHECK(f.Run().state == State::kOk);
  f.now += 6 * 60 * 1000;
  r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.summary == "no matching lines in " + f.log +
                         " (0 new lines); no line matching 'heartbeat' for 11m (period 10m)");
  CHECK(r.details["absent_age_ms"] == 11 * 60 * 1000);
  Append(f.log, "12:00 heartbeat\n");
  f.now += 60 * 1000;
  CHECK(f.Run().state == State::kOk);
  f.now += 9 * 60 * 1000;
  CHECK(f.Run().state == State::kOk);
  f.spec.params.Set("absent_state", "warning");
  f.now += 2 * 60 * 1000;
  r = f.Run();
  CHECK(r.state == State::kWarning);
  CHECK(r.summary.find("no line matching 'heartbeat' for 11m") != std::string::npos);
}

TEST_CASE("check_log: a glob target reads several files") {
  LogFixture f;
  f.spec.target = f.dir + "/*.log";
  WriteFile(f.dir + "/a.log", "");
  WriteFile(f.dir + "/b.log", "");
  auto r = f.Run();
  CHECK(r.summary == "no matching lines in 2 files (0 new lines)");
  Append(f.dir + "/b.log", "ERROR in b\n");
  r = f.Run();
  CHECK(r.summary == "1 critical line in " + f.dir + "/b.log: ERROR in b");
  CHECK(r.long_output == "[critical] " + f.dir + "/b.log: ERROR in b");
  Append(f.dir + "/a.log", "WARN in a\n");
  Append(f.dir + "/b.log", "ERROR in b again\n");
  r = f.Run();
  CHECK(r.summary == "1 critical, 1 warning lines in 2 files: ERROR in b again");

  f.spec.target = f.dir + "/*.nothing";
  r = f.Run();
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary == "no file matches '" + f.dir + "/*.nothing'");
}

TEST_CASE("check_log: binary junk and very long lines") {
  LogFixture f;
  f.spec.params.Set("from_start", "true");
  std::string junk("\x00\x01\xff\xfe ERROR \xc3\x28 bad utf-8 \x1b[31m\n", 30);
  junk += std::string(300 * 1024, 'z') + "\n";  // one 300 KiB line: cut into 64 KiB pieces
  junk += "tail ERROR \xe6\x97\xa5\xe6\x9c\xac\n";
  WriteFile(f.log, junk);
  auto r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(PerfValue(r, "critical_lines") == 2);
  CHECK(PerfValue(r, "lines") == 1 + 5 + 1);
  CHECK(r.long_output.find("[critical] ???? ERROR ?( bad utf-8 ?[31m") == 0);
  CHECK(r.long_output.find("tail ERROR \xe6\x97\xa5\xe6\x9c\xac") != std::string::npos);
  CHECK_NOTHROW((void)r.details.dump());  // strict UTF-8 dump
}

TEST_CASE("check_log: without a state store every run is a first run") {
  LogFixture f;
  WriteFile(f.log, "ERROR one\n");
  CheckContext ctx;  // no store, no clock
  auto r = f.type->Run(f.spec, ctx);
  CHECK(r.state == State::kOk);
  Append(f.log, "ERROR two\n");
  CHECK(f.type->Run(f.spec, ctx).state == State::kOk);
  f.spec.params.Set("from_start", "true");
  r = f.type->Run(f.spec, ctx);
  CHECK(PerfValue(r, "critical_lines") == 2);
}

TEST_CASE("check_log: the timeout saves progress and the next run goes on") {
  LogFixture f;
  f.spec.params.Set("from_start", "true");
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "INFO line " + std::to_string(i) + " of filler text\n";
  WriteFile(f.log, text);
  f.spec.timeout = std::chrono::milliseconds(1);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = f.Run();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  CHECK(r.state == State::kUnknown);
  CHECK(r.summary.find("timed out after 1ms reading '" + f.log + "'") != std::string::npos);
  const double first = PerfValue(r, "lines");
  CHECK(first < 200000);
  f.spec.timeout = std::chrono::milliseconds(20000);
  r = f.Run();
  CHECK(r.state == State::kOk);
  CHECK(first + PerfValue(r, "lines") == 200000);
}

TEST_CASE("check_log: a timeout inside a rotated file resumes in that file") {
  LogFixture f;
  WriteFile(f.log, "");
  f.Run();
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "INFO line " + std::to_string(i) + " of filler text\n";
  Append(f.log, text + "ERROR last line of the old file\n");
  REQUIRE(std::rename(f.log.c_str(), (f.log + ".1").c_str()) == 0);
  WriteFile(f.log, "WARN first line of the new file\n");
  f.spec.timeout = std::chrono::milliseconds(1);
  auto r = f.Run();
  CHECK(r.state == State::kUnknown);
  const double first = PerfValue(r, "lines");
  CHECK(first < 200000);
  f.spec.timeout = std::chrono::milliseconds(20000);
  r = f.Run();
  CHECK(r.state == State::kCritical);
  CHECK(r.summary.find("1 critical, 1 warning lines in ") == 0);
  CHECK(first + PerfValue(r, "lines") == 200002);
  Append(f.log, "INFO more\n");
  r = f.Run();
  CHECK(r.state == State::kOk);
  CHECK(PerfValue(r, "lines") == 1);
}

TEST_CASE("check_log: Validate") {
  auto type = MakeLogfileCheck();
  CheckSpec spec;
  spec.target = "/var/log/x.log";
  spec.params.Add("critical_pattern", "ERROR");
  CHECK(type->Validate(spec) == "");
  auto bad = [&](const std::string& key, const std::string& value) {
    CheckSpec s = spec;
    s.params.Set(key, value);
    return type->Validate(s);
  };
  CHECK(bad("critical_pattern", "(oops").find("'critical_pattern': invalid regular expression '(oops'") == 0);
  CHECK(bad("exclude", "[z").find("'exclude': invalid regular expression") == 0);
  CHECK(bad("max_lines", "lots") == "'max_lines' must be a number from 0 to 10000, not 'lots'");
  CHECK(bad("from_start", "sometimes") == "'from_start' must be true, false, yes, no, on or off (any case), not 'sometimes'");
  // Booleans are read one way by every type: any case, no 1/0.
  CHECK(bad("from_start", "True") == "");
  CHECK(bad("ignore_case", "OFF") == "");
  CHECK(bad("ignore_case", "1") == "'ignore_case' must be true, false, yes, no, on or off (any case), not '1'");
  CHECK(bad("absent_pattern", "beat") == "'absent_pattern' needs 'absent_period' (such as 15m)");
  CHECK(bad("absent_period", "5m") == "'absent_period' needs 'absent_pattern'");
  CheckSpec a = spec;
  a.params.Set("absent_pattern", "beat");
  a.params.Set("absent_period", "soon");
  CHECK(type->Validate(a) == "'absent_period' must be a positive duration such as 15m, not 'soon'");
  a.params.Set("absent_period", "5m");
  a.params.Set("absent_state", "ok");
  CHECK(type->Validate(a) == "'absent_state' must be warning, critical or unknown, not 'ok'");
  CheckSpec none;
  none.target = "/x";
  CHECK(type->Validate(none) ==
        "give at least one of 'critical_pattern', 'warning_pattern' or 'absent_pattern'");
  none.target = "";
  CHECK(type->Validate(none) == "'target' is missing: give a log file path or glob");
}

}  // namespace hops::mon
