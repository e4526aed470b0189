#include "cmd/hmon-check/definitions.hpp"

#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "common/http.hpp"
#include "common/inventory.hpp"
#include "cmd/hmon-check/regex.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::mon {

const std::vector<std::string> kMonitorFileKeys = {"version", "defaults", "monitors"};
const std::vector<std::string> kMonitorDefaultKeys = {"timeout", "after", "recover_after", "window",
                                                      "flapping", "calendar"};
const std::vector<std::string> kMonitorCommonKeys = {
    "type",     "description", "target",        "scope",  "nodes",    "timeout",
    "calendar", "depends_on",  "after",         "recover_after", "window", "flapping",
    "enabled",  "warning",     "critical",      "thresholds", "conditions"};
const std::vector<std::string> kConditionKeys = {"status", "body",   "body_not", "body_regex",
                                                 "body_not_regex", "json", "equals", "not_equals",
                                                 "header", "contains", "time", "size",
                                                 "cert_days", "severity"};

namespace {

const std::vector<std::string> kFlapKeys = {"window", "low", "high"};
const std::vector<std::string> kThresholdKeys = {"warning", "critical"};

std::vector<YAML::Node> Items(const YAML::Node& n) {
  std::vector<YAML::Node> out;
  if (n.IsSequence()) {
    for (const auto& i : n) out.push_back(i);
  } else {
    out.push_back(n);
  }
  return out;
}

std::vector<std::string> StringList(const YamlDoc& doc, const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  for (const YAML::Node& i : Items(n)) out.push_back(ScalarText(doc, i, what));
  return out;
}

/// The strings of a scalar or list node and where each is written.
void StringListAt(const YamlDoc& doc, const YAML::Node& n, const std::string& what, std::vector<std::string>* out,
                  std::vector<SourceLoc>* locs) {
  for (const YAML::Node& i : Items(n)) {
    out->push_back(ScalarText(doc, i, what));
    locs->push_back(doc.Loc(i));
  }
}

std::chrono::milliseconds DurationNode(const YamlDoc& doc, const YAML::Node& n, const std::string& what) {
  std::string s = ScalarText(doc, n, what);
  auto d = ParseDuration(s);
  if (!d || d->count() <= 0)
    doc.Fail(n, what + " must be a positive duration such as 500ms, 10s or 1m, got '" + s + "'");
  return *d;
}

nagios::State SeverityNode(const YamlDoc& doc, const YAML::Node& n) {
  std::string s = ScalarText(doc, n, "'severity'");
  if (s == "warning") return nagios::State::kWarning;
  if (s == "critical") return nagios::State::kCritical;
  if (s == "unknown") return nagios::State::kUnknown;
  doc.Fail(n, "'severity' must be warning, critical or unknown, got '" + s + "'" +
                  DidYouMean(s, {"warning", "critical", "unknown"}));
}

void ParseRules(const YamlDoc& doc, const MapReader& m, StateRules* r) {
  if (auto v = m.Int("after", 1, 100)) r->after = int(*v);
  if (auto v = m.Int("recover_after", 1, 100)) r->recover_after = int(*v);
  if (m.Has("window")) {
    YAML::Node w = m.Get("window");
    std::string s = ScalarText(doc, w, "'window'");
    size_t slash = s.find('/');
    auto a = slash == std::string::npos ? std::nullopt : ParseLong(s.substr(0, slash));
    auto b = slash == std::string::npos ? std::nullopt : ParseLong(s.substr(slash + 1));
    if (!a || !b || *a < 1 || *b < *a || *b > 32)
      doc.Fail(w, "'window' must be M/N with 1 <= M <= N <= 32 (alert when M of the last N results fail), got '" + s + "'");
    r->window_m = int(*a);
    r->window_n = int(*b);
  }
  if (m.Has("flapping")) {
    YAML::Node f = m.Get("flapping");
    if (f.IsMap()) {
      MapReader fm(doc, f, "'flapping'", kFlapKeys);
      r->flapping = true;
      if (auto v = fm.Int("window", 4, 32)) r->flap_window = int(*v);
      if (auto v = fm.Int("low", 0, 100)) r->flap_low = int(*v);
      if (auto v = fm.Int("high", 0, 100)) r->flap_high = int(*v);
      if (r->flap_low > r->flap_high) doc.Fail(f, "'flapping': 'low' must not exceed 'high'");
    } else {
      r->flapping = m.Bool("flapping").value();
    }
  }
}

/// Fails at @p n when its text (not a node template) is not a valid regular expression.
void CheckPattern(const YamlDoc& doc, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar() || n.Scalar().find("{{") != std::string::npos) return;
  std::string err;
  if (!Regex::Compile(n.Scalar(), &err)) doc.Fail(n, "'" + key + "': " + err);
}

