// The http and https monitor types: every request of a batch runs in one Runner of the HTTP layer
// (common/http), and each response is judged by status, body, regex, JSON, header and measure
// conditions, with check_http's output conventions ("HTTP/1.1 200 OK - 612 bytes in 0.003 s").
//
// States: a transport failure (refused, unresolvable host, TLS verification, timeout, reset) is
// CRITICAL, as check_http reports it for the service; only what keeps the check from running at all
// (a bad parameter, an unreadable secret or TLS file) is UNKNOWN.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/checks/net.hpp"
#include "cmd/hmon-check/checks/requests.hpp"
#include "common/http.hpp"
#include "common/nagios.hpp"
#include "common/output.hpp"
#include "cmd/hmon-check/regex.hpp"
#include "common/secret.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// Bytes of a response body kept for body, regex and JSON conditions; the rest is only counted.
constexpr size_t kMaxKeptBody = size_t{4} << 20;
constexpr long kDefaultMaxRedirects = 10;
// Most requests in flight to one host[:port] in a batch, and the connections kept per host (a
// request waiting for its host has not started, so its timeout does not run). A few connections
// are also faster than many against one server: 1,000 checks of a loopback nginx take ~18 ms
// with 8, ~55 ms with 64.

const std::vector<std::string> kSubjects = {"status", "body", "body_regex", "json", "header",
                                            "time",   "size", "cert_days"};

// ---------------------------------------------------------------------------------------------
// Helpers

std::string FormatFixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// The first value of @p key, or nullptr; points into @p params, which outlives the check.
const std::string* First(const Params& params, const std::string& key) {
  const std::vector<std::string>& all = params.All(key);
  return all.empty() ? nullptr : &all.front();
}

// ---------------------------------------------------------------------------------------------
// Status code sets: "200", "200-299", "2xx", comma-separated or as list items.

struct StatusSet {
  std::vector<std::pair<int, int>> ranges;
  std::string text;  ///< as given, items joined with ','
  bool Contains(int code) const {
    for (const auto& [lo, hi] : ranges)
      if (code >= lo && code <= hi) return true;
    return false;
  }
};

int ParseCode(std::string_view s) {
  s = Trim(s);
  if (s.size() != 3) return -1;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v >= 100 && v <= 599 ? v : -1;
}

bool AddStatusItems(std::string_view value, StatusSet* set, std::string* err) {
  while (true) {
    const size_t comma = value.find(',');
    const std::string_view item = Trim(value.substr(0, comma));
    std::pair<int, int> range{-1, -1};
    if (item.size() == 3 && item[0] >= '1' && item[0] <= '5' && (item[1] == 'x' || item[1] == 'X') &&
        (item[2] == 'x' || item[2] == 'X')) {
      range = {(item[0] - '0') * 100, (item[0] - '0') * 100 + 99};
    } else if (const size_t dash = item.find('-'); dash != std::string_view::npos) {
      range = {ParseCode(item.substr(0, dash)), ParseCode(item.substr(dash + 1))};
      if (range.second < range.first) range.first = -1;
    } else {
      range.first = range.second = ParseCode(item);
    }
    if (range.first < 0) {
      *err = "bad status " + Quote(item) +
             " (expected a code such as 200, a range such as 200-299, or 2xx)";
      return false;
    }
    set->ranges.push_back(range);
    if (!set->text.empty()) set->text += ',';
    set->text.append(item);
    if (comma == std::string_view::npos) return true;
    value.remove_prefix(comma + 1);
  }
}

// ---------------------------------------------------------------------------------------------
// JSON paths: "a.b[0].c", optionally starting with "$" or "$.".

struct JsonStep {
  std::string key;
  size_t index = 0;
  bool is_index = false;
};

