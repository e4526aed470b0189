#include "common/http.hpp"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "common/output.hpp"
#include "common/text.hpp"
#include "common/tls.hpp"

namespace hops::http {
namespace {

// ---------------------------------------------------------------------------------------------
// libcurl handles, owned.

// Frees a libcurl object with @p Free.
template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using EasyPtr = std::unique_ptr<CURL, Deleter<curl_easy_cleanup>>;
using MultiPtr = std::unique_ptr<CURLM, Deleter<curl_multi_cleanup>>;
using SharePtr = std::unique_ptr<CURLSH, Deleter<curl_share_cleanup>>;
using SlistPtr = std::unique_ptr<curl_slist, Deleter<curl_slist_free_all>>;
using UrlPtr = std::unique_ptr<CURLU, Deleter<curl_url_cleanup>>;
using CurlText = std::unique_ptr<char, Deleter<curl_free>>;

// libcurl wants curl_global_init once before anything else, and it is not safe to race.
void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Adds @p line to *@p list; false when out of memory (the list is then unchanged).
bool Append(SlistPtr* list, const std::string& line) {
  curl_slist* grown = curl_slist_append(list->get(), line.c_str());
  if (!grown) return false;
  (void)list->release();  // now owned through grown, which begins with the same nodes
  list->reset(grown);
  return true;
}

// ---------------------------------------------------------------------------------------------
// URLs.

// Where the authority of @p url starts (after "scheme://") and where its "user[:password]@"
// part ends ('@' included); at == npos when there is none.
struct Authority {
  size_t start = 0;
  size_t end = 0;  ///< first '/', '?' or '#' after start, or the URL's size
  size_t at = std::string_view::npos;
};

Authority AuthorityOf(std::string_view url) {
  Authority a;
  const size_t scheme = url.find("://");
  a.start = scheme == std::string_view::npos ? 0 : scheme + 3;
  a.end = std::min(url.find_first_of("/?#", a.start), url.size());
  const size_t at = url.rfind('@', a.end);
  if (at != std::string_view::npos && at >= a.start) a.at = at;
  return a;
}

// The host[:port] of @p url in lower case, without user info: the key of per-host limits.
std::string HostKey(std::string_view url) {
  url = Trim(url);
  const Authority a = AuthorityOf(url);
  const size_t from = a.at == std::string_view::npos ? a.start : a.at + 1;
  return Lower(url.substr(from, a.end - from));
}

bool IsSecretParam(std::string_view raw) {
  const std::string name = Lower(raw);
  for (const char* word : {"token", "secret", "password", "passwd", "signature"})
    if (name.find(word) != std::string::npos) return true;
  return StartsWith(name, "x-amz-") || EndsWith(name, "key") || name == "sig";
}

// ---------------------------------------------------------------------------------------------
// Errors.

Error ErrorOf(CURLcode code) {
  switch (code) {
    case CURLE_OK:
      return Error::kNone;
    case CURLE_COULDNT_RESOLVE_HOST:
      return Error::kResolve;
    case CURLE_COULDNT_CONNECT:
      return Error::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return Error::kTimeout;
    case CURLE_PEER_FAILED_VERIFICATION:
      return Error::kTlsVerify;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      return Error::kTls;
    case CURLE_USE_SSL_FAILED:
      return Error::kNoStartTls;
    case CURLE_LOGIN_DENIED:
      return Error::kLoginDenied;
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_QUOTE_ERROR:
    case CURLE_REMOTE_ACCESS_DENIED:
    case CURLE_FTP_WEIRD_PASS_REPLY:
    case CURLE_FTP_WEIRD_PASV_REPLY:
    case CURLE_FTP_WEIRD_227_FORMAT:
    case CURLE_FTP_COULDNT_SET_TYPE:
    case CURLE_FTP_ACCEPT_FAILED:
      return Error::kUnexpectedReply;
    case CURLE_TOO_MANY_REDIRECTS:
      return Error::kTooManyRedirects;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return Error::kConnectionLost;
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_FAILED_INIT:
    case CURLE_BAD_FUNCTION_ARGUMENT:
    case CURLE_NOT_BUILT_IN:
      return Error::kSetup;
    default:
      return Error::kOther;
  }
}

Response Failure(Error error, std::string text) {
  Response r;
  r.error = error;
  r.error_text = std::move(text);
  r.started = Clock::now();
  return r;
}

// ---------------------------------------------------------------------------------------------
// The runner's state: requests held back for a busy host, and those in flight.

// A request pulled from the source that waits for room at its host.
struct Held {
  size_t index = 0;
  Request request;
};

struct HostQueue {
  size_t active = 0;         ///< started requests to this host
  std::deque<Held> waiting;  ///< requests held back until one of them finishes
};

// One request in flight: an easy handle kept from request to request, and what it is doing.
struct Slot {
  EasyPtr easy;
  size_t index = 0;
  bool busy = false;          ///< in the multi handle
  HostQueue* host = nullptr;  ///< when per-host limits apply
  Request request;
  Response response;
  SlistPtr header_list;
  SlistPtr recipients;
  size_t upload_pos = 0;
  std::string protocol;   ///< session: "smtp", "imap", "pop3" or "ftp"
  bool sent_any = false;  ///< session: a command went out (the greeting is complete)
  char errbuf[CURL_ERROR_SIZE];
};

size_t OnWrite(char* data, size_t size, size_t nmemb, void* user) {
  Slot* s = static_cast<Slot*>(user);
  const size_t n = size * nmemb;
  std::string& body = s->response.body;
  const size_t room = s->request.max_body > body.size() ? s->request.max_body - body.size() : 0;
  body.append(data, std::min(n, room));
  if (n > room) s->response.body_truncated = true;
  return n;
}

size_t OnRead(char* buffer, size_t size, size_t nitems, void* user) {
  Slot* s = static_cast<Slot*>(user);
  static const std::string kNone;
  const std::string& body = s->request.body ? *s->request.body : kNone;
  const size_t n = std::min(size * nitems, body.size() - s->upload_pos);
  std::memcpy(buffer, body.data() + s->upload_pos, n);
  s->upload_pos += n;
  return n;
}

// Reads the leaf certificate of the live TLS connection (reachable only during the transfer).
void ReadPeerCertificate(Slot* s) {
  s->response.certificate.reset();
  const curl_tlssessioninfo* info = nullptr;
  if (curl_easy_getinfo(s->easy.get(), CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || !info ||
      info->backend != CURLSSLBACKEND_OPENSSL || !info->internals)
    return;
  const X509* cert = SSL_get0_peer_certificate(static_cast<SSL*>(info->internals));
  Certificate c;
  if (!cert || !CertExpiry(X509_get0_notAfter(cert), &c.days, &c.not_after)) return;
  c.subject = CertNameText(X509_get_subject_name(cert));
  s->response.certificate = std::move(c);
}

size_t OnHeader(char* data, size_t size, size_t nmemb, void* user) {
  Slot* s = static_cast<Slot*>(user);
  const size_t n = size * nmemb;
  const std::string_view line = Trim(std::string_view(data, n));
  Response& r = s->response;
  if (s->request.mail) {
    if (!line.empty()) r.status_line.assign(line.data(), line.size());  // the last server reply
  } else if (StartsWith(line, "HTTP/")) {
    r.status_line.assign(line.data(), line.size());
    r.headers.Clear();  // a new response (after a redirect or 100 Continue) starts over
    if (s->request.want_certificate) ReadPeerCertificate(s);
  } else if (s->request.capture_headers) {
    const size_t colon = line.find(':');
    if (colon != std::string_view::npos && colon > 0)
      r.headers.Add(std::string(Trim(line.substr(0, colon))), std::string(Trim(line.substr(colon + 1))));
  }
  return n;
}

const char* HttpVersionText(long version) {
  switch (version) {
    case CURL_HTTP_VERSION_1_0: return "1.0";
    case CURL_HTTP_VERSION_1_1: return "1.1";
    case CURL_HTTP_VERSION_2_0: return "2";
    case CURL_HTTP_VERSION_3: return "3";
    default: return "";
  }
}

double Seconds(CURL* e, CURLINFO what) {
  curl_off_t us = 0;
  curl_easy_getinfo(e, what, &us);
  return static_cast<double>(us) / 1e6;
}

// Fills the slot's response from the finished transfer.
void Collect(Slot* s, CURLcode code) {
  CURL* e = s->easy.get();
  Response& r = s->response;
  if (code != CURLE_OK) {
    r.error = ErrorOf(code);
    r.error_text = s->errbuf[0] ? std::string(s->errbuf) : curl_easy_strerror(code);
    long os_errno = 0;
    curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &os_errno);
    r.os_errno = static_cast<int>(os_errno);
  }
  long version = 0;
  curl_off_t size = 0;
  char* text = nullptr;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &version);
  r.smtp = s->request.mail.has_value();
  if (!r.smtp) r.http_version = HttpVersionText(version);
  curl_easy_getinfo(e, CURLINFO_SIZE_DOWNLOAD_T, &size);
  r.body_size = static_cast<uint64_t>(size);
  if (curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &text) == CURLE_OK && text) r.redirect_url = text;
  if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &text) == CURLE_OK && text) r.effective_url = text;
  if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &text) == CURLE_OK && text) r.primary_ip = text;
  curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &r.primary_port);
  r.timing.dns = Seconds(e, CURLINFO_NAMELOOKUP_TIME_T);
  r.timing.connect = Seconds(e, CURLINFO_CONNECT_TIME_T);
  r.timing.tls = Seconds(e, CURLINFO_APPCONNECT_TIME_T);
  r.timing.first_byte = Seconds(e, CURLINFO_STARTTRANSFER_TIME_T);
  r.timing.total = Seconds(e, CURLINFO_TOTAL_TIME_T);
  if (r.timing.tls == 0) r.timing.tls = r.timing.connect;  // no TLS: the phase took no time
}

