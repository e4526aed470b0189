#include "cmd/haws-ec2/commands.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include "common/calendar.hpp"
#include "common/calendar_load.hpp"
#include "common/event.hpp"
#include "common/inventory.hpp"
#include "common/settings.hpp"
#include "common/state.hpp"
#include "common/output.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::haws_ec2 {
namespace {

using aws::Instance;
using Clock = std::chrono::steady_clock;

constexpr char kTool[] = "haws-ec2";
// Instances per DescribeInstances page: EC2 allows 1,000; 500 halves the answer held at once
// (about 1 MiB of XML and its parsed tree) for one more round trip per 1,000 instances.
constexpr int kPageSize = 500;

std::string Dash(const std::string& s) { return s.empty() ? "-" : s; }

std::chrono::milliseconds Duration(const std::string& text, const char* option, std::chrono::milliseconds least) {
  const auto d = ParseDuration(text);
  if (!d || *d < least)
    throw UsageError("invalid value " + Quote(text) + " for option '" + option + "': expected a duration such as 15s, 500ms or 10m" +
                     (least.count() > 0 ? " (at least " + FormatDuration(least) + ")" : ""));
  return *d;
}

// Prints @p rows under @p header, columns padded to their widest cell.
void PrintTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  const auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    std::cout << line << '\n';
  };
  print(header);
  for (const auto& row : rows) print(row);
}

nlohmann::ordered_json InstanceJson(const Instance& i) {
  nlohmann::ordered_json j;
  const auto put = [&j](const char* key, const std::string& value) {
    if (!value.empty()) j[key] = value;
  };
  put("id", i.id);
  put("name", i.Name());
  put("region", i.region);
  put("az", i.az);
  put("state", i.state);
  if (i.state_code >= 0) j["state_code"] = i.state_code;
  put("type", i.instance_type);
  put("vpc", i.vpc_id);
  put("subnet", i.subnet_id);
  put("private_ip", i.private_ip);
  put("public_ip", i.public_ip);
  put("private_dns", i.private_dns);
  put("public_dns", i.public_dns);
  put("platform", i.platform);
  put("launch_time", i.launch_time);
  if (!i.tags.empty()) j["tags"] = i.tags;
  if (!i.state_reason_code.empty())
    j["state_reason"] = {{"code", i.state_reason_code}, {"message", i.state_reason_message}};
  return j;
}

// "i-0abc (web01)" or "i-0abc".
std::string Subject(const Instance& i) { return i.Name().empty() ? i.id : i.id + " (" + i.Name() + ")"; }

std::string ReasonText(const Instance& i) {
  if (i.state_reason_message.empty()) return i.state_reason_code;
  return i.state_reason_message;
}

Event BaseEvent(const Target& t, const std::string& kind) {
  Event e;
  e.tool = kTool;
  e.kind = kind;
  e.key = std::string(kTool) + "/" + t.instance.region + "/" + t.instance.id;
  if (!t.node.empty()) e.node = t.node;
  return e;
}

// ---- A run: the session, the regions, the selection ---------------------------------------------

class Run {
 public:
  explicit Run(const Options& o) : o_(o), session_(o.aws), json_(o.format == "json") {
    if (o.verbose) {
      log_ = [this](const std::string& line) {
        std::lock_guard<std::mutex> lock(log_mu_);
        Warn(line);
      };
    }
  }

  const Options& options() const { return o_; }
  bool json() const { return json_; }

  aws::Ec2Client Client(const std::string& region) {
    return aws::Ec2Client(session_.Endpoint("ec2", region), session_.Source(), session_.ClientOptions(log_));
  }

  // Checks the configuration of @p regions (endpoint URLs, credentials) before they run at once,
  // so a usage error is one, not the failure of a region.
  void Prepare(const std::vector<std::string>& regions) {
    for (const std::string& region : regions) session_.Endpoint("ec2", region);
    session_.ClientOptions();
    session_.GetCredentials();
  }