bool ParseJsonPath(std::string_view path, std::vector<JsonStep>* steps, std::string* err) {
  std::string_view p = Trim(path);
  const std::string quoted = Quote(p);
  if (!p.empty() && p.front() == '$') {
    p.remove_prefix(1);
    if (!p.empty() && p.front() == '.') p.remove_prefix(1);
  }
  size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '[') {
      const size_t close = p.find(']', i);
      if (close == std::string_view::npos) {
        *err = "JSON path " + quoted + " has an unclosed '['";
        return false;
      }
      const auto index = ParseLong(Trim(p.substr(i + 1, close - i - 1)), 0, 99999999);
      if (!index || close == i + 1) {
        *err = "JSON path " + quoted + " has a bad index (expected [0], [1], ...)";
        return false;
      }
      JsonStep step;
      step.index = static_cast<size_t>(*index);
      step.is_index = true;
      steps->push_back(std::move(step));
      i = close + 1;
    } else {
      const size_t end = std::min(p.find_first_of(".[", i), p.size());
      if (end == i) {
        *err = "JSON path " + quoted + " has an empty name";
        return false;
      }
      JsonStep step;
      step.key = std::string(p.substr(i, end - i));
      steps->push_back(std::move(step));
      i = end;
    }
    if (i < p.size() && p[i] == '.') {
      if (++i == p.size()) {
        *err = "JSON path " + quoted + " ends with '.'";
        return false;
      }
    } else if (i < p.size() && p[i] != '[') {
      *err = "JSON path " + quoted + " has text after ']'";
      return false;
    }
  }
  return true;
}

const Json* Lookup(const Json& doc, const std::vector<JsonStep>& steps) {
  const Json* cur = &doc;
  for (const JsonStep& s : steps) {
    if (s.is_index) {
      if (!cur->is_array() || s.index >= cur->size()) return nullptr;
      cur = &(*cur)[s.index];
    } else {
      if (!cur->is_object()) return nullptr;
      const auto it = cur->find(s.key);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    }
  }
  return cur;
}

// ---------------------------------------------------------------------------------------------
// Regexes over bodies.

// Compiles @p pattern (cmd/hmon-check/regex.hpp: linear in the body, whatever its size); false with a
// message naming @p what.
bool CompileRegex(const std::string& pattern, const std::string& what, std::optional<Regex>* re, std::string* err) {
  *re = Regex::Compile(pattern, err);
  if (!*re) *err = what + ": " + *err;
  return re->has_value();
}

// ---------------------------------------------------------------------------------------------
// The compiled form of a check: rules (params and conditions) and request settings.

enum class Subject { kStatus, kBody, kBodyRegex, kJson, kHeader, kTime, kSize, kCertDays };
enum class Op { kIn, kNotIn, kContains, kNotContains, kMatches, kNotMatches, kEquals, kNotEquals, kExists, kRange };

struct Rule {
  Subject subject = Subject::kStatus;
  Op op = Op::kIn;
  State severity = State::kCritical;
  StatusSet status;                 ///< kStatus
  std::string operand;              ///< substring, pattern, expected JSON text
  std::string name;                 ///< header name or JSON path as written
  std::optional<Regex> regex;       ///< kBodyRegex
  std::vector<JsonStep> path;       ///< kJson
  std::optional<Json> expected;     ///< operand parsed as JSON, when it is JSON
  nagios::Range range;              ///< measures
  /// The status rule used when none is written: like check_http and check_curl, a 4xx answer is
  /// WARNING and anything else outside 200-399 CRITICAL.
  bool nagios_default = false;
};

struct Plan {
  std::string url;
  bool https = false;  ///< the URL's scheme is https
  const char* method = "GET";
  const std::string* data = nullptr;
  bool follow = false;
  long max_redirects = kDefaultMaxRedirects;
  bool insecure = false;
  const std::string* ca_file = nullptr;
  const std::string* client_cert = nullptr;
  const std::string* client_key = nullptr;
  const std::string* user = nullptr;
  const std::string* password_env = nullptr;
  const std::string* password_file = nullptr;
  const std::string* bearer_env = nullptr;
  const std::string* bearer_file = nullptr;
  std::vector<Rule> rules;
  bool need_body = false;
  bool need_headers = false;
  bool cert_in_summary = false;  ///< cert_days has thresholds or conditions
};

std::string ConditionLabel(const Condition& c) {
  return "condition " + Quote(c.text.empty() ? c.what : c.text);
}

bool OpOf(const std::string& op, Op* out) {
  static const std::pair<const char*, Op> kOps[] = {
      {"in", Op::kIn},           {"not_in", Op::kNotIn},           {"contains", Op::kContains},
      {"not_contains", Op::kNotContains}, {"matches", Op::kMatches}, {"not_matches", Op::kNotMatches},
      {"equals", Op::kEquals},   {"not_equals", Op::kNotEquals},   {"exists", Op::kExists},
      {"range", Op::kRange}};
  for (const auto& [name, value] : kOps) {
    if (op == name) {
      *out = value;
      return true;
    }
  }
  return false;
}

