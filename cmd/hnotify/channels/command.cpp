// command: runs a program (argv, never a shell) per notification, with the event as one JSON line
// on its standard input and as HOPS_EVENT_* environment variables — for phone-call services' CLIs,
// ticket systems, hjob-run recovery flows, or `ssh upper-host hnotify send` to a higher tier.
// Exit 0 (or a status listed in delivered_exit) is delivered; 75 (EX_TEMPFAIL), a timeout, a
// signal or another failure is retried; the other sysexits codes (64-78) and a program that
// cannot be run are permanent.
#include "cmd/hnotify/channels/channel.hpp"

#include <algorithm>
#include <cstdlib>

#include "common/process.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::notify {

namespace {

/// Variables of hnotify's own environment the program gets: the basics, and where the hops
/// settings, state and inventory are, so that a hops tool it starts (hjob-run --events -, an
/// hnotify of an upper tier) works on the same ones.
const char* const kInherited[] = {"PATH",        "HOME",           "USER",           "LOGNAME",
                                  "LANG",        "LC_ALL",         "TZ",             "SSH_AUTH_SOCK",
                                  "HOPS_CONFIG", "HOPS_STATE_DIR", "HOPS_INVENTORY", "XDG_CONFIG_HOME",
                                  "XDG_STATE_HOME"};

bool SecretEnvName(std::string_view name) {
  const std::string n = Lower(name);
  for (const char* w : {"token", "password", "passwd", "secret", "apikey", "api_key", "credential"})
    if (n.find(w) != std::string::npos) return true;
  return EndsWith(n, "_key");
}

std::string EnvValue(std::string v) {
  for (char& c : v)
    if (c == '\0') c = ' ';
  return v;
}

class Command : public Channel {
 public:
  using Channel::Channel;
  std::vector<Template> argv;
  std::vector<ValueSpec> env;
  std::vector<int> delivered_exit = {0};  ///< exit statuses that confirm

  Attempt Send(const Message& m) const override {
    Attempt a;
    const RenderContext ctx = FullContext(m);
    ProcessOptions o;
    o.what = "command";
    for (const Template& t : argv) o.argv.push_back(t.Render(ctx));
    std::vector<std::string> vars;
    for (const char* name : kInherited) {
      const bool own = std::any_of(env.begin(), env.end(), [&](const ValueSpec& v) { return v.name == name; });
      if (const char* v = std::getenv(name); v && !own) vars.push_back(std::string(name) + "=" + v);
    }
    std::string err;
    for (const ValueSpec& v : env) {
      std::optional<std::string> value = ValueOf(v, ctx, &err);
      if (!value) {
        a.outcome = Outcome::Retry("env " + Quote(v.name) + ": " + err);
        return a;
      }
      vars.push_back(v.name + "=" + EnvValue(*value));
    }
    for (const auto& [k, v] : m.event.items()) {
      if (v.is_object() || v.is_array() || v.is_null()) continue;
      vars.push_back("HOPS_EVENT_" + Upper(k) + "=" + EnvValue(v.is_string() ? v.get<std::string>() : v.dump()));
    }
    vars.push_back("HOPS_NOTIFY_TITLE=" + EnvValue(ctx.vars.at("title")));
    vars.push_back("HOPS_NOTIFY_BODY=" + EnvValue(ctx.vars.at("body")));
    vars.push_back("HOPS_NOTIFY_CHANNEL=" + m.channel);
    vars.push_back("HOPS_NOTIFY_ROUTE=" + m.route);
    vars.push_back("HOPS_NOTIFY_REASON=" + m.reason);
    vars.push_back("HOPS_NOTIFY_ID=" + m.id);
    vars.push_back("HOPS_NOTIFY_ATTEMPT=" + std::to_string(m.attempt));
    o.env = std::move(vars);
    o.input = m.event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    o.timeout = common().timeout;
    const ProcessResult r = RunProcess(o);
    const std::string said = BodyReason(r.err.empty() ? r.out : r.err);
    const std::string tail = said.empty() ? "" : ": " + said;
    switch (r.end) {
      case ProcessEnd::kExited:
        if (std::find(delivered_exit.begin(), delivered_exit.end(), r.exit_code) != delivered_exit.end())
          a.outcome = Outcome::Delivered("exit " + std::to_string(r.exit_code));
        else if (r.exit_code != 75 && r.exit_code >= 64 && r.exit_code <= 78)
          a.outcome = Outcome::Permanent("exit " + std::to_string(r.exit_code) + tail);
        else a.outcome = Outcome::Retry("exit " + std::to_string(r.exit_code) + tail);
        break;
      case ProcessEnd::kTimedOut:
        a.outcome = Outcome::Retry("timed out after " + FormatDuration(common().timeout) + tail);
        break;
      case ProcessEnd::kSignaled:
        a.outcome = Outcome::Retry("killed by signal " + std::to_string(r.signal) + tail);
        break;
      case ProcessEnd::kNotStarted:
        a.outcome = Outcome::Permanent(r.error);
        break;
      case ProcessEnd::kLost:
        a.outcome = Outcome::Retry(r.error);
        break;
    }
    return a;
  }