  // The selected instances; *complete is false when a region failed or a named instance was not
  // found (each said on stderr).
  std::vector<Target> Select(bool* complete) {
    *complete = true;
    ReadScope();
    const std::vector<std::string> regions = Regions();
    Prepare(regions);
    std::vector<std::vector<aws::Filter>> filters;
    std::vector<std::string> asked;
    for (const std::string& region : regions) {
      if (!o_.scopes.empty() && !scope_ids_.count(region)) continue;
      asked.push_back(region);
      filters.push_back(SelectionFilters(o_, scope_ids_[region]));
    }
    std::vector<std::vector<Instance>> found(asked.size());
    const std::vector<std::string> errors = aws::ForEachRegion(asked, [&](const std::string& region) {
      const size_t i = static_cast<size_t>(std::find(asked.begin(), asked.end(), region) - asked.begin());
      found[i] = Client(region).DescribeInstances({}, filters[i], kPageSize);
    });
    std::vector<Target> out;
    std::set<std::string> seen;
    for (size_t i = 0; i < asked.size(); ++i) {
      if (!errors[i].empty()) {
        Warn(errors[i]);
        *complete = false;
        continue;
      }
      std::sort(found[i].begin(), found[i].end(), [](const Instance& a, const Instance& b) { return a.id < b.id; });
      for (Instance& in : found[i]) {
        seen.insert(in.id);
        Target t{std::move(in), ""};
        if (auto node = node_of_.find(t.instance.id); node != node_of_.end()) t.node = node->second;
        out.push_back(std::move(t));
      }
    }
    const auto where = [&]() {
      std::string text;
      for (const std::string& r : asked) text += (text.empty() ? "" : ", ") + Quote(r);
      return text.empty() ? std::string("no region") : (asked.size() == 1 ? "region " : "regions ") + text;
    };
    for (const std::string& id : o_.ids) {
      if (seen.count(id) || errors != std::vector<std::string>(asked.size())) continue;
      Warn("instance " + Quote(id) + " not found in " + where());
      *complete = false;
    }
    for (const auto& [id, node] : node_of_) {
      if (seen.count(id) || !o_.ids.empty() || !o_.tags.empty() || !o_.filters.empty()) continue;
      if (errors != std::vector<std::string>(asked.size())) continue;
      Warn("instance " + Quote(id) + " of node " + Quote(node) + " not found in " + where());
      *complete = false;
    }
    return out;
  }

  // Per-region work at once: @p work(region, that region's targets); a region that throws
  // marks its targets with the message in *failed.
  void PerRegion(const std::vector<Target*>& targets,
                 const std::function<void(const std::string&, const std::vector<Target*>&)>& work,
                 std::map<std::string, std::string>* failed) {
    std::vector<std::string> regions;
    std::map<std::string, std::vector<Target*>> by_region;
    for (Target* t : targets) {
      if (!by_region.count(t->instance.region)) regions.push_back(t->instance.region);
      by_region[t->instance.region].push_back(t);
    }
    const std::vector<std::string> errors =
        aws::ForEachRegion(regions, [&](const std::string& region) { work(region, by_region[region]); });
    for (size_t i = 0; i < regions.size(); ++i)
      if (!errors[i].empty())
        for (Target* t : by_region[regions[i]]) (*failed)[t->instance.id] = errors[i];
  }

