#include "cmd/hmon-check/definitions.hpp"

#include <elf.h>
#include <link.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <stdexcept>
#include <unordered_set>

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
    "type",     "description", "runbook", "report", "target",  "scope",  "nodes",    "timeout",
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

/// Where a type's validation message @p err points: at the value of the first key it names in
/// quotes that the monitor writes, at 'target' when it is about the target or URL, else at
/// @p fallback (the monitor's id).
YAML::Node ValidationNode(const MapReader& m, const std::string& err, const YAML::Node& fallback) {
  for (size_t open = err.find('\''); open != std::string::npos; open = err.find('\'', open + 1)) {
    const size_t close = err.find('\'', open + 1);
    if (close == std::string::npos) break;
    const std::string k = err.substr(open + 1, close - open - 1);
    if (m.Has(k)) return m.Get(k);
    open = close;
  }
  if ((err.find("target") != std::string::npos || err.find("URL") != std::string::npos) && m.Has("target"))
    return m.Get("target");
  return fallback;
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
  d.runbook = m.String("runbook").value_or("");
  if (m.Has("report")) {
    // true: every label; false: none; a list: those labels.
    const YAML::Node r = m.Get("report");
    if (r.IsSequence()) {
      std::vector<SourceLoc> locs;
      StringListAt(doc, r, "'report'", &d.report, &locs);
      for (size_t i = 0; i < d.report.size(); ++i)
        if (d.report[i].empty() || d.report[i] == "*")
          doc.Fail(r[i], "'report' lists perfdata labels, got '" + d.report[i] + "'");
    } else if (auto b = m.Bool("report")) {
      if (*b) d.report = {"*"};
      else d.report_off = true;
    }
  }
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
  if (auto p = m.String("depends_on")) {
    d.depends_on = *p;
    d.depends_loc = doc.Loc(m.Get("depends_on"));
  }
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
    if (m.Has("runbook")) texts.emplace_back(d.runbook, m.Get("runbook"));
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
      if (!err.empty()) doc.Fail(ValidationNode(m, err, key), what + ": " + err);
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

namespace {

/// Reads the monitors of @p doc into @p file. False when @p doc is split and an entry does not
/// read alone: the caller reads the file whole then.
bool LoadInto(const YamlDoc& doc, MonitorFile* file, std::vector<DefinitionError>* errors) {
  file->path = doc.filename();
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
    std::unordered_set<std::string> seen;
    auto add = [&](const YamlDoc& d, const YAML::Node& key, const YAML::Node& value) {
      try {
        MonitorDef m = ParseMonitor(d, key, value, defaults);
        if (!seen.insert(m.id).second) d.Fail(key, "monitor '" + m.id + "' is defined twice");
        file->Add(m);
      } catch (const DefinitionError& e) {
        errors->push_back(e);
      } catch (const YAML::Exception& e) {
        errors->push_back(d.ErrorAt(key, "cannot read monitor: " + e.msg));
      }
    };
    if (doc.EntryCount() > 0) {
      for (size_t i = 0; i < doc.EntryCount(); ++i) {
        std::optional<YamlDoc> e = doc.Entry(i);
        if (!e) return false;
        add(*e, e->root().begin()->first, e->root().begin()->second);
      }
    } else {
      for (auto it = ms.begin(); it != ms.end(); ++it) add(doc, it->first, it->second);
    }
    // Dependencies must name monitors of this file, without cycles.
    for (size_t i = 0; i < file->size(); ++i) {
      if (!file->has_parent(i)) continue;
      const MonitorDef m = file->at(i);
      auto fail = [&](const std::string& message) {
        errors->emplace_back(m.depends_loc, message, doc.Line(m.depends_loc.line));
      };
      if (m.depends_on == m.id) {
        fail("monitor '" + m.id + "' cannot depend on itself");
        continue;
      }
      if (!file->IndexOf(m.depends_on)) {
        fail("monitor '" + m.id + "' depends on undefined monitor '" + m.depends_on + "'" +
             DidYouMean(m.depends_on, file->Ids()));
        continue;
      }
      std::vector<std::string> chain{m.id};
      for (auto p = file->IndexOf(m.depends_on); p;) {
        const std::string& pid = file->id(*p);
        if (std::find(chain.begin(), chain.end(), pid) != chain.end()) {
          std::string path;
          for (const auto& c : chain) path += c + " -> ";
          fail("monitor '" + m.id + "' has a dependency cycle: " + path + pid);
          break;
        }
        chain.push_back(pid);
        if (!file->has_parent(*p)) break;
        p = file->IndexOf(file->at(*p).depends_on);
      }
    }
  } catch (const DefinitionError& e) {
    errors->push_back(e);
  }
  return true;
}

}  // namespace

