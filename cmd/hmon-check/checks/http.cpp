// The http and https monitor types: every request of a batch runs in one libcurl multi loop, and
// each response is judged by status, body, regex, JSON, header and measure conditions, with
// check_curl's output conventions ("HTTP/1.1 200 OK - 612 bytes in 0.003 s").
//
// States: a transport failure (refused, unresolvable host, TLS verification, timeout, reset) is
// CRITICAL, as check_curl reports it for the service; only what keeps the check from running at all
// (a bad parameter, an unreadable secret or TLS file) is UNKNOWN.
#include <curl/curl.h>
#include <openssl/asn1.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "cmd/hmon-check/checks/net.hpp"
#include "cmd/hmon-check/checks/tls_util.hpp"
#include "common/nagios.hpp"
#include "common/output.hpp"
#include "common/regex.hpp"
#include "common/spell.hpp"
#include "common/units.hpp"

namespace hops::mon {
namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// Bytes of a response body kept for body, regex and JSON conditions; the rest is only counted.
constexpr size_t kMaxKeptBody = size_t{4} << 20;
constexpr long kDefaultMaxRedirects = 10;
// Most requests in flight to one host[:port] in a batch, and the connections kept per host (the
// multi handle then never queues a request, whose timeout would run while it waits). A few
// connections are also faster than many against one server: 1,000 checks of a loopback nginx take
// ~18 ms with 8, ~55 ms with 64.
constexpr int kMaxPerHost = 8;

const std::vector<std::string> kSubjects = {"status", "body", "body_regex", "json", "header",
                                            "time",   "size", "cert_days"};

// ---------------------------------------------------------------------------------------------
// Text helpers

std::string Quoted(std::string_view s) {
  std::string q;
  q.reserve(s.size() + 2);
  q += '\'';
  q.append(s);
  q += '\'';
  return q;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}


std::optional<long> ParseLong(std::string_view s, long lo, long hi) {
  s = Trim(s);
  if (s.empty() || s.size() > 9) return std::nullopt;
  long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return std::nullopt;
  return v;
}

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

// @p url without a "user:password@" part, for output.
std::string StripUserinfo(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  const size_t end = url.find_first_of("/?#", start);
  const size_t at = url.rfind('@', end == std::string::npos ? url.size() : end);
  if (at == std::string::npos || at < start) return url;
  return url.substr(0, start) + url.substr(at + 1);
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
      *err = "bad status " + Quoted(item) +
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
  const std::string quoted = Quoted(p);
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
      const auto index = ParseLong(p.substr(i + 1, close - i - 1), 0, 99999999);
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

// Compiles @p pattern (common/regex.hpp: linear in the body, whatever its size); false with a
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
  std::string header_lower;         ///< header name in lower case
  std::optional<Regex> regex;       ///< kBodyRegex
  std::vector<JsonStep> path;       ///< kJson
  std::optional<Json> expected;     ///< operand parsed as JSON, when it is JSON
  nagios::Range range;              ///< measures
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
  return "condition " + Quoted(c.text.empty() ? c.what : c.text);
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
    return label + ": unknown subject " + Quoted(c.what) + DidYouMean(what, kSubjects) +
           " (expected one of " + list + ")";
  }
  rule->subject = static_cast<Subject>(it - kSubjects.begin());
  Op op;
  if (!OpOf(Lower(c.op), &op)) return label + ": unknown operator " + Quoted(c.op);
  rule->op = op;
  auto bad_op = [&](const char* expected) {
    return label + ": operator " + Quoted(c.op) + " does not apply to " + Quoted(what) +
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
      if (!ValidHeaderName(c.path)) return label + ": bad header name " + Quoted(c.path);
      rule->name = c.path;
      rule->header_lower = Lower(c.path);
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
      return "URL scheme " + Quoted(scheme) + " is not http or https";
    if (https_type && scheme != "https") return "type 'https' needs an https:// URL";
    plan->url = std::string(target);
    plan->https = scheme == "https";
  }
  if (full) {
    CURLU* u = curl_url();
    if (!u) return "out of memory";
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, plan->url.c_str(), 0);
    char* password = nullptr;
    if (uc == CURLUE_OK && curl_url_get(u, CURLUPART_PASSWORD, &password, 0) == CURLUE_OK) {
      curl_free(password);
      curl_url_cleanup(u);
      return "the URL target holds a password: use 'user' with 'password_env' or 'password_file'";
    }
    curl_url_cleanup(u);
    if (uc != CURLUE_OK) return std::string("bad URL target: ") + curl_url_strerror(uc);
  }

  // Request.
  plan->data = First(params, "data");
  if (const std::string* m = First(params, "method")) {
    static const char* const kMethods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"};
    std::string upper(Trim(*m));
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    plan->method = nullptr;
    for (const char* k : kMethods)
      if (upper == k) plan->method = k;
    if (!plan->method)
      return "bad 'method' " + Quoted(*m) + " (expected GET, HEAD, POST, PUT, DELETE, OPTIONS or PATCH)";
    if (plan->data && std::strcmp(plan->method, "HEAD") == 0) return "'data' cannot be sent with method HEAD";
  } else if (plan->data) {
    plan->method = "POST";  // as curl -d
  }
  for (const auto& [name, value] : params.Map("headers")) {
    if (!ValidHeaderName(name)) return "bad header name " + Quoted(name) + " in 'headers'";
    if (value.find_first_of("\r\n") != std::string::npos)
      return "header " + Quoted(name) + " in 'headers' has a line break";
  }
  if (const std::string* v = First(params, "follow_redirects")) {
    auto b = ParseBool(*v);
    if (!b) return "bad 'follow_redirects' " + Quoted(*v) + " (expected true or false)";
    plan->follow = *b;
  }
  if (const std::string* v = First(params, "max_redirects")) {
    auto n = ParseLong(*v, 0, 1000);
    if (!n) return "bad 'max_redirects' " + Quoted(*v) + " (expected a whole number 0..1000)";
    if (!plan->follow) return "'max_redirects' needs 'follow_redirects: true'";
    plan->max_redirects = *n;
  }
  if (const std::string* v = First(params, "insecure")) {
    auto b = ParseBool(*v);
    if (!b) return "bad 'insecure' " + Quoted(*v) + " (expected true or false)";
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
      if (!CompileRegex(v, Quoted(key), &rule.regex, &err)) return err;
      plan->rules.push_back(std::move(rule));
    }
  }
  for (const auto& [name, value] : params.Map("expect_header")) {
    if (!ValidHeaderName(name)) return "bad header name " + Quoted(name) + " in 'expect_header'";
    Rule rule;
    rule.subject = Subject::kHeader;
    rule.op = value.empty() ? Op::kExists : Op::kContains;
    rule.name = name;
    rule.header_lower = Lower(name);
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

// Reads the secret named by an *_env or *_file parameter; nullopt with *@p err on failure. The
// message names the variable or file, never the value.
std::optional<std::string> ReadSecret(const std::string* env, const std::string* file,
                                      const char* env_key, const char* file_key, std::string* err) {
  if (env) {
    const char* v = std::getenv(env->c_str());
    if (!v) {
      *err = "environment variable " + Quoted(*env) + " named by '" + env_key + "' is not set";
      return std::nullopt;
    }
    return std::string(v);
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) {
    *err = "cannot read '" + std::string(file_key) + "' " + Quoted(*file) + ": " + std::strerror(errno);
    return std::nullopt;
  }
  std::string value((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
  return value;
}

// ---------------------------------------------------------------------------------------------
// Certificates.


// ---------------------------------------------------------------------------------------------
// Evaluating rules on a response.

struct Observed {
  long status = 0;
  std::string_view body;
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
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
      *msg = std::string("body ") + (found ? "contains " : "lacks ") + Quoted(Printable(r.operand, 40));
      return found == (r.op == Op::kContains);
    }
    case Subject::kBodyRegex: {
      const bool found = r.regex->Search(o->body);
      *msg = std::string("body ") + (found ? "matches " : "does not match ") +
             Quoted(Printable(r.operand, 40));
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
      const std::string path = "json " + Quoted(r.name);
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
      const std::string head = "header " + Quoted(r.name);
      const std::string* found = nullptr;
      bool contains = false;
      for (const auto& [name, value] : *o->headers) {
        if (name != r.header_lower) continue;
        found = &value;
        if (value.find(r.operand) != std::string::npos) {
          contains = true;
          break;
        }
      }
      if (r.op == Op::kExists) {
        *msg = head + (found ? " present" : " missing");
        return found != nullptr;
      }
      if (!found) {
        *msg = head + " missing";
        return r.op == Op::kNotContains;
      }
      *msg = head + (contains ? " contains " : " lacks ") + Quoted(Printable(r.operand, 40));
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
             Quoted(r.range.text);
      return !alerts;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// The multi loop.

// The host[:port] of a target URL, lower-cased and without user info, for per-host limits.
std::string HostKey(std::string_view target) {
  target = Trim(target);
  if (const size_t sep = target.find("://"); sep != std::string_view::npos) target.remove_prefix(sep + 3);
  target = target.substr(0, target.find_first_of("/?#"));
  if (const size_t at = target.rfind('@'); at != std::string_view::npos) target.remove_prefix(at + 1);
  return Lower(target);
}

void CurlGlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)ok;
}

// One in-flight request: an easy handle reused for check after check, and the response state.
struct Slot {
  CURL* easy = nullptr;
  size_t index = 0;
  const CheckSpec* spec = nullptr;
  Plan plan;
  std::string body;
  bool keep_body = false;
  bool keep_headers = false;
  bool want_cert = false;
  std::string status_line;
  std::vector<std::pair<std::string, std::string>> headers;
  curl_slist* header_list = nullptr;
  std::string password;
  std::string bearer;
  std::optional<double> cert_days;
  std::string cert_not_after;
  Clock::time_point started;
  char errbuf[CURL_ERROR_SIZE];
};

size_t OnWrite(char* data, size_t size, size_t nmemb, void* user) {
  Slot* s = static_cast<Slot*>(user);
  const size_t n = size * nmemb;
  if (s->keep_body && s->body.size() < kMaxKeptBody)
    s->body.append(data, std::min(n, kMaxKeptBody - s->body.size()));
  return n;
}

// Reads the leaf certificate of the live TLS connection (valid only during the transfer).
void ReadPeerCert(Slot* s) {
  s->cert_days.reset();
  s->cert_not_after.clear();
  const curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(s->easy, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || !info ||
      info->backend != CURLSSLBACKEND_OPENSSL || !info->internals)
    return;
  const X509* cert = SSL_get0_peer_certificate(static_cast<SSL*>(info->internals));
  double days = 0;
  if (cert && CertExpiry(X509_get0_notAfter(cert), &days, &s->cert_not_after)) s->cert_days = days;
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  Slot* s = static_cast<Slot*>(user);
  const size_t n = size * nmemb;
  const std::string_view line = Trim(std::string_view(data, n));
  if (line.size() >= 5 && line.compare(0, 5, "HTTP/") == 0) {
    s->status_line.assign(line.data(), line.size());
    s->headers.clear();
    if (s->want_cert) ReadPeerCert(s);
  } else if (s->keep_headers) {
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0)
      s->headers.emplace_back(Lower(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  }
  return n;
}

CheckResult Unknown(std::string message) {
  CheckResult r;
  r.state = State::kUnknown;
  r.summary = std::move(message);
  return r;
}

std::string LowerFirst(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

std::string HostPortOf(CURL* easy, const std::string& url) {
  char* ip = nullptr;
  long port = 0;
  curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &ip);
  curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &port);
  if (ip && *ip && port > 0) return std::string(ip) + ":" + std::to_string(port);
  std::string host;
  if (CURLU* u = curl_url()) {
    char* h = nullptr;
    char* p = nullptr;
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
      if (curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK) host = h;
      if (curl_url_get(u, CURLUPART_PORT, &p, CURLU_DEFAULT_PORT) == CURLUE_OK) host += std::string(":") + p;
    }
    curl_free(h);
    curl_free(p);
    curl_url_cleanup(u);
  }
  return host;
}

std::string HostOf(const std::string& url) {
  std::string host;
  if (CURLU* u = curl_url()) {
    char* h = nullptr;
    if (curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &h, 0) == CURLUE_OK)
      host = h;
    curl_free(h);
    curl_url_cleanup(u);
  }
  return host;
}

