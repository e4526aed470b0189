#include "common/aws_credentials.hpp"

#include <pugixml.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/event.hpp"
#include "common/output.hpp"
#include "common/process.hpp"
#include "common/text.hpp"

namespace hops::aws {
namespace {

using std::chrono::system_clock;

constexpr auto kRefreshBefore = std::chrono::minutes(5);
constexpr int kMaxRoleChain = 5;
constexpr char kImdsDefault[] = "http://169.254.169.254";
constexpr char kImdsIpv6[] = "http://[fd00:ec2::254]";
constexpr char kContainerHost[] = "http://169.254.170.2";

// The content of @p path; nullopt when it does not exist. Throws RuntimeError when it cannot be read.
std::optional<std::string> ReadOptionalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw RuntimeError("cannot read " + Quote(path) + ": " + std::strerror(errno));
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Credentials from a JSON object with the members @p token_key and Expiration (container and
// instance-role endpoints use "Token", credential_process "SessionToken").
Credentials CredentialsFromJson(const nlohmann::json& j, const char* token_key, const std::string& what,
                                system_clock::time_point now) {
  const auto text = [&](const char* key, bool required) -> std::string {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) {
      if (required) throw RuntimeError(what + " gave no '" + std::string(key) + "'");
      return "";
    }
    if (!it->is_string()) throw RuntimeError(what + " gave a '" + std::string(key) + "' that is not a string");
    return it->get<std::string>();
  };
  Credentials c;
  c.access_key_id = text("AccessKeyId", true);
  c.secret_access_key = text("SecretAccessKey", true);
  c.session_token = text(token_key, false);
  const std::string expiration = text("Expiration", false);
  if (!expiration.empty()) {
    c.expiration = ParseTimestamp(expiration);
    if (!c.expiration) throw RuntimeError(what + " gave an 'Expiration' that is not an RFC 3339 time: " + Quote(Printable(expiration, 40)));
    if (*c.expiration <= now)
      throw RuntimeError(what + " gave credentials that expired at " + FormatTimestamp(*c.expiration));
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) throw RuntimeError(what + " gave empty credentials");
  c.source = what;
  return c;
}

nlohmann::json ParseJsonObject(const std::string& text, const std::string& what) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw RuntimeError(what + " did not answer with a JSON object");
  return j;
}

bool IsTrue(const std::optional<std::string>& v) { return v && EqualsIgnoreCase(Trim(*v), "true"); }

// True when @p host (from a container credentials URL) may be reached over plain http.
bool AllowedContainerHost(const std::string& host) {
  return StartsWith(host, "127.") || host == "localhost" || host == "[::1]" || host == "169.254.170.2" ||
         host == "169.254.170.23" || host == "[fd00:ec2::23]";
}

}  // namespace

Environment ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

Environment MapEnvironment(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

IniSections ParseAwsIni(const std::string& text, const std::string& name, bool config) {
  IniSections out;
  std::map<std::string, std::string>* section = nullptr;
  std::istringstream lines(text);
  std::string raw;
  int line_no = 0;
  while (std::getline(lines, raw)) {
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    const std::string_view line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (raw[0] == ' ' || raw[0] == '\t') continue;  // a nested setting or a continued value
    if (line[0] == '[') {
      if (line.back() != ']') throw DefinitionError({name, line_no, 1}, "a section header must end with ']'", raw);
      std::string title(Trim(line.substr(1, line.size() - 2)));
      if (config && StartsWith(title, "profile ")) title = std::string(Trim(std::string_view(title).substr(8)));
      section = &out[title];
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos)
      throw DefinitionError({name, line_no, 1}, "expected 'key = value' or a '[section]'", raw);
    if (!section) throw DefinitionError({name, line_no, 1}, "a setting before the first '[section]'", raw);
    (*section)[Lower(Trim(line.substr(0, eq)))] = std::string(Trim(line.substr(eq + 1)));
  }
  return out;
}

std::vector<std::string> SplitCommandLine(const std::string& line) {
  std::vector<std::string> out;
  std::string word;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quote == '\'') {
      if (c == '\'') quote = 0; else word += c;
    } else if (quote == '"') {
      if (c == '"') {
        quote = 0;
      } else if (c == '\\' && i + 1 < line.size() && std::strchr("\"\\$`\n", line[i + 1])) {
        word += line[++i];
      } else {
        word += c;
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      word += line[++i];
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(word));
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(word));
  return out;
}

