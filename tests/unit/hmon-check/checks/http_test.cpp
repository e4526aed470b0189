#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cmd/hmon-check/checks/check.hpp"
#include "tests/unit/testing/certs.hpp"
#include "tests/unit/testing/nginx.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/test_server.hpp"

namespace hops::mon {
namespace {

namespace ht = hops::testing;
using ht::MakeCerts;
using nagios::State;

// nginx on loopback: plain http, and https with the good (HTTP/2), soon, wrong and expired certs.
struct Nginx {
  std::string error;  ///< why it is not running, when it is not
  std::string dir;
  int http = 0, https = 0, soon = 0, wrong = 0, expired = 0;
  std::unique_ptr<ht::Peer> peer;

  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(http) + path; }
  std::string Tls(int port, const std::string& path = "/ok") const {
    return "https://localhost:" + std::to_string(port) + path;
  }
};

Nginx StartNginx() {
  Nginx n;
  n.error = ht::Missing({"nginx", "openssl"});
  if (!n.error.empty()) return n;
  n.dir = ht::MakeTempDir("hops-http");
  const std::string& d = n.dir;
  if (std::string err = MakeCerts(d); !err.empty()) {
    n.error = err;
    return n;
  }
  ht::WriteFile(d + "/big.txt", std::string(200000, 'a') + "b\n");
  // nginx workers may run as another user ("nobody" under root): let them read big.txt.
  std::filesystem::permissions(d, std::filesystem::perms::others_exec | std::filesystem::perms::group_exec,
                               std::filesystem::perm_options::add);
  ht::WriteFile(d + "/locations.conf",
                "location = /ok { return 200 \"ok\\n\"; }\n"
                "location = /fail { return 503 \"down\\n\"; }\n"
                "location = /echo-auth { default_type application/json; return 200 "
                "'{\"auth\":\"$http_authorization\",\"key\":\"$http_x_api_key\"}'; }\n"
                "location = /json { default_type application/json; return 200 "
                "'{\"status\":\"up\",\"items\":[{\"name\":\"a\"},{\"name\":\"b\",\"n\":2}],\"ok\":true}'; }\n"
                "location = /redirect { return 302 /ok; }\n"
                "location = /loop { return 302 /loop; }\n"
                "location = /header { add_header X-Test \"hello-world\" always; return 200 \"h\\n\"; }\n"
                "location = /method { if ($request_method = POST) { return 201 \"posted\\n\"; }\n"
                "  if ($request_method = PUT) { return 202 \"put\\n\"; } return 200 \"$request_method\\n\"; }\n"
                "location = /bearer { if ($http_authorization != \"Bearer s3cret-token\") { return 401 \"no\\n\"; }\n"
                "  return 200 \"bearer ok\\n\"; }\n"
                "location = /basic { if ($http_authorization != \"Basic dXNlcjpwYXNz\") { return 401 \"no\\n\"; }\n"
                "  return 200 \"basic ok\\n\"; }\n"
                "location = /hdr { if ($http_x_probe != \"yes\") { return 400 \"no\\n\"; } return 200 \"hdr ok\\n\"; }\n"
                "location = /big { alias " + d + "/big.txt; }\n"
                "location = /huge { alias " + d + "/huge.txt; }\n");
  const std::string locations = "  include " + d + "/locations.conf;";
  std::vector<ht::NginxServer> servers = {
      {"", "", locations}, {"good", " http2", locations}, {"soon", "", locations},
      {"wrong", "", locations}, {"expired", "", locations}};
  std::string err;
  n.peer = ht::StartNginx(d, &servers, &err);
  n.http = servers[0].port;
  n.https = servers[1].port;
  n.soon = servers[2].port;
  n.wrong = servers[3].port;
  n.expired = servers[4].port;
  if (!n.peer) n.error = "nginx did not start: " + err;
  return n;
}

// The shared nginx (started on first use, stopped when the test binary exits).
const Nginx& Server() {
  static Nginx n = StartNginx();
  return n;
}

// Tests that need nginx: skipped only when it is missing and HOPS_ALLOW_SKIP=1; otherwise they
// run, and fail when it is missing.
const bool kSkipNginx = ht::SkipWithout("nginx") || ht::SkipWithout("openssl");

#define REQUIRE_NGINX(n)     \
  const Nginx& n = Server(); \
  REQUIRE_MESSAGE(n.error.empty(), n.error)

CheckSpec Spec(const std::string& url, const std::string& type = "http") {
  CheckSpec s;
  s.monitor = "web";
  s.type = type;
  s.target = url;
  s.timeout = std::chrono::milliseconds(5000);
  return s;
}

CheckResult RunHttp(const CheckSpec& spec, bool https = false) {
  auto type = MakeHttpCheck(https);
  const std::string err = type->Validate(spec);
  REQUIRE_MESSAGE(err.empty(), err);
  return type->Run(spec, CheckContext{});
}

const Perfdata* FindPerf(const CheckResult& r, const std::string& label) {
  for (const Perfdata& p : r.perfdata)
    if (p.label == label) return &p;
  return nullptr;
}

nagios::Thresholds Limits(const char* warning, const char* critical) {
  nagios::Thresholds t;
  std::string err;
  if (warning) t.warning = nagios::ParseRange(warning, &err);
  if (critical) t.critical = nagios::ParseRange(critical, &err);
  return t;
}

Condition Cond(std::string what, std::string op, std::vector<std::string> values, State severity,
               std::string path = "") {
  Condition c;
  c.what = std::move(what);
  c.op = std::move(op);
  c.values = std::move(values);
  c.severity = severity;
  c.path = std::move(path);
  c.text = c.what + " " + c.op;
  return c;
}

using hops::testing::SilentListener;

using hops::testing::SlowServer;

TEST_SUITE("hops::mon::http") {
  TEST_CASE("type description") {
    auto http = MakeHttpCheck(false);
    auto https = MakeHttpCheck(true);
    CHECK(http->Name() == "http");
    CHECK(https->Name() == "https");
    CHECK(http->UsesCurlMulti());
    CHECK(http->Measures() == std::vector<std::string>{"time", "size", "cert_days"});
    const auto keys = http->ParamKeys();
    for (const char* k : {"method", "headers", "data", "status", "body", "body_not", "body_regex", "body_not_regex",
                          "follow_redirects", "max_redirects", "ca_file", "insecure", "client_cert", "client_key",
                          "user", "password_env", "password_file", "bearer_env", "bearer_file", "expect_header",
                          "json_path", "json_equals"})
      CHECK_MESSAGE(std::find(keys.begin(), keys.end(), k) != keys.end(), k);
  }

  TEST_CASE("Validate rejects bad parameters with a message naming the key") {
    auto http = MakeHttpCheck(false);
    auto https = MakeHttpCheck(true);
    auto err = [&](CheckSpec s) { return http->Validate(s); };
    CheckSpec s = Spec("http://127.0.0.1/");
    CHECK(err(s) == "");
    CHECK(err(Spec("127.0.0.1:8080/x")) == "");
    CHECK(err(Spec("")) == "missing URL target");
    CHECK(err(Spec("ftp://host/")) == "URL scheme 'ftp' is not http or https");
    CHECK(https->Validate(Spec("http://host/")) == "type 'https' needs an https:// URL");
    CHECK(https->Validate(Spec("host/x")) == "");
    CHECK(err(Spec("http://user:hunter2@host/")) ==
          "the URL target holds a password: use 'user' with 'password_env' or 'password_file'");
    CHECK(err(Spec("http://exa mple/")).rfind("bad URL target: ", 0) == 0);

    auto with = [&](const std::string& key, const std::string& value) {
      CheckSpec c = Spec("http://127.0.0.1/");
      c.params.Set(key, value);
      return http->Validate(c);
    };
    CHECK(with("method", "FETCH") == "bad 'method' 'FETCH' (expected GET, HEAD, POST, PUT, DELETE, OPTIONS or PATCH)");
    CHECK(with("method", "post") == "");
    CHECK(with("status", "abc") ==
          "'status': bad status 'abc' (expected a code such as 200, a range such as 200-299, or 2xx)");
    CHECK(with("status", "299-200").rfind("'status': bad status '299-200'", 0) == 0);
    CHECK(with("status", "200, 3xx,401-403") == "");
    CHECK(with("body_regex", "(") == "'body_regex': invalid regular expression '(': missing ')'");
    CHECK(with("body_not_regex", "[a-") ==
          "'body_not_regex': invalid regular expression '[a-': missing ']' after '[a-'");
    CHECK(with("body_regex", "a)(b") == "'body_regex': invalid regular expression 'a)(b': unexpected ')'");
    CHECK(with("body_regex", "(a)\\1") ==
          "'body_regex': invalid regular expression '(a)\\1': invalid escape sequence '\\1' (back-references are not "
          "supported)");
    CHECK(with("body_regex", "^(?:ok|up)\\s*$") == "");
    CHECK(with("body", "") == "empty 'body'");
    CHECK(with("json_equals", "1") == "'json_equals' needs 'json_path'");
    CHECK(with("json_path", "a..b") == "'json_path': JSON path 'a..b' has an empty name");
    CHECK(with("json_path", "a[x]") == "'json_path': JSON path 'a[x]' has a bad index (expected [0], [1], ...)");
    CHECK(with("json_path", "a[1") == "'json_path': JSON path 'a[1' has an unclosed '['");
    CHECK(with("json_path", "$.a.b[0].c") == "");
    CHECK(with("follow_redirects", "maybe") ==
          "'follow_redirects' must be true, false, yes, no, on or off (any case), not 'maybe'");
    CHECK(with("insecure", "sure") == "'insecure' must be true, false, yes, no, on or off (any case), not 'sure'");
    CHECK(with("insecure", "1") == "'insecure' must be true, false, yes, no, on or off (any case), not '1'");
    CHECK(with("insecure", "OFF") == "");
    CHECK(with("follow_redirects", "Yes") == "");
    CHECK(with("max_redirects", "3") == "'max_redirects' needs 'follow_redirects: true'");
    CHECK(with("user", "bob") == "'user' needs 'password_env' or 'password_file'");
    CHECK(with("password_env", "PW") == "'password_env'/'password_file' need 'user'");
    CHECK(with("client_key", "/k.pem") == "'client_key' needs 'client_cert'");
    CHECK(with("ca_file", "") == "empty 'ca_file'");
    {
      CheckSpec c = Spec("http://127.0.0.1/");
      c.params.Set("bearer_env", "A");
      c.params.Set("bearer_file", "/b");
      CHECK(http->Validate(c) == "use either 'bearer_env' or 'bearer_file'");
      c.params = Params();
      c.params.Set("follow_redirects", "true");
      c.params.Set("max_redirects", "many");
      CHECK(http->Validate(c) == "bad 'max_redirects' 'many' (expected a whole number 0..1000)");
      c.params = Params();
      c.params.SetMap("headers", "Bad Name", "x");
      CHECK(http->Validate(c) == "bad header name 'Bad Name' in 'headers'");
      c.params = Params();
      c.params.SetMap("headers", "X-A", "a\r\nX-B: b");
      CHECK(http->Validate(c) == "header 'X-A' in 'headers' has a line break");
      c.params = Params();
      c.params.Set("method", "HEAD");
      c.params.Set("data", "x");
      CHECK(http->Validate(c) == "'data' cannot be sent with method HEAD");
    }
    {
      CheckSpec c = Spec("http://127.0.0.1/");
      c.thresholds["cert_days"] = Limits("30:", nullptr);
      CHECK(http->Validate(c) == "'cert_days' needs an https:// URL");
      c.target = "https://127.0.0.1/";
      CHECK(http->Validate(c) == "");
    }
    auto cond = [&](Condition c) {
      CheckSpec s2 = Spec("http://127.0.0.1/");
      s2.conditions.push_back(std::move(c));
      return http->Validate(s2);
    };
    CHECK(cond(Cond("stauts", "in", {"200"}, State::kCritical)) ==
          "condition 'stauts in': unknown subject 'stauts', did you mean 'status'? (expected one of status, body, "
          "body_regex, json, header, time, size, cert_days)");
    CHECK(cond(Cond("status", "contains", {"200"}, State::kCritical)) ==
          "condition 'status contains': operator 'contains' does not apply to 'status' (expected in, not_in)");
    CHECK(cond(Cond("status", "in", {"20"}, State::kCritical)).find("bad status '20'") != std::string::npos);
    CHECK(cond(Cond("body", "contains", {}, State::kCritical)) == "condition 'body contains': missing value");
    CHECK(cond(Cond("body_regex", "matches", {"a("}, State::kCritical))
              == "condition 'body_regex matches': invalid regular expression 'a(': missing ')'");
    CHECK(cond(Cond("time", "range", {"1:x"}, State::kWarning)).rfind("condition 'time range': ", 0) == 0);
    CHECK(cond(Cond("time", "range", {"0:0.5"}, State::kWarning)) == "");
    CHECK(cond(Cond("header", "contains", {"x"}, State::kWarning, "")) ==
          "condition 'header contains': bad header name ''");
    CHECK(cond(Cond("json", "equals", {"1"}, State::kWarning, "a[")) ==
          "condition 'json equals': JSON path 'a[' has an unclosed '['");
    CHECK(cond(Cond("json", "frobs", {"1"}, State::kWarning, "a")) == "condition 'json frobs': unknown operator 'frobs'");
  }

  TEST_CASE("200 with body is OK in check_curl format with perfdata and details" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    const CheckResult r = RunHttp(Spec(n.Url("/ok")));
    CHECK(r.state == State::kOk);
    CHECK(r.summary.rfind("HTTP/1.1 200 OK - 3 bytes in ", 0) == 0);
    CHECK(r.summary.substr(r.summary.size() - 2) == " s");
    CHECK(r.long_output == "PASS: status 200 in 200-399");
    const Perfdata* time = FindPerf(r, "time");
    const Perfdata* size = FindPerf(r, "size");
    REQUIRE(time);
    REQUIRE(size);
    CHECK(time->uom == "s");
    CHECK(time->value > 0);
    CHECK(time->value < 5);
    CHECK(size->value == 3);
    CHECK(size->uom == "B");
    CHECK(FindPerf(r, "cert_days") == nullptr);
    CHECK(r.details["url"] == n.Url("/ok"));
    CHECK(r.details["status"] == 200);
    CHECK(r.details["http_version"] == "1.1");
    CHECK(r.details["size"] == 3);
    CHECK(!r.details.contains("cert_not_after"));
  }

  TEST_CASE("a target without scheme gets http://" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    const CheckResult r = RunHttp(Spec("127.0.0.1:" + std::to_string(n.http) + "/ok"));
    CHECK(r.state == State::kOk);
    CHECK(r.details["url"] == n.Url("/ok"));
  }

  TEST_CASE("503 with the default status is CRITICAL" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    const CheckResult r = RunHttp(Spec(n.Url("/fail")));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("status 503 not in 200-399 - HTTP/1.1 503 Service Temporarily Unavailable - 5 bytes in", 0) ==
          0);
    CHECK(r.long_output == "FAIL (critical): status 503 not in 200-399");
  }

