#include "common/inventory.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>

#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/yaml_doc.hpp"
#include "common/settings.hpp"

namespace hops::inv {

const std::vector<std::string> kInventoryKeys = {"version", "generated_by", "generated_at", "nodes",
                                                 "scopes"};
const std::vector<std::string> kNodeKeys = {"name",   "address", "ssh",       "platform",
                                            "scopes", "tags",    "attributes"};
const std::vector<std::string> kSshKeys = {"user", "port"};
const std::vector<std::string> kScopeKeys = {"description"};

std::string CheckMapKey(const std::string& key, const std::string& what) {
  if (key.empty()) return what + " names must not be empty";
  for (char c : key)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '=' || c == '{' || c == '}')
      return "malformed " + what + " name '" + key + "': it must not contain '=', '{', '}' or control characters";
  if (key.front() == ' ' || key.back() == ' ')
    return "malformed " + what + " name '" + key + "': it must not start or end with a space";
  return "";
}

std::string CheckSshUser(const std::string& user) {
  if (user.empty()) return "'user' must not be empty (leave it out to use ssh's default)";
  for (char c : user)
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f || c == '@' || c == ':')
      return "malformed ssh user '" + user + "': it must not contain spaces, '@' or ':'";
  return "";
}

namespace {

// Lines longer than this switch a mapping or list from flow style to block style in ToYaml().
constexpr size_t kFlowWidth = 100;

const char* const kIdRule = "use letters, digits, '.', '_' and '-'";
const char* const kPathRule =
    "use segments of letters, digits, '.', '_', '-' and %XX escapes separated by single '/'";

bool IsIdChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

bool IsUpperHex(char c) { return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'A' && c <= 'F'); }

// True when @p seg[i] starts a %XX escape (two upper-case hex digits).
bool IsEscapeAt(const std::string& seg, size_t i) {
  return seg[i] == '%' && i + 2 < seg.size() && IsUpperHex(seg[i + 1]) && IsUpperHex(seg[i + 2]);
}

// A scope segment: letters, digits, '.', '_', '-' and %XX escapes, but not "." or "..".
bool IsValidSegment(const std::string& seg, bool glob) {
  if (seg.empty() || seg == "." || seg == "..") return false;
  for (size_t i = 0; i < seg.size(); ++i) {
    if (IsIdChar(seg[i]) || (glob && seg[i] == '*')) continue;
    if (!IsEscapeAt(seg, i)) return false;
    i += 2;
  }
  return true;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

// "" when @p address is a host name or an IP address, else the reason it is not.
std::string CheckAddress(const std::string& address) {
  const std::string bad = "'address' must be a host name or an IP address, got '" + address + "'";
  if (address.empty()) return "'address' must not be empty";
  unsigned char buf[sizeof(in6_addr)];
  if (inet_pton(AF_INET, address.c_str(), buf) == 1 || inet_pton(AF_INET6, address.c_str(), buf) == 1)
    return "";
  bool digits_and_dots = true;
  for (char c : address) {
    if (!IsIdChar(c)) return bad;
    digits_and_dots = digits_and_dots && (c == '.' || std::isdigit(static_cast<unsigned char>(c)));
  }
  if (digits_and_dots) return bad;  // a malformed IPv4 address such as 127.0.0.300
  if (address.front() == '.' || address.front() == '-' || address.find("..") != std::string::npos)
    return bad;
  return "";
}

// Every check of a node that does not need its source text; "" when it is valid.
std::string CheckNode(const Node& n) {
  if (!IsValidNodeId(n.id)) return "malformed node id '" + n.id + "': " + kIdRule;
  const std::string what = "node '" + n.id + "'";
  if (std::string e = CheckAddress(n.address); !e.empty()) return e + " in " + what;
  if (n.ssh) {
    if (n.ssh->port < 1 || n.ssh->port > 65535)
      return "'port' must be between 1 and 65535, got " + std::to_string(n.ssh->port) + " in " + what;
    if (!n.ssh->user.empty())
      if (std::string e = CheckSshUser(n.ssh->user); !e.empty()) return e + " in " + what;
  }
  std::set<std::string> seen;
  for (const auto& s : n.scopes) {
    if (!IsValidScopePath(s)) return "malformed scope path '" + s + "' in " + what + ": " + kPathRule;
    if (!seen.insert(s).second) return what + " lists scope '" + s + "' twice";
  }
  for (const auto& [k, v] : n.tags)
    if (std::string e = CheckMapKey(k, "tag"); !e.empty()) return e + " in " + what;
  for (const auto& [k, v] : n.attributes)
    if (std::string e = CheckMapKey(k, "attribute"); !e.empty()) return e + " in " + what;
  return "";
}

// Items of a node that may be a scalar or a list of scalars.
std::vector<YAML::Node> Items(const YAML::Node& n) {
  std::vector<YAML::Node> out;
  if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(item);
  } else {
    out.push_back(n);
  }
  return out;
}

