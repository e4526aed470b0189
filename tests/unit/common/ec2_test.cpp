#include "common/ec2.hpp"

#include <doctest/doctest.h>

#include <atomic>
#include <set>
#include <thread>
#include <string>
#include <vector>

#include "common/text.hpp"
#include "tests/unit/testing/aws_mock.hpp"

namespace hops::aws {
namespace {

using testing::AwsMock;

Credentials MockCredentials() {
  Credentials c;
  c.access_key_id = AwsMock::kKeyId;
  c.secret_access_key = AwsMock::kSecret;
  c.source = "test";
  return c;
}

// Fast retries, so throttling tests take milliseconds.
QueryOptions FastRetries(int attempts = 5) {
  QueryOptions o;
  o.retry.max_attempts = attempts;
  o.retry.base = std::chrono::milliseconds(5);
  o.retry.cap = std::chrono::milliseconds(40);
  return o;
}

Ec2Client Client(const AwsMock& mock, const std::string& region = "us-east-1", QueryOptions o = FastRetries()) {
  return Ec2Client({mock.url(), region, "ec2"}, [] { return MockCredentials(); }, std::move(o));
}

const char kDescribeXml[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>272</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
          <reason/>
          <keyName>my_keypair</keyName>
          <instanceType>t2.micro</instanceType>
          <launchTime>2018-05-08T16:46:19.000Z</launchTime>
          <placement><availabilityZone>eu-west-1c</availabilityZone><groupName/><tenancy>default</tenancy></placement>
          <platform>windows</platform>
          <subnetId>subnet-56f5f633</subnetId>
          <vpcId>vpc-11112222</vpcId>
          <privateIpAddress>192.168.1.88</privateIpAddress>
          <ipAddress>54.194.252.215</ipAddress>
          <tagSet>
            <item><key>Name</key><value>Server_1</value></item>
            <item><key>env</key><value>a &amp; b</value></item>
          </tagSet>
        </item>
        <item>
          <instanceId>i-0598c7d356eba48d7</instanceId>
          <instanceState><code>80</code><name>stopped</name></instanceState>
          <stateReason><code>Client.InternalError</code><message>Client.InternalError: Client error on launch</message></stateReason>
          <placement><availabilityZone>eu-west-1a</availabilityZone></placement>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>eyJ2IjoiMiJ9</nextToken>
</DescribeInstancesResponse>)";

}  // namespace

TEST_CASE("ec2: DescribeInstances XML is read field by field, state codes as code & 0xFF") {
  const InstancesPage page = ParseDescribeInstances(kDescribeXml, "eu-west-1");
  REQUIRE(page.instances.size() == 2);
  CHECK(page.next_token == "eyJ2IjoiMiJ9");
  const Instance& a = page.instances[0];
  CHECK(a.id == "i-1234567890abcdef0");
  CHECK(a.region == "eu-west-1");
  CHECK(a.state == "running");
  CHECK(a.state_code == 16);
  CHECK(a.az == "eu-west-1c");
  CHECK(a.vpc_id == "vpc-11112222");
  CHECK(a.subnet_id == "subnet-56f5f633");
  CHECK(a.private_ip == "192.168.1.88");
  CHECK(a.public_ip == "54.194.252.215");
  CHECK(a.private_dns == "ip-192-168-1-88.eu-west-1.compute.internal");
  CHECK(a.public_dns == "ec2-54-194-252-215.eu-west-1.compute.amazonaws.com");
  CHECK(a.platform == "windows");
  CHECK(a.instance_type == "t2.micro");
  CHECK(a.owner_id == "123456789012");
  CHECK(a.Name() == "Server_1");
  CHECK(a.tags.at("env") == "a & b");
  CHECK(a.state_reason_code.empty());
  const Instance& b = page.instances[1];
  CHECK(b.state == "stopped");
  CHECK(b.platform == "linux");
  CHECK(b.state_reason_code == "Client.InternalError");
  CHECK(b.state_reason_message == "Client.InternalError: Client error on launch");
  CHECK(b.Name().empty());

  const auto attrs = InventoryAttributes(a);
  CHECK(attrs.at("cloud") == "aws");
  CHECK(attrs.at("cloud_id") == "i-1234567890abcdef0");
  CHECK(attrs.at("region") == "eu-west-1");
  CHECK(attrs.at("az") == "eu-west-1c");
  CHECK(attrs.at("vpc") == "vpc-11112222");
  CHECK(attrs.at("subnet") == "subnet-56f5f633");
  CHECK(attrs.at("state") == "running");
  CHECK(InventoryAttributes(b).count("public_ip") == 0);
}

TEST_CASE("ec2: state names of every code, high byte ignored") {
  CHECK(StateName(0) == "pending");
  CHECK(StateName(16) == "running");
  CHECK(StateName(32) == "shutting-down");
  CHECK(StateName(48) == "terminated");
  CHECK(StateName(64) == "stopping");
  CHECK(StateName(80) == "stopped");
  CHECK(StateName(256 + 80) == "stopped");
  CHECK(StateName(17).empty());
}

TEST_CASE("ec2: DescribeInstanceStatus keeps pending events and drops [Completed] ones") {
  const char xml[] = R"(<DescribeInstanceStatusResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>3be1508e-c444-4fef-89cc-0b1223c4f02fEXAMPLE</requestId>
  <instanceStatusSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <availabilityZone>us-east-1d</availabilityZone>
      <eventsSet>
        <item><instanceEventId>instance-event-0d59937288b749b32</instanceEventId><code>system-reboot</code>
          <description>The instance is scheduled for a reboot</description>
          <notBefore>2026-12-01T01:00:00.000Z</notBefore><notAfter>2026-12-01T03:00:00.000Z</notAfter></item>
        <item><code>instance-stop</code><description>[Completed] The instance is running on degraded hardware</description></item>
      </eventsSet>
      <instanceState><code>16</code><name>running</name></instanceState>
      <systemStatus><status>impaired</status><details><item><name>reachability</name><status>failed</status></item></details></systemStatus>
      <instanceStatus><status>ok</status><details><item><name>reachability</name><status>passed</status></item></details></instanceStatus>
    </item>
  </instanceStatusSet>
</DescribeInstanceStatusResponse>)";
  const StatusPage page = ParseDescribeInstanceStatus(xml, "us-east-1");
  REQUIRE(page.statuses.size() == 1);
  const InstanceStatus& s = page.statuses[0];
  CHECK(s.state == "running");
  CHECK(s.system_status == "impaired");
  CHECK(s.instance_status == "ok");
  CHECK(s.system_details == std::vector<std::pair<std::string, std::string>>{{"reachability", "failed"}});
  REQUIRE(s.events.size() == 1);
  CHECK(s.events[0].code == "system-reboot");
  CHECK(s.events[0].id == "instance-event-0d59937288b749b32");
  CHECK(s.events[0].not_before == "2026-12-01T01:00:00.000Z");
  CHECK(page.next_token.empty());
}

