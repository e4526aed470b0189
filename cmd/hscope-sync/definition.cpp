#include "cmd/hscope-sync/definition.hpp"

#include <re2/re2.h>

#include <algorithm>

#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/yaml_doc.hpp"

namespace hops::scope_sync {

const std::vector<std::string> kTopKeys = {"version", "output", "sources", "scopes"};
const std::vector<std::string> kAwsKeys = {"type",      "name",      "regions",      "filters",     "include",
                                           "exclude",   "states",    "hostnames",    "addresses",   "roles",
                                           "external_id", "base_account", "scope_prefix", "ssh",         "attributes"};
const std::vector<std::string> kStaticKeys = {"type", "name", "files"};
const std::vector<std::string> kRuleKeys = {"scope", "match", "description"};
const std::vector<std::string> kMatchFields = {"name", "id", "platform", "state", "region", "az", "vpc", "subnet"};
const std::vector<std::string> kHostWords = {"instance_id", "private_ip", "public_ip", "private_dns", "public_dns"};

namespace {

const std::vector<std::string> kStates = {"pending", "running", "shutting-down", "terminated", "stopping", "stopped"};
const std::vector<std::string> kPlaceholderWords = {"platform", "id", "name"};
// A value template of @p owner at @p n, checked: its text.
std::string ValueTemplate(const YamlDoc& doc, const YAML::Node& n, const std::string& owner) {
  const std::string text = ScalarText(doc, n, owner);
  if (std::string e = CheckValueTemplate(text); !e.empty()) doc.Fail(n, e);
  return text;
}

std::vector<std::string> Strings(const YamlDoc& doc, const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(ScalarText(doc, item, what));
  } else {
    out.push_back(ScalarText(doc, n, what));
  }
  return out;
}

// The value of attribute-like field @p field of @p node; nullopt when it has none.
std::optional<std::string> FieldValue(const std::string& field, const inv::Node& node) {
  const auto find = [](const std::map<std::string, std::string>& m, const std::string& k) -> std::optional<std::string> {
    auto it = m.find(k);
    if (it == m.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
  if (StartsWith(field, "tag:")) return find(node.tags, field.substr(4));
  if (StartsWith(field, "attr:")) return find(node.attributes, field.substr(5));
  if (field == "id") return node.id;
  if (field == "name") return node.DisplayName();
  if (field == "platform") return node.platform.empty() ? std::nullopt : std::optional<std::string>(node.platform);
  return find(node.attributes, field);  // state, region, az, vpc, subnet
}

Match ParseMatch(const YamlDoc& doc, const YAML::Node& n, const std::string& owner) {
  Match m;
  m.loc = doc.Loc(n);
  if (!n.IsMap())
    doc.Fail(n, "a match of " + owner + " must be a mapping of conditions (tag:KEY, attr:KEY, name, ...), got " +
                    NodeTypeName(n));
  if (n.size() == 0) doc.Fail(n, "a match of " + owner + " must name at least one condition");
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string field = ScalarText(doc, it->first, "a condition");
    const bool keyed = (StartsWith(field, "tag:") && field.size() > 4) || (StartsWith(field, "attr:") && field.size() > 5);
    if (!keyed && std::find(kMatchFields.begin(), kMatchFields.end(), field) == kMatchFields.end()) {
      std::string hint = DidYouMean(field, kMatchFields);
      doc.Fail(it->first, "unknown condition " + Quote(field) + " in " + owner +
                              (hint.empty() ? "; use tag:KEY, attr:KEY, name, id, platform, state, region, az, vpc or subnet"
                                            : hint));
    }
    if (field == "name") {
      const std::string pattern = ScalarText(doc, it->second, "the name regex");
      auto re = std::make_shared<re2::RE2>(pattern, re2::RE2::Quiet);
      if (!re->ok()) doc.Fail(it->second, "invalid regex " + Quote(pattern) + ": " + re->error());
      m.name = re;
      continue;
    }
    std::vector<std::string> values = Strings(doc, it->second, "a value of " + Quote(field));
    if (values.empty()) doc.Fail(it->second, "condition " + Quote(field) + " needs at least one value");
    if (field == "state")
      for (const std::string& s : values)
        if (std::find(kStates.begin(), kStates.end(), s) == kStates.end())
          doc.Fail(it->second, "unknown state " + Quote(s) + DidYouMean(s, kStates));
    m.fields.emplace_back(field, std::move(values));
  }
  return m;
}

std::vector<Match> ParseMatches(const YamlDoc& doc, const YAML::Node& n, const std::string& owner) {
  std::vector<Match> out;
  if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(ParseMatch(doc, item, owner));
  } else {
    out.push_back(ParseMatch(doc, n, owner));
  }
  return out;
}

std::vector<std::string> ParseHostList(const YamlDoc& doc, const YAML::Node& n, const std::string& key) {
  std::vector<std::string> out = Strings(doc, n, "an entry of '" + key + "'");
  if (out.empty()) doc.Fail(n, Quote(key) + " must list at least one source of the value");
  for (const std::string& word : out)
    if (!(StartsWith(word, "tag:") && word.size() > 4) &&
        std::find(kHostWords.begin(), kHostWords.end(), word) == kHostWords.end())
      doc.Fail(n, "unknown entry " + Quote(word) + " in '" + key + "'" +
                      (DidYouMean(word, kHostWords).empty()
                           ? "; use tag:KEY, instance_id, private_ip, public_ip, private_dns or public_dns"
                           : DidYouMean(word, kHostWords)));
  return out;
}

std::string Dir(const std::string& file) {
  const size_t slash = file.rfind('/');
  return slash == std::string::npos ? "" : file.substr(0, slash + 1);
}

std::string Resolve(const std::string& dir, const std::string& path) {
  return path.empty() || path[0] == '/' ? path : dir + path;
}

Source ParseSource(const YamlDoc& doc, const YAML::Node& n, size_t index) {
  Source s;
  s.loc = doc.Loc(n);
  const std::string where = "source #" + std::to_string(index + 1);
  if (!n.IsMap()) doc.Fail(n, where + " must be a mapping with a 'type', got " + NodeTypeName(n));
  YAML::Node type = n["type"];
  if (!type) doc.Fail(n, where + " is missing required key 'type' (aws_ec2 or static)");
  s.type = ScalarText(doc, type, "the type");
  if (s.type != "aws_ec2" && s.type != "static")
    doc.Fail(type, "unknown source type " + Quote(s.type) + DidYouMean(s.type, {"aws_ec2", "static"}) +
                       (DidYouMean(s.type, {"aws_ec2", "static"}).empty() ? "; use aws_ec2 or static" : ""));
  MapReader m(doc, n, where, s.type == "aws_ec2" ? kAwsKeys : kStaticKeys);
  s.name = m.String("name").value_or(s.type + " #" + std::to_string(index + 1));
  const std::string what = "source " + Quote(s.name);
  if (s.type == "static") {
    YAML::Node files = m.Require("files");
    for (const std::string& f : Strings(doc, files, "a file")) s.fixed.files.push_back(Resolve(Dir(doc.filename()), f));
    if (s.fixed.files.empty()) doc.Fail(files, what + " lists no file");
    return s;
  }
  AwsSource& a = s.aws;
  if (m.Has("regions")) a.regions = Strings(doc, m.Get("regions"), "a region");
  if (m.Has("filters")) {
    YAML::Node f = m.Get("filters");
    if (!f.IsMap()) doc.Fail(f, "'filters' of " + what + " must be a mapping of EC2 filter names to values");
    for (auto it = f.begin(); it != f.end(); ++it)
      a.filters.push_back({ScalarText(doc, it->first, "a filter name"), Strings(doc, it->second, "a filter value")});
  }
  if (m.Has("include")) a.include = ParseMatches(doc, m.Get("include"), "'include' of " + what);
  if (m.Has("exclude")) a.exclude = ParseMatches(doc, m.Get("exclude"), "'exclude' of " + what);
  if (m.Has("states")) {
    a.states = Strings(doc, m.Get("states"), "a state");
    for (const std::string& st : a.states)
      if (std::find(kStates.begin(), kStates.end(), st) == kStates.end())
        doc.Fail(m.Get("states"), "unknown state " + Quote(st) + DidYouMean(st, kStates));
  } else {
    a.states = {"pending", "running", "shutting-down", "stopping", "stopped"};
  }
  a.hostnames = m.Has("hostnames") ? ParseHostList(doc, m.Get("hostnames"), "hostnames")
                                   : std::vector<std::string>{"tag:Name", "instance_id"};
  a.addresses = m.Has("addresses") ? ParseHostList(doc, m.Get("addresses"), "addresses")
                                   : std::vector<std::string>{"private_ip", "public_ip", "private_dns", "public_dns"};
  if (m.Has("roles")) {
    a.roles = Strings(doc, m.Get("roles"), "a role ARN");
    for (const std::string& r : a.roles)
      if (!StartsWith(r, "arn:") || r.find(":role/") == std::string::npos)
        doc.Fail(m.Get("roles"), "malformed role ARN " + Quote(r) + ": expected arn:aws:iam::ACCOUNT:role/NAME");
  }
  a.external_id = m.String("external_id").value_or("");
  a.base_account = m.Bool("base_account").value_or(true);
  if (!a.base_account && a.roles.empty())
    doc.Fail(m.Get("base_account"), what + " lists no account: 'base_account: false' needs 'roles'");
  if (auto prefix = m.String("scope_prefix")) {
    if (!prefix->empty() && !inv::IsValidScopePath(*prefix))
      doc.Fail(m.Get("scope_prefix"), "malformed scope path " + Quote(*prefix));
    a.scope_prefix = *prefix;
  }
  if (m.Has("ssh")) {
    MapReader ssh(doc, m.Get("ssh"), "'ssh' of " + what, {"user", "port"});
    a.ssh = true;
    if (ssh.Has("user")) {
      a.ssh_user = ValueTemplate(doc, ssh.Get("user"), "the ssh user");
      if (a.ssh_user.find("{{") == std::string::npos)
        if (std::string e = inv::CheckSshUser(a.ssh_user); !e.empty()) doc.Fail(ssh.Get("user"), e);
    }
    if (ssh.Has("port")) {
      a.ssh_port = ValueTemplate(doc, ssh.Get("port"), "the ssh port");
      if (a.ssh_port.find("{{") == std::string::npos) ssh.Int("port", 1, 65535);
    }
  }
  if (m.Has("attributes")) {
    YAML::Node attrs = m.Get("attributes");
    if (!attrs.IsMap()) doc.Fail(attrs, "'attributes' of " + what + " must be a mapping of names to values, got " + NodeTypeName(attrs));
    for (auto it = attrs.begin(); it != attrs.end(); ++it) {
      const std::string key = ScalarText(doc, it->first, "an attribute name");
      if (std::string e = inv::CheckMapKey(key, "attribute"); !e.empty()) doc.Fail(it->first, e);
      const std::vector<std::string>& from_instance = aws::InventoryAttributeNames();
      if (std::find(from_instance.begin(), from_instance.end(), key) != from_instance.end())
        doc.Fail(it->first, "attribute " + Quote(key) + " of " + what + " is set from the instance; give it another name");
      if (a.attributes.count(key)) doc.Fail(it->first, "duplicate attribute " + Quote(key) + " in " + what);
      a.attributes[key] = ValueTemplate(doc, it->second, "attribute " + Quote(key));
    }
  }
  return s;
}

}  // namespace