Condition ParseCondition(const YamlDoc& doc, const YAML::Node& n) {
  MapReader m(doc, n, "a condition", kConditionKeys);
  Condition c;
  static const std::vector<std::string> kWhat = {"status", "body",   "body_not", "body_regex", "body_not_regex",
                                                 "json",   "header", "time",     "size",       "cert_days"};
  std::string what;
  for (const auto& k : kWhat) {
    if (!m.Has(k)) continue;
    if (!what.empty()) doc.Fail(m.Get(k), "a condition tests one thing: '" + what + "' and '" + k + "' given");
    what = k;
  }
  if (what.empty()) doc.Fail(n, "a condition needs one of: status, body, body_not, body_regex, body_not_regex, json, header, time, size, cert_days");
  YAML::Node v = m.Get(what);
  if (what == "status") {
    c.what = "status";
    c.op = "in";
    c.values = StringList(doc, v, "'status'");
  } else if (what == "body" || what == "body_not") {
    c.what = "body";
    c.op = what == "body" ? "contains" : "not_contains";
    c.values = {ScalarText(doc, v, "'" + what + "'")};
  } else if (what == "body_regex" || what == "body_not_regex") {
    c.what = "body_regex";
    c.op = what == "body_regex" ? "matches" : "not_matches";
    c.values = {ScalarText(doc, v, "'" + what + "'")};
    CheckPattern(doc, v, what);
  } else if (what == "json") {
    c.what = "json";
    c.path = ScalarText(doc, v, "'json'");
    if (m.Has("equals") == m.Has("not_equals")) doc.Fail(n, "a 'json' condition needs 'equals' or 'not_equals'");
    c.op = m.Has("equals") ? "equals" : "not_equals";
    c.values = {*m.String(c.op)};
  } else if (what == "header") {
    c.what = "header";
    c.path = ScalarText(doc, v, "'header'");
    if (!m.Has("contains")) doc.Fail(n, "a 'header' condition needs 'contains'");
    c.op = "contains";
    c.values = {*m.String("contains")};
  } else {
    c.what = what;
    c.op = "range";
    std::string err, text = ScalarText(doc, v, "'" + what + "'");
    auto range = ParseThresholdRange(what, text, &err);
    if (!range) doc.Fail(v, "'" + what + "': " + err);
    c.values = {range->text};
  }
  for (const char* k : {"equals", "not_equals"})
    if (m.Has(k) && what != "json") doc.Fail(m.Get(k), std::string("'") + k + "' only goes with 'json'");
  if (m.Has("contains") && what != "header") doc.Fail(m.Get("contains"), "'contains' only goes with 'header'");
  if (m.Has("severity")) c.severity = SeverityNode(doc, m.Get("severity"));
  c.text = what + (v.IsScalar() ? " " + v.Scalar() : std::string(""));
  return c;
}

nagios::Thresholds ThresholdPair(const YamlDoc& doc, const std::string& measure, const YAML::Node* warn,
                                 const YAML::Node* crit) {
  nagios::Thresholds t;
  auto parse = [&](const YAML::Node& n) {
    std::string err, text = ScalarText(doc, n, "a threshold");
    auto r = ParseThresholdRange(measure, text, &err);
    if (!r) doc.Fail(n, "threshold of '" + measure + "': " + err);
    return *r;
  };
  if (warn) t.warning = parse(*warn);
  if (crit) t.critical = parse(*crit);
  return t;
}