TEST_CASE("ec2: state changes, and answers that are not what was asked") {
  const auto changes = ParseStateChanges(
      "<StopInstancesResponse><instancesSet><item><instanceId>i-1</instanceId>"
      "<currentState><code>64</code><name>stopping</name></currentState>"
      "<previousState><code>16</code><name>running</name></previousState></item></instancesSet></StopInstancesResponse>");
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].previous_state == "running");
  CHECK(changes[0].current_state == "stopping");
  CHECK(changes[0].current_code == 64);
  CHECK_THROWS_WITH(ParseDescribeInstances("<html>oops", "r"),
                    "EC2 answered with malformed XML instead of a DescribeInstancesResponse");
  CHECK_THROWS_WITH(ParseDescribeInstances("<Response/>", "r"),
                    "EC2 answered with a Response instead of a DescribeInstancesResponse");
}

TEST_CASE("aws query: error documents of EC2 and of the other Query services") {
  auto ec2 = ParseErrorDocument(
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code>)"
      R"(<Message>The instance ID 'i-1a2b3c4d' does not exist</Message></Error></Errors>)"
      R"(<RequestID>ea966190-f9aa-478e-9ede-example</RequestID></Response>)");
  REQUIRE(ec2);
  CHECK(ec2->code == "InvalidInstanceID.NotFound");
  CHECK(ec2->message == "The instance ID 'i-1a2b3c4d' does not exist");
  CHECK(ec2->request_id == "ea966190-f9aa-478e-9ede-example");
  auto sts = ParseErrorDocument(
      R"(<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>)"
      R"(<Code>AccessDenied</Code><Message>not authorized</Message></Error><RequestId>r-1</RequestId></ErrorResponse>)");
  REQUIRE(sts);
  CHECK(sts->code == "AccessDenied");
  CHECK(sts->request_id == "r-1");
  CHECK_FALSE(ParseErrorDocument("<html><body>503 Service Unavailable</body></html>"));
  CHECK_FALSE(ParseErrorDocument("not xml"));
}

