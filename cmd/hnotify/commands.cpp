#include "cmd/hnotify/commands.hpp"

#include <limits.h>
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cmd/hnotify/config.hpp"
#include "cmd/hnotify/inputs.hpp"
#include "cmd/hnotify/notifier.hpp"
#include "cmd/hnotify/silence.hpp"
#include "common/inventory.hpp"
#include "common/calendar.hpp"
#include "common/calendar_load.hpp"
#include "common/event.hpp"
#include "common/output.hpp"
#include "common/settings.hpp"
#include "common/spell.hpp"
#include "common/state.hpp"
#include "common/text.hpp"
#include "common/units.hpp"
#include "common/zone.hpp"

namespace hops::notify {

namespace {

/// Everything a command needs, loaded once.
struct Loaded {
  Settings settings;
  NotifyFile file;
  std::unique_ptr<StateStore> store;
};

const TimeZone* ZoneOf(const Settings& s) {
  if (!s.timezone.empty())
    if (const TimeZone* z = FindZone(s.timezone)) return z;
  return LocalZone();
}

std::unique_ptr<StateStore> OpenState(const Settings& settings) {
  StateOptions so;
  so.components = {kStateCore};
  return StateStore::Open(StateStore::DefaultPath(settings), std::move(so));
}

/// Loads the definition file (every error, or the first with a count) and, with @p state, opens
/// the state store.
std::unique_ptr<Loaded> Load(const Options& o, bool state, std::vector<DefinitionError>* all_errors = nullptr) {
  auto l = std::make_unique<Loaded>();
  l->settings = LoadSettings();
  const std::string path = o.config.empty() ? DefaultNotifyPath() : o.config;
  std::vector<DefinitionError> errors;
  const YamlDoc doc = YamlDoc::FromFile(path);
  l->file = LoadNotifyFile(doc, &errors, ZoneOf(l->settings));
  char abs[PATH_MAX];
  if (realpath(path.c_str(), abs)) l->file.id = abs;
  if (errors.empty() && NeedsCalendars(l->file)) {
    const std::vector<std::string> paths = cal::CalendarPaths(l->settings, {});
    if (paths.empty()) {
      for (const Route& r : l->file.routes)
        if (!r.calendar.empty())
          errors.emplace_back(r.calendar_loc, "route " + Quote(r.name) + " names calendar " + Quote(r.calendar) +
                                                  ", but no calendar file was found: set [calendar] path",
                              doc.Line(r.calendar_loc.line));
    } else {
      std::shared_ptr<cal::Registry> reg = cal::OpenRegistry(l->settings, paths);
      for (const auto& e : reg->errors()) errors.push_back(e);
      if (reg->errors().empty()) ResolveCalendars(&l->file, std::move(reg), &errors, &doc);
    }
  }
  if (errors.empty() && NeedsInventory(l->file)) {
    try {
      ResolveTags(&l->file, inv::Inventory::Load(inv::DefaultInventoryPath()), &errors, &doc);
    } catch (const DefinitionError& e) {
      errors.push_back(e);
    }
  }
  if (all_errors) {
    *all_errors = errors;
    return l;
  }
  if (errors.size() == 1) throw errors.front();
  if (!errors.empty())
    throw DefinitionError(errors.front().loc(), errors.front().message() + " (and " + std::to_string(errors.size() - 1) +
                                                    " more; run 'hnotify validate' to list them)",
                          doc.Line(errors.front().loc().line));
  if (state) l->store = OpenState(l->settings);
  return l;
}

NotifierOptions NotifierOpts(const Options& o) {
  NotifierOptions n;
  n.verbose = o.verbose;
  return n;
}

std::optional<int64_t> WaitUntil(const Options& o) {
  if (o.wait.empty()) return std::nullopt;
  auto d = ParseDuration(o.wait);
  if (!d) throw UsageError("invalid duration '" + o.wait + "' for --wait: expected e.g. 30s, 5m");
  return SystemNowMs() + d->count();
}

const Channel& RequireChannel(const NotifyFile& file, const std::string& name) {
  if (const Channel* ch = file.FindChannel(name)) return *ch;
  throw UsageError("no channel " + Quote(name) + " in " + file.path + DidYouMean(name, file.ChannelNames()));
}

/// The exit code of a delivery: 1 when something was dropped, 75 when watched items wait for a
/// retry, else 0; a note on stderr for the latter.
int DeliveryExit(const FlushResult& r, const char* what) {
  if (r.dropped > 0) return kExitFailed;
  if (r.pending > 0) {
    std::string line = std::to_string(r.pending) + " " + what + (r.pending == 1 ? "" : "s") + " wait in the spool";
    if (r.next_ms)
      line += " (next attempt at " +
              FormatTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(*r.next_ms))) +
              "; 'hnotify flush' delivers due ones)";
    Warn(line);
    return kExitSpooled;
  }
  return kExitDelivered;
}

