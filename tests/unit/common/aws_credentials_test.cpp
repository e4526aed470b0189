#include "common/aws_credentials.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <string>

#include "common/ec2.hpp"
#include "common/event.hpp"
#include "common/text.hpp"
#include "tests/unit/testing/aws_mock.hpp"

namespace hops::aws {
namespace {

using testing::AwsMock;
using testing::MakeTempDir;
using testing::WriteFile;
using testing::WriteScript;

// A temporary HOME with ~/.aws/, and an environment that never reaches out for IMDS.
struct Home {
  std::string dir = MakeTempDir("hops-aws-home");
  std::map<std::string, std::string> env = {{"HOME", dir}, {"AWS_EC2_METADATA_DISABLED", "true"}};
  Home() { std::filesystem::create_directories(dir + "/.aws"); }
  void Config(const std::string& text) const { WriteFile(dir + "/.aws/config", text); }
  void CredentialsFile(const std::string& text) const { WriteFile(dir + "/.aws/credentials", text); }
  AwsSession Session(AwsOptions o = {}) const { return AwsSession(std::move(o), MapEnvironment(env)); }
};

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

int Lines(const std::string& path) {
  std::ifstream in(path);
  int n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

const std::string kMockProfile = std::string("aws_access_key_id = ") + AwsMock::kKeyId +
                                 "\naws_secret_access_key = " + AwsMock::kSecret + "\n";

}  // namespace

TEST_CASE("aws credentials: config and credentials files as the AWS CLI reads them") {
  const IniSections config = ParseAwsIni(
      "# comment\n[default]\nregion = eu-west-1\n\n[profile dev]\nRegion=ap-northeast-1 \n"
      "s3 =\n  max_concurrent_requests = 10\n; another comment\n[sso-session corp]\nsso_region = us-east-1\n",
      "config", true);
  CHECK(config.at("default").at("region") == "eu-west-1");
  CHECK(config.at("dev").at("region") == "ap-northeast-1");
  CHECK(config.at("dev").at("s3").empty());
  CHECK(config.at("dev").count("max_concurrent_requests") == 0);
  CHECK(config.count("sso-session corp") == 1);
  const IniSections creds = ParseAwsIni("[profile dev]\naws_access_key_id=x\r\n", "credentials", false);
  CHECK(creds.count("profile dev") == 1);  // the credentials file has no "profile " prefix
  CHECK(ErrorOf([] { ParseAwsIni("[default]\nnot a setting\n", "/h/.aws/config", true); }) ==
        "/h/.aws/config:2:1: expected 'key = value' or a '[section]'\n  not a setting\n  ^");
  CHECK(StartsWith(ErrorOf([] { ParseAwsIni("region = x\n", "c", true); }), "c:1:1: a setting before the first '[section]'"));
}

TEST_CASE("aws credentials: credential_process command lines are split like a shell, never run by one") {
  CHECK(SplitCommandLine("/bin/get-creds --profile 'my prof' \"a \\\"b\\\"\" c\\ d") ==
        std::vector<std::string>{"/bin/get-creds", "--profile", "my prof", "a \"b\"", "c d"});
  CHECK(SplitCommandLine("  x  $(id) `id` ;  ") == std::vector<std::string>{"x", "$(id)", "`id`", ";"});
  CHECK(SplitCommandLine("''").size() == 1);
}

TEST_CASE("aws credentials: the JSON of a credential_process, Version 1 with its Expiration") {
  const auto now = *ParseTimestamp("2026-05-01T00:00:00Z");
  Credentials c = ParseProcessCredentials(
      R"({"Version":1,"AccessKeyId":"AKID","SecretAccessKey":"SECRET","SessionToken":"TOKEN","Expiration":"2026-05-01T01:00:00Z"})",
      "credential_process of profile 'p'", now);
  CHECK(c.access_key_id == "AKID");
  CHECK(c.secret_access_key == "SECRET");
  CHECK(c.session_token == "TOKEN");
  CHECK(FormatTimestamp(*c.expiration) == "2026-05-01T01:00:00.000Z");
  CHECK_FALSE(ParseProcessCredentials(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"})", "p", now).expiration);
  CHECK(ErrorOf([&] { ParseProcessCredentials(R"({"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"})", "cp", now); }) ==
        "cp must print \"Version\": 1");
  CHECK(ErrorOf([&] { ParseProcessCredentials(R"({"Version":1,"AccessKeyId":"A"})", "cp", now); }) == "cp gave no 'SecretAccessKey'");
  CHECK(ErrorOf([&] {
          ParseProcessCredentials(R"({"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"2026-04-30T23:00:00Z"})", "cp", now);
        }) == "cp gave credentials that expired at 2026-04-30T23:00:00.000Z");
  CHECK(ErrorOf([&] { ParseProcessCredentials("SECRET-not-json", "cp", now); }) == "cp did not answer with a JSON object");
}

TEST_CASE("aws credentials: the environment first, unless --profile names a profile") {
  Home home;
  home.CredentialsFile("[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n"
                       "[other]\naws_access_key_id = OTHERKEY\naws_secret_access_key = othersecret\n");
  home.env["AWS_ACCESS_KEY_ID"] = "ENVKEY";
  home.env["AWS_SECRET_ACCESS_KEY"] = "envsecret";
  home.env["AWS_SESSION_TOKEN"] = "envtoken";
  Credentials c = home.Session().GetCredentials();
  CHECK(c.access_key_id == "ENVKEY");
  CHECK(c.session_token == "envtoken");
  CHECK(c.source == "environment");
  CHECK(c.Secrets() == std::vector<std::string>{"envsecret", "envtoken"});
  AwsOptions o;
  o.profile = "other";
  c = home.Session(o).GetCredentials();
  CHECK(c.access_key_id == "OTHERKEY");
  CHECK(c.source == "profile 'other'");
  // AWS_PROFILE does not override the environment's keys (as in the AWS CLI)...
  home.env["AWS_PROFILE"] = "other";
  CHECK(home.Session().GetCredentials().access_key_id == "ENVKEY");
  // ...but must name a profile that exists.
  home.env["AWS_PROFILE"] = "typo";
  CHECK(ErrorOf([&] { home.Session().GetCredentials(); }) ==
        "AWS profile 'typo' is not in '" + home.dir + "/.aws/config' or '" + home.dir + "/.aws/credentials'");
  home.env.erase("AWS_PROFILE");
  home.env.erase("AWS_SECRET_ACCESS_KEY");
  CHECK(ErrorOf([&] { home.Session().GetCredentials(); }) == "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  home.env.erase("AWS_ACCESS_KEY_ID");
  c = home.Session().GetCredentials();
  CHECK(c.access_key_id == "FILEKEY");
  CHECK(c.session_token.empty());
  CHECK(c.source == "profile 'default'");
}

TEST_CASE("aws credentials: profiles of both files, their variables, and a clear error without any") {
  Home home;
  const std::string elsewhere = MakeTempDir("hops-aws-files");
  WriteFile(elsewhere + "/creds", "[ci]\naws_access_key_id = CIKEY\naws_secret_access_key = cisecret\naws_session_token = citoken\n");
  WriteFile(elsewhere + "/config", "[profile cfg]\naws_access_key_id = CFGKEY\naws_secret_access_key = cfgsecret\nregion = eu-central-1\n"
                                   "[profile half]\naws_access_key_id = HALF\n");
  home.env["AWS_SHARED_CREDENTIALS_FILE"] = elsewhere + "/creds";
  home.env["AWS_CONFIG_FILE"] = elsewhere + "/config";
  AwsOptions o;
  o.profile = "ci";
  CHECK(home.Session(o).GetCredentials().session_token == "citoken");
  o.profile = "cfg";
  AwsSession cfg = home.Session(o);
  CHECK(cfg.GetCredentials().access_key_id == "CFGKEY");
  CHECK(cfg.Region() == "eu-central-1");
  o.profile = "half";
  CHECK(ErrorOf([&] { home.Session(o).GetCredentials(); }) ==
        "profile 'half' in '" + elsewhere + "/config' needs both aws_access_key_id and aws_secret_access_key");
  CHECK(ErrorOf([&] { home.Session().GetCredentials(); }) ==
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, give them to profile 'default' in '" +
            elsewhere + "/creds' (or name another with --profile), or run with an instance or container role");
}

TEST_CASE("aws credentials: region order, and never a silent default") {
  Home home;
  home.Config("[default]\nregion = eu-west-3\n[profile bare]\noutput = json\n");
  CHECK(home.Session().Region() == "eu-west-3");
  home.env["AWS_DEFAULT_REGION"] = "eu-west-2";
  CHECK(home.Session().Region() == "eu-west-2");
  home.env["AWS_REGION"] = "eu-west-1";
  CHECK(home.Session().Region() == "eu-west-1");
  AwsOptions o;
  o.region = "ap-south-1";
  CHECK(home.Session(o).Region() == "ap-south-1");
  home.env.erase("AWS_REGION");
  home.env.erase("AWS_DEFAULT_REGION");
  o = {};
  o.profile = "bare";
  CHECK(ErrorOf([&] { home.Session(o).Region(); }) ==
        "no AWS region: give --region, set AWS_REGION, or set 'region' in profile 'bare' of '" + home.dir + "/.aws/config'");
}

TEST_CASE("aws credentials: endpoints from --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL") {
  Home home;
  CHECK(home.Session().EndpointUrl("ec2", "ap-northeast-1") == "https://ec2.ap-northeast-1.amazonaws.com/");
  CHECK(home.Session().EndpointUrl("ec2", "cn-north-1") == "https://ec2.cn-north-1.amazonaws.com.cn/");
  CHECK(home.Session().EndpointUrl("sts", "") == "https://sts.amazonaws.com/");
  home.env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9/all";
  CHECK(home.Session().EndpointUrl("sts", "us-east-1") == "http://127.0.0.1:9/all");
  home.env["AWS_ENDPOINT_URL_EC2"] = "http://127.0.0.1:9/ec2";
  CHECK(home.Session().EndpointUrl("ec2", "us-east-1") == "http://127.0.0.1:9/ec2");
  AwsOptions o;
  o.endpoint_url = "http://127.0.0.1:9/flag";
  CHECK(home.Session(o).EndpointUrl("ec2", "us-east-1") == "http://127.0.0.1:9/flag");
  CHECK(home.Session(o).EndpointUrl("sts", "us-east-1") == "http://127.0.0.1:9/all");  // the flag is for EC2 only
  home.env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  CHECK(home.Session().EndpointUrl("ec2", "us-east-1") == "https://ec2.us-east-1.amazonaws.com/");
  o.endpoint_url = "ftp://127.0.0.1/";
  CHECK(ErrorOf([&] { home.Session(o).EndpointUrl("ec2", "x"); }) == "invalid endpoint URL 'ftp://127.0.0.1/': not http or https");
}

TEST_CASE("aws credentials: credential_process, run again when its credentials near their expiration") {
  Home home;
  const std::string count = home.dir + "/runs";
  const auto expiring = [](int minutes) {
    return FormatTimestamp(std::chrono::system_clock::now() + std::chrono::minutes(minutes));
  };
  const std::string script = WriteScript(
      home.dir, "creds.sh",
      "echo run >> \"$1\"\nprintf '{\"Version\": 1, \"AccessKeyId\": \"PROCKEY\", \"SecretAccessKey\": \"procsecret\", "
      "\"SessionToken\": \"proctoken\", \"Expiration\": \"%s\"}' \"$2\"\n");
  home.Config("[profile soon]\ncredential_process = " + script + " " + count + " " + expiring(2) +
              "\n[profile later]\ncredential_process = \"" + script + "\" '" + count + "' " + expiring(60) +
              "\n[profile broken]\ncredential_process = sh -c 'echo procsecret-oops >&2; exit 3'\n");
  AwsOptions o;
  o.profile = "soon";
  AwsSession soon = home.Session(o);
  Credentials c = soon.GetCredentials();
  CHECK(c.access_key_id == "PROCKEY");
  CHECK(c.session_token == "proctoken");
  CHECK(c.source == "credential_process of profile 'soon'");
  soon.GetCredentials();
  CHECK(Lines(count) == 2);  // within 5 minutes of expiring: fetched again
  o.profile = "later";
  AwsSession later = home.Session(o);
  later.GetCredentials();
  later.GetCredentials();
  CHECK(Lines(count) == 3);
  o.profile = "broken";
  CHECK(ErrorOf([&] { home.Session(o).GetCredentials(); }) ==
        "credential_process of profile 'broken' failed with status 3: procsecret-oops");
}

TEST_CASE("aws credentials: role_arn with source_profile assumes the role through STS" *
          doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "4", "--deny-role", "arn:aws:iam::222222222222:role/forbidden"});
  Home home;
  home.env["AWS_ENDPOINT_URL"] = mock->url();
  home.CredentialsFile("[base]\n" + kMockProfile);
  home.Config("[profile ops]\nrole_arn = arn:aws:iam::222222222222:role/ops\nsource_profile = base\n"
              "external_id = ext-1\nrole_session_name = nightly\nregion = us-east-1\n"
              "[profile chained]\nrole_arn = arn:aws:iam::333333333333:role/audit\nsource_profile = ops\n"
              "[profile denied]\nrole_arn = arn:aws:iam::222222222222:role/forbidden\nsource_profile = base\n"
              "[profile env]\nrole_arn = arn:aws:iam::222222222222:role/ops\ncredential_source = Environment\n"
              "[profile neither]\nrole_arn = arn:aws:iam::222222222222:role/ops\n");
  AwsOptions o;
  o.profile = "ops";
  AwsSession ops = home.Session(o);
  const Credentials c = ops.GetCredentials();
  CHECK(StartsWith(c.access_key_id, "ASIAMOCK"));
  CHECK_FALSE(c.session_token.empty());
  CHECK(c.expiration);
  CHECK(c.source == "profile 'ops' (role 'arn:aws:iam::222222222222:role/ops')");
  nlohmann::json stats = mock->Stats();
  REQUIRE(stats["assumed"].size() == 1);
  CHECK(stats["assumed"][0]["role"] == "arn:aws:iam::222222222222:role/ops");
  CHECK(stats["assumed"][0]["session"] == "nightly");
  CHECK(stats["assumed"][0]["by"] == AwsMock::kKeyId);
  CHECK(stats["assumed"][0]["external_id"] == "ext-1");
  // The temporary credentials work for EC2 (their session token is sent and signed).
  Ec2Client ec2(ops.Endpoint("ec2", ops.Region()), ops.Source());
  CHECK(ec2.DescribeInstances({}, {}).size() == 4);
  CHECK(mock->Stats()["keys"]["DescribeInstances"] == nlohmann::json::array({c.access_key_id}));

