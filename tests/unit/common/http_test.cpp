#include "common/http.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/testing/certs.hpp"
#include "tests/unit/testing/nginx.hpp"
#include "tests/unit/testing/peer.hpp"
#include "tests/unit/testing/test_server.hpp"

namespace hops::http {
namespace {

namespace ht = hops::testing;
using std::chrono::milliseconds;
using std::chrono::seconds;

// nginx on loopback: plain HTTP; HTTPS (HTTP/2) with the good certificate, with the wrong-name
// one, and one that demands a client certificate.
struct Nginx {
  std::string error;  ///< why it is not running, when it is not
  std::string dir;
  int http = 0, https = 0, wrong = 0, mtls = 0;
  std::unique_ptr<ht::Peer> peer;

  std::string Url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(http) + path; }
  std::string Tls(int port, const std::string& path = "/echo") const {
    return "https://localhost:" + std::to_string(port) + path;
  }
};

Nginx StartNginx() {
  Nginx n;
  n.error = ht::Missing({"nginx", "openssl"});
  if (!n.error.empty()) return n;
  n.dir = ht::MakeTempDir("hops-http-layer");
  const std::string& d = n.dir;
  if (std::string err = ht::MakeCerts(d); !err.empty()) {
    n.error = err;
    return n;
  }
  if (std::string err = ht::MakeClientCert(d); !err.empty()) {
    n.error = err;
    return n;
  }
  ht::WriteFile(d + "/big.txt", std::string(200000, 'a') + "b\n");
  // nginx workers may run as another user ("nobody" under root): let them read big.txt.
  std::filesystem::permissions(d, std::filesystem::perms::others_exec | std::filesystem::perms::group_exec,
                               std::filesystem::perm_options::add);
  const std::string locations =
      "  location = /echo { return 200 \"method=$request_method foo=$http_x_foo length=$content_length\\n\"; }\n"
      // The body comes back through a header of a proxied request: $request_body is set once
      // nginx has read the body, which proxying makes it do.
      "  location = /body { proxy_set_header X-Body $request_body; "
      "proxy_pass http://127.0.0.1:$server_port/body-back; }\n"
      "  location = /body-back { return 200 \"$http_x_body\"; }\n"
      "  location = /multi { add_header X-Multi one always; add_header X-Multi two always; return 200 \"m\\n\"; }\n"
      "  location = /busy { add_header Retry-After 7 always; return 429 \"slow down\\n\"; }\n"
      "  location = /down { add_header Retry-After \"Fri, 31 Dec 2100 23:59:59 GMT\" always; return 503; }\n"
      "  location = /redirect { return 302 /echo; }\n"
      "  location = /big { alias " + d + "/big.txt; }\n";
  std::vector<ht::NginxServer> servers = {
      {"", "", locations},
      {"good", " http2", locations},
      {"wrong", "", locations},
      {"good", "",
       "  ssl_client_certificate " + d + "/ca.crt; ssl_verify_client on;\n"
       "  location / { return 200 \"client=$ssl_client_s_dn\\n\"; }"}};
  std::string err;
  n.peer = ht::StartNginx(d, &servers, &err);
  if (!n.peer) n.error = "nginx did not start: " + err;
  n.http = servers[0].port;
  n.https = servers[1].port;
  n.wrong = servers[2].port;
  n.mtls = servers[3].port;
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

#define REQUIRE_NGINX(n)   \
  const Nginx& n = Server(); \
  REQUIRE_MESSAGE(n.error.empty(), n.error)

Request Get(const std::string& url) {
  Request r;
  r.url = url;
  r.timeout = seconds(5);
  return r;
}

double Elapsed(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Runs @p requests on a runner with @p options; the responses in request order.
std::vector<Response> RunAll(std::vector<Request> requests, RunnerOptions options) {
  std::vector<Response> out(requests.size());
  std::vector<int> seen(requests.size(), 0);
  Runner runner(options);
  runner.Run(std::move(requests), [&](size_t i, Response r) {
    ++seen.at(i);
    out.at(i) = std::move(r);
  });
  for (int s : seen) CHECK(s == 1);
  return out;
}

// Sets an environment variable for the life of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~ScopedEnv() {
    if (old_) setenv(name_, old_->c_str(), 1);
    else unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// An HTTP proxy that answers every request itself ("proxied") and remembers the request lines.
class FakeProxy {
 public:
  FakeProxy() : server_([this](int fd) { Serve(fd); }) {}
  ~FakeProxy() { server_.Stop(); }
  int port() const { return server_.port(); }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  void Serve(int fd) {
    std::string line;
    if (!ht::ReadLine(fd, &line)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(line);
    }
    while (ht::ReadLine(fd, &line) && !line.empty()) {
    }
    ht::WriteStr(fd, "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nproxied");
  }

  std::mutex mu_;
  std::vector<std::string> lines_;
  ht::ThreadServer server_;  // last: its thread uses the members above
};

// Just enough of an SMTP server: any sender; recipients "reject@..." get 550 and "busy@..." 451,
// the rest 250. It remembers the commands and the last message.
class SmtpServer {
 public:
  SmtpServer() : server_([this](int fd) { Serve(fd); }) {}
  ~SmtpServer() { server_.Stop(); }
  int port() const { return server_.port(); }
  std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port()); }
  std::vector<std::string> Commands() {
    std::lock_guard<std::mutex> lock(mu_);
    return commands_;
  }
  std::string Message() {
    std::lock_guard<std::mutex> lock(mu_);
    return message_;
  }

 private:
  void Serve(int fd) {
    ht::WriteStr(fd, "220 localhost ESMTP test\r\n");
    std::string line;
    std::string message;
    bool in_data = false;
    while (ht::ReadLine(fd, &line)) {
      if (in_data) {
        if (line != ".") {
          message += line + "\n";
          continue;
        }
        in_data = false;
        std::lock_guard<std::mutex> lock(mu_);
        message_ = message;
        ht::WriteStr(fd, "250 2.0.0 queued\r\n");
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        commands_.push_back(line);
      }
      const std::string verb = line.substr(0, 4);
      if (verb == "EHLO" || verb == "HELO") {
        ht::WriteStr(fd, "250-localhost\r\n250 SIZE 1000000\r\n");
      } else if (verb == "MAIL") {
        ht::WriteStr(fd, "250 2.1.0 ok\r\n");
      } else if (verb == "RCPT") {
        ht::WriteStr(fd, line.find("reject@") != std::string::npos ? "550 5.1.1 no such user\r\n"
                         : line.find("busy@") != std::string::npos ? "451 4.3.0 try again later\r\n"
                                                                   : "250 2.1.5 ok\r\n");
      } else if (verb == "DATA") {
        ht::WriteStr(fd, "354 go ahead\r\n");
        in_data = true;
        message.clear();
      } else if (verb == "QUIT") {
        ht::WriteStr(fd, "221 bye\r\n");
        return;
      } else {
        ht::WriteStr(fd, "250 ok\r\n");
      }
    }
  }

  std::mutex mu_;
  std::vector<std::string> commands_;
  std::string message_;
  ht::ThreadServer server_;  // last: its thread uses the members above
};

TEST_SUITE("hops::http") {
  TEST_CASE("GET and POST round-trip method, headers and body through nginx" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Request get = Get(n.Url("/echo"));
    get.headers = {{"X-Foo", "bar baz"}};
    Response r = Perform(get);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.status == 200);
    CHECK(r.body == "method=GET foo=bar baz length=\n");
    CHECK(r.body_size == r.body.size());
    CHECK_FALSE(r.body_truncated);
    CHECK(r.status_line == "HTTP/1.1 200 OK");
    CHECK(r.http_version == "1.1");
    REQUIRE(r.headers.Find("content-type"));
    CHECK(*r.headers.Find("CONTENT-TYPE") == "text/plain");
    CHECK(r.effective_url == n.Url("/echo"));
    CHECK(r.primary_ip == "127.0.0.1");
    CHECK(r.primary_port == n.http);
    CHECK(r.timing.total > 0);
    CHECK(r.timing.dns <= r.timing.connect);
    CHECK(r.timing.connect <= r.timing.first_byte);
    CHECK(r.timing.first_byte <= r.timing.total);
    CHECK_FALSE(r.certificate);
    CHECK(Classify(r) == Verdict::kOk);

    Request post = Get(n.Url("/body"));
    post.method = "POST";
    post.body = "a=1&b=two";
    post.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
    r = Perform(post);
    CHECK(r.status == 200);
    CHECK(r.body == "a=1&b=two");

    post.url = n.Url("/echo");
    post.headers = {{"X-Foo", "posted"}};
    CHECK(Perform(post).body == "method=POST foo=posted length=9\n");
    Request put = post;
    put.method = "PUT";
    CHECK(Perform(put).body == "method=PUT foo=posted length=9\n");
    Request del = Get(n.Url("/echo"));
    del.method = "DELETE";
    CHECK(Perform(del).body == "method=DELETE foo= length=\n");
    Request head = Get(n.Url("/echo"));
    head.method = "HEAD";
    r = Perform(head);
    CHECK(r.status == 200);
    CHECK(r.body.empty());
  }

