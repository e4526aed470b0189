// The scopes definition hscope-sync reads (hscope-sync(1), FORMAT): where nodes come from
// (aws_ec2 and static sources) and which scopes they get (automatic ones by region, zone, VPC and
// subnet; rule scopes from tags and attributes; keyed scopes such as env/{{tag:Env}}).
#ifndef HOPS_CMD_HSCOPE_SYNC_DEFINITION_HPP_
#define HOPS_CMD_HSCOPE_SYNC_DEFINITION_HPP_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/ec2.hpp"
#include "common/error.hpp"
#include "common/inventory.hpp"

namespace re2 {
class RE2;
}  // namespace re2

namespace hops {
class YamlDoc;
}  // namespace hops

namespace hops::scope_sync {

/// Keys of the top level of a scopes definition.
extern const std::vector<std::string> kTopKeys;
/// Keys of an aws_ec2 source.
extern const std::vector<std::string> kAwsKeys;
/// Keys of a static source.
extern const std::vector<std::string> kStaticKeys;
/// Keys of a scope rule.
extern const std::vector<std::string> kRuleKeys;
/// Fields a match condition may name besides tag:KEY and attr:KEY.
extern const std::vector<std::string> kMatchFields;
/// Words of a hostnames or addresses preference list besides tag:KEY.
extern const std::vector<std::string> kHostWords;

/// One condition set: every condition must hold.
struct Match {
  /// field -> accepted values (any of them): "tag:Env", "attr:instance_type", "platform",
  /// "state", "region", "az", "vpc", "subnet", "id".
  std::vector<std::pair<std::string, std::vector<std::string>>> fields;
  std::shared_ptr<const re2::RE2> name;  ///< `name:` regex searched in the node's display name, or null
  SourceLoc loc;
};

/// True when @p node passes every condition of @p m.
bool Matches(const Match& m, const inv::Node& node);
/// True when @p node passes any of @p any (false when empty).
bool MatchesAny(const std::vector<Match>& any, const inv::Node& node);

/// An aws_ec2 source: the instances of some regions and accounts.
struct AwsSource {
  std::vector<std::string> regions;      ///< none: the configured region
  std::vector<aws::Filter> filters;      ///< EC2 filters, applied by EC2
  std::vector<Match> include;            ///< none: every instance
  std::vector<Match> exclude;            ///< wins over include
  std::vector<std::string> states;       ///< states kept; default every state but terminated
  std::vector<std::string> hostnames;    ///< preference list of the node id
  std::vector<std::string> addresses;    ///< preference list of the node address
  std::vector<std::string> roles;        ///< role ARNs assumed for more accounts
  std::string external_id;               ///< sent with every AssumeRole ("" none)
  bool base_account = true;              ///< also list the base credentials' own account
  std::string scope_prefix = "aws";      ///< automatic scopes below this path ("" none)
  /// `ssh:` given: each node gets an ssh mapping from ssh_user and ssh_port (templates as in scope
  /// rules, ExpandValue; "" not given).
  bool ssh = false;
  std::string ssh_user;
  std::string ssh_port;
  /// `attributes:` attribute name -> template (ExpandValue), added to each node of the source.
  std::map<std::string, std::string> attributes;
};

/// A static source: hops inventory files whose nodes and described scopes are taken as they are.
struct StaticSource {
  std::vector<std::string> files;  ///< relative to the definition file's directory
};

/// One source, aws_ec2 or static.
struct Source {
  std::string type;  ///< "aws_ec2" or "static"
  std::string name;  ///< for messages: `name:`, else "TYPE #N"
  AwsSource aws;
  StaticSource fixed;
  SourceLoc loc;
};

/// A scope rule: nodes matching `match:` (every node without one) get the scope `scope:`, whose
/// {{tag:KEY}}, {{attr:KEY}}, {{platform}}, {{id}} and {{name}} are replaced by the node's value
/// as one segment (inv::ScopeSegment); a node without that value gets no scope from the rule.
struct ScopeRule {
  std::string scope;        ///< template
  std::vector<Match> match; ///< any of them; empty matches every node
  std::string description;  ///< described in the inventory when the scope has no placeholder
  SourceLoc loc;
};

/// A loaded scopes definition.
struct Definition {
  std::string file;    ///< where it was read from
  std::string output;  ///< `output:` made absolute against the file's directory ("" none)
  std::vector<Source> sources;
  std::vector<ScopeRule> rules;
};

/// Parses a definition; relative paths are taken from the directory of doc.filename().
/// Throws DefinitionError (file:line:column).
Definition LoadDefinition(const YamlDoc& doc);

/// Expands the scope template @p tmpl for @p node; nullopt when the node lacks a value it names
/// (or a value makes an empty segment).
std::optional<std::string> ExpandScope(const std::string& tmpl, const inv::Node& node);

/// Checks @p tmpl at load time: "" when valid, else the reason.
std::string CheckScopeTemplate(const std::string& tmpl);

/// Expands the value template @p tmpl (an ssh user or port, an attribute) for @p node with the
/// placeholders of scope rules, values as they are; nullopt when the node lacks a value it names.
std::optional<std::string> ExpandValue(const std::string& tmpl, const inv::Node& node);

/// Checks the value template @p tmpl at load time: "" when valid, else the reason.
std::string CheckValueTemplate(const std::string& tmpl);

}  // namespace hops::scope_sync

#endif  // HOPS_CMD_HSCOPE_SYNC_DEFINITION_HPP_
