// The EC2 Query API (Version 2016-11-15) over common/aws_query: describe instances and their
// health, start, stop and reboot them, with EC2's own DryRun. Answers are read with pugixml into
// plain structs, so that haws-ec2 and the inventory sync (hscope-sync) share one reading of them:
// Instance carries everything a node of the inventory needs (InventoryAttributes), state codes are
// read as code & 0xFF (the high byte is EC2's internal business), and scheduled events already
// completed ("[Completed] ..." descriptions) are dropped. Several regions are queried at once with
// ForEachRegion / DescribeInstancesInRegions, each with its own client and connections.
#ifndef HOPS_COMMON_EC2_HPP_
#define HOPS_COMMON_EC2_HPP_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/aws_query.hpp"

namespace hops::aws {

/// The EC2 API version spoken.
constexpr char kEc2Version[] = "2016-11-15";

/// The name of the low byte of an instance state code: 0 pending, 16 running, 32 shutting-down,
/// 48 terminated, 64 stopping, 80 stopped; "" for another code.
std::string StateName(int code);

/// One EC2 instance as DescribeInstances tells it ("" where the answer has nothing).
struct Instance {
  std::string id;               ///< "i-0123456789abcdef0"
  std::string region;           ///< the region it was found in
  std::string az;               ///< availability zone, "ap-northeast-1a"
  std::string state;            ///< pending, running, shutting-down, terminated, stopping, stopped
  int state_code = -1;          ///< the code's low byte (code & 0xFF)
  std::string state_reason_code;     ///< stateReason code: "Client.InternalError", ...
  std::string state_reason_message;  ///< stateReason message
  std::string instance_type;    ///< "t3.micro"
  std::string image_id;         ///< "ami-..."
  std::string vpc_id;
  std::string subnet_id;
  std::string private_ip;
  std::string public_ip;
  std::string private_dns;
  std::string public_dns;
  std::string platform;         ///< "windows" or "linux" (EC2 names only Windows)
  std::string platform_details; ///< "Linux/UNIX", "Windows", "Red Hat Enterprise Linux", ...
  std::string launch_time;      ///< as sent, "2026-01-05T00:00:00.000Z"
  std::string key_name;
  std::string architecture;
  std::string owner_id;         ///< the account of its reservation
  std::map<std::string, std::string> tags;

  /// The Name tag, "" when none.
  std::string Name() const;
};

/// A DescribeInstances / DescribeInstanceStatus filter: Name=NAME, Values=VALUES (* and ? are
/// wildcards for EC2).
struct Filter {
  std::string name;                 ///< "instance-state-name", "tag:Env", "vpc-id", ...
  std::vector<std::string> values;  ///< at least one
};

/// Parses a --filter value: "Name=N,Values=V1,V2" (the AWS CLI's shorthand) or "N=V1,V2";
/// throws UsageError.
Filter ParseFilter(const std::string& text);

/// A scheduled event (maintenance notice) of an instance.
struct ScheduledEvent {
  std::string id;           ///< "instance-event-..."
  std::string code;         ///< instance-reboot, system-reboot, system-maintenance, instance-retirement, instance-stop
  std::string description;  ///< as sent
  std::string not_before;   ///< RFC 3339, "" when none
  std::string not_after;    ///< RFC 3339, "" when none
};

/// The health of one instance (DescribeInstanceStatus).
struct InstanceStatus {
  std::string id;
  std::string region;
  std::string az;
  std::string state;        ///< as Instance::state
  int state_code = -1;      ///< code & 0xFF
  std::string system_status;    ///< ok, impaired, insufficient-data, not-applicable, initializing
  std::string instance_status;  ///< same words
  std::vector<std::pair<std::string, std::string>> system_details;    ///< name -> status ("reachability", "passed")
  std::vector<std::pair<std::string, std::string>> instance_details;  ///< name -> status
  std::vector<ScheduledEvent> events;  ///< pending events only ("[Completed]" ones are dropped)
};

/// One instance's state change answered by StartInstances / StopInstances.
struct StateChange {
  std::string id;
  std::string previous_state;
  std::string current_state;
  int current_code = -1;  ///< code & 0xFF of current_state
};

/// The result of a state-changing call.
struct ActionResult {
  bool dry_run = false;              ///< DryRun was asked and EC2 said it would have succeeded
  std::vector<StateChange> changes;  ///< per instance (RebootInstances: none)
};

/// Instances of one DescribeInstances page, and the token of the next ("" on the last).
struct InstancesPage {
  std::vector<Instance> instances;
  std::string next_token;
};

/// Health of one DescribeInstanceStatus page, and the token of the next.
struct StatusPage {
  std::vector<InstanceStatus> statuses;
  std::string next_token;
};

/// Reads a DescribeInstancesResponse found in @p region (parsed in place: pass the page with
/// std::move); throws RuntimeError when malformed.
InstancesPage ParseDescribeInstances(std::string xml, const std::string& region);

/// Reads a DescribeInstanceStatusResponse found in @p region, as ParseDescribeInstances.
StatusPage ParseDescribeInstanceStatus(std::string xml, const std::string& region);

/// Reads the instancesSet of a StartInstancesResponse or StopInstancesResponse.
std::vector<StateChange> ParseStateChanges(std::string_view xml);

/// The attributes a node of the inventory gets for @p instance (hops-inventory(5)): cloud (aws),
/// cloud_id, region, az, vpc, subnet, state, instance_type, private_ip, public_ip, private_dns,
/// public_dns, platform; empty values are left out.
std::map<std::string, std::string> InventoryAttributes(const Instance& instance);
/// The names of those attributes, in the order above.
const std::vector<std::string>& InventoryAttributeNames();

/// The node attribute holding an instance id, read by --scope.
constexpr char kCloudIdAttribute[] = "cloud_id";
/// The node attribute holding an instance's region.
constexpr char kRegionAttribute[] = "region";

/// An EC2 client for one region. Not thread-safe: one per thread (ForEachRegion makes them).
class Ec2Client {
 public:
  Ec2Client(ServiceEndpoint endpoint, CredentialSource credentials, QueryOptions options = {});

