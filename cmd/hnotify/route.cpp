#include "cmd/hnotify/route.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <chrono>
#include <optional>

namespace hops::notify {

bool GlobMatch(const std::string& pattern, const std::string& s) {
  return ::fnmatch(pattern.c_str(), s.c_str(), 0) == 0;
}

bool IsProblem(const std::string& severity) {
  return severity == "warning" || severity == "critical" || severity == "unknown";
}

namespace {

bool AnyGlob(const std::vector<std::string>& patterns, const std::string& s) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return GlobMatch(p, s); });
}

bool AnyExact(const std::vector<std::string>& words, const std::string& s) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

/// An optional field against globs: no condition holds always, an absent field never.
bool OptionalGlob(const std::vector<std::string>& patterns, const std::optional<std::string>& v) {
  return patterns.empty() || (v && AnyGlob(patterns, *v));
}

/// A scope path or glob against the event's scope: "tokyo" also takes "tokyo/web".
bool ScopeMatch(const std::vector<std::string>& patterns, const std::optional<std::string>& scope) {
  if (patterns.empty()) return true;
  if (!scope) return false;
  for (const std::string& p : patterns) {
    if (GlobMatch(p, *scope)) return true;
    // Every ancestor of the event's scope is tried too, so a pattern names a subtree.
    for (size_t slash = scope->rfind('/'); slash != std::string::npos && slash > 0; slash = scope->rfind('/', slash - 1))
      if (GlobMatch(p, scope->substr(0, slash))) return true;
  }
  return false;
}

}  // namespace

bool Match::Matches(const Event& e) const {
  if (!kind.empty() && !AnyGlob(kind, e.kind)) return false;
  if (!status.empty() && !AnyExact(status, e.status)) return false;
  if (!severity.empty() && !AnyExact(severity, e.severity)) return false;
  if (!key.empty() && !AnyGlob(key, e.key)) return false;
  if (!tool.empty() && !AnyExact(tool, e.tool)) return false;
  if (!OptionalGlob(monitor, e.monitor) || !OptionalGlob(job, e.job) || !OptionalGlob(node, e.node)) return false;
  // Scopes and inventory tags: either kind of selector may take the event.
  if (!scope_tags.empty()) {
    const bool by_tag = e.node && tag_nodes.count(*e.node);
    if (!by_tag && (scope.empty() || !ScopeMatch(scope, e.scope))) return false;
  } else if (!ScopeMatch(scope, e.scope)) {
    return false;
  }
  if (changed && *changed != e.changed.value_or(false)) return false;
  return true;
}

bool CalendarOpen(const Route& route, int64_t now_ms) {
  if (!route.cal) return true;
  cal::DayInfo info;
  return cal::IsOpenAt(*route.cal, cal::Instant(std::chrono::seconds(now_ms / 1000)), &info);
}

std::vector<const Route*> MatchRoutes(const NotifyFile& file, const Event& e, std::optional<int64_t> now_ms) {
  std::vector<const Route*> out;
  const int64_t now = now_ms ? *now_ms
                             : std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  for (const Route& r : file.routes) {
    if (!r.match.Matches(e)) continue;
    const Route* use = CalendarOpen(r, now) ? &r : r.otherwise.get();
    if (!use) continue;
    out.push_back(use);
    if (!use->cont) break;
  }
  return out;
}

std::vector<Target> RouteEvent(const NotifyFile& file, const Event& e, std::optional<int64_t> now_ms) {
  std::vector<Target> out;
  for (const Route* r : MatchRoutes(file, e, now_ms))
    for (const std::string& ch : r->channels)
      if (std::none_of(out.begin(), out.end(), [&](const Target& t) { return t.channel == ch; }))
        out.push_back({r, ch});
  return out;
}

}  // namespace hops::notify
