// Job flow definitions (hjob-run(5)): the YAML loader, the DAG of jobs, end-value judgement and
// the parameter rules. Everything here is pure: nothing runs, nothing touches the state store.
#ifndef HOPS_CMD_HJOB_RUN_FLOW_HPP_
#define HOPS_CMD_HJOB_RUN_FLOW_HPP_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cmd/hjob-run/condition.hpp"
#include "common/yaml_doc.hpp"

namespace hops::job {

/// How a job's end is judged: the status words a job can end with.
enum class Judged { kSuccess, kWarning, kFailed };

/// The word for @p j: "success", "warning" or "failed".
const char* JudgedName(Judged j);

/// One inclusive range of exit codes.
struct CodeRange {
  int lo = 0;
  int hi = 0;
};

/// Exit code → status (JP1 終了判定 / Hinemos 終了値判定): codes in `success` succeed, codes in
/// `warning` end with a warning, every other code (and a timeout or a signal) fails.
struct EndValues {
  std::vector<CodeRange> success{{0, 0}};  ///< default: 0
  std::vector<CodeRange> warning;          ///< default: none
  /// The status of exit code @p code.
  Judged Judge(int code) const;
};

/// Retries of a failed attempt: attempt k (k >= 2) starts delay * backoff^(k-2) after the
/// previous one ended, at most max_delay.
struct RetryPolicy {
  int count = 0;                                    ///< extra attempts after the first
  std::chrono::milliseconds delay{0};               ///< before the first retry
  double backoff = 1;                               ///< factor applied to the delay each time
  std::chrono::milliseconds max_delay{std::chrono::hours(1)};  ///< the longest delay
  /// The pause before attempt @p attempt (2 = the first retry).
  std::chrono::milliseconds DelayBefore(int attempt) const;
};

/// A command: an argv list (no shell) or a string run by `sh -c`.
struct Command {
  std::vector<std::string> argv;  ///< argv form; empty when shell is used
  std::string shell;              ///< sh -c form; "" when argv is used
  /// The argv that runs it locally: argv, or {"/bin/sh", "-c", shell}.
  std::vector<std::string> LocalArgv() const;
  /// One line for plans and messages: the argv shell-quoted, or the string as written.
  std::string Display() const;
};

/// What an `approval:` job asks and what its timeout decides.
struct ApprovalSpec {
  std::string message;                                    ///< shown to the approver
  std::chrono::milliseconds timeout{std::chrono::hours(1)};  ///< how long the run waits
  /// "approve", "deny" or "hold" (the run stops, held, for a later approve and resume).
  std::string on_timeout = "deny";
};

/// What a `wait:` job waits for (exactly one of sleep, until, file, command).
struct WaitSpec {
  std::optional<std::chrono::milliseconds> sleep;  ///< a fixed pause
  std::string until;                               ///< "HH:MM" (next one, local) or RFC 3339
  std::string file;                                ///< until this path exists
  std::optional<Command> command;                  ///< until this command exits 0
  std::chrono::milliseconds interval{std::chrono::seconds(5)};  ///< how often file/command are tried
};

/// Where a job runs: `on:` (hjob-run(5)). No nodes and no scopes = this host.
struct TargetSpec {
  /// How the nodes are used: every one (kAll), the first that succeeds in order (kOneOf), or the
  /// first that can be reached (kAny).
  enum class Mode { kAll, kOneOf, kAny };
  std::vector<std::string> nodes;   ///< inventory node ids; may hold ${NAME} of parameters and outputs
  std::vector<std::string> scopes;  ///< inventory scope patterns (as --scope); may hold ${NAME} too
  Mode mode = Mode::kAll;
  int parallel = 0;                 ///< kAll: nodes at once; 0 = all of them
  int max_fail = 0;                 ///< kAll: nodes that may fail (count) ...
  bool max_fail_percent = false;    ///< ... or percent of the nodes when true
  bool keep_going = false;          ///< kAll: start every node even past max_fail
  SourceLoc loc;                    ///< where `on:` is written
  /// True when a node or scope is given by ${NAME}: known only when the job runs.
  bool Templated() const;
  /// True when the job runs on inventory nodes.
  bool Remote() const { return !nodes.empty() || !scopes.empty(); }
  /// The failures allowed among @p total nodes.
  int AllowedFailures(int total) const { return max_fail_percent ? total * max_fail / 100 : max_fail; }
};

/// The word for @p m: "all", "one_of" or "any".
const char* TargetModeName(TargetSpec::Mode m);

/// The kinds of job.
enum class JobKind { kRun, kFlow, kApproval, kWait };

/// One job of a flow (or a handler: on_success, on_failure, on_exit).
struct JobDef {
  std::string id;
  JobKind kind = JobKind::kRun;
  std::string description;
  Command run;                                      ///< kRun (for a script: its arguments)
  std::string script;                               ///< kRun from `script:`: the local file, resolved
  TargetSpec on;                                    ///< kRun: where it runs
  std::string flow_file;                            ///< kFlow: the path as written
  std::string flow_path;                            ///< kFlow: resolved against the parent file
  std::vector<std::pair<std::string, std::string>> flow_params;  ///< kFlow: name, value template
  ApprovalSpec approval;                            ///< kApproval
  WaitSpec wait;                                    ///< kWait
  std::vector<std::string> needs;
  std::optional<Condition> when;
  std::vector<std::pair<std::string, std::string>> env;  ///< in file order
  std::string cwd;
  std::chrono::milliseconds timeout{std::chrono::hours(1)};
  RetryPolicy retry;
  EndValues end_values;
  std::string output;          ///< name of the output its stdout is captured into, "" = none
  bool allow_failure = false;  ///< its failure does not stop the flow
  SourceLoc loc;               ///< where its id is written
};

/// A declared parameter.
struct ParamDef {
  std::string name;
  std::optional<std::string> default_value;  ///< nullopt: required
  std::string description;
  SourceLoc loc;
};

/// A loaded flow.
struct FlowDef {
  std::string name;
  std::string description;
  std::string path;  ///< the file as given
  std::vector<ParamDef> params;
  std::string calendar;  ///< hcal calendar name, "" = always runs
  SourceLoc calendar_loc;
  int parallel = 8;      ///< jobs of this flow running at once
  /// `events:` filter for --events: event field → globs (any matches); empty = every event.
  std::vector<std::pair<std::string, std::vector<std::string>>> events;
  std::vector<JobDef> jobs;  ///< in file order
  std::optional<JobDef> on_success, on_failure, on_exit;
  /// Sub-flows by resolved path (loaded once each).
  std::map<std::string, std::shared_ptr<const FlowDef>> subflows;

