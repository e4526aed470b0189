#include "common/ec2.hpp"

#include <pugixml.hpp>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "common/text.hpp"

namespace hops::aws {
namespace {

// Ids per call of the actions that take a list (EC2 documents no limit; this keeps bodies small).
constexpr size_t kIdsPerCall = 200;

// Parses *@p xml in place (no copy of a page that may be megabytes; *@p xml must outlive @p doc)
// and checks that its root element is @p name.
pugi::xml_node Root(pugi::xml_document* doc, std::string* xml, const char* name) {
  if (!doc->load_buffer_inplace(xml->data(), xml->size()))
    throw RuntimeError(std::string("EC2 answered with malformed XML instead of a ") + name);
  pugi::xml_node root = doc->document_element();
  if (std::string_view(root.name()) != name)
    throw RuntimeError(std::string("EC2 answered with a ") + root.name() + " instead of a " + name);
  return root;
}

// Reads an instanceState-like element into its name and code & 0xFF.
void ReadState(pugi::xml_node state, std::string* name, int* code) {
  const char* text = state.child_value("code");
  char* end = nullptr;
  const long raw = std::strtol(text, &end, 10);
  *code = (end != text) ? static_cast<int>(raw & 0xFF) : -1;
  const std::string by_code = *code >= 0 ? StateName(*code) : "";
  *name = by_code.empty() ? state.child_value("name") : by_code;
}

std::vector<std::pair<std::string, std::string>> Details(pugi::xml_node summary) {
  std::vector<std::pair<std::string, std::string>> out;
  for (pugi::xml_node item : summary.child("details").children("item"))
    out.emplace_back(item.child_value("name"), item.child_value("status"));
  return out;
}

void AddIds(QueryParams* params, const std::vector<std::string>& ids, size_t from, size_t to) {
  for (size_t i = from; i < to; ++i) params->emplace_back("InstanceId." + std::to_string(i - from + 1), ids[i]);
}

void AddFilters(QueryParams* params, const std::vector<Filter>& filters) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const std::string prefix = "Filter." + std::to_string(i + 1) + ".";
    params->emplace_back(prefix + "Name", filters[i].name);
    for (size_t j = 0; j < filters[i].values.size(); ++j)
      params->emplace_back(prefix + "Value." + std::to_string(j + 1), filters[i].values[j]);
  }
}

}  // namespace

std::string StateName(int code) {
  switch (code & 0xFF) {
    case 0: return "pending";
    case 16: return "running";
    case 32: return "shutting-down";
    case 48: return "terminated";
    case 64: return "stopping";
    case 80: return "stopped";
    default: return "";
  }
}

std::string Instance::Name() const {
  auto it = tags.find("Name");
  return it == tags.end() ? "" : it->second;
}

Filter ParseFilter(const std::string& text) {
  Filter f;
  std::string rest;
  if (StartsWith(text, "Name=")) {
    const size_t values = text.find(",Values=");
    if (values == std::string::npos)
      throw UsageError("invalid filter " + Quote(text) + ": expected Name=NAME,Values=V1,V2 or NAME=V1,V2");
    f.name = text.substr(5, values - 5);
    rest = text.substr(values + 8);
  } else {
    const size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("invalid filter " + Quote(text) + ": expected Name=NAME,Values=V1,V2 or NAME=V1,V2");
    f.name = text.substr(0, eq);
    rest = text.substr(eq + 1);
  }
  size_t start = 0;
  while (start <= rest.size()) {
    size_t comma = rest.find(',', start);
    if (comma == std::string::npos) comma = rest.size();
    if (comma > start) f.values.push_back(rest.substr(start, comma - start));
    start = comma + 1;
  }
  if (f.name.empty() || f.values.empty())
    throw UsageError("invalid filter " + Quote(text) + ": a filter needs a name and at least one value");
  return f;
}

InstancesPage ParseDescribeInstances(std::string xml, const std::string& region) {
  pugi::xml_document doc;
  const pugi::xml_node root = Root(&doc, &xml, "DescribeInstancesResponse");
  InstancesPage page;
  for (pugi::xml_node reservation : root.child("reservationSet").children("item")) {
    for (pugi::xml_node item : reservation.child("instancesSet").children("item")) {
      Instance in;
      in.region = region;
      in.owner_id = reservation.child_value("ownerId");
      in.id = item.child_value("instanceId");
      ReadState(item.child("instanceState"), &in.state, &in.state_code);
      in.state_reason_code = item.child("stateReason").child_value("code");
      in.state_reason_message = item.child("stateReason").child_value("message");
      in.az = item.child("placement").child_value("availabilityZone");
      in.instance_type = item.child_value("instanceType");
      in.image_id = item.child_value("imageId");
      in.vpc_id = item.child_value("vpcId");
      in.subnet_id = item.child_value("subnetId");
      in.private_ip = item.child_value("privateIpAddress");
      in.public_ip = item.child_value("ipAddress");
      in.private_dns = item.child_value("privateDnsName");
      in.public_dns = item.child_value("dnsName");
      in.platform = item.child_value("platform");
      if (in.platform.empty()) in.platform = "linux";
      in.platform_details = item.child_value("platformDetails");
      in.launch_time = item.child_value("launchTime");
      in.key_name = item.child_value("keyName");
      in.architecture = item.child_value("architecture");
      for (pugi::xml_node tag : item.child("tagSet").children("item")) in.tags[tag.child_value("key")] = tag.child_value("value");
      if (in.id.empty()) throw RuntimeError("EC2 answered with an instance without instanceId");
      page.instances.push_back(std::move(in));
    }
  }
  page.next_token = root.child_value("nextToken");
  return page;
}