// Sets up the easy handle of @p s for an HTTP request; false with *@p failed filled when it cannot.
bool SetUpHttp(Slot* s, Response* failed) {
  CURL* e = s->easy.get();
  const Request& q = s->request;
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
  if (q.follow_redirects) {
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, q.max_redirects);
  }
  if (q.method == "HEAD") {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (q.method != "GET" || q.body) {
    if (q.method != "POST") curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, q.method.c_str());
    if (q.body || q.method == "POST") {
      curl_easy_setopt(e, CURLOPT_POSTFIELDS, q.body ? q.body->c_str() : "");
      curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(q.body ? q.body->size() : 0));
    }
  }
  for (const auto& [name, value] : q.headers) {
    std::string line = name;
    line += value.empty() ? ";" : ": ";  // "Name;" sends an empty header in libcurl
    line += value;
    if (!Append(&s->header_list, line)) {
      *failed = Failure(Error::kInternal, "out of memory");
      return false;
    }
  }
  if (s->header_list) curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->header_list.get());
  if (!q.user.empty()) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(e, CURLOPT_USERNAME, q.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, q.password.c_str());
  } else if (q.bearer) {
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BEARER));
    curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, q.bearer->c_str());
  }
  return true;
}

std::string Bracketed(const std::string& address) {
  return !address.empty() && address.front() == '<' ? address : "<" + address + ">";
}