TEST_CASE("aws query: which errors are retried") {
  CHECK(ClassifyError("RequestLimitExceeded", 503) == ErrorClass::kThrottle);
  CHECK(ClassifyError("Throttling", 400) == ErrorClass::kThrottle);
  CHECK(ClassifyError("", 503) == ErrorClass::kThrottle);
  CHECK(ClassifyError("", 429) == ErrorClass::kThrottle);
  CHECK(ClassifyError("InternalError", 500) == ErrorClass::kTransient);
  CHECK(ClassifyError("", 502) == ErrorClass::kTransient);
  CHECK(ClassifyError("Unavailable", 503) == ErrorClass::kThrottle);
  CHECK(ClassifyError("AuthFailure", 401) == ErrorClass::kAuth);
  CHECK(ClassifyError("SignatureDoesNotMatch", 403) == ErrorClass::kAuth);
  CHECK(ClassifyError("UnauthorizedOperation", 403) == ErrorClass::kAuth);
  CHECK(ClassifyError("ExpiredToken", 503) == ErrorClass::kAuth);  // never retried, whatever the status
  CHECK(ClassifyError("InvalidInstanceID.NotFound", 400) == ErrorClass::kOther);
  CHECK(ClassifyError("DryRunOperation", 412) == ErrorClass::kOther);
}

TEST_CASE("aws query: full-jitter backoff doubles from the base and is capped at 20 s") {
  RetryPolicy p;  // base 1 s, cap 20 s
  using ms = std::chrono::milliseconds;
  CHECK(BackoffDelay(p, 1, 0.0) == ms(0));
  CHECK(BackoffDelay(p, 1, 0.5) == ms(500));
  CHECK(BackoffDelay(p, 1, 0.999999) == ms(999));
  CHECK(BackoffDelay(p, 2, 0.999999) == ms(1999));
  CHECK(BackoffDelay(p, 4, 0.5) == ms(4000));
  CHECK(BackoffDelay(p, 5, 1.0) == ms(16000));
  CHECK(BackoffDelay(p, 6, 1.0) == ms(20000));
  CHECK(BackoffDelay(p, 60, 1.0) == ms(20000));
  for (int retry = 1; retry < 40; ++retry)
    for (double u : {0.0, 0.1, 0.7, 0.99999}) {
      CHECK(BackoffDelay(p, retry, u) >= ms(0));
      CHECK(BackoffDelay(p, retry, u) <= ms(20000));
    }
  CHECK(FormEncode({{"Action", "DescribeInstances"}, {"Filter.1.Value.1", "a b&c=d/é"}}) ==
        "Action=DescribeInstances&Filter.1.Value.1=a%20b%26c%3Dd%2F%C3%A9");
}

TEST_CASE("ec2: --filter values in both spellings") {
  Filter f = ParseFilter("Name=tag:Env,Values=prod,stage");
  CHECK(f.name == "tag:Env");
  CHECK(f.values == std::vector<std::string>{"prod", "stage"});
  f = ParseFilter("instance-state-name=running");
  CHECK(f.name == "instance-state-name");
  CHECK(f.values == std::vector<std::string>{"running"});
  CHECK_THROWS_WITH(ParseFilter("Name=x"), "invalid filter 'Name=x': expected Name=NAME,Values=V1,V2 or NAME=V1,V2");
  CHECK_THROWS_WITH(ParseFilter("vpc-id="), "invalid filter 'vpc-id=': a filter needs a name and at least one value");
}