// A mapping of names to scalar values (tags, attributes).
std::map<std::string, std::string> ParseStringMap(const YamlDoc& doc, const YAML::Node& n,
                                                  const std::string& key, const std::string& item,
                                                  const std::string& owner) {
  std::map<std::string, std::string> out;
  if (!n.IsMap())
    doc.Fail(n, "'" + key + "' of " + owner + " must be a mapping of names to values, got " +
                    NodeTypeName(n));
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string k = ScalarText(doc, it->first, "a " + item + " name");
    if (std::string e = CheckMapKey(k, item); !e.empty()) doc.Fail(it->first, e);
    if (out.count(k)) doc.Fail(it->first, "duplicate " + item + " '" + k + "' in " + owner);
    out[k] = ScalarText(doc, it->second, item + " '" + k + "' of " + owner);
  }
  return out;
}

Node ParseNode(const YamlDoc& doc, const YAML::Node& key, const YAML::Node& value,
               const Inventory& inv) {
  Node n;
  n.id = ScalarText(doc, key, "a node id");
  n.loc = doc.Loc(key);
  if (!IsValidNodeId(n.id)) doc.Fail(key, "malformed node id '" + n.id + "': " + kIdRule);
  if (const Node* first = inv.FindNode(n.id))
    doc.Fail(key, "node '" + n.id + "' is defined twice (first at " + first->loc.Str() + ")");
  const std::string what = "node '" + n.id + "'";
  if (!value || value.IsNull()) doc.Fail(key, what + " is missing required key 'address'");
  MapReader m(doc, value, what, kNodeKeys);
  if (!m.Has("address")) doc.Fail(key, what + " is missing required key 'address'");
  n.address = *m.String("address");
  if (std::string e = CheckAddress(n.address); !e.empty()) doc.Fail(m.Get("address"), e);
  if (auto name = m.String("name")) {
    if (name->empty()) doc.Fail(m.Get("name"), "'name' must not be empty (leave it out to use the id)");
    n.name = *name;
  }
  if (auto platform = m.String("platform")) {
    if (platform->empty()) doc.Fail(m.Get("platform"), "'platform' must not be empty");
    n.platform = *platform;
  }
  if (m.Has("ssh")) {
    MapReader s(doc, m.Get("ssh"), "'ssh' of " + what, kSshKeys);
    SshInfo ssh;
    if (auto user = s.String("user")) {
      if (std::string e = CheckSshUser(*user); !e.empty()) doc.Fail(s.Get("user"), e);
      ssh.user = *user;
    }
    ssh.port = static_cast<int>(s.Int("port", 1, 65535).value_or(22));
    n.ssh = ssh;
  }
  if (m.Has("scopes")) {
    for (const YAML::Node& item : Items(m.Get("scopes"))) {
      std::string path = ScalarText(doc, item, "a scope of " + what);
      if (!IsValidScopePath(path))
        doc.Fail(item, "malformed scope path '" + path + "': " + kPathRule);
      if (std::find(n.scopes.begin(), n.scopes.end(), path) != n.scopes.end())
        doc.Fail(item, what + " lists scope '" + path + "' twice");
      n.scopes.push_back(path);
    }
  }
  if (m.Has("tags")) n.tags = ParseStringMap(doc, m.Get("tags"), "tags", "tag", what);
  if (m.Has("attributes"))
    n.attributes = ParseStringMap(doc, m.Get("attributes"), "attributes", "attribute", what);
  return n;
}