// Sets up the easy handle of @p s to send an e-mail; false with *@p failed filled when it cannot.
bool SetUpMail(Slot* s, Response* failed) {
  CURL* e = s->easy.get();
  const Request& q = s->request;
  const Mail& m = *q.mail;
  if (m.to.empty()) {
    *failed = Failure(Error::kSetup, "an e-mail needs a recipient");
    return false;
  }
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, s);
  curl_easy_setopt(e, CURLOPT_MAIL_FROM, Bracketed(m.from).c_str());
  for (const std::string& to : m.to) {
    if (!Append(&s->recipients, Bracketed(to))) {
      *failed = Failure(Error::kInternal, "out of memory");
      return false;
    }
  }
  curl_easy_setopt(e, CURLOPT_MAIL_RCPT, s->recipients.get());
  curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(e, CURLOPT_READFUNCTION, OnRead);
  curl_easy_setopt(e, CURLOPT_READDATA, s);
  curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(q.body ? q.body->size() : 0));
  curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(m.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  if (!q.user.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, q.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, q.password.c_str());
  }
  return true;
}

// The protocol of a session URL's @p scheme without its TLS 's' ("imaps" → "imap"); "" for others.
std::string SessionProtocol(const std::string& scheme) {
  for (const char* p : {"smtp", "imap", "pop3", "ftp"})
    if (scheme == p || scheme == std::string(p) + "s") return p;
  return "";
}

