#include "cmd/hjob-run/remote.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "common/error.hpp"
#include "common/settings.hpp"

namespace hops::job {

RemoteExecutor::RemoteExecutor(std::string node, ssh::SessionOptions o) : node_(std::move(node)), o_(std::move(o)) {}

CommandResult RemoteExecutor::Run(const JobCommand& cmd, const std::atomic<bool>* stop) {
  CommandResult r;
  std::shared_ptr<ssh::Session> session;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!session_) {
      try {
        session_ = std::make_shared<ssh::Session>(o_);
      } catch (const std::exception& e) {
        r.end = CommandResult::End::kNotStarted;
        r.error = e.what();
        return r;
      }
    }
    session = session_;
  }
  ssh::RemoteCommand rc;
  rc.argv = cmd.command.argv;
  rc.shell = cmd.command.shell;
  rc.env = cmd.env;
  rc.cwd = cmd.cwd;
  rc.timeout = cmd.timeout;
  rc.max_stdout = cmd.max_stdout;
  rc.max_stderr = cmd.max_stderr;
  rc.stop = stop;
  rc.on_start = cmd.on_remote_start;
  ProcessResult p;
  std::string cleanup_error;
  if (cmd.script.empty()) {
    p = session->Run(rc);
  } else {
    try {
      p = session->RunScript(cmd.script, rc, "/tmp", &cleanup_error);
    } catch (const std::exception& e) {
      r.end = CommandResult::End::kNotStarted;
      r.error = e.what();
      return r;
    }
  }
  const bool unstopped = p.end == ProcessEnd::kTimedOut && !p.error.empty();
  r = FromProcessResult(std::move(p), stop);
  // Timed out before it could be stopped (it never reported its pid): fail-safe, as lost.
  if (unstopped) r.end = CommandResult::End::kLost;
  if (r.end == CommandResult::End::kNotStarted && r.error.empty()) r.error = "cannot run the command on '" + node_ + "'";
  if (r.end == CommandResult::End::kLost) {
    // The next command opens a new session.
    std::lock_guard<std::mutex> l(mu_);
    if (session_ == session) session_.reset();
  }
  if (!cleanup_error.empty() && r.end != CommandResult::End::kLost) {
    r.end = CommandResult::End::kLost;
    r.error = cleanup_error;
  }
  return r;
}

namespace {

ssh::SessionOptions NodeOptions(const inv::Node& node, const Settings& settings, const inv::Inventory* inventory,
                                std::vector<std::string>* path) {
  ssh::SessionOptions o;
  o.host = node.address.empty() ? node.id : node.address;
  if (node.ssh) {
    o.user = node.ssh->user;
    o.port = node.ssh->port;
  }
  auto attr = [&](const char* name) -> std::string {
    auto it = node.attributes.find(name);
    return it == node.attributes.end() ? "" : it->second;
  };
  if (const std::string key = attr("ssh_key"); !key.empty()) o.identity_files = {key};
  o.password_env = attr("ssh_password_env");
  o.password_file = attr("ssh_password_file");
  if (const std::string jump = attr("ssh_jump"); !jump.empty()) {
    path->push_back(node.id);
    if (std::find(path->begin(), path->end(), jump) != path->end())
      throw UsageError("node '" + node.id + "': 'ssh_jump' goes round in a circle through '" + jump + "'");
    const inv::Node* via = inventory ? inventory->FindNode(jump) : nullptr;
    if (!via) throw UsageError("node '" + node.id + "': 'ssh_jump' names '" + jump + "', which is not in the inventory");
    o.jump = std::make_shared<const ssh::SessionOptions>(NodeOptions(*via, settings, inventory, path));
  }
  ssh::ApplySettings(settings, &o);
  return o;
}

}  // namespace

ssh::SessionOptions NodeSessionOptions(const inv::Node& node, const Settings& settings,
                                       const inv::Inventory* inventory) {
  std::vector<std::string> path;
  return NodeOptions(node, settings, inventory, &path);
}

Nodes::Nodes(inv::Inventory inventory, const Settings& settings,
             std::function<void(const std::string& node, ssh::SessionOptions*)> adjust)
    : inventory_(std::move(inventory)), settings_(settings), adjust_(std::move(adjust)) {}

std::vector<std::string> Nodes::Select(const TargetSpec& t) const {
  std::vector<std::string> out;
  auto add = [&](const std::vector<const inv::Node*>& nodes) {
    for (const inv::Node* n : nodes)
      if (std::find(out.begin(), out.end(), n->id) == out.end()) out.push_back(n->id);
  };
  // Written order matters for one_of and any: nodes one at a time, then each scope's nodes.
  for (const auto& id : t.nodes) add(inventory_.Select({}, {id}));
  for (const auto& scope : t.scopes) add(inventory_.Select({scope}, {}));
  return out;
}

Executor* Nodes::For(const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = executors_.find(id);
  if (it != executors_.end()) return it->second.get();
  const inv::Node* node = inventory_.FindNode(id);
  if (!node) throw UsageError("node '" + id + "' is not in the inventory");
  ssh::SessionOptions o = NodeSessionOptions(*node, settings_, &inventory_);
  if (adjust_) adjust_(id, &o);
  auto e = std::make_unique<RemoteExecutor>(id, std::move(o));
  Executor* p = e.get();
  executors_[id] = std::move(e);
  return p;
}

}  // namespace hops::job