MonitorDef ParseMonitor(const YamlDoc& doc, const YAML::Node& key, const YAML::Node& value,
                        const MonitorDef& defaults) {
  MonitorDef d = defaults;
  d.id = ScalarText(doc, key, "a monitor id");
  d.loc = doc.Loc(key);
  if (d.id.empty() || d.id.find_first_of("/ \t:") != std::string::npos)
    doc.Fail(key, "monitor id '" + d.id + "' must be non-empty without '/', ':' or blanks");
  const std::string what = "monitor '" + d.id + "'";
  if (!value.IsMap()) doc.Fail(value, what + " must be a mapping, got " + std::string(NodeTypeName(value)));
  YAML::Node type_node = value["type"];
  if (!type_node) doc.Fail(key, what + " is missing required key 'type'");
  d.type = ScalarText(doc, type_node, "'type'");
  const auto& types = CheckTypes();
  auto it = types.find(d.type);
  if (it == types.end()) {
    std::vector<std::string> names;
    for (const auto& [n, t] : types) names.push_back(n);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    doc.Fail(type_node, "unknown monitor type '" + d.type + "'" + DidYouMean(d.type, names) + " (types: " + list + ")");
  }
  const CheckType& type = *it->second;
  std::vector<std::string> allowed = kMonitorCommonKeys;
  for (const auto& k : type.ParamKeys()) allowed.push_back(k);
  MapReader m(doc, value, what, allowed);
  d.description = m.String("description").value_or("");
  d.target = m.String("target").value_or("");
  if (m.Has("scope")) StringListAt(doc, m.Get("scope"), "'scope'", &d.scopes, &d.scope_locs);
  if (m.Has("nodes")) StringListAt(doc, m.Get("nodes"), "'nodes'", &d.nodes, &d.node_locs);
  const bool per_node = !d.scopes.empty() || !d.nodes.empty();
  // Checks addressed by host alone check the node's address unless told otherwise.
  static const std::set<std::string> kHostTypes = {"ping", "sql", "tls-cert", "smtp", "imap", "pop3", "ftp"};
  if (per_node && d.target.empty() && kHostTypes.count(d.type))
    d.target = "{{node.address}}";  // network checks of a node check the node
  if (m.Has("timeout")) d.timeout = DurationNode(doc, m.Get("timeout"), "'timeout'");
  if (auto c = m.String("calendar")) {
    d.calendar = *c;
    d.calendar_loc = doc.Loc(m.Get("calendar"));
  }
  if (auto p = m.String("depends_on")) d.depends_on = *p;
  if (auto e = m.Bool("enabled")) d.enabled = *e;
  ParseRules(doc, m, &d.rules);
  d.base = CheckSpec{};
  d.base.monitor = d.id;
  d.base.type = d.type;
  d.base.timeout = d.timeout;
  std::vector<std::string> measures = type.Measures();
  if (m.Has("warning") || m.Has("critical")) {
    if (measures.empty())
      doc.Fail(m.Has("warning") ? m.Get("warning") : m.Get("critical"),
               "monitor type '" + d.type + "' has no measure for 'warning'/'critical'");
    YAML::Node w = m.Get("warning"), c = m.Get("critical");
    d.base.thresholds[measures.front()] =
        ThresholdPair(doc, measures.front(), m.Has("warning") ? &w : nullptr, m.Has("critical") ? &c : nullptr);
  }
  if (m.Has("thresholds")) {
    YAML::Node t = m.Get("thresholds");
    if (!t.IsMap()) doc.Fail(t, "'thresholds' must map measure names to {warning, critical}");
    for (auto ti = t.begin(); ti != t.end(); ++ti) {
      std::string measure = ScalarText(doc, ti->first, "a measure name");
      // Types without declared measures (command) report whatever labels their plugin prints.
      if (!measures.empty() && std::find(measures.begin(), measures.end(), measure) == measures.end()) {
        std::string list;
        for (const auto& x : measures) list += (list.empty() ? "" : ", ") + x;
        doc.Fail(ti->first, "monitor type '" + d.type + "' has no measure '" + measure + "'" +
                                DidYouMean(measure, measures) + " (measures: " + (list.empty() ? "none" : list) + ")");
      }
      MapReader tm(doc, ti->second, "thresholds of '" + measure + "'", kThresholdKeys);
      YAML::Node w = tm.Get("warning"), c = tm.Get("critical");
      d.base.thresholds[measure] =
          ThresholdPair(doc, measure, tm.Has("warning") ? &w : nullptr, tm.Has("critical") ? &c : nullptr);
    }
  }
  if (m.Has("conditions")) {
    YAML::Node cs = m.Get("conditions");
    if (d.type != "http" && d.type != "https")
      doc.Fail(cs, "'conditions' are supported by http and https monitors only");
    if (!cs.IsSequence()) doc.Fail(cs, "'conditions' must be a list");
    for (const auto& c : cs) d.base.conditions.push_back(ParseCondition(doc, c));
  }
  // Placeholders are expanded per node, so they need nodes, and must name known fields.
  {
    std::vector<std::pair<std::string, YAML::Node>> texts;
    if (m.Has("target")) texts.emplace_back(d.target, m.Get("target"));
    for (auto pi = value.begin(); pi != value.end(); ++pi) {
      if (std::find(kMonitorCommonKeys.begin(), kMonitorCommonKeys.end(), pi->first.Scalar()) != kMonitorCommonKeys.end())
        continue;
      if (pi->second.IsScalar()) texts.emplace_back(pi->second.Scalar(), pi->second);
      else if (pi->second.IsSequence())
        for (const auto& item : pi->second)
          if (item.IsScalar()) texts.emplace_back(item.Scalar(), item);
    }
    for (const auto& [text, node] : texts) {
      if (text.find("{{") == std::string::npos) continue;
      if (!per_node) doc.Fail(node, "'{{node...}}' placeholders need nodes: give the monitor a 'scope' or 'nodes'");
      std::string err;
      if (!inv::CheckNodeTemplate(text, &err)) doc.Fail(node, err);
    }
  }
  // Everything else is the type's own parameters.
  std::set<std::string> common(kMonitorCommonKeys.begin(), kMonitorCommonKeys.end());
  for (auto pi = value.begin(); pi != value.end(); ++pi) {
    std::string k = pi->first.Scalar();
    if (common.count(k)) continue;
    const YAML::Node& v = pi->second;
    if (v.IsScalar()) {
      d.base.params.Set(k, v.Scalar());
    } else if (v.IsSequence()) {
      for (const auto& item : v) d.base.params.Add(k, ScalarText(doc, item, "an item of '" + k + "'"));
    } else if (v.IsMap()) {
      for (auto mi = v.begin(); mi != v.end(); ++mi)
        d.base.params.SetMap(k, ScalarText(doc, mi->first, "a key of '" + k + "'"),
                             ScalarText(doc, mi->second, "a value of '" + k + "'"));
    } else {
      doc.Fail(v, "'" + k + "' has no value");
    }
  }
  // Patterns are checked here, where an error can point at the value.
  for (const std::string& k : type.PatternKeys())
    if (m.Has(k))
      for (const YAML::Node& item : Items(m.Get(k))) CheckPattern(doc, item, k);
  // Check the parameters once as written; node placeholders are checked again per node.
  d.base.target = d.target;
  if (d.target.find("{{") == std::string::npos) {
    bool templated = false;
    for (const auto& k : d.base.params.Keys())
      for (const auto& v : d.base.params.All(k)) templated = templated || v.find("{{") != std::string::npos;
    if (!templated) {
      std::string err = type.Validate(d.base);
      if (!err.empty()) doc.Fail(key, what + ": " + err);
    }
  }
  return d;
}

}  // namespace

