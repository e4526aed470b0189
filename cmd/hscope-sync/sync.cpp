#include "cmd/hscope-sync/sync.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "common/text.hpp"

namespace hops::scope_sync {
namespace {

// The value @p word of a hostnames or addresses list for @p i ("" when it has none).
std::string HostValue(const std::string& word, const aws::Instance& i) {
  if (StartsWith(word, "tag:")) {
    auto it = i.tags.find(word.substr(4));
    return it == i.tags.end() ? "" : it->second;
  }
  if (word == "instance_id") return i.id;
  if (word == "private_ip") return i.private_ip;
  if (word == "public_ip") return i.public_ip;
  if (word == "private_dns") return i.private_dns;
  if (word == "public_dns") return i.public_dns;
  return "";
}

void AddUnique(std::vector<std::string>* list, const std::string& item) {
  if (std::find(list->begin(), list->end(), item) == list->end()) list->push_back(item);
}

// Adds the entries of @p from that @p to lacks.
void AddMissing(std::map<std::string, std::string>* to, const std::map<std::string, std::string>& from) {
  for (const auto& [k, v] : from) to->emplace(k, v);
}

std::vector<std::string> Minus(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const std::string& s : a)
    if (std::find(b.begin(), b.end(), s) == b.end()) out.push_back(s);
  return out;
}

std::string Attr(const inv::Node& n, const std::string& key) {
  auto it = n.attributes.find(key);
  return it == n.attributes.end() ? "" : it->second;
}

// Gives @p n the ssh mapping and the attributes of @p src, expanded for the node as synced; a
// value that is no ssh user or port is left out with a warning through @p warn.
void ApplySourceDefaults(const AwsSource& src, inv::Node* n, const std::function<void(const std::string&)>& warn) {
  const inv::Node synced = *n;
  const std::string who = "instance " + Quote(Attr(synced, aws::kCloudIdAttribute)) + " (" + synced.id + ")";
  for (const auto& [key, tmpl] : src.attributes)
    if (std::optional<std::string> v = ExpandValue(tmpl, synced); v && !v->empty()) n->attributes[key] = *v;
  if (!src.ssh) return;
  inv::SshInfo ssh;
  bool any = false;
  if (std::optional<std::string> user = ExpandValue(src.ssh_user, synced); user && !user->empty()) {
    if (std::string e = inv::CheckSshUser(*user); e.empty()) {
      ssh.user = *user;
      any = true;
    } else {
      warn(who + ": " + e + ": no ssh user set");
    }
  }
  if (std::optional<std::string> port = ExpandValue(src.ssh_port, synced); port && !port->empty()) {
    const bool digits = port->size() <= 5 && std::all_of(port->begin(), port->end(), [](char c) { return c >= '0' && c <= '9'; });
    const long value = digits ? std::stol(*port) : 0;
    if (value >= 1 && value <= 65535) {
      ssh.port = static_cast<int>(value);
      any = true;
    } else {
      warn(who + ": ssh port " + Quote(*port) + " is not a number from 1 to 65535: port 22 is used");
    }
  }
  if (any) n->ssh = ssh;
}

}  // namespace

std::string AutomaticScope(const std::string& prefix, const aws::Instance& i) {
  if (prefix.empty() || i.region.empty()) return "";
  std::string path = prefix + "/" + inv::ScopeSegment(i.region);
  for (const std::string* part : {&i.az, &i.vpc_id, &i.subnet_id}) {
    if (part->empty()) break;
    path += "/" + inv::ScopeSegment(*part);
  }
  return path;
}

