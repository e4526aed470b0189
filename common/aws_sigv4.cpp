#include "common/aws_sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "common/error.hpp"
#include "common/http.hpp"
#include "common/text.hpp"

namespace hops::aws {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

std::string Hex(const unsigned char* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[p[i] >> 4];
    out += kDigits[p[i] & 0xF];
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path with "." and ".." segments and empty segments removed; keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    start = end + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out += '/';
    out += seg;
  }
  const bool trailing = path.size() > 1 && path.back() == '/' && !segments.empty();
  if (out.empty() || trailing) out += '/';
  return out;
}

// The canonical query string: each name and value decoded and re-encoded strictly, sorted.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view part = query.substr(start, end - start);
    if (!part.empty()) {
      const size_t eq = part.find('=');
      std::string_view name = part.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(name)), UriEncode(PercentDecode(value)));
    }
    start = end + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

// A header value made canonical: trimmed, every run of white space (line folds included) one
// space.
std::string CanonicalValue(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : Trim(value)) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Lower-case names to their values joined by ',' in order, sorted by name.
std::map<std::string, std::string> CanonicalHeaders(const SigningInput& in) {
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : in.headers) {
    const auto [it, added] = headers.emplace(Lower(name), "");
    if (!added) it->second += ',';
    it->second += CanonicalValue(value);
  }
  return headers;
}

std::string SignedHeaders(const std::map<std::string, std::string>& headers) {
  std::string out;
  for (const auto& entry : headers) {
    if (!out.empty()) out += ';';
    out += entry.first;
  }
  return out;
}

std::string Scope(const SigningInput& in) {
  return in.amz_date.substr(0, 8) + "/" + in.region + "/" + in.service + "/aws4_request";
}

// Removes every field named @p name (any case) from @p headers.
void RemoveHeader(std::vector<std::pair<std::string, std::string>>* headers, std::string_view name) {
  headers->erase(std::remove_if(headers->begin(), headers->end(),
                                [name](const auto& h) { return EqualsIgnoreCase(h.first, name); }),
                 headers->end());
}

}  // namespace

std::vector<std::string> Credentials::Secrets() const {
  std::vector<std::string> out;
  if (!secret_access_key.empty()) out.push_back(secret_access_key);
  if (!session_token.empty()) out.push_back(session_token);
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return Hex(digest, sizeof digest);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  if (!keep_slash) return http::PercentEncode(s);
  std::string out;
  for (size_t start = 0;;) {
    const size_t slash = s.find('/', start);
    out += http::PercentEncode(s.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    out += '/';
    start = slash + 1;
  }
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string CanonicalRequest(const SigningInput& in) {
  const auto headers = CanonicalHeaders(in);
  std::string out = in.method + "\n" + UriEncode(NormalizePath(in.path), true) + "\n" +
                    CanonicalQuery(in.query) + "\n";
  for (const auto& [name, value] : headers) out += name + ":" + value + "\n";
  out += "\n" + SignedHeaders(headers) + "\n" + Sha256Hex(in.body);
  return out;
}

std::string StringToSign(const SigningInput& in) {
  return std::string(kAlgorithm) + "\n" + in.amz_date + "\n" + Scope(in) + "\n" +
         Sha256Hex(CanonicalRequest(in));
}

std::string Authorization(const SigningInput& in, std::string_view access_key_id,
                          std::string_view secret_access_key) {
  std::string key = Hmac("AWS4" + std::string(secret_access_key), in.amz_date.substr(0, 8));
  key = Hmac(key, in.region);
  key = Hmac(key, in.service);
  key = Hmac(key, "aws4_request");
  const std::string signature = Hmac(key, StringToSign(in));
  return std::string(kAlgorithm) + " Credential=" + std::string(access_key_id) + "/" + Scope(in) +
         ", SignedHeaders=" + SignedHeaders(CanonicalHeaders(in)) +
         ", Signature=" + Hex(reinterpret_cast<const unsigned char*>(signature.data()), signature.size());
}

std::string AmzDate(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

void SignRequest(http::Request* request, const Credentials& creds, std::string_view region,
                 std::string_view service, std::chrono::system_clock::time_point now) {
  std::string err;
  const std::optional<http::UrlParts> url = http::ParseUrl(request->url, &err);
  if (!url) throw RuntimeError("cannot sign a request to " + Quote(http::RedactUrl(request->url)) + ": " + LowerFirst(err));
  std::string host = url->host;
  const bool default_port = (url->scheme == "https" && url->port == "443") ||
                            (url->scheme == "http" && url->port == "80") || url->port.empty();
  if (!default_port) host += ":" + url->port;
  for (const char* name : {"Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization"})
    RemoveHeader(&request->headers, name);

  SigningInput in;
  in.method = request->method;
  // The path as libcurl sends it: the URL's text between the authority and '?' or '#'.
  const std::string& u = request->url;
  const size_t scheme_end = u.find("://");
  const size_t path_start = u.find_first_of("/?#", scheme_end == std::string::npos ? 0 : scheme_end + 3);
  std::string target = path_start == std::string::npos ? "/" : u.substr(path_start);
  target = target.substr(0, target.find('#'));
  const size_t q = target.find('?');
  in.path = target.substr(0, q);
  if (in.path.empty()) in.path = "/";
  if (q != std::string::npos) in.query = target.substr(q + 1);
  in.body = request->body.value_or("");
  in.region = std::string(region);
  in.service = std::string(service);
  in.amz_date = AmzDate(now);

  request->headers.emplace_back("Host", host);
  request->headers.emplace_back("X-Amz-Date", in.amz_date);
  if (!creds.session_token.empty()) request->headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  for (const auto& h : request->headers) {
    const std::string name = Lower(h.first);
    if (name == "host" || name == "x-amz-date" || name == "x-amz-security-token" || name == "content-type")
      in.headers.push_back(h);
  }
  request->headers.emplace_back("Authorization", Authorization(in, creds.access_key_id, creds.secret_access_key));
}

}  // namespace hops::aws
