#include "cmd/hscope-sync/commands.hpp"

#include <sys/stat.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <memory>
#include <mutex>
#include <optional>

#include "common/event.hpp"
#include "common/output.hpp"
#include "common/text.hpp"
#include "common/yaml_doc.hpp"

namespace hops::scope_sync {
namespace {

constexpr char kTool[] = "hscope-sync";
constexpr int kPageSize = 1000;

std::string Join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

// The text of @p path, nullopt when it cannot be read.
std::optional<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// @p text without its top-level "generated_at:" line.
std::string WithoutGeneratedAt(const std::string& text) {
  const size_t at = text.rfind("\ngenerated_at: ", text.find("\nnodes:"));
  if (at == std::string::npos) return text;
  const size_t end = text.find('\n', at + 1);
  return text.substr(0, at) + (end == std::string::npos ? "" : text.substr(end));
}

std::string Plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

std::vector<Found> Collect(const Definition& d, const Options& o) {
  std::unique_ptr<aws::AwsSession> session;
  std::mutex log_mu;
  aws::Logger log;
  if (o.verbose)
    log = [&log_mu](const std::string& line) {
      std::lock_guard<std::mutex> lock(log_mu);
      Warn(line);
    };
  std::vector<Found> out;
  std::vector<std::string> failures;
  for (const Source& src : d.sources) {
    Found f;
    if (src.type == "static") {
      for (const std::string& file : src.fixed.files) {
        const inv::Inventory part = inv::Inventory::Load(file);
        for (const inv::Node& n : part.nodes()) f.nodes.push_back(n);
        for (const inv::Scope& s : part.scopes()) f.scopes.push_back(s);
      }
      out.push_back(std::move(f));
      continue;
    }
    if (!session) session = std::make_unique<aws::AwsSession>(o.aws);
    const AwsSource& a = src.aws;
    std::vector<std::string> regions = a.regions;
    if (regions.empty()) regions.push_back(session->Region());
    for (const std::string& r : regions) session->Endpoint("ec2", r);  // a bad endpoint is a usage error
    const aws::QueryOptions options = session->ClientOptions(log);
    // The accounts: the base credentials', then each role's.
    std::vector<std::pair<std::string, aws::CredentialSource>> accounts;
    if (a.base_account) accounts.emplace_back("", session->Source());
    for (const std::string& role : a.roles) {
      aws::AssumeRoleParams p;
      p.role_arn = role;
      p.external_id = a.external_id;
      p.session_name = "hscope-sync";
      try {
        const aws::Credentials c = aws::AssumeRole(session->GetCredentials(), p, session->Endpoint("sts", regions.front()),
                                                   session->ClientOptions(log));
        accounts.emplace_back(role, [c]() { return c; });
      } catch (const UsageError&) {
        throw;
      } catch (const Error& e) {
        failures.push_back("source " + Quote(src.name) + ": cannot assume role " + Quote(role) + ": " + e.what());
      }
    }
    std::vector<aws::Instance> instances;
    for (const auto& [role, creds] : accounts) {
      const std::vector<aws::RegionInstances> answers = aws::DescribeInstancesInRegions(
          regions, [&](const std::string& r) { return session->Endpoint("ec2", r); }, creds, options, {}, a.filters,
          kPageSize);
      for (const aws::RegionInstances& ri : answers) {
        if (!ri.error.empty()) {
          failures.push_back("source " + Quote(src.name) + ", region " + Quote(ri.region) +
                             (role.empty() ? "" : " as " + Quote(role)) + ": " + ri.error);
          continue;
        }
        instances.insert(instances.end(), ri.instances.begin(), ri.instances.end());
      }
    }
    // One instance seen through two roles of one account is one instance.
    std::sort(instances.begin(), instances.end(), [](const aws::Instance& x, const aws::Instance& y) { return x.id < y.id; });
    instances.erase(std::unique(instances.begin(), instances.end(),
                                [](const aws::Instance& x, const aws::Instance& y) { return x.id == y.id; }),
                    instances.end());
    f.nodes = InstanceNodes(a, std::move(instances), [](const std::string& m) { Warn(m); });
    out.push_back(std::move(f));
  }
  if (!failures.empty()) {
    for (const std::string& m : failures) Warn(m);
    throw RuntimeError("nothing written: " + Plural(failures.size(), "part") +
                       " of the sources did not answer in full, and a partial inventory would drop their nodes");
  }
  return out;
}

void Report(const std::vector<Change>& changes, const inv::Inventory& after, const std::string& path,
            const std::string& outcome, bool json) {
  size_t added = 0, removed = 0, moved = 0, state = 0, other = 0;
  const auto event = [&](const Change& c, const std::string& kind, const std::string& status, Severity sev,
                         const std::string& summary) {
    Event e;
    e.tool = kTool;
    e.kind = kind;
    e.key = std::string(kTool) + "/" + c.node;
    e.node = c.node;
    e.status = status;
    e.severity = SeverityName(sev);
    e.summary = summary;
    e.data = nlohmann::ordered_json::object();
    if (const inv::Node* n = after.FindNode(c.node)) {
      // The node's first scope, as hmon-check's events of the node carry it, so that hnotify
      // routes and hjob-run event filters pick a part of the fleet the same way for both.
      if (!n->scopes.empty()) e.scope = n->scopes.front();
      e.data["address"] = n->address;
      e.data["scopes"] = n->scopes;
      if (n->ssh) {
        e.data["ssh"] = nlohmann::ordered_json::object();
        if (!n->ssh->user.empty()) e.data["ssh"]["user"] = n->ssh->user;
        e.data["ssh"]["port"] = n->ssh->port;
      }
      if (!n->attributes.empty()) e.data["attributes"] = n->attributes;
    }
    return e;
  };
  for (const Change& c : changes) {
    const inv::Node* n = after.FindNode(c.node);
    if (c.added) {
      ++added;
      const std::string text = "added " + c.node + " (" + n->address + ") in " + (n->scopes.empty() ? "no scope" : Join(n->scopes, ", "));
      if (json) {
        WriteEvent(event(c, "cloud.node.added", "added", Severity::kInfo, text));
      } else {
        std::cout << "+ " << text << '\n';
      }
      continue;
    }
    if (c.removed) {
      ++removed;
      const std::string text = "removed " + c.node;
      if (json) {
        WriteEvent(event(c, "cloud.node.removed", "removed", Severity::kWarning, text));
      } else {
        std::cout << "- " << text << '\n';
      }
      continue;
    }
    if (!c.scopes_added.empty() || !c.scopes_removed.empty()) {
      ++moved;
      std::string text = "moved " + c.node + ":";
      for (const std::string& s : c.scopes_added) text += " +" + s;
      for (const std::string& s : c.scopes_removed) text += " -" + s;
      if (json) {
        Event e = event(c, "cloud.node.moved", "moved", Severity::kInfo, text);
        e.data["scopes_added"] = c.scopes_added;
        e.data["scopes_removed"] = c.scopes_removed;
        WriteEvent(e);
      } else {
        std::cout << "~ " << text << '\n';
      }
    }
    if (c.state_before != c.state_after) {
      ++state;
      const std::string text = "state of " + c.node + ": " + (c.state_before.empty() ? "-" : c.state_before) + " -> " +
                               (c.state_after.empty() ? "-" : c.state_after);
      if (json) {
        Event e = event(c, "cloud.node.state", c.state_after, Severity::kInfo, text);
        if (!c.state_before.empty()) e.previous_status = c.state_before;
        e.changed = true;
        WriteEvent(e);
      } else {
        std::cout << "~ " << text << '\n';
      }
    }
    if (!c.fields.empty()) {
      ++other;
      const std::string text = "changed " + c.node + ": " + Join(c.fields, ", ");
      if (json) {
        Event e = event(c, "cloud.node.changed", "changed", Severity::kInfo, text);
        e.data["fields"] = c.fields;
        WriteEvent(e);
      } else {
        std::cout << "~ " << text << '\n';
      }
    }
  }
  const std::string summary = "inventory " + Quote(path) + ": " + Plural(after.nodes().size(), "node") + "; " +
                              std::to_string(added) + " added, " + std::to_string(removed) + " removed, " +
                              std::to_string(moved) + " moved, " + std::to_string(state) + " changed state, " +
                              std::to_string(other) + " changed otherwise; " + outcome;
  if (json) {
    Event e;
    e.tool = kTool;
    e.kind = "cloud.sync";
    e.key = std::string(kTool) + "/" + path;
    e.status = outcome == "would change" ? "would-change" : outcome;
    e.severity = SeverityName(Severity::kInfo);
    e.summary = summary;
    e.data = {{"inventory", path}, {"nodes", after.nodes().size()}, {"added", added}, {"removed", removed},
              {"moved", moved}, {"state_changed", state}, {"changed", other}};
    WriteEvent(e);
  } else {
    std::cout << summary << '\n';
  }
}

int CmdValidate(const Options& o) {
  const Definition d = LoadDefinition(YamlDoc::FromFile(o.file));
  size_t files = 0;
  for (const Source& s : d.sources)
    for (const std::string& f : s.fixed.files) {
      inv::Inventory::Load(f);
      ++files;
    }
  std::cerr << "ok: " << Plural(d.sources.size(), "source") << ", " << Plural(d.rules.size(), "scope rule") << ", "
            << Plural(files, "static file") << '\n';
  return 0;
}

int CmdSync(const Options& o) {
  const Definition d = LoadDefinition(YamlDoc::FromFile(o.file));
  const std::string path = o.output.empty() ? d.output : o.output;
  if (path.empty() && o.export_format.empty())
    throw UsageError("no inventory to write: give sync --output or 'output:' in " + Quote(o.file));
  const std::vector<Found> found = Collect(d, o);
  inv::Inventory after = BuildInventory(d, found);
  after.set_generated_by(kTool);
  if (o.export_format == "ansible") {
    std::cout << AnsibleYaml(after);
    return 0;
  }
  // The common case of a run from cron, nothing changed, is told from the text alone: reading a
  // large inventory back into nodes costs far more than writing it.
  if (const std::optional<std::string> text = Exists(path) ? ReadText(path) : std::nullopt;
      text && WithoutGeneratedAt(*text) == after.ToYaml()) {
    Report({}, after, path, "unchanged", o.format == "json");
    return 0;
  }
  inv::Inventory before;
  const bool existed = Exists(path);
  if (existed) before = inv::Inventory::Load(path);
  after.set_generated_at(before.generated_at());
  const std::vector<Change> changes = Diff(before, after);
  const bool same = existed && before == after;
  if (o.check) {
    Report(changes, after, path, same ? "unchanged" : "would change", o.format == "json");
    return same ? 0 : 1;
  }
  if (!same) {
    after.set_generated_at(FormatTimestamp(std::chrono::system_clock::now()));
    inv::Inventory::WriteFileAtomic(path, after.ToYaml());
  }
  Report(changes, after, path, same ? "unchanged" : "written", o.format == "json");
  return 0;
}

}  // namespace hops::scope_sync