MonitorFile LoadMonitorFile(const YamlDoc& doc, std::vector<DefinitionError>* errors) {
  MonitorFile file;
  LoadInto(doc, &file, errors);
  return file;
}

MonitorFile LoadMonitorText(const std::string& text, const std::string& path,
                            std::vector<DefinitionError>* errors) {
  if (std::optional<YamlDoc> split = YamlDoc::FromStringSplit(text, path, "monitors")) {
    MonitorFile file;
    std::vector<DefinitionError> split_errors;
    if (LoadInto(*split, &file, &split_errors)) {
      errors->insert(errors->end(), split_errors.begin(), split_errors.end());
      return file;
    }
  }
  return LoadMonitorFile(YamlDoc::FromString(text, path), errors);
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
  for (size_t m = 0; m < file.size(); ++m) {
    if (!file.per_node(m)) continue;
    const MonitorDef def = file.at(m);
    for (size_t i = 0; i < def.scopes.size(); ++i)
      check(def, def.scopes[i], i < def.scope_locs.size() ? def.scope_locs[i] : def.loc, false);
    for (size_t i = 0; i < def.nodes.size(); ++i)
      check(def, def.nodes[i], i < def.node_locs.size() ? def.node_locs[i] : def.loc, true);
  }
  return errors;
}

std::string TargetKey(const MonitorFile& file, const Target& target) {
  return file.id(target.monitor) + (target.node ? "/" + target.node->id : "");
}

Instance MakeInstance(const MonitorFile& file, const Target& target, std::shared_ptr<const MonitorDef> def) {
  if (!def) def = std::make_shared<const MonitorDef>(file.at(target.monitor));
  const inv::Node* node = target.node;
  Instance in;
  in.node = node;
  in.spec = def->base;
  in.key = def->id + (node ? "/" + node->id : "");
  in.spec.state_key = in.key;
  in.spec.node = node ? node->id : "";
  in.spec.timeout = def->timeout;
  in.runbook = def->runbook;
  if (node) {
    in.scope = node->scopes.empty() ? "" : node->scopes.front();
    std::string err;
    auto expand = [&](const std::string& text) {
      auto r = inv::ExpandNodeTemplate(text, *node, &err);
      if (!r) throw DefinitionError(def->loc, "monitor '" + def->id + "' for node '" + node->id + "': " + err);
      return *r;
    };
    in.spec.target = expand(def->target);
    in.runbook = expand(def->runbook);
    Params p;
    for (const auto& k : def->base.params.Keys()) {
      for (const auto& v : def->base.params.All(k)) p.Add(k, expand(v));
      for (const auto& [name, v] : def->base.params.Map(k)) p.SetMap(k, name, expand(v));
    }
    in.spec.params = p;
    std::string verr = CheckTypes().at(def->type)->Validate(in.spec);
    if (!verr.empty())
      throw DefinitionError(def->loc, "monitor '" + def->id + "' for node '" + node->id + "': " + verr);
  }
  in.def = std::move(def);
  return in;
}

std::vector<Target> ExpandTargets(const MonitorFile& file, const inv::Inventory* inventory,
                                  const std::vector<std::string>& only,
                                  const std::vector<std::string>& scopes,
                                  const std::vector<std::string>& nodes) {
  for (const auto& id : only)
    if (!file.IndexOf(id)) throw UsageError("unknown monitor '" + id + "'" + DidYouMean(id, file.Ids()));
  std::vector<const inv::Node*> cli_selection;
  const bool cli_filter = !scopes.empty() || !nodes.empty();
  if (cli_filter) {
    if (!inventory) throw UsageError("--scope and --node need an inventory (--inventory FILE)");
    cli_selection = inventory->Select(scopes, nodes);
  }
  std::vector<Target> out;
  for (size_t m = 0; m < file.size(); ++m) {
    if (!file.enabled(m)) continue;
    if (!only.empty() && std::find(only.begin(), only.end(), file.id(m)) == only.end()) continue;
    const Target self{uint32_t(m), nullptr};
    if (!file.per_node(m)) {
      if (!cli_filter) out.push_back(self);  // node filters select per-node monitors only
      continue;
    }
    auto def = std::make_shared<const MonitorDef>(file.at(m));
    if (!inventory)
      throw DefinitionError(def->loc, "monitor '" + def->id + "' selects nodes but no inventory is loaded (--inventory FILE)");
    std::vector<const inv::Node*> targets = inventory->Select(def->scopes, def->nodes);
    if (cli_filter) {
      std::vector<const inv::Node*> kept;
      for (const inv::Node* n : targets)
        if (std::find(cli_selection.begin(), cli_selection.end(), n) != cli_selection.end()) kept.push_back(n);
      targets = kept;
    }
    for (const inv::Node* node : targets) {
      Target t{uint32_t(m), node};
      MakeInstance(file, t, def);  // its errors are the file's, reported now rather than mid-run
      out.push_back(t);
    }
  }
  return out;
}

