// AWS Signature Version 4 (header signing, "AWS4-HMAC-SHA256") for requests hops sends to AWS
// APIs over common/http. The steps are AWS's own, and each one is exposed so the unit tests can
// check it against the AWS SigV4 test suite: the canonical request, the string to sign, the
// Authorization header. SignRequest() signs an http::Request in place; a caller that retries calls
// it again before every attempt, so each attempt carries a fresh X-Amz-Date (and the credentials
// of the moment, which may have been refreshed).
//
// Path normalisation follows every service but S3 (S3 is not signed here): dot segments and
// repeated slashes are removed before each byte but the unreserved ones and '/' is
// percent-encoded.
#ifndef HOPS_COMMON_AWS_SIGV4_HPP_
#define HOPS_COMMON_AWS_SIGV4_HPP_

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hops::http {
struct Request;
}  // namespace hops::http

namespace hops::aws {

/// A set of AWS credentials. The secret and the session token are never printed; only where
/// they came from (source) and the access key id may be shown.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  ///< temporary credentials only, else ""
  /// When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  ///< where they were found, for messages: "environment", "profile 'dev'", ...

  /// True when both parts of the key are set.
  bool valid() const { return !access_key_id.empty() && !secret_access_key.empty(); }
  /// The values to keep out of any output (secret key and session token, when set).
  std::vector<std::string> Secrets() const;
};

/// A request to sign, as the signer sees it.
struct SigningInput {
  std::string method;  ///< "GET", "POST", ...
  /// The request target as sent, without the query: "/", "/example space/" (raw bytes; the
  /// signer normalises and encodes it).
  std::string path;
  std::string query;  ///< the raw query string without '?', "" when none
  /// Every header to sign, names in any case, values as sent (folded lines allowed); a name may
  /// occur several times. Must include Host and X-Amz-Date.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;     ///< the payload, hashed with SHA-256
  std::string region;   ///< "us-east-1"
  std::string service;  ///< "ec2", "sts", ...
  std::string amz_date; ///< "20150830T123600Z": the X-Amz-Date value
};

/// The hex SHA-256 of @p data (lower case).
std::string Sha256Hex(std::string_view data);

/// The canonical request of @p in (step 1).
std::string CanonicalRequest(const SigningInput& in);

/// The string to sign for @p in (step 2): algorithm, date, scope and the hash of the canonical
/// request.
std::string StringToSign(const SigningInput& in);

/// The value of the Authorization header for @p in signed with @p secret_access_key by
/// @p access_key_id (steps 3 and 4).
std::string Authorization(const SigningInput& in, std::string_view access_key_id,
                          std::string_view secret_access_key);

/// @p t as the X-Amz-Date value: "20150830T123600Z" (UTC, whole seconds).
std::string AmzDate(std::chrono::system_clock::time_point t);

/// Signs @p request in place for @p service in @p region with @p creds at time @p now: sets Host
/// (host[:port] as libcurl sends it), X-Amz-Date, X-Amz-Security-Token (temporary credentials)
/// and Authorization, replacing any left from an earlier attempt. Signs Host, X-Amz-Date,
/// Content-Type (when set) and X-Amz-Security-Token. Throws RuntimeError for a URL it cannot
/// parse.
void SignRequest(http::Request* request, const Credentials& creds, std::string_view region,
                 std::string_view service,
                 std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// @p s percent-encoded the SigV4 way: every byte but A-Z a-z 0-9 - . _ ~ as %XX (upper-case
/// hex); '/' too unless @p keep_slash.
std::string UriEncode(std::string_view s, bool keep_slash = false);

/// @p s with %XX sequences decoded (a malformed one is kept as is); '+' stays '+'.
std::string PercentDecode(std::string_view s);

}  // namespace hops::aws

#endif  // HOPS_COMMON_AWS_SIGV4_HPP_