  /// The job named @p id, or nullptr.
  const JobDef* Find(const std::string& id) const;
  /// The jobs in an order where each comes after every job it needs (file order otherwise).
  std::vector<const JobDef*> TopoOrder() const;
  /// The ids of the jobs that need @p id, directly or not (not @p id itself).
  std::vector<std::string> Downstream(const std::string& id) const;
  /// The ids of the jobs @p id needs, directly or not.
  std::vector<std::string> Upstream(const std::string& id) const;
  /// The sub-flow a kFlow job calls.
  const FlowDef& Subflow(const JobDef& job) const;
};

/// Loads the flow @p doc (sub-flows are read from files relative to it). Every error found is
/// appended to @p errors, in file order; the result is then incomplete and must not be run.
std::shared_ptr<const FlowDef> LoadFlow(const YamlDoc& doc, std::vector<DefinitionError>* errors);

/// Loads the flow file @p path; throws the first DefinitionError (saying how many more there are).
std::shared_ptr<const FlowDef> LoadFlowFile(const std::string& path);

/// Like LoadFlowFile, but collects every error (file I/O errors included) into @p errors.
std::shared_ptr<const FlowDef> LoadFlowFileCollect(const std::string& path,
                                                   std::vector<DefinitionError>* errors);

/// Throws the first of @p errors, saying how many more there are and which command lists them.
[[noreturn]] void ThrowFirst(const std::vector<DefinitionError>& errors);

/// The value of every parameter of @p flow: defaults, overridden by @p given ("NAME=VALUE"
/// pairs already split). Throws UsageError for an unknown name (with a suggestion) or a missing
/// required parameter.
std::map<std::string, std::string> ResolveParams(
    const FlowDef& flow, const std::vector<std::pair<std::string, std::string>>& given);

/// Splits a --param "NAME=VALUE"; throws UsageError without '='.
std::pair<std::string, std::string> SplitParam(const std::string& arg);

/// True when @p name is a valid parameter, output or environment name ([A-Za-z_][A-Za-z0-9_]*).
bool IsEnvName(const std::string& name);

/// Expands ${NAME} in @p text (sub-flow parameter values) from @p values; "$$" is a '$'. Throws
/// RuntimeError for a name without a value.
std::string ExpandTemplate(const std::string& text, const std::map<std::string, std::string>& values);

/// The names a template references.
std::vector<std::string> TemplateNames(const std::string& text);

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_FLOW_HPP_