std::vector<Instance> ExpandInstances(const MonitorFile& file, const inv::Inventory* inventory,
                                      const std::vector<std::string>& only,
                                      const std::vector<std::string>& scopes,
                                      const std::vector<std::string>& nodes) {
  std::vector<Instance> out;
  for (const Target& t : ExpandTargets(file, inventory, only, scopes, nodes)) out.push_back(MakeInstance(file, t));
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
    props["runbook"] = {{"type", "string"}};
    props["report"] = {{"oneOf", J::array({{{"type", "boolean"}}, {{"type", "array"}, {"items", {{"type", "string"}, {"minLength", 1}}}}})}};
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

// The layout of a packed monitor (Pack below); bump it whenever Pack writes something else.
constexpr int kCacheFormat = 4;

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

/// Writes the fields of monitors: unsigned numbers as varints, strings with their length first.
class Packer {
 public:
  explicit Packer(std::string* out) : out_(out) {}
  void U(uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(char(v | 0x80));
      v >>= 7;
    }
    out_->push_back(char(v));
  }
  void I(int64_t v) { U(uint64_t(v) << 1 ^ uint64_t(v >> 63)); }
  void D(double v) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);
    out_->append(b, sizeof v);
  }
  void S(const std::string& v) {
    U(v.size());
    out_->append(v);
  }
  void Ss(const std::vector<std::string>& v) {
    U(v.size());
    for (const auto& x : v) S(x);
  }
  void L(const SourceLoc& l) {
    U(uint64_t(std::max(l.line, 0)));
    U(uint64_t(std::max(l.column, 0)));
  }
  void Ls(const std::vector<SourceLoc>& v) {
    U(v.size());
    for (const auto& l : v) L(l);
  }
  void R(const std::optional<nagios::Range>& r) {
    U(r ? 1 : 0);
    if (!r) return;
    D(r->start);
    D(r->end);
    U(uint64_t(r->start_inf) | uint64_t(r->end_inf) << 1 | uint64_t(r->inside) << 2);
    S(r->text);
  }

 private:
  std::string* out_;
};

/// Reads what Packer wrote; throws std::runtime_error past the end.
class Unpacker {
 public:
  Unpacker(const char* p, const char* end, const std::string& file) : p_(p), end_(end), file_(file) {}
  uint64_t U() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) throw std::runtime_error("truncated");
      const auto b = uint8_t(*p_++);
      v |= uint64_t(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("bad number");
  }
  int64_t I() {
    const uint64_t u = U();
    return int64_t(u >> 1) ^ -int64_t(u & 1);
  }
  double D() {
    double v;
    Need(sizeof v);
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  std::string S() {
    const uint64_t n = U();
    Need(n);
    std::string v(p_, n);
    p_ += n;
    return v;
  }
  std::vector<std::string> Ss() {
    std::vector<std::string> v(Count());
    for (auto& x : v) x = S();
    return v;
  }
  SourceLoc L() {
    SourceLoc l;
    l.line = int(U());
    l.column = int(U());
    if (l.line > 0) l.file = file_;
    return l;
  }
  std::vector<SourceLoc> Ls() {
    std::vector<SourceLoc> v(Count());
    for (auto& l : v) l = L();
    return v;
  }
  std::optional<nagios::Range> R() {
    if (!U()) return std::nullopt;
    nagios::Range r;
    r.start = D();
    r.end = D();
    const uint64_t f = U();
    r.start_inf = f & 1;
    r.end_inf = f & 2;
    r.inside = f & 4;
    r.text = S();
    return r;
  }
  /// A count of items, each at least one byte long.
  size_t Count() {
    const uint64_t n = U();
    Need(n);
    return size_t(n);
  }
  bool done() const { return p_ == end_; }
  const char* position() const { return p_; }
  void Skip(size_t n) {
    Need(n);
    p_ += n;
  }

 private:
  void Need(uint64_t n) const {
    if (n > uint64_t(end_ - p_)) throw std::runtime_error("truncated");
  }
  const char* p_;
  const char* end_;
  const std::string& file_;
};