  TEST_CASE("response headers: several values per name, looked up in any case, captured on request" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Response r = Perform(Get(n.Url("/multi")));
    CHECK(r.headers.FindAll("x-multi") == std::vector<std::string>{"one", "two"});
    REQUIRE(r.headers.Find("X-MULTI"));
    CHECK(*r.headers.Find("X-MULTI") == "one");
    CHECK(r.headers.Find("X-None") == nullptr);
    CHECK(r.headers.FindAll("X-None").empty());
    Request q = Get(n.Url("/multi"));
    q.capture_headers = false;
    r = Perform(q);
    CHECK(r.headers.fields().empty());
    CHECK(r.status_line == "HTTP/1.1 200 OK");
  }

  TEST_CASE("redirects are reported, and followed on request" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Request q = Get(n.Url("/redirect"));
    Response r = Perform(q);
    CHECK(r.status == 302);
    CHECK(r.redirect_url == n.Url("/echo"));
    q.follow_redirects = true;
    r = Perform(q);
    CHECK(r.status == 200);
    CHECK(r.effective_url == n.Url("/echo"));
    CHECK(r.redirect_url.empty());
    CHECK(r.body.rfind("method=GET", 0) == 0);
  }

  TEST_CASE("a body beyond max_body is counted but not kept" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Request q = Get(n.Url("/big"));
    Response r = Perform(q);
    CHECK(r.body.size() == 200002);
    CHECK_FALSE(r.body_truncated);
    q.max_body = 1000;
    r = Perform(q);
    CHECK(r.body == std::string(1000, 'a'));
    CHECK(r.body_size == 200002);
    CHECK(r.body_truncated);
    q.max_body = 0;
    r = Perform(q);
    CHECK(r.body.empty());
    CHECK(r.body_size == 200002);
  }