 private:
  std::vector<std::string> Regions() {
    std::vector<std::string> regions = o_.regions;
    if (regions.empty() && !o_.scopes.empty()) {
      for (const auto& entry : scope_ids_) regions.push_back(entry.first);
    }
    if (regions.empty()) regions.push_back(session_.Region());
    for (const std::string& r : regions) {
      if (r.empty() || r.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") != std::string::npos)
        throw UsageError("invalid region " + Quote(r) + ": expected a name such as ap-northeast-1");
    }
    std::sort(regions.begin(), regions.end());
    regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
    return regions;
  }

  // With --scope: the instance ids of the selected inventory nodes, by region.
  void ReadScope() {
    if (o_.scopes.empty()) return;
    const inv::Inventory inventory =
        inv::Inventory::Load(o_.inventory.empty() ? inv::DefaultInventoryPath() : o_.inventory);
    std::string fallback;
    for (const inv::Node* node : inventory.Select(o_.scopes, {})) {
      auto id = node->attributes.find(aws::kCloudIdAttribute);
      if (id == node->attributes.end())
        throw UsageError("node " + Quote(node->id) + " has no '" + aws::kCloudIdAttribute +
                         "' attribute: --scope selects EC2 instances by the cloud_id and region attributes of their nodes");
      std::string region;
      if (auto r = node->attributes.find(aws::kRegionAttribute); r != node->attributes.end()) {
        region = r->second;
      } else {
        if (fallback.empty()) fallback = o_.regions.empty() ? session_.Region() : o_.regions.front();
        region = fallback;
      }
      if (!o_.regions.empty() && std::find(o_.regions.begin(), o_.regions.end(), region) == o_.regions.end()) continue;
      scope_ids_[region].push_back(id->second);
      node_of_[id->second] = node->id;
    }
  }

  const Options& o_;
  aws::AwsSession session_;
  bool json_;
  std::mutex log_mu_;
  aws::Logger log_;
  std::map<std::string, std::vector<std::string>> scope_ids_;
  std::map<std::string, std::string> node_of_;
};

// ---- Waiting ---------------------------------------------------------------------------------

// The state an instance moves through on its way to @p target.
std::string MovingState(const std::string& target) { return target == "running" ? "pending" : "stopping"; }

// Prints one instance's end of a wait; returns true when it reached the state.
bool ReportWait(const Run& run, const Target& t, const std::string& target, WaitVerdict verdict,
                std::chrono::milliseconds waited) {
  const Instance& i = t.instance;
  std::string status, text;
  if (verdict == WaitVerdict::kReached) {
    status = "success";
    text = i.state;
  } else if (verdict == WaitVerdict::kFailed) {
    status = "failed";
    text = "failed: " + i.state + (ReasonText(i).empty() ? "" : " (" + ReasonText(i) + ")");
  } else {
    status = "timeout";
    text = "timeout: " + Dash(i.state) + " after " + FormatDuration(waited);
  }
  if (run.json()) {
    Event e = BaseEvent(t, "ec2.wait");
    e.status = status;
    e.severity = SeverityName(verdict == WaitVerdict::kReached ? Severity::kOk : Severity::kCritical);
    e.summary = Subject(i) + " in " + i.region + ": " +
                (verdict == WaitVerdict::kReached ? "reached " + target : "did not reach " + target + ", " + text);
    e.duration_ms = static_cast<double>(waited.count());
    e.data = InstanceJson(i);
    e.data["target"] = target;
    WriteEvent(e);
  } else {
    std::cout << i.id << "  " << Dash(i.Name()) << "  " << text << '\n';
  }
  return verdict == WaitVerdict::kReached;
}

// Polls @p targets until each is in @p target, fails, or the timeout passes; @p moved holds the
// ids already seen on their way. Returns how many did not get there.
int WaitFor(Run& run, std::vector<Target> targets, const std::string& target, std::set<std::string> moved) {
  const Options& o = run.options();
  const auto interval = Duration(o.interval, "--interval", std::chrono::milliseconds(1));
  const auto timeout = Duration(o.timeout, "--timeout", std::chrono::milliseconds(0));
  const auto start = Clock::now();
  const bool progress = isatty(2) && !o.verbose;
  std::vector<Target*> open;
  for (Target& t : targets) open.push_back(&t);
  int failures = 0;
  for (;;) {
    // One look at every instance still open, all regions at once.
    std::map<std::string, std::string> failed;
    std::mutex mu;
    std::map<std::string, Instance> seen;
    run.PerRegion(open, [&](const std::string& region, const std::vector<Target*>& in_region) {
      std::vector<std::string> ids;
      for (const Target* t : in_region) ids.push_back(t->instance.id);
      std::vector<Instance> now = run.Client(region).DescribeInstances({}, {{"instance-id", ids}});
      std::lock_guard<std::mutex> lock(mu);
      for (Instance& i : now) seen[i.id] = std::move(i);
    }, &failed);
    std::set<std::string> errors;
    for (const auto& entry : failed) errors.insert(entry.second);
    for (const std::string& e : errors) Warn(e + " (still waiting)");
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    std::vector<Target*> still;
    std::map<std::string, int> states;
    for (Target* t : open) {
      auto it = seen.find(t->instance.id);
      if (it != seen.end()) t->instance = it->second;  // absent (not yet visible): keep the last look
      if (t->instance.state == MovingState(target)) moved.insert(t->instance.id);
      const WaitVerdict v = JudgeWait(target, t->instance.state, moved.count(t->instance.id) > 0);
      if (v == WaitVerdict::kWaiting) {
        still.push_back(t);
        ++states[t->instance.state];
        continue;
      }
      if (progress) std::fputs("\r\033[K", stderr);
      if (!ReportWait(run, *t, target, v, waited)) ++failures;
    }
    open = std::move(still);
    if (open.empty()) break;
    if (Clock::now() - start >= timeout) {
      if (progress) std::fputs("\r\033[K", stderr);
      for (Target* t : open) ReportWait(run, *t, target, WaitVerdict::kWaiting, waited);
      failures += static_cast<int>(open.size());
      break;
    }
    if (progress) {
      std::string line = "waiting for " + std::to_string(open.size()) + " instance" + (open.size() == 1 ? "" : "s") +
                         " to be " + target + ":";
      for (const auto& [state, n] : states) line += " " + std::to_string(n) + " " + Dash(state) + ",";
      line.back() = ' ';
      line += "(" + FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(waited)) + ")";
      std::fputs(("\r\033[K" + line).c_str(), stderr);
      std::fflush(stderr);
    }
    std::cout.flush();
    const auto left = timeout - (Clock::now() - start);
    std::this_thread::sleep_for(std::min<Clock::duration>(interval, std::max<Clock::duration>(left, Clock::duration(0))));
  }
  if (progress) std::fputs("\r\033[K", stderr);
  return failures;
}