std::optional<nagios::Range> ParseThresholdRange(const std::string& measure, const std::string& text,
                                                 std::string* err) {
  // The measures that are times: in seconds (response times) or milliseconds (ping round trips).
  nagios::RangeUnit unit = nagios::RangeUnit::kNumber;
  if (measure == "time") unit = nagios::RangeUnit::kSeconds;
  if (measure == "rta" || measure == "rtmax" || measure == "jitter") unit = nagios::RangeUnit::kMilliseconds;
  return nagios::ParseRange(text, err, unit);
}

const MonitorDef* MonitorFile::Find(const std::string& id) const {
  for (const auto& m : monitors)
    if (m.id == id) return &m;
  return nullptr;
}

MonitorFile LoadMonitorFile(const YamlDoc& doc, std::vector<DefinitionError>* errors) {
  MonitorFile file;
  file.path = doc.filename();
  try {
    const YAML::Node& root = doc.root();
    if (!root || root.IsNull()) doc.Fail(root, "the file is empty: expected a 'monitors' mapping");
    MapReader top(doc, root, "the monitor file", kMonitorFileKeys);
    top.Int("version", 1, 1);
    MonitorDef defaults;
    if (top.Has("defaults")) {
      MapReader dm(doc, top.Get("defaults"), "'defaults'", kMonitorDefaultKeys);
      if (dm.Has("timeout")) defaults.timeout = DurationNode(doc, dm.Get("timeout"), "'timeout'");
      if (auto c = dm.String("calendar")) {
        defaults.calendar = *c;
        defaults.calendar_loc = doc.Loc(dm.Get("calendar"));
      }
      ParseRules(doc, dm, &defaults.rules);
    }
    YAML::Node ms = top.Require("monitors");
    if (!ms.IsMap()) doc.Fail(ms, "'monitors' must map monitor ids to definitions, got " + std::string(NodeTypeName(ms)));
    std::set<std::string> seen;
    for (auto it = ms.begin(); it != ms.end(); ++it) {
      try {
        MonitorDef d = ParseMonitor(doc, it->first, it->second, defaults);
        if (!seen.insert(d.id).second) doc.Fail(it->first, "monitor '" + d.id + "' is defined twice");
        file.monitors.push_back(std::move(d));
      } catch (const DefinitionError& e) {
        errors->push_back(e);
      } catch (const YAML::Exception& e) {
        errors->push_back(doc.ErrorAt(it->first, "cannot read monitor: " + e.msg));
      }
    }
    // Dependencies must name monitors of this file, without cycles.
    std::vector<std::string> ids;
    for (const auto& m : file.monitors) ids.push_back(m.id);
    for (const auto& m : file.monitors) {
      if (m.depends_on.empty()) continue;
      YAML::Node node = ms[m.id]["depends_on"];
      if (m.depends_on == m.id) {
        errors->push_back(doc.ErrorAt(node, "monitor '" + m.id + "' cannot depend on itself"));
        continue;
      }
      if (!file.Find(m.depends_on)) {
        errors->push_back(doc.ErrorAt(node, "monitor '" + m.id + "' depends on undefined monitor '" +
                                                m.depends_on + "'" + DidYouMean(m.depends_on, ids)));
        continue;
      }
      std::vector<std::string> chain{m.id};
      for (const MonitorDef* p = file.Find(m.depends_on); p; p = p->depends_on.empty() ? nullptr : file.Find(p->depends_on)) {
        if (std::find(chain.begin(), chain.end(), p->id) != chain.end()) {
          std::string path;
          for (const auto& c : chain) path += c + " -> ";
          errors->push_back(doc.ErrorAt(node, "monitor '" + m.id + "' has a dependency cycle: " + path + p->id));
          break;
        }
        chain.push_back(p->id);
      }
    }
  } catch (const DefinitionError& e) {
    errors->push_back(e);
  }
  return file;
}