Scope ParseScope(const YamlDoc& doc, const YAML::Node& key, const YAML::Node& value,
                 const Inventory& inv) {
  Scope s;
  s.path = ScalarText(doc, key, "a scope path");
  if (!IsValidScopePath(s.path)) doc.Fail(key, "malformed scope path '" + s.path + "': " + kPathRule);
  if (inv.FindScope(s.path)) doc.Fail(key, "scope '" + s.path + "' is described twice");
  if (!value || value.IsNull()) return s;
  MapReader m(doc, value, "scope '" + s.path + "'", kScopeKeys);
  s.description = m.String("description").value_or("");
  return s;
}

// ---- writing ----

bool LooksSpecial(const std::string& s) {
  static const std::set<std::string> kReserved = {
      "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "-.inf", "+.inf", ".nan"};
  if (kReserved.count(Lower(s))) return true;
  // Numbers (YAML 1.1 and 1.2) and dates, which other YAML readers would not take as strings.
  auto digits = [&](size_t* i, const char* set) {
    size_t start = *i;
    while (*i < s.size() && (std::strchr(set, s[*i]) != nullptr)) ++*i;
    return *i > start;
  };
  const char* const dec = "0123456789_";
  size_t i = 0;
  if (s.size() > 2 && s[0] == '0' && std::strchr("xob", s[1]) != nullptr) {
    i = 2;
    const char* set = s[1] == 'x' ? "0123456789abcdefABCDEF_" : s[1] == 'o' ? "01234567_" : "01_";
    return digits(&i, set) && i == s.size();
  }
  if (s.size() >= 8 && std::isdigit(static_cast<unsigned char>(s[0])) && s.find('-') == 4) {
    i = 0;
    if (digits(&i, "0123456789") && i == 4) return true;  // 2026-05-06, 2026-05-06T10:00:00Z
  }
  i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool mantissa = digits(&i, dec);
  if (i < s.size() && s[i] == '.') {
    ++i;
    mantissa = digits(&i, dec) || mantissa;
  }
  if (!mantissa) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits(&i, "0123456789")) return false;
  }
  return i == s.size();
}

}  // namespace

std::string YamlScalar(const std::string& s) {
  bool plain = !s.empty() && s.front() != ' ' && s.back() != ' ' && s.front() != '-' &&
               s.front() != '.' && !LooksSpecial(s);
  for (char c : s)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) ||
                      std::strchr("._/-+() ", c) != nullptr || static_cast<unsigned char>(c) >= 0x80);
  if (plain) return s;
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

namespace {

// "key: {a: b, c: d}" when it fits, else "key:" and one line per entry; @p indent is the key's.
void WriteMap(std::string* out, int indent, const std::string& key,
              const std::vector<std::pair<std::string, std::string>>& entries) {
  const std::string pad(indent, ' ');
  std::string flow = pad + key + ": {";
  for (size_t i = 0; i < entries.size(); ++i)
    flow += (i ? ", " : "") + YamlScalar(entries[i].first) + ": " + entries[i].second;
  flow += "}";
  if (flow.size() <= kFlowWidth || entries.empty()) {
    *out += flow + "\n";
    return;
  }
  *out += pad + key + ":\n";
  for (const auto& [k, v] : entries) *out += pad + "  " + YamlScalar(k) + ": " + v + "\n";
}

void WriteList(std::string* out, int indent, const std::string& key,
               const std::vector<std::string>& items) {
  const std::string pad(indent, ' ');
  std::string flow = pad + key + ": [";
  for (size_t i = 0; i < items.size(); ++i) flow += (i ? ", " : "") + YamlScalar(items[i]);
  flow += "]";
  if (flow.size() <= kFlowWidth) {
    *out += flow + "\n";
    return;
  }
  *out += pad + key + ":\n";
  for (const auto& item : items) *out += pad + "  - " + YamlScalar(item) + "\n";
}

std::vector<std::pair<std::string, std::string>> QuotedEntries(
    const std::map<std::string, std::string>& m) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : m) out.emplace_back(k, YamlScalar(v));
  return out;
}

// ---- selection ----