  std::vector<std::string> CheckSecrets() const override {
    std::vector<std::string> out;
    std::string err;
    for (const ValueSpec& v : env)
      if (v.secret.set() && !ReadCachedSecret(v.secret, &err)) out.push_back("env " + Quote(v.name) + ": " + err);
    return out;
  }
};

std::unique_ptr<Channel> Parse(const YamlDoc& doc, const MapReader& r, ChannelCommon common) {
  auto ch = std::make_unique<Command>(std::move(common));
  const YAML::Node argv = r.Require("argv");
  if (!argv.IsSequence() || argv.size() == 0)
    doc.Fail(argv, "'argv' must be a non-empty list: the program, then its arguments (no shell)");
  for (size_t i = 0; i < argv.size(); ++i)
    ch->argv.push_back(Template::Parse(doc, argv[i], "'argv'", {"title", "body"}));
  if (ch->argv.front().text().empty()) doc.Fail(argv[0], "the program in 'argv' is empty");
  if (r.Has("env")) ch->env = ReadValueMap(doc, r.Get("env"), "env", &SecretEnvName);
  if (r.Has("delivered_exit")) {
    ch->delivered_exit.clear();
    const YAML::Node codes = r.Get("delivered_exit");
    std::vector<YAML::Node> items;
    if (codes.IsSequence())
      for (const YAML::Node& n : codes) items.push_back(n);
    else items.push_back(codes);
    for (const YAML::Node& n : items) {
      const std::string text = ScalarText(doc, n, "'delivered_exit'");
      const std::optional<long> code = ParseLong(text, 0, 255);
      if (!code) doc.Fail(n, "'delivered_exit' takes exit statuses from 0 to 255, not " + Quote(text));
      ch->delivered_exit.push_back(static_cast<int>(*code));
    }
    if (ch->delivered_exit.empty()) doc.Fail(codes, "'delivered_exit' is an empty list");
  }
  for (const ValueSpec& v : ch->env)
    if (StartsWith(v.name, "HOPS_EVENT_") || StartsWith(v.name, "HOPS_NOTIFY_"))
      doc.Fail(r.Get("env"), Quote(v.name) + " is set by hnotify itself");
  return ch;
}

nlohmann::ordered_json Schema() {
  nlohmann::ordered_json p;
  p["argv"] = {{"type", "array"}, {"minItems", 1}, {"items", {{"type", "string"}}},
               {"description", "the program and its arguments (templates; no shell)"}};
  p["delivered_exit"] = {{"oneOf", nlohmann::ordered_json::array(
                              {{{"type", "integer"}, {"minimum", 0}, {"maximum", 255}},
                               {{"type", "array"}, {"minItems", 1},
                                {"items", {{"type", "integer"}, {"minimum", 0}, {"maximum", 255}}}}})},
                         {"description", "exit statuses that confirm delivery (default 0)"}};
  p["env"] = ValueMapSchema("environment variables: a template, or {value_env|value_file} for a credential");
  return p;
}

}  // namespace

ChannelType CommandType() {
  return {"command", "a program run per notification: argv, the event on stdin and in HOPS_EVENT_*",
          {"argv", "env", "delivered_exit"}, &Parse, &Schema};
}

}  // namespace hops::notify