// The result of a request that got no response.
void TransportFailure(Slot* s, CURLcode code, CheckResult* r) {
  const std::string detail = s->errbuf[0] ? std::string(s->errbuf) : curl_easy_strerror(code);
  r->state = State::kCritical;
  switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
      r->summary = "cannot resolve host " + Quoted(HostOf(s->plan.url));
      break;
    case CURLE_COULDNT_CONNECT: {
      long os_errno = 0;
      curl_easy_getinfo(s->easy, CURLINFO_OS_ERRNO, &os_errno);
      r->summary = "cannot connect to " + Quoted(HostPortOf(s->easy, s->plan.url)) + ": " +
                   (os_errno ? LowerFirst(std::strerror(static_cast<int>(os_errno))) : detail);
      break;
    }
    case CURLE_OPERATION_TIMEDOUT:
      r->summary = "timed out after " + FormatDuration(s->spec->timeout);
      break;
    case CURLE_PEER_FAILED_VERIFICATION:
      r->summary = "TLS verification failed: " + detail;
      break;
    case CURLE_SSL_CONNECT_ERROR:
      r->summary = "TLS handshake failed: " + detail;
      break;
    case CURLE_TOO_MANY_REDIRECTS:
      r->summary = "too many redirects: " + detail;
      break;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
      r->state = State::kUnknown;
      r->summary = "cannot run the request: " + detail;
      break;
    default:
      r->summary = "request failed: " + detail;
      break;
  }
  r->details["error"] = detail;
}