// Wildcard match of one segment, where '*' matches any run of characters.
bool SegmentMatch(const std::string& pat, const std::string& s) {
  size_t p = 0, i = 0, star = std::string::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (p < pat.size() && pat[p] == s[i]) {
      ++p;
      ++i;
    } else if (star != std::string::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

bool GlobMatch(const std::vector<std::string>& pat, size_t i, const std::vector<std::string>& segs,
               size_t j) {
  if (i == pat.size()) return j == segs.size();
  if (pat[i] == "**") {
    for (size_t k = j; k <= segs.size(); ++k)
      if (GlobMatch(pat, i + 1, segs, k)) return true;
    return false;
  }
  return j < segs.size() && SegmentMatch(pat[i], segs[j]) && GlobMatch(pat, i + 1, segs, j + 1);
}

bool IsValidGlob(const std::string& pattern) {
  if (pattern.empty()) return false;
  for (const auto& seg : Split(pattern, '/')) {
    if (seg.empty() || seg == "." || seg == "..") return false;
    if (seg == "**") continue;
    if (seg.find("**") != std::string::npos) return false;
    if (!IsValidSegment(seg, true)) return false;
  }
  return true;
}

// True when @p scope is @p path or lies below it.
bool InSubtree(const std::string& scope, const std::string& path) {
  return scope == path || (scope.size() > path.size() && scope.compare(0, path.size(), path) == 0 &&
                           scope[path.size()] == '/');
}

// ---- templates ----

const std::vector<std::string> kPlaceholders = {"node.id",       "node.name",     "node.address",
                                                "node.ssh.user", "node.ssh.port"};
const std::string kTagsPrefix = "node.tags.";
const std::string kAttributesPrefix = "node.attributes.";

// Expands (or, with @p node null, only checks) the placeholders of @p tmpl.
std::optional<std::string> Expand(const std::string& tmpl, const Node* node, std::string* err) {
  auto fail = [&](const std::string& message) -> std::optional<std::string> {
    if (err) *err = message;
    return std::nullopt;
  };
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t open = tmpl.find("{{", pos);
    if (open == std::string::npos) break;
    out += tmpl.substr(pos, open - pos);
    size_t close = tmpl.find("}}", open + 2);
    if (close == std::string::npos)
      return fail("unterminated placeholder '" + tmpl.substr(open) + "': missing '}}'");
    const std::string raw = tmpl.substr(open, close + 2 - open);
    const std::string name(Trim(std::string_view(tmpl).substr(open + 2, close - open - 2)));
    pos = close + 2;
    auto prefixed = [&](const std::string& prefix) {
      return name.size() > prefix.size() && name.compare(0, prefix.size(), prefix) == 0;
    };
    const bool is_tag = prefixed(kTagsPrefix), is_attribute = prefixed(kAttributesPrefix);
    if (!is_tag && !is_attribute &&
        std::find(kPlaceholders.begin(), kPlaceholders.end(), name) == kPlaceholders.end()) {
      std::vector<std::string> known;
      for (const auto& p : kPlaceholders) known.push_back("{{" + p + "}}");
      if (node) {
        for (const auto& [k, v] : node->tags) known.push_back("{{" + kTagsPrefix + k + "}}");
        for (const auto& [k, v] : node->attributes) known.push_back("{{" + kAttributesPrefix + k + "}}");
      }
      std::string hint = DidYouMean("{{" + name + "}}", known);
      if (hint.empty())
        hint = "; known placeholders: {{node.id}}, {{node.name}}, {{node.address}}, {{node.ssh.user}}, "
               "{{node.ssh.port}}, {{node.tags.KEY}}, {{node.attributes.KEY}}";
      return fail("unknown placeholder '" + raw + "'" + hint);
    }
    if (!node) continue;
    const std::string who = "node '" + node->id + "'";
    if (is_tag || is_attribute) {
      const std::string key = name.substr((is_tag ? kTagsPrefix : kAttributesPrefix).size());
      const auto& map = is_tag ? node->tags : node->attributes;
      auto it = map.find(key);
      if (it == map.end()) {
        std::vector<std::string> keys;
        for (const auto& [k, v] : map) keys.push_back(k);
        return fail(who + " has no " + (is_tag ? "tag" : "attribute") + " '" + key + "' for '" + raw +
                    "'" + DidYouMean(key, keys));
      }
      out += it->second;
    } else if (name == "node.id") {
      out += node->id;
    } else if (name == "node.name") {
      out += node->DisplayName();
    } else if (name == "node.address") {
      out += node->address;
    } else if (name == "node.ssh.user") {
      if (!node->ssh || node->ssh->user.empty()) return fail(who + " has no ssh user for '" + raw + "'");
      out += node->ssh->user;
    } else {  // node.ssh.port
      out += std::to_string(node->ssh ? node->ssh->port : 22);
    }
  }
  out += tmpl.substr(pos);
  return out;
}

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

bool operator==(const SshInfo& a, const SshInfo& b) { return a.user == b.user && a.port == b.port; }

bool operator==(const Node& a, const Node& b) {
  return a.id == b.id && a.name == b.name && a.address == b.address && a.platform == b.platform &&
         a.ssh == b.ssh && a.scopes == b.scopes && a.tags == b.tags && a.attributes == b.attributes;
}

bool operator==(const Scope& a, const Scope& b) {
  return a.path == b.path && a.description == b.description;
}

bool operator==(const Inventory& a, const Inventory& b) {
  return a.nodes_ == b.nodes_ && a.scopes_ == b.scopes_ && a.generated_by_ == b.generated_by_ &&
         a.generated_at_ == b.generated_at_;
}

bool IsValidNodeId(const std::string& id) {
  if (id.empty() || id == "." || id == "..") return false;
  return std::all_of(id.begin(), id.end(), IsIdChar);
}

bool IsValidScopePath(const std::string& path) {
  if (path.empty()) return false;
  for (const auto& seg : Split(path, '/'))
    if (!IsValidSegment(seg, false)) return false;
  return true;
}

std::string ScopeSegment(const std::string& value) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (char c : value) {
    if (IsIdChar(c)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  if (out == ".") return "%2E";
  if (out == "..") return "%2E%2E";
  return out;
}

Inventory Inventory::Load(const std::string& path) { return FromDoc(YamlDoc::FromFile(path)); }

Inventory Inventory::Parse(const std::string& yaml, const std::string& filename) {
  return FromDoc(YamlDoc::FromString(yaml, filename));
}

Inventory Inventory::FromDoc(const YamlDoc& doc) {
  Inventory inv;
  inv.source_ = doc.filename();
  std::vector<DefinitionError> errors;
  // Each node and scope is checked on its own, so one run reports every broken entry.
  auto each_entry = [&](const YAML::Node& map, const std::function<void(const YAML::Node&, const YAML::Node&)>& fn) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      try {
        fn(it->first, it->second);
      } catch (const DefinitionError& e) {
        errors.push_back(e);
      }
    }
  };
  try {
    const YAML::Node& root = doc.root();
    if (!root || root.IsNull()) doc.Fail(root, "the file is empty: expected a 'nodes' mapping");
    MapReader top(doc, root, "the inventory", kInventoryKeys);
    top.Int("version", 1, 1);  // only version 1 exists
    inv.generated_by_ = top.String("generated_by").value_or("");
    inv.generated_at_ = top.String("generated_at").value_or("");
    if (!top.Has("nodes")) doc.Fail(root, "the inventory is missing required key 'nodes'");
    YAML::Node nodes = top.Get("nodes");
    if (!nodes.IsMap())
      doc.Fail(nodes, "'nodes' must be a mapping of node ids to nodes, got " + std::string(NodeTypeName(nodes)));
    each_entry(nodes, [&](const YAML::Node& key, const YAML::Node& value) {
      inv.AddNode(ParseNode(doc, key, value, inv));
    });
    if (top.Has("scopes")) {
      YAML::Node scopes = top.Get("scopes");
      if (!scopes.IsMap())
        doc.Fail(scopes, "'scopes' must be a mapping of scope paths to descriptions, got " +
                             std::string(NodeTypeName(scopes)));
      each_entry(scopes, [&](const YAML::Node& key, const YAML::Node& value) {
        inv.SetScope(ParseScope(doc, key, value, inv));
      });
    }
  } catch (const DefinitionError& e) {
    errors.push_back(e);
  }
  if (errors.empty()) return inv;
  std::stable_sort(errors.begin(), errors.end(), [](const DefinitionError& a, const DefinitionError& b) {
    return std::make_pair(a.loc().line, a.loc().column) < std::make_pair(b.loc().line, b.loc().column);
  });
  if (errors.size() == 1) throw errors.front();
  const DefinitionError& first = errors.front();
  const size_t more = errors.size() - 1;
  throw DefinitionError(first.loc(), first.message() + " (and " + std::to_string(more) + " more error" +
                                         (more > 1 ? "s" : "") + ")",
                        doc.Line(first.loc().line));
}

