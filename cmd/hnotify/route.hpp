// Routing: which routes of a definition file an event takes, and so which channels it goes to.
// Alertmanager's order: routes are tried top to bottom, the first that matches takes the event,
// unless it says `continue: true`, in which case the routes below it are tried as well.
#ifndef HOPS_CMD_HNOTIFY_ROUTE_HPP_
#define HOPS_CMD_HNOTIFY_ROUTE_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cmd/hnotify/config.hpp"
#include "common/event.hpp"

namespace hops::notify {

/// One channel an event goes to, and the route that sends it there.
struct Target {
  const Route* route = nullptr;
  std::string channel;
};

/// The routes @p e takes at @p now_ms (ms since the epoch; nullopt: the system clock), in file
/// order: every matching route up to and including the first matching one without `continue:
/// true`. A route with a `calendar:` that is closed at that time is replaced by its `else:`, or
/// is passed over when it has none.
std::vector<const Route*> MatchRoutes(const NotifyFile& file, const Event& e,
                                      std::optional<int64_t> now_ms = std::nullopt);

/// The channels of MatchRoutes(@p file, @p e, @p now_ms), each once (the first route naming it
/// sends it).
std::vector<Target> RouteEvent(const NotifyFile& file, const Event& e, std::optional<int64_t> now_ms = std::nullopt);

/// Whether @p route applies at @p now_ms: it has no calendar, or its calendar is open then.
bool CalendarOpen(const Route& route, int64_t now_ms);

/// True for a severity that is a problem: warning, critical, unknown.
bool IsProblem(const std::string& severity);

/// True when @p pattern (a glob, fnmatch(3) without special treatment of '/') matches @p s.
bool GlobMatch(const std::string& pattern, const std::string& s);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_ROUTE_HPP_
