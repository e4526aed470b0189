#include "cmd/hnotify/config.hpp"

#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "common/inventory.hpp"
#include "common/settings.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::notify {

const std::vector<std::string> kFileKeys = {"version", "defaults", "channels", "routes", "inhibit"};
const std::vector<std::string> kDefaultsKeys = {"timeout", "language", "title", "body", "retry",
                                                "dedupe", "repeat", "send_recovery", "group"};
const std::vector<std::string> kRouteKeys = {"name", "match", "channels", "continue", "send_recovery", "dedupe",
                                             "repeat", "group", "fallback", "calendar", "else"};
const std::vector<std::string> kGroupKeys = {"by", "limit", "window"};
const std::vector<std::string> kInhibitKeys = {"source", "target", "equal"};
const std::vector<std::string> kElseKeys = {"channels", "continue", "send_recovery", "dedupe", "repeat", "group",
                                            "fallback"};
const std::vector<std::string> kEventFields = {"kind", "status", "severity", "key", "monitor", "job",
                                               "node", "scope", "tool", "host", "calendar"};

std::string EventField(const Event& e, const std::string& field) {
  if (field == "kind") return e.kind;
  if (field == "status") return e.status;
  if (field == "severity") return e.severity;
  if (field == "key") return e.key;
  if (field == "tool") return e.tool;
  if (field == "host") return e.host;
  const std::optional<std::string>* v = field == "monitor" ? &e.monitor
                                        : field == "job"   ? &e.job
                                        : field == "node"  ? &e.node
                                        : field == "scope" ? &e.scope
                                        : field == "calendar" ? &e.calendar
                                                              : nullptr;
  return v && *v ? **v : std::string();
}
const std::vector<std::string> kMatchKeys = {"kind", "status", "severity", "key", "monitor",
                                             "job", "node", "scope", "tool", "changed"};
const std::vector<std::string> kRetryKeys = {"backoff", "max_backoff", "attempts", "max_age"};

const Channel* NotifyFile::FindChannel(const std::string& name) const {
  for (const auto& c : channels)
    if (c->name() == name) return c.get();
  return nullptr;
}

const Route* NotifyFile::FindRoute(const std::string& name) const {
  for (const auto& r : routes) {
    if (r.name == name) return &r;
    if (r.otherwise && r.otherwise->name == name) return r.otherwise.get();
  }
  return nullptr;
}

std::vector<std::string> NotifyFile::ChannelNames() const {
  std::vector<std::string> out;
  for (const auto& c : channels) out.push_back(c->name());
  return out;
}

