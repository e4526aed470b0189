// One call of an AWS Query-style API (EC2, STS): the parameters form-encoded into a POST, signed
// with SigV4 before every attempt, sent over common/http (TLS verified unless told otherwise), and
// the answer either returned as XML or turned into an AwsError. Throttling (RequestLimitExceeded,
// Throttling, HTTP 429 and 503), 5xx answers and lost connections are retried with full-jitter
// exponential backoff capped at 20 s, a bounded number of times; authentication and
// authorisation errors never are. Nothing here prints: a Logger, when set, gets one redacted
// line per attempt (-v).
#ifndef HOPS_COMMON_AWS_QUERY_HPP_
#define HOPS_COMMON_AWS_QUERY_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/aws_sigv4.hpp"
#include "common/error.hpp"
#include "common/http.hpp"

namespace hops::aws {

/// What kind of failure an AWS error code (or HTTP status) is.
enum class ErrorClass {
  kThrottle,   ///< the caller is going too fast: retried after a backoff
  kTransient,  ///< the service failed for now (5xx, InternalError, Unavailable): retried
  kAuth,       ///< credentials, signature or permission: never retried
  kOther,      ///< anything else the caller asked wrongly: not retried
};

/// Classifies error @p code (may be "") answered with HTTP @p status.
ErrorClass ClassifyError(std::string_view code, long status);

/// An error answer of an AWS API (after any retries).
class AwsError : public RuntimeError {
 public:
  /// @p what is the full message; the rest are the answer's parts.
  AwsError(const std::string& what, std::string code, std::string message, std::string request_id,
           long status);
  /// The AWS error code ("InvalidInstanceID.NotFound", "RequestLimitExceeded"), "" when the
  /// answer had none (an HTML 503 from a proxy).
  const std::string& code() const { return code_; }
  /// The service's message, as sent.
  const std::string& aws_message() const { return message_; }
  /// The request id of the answer, "" when none.
  const std::string& request_id() const { return request_id_; }
  /// The HTTP status, 0 when no answer came (transport failure).
  long status() const { return status_; }
  /// ClassifyError(code(), status()).
  ErrorClass error_class() const { return ClassifyError(code_, status_); }

 private:
  std::string code_, message_, request_id_;
  long status_;
};

/// The parts of an AWS error document.
struct ErrorDocument {
  std::string code;
  std::string message;
  std::string request_id;
};

/// Reads an error document in either Query shape: EC2's
/// Response/Errors/Error/{Code,Message} + Response/RequestID, or the other Query services'
/// ErrorResponse/Error/{Code,Message} + ErrorResponse/RequestId. nullopt when @p xml is neither.
std::optional<ErrorDocument> ParseErrorDocument(std::string_view xml);

/// How often and how long to retry.
struct RetryPolicy {
  int max_attempts = 5;                    ///< attempts in all, the first included (at least 1)
  std::chrono::milliseconds base{1000};    ///< the backoff ceiling before the first retry
  std::chrono::milliseconds cap{20000};    ///< the largest backoff ceiling
};

/// The backoff before retry number @p retry (1 for the first retry): full jitter, @p unit (in
/// [0, 1)) times min(cap, base * 2^(retry-1)).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit);

/// The parameters of a call as "Name" = "value" pairs, in order.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// @p params as an application/x-www-form-urlencoded body (names and values percent-encoded).
std::string FormEncode(const QueryParams& params);

/// Where one service of one region is reached and how requests to it are signed.
struct ServiceEndpoint {
  std::string url;      ///< "https://ec2.us-east-1.amazonaws.com/" or an --endpoint-url
  std::string region;   ///< the region signed for
  std::string service;  ///< the signing name: "ec2", "sts"
};

/// Gets the credentials to sign an attempt with (may refresh them; may throw hops::Error).
using CredentialSource = std::function<Credentials()>;

/// Receives one line of -v logging (redacted already).
using Logger = std::function<void(const std::string& line)>;

/// Options of a QueryClient.
struct QueryOptions {
  RetryPolicy retry;
  std::chrono::milliseconds timeout{30000};  ///< one attempt
  std::chrono::milliseconds connect_timeout{10000};
  http::TlsOptions tls;
  Logger log;                                ///< none: quiet
  std::string user_agent = "hops/" HOPS_VERSION;
};

/// Calls one AWS Query API endpoint. Keeps its connections between calls; use one per thread.
class QueryClient {
 public:
  QueryClient(ServiceEndpoint endpoint, CredentialSource credentials, QueryOptions options = {});
  ~QueryClient();
  QueryClient(const QueryClient&) = delete;
  QueryClient& operator=(const QueryClient&) = delete;

  /// Performs @p action (API @p version) with @p params; returns the answer's XML body. Throws
  /// AwsError for an error answer (after retries for throttling and transient ones) and for a
  /// transport failure that outlasted the retries (code "", status 0).
  std::string Call(const std::string& action, const std::string& version, const QueryParams& params);

  /// The endpoint this client calls.
  const ServiceEndpoint& endpoint() const { return endpoint_; }
  /// Attempts made by the calls so far (retries included).
  int attempts() const { return attempts_; }

 private:
  ServiceEndpoint endpoint_;
  CredentialSource credentials_;
  QueryOptions options_;
  std::unique_ptr<http::Runner> runner_;
  int attempts_ = 0;
};

}  // namespace hops::aws

#endif  // HOPS_COMMON_AWS_QUERY_HPP_
