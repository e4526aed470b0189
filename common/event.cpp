#include "common/event.hpp"

#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdio>
#include <iterator>

#include <date/date.h>

#include "common/civil.hpp"
#include "common/error.hpp"
#include "common/output.hpp"

namespace hops {

namespace {

using std::chrono::system_clock;

constexpr const char* kSeverityNames[] = {"info", "ok", "warning", "critical", "unknown"};

/// @p v as a JSON number: an integer when integral and exactly representable, null if not finite.
nlohmann::ordered_json JsonNumber(double v) {
  if (!std::isfinite(v)) return nullptr;
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (v == std::trunc(v) && std::fabs(v) <= kExact) return static_cast<int64_t>(v);
  return v;
}

[[noreturn]] void Invalid(const std::string& message) {
  throw Error(ErrorKind::kDefinition, "invalid event: " + message);
}

/// Member @p name of object @p obj, or nullptr when it is absent or null (null counts as unset).
const nlohmann::json* Field(const nlohmann::json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

const nlohmann::json& Required(const nlohmann::json& obj, const std::string& path,
                               const char* name) {
  const nlohmann::json* f = Field(obj, name);
  if (!f) Invalid("missing required field '" + path + "'");
  return *f;
}

std::string RequiredString(const nlohmann::json& obj, const char* name, bool non_empty) {
  const nlohmann::json& f = Required(obj, name, name);
  if (!f.is_string()) Invalid(std::string("field '") + name + "' must be a string");
  std::string s = f.get<std::string>();
  if (non_empty && s.empty()) Invalid(std::string("field '") + name + "' must not be empty");
  return s;
}

std::optional<std::string> OptionalString(const nlohmann::json& obj, const std::string& path,
                                          const char* name) {
  const nlohmann::json* f = Field(obj, name);
  if (!f) return std::nullopt;
  if (!f->is_string()) Invalid("field '" + path + "' must be a string");
  return f->get<std::string>();
}

std::optional<double> OptionalNumber(const nlohmann::json& obj, const std::string& path,
                                     const char* name) {
  const nlohmann::json* f = Field(obj, name);
  if (!f) return std::nullopt;
  if (!f->is_number()) Invalid("field '" + path + "' must be a number");
  return f->get<double>();
}

Perfdata PerfdataFromJson(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object()) Invalid("field '" + path + "' must be an object");
  Perfdata p;
  const nlohmann::json* label = Field(j, "label");
  if (!label) Invalid("missing required field '" + path + ".label'");
  if (!label->is_string()) Invalid("field '" + path + ".label' must be a string");
  p.label = label->get<std::string>();
  // An explicit null value is the unknown measurement ("U"); a missing one is an error.
  auto value = j.find("value");
  if (value == j.end()) Invalid("missing required field '" + path + ".value'");
  if (value->is_null())
    p.value = std::nan("");
  else if (value->is_number())
    p.value = value->get<double>();
  else
    Invalid("field '" + path + ".value' must be a number or null");
  p.uom = OptionalString(j, path + ".uom", "uom").value_or("");
  p.warn = OptionalString(j, path + ".warn", "warn").value_or("");
  p.crit = OptionalString(j, path + ".crit", "crit").value_or("");
  p.min = OptionalNumber(j, path + ".min", "min");
  p.max = OptionalNumber(j, path + ".max", "max");
  return p;
}

/// Reads exactly @p n digits at @p *pos, advancing it.
bool Digits(std::string_view s, size_t* pos, size_t n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

}  // namespace

const char* SeverityName(Severity s) {
  const auto i = static_cast<size_t>(s);
  return i < std::size(kSeverityNames) ? kSeverityNames[i] : "unknown";
}

std::optional<Severity> ParseSeverity(std::string_view s) {
  for (size_t i = 0; i < std::size(kSeverityNames); ++i)
    if (s == kSeverityNames[i]) return static_cast<Severity>(i);
  return std::nullopt;
}

const std::string& LocalHostName() {
  static const std::string name = [] {
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return std::string("localhost");
    return std::string(buf);
  }();
  return name;
}

std::string FormatTimestamp(system_clock::time_point tp) {
  const auto ms = date::floor<std::chrono::milliseconds>(tp);
  const auto day = date::floor<date::days>(ms);
  const Ymd ymd = ToYmd(day);
  const int64_t in_day = (ms - day).count();
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", ymd.y, ymd.m, ymd.d,
                static_cast<int>(in_day / 3600000), static_cast<int>(in_day / 60000 % 60),
                static_cast<int>(in_day / 1000 % 60), static_cast<int>(in_day % 1000));
  return buf;
}

std::optional<system_clock::time_point> ParseTimestamp(std::string_view s) {
  size_t pos = 0;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, &pos, 4, &y) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &mo) ||
      !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &d))
    return std::nullopt;
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't')) return std::nullopt;
  ++pos;
  if (!Digits(s, &pos, 2, &h) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &mi) ||
      !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &sec))
    return std::nullopt;
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  int64_t nanos = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (++digits > 9) return std::nullopt;
      nanos = nanos * 10 + (s[pos++] - '0');
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  int offset_minutes = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos++] == '-' ? -1 : 1;
    int oh, om;
    if (!Digits(s, &pos, 2, &oh) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &om) || oh > 23 ||
        om > 59)
      return std::nullopt;
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::optional<Day> day = MakeDay(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (!day) return std::nullopt;
  const auto local = *day + std::chrono::hours(h) + std::chrono::minutes(mi) +
                     std::chrono::seconds(sec) + std::chrono::nanoseconds(nanos);
  return std::chrono::time_point_cast<system_clock::duration>(local -
                                                              std::chrono::minutes(offset_minutes));
}