bool Matches(const Match& m, const inv::Node& node) {
  for (const auto& [field, values] : m.fields) {
    const std::optional<std::string> v = FieldValue(field, node);
    if (!v || std::find(values.begin(), values.end(), *v) == values.end()) return false;
  }
  return !m.name || re2::RE2::PartialMatch(node.DisplayName(), *m.name);
}

bool MatchesAny(const std::vector<Match>& any, const inv::Node& node) {
  return std::any_of(any.begin(), any.end(), [&](const Match& m) { return Matches(m, node); });
}

namespace {

// Replaces each {{...}} of @p tmpl with fill(name); nullopt when fill gives nullopt.
template <typename Fill>
std::optional<std::string> Substitute(const std::string& tmpl, std::string* err, Fill fill) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    const size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    const size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos) {
      if (err) *err = "unterminated placeholder in " + Quote(tmpl);
      return std::nullopt;
    }
    out += tmpl.substr(pos, open - pos);
    const std::string name{Trim(tmpl.substr(open + 2, close - open - 2))};
    const bool keyed = (StartsWith(name, "tag:") && name.size() > 4) || (StartsWith(name, "attr:") && name.size() > 5);
    if (!keyed && std::find(kPlaceholderWords.begin(), kPlaceholderWords.end(), name) == kPlaceholderWords.end()) {
      if (err)
        *err = "unknown placeholder " + Quote("{{" + name + "}}") +
               "; use {{tag:KEY}}, {{attr:KEY}}, {{platform}}, {{id}} or {{name}}";
      return std::nullopt;
    }
    std::optional<std::string> v = fill(name);
    if (!v) return std::nullopt;
    out += *v;
    pos = close + 2;
  }
  return out + tmpl.substr(pos);
}

}  // namespace