std::vector<DefinitionError> CheckSelectors(const MonitorFile& file, const inv::Inventory& inventory,
                                            const std::string& text) {
  std::vector<DefinitionError> errors;
  auto check = [&](const MonitorDef& def, const std::string& selector, const SourceLoc& loc, bool is_node) {
    try {
      if (is_node) inventory.Select({}, {selector});
      else inventory.Select({selector}, {});
    } catch (const UsageError& e) {
      const SourceLoc& where = loc.line > 0 ? loc : def.loc;
      errors.emplace_back(where, "monitor '" + def.id + "': " + e.what(), SourceLineOf(text, where.line));
    }
  };
  for (const MonitorDef& def : file.monitors) {
    for (size_t i = 0; i < def.scopes.size(); ++i)
      check(def, def.scopes[i], i < def.scope_locs.size() ? def.scope_locs[i] : def.loc, false);
    for (size_t i = 0; i < def.nodes.size(); ++i)
      check(def, def.nodes[i], i < def.node_locs.size() ? def.node_locs[i] : def.loc, true);
  }
  return errors;
}

std::vector<Instance> ExpandInstances(const MonitorFile& file, const inv::Inventory* inventory,
                                      const std::vector<std::string>& only,
                                      const std::vector<std::string>& scopes,
                                      const std::vector<std::string>& nodes) {
  std::vector<std::string> ids;
  for (const auto& m : file.monitors) ids.push_back(m.id);
  for (const auto& id : only)
    if (!file.Find(id)) throw UsageError("unknown monitor '" + id + "'" + DidYouMean(id, ids));
  std::vector<const inv::Node*> cli_selection;
  const bool cli_filter = !scopes.empty() || !nodes.empty();
  if (cli_filter) {
    if (!inventory) throw UsageError("--scope and --node need an inventory (--inventory FILE)");
    cli_selection = inventory->Select(scopes, nodes);
  }
  std::vector<Instance> out;
  for (const MonitorDef& def : file.monitors) {
    if (!def.enabled) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), def.id) == only.end()) continue;
    std::vector<const inv::Node*> targets;
    const bool per_node = !def.scopes.empty() || !def.nodes.empty();
    if (per_node) {
      if (!inventory)
        throw DefinitionError(def.loc, "monitor '" + def.id + "' selects nodes but no inventory is loaded (--inventory FILE)");
      targets = inventory->Select(def.scopes, def.nodes);
      if (cli_filter) {
        std::vector<const inv::Node*> kept;
        for (const inv::Node* n : targets)
          if (std::find(cli_selection.begin(), cli_selection.end(), n) != cli_selection.end()) kept.push_back(n);
        targets = kept;
      }
    } else {
      if (cli_filter) continue;  // node filters select per-node monitors only
      targets.push_back(nullptr);
    }
    const CheckType& type = *CheckTypes().at(def.type);
    for (const inv::Node* node : targets) {
      Instance in;
      in.def = &def;
      in.node = node;
      in.spec = def.base;
      in.key = def.id + (node ? "/" + node->id : "");
      in.spec.state_key = in.key;
      in.spec.node = node ? node->id : "";
      in.spec.timeout = def.timeout;
      if (node) {
        in.scope = node->scopes.empty() ? "" : node->scopes.front();
        std::string err;
        auto expand = [&](const std::string& text) {
          auto r = inv::ExpandNodeTemplate(text, *node, &err);
          if (!r) throw DefinitionError(def.loc, "monitor '" + def.id + "' for node '" + node->id + "': " + err);
          return *r;
        };
        in.spec.target = expand(def.target);
        Params p;
        for (const auto& k : def.base.params.Keys()) {
          for (const auto& v : def.base.params.All(k)) p.Add(k, expand(v));
          for (const auto& [name, v] : def.base.params.Map(k)) p.SetMap(k, name, expand(v));
        }
        in.spec.params = p;
        std::string verr = type.Validate(in.spec);
        if (!verr.empty())
          throw DefinitionError(def.loc, "monitor '" + def.id + "' for node '" + node->id + "': " + verr);
      }
      out.push_back(std::move(in));
    }
  }
  return out;
}

}  // namespace hops::mon

