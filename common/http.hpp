// The one HTTP client layer of hops, on libcurl. A tool describes what to send as a Request and gets
// a Response back: one at a time with Perform(), or many at once with a Runner (one libcurl multi
// loop, a limit on requests in flight overall and per host, a completion callback per request so
// nothing needs all responses at once). No libcurl handle or type leaves this module.
//
// - Transport: http and https only (also across redirects); an SMTP(S) Request (Request::mail)
//   sends an e-mail instead, and a Request with a Session probes a mail or file server (SMTP,
//   IMAP, POP3, FTP and their TLS forms: greeting, STARTTLS, login, one command). Redirects are
//   followed only when asked.
// - TLS is verified against the system store unless TlsOptions::insecure says otherwise; ca_file
//   and ca_path replace libcurl's default bundle and directory, client_cert/client_key
//   authenticate the client.
// - Proxies come from the environment exactly as libcurl reads it (http_proxy, https_proxy,
//   all_proxy, no_proxy; libcurl ignores HTTP_PROXY in upper case on purpose). Nothing here
//   overrides them.
// - Time: a request's timeout runs from the moment it starts, never while it waits for a slot or
//   for its host; Request::deadline is an absolute end besides.
// - Logging: print a request only through Describe(), which hides credentials (Authorization,
//   Cookie, X-*-Token, X-Amz-*, URL passwords, the password and bearer token themselves).
// - Retrying callers: Classify() tells a response worth retrying from a final one, RetryAfter()
//   reads the server's wish.
#ifndef HOPS_COMMON_HTTP_HPP_
#define HOPS_COMMON_HTTP_HPP_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hops::http {

using Clock = std::chrono::steady_clock;