class Batch {
 public:
  Batch(bool https_type, size_t width, const DoneFn& done) : https_type_(https_type), done_(done) {
    multi_ = curl_multi_init();
    share_ = curl_share_init();
    if (share_) {
      curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    if (multi_) {
      // Connections per host as many as the checks a host may have in flight, and a cache that
      // keeps every slot's connection for re-use.
      curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(kMaxPerHost));
      curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS, static_cast<long>(std::max<size_t>(width, kMaxPerHost)));
      curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    }
    slots_.resize(width);
    for (Slot& s : slots_) {
      s.easy = curl_easy_init();
      if (!s.easy) ok_ = false;
      free_.push_back(&s);
    }
    ok_ = ok_ && multi_ && share_;
  }

  ~Batch() {
    for (Slot& s : slots_) {
      if (s.easy) {
        if (multi_ && s.spec) curl_multi_remove_handle(multi_, s.easy);
        curl_easy_cleanup(s.easy);
      }
      curl_slist_free_all(s.header_list);
    }
    if (multi_) curl_multi_cleanup(multi_);
    if (share_) curl_share_cleanup(share_);
  }

  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  void Run(const std::vector<const CheckSpec*>& specs) {
    const size_t n = specs.size();
    if (!ok_) {
      for (size_t i = 0; i < n; ++i) done_(i, Unknown("cannot initialise libcurl"));
      return;
    }
    reported_.assign(n, false);
    host_of_.assign(n, nullptr);
    size_t next = 0;    // the next spec not yet looked at
    size_t active = 0;  // requests in the multi handle
    while (next < n || active > 0 || !ready_.empty()) {
      // Fill free slots: first checks whose host just got room, then new ones in order; a check
      // whose host is at kMaxPerHost waits unstarted, so its timeout does not run while it waits.
      while (!free_.empty()) {
        size_t i;
        if (!ready_.empty()) {
          i = ready_.front();
          ready_.pop_front();
        } else if (next < n) {
          i = next++;
          HostQueue& host = hosts_[HostKey(specs[i]->target)];
          host_of_[i] = &host;
          if (host.active >= kMaxPerHost) {
            host.waiting.push_back(i);
            continue;
          }
          ++host.active;
        } else {
          break;
        }
        CheckResult failed;
        if (Start(free_.back(), i, *specs[i], &failed)) {
          free_.pop_back();
          ++active;
        } else {
          Report(i, std::move(failed));
        }
      }
      if (active == 0) continue;
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi_, &running);
      bool finished = false;
      int queued = 0;
      while (CURLMsg* m = curl_multi_info_read(multi_, &queued)) {
        if (m->msg != CURLMSG_DONE) continue;
        char* priv = nullptr;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        Slot* s = reinterpret_cast<Slot*>(priv);
        const CURLcode code = m->data.result;
        curl_multi_remove_handle(multi_, s->easy);
        --active;
        finished = true;
        Complete(s, code);
      }
      const bool more = next < n || !ready_.empty();
      if (mc == CURLM_OK && active > 0 && !(finished && more)) mc = curl_multi_poll(multi_, nullptr, 0, 1000, nullptr);
      if (mc != CURLM_OK) {
        const std::string why = std::string("libcurl multi error: ") + curl_multi_strerror(mc);
        for (Slot& slot : slots_) {
          if (!slot.spec) continue;
          curl_multi_remove_handle(multi_, slot.easy);
          Release(&slot);
        }
        for (size_t i = 0; i < n; ++i)
          if (!reported_[i]) done_(i, Unknown(why));
        return;
      }
    }
  }

 private:
  // Configures @p s for spec @p i and adds it to the multi handle; false with *@p failed filled
  // when the check cannot start.
  bool Start(Slot* s, size_t i, const CheckSpec& spec, CheckResult* failed) {
    s->plan = Plan();
    std::string err = BuildPlan(spec, https_type_, false, &s->plan);
    if (!err.empty()) {
      *failed = Unknown(err);
      return false;
    }
    const Plan& p = s->plan;
    s->password.clear();
    s->bearer.clear();
    if (p.user) {
      auto v = ReadSecret(p.password_env, p.password_file, "password_env", "password_file", &err);
      if (!v) {
        *failed = Unknown(err);
        return false;
      }
      s->password = std::move(*v);
    } else if (p.bearer_env || p.bearer_file) {
      auto v = ReadSecret(p.bearer_env, p.bearer_file, "bearer_env", "bearer_file", &err);
      if (!v) {
        *failed = Unknown(err);
        return false;
      }
      s->bearer = std::move(*v);
    }
    s->index = i;
    s->body.clear();
    s->status_line.clear();
    s->headers.clear();
    s->cert_days.reset();
    s->cert_not_after.clear();
    s->keep_body = p.need_body;
    s->keep_headers = p.need_headers;
    s->want_cert = p.https;
    s->errbuf[0] = '\0';
    curl_slist_free_all(s->header_list);
    s->header_list = nullptr;

    CURL* e = s->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, p.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SHARE, share_);
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
    const long timeout_ms = std::max<long>(1, static_cast<long>(spec.timeout.count()));
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_USERAGENT, "hmon-check");
    if (p.follow) {
      curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
      curl_easy_setopt(e, CURLOPT_MAXREDIRS, p.max_redirects);
    }
    if (std::strcmp(p.method, "HEAD") == 0) {
      curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (std::strcmp(p.method, "GET") != 0 || p.data) {
      if (std::strcmp(p.method, "POST") != 0) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, p.method);
      if (p.data || std::strcmp(p.method, "POST") == 0) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, p.data ? p.data->c_str() : "");
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(p.data ? p.data->size() : 0));
      }
    }
    for (const auto& [name, value] : spec.params.Map("headers")) {
      std::string line = name;
      line += value.empty() ? ";" : ": ";  // "Name;" sends an empty header in libcurl
      line += value;
      curl_slist* grown = curl_slist_append(s->header_list, line.c_str());
      if (!grown) {
        *failed = Unknown("out of memory");
        return false;
      }
      s->header_list = grown;
    }
    if (s->header_list) curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->header_list);
    if (p.ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, p.ca_file->c_str());
    if (p.insecure) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (p.client_cert) curl_easy_setopt(e, CURLOPT_SSLCERT, p.client_cert->c_str());
    if (p.client_key) curl_easy_setopt(e, CURLOPT_SSLKEY, p.client_key->c_str());
    if (p.user) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
      curl_easy_setopt(e, CURLOPT_USERNAME, p.user->c_str());
      curl_easy_setopt(e, CURLOPT_PASSWORD, s->password.c_str());
    } else if (p.bearer_env || p.bearer_file) {
      curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
      curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, s->bearer.c_str());
    }
    s->started = Clock::now();
    if (curl_multi_add_handle(multi_, e) != CURLM_OK) {
      *failed = Unknown("cannot add the request to the libcurl multi handle");
      return false;
    }
    s->spec = &spec;  // marks the slot as added to the multi handle
    return true;
  }

  // Hands the result of check @p i to the caller and gives its host's place to a waiting check.
  void Report(size_t i, CheckResult r) {
    reported_[i] = true;
    if (HostQueue* host = host_of_[i]) {
      --host->active;
      if (!host->waiting.empty()) {
        ready_.push_back(host->waiting.front());
        host->waiting.pop_front();
        ++host->active;
      }
    }
    done_(i, std::move(r));
  }

  void Release(Slot* s) {
    s->spec = nullptr;
    s->password.clear();
    s->bearer.clear();
    free_.push_back(s);
  }

  void Complete(Slot* s, CURLcode code) {
    const size_t index = s->index;
    CheckResult r;
    try {
      r = Finish(s, code);
    } catch (const std::exception& e) {
      r = Unknown(std::string("internal error: ") + e.what());
    }
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - s->started);
    if (!s->password.empty() || !s->bearer.empty()) {
      const std::vector<std::string> secrets = {s->password, s->bearer};
      r.summary = RedactSecrets(std::move(r.summary), secrets);
      r.long_output = RedactSecrets(std::move(r.long_output), secrets);
    }
    Release(s);
    Report(index, std::move(r));
  }

  CheckResult Finish(Slot* s, CURLcode code) {
    const Plan& p = s->plan;
    const CheckSpec& spec = *s->spec;
    CheckResult r;
    r.details["url"] = StripUserinfo(p.url);
    if (code != CURLE_OK) {
      TransportFailure(s, code, &r);
      return r;
    }
    CURL* e = s->easy;
    long status = 0, version = 0;
    curl_off_t total_us = 0, size = 0;
    char* redirect = nullptr;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
    curl_easy_getinfo(e, CURLINFO_TOTAL_TIME_T, &total_us);
    curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &size);
    curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &redirect);
    const char* http_version = version == CURL_HTTP_VERSION_1_0   ? "1.0"
                               : version == CURL_HTTP_VERSION_1_1 ? "1.1"
                               : version == CURL_HTTP_VERSION_2_0 ? "2"
                               : version == CURL_HTTP_VERSION_3   ? "3"
                                                                  : "";
    Observed o;
    o.status = status;
    o.body = s->body;
    o.headers = &s->headers;
    o.time_s = static_cast<double>(total_us) / 1e6;
    o.size = static_cast<double>(size);
    o.cert_days = s->cert_days;

    std::string base = s->status_line.empty() ? "HTTP " + std::to_string(status) : Printable(s->status_line, 60);
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
        r.long_output += "FAIL (";
        r.long_output += nagios::StateWord(rule.severity);
        r.long_output += "): ";
        state = nagios::WorstOf(state, rule.severity);
        if (!failures.empty()) failures += "; ";
        failures += msg;
      }
      r.long_output += msg;
    }
    if (s->keep_body && s->body.size() >= kMaxKeptBody && static_cast<size_t>(size) > kMaxKeptBody)
      r.long_output += "\nbody conditions saw only the first " + std::to_string(kMaxKeptBody >> 20) + " MiB";
    if (o.cert_days)
      r.long_output += "\ncertificate expires " + s->cert_not_after + " (" +
                       nagios::FormatPerfNumber(*o.cert_days) + " days)";
    r.state = state;
    r.summary = failures.empty() ? std::move(base) : failures + " - " + base;

    Perfdata time;
    time.label = "time";
    time.value = o.time_s;
    time.uom = "s";
    time.min = 0;
    r.perfdata.push_back(std::move(time));
    Perfdata bytes;
    bytes.label = "size";
    bytes.value = o.size;
    bytes.uom = "B";
    bytes.min = 0;
    r.perfdata.push_back(std::move(bytes));
    if (o.cert_days) {
      Perfdata days;
      days.label = "cert_days";
      days.value = *o.cert_days;
      r.perfdata.push_back(std::move(days));
    }

    r.details["status"] = status;
    r.details["http_version"] = http_version;
    r.details["time"] = o.time_s;
    r.details["size"] = static_cast<long long>(size);
    if (redirect && *redirect) r.details["redirect_url"] = StripUserinfo(redirect);
    if (o.cert_days) r.details["cert_not_after"] = s->cert_not_after;
    ApplyThresholds(spec.thresholds, &r);
    return r;
  }

  struct HostQueue {
    int active = 0;              ///< started checks of this host
    std::deque<size_t> waiting;  ///< checks held back until one of them finishes
  };

  bool https_type_;
  const DoneFn& done_;
  std::unordered_map<std::string, HostQueue> hosts_;  // node-based: pointers stay valid
  std::vector<HostQueue*> host_of_;
  std::deque<size_t> ready_;  // checks whose host has room, to start first
  std::vector<bool> reported_;
  CURLM* multi_ = nullptr;
  CURLSH* share_ = nullptr;
  bool ok_ = true;
  std::vector<Slot> slots_;
  std::vector<Slot*> free_;
};

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
    CurlGlobalInit();
    Plan plan;
    return BuildPlan(spec, https_, true, &plan);
  }

  bool UsesCurlMulti() const override { return true; }

  CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const override {
    CheckResult out = Unknown("no result");
    RunBatch({&spec}, ctx, 1, [&out](size_t, CheckResult r) { out = std::move(r); });
    return out;
  }

  void RunBatch(const std::vector<const CheckSpec*>& specs, const CheckContext& /*ctx*/, int max_parallel,
                const DoneFn& done) const override {
    if (specs.empty()) return;
    CurlGlobalInit();
    const size_t width = std::min(specs.size(), static_cast<size_t>(std::max(1, max_parallel)));
    const SigpipeGuard no_sigpipe;
    Batch batch(https_, width, done);
    batch.Run(specs);
  }

 private:
  bool https_;
};

}  // namespace

std::unique_ptr<CheckType> MakeHttpCheck(bool https) { return std::make_unique<HttpCheck>(https); }

}  // namespace hops::mon