bool HasSelector(const Options& o) {
  return !o.ids.empty() || !o.tags.empty() || !o.filters.empty() || !o.scopes.empty();
}

}  // namespace

WaitVerdict JudgeWait(const std::string& target, const std::string& state, bool moved) {
  if (state == target) return WaitVerdict::kReached;
  if (state == "terminated" || state == "shutting-down") return WaitVerdict::kFailed;
  if (target == "running") {
    if (state == "stopping" || (state == "stopped" && moved)) return WaitVerdict::kFailed;
  } else {
    if (state == "pending" || (state == "running" && moved)) return WaitVerdict::kFailed;
  }
  return WaitVerdict::kWaiting;
}

std::vector<aws::Filter> SelectionFilters(const Options& o, const std::vector<std::string>& scope_ids) {
  std::vector<aws::Filter> out;
  if (!o.ids.empty()) out.push_back({"instance-id", o.ids});
  if (!scope_ids.empty()) out.push_back({"instance-id", scope_ids});
  std::map<std::string, std::vector<std::string>> tag_values;
  std::vector<std::string> tag_keys;
  for (const std::string& tag : o.tags) {
    const size_t eq = tag.find('=');
    if (eq == 0 || tag.empty()) throw UsageError("invalid tag " + Quote(tag) + ": expected KEY=VALUE or KEY");
    if (eq == std::string::npos) {
      tag_keys.push_back(tag);
    } else {
      tag_values[tag.substr(0, eq)].push_back(tag.substr(eq + 1));
    }
  }
  for (auto& [key, values] : tag_values) out.push_back({"tag:" + key, std::move(values)});
  for (const std::string& key : tag_keys) out.push_back({"tag-key", {key}});
  for (const std::string& f : o.filters) out.push_back(aws::ParseFilter(f));
  return out;
}

int CmdDescribe(const Options& o) {
  SelectionFilters(o, {});  // a malformed --tag or --filter is a usage error before any request
  Run run(o);
  bool complete;
  const std::vector<Target> targets = run.Select(&complete);
  if (run.json()) {
    for (const Target& t : targets) {
      Event e = BaseEvent(t, "ec2.instance");
      e.status = t.instance.state;
      e.severity = SeverityName(Severity::kInfo);
      e.summary = Subject(t.instance) + " in " + t.instance.az + ": " + t.instance.state;
      e.data = InstanceJson(t.instance);
      WriteEvent(e);
    }
  } else if (!targets.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const Target& t : targets) {
      const Instance& i = t.instance;
      rows.push_back({i.id, Dash(i.Name()), i.state, Dash(i.az), Dash(i.instance_type), Dash(i.private_ip), Dash(i.public_ip)});
    }
    PrintTable({"ID", "NAME", "STATE", "AZ", "TYPE", "PRIVATE-IP", "PUBLIC-IP"}, rows);
  }
  if (targets.empty() && complete) Warn("no instance matches the selection");
  return complete ? 0 : 1;
}