StatusPage ParseDescribeInstanceStatus(std::string xml, const std::string& region) {
  pugi::xml_document doc;
  const pugi::xml_node root = Root(&doc, &xml, "DescribeInstanceStatusResponse");
  StatusPage page;
  for (pugi::xml_node item : root.child("instanceStatusSet").children("item")) {
    InstanceStatus s;
    s.id = item.child_value("instanceId");
    s.region = region;
    s.az = item.child_value("availabilityZone");
    ReadState(item.child("instanceState"), &s.state, &s.state_code);
    s.system_status = item.child("systemStatus").child_value("status");
    s.instance_status = item.child("instanceStatus").child_value("status");
    s.system_details = Details(item.child("systemStatus"));
    s.instance_details = Details(item.child("instanceStatus"));
    for (pugi::xml_node e : item.child("eventsSet").children("item")) {
      ScheduledEvent ev{e.child_value("instanceEventId"), e.child_value("code"), e.child_value("description"),
                        e.child_value("notBefore"), e.child_value("notAfter")};
      if (StartsWith(Trim(ev.description), "[Completed]")) continue;  // done: no longer a notice
      s.events.push_back(std::move(ev));
    }
    page.statuses.push_back(std::move(s));
  }
  page.next_token = root.child_value("nextToken");
  return page;
}

std::vector<StateChange> ParseStateChanges(std::string_view xml) {
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) throw RuntimeError("EC2 answered with malformed XML");
  std::vector<StateChange> out;
  for (pugi::xml_node item : doc.document_element().child("instancesSet").children("item")) {
    StateChange c;
    c.id = item.child_value("instanceId");
    int code;
    ReadState(item.child("previousState"), &c.previous_state, &code);
    ReadState(item.child("currentState"), &c.current_state, &c.current_code);
    out.push_back(std::move(c));
  }
  return out;
}

const std::vector<std::string>& InventoryAttributeNames() {
  static const std::vector<std::string> names = {
      "cloud", kCloudIdAttribute, kRegionAttribute, "az", "vpc", "subnet", "state", "instance_type",
      "private_ip", "public_ip", "private_dns", "public_dns", "platform"};
  return names;
}

std::map<std::string, std::string> InventoryAttributes(const Instance& i) {
  // In the order of InventoryAttributeNames().
  const std::vector<std::string> values = {"aws",        i.id,         i.region,    i.az,
                                           i.vpc_id,     i.subnet_id,  i.state,     i.instance_type,
                                           i.private_ip, i.public_ip,  i.private_dns, i.public_dns,
                                           i.platform};
  const std::vector<std::string>& names = InventoryAttributeNames();
  std::map<std::string, std::string> out;
  for (size_t k = 0; k < names.size() && k < values.size(); ++k)
    if (!values[k].empty()) out[names[k]] = values[k];
  return out;
}

// ---- Ec2Client ---------------------------------------------------------------------------------

Ec2Client::Ec2Client(ServiceEndpoint endpoint, CredentialSource credentials, QueryOptions options)
    : client_(std::move(endpoint), std::move(credentials), std::move(options)) {}

namespace {

// Calls @p fill once for each slice of at most kIdsPerCall of @p ids (once with none when empty),
// with the InstanceId.N parameters of the slice.
void ForIdSlices(const std::vector<std::string>& ids, const std::function<void(QueryParams)>& fill) {
  size_t from = 0;
  do {
    const size_t to = std::min(ids.size(), from + kIdsPerCall);
    QueryParams params;
    AddIds(&params, ids, from, to);
    fill(std::move(params));
    from = to;
  } while (from < ids.size());
}

// Calls @p action with @p base, then again with each NextToken until there is none; @p page reads
// an answer and returns its next token. MaxResults is sent when @p max_results is set.
void Paginate(QueryClient* client, const std::string& action, const QueryParams& base, std::optional<int> max_results,
              const std::function<std::string(std::string xml)>& page) {
  std::string token;
  do {
    QueryParams params = base;
    if (max_results) params.emplace_back("MaxResults", std::to_string(std::clamp(*max_results, 5, 1000)));
    if (!token.empty()) params.emplace_back("NextToken", token);
    token = page(client->Call(action, kEc2Version, params));
  } while (!token.empty());
}

}  // namespace