namespace hops::mon {

std::string MonitorSchema() {
  using J = nlohmann::ordered_json;
  J range = {{"type", {"string", "number"}}, {"description", "Nagios range: 10, 10:, ~:10, 10:20, @10:20"}};
  J string_list = {{"oneOf", J::array({{{"type", "string"}}, {{"type", "array"}, {"items", {{"type", "string"}}}}})}};
  J rules_props = {
      {"after", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}},
      {"recover_after", {{"type", "integer"}, {"minimum", 1}, {"maximum", 100}}},
      {"window", {{"type", "string"}, {"pattern", "^[0-9]+/[0-9]+$"}}},
      {"flapping", {{"oneOf", J::array({{{"type", "boolean"}},
                                        {{"type", "object"}, {"additionalProperties", false},
                                         {"properties", {{"window", {{"type", "integer"}}},
                                                         {"low", {{"type", "integer"}}},
                                                         {"high", {{"type", "integer"}}}}}}})}}},
      {"timeout", {{"type", "string"}}},
      {"calendar", {{"type", "string"}}}};
  J condition = {{"type", "object"}, {"additionalProperties", false}, {"properties", J::object()}};
  for (const auto& k : kConditionKeys) condition["properties"][k] = J::object();
  condition["properties"]["severity"] = {{"enum", {"warning", "critical", "unknown"}}};
  J monitors_then = J::array();
  std::vector<std::string> type_names;
  for (const auto& [name, type] : CheckTypes()) {
    type_names.push_back(name);
    J props = J::object();
    for (const auto& k : kMonitorCommonKeys) props[k] = J::object();
    props["type"] = {{"const", name}};
    props["warning"] = range;
    props["critical"] = range;
    J measures = J::object();
    for (const auto& m : type->Measures())
      measures[m] = {{"type", "object"}, {"additionalProperties", false},
                     {"properties", {{"warning", range}, {"critical", range}}}};
    props["thresholds"] = {{"type", "object"}, {"additionalProperties", false}, {"properties", measures}};
    props["conditions"] = {{"type", "array"}, {"items", {{"$ref", "#/$defs/condition"}}}};
    props["scope"] = string_list;
    props["nodes"] = string_list;
    for (const auto& [k, v] : rules_props.items()) props[k] = v;
    props["target"] = {{"type", "string"}};
    props["description"] = {{"type", "string"}};
    props["depends_on"] = {{"type", "string"}};
    props["enabled"] = {{"type", "boolean"}};
    for (const auto& k : type->ParamKeys()) props[k] = J::object();
    monitors_then.push_back({{"if", {{"properties", {{"type", {{"const", name}}}}}}},
                             {"then", {{"additionalProperties", false}, {"properties", props}}}});
  }
  J monitor = {{"type", "object"}, {"required", {"type"}},
               {"properties", {{"type", {{"enum", type_names}}}}}, {"allOf", monitors_then}};
  J defaults = {{"type", "object"}, {"additionalProperties", false}, {"properties", J::object()}};
  for (const auto& k : kMonitorDefaultKeys) defaults["properties"][k] = rules_props.contains(k) ? rules_props[k] : J::object();
  J schema = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
              {"$id", "https://hops.invalid/schema/monitors.json"},
              {"title", "hops monitor file (hmon-check(5))"},
              {"type", "object"},
              {"additionalProperties", false},
              {"required", {"monitors"}},
              {"properties", {{"version", {{"const", 1}}},
                              {"defaults", defaults},
                              {"monitors", {{"type", "object"}, {"additionalProperties", {{"$ref", "#/$defs/monitor"}}}}}}},
              {"$defs", {{"monitor", monitor}, {"condition", condition}}}};
  return schema.dump(2);
}

}  // namespace hops::mon