std::vector<inv::Node> InstanceNodes(const AwsSource& src, std::vector<aws::Instance> instances,
                                     const std::function<void(const std::string&)>& warn) {
  std::sort(instances.begin(), instances.end(), [](const aws::Instance& a, const aws::Instance& b) { return a.id < b.id; });
  std::vector<inv::Node> out;
  std::set<std::string> taken;
  for (const aws::Instance& i : instances) {
    if (std::find(src.states.begin(), src.states.end(), i.state) == src.states.end()) continue;
    inv::Node n;
    n.id = i.id;
    n.name = i.Name();
    n.platform = i.platform;
    n.tags = i.tags;
    n.attributes = aws::InventoryAttributes(i);
    if (!src.include.empty() && !MatchesAny(src.include, n)) continue;
    if (MatchesAny(src.exclude, n)) continue;
    for (const std::string& word : src.addresses) {
      n.address = HostValue(word, i);
      if (!n.address.empty()) break;
    }
    if (n.address.empty()) {
      warn("instance " + Quote(i.id) + " in " + Quote(i.region) + " has no address of the 'addresses' list: left out");
      continue;
    }
    std::string id = i.id;
    for (const std::string& word : src.hostnames) {
      const std::string v = HostValue(word, i);
      if (inv::IsValidNodeId(v) && !taken.count(v)) {
        id = v;
        break;
      }
    }
    taken.insert(id);
    n.id = id;
    if (n.name == n.id) n.name.clear();
    if (std::string scope = AutomaticScope(src.scope_prefix, i); !scope.empty()) n.scopes.push_back(scope);
    ApplySourceDefaults(src, &n, warn);
    out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end(), [](const inv::Node& a, const inv::Node& b) { return a.id < b.id; });
  return out;
}

inv::Inventory BuildInventory(const Definition& d, const std::vector<Found>& found) {
  std::vector<inv::Node> nodes;
  std::map<std::string, size_t> by_id, by_cloud;
  std::map<std::string, inv::Scope> described;
  for (const Found& f : found) {
    for (const inv::Scope& s : f.scopes) described.emplace(s.path, s);
    for (const inv::Node& n : f.nodes) {
      const std::string cloud = Attr(n, aws::kCloudIdAttribute);
      size_t at;
      if (auto it = by_id.find(n.id); it != by_id.end()) {
        at = it->second;
      } else if (auto jt = cloud.empty() ? by_cloud.end() : by_cloud.find(cloud); jt != by_cloud.end()) {
        at = jt->second;
      } else {
        by_id[n.id] = nodes.size();
        if (!cloud.empty()) by_cloud[cloud] = nodes.size();
        nodes.push_back(n);
        continue;
      }
      inv::Node& first = nodes[at];
      const std::string first_cloud = Attr(first, aws::kCloudIdAttribute);
      if (!cloud.empty() && !first_cloud.empty() && cloud != first_cloud)
        throw DefinitionError(n.loc, "node " + Quote(n.id) + " names two instances, " + Quote(first_cloud) + " and " +
                                         Quote(cloud) + ": give one a different id or hostnames list");
      for (const std::string& s : n.scopes) AddUnique(&first.scopes, s);
      AddMissing(&first.tags, n.tags);
      AddMissing(&first.attributes, n.attributes);
      if (first.platform.empty()) first.platform = n.platform;
      if (!first.ssh) first.ssh = n.ssh;
      if (!cloud.empty()) by_cloud.emplace(cloud, at);
    }
  }
  for (inv::Node& n : nodes) {
    for (const ScopeRule& rule : d.rules) {
      if (!rule.match.empty() && !MatchesAny(rule.match, n)) continue;
      if (std::optional<std::string> path = ExpandScope(rule.scope, n)) AddUnique(&n.scopes, *path);
    }
    std::sort(n.scopes.begin(), n.scopes.end());
    n.loc = {};
  }
  for (const ScopeRule& rule : d.rules)
    if (!rule.description.empty() && rule.scope.find("{{") == std::string::npos)
      described[rule.scope] = {rule.scope, rule.description};
  std::sort(nodes.begin(), nodes.end(), [](const inv::Node& a, const inv::Node& b) { return a.id < b.id; });
  inv::Inventory out;
  for (inv::Node& n : nodes) out.AddNode(std::move(n));
  for (auto& [path, s] : described) out.SetScope(s);
  return out;
}