std::string ParseRangeRule(const std::string& text, const std::string& label, Rule* rule) {
  std::string err;
  auto range = nagios::ParseRange(text, &err);
  if (!range) return label + ": " + err;
  rule->range = *range;
  return "";
}

// Sets the expected value of a JSON rule: the text, and its JSON value when it parses as JSON
// ("2", "true", "\"up\""), so both 2 and "2" can be matched.
void SetJsonOperand(const std::string& text, Rule* rule) {
  rule->operand = text;
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_discarded()) rule->expected = std::move(parsed);
}

bool ValidHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || std::strchr("()<>@,;:\\\"/[]?={}", c)) return false;
  }
  return true;
}

// Compiles one spec condition into a rule.
std::string CompileCondition(const Condition& c, Rule* rule) {
  const std::string label = ConditionLabel(c);
  rule->severity = c.severity;
  const std::string what = Lower(c.what);
  const auto it = std::find(kSubjects.begin(), kSubjects.end(), what);
  if (it == kSubjects.end()) {
    std::string list;
    for (const auto& s : kSubjects) list += (list.empty() ? "" : ", ") + s;
    return label + ": unknown subject " + Quote(c.what) + DidYouMean(what, kSubjects) +
           " (expected one of " + list + ")";
  }
  rule->subject = static_cast<Subject>(it - kSubjects.begin());
  Op op;
  if (!OpOf(Lower(c.op), &op)) return label + ": unknown operator " + Quote(c.op);
  rule->op = op;
  auto bad_op = [&](const char* expected) {
    return label + ": operator " + Quote(c.op) + " does not apply to " + Quote(what) +
           " (expected " + expected + ")";
  };
  auto need_value = [&]() -> std::string {
    if (c.values.empty() || c.values.front().empty()) return label + ": missing value";
    return "";
  };
  std::string err;
  switch (rule->subject) {
    case Subject::kStatus:
      if (op != Op::kIn && op != Op::kNotIn) return bad_op("in, not_in");
      if (c.values.empty()) return label + ": missing status codes";
      for (const std::string& v : c.values)
        if (!AddStatusItems(v, &rule->status, &err)) return label + ": " + err;
      return "";
    case Subject::kBody:
      if (op != Op::kContains && op != Op::kNotContains) return bad_op("contains, not_contains");
      if (!(err = need_value()).empty()) return err;
      rule->operand = c.values.front();
      return "";
    case Subject::kBodyRegex:
      if (op != Op::kMatches && op != Op::kNotMatches) return bad_op("matches, not_matches");
      if (!(err = need_value()).empty()) return err;
      rule->operand = c.values.front();
      if (!CompileRegex(rule->operand, label, &rule->regex, &err)) return err;
      return "";
    case Subject::kJson:
      if (op != Op::kEquals && op != Op::kNotEquals && op != Op::kExists)
        return bad_op("equals, not_equals, exists");
      rule->name = c.path;
      if (!ParseJsonPath(c.path, &rule->path, &err)) return label + ": " + err;
      if (op != Op::kExists) {
        if (c.values.empty()) return label + ": missing value";
        SetJsonOperand(c.values.front(), rule);
      }
      return "";
    case Subject::kHeader:
      if (op != Op::kContains && op != Op::kNotContains && op != Op::kExists)
        return bad_op("contains, not_contains, exists");
      if (!ValidHeaderName(c.path)) return label + ": bad header name " + Quote(c.path);
      rule->name = c.path;
      if (op != Op::kExists) {
        if (!(err = need_value()).empty()) return err;
        rule->operand = c.values.front();
      }
      return "";
    case Subject::kTime:
    case Subject::kSize:
    case Subject::kCertDays:
      if (op != Op::kRange) return bad_op("range");
      if (c.values.empty()) return label + ": missing range";
      return ParseRangeRule(c.values.front(), label, rule);
  }
  return "";
}

