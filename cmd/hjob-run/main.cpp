// hjob-run: job flows (jobnets) from YAML, with runs kept in the state store. See hjob-run(1).
// Exit codes: 0 success, 1 a job failed, 2 usage or definition error, 3 ended with warnings,
// 4 already running, 5 held (commands.hpp).
#include <csignal>

#include "cmd/hjob-run/commands.hpp"
#include "common/cli.hpp"

int main(int argc, char** argv) {
  // A reader that goes away (| head) must not kill a run mid-write; writes report EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Job flows from YAML: jobs in dependency order, retries, approvals, resume from the failed job.",
               "hjob-run"};
  hops::SetupApp(app, "hjob-run");
  app.require_subcommand(0, 1);
  app.fallthrough();
  hops::job::Options o;

  auto* run = app.add_subcommand("run", "Run a flow; exit 0 success, 1 failed, 3 warnings, 4 already running, 5 held");
  run->add_option("FLOW", o.file, "Flow file (YAML)")->required();
  run->add_option("-p,--param", o.params, "Set a parameter (repeatable)")->type_name("NAME=VALUE");
  run->add_flag("-n,--dry-run", o.dry_run, "Print the plan; run nothing, record nothing");
  run->add_option("--events", o.events, "Run once per matching hops event read from FILE (- = stdin)")->type_name("FILE");
  run->add_option("--calendars", o.calendar_files, "Calendar file for 'calendar:' (repeatable; default: settings' calendar path)")
      ->type_name("FILE");
  run->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));

  auto* resume = app.add_subcommand("resume", "Run the jobs of a run that did not succeed, keeping the others and their outputs");
  resume->add_option("RUN", o.run_id, "Run id")->required();
  resume->add_option("--from", o.from, "Rerun this job and everything after it (repeatable)")->type_name("JOB");
  resume->add_option("--only", o.only, "Rerun only this job (repeatable)")->type_name("JOB");
  resume->add_flag("--next", o.next, "Count the failed jobs as skipped and go on after them");
  resume->add_flag("--warnings", o.warnings, "Rerun only the jobs that ended with a warning");
  resume->add_option("--calendars", o.calendar_files, "Calendar file for 'calendar:' (repeatable)")->type_name("FILE");
  resume->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  for (auto* sub : {run, resume}) {
    sub->add_option("--inventory", o.inventory, "Inventory for 'on:' (default: $HOPS_INVENTORY, then the usual paths)")
        ->type_name("FILE");
    sub->add_flag("-v,--verbose", o.verbose, "Print SSH connection steps on stderr");
  }

  auto* approve = app.add_subcommand("approve", "Approve an approval job of a run");
  auto* deny = app.add_subcommand("deny", "Deny an approval job of a run (the job fails)");
  auto* hold = app.add_subcommand("hold", "Hold a job that has not started: the run stops before it");
  auto* release = app.add_subcommand("release", "Release a held job");
  auto* skip = app.add_subcommand("skip", "Skip a job that has not started, is held or failed");
  for (auto* sub : {approve, deny, hold, release, skip}) {
    sub->add_option("RUN", o.run_id, "Run id")->required();
    sub->add_option("JOB", o.job, "Job id (CALLER/JOB inside a sub-flow)")->required();
  }
  for (auto* sub : {approve, deny}) sub->add_option("--comment", o.comment, "Why (kept with the decision)")->type_name("TEXT");
  skip->add_option("--as", o.as, "What the skipped job counts as")->check(CLI::IsMember({"success", "warning"}));

  auto* status = app.add_subcommand("status", "Show a run and its jobs (default: the latest run)");
  status->add_option("RUN", o.run_id, "Run id");
  status->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));

  auto* list = app.add_subcommand("list", "List runs, newest first");
  list->add_option("--flow", o.flow, "Only runs of this flow")->type_name("NAME");
  list->add_option("--limit", o.limit, "At most this many runs")->check(CLI::Range(1, 1000000));
  list->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));

  auto* prune = app.add_subcommand("prune", "Delete finished runs older than [job] keep_runs (90d): state, outputs, logs");
  prune->add_option("--older-than", o.older_than, "Keep runs that ended within this long")->type_name("DURATION");
  prune->add_flag("-n,--dry-run", o.dry_run, "Only print what would be removed");

  auto* logs = app.add_subcommand("logs", "Print the output of a run's jobs");
  logs->add_option("RUN", o.run_id, "Run id")->required();
  logs->add_option("JOB", o.job, "Only this job");
  logs->add_option("--node", o.node, "Only the job's output on this node")->type_name("NODE");

  auto* results = app.add_subcommand("results", "One row per job: status, exit code, duration, captured output");
  results->add_option("RUN", o.run_id, "Run id")->required();
  results->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "csv", "json"}));

  auto* graph = app.add_subcommand("graph", "Draw a flow's jobs and dependencies");
  graph->add_option("FLOW", o.file, "Flow file (YAML)")->required();
  graph->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "dot", "mermaid"}));

  auto* validate = app.add_subcommand("validate", "Check a flow file; list every error");
  validate->add_option("FLOW", o.file, "Flow file (YAML)")->required();
  validate->add_option("--calendars", o.calendar_files, "Calendar file for 'calendar:' (repeatable)")->type_name("FILE");

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kCommand, [&]() -> int {
    using namespace hops::job;
    if (*run) return CmdRun(o);
    if (*resume) return CmdResume(o);
    if (*approve) return CmdDecide(o, true);
    if (*deny) return CmdDecide(o, false);
    if (*hold) return CmdHold(o, true);
    if (*release) return CmdHold(o, false);
    if (*skip) return CmdSkip(o);
    if (*status) return CmdStatus(o);
    if (*list) return CmdList(o);
    if (*prune) return CmdPrune(o);
    if (*logs) return CmdLogs(o);
    if (*results) return CmdResults(o);
    if (*graph) return CmdGraph(o);
    if (*validate) return CmdValidate(o);
    throw hops::UsageError("a command is required");
  });
}