// Most bytes of a session's greeting kept.
constexpr size_t kMaxGreeting = 8192;

// libcurl's debug stream of a session (the only place where the lines of a mail or FTP
// conversation appear in order, sent and received): the greeting, the last line received, and
// whether a login went out. Of a sent command only its verb is read, never the arguments, which
// may carry credentials.
int OnDebug(CURL*, curl_infotype type, char* data, size_t size, void* user) {
  Slot* s = static_cast<Slot*>(user);
  Response& r = s->response;
  std::string_view text(data, size);
  if (type == CURLINFO_HEADER_IN) {
    if (!s->sent_any && r.greeting.size() < kMaxGreeting)
      r.greeting.append(text.substr(0, kMaxGreeting - r.greeting.size()));
    while (!text.empty()) {
      const size_t nl = std::min(text.find('\n'), text.size());
      const std::string_view line = Trim(text.substr(0, nl));
      if (!line.empty()) r.status_line.assign(line.data(), line.size());
      text.remove_prefix(std::min(nl + 1, text.size()));
    }
  } else if (type == CURLINFO_HEADER_OUT) {
    s->sent_any = true;
    text = Trim(text.substr(0, 64));
    if (s->protocol == "imap") text.remove_prefix(std::min(text.find(' '), text.size()));  // the tag
    text = Trim(text);
    const std::string verb = Upper(text.substr(0, text.find_first_of(" \r\n")));
    // FTP's "AUTH TLS" is the TLS upgrade, not a login.
    if (verb == "LOGIN" || verb == "AUTHENTICATE" || verb == "USER" || verb == "APOP" ||
        (verb == "AUTH" && s->protocol != "ftp"))
      r.login_sent = true;
  }
  return 0;
}