Event MessageEvent(const std::string& kind, const std::string& key, const std::string& status, const std::string& summary) {
  Event e;
  e.tool = "hnotify";
  e.kind = kind;
  e.key = key;
  e.status = status;
  e.severity = ParseSeverity(status) ? status : "info";
  e.summary = summary;
  return e;
}

nlohmann::ordered_json EventJson(const Event& e) {
  return EventToJson(e);
}

}  // namespace

int CmdSend(const Options& o, std::istream& in) {
  const bool foreign = !o.from.empty() && o.from != "events";  // --from snmptrapd|syslog
  const bool adhoc = !o.message.empty() || !o.title.empty() || (!o.status.empty() && !foreign);
  if (adhoc && foreign) throw UsageError("--from reads standard input; it does not go with --message or --title");
  if (adhoc && o.channels.empty())
    throw UsageError("--message, --title and --status send one message and need --channel NAME");
  if (!adhoc && !o.channels.empty())
    throw UsageError("--channel needs --message or --title (events on standard input go by the file's 'routes')");
  const std::optional<int64_t> until = WaitUntil(o);
  auto l = Load(o, true);
  for (const std::string& ch : o.channels) RequireChannel(l->file, ch);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  std::set<int64_t> ids;
  long lines = 0, rejected = 0;
  if (adhoc) {
    const std::string status = o.status.empty() ? "info" : o.status;
    const Event e = MessageEvent("notify.message", "hnotify/message", status, o.message.empty() ? o.title : o.message);
    for (const std::string& ch : o.channels) {
      Payload p;
      p.channel = ch;
      p.reason = "message";
      p.id = NewIdempotencyKey();
      p.event = EventJson(e);
      if (!o.title.empty()) p.title = o.title;
      if (!o.message.empty()) p.body = o.message;
      ids.insert(n.AcceptMessage(p));
    }
  } else if (foreign) {
    InputResult in_r = ReadInput(o.from, o.status, in, &in == &std::cin ? 0 : -1, n);
    ids.insert(in_r.ids.begin(), in_r.ids.end());
    lines = in_r.lines;
    rejected = in_r.rejected;
  } else {
    std::string line;
    long number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (Trim(line).empty()) continue;
      ++lines;
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) {
        Warn("line " + std::to_string(number) + ": not a JSON object: " + Printable(line, 80));
        ++rejected;
        continue;
      }
      try {
        const Event e = EventFromJson(j);
        for (int64_t id : n.Accept(e).ids) ids.insert(id);
      } catch (const Error& e) {
        Warn("line " + std::to_string(number) + ": " + e.what());
        ++rejected;
      }
    }
  }
  FlushOptions fo;
  fo.watch = ids;
  fo.until_ms = until;
  const FlushResult r = n.Flush(fo);
  if (rejected > 0 && rejected == lines) {
    Warn("no usable event in " + std::to_string(lines) + " line" + (lines == 1 ? "" : "s"));
    return kExitUsage;
  }
  const int code = DeliveryExit(r, "notification");
  return rejected > 0 ? kExitFailed : code;
}

int CmdFlush(const Options& o) {
  const std::optional<int64_t> until = WaitUntil(o);
  auto l = Load(o, true);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  FlushOptions fo;
  fo.until_ms = until;
  const FlushResult r = n.Flush(fo);
  l->store->PurgeExpired(SystemNowMs());
  return DeliveryExit(r, "notification");
}

