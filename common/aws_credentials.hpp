// AWS credentials, region and endpoints, found the way the AWS CLI finds them, so a host set up
// for `aws` works for hops unchanged:
//
//   credentials: the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//     skipped when --profile is given), then the profile (--profile, AWS_PROFILE, "default") of
//     the config and credentials files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else
//     ~/.aws/config and ~/.aws/credentials): role_arn with source_profile or credential_source
//     through STS AssumeRole; the credentials file's keys; credential_process (JSON, Version 1,
//     Expiration honoured); the config file's keys. Then container credentials
//     (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN
//     or _TOKEN_FILE), then the instance role through IMDSv2 (a token PUT with its TTL header,
//     then GETs; 1 s timeouts; AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_EC2_METADATA_DISABLED).
//   region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region, IMDS; never a
//     default: without one, a UsageError says where to give it.
//   endpoint of a service: --endpoint-url, AWS_ENDPOINT_URL_<SERVICE> (AWS_ENDPOINT_URL_EC2,
//     AWS_ENDPOINT_URL_STS), AWS_ENDPOINT_URL, the profile's endpoint_url, else AWS's own.
//
// Temporary credentials are refreshed shortly before they expire. Secrets never appear in a
// message: errors name the variable, file, profile or program, never a value.
#ifndef HOPS_COMMON_AWS_CREDENTIALS_HPP_
#define HOPS_COMMON_AWS_CREDENTIALS_HPP_

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/aws_query.hpp"
#include "common/aws_sigv4.hpp"

namespace hops::aws {

/// Looks up an environment variable; nullopt when unset. Tests pass a map instead of the
/// process environment.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv).
Environment ProcessEnvironment();

/// An Environment over @p vars.
Environment MapEnvironment(std::map<std::string, std::string> vars);

/// The sections of an AWS config or credentials file: section name to lower-case keys and
/// trimmed values. In a config file "[profile NAME]" is NAME and "[default]" is default; other
/// kinds of section ("[sso-session x]", "[services x]") keep their whole name. Indented lines
/// (nested settings such as "s3 =" blocks) are skipped. Throws DefinitionError
/// (file:line: message) on a line that is neither a section, a key, a comment nor blank.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;

/// Parses @p text of file @p name; @p config selects the config file's section naming.
IniSections ParseAwsIni(const std::string& text, const std::string& name, bool config);

/// What the command line says (empty: not given).
struct AwsOptions {
  std::string profile;       ///< --profile
  std::string region;        ///< --region
  std::string endpoint_url;  ///< --endpoint-url, for the tool's own service
  std::string service = "ec2";  ///< the signing name of the tool's own service
  bool no_verify_ssl = false;  ///< --no-verify-ssl: accept any certificate (an explicit opt-out)
  std::string ca_bundle;     ///< --ca-bundle (else AWS_CA_BUNDLE, else the profile's ca_bundle)
};

/// Parameters of one STS AssumeRole call.
struct AssumeRoleParams {
  std::string role_arn;
  std::string session_name;            ///< "" picks "hops-<unix time>"
  std::string external_id;             ///< "" sends none
  std::optional<int> duration_seconds; ///< nullopt: STS's default (1 h)
};

/// Assumes @p params.role_arn with @p base through STS at @p endpoint (region and URL); returns
/// the temporary credentials (source "role 'ARN'"). Throws AwsError (after retries).
Credentials AssumeRole(const Credentials& base, const AssumeRoleParams& params,
                       const ServiceEndpoint& endpoint, const QueryOptions& options = {});

/// Reads the JSON a credential_process prints (Version 1: AccessKeyId, SecretAccessKey, optional
/// SessionToken and Expiration); throws RuntimeError naming @p what and the field at fault.
Credentials ParseProcessCredentials(const std::string& json, const std::string& what,
                                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// Splits a credential_process command line into argv the way the AWS CLI does (POSIX shell
/// words: blanks separate, quotes and backslashes escape; no expansion, never a shell).
std::vector<std::string> SplitCommandLine(const std::string& line);

/// The AWS configuration of one run: profile, region, endpoints and credentials, resolved
/// lazily and once (credentials again when they near their expiration). Thread-safe.
class AwsSession {
 public:
  explicit AwsSession(AwsOptions options, Environment env = ProcessEnvironment());

  /// The profile name in effect: --profile, AWS_PROFILE, else "default".
  const std::string& profile() const { return profile_; }

  /// The region: --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's, IMDS. Throws
  /// UsageError when none is found ("no AWS region: give --region, ...").
  std::string Region();

  /// The endpoint URL of @p service (lower case signing name, "ec2") in @p region.
  std::string EndpointUrl(const std::string& service, const std::string& region);

  /// The endpoint, region and signing name of @p service in @p region.
  ServiceEndpoint Endpoint(const std::string& service, const std::string& region);

  /// The credentials of the moment (found on first use; refreshed within 5 minutes of their
  /// expiration). Throws Error when none are found or a source fails.
  Credentials GetCredentials();

  /// A CredentialSource over GetCredentials().
  CredentialSource Source();

  /// Options for clients of this session: TLS settings, @p log.
  QueryOptions ClientOptions(Logger log = nullptr);

  /// The environment variable @p name, nullopt when unset or empty.
  std::optional<std::string> Env(const std::string& name) const;

 private:
  const IniSections& LoadIni(std::optional<IniSections>* slot, const char* var, const char* fallback, bool config);
  const IniSections& ConfigFile();
  const IniSections& CredentialsFile();
  std::optional<std::string> ProfileValue(const std::string& profile, const std::string& key);
  bool ProfileExists(const std::string& profile);
  Credentials Resolve();
  std::optional<Credentials> FromProfile(const std::string& profile, int depth);
  Credentials AssumeRoleForProfile(const std::string& profile, int depth);
  Credentials FromProcess(const std::string& profile, const std::string& command);
  std::optional<Credentials> FromContainer();
  std::optional<Credentials> FromImds();
  std::optional<std::string> ImdsGet(const std::string& path);
  std::string FileName(const char* var, const char* fallback) const;

  AwsOptions options_;
  Environment env_;
  std::string profile_;
  bool profile_explicit_ = false;
  std::recursive_mutex mu_;
  std::optional<IniSections> config_, credentials_file_;
  std::optional<std::string> region_;
  std::optional<Credentials> creds_;
  std::function<Credentials()> refresh_;  // the source that gave creds_, asked again to refresh
};

}  // namespace hops::aws

#endif  // HOPS_COMMON_AWS_CREDENTIALS_HPP_