// Sets up the easy handle of @p s for a session; false with *@p failed filled when it cannot.
bool SetUpSession(Slot* s, long timeout_ms, Response* failed) {
  CURL* e = s->easy.get();
  const Request& q = s->request;
  const Session& session = *q.session;
  const size_t colon = q.url.find("://");
  const std::string scheme = Lower(q.url.substr(0, colon == std::string::npos ? 0 : colon));
  s->protocol = SessionProtocol(scheme);
  if (s->protocol.empty() || q.mail) {
    *failed = Failure(Error::kSetup, q.mail ? "a request is either an e-mail or a session"
                                            : "a session needs an smtp, imap, pop3 or ftp URL (or smtps, ...)");
    return false;
  }
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, scheme.c_str());
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  // Bounds each reply awaited, the QUIT exchange after the command included.
  curl_easy_setopt(e, CURLOPT_SERVER_RESPONSE_TIMEOUT, std::max(1L, (timeout_ms + 999) / 1000));
  curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);  // to the debug function only
  curl_easy_setopt(e, CURLOPT_DEBUGFUNCTION, OnDebug);
  curl_easy_setopt(e, CURLOPT_DEBUGDATA, s);
  curl_easy_setopt(e, CURLOPT_USE_SSL, static_cast<long>(session.require_tls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  if (!session.command.empty()) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, session.command.c_str());
  // Without NOBODY libcurl reads a POP3 reply as a listing up to its "." line.
  if (session.command.empty() || (s->protocol == "pop3" && !session.listing)) curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  if (!q.user.empty()) {
    curl_easy_setopt(e, CURLOPT_USERNAME, q.user.c_str());
    curl_easy_setopt(e, CURLOPT_PASSWORD, q.password.c_str());
  }
  return true;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Headers.

void Headers::Add(std::string name, std::string value) { fields_.emplace_back(std::move(name), std::move(value)); }

const std::string* Headers::Find(std::string_view name) const {
  for (const auto& [n, v] : fields_)
    if (EqualsIgnoreCase(n, name)) return &v;
  return nullptr;
}

std::vector<std::string> Headers::FindAll(std::string_view name) const {
  std::vector<std::string> out;
  for (const auto& [n, v] : fields_)
    if (EqualsIgnoreCase(n, name)) out.push_back(v);
  return out;
}

const char* ErrorName(Error e) {
  switch (e) {
    case Error::kNone: return "none";
    case Error::kResolve: return "cannot resolve";
    case Error::kConnect: return "cannot connect";
    case Error::kTimeout: return "timeout";
    case Error::kTlsVerify: return "TLS verification failed";
    case Error::kTls: return "TLS failed";
    case Error::kNoStartTls: return "no STARTTLS";
    case Error::kTooManyRedirects: return "too many redirects";
    case Error::kConnectionLost: return "connection lost";
    case Error::kLoginDenied: return "login denied";
    case Error::kUnexpectedReply: return "unexpected reply";
    case Error::kSetup: return "bad request set-up";
    case Error::kInternal: return "internal error";
    case Error::kOther: return "request failed";
  }
  return "request failed";
}

// ---------------------------------------------------------------------------------------------
// The runner.

struct Runner::Impl {
  // Requests held back at most (pulled from the source early to find ones for other hosts).
  static constexpr size_t kMaxHeld = 512;

  explicit Impl(RunnerOptions o) : options(o) {
    GlobalInit();
    options.max_parallel = std::max<size_t>(1, options.max_parallel);
    share.reset(curl_share_init());
    multi.reset(curl_multi_init());
    if (share) {
      curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
      curl_share_setopt(share.get(), CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    }
    if (multi) {
      // As many connections per host as requests a host may have in flight, and (set per run) a
      // cache that keeps every slot's connection for re-use.
      if (options.max_per_host > 0)
        curl_multi_setopt(multi.get(), CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.max_per_host));
      curl_multi_setopt(multi.get(), CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    }
    ok = share && multi;
  }

  ~Impl() { Abandon(); }

  // Takes every request still in the multi handle out (after an exception from a callback).
  void Abandon() {
    for (auto& s : slots) {
      if (!s->busy) continue;
      curl_multi_remove_handle(multi.get(), s->easy.get());
      s->busy = false;
      s->request = Request();
    }
    hosts.clear();
    ready.clear();
    held = 0;
  }

  // Makes sure @p width slots exist and marks them all free; false when libcurl fails.
  bool PrepareSlots(size_t width) {
    while (slots.size() < width) {
      auto s = std::make_unique<Slot>();
      s->easy.reset(curl_easy_init());
      if (!s->easy) return false;
      slots.push_back(std::move(s));
    }
    idle.clear();
    for (size_t i = width; i-- > 0;) idle.push_back(slots[i].get());
    curl_multi_setopt(multi.get(), CURLMOPT_MAXCONNECTS, static_cast<long>(std::max(width, options.max_per_host)));
    return true;
  }

  // Configures @p s for @p request and adds it to the multi handle; false with *@p failed filled
  // when it cannot start.
  bool Start(Slot* s, size_t index, Request&& request, HostQueue* host, Response* failed) {
    s->request = std::move(request);
    s->response = Response();
    s->response.started = Clock::now();
    s->index = index;
    s->host = host;
    const Request& q = s->request;
    long timeout_ms = std::max<long>(1, static_cast<long>(q.timeout.count()));
    if (q.deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*q.deadline - s->response.started).count();
      if (left <= 0) {
        *failed = Failure(Error::kTimeout, "the deadline passed before the request started");
        return false;
      }
      timeout_ms = std::min(timeout_ms, static_cast<long>(left));
    }
    const long connect_ms =
        q.connect_timeout.count() > 0 ? std::min(timeout_ms, static_cast<long>(q.connect_timeout.count())) : timeout_ms;
    s->errbuf[0] = '\0';
    s->header_list.reset();
    s->recipients.reset();
    s->upload_pos = 0;
    s->protocol.clear();
    s->sent_any = false;

    CURL* e = s->easy.get();
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, q.url.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_SHARE, share.get());
    curl_easy_setopt(e, CURLOPT_PRIVATE, s);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnWrite);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, q.user_agent.c_str());
    const bool set_up = q.session ? SetUpSession(s, timeout_ms, failed) : q.mail ? SetUpMail(s, failed) : SetUpHttp(s, failed);
    if (!set_up) return false;
    const TlsOptions& tls = q.tls;
    if (!tls.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, tls.ca_file.c_str());
    if (!tls.ca_path.empty()) curl_easy_setopt(e, CURLOPT_CAPATH, tls.ca_path.c_str());
    if (tls.insecure) {
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (!tls.client_cert.empty()) curl_easy_setopt(e, CURLOPT_SSLCERT, tls.client_cert.c_str());
    if (!tls.client_key.empty()) curl_easy_setopt(e, CURLOPT_SSLKEY, tls.client_key.c_str());
    if (curl_multi_add_handle(multi.get(), e) != CURLM_OK) {
      *failed = Failure(Error::kInternal, "cannot add the request to the libcurl multi handle");
      return false;
    }
    s->busy = true;
    return true;
  }

  // Frees @p s (forgetting its request's secrets) and gives its host's place to a waiting request.
  void Release(Slot* s) {
    s->busy = false;
    s->request.password.clear();
    s->request.bearer.reset();
    idle.push_back(s);
    ReleaseHost(s->host);
    s->host = nullptr;
  }

  void ReleaseHost(HostQueue* host) {
    if (!host) return;
    --host->active;
    if (!host->waiting.empty()) {
      ready.emplace_back(std::move(host->waiting.front()), host);
      host->waiting.pop_front();
      ++host->active;
    }
  }

  void Run(size_t count, const Source& source, const Done& done) {
    struct Cleanup {
      Impl* impl;
      ~Cleanup() { impl->Abandon(); }
    } cleanup{this};
    const SigpipeGuard no_sigpipe;
    const size_t width = std::min(count, options.max_parallel);
    if (count == 0) return;
    if (!ok || !PrepareSlots(width)) {
      FailRest(0, count, source, done, "cannot initialise libcurl");
      return;
    }
    size_t next = 0;    // the next index not yet asked of the source
    size_t active = 0;  // requests in the multi handle
    while (next < count || active > 0 || !ready.empty()) {
      // Fill free slots: first requests whose host just got room, then new ones in order; one
      // whose host is busy waits unstarted, so its timeout does not run while it waits.
      while (!idle.empty()) {
        Held item;
        HostQueue* host = nullptr;
        if (!ready.empty()) {
          item = std::move(ready.front().first);
          host = ready.front().second;
          ready.pop_front();
          --held;
        } else if (next < count && held < kMaxHeld) {
          item.index = next++;
          if (!source(item.index, &item.request)) continue;
          if (options.max_per_host > 0) {
            host = &hosts[HostKey(item.request.url)];
            if (host->active >= options.max_per_host) {
              host->waiting.push_back(std::move(item));
              ++held;
              continue;
            }
            ++host->active;
          }
        } else {
          break;
        }
        Slot* s = idle.back();
        Response failed;
        if (Start(s, item.index, std::move(item.request), host, &failed)) {
          idle.pop_back();
          ++active;
        } else {
          s->request = Request();
          s->host = nullptr;
          ReleaseHost(host);
          done(item.index, std::move(failed));
        }
      }
      if (active == 0) continue;
      int running = 0;
      CURLMcode mc = curl_multi_perform(multi.get(), &running);
      bool finished = false;
      int queued = 0;
      while (CURLMsg* m = curl_multi_info_read(multi.get(), &queued)) {
        if (m->msg != CURLMSG_DONE) continue;
        char* priv = nullptr;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
        Slot* s = reinterpret_cast<Slot*>(priv);
        const CURLcode code = m->data.result;
        curl_multi_remove_handle(multi.get(), s->easy.get());
        --active;
        finished = true;
        Collect(s, code);
        const size_t index = s->index;
        Response r = std::move(s->response);
        Release(s);
        done(index, std::move(r));
      }
      const bool more = next < count || !ready.empty();
      if (mc == CURLM_OK && active > 0 && !(finished && more))
        mc = curl_multi_poll(multi.get(), nullptr, 0, 1000, nullptr);
      if (mc != CURLM_OK) {
        const std::string why = std::string("libcurl multi error: ") + curl_multi_strerror(mc);
        for (auto& s : slots) {
          if (!s->busy) continue;
          curl_multi_remove_handle(multi.get(), s->easy.get());
          const size_t index = s->index;
          Release(s.get());
          done(index, Failure(Error::kInternal, why));
        }
        for (const auto& [item, host] : ready) done(item.index, Failure(Error::kInternal, why));
        for (const auto& [key, host] : hosts)
          for (const Held& item : host.waiting) done(item.index, Failure(Error::kInternal, why));
        FailRest(next, count, source, done, why);
        return;
      }
    }
  }

  // Reports requests @p from .. @p count - 1 as failed with @p why (after asking the source).
  static void FailRest(size_t from, size_t count, const Source& source, const Done& done, const std::string& why) {
    for (size_t i = from; i < count; ++i) {
      Request r;
      if (source(i, &r)) done(i, Failure(Error::kInternal, why));
    }
  }

  RunnerOptions options;
  SharePtr share;  // declared before the easy handles that use it, so it is freed after them
  MultiPtr multi;
  bool ok = false;
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Slot*> idle;  // free slots, the last freed on top
  std::unordered_map<std::string, HostQueue> hosts;  // node-based: pointers stay valid
  std::deque<std::pair<Held, HostQueue*>> ready;     // requests whose host has room, to start first
  size_t held = 0;                                   // requests in ready or a waiting queue
};

