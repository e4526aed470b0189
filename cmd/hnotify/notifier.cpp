#include "cmd/hnotify/notifier.hpp"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>

#include "cmd/hnotify/silence.hpp"
#include "common/output.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::notify {

namespace {

/// How long a freshly spooled item waits before it is due unless Accept makes it due at once:
/// Accept spools first and decides on the dedupe record second, so a process killed in between
/// leaves a late notification, never a lost one.
constexpr int64_t kReserveMs = 60 * 1000;
/// How long an open problem is remembered without news of it.
constexpr int64_t kOpenTtlMs = 30LL * 24 * 3600 * 1000;
/// The lease of a repeat reminder being handled.
constexpr int64_t kReminderLeaseMs = 60 * 1000;
/// How long the delivery log keeps an entry (as long as hmon-check keeps status changes).
constexpr int64_t kDeliveryLogMs = 400LL * 24 * 3600 * 1000;
/// Bounded retries of compare-and-swap loops (each retry means another run wrote meanwhile).
constexpr int kCasTries = 100;

std::string StatusOf(const std::string& last) { return last.substr(0, last.find('\t')); }

int64_t SentOf(const std::string& last) {
  const size_t tab = last.find('\t');
  return tab == std::string::npos ? 0 : std::stoll(last.substr(tab + 1));
}

std::string Iso(int64_t ms) {
  return FormatTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

bool IsProblemStatusWord(const std::string& s) { return s == "warning" || s == "critical" || s == "unknown"; }

/// How bad a status is for a summary's status: the worst of those held.
int Rank(const std::string& s) {
  return s == "critical" ? 4 : s == "unknown" ? 3 : s == "warning" ? 2 : s == "ok" ? 1 : 0;
}

/// How many keys a group summary lists.
constexpr size_t kSummaryKeys = 10;

/// The delivery log's entry for @p p leaving the spool of @p ch with @p outcome.
Delivery Logged(const Payload& p, const Channel& ch, const std::string& outcome, const std::string& detail,
                int64_t now) {
  auto field = [&](const char* name) {
    const auto it = p.event.find(name);
    return it != p.event.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  Delivery d;
  d.time_ms = now;
  d.event_key = field("key");
  d.event_kind = field("kind");
  d.event_status = field("status");
  d.reason = p.reason;
  d.route = p.route;
  d.channel = ch.name();
  d.channel_type = ch.common().type;
  d.outcome = outcome;
  d.detail = Printable(detail.substr(std::min(detail.find_first_not_of(": "), detail.size())), 500);
  return d;
}

}  // namespace

std::string DescribePayload(const Payload& p) {
  auto field = [&](const char* k) {
    auto it = p.event.find(k);
    return it != p.event.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  return Printable(field("key"), 200) + " " + Printable(field("status"), 40) + " (" + p.reason + ")";
}

/// An item claimed for delivery.
struct Notifier::Claimed {
  const Channel* channel = nullptr;
  QueueItem item;
  Payload payload;
  Message message;
  Attempt attempt;
  int max_attempts = 0;
};

Notifier::Notifier(const NotifyFile& file, StateStore* store, NotifierOptions options)
    : file_(file), store_(store), opts_(std::move(options)), spool_(store, file.id) {
  rng_state_ = (uint64_t(std::random_device{}()) << 32) ^ std::random_device{}();
}

Notifier::~Notifier() = default;

void Notifier::Log(const std::string& line) const {
  if (opts_.log) opts_.log(line);
  else Warn(line);
}

std::vector<std::string> Notifier::AllSecrets() const {
  // Every secret of the file is read once, also those of channels this run does not use: a peer
  // may echo another channel's.
  if (!secrets_read_) {
    for (const auto& ch : file_.channels) ch->CheckSecrets();
    secrets_read_ = true;
  }
  std::vector<std::string> out;
  for (const auto& ch : file_.channels)
    for (std::string& s : ch->Secrets()) out.push_back(std::move(s));
  return out;
}

void Notifier::Verbose(const std::string& line) const {
  if (opts_.verbose > 0) Log(line);
}

double Notifier::Random() {
  if (opts_.random) return opts_.random();
  rng_state_ ^= rng_state_ << 13;
  rng_state_ ^= rng_state_ >> 7;
  rng_state_ ^= rng_state_ << 17;
  return double(rng_state_ >> 11) / double(uint64_t{1} << 53);
}

int64_t Notifier::LeaseMs(const Channel& ch) { return 2 * ch.common().timeout.count() + 5000; }

int64_t Notifier::BackoffMs(const RetryPolicy& p, int attempts, double random) {
  int64_t d = p.backoff.count();
  for (int i = 1; i < attempts && d < p.max_backoff.count(); ++i) d *= 2;
  d = std::min<int64_t>(d, p.max_backoff.count());
  return d / 2 + static_cast<int64_t>(double(d - d / 2) * random);
}

std::string Notifier::LastKey(const std::string& route, const std::string& channel, const std::string& key) const {
  return file_.id + '\x1f' + route + '\x1f' + channel + '\x1f' + key;
}

std::string Notifier::OpenKey(const std::string& key) const { return file_.id + '\x1f' + key; }

std::optional<int64_t> Notifier::SendDeduped(const std::string& route, const Payload& p, const std::string& status,
                                             std::chrono::milliseconds window, const GroupPolicy* group, bool* held) {
  const std::string event_key = p.event.value("key", "");
  const std::string lkey = LastKey(route, p.channel, event_key);
  std::optional<std::string> cur = store_->GetValue(kLastNs, lkey);
  if (cur && StatusOf(*cur) == status) return std::nullopt;  // the common case, without a write
  const int64_t now = opts_.now_ms();
  if (group && GroupHold(route, *group, p)) {
    // Held for the summary: recorded as sent, so a repeat within the window is not counted again,
    // and logged as "grouped" (the summary gets its own entry when it leaves the spool), so that
    // the status page and the report can say how the check's problem was told.
    for (int tries = 0; tries < kCasTries; ++tries) {
      if (store_->CompareAndSwapValue(kLastNs, lkey, cur, status + "\t" + std::to_string(now), now + window.count())) {
        if (const Channel* ch = file_.FindChannel(p.channel))
          store_->AppendDeliveries({Logged(p, *ch, "grouped", "held for the summary of route " + Quote(route), now)});
        break;
      }
      cur = store_->GetValue(kLastNs, lkey);
      if (cur && StatusOf(*cur) == status) break;
    }
    if (held) *held = true;
    return std::nullopt;
  }
  const int64_t id = spool_.Enqueue(p, now + kReserveMs);
  for (int tries = 0; tries < kCasTries; ++tries) {
    if (store_->CompareAndSwapValue(kLastNs, lkey, cur, status + "\t" + std::to_string(now), now + window.count())) {
      store_->Retry(id, 0, now, "");  // due now
      return id;
    }
    cur = store_->GetValue(kLastNs, lkey);
    if (cur && StatusOf(*cur) == status) break;  // an overlapping run sent it
  }
  store_->Ack(id, 0);
  return std::nullopt;
}

bool Notifier::GroupHold(const std::string& route, const GroupPolicy& g, const Payload& p) {
  const Event e = EventFromJson(nlohmann::json::parse(p.event.dump()));
  std::string label;
  for (const std::string& f : g.by) label += (label.empty() ? "" : ", ") + f + " " + EventField(e, f);
  const std::string gkey = file_.id + '\x1f' + route + '\x1f' + p.channel + '\x1f' + label;
  for (int tries = 0; tries < kCasTries; ++tries) {
    const int64_t now = opts_.now_ms();
    std::optional<std::string> cur = store_->GetValue(kGroupNs, gkey);
    nlohmann::ordered_json rec = cur ? nlohmann::ordered_json::parse(*cur, nullptr, false) : nlohmann::ordered_json();
    if (rec.is_object() && now >= rec.value("start", int64_t{0}) + g.window.count()) {
      // The window is over: its summary goes first, then counting starts afresh.
      if (rec.value("held", 0) > 0) {
        ReleaseGroup(gkey);
        continue;
      }
      rec = nullptr;
    }
    if (!rec.is_object())
      rec = {{"start", now}, {"sent", 0}, {"held", 0}, {"route", route}, {"channel", p.channel}, {"label", label},
             {"statuses", nlohmann::ordered_json::object()}, {"keys", nlohmann::ordered_json::array()}};
    const bool hold = rec.value("sent", 0) >= g.limit;
    if (hold) {
      rec["held"] = rec.value("held", 0) + 1;
      const std::string status = e.status;
      rec["statuses"][status] = rec["statuses"].value(status, 0) + 1;
      if (rec["keys"].size() < kSummaryKeys && std::find(rec["keys"].begin(), rec["keys"].end(), e.key) == rec["keys"].end())
        rec["keys"].push_back(e.key);
      if (Rank(status) > Rank(rec.value("worst", ""))) rec["worst"] = status;
      if (e.scope) rec["scope"] = *e.scope;
    } else {
      rec["sent"] = rec.value("sent", 0) + 1;
    }
    const int64_t end = rec.value("start", now) + g.window.count();
    if (!store_->CompareAndSwapValue(kGroupNs, gkey, cur, rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                     end + kOpenTtlMs))
      continue;
    if (hold && rec.value("held", 0) == 1)
      store_->Enqueue(spool_.GroupQueue(), nlohmann::ordered_json({{"group", gkey}}).dump(), end);
    return hold;
  }
  return false;
}

void Notifier::ReleaseGroup(const std::string& gkey) {
  for (int tries = 0; tries < kCasTries; ++tries) {
    const int64_t now = opts_.now_ms();
    const std::optional<std::string> cur = store_->GetValue(kGroupNs, gkey);
    const nlohmann::ordered_json rec = cur ? nlohmann::ordered_json::parse(*cur, nullptr, false) : nlohmann::ordered_json();
    if (!rec.is_object() || rec.value("held", 0) == 0) return;
    const std::string route = rec.value("route", ""), channel = rec.value("channel", ""), label = rec.value("label", "");
    const Route* def = file_.FindRoute(route);
    // Not over yet (the item of an earlier window): the release item of this one comes then.
    if (def && def->group && now < rec.value("start", int64_t{0}) + def->group->window.count()) return;
    const Channel* ch = file_.FindChannel(channel);
    const int held = rec.value("held", 0);
    const bool ja = ch && ch->common().language == "ja";
    std::string counts;
    for (const auto& [st, n] : rec["statuses"].items())
      counts += (counts.empty() ? "" : ", ") + st + " " + std::to_string(n.get<int>());
    const std::string where = label.empty() ? (ja ? "ルート " : "on route ") + Quote(route) : (ja ? "" : "for ") + label;
    Event e;
    e.tool = "hnotify";
    e.kind = "notify.summary";
    e.key = "hnotify/summary/" + route + (label.empty() ? "" : "/" + label);
    e.status = rec.value("worst", "info");
    e.severity = ParseSeverity(e.status) ? e.status : "info";
    // "more" only when some of the window's notifications went out one by one (limit > 0).
    const bool more = rec.value("sent", 0) > 0;
    e.summary = ja ? std::string(more ? "他 " : "") + std::to_string(held) + " 件の通知 (" + where + "; " + counts + ")"
                   : std::to_string(held) + (more ? " more" : "") + " alert" + (held == 1 ? "" : "s") + " " + where +
                         " (" + counts + ")";
    if (rec.contains("scope")) e.scope = rec["scope"].get<std::string>();
    e.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(now));
    e.data = {{"count", held}, {"statuses", rec["statuses"]}, {"keys", rec["keys"]}, {"route", route},
              {"group", label}, {"since", Iso(rec.value("start", now))}};
    Payload pl;
    pl.channel = channel;
    pl.route = route;
    pl.reason = "summary";
    pl.id = NewIdempotencyKey();
    pl.event = EventToJson(e);
    // Spooled first and made due after the record is closed: a crash in between leaves a late
    // summary, an overlapping run that closed it first leaves none twice.
    const int64_t id = spool_.Enqueue(pl, now + kReserveMs);
    if (store_->CompareAndSwapValue(kGroupNs, gkey, cur, "{}", now)) {
      store_->Retry(id, 0, now, "");
      refilled_.insert(channel);
      Verbose("group " + Quote(route) + (label.empty() ? "" : " (" + label + ")") + ": summary of " +
              std::to_string(held) + " held to " + Quote(channel) + " as #" + std::to_string(id));
      return;
    }
    store_->Ack(id, 0);
  }
}

std::set<std::string> Notifier::ProcessGroups() {
  const std::string queue = spool_.GroupQueue();
  while (std::optional<QueueItem> item = store_->Claim(queue, opts_.now_ms(), kReminderLeaseMs)) {
    const nlohmann::ordered_json r = nlohmann::ordered_json::parse(item->payload, nullptr, false);
    if (r.is_object() && r.contains("group") && r["group"].is_string()) ReleaseGroup(r["group"].get<std::string>());
    store_->Ack(item->id, item->attempts);
  }
  std::set<std::string> out;
  out.swap(refilled_);
  return out;
}

std::optional<std::string> Notifier::Inhibitor(const Event& e) const {
  std::vector<const InhibitRule*> rules;
  for (const InhibitRule& r : file_.inhibit)
    if (r.target.Matches(e)) rules.push_back(&r);
  if (rules.empty()) return std::nullopt;
  for (const auto& [okey, text] : store_->ListValues(kOpenNs, file_.id + '\x1f')) {
    const nlohmann::json rec = nlohmann::json::parse(text, nullptr, false);
    if (!rec.is_object() || !rec.contains("event") || !rec["event"].is_object()) continue;
    const bool open = (rec.contains("targets") && rec["targets"].is_array() && !rec["targets"].empty()) ||
                      rec.contains("held");
    if (!open) continue;
    Event src;
    try {
      src = EventFromJson(rec["event"]);
    } catch (const Error&) {
      continue;
    }
    if (src.key == e.key || !IsProblem(src.severity)) continue;
    for (const InhibitRule* r : rules) {
      if (!r->source.Matches(src)) continue;
      if (std::all_of(r->equal.begin(), r->equal.end(),
                      [&](const std::string& f) { return EventField(src, f) == EventField(e, f); }))
        return "inhibited by open problem " + Printable(src.key, 200) + " " + src.status + " (inhibit rule at line " +
               std::to_string(r->loc.line) + ")";
    }
  }
  return std::nullopt;
}

void Notifier::MarkHeld(const nlohmann::ordered_json& event, const std::string& key, const std::string& why) {
  const int64_t now = opts_.now_ms();
  const nlohmann::ordered_json rec = {{"targets", nlohmann::ordered_json::array()}, {"held", why}, {"event", event}};
  const std::string okey = OpenKey(key);
  const std::optional<std::string> cur = store_->GetValue(kOpenNs, okey);
  if (cur) {
    const nlohmann::ordered_json old = nlohmann::ordered_json::parse(*cur, nullptr, false);
    if (old.is_object() && old.contains("targets") && old["targets"].is_array() && !old["targets"].empty()) return;
  }
  store_->CompareAndSwapValue(kOpenNs, okey, cur, rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                              now + kOpenTtlMs);
}

bool Notifier::FallBack(const Claimed& c, const std::string& detail) {
  if (!c.payload.fallback_of.empty() || c.payload.route.empty()) return false;  // never a fallback of a fallback
  const Route* def = file_.FindRoute(c.payload.route);
  if (!def || def->fallback.empty()) return false;
  std::string to;
  for (const std::string& name : def->fallback) {
    if (name == c.channel->name() || !file_.FindChannel(name)) continue;
    Payload p = c.payload;
    p.channel = name;
    p.id = NewIdempotencyKey();
    p.attempts.reset();
    p.fallback_of = c.channel->name();
    const int64_t id = spool_.Enqueue(p, opts_.now_ms());
    refilled_.insert(name);
    to += (to.empty() ? "" : ", ") + Quote(name) + " as #" + std::to_string(id);
  }
  if (to.empty()) return false;
  Log("notification #" + std::to_string(c.item.id) + " to " + Quote(c.channel->name()) + " (" +
      DescribePayload(c.payload) + ") failed for good" + detail + "; handed to fallback " + to);
  return true;
}

std::vector<std::pair<std::string, std::string>> Notifier::RecordOpen(
    const nlohmann::ordered_json& event, const std::string& key,
    const std::vector<std::pair<std::string, std::string>>& targets, const std::string& status) {
  const std::string okey = OpenKey(key);
  for (int tries = 0; tries < kCasTries; ++tries) {
    const int64_t now = opts_.now_ms();
    const std::optional<std::string> cur = store_->GetValue(kOpenNs, okey);
    nlohmann::ordered_json rec = cur ? nlohmann::ordered_json::parse(*cur, nullptr, false) : nlohmann::ordered_json::object();
    if (!rec.is_object() || !rec.contains("targets") || !rec["targets"].is_array())
      rec = {{"targets", nlohmann::ordered_json::array()}};
    std::vector<std::pair<std::string, std::string>> fresh;
    for (const auto& [route, channel] : targets) {
      nlohmann::ordered_json* found = nullptr;
      for (auto& t : rec["targets"])
        if (t.value("route", "") == route && t.value("channel", "") == channel) found = &t;
      if (found && found->value("status", "") == status) continue;
      if (!found) {
        rec["targets"].push_back(nlohmann::ordered_json::object());
        found = &rec["targets"].back();
      }
      *found = {{"route", route}, {"channel", channel}, {"status", status}, {"since", now}};
      fresh.emplace_back(route, channel);
    }
    rec["event"] = event;
    if (store_->CompareAndSwapValue(kOpenNs, okey, cur, rec.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                    now + kOpenTtlMs))
      return fresh;
  }
  return {};
}

Accepted Notifier::Accept(const Event& e) {
  Accepted acc;
  const nlohmann::ordered_json ev = EventToJson(e);
  const bool problem = IsProblem(e.severity);
  const bool ok = e.severity == "ok";
  struct Pick {
    std::string route;
    const Route* def;
    std::string channel;
    std::string reason;
  };
  std::vector<Pick> picks;
  auto taken = [&](const std::string& ch) {
    return std::any_of(picks.begin(), picks.end(), [&](const Pick& p) { return p.channel == ch; });
  };
  const std::string what = Printable(e.key, 200) + " " + Printable(e.status, 40);
  // A check that did not run (its calendar is closed) or whose parent failed (the parent's own
  // alert tells) is no news: hmon-check(5) promises one alert for one broken host.
  if (e.kind == "monitor.result" && (e.status == "suppressed" || e.status == "unreachable")) {
    Verbose(what + ": the check " + (e.status == "suppressed" ? "did not run" : "depends on a failed one") +
            ": nothing to send");
    return acc;
  }
  bool from_record = false;
  if (ok) {
    // A recovery goes where its problem went (and to the routes that match it).
    const std::string okey = OpenKey(e.key);
    const std::optional<std::string> cur = store_->GetValue(kOpenNs, okey);
    nlohmann::ordered_json rec = cur ? nlohmann::ordered_json::parse(*cur, nullptr, false) : nlohmann::ordered_json();
    const bool open = rec.is_object() && rec.contains("targets") && rec["targets"].is_array() && !rec["targets"].empty();
    if (!open && rec.is_object() && rec.contains("held")) {
      // The problem was held back (silenced or inhibited): so is its recovery.
      store_->CompareAndSwapValue(kOpenNs, okey, cur, "{}", opts_.now_ms());
      Verbose(what + ": the problem was held back (" + rec.value("held", "") + "): no recovery to send");
      return acc;
    }
    const bool recovery = open || (e.changed.value_or(false) && e.previous_status && IsProblemStatusWord(*e.previous_status));
    if (!recovery) {
      Verbose(what + ": not a recovery (no problem was notified): nothing to send");
      return acc;
    }
    from_record = open;
    if (open) {
      // The record decides alone: a route that matches the ok event but never sent the problem
      // gets no recovery.
      for (const auto& t : rec["targets"]) {
        const std::string route = t.value("route", ""), channel = t.value("channel", "");
        const Route* def = file_.FindRoute(route);
        if (!(def ? def->send_recovery : file_.defaults.send_recovery)) continue;
        if (!file_.FindChannel(channel) || taken(channel)) continue;
        picks.push_back({route, def, channel, "recovery"});
      }
      // The problem is over; a newer one recorded meanwhile by an overlapping run stays.
      store_->CompareAndSwapValue(kOpenNs, okey, cur, "{}", opts_.now_ms());
    }
  }
  // Without a record of the problem (a state store started afresh) a recovery is routed like any
  // other event.
  for (const Target& t : from_record ? std::vector<Target>() : RouteEvent(file_, e, opts_.now_ms())) {
    if (ok && !t.route->send_recovery) continue;
    if (taken(t.channel)) continue;
    picks.push_back({t.route->name, t.route, t.channel, problem ? "problem" : ok ? "recovery" : "info"});
  }
  if (picks.empty()) {
    Verbose(what + ": no route matches");
    return acc;
  }
  acc.routed = true;
  // Silences, then inhibition, hold back every notification of the event.
  const std::vector<Silence> silences = ListSilences(store_);
  if (const Silence* s = FindSilence(silences, e)) {
    acc.silenced = static_cast<int>(picks.size());
    if (problem) MarkHeld(ev, e.key, "silence " + s->id);
    Verbose(what + ": silenced by " + s->id + " until " + Iso(s->until_ms) +
            (s->comment.empty() ? "" : " (" + Printable(s->comment, 200) + ")"));
    return acc;
  }
  if (!ok) {
    if (std::optional<std::string> why = Inhibitor(e)) {
      acc.inhibited = static_cast<int>(picks.size());
      if (problem) MarkHeld(ev, e.key, *why);
      Verbose(what + ": " + *why);
      return acc;
    }
  }
  std::vector<std::pair<std::string, std::string>> sent_problems;
  for (const Pick& p : picks) {
    Payload pl;
    pl.channel = p.channel;
    pl.route = p.route;
    pl.reason = p.reason;
    pl.id = NewIdempotencyKey();
    pl.event = ev;
    std::chrono::milliseconds window = p.def ? p.def->dedupe : file_.defaults.dedupe;
    if (problem && p.def && p.def->repeat) window = *p.def->repeat;
    bool held = false;
    const GroupPolicy* group = p.def && p.def->group ? &*p.def->group : nullptr;
    if (std::optional<int64_t> id = SendDeduped(p.route, pl, e.status, window, group, &held)) {
      acc.ids.push_back(*id);
      Verbose(what + ": route " + Quote(p.route) + " -> " + Quote(p.channel) + " (" + p.reason + "), spooled as #" +
              std::to_string(*id));
      if (problem) sent_problems.emplace_back(p.route, p.channel);
    } else if (held) {
      ++acc.held;
      if (problem) sent_problems.emplace_back(p.route, p.channel);  // its recovery goes there, too
      Verbose(what + ": route " + Quote(p.route) + " -> " + Quote(p.channel) + ": over the group's limit, held for its summary");
    } else {
      ++acc.suppressed;
      Verbose(what + ": route " + Quote(p.route) + " -> " + Quote(p.channel) + ": already sent within " +
              FormatDuration(window) + ", suppressed");
    }
  }
  if (!sent_problems.empty()) {
    for (const auto& [route, channel] : RecordOpen(ev, e.key, sent_problems, e.status)) {
      const Route* def = file_.FindRoute(route);
      if (!def || !def->repeat) continue;
      const nlohmann::ordered_json reminder = {{"key", e.key}, {"route", route}, {"channel", channel}, {"status", e.status}};
      store_->Enqueue(spool_.RepeatQueue(), reminder.dump(), opts_.now_ms() + def->repeat->count());
    }
  }
  return acc;
}

int64_t Notifier::AcceptMessage(const Payload& p) { return spool_.Enqueue(p, opts_.now_ms()); }

std::set<std::string> Notifier::ProcessReminders() {
  std::set<std::string> touched;
  const std::string queue = spool_.RepeatQueue();
  while (std::optional<QueueItem> item = store_->Claim(queue, opts_.now_ms(), kReminderLeaseMs)) {
    const int64_t now = opts_.now_ms();
    const nlohmann::ordered_json r = nlohmann::ordered_json::parse(item->payload, nullptr, false);
    const std::string key = r.is_object() ? r.value("key", "") : "";
    const std::string route = r.is_object() ? r.value("route", "") : "";
    const std::string channel = r.is_object() ? r.value("channel", "") : "";
    const std::string status = r.is_object() ? r.value("status", "") : "";
    const Route* def = file_.FindRoute(route);
    const Channel* ch = file_.FindChannel(channel);
    // Still open, with the same status, on a route that still repeats to that channel?
    const std::optional<std::string> cur = store_->GetValue(kOpenNs, OpenKey(key));
    const nlohmann::ordered_json rec = cur ? nlohmann::ordered_json::parse(*cur, nullptr, false) : nlohmann::ordered_json();
    bool open = false;
    if (rec.is_object() && rec.contains("targets") && rec["targets"].is_array() && rec.contains("event"))
      for (const auto& t : rec["targets"])
        open = open || (t.value("route", "") == route && t.value("channel", "") == channel && t.value("status", "") == status);
    const bool listed = def && std::find(def->channels.begin(), def->channels.end(), channel) != def->channels.end();
    if (!def || !def->repeat || !ch || !listed || !open) {
      store_->Ack(item->id, item->attempts);
      continue;
    }
    const int64_t repeat = def->repeat->count();
    // Sent again meanwhile (an event with the same status after the window): wait from then.
    if (const std::optional<std::string> last = store_->GetValue(kLastNs, LastKey(route, channel, key));
        last && StatusOf(*last) == status) {
      store_->Retry(item->id, item->attempts, std::max(SentOf(*last) + repeat, now + 1000), "");
      continue;
    }
    if (const nlohmann::json ej = rec["event"]; ej.is_object()) {
      Event src;
      bool parsed = true;
      try {
        src = EventFromJson(ej);
      } catch (const Error&) {
        parsed = false;
      }
      if (parsed && (FindSilence(ListSilences(store_), src) || Inhibitor(src))) {
        store_->Retry(item->id, item->attempts, now + repeat, "");  // held back now; reminded later
        continue;
      }
    }
    Payload pl;
    pl.channel = channel;
    pl.route = route;
    pl.reason = "repeat";
    pl.id = NewIdempotencyKey();
    pl.event = rec["event"];
    if (std::optional<int64_t> id = SendDeduped(route, pl, status, *def->repeat)) {
      Verbose(Printable(key, 200) + " " + status + ": still open, repeated to " + Quote(channel) + " as #" +
              std::to_string(*id));
      touched.insert(channel);
    }
    store_->Retry(item->id, item->attempts, now + repeat, "");
  }
  return touched;
}

void Notifier::Settle(Claimed& c, Outcome o, FlushResult* r) {
  const int64_t now = opts_.now_ms();
  const std::string detail = RedactSecrets(o.detail, AllSecrets());
  const std::string what = "notification #" + std::to_string(c.item.id) + " to " + Quote(c.channel->name()) + " (" +
                           DescribePayload(c.payload) + ")";
  const RetryPolicy& policy = c.channel->common().retry;
  if (o.kind == Outcome::Kind::kDelivered) {
    store_->Ack(c.item.id, c.item.attempts, Logged(c.payload, *c.channel, "sent", detail, now));
    ++r->delivered;
    Verbose("delivered " + what + ": " + detail);
    return;
  }
  // Given up: its route's fallback channels take it, else it is dropped and reported.
  auto give_up = [&](const std::string& why) {
    if (FallBack(c, why)) {
      store_->Ack(c.item.id, c.item.attempts, Logged(c.payload, *c.channel, "fallback", why, now));
      ++r->fallback;
      return;
    }
    store_->Ack(c.item.id, c.item.attempts, Logged(c.payload, *c.channel, "dropped", why, now));
    ++r->dropped;
    Log("dropped " + what + why);
  };
  if (o.kind == Outcome::Kind::kPermanent) {
    give_up(": " + detail);
    return;
  }
  int64_t next = now + BackoffMs(policy, c.item.attempts, Random());
  if (o.retry_after) next = std::max<int64_t>(next, now + o.retry_after->count() * 1000);
  if (c.item.attempts >= c.max_attempts) {
    give_up(" after " + std::to_string(c.item.attempts) + " attempt" + (c.item.attempts == 1 ? "" : "s") + ": " + detail);
    return;
  }
  if (next - c.item.created_ms > policy.max_age.count()) {
    give_up(": not delivered within " + FormatDuration(policy.max_age) + " (" + std::to_string(c.item.attempts) +
            " attempts): " + detail);
    return;
  }
  ++r->retried;
  // Past the lease another run may hold the item now: the fencing token leaves its claim alone.
  store_->Retry(c.item.id, c.item.attempts, next, detail);
  stopped_until_[c.channel->name()] = next;
  Log(what + " failed (attempt " + std::to_string(c.item.attempts) + "): " + detail + "; next attempt at " + Iso(next));
}

void Notifier::Deliver(std::vector<Claimed>& batch, FlushResult* r) {
  // Channels that deliver by themselves (commands) run side by side; HTTP requests then go out
  // together through one loop of the HTTP layer.
  auto send = [](Claimed* c) { c->attempt = c->channel->Send(c->message); };
  if (batch.size() == 1) {
    send(&batch[0]);
  } else {
    std::vector<std::thread> threads;
    for (auto& c : batch) threads.emplace_back(send, &c);
    for (auto& t : threads) t.join();
  }
  std::vector<http::Request> requests;
  std::vector<Claimed*> owners;
  for (auto& c : batch) {
    if (c.attempt.request) {
      c.attempt.request->timeout = c.channel->common().timeout;
      if (opts_.verbose > 0) {
        std::string d = RedactSecrets(http::Describe(*c.attempt.request), AllSecrets());
        for (size_t nl; (nl = d.find('\n')) != std::string::npos;) d.replace(nl, 1, "; ");
        Verbose("sending #" + std::to_string(c.item.id) + " to " + Quote(c.channel->name()) + ": " + d);
      }
      requests.push_back(std::move(*c.attempt.request));
      owners.push_back(&c);
    } else {
      Settle(c, c.attempt.outcome, r);
    }
  }
  if (requests.empty()) return;
  if (!runner_) runner_ = std::make_unique<http::Runner>();
  std::vector<std::optional<Outcome>> outcomes(requests.size());
  runner_->Run(std::move(requests), [&](size_t i, http::Response resp) {
    outcomes[i] = owners[i]->channel->Judge(owners[i]->message, resp);
  });
  for (size_t i = 0; i < owners.size(); ++i)
    Settle(*owners[i], outcomes[i] ? *outcomes[i] : Outcome::Retry("no response"), r);
}

FlushResult Notifier::Flush(const FlushOptions& o) {
  FlushResult r;
  store_->PruneDeliveries(opts_.now_ms() - kDeliveryLogMs);
  std::vector<std::string> names = spool_.SpooledChannels(file_.ChannelNames());
  if (!o.only.empty()) names = o.only;
  std::set<std::string> empty;  // channels whose queue had nothing due this time round
  for (;;) {
    if (o.only.empty()) {
      for (const std::string& ch : ProcessReminders()) empty.erase(ch);
      for (const std::string& ch : ProcessGroups()) empty.erase(ch);
    }
    for (const std::string& ch : refilled_) {
      empty.erase(ch);
      if (std::find(names.begin(), names.end(), ch) == names.end()) names.push_back(ch);
    }
    refilled_.clear();
    std::vector<Claimed> batch;
    bool dropped_unsent = false;  // an item dropped before an attempt: its queue may hold more
    for (const std::string& name : names) {
      const Channel* ch = file_.FindChannel(name);
      if (!ch || empty.count(name)) continue;
      const int64_t now = opts_.now_ms();
      if (auto it = stopped_until_.find(name); it != stopped_until_.end() && now < it->second) continue;
      std::optional<QueueItem> item = store_->Claim(spool_.Queue(name), now, LeaseMs(*ch));
      if (!item) {
        empty.insert(name);
        continue;
      }
      Claimed c;
      c.channel = ch;
      c.item = std::move(*item);
      std::string err;
      std::optional<Payload> p = Payload::FromJson(c.item.payload, &err);
      if (!p) {
        store_->Ack(c.item.id, c.item.attempts);
        ++r.dropped;
        dropped_unsent = true;
        Log("dropped notification #" + std::to_string(c.item.id) + " to " + Quote(name) + ": " + err);
        continue;
      }
      c.payload = std::move(*p);
      c.max_attempts = std::min(ch->common().retry.attempts, c.payload.attempts.value_or(ch->common().retry.attempts));
      if (now - c.item.created_ms > ch->common().retry.max_age.count()) {
        store_->Ack(c.item.id, c.item.attempts,
                    Logged(c.payload, *ch, "dropped", "not delivered within " + FormatDuration(ch->common().retry.max_age), now));
        ++r.dropped;
        dropped_unsent = true;
        Log("dropped notification #" + std::to_string(c.item.id) + " to " + Quote(name) + " (" +
            DescribePayload(c.payload) + "): not delivered within " + FormatDuration(ch->common().retry.max_age));
        continue;
      }
      c.message = c.payload.ToMessage(c.item.attempts);
      batch.push_back(std::move(c));
    }
    if (!batch.empty()) Deliver(batch, &r);
    if (!batch.empty() || dropped_unsent) continue;
    // Nothing due: done, unless told to wait for items that are retried later.
    const int64_t now = opts_.now_ms();
    r.pending = 0;
    r.next_ms.reset();
    for (const std::string& name : names) {
      const bool defined = file_.FindChannel(name) != nullptr;
      int orphans = 0;
      for (const QueueItem& item : store_->ListQueue(spool_.Queue(name))) {
        if (!defined && now - item.created_ms > file_.defaults.retry.max_age.count()) {
          store_->Ack(item.id, item.attempts);
          ++r.dropped;
          Log("dropped notification #" + std::to_string(item.id) + " to " + Quote(name) + ": the channel is no longer defined in " +
              file_.path);
          continue;
        }
        orphans += !defined;
        if (o.watch && !o.watch->count(item.id)) continue;
        ++r.pending;
        if (defined && (!r.next_ms || item.not_before_ms < *r.next_ms)) r.next_ms = item.not_before_ms;
      }
      if (orphans > 0 && warned_orphans_.insert(name).second)
        Log(std::to_string(orphans) + " notification" + (orphans == 1 ? "" : "s") + " wait for channel " + Quote(name) +
            ", which " + file_.path + " no longer defines (kept for " + FormatDuration(file_.defaults.retry.max_age) + ")");
    }
    if (r.pending == 0 || !r.next_ms || !o.until_ms || now >= *o.until_ms) break;
    const int64_t wake = std::min(*r.next_ms, *o.until_ms);
    const int64_t ms = std::max<int64_t>(10, wake - now);
    if (opts_.sleep) opts_.sleep(ms);
    else std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    empty.clear();
  }
  return r;
}

}  // namespace hops::notify