int CmdStatus(const Options& o) {
  SelectionFilters(o, {});
  Run run(o);
  bool complete;
  std::vector<Target> targets = run.Select(&complete);
  std::vector<Target*> all;
  for (Target& t : targets) all.push_back(&t);
  std::map<std::string, aws::InstanceStatus> status;
  std::map<std::string, std::string> failed;
  std::mutex mu;
  run.PerRegion(all, [&](const std::string& region, const std::vector<Target*>& in_region) {
    std::vector<std::string> ids;
    for (const Target* t : in_region) ids.push_back(t->instance.id);
    for (aws::InstanceStatus& s : run.Client(region).DescribeInstanceStatus({}, {{"instance-id", ids}}, true)) {
      std::lock_guard<std::mutex> lock(mu);
      status[s.id] = std::move(s);
    }
  }, &failed);
  std::set<std::string> errors;
  for (const auto& entry : failed) errors.insert(entry.second);
  for (const std::string& e : errors) Warn(e);
  std::vector<std::vector<std::string>> rows;
  for (const Target& t : targets) {
    if (failed.count(t.instance.id)) continue;
    aws::InstanceStatus s;
    if (auto it = status.find(t.instance.id); it != status.end()) s = it->second;
    s.state = t.instance.state;  // as described a moment ago: the same call for every row
    const std::string overall = s.system_status == "impaired" || s.instance_status == "impaired" ? "impaired"
                                : s.system_status.empty() ? "not-applicable"
                                : s.system_status == "ok" && s.instance_status == "ok" ? "ok"
                                : s.system_status == "not-applicable" ? "not-applicable"
                                : s.instance_status.empty() ? s.system_status : s.instance_status;
    std::string events;
    for (const aws::ScheduledEvent& ev : s.events)
      events += (events.empty() ? "" : "; ") + ev.code + (ev.not_before.empty() ? "" : " from " + ev.not_before);
    if (run.json()) {
      Event e = BaseEvent(t, "ec2.health");
      e.status = overall;
      Severity sev = overall == "ok" ? Severity::kOk
                     : overall == "impaired" ? Severity::kCritical
                     : overall == "not-applicable" ? Severity::kInfo
                     : Severity::kWarning;
      if (!s.events.empty() && (sev == Severity::kOk || sev == Severity::kInfo)) sev = Severity::kWarning;
      e.severity = SeverityName(sev);
      e.summary = Subject(t.instance) + ": " + t.instance.state + ", status " + overall +
                  (events.empty() ? "" : ", scheduled: " + events);
      e.data = InstanceJson(t.instance);
      e.data["system_status"] = Dash(s.system_status == "" ? "not-applicable" : s.system_status);
      e.data["instance_status"] = Dash(s.instance_status == "" ? "not-applicable" : s.instance_status);
      nlohmann::ordered_json details = nlohmann::ordered_json::object();
      for (const auto& [name, value] : s.system_details) details["system_" + name] = value;
      for (const auto& [name, value] : s.instance_details) details["instance_" + name] = value;
      if (!details.empty()) e.data["checks"] = details;
      nlohmann::ordered_json evs = nlohmann::ordered_json::array();
      for (const aws::ScheduledEvent& ev : s.events)
        evs.push_back({{"id", ev.id}, {"code", ev.code}, {"description", ev.description},
                       {"not_before", ev.not_before}, {"not_after", ev.not_after}});
      e.data["events"] = evs;
      WriteEvent(e);
    } else {
      rows.push_back({t.instance.id, Dash(t.instance.Name()), t.instance.state,
                      Dash(s.system_status.empty() ? "not-applicable" : s.system_status),
                      Dash(s.instance_status.empty() ? "not-applicable" : s.instance_status), Dash(events)});
    }
  }
  if (!run.json() && !rows.empty()) PrintTable({"ID", "NAME", "STATE", "SYSTEM", "INSTANCE", "EVENTS"}, rows);
  if (targets.empty() && complete) Warn("no instance matches the selection");
  return complete && failed.empty() ? 0 : 1;
}

