// From what the sources found to the inventory, and what changed: EC2 instances become nodes
// (states, include/exclude, hostnames, addresses, automatic scopes), sources merge (one node found
// twice is one node), rule and keyed scopes are added, everything is sorted so the file diffs well;
// then the difference with the inventory already written, and the Ansible view of the groups.
#ifndef HOPS_CMD_HSCOPE_SYNC_SYNC_HPP_
#define HOPS_CMD_HSCOPE_SYNC_SYNC_HPP_

#include <functional>
#include <string>
#include <vector>

#include "cmd/hscope-sync/definition.hpp"
#include "common/ec2.hpp"
#include "common/inventory.hpp"

namespace hops::scope_sync {

/// What one source found: its nodes (and, for static sources, its described scopes).
struct Found {
  std::vector<inv::Node> nodes;
  std::vector<inv::Scope> scopes;
};

/// The automatic scope of @p i below @p prefix: PREFIX/REGION/AZ/VPC/SUBNET (as far as known;
/// "" when @p prefix is "").
std::string AutomaticScope(const std::string& prefix, const aws::Instance& i);

/// The nodes of the instances @p instances of source @p src: instances in a state src keeps,
/// included and not excluded; ids from src.hostnames (the first value that is a valid node id not
/// taken by an instance of lower id; else the instance id), addresses from src.addresses (an
/// instance with none is left out, with a warning through @p warn). Sorted by id.
std::vector<inv::Node> InstanceNodes(const AwsSource& src, std::vector<aws::Instance> instances,
                                     const std::function<void(const std::string&)>& warn);

/// Merges the sources in order into one inventory: a node is the same as an earlier one when it
/// has the same id or the same cloud_id attribute; the earlier one keeps its id, name, address,
/// ssh and platform, scopes are united, and tags and attributes added where the earlier lacks
/// them. Then every rule gives its scope to the nodes it matches; nodes and their scopes are
/// sorted, described scopes sorted by path. Throws DefinitionError when two nodes of one id name
/// different instances.
inv::Inventory BuildInventory(const Definition& d, const std::vector<Found>& found);

/// The difference of one node between two inventories.
struct Change {
  std::string node;                         ///< node id
  bool added = false;
  bool removed = false;
  std::vector<std::string> scopes_added;    ///< moved into
  std::vector<std::string> scopes_removed;  ///< moved out of
  std::string state_before, state_after;    ///< the state attribute, when it changed
  std::vector<std::string> fields;          ///< other changes: "address", "tags", "attribute public_ip", ...
};

/// What changed from @p before to @p after, by node id.
std::vector<Change> Diff(const inv::Inventory& before, const inv::Inventory& after);

/// @p inventory as an Ansible YAML inventory: every scope a group named by its path, nested as
/// the scope tree (children), each node a host (ansible_host, ansible_port, ansible_user) listed
/// in the groups of its own scopes.
std::string AnsibleYaml(const inv::Inventory& inventory);

}  // namespace hops::scope_sync

#endif  // HOPS_CMD_HSCOPE_SYNC_SYNC_HPP_