  o.profile = "chained";
  CHECK(StartsWith(home.Session(o).GetCredentials().access_key_id, "ASIAMOCK"));
  stats = mock->Stats();
  REQUIRE(stats["assumed"].size() == 3);
  CHECK(stats["assumed"][2]["role"] == "arn:aws:iam::333333333333:role/audit");
  CHECK(stats["assumed"][2]["by"] != AwsMock::kKeyId);  // by the ops role's credentials

  o.profile = "denied";
  const std::string denied = ErrorOf([&] { home.Session(o).GetCredentials(); });
  CHECK(StartsWith(denied, "STS AssumeRole in 'us-east-1' failed: AccessDenied: User: arn:aws:iam::111111111111:user/mock "
                           "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/forbidden"));
  CHECK(denied.find(AwsMock::kSecret) == std::string::npos);

  o.profile = "env";
  home.env["AWS_ACCESS_KEY_ID"] = AwsMock::kKeyId;
  home.env["AWS_SECRET_ACCESS_KEY"] = AwsMock::kSecret;
  CHECK(home.Session(o).GetCredentials().source == "profile 'env' (role 'arn:aws:iam::222222222222:role/ops')");
  CHECK(mock->Stats()["assumed"].size() == 4);
  o.profile = "neither";
  CHECK(ErrorOf([&] { home.Session(o).GetCredentials(); }) ==
        "profile 'neither' has role_arn but neither source_profile nor credential_source");
}