namespace {

std::chrono::milliseconds Duration(const YamlDoc& doc, const YAML::Node& node, const std::string& key,
                                   std::chrono::milliseconds min) {
  const std::string text = ScalarText(doc, node, "'" + key + "'");
  auto d = ParseDuration(text);
  if (!d) doc.Fail(node, "invalid duration '" + text + "' for '" + key + "': expected e.g. 30s, 5m, 1h");
  if (*d < min) doc.Fail(node, "'" + key + "' must be at least " + FormatDuration(min));
  return *d;
}

/// `repeat:`: a duration, or 0 / "off" / false for never.
std::optional<std::chrono::milliseconds> Repeat(const YamlDoc& doc, const YAML::Node& node) {
  const std::string text = ScalarText(doc, node, "'repeat'");
  if (text == "0" || text == "off" || text == "never" || text == "false") return std::nullopt;
  return Duration(doc, node, "repeat", std::chrono::seconds(1));
}

std::string Language(const YamlDoc& doc, const MapReader& r) {
  const std::string lang = *r.String("language");
  if (lang != "en" && lang != "ja")
    doc.Fail(r.Get("language"), "'language' must be en or ja, not " + Quote(lang));
  return lang;
}

RetryPolicy ReadRetry(const YamlDoc& doc, const YAML::Node& node, RetryPolicy p,
                      std::vector<DefinitionError>* errors) {
  MapReader r(doc, node, "'retry'", kRetryKeys, errors);
  if (r.Has("backoff")) p.backoff = Duration(doc, r.Get("backoff"), "backoff", std::chrono::milliseconds(100));
  if (r.Has("max_backoff"))
    p.max_backoff = Duration(doc, r.Get("max_backoff"), "max_backoff", std::chrono::milliseconds(100));
  if (auto n = r.Int("attempts", 1, 1000)) p.attempts = static_cast<int>(*n);
  if (r.Has("max_age")) p.max_age = Duration(doc, r.Get("max_age"), "max_age", std::chrono::seconds(1));
  if (p.max_backoff < p.backoff) doc.Fail(node, "'max_backoff' must not be shorter than 'backoff'");
  return p;
}

/// A string or a list of strings.
std::vector<std::string> Strings(const YamlDoc& doc, const YAML::Node& node, const std::string& key,
                                 std::vector<SourceLoc>* locs = nullptr) {
  std::vector<std::string> out;
  auto one = [&](const YAML::Node& n) {
    std::string v = ScalarText(doc, n, "a value of '" + key + "'");
    if (v.empty()) doc.Fail(n, "'" + key + "' has an empty value");
    out.push_back(std::move(v));
    if (locs) locs->push_back(doc.Loc(n));
  };
  if (node.IsSequence()) {
    if (node.size() == 0) doc.Fail(node, "'" + key + "' is an empty list");
    for (const auto& n : node) one(n);
  } else {
    one(node);
  }
  return out;
}

bool IsScopeGlob(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._-/*?[]!%").find(c) != std::string_view::npos;
  });
}

Match ReadMatch(const YamlDoc& doc, const YAML::Node& node, std::vector<DefinitionError>* errors) {
  MapReader r(doc, node, "'match'", kMatchKeys, errors);
  Match m;
  auto list = [&](const char* key, std::vector<std::string>* out) {
    if (r.Has(key)) *out = Strings(doc, r.Get(key), key);
  };
  list("kind", &m.kind);
  list("status", &m.status);
  list("key", &m.key);
  list("monitor", &m.monitor);
  list("job", &m.job);
  list("node", &m.node);
  list("tool", &m.tool);
  if (r.Has("severity")) {
    std::vector<SourceLoc> locs;
    m.severity = Strings(doc, r.Get("severity"), "severity");
    const YAML::Node sev = r.Get("severity");
    for (size_t i = 0; i < m.severity.size(); ++i) {
      if (ParseSeverity(m.severity[i])) continue;
      const YAML::Node at = sev.IsSequence() ? sev[i] : sev;
      doc.Fail(at, "unknown severity " + Quote(m.severity[i]) +
                       DidYouMean(m.severity[i], {"info", "ok", "warning", "critical", "unknown"}) +
                       " (severities: info, ok, warning, critical, unknown)");
    }
  }
  if (r.Has("scope")) {
    const std::vector<std::string> scopes = Strings(doc, r.Get("scope"), "scope");
    const YAML::Node sc = r.Get("scope");
    for (size_t i = 0; i < scopes.size(); ++i) {
      const YAML::Node at = sc.IsSequence() ? sc[i] : sc;
      if (scopes[i].rfind("tag:", 0) == 0 && scopes[i].size() > 4) {
        m.scope_tags.emplace_back(scopes[i], doc.Loc(at));
        continue;
      }
      if (!IsScopeGlob(scopes[i]))
        doc.Fail(at, "invalid scope " + Quote(scopes[i]) +
                         ": a scope path (tokyo/web), a glob (tokyo/*) or an inventory tag (tag:role=web)");
      m.scope.push_back(scopes[i]);
    }
  }
  m.changed = r.Bool("changed");
  return m;
}

/// The words that make a key look like a secret written inline.
bool LooksSecret(const std::string& key) {
  const std::string k = Lower(key);
  for (const char* w : {"token", "password", "passwd", "secret", "apikey", "api_key", "routing_key", "webhook"})
    if (k.find(w) != std::string::npos) return true;
  return EndsWith(k, "_key");
}

/// Reads one `channels:` entry.
std::unique_ptr<Channel> ReadChannel(const YamlDoc& doc, const YAML::Node& key, const YAML::Node& value,
                                     const Defaults& defaults, const Template& default_title,
                                     const Template& default_body, const TimeZone* zone,
                                     std::vector<DefinitionError>* errors) {
  ChannelCommon c;
  c.name = ScalarText(doc, key, "a channel name");
  c.loc = doc.Loc(key);
  if (c.name.empty()) doc.Fail(key, "a channel name must not be empty");
  const std::string what = "channel " + Quote(c.name);
  if (!value.IsMap()) doc.Fail(value, what + " must be a mapping with a 'type', not " + std::string(NodeTypeName(value)));
  const YAML::Node type_node = value["type"];
  if (!type_node) doc.Fail(key, what + " has no 'type' (one of slack, webhook, command, email, chatwork, line, teams, pagerduty)");
  const std::string type = ScalarText(doc, type_node, "'type'");
  const ChannelType* ct = nullptr;
  std::vector<std::string> names;
  for (const auto& t : ChannelTypes()) {
    names.push_back(t.name);
    if (t.name == type) ct = &t;
  }
  if (!ct) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    doc.Fail(type_node, "unknown channel type " + Quote(type) + DidYouMean(type, names) + " (types: " + list + ")");
  }
  std::vector<std::string> allowed = kChannelCommonKeys;
  allowed.insert(allowed.end(), ct->keys.begin(), ct->keys.end());
  // A secret written inline is refused before the unknown-key check could call it a typo.
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string k = it->first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
    const bool has_ref = std::find(allowed.begin(), allowed.end(), k + "_env") != allowed.end();
    if (has_ref)
      doc.Fail(it->first, "'" + k + "' of " + what + " is a secret and must not be written into the file: give it with '" +
                              k + "_env' (an environment variable) or '" + k + "_file' (a file)");
    if (LooksSecret(k))
      doc.Fail(it->first, "'" + k + "' looks like a secret written into the file: hnotify reads secrets only through '*_env' "
                          "and '*_file' keys (a " + type + " channel takes: " +
                          [&] {
                            std::string l;
                            for (const auto& a : ct->keys) l += (l.empty() ? "" : ", ") + a;
                            return l;
                          }() + ")");
  }
  MapReader r(doc, value, what, allowed, errors);
  c.type = type;
  c.timeout = r.Has("timeout") ? Duration(doc, r.Get("timeout"), "timeout", std::chrono::milliseconds(100))
                               : defaults.timeout;
  c.language = r.Has("language") ? Language(doc, r) : defaults.language;
  c.zone = zone;
  c.retry = r.Has("retry") ? ReadRetry(doc, r.Get("retry"), defaults.retry, errors) : defaults.retry;
  c.title = r.Has("title") ? Template::Parse(doc, r.Get("title"), "'title'", {})
            : !default_title.empty() ? default_title
                                     : DefaultTitle(c.language);
  c.body = r.Has("body") ? Template::Parse(doc, r.Get("body"), "'body'", {"title"})
           : !default_body.empty() ? default_body
                                   : DefaultBody(c.language);
  return ct->parse(doc, r, std::move(c));
}

/// A list of event field names (kEventFields).
std::vector<std::string> Fields(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
  std::vector<std::string> out = Strings(doc, node, key);
  for (size_t i = 0; i < out.size(); ++i)
    if (std::find(kEventFields.begin(), kEventFields.end(), out[i]) == kEventFields.end()) {
      std::string list;
      for (const auto& f : kEventFields) list += (list.empty() ? "" : ", ") + f;
      doc.Fail(node.IsSequence() ? node[i] : node, "unknown event field " + Quote(out[i]) + " in '" + key + "'" +
                                                       DidYouMean(out[i], kEventFields) + " (fields: " + list + ")");
    }
  return out;
}

GroupPolicy ReadGroup(const YamlDoc& doc, const YAML::Node& node, GroupPolicy g, std::vector<DefinitionError>* errors) {
  MapReader r(doc, node, "'group'", kGroupKeys, errors);
  if (r.Has("by")) g.by = Fields(doc, r.Get("by"), "by");
  if (auto n = r.Int("limit", 0, 100000)) g.limit = static_cast<int>(*n);
  if (r.Has("window")) g.window = Duration(doc, r.Get("window"), "window", std::chrono::seconds(1));
  return g;
}

InhibitRule ReadInhibit(const YamlDoc& doc, const YAML::Node& node, std::vector<DefinitionError>* errors) {
  InhibitRule rule;
  rule.loc = doc.Loc(node);
  if (!node.IsMap()) doc.Fail(node, "an 'inhibit' entry must be a mapping, not " + std::string(NodeTypeName(node)));
  MapReader r(doc, node, "an 'inhibit' entry", kInhibitKeys, errors);
  rule.source = ReadMatch(doc, r.Require("source"), errors);
  rule.target = ReadMatch(doc, r.Require("target"), errors);
  if (r.Has("equal")) rule.equal = Fields(doc, r.Get("equal"), "equal");
  return rule;
}

/// The keys a route and its `else:` share: channels, continue, send_recovery, dedupe, repeat,
/// group and fallback, each starting from @p route's value.
void ReadRouteBody(const YamlDoc& doc, const MapReader& r, Route* route, std::vector<SourceLoc>* channel_locs,
                   std::vector<SourceLoc>* fallback_locs, std::vector<DefinitionError>* errors) {
  route->channels = Strings(doc, r.Require("channels"), "channels", channel_locs);
  route->cont = r.Bool("continue").value_or(route->cont);
  route->send_recovery = r.Bool("send_recovery").value_or(route->send_recovery);
  if (r.Has("dedupe")) route->dedupe = Duration(doc, r.Get("dedupe"), "dedupe", std::chrono::milliseconds(0));
  if (r.Has("repeat")) route->repeat = Repeat(doc, r.Get("repeat"));
  if (route->repeat && *route->repeat < route->dedupe)
    doc.Fail(r.Has("repeat") ? r.Get("repeat") : r.Get("dedupe"), "'repeat' must not be shorter than 'dedupe' (" +
                                                                    FormatDuration(route->dedupe) + ")");
  if (r.Has("group")) {
    const YAML::Node g = r.Get("group");
    const std::string off = g.IsScalar() ? g.Scalar() : "";
    if (off == "off" || off == "false") route->group.reset();
    else route->group = ReadGroup(doc, g, route->group.value_or(GroupPolicy{}), errors);
  }
  if (r.Has("fallback")) route->fallback = Strings(doc, r.Get("fallback"), "fallback", fallback_locs);
}

Route ReadRoute(const YamlDoc& doc, const YAML::Node& node, size_t index, const Defaults& defaults,
                std::vector<SourceLoc>* channel_locs, std::vector<DefinitionError>* errors) {
  Route route;
  route.loc = doc.Loc(node);
  route.name = "#" + std::to_string(index + 1);
  if (!node.IsMap()) doc.Fail(node, "route " + route.name + " must be a mapping, not " + std::string(NodeTypeName(node)));
  MapReader r(doc, node, "route " + route.name, kRouteKeys, errors);
  if (auto n = r.String("name")) {
    if (n->empty() || n->front() == '#') doc.Fail(r.Get("name"), "a route name must not be empty or start with '#'");
    route.name = *n;
  }
  if (r.Has("match")) route.match = ReadMatch(doc, r.Get("match"), errors);
  route.send_recovery = defaults.send_recovery;
  route.dedupe = defaults.dedupe;
  route.repeat = defaults.repeat;
  route.group = defaults.group;
  // Channel names of the route, its fallback and its else are all checked against the channels.
  std::vector<SourceLoc> fallback_locs;
  ReadRouteBody(doc, r, &route, channel_locs, &fallback_locs, errors);
  if (r.Has("calendar")) {
    route.calendar = *r.String("calendar");
    route.calendar_loc = doc.Loc(r.Get("calendar"));
    if (route.calendar.empty()) doc.Fail(r.Get("calendar"), "'calendar' must name a calendar");
  }
  if (r.Has("else")) {
    if (route.calendar.empty()) doc.Fail(r.Get("else"), "'else' needs a 'calendar' (it applies while that calendar is closed)");
    const YAML::Node e = r.Get("else");
    if (!e.IsMap()) doc.Fail(e, "'else' must be a mapping with 'channels', not " + std::string(NodeTypeName(e)));
    MapReader er(doc, e, "'else' of route " + route.name, kElseKeys, errors);
    auto other = std::make_shared<Route>(route);
    other->name = route.name + "/else";
    other->loc = doc.Loc(e);
    other->fallback.clear();
    ReadRouteBody(doc, er, other.get(), channel_locs, &fallback_locs, errors);
    route.otherwise = std::move(other);
  }
  channel_locs->insert(channel_locs->end(), fallback_locs.begin(), fallback_locs.end());
  return route;
}

}  // namespace

NotifyFile LoadNotifyFile(const YamlDoc& doc, std::vector<DefinitionError>* errors, const TimeZone* zone) {
  NotifyFile file;
  file.path = file.id = doc.filename();
  try {
    const YAML::Node& root = doc.root();
    if (!root || root.IsNull()) doc.Fail(root, "the file is empty: expected 'channels' and 'routes'");
    MapReader top(doc, root, "the notify file", kFileKeys, errors);
    top.Int("version", 1, 1);
    Template default_title, default_body;
    if (top.Has("defaults")) {
      try {
        MapReader d(doc, top.Get("defaults"), "'defaults'", kDefaultsKeys, errors);
        Defaults& df = file.defaults;
        if (d.Has("timeout")) df.timeout = Duration(doc, d.Get("timeout"), "timeout", std::chrono::milliseconds(100));
        if (d.Has("language")) df.language = Language(doc, d);
        if (d.Has("retry")) df.retry = ReadRetry(doc, d.Get("retry"), df.retry, errors);
        if (d.Has("dedupe")) df.dedupe = Duration(doc, d.Get("dedupe"), "dedupe", std::chrono::milliseconds(0));
        if (d.Has("repeat")) df.repeat = Repeat(doc, d.Get("repeat"));
        if (auto b = d.Bool("send_recovery")) df.send_recovery = *b;
        if (d.Has("group")) df.group = ReadGroup(doc, d.Get("group"), GroupPolicy{}, errors);
        if (d.Has("title")) default_title = Template::Parse(doc, d.Get("title"), "'title'", {});
        if (d.Has("body")) default_body = Template::Parse(doc, d.Get("body"), "'body'", {"title"});
      } catch (const DefinitionError& e) {
        errors->push_back(e);
      }
    }
    const YAML::Node chs = top.Require("channels");
    if (!chs.IsMap()) doc.Fail(chs, "'channels' must map channel names to definitions, not " + std::string(NodeTypeName(chs)));
    std::set<std::string> seen;
    for (auto it = chs.begin(); it != chs.end(); ++it) {
      try {
        auto ch = ReadChannel(doc, it->first, it->second, file.defaults, default_title, default_body, zone, errors);
        if (!seen.insert(ch->name()).second) doc.Fail(it->first, "channel " + Quote(ch->name()) + " is defined twice");
        file.channels.push_back(std::move(ch));
      } catch (const DefinitionError& e) {
        errors->push_back(e);
      } catch (const YAML::Exception& e) {
        errors->push_back(doc.ErrorAt(it->first, "cannot read channel: " + e.msg));
      }
    }
    // Routes may name channels that failed to load; those are reported once, above.
    std::set<std::string> defined;
    for (auto it = chs.begin(); it != chs.end(); ++it)
      if (it->first.IsScalar()) defined.insert(it->first.Scalar());
    const YAML::Node routes = top.Require("routes");
    if (!routes.IsSequence()) doc.Fail(routes, "'routes' must be a list of routes, not " + std::string(NodeTypeName(routes)));
    std::set<std::string> route_names;
    for (size_t i = 0; i < routes.size(); ++i) {
      try {
        std::vector<SourceLoc> locs;
        Route route = ReadRoute(doc, routes[i], i, file.defaults, &locs, errors);
        if (!route_names.insert(route.name).second)
          doc.Fail(routes[i]["name"], "route " + Quote(route.name) + " is defined twice");
        std::vector<std::string> named = route.channels;
        if (route.otherwise) named.insert(named.end(), route.otherwise->channels.begin(), route.otherwise->channels.end());
        named.insert(named.end(), route.fallback.begin(), route.fallback.end());
        if (route.otherwise)
          named.insert(named.end(), route.otherwise->fallback.begin(), route.otherwise->fallback.end());
        for (size_t c = 0; c < named.size() && c < locs.size(); ++c) {
          if (defined.count(named[c])) continue;
          errors->emplace_back(locs[c], "route " + Quote(route.name) + " names undefined channel " + Quote(named[c]) +
                                            DidYouMean(named[c], {defined.begin(), defined.end()}),
                               doc.Line(locs[c].line));
        }
        file.routes.push_back(std::move(route));
      } catch (const DefinitionError& e) {
        errors->push_back(e);
      }
    }
    if (top.Has("inhibit")) {
      const YAML::Node inh = top.Get("inhibit");
      if (!inh.IsSequence()) doc.Fail(inh, "'inhibit' must be a list of rules, not " + std::string(NodeTypeName(inh)));
      for (size_t i = 0; i < inh.size(); ++i) {
        try {
          file.inhibit.push_back(ReadInhibit(doc, inh[i], errors));
        } catch (const DefinitionError& e) {
          errors->push_back(e);
        }
      }
    }
  } catch (const DefinitionError& e) {
    errors->push_back(e);
  }
  return file;
}

bool NeedsInventory(const NotifyFile& file) {
  return std::any_of(file.routes.begin(), file.routes.end(),
                     [](const Route& r) { return !r.match.scope_tags.empty(); });
}

void ResolveTags(NotifyFile* file, const inv::Inventory& inventory, std::vector<DefinitionError>* errors,
                 const YamlDoc* doc) {
  for (Route& r : file->routes) {
    for (const auto& [selector, loc] : r.match.scope_tags) {
      try {
        for (const inv::Node* n : inventory.Select({selector}, {})) r.match.tag_nodes.insert(n->id);
      } catch (const UsageError& e) {
        errors->emplace_back(loc, "route " + Quote(r.name) + ": " + e.what(), doc ? doc->Line(loc.line) : std::string());
      }
    }
  }
}

bool NeedsCalendars(const NotifyFile& file) {
  return std::any_of(file.routes.begin(), file.routes.end(), [](const Route& r) { return !r.calendar.empty(); });
}

void ResolveCalendars(NotifyFile* file, std::shared_ptr<const cal::Registry> registry,
                      std::vector<DefinitionError>* errors, const YamlDoc* doc) {
  std::vector<std::string> names;
  for (const cal::Calendar* c : registry->All()) names.push_back(c->name);
  for (Route& r : file->routes) {
    if (r.calendar.empty()) continue;
    try {
      r.cal = &registry->Find(r.calendar);
    } catch (const UsageError&) {
      errors->emplace_back(r.calendar_loc,
                           "route " + Quote(r.name) + " names unknown calendar " + Quote(r.calendar) +
                               DidYouMean(r.calendar, names),
                           doc ? doc->Line(r.calendar_loc.line) : std::string());
    }
  }
  file->calendars = std::move(registry);
}

std::string DefaultNotifyPath() { return DefaultConfigFile("notify.yaml"); }

std::string NotifySchema() {
  using J = nlohmann::ordered_json;
  const J str = {{"type", "string"}};
  const J duration = {{"type", "string"}, {"pattern", "^([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?$|^[0-9]+$"},
                      {"description", "a duration: 500ms, 30s, 5m, 1h30m, 2d"}};
  const J strings = {{"oneOf", J::array({str, {{"type", "array"}, {"items", str}, {"minItems", 1}}})}};
  J retry = {{"type", "object"}, {"additionalProperties", false},
             {"properties", {{"backoff", duration}, {"max_backoff", duration},
                             {"attempts", {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}}},
                             {"max_age", duration}}}};
  const J language = {{"enum", {"en", "ja"}}};
  const J templ = {{"type", "string"}, {"description", "text with {{placeholders}}: event fields, data.PATH, "
                                                      "status_label, time_local, channel, route, reason, id"}};
  const J repeat = {{"oneOf", J::array({duration, {{"enum", {"off", "never", "0"}}}, {{"const", false}}})}};
  const J field_enum = {{"enum", kEventFields}};
  const J fields = {{"oneOf", J::array({field_enum, {{"type", "array"}, {"items", field_enum}, {"minItems", 1}}})}};
  const J group_map = {{"type", "object"},
                       {"additionalProperties", false},
                       {"properties", {{"by", fields}, {"limit", {{"type", "integer"}, {"minimum", 0}}}, {"window", duration}}}};
  const J group = {{"oneOf", J::array({group_map, {{"enum", {"off", false}}}})}};
  J defaults = {{"type", "object"}, {"additionalProperties", false},
                {"properties", {{"timeout", duration}, {"language", language}, {"title", templ}, {"body", templ},
                                {"retry", retry}, {"dedupe", duration}, {"repeat", repeat},
                                {"send_recovery", {{"type", "boolean"}}}, {"group", group}}}};
  J common = {{"type", {{"type", "string"}}}, {"timeout", duration}, {"language", language},
              {"title", templ}, {"body", templ}, {"retry", retry}};
  J then = J::array();
  std::vector<std::string> type_names;
  for (const auto& t : ChannelTypes()) {
    type_names.push_back(t.name);
    J props = common;
    props["type"] = {{"const", t.name}};
    const J own = t.schema();
    for (const auto& [k, v] : own.items()) props[k] = v;
    then.push_back({{"if", {{"properties", {{"type", {{"const", t.name}}}}}}},
                    {"then", {{"description", t.summary}, {"additionalProperties", false}, {"properties", props}}}});
  }
  J channel = {{"type", "object"}, {"required", {"type"}}, {"properties", {{"type", {{"enum", type_names}}}}},
               {"allOf", then}};
  J match = {{"type", "object"}, {"additionalProperties", false}, {"properties", J::object()}};
  for (const auto& k : kMatchKeys) match["properties"][k] = strings;
  match["properties"]["severity"] = {
      {"oneOf", J::array({{{"enum", {"info", "ok", "warning", "critical", "unknown"}}},
                          {{"type", "array"}, {"items", {{"enum", {"info", "ok", "warning", "critical", "unknown"}}}}}})}};
  match["properties"]["changed"] = {{"type", "boolean"}};
  J otherwise = {{"type", "object"}, {"additionalProperties", false}, {"required", {"channels"}},
                 {"properties", {{"channels", strings}, {"continue", {{"type", "boolean"}}},
                                 {"send_recovery", {{"type", "boolean"}}}, {"dedupe", duration}, {"repeat", repeat},
                                 {"group", group}, {"fallback", strings}}}};
  J route = {{"type", "object"}, {"additionalProperties", false}, {"required", {"channels"}},
             {"properties", {{"name", str}, {"match", {{"$ref", "#/$defs/match"}}}, {"channels", strings},
                             {"continue", {{"type", "boolean"}}}, {"send_recovery", {{"type", "boolean"}}},
                             {"dedupe", duration}, {"repeat", repeat}, {"group", group}, {"fallback", strings},
                             {"calendar", str}, {"else", otherwise}}}};
  J inhibit = {{"type", "object"}, {"additionalProperties", false}, {"required", {"source", "target"}},
               {"properties", {{"source", {{"$ref", "#/$defs/match"}}}, {"target", {{"$ref", "#/$defs/match"}}},
                               {"equal", fields}}}};
  J schema = {{"$schema", "https://json-schema.org/draft/2020-12/schema"},
              {"$id", "https://hops.invalid/schema/notify.json"},
              {"title", "hops notify file (hnotify(5))"},
              {"type", "object"},
              {"additionalProperties", false},
              {"required", {"channels", "routes"}},
              {"properties", {{"version", {{"const", 1}}},
                              {"defaults", defaults},
                              {"channels", {{"type", "object"}, {"additionalProperties", {{"$ref", "#/$defs/channel"}}}}},
                              {"routes", {{"type", "array"}, {"items", {{"$ref", "#/$defs/route"}}}}},
                              {"inhibit", {{"type", "array"}, {"items", inhibit}}}}},
              {"$defs", {{"channel", channel}, {"route", route}, {"match", match}}}};
  return schema.dump(2);
}

}  // namespace hops::notify