uint8_t FlagsOf(const MonitorDef& d) {
  bool secret = !d.base.params.Map("env").empty();
  for (const auto& [name, value] : d.base.params.Map("headers")) secret = secret || http::IsSecretHeader(name);
  return uint8_t((d.enabled ? 1 : 0) | (d.calendar.empty() ? 0 : 2) | (d.depends_on.empty() ? 0 : 4) |
                 (d.scopes.empty() && d.nodes.empty() ? 0 : 8) | (secret ? 16 : 0));
}

/// Appends @p d to @p out. The id, type and flags come first, so that an index can be rebuilt
/// without unpacking the rest.
void Pack(const MonitorDef& d, std::string* out) {
  Packer p(out);
  p.S(d.id);
  p.S(d.type);
  p.U(FlagsOf(d));
  p.S(d.description);
  p.S(d.runbook);
  p.Ss(d.report);
  p.U(d.report_off);
  p.S(d.target);
  p.Ss(d.scopes);
  p.Ls(d.scope_locs);
  p.Ss(d.nodes);
  p.Ls(d.node_locs);
  p.I(d.timeout.count());
  p.S(d.calendar);
  p.L(d.calendar_loc);
  p.S(d.depends_on);
  p.L(d.depends_loc);
  const StateRules& r = d.rules;
  for (int v : {r.after, r.recover_after, r.window_m, r.window_n, int(r.flapping), r.flap_window, r.flap_low, r.flap_high})
    p.I(v);
  p.L(d.loc);
  const Params& params = d.base.params;
  const std::vector<std::string> keys = params.Keys();
  p.U(keys.size());
  for (const auto& k : keys) {
    p.S(k);
    p.Ss(params.All(k));
    const auto& map = params.Map(k);
    p.U(map.size());
    for (const auto& [name, v] : map) {
      p.S(name);
      p.S(v);
    }
  }
  p.U(d.base.conditions.size());
  for (const Condition& c : d.base.conditions) {
    p.S(c.what);
    p.S(c.op);
    p.Ss(c.values);
    p.S(c.path);
    p.U(uint64_t(c.severity));
    p.S(c.text);
  }
  p.U(d.base.thresholds.size());
  for (const auto& [measure, t] : d.base.thresholds) {
    p.S(measure);
    p.R(t.warning);
    p.R(t.critical);
  }
}