namespace hops::mon {

namespace {

// The layout of the cached JSON; bump it whenever MonitorFileToCache writes something else.
constexpr int kCacheFormat = 1;

// The GNU build ID of the running executable in hex, or "" when the linker wrote none. The
// linker computes it from the linked code, so it is the same for every reproducible build of the
// same sources and changes whenever any of them (the parser included) changes.
std::string ExecutableBuildId() {
  std::string id;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) -> int {
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          const ElfW(Phdr)& ph = info->dlpi_phdr[i];
          if (ph.p_type != PT_NOTE) continue;
          const size_t align = ph.p_align == 8 ? 8 : 4;
          auto pad = [align](size_t n) { return (n + align - 1) & ~(align - 1); };
          const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
          const char* end = p + ph.p_memsz;
          while (p + sizeof(ElfW(Nhdr)) <= end) {
            const auto* note = reinterpret_cast<const ElfW(Nhdr)*>(p);
            const char* name = p + sizeof(ElfW(Nhdr));
            const auto* desc = reinterpret_cast<const unsigned char*>(name + pad(note->n_namesz));
            const char* next = reinterpret_cast<const char*>(desc) + pad(note->n_descsz);
            if (next > end) break;
            if (note->n_type == NT_GNU_BUILD_ID && note->n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
              static const char kHex[] = "0123456789abcdef";
              auto* s = static_cast<std::string*>(out);
              for (size_t k = 0; k < note->n_descsz; ++k) {
                *s += kHex[desc[k] >> 4];
                *s += kHex[desc[k] & 15];
              }
              return 1;
            }
            p = next;
          }
        }
        return 1;  // the first object is the executable: stop after it
      },
      &id);
  return id;
}

// What a cache entry must have been written by. Never __DATE__/__TIME__: the build must be
// reproducible, and a rebuild of unchanged sources need not drop the cache. The hops version and
// kCacheFormat invalidate it in every release and on a layout change; the build ID also whenever
// the code changes between releases (a parser fix in a development or patched build), without a
// version bump. Where the linker writes no build ID, a parser change must come with a new version
// or cache format.
const std::string& CacheStamp() {
  static const std::string stamp = "hops " HOPS_VERSION " cache-format " + std::to_string(kCacheFormat) +
                                   " build " + ExecutableBuildId();
  return stamp;
}

nlohmann::json RangeJson(const std::optional<nagios::Range>& r) {
  return r ? nlohmann::json(r->text) : nlohmann::json(nullptr);
}

std::optional<nagios::Range> RangeFromJson(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  std::string err;
  auto r = nagios::ParseRange(j.get<std::string>(), &err);
  if (!r) throw std::runtime_error("bad cached range");
  return r;
}

nlohmann::json LocJson(const SourceLoc& l) { return {l.file, l.line, l.column}; }

SourceLoc LocFromJson(const nlohmann::json& l) {
  return SourceLoc{l[0].get<std::string>(), l[1].get<int>(), l[2].get<int>()};
}

nlohmann::json LocsJson(const std::vector<SourceLoc>& locs) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& l : locs) a.push_back(LocJson(l));
  return a;
}

std::vector<SourceLoc> LocsFromJson(const nlohmann::json& a) {
  std::vector<SourceLoc> locs;
  for (const auto& l : a) locs.push_back(LocFromJson(l));
  return locs;
}

}  // namespace