std::optional<std::string> ExpandValue(const std::string& tmpl, const inv::Node& node) {
  return Substitute(tmpl, nullptr, [&](const std::string& name) { return FieldValue(name, node); });
}

std::string CheckValueTemplate(const std::string& tmpl) {
  std::string err;
  Substitute(tmpl, &err, [](const std::string&) { return std::optional<std::string>("x"); });
  return err;
}

std::optional<std::string> ExpandScope(const std::string& tmpl, const inv::Node& node) {
  std::optional<std::string> path = Substitute(tmpl, nullptr, [&](const std::string& name) -> std::optional<std::string> {
    std::optional<std::string> v = FieldValue(name, node);
    if (!v || v->empty()) return std::nullopt;
    return inv::ScopeSegment(*v);
  });
  if (!path || !inv::IsValidScopePath(*path)) return std::nullopt;
  return path;
}

std::string CheckScopeTemplate(const std::string& tmpl) {
  std::string err;
  std::optional<std::string> path = Substitute(tmpl, &err, [](const std::string&) { return std::string("x"); });
  if (!path) return err;
  if (!inv::IsValidScopePath(*path))
    return "malformed scope " + Quote(tmpl) +
           ": use segments of letters, digits, '.', '_', '-' and placeholders separated by single '/'";
  return "";
}