const Node* Inventory::FindNode(const std::string& id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &nodes_[it->second];
}

const Scope* Inventory::FindScope(const std::string& path) const {
  for (const auto& s : scopes_)
    if (s.path == path) return &s;
  return nullptr;
}

std::vector<std::string> Inventory::ScopePaths() const {
  std::set<std::string> paths;
  auto add = [&](const std::string& path) {
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
      paths.insert(path.substr(0, slash));
    paths.insert(path);
  };
  for (const auto& n : nodes_)
    for (const auto& s : n.scopes) add(s);
  for (const auto& s : scopes_) add(s.path);
  return {paths.begin(), paths.end()};
}

std::vector<const Node*> Inventory::Select(const std::vector<std::string>& scopes,
                                           const std::vector<std::string>& node_ids) const {
  const std::string where = source_.empty() ? "" : " in inventory '" + source_ + "'";
  std::vector<bool> chosen(nodes_.size(), scopes.empty() && node_ids.empty());
  std::vector<std::string> all_paths;
  if (!scopes.empty()) all_paths = ScopePaths();
  for (const std::string& pattern : scopes) {
    if (pattern.compare(0, 4, "tag:") == 0) {
      const std::string spec = pattern.substr(4);
      const size_t eq = spec.find('=');
      const std::string key = spec.substr(0, eq);
      if (!CheckMapKey(key, "tag").empty())
        throw UsageError("malformed tag selector '" + pattern + "': expected tag:KEY=VALUE or tag:KEY");
      std::set<std::string> keys, values;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        for (const auto& [k, v] : nodes_[i].tags) keys.insert(k);
        auto it = nodes_[i].tags.find(key);
        if (it == nodes_[i].tags.end()) continue;
        values.insert(it->second);
        if (eq == std::string::npos || it->second == spec.substr(eq + 1)) chosen[i] = true;
      }
      if (!keys.count(key))
        throw UsageError("unknown tag '" + key + "'" + where + ": no node has it" +
                         DidYouMean(key, {keys.begin(), keys.end()}));
      if (eq != std::string::npos && !values.count(spec.substr(eq + 1)))
        throw UsageError("no node has tag '" + spec + "'" + where +
                         DidYouMean(spec.substr(eq + 1), {values.begin(), values.end()}));
      continue;
    }
    if (pattern.find('*') != std::string::npos) {
      if (!IsValidGlob(pattern))
        throw UsageError("malformed scope pattern '" + pattern + "': " + kPathRule +
                         ", with '*' inside a segment or '**' as a whole segment");
      const std::vector<std::string> pat = Split(pattern, '/');
      std::set<std::string> matched;
      for (const auto& path : all_paths)
        if (GlobMatch(pat, 0, Split(path, '/'), 0)) matched.insert(path);
      if (matched.empty()) throw UsageError("scope pattern '" + pattern + "' matches no scope" + where);
      for (size_t i = 0; i < nodes_.size(); ++i)
        for (const auto& s : nodes_[i].scopes)
          for (const auto& m : matched) chosen[i] = chosen[i] || InSubtree(s, m);
      continue;
    }
    if (!IsValidScopePath(pattern))
      throw UsageError("malformed scope '" + pattern + "': " + kPathRule);
    if (!std::binary_search(all_paths.begin(), all_paths.end(), pattern))
      throw UsageError("unknown scope '" + pattern + "'" + where + DidYouMean(pattern, all_paths));
    for (size_t i = 0; i < nodes_.size(); ++i)
      for (const auto& s : nodes_[i].scopes) chosen[i] = chosen[i] || InSubtree(s, pattern);
  }
  for (const std::string& id : node_ids) {
    auto it = index_.find(id);
    if (it == index_.end()) {
      std::vector<std::string> ids;
      for (const auto& n : nodes_) ids.push_back(n.id);
      throw UsageError("unknown node '" + id + "'" + where + DidYouMean(id, ids));
    }
    chosen[it->second] = true;
  }
  std::vector<const Node*> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (chosen[i]) out.push_back(&nodes_[i]);
  return out;
}