Runner::Runner(RunnerOptions options) : impl_(std::make_unique<Impl>(options)) {}
Runner::~Runner() = default;

void Runner::Run(size_t count, const Source& source, const Done& done) { impl_->Run(count, source, done); }

void Runner::Run(std::vector<Request> requests, const Done& done) {
  impl_->Run(
      requests.size(),
      [&requests](size_t i, Request* r) {
        *r = std::move(requests[i]);
        return true;
      },
      done);
}

Response Perform(Request request) {
  RunnerOptions options;
  options.max_parallel = 1;
  Runner runner(options);
  Response out = Failure(Error::kInternal, "no response");
  runner.Run(
      1,
      [&request](size_t, Request* r) {
        *r = std::move(request);
        return true;
      },
      [&out](size_t, Response r) { out = std::move(r); });
  return out;
}

// ---------------------------------------------------------------------------------------------
// URLs.

std::optional<UrlParts> ParseUrl(const std::string& url, std::string* err) {
  GlobalInit();
  UrlPtr u(curl_url());
  if (!u) {
    *err = "out of memory";
    return std::nullopt;
  }
  const CURLUcode uc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0);
  if (uc != CURLUE_OK) {
    *err = curl_url_strerror(uc);
    return std::nullopt;
  }
  const auto get = [&u](CURLUPart part, unsigned flags, std::string* out) {
    char* value = nullptr;
    if (curl_url_get(u.get(), part, &value, flags) != CURLUE_OK || !value) return false;
    const CurlText owned(value);
    *out = value;
    return true;
  };
  UrlParts p;
  get(CURLUPART_SCHEME, 0, &p.scheme);
  get(CURLUPART_USER, 0, &p.user);
  if (std::string password; get(CURLUPART_PASSWORD, 0, &password)) p.password = std::move(password);
  get(CURLUPART_HOST, 0, &p.host);
  get(CURLUPART_PORT, CURLU_DEFAULT_PORT, &p.port);
  get(CURLUPART_PATH, 0, &p.path);
  return p;
}

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string StripUserinfo(std::string_view url) {
  const Authority a = AuthorityOf(url);
  if (a.at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, a.start)).append(url.substr(a.at + 1));
}