int CmdAction(const Options& o, const std::string& action) {
  if (!HasSelector(o))
    throw UsageError(action + " needs --id, --tag, --filter or --scope (to act on every instance, say so with a filter "
                              "such as --filter instance-state-name=running)");
  SelectionFilters(o, {});
  if (o.wait) {
    Duration(o.interval, "--interval", std::chrono::milliseconds(1));
    Duration(o.timeout, "--timeout", std::chrono::milliseconds(0));
  }
  Run run(o);
  bool complete;
  std::vector<Target> targets = run.Select(&complete);
  if (!complete) {
    Warn("nothing was done: the selection is incomplete");
    return 1;
  }
  if (targets.empty()) {
    Warn("no instance matches the selection");
    return 0;
  }
  // What to do with each: act, nothing (already there), or refuse (a state it cannot leave).
  const std::string goal = action == "start" ? "running" : action == "stop" ? "stopped" : "";
  std::vector<Target*> act;
  std::map<std::string, std::string> outcome;  // id -> "" (acted, or nothing to do) or why it failed
  std::map<std::string, std::string> note;     // id -> text of what was done
  for (Target& t : targets) {
    const std::string& state = t.instance.state;
    const std::string& id = t.instance.id;
    if (state == "terminated" || state == "shutting-down" ||
        (action == "start" && state == "stopping") || (action == "reboot" && state != "running")) {
      outcome[id] = "cannot " + action + " an instance that is " + state;
    } else if ((action == "start" && (state == "running" || state == "pending")) ||
               (action == "stop" && (state == "stopped" || state == "stopping"))) {
      outcome[id] = "";
      note[id] = "already " + state;
    } else {
      act.push_back(&t);
    }
  }
  std::mutex mu;
  std::map<std::string, std::string> failed;
  run.PerRegion(act, [&](const std::string& region, const std::vector<Target*>& in_region) {
    std::vector<std::string> ids;
    for (const Target* t : in_region) ids.push_back(t->instance.id);
    aws::Ec2Client client = run.Client(region);
    aws::ActionResult r = action == "start"  ? client.StartInstances(ids, o.dry_run)
                          : action == "stop" ? client.StopInstances(ids, o.dry_run, o.force)
                                             : client.RebootInstances(ids, o.dry_run);
    std::lock_guard<std::mutex> lock(mu);
    for (const Target* t : in_region) {
      outcome[t->instance.id] = "";
      note[t->instance.id] = o.dry_run ? t->instance.state + ": would " + action + " (dry run)"
                                       : action == "reboot" ? "rebooting" : t->instance.state + " -> " + goal;
    }
    for (const aws::StateChange& c : r.changes) note[c.id] = c.previous_state + " -> " + c.current_state;
    for (Target* t : in_region) {
      for (const aws::StateChange& c : r.changes)
        if (c.id == t->instance.id) {
          t->instance.state = c.current_state;
          t->instance.state_code = c.current_code;
        }
    }
  }, &failed);
  for (const auto& [id, why] : failed) outcome[id] = why;

  int failures = 0;
  std::vector<Target> to_wait;
  std::set<std::string> moved;
  for (const Target& t : targets) {
    const std::string& why = outcome[t.instance.id];
    const bool ok = why.empty();
    if (!ok) ++failures;
    const std::string text = ok ? note[t.instance.id] : "failed: " + why;
    if (run.json()) {
      Event e = BaseEvent(t, "ec2.action");
      e.status = !ok ? "failed" : o.dry_run ? "dry-run" : "success";
      e.severity = SeverityName(!ok ? Severity::kCritical : o.dry_run ? Severity::kInfo : Severity::kOk);
      e.summary = Subject(t.instance) + " in " + t.instance.region + ": " + action + ": " + text;
      e.data = InstanceJson(t.instance);
      e.data["action"] = action;
      e.data["dry_run"] = o.dry_run;
      if (!ok) e.data["error"] = why;
      WriteEvent(e);
    } else {
      std::cout << t.instance.id << "  " << Dash(t.instance.Name()) << "  " << text << '\n';
    }
    if (ok && o.wait && !o.dry_run && !goal.empty()) {
      to_wait.push_back(t);
      if (t.instance.state == MovingState(goal)) moved.insert(t.instance.id);
    }
  }
  std::cout.flush();
  if (!to_wait.empty()) failures += WaitFor(run, std::move(to_wait), goal, std::move(moved));
  if (failures > 0)
    Warn(std::to_string(failures) + " of " + std::to_string(targets.size()) + " instance" +
         (targets.size() == 1 ? "" : "s") + " failed");
  return failures > 0 ? 1 : 0;
}