TEST_CASE("aws credentials: container credentials with their authorization token" *
          doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "2", "--container-token", "Basic c2VjcmV0"});
  Home home;
  home.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = mock->url() + "container/credentials";
  home.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "Basic c2VjcmV0";
  AwsSession session = home.Session();
  const Credentials c = session.GetCredentials();
  CHECK(c.source == "container credentials");
  CHECK(StartsWith(c.access_key_id, "ASIAMOCK"));
  Ec2Client ec2({mock->url(), "us-east-1", "ec2"}, session.Source());
  CHECK(ec2.DescribeInstances({}, {}).size() == 2);
  // The token may come from a file instead (which wins).
  WriteFile(home.dir + "/token", "Basic c2VjcmV0\n");
  home.env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = home.dir + "/token";
  home.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = "wrong";
  CHECK(home.Session().GetCredentials().valid());
  home.env.erase("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
  const std::string refused = ErrorOf([&] { home.Session().GetCredentials(); });
  CHECK(StartsWith(refused, "the container credentials endpoint '" + mock->url() + "container/credentials' answered HTTP 403"));
  CHECK(mock->Stats()["container"] == 2);
  home.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = "http://192.0.2.1/creds";
  CHECK(ErrorOf([&] { home.Session().GetCredentials(); }) ==
        "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS address");
}