std::vector<Instance> Ec2Client::DescribeInstances(const std::vector<std::string>& ids,
                                                   const std::vector<Filter>& filters, int page_size) {
  std::vector<Instance> out;
  ForIdSlices(ids, [&](QueryParams params) {
    AddFilters(&params, filters);
    // EC2 refuses MaxResults beside instance ids (and does not page them).
    Paginate(&client_, "DescribeInstances", params, ids.empty() ? std::optional<int>(page_size) : std::nullopt,
             [&](std::string xml) {
               InstancesPage page = ParseDescribeInstances(std::move(xml), region());
               std::move(page.instances.begin(), page.instances.end(), std::back_inserter(out));
               return std::move(page.next_token);
             });
  });
  return out;
}

std::vector<InstanceStatus> Ec2Client::DescribeInstanceStatus(const std::vector<std::string>& ids,
                                                              const std::vector<Filter>& filters, bool include_all) {
  std::vector<InstanceStatus> out;
  ForIdSlices(ids, [&](QueryParams params) {
    AddFilters(&params, filters);
    if (include_all) params.emplace_back("IncludeAllInstances", "true");
    Paginate(&client_, "DescribeInstanceStatus", params, ids.empty() ? std::optional<int>(1000) : std::nullopt,
             [&](std::string xml) {
               StatusPage page = ParseDescribeInstanceStatus(std::move(xml), region());
               std::move(page.statuses.begin(), page.statuses.end(), std::back_inserter(out));
               return std::move(page.next_token);
             });
  });
  return out;
}

ActionResult Ec2Client::Change(const std::string& action, const std::vector<std::string>& ids, bool dry_run,
                               const QueryParams& extra) {
  ActionResult result;
  result.dry_run = dry_run;
  ForIdSlices(ids, [&](QueryParams params) {
    params.insert(params.end(), extra.begin(), extra.end());
    if (dry_run) params.emplace_back("DryRun", "true");
    try {
      const std::string xml = client_.Call(action, kEc2Version, params);
      if (dry_run) throw RuntimeError("EC2 " + action + " ran although DryRun was set");
      for (StateChange& c : ParseStateChanges(xml)) result.changes.push_back(std::move(c));
    } catch (const AwsError& e) {
      if (!dry_run || e.code() != "DryRunOperation") throw;
    }
  });
  return result;
}

ActionResult Ec2Client::StartInstances(const std::vector<std::string>& ids, bool dry_run) {
  return Change("StartInstances", ids, dry_run, {});
}

ActionResult Ec2Client::StopInstances(const std::vector<std::string>& ids, bool dry_run, bool force) {
  QueryParams extra;
  if (force) extra.emplace_back("Force", "true");
  return Change("StopInstances", ids, dry_run, extra);
}

ActionResult Ec2Client::RebootInstances(const std::vector<std::string>& ids, bool dry_run) {
  return Change("RebootInstances", ids, dry_run, {});
}

std::vector<std::string> ForEachRegion(const std::vector<std::string>& regions,
                                       const std::function<void(const std::string& region)>& work, size_t parallel) {
  std::vector<std::string> errors(regions.size());
  std::atomic<size_t> next{0};
  const auto worker = [&] {
    for (size_t i; (i = next++) < regions.size();) {
      try {
        work(regions[i]);
      } catch (const std::exception& e) {
        errors[i] = e.what();
        if (errors[i].empty()) errors[i] = "failed";
      }
    }
  };
  const size_t threads = std::min(std::max<size_t>(parallel, 1), regions.size());
  if (threads <= 1) {
    worker();
    return errors;
  }
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  return errors;
}

std::vector<RegionInstances> DescribeInstancesInRegions(
    const std::vector<std::string>& regions, const std::function<ServiceEndpoint(const std::string&)>& endpoint,
    const CredentialSource& credentials, const QueryOptions& options, const std::vector<std::string>& ids,
    const std::vector<Filter>& filters, int page_size) {
  std::vector<RegionInstances> out(regions.size());
  std::mutex mu;
  const std::vector<std::string> errors = ForEachRegion(regions, [&](const std::string& region) {
    ServiceEndpoint ep;
    {
      std::lock_guard<std::mutex> lock(mu);  // endpoint() may read shared configuration
      ep = endpoint(region);
    }
    Ec2Client client(ep, credentials, options);
    std::vector<Instance> found = client.DescribeInstances(ids, filters, page_size);
    const size_t i = static_cast<size_t>(std::find(regions.begin(), regions.end(), region) - regions.begin());
    out[i].instances = std::move(found);
  });
  for (size_t i = 0; i < regions.size(); ++i) {
    out[i].region = regions[i];
    out[i].error = errors[i];
    if (!errors[i].empty()) out[i].instances.clear();
  }
  return out;
}

}  // namespace hops::aws