  /// Every instance with one of @p ids (all when empty) matching every filter, following
  /// NextToken across pages of @p page_size (5 to 1000; unused with ids, which EC2 does not page).
  /// Throws AwsError; never returns part of the answer.
  std::vector<Instance> DescribeInstances(const std::vector<std::string>& ids, const std::vector<Filter>& filters,
                                          int page_size = 1000);

  /// The health and scheduled events of @p ids (all when empty), stopped instances included when
  /// @p include_all.
  std::vector<InstanceStatus> DescribeInstanceStatus(const std::vector<std::string>& ids,
                                                     const std::vector<Filter>& filters, bool include_all = true);

  /// StartInstances of @p ids (or only asks, with @p dry_run).
  ActionResult StartInstances(const std::vector<std::string>& ids, bool dry_run);
  /// StopInstances of @p ids; @p force skips the orderly shutdown.
  ActionResult StopInstances(const std::vector<std::string>& ids, bool dry_run, bool force = false);
  /// RebootInstances of @p ids.
  ActionResult RebootInstances(const std::vector<std::string>& ids, bool dry_run);

  /// The region this client calls.
  const std::string& region() const { return client_.endpoint().region; }
  /// Attempts made so far, retries included.
  int attempts() const { return client_.attempts(); }

 private:
  ActionResult Change(const std::string& action, const std::vector<std::string>& ids, bool dry_run,
                      const QueryParams& extra);
  QueryClient client_;
};

/// Runs @p work(region) for every region of @p regions at once (at most @p parallel threads);
/// returns, in the order of @p regions, "" or the message of what @p work threw.
std::vector<std::string> ForEachRegion(const std::vector<std::string>& regions,
                                       const std::function<void(const std::string& region)>& work,
                                       size_t parallel = 8);

/// What one region answered.
struct RegionInstances {
  std::string region;
  std::vector<Instance> instances;
  std::string error;  ///< "" when the region answered in full; else why not (its instances are then empty)
};

/// DescribeInstances in every region of @p regions at once, each through @p endpoint(region)
/// with @p credentials; a region that fails says so in its error and lists nothing.
std::vector<RegionInstances> DescribeInstancesInRegions(
    const std::vector<std::string>& regions, const std::function<ServiceEndpoint(const std::string&)>& endpoint,
    const CredentialSource& credentials, const QueryOptions& options, const std::vector<std::string>& ids,
    const std::vector<Filter>& filters, int page_size = 1000);

}  // namespace hops::aws

#endif  // HOPS_COMMON_EC2_HPP_
