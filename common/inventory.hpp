// The node inventory shared by every tool with --scope: hosts, how to reach them, and the scope
// tree they belong to. Written by hand or by hscope-sync; the format is hops-inventory(5).
#ifndef HOPS_COMMON_INVENTORY_HPP_
#define HOPS_COMMON_INVENTORY_HPP_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace hops {
class YamlDoc;
}  // namespace hops

namespace hops::inv {

/// Keys accepted at the top level of an inventory file.
extern const std::vector<std::string> kInventoryKeys;
/// Keys accepted in a node.
extern const std::vector<std::string> kNodeKeys;
/// Keys accepted in a node's `ssh` mapping.
extern const std::vector<std::string> kSshKeys;
/// Keys accepted in an entry of the top-level `scopes` mapping.
extern const std::vector<std::string> kScopeKeys;

/// How to log in to a node with ssh.
struct SshInfo {
  std::string user;  ///< login name; "" leaves it to ssh (its config or the local user)
  int port = 22;     ///< TCP port, 1..65535
};

/// One host of the inventory.
struct Node {
  std::string id;        ///< unique key, [A-Za-z0-9._-]+
  std::string name;      ///< display name; "" means the id (see DisplayName())
  std::string address;   ///< host name or IP address
  std::string platform;  ///< free-form ("linux", "windows", ...); "" when unknown
  std::optional<SshInfo> ssh;                      ///< set when the file has an `ssh` mapping
  std::vector<std::string> scopes;                 ///< scope paths named by the node, in file order
  std::map<std::string, std::string> tags;         ///< selectable with tag:KEY=VALUE
  std::map<std::string, std::string> attributes;   ///< free-form data for templates
  SourceLoc loc;                                   ///< where the node's id is defined

  /// The display name: name when set, else id.
  const std::string& DisplayName() const { return name.empty() ? id : name; }
};

/// A described scope from the file's `scopes` mapping.
struct Scope {
  std::string path;         ///< '/'-separated segments (IsValidScopePath)
  std::string description;  ///< "" when none
};

/// True when both have the same user and port.
bool operator==(const SshInfo& a, const SshInfo& b);
/// True when the contents are equal; loc is not compared.
bool operator==(const Node& a, const Node& b);
/// True when path and description are equal.
bool operator==(const Scope& a, const Scope& b);

/// @p s as a YAML scalar: plain when that reads back as the same string in every YAML reader
/// (1.1 and 1.2), else double-quoted with escapes.
std::string YamlScalar(const std::string& s);

/// "" when @p key can name a tag or attribute (and be written in tag:KEY=VALUE and {{...}}), else
/// why not; @p what ("tag", "attribute") names it in the message.
std::string CheckMapKey(const std::string& key, const std::string& what);
/// "" when @p user is a plausible ssh login name (not empty; no blank, control byte, '@' or ':'),
/// else why not.
std::string CheckSshUser(const std::string& user);

/// True when @p id is a valid node id: [A-Za-z0-9._-]+, but not "." or "..".
bool IsValidNodeId(const std::string& id);
/// True when @p path is a valid scope path: segments of [A-Za-z0-9._-] and %XX escapes (two
/// upper-case hex digits), but not "." or "..", joined by single '/'.
bool IsValidScopePath(const std::string& path);

/// The scope segment naming @p value (the one naming rule of generated scopes): letters, digits,
/// '.', '_' and '-' stay as they are; every other byte (blank, '/', ':', '%', UTF-8 bytes...)
/// becomes %XX, its upper-case hex code, as in URLs: "web server" -> "web%20server",
/// "a/b" -> "a%2Fb". A value of "." or ".." becomes "%2E" or "%2E%2E"; "" stays "".
std::string ScopeSegment(const std::string& value);

/// A loaded (or built) inventory of nodes and scopes.
class Inventory {
 public:
  /// Reads and checks the inventory file @p path; throws DefinitionError.
  static Inventory Load(const std::string& path);
  /// Parses inventory text named @p filename in messages; throws DefinitionError (the first
  /// error, with a count of the others).
  static Inventory Parse(const std::string& yaml, const std::string& filename);