std::string Inventory::ToYaml() const {
  std::string out = "version: 1\n";
  if (!generated_by_.empty()) out += "generated_by: " + YamlScalar(generated_by_) + "\n";
  if (!generated_at_.empty()) out += "generated_at: " + YamlScalar(generated_at_) + "\n";
  out += nodes_.empty() ? "nodes: {}\n" : "nodes:\n";
  for (const Node& n : nodes_) {
    out += "  " + YamlScalar(n.id) + ":\n";
    if (!n.name.empty()) out += "    name: " + YamlScalar(n.name) + "\n";
    out += "    address: " + YamlScalar(n.address) + "\n";
    if (n.ssh) {
      std::vector<std::pair<std::string, std::string>> ssh;
      if (!n.ssh->user.empty()) ssh.emplace_back("user", YamlScalar(n.ssh->user));
      ssh.emplace_back("port", std::to_string(n.ssh->port));
      WriteMap(&out, 4, "ssh", ssh);
    }
    if (!n.platform.empty()) out += "    platform: " + YamlScalar(n.platform) + "\n";
    if (!n.scopes.empty()) WriteList(&out, 4, "scopes", n.scopes);
    if (!n.tags.empty()) WriteMap(&out, 4, "tags", QuotedEntries(n.tags));
    if (!n.attributes.empty()) WriteMap(&out, 4, "attributes", QuotedEntries(n.attributes));
  }
  if (!scopes_.empty()) out += "scopes:\n";
  for (const Scope& s : scopes_) {
    std::vector<std::pair<std::string, std::string>> entries;
    if (!s.description.empty()) entries.emplace_back("description", YamlScalar(s.description));
    WriteMap(&out, 2, YamlScalar(s.path), entries);
  }
  return out;
}