int CmdWait(const Options& o) {
  if (o.state != "running" && o.state != "stopped")
    throw UsageError("wait needs the state to wait for: running or stopped, not " + Quote(o.state));
  if (!HasSelector(o)) throw UsageError("wait needs --id, --tag, --filter or --scope");
  SelectionFilters(o, {});
  Duration(o.interval, "--interval", std::chrono::milliseconds(1));
  Duration(o.timeout, "--timeout", std::chrono::milliseconds(0));
  Run run(o);
  bool complete;
  std::vector<Target> targets = run.Select(&complete);
  if (!complete) return 1;
  if (targets.empty()) {
    Warn("no instance matches the selection");
    return 0;
  }
  return WaitFor(run, std::move(targets), o.state, {}) > 0 ? 1 : 0;
}

ScheduleDecision DecideSchedule(bool open, const std::optional<std::string>& last, const std::string& state,
                                bool enforce) {
  const std::string now = open ? "open" : "closed";
  const std::string goal = open ? "running" : "stopped";
  if (last && *last == now && !enforce) return {"", "no change since the last run: left " + state, true};
  if (state == goal || state == MovingState(goal)) return {"", "already " + state, true};
  if (state == "terminated" || state == "shutting-down") return {"", state + ": nothing to do", true};
  if (open && state == "stopping") return {"", "still stopping: started at the next run", false};
  if (!open && state == "pending") return {"", "still pending: stopped at the next run", false};
  return {open ? "start" : "stop", "", true};
}

namespace {

// The zone a local --at is read in, as hcal reads it in the calendar's: --calendar's, else the
// zone every loaded calendar shares. Calendars in several zones give a local time no one meaning.
const TimeZone* AtZone(const cal::Registry& calendars, const cal::Calendar* fallback, const std::string& at) {
  if (fallback) return fallback->Zone();
  const TimeZone* zone = nullptr;
  std::set<std::string> names;
  for (const cal::Calendar* c : calendars.All()) {
    if (!zone) zone = c->Zone();
    names.insert(c->Zone()->name());
  }
  if (names.size() <= 1) return zone;
  std::string list;
  for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
  throw UsageError("--at " + Quote(at) + " is a local time, but the calendars are in several time zones (" + list +
                   "): add Z or an offset, or choose the zone with --calendar");
}

}  // namespace