  TEST_CASE("TLS is verified: fails without the CA, passes with ca_file or ca_path, reads the certificate" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Request q = Get(n.Tls(n.https));
    q.want_certificate = true;
    Response r = Perform(q);
    CHECK(r.error == Error::kTlsVerify);
    CHECK(r.error_text.find("local issuer") != std::string::npos);
    CHECK(Classify(r) == Verdict::kPermanent);

    q.tls.ca_file = n.dir + "/ca.crt";
    r = Perform(q);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.status_line == "HTTP/2 200");
    CHECK(r.http_version == "2");
    REQUIRE(r.certificate);
    CHECK(r.certificate->days >= 363);
    CHECK(r.certificate->days <= 365);
    CHECK(r.certificate->subject == "CN=good");
    CHECK(r.certificate->not_after.size() == 20);
    CHECK(r.timing.tls > r.timing.connect);
    CHECK(r.timing.tls <= r.timing.first_byte);
    q.want_certificate = false;
    CHECK_FALSE(Perform(q).certificate);

    const std::string capath = n.dir + "/capath";
    std::filesystem::create_directories(capath);
    std::filesystem::copy_file(n.dir + "/ca.crt", capath + "/ca.pem");
    REQUIRE(ht::Openssl({"rehash", capath}) == "");
    Request by_path = Get(n.Tls(n.https));
    by_path.tls.ca_path = capath;
    r = Perform(by_path);
    CHECK_MESSAGE(r.ok(), r.error_text);

    Request wrong = Get(n.Tls(n.wrong));
    wrong.tls.ca_file = n.dir + "/ca.crt";
    r = Perform(wrong);
    CHECK(r.error == Error::kTlsVerify);
    CHECK(r.error_text.find("localhost") != std::string::npos);
    wrong.tls.insecure = true;
    CHECK(Perform(wrong).status == 200);