// ---------------------------------------------------------------------------------------------
// Redaction.

bool IsSecretHeader(std::string_view raw) {
  const std::string name = Lower(raw);
  if (name == "authorization" || name == "proxy-authorization" || name == "cookie" || name == "set-cookie" ||
      name == "x-api-key")
    return true;
  return StartsWith(name, "x-") && (EndsWith(name, "token") || EndsWith(name, "secret") || StartsWith(name, "x-amz-"));
}

std::string RedactUrl(std::string_view url) {
  const Authority a = AuthorityOf(url);
  std::string out(url.substr(0, a.start));
  if (a.at != std::string_view::npos) {
    const std::string_view userinfo = url.substr(a.start, a.at - a.start);
    const size_t colon = userinfo.find(':');
    out += colon == std::string_view::npos ? std::string("***") : std::string(userinfo.substr(0, colon)) + ":***";
    out += url.substr(a.at, a.end - a.at);
  } else {
    out += url.substr(a.start, a.end - a.start);
  }
  std::string_view rest = url.substr(a.end);
  const size_t query = rest.find('?');
  out += rest.substr(0, query);
  if (query == std::string_view::npos) return out;
  rest.remove_prefix(query + 1);
  const size_t hash = rest.find('#');
  std::string_view params = rest.substr(0, hash);
  out += '?';
  for (bool first = true;; first = false) {
    const size_t amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    const size_t eq = param.find('=');
    if (!first) out += '&';
    if (eq != std::string_view::npos && IsSecretParam(param.substr(0, eq))) {
      out += param.substr(0, eq + 1);
      out += "***";
    } else {
      out += param;
    }
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  if (hash != std::string_view::npos) out += rest.substr(hash);
  return out;
}

std::string Describe(const Request& q) {
  std::vector<std::string> secrets = {q.password, q.bearer.value_or("")};
  const Authority a = AuthorityOf(q.url);
  if (a.at != std::string_view::npos) {
    const std::string userinfo = q.url.substr(a.start, a.at - a.start);
    const size_t colon = userinfo.find(':');
    secrets.push_back(colon == std::string::npos ? userinfo : userinfo.substr(colon + 1));
  }
  std::string out = q.session ? "SESSION" : q.mail ? "SMTP" : q.method;
  out += ' ';
  if (q.secret_url) {
    const size_t from = a.at == std::string_view::npos ? a.start : a.at + 1;
    out += q.url.substr(0, a.start) + q.url.substr(from, a.end - from) + "/***";
  } else {
    out += RedactUrl(q.url);
  }
  for (const auto& [name, value] : q.headers) {
    out += '\n' + name + ": ";
    if (IsSecretHeader(name)) {
      out += "***";
      secrets.push_back(value);
    } else {
      out += value;
    }
  }
  if (!q.user.empty())
    out += "\n(" + std::string(q.mail || q.session ? "login" : "basic authentication") + " as '" + q.user + "')";
  else if (q.bearer) out += "\n(bearer token)";
  if (q.mail) {
    out += "\n(mail from " + Bracketed(q.mail->from) + " to ";
    for (size_t i = 0; i < q.mail->to.size(); ++i) out += (i ? ", " : "") + Bracketed(q.mail->to[i]);
    out += ')';
  }
  if (q.session) {
    out += "\n(command " + (q.session->command.empty() ? std::string("none") : "'" + q.session->command + "'");
    if (q.session->require_tls) out += ", TLS required";
    out += ')';
  }
  if (q.body) out += "\n(body of " + std::to_string(q.body->size()) + " bytes)";
  return RedactSecrets(std::move(out), secrets);
}

// ---------------------------------------------------------------------------------------------
// Retrying.

Verdict Classify(const Response& r) {
  if (r.smtp && r.status >= 400) return r.status < 500 ? Verdict::kRetry : Verdict::kPermanent;
  switch (r.error) {
    case Error::kNone:
      break;
    case Error::kResolve:
    case Error::kConnect:
    case Error::kTimeout:
    case Error::kConnectionLost:
      return Verdict::kRetry;
    default:
      return Verdict::kPermanent;
  }
  if (r.smtp) return r.status >= 200 && r.status < 400 ? Verdict::kOk : Verdict::kPermanent;
  if (r.status < 400) return Verdict::kOk;
  if (r.status == 408 || r.status == 429) return Verdict::kRetry;
  if (r.status >= 500 && r.status <= 599 && r.status != 501 && r.status != 505) return Verdict::kRetry;
  return Verdict::kPermanent;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view value,
                                                    std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 10) return std::nullopt;  // beyond any sensible wait
    return std::chrono::seconds(std::stoll(std::string(value)));
  }
  // An HTTP date names a weekday first; libcurl's parser reads all three forms RFC 9110 allows.
  if (!std::isalpha(static_cast<unsigned char>(value.front()))) return std::nullopt;
  const std::string text(value);
  const time_t when = curl_getdate(text.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  const auto delay =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::from_time_t(when) - now);
  return std::max(delay, std::chrono::seconds(0));
}

std::optional<std::chrono::seconds> RetryAfter(const Response& response, std::chrono::system_clock::time_point now) {
  const std::string* value = response.headers.Find("Retry-After");
  if (!value) return std::nullopt;
  return ParseRetryAfter(*value, now);
}

}  // namespace hops::http