TEST_CASE("ec2: DescribeInstances follows NextToken across thousands of instances" *
          doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "5000", "--regions", "us-east-1,eu-west-1"});
  Ec2Client ec2 = Client(*mock);
  const std::vector<Instance> all = ec2.DescribeInstances({}, {}, 1000);
  CHECK(all.size() == 2500);
  std::set<std::string> ids;
  for (const Instance& i : all) {
    ids.insert(i.id);
    CHECK(i.region == "us-east-1");
  }
  CHECK(ids.size() == 2500);
  const nlohmann::json stats = mock->Stats();
  CHECK(stats["actions"]["DescribeInstances"] == 3);
  CHECK(stats["max_results"] == nlohmann::json::array({1000, 1000, 1000}));
  CHECK(stats["verified"] == 3);
  CHECK(stats["auth_failures"] == 0);

  // Filters reach EC2 and select there; small pages give more calls.
  const auto prod_web = ec2.DescribeInstances({}, {{"tag:Env", {"prod"}}, {"tag:Role", {"web"}}}, 100);
  CHECK(prod_web.size() == 834);  // the multiples of 6 below 5000: even (us-east-1, prod), 3 divides (web)
  for (const Instance& i : prod_web) {
    CHECK(i.tags.at("Env") == "prod");
    CHECK(i.tags.at("Role") == "web");
  }
  CHECK(mock->Stats()["actions"]["DescribeInstances"] == 3 + 9);

  // By id (no paging); the other region's instances are not there.
  const auto by_id = ec2.DescribeInstances({all[0].id, all[1].id}, {});
  REQUIRE(by_id.size() == 2);
  CHECK(by_id[1].id == all[1].id);
  Ec2Client europe = Client(*mock, "eu-west-1");
  try {
    europe.DescribeInstances({all[0].id}, {});
    FAIL("no error");
  } catch (const AwsError& e) {
    CHECK(e.code() == "InvalidInstanceID.NotFound");
    CHECK(e.status() == 400);
    CHECK(StartsWith(e.what(), "EC2 DescribeInstances in 'eu-west-1' failed: InvalidInstanceID.NotFound: The instance ID '" +
                                   all[0].id + "' does not exist (request id "));
  }
}

TEST_CASE("ec2: throttling and 5xx answers are retried with backoff, each attempt signed afresh" *
          doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "30", "--throttle-first", "2", "--fail-first", "1"});
  std::atomic<int> signed_with{0};
  Ec2Client ec2({mock->url(), "us-east-1", "ec2"},
                [&] {
                  ++signed_with;
                  return MockCredentials();
                },
                FastRetries());
  CHECK(ec2.DescribeInstances({}, {}).size() == 30);
  CHECK(ec2.attempts() == 4);
  CHECK(signed_with == 4);
  nlohmann::json stats = mock->Stats();
  CHECK(stats["throttled"] == 2);
  CHECK(stats["failed"] == 1);
  CHECK(stats["verified"] == 4);

  // Throttled for longer than the attempts allow: an error, never a partial answer.
  mock->Configure({{"throttle_every", 2}, {"reset_count", true}, {"throttle_first", 0}, {"fail_first", 0}});
  Ec2Client few = Client(*mock, "us-east-1", FastRetries(1));
  // The first call of this client is the mock's 1st (served), its second page call the 2nd (throttled).
  CHECK_THROWS_WITH_AS(few.DescribeInstances({}, {}, 5), doctest::Contains("RequestLimitExceeded: Request limit exceeded."),
                       AwsError);
  mock->Configure({{"throttle_first", 100}, {"throttle_every", 0}, {"reset_count", true}});
  Ec2Client patient = Client(*mock, "us-east-1", FastRetries(3));
  try {
    patient.DescribeInstances({}, {});
    FAIL("no error");
  } catch (const AwsError& e) {
    CHECK(e.code() == "RequestLimitExceeded");
    CHECK(e.status() == 503);
    CHECK(StartsWith(e.what(), "EC2 DescribeInstances in 'us-east-1' failed after 3 attempts: RequestLimitExceeded: "));
  }
  CHECK(patient.attempts() == 3);
}

TEST_CASE("ec2: authentication errors are never retried" * doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "3"});
  Credentials wrong = MockCredentials();
  wrong.secret_access_key = "not-the-secret";
  Ec2Client ec2({mock->url(), "us-east-1", "ec2"}, [&] { return wrong; }, FastRetries());
  try {
    ec2.DescribeInstances({}, {});
    FAIL("no error");
  } catch (const AwsError& e) {
    CHECK(e.code() == "SignatureDoesNotMatch");
    CHECK(e.error_class() == ErrorClass::kAuth);
    CHECK(std::string(e.what()).find("not-the-secret") == std::string::npos);
  }
  CHECK(ec2.attempts() == 1);
  Credentials unknown = MockCredentials();
  unknown.access_key_id = "AKIAUNKNOWN000000000";
  Ec2Client stranger({mock->url(), "us-east-1", "ec2"}, [&] { return unknown; }, FastRetries());
  CHECK_THROWS_WITH(stranger.StartInstances({"i-0000123456789a000"}, false),
                    doctest::Contains("failed: AuthFailure: AWS was not able to validate the provided access credentials"));
  CHECK(stranger.attempts() == 1);
  CHECK(mock->Stats()["auth_failures"] == 2);
}