    q.tls.ca_file = n.dir + "/no-such-ca.crt";
    r = Perform(q);
    CHECK(r.error == Error::kSetup);
    CHECK(Classify(r) == Verdict::kPermanent);
  }

  TEST_CASE("a client certificate and key authenticate to a server that demands one" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Request q = Get(n.Tls(n.mtls, "/"));
    q.tls.ca_file = n.dir + "/ca.crt";
    Response r = Perform(q);
    CHECK(r.status == 400);  // nginx: "No required SSL certificate was sent"
    q.tls.client_cert = n.dir + "/client.crt";
    q.tls.client_key = n.dir + "/client.key";
    r = Perform(q);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.status == 200);
    CHECK(r.body == "client=CN=client\n");
  }

  TEST_CASE("no more requests than max_parallel are in flight at once") {
    ht::SlowServer slow(milliseconds(150));
    std::vector<Request> requests;
    for (int i = 0; i < 9; ++i) requests.push_back(Get("http://127.0.0.1:" + std::to_string(slow.port()) + "/"));
    RunnerOptions options;
    options.max_parallel = 3;
    const auto start = Clock::now();
    const std::vector<Response> responses = RunAll(std::move(requests), options);
    const double took = Elapsed(start);
    for (const Response& r : responses) CHECK_MESSAGE(r.status == 200, r.error_text);
    CHECK(slow.most_at_once() <= 3);
    CHECK(slow.most_at_once() >= 2);
    CHECK(took >= 0.4);  // three waves of 150 ms
  }

  TEST_CASE("max_per_host holds requests for a busy host unstarted and lets other hosts pass") {
    // 8 requests to a host answering in 200 ms, at most 2 at once: four waves, 800 ms, although each
    // has a 600 ms timeout (waiting does not count). 2 requests to another host, listed last,
    // finish in the first wave.
    ht::SlowServer busy(milliseconds(200));
    ht::SlowServer other(milliseconds(200));
    std::vector<Request> requests;
    for (int i = 0; i < 10; ++i) {
      requests.push_back(Get("http://127.0.0.1:" + std::to_string(i < 8 ? busy.port() : other.port()) + "/"));
      requests.back().timeout = milliseconds(600);
    }
    RunnerOptions options;
    options.max_parallel = 8;
    options.max_per_host = 2;
    std::vector<size_t> order;
    Runner runner(options);
    runner.Run(std::move(requests), [&](size_t i, Response r) {
      CHECK_MESSAGE(r.status == 200, r.error_text);
      order.push_back(i);
    });
    REQUIRE(order.size() == 10);
    CHECK(busy.most_at_once() == 2);
    CHECK(other.most_at_once() == 2);
    const auto pos = [&](size_t i) { return std::find(order.begin(), order.end(), i) - order.begin(); };
    CHECK(pos(8) < 4);
    CHECK(pos(9) < 4);
  }

  TEST_CASE("timeouts run in parallel: 8 requests to a silent peer end after one timeout, not eight") {
    ht::SilentListener silent;
    REQUIRE(silent.ok());
    std::vector<Request> requests;
    for (int i = 0; i < 8; ++i) {
      requests.push_back(Get("http://127.0.0.1:" + std::to_string(silent.port()) + "/"));
      requests.back().timeout = milliseconds(300);
    }
    RunnerOptions options;
    options.max_parallel = 8;
    const auto start = Clock::now();
    const std::vector<Response> responses = RunAll(std::move(requests), options);
    const double took = Elapsed(start);
    for (const Response& r : responses) {
      CHECK(r.error == Error::kTimeout);
      CHECK(Classify(r) == Verdict::kRetry);
    }
    CHECK(took >= 0.29);
    CHECK(took < 1.2);  // 8 x 300 ms would be 2.4 s
  }

  TEST_CASE("a deadline ends a request before its timeout, one already past fails unsent") {
    ht::SilentListener silent;
    Request q = Get("http://127.0.0.1:" + std::to_string(silent.port()) + "/");
    q.timeout = seconds(10);
    q.deadline = Clock::now() + milliseconds(300);
    auto start = Clock::now();
    Response r = Perform(q);
    CHECK(r.error == Error::kTimeout);
    CHECK(Elapsed(start) < 2);
    q.deadline = Clock::now() - milliseconds(1);
    start = Clock::now();
    r = Perform(q);
    CHECK(r.error == Error::kTimeout);
    CHECK(r.error_text == "the deadline passed before the request started");
    CHECK(Elapsed(start) < 0.2);
  }

  TEST_CASE("the source is asked only as room frees up, responses stream to done" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    RunnerOptions options;
    options.max_parallel = 2;
    Runner runner(options);
    size_t done_count = 0;
    std::vector<size_t> done_before(20, 0);  // done calls made when the source was asked for i
    std::vector<int> seen(20, 0);
    runner.Run(
        20,
        [&](size_t i, Request* r) {
          done_before[i] = done_count;
          if (i == 5) return false;  // the source reports this one itself
          *r = Get(n.Url("/echo"));
          return true;
        },
        [&](size_t i, Response r) {
          CHECK(r.status == 200);
          ++seen.at(i);
          ++done_count;
        });
    CHECK(done_count == 19);
    for (size_t i = 0; i < 20; ++i) CHECK(seen[i] == (i == 5 ? 0 : 1));
    // With two slots, request i (i >= 3, past the skipped one) is asked for once i - 3 are done.
    for (size_t i = 6; i < 20; ++i) CHECK_MESSAGE(done_before[i] >= i - 3, i);
    // The runner can be used again.
    std::vector<Request> again = {Get(n.Url("/echo")), Get(n.Url("/multi"))};
    int ok = 0;
    runner.Run(std::move(again), [&](size_t, Response r) { ok += r.status == 200; });
    CHECK(ok == 2);
  }

  TEST_CASE("transport failures are told apart") {
    const int port = ht::FreePort();
    Response r = Perform(Get("http://127.0.0.1:" + std::to_string(port) + "/"));
    CHECK(r.error == Error::kConnect);
    CHECK(r.os_errno == ECONNREFUSED);
    CHECK(Classify(r) == Verdict::kRetry);
    r = Perform(Get("http://no-such-host.invalid/"));
    CHECK(r.error == Error::kResolve);
    CHECK(Classify(r) == Verdict::kRetry);
    r = Perform(Get("ftp://127.0.0.1:" + std::to_string(port) + "/"));  // only http and https are spoken
    CHECK(r.error == Error::kSetup);
    CHECK(Classify(r) == Verdict::kPermanent);
    r = Perform(Get("http://exa mple/"));
    CHECK(r.error == Error::kSetup);
    CHECK_FALSE(r.error_text.empty());
    CHECK(std::string(ErrorName(Error::kTimeout)) == "timeout");
  }

  TEST_CASE("Classify: 2xx/3xx done, 408, 429 and 5xx again, other 4xx, 501 and 505 never") {
    const auto status = [](long code, bool smtp = false) {
      Response r;
      r.status = code;
      r.smtp = smtp;
      return Classify(r);
    };
    for (long code : {200L, 201L, 204L, 301L, 304L}) CHECK_MESSAGE(status(code) == Verdict::kOk, code);
    for (long code : {408L, 429L, 500L, 502L, 503L, 504L, 599L}) CHECK_MESSAGE(status(code) == Verdict::kRetry, code);
    for (long code : {400L, 401L, 403L, 404L, 409L, 422L, 501L, 505L}) CHECK_MESSAGE(status(code) == Verdict::kPermanent, code);
    CHECK(status(250, true) == Verdict::kOk);
    CHECK(status(451, true) == Verdict::kRetry);
    CHECK(status(550, true) == Verdict::kPermanent);
    const auto error = [](Error e) {
      Response r;
      r.error = e;
      return Classify(r);
    };
    for (Error e : {Error::kResolve, Error::kConnect, Error::kTimeout, Error::kConnectionLost})
      CHECK_MESSAGE(error(e) == Verdict::kRetry, ErrorName(e));
    for (Error e : {Error::kTlsVerify, Error::kTls, Error::kNoStartTls, Error::kTooManyRedirects,
                    Error::kLoginDenied, Error::kUnexpectedReply, Error::kSetup, Error::kInternal, Error::kOther})
      CHECK_MESSAGE(error(e) == Verdict::kPermanent, ErrorName(e));
  }

  TEST_CASE("ParseRetryAfter reads seconds and the three HTTP date forms") {
    // Wed, 21 Oct 2015 07:28:00 GMT, less 90 seconds.
    const auto now = std::chrono::system_clock::from_time_t(1445412480 - 90);
    CHECK(ParseRetryAfter("120", now) == seconds(120));
    CHECK(ParseRetryAfter(" 0 ", now) == seconds(0));
    CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now) == seconds(90));
    CHECK(ParseRetryAfter("Wednesday, 21-Oct-15 07:28:00 GMT", now) == seconds(90));
    CHECK(ParseRetryAfter("Wed Oct 21 07:28:00 2015", now) == seconds(90));
    CHECK(ParseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now) == seconds(0));  // past: now
    for (const char* bad : {"", "soon", "-5", "1.5", "12 s", "99999999999"})
      CHECK_MESSAGE(!ParseRetryAfter(bad, now), bad);
  }

  TEST_CASE("RetryAfter reads the header of a real 429 and 503" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    Response r = Perform(Get(n.Url("/busy")));
    CHECK(r.status == 429);
    CHECK(Classify(r) == Verdict::kRetry);
    CHECK(RetryAfter(r) == seconds(7));
    r = Perform(Get(n.Url("/down")));
    CHECK(r.status == 503);
    REQUIRE(RetryAfter(r));
    CHECK(*RetryAfter(r) > seconds(365 * 86400));
    CHECK_FALSE(RetryAfter(Perform(Get(n.Url("/echo")))));
  }

  TEST_CASE("IsSecretHeader knows credential headers in any case") {
    for (const char* name : {"Authorization", "proxy-authorization", "Cookie", "Set-Cookie", "X-ChatWorkToken",
                             "X-Auth-Token", "x-vault-token", "X-Amz-Security-Token", "X-Amz-Date", "X-Api-Key",
                             "X-Hook-Secret"})
      CHECK_MESSAGE(IsSecretHeader(name), name);
    for (const char* name : {"Content-Type", "Accept", "X-Foo", "Token", "User-Agent"})
      CHECK_MESSAGE(!IsSecretHeader(name), name);
  }

  TEST_CASE("RedactUrl hides userinfo passwords, lone tokens and credential query values") {
    CHECK(RedactUrl("https://user:pass@host/p") == "https://user:***@host/p");
    CHECK(RedactUrl("https://user:p%40ss@host:8443") == "https://user:***@host:8443");
    CHECK(RedactUrl("https://ghp_token123@github.com/x.git") == "https://***@github.com/x.git");
    CHECK(RedactUrl("http://host/path?a=1") == "http://host/path?a=1");
    CHECK(RedactUrl("https://b.s3.amazonaws.com/k?X-Amz-Signature=abc&X-Amz-Credential=AKIA%2F&page=2#top") ==
          "https://b.s3.amazonaws.com/k?X-Amz-Signature=***&X-Amz-Credential=***&page=2#top");
    CHECK(RedactUrl("https://h/?access_token=t0k&api_key=k3y&q=x") == "https://h/?access_token=***&api_key=***&q=x");
    CHECK(RedactUrl("https://host/a@b") == "https://host/a@b");  // '@' in the path is no userinfo
    CHECK(StripUserinfo("https://user:pass@host/p") == "https://host/p");
    CHECK(StripUserinfo("http://host/a@b") == "http://host/a@b");
  }

  TEST_CASE("Describe shows a request with every credential hidden") {
    Request q;
    q.method = "POST";
    q.url = "https://bot:hunter2@api.example.com/v2/rooms?token=abc123&x=1";
    q.headers = {{"Authorization", "Bearer bearer-secret"},
                 {"Proxy-Authorization", "Basic cHJveHk6cHc="},
                 {"Cookie", "session=cookie-secret"},
                 {"X-ChatWorkToken", "chatwork-secret"},
                 {"X-Amz-Security-Token", "amz-secret"},
                 {"Content-Type", "application/json"},
                 {"X-Echo", "copy of chatwork-secret"}};
    q.body = "{\"password\":\"in-body\"}";
    const std::string text = Describe(q);
    CHECK(text ==
          "POST https://bot:***@api.example.com/v2/rooms?token=***&x=1\n"
          "Authorization: ***\nProxy-Authorization: ***\nCookie: ***\nX-ChatWorkToken: ***\n"
          "X-Amz-Security-Token: ***\nContent-Type: application/json\nX-Echo: copy of ***\n"
          "(body of 22 bytes)");
    for (const char* secret : {"hunter2", "bearer-secret", "cHJveHk6cHc=", "cookie-secret", "chatwork-secret",
                               "amz-secret", "abc123", "in-body"})
      CHECK_MESSAGE(text.find(secret) == std::string::npos, secret);

    Request auth = Get("https://api.example.com/");
    auth.user = "alice";
    auth.password = "pa55word";
    auth.headers = {{"X-Note", "pa55word"}};
    CHECK(Describe(auth) == "GET https://api.example.com/\nX-Note: ***\n(basic authentication as 'alice')");
    Request bearer = Get("https://api.example.com/");
    bearer.bearer = "tok-xyz";
    CHECK(Describe(bearer) == "GET https://api.example.com/\n(bearer token)");
    Request hook = Get("https://hooks.slack.com/services/T000/B000/XXXXSECRET");
    hook.secret_url = true;
    CHECK(Describe(hook) == "GET https://hooks.slack.com/***");
  }

  TEST_CASE("ParseUrl splits a URL the way libcurl reads it") {
    std::string err;
    auto p = ParseUrl("https://bob:pw@Example.com/a/b?c=d", &err);
    REQUIRE(p);
    CHECK(p->scheme == "https");
    CHECK(p->user == "bob");
    CHECK(p->password == std::optional<std::string>("pw"));
    CHECK(p->host == "Example.com");
    CHECK(p->port == "443");
    CHECK(p->path == "/a/b");
    p = ParseUrl("http://[::1]:8080", &err);
    REQUIRE(p);
    CHECK(p->host == "[::1]");
    CHECK(p->port == "8080");
    CHECK_FALSE(p->password);
    CHECK_FALSE(ParseUrl("http://exa mple/", &err));
    CHECK(err == "Bad hostname");
  }

  TEST_CASE("the proxy environment is honoured, and no_proxy bypasses it for 127.0.0.1" *
            doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    FakeProxy proxy;
    REQUIRE(proxy.port() > 0);
    const std::string proxy_url = "http://127.0.0.1:" + std::to_string(proxy.port());
    const ScopedEnv http_proxy("http_proxy", proxy_url.c_str());
    {
      const ScopedEnv no_proxy("no_proxy", nullptr);
      const ScopedEnv no_proxy_upper("NO_PROXY", nullptr);
      const Response r = Perform(Get(n.Url("/echo")));
      CHECK(r.body == "proxied");
      REQUIRE(proxy.Lines().size() == 1);
      CHECK(proxy.Lines()[0] == "GET " + n.Url("/echo") + " HTTP/1.1");
    }
    {
      const ScopedEnv no_proxy("no_proxy", "127.0.0.1");
      const Response r = Perform(Get(n.Url("/echo")));
      CHECK(r.body == "method=GET foo= length=\n");
      CHECK(proxy.Lines().size() == 1);
    }
  }

  TEST_CASE("SMTP: an e-mail goes out with its envelope, refusals are classified") {
    SmtpServer smtp;
    Request q;
    q.url = smtp.Url();
    q.timeout = seconds(5);
    q.mail = Mail{"alerts@example.com", {"ops@example.com", "<oncall@example.com>"}, false};
    q.body = "Subject: disk full\r\n\r\nhost a\r\n.dot line\r\n";
    Response r = Perform(q);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.smtp);
    CHECK(r.status == 250);
    CHECK(Classify(r) == Verdict::kOk);
    const std::vector<std::string> commands = smtp.Commands();
    const std::string size = std::to_string(q.body->size());
    CHECK(std::find(commands.begin(), commands.end(), "MAIL FROM:<alerts@example.com> SIZE=" + size) != commands.end());
    CHECK(std::find(commands.begin(), commands.end(), "RCPT TO:<ops@example.com>") != commands.end());
    CHECK(std::find(commands.begin(), commands.end(), "RCPT TO:<oncall@example.com>") != commands.end());
    CHECK(smtp.Message() == "Subject: disk full\n\nhost a\n..dot line\n");  // dot-stuffed on the wire
    CHECK(Describe(q) ==
          "SMTP " + smtp.Url() + "\n(mail from <alerts@example.com> to <ops@example.com>, <oncall@example.com>)\n"
          "(body of " + size + " bytes)");

    q.mail->to = {"reject@example.com"};
    r = Perform(q);
    CHECK_FALSE(r.ok());
    CHECK(r.status == 550);
    CHECK(Classify(r) == Verdict::kPermanent);
    q.mail->to = {"busy@example.com"};
    r = Perform(q);
    CHECK(r.status == 451);
    CHECK(Classify(r) == Verdict::kRetry);

    q.mail->to = {"ops@example.com"};
    q.mail->require_tls = true;  // the server offers no STARTTLS
    r = Perform(q);
    CHECK(r.error == Error::kNoStartTls);
    q.mail->to.clear();
    CHECK(Perform(q).error == Error::kSetup);
  }

  TEST_CASE("Session: greeting, login and one command, the server's last line comes back") {
    // A POP3 server taking USER alice / PASS pw, where NOOP needs a login and CAPA does not.
    ht::LineServer pop("+OK test pop3 ready\r\n", [](const std::string& line) -> std::string {
      if (line == "CAPA") return "+OK list follows\r\nUSER\r\n.\r\n";
      if (line == "USER alice") return "+OK\r\n";
      if (line.rfind("PASS ", 0) == 0) return line == "PASS pw" ? "+OK in\r\n" : "-ERR bad login\r\n";
      if (line == "NOOP") return "+OK noop\r\n";
      if (line == "QUIT") return std::string("+OK bye\r\n") + ht::kThenClose;
      return "-ERR what\r\n";
    });
    REQUIRE(pop.ok());
    Request q;
    q.url = "pop3://127.0.0.1:" + std::to_string(pop.port()) + "/";
    q.timeout = seconds(5);
    q.session = Session{"CAPA", true, false};
    Response r = Perform(q);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.greeting == "+OK test pop3 ready\r\n");
    CHECK(r.status_line == "+OK bye");
    CHECK_FALSE(r.login_sent);
    CHECK(r.body == "USER\r\n");  // the listing, without its "." line
    CHECK(Describe(q) == "SESSION " + q.url + "\n(command 'CAPA')");
    // One after another on one runner, each session still connects afresh and sees the greeting.
    RunnerOptions one;
    one.max_parallel = 1;
    const int before = pop.connections();
    for (const Response& each : RunAll({q, q}, one)) CHECK(each.greeting == "+OK test pop3 ready\r\n");
    CHECK(pop.connections() == before + 2);

    q.session = Session{"NOOP", false, false};
    q.user = "alice";
    q.password = "pw";
    r = Perform(q);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.login_sent);
    const std::vector<std::string> lines = pop.Lines();
    CHECK(std::find(lines.begin(), lines.end(), "NOOP") != lines.end());
    CHECK(Describe(q) == "SESSION " + q.url + "\n(login as 'alice')\n(command 'NOOP')");

    q.password = "wrong";
    r = Perform(q);
    CHECK(r.error == Error::kLoginDenied);
    CHECK(r.status_line == "-ERR bad login");
    CHECK(Classify(r) == Verdict::kPermanent);

    q.session->require_tls = true;  // the server offers no STLS
    r = Perform(q);
    CHECK(r.error == Error::kNoStartTls);
    CHECK(Describe(q) == "SESSION " + q.url + "\n(login as 'alice')\n(command 'NOOP', TLS required)");
  }

  TEST_CASE("Session: the EHLO domain, a refusing greeting and wrong URLs") {
    ht::LineServer smtp("220 test ESMTP\r\n", [](const std::string& line) -> std::string {
      if (line.rfind("EHLO ", 0) == 0) return "250 test\r\n";
      if (line == "NOOP") return "250 2.0.0 ok\r\n";
      return std::string("221 bye\r\n") + ht::kThenClose;
    });
    REQUIRE(smtp.ok());
    Request q;
    q.url = "smtp://127.0.0.1:" + std::to_string(smtp.port()) + "/" + PercentEncode("client.example");
    q.timeout = seconds(5);
    q.session = Session{"NOOP", false, false};
    Response r = Perform(q);
    REQUIRE_MESSAGE(r.ok(), r.error_text);
    CHECK(r.greeting == "220 test ESMTP\r\n");
    CHECK(r.status == 250);  // the reply to NOOP
    const std::vector<std::string> lines = smtp.Lines();
    CHECK(lines == std::vector<std::string>{"EHLO client.example", "NOOP", "QUIT"});

    ht::LineServer refusing("554 no service\r\n", [](const std::string&) { return std::string("221 bye\r\n") + ht::kThenClose; });
    REQUIRE(refusing.ok());
    q.url = "smtp://127.0.0.1:" + std::to_string(refusing.port()) + "/";
    r = Perform(q);
    CHECK(r.error == Error::kUnexpectedReply);
    CHECK(r.greeting == "554 no service\r\n");

    q.url = "https://127.0.0.1:1/";
    CHECK(Perform(q).error == Error::kSetup);
    q.url = "imap://127.0.0.1:" + std::to_string(smtp.port()) + "/";
    q.mail = Mail{"a@example.com", {"b@example.com"}, false};
    CHECK(Perform(q).error == Error::kSetup);
  }

  TEST_CASE("PercentEncode keeps only unreserved bytes") {
    CHECK(PercentEncode("host-1.example_x~") == "host-1.example_x~");
    CHECK(PercentEncode("a b/c?d&e=f%") == "a%20b%2Fc%3Fd%26e%3Df%25");
    CHECK(PercentEncode("caf\xc3\xa9") == "caf%C3%A9");
    CHECK(PercentEncode("") == "");
  }

  TEST_CASE("Perform is safe from several threads at once" * doctest::skip(kSkipNginx)) {
    REQUIRE_NGINX(n);
    std::atomic<int> ok{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10; ++i) ok += Perform(Get(n.Url("/echo"))).status == 200;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(ok == 40);
  }
}

}  // namespace
}  // namespace hops::http