MonitorDef Unpack(const char* begin, const char* end, const std::string& file) {
  Unpacker u(begin, end, file);
  MonitorDef d;
  d.id = u.S();
  d.type = u.S();
  u.U();  // flags: the index has them
  d.description = u.S();
  d.runbook = u.S();
  d.report = u.Ss();
  d.report_off = u.U() != 0;
  d.target = u.S();
  d.scopes = u.Ss();
  d.scope_locs = u.Ls();
  d.nodes = u.Ss();
  d.node_locs = u.Ls();
  d.timeout = std::chrono::milliseconds(u.I());
  d.calendar = u.S();
  d.calendar_loc = u.L();
  d.depends_on = u.S();
  d.depends_loc = u.L();
  StateRules& r = d.rules;
  for (int* v : {&r.after, &r.recover_after, &r.window_m, &r.window_n}) *v = int(u.I());
  r.flapping = u.I() != 0;
  for (int* v : {&r.flap_window, &r.flap_low, &r.flap_high}) *v = int(u.I());
  d.loc = u.L();
  d.enabled = true;
  d.base.monitor = d.id;
  d.base.type = d.type;
  d.base.timeout = d.timeout;
  d.base.target = d.target;
  for (size_t n = u.Count(); n > 0; --n) {
    const std::string k = u.S();
    for (auto& v : u.Ss()) d.base.params.Add(k, std::move(v));
    for (size_t m = u.Count(); m > 0; --m) {
      std::string name = u.S();
      d.base.params.SetMap(k, name, u.S());
    }
  }
  for (size_t n = u.Count(); n > 0; --n) {
    Condition c;
    c.what = u.S();
    c.op = u.S();
    c.values = u.Ss();
    c.path = u.S();
    c.severity = static_cast<nagios::State>(u.U());
    c.text = u.S();
    d.base.conditions.push_back(std::move(c));
  }
  for (size_t n = u.Count(); n > 0; --n) {
    const std::string measure = u.S();
    nagios::Thresholds t;
    t.warning = u.R();
    t.critical = u.R();
    d.base.thresholds[measure] = t;
  }
  if (!u.done()) throw std::runtime_error("trailing bytes");
  return d;
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

MonitorDef MonitorFile::at(size_t i) const {
  const Entry& e = entries_.at(i);
  MonitorDef d = Unpack(packed_.data() + e.offset, packed_.data() + e.offset + e.size, path);
  d.enabled = e.flags & kEnabled;
  return d;
}

const std::string& MonitorFile::type(size_t i) const { return types_[entries_[i].type]; }

std::vector<std::string> MonitorFile::Ids() const {
  std::vector<std::string> ids;
  ids.reserve(entries_.size());
  for (const Entry& e : entries_) ids.push_back(e.id);
  return ids;
}

std::optional<size_t> MonitorFile::IndexOf(const std::string& id) const {
  if (by_id_.size() != entries_.size()) {
    by_id_.resize(entries_.size());
    for (size_t i = 0; i < by_id_.size(); ++i) by_id_[i] = uint32_t(i);
    std::stable_sort(by_id_.begin(), by_id_.end(), [&](uint32_t a, uint32_t b) { return entries_[a].id < entries_[b].id; });
  }
  auto it = std::lower_bound(by_id_.begin(), by_id_.end(), id,
                             [&](uint32_t a, const std::string& v) { return entries_[a].id < v; });
  if (it == by_id_.end() || entries_[*it].id != id) return std::nullopt;
  return *it;
}

void MonitorFile::Index(const MonitorDef& def, uint32_t offset, uint32_t size) {
  Entry e;
  e.id = def.id;
  e.offset = offset;
  e.size = size;
  auto t = std::find(types_.begin(), types_.end(), def.type);
  if (t == types_.end()) t = types_.insert(types_.end(), def.type);
  e.type = uint8_t(t - types_.begin());
  e.flags = FlagsOf(def);
  entries_.push_back(std::move(e));
  by_id_.clear();
}

void MonitorFile::Add(const MonitorDef& def) {
  const size_t offset = packed_.size();
  Pack(def, &packed_);
  if (packed_.size() > UINT32_MAX) throw RuntimeError("the monitor definitions are too large (over 4 GiB packed)");
  Index(def, uint32_t(offset), uint32_t(packed_.size() - offset));
}

std::string MonitorFile::Serialize() const {
  std::string out;
  out.reserve(packed_.size() + 3 * entries_.size());
  Packer p(&out);
  p.U(entries_.size());
  for (const Entry& e : entries_) {
    p.U(e.size);
    out.append(packed_, e.offset, e.size);
  }
  return out;
}

bool MonitorFile::Deserialize(const std::string& data) {
  entries_.clear();
  types_.clear();
  by_id_.clear();
  packed_.clear();
  try {
    const char* const end = data.data() + data.size();
    Unpacker u(data.data(), end, path);
    const size_t count = u.Count();
    entries_.reserve(count);
    packed_.reserve(data.size());
    for (size_t i = 0; i < count; ++i) {
      const size_t size = u.Count();
      const char* begin = u.position();
      MonitorDef head;
      Unpacker h(begin, begin + size, path);
      head.id = h.S();
      head.type = h.S();
      const auto flags = uint8_t(h.U());
      if (!CheckTypes().count(head.type)) throw std::runtime_error("unknown type");
      const size_t offset = packed_.size();
      packed_.append(begin, size);
      Index(head, uint32_t(offset), uint32_t(size));
      entries_.back().flags = flags;
      u.Skip(size);
    }
    if (!u.done()) throw std::runtime_error("trailing bytes");
    return true;
  } catch (const std::exception&) {
    entries_.clear();
    packed_.clear();
    return false;
  }
}

bool HoldsInlineSecrets(const MonitorFile& file) {
  for (size_t i = 0; i < file.size(); ++i)
    if (file.inline_secret(i)) return true;
  return false;
}

std::string MonitorFileToCache(const MonitorFile& file, const std::string& content_hash) {
  // Three header lines, then the packed monitors.
  return CacheStamp() + "\n" + content_hash + "\n" + file.path + "\n" + file.Serialize();
}

std::optional<MonitorFile> MonitorFileFromCache(const std::string& cached, const std::string& content_hash) {
  size_t a = cached.find('\n');
  size_t b = a == std::string::npos ? a : cached.find('\n', a + 1);
  size_t c = b == std::string::npos ? b : cached.find('\n', b + 1);
  if (c == std::string::npos) return std::nullopt;
  if (cached.compare(0, a, CacheStamp()) != 0 || cached.compare(a + 1, b - a - 1, content_hash) != 0)
    return std::nullopt;
  MonitorFile file;
  file.path = cached.substr(b + 1, c - b - 1);
  if (!file.Deserialize(cached.substr(c + 1))) return std::nullopt;  // an unreadable cache is not used
  return file;
}

}  // namespace hops::mon
