#include "cmd/hjob-run/executor.hpp"

#include <map>
#include <utility>

#include "common/process.hpp"

extern char** environ;

namespace hops::job {

CommandResult LocalExecutor::Run(const JobCommand& cmd, const std::atomic<bool>* stop) {
  // This process's environment, then cmd.env in order: a later entry replaces an earlier one.
  std::vector<std::string> env;
  std::map<std::string, size_t> at;
  auto set = [&](const std::string& name, const std::string& entry) {
    auto it = at.find(name);
    if (it != at.end()) {
      env[it->second] = entry;
      return;
    }
    at[name] = env.size();
    env.push_back(entry);
  };
  for (char** e = environ; e && *e; ++e) {
    const std::string entry = *e;
    set(entry.substr(0, entry.find('=')), entry);
  }
  for (const auto& [name, value] : cmd.env) set(name, name + "=" + value);

  ProcessOptions o;
  if (cmd.script.empty()) {
    o.argv = cmd.command.LocalArgv();
  } else {
    o.argv = {cmd.script};
    o.argv.insert(o.argv.end(), cmd.command.argv.begin(), cmd.command.argv.end());
  }
  o.env = std::move(env);
  o.cwd = cmd.cwd;
  o.timeout = cmd.timeout;
  o.max_stdout = cmd.max_stdout;
  o.max_stderr = cmd.max_stderr;
  o.what = "command";
  o.stop = stop;
  o.on_start = cmd.on_start;
  return FromProcessResult(RunProcess(o), stop);
}

CommandResult FromProcessResult(ProcessResult p, const std::atomic<bool>* stop) {
  CommandResult r;
  r.out = std::move(p.out);
  r.err = std::move(p.err);
  r.out_truncated = p.out_truncated;
  r.err_truncated = p.err_truncated;
  r.error = p.error;
  switch (p.end) {
    case ProcessEnd::kExited:
      r.end = CommandResult::End::kExited;
      r.exit_code = p.exit_code;
      break;
    case ProcessEnd::kSignaled:
      r.end = CommandResult::End::kSignaled;
      r.exit_code = p.status;
      break;
    case ProcessEnd::kTimedOut:
      r.end = stop && stop->load() ? CommandResult::End::kStopped : CommandResult::End::kTimedOut;
      break;
    case ProcessEnd::kNotStarted:
      r.end = CommandResult::End::kNotStarted;
      r.exit_code = p.status;
      break;
    case ProcessEnd::kLost:
      r.end = CommandResult::End::kLost;
      break;
  }
  return r;
}

}  // namespace hops::job