Credentials ParseProcessCredentials(const std::string& json, const std::string& what, system_clock::time_point now) {
  const nlohmann::json j = ParseJsonObject(json, what);
  auto version = j.find("Version");
  if (version == j.end() || !version->is_number_integer() || version->get<int>() != 1)
    throw RuntimeError(what + " must print \"Version\": 1");
  return CredentialsFromJson(j, "SessionToken", what, now);
}

Credentials AssumeRole(const Credentials& base, const AssumeRoleParams& params, const ServiceEndpoint& endpoint,
                       const QueryOptions& options) {
  QueryParams query = {{"RoleArn", params.role_arn}};
  query.emplace_back("RoleSessionName", params.session_name.empty()
                                            ? "hops-" + std::to_string(system_clock::to_time_t(system_clock::now()))
                                            : params.session_name);
  if (params.duration_seconds) query.emplace_back("DurationSeconds", std::to_string(*params.duration_seconds));
  if (!params.external_id.empty()) query.emplace_back("ExternalId", params.external_id);
  QueryClient client(endpoint, [&base] { return base; }, options);
  const std::string xml = client.Call("AssumeRole", "2011-06-15", query);
  pugi::xml_document doc;
  const std::string what = "STS AssumeRole of " + Quote(params.role_arn);
  if (!doc.load_buffer(xml.data(), xml.size())) throw RuntimeError(what + " answered with malformed XML");
  const pugi::xml_node creds = doc.child("AssumeRoleResponse").child("AssumeRoleResult").child("Credentials");
  if (!creds) throw RuntimeError(what + " answered without credentials");
  Credentials c;
  c.access_key_id = creds.child_value("AccessKeyId");
  c.secret_access_key = creds.child_value("SecretAccessKey");
  c.session_token = creds.child_value("SessionToken");
  c.expiration = ParseTimestamp(creds.child_value("Expiration"));
  if (!c.valid()) throw RuntimeError(what + " answered with incomplete credentials");
  c.source = "role " + Quote(params.role_arn);
  return c;
}

// ---- AwsSession --------------------------------------------------------------------------------

AwsSession::AwsSession(AwsOptions options, Environment env) : options_(std::move(options)), env_(std::move(env)) {
  if (!options_.profile.empty()) {
    profile_ = options_.profile;
    profile_explicit_ = true;
  } else if (auto p = Env("AWS_PROFILE")) {
    profile_ = *p;
  } else if (auto p = Env("AWS_DEFAULT_PROFILE")) {
    profile_ = *p;
  } else {
    profile_ = "default";
  }
}

