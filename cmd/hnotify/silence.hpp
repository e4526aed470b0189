// Silences: events matching a silence are not notified until it ends (`hnotify silence add`).
// They live in the state store (kv namespace hnotify.silence, one value per silence expiring when
// the silence does), so every definition file and every run sharing the store honours them.
#ifndef HOPS_CMD_HNOTIFY_SILENCE_HPP_
#define HOPS_CMD_HNOTIFY_SILENCE_HPP_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cmd/hnotify/config.hpp"
#include "common/event.hpp"
#include "common/state.hpp"

namespace hops::notify {

/// kv namespace of the silences.
constexpr const char* kSilenceNs = "hnotify.silence";

/// One silence.
struct Silence {
  std::string id;                                        ///< short random hex
  std::map<std::string, std::vector<std::string>> pairs;  ///< match keys to values, as given
  Match match;                                           ///< built from pairs
  int64_t until_ms = 0;                                  ///< when it ends
  int64_t created_ms = 0;                                ///< when it was added
  std::string comment;
  std::string author;                                    ///< the user who added it
};

/// Parses `--match` arguments "K=V" (K a `match:` key; V a glob or word, for severity and status
/// a comma-separated list) into key → values; throws UsageError naming the bad one.
std::map<std::string, std::vector<std::string>> ParseMatchPairs(const std::vector<std::string>& args);

/// The Match of @p pairs (keys and values as in a route's `match:`); throws UsageError.
Match MatchFromPairs(const std::map<std::string, std::vector<std::string>>& pairs);

/// Stores a silence; returns it with its new id.
Silence AddSilence(StateStore* store, const std::map<std::string, std::vector<std::string>>& pairs, int64_t until_ms,
                   const std::string& comment, int64_t now_ms);
/// The silences in force (not yet ended), by end time.
std::vector<Silence> ListSilences(StateStore* store);
/// Removes silence @p id; false when there is none (or it has ended).
bool RemoveSilence(StateStore* store, const std::string& id);
/// The first of @p silences that @p e matches, or nullptr.
const Silence* FindSilence(const std::vector<Silence>& silences, const Event& e);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_SILENCE_HPP_