Definition LoadDefinition(const YamlDoc& doc) {
  Definition d;
  d.file = doc.filename();
  const YAML::Node& root = doc.root();
  if (!root || root.IsNull()) doc.Fail(root, "the file is empty: expected 'sources'");
  MapReader top(doc, root, "the scopes definition", kTopKeys);
  top.Int("version", 1, 1);
  if (auto out = top.String("output")) d.output = Resolve(Dir(doc.filename()), *out);
  YAML::Node sources = top.Require("sources");
  if (!sources.IsSequence() || sources.size() == 0)
    doc.Fail(sources, "'sources' must be a list of sources (type aws_ec2 or static)");
  for (size_t i = 0; i < sources.size(); ++i) d.sources.push_back(ParseSource(doc, sources[i], i));
  if (top.Has("scopes")) {
    YAML::Node rules = top.Get("scopes");
    if (!rules.IsSequence()) doc.Fail(rules, "'scopes' must be a list of scope rules");
    for (const auto& r : rules) {
      MapReader m(doc, r, "a scope rule", kRuleKeys);
      ScopeRule rule;
      rule.loc = doc.Loc(r);
      rule.scope = ScalarText(doc, m.Require("scope"), "the scope");
      if (std::string e = CheckScopeTemplate(rule.scope); !e.empty()) doc.Fail(m.Get("scope"), e);
      if (m.Has("match")) rule.match = ParseMatches(doc, m.Get("match"), "scope " + Quote(rule.scope));
      rule.description = m.String("description").value_or("");
      d.rules.push_back(std::move(rule));
    }
  }
  return d;
}

}  // namespace hops::scope_sync