int CmdTest(const Options& o) {
  auto l = Load(o, true);
  const Channel& ch = RequireChannel(l->file, o.channel);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  const std::string summary = ch.common().language == "ja"
                                  ? "hnotify からのテスト通知です (" + LocalHostName() + ")"
                                  : "test notification from hnotify on " + LocalHostName();
  Payload p;
  p.channel = ch.name();
  p.reason = "test";
  p.id = NewIdempotencyKey();
  p.event = EventJson(MessageEvent("notify.test", "hnotify/test/" + ch.name(), "info", summary));
  p.attempts = 1;
  const int64_t id = n.AcceptMessage(p);
  FlushOptions fo;
  fo.watch = std::set<int64_t>{id};
  fo.only = {ch.name()};
  const FlushResult r = n.Flush(fo);
  if (r.delivered > 0) {
    std::printf("delivered a test notification to '%s'\n", ch.name().c_str());
    return kExitDelivered;
  }
  return DeliveryExit(r, "test notification");
}

int CmdValidate(const Options& o) {
  std::vector<DefinitionError> errors;
  auto l = Load(o, false, &errors);
  for (const auto& e : errors) std::fprintf(stderr, "%s\n", e.what());
  if (!errors.empty()) {
    std::fprintf(stderr, "hnotify: %zu error%s\n", errors.size(), errors.size() == 1 ? "" : "s");
    return kExitUsage;
  }
  for (const auto& ch : l->file.channels)
    for (const std::string& w : ch->CheckSecrets()) Warn("warning: channel " + Quote(ch->name()) + ": " + w);
  const size_t c = l->file.channels.size(), r = l->file.routes.size();
  std::printf("%zu channel%s, %zu route%s ok\n", c, c == 1 ? "" : "s", r, r == 1 ? "" : "s");
  return kExitDelivered;
}

int CmdSchema() {
  std::fputs(NotifySchema().c_str(), stdout);
  std::fputs("\n", stdout);
  return 0;
}