// Compiles @p spec into @p plan; returns "" or a message naming the bad key. @p full (Validate)
// also checks what would otherwise fail only at run time or go unnoticed: the URL's syntax, a
// password inside it.
std::string BuildPlan(const CheckSpec& spec, bool https_type, bool full, Plan* plan) {
  const Params& params = spec.params;
  // Target URL.
  std::string_view target = Trim(spec.target);
  if (target.empty()) return "missing URL target";
  const size_t sep = target.find("://");
  if (sep == std::string_view::npos) {
    plan->url = std::string(https_type ? "https://" : "http://").append(target);
    plan->https = https_type;
  } else {
    const std::string scheme = Lower(target.substr(0, sep));
    if (scheme != "http" && scheme != "https")
      return "URL scheme " + Quote(scheme) + " is not http or https";
    if (https_type && scheme != "https") return "type 'https' needs an https:// URL";
    plan->url = std::string(target);
    plan->https = scheme == "https";
  }
  if (full) {
    std::string err;
    const std::optional<http::UrlParts> parts = http::ParseUrl(plan->url, &err);
    if (!parts) return "bad URL target: " + err;
    if (parts->password)
      return "the URL target holds a password: use 'user' with 'password_env' or 'password_file'";
  }

  // Request.
  plan->data = First(params, "data");
  if (const std::string* m = First(params, "method")) {
    static const char* const kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    const std::string upper = Upper(Trim(*m));
    plan->method = nullptr;
    for (const char* k : kMethods)
      if (upper == k) plan->method = k;
    if (!plan->method)
      return "bad 'method' " + Quote(*m) + " (expected GET, HEAD, POST, PUT, DELETE, OPTIONS or PATCH)";
    if (plan->data && std::strcmp(plan->method, "HEAD") == 0) return "'data' cannot be sent with method HEAD";
  } else if (plan->data) {
    plan->method = "POST";  // data is posted unless another method is named
  }
  for (const auto& [name, value] : params.Map("headers")) {
    if (!ValidHeaderName(name)) return "bad header name " + Quote(name) + " in 'headers'";
    if (value.find_first_of("\r\n") != std::string::npos)
      return "header " + Quote(name) + " in 'headers' has a line break";
  }
  if (const std::string* v = First(params, "follow_redirects")) {
    auto b = ParseBool(*v);
    if (!b) return BadBoolMessage("follow_redirects", *v);
    plan->follow = *b;
  }
  if (const std::string* v = First(params, "max_redirects")) {
    auto n = ParseLong(Trim(*v), 0, 1000);
    if (!n) return "bad 'max_redirects' " + Quote(*v) + " (expected a whole number 0..1000)";
    if (!plan->follow) return "'max_redirects' needs 'follow_redirects: true'";
    plan->max_redirects = *n;
  }
  if (const std::string* v = First(params, "insecure")) {
    auto b = ParseBool(*v);
    if (!b) return BadBoolMessage("insecure", *v);
    plan->insecure = *b;
  }
  for (const char* key : {"ca_file", "client_cert", "client_key", "user", "password_env",
                          "password_file", "bearer_env", "bearer_file"}) {
    const std::string* v = First(params, key);
    if (v && v->empty()) return std::string("empty '") + key + "'";
  }
  plan->ca_file = First(params, "ca_file");
  plan->client_cert = First(params, "client_cert");
  plan->client_key = First(params, "client_key");
  if (plan->client_key && !plan->client_cert) return "'client_key' needs 'client_cert'";
  plan->user = First(params, "user");
  plan->password_env = First(params, "password_env");
  plan->password_file = First(params, "password_file");
  plan->bearer_env = First(params, "bearer_env");
  plan->bearer_file = First(params, "bearer_file");
  if (plan->password_env && plan->password_file) return "use either 'password_env' or 'password_file'";
  if (plan->bearer_env && plan->bearer_file) return "use either 'bearer_env' or 'bearer_file'";
  const bool password = plan->password_env || plan->password_file;
  const bool bearer = plan->bearer_env || plan->bearer_file;
  if (password && !plan->user) return "'password_env'/'password_file' need 'user'";
  if (plan->user && !password) return "'user' needs 'password_env' or 'password_file'";
  if (plan->user && bearer) return "use either 'user' (basic) or 'bearer_env'/'bearer_file'";

  // Rules from the plain parameters (CRITICAL), then the conditions.
  std::string err;
  bool status_given = false;
  if (params.Has("status")) {
    Rule rule;
    for (const std::string& v : params.All("status"))
      if (!AddStatusItems(v, &rule.status, &err)) return "'status': " + err;
    if (rule.status.ranges.empty()) return "empty 'status'";
    plan->rules.push_back(std::move(rule));
    status_given = true;
  }
  for (const Condition& c : spec.conditions)
    if (Lower(c.what) == "status") status_given = true;
  if (!status_given) {
    Rule rule;
    rule.status.ranges.push_back({200, 399});
    rule.status.text = "200-399";
    rule.nagios_default = true;
    plan->rules.push_back(std::move(rule));
  }
  for (const char* key : {"body", "body_not"}) {
    for (const std::string& v : params.All(key)) {
      if (v.empty()) return std::string("empty '") + key + "'";
      Rule rule;
      rule.subject = Subject::kBody;
      rule.op = std::strcmp(key, "body") == 0 ? Op::kContains : Op::kNotContains;
      rule.operand = v;
      plan->rules.push_back(std::move(rule));
    }
  }
  for (const char* key : {"body_regex", "body_not_regex"}) {
    for (const std::string& v : params.All(key)) {
      Rule rule;
      rule.subject = Subject::kBodyRegex;
      rule.op = std::strcmp(key, "body_regex") == 0 ? Op::kMatches : Op::kNotMatches;
      rule.operand = v;
      if (!CompileRegex(v, Quote(key), &rule.regex, &err)) return err;
      plan->rules.push_back(std::move(rule));
    }
  }
  for (const auto& [name, value] : params.Map("expect_header")) {
    if (!ValidHeaderName(name)) return "bad header name " + Quote(name) + " in 'expect_header'";
    Rule rule;
    rule.subject = Subject::kHeader;
    rule.op = value.empty() ? Op::kExists : Op::kContains;
    rule.name = name;
    rule.operand = value;
    plan->rules.push_back(std::move(rule));
  }
  if (const std::string* path = First(params, "json_path")) {
    Rule rule;
    rule.subject = Subject::kJson;
    rule.name = *path;
    if (!ParseJsonPath(*path, &rule.path, &err)) return "'json_path': " + err;
    if (const std::string* eq = First(params, "json_equals")) {
      rule.op = Op::kEquals;
      SetJsonOperand(*eq, &rule);
    } else {
      rule.op = Op::kExists;
    }
    plan->rules.push_back(std::move(rule));
  } else if (params.Has("json_equals")) {
    return "'json_equals' needs 'json_path'";
  }
  for (const Condition& c : spec.conditions) {
    Rule rule;
    if (!(err = CompileCondition(c, &rule)).empty()) return err;
    plan->rules.push_back(std::move(rule));
  }
  for (const Rule& r : plan->rules) {
    if (r.subject == Subject::kBody || r.subject == Subject::kBodyRegex || r.subject == Subject::kJson)
      plan->need_body = true;
    if (r.subject == Subject::kHeader) plan->need_headers = true;
    if (r.subject == Subject::kCertDays) plan->cert_in_summary = true;
  }
  if (spec.thresholds.count("cert_days")) plan->cert_in_summary = true;
  if (plan->cert_in_summary && !plan->https) return "'cert_days' needs an https:// URL";
  return "";
}

