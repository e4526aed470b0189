// The command check: runs an existing Nagios/Monitoring Plugins plugin and takes its result.
//
// `command` is the argv list (program first), run by RunProcess (common/process.hpp): with
// posix_spawn, never through a shell, in its own process group with stdin from /dev/null, the
// clean environment (PluginEnvironment) plus `env`, and in `cwd` when given. The plugin's exit code is the
// state (0 OK .. 3 UNKNOWN); any other code, death by a signal, a missing or non-executable
// program are UNKNOWN with the reason. Its stdout (first 64 KiB) is split by
// nagios::ParsePluginOutput: the status line is the summary as the plugin wrote it, the rest the
// long output, and the perfdata are kept, so `thresholds:` on the plugin's own labels can raise
// the state further. On the timeout the whole process group gets SIGTERM, then SIGKILL once the
// plugin has exited or after 1 s, and the result is UNKNOWN "plugin timed out after 5s".
// The arguments and `env` values are never echoed (they may hold secrets); messages name only the
// program.
#include <string.h>

#include <chrono>
#include <string>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/process.hpp"
#include "common/text.hpp"
#include "common/units.hpp"


namespace hops::mon {
namespace {

// The variables a plugin inherits from hmon-check; everything else hmon-check was given (tokens
// named by *_env keys, cloud credentials, ...) stays out of the plugin's reach.
constexpr const char* kPassedVariables[] = {"PATH", "LANG", "LC_ALL", "TZ"};
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

}  // namespace

std::vector<std::string> PluginEnvironment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> out;
  for (const char* name : kPassedVariables) {
    if (env.count(name)) continue;
    const char* v = std::getenv(name);
    if (v) out.push_back(std::string(name) + "=" + v);
    else if (std::string(name) == "PATH") out.push_back(std::string("PATH=") + kDefaultPath);
  }
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

namespace {

using nagios::State;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxStdout = 64 * 1024;
constexpr size_t kMaxStderr = 8 * 1024;

/// The first non-blank line of @p text, at most 200 bytes.
std::string FirstLine(const std::string& text) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t b = line.find_first_not_of(" \t");
    if (b != std::string::npos) {
      line = line.substr(b);
      return line.size() > 200 ? line.substr(0, 200) + "..." : line;
    }
    start = nl + 1;
  }
  return "";
}

class CommandCheck : public CheckType {
 public:
  std::string Name() const override { return "command"; }
  std::vector<std::string> ParamKeys() const override { return {"command", "env", "cwd"}; }
  std::vector<std::string> Measures() const override { return {}; }

  std::string Validate(const CheckSpec& spec) const override {
    const Params& p = spec.params;
    const auto& argv = p.All("command");
    if (argv.empty()) return "'command' is missing: give the plugin and its arguments as a list";
    if (argv[0].empty()) return "'command' starts with an empty program name";
    if (argv.size() == 1 && argv[0].find_first_of(" \t") != std::string::npos)
      return "'command' must be a list (program, then each argument), not one string with blanks: " +
             Quote(argv[0].substr(0, argv[0].find_first_of(" \t"))) + " ...";
    if (!p.All("env").empty()) return "'env' must be a mapping of variable names to values";
    for (const auto& [name, value] : p.Map("env")) {
      if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos)
        return "'env' has an invalid variable name " + Quote(name);
    }
    if (auto c = p.Get("cwd"); c && c->empty()) return "'cwd' is empty";
    return "";
  }

  CheckResult Run(const CheckSpec& spec, const CheckContext& /*ctx*/) const override {
    const auto start = Clock::now();
    CheckResult r = Execute(spec);
    r.duration = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    return r;
  }

 private:
  CheckResult Execute(const CheckSpec& spec) const {
    CheckResult r;
    r.state = State::kUnknown;
    const Params& p = spec.params;
    ProcessOptions o;
    o.argv = p.All("command");
    if (o.argv.empty() || o.argv[0].empty()) {
      r.summary = "'command' is missing";
      return r;
    }
    const std::string& program = o.argv[0];
    r.details["program"] = program;
    o.what = "plugin";
    o.cwd = p.Get("cwd").value_or("");
    o.timeout = spec.timeout;
    o.max_stdout = kMaxStdout;
    o.max_stderr = kMaxStderr;
    o.env = PluginEnvironment(p.Map("env"));

    const ProcessResult run = RunProcess(o);
    if (run.end == ProcessEnd::kNotStarted) {
      r.summary = run.error;
      return r;
    }
    const std::string err_line = FirstLine(run.err);
    if (!run.err.empty()) r.details["stderr"] = run.err.substr(0, 1024);
    if (run.out_truncated) r.details["stdout_truncated"] = true;
    switch (run.end) {
      case ProcessEnd::kTimedOut:
        r.summary = "plugin timed out after " + FormatDuration(spec.timeout);
        return r;
      case ProcessEnd::kLost:
        r.summary = run.error;
        return r;
      case ProcessEnd::kSignaled:
        r.summary = "plugin " + Quote(program) + " was killed by signal " + std::to_string(run.signal) +
                    " (" + strsignal(run.signal) + ")";
        r.details["signal"] = run.signal;
        return r;
      default:
        break;
    }
    const int code = run.exit_code;
    r.details["exit_code"] = code;
    std::string perf_err;
    nagios::PluginOutput po = nagios::ParsePluginOutput(run.out, &perf_err);
    if (!perf_err.empty()) r.details["perfdata_errors"] = perf_err;
    if (code > 3) {
      std::string why = !err_line.empty() ? err_line : po.status_line;
      r.summary = "plugin exited with " + std::to_string(code) + (why.empty() ? "" : ": " + why);
      r.long_output = po.long_output;
      return r;
    }
    r.state = static_cast<State>(code);
    if (po.status_line.empty()) {
      r.summary = "plugin " + Quote(program) + " printed nothing" +
                  (err_line.empty() ? "" : " (stderr: " + err_line + ")");
    } else {
      r.summary = po.status_line;
    }
    r.long_output = po.long_output;
    r.perfdata = std::move(po.perfdata);
    ApplyThresholds(spec.thresholds, &r);
    return r;
  }
};

}  // namespace

std::unique_ptr<CheckType> MakeCommandCheck() { return std::make_unique<CommandCheck>(); }

}  // namespace hops::mon