namespace {

/// The spool's items of every channel of the file (and of channels it no longer defines).
std::vector<QueueItem> SpoolItems(Loaded& l, Notifier& n) {
  return n.spool().List(n.spool().SpooledChannels(l.file.ChannelNames()));
}

QueueItem RequireItem(Loaded& l, Notifier& n, int64_t id) {
  if (auto item = n.spool().Find(n.spool().SpooledChannels(l.file.ChannelNames()), id)) return *item;
  throw RuntimeError("no item " + std::to_string(id) + " in the spool of " + l.file.path);
}

std::string Iso(int64_t ms) {
  return FormatTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

nlohmann::ordered_json ItemJson(Notifier& n, const QueueItem& item, int64_t now) {
  std::string err;
  const std::optional<Payload> p = Payload::FromJson(item.payload, &err);
  nlohmann::ordered_json j;
  j["id"] = item.id;
  j["channel"] = n.spool().ChannelOf(item.queue);
  if (p) {
    if (!p->route.empty()) j["route"] = p->route;
    j["reason"] = p->reason;
    j["key"] = p->event.value("key", "");
    j["status"] = p->event.value("status", "");
  }
  j["attempts"] = item.attempts;
  j["created"] = Iso(item.created_ms);
  j["due"] = item.not_before_ms <= now ? "now" : Iso(item.not_before_ms);
  j["last_error"] = item.last_error;
  return j;
}

}  // namespace

int CmdSpoolList(const Options& o) {
  auto l = Load(o, true);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  const int64_t now = SystemNowMs();
  for (const QueueItem& item : SpoolItems(*l, n)) {
    const nlohmann::ordered_json j = ItemJson(n, item, now);
    if (o.format == "json") {
      WriteJsonLine(j);
      continue;
    }
    std::string line = std::to_string(item.id) + "\t" + j["channel"].get<std::string>() + "\t" +
                       j.value("reason", "?") + "\t" + j.value("key", "?") + "\t" + j.value("status", "?") +
                       "\tattempts=" + std::to_string(item.attempts) + "\tdue=" + j["due"].get<std::string>();
    if (!item.last_error.empty()) line += "\t" + Printable(item.last_error, 200);
    std::puts(line.c_str());
  }
  return 0;
}

int CmdSpoolShow(const Options& o) {
  auto l = Load(o, true);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  const QueueItem item = RequireItem(*l, n, o.id);
  nlohmann::ordered_json j = ItemJson(n, item, SystemNowMs());
  std::string err;
  if (const std::optional<Payload> p = Payload::FromJson(item.payload, &err)) {
    j["idempotency_key"] = p->id;
    if (p->title) j["title"] = *p->title;
    if (p->body) j["body"] = *p->body;
    j["event"] = p->event;
  }
  std::puts(j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return 0;
}

int CmdSpoolRetry(const Options& o) {
  auto l = Load(o, true);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  const QueueItem item = RequireItem(*l, n, o.id);
  if (!l->store->Retry(item.id, item.attempts, SystemNowMs(), item.last_error))
    throw RuntimeError("item " + std::to_string(item.id) + " was taken for delivery meanwhile");
  std::printf("item %lld is due now; 'hnotify flush' delivers it\n", static_cast<long long>(item.id));
  return 0;
}

int CmdSpoolDrop(const Options& o) {
  auto l = Load(o, true);
  Notifier n(l->file, l->store.get(), NotifierOpts(o));
  const QueueItem item = RequireItem(*l, n, o.id);
  if (!l->store->Ack(item.id, item.attempts))
    throw RuntimeError("item " + std::to_string(item.id) + " was taken for delivery, delivered or dropped meanwhile");
  std::string err;
  const std::optional<Payload> p = Payload::FromJson(item.payload, &err);
  std::printf("dropped item %lld to '%s'%s\n", static_cast<long long>(item.id), n.spool().ChannelOf(item.queue).c_str(),
              p ? (": " + DescribePayload(*p)).c_str() : "");
  return 0;
}

}  // namespace hops::notify

namespace hops::notify {

int CmdSilenceAdd(const Options& o) {
  if (o.match.empty()) throw UsageError("silence add needs at least one --match KEY=VALUE");
  if (o.until.empty()) throw UsageError("silence add needs --until TIME or DURATION");
  const std::map<std::string, std::vector<std::string>> pairs = ParseMatchPairs(o.match);
  const Settings settings = LoadSettings();
  const int64_t now = SystemNowMs();
  int64_t until = 0;
  if (auto d = ParseDuration(o.until)) {
    until = now + d->count();
  } else {
    const cal::Instant t = cal::ParseInstant(o.until, ZoneOf(settings));
    until = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }
  if (until <= now) throw UsageError("--until " + Quote(o.until) + " is not in the future");
  auto store = OpenState(settings);
  const Silence s = AddSilence(store.get(), pairs, until, o.comment, now);
  std::printf("%s\n", s.id.c_str());
  return 0;
}

int CmdSilenceList(const Options& o) {
  auto store = OpenState(LoadSettings());
  for (const Silence& s : ListSilences(store.get())) {
    nlohmann::ordered_json match = nlohmann::ordered_json::object();
    std::string text;
    for (const auto& [k, v] : s.pairs) {
      match[k] = v;
      for (const auto& one : v) text += (text.empty() ? "" : " ") + k + "=" + one;
    }
    if (o.format == "json") {
      WriteJsonLine(nlohmann::ordered_json{{"id", s.id}, {"match", match}, {"until", Iso(s.until_ms)},
                                           {"created", Iso(s.created_ms)}, {"author", s.author}, {"comment", s.comment}});
      continue;
    }
    std::puts((s.id + "\t" + Printable(text, 400) + "\tuntil=" + Iso(s.until_ms) + "\t" + Printable(s.author, 80) +
               "\t" + Printable(s.comment, 400))
                  .c_str());
  }
  return 0;
}

int CmdSilenceRemove(const Options& o) {
  auto store = OpenState(LoadSettings());
  if (!RemoveSilence(store.get(), o.silence)) throw RuntimeError("no silence " + Quote(o.silence) + " in force");
  std::printf("removed silence %s\n", o.silence.c_str());
  return 0;
}

}  // namespace hops::notify