// ---------------------------------------------------------------------------------------------
// Evaluating rules on a response.

struct Observed {
  long status = 0;
  std::string_view body;
  const http::Headers* headers = nullptr;
  double time_s = 0;
  double size = 0;
  std::optional<double> cert_days;
  bool json_parsed = false;
  Json json;  ///< the body parsed, discarded when it is not JSON
};

std::string ShortJson(const Json& v) { return Printable(v.dump(), 60); }

std::string MeasureText(Subject s, double v) {
  switch (s) {
    case Subject::kTime: return FormatFixed(v, 3) + " s";
    case Subject::kSize: return nagios::FormatPerfNumber(v) + " B";
    default: return nagios::FormatPerfNumber(v) + " days";
  }
}

// True when @p r holds; *@p msg describes the outcome either way.
bool Evaluate(const Rule& r, Observed* o, std::string* msg) {
  switch (r.subject) {
    case Subject::kStatus: {
      const bool in = r.status.Contains(static_cast<int>(o->status));
      const std::string code = std::to_string(o->status);
      if (r.op == Op::kIn) {
        *msg = "status " + code + (in ? " in " : " not in ") + r.status.text;
        return in;
      }
      *msg = "status " + code + (in ? " in excluded " : " not in excluded ") + r.status.text;
      return !in;
    }
    case Subject::kBody: {
      const bool found = o->body.find(r.operand) != std::string_view::npos;
      *msg = std::string("body ") + (found ? "contains " : "lacks ") + Quote(Printable(r.operand, 40));
      return found == (r.op == Op::kContains);
    }
    case Subject::kBodyRegex: {
      const bool found = r.regex->Search(o->body);
      *msg = std::string("body ") + (found ? "matches " : "does not match ") +
             Quote(Printable(r.operand, 40));
      return found == (r.op == Op::kMatches);
    }
    case Subject::kJson: {
      if (!o->json_parsed) {
        o->json = Json::parse(o->body.begin(), o->body.end(), nullptr, /*allow_exceptions=*/false);
        o->json_parsed = true;
      }
      if (o->json.is_discarded()) {
        *msg = "body is not JSON";
        return false;
      }
      const std::string path = "json " + Quote(r.name);
      const Json* v = Lookup(o->json, r.path);
      if (!v) {
        *msg = path + " missing";
        return false;
      }
      if (r.op == Op::kExists) {
        *msg = path + " present";
        return true;
      }
      bool equal = r.expected && *r.expected == *v;
      if (!equal && v->is_string()) equal = v->get_ref<const std::string&>() == r.operand;
      if (r.op == Op::kEquals) {
        *msg = path + " is " + ShortJson(*v) + (equal ? "" : ", expected " + Printable(r.operand, 60));
        return equal;
      }
      *msg = path + " is " + ShortJson(*v) + (equal ? ", must not be" : "");
      return !equal;
    }
    case Subject::kHeader: {
      const std::string head = "header " + Quote(r.name);
      const std::vector<std::string> values = o->headers->FindAll(r.name);
      const bool found = !values.empty();
      const bool contains = std::any_of(values.begin(), values.end(),
                                        [&](const std::string& v) { return v.find(r.operand) != std::string::npos; });
      if (r.op == Op::kExists) {
        *msg = head + (found ? " present" : " missing");
        return found;
      }
      if (!found) {
        *msg = head + " missing";
        return r.op == Op::kNotContains;
      }
      *msg = head + (contains ? " contains " : " lacks ") + Quote(Printable(r.operand, 40));
      return contains == (r.op == Op::kContains);
    }
    case Subject::kTime:
    case Subject::kSize:
    case Subject::kCertDays: {
      const char* label = r.subject == Subject::kTime ? "time" : r.subject == Subject::kSize ? "size" : "cert_days";
      std::optional<double> v = r.subject == Subject::kTime   ? std::optional<double>(o->time_s)
                                : r.subject == Subject::kSize ? std::optional<double>(o->size)
                                                              : o->cert_days;
      if (!v) {
        *msg = std::string(label) + " unknown (no TLS certificate)";
        return false;
      }
      const bool alerts = r.range.Alerts(*v);
      *msg = std::string(label) + " " + MeasureText(r.subject, *v) + (alerts ? " alerts on range " : " within range ") +
             Quote(r.range.text);
      return !alerts;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Requests and their results.

// The address a failed request went to: the one connected to, else the URL's host and port.
std::string HostPortOf(const http::Response& response, const std::string& url) {
  if (!response.primary_ip.empty() && response.primary_port > 0)
    return response.primary_ip + ":" + std::to_string(response.primary_port);
  std::string err;
  const std::optional<http::UrlParts> parts = http::ParseUrl(url, &err);
  if (!parts) return "";
  return parts->port.empty() ? parts->host : parts->host + ":" + parts->port;
}

std::string HostOf(const std::string& url) {
  std::string err;
  const std::optional<http::UrlParts> parts = http::ParseUrl(url, &err);
  return parts ? parts->host : "";
}

// The result of a request that got no response.
void TransportFailure(const CheckSpec& spec, const Plan& p, const http::Response& response, CheckResult* r) {
  const std::string& detail = response.error_text;
  r->state = State::kCritical;
  switch (response.error) {
    case http::Error::kResolve:
      r->summary = "cannot resolve host " + Quote(HostOf(p.url));
      break;
    case http::Error::kConnect:
      r->summary = "cannot connect to " + Quote(HostPortOf(response, p.url)) + ": " +
                   (response.os_errno ? LowerFirst(std::strerror(response.os_errno)) : detail);
      break;
    case http::Error::kTimeout:
      r->summary = "timed out after " + FormatDuration(spec.timeout);
      break;
    case http::Error::kTlsVerify:
      r->summary = "TLS verification failed: " + detail;
      break;
    case http::Error::kTls:
      r->summary = "TLS handshake failed: " + detail;
      break;
    case http::Error::kTooManyRedirects:
      r->summary = "too many redirects: " + detail;
      break;
    case http::Error::kSetup:
      r->state = State::kUnknown;
      r->summary = "cannot run the request: " + detail;
      break;
    default:
      r->summary = "request failed: " + detail;
      break;
  }
  r->details["error"] = detail;
}

// A check between its start and its result: the plan and the secrets it sent.
struct Started {
  Plan plan;
  std::string password;
  std::string bearer;
  std::vector<std::string> header_secrets;  ///< values of `headers:` that carry credentials
};

// Builds the plan of @p spec, reads its secrets into @p s and fills @p request; false with
// *@p failed filled when the check cannot run.
bool Prepare(const CheckSpec& spec, bool https_type, Started* s, http::Request* request, CheckResult* failed) {
  std::string err = BuildPlan(spec, https_type, false, &s->plan);
  if (!err.empty()) {
    *failed = Unknown(err);
    return false;
  }
  const Plan& p = s->plan;
  const bool bearer = p.bearer_env || p.bearer_file;
  if (p.user) {
    auto v = p.password_env ? ReadSecret("password_env", *p.password_env, &err)
                            : ReadSecret("password_file", *p.password_file, &err);
    if (!v) {
      *failed = Unknown(err);
      return false;
    }
    s->password = std::move(*v);
  } else if (bearer) {
    auto v = p.bearer_env ? ReadSecret("bearer_env", *p.bearer_env, &err)
                          : ReadSecret("bearer_file", *p.bearer_file, &err);
    if (!v) {
      *failed = Unknown(err);
      return false;
    }
    s->bearer = std::move(*v);
  }
  http::Request& q = *request;
  q.method = p.method;
  q.url = p.url;
  for (const auto& [name, value] : spec.params.Map("headers")) {
    q.headers.emplace_back(name, value);
    if (!http::IsSecretHeader(name)) continue;
    // "Bearer abc" is redacted as a whole and as its credential, wherever either is echoed.
    s->header_secrets.push_back(value);
    if (const size_t sp = value.find(' '); sp != std::string::npos && sp + 1 < value.size())
      s->header_secrets.push_back(value.substr(sp + 1));
  }
  if (p.data) q.body = *p.data;
  if (p.user) {
    q.user = *p.user;
    q.password = s->password;
  } else if (bearer) {
    q.bearer = s->bearer;
  }
  q.user_agent = "hmon-check";
  q.tls.insecure = p.insecure;
  if (p.ca_file) q.tls.ca_file = *p.ca_file;
  if (p.client_cert) q.tls.client_cert = *p.client_cert;
  if (p.client_key) q.tls.client_key = *p.client_key;
  q.timeout = spec.timeout;
  q.follow_redirects = p.follow;
  q.max_redirects = p.max_redirects;
  q.max_body = p.need_body ? kMaxKeptBody : 0;
  q.capture_headers = p.need_headers;
  q.want_certificate = p.https;
  return true;
}

// Judges @p response by the rules of plan @p p.
CheckResult Finish(const CheckSpec& spec, const Plan& p, const http::Response& response) {
  if (response.error == http::Error::kInternal) return Unknown(response.error_text);
  CheckResult r;
  r.details["url"] = http::StripUserinfo(p.url);
  if (!response.ok()) {
    TransportFailure(spec, p, response, &r);
    return r;
  }
  const long status = response.status;
  const uint64_t size = response.body_size;
  Observed o;
  o.status = status;
  o.body = response.body;
  o.headers = &response.headers;
  o.time_s = response.timing.total;
  o.size = static_cast<double>(size);
  if (response.certificate) o.cert_days = response.certificate->days;

  std::string base = response.status_line.empty() ? "HTTP " + std::to_string(status) : Printable(response.status_line, 60);
  base += " - ";
  base += std::to_string(static_cast<long long>(size));
  base += " bytes in ";
  base += FormatFixed(o.time_s, 3);
  base += " s";
  if (p.cert_in_summary && o.cert_days)
    base += ", certificate expires in " + nagios::FormatPerfNumber(*o.cert_days) + " days";

  State state = State::kOk;
  std::string failures;
  std::string msg;
  for (const Rule& rule : p.rules) {
    const bool pass = Evaluate(rule, &o, &msg);
    if (!r.long_output.empty()) r.long_output += '\n';
    if (pass) {
      r.long_output += "PASS: ";
    } else {
      const State severity =
          rule.nagios_default && o.status >= 400 && o.status <= 499 ? State::kWarning : rule.severity;
      r.long_output += "FAIL (";
      r.long_output += nagios::StateWord(severity);
      r.long_output += "): ";
      state = nagios::WorstOf(state, severity);
      if (!failures.empty()) failures += "; ";
      failures += msg;
    }
    r.long_output += msg;
  }
  if (p.need_body && response.body_truncated)
    r.long_output += "\nbody conditions saw only the first " + std::to_string(kMaxKeptBody >> 20) + " MiB";
  if (o.cert_days)
    r.long_output += "\ncertificate expires " + response.certificate->not_after + " (" +
                     nagios::FormatPerfNumber(*o.cert_days) + " days)";
  r.state = state;
  r.summary = failures.empty() ? std::move(base) : failures + " - " + base;

  for (const auto& [label, value, uom] : {std::tuple<const char*, double, const char*>{"time", o.time_s, "s"},
                                         {"size", o.size, "B"}}) {
    Perfdata measure;
    measure.label = label;
    measure.value = value;
    measure.uom = uom;
    measure.min = 0;
    r.perfdata.push_back(std::move(measure));
  }
  if (o.cert_days) {
    Perfdata days;
    days.label = "cert_days";
    days.value = *o.cert_days;
    r.perfdata.push_back(std::move(days));
  }

  r.details["status"] = status;
  r.details["http_version"] = response.http_version;
  r.details["time"] = o.time_s;
  r.details["size"] = static_cast<long long>(size);
  if (!response.redirect_url.empty()) r.details["redirect_url"] = http::StripUserinfo(response.redirect_url);
  if (o.cert_days) r.details["cert_not_after"] = response.certificate->not_after;
  ApplyThresholds(spec.thresholds, &r);
  return r;
}

// The result of check @p spec, started as @p s, from @p response; secrets never reach it.
CheckResult Complete(const CheckSpec& spec, const Started& s, const http::Response& response) {
  CheckResult r;
  try {
    r = Finish(spec, s.plan, response);
  } catch (const std::exception& e) {
    r = Unknown(std::string("internal error: ") + e.what());
  }
  r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - response.started);
  std::vector<std::string> secrets = s.header_secrets;
  secrets.push_back(s.password);
  secrets.push_back(s.bearer);
  r.summary = RedactSecrets(std::move(r.summary), secrets);
  r.long_output = RedactSecrets(std::move(r.long_output), secrets);
  return r;
}

class HttpCheck : public CheckType {
 public:
  explicit HttpCheck(bool https) : https_(https) {}

  std::string Name() const override { return https_ ? "https" : "http"; }

  std::vector<std::string> ParamKeys() const override {
    return {"method",      "headers",       "data",          "status",      "body",
            "body_not",    "body_regex",    "body_not_regex", "follow_redirects", "max_redirects",
            "ca_file",     "insecure",      "client_cert",   "client_key",  "user",
            "password_env", "password_file", "bearer_env",   "bearer_file", "expect_header",
            "json_path",   "json_equals"};
  }
  std::vector<std::string> PatternKeys() const override { return {"body_regex", "body_not_regex"}; }

  std::vector<std::string> Measures() const override { return {"time", "size", "cert_days"}; }

  std::string Validate(const CheckSpec& spec) const override {
    Plan plan;
    return BuildPlan(spec, https_, true, &plan);
  }

  bool UsesCurlMulti() const override { return true; }

  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override {
    CheckResult out = Unknown("no result");
    RunBatch({&spec}, ctx, 1, [&out](size_t, CheckResult r) { out = std::move(r); });
    return out;
  }

  void RunBatch(const SpecSource& specs, const CheckContext& ctx, int max_parallel,
                const DoneFn& done) const override {
    http::RunnerOptions options;
    options.max_parallel = static_cast<size_t>(std::max(1, max_parallel));
    options.max_per_host = static_cast<size_t>(std::max(1, ctx.per_host));
    const bool https = https_;
    RunRequests<Started>(
        specs, options,
        [https](const CheckSpec& spec, Started* s, http::Request* request, CheckResult* failed) {
          return Prepare(spec, https, s, request, failed);
        },
        Complete, done);
  }

 private:
  bool https_;
};

}  // namespace

std::unique_ptr<CheckType> MakeHttpCheck(bool https) { return std::make_unique<HttpCheck>(https); }

}  // namespace hops::mon