  /// Every node, in file (or insertion) order.
  const std::vector<Node>& nodes() const { return nodes_; }
  /// The described scopes of the `scopes` mapping, in file (or insertion) order.
  const std::vector<Scope>& scopes() const { return scopes_; }
  /// The `generated_by` value ("" when absent).
  const std::string& generated_by() const { return generated_by_; }
  /// The `generated_at` value ("" when absent).
  const std::string& generated_at() const { return generated_at_; }
  /// The file name the inventory was parsed from ("" when built in memory).
  const std::string& source() const { return source_; }

  /// Sets `generated_by` ("" omits it from ToYaml()).
  void set_generated_by(std::string s) { generated_by_ = std::move(s); }
  /// Sets `generated_at`, an RFC 3339 timestamp by convention ("" omits it).
  void set_generated_at(std::string s) { generated_at_ = std::move(s); }

  /// The node with id @p id, or nullptr.
  const Node* FindNode(const std::string& id) const;
  /// The described scope @p path, or nullptr when the `scopes` mapping does not list it.
  const Scope* FindScope(const std::string& path) const;
  /// Every scope: named by a node, described, or a parent of one of those; sorted.
  std::vector<std::string> ScopePaths() const;

  /// Nodes selected by scope patterns and node ids (the union of what each selects), in inventory
  /// order without duplicates; both empty selects every node.
  /// A pattern is an exact path (its subtree), a glob where * matches within one segment and a
  /// whole ** segment matches any number of segments (the subtrees of every matching scope),
  /// tag:KEY=VALUE, or tag:KEY (nodes having that tag). Throws UsageError, with a suggestion,
  /// for an unknown scope, node id or tag, a glob matching no scope, or a malformed pattern.
  std::vector<const Node*> Select(const std::vector<std::string>& scopes,
                                  const std::vector<std::string>& node_ids) const;

  /// The inventory in its file format, in a stable order: nodes and described scopes in
  /// inventory order, tags and attributes sorted by key.
  std::string ToYaml() const;
  /// Replaces @p path with @p content atomically (temp file in the same directory, fsync,
  /// rename), mode 0644; a symlink is followed to its target. Throws RuntimeError.
  static void WriteFileAtomic(const std::string& path, const std::string& content);

  /// Checks and appends @p n; throws DefinitionError (at n.loc) on a duplicate or invalid node.
  /// The reference stays valid until the next AddNode().
  Node& AddNode(Node n);
  /// Adds the description of scope @p s, or replaces it when the path is already described;
  /// throws DefinitionError on an invalid path.
  void SetScope(Scope s);

  /// True when the contents are equal; source() is not compared.
  friend bool operator==(const Inventory& a, const Inventory& b);

 private:
  static Inventory FromDoc(const YamlDoc& doc);
  std::vector<Node> nodes_;
  std::map<std::string, size_t> index_;  // node id -> position in nodes_
  std::vector<Scope> scopes_;
  std::string generated_by_;
  std::string generated_at_;
  std::string source_;
};

/// Expands {{node.id}}, {{node.name}}, {{node.address}}, {{node.ssh.user}}, {{node.ssh.port}},
/// {{node.tags.KEY}} and {{node.attributes.KEY}} in @p tmpl for @p node (spaces inside the braces
/// are allowed). On an unknown or unterminated placeholder, or a tag, attribute or ssh user the
/// node lacks, returns nullopt and sets *@p err to a message naming the placeholder.
std::optional<std::string> ExpandNodeTemplate(const std::string& tmpl, const Node& node,
                                              std::string* err);

/// Checks the placeholders of @p tmpl without a node (for load-time validation): false, with
/// *@p err set, on an unknown or unterminated placeholder.
bool CheckNodeTemplate(const std::string& tmpl, std::string* err);

/// The default inventory path: $HOPS_INVENTORY if set and not empty, else
/// <$XDG_CONFIG_HOME or ~/.config>/hops/inventory.yaml if it exists, else /etc/hops/inventory.yaml.
std::string DefaultInventoryPath();

}  // namespace hops::inv

#endif  // HOPS_COMMON_INVENTORY_HPP_