int CmdSchedule(const Options& o) {
  SelectionFilters(o, {});
  const Settings settings = LoadSettings();
  std::unique_ptr<cal::Registry> calendars = cal::OpenRegistry(settings, cal::CalendarPaths(settings, o.calendar_files));
  calendars->ThrowIfErrors();
  const cal::Calendar* fallback = o.calendar.empty() ? nullptr : &calendars->Find(o.calendar);
  const cal::Instant at =
      o.at.empty() ? cal::Now() : cal::ParseInstant(o.at, [&] { return AtZone(*calendars, fallback, o.at); });
  // Without a selection, the instances that name their calendar.
  Options sel = o;
  if (!HasSelector(o)) sel.tags.push_back(o.calendar_tag);
  std::unique_ptr<StateStore> store = StateStore::Open(StateStore::DefaultPath(settings), {{}, {}, {"core"}});
  std::unique_ptr<StateLock> lock = store->TryLock("haws-ec2.schedule", "haws-ec2 schedule");
  if (!lock) {
    const auto holder = store->GetLockHolder("haws-ec2.schedule");
    Warn("another haws-ec2 schedule is running" +
         (holder && holder->pid ? " (pid " + std::to_string(holder->pid) + ")" : std::string()) + ": nothing done");
    return 1;
  }
  Run run(sel);
  bool complete;
  std::vector<Target> targets = run.Select(&complete);
  constexpr char kNs[] = "haws-ec2.schedule";
  struct Plan {
    Target* target = nullptr;
    const cal::Calendar* calendar = nullptr;
    bool open = false;
    std::optional<std::string> last;
    ScheduleDecision decision;
    std::string error;
  };
  std::vector<Plan> plans;
  std::vector<Target*> to_start, to_stop;
  for (Target& t : targets) {
    Plan p;
    p.target = &t;
    auto tag = t.instance.tags.find(o.calendar_tag);
    try {
      p.calendar = tag != t.instance.tags.end() ? &calendars->Find(tag->second) : fallback;
    } catch (const UsageError& e) {
      p.error = std::string("tag '") + o.calendar_tag + "': " + e.what();
    }
    if (!p.calendar && p.error.empty()) {
      p.decision = {"", "no calendar (no tag '" + o.calendar_tag + "' and no --calendar)", false};
    } else if (p.calendar) {
      cal::DayInfo info;
      p.open = cal::IsOpenAt(*p.calendar, at, &info);
      p.last = store->GetValue(kNs, t.instance.region + "/" + t.instance.id);
      p.decision = DecideSchedule(p.open, p.last, t.instance.state, o.enforce);
      if (p.decision.action == "start") to_start.push_back(&t);
      if (p.decision.action == "stop") to_stop.push_back(&t);
    }
    plans.push_back(std::move(p));
  }
  std::mutex mu;
  std::map<std::string, std::string> failed;
  std::map<std::string, std::string> changed;  // id -> "previous -> current"
  for (const std::string action : {"start", "stop"}) {
    run.PerRegion(action == "start" ? to_start : to_stop, [&](const std::string& region, const std::vector<Target*>& in) {
      std::vector<std::string> ids;
      for (const Target* t : in) ids.push_back(t->instance.id);
      aws::Ec2Client client = run.Client(region);
      const aws::ActionResult r = action == "start" ? client.StartInstances(ids, o.dry_run) : client.StopInstances(ids, o.dry_run);
      std::lock_guard<std::mutex> guard(mu);
      for (const aws::StateChange& c : r.changes) changed[c.id] = c.previous_state + " -> " + c.current_state;
    }, &failed);
  }
  int failures = complete ? 0 : 1;
  for (Plan& p : plans) {
    const Instance& i = p.target->instance;
    const std::string& action = p.decision.action;
    std::string why = p.error;
    if (why.empty()) {
      if (auto f = failed.find(i.id); f != failed.end()) why = f->second;
    }
    const bool ok = why.empty();
    if (!ok) ++failures;
    const std::string cal_state = p.calendar ? (p.open ? "open" : "closed") : "";
    std::string text;
    if (!ok) {
      text = "failed: " + why;
    } else if (action.empty()) {
      text = p.decision.note;
    } else if (o.dry_run) {
      text = i.state + ": would " + action + " (dry run)";
    } else {
      text = changed.count(i.id) ? changed[i.id] : i.state + " -> " + (action == "start" ? "pending" : "stopping");
    }
    std::string head;
    if (p.calendar) {
      head = "calendar " + Quote(p.calendar->name) + " " + cal_state;
      if (p.last && *p.last != cal_state) head += " (was " + *p.last + ")";
      head += ": ";
    }
    // Remember what the calendar said, so the next run acts only on its next change.
    if (ok && p.calendar && p.decision.remember && !o.dry_run)
      store->PutValue(kNs, i.region + "/" + i.id, cal_state);
    if (run.json()) {
      Event e = BaseEvent(*p.target, "ec2.schedule");
      e.status = !ok ? "failed" : action.empty() ? "unchanged" : o.dry_run ? "dry-run" : action == "start" ? "started" : "stopped";
      e.severity = SeverityName(!ok ? Severity::kCritical : action.empty() || o.dry_run ? Severity::kInfo : Severity::kOk);
      e.summary = Subject(i) + ": " + head + text;
      if (p.calendar) e.calendar = p.calendar->name;
      e.data = InstanceJson(i);
      e.data["action"] = action.empty() ? "none" : action;
      e.data["dry_run"] = o.dry_run;
      if (p.calendar) e.data["calendar_state"] = cal_state;
      if (p.last) e.data["calendar_state_before"] = *p.last;
      e.data["at"] = FormatTimestamp(std::chrono::system_clock::time_point(at.time_since_epoch()));
      if (!ok) e.data["error"] = why;
      WriteEvent(e);
    } else {
      std::cout << i.id << "  " << Dash(i.Name()) << "  " << head << text << '\n';
    }
  }
  if (plans.empty() && complete) Warn("no instance matches the selection");
  return failures > 0 ? 1 : 0;
}

}  // namespace hops::haws_ec2