void Inventory::WriteFileAtomic(const std::string& path, const std::string& content) {
  std::string target = path;
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
    if (char* real = ::realpath(path.c_str(), nullptr)) {
      target = real;
      std::free(real);
    }
  }
  const size_t slash = target.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : target.substr(0, slash);
  const std::string base = slash == std::string::npos ? target : target.substr(slash + 1);
  std::string tmp = (slash == std::string::npos ? "" : target.substr(0, slash + 1)) + "." + base + ".tmp-XXXXXX";
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0)
    throw RuntimeError("cannot write '" + path + "': cannot create a temporary file in '" + dir +
                       "': " + std::strerror(errno));
  auto fail = [&](const std::string& step) {
    const int saved = errno;
    if (fd >= 0) ::close(fd);
    ::unlink(tmp.c_str());
    throw RuntimeError("cannot write '" + path + "': " + step + ": " + std::strerror(saved));
  };
  for (size_t done = 0; done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("write");
    done += static_cast<size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) fail("chmod");
  if (::fsync(fd) != 0) fail("fsync");
  const int closed = ::close(fd);
  fd = -1;
  if (closed != 0) fail("close");
  if (::rename(tmp.c_str(), target.c_str()) != 0) fail("rename");
  // Make the rename itself durable; a directory that cannot be synced is not an error.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

Node& Inventory::AddNode(Node n) {
  if (std::string e = CheckNode(n); !e.empty()) throw DefinitionError(n.loc, e);
  if (const Node* first = FindNode(n.id)) {
    const std::string at = first->loc.file.empty() ? "" : " (first at " + first->loc.Str() + ")";
    throw DefinitionError(n.loc, "node '" + n.id + "' is defined twice" + at);
  }
  index_[n.id] = nodes_.size();
  nodes_.push_back(std::move(n));
  return nodes_.back();
}

void Inventory::SetScope(Scope s) {
  if (!IsValidScopePath(s.path))
    throw DefinitionError({}, "malformed scope path '" + s.path + "': " + kPathRule);
  for (auto& existing : scopes_) {
    if (existing.path == s.path) {
      existing.description = std::move(s.description);
      return;
    }
  }
  scopes_.push_back(std::move(s));
}

std::optional<std::string> ExpandNodeTemplate(const std::string& tmpl, const Node& node, std::string* err) {
  return Expand(tmpl, &node, err);
}

bool CheckNodeTemplate(const std::string& tmpl, std::string* err) {
  return Expand(tmpl, nullptr, err).has_value();
}

std::string DefaultInventoryPath() {
  std::string env = Env("HOPS_INVENTORY");
  if (!env.empty()) return env;
  return DefaultConfigFile("inventory.yaml");
}

}  // namespace hops::inv
