#include "common/event.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <string>

#include "common/error.hpp"

namespace hops {
namespace {

using std::chrono::milliseconds;
using std::chrono::system_clock;

/// 2026-11-22T00:00:00.123Z.
system_clock::time_point SampleTime() {
  return system_clock::time_point(milliseconds(1'795'305'600'123));
}

Event SampleDay() {
  Event e;
  e.time = SampleTime();
  e.host = "ops1";
  e.tool = "hcal";
  e.kind = "calendar.day";
  e.key = "hcal/biz/2026-11-23";
  e.status = "closed";
  e.severity = "info";
  e.summary = "2026-11-23 is closed in 'biz': 勤労感謝の日";
  e.calendar = "biz";
  e.data = {{"date", "2026-11-23"}, {"holiday", "勤労感謝の日"}};
  return e;
}

/// A valid minimal event as JSON, for the validation tests to break.
nlohmann::json ValidJson() {
  return nlohmann::json::parse(R"({"v":1,"time":"2026-11-22T00:00:00.123Z","tool":"hcal",
      "host":"ops1","kind":"calendar.state","key":"hcal/biz","status":"open","severity":"info",
      "summary":"biz is open"})");
}

/// The message EventFromJson throws for @p j; also checks the error kind.
std::string FromJsonError(const nlohmann::json& j) {
  try {
    EventFromJson(j);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::kDefinition);
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("event: Severity names") {
  CHECK(std::string(SeverityName(Severity::kInfo)) == "info");
  CHECK(std::string(SeverityName(Severity::kOk)) == "ok");
  CHECK(std::string(SeverityName(Severity::kWarning)) == "warning");
  CHECK(std::string(SeverityName(Severity::kCritical)) == "critical");
  CHECK(std::string(SeverityName(Severity::kUnknown)) == "unknown");
  CHECK(ParseSeverity("critical") == Severity::kCritical);
  CHECK(ParseSeverity("info") == Severity::kInfo);
  CHECK_FALSE(ParseSeverity("CRITICAL").has_value());
  CHECK_FALSE(ParseSeverity("error").has_value());
  CHECK_FALSE(ParseSeverity("").has_value());
}

TEST_CASE("event: FormatTimestamp is UTC with milliseconds, rounded down") {
  CHECK(FormatTimestamp(SampleTime()) == "2026-11-22T00:00:00.123Z");
  CHECK(FormatTimestamp(system_clock::time_point{}) == "1970-01-01T00:00:00.000Z");
  CHECK(FormatTimestamp(SampleTime() + std::chrono::microseconds(999)) ==
        "2026-11-22T00:00:00.123Z");
  CHECK(FormatTimestamp(system_clock::time_point{} - std::chrono::microseconds(1)) ==
        "1969-12-31T23:59:59.999Z");
  CHECK(FormatTimestamp(system_clock::time_point(milliseconds(951'825'599'999))) ==
        "2000-02-29T11:59:59.999Z");
}

TEST_CASE("event: ParseTimestamp") {
  CHECK(ParseTimestamp("2026-11-22T00:00:00.123Z") == SampleTime());
  CHECK(ParseTimestamp("2026-11-22t09:00:00.123+09:00") == SampleTime());
  CHECK(ParseTimestamp("2026-11-21T23:30:00.123-00:30") == SampleTime());
  CHECK(ParseTimestamp("2026-11-22T00:00:00.12300z") == SampleTime());
  CHECK(ParseTimestamp("2026-11-22T00:00:00Z") == SampleTime() - milliseconds(123));
  CHECK(ParseTimestamp("2026-11-22T00:00:00.000000001Z") ==
        SampleTime() - milliseconds(123) + std::chrono::nanoseconds(1));
  for (const char* bad :
       {"", "2026-11-22", "2026-11-22T00:00:00", "2026-11-22 00:00:00Z", "2026-02-30T00:00:00Z",
        "2026-11-22T24:00:00Z", "2026-11-22T00:60:00Z", "2026-11-22T00:00:60Z",
        "2026-11-22T00:00:00.Z", "2026-11-22T00:00:00.1234567890Z", "2026-11-22T00:00:00+0900",
        "2026-11-22T00:00:00+24:00", "2026-11-22T00:00:00Z ", "26-11-22T00:00:00Z",
        "2026-11-22T0:00:00Z"}) {
    CAPTURE(bad);
    CHECK_FALSE(ParseTimestamp(bad).has_value());
  }
}

TEST_CASE("event: EventToJson writes required fields in schema order and omits unset ones") {
  const Event e = SampleDay();
  CHECK(EventToJson(e).dump() ==
        R"({"v":1,"time":"2026-11-22T00:00:00.123Z","tool":"hcal","host":"ops1",)"
        R"("kind":"calendar.day","key":"hcal/biz/2026-11-23","status":"closed","severity":"info",)"
        R"("summary":"2026-11-23 is closed in 'biz': 勤労感謝の日","calendar":"biz",)"
        R"("data":{"date":"2026-11-23","holiday":"勤労感謝の日"}})");
}

TEST_CASE("event: EventToJson with every optional field") {
  Event e;
  e.time = SampleTime();
  e.host = "web1";
  e.tool = "hmon-check";
  e.kind = "monitor.result";
  e.key = "hmon/web1/disk-root";
  e.status = "warning";
  e.severity = "warning";
  e.summary = "DISK WARNING - / 85% used";
  e.previous_status = "ok";
  e.changed = true;
  e.calendar = "biz";
  e.monitor = "disk-root";
  e.job = "nightly";
  e.node = "backup";
  e.scope = "prod";
  e.runbook = "https://wiki.example.com/runbooks/disk";
  e.duration_ms = 12.5;
  e.perfdata.push_back({"/", 85, "%", "80", "90", 0.0, 100.0});
  e.perfdata.push_back({"load1", std::nan(""), "", "", "", std::nullopt, std::nullopt});
  e.data = nlohmann::ordered_json::object();
  CHECK(EventToJson(e).dump() ==
        R"({"v":1,"time":"2026-11-22T00:00:00.123Z","tool":"hmon-check","host":"web1",)"
        R"("kind":"monitor.result","key":"hmon/web1/disk-root","status":"warning",)"
        R"("severity":"warning","summary":"DISK WARNING - / 85% used","previous_status":"ok",)"
        R"("changed":true,"calendar":"biz","monitor":"disk-root","job":"nightly","node":"backup",)"
        R"("scope":"prod","runbook":"https://wiki.example.com/runbooks/disk","duration_ms":12.5,"perfdata":[)"
        R"({"label":"/","value":85,"uom":"%","warn":"80","crit":"90","min":0,"max":100},)"
        R"({"label":"load1","value":null,"uom":"","warn":"","crit":""}],"data":{}})");
  e.duration_ms = 250.0;
  CHECK(EventToJson(e)["duration_ms"].dump() == "250");
}

TEST_CASE("event: a default Event is stamped with now and this host") {
  const auto before = system_clock::now();
  const Event e;
  const auto after = system_clock::now();
  CHECK(e.time >= before);
  CHECK(e.time <= after);
  char buf[256] = {};
  REQUIRE(gethostname(buf, sizeof buf - 1) == 0);
  CHECK(e.host == buf);
  CHECK(e.host == LocalHostName());
  const auto j = EventToJson(e);
  CHECK(j.size() == 9);  // only the required fields
  CHECK(j.find("data") == j.end());
  CHECK(j.find("perfdata") == j.end());
}

TEST_CASE("event: EventFromJson round-trips EventToJson") {
  Event e = SampleDay();
  e.previous_status = "open";
  e.changed = false;
  e.scope = "tokyo";
  e.runbook = "restart it: sudo systemctl restart app";
  e.duration_ms = 3;
  e.perfdata.push_back({"open_minutes", 540, "", "", "@0:0", std::nullopt, 1440.0});
  const std::string line = EventToJson(e).dump();
  const Event back = EventFromJson(nlohmann::json::parse(line));
  CHECK(back.time == e.time);
  CHECK(back.host == "ops1");
  CHECK(back.tool == "hcal");
  CHECK(back.kind == "calendar.day");
  CHECK(back.key == e.key);
  CHECK(back.status == "closed");
  CHECK(back.severity == "info");
  CHECK(back.summary == e.summary);
  CHECK(back.previous_status == "open");
  CHECK(back.changed == false);
  CHECK(back.calendar == "biz");
  CHECK_FALSE(back.monitor.has_value());
  CHECK(back.scope == "tokyo");
  CHECK(back.runbook == "restart it: sudo systemctl restart app");
  CHECK(back.duration_ms == 3.0);
  REQUIRE(back.perfdata.size() == 1);
  CHECK(back.perfdata[0].label == "open_minutes");
  CHECK(back.perfdata[0].value == 540.0);
  CHECK(back.perfdata[0].crit == "@0:0");
  CHECK_FALSE(back.perfdata[0].min.has_value());
  CHECK(back.perfdata[0].max == 1440.0);
  CHECK(back.data == e.data);
  CHECK(EventToJson(back).dump() == line);
}

TEST_CASE("event: EventFromJson ignores unknown fields and treats null as unset") {
  nlohmann::json j = ValidJson();
  j["future_field"] = {1, 2, 3};
  j["monitor"] = nullptr;
  j["perfdata"] = nlohmann::json::array({{{"label", "x"}, {"value", nullptr}, {"extra", true}}});
  const Event e = EventFromJson(j);
  CHECK(e.kind == "calendar.state");
  CHECK_FALSE(e.monitor.has_value());
  REQUIRE(e.perfdata.size() == 1);
  CHECK(std::isnan(e.perfdata[0].value));
  CHECK(e.perfdata[0].uom == "");
  CHECK(e.data.is_null());
}

TEST_CASE("event: EventFromJson validation errors name the field") {
  CHECK(FromJsonError(nlohmann::json::array()) == "invalid event: not a JSON object");
  for (const char* field :
       {"v", "time", "tool", "host", "kind", "key", "status", "severity", "summary"}) {
    CAPTURE(field);
    nlohmann::json j = ValidJson();
    j.erase(field);
    CHECK(FromJsonError(j) == std::string("invalid event: missing required field '") + field + "'");
    j[field] = true;
    CHECK(FromJsonError(j) ==
          std::string("invalid event: field '") + field +
              (std::string(field) == "v" ? "' must be an integer" : "' must be a string"));
  }

  nlohmann::json j = ValidJson();
  j["v"] = 2;
  CHECK(FromJsonError(j) ==
        "invalid event: unsupported schema version 2 in field 'v' (expected 1)");
  j["v"] = "1";
  CHECK(FromJsonError(j) == "invalid event: field 'v' must be an integer");
  j["v"] = 1.0;
  CHECK(FromJsonError(j) == "invalid event: field 'v' must be an integer");

  j = ValidJson();
  j["time"] = "yesterday";
  CHECK(FromJsonError(j) ==
        "invalid event: field 'time' must be an RFC 3339 timestamp, got 'yesterday'");

  j = ValidJson();
  j["severity"] = "error";
  CHECK(FromJsonError(j) ==
        "invalid event: unknown severity 'error' in field 'severity' "
        "(expected info, ok, warning, critical or unknown)");

  j = ValidJson();
  j["kind"] = "calendar";
  CHECK(FromJsonError(j) ==
        "invalid event: field 'kind' must look like '<domain>.<what>', got 'calendar'");
  j["kind"] = "calendar.";
  CHECK(FromJsonError(j) ==
        "invalid event: field 'kind' must look like '<domain>.<what>', got 'calendar.'");

  for (const char* field : {"tool", "key", "status"}) {
    CAPTURE(field);
    j = ValidJson();
    j[field] = "";
    CHECK(FromJsonError(j) ==
          std::string("invalid event: field '") + field + "' must not be empty");
  }
}

TEST_CASE("event: EventFromJson validates optional fields") {
  auto with = [](const char* field, nlohmann::json value) {
    nlohmann::json j = ValidJson();
    j[field] = std::move(value);
    return FromJsonError(j);
  };
  CHECK(with("changed", "yes") == "invalid event: field 'changed' must be a boolean");
  for (const char* field : {"previous_status", "calendar", "monitor", "job", "node", "scope"}) {
    CAPTURE(field);
    CHECK(with(field, 1) == std::string("invalid event: field '") + field + "' must be a string");
  }
  CHECK(with("duration_ms", "5") == "invalid event: field 'duration_ms' must be a number");
  CHECK(with("data", nlohmann::json::array()) == "invalid event: field 'data' must be an object");
  CHECK(with("perfdata", nlohmann::json::object()) ==
        "invalid event: field 'perfdata' must be an array");
  CHECK(with("perfdata", {1}) == "invalid event: field 'perfdata[0]' must be an object");

  const auto sample = [](nlohmann::json p) {
    return nlohmann::json::array({{{"label", "ok"}, {"value", 1}}, p});
  };
  CHECK(with("perfdata", sample({{"value", 1}})) ==
        "invalid event: missing required field 'perfdata[1].label'");
  CHECK(with("perfdata", sample({{"label", 5}, {"value", 1}})) ==
        "invalid event: field 'perfdata[1].label' must be a string");
  CHECK(with("perfdata", sample({{"label", "x"}})) ==
        "invalid event: missing required field 'perfdata[1].value'");
  CHECK(with("perfdata", sample({{"label", "x"}, {"value", "1"}})) ==
        "invalid event: field 'perfdata[1].value' must be a number or null");
  CHECK(with("perfdata", sample({{"label", "x"}, {"value", 1}, {"warn", 80}})) ==
        "invalid event: field 'perfdata[1].warn' must be a string");
  CHECK(with("perfdata", sample({{"label", "x"}, {"value", 1}, {"max", "100"}})) ==
        "invalid event: field 'perfdata[1].max' must be a number");
}

}  // namespace hops