std::vector<Change> Diff(const inv::Inventory& before, const inv::Inventory& after) {
  std::map<std::string, Change> changes;
  for (const inv::Node& n : before.nodes())
    if (!after.FindNode(n.id)) changes[n.id] = Change{n.id, false, true, {}, {}, {}, {}, {}};
  for (const inv::Node& n : after.nodes()) {
    const inv::Node* old = before.FindNode(n.id);
    if (!old) {
      changes[n.id] = Change{n.id, true, false, {}, {}, {}, {}, {}};
      continue;
    }
    Change c;
    c.node = n.id;
    c.scopes_added = Minus(n.scopes, old->scopes);
    c.scopes_removed = Minus(old->scopes, n.scopes);
    if (Attr(*old, "state") != Attr(n, "state")) {
      c.state_before = Attr(*old, "state");
      c.state_after = Attr(n, "state");
    }
    if (old->name != n.name) c.fields.push_back("name");
    if (old->address != n.address) c.fields.push_back("address");
    if (old->platform != n.platform) c.fields.push_back("platform");
    if (!(old->ssh == n.ssh)) c.fields.push_back("ssh");
    if (old->tags != n.tags) c.fields.push_back("tags");
    std::set<std::string> keys;
    for (const auto& [k, v] : old->attributes) keys.insert(k);
    for (const auto& [k, v] : n.attributes) keys.insert(k);
    for (const std::string& k : keys)
      if (k != "state" && Attr(*old, k) != Attr(n, k)) c.fields.push_back("attribute " + k);
    if (!c.scopes_added.empty() || !c.scopes_removed.empty() || !c.state_before.empty() || !c.state_after.empty() ||
        !c.fields.empty())
      changes[n.id] = std::move(c);
  }
  std::vector<Change> out;
  for (auto& [id, c] : changes) out.push_back(std::move(c));
  return out;
}

std::string AnsibleYaml(const inv::Inventory& inventory) {
  using inv::YamlScalar;
  std::string out = "# Ansible inventory written by hscope-sync: groups are hops scope paths.\nall:\n";
  out += inventory.nodes().empty() ? "  hosts: {}\n" : "  hosts:\n";
  for (const inv::Node& n : inventory.nodes()) {
    out += "    " + YamlScalar(n.id) + ":\n";
    out += "      ansible_host: " + YamlScalar(n.address) + "\n";
    if (n.ssh) {
      out += "      ansible_port: " + std::to_string(n.ssh->port) + "\n";
      if (!n.ssh->user.empty()) out += "      ansible_user: " + YamlScalar(n.ssh->user) + "\n";
    }
  }
  const std::vector<std::string> paths = inventory.ScopePaths();
  std::map<std::string, std::vector<std::string>> children, hosts;
  std::vector<std::string> roots;
  for (const std::string& p : paths) {
    const size_t slash = p.rfind('/');
    if (slash == std::string::npos) {
      roots.push_back(p);
    } else {
      children[p.substr(0, slash)].push_back(p);
    }
  }
  for (const inv::Node& n : inventory.nodes())
    for (const std::string& s : n.scopes) hosts[s].push_back(n.id);
  std::function<void(const std::string&, int)> group = [&](const std::string& path, int indent) {
    const std::string pad(static_cast<size_t>(indent), ' ');
    out += pad + YamlScalar(path) + ":";
    const auto& kids = children[path];
    const auto& own = hosts[path];
    if (kids.empty() && own.empty()) {
      out += " {}\n";
      return;
    }
    out += "\n";
    if (!own.empty()) {
      out += pad + "  hosts:\n";
      for (const std::string& h : own) out += pad + "    " + YamlScalar(h) + ": {}\n";
    }
    if (!kids.empty()) {
      out += pad + "  children:\n";
      for (const std::string& k : kids) group(k, indent + 4);
    }
  };
  if (!roots.empty()) {
    out += "  children:\n";
    for (const std::string& r : roots) group(r, 4);
  }
  return out;
}

}  // namespace hops::scope_sync