/// Header fields as received, in order; names keep their spelling and are looked up without
/// regard to case. A name may occur several times (Set-Cookie, Link, ...).
class Headers {
 public:
  /// Appends one field.
  void Add(std::string name, std::string value);
  /// The first value of @p name, or nullptr.
  const std::string* Find(std::string_view name) const;
  /// Every value of @p name, in order.
  std::vector<std::string> FindAll(std::string_view name) const;
  /// Every field, in order.
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  /// Removes every field.
  void Clear() { fields_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

/// How the server is verified and the client identified.
struct TlsOptions {
  bool insecure = false;    ///< accept any certificate and host name (an explicit opt-out)
  /// PEM bundle trusted in place of libcurl's default bundle (its default directory, Debian's
  /// /etc/ssl/certs, stays trusted unless ca_path is set too)
  std::string ca_file;
  std::string ca_path;      ///< directory of hashed CA certificates, in place of libcurl's default one
  std::string client_cert;  ///< PEM client certificate (with its key unless client_key is set)
  std::string client_key;   ///< PEM key of client_cert
};

/// An e-mail sent by an smtp:// or smtps:// Request: the Request's body is the message
/// (header lines, a blank line, the text), user/password log in when user is set.
struct Mail {
  std::string from;             ///< envelope sender, bare address
  std::vector<std::string> to;  ///< envelope recipients, bare addresses
  bool require_tls = true;      ///< smtp://: insist on STARTTLS (smtps:// is TLS from the start)
};

/// A short conversation that probes a mail or file server: a Request with a session and an
/// smtp[s]://, imap[s]://, pop3[s]:// or ftp[s]:// URL connects, reads the greeting, upgrades
/// to TLS when asked, logs in when Request::user is set (FTP: anonymously otherwise), sends
/// command and quits. A session neither shares nor keeps its connection or TLS session, so each
/// one sees the server's greeting and a full handshake. For SMTP the URL's path is the EHLO
/// domain ("smtp://mx:25/client.example", see PercentEncode). What the server said comes back in
/// Response::greeting, status_line and login_sent; why it failed in Response::error
/// (kNoStartTls, kLoginDenied, kUnexpectedReply, besides the transport errors).
struct Session {
  /// The one command sent after the login ("NOOP", "CAPA"); "" sends none (FTP still asks PWD).
  std::string command;
  /// The reply to command is a multi-line listing (POP3 CAPA, LIST), kept as the body, rather
  /// than one status line (POP3 NOOP); only POP3 needs to be told.
  bool listing = false;
  bool require_tls = false;  ///< plain scheme: insist on STARTTLS (FTP: AUTH TLS), else fail
};

/// What to send.
struct Request {
  std::string method = "GET";  ///< GET, HEAD, POST, PUT, DELETE, PATCH, ... (upper case)
  std::string url;             ///< absolute http:// or https:// URL (others with mail or session)
  /// Request header fields, sent in order after libcurl's own; an empty value sends the field
  /// empty. Never put a line break in a name or value.
  std::vector<std::pair<std::string, std::string>> headers;
  /// Sent as the request body (POST without a body sends an empty one; GET/HEAD send none).
  std::optional<std::string> body;
  std::string user;                    ///< HTTP basic (mail, session: login) user; none when empty
  std::string password;                ///< with user
  std::optional<std::string> bearer;   ///< sent as "Authorization: Bearer ..." when set (and no user)
  std::string user_agent = "hops";     ///< User-Agent
  TlsOptions tls;
  std::chrono::milliseconds timeout{30000};        ///< the whole request from its start (at least 1 ms)
  std::chrono::milliseconds connect_timeout{0};    ///< connecting, TLS included (0: the timeout)
  std::optional<Clock::time_point> deadline;       ///< ends the request here too; past: fails unsent
  bool follow_redirects = false;       ///< follow 3xx Location (http/https only)
  long max_redirects = 10;             ///< with follow_redirects
  size_t max_body = size_t{16} << 20;  ///< response body bytes kept; the rest are counted and dropped
  bool capture_headers = true;         ///< keep the response header fields (the status line always)
  bool want_certificate = false;       ///< https: read the server certificate's expiry and subject
  bool secret_url = false;             ///< the URL's path and query are a credential (webhooks): Describe hides them
  std::optional<Mail> mail;            ///< send an e-mail over SMTP instead of an HTTP request
  std::optional<Session> session;      ///< probe a mail or file server instead (not with mail)
};

/// Why a request got no (complete) response.
enum class Error {
  kNone,              ///< a response arrived, whatever its status
  kResolve,           ///< the host name did not resolve
  kConnect,           ///< no connection (refused, unreachable)
  kTimeout,           ///< the timeout or deadline passed
  kTlsVerify,         ///< the server's certificate did not verify (issuer, name, dates)
  kTls,               ///< the TLS handshake failed otherwise
  kNoStartTls,        ///< TLS was required (Mail, Session) but the server offers no STARTTLS or refused it
  kTooManyRedirects,  ///< more than max_redirects
  kConnectionLost,    ///< the connection broke or closed before a complete response
  kLoginDenied,       ///< the server refused the login (Mail, Session)
  kUnexpectedReply,   ///< the server's reply was malformed or not one the protocol allows there
                      ///< (a greeting refusing service, an HTTP status line that is not one)
  kSetup,             ///< the request cannot be made as given (bad URL, CA or client cert file, protocol)
  kInternal,          ///< libcurl could not run it (out of memory, multi handle error)
  kOther,             ///< anything else libcurl reports
};

/// The name of @p e for messages ("timeout", "connection lost", ...).
const char* ErrorName(Error e);

/// Seconds from the request's start to the end of each phase (curl -w's time_* values); a phase
/// that did not happen (no TLS, a re-used connection) repeats the previous value.
struct Timing {
  double dns = 0;         ///< name resolved
  double connect = 0;     ///< TCP connected
  double tls = 0;         ///< TLS handshake done
  double first_byte = 0;  ///< first response byte
  double total = 0;       ///< done
};

/// The server certificate of an https response (Request::want_certificate).
struct Certificate {
  double days = 0;        ///< whole days until it expires, negative once expired
  std::string not_after;  ///< "2026-01-31T12:00:00Z"
  std::string subject;    ///< RFC 2253 ("CN=example.com")
};

/// What came back. status and the rest are filled as far as the exchange got, also on errors.
struct Response {
  Error error = Error::kNone;
  std::string error_text;    ///< libcurl's explanation when error is set
  int os_errno = 0;          ///< the system error behind a connect failure, else 0
  long status = 0;           ///< HTTP status (SMTP, FTP: the last reply code), 0 without one
  /// the last status line as sent ("HTTP/1.1 200 OK", "HTTP/2 200"); mail and session: the last
  /// line the server sent ("221 2.0.0 Bye")
  std::string status_line;
  std::string http_version;  ///< "1.0", "1.1", "2", "3" or "" (none, or SMTP)
  Headers headers;           ///< fields of the final response (not of redirects), when captured
  std::string body;          ///< the first max_body bytes of the body
  uint64_t body_size = 0;    ///< body bytes received, kept or not
  bool body_truncated = false;  ///< body_size exceeded max_body
  std::string effective_url;    ///< the URL last requested (after redirects followed)
  std::string redirect_url;     ///< where a 3xx not followed points, else ""
  std::string primary_ip;       ///< the address last connected to, "" when none
  long primary_port = 0;        ///< its port, 0 when none
  Timing timing;
  std::optional<Certificate> certificate;  ///< with want_certificate over TLS (OpenSSL)
  bool smtp = false;            ///< status is an SMTP reply code (Request::mail)
  /// session: what the server sent before the first command (the greeting, at most 8 KiB)
  std::string greeting;
  /// session: a login command was sent (AUTH, LOGIN, USER, APOP; FTP's anonymous USER too); when
  /// the request succeeded, the server accepted it. SMTP skips the login, without an error, when
  /// the server offers no way to log in.
  bool login_sent = false;
  Clock::time_point started;    ///< when the request was started (left its queue)

  /// True when a response arrived (whatever its status).
  bool ok() const { return error == Error::kNone; }
};

/// How many requests a Runner keeps going.
struct RunnerOptions {
  size_t max_parallel = 16;  ///< requests in flight at once (at least 1)
  /// Requests in flight to one host[:port] (0: no limit beyond max_parallel), also the
  /// connections kept per host. Further requests to a busy host wait unstarted, so their
  /// timeouts do not run meanwhile; requests to other hosts go past them.
  size_t max_per_host = 0;
};

/// Runs many requests at once in one libcurl multi loop, keeping connections, DNS answers and TLS
/// sessions between requests and between calls. One thread at a time may use a Runner; Runners
/// on different threads are independent.
class Runner {
 public:
  /// Fills *@p request for number @p index; false when that one cannot be sent (the source then
  /// reports it itself, and done is not called for it).
  using Source = std::function<bool(size_t index, Request* request)>;
  /// Receives the response to request @p index, on the calling thread, in completion order.
  using Done = std::function<void(size_t index, Response response)>;

  explicit Runner(RunnerOptions options = {});
  ~Runner();
  Runner(const Runner&) = delete;
  Runner& operator=(const Runner&) = delete;

  /// Performs requests 0 .. @p count - 1. @p source is asked for each in order, only when it can
  /// soon start (a few hundred at most wait for a busy host), so neither requests nor responses
  /// need to be held all at once. @p done is called once for each request the source supplied.
  void Run(size_t count, const Source& source, const Done& done);
  /// Performs @p requests; @p done gets each response with its index.
  void Run(std::vector<Request> requests, const Done& done);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Performs one request and returns its response.
Response Perform(Request request);

// ---- URLs -------------------------------------------------------------------------------------

/// The parts of an absolute URL, as libcurl's parser reads it.
struct UrlParts {
  std::string scheme;                   ///< lower case
  std::string user;                     ///< "" when none
  std::optional<std::string> password;  ///< set when the URL has "user:password@"
  std::string host;                     ///< IPv6 in brackets
  std::string port;                     ///< the URL's port or the scheme's default, "" when unknown
  std::string path;                     ///< "/" at least
};

/// Parses @p url; nullopt with *@p err (libcurl's reason, e.g. "Bad hostname") when it is not a
/// valid absolute URL.
std::optional<UrlParts> ParseUrl(const std::string& url, std::string* err);

/// @p s with every byte but the unreserved ones (A-Z a-z 0-9 - . _ ~) written as %XX, for a
/// part of a URL's path or query.
std::string PercentEncode(std::string_view s);

/// @p url without the "user[:password]@" part.
std::string StripUserinfo(std::string_view url);

// ---- Redaction --------------------------------------------------------------------------------

/// True when the value of header @p name is a credential (any case): Authorization,
/// Proxy-Authorization, Cookie, Set-Cookie, X-Api-Key, and X-... names ending in "token" or
/// "secret" (X-Auth-Token, X-ChatWorkToken) or starting with X-Amz- (X-Amz-Security-Token).
bool IsSecretHeader(std::string_view name);

/// @p url fit to print: a userinfo password becomes "***" ("https://user:***@host/"), a userinfo
/// without password (often a token) becomes "***", and so do values of credential-like query
/// parameters (X-Amz-*, and names holding "token", "secret", "password", "signature", "key").
std::string RedactUrl(std::string_view url);

/// @p request as text for messages and logs, credentials hidden: "METHOD url" ("SMTP url" for
/// mail, "SESSION url" for a session; redacted; only scheme and host with secret_url), one line
/// per header field (secret values as "***"), the authentication kind, the body's size (never
/// its text), the mail envelope and the session's command. The password,
/// bearer token and secret header values are removed wherever else they appear too.
std::string Describe(const Request& request);

// ---- Retrying ---------------------------------------------------------------------------------

/// What a caller that retries should do with a response.
enum class Verdict {
  kOk,         ///< it worked (HTTP 1xx-3xx; SMTP 2xx-3xx)
  kRetry,      ///< may work later: HTTP 408, 429 and 5xx but 501 and 505; SMTP 4xx; no response
               ///< because of a resolve, connect, timeout or lost-connection error
  kPermanent,  ///< will fail again: other 4xx, 501, 505, SMTP 5xx, TLS failures, bad requests
};

/// Classifies @p response as above.
Verdict Classify(const Response& response);

/// Parses a Retry-After value: whole seconds ("120") or an HTTP date ("Wed, 21 Oct 2015
/// 07:28:00 GMT", also the obsolete RFC 850 and asctime forms) taken relative to @p now (a date
/// already past gives 0); nullopt for anything else.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now);

/// The delay asked for by @p response's Retry-After header, as ParseRetryAfter reads it.
std::optional<std::chrono::seconds> RetryAfter(
    const Response& response, std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace hops::http

#endif  // HOPS_COMMON_HTTP_HPP_