std::optional<std::string> AwsSession::Env(const std::string& name) const {
  std::optional<std::string> v = env_(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::string AwsSession::FileName(const char* var, const char* fallback) const {
  std::string path;
  if (auto v = Env(var)) {
    path = *v;
  } else {
    path = std::string("~/.aws/") + fallback;
  }
  if (path == "~" || StartsWith(path, "~/")) path = Env("HOME").value_or("") + path.substr(1);
  return path;
}

const IniSections& AwsSession::LoadIni(std::optional<IniSections>* slot, const char* var, const char* fallback,
                                       bool config) {
  if (!*slot) {
    const std::string path = FileName(var, fallback);
    const auto text = ReadOptionalFile(path);
    *slot = text ? ParseAwsIni(*text, path, config) : IniSections{};
  }
  return **slot;
}

const IniSections& AwsSession::ConfigFile() { return LoadIni(&config_, "AWS_CONFIG_FILE", "config", true); }

const IniSections& AwsSession::CredentialsFile() {
  return LoadIni(&credentials_file_, "AWS_SHARED_CREDENTIALS_FILE", "credentials", false);
}

bool AwsSession::ProfileExists(const std::string& profile) {
  return ConfigFile().count(profile) || CredentialsFile().count(profile);
}

std::optional<std::string> AwsSession::ProfileValue(const std::string& profile, const std::string& key) {
  for (const IniSections* file : {&CredentialsFile(), &ConfigFile()}) {
    auto section = file->find(profile);
    if (section == file->end()) continue;
    auto it = section->second.find(key);
    if (it != section->second.end() && !it->second.empty()) return it->second;
  }
  return std::nullopt;
}

std::string AwsSession::Region() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (region_) return *region_;
  std::optional<std::string> region;
  if (!options_.region.empty()) region = options_.region;
  if (!region) region = Env("AWS_REGION");
  if (!region) region = Env("AWS_DEFAULT_REGION");
  if (!region) region = ProfileValue(profile_, "region");
  if (!region) region = ImdsGet("/latest/meta-data/placement/region");
  if (!region)
    throw UsageError("no AWS region: give --region, set AWS_REGION, or set 'region' in profile " +
                     Quote(profile_) + " of " + Quote(FileName("AWS_CONFIG_FILE", "config")));
  region_ = std::string(Trim(*region));
  return *region_;
}

std::string AwsSession::EndpointUrl(const std::string& service, const std::string& region) {
  std::lock_guard<std::recursive_mutex> lock(mu_);  // the files are read on first use
  std::optional<std::string> url;
  if (!options_.endpoint_url.empty() && service == options_.service) url = options_.endpoint_url;
  if (!url && !IsTrue(Env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"))) {
    url = Env("AWS_ENDPOINT_URL_" + Upper(service));
    if (!url) url = Env("AWS_ENDPOINT_URL");
    if (!url) url = ProfileValue(profile_, "endpoint_url");
  }
  if (!url) {
    if (service == "sts" && region.empty()) return "https://sts.amazonaws.com/";
    return "https://" + service + "." + region + ".amazonaws.com" + (StartsWith(region, "cn-") ? ".cn/" : "/");
  }
  std::string err;
  const auto parts = http::ParseUrl(*url, &err);
  if (!parts || (parts->scheme != "http" && parts->scheme != "https"))
    throw UsageError("invalid endpoint URL " + Quote(http::RedactUrl(*url)) + ": " +
                     (parts ? "not http or https" : LowerFirst(err)));
  return *url;
}

ServiceEndpoint AwsSession::Endpoint(const std::string& service, const std::string& region) {
  return {EndpointUrl(service, region), region, service};
}

QueryOptions AwsSession::ClientOptions(Logger log) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  QueryOptions o;
  o.log = std::move(log);
  o.tls.insecure = options_.no_verify_ssl;
  std::string bundle = options_.ca_bundle;
  if (bundle.empty()) bundle = Env("AWS_CA_BUNDLE").value_or("");
  if (bundle.empty()) bundle = ProfileValue(profile_, "ca_bundle").value_or("");
  o.tls.ca_file = bundle;
  if (auto attempts = Env("AWS_MAX_ATTEMPTS")) {
    auto n = ParseLong(Trim(*attempts), 1, 20);
    if (!n) throw UsageError("AWS_MAX_ATTEMPTS must be a whole number from 1 to 20, not " + Quote(Printable(*attempts, 20)));
    o.retry.max_attempts = static_cast<int>(*n);
  }
  return o;
}

Credentials AwsSession::GetCredentials() {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  const auto now = system_clock::now();
  if (creds_ && (!creds_->expiration || *creds_->expiration - now > kRefreshBefore)) return *creds_;
  if (!creds_) {
    creds_ = Resolve();
    return *creds_;
  }
  try {
    const std::function<Credentials()> fetch = refresh_;  // a copy: fetching may replace refresh_
    creds_ = fetch();
    refresh_ = fetch;
  } catch (const Error&) {
    if (!creds_->expiration || *creds_->expiration <= now) throw;  // still usable a little longer
  }
  return *creds_;
}

CredentialSource AwsSession::Source() {
  return [this] { return GetCredentials(); };
}

Credentials AwsSession::Resolve() {
  if (profile_explicit_ || Env("AWS_PROFILE")) {
    if (!ProfileExists(profile_))
      throw UsageError("AWS profile " + Quote(profile_) + " is not in " + Quote(FileName("AWS_CONFIG_FILE", "config")) +
                       " or " + Quote(FileName("AWS_SHARED_CREDENTIALS_FILE", "credentials")));
  }
  // The environment, unless --profile names a profile (as the AWS CLI does).
  if (!profile_explicit_) {
    const auto id = Env("AWS_ACCESS_KEY_ID"), secret = Env("AWS_SECRET_ACCESS_KEY");
    if (id && !secret) throw UsageError("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    if (secret && !id) throw UsageError("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (id) {
      Credentials c;
      c.access_key_id = *id;
      c.secret_access_key = *secret;
      c.session_token = Env("AWS_SESSION_TOKEN").value_or(Env("AWS_SECURITY_TOKEN").value_or(""));
      c.source = "environment";
      return c;
    }
  }
  if (auto c = FromProfile(profile_, 0)) return *c;
  if (auto c = FromContainer()) return *c;
  if (auto c = FromImds()) return *c;
  throw UsageError("no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give them to profile " +
                   Quote(profile_) + " in " + Quote(FileName("AWS_SHARED_CREDENTIALS_FILE", "credentials")) +
                   " (or name another with --profile), or run with an instance or container role");
}

std::optional<Credentials> AwsSession::FromProfile(const std::string& profile, int depth) {
  // The source is kept to refresh with; it is called through a copy, since resolving a role's
  // base credentials replaces refresh_ for a while.
  const auto use = [this](std::function<Credentials()> fetch) {
    Credentials c = fetch();
    refresh_ = std::move(fetch);
    return c;
  };
  if (ProfileValue(profile, "role_arn")) return use([this, profile, depth] { return AssumeRoleForProfile(profile, depth); });
  // Keys of the credentials file first, then credential_process, then keys of the config file.
  const auto keys = [&](const IniSections& file, const std::string& file_name) -> std::optional<Credentials> {
    auto section = file.find(profile);
    if (section == file.end()) return std::nullopt;
    const auto& s = section->second;
    auto id = s.find("aws_access_key_id"), secret = s.find("aws_secret_access_key");
    if (id == s.end() && secret == s.end()) return std::nullopt;
    if (id == s.end() || secret == s.end() || id->second.empty() || secret->second.empty())
      throw UsageError("profile " + Quote(profile) + " in " + Quote(file_name) +
                       " needs both aws_access_key_id and aws_secret_access_key");
    Credentials c;
    c.access_key_id = id->second;
    c.secret_access_key = secret->second;
    if (auto t = s.find("aws_session_token"); t != s.end()) c.session_token = t->second;
    else if (auto t2 = s.find("aws_security_token"); t2 != s.end()) c.session_token = t2->second;
    c.source = "profile " + Quote(profile);
    return c;
  };
  if (auto c = keys(CredentialsFile(), FileName("AWS_SHARED_CREDENTIALS_FILE", "credentials"))) return c;
  if (auto command = ProfileValue(profile, "credential_process"))
    return use([this, profile, command = *command] { return FromProcess(profile, command); });
  return keys(ConfigFile(), FileName("AWS_CONFIG_FILE", "config"));
}

Credentials AwsSession::AssumeRoleForProfile(const std::string& profile, int depth) {
  const std::string role = *ProfileValue(profile, "role_arn");
  const auto source_profile = ProfileValue(profile, "source_profile");
  const auto credential_source = ProfileValue(profile, "credential_source");
  const std::string where = "profile " + Quote(profile);
  if (source_profile && credential_source)
    throw UsageError(where + " has both source_profile and credential_source; keep one");
  if (!source_profile && !credential_source)
    throw UsageError(where + " has role_arn but neither source_profile nor credential_source");
  if (ProfileValue(profile, "mfa_serial"))
    throw UsageError(where + " needs an MFA code (mfa_serial), which hops cannot ask for");
  if (depth >= kMaxRoleChain) throw UsageError(where + ": source_profile chain longer than " + std::to_string(kMaxRoleChain));

  std::optional<Credentials> base;
  const auto keep = refresh_;  // resolving the base must not replace how this role is refreshed
  if (source_profile) {
    if (!ProfileExists(*source_profile))
      throw UsageError("source_profile " + Quote(*source_profile) + " of " + where + " does not exist");
    if (*source_profile == profile) {
      // A profile that is its own source uses its own keys.
      auto id = ProfileValue(profile, "aws_access_key_id"), secret = ProfileValue(profile, "aws_secret_access_key");
      if (id && secret) {
        base = Credentials{*id, *secret, ProfileValue(profile, "aws_session_token").value_or(""), std::nullopt,
                           where};
      }
    } else {
      base = FromProfile(*source_profile, depth + 1);
    }
    if (!base) throw UsageError("source_profile " + Quote(*source_profile) + " of " + where + " has no credentials");
  } else if (*credential_source == "Environment") {
    const auto id = Env("AWS_ACCESS_KEY_ID"), secret = Env("AWS_SECRET_ACCESS_KEY");
    if (!id || !secret) throw UsageError(where + " takes its credentials from the environment, but AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set");
    base = Credentials{*id, *secret, Env("AWS_SESSION_TOKEN").value_or(""), std::nullopt, "environment"};
  } else if (*credential_source == "Ec2InstanceMetadata") {
    base = FromImds();
    if (!base) throw RuntimeError(where + " takes its credentials from the instance role, but none was found");
  } else if (*credential_source == "EcsContainer") {
    base = FromContainer();
    if (!base) throw UsageError(where + " takes its credentials from the container, but AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or _FULL_URI is not set");
  } else {
    throw UsageError(where + " has credential_source " + Quote(*credential_source) +
                     "; use Environment, Ec2InstanceMetadata or EcsContainer");
  }

  refresh_ = keep;

  AssumeRoleParams params;
  params.role_arn = role;
  params.session_name = ProfileValue(profile, "role_session_name").value_or("");
  params.external_id = ProfileValue(profile, "external_id").value_or("");
  if (auto d = ProfileValue(profile, "duration_seconds")) {
    auto n = ParseLong(*d, 900, 43200);
    if (!n) throw UsageError(where + ": duration_seconds must be a whole number from 900 to 43200");
    params.duration_seconds = static_cast<int>(*n);
  }
  std::string region;
  try {
    region = Region();
  } catch (const UsageError&) {
    region = "";  // STS's global endpoint, signed for us-east-1
  }
  ServiceEndpoint sts{EndpointUrl("sts", region), region.empty() ? "us-east-1" : region, "sts"};
  Credentials c = AssumeRole(*base, params, sts, ClientOptions());
  c.source = where + " (role " + Quote(role) + ")";
  return c;
}

Credentials AwsSession::FromProcess(const std::string& profile, const std::string& command) {
  const std::string what = "credential_process of profile " + Quote(profile);
  ProcessOptions o;
  o.argv = SplitCommandLine(command);
  if (o.argv.empty()) throw UsageError(what + " is empty");
  o.timeout = std::chrono::seconds(60);
  o.what = "credential_process";
  const ProcessResult r = RunProcess(o);
  if (r.end == ProcessEnd::kNotStarted) throw RuntimeError(what + ": " + r.error);
  if (r.end == ProcessEnd::kTimedOut) throw RuntimeError(what + " did not finish within 60 s");
  if (r.status != 0) {
    std::string err(Trim(r.err));
    throw RuntimeError(what + " failed with status " + std::to_string(r.status) +
                       (err.empty() ? "" : ": " + Printable(err, 300)));
  }
  return ParseProcessCredentials(r.out, what);
}

std::optional<Credentials> AwsSession::FromContainer() {
  std::string url;
  if (auto relative = Env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = kContainerHost + *relative;
  } else if (auto full = Env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
    std::string err;
    const auto parts = http::ParseUrl(url, &err);
    if (!parts || !(parts->scheme == "https" || (parts->scheme == "http" && AllowedContainerHost(parts->host))))
      throw UsageError("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS address");
  } else {
    return std::nullopt;
  }
  http::Request request;
  request.url = url;
  request.timeout = std::chrono::seconds(2);
  request.headers.emplace_back("Accept", "application/json");
  std::optional<std::string> token;
  if (auto file = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    auto text = ReadOptionalFile(*file);
    if (!text) throw RuntimeError("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + Quote(*file) + ": " + std::strerror(ENOENT));
    token = std::string(Trim(*text));
  } else {
    token = Env("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  }
  if (token) {
    if (token->find_first_of("\r\n") != std::string::npos)
      throw UsageError("the container authorization token holds a line break");
    request.headers.emplace_back("Authorization", *token);
  }
  const std::string what = "the container credentials endpoint " + Quote(http::RedactUrl(url));
  http::Response response;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    response = http::Perform(request);
    if (http::Classify(response) != http::Verdict::kRetry) break;
  }
  if (!response.ok()) throw RuntimeError(what + ": " + http::ErrorName(response.error));
  if (response.status != 200)
    throw RuntimeError(what + " answered HTTP " + std::to_string(response.status) + ": " +
                       Printable(RedactSecrets(std::string(Trim(response.body)), {token.value_or("")}), 200));
  Credentials c = CredentialsFromJson(ParseJsonObject(response.body, what), "Token", what, system_clock::now());
  c.source = "container credentials";
  refresh_ = [this] { return *FromContainer(); };
  return c;
}

std::optional<std::string> AwsSession::ImdsGet(const std::string& path) {
  if (IsTrue(Env("AWS_EC2_METADATA_DISABLED"))) return std::nullopt;
  std::string base;
  if (auto e = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT")) {
    base = *e;
  } else if (auto mode = Env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"); mode && EqualsIgnoreCase(*mode, "IPv6")) {
    base = kImdsIpv6;
  } else {
    base = kImdsDefault;
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  std::chrono::milliseconds timeout(1000);
  if (auto t = Env("AWS_METADATA_SERVICE_TIMEOUT"); t && ParseLong(*t, 1, 60))
    timeout = std::chrono::seconds(*ParseLong(*t, 1, 60));
  int attempts = 1;
  if (auto n = Env("AWS_METADATA_SERVICE_NUM_ATTEMPTS"); n && ParseLong(*n, 1, 10))
    attempts = static_cast<int>(*ParseLong(*n, 1, 10));
  const auto perform = [&](http::Request r) {
    r.timeout = timeout;
    r.connect_timeout = timeout;
    http::Response response;
    for (int i = 0; i < attempts; ++i) {
      response = http::Perform(r);
      if (http::Classify(response) != http::Verdict::kRetry) break;
    }
    return response;
  };
  http::Request put;
  put.method = "PUT";
  put.url = base + "/latest/api/token";
  put.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
  put.body = "";
  const http::Response token = perform(put);
  if (!token.ok() || token.status != 200 || token.body.empty()) return std::nullopt;
  http::Request get;
  get.url = base + path;
  get.headers.emplace_back("X-aws-ec2-metadata-token", token.body);
  const http::Response answer = perform(get);
  if (!answer.ok() || answer.status != 200) return std::nullopt;
  return answer.body;
}

std::optional<Credentials> AwsSession::FromImds() {
  const std::string prefix = "/latest/meta-data/iam/security-credentials/";
  const auto roles = ImdsGet(prefix);
  if (!roles) return std::nullopt;
  const std::string role(Trim(std::string_view(*roles).substr(0, roles->find('\n'))));
  if (role.empty()) return std::nullopt;
  const auto body = ImdsGet(prefix + role);
  const std::string what = "the instance role " + Quote(role);
  if (!body) throw RuntimeError(what + " gave no credentials");
  const nlohmann::json j = ParseJsonObject(*body, what);
  if (auto code = j.find("Code"); code != j.end() && *code != "Success")
    throw RuntimeError(what + " is not usable: " + Printable(code->is_string() ? code->get<std::string>() : code->dump(), 80));
  Credentials c = CredentialsFromJson(j, "Token", what, system_clock::now());
  c.source = "instance role " + Quote(role);
  refresh_ = [this] {
    auto again = FromImds();
    if (!again) throw RuntimeError("the instance role's credentials could not be refreshed");
    return *again;
  };
  return c;
}

}  // namespace hops::aws