std::string ContentHash(const std::string& bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

bool HoldsInlineSecrets(const MonitorFile& file) {
  for (const MonitorDef& d : file.monitors) {
    if (!d.base.params.Map("env").empty()) return true;
    for (const auto& [name, value] : d.base.params.Map("headers"))
      if (http::IsSecretHeader(name)) return true;
  }
  return false;
}

std::string MonitorFileToCache(const MonitorFile& file, const std::string& content_hash) {
  nlohmann::json j;
  j["stamp"] = CacheStamp();
  j["hash"] = content_hash;
  j["path"] = file.path;
  nlohmann::json ms = nlohmann::json::array();
  for (const MonitorDef& d : file.monitors) {
    nlohmann::json m;
    m["id"] = d.id;
    m["type"] = d.type;
    m["description"] = d.description;
    m["target"] = d.target;
    m["scopes"] = d.scopes;
    m["nodes"] = d.nodes;
    m["timeout"] = d.timeout.count();
    m["calendar"] = d.calendar;
    m["depends_on"] = d.depends_on;
    m["enabled"] = d.enabled;
    const StateRules& r = d.rules;
    m["rules"] = {r.after, r.recover_after, r.window_m, r.window_n, r.flapping, r.flap_window, r.flap_low, r.flap_high};
    m["loc"] = LocJson(d.loc);
    m["calendar_loc"] = LocJson(d.calendar_loc);
    m["scope_locs"] = LocsJson(d.scope_locs);
    m["node_locs"] = LocsJson(d.node_locs);
    nlohmann::json params = nlohmann::json::object(), maps = nlohmann::json::object();
    for (const auto& k : d.base.params.Keys()) {
      if (!d.base.params.All(k).empty()) params[k] = d.base.params.All(k);
      if (!d.base.params.Map(k).empty()) maps[k] = d.base.params.Map(k);
    }
    m["params"] = params;
    m["maps"] = maps;
    nlohmann::json conds = nlohmann::json::array();
    for (const Condition& c : d.base.conditions)
      conds.push_back({c.what, c.op, c.values, c.path, static_cast<int>(c.severity), c.text});
    m["conditions"] = conds;
    nlohmann::json th = nlohmann::json::object();
    for (const auto& [measure, t] : d.base.thresholds) th[measure] = {RangeJson(t.warning), RangeJson(t.critical)};
    m["thresholds"] = th;
    ms.push_back(std::move(m));
  }
  j["monitors"] = std::move(ms);
  return j.dump();
}

std::optional<MonitorFile> MonitorFileFromCache(const std::string& cached, const std::string& content_hash) {
  try {
    nlohmann::json j = nlohmann::json::parse(cached);
    if (j.at("stamp") != CacheStamp() || j.at("hash") != content_hash) return std::nullopt;
    MonitorFile file;
    file.path = j.at("path").get<std::string>();
    const auto& types = CheckTypes();
    for (const auto& m : j.at("monitors")) {
      MonitorDef d;
      d.id = m.at("id").get<std::string>();
      d.type = m.at("type").get<std::string>();
      if (!types.count(d.type)) return std::nullopt;
      d.description = m.at("description").get<std::string>();
      d.target = m.at("target").get<std::string>();
      d.scopes = m.at("scopes").get<std::vector<std::string>>();
      d.nodes = m.at("nodes").get<std::vector<std::string>>();
      d.timeout = std::chrono::milliseconds(m.at("timeout").get<int64_t>());
      d.calendar = m.at("calendar").get<std::string>();
      d.depends_on = m.at("depends_on").get<std::string>();
      d.enabled = m.at("enabled").get<bool>();
      const auto& r = m.at("rules");
      d.rules = StateRules{r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]};
      d.loc = LocFromJson(m.at("loc"));
      d.calendar_loc = LocFromJson(m.at("calendar_loc"));
      d.scope_locs = LocsFromJson(m.at("scope_locs"));
      d.node_locs = LocsFromJson(m.at("node_locs"));
      d.base.monitor = d.id;
      d.base.type = d.type;
      d.base.timeout = d.timeout;
      d.base.target = d.target;
      for (const auto& [k, values] : m.at("params").items())
        for (const auto& v : values) d.base.params.Add(k, v.get<std::string>());
      for (const auto& [k, entries] : m.at("maps").items())
        for (const auto& [name, v] : entries.items()) d.base.params.SetMap(k, name, v.get<std::string>());
      for (const auto& c : m.at("conditions")) {
        Condition cond;
        cond.what = c[0].get<std::string>();
        cond.op = c[1].get<std::string>();
        cond.values = c[2].get<std::vector<std::string>>();
        cond.path = c[3].get<std::string>();
        cond.severity = static_cast<nagios::State>(c[4].get<int>());
        cond.text = c[5].get<std::string>();
        d.base.conditions.push_back(std::move(cond));
      }
      for (const auto& [measure, t] : m.at("thresholds").items())
        d.base.thresholds[measure] = nagios::Thresholds{RangeFromJson(t[0]), RangeFromJson(t[1])};
      file.monitors.push_back(std::move(d));
    }
    return file;
  } catch (const std::exception&) {
    return std::nullopt;  // an unreadable cache is simply not used
  }
}

}  // namespace hops::mon