nlohmann::ordered_json EventToJson(const Event& e) {
  nlohmann::ordered_json j;
  j["v"] = kEventSchemaVersion;
  j["time"] = FormatTimestamp(e.time);
  j["tool"] = e.tool;
  j["host"] = e.host;
  j["kind"] = e.kind;
  j["key"] = e.key;
  j["status"] = e.status;
  j["severity"] = e.severity;
  j["summary"] = e.summary;
  if (e.previous_status) j["previous_status"] = *e.previous_status;
  if (e.changed) j["changed"] = *e.changed;
  if (e.calendar) j["calendar"] = *e.calendar;
  if (e.monitor) j["monitor"] = *e.monitor;
  if (e.job) j["job"] = *e.job;
  if (e.node) j["node"] = *e.node;
  if (e.scope) j["scope"] = *e.scope;
  if (e.runbook) j["runbook"] = *e.runbook;
  if (e.duration_ms) j["duration_ms"] = JsonNumber(*e.duration_ms);
  if (!e.perfdata.empty()) {
    nlohmann::ordered_json samples = nlohmann::ordered_json::array();
    for (const Perfdata& p : e.perfdata) {
      nlohmann::ordered_json s;
      s["label"] = p.label;
      s["value"] = JsonNumber(p.value);
      s["uom"] = p.uom;
      s["warn"] = p.warn;
      s["crit"] = p.crit;
      if (p.min) s["min"] = JsonNumber(*p.min);
      if (p.max) s["max"] = JsonNumber(*p.max);
      samples.push_back(std::move(s));
    }
    j["perfdata"] = std::move(samples);
  }
  if (!e.data.is_null()) j["data"] = e.data;
  return j;
}

Event EventFromJson(const nlohmann::json& j) {
  if (!j.is_object()) Invalid("not a JSON object");
  Event e;

  const nlohmann::json& v = Required(j, "v", "v");
  if (!v.is_number_integer()) Invalid("field 'v' must be an integer");
  if (v.get<int64_t>() != kEventSchemaVersion)
    Invalid("unsupported schema version " + v.dump() + " in field 'v' (expected " +
            std::to_string(kEventSchemaVersion) + ")");

  const std::string time = RequiredString(j, "time", true);
  const auto tp = ParseTimestamp(time);
  if (!tp) Invalid("field 'time' must be an RFC 3339 timestamp, got '" + time + "'");
  e.time = *tp;

  e.tool = RequiredString(j, "tool", true);
  e.host = RequiredString(j, "host", false);
  e.kind = RequiredString(j, "kind", true);
  const size_t dot = e.kind.find('.');
  if (dot == 0 || dot == std::string::npos || dot + 1 == e.kind.size())
    Invalid("field 'kind' must look like '<domain>.<what>', got '" + e.kind + "'");
  e.key = RequiredString(j, "key", true);
  e.status = RequiredString(j, "status", true);
  e.severity = RequiredString(j, "severity", true);
  if (!ParseSeverity(e.severity))
    Invalid("unknown severity '" + e.severity +
            "' in field 'severity' (expected info, ok, warning, critical or unknown)");
  e.summary = RequiredString(j, "summary", false);

  e.previous_status = OptionalString(j, "previous_status", "previous_status");
  if (const nlohmann::json* changed = Field(j, "changed")) {
    if (!changed->is_boolean()) Invalid("field 'changed' must be a boolean");
    e.changed = changed->get<bool>();
  }
  e.calendar = OptionalString(j, "calendar", "calendar");
  e.monitor = OptionalString(j, "monitor", "monitor");
  e.job = OptionalString(j, "job", "job");
  e.node = OptionalString(j, "node", "node");
  e.scope = OptionalString(j, "scope", "scope");
  e.runbook = OptionalString(j, "runbook", "runbook");
  e.duration_ms = OptionalNumber(j, "duration_ms", "duration_ms");
  if (const nlohmann::json* perfdata = Field(j, "perfdata")) {
    if (!perfdata->is_array()) Invalid("field 'perfdata' must be an array");
    for (size_t i = 0; i < perfdata->size(); ++i)
      e.perfdata.push_back(PerfdataFromJson((*perfdata)[i], "perfdata[" + std::to_string(i) + "]"));
  }
  if (const nlohmann::json* data = Field(j, "data")) {
    if (!data->is_object()) Invalid("field 'data' must be an object");
    e.data = nlohmann::ordered_json::parse(
        data->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return e;
}

void WriteEvent(const Event& e) { WriteJsonLine(EventToJson(e)); }

}  // namespace hops