  TEST_CASE("status parameter" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/fail"));
    s.params.Add("status", "200");
    s.params.Add("status", "5xx");
    CHECK(RunHttp(s).state == State::kOk);
    s = Spec(n.Url("/redirect"));
    s.params.Set("status", "200");
    const CheckResult r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("status 302 not in 200 - HTTP/1.1 302 Moved Temporarily", 0) == 0);
  }

  TEST_CASE("body, body_not, body_regex and body_not_regex" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/ok"));
    s.params.Set("body", "ok");
    s.params.Set("body_not", "error");
    s.params.Set("body_regex", "^o[k]$");
    s.params.Set("body_not_regex", "\\d+");
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kOk);
    CHECK(r.long_output ==
          "PASS: status 200 in 200-399\nPASS: body contains 'ok'\nPASS: body lacks 'error'\n"
          "PASS: body matches '^o[k]$'\nPASS: body does not match '\\d+'");

    s = Spec(n.Url("/ok"));
    s.params.Set("body", "nope");
    s.params.Set("body_not", "o");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("body lacks 'nope'; body contains 'o' - HTTP/1.1 200 OK", 0) == 0);

    s = Spec(n.Url("/ok"));
    s.params.Set("body_regex", "^x");
    s.params.Set("body_not_regex", "k\\s*$");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("body does not match '^x'; body matches 'k\\s*$' - ", 0) == 0);
  }

  TEST_CASE("regexes on a 200 kB single-line body neither crash nor miss" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/big"));
    s.params.Set("body_regex", "a.*b$");
    s.params.Set("body_not_regex", "(a|c)*x");
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kOk);
    CHECK(r.details["size"] == 200002);
    s.params = Params();
    s.params.Set("body_regex", "^b");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("body does not match '^b'", 0) == 0);
  }

  TEST_CASE("body regexes on a 16 MiB answer end within the timeout, without a crash" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    // Written here, not at startup, so that only this test pays for it; removed afterwards.
    const std::string huge = n.dir + "/huge.txt";
    ht::WriteFile(huge, std::string(size_t{16} << 20, 'a'));
    struct Remove {
      std::string path;
      ~Remove() { std::filesystem::remove(path); }
    } remove{huge};
    CheckSpec s = Spec(n.Url("/huge"));
    s.params.Set("body_regex", "(a|b)*c");
    s.params.Set("body_not_regex", "[ab]{200}c");
    const auto start = std::chrono::steady_clock::now();
    const CheckResult r = RunHttp(s);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("body does not match '(a|b)*c' - HTTP/1.1 200 OK", 0) == 0);
    CHECK(r.long_output.find("PASS: body does not match '[ab]{200}c'") != std::string::npos);
    CHECK(r.details["size"] == size_t{16} << 20);
    CHECK(took < s.timeout);
  }

  TEST_CASE("conditions carry their own severity, the worst failing one wins" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/fail"));
    s.conditions.push_back(Cond("status", "in", {"200-299"}, State::kWarning));
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kWarning);  // a status condition replaces the default status rule
    CHECK(r.long_output == "FAIL (warning): status 503 not in 200-299");

    s.conditions.push_back(Cond("body", "contains", {"up"}, State::kCritical));
    s.conditions.push_back(Cond("body", "not_contains", {"down"}, State::kWarning));
    s.conditions.push_back(Cond("time", "range", {"0:60"}, State::kCritical));
    s.conditions.push_back(Cond("size", "range", {"10:"}, State::kWarning));
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("status 503 not in 200-299; body lacks 'up'; body contains 'down'; size 5 B alerts on "
                          "range '10:' - HTTP/1.1 503",
                          0) == 0);
    CHECK(r.long_output.find("PASS: time ") != std::string::npos);
    CHECK(r.long_output.find("FAIL (warning): size 5 B alerts on range '10:'") != std::string::npos);

    s = Spec(n.Url("/fail"));
    s.conditions.push_back(Cond("status", "not_in", {"5xx"}, State::kWarning));
    r = RunHttp(s);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.rfind("status 503 in excluded 5xx - ", 0) == 0);
  }

  TEST_CASE("JSON path conditions" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/json"));
    s.params.Set("json_path", "items[1].n");
    s.params.Set("json_equals", "2");
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kOk);
    CHECK(r.long_output.find("PASS: json 'items[1].n' is 2") != std::string::npos);

    s.params.Set("json_path", "$.status");
    s.params.Set("json_equals", "up");
    CHECK(RunHttp(s).state == State::kOk);
    s.params.Set("json_path", "ok");
    s.params.Set("json_equals", "true");
    CHECK(RunHttp(s).state == State::kOk);

    s.params.Set("json_path", "status");
    s.params.Set("json_equals", "down");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("json 'status' is \"up\", expected down - ", 0) == 0);

    s = Spec(n.Url("/json"));
    s.params.Set("json_path", "items[5]");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("json 'items[5]' missing - ", 0) == 0);

    s = Spec(n.Url("/json"));
    s.conditions.push_back(Cond("json", "not_equals", {"a"}, State::kWarning, "items[0].name"));
    r = RunHttp(s);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.rfind("json 'items[0].name' is \"a\", must not be - ", 0) == 0);

    s = Spec(n.Url("/ok"));
    s.conditions.push_back(Cond("json", "exists", {}, State::kWarning, "status"));
    r = RunHttp(s);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.rfind("body is not JSON - ", 0) == 0);
  }

  TEST_CASE("credentials given under headers never show, not even cut short" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    const std::string token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcHMtYm90In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg";
    const std::string key = "k-5d1e0b7c9a3f4e2d8b6a";
    CheckSpec s = Spec(n.Url("/echo-auth"));
    s.params.SetMap("headers", "Authorization", "Bearer " + token);
    s.params.SetMap("headers", "X-Api-Key", key);
    s.params.Set("json_path", "auth");
    s.params.Set("json_equals", "\"nobody\"");
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kCritical);  // the echoed value was compared, and shown
    CAPTURE(r.summary);
    CHECK(r.summary.rfind("json 'auth' is \"***...", 0) == 0);
    for (const std::string& secret : {token, key}) {
      for (size_t i = 0; i + 8 <= secret.size(); ++i) {
        CAPTURE(i);
        CHECK(r.summary.find(secret.substr(i, 8)) == std::string::npos);
        CHECK(r.long_output.find(secret.substr(i, 8)) == std::string::npos);
      }
    }
    s.params.Set("json_path", "key");
    r = RunHttp(s);
    CHECK(r.summary.rfind("json 'key' is \"***\"", 0) == 0);
  }

  TEST_CASE("with no status condition, 4xx is WARNING and 5xx CRITICAL, as check_http" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckResult r = RunHttp(Spec(n.Url("/bearer")));  // 401
    CHECK(r.state == State::kWarning);
    CHECK(r.long_output.find("FAIL (warning): status 401 not in 200-399") != std::string::npos);
    r = RunHttp(Spec(n.Url("/fail")));  // 503
    CHECK(r.state == State::kCritical);
    CHECK(r.long_output.find("FAIL (critical): status 503 not in 200-399") != std::string::npos);
    // A status written by the monitor keeps its own severity.
    CheckSpec s = Spec(n.Url("/bearer"));
    s.params.Add("status", "200");
    CHECK(RunHttp(s).state == State::kCritical);
  }

  TEST_CASE("request headers, expected response headers and header conditions" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/hdr"));
    CHECK(RunHttp(s).state == State::kWarning);  // 400 without the header: 4xx warns by default
    s.params.SetMap("headers", "X-Probe", "yes");
    CHECK(RunHttp(s).state == State::kOk);

    s = Spec(n.Url("/header"));
    s.params.SetMap("expect_header", "x-test", "hello");
    s.params.SetMap("expect_header", "Content-Type", "");
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kOk);
    CHECK(r.long_output.find("PASS: header 'x-test' contains 'hello'") != std::string::npos);
    CHECK(r.long_output.find("PASS: header 'Content-Type' present") != std::string::npos);

    s = Spec(n.Url("/header"));
    s.params.SetMap("expect_header", "X-Test", "bye");
    s.conditions.push_back(Cond("header", "exists", {}, State::kWarning, "X-Missing"));
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("header 'X-Test' lacks 'bye'; header 'X-Missing' missing - ", 0) == 0);
  }

  TEST_CASE("methods and request bodies" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/method"));
    s.params.Set("data", "a=1");  // data without a method is a POST, as curl -d
    CheckResult r = RunHttp(s);
    CHECK(r.details["status"] == 201);
    s.params.Set("method", "PUT");
    CHECK(RunHttp(s).details["status"] == 202);
    s = Spec(n.Url("/method"));
    s.params.Set("method", "DELETE");
    s.params.Set("body", "DELETE");
    CHECK(RunHttp(s).state == State::kOk);
    s = Spec(n.Url("/ok"));
    s.params.Set("method", "HEAD");
    r = RunHttp(s);
    CHECK(r.state == State::kOk);
    CHECK(r.details["size"] == 0);
  }

  TEST_CASE("redirects are reported, followed on request, and loops fail" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckResult r = RunHttp(Spec(n.Url("/redirect")));
    CHECK(r.state == State::kOk);
    CHECK(r.details["status"] == 302);
    CHECK(r.details["redirect_url"] == n.Url("/ok"));

    CheckSpec s = Spec(n.Url("/redirect"));
    s.params.Set("follow_redirects", "true");
    s.params.Set("body", "ok");
    r = RunHttp(s);
    CHECK(r.state == State::kOk);
    CHECK(r.details["status"] == 200);

    s = Spec(n.Url("/loop"));
    s.params.Set("follow_redirects", "yes");
    s.params.Set("max_redirects", "3");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("too many redirects: ", 0) == 0);
  }

  TEST_CASE("bearer and basic authentication from env or file, secrets stay out of the output" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    const std::string dir = ht::MakeTempDir("hops-http-secret");
    ht::WriteFile(dir + "/token", "s3cret-token\n");
    ht::WriteFile(dir + "/pass", "pass\n");
    ht::WriteFile(dir + "/wrong", "hunter2-wrong\n");
    setenv("HOPS_TEST_BEARER", "s3cret-token", 1);

    CheckSpec s = Spec(n.Url("/bearer"));
    CHECK(RunHttp(s).state == State::kWarning);
    s.params.Set("bearer_env", "HOPS_TEST_BEARER");
    CHECK(RunHttp(s).state == State::kOk);
    s.params = Params();
    s.params.Set("bearer_file", dir + "/token");
    CHECK(RunHttp(s).state == State::kOk);
    s.params = Params();
    s.params.Set("bearer_env", "HOPS_TEST_NO_SUCH_VARIABLE");
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary == "environment variable 'HOPS_TEST_NO_SUCH_VARIABLE' named by 'bearer_env' is not set");

    s = Spec(n.Url("/basic"));
    s.params.Set("user", "user");
    s.params.Set("password_file", dir + "/pass");
    CHECK(RunHttp(s).state == State::kOk);
    s.params.Set("password_file", dir + "/wrong");
    s.params.Set("body", "hunter2-wrong");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("status 401") != std::string::npos);
    CHECK(r.summary.find("hunter2-wrong") == std::string::npos);
    CHECK(r.long_output.find("hunter2-wrong") == std::string::npos);
    CHECK(r.long_output.find("body lacks '***'") != std::string::npos);
    CHECK(r.details.dump().find("hunter2") == std::string::npos);
    s.params.Set("password_file", dir + "/missing");
    r = RunHttp(s);
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary == "cannot read 'password_file' '" + dir + "/missing': No such file or directory");
    unsetenv("HOPS_TEST_BEARER");
  }

  TEST_CASE("secret files lose exactly one trailing line break (common/secret)" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    const std::string dir = ht::MakeTempDir("hops-http-secret");
    CheckSpec s = Spec(n.Url("/basic"));
    s.params.Set("user", "user");
    s.params.Set("password_file", dir + "/pass");
    ht::WriteFile(dir + "/pass", "pass\r\n");
    CHECK(RunHttp(s).state == State::kOk);
    ht::WriteFile(dir + "/pass", "pass");
    CHECK(RunHttp(s).state == State::kOk);
    // The second line break is part of the secret: "pass\n" is sent, and refused.
    ht::WriteFile(dir + "/pass", "pass\n\n");
    const CheckResult r = RunHttp(s);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.find("status 401") != std::string::npos);
  }

  TEST_CASE("an empty secret file or variable is UNKNOWN, and nothing is sent") {
    const std::string dir = ht::MakeTempDir("hops-http-secret");
    // Nothing listens on a free port: a request sent would be CRITICAL, not UNKNOWN.
    CheckSpec s = Spec("http://127.0.0.1:" + std::to_string(ht::FreePort()) + "/basic");
    s.params.Set("user", "user");
    s.params.Set("password_file", dir + "/pass");
    for (const char* content : {"", "\n", "\r\n"}) {
      CAPTURE(content);
      ht::WriteFile(dir + "/pass", content);
      const CheckResult r = RunHttp(s);
      CHECK(r.state == State::kUnknown);
      CHECK(r.summary == "'password_file' '" + dir + "/pass' is empty");
    }
    s.params = Params();
    s.params.Set("bearer_file", dir + "/pass");
    CHECK(RunHttp(s).summary == "'bearer_file' '" + dir + "/pass' is empty");
    setenv("HOPS_TEST_EMPTY_BEARER", "", 1);
    s.params = Params();
    s.params.Set("bearer_env", "HOPS_TEST_EMPTY_BEARER");
    const CheckResult r = RunHttp(s);
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary == "environment variable 'HOPS_TEST_EMPTY_BEARER' named by 'bearer_env' is empty");
    unsetenv("HOPS_TEST_EMPTY_BEARER");
  }

  TEST_CASE("https verifies against ca_file, reports cert_days, and fails without the CA" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Tls(n.https), "https");
    s.params.Set("ca_file", n.dir + "/ca.crt");
    s.params.Set("body", "ok");
    CheckResult r = RunHttp(s, true);
    CHECK(r.state == State::kOk);
    CHECK(r.summary.rfind("HTTP/2 200 - 3 bytes in ", 0) == 0);
    CHECK(r.details["http_version"] == "2");
    const Perfdata* days = FindPerf(r, "cert_days");
    REQUIRE(days);
    CHECK(days->value >= 363);
    CHECK(days->value <= 365);
    CHECK(r.details["cert_not_after"].get<std::string>().size() == 20);
    CHECK(r.long_output.find("certificate expires ") != std::string::npos);

    s.params = Params();
    r = RunHttp(s, true);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("TLS verification failed: ", 0) == 0);
    CHECK(r.summary.find("local issuer") != std::string::npos);

    s.params.Set("insecure", "true");
    r = RunHttp(s, true);
    CHECK(r.state == State::kOk);
    CHECK(FindPerf(r, "cert_days") != nullptr);

    s.params = Params();
    s.params.Set("ca_file", n.dir + "/no-such-ca.crt");
    r = RunHttp(s, true);
    CHECK(r.state == State::kUnknown);
    CHECK(r.summary.rfind("cannot run the request: ", 0) == 0);
  }

  TEST_CASE("cert_days thresholds: a 5-day certificate warns below 30 days" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Tls(n.soon), "https");
    s.params.Set("ca_file", n.dir + "/ca.crt");
    s.thresholds["cert_days"] = Limits("30:", "3:");
    CheckResult r = RunHttp(s, true);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.rfind("HTTP/1.1 200 OK - 3 bytes in ", 0) == 0);
    const Perfdata* days = FindPerf(r, "cert_days");
    REQUIRE(days);
    CHECK(days->value >= 4);  // 5 days less the seconds since the certificate was made
    CHECK(days->value <= 5);
    const std::string shown = nagios::FormatPerfNumber(days->value);
    CHECK(r.summary.find(", certificate expires in " + shown + " days, cert_days warning") != std::string::npos);
    CHECK(days->warn == "30:");
    CHECK(days->crit == "3:");

    s.thresholds["cert_days"] = Limits("30:", "7:");
    CHECK(RunHttp(s, true).state == State::kCritical);

    s.thresholds.clear();
    s.conditions.push_back(Cond("cert_days", "range", {"14:"}, State::kWarning));
    r = RunHttp(s, true);
    CHECK(r.state == State::kWarning);
    // Days are whole days left now: read them again, the first request may have been a second
    // earlier, just on the other side of a whole day.
    REQUIRE(FindPerf(r, "cert_days"));
    const std::string now_shown = nagios::FormatPerfNumber(FindPerf(r, "cert_days")->value);
    CHECK(r.summary.rfind("cert_days " + now_shown + " days alerts on range '14:' - ", 0) == 0);
  }

  TEST_CASE("a certificate for the wrong host name or an expired one is CRITICAL" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Tls(n.wrong), "https");
    s.params.Set("ca_file", n.dir + "/ca.crt");
    CheckResult r = RunHttp(s, true);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.rfind("TLS verification failed: ", 0) == 0);
    CHECK(r.summary.find("localhost") != std::string::npos);

    s = Spec(n.Tls(n.expired), "https");
    s.params.Set("ca_file", n.dir + "/ca.crt");
    r = RunHttp(s, true);
    CHECK(r.state == State::kCritical);
    CHECK(r.summary.find("expired") != std::string::npos);

    s.params.Set("insecure", "true");
    s.thresholds["cert_days"] = Limits(nullptr, "0:");
    r = RunHttp(s, true);
    CHECK(r.state == State::kCritical);
    REQUIRE(FindPerf(r, "cert_days"));
    CHECK(FindPerf(r, "cert_days")->value < -365);
    CHECK(r.details["cert_not_after"] == "2020-02-01T00:00:00Z");
  }

  TEST_CASE("time and size thresholds" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec s = Spec(n.Url("/ok"));
    s.thresholds["size"] = Limits("2", nullptr);
    CheckResult r = RunHttp(s);
    CHECK(r.state == State::kWarning);
    CHECK(r.summary.find(" s, size warning") != std::string::npos);
    s.thresholds["time"] = Limits(nullptr, "0");
    r = RunHttp(s);
    CHECK(r.state == State::kCritical);
    CHECK(FindPerf(r, "time")->crit == "0");
    s.thresholds.clear();
    s.thresholds["time"] = Limits("10", "20");
    CHECK(RunHttp(s).state == State::kOk);
  }

  TEST_CASE("a server that never answers times out as CRITICAL within the timeout") {
    SilentListener silent;
    CheckSpec s = Spec("http://127.0.0.1:" + std::to_string(silent.port()) + "/");
    s.timeout = std::chrono::milliseconds(300);
    const auto start = std::chrono::steady_clock::now();
    const CheckResult r = RunHttp(s);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "timed out after 300ms");
    CHECK(took < std::chrono::seconds(2));
  }

  TEST_CASE("connection refused and unresolvable hosts are CRITICAL") {
    const int port = ht::FreePort();
    CheckResult r = RunHttp(Spec("http://127.0.0.1:" + std::to_string(port) + "/"));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "cannot connect to '127.0.0.1:" + std::to_string(port) + "': connection refused");
    CHECK(r.perfdata.empty());
    CHECK(r.details.contains("error"));

    r = RunHttp(Spec("http://no-such-host.invalid/"));
    CHECK(r.state == State::kCritical);
    CHECK(r.summary == "cannot resolve host 'no-such-host.invalid'");
  }

  TEST_CASE("RunBatch runs 200 checks in one loop, each reported once" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    std::vector<CheckSpec> specs;
    for (int i = 0; i < 200; ++i) {
      CheckSpec s = Spec(i % 2 ? n.Url("/ok") : n.Url("/json"));
      if (i % 4 == 0) s.params.Set("json_path", "status");
      if (i % 3 == 0) s.params.Set("body", i % 2 ? "ok" : "up");
      if (i % 10 == 5) s.target = n.Tls(n.https), s.params.Set("ca_file", n.dir + "/ca.crt");
      specs.push_back(std::move(s));
    }
    std::vector<const CheckSpec*> ptrs;
    for (const CheckSpec& s : specs) ptrs.push_back(&s);
    auto http = MakeHttpCheck(false);
    std::vector<int> seen(specs.size(), 0);
    std::vector<State> states(specs.size(), State::kUnknown);
    http->RunBatch(ptrs, CheckContext{}, 16, [&](size_t i, CheckResult r) {
      REQUIRE(i < specs.size());
      ++seen[i];
      states[i] = r.state;
      if (r.state != State::kOk) MESSAGE(i << ": " << r.summary);
    });
    for (size_t i = 0; i < specs.size(); ++i) {
      CHECK(seen[i] == 1);
      CHECK(states[i] == State::kOk);
    }
  }

  TEST_CASE("RunBatch holds back checks of a busy host so that waiting does not count against their timeout") {
    // 48 checks of one host answering in 200 ms, all allowed in parallel: at most 8 run against the
    // host at once, in waves, and each finishes well within its 1 s timeout although the batch
    // takes longer than that.
    SlowServer slow(std::chrono::milliseconds(200));
    std::vector<CheckSpec> specs;
    for (int i = 0; i < 48; ++i) {
      specs.push_back(Spec("http://127.0.0.1:" + std::to_string(slow.port()) + "/x" + std::to_string(i)));
      specs.back().timeout = std::chrono::milliseconds(1000);
    }
    std::vector<const CheckSpec*> ptrs;
    for (const CheckSpec& s : specs) ptrs.push_back(&s);
    int ok = 0;
    MakeHttpCheck(false)->RunBatch(ptrs, CheckContext{}, 48, [&](size_t, CheckResult r) {
      if (r.state == State::kOk) ++ok;
      else MESSAGE(r.summary);
    });
    CHECK(ok == 48);
    CHECK(slow.most_at_once() <= 8);
    CHECK(slow.most_at_once() >= 2);
  }

  TEST_CASE("RunBatch reports a spec that cannot run as UNKNOWN and runs the rest" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    CheckSpec good = Spec(n.Url("/ok"));
    CheckSpec bad = Spec(n.Url("/ok"));
    bad.params.Set("method", "BREW");
    CheckSpec refused = Spec("http://127.0.0.1:" + std::to_string(ht::FreePort()) + "/");
    auto http = MakeHttpCheck(false);
    std::vector<CheckResult> results(3);
    http->RunBatch({&good, &bad, &refused}, CheckContext{}, 2,
                   [&](size_t i, CheckResult r) { results.at(i) = std::move(r); });
    CHECK(results[0].state == State::kOk);
    CHECK(results[1].state == State::kUnknown);
    CHECK(results[1].summary.rfind("bad 'method' 'BREW'", 0) == 0);
    CHECK(results[2].state == State::kCritical);
  }

  TEST_CASE("Run is safe from several threads at once" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    auto http = MakeHttpCheck(false);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) {
          CheckSpec s = Spec(n.Url("/json"));
          s.params.Set("json_path", "items[0].name");
          s.params.Set("json_equals", "a");
          if (http->Run(s, CheckContext{}).state == State::kOk) ++ok;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(ok == 40);
  }
}

}  // namespace
}  // namespace hops::mon
