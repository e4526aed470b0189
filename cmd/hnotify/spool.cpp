#include "cmd/hnotify/spool.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>

namespace hops::notify {

std::string Payload::ToJson() const {
  nlohmann::ordered_json j;
  j["v"] = kPayloadVersion;
  j["channel"] = channel;
  if (!route.empty()) j["route"] = route;
  j["reason"] = reason;
  j["id"] = id;
  if (title) j["title"] = *title;
  if (body) j["body"] = *body;
  if (attempts) j["attempts"] = *attempts;
  if (!fallback_of.empty()) j["fallback_of"] = fallback_of;
  j["event"] = event;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<Payload> Payload::FromJson(const std::string& text, std::string* err) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, false);
  auto str = [&](const char* k) -> const std::string* {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
  };
  if (!j.is_object() || !j.contains("v") || j["v"] != kPayloadVersion || !str("channel") || !str("reason") ||
      !str("id") || !j.contains("event") || !j["event"].is_object()) {
    *err = "not a spooled notification of this hnotify version";
    return std::nullopt;
  }
  Payload p;
  p.channel = *str("channel");
  if (str("route")) p.route = *str("route");
  p.reason = *str("reason");
  p.id = *str("id");
  p.event = j["event"];
  if (str("title")) p.title = *str("title");
  if (str("body")) p.body = *str("body");
  if (j.contains("attempts") && j["attempts"].is_number_integer()) p.attempts = j["attempts"].get<int>();
  if (str("fallback_of")) p.fallback_of = *str("fallback_of");
  return p;
}

Message Payload::ToMessage(int attempt) const {
  Message m;
  m.event = event;
  m.channel = channel;
  m.route = route;
  m.reason = reason;
  m.id = id;
  m.attempt = attempt;
  m.title = title;
  m.body = body;
  return m;
}

std::string NewIdempotencyKey() {
  thread_local std::mt19937_64 rng{std::random_device{}() ^ (uint64_t(std::random_device{}()) << 32)};
  uint64_t hi = rng(), lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // variant 10
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", unsigned(hi >> 32), unsigned(hi >> 16 & 0xffff),
                unsigned(hi & 0xffff), unsigned(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

int64_t SystemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Spool::Queue(const std::string& channel) const { return "hnotify:" + file_id_ + ":" + channel; }

std::string Spool::RepeatQueue() const { return "hnotify-repeat:" + file_id_; }

std::string Spool::GroupQueue() const { return "hnotify-group:" + file_id_; }

std::string Spool::ChannelOf(const std::string& queue) const {
  const std::string prefix = "hnotify:" + file_id_ + ":";
  return queue.compare(0, prefix.size(), prefix) == 0 ? queue.substr(prefix.size()) : queue;
}

int64_t Spool::Enqueue(const Payload& p, int64_t not_before_ms) {
  if (!registered_.count(p.channel)) {
    // The registry of channels spooled to, updated by compare-and-swap: overlapping runs never
    // lose each other's entries.
    for (int tries = 0; tries < 100; ++tries) {
      const std::optional<std::string> cur = store_->GetValue(kQueuesNs, file_id_);
      nlohmann::ordered_json list = cur ? nlohmann::ordered_json::parse(*cur, nullptr, false) : nlohmann::ordered_json::array();
      if (!list.is_array()) list = nlohmann::ordered_json::array();
      if (std::find(list.begin(), list.end(), p.channel) != list.end()) break;
      list.push_back(p.channel);
      if (store_->CompareAndSwapValue(kQueuesNs, file_id_, cur, list.dump())) break;
    }
    registered_.insert(p.channel);
  }
  return store_->Enqueue(Queue(p.channel), p.ToJson(), not_before_ms);
}

std::vector<std::string> Spool::SpooledChannels(const std::vector<std::string>& configured) {
  std::vector<std::string> out = configured;
  if (const std::optional<std::string> cur = store_->GetValue(kQueuesNs, file_id_)) {
    const nlohmann::ordered_json list = nlohmann::ordered_json::parse(*cur, nullptr, false);
    if (list.is_array())
      for (const auto& c : list)
        if (c.is_string() && std::find(out.begin(), out.end(), c.get<std::string>()) == out.end())
          out.push_back(c.get<std::string>());
  }
  return out;
}

std::vector<QueueItem> Spool::List(const std::vector<std::string>& channels) {
  std::vector<QueueItem> out;
  for (const auto& c : channels)
    for (auto& item : store_->ListQueue(Queue(c))) out.push_back(std::move(item));
  std::sort(out.begin(), out.end(), [](const QueueItem& a, const QueueItem& b) { return a.id < b.id; });
  return out;
}

std::optional<QueueItem> Spool::Find(const std::vector<std::string>& channels, int64_t id) {
  for (auto& item : List(channels))
    if (item.id == id) return item;
  return std::nullopt;
}

}  // namespace hops::notify
