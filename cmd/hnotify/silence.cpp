#include "cmd/hnotify/silence.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "common/error.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"

namespace hops::notify {

std::map<std::string, std::vector<std::string>> ParseMatchPairs(const std::vector<std::string>& args) {
  std::map<std::string, std::vector<std::string>> out;
  for (const std::string& a : args) {
    const size_t eq = a.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == a.size())
      throw UsageError("invalid --match " + Quote(a) + ": expected KEY=VALUE, e.g. node=web1");
    const std::string key = a.substr(0, eq);
    if (std::find(kMatchKeys.begin(), kMatchKeys.end(), key) == kMatchKeys.end()) {
      std::string list;
      for (const auto& k : kMatchKeys) list += (list.empty() ? "" : ", ") + k;
      throw UsageError("unknown --match key " + Quote(key) + DidYouMean(key, kMatchKeys) + " (keys: " + list + ")");
    }
    std::string value = a.substr(eq + 1);
    std::vector<std::string>& v = out[key];
    if (key == "severity" || key == "status") {
      for (size_t start = 0;;) {
        const size_t comma = value.find(',', start);
        const std::string one = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        if (!one.empty()) v.push_back(one);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else {
      v.push_back(value);
    }
  }
  MatchFromPairs(out);  // checks the values
  return out;
}

Match MatchFromPairs(const std::map<std::string, std::vector<std::string>>& pairs) {
  Match m;
  for (const auto& [key, values] : pairs) {
    if (key == "kind") m.kind = values;
    else if (key == "status") m.status = values;
    else if (key == "key") m.key = values;
    else if (key == "monitor") m.monitor = values;
    else if (key == "job") m.job = values;
    else if (key == "node") m.node = values;
    else if (key == "scope") m.scope = values;
    else if (key == "tool") m.tool = values;
    else if (key == "severity") {
      for (const std::string& s : values)
        if (!ParseSeverity(s))
          throw UsageError("unknown severity " + Quote(s) +
                           DidYouMean(s, {"info", "ok", "warning", "critical", "unknown"}) +
                           " (severities: info, ok, warning, critical, unknown)");
      m.severity = values;
    } else if (key == "changed") {
      if (values.size() != 1 || (values[0] != "true" && values[0] != "false"))
        throw UsageError("'changed' takes true or false");
      m.changed = values[0] == "true";
    } else {
      throw UsageError("unknown match key " + Quote(key) + DidYouMean(key, kMatchKeys));
    }
  }
  return m;
}

namespace {

std::string NewSilenceId() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32)};
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", unsigned(rng() & 0xffffffffu));
  return buf;
}

std::string UserName() {
  if (const char* u = std::getenv("USER"); u && *u) return u;
  if (const char* u = getlogin(); u && *u) return u;
  return "uid " + std::to_string(getuid());
}

std::optional<Silence> FromJson(const std::string& text) {
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("match") || !j["match"].is_object()) return std::nullopt;
  Silence s;
  s.id = j.value("id", "");
  s.until_ms = j.value("until", int64_t{0});
  s.created_ms = j.value("created", int64_t{0});
  s.comment = j.value("comment", "");
  s.author = j.value("author", "");
  for (const auto& [k, v] : j["match"].items()) {
    if (!v.is_array()) return std::nullopt;
    for (const auto& one : v)
      if (one.is_string()) s.pairs[k].push_back(one.get<std::string>());
  }
  try {
    s.match = MatchFromPairs(s.pairs);
  } catch (const Error&) {
    return std::nullopt;  // written by a newer hnotify: not understood, so not applied
  }
  return s;
}

}  // namespace

Silence AddSilence(StateStore* store, const std::map<std::string, std::vector<std::string>>& pairs, int64_t until_ms,
                   const std::string& comment, int64_t now_ms) {
  Silence s;
  s.pairs = pairs;
  s.match = MatchFromPairs(pairs);
  s.until_ms = until_ms;
  s.created_ms = now_ms;
  s.comment = comment;
  s.author = UserName();
  nlohmann::ordered_json j = {{"match", nlohmann::ordered_json::object()},
                              {"until", until_ms},
                              {"created", now_ms},
                              {"comment", comment},
                              {"author", s.author}};
  for (const auto& [k, v] : pairs) j["match"][k] = v;
  for (;;) {
    s.id = NewSilenceId();
    j["id"] = s.id;
    if (store->PutValueIfAbsent(kSilenceNs, s.id, j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                until_ms))
      return s;
  }
}

std::vector<Silence> ListSilences(StateStore* store) {
  std::vector<Silence> out;
  for (const auto& [id, text] : store->ListValues(kSilenceNs, ""))
    if (std::optional<Silence> s = FromJson(text)) out.push_back(std::move(*s));
  std::stable_sort(out.begin(), out.end(), [](const Silence& a, const Silence& b) { return a.until_ms < b.until_ms; });
  return out;
}

bool RemoveSilence(StateStore* store, const std::string& id) {
  if (!store->GetValue(kSilenceNs, id)) return false;
  return store->DeleteValue(kSilenceNs, id);
}

const Silence* FindSilence(const std::vector<Silence>& silences, const Event& e) {
  for (const Silence& s : silences)
    if (s.match.Matches(e)) return &s;
  return nullptr;
}

}  // namespace hops::notify