TEST_CASE("ec2: start, stop and reboot, and DryRun asks without doing" * doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "10", "--speed", "0.2", "--deny", "RebootInstances"});
  Ec2Client ec2 = Client(*mock);
  const std::string stopped = "i-0000123456789a004", running = "i-0000123456789a000";
  ActionResult dry = ec2.StartInstances({stopped}, true);
  CHECK(dry.dry_run);
  CHECK(dry.changes.empty());
  CHECK(ec2.DescribeInstances({stopped}, {})[0].state == "stopped");
  CHECK(mock->Stats()["dry_runs"] == 1);

  ActionResult started = ec2.StartInstances({stopped, running}, false);
  REQUIRE(started.changes.size() == 2);
  CHECK(started.changes[0].previous_state == "stopped");
  CHECK(started.changes[0].current_state == "pending");
  CHECK(started.changes[1].previous_state == "running");
  CHECK(started.changes[1].current_state == "running");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(ec2.DescribeInstances({stopped}, {})[0].state == "running");

  ActionResult stopping = ec2.StopInstances({running}, false, true);
  REQUIRE(stopping.changes.size() == 1);
  CHECK(stopping.changes[0].current_state == "stopping");

  // Denied: the dry run says so too, and neither is retried.
  CHECK_THROWS_WITH(ec2.RebootInstances({stopped}, true), doctest::Contains("UnauthorizedOperation: You are not authorized"));
  CHECK_THROWS_WITH(ec2.StartInstances({"i-0000000000000000f"}, false),
                    doctest::Contains("InvalidInstanceID.NotFound: The instance ID 'i-0000000000000000f' does not exist"));
  CHECK_THROWS_WITH(ec2.StartInstances({"bogus"}, false), doctest::Contains("InvalidInstanceID.Malformed: Invalid id: \"bogus\""));
}

TEST_CASE("ec2: an instance whose start fails falls back to stopped with its state reason" *
          doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "10", "--speed", "0.1", "--kms-fail", "i-0000123456789a004"});
  Ec2Client ec2 = Client(*mock);
  CHECK(ec2.StartInstances({"i-0000123456789a004"}, false).changes.at(0).current_state == "pending");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const Instance i = ec2.DescribeInstances({"i-0000123456789a004"}, {}).at(0);
  CHECK(i.state == "stopped");
  CHECK(i.state_reason_code == "Client.InternalError");
  CHECK(i.state_reason_message == "Client.InternalError: Client error on launch");
}

TEST_CASE("ec2: instance status with scheduled events" * doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "60"});
  Ec2Client ec2 = Client(*mock);
  const auto all = ec2.DescribeInstanceStatus({}, {}, true);
  CHECK(all.size() == 60);
  const auto running_only = ec2.DescribeInstanceStatus({}, {}, false);
  CHECK(running_only.size() == 48);
  int with_events = 0;
  for (const InstanceStatus& s : all) {
    for (const ScheduledEvent& e : s.events) {
      ++with_events;
      CHECK(e.code == "system-reboot");  // the [Completed] instance-reboot of node 20 is dropped
      CHECK(s.id == "i-0000123456789a00a");
    }
    if (s.state == "stopped") CHECK(s.instance_status == "not-applicable");
  }
  CHECK(with_events == 1);
}

TEST_CASE("ec2: several regions at once, and a failing region says so and lists nothing" *
          doctest::skip(testing::SkipWithout("python3"))) {
  auto mock = AwsMock::StartForTest({"--instances", "300", "--regions", "us-east-1,eu-west-1,ap-northeast-1"});
  const std::string url = mock->url();
  const auto endpoint = [&](const std::string& region) {
    return ServiceEndpoint{region == "sa-east-1" ? "http://127.0.0.1:1/" : url, region, "ec2"};
  };
  const auto results = DescribeInstancesInRegions({"us-east-1", "eu-west-1", "ap-northeast-1", "sa-east-1"}, endpoint,
                                                  [] { return MockCredentials(); }, FastRetries(2), {}, {}, 50);
  REQUIRE(results.size() == 4);
  for (int i = 0; i < 3; ++i) {
    CHECK(results[i].error.empty());
    CHECK(results[i].instances.size() == 100);
    for (const Instance& in : results[i].instances) CHECK(in.region == results[i].region);
  }
  CHECK(results[3].region == "sa-east-1");
  CHECK(results[3].instances.empty());
  CHECK(StartsWith(results[3].error, "EC2 DescribeInstances in 'sa-east-1' failed after 2 attempts: cannot connect"));
}

}  // namespace hops::aws
