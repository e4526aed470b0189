#include "common/aws_query.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <random>
#include <thread>

#include "common/output.hpp"
#include "common/text.hpp"

namespace hops::aws {
namespace {

bool IsOneOf(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

// A uniform number in [0, 1) from a generator seeded once per thread.
double Unit() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

std::string ServiceName(const std::string& service) { return service == "ec2" ? "EC2" : Upper(service); }

}  // namespace

ErrorClass ClassifyError(std::string_view code, long status) {
  // Never retried, whatever the status: the same request fails the same way.
  if (IsOneOf(code, {"AuthFailure", "SignatureDoesNotMatch", "IncompleteSignature", "InvalidClientTokenId",
                     "UnrecognizedClientException", "InvalidSignatureException", "MissingAuthenticationToken",
                     "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "ExpiredToken",
                     "ExpiredTokenException", "RequestExpired", "OptInRequired", "Blocked",
                     "AuthorizationError", "InvalidSecurity"}))
    return ErrorClass::kAuth;
  if (IsOneOf(code, {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
                     "TooManyRequestsException", "ProvisionedThroughputExceededException",
                     "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
                     "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
                     "EC2ThrottledException", "Throttled"}) ||
      status == 429 || status == 503)
    return ErrorClass::kThrottle;
  if (IsOneOf(code, {"InternalError", "InternalFailure", "InternalServerError", "ServiceUnavailable",
                     "Unavailable", "RequestTimeout", "RequestTimeoutException", "IDPCommunicationError"}) ||
      status == 500 || status == 502 || status == 504)
    return ErrorClass::kTransient;
  return ErrorClass::kOther;
}

AwsError::AwsError(const std::string& what, std::string code, std::string message, std::string request_id,
                   long status)
    : RuntimeError(what),
      code_(std::move(code)),
      message_(std::move(message)),
      request_id_(std::move(request_id)),
      status_(status) {}

std::optional<ErrorDocument> ParseErrorDocument(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) return std::nullopt;
  ErrorDocument out;
  pugi::xml_node root = doc.document_element();
  pugi::xml_node error;
  if (std::string_view(root.name()) == "Response") {
    error = root.child("Errors").child("Error");
    out.request_id = root.child_value("RequestID");
  } else if (std::string_view(root.name()) == "ErrorResponse") {
    error = root.child("Error");
    out.request_id = root.child_value("RequestId");
  }
  if (!error) return std::nullopt;
  out.code = error.child_value("Code");
  out.message = error.child_value("Message");
  return out;
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit) {
  double ceiling = static_cast<double>(policy.base.count());
  for (int i = 1; i < retry && ceiling < static_cast<double>(policy.cap.count()); ++i) ceiling *= 2;
  ceiling = std::min(ceiling, static_cast<double>(policy.cap.count()));
  return std::chrono::milliseconds(static_cast<long long>(ceiling * std::clamp(unit, 0.0, 1.0)));
}

std::string FormEncode(const QueryParams& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += http::PercentEncode(name) + "=" + http::PercentEncode(value);
  }
  return out;
}

QueryClient::QueryClient(ServiceEndpoint endpoint, CredentialSource credentials, QueryOptions options)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      runner_(std::make_unique<http::Runner>(http::RunnerOptions{1, 0})) {}

QueryClient::~QueryClient() = default;

std::string QueryClient::Call(const std::string& action, const std::string& version, const QueryParams& params) {
  QueryParams all = {{"Action", action}, {"Version", version}};
  all.insert(all.end(), params.begin(), params.end());
  const std::string body = FormEncode(all);
  const std::string what = ServiceName(endpoint_.service) + " " + action + " in " + Quote(endpoint_.region);
  const int max_attempts = std::max(1, options_.retry.max_attempts);
  for (int attempt = 1;; ++attempt) {
    ++attempts_;
    const Credentials creds = credentials_();
    http::Request request;
    request.method = "POST";
    request.url = endpoint_.url;
    request.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    request.body = body;
    request.user_agent = options_.user_agent;
    request.timeout = options_.timeout;
    request.connect_timeout = options_.connect_timeout;
    request.tls = options_.tls;
    request.capture_headers = true;
    SignRequest(&request, creds, endpoint_.region, endpoint_.service);
    if (options_.log)
      options_.log(RedactSecrets(what + ": attempt " + std::to_string(attempt) + "\n" + http::Describe(request),
                                 creds.Secrets()));

    http::Response response;
    runner_->Run({std::move(request)}, [&response](size_t, http::Response r) { response = std::move(r); });

    std::string code, message, request_id;
    ErrorClass cls;
    if (!response.ok()) {
      message = std::string(http::ErrorName(response.error)) +
                (response.error_text.empty() ? "" : " (" + LowerFirst(response.error_text) + ")");
      cls = http::Classify(response) == http::Verdict::kRetry ? ErrorClass::kTransient : ErrorClass::kOther;
    } else {
      if (const std::string* id = response.headers.Find("x-amzn-RequestId")) request_id = *id;
      if (options_.log)
        options_.log(what + ": HTTP " + std::to_string(response.status) +
                     (request_id.empty() ? "" : " request id " + request_id));
      if (response.status >= 200 && response.status < 300) return std::move(response.body);
      if (std::optional<ErrorDocument> doc = ParseErrorDocument(response.body)) {
        code = doc->code;
        message = doc->message;
        if (!doc->request_id.empty()) request_id = doc->request_id;
      } else {
        message = "HTTP " + std::to_string(response.status) + " " + Printable(Trim(response.body), 200);
      }
      cls = ClassifyError(code, response.status);
    }
    const bool retry = (cls == ErrorClass::kThrottle || cls == ErrorClass::kTransient) && attempt < max_attempts;
    if (!retry) {
      std::string text = what + " failed";
      if (attempt > 1) text += " after " + std::to_string(attempt) + " attempts";
      text += ": " + (code.empty() ? "" : code + ": ") + Printable(message, 500);
      if (!request_id.empty()) text += " (request id " + request_id + ")";
      throw AwsError(RedactSecrets(text, creds.Secrets()), code, message, request_id, response.status);
    }
    const auto delay = BackoffDelay(options_.retry, attempt, Unit());
    if (options_.log)
      options_.log(what + ": " + (code.empty() ? message : code) + ", retrying in " +
                   std::to_string(delay.count()) + " ms");
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace hops::aws
