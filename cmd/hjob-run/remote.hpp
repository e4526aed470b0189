// Jobs on inventory nodes over SSH (cmd/hjob-run/ssh): RemoteExecutor runs the commands of one node
// through one Session, opened on first use and reused by every job of the run; Nodes hands out
// one RemoteExecutor per node of the inventory.
#ifndef HOPS_CMD_HJOB_RUN_REMOTE_HPP_
#define HOPS_CMD_HJOB_RUN_REMOTE_HPP_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cmd/hjob-run/executor.hpp"
#include "common/inventory.hpp"
#include "cmd/hjob-run/ssh.hpp"

namespace hops {
struct Settings;
}

namespace hops::job {

/// Runs commands on one node through one SSH session. The environment travels in the command's
/// quoted export preamble (cmd/hjob-run/ssh), never in a command string built here. A session that was
/// lost is opened again by the next command.
class RemoteExecutor : public Executor {
 public:
  /// Commands for node @p node, reached with @p o.
  RemoteExecutor(std::string node, ssh::SessionOptions o);
  /// Results: kNotStarted when the session cannot be opened (the message as cmd/hjob-run/ssh gives
  /// it) or the script cannot be copied; kTimedOut; kStopped when *@p stop ended it; kLost when
  /// the connection was lost, the command may still run (it timed out before it could be
  /// stopped), or a script could not be removed afterwards.
  CommandResult Run(const JobCommand& cmd, const std::atomic<bool>* stop) override;
  /// "ssh:NODE".
  std::string Where() const override { return "ssh:" + node_; }

 private:
  std::string node_;
  ssh::SessionOptions o_;
  std::mutex mu_;
  std::shared_ptr<ssh::Session> session_;
};

/// How to reach inventory node @p node: its address (its id when it has none), its `ssh` user and
/// port, then its attributes: `ssh_key` (an identity file), `ssh_password_env` / `ssh_password_file`
/// (where its password is, tried after the keys) and `ssh_jump` (the id of another node of
/// @p inventory to connect through, itself reached the same way), then the `[ssh]` keys of
/// @p settings. Throws UsageError for an unknown or circular `ssh_jump`.
ssh::SessionOptions NodeSessionOptions(const inv::Node& node, const Settings& settings,
                                       const inv::Inventory* inventory = nullptr);

/// The nodes of an inventory and one RemoteExecutor for each, made on first use.
class Nodes {
 public:
  /// @p adjust (may be empty) may change the options of each node before its first session
  /// (-v logging, tests).
  Nodes(inv::Inventory inventory, const Settings& settings,
        std::function<void(const std::string& node, ssh::SessionOptions*)> adjust = {});
  /// The ids of the nodes @p t selects, in the order written (nodes, then scopes), without
  /// duplicates. Throws UsageError (with a suggestion) for an unknown node or scope.
  std::vector<std::string> Select(const TargetSpec& t) const;
  /// The executor of node @p id; throws UsageError for an unknown id.
  Executor* For(const std::string& id);

 private:
  inv::Inventory inventory_;
  const Settings& settings_;
  std::function<void(const std::string&, ssh::SessionOptions*)> adjust_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<RemoteExecutor>> executors_;
};

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_REMOTE_HPP_