TEST_CASE("aws credentials: the instance role and region through IMDSv2" * doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "6", "--regions", "ap-northeast-1", "--imds-region", "ap-northeast-1"});
  Home home;
  home.env.erase("AWS_EC2_METADATA_DISABLED");
  home.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = mock->url();
  AwsSession session = home.Session();
  CHECK(session.Region() == "ap-northeast-1");
  const Credentials c = session.GetCredentials();
  CHECK(c.source == "instance role 'mock-instance-role'");
  CHECK(StartsWith(c.access_key_id, "ASIAMOCK"));
  CHECK(mock->Stats()["imds_tokens"] == 3);  // one token per metadata read: region, role list, role
  Ec2Client ec2({mock->url(), session.Region(), "ec2"}, session.Source());
  CHECK(ec2.DescribeInstances({}, {}).size() == 6);
  // Disabled, IMDS is not asked.
  home.env["AWS_EC2_METADATA_DISABLED"] = "TRUE";
  CHECK(StartsWith(ErrorOf([&] { home.Session().GetCredentials(); }), "no AWS credentials: "));
  CHECK(StartsWith(ErrorOf([&] { home.Session().Region(); }), "no AWS region: "));
  CHECK(mock->Stats()["imds_tokens"] == 3);
  // Nothing listening there: no credentials, quickly.
  home.env.erase("AWS_EC2_METADATA_DISABLED");
  home.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1";
  CHECK(StartsWith(ErrorOf([&] { home.Session().GetCredentials(); }), "no AWS credentials: "));
}

}  // namespace hops::aws
