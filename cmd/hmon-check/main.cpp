// hmon-check: monitors from YAML or the command line, with Nagios exit codes. See hmon-check(1).
#include <algorithm>
#include <csignal>

#include "cmd/hmon-check/checks/check.hpp"
#include "common/cli.hpp"
#include "cmd/hmon-check/commands.hpp"
#include "cmd/hmon-check/status.hpp"

using hops::mon::AdHocOptions;
using hops::mon::MonitorOptions;

namespace {

std::string Dashed(std::string key) {
  std::replace(key.begin(), key.end(), '_', '-');
  return key;
}

void AddFileOptions(CLI::App* sub, MonitorOptions* o) {
  sub->add_option("-f,--file", o->file, "Monitor definitions (default ~/.config/hops/monitors.yaml or /etc/hops/monitors.yaml)")
      ->type_name("FILE");
  sub->add_option("--inventory", o->inventory, "Node inventory for scope/nodes (default $HOPS_INVENTORY or the hops config dir)")
      ->type_name("FILE");
  sub->add_option("--calendars", o->calendar_files, "Calendar file for monitor calendars (repeatable; default: settings' calendar path)")
      ->type_name("FILE");
  sub->add_option("--only", o->only, "Only these monitor ids (repeatable)")->type_name("ID");
  sub->add_option("--scope", o->scopes, "Only nodes in this scope: PATH, GLOB or tag:KEY=VALUE (repeatable)")->type_name("SCOPE");
  sub->add_option("--node", o->nodes, "Only this node id (repeatable)")->type_name("ID");
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away (| head) must not kill a run mid-write; writes report EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Monitors with Nagios exit codes: run YAML definitions concurrently, or one check ad hoc.", "hmon-check"};
  hops::SetupApp(app, "hmon-check");
  app.require_subcommand(0, 1);
  app.fallthrough();
  MonitorOptions o;
  std::string id, node, since;

  auto* run = app.add_subcommand("run", "Run every monitor x target concurrently; exit with the worst state");
  AddFileOptions(run, &o);
  run->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json", "nagios"}));
  run->add_option("--concurrency", o.concurrency, "Checks in flight at once")->check(CLI::Range(1, 10000));
  run->add_flag("--changes-only", o.changes_only, "Print only results whose state changed");
  run->add_flag("--no-state", o.no_state, "Do not read or write the state store (every result is final)");
  run->add_option("--lock-wait", o.lock_wait, "How long to wait for an overlapping run of the same file")->type_name("DURATION");

  auto* validate = app.add_subcommand("validate", "Check definitions, inventory and calendars; list every error");
  AddFileOptions(validate, &o);

  auto* list = app.add_subcommand("list", "List the monitor x target checks that would run");
  AddFileOptions(list, &o);
  list->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));

  auto* history = app.add_subcommand("history", "Show state changes and perfdata of a monitor");
  history->add_option("ID", id, "Monitor id")->required();
  history->add_option("--node", node, "Node id");
  history->add_option("--since", since, "Duration back from now (7d) or a date (2026-11-01)");
  history->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json", "csv"}));

  bool dry_run = false;
  std::string older_than;
  auto* prune = app.add_subcommand("prune", "Delete expired history, and monitors no run has checked for a while");
  prune->add_flag("--dry-run", dry_run, "Only print what would be deleted");
  prune->add_option("--older-than", older_than, "Remove monitors not checked for this long (default: [monitor] prune_after, 30d)")
      ->type_name("DURATION");

  hops::mon::ReportOptions report_opts;
  auto* report = app.add_subcommand("report", "Write the monthly operations report: availability, incidents, resource trends");
  AddFileOptions(report, &o);
  report->add_option("--month", report_opts.month, "The month to report (YYYY-MM)")->type_name("YYYY-MM")->required();
  report->add_option("--calendar", report_opts.calendar, "Calendar for business hours, closed days and the time zone")
      ->type_name("NAME");
  report->add_option("--out", report_opts.out, "Write the report to FILE (default: standard output)")->type_name("FILE");
  report->add_option("--lang", report_opts.lang, "Language of the HTML report")->check(CLI::IsMember({"en", "ja"}));
  report->add_option("--format", report_opts.format, "Output format")->check(CLI::IsMember({"html", "json", "csv"}));
  hops::mon::StatusOptions status_opts;
  auto* status = app.add_subcommand("status", "Write the state of every check as a text, JSON or HTML page");
  AddFileOptions(status, &o);
  status->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json", "html"}));
  status->add_option("--out", status_opts.out, "Write the page to FILE atomically, mode 0644 (default: stdout)")
      ->type_name("FILE");
  status->add_option("--refresh", status_opts.refresh, "html: reload the page every SECONDS (default 60; 0 = never)")
      ->type_name("SECONDS");
  status->add_option("--stale-after", status_opts.stale_after, "Mark checks not run for this long as stale (default 15m)")
      ->type_name("DURATION");
  status->add_flag("--exit-worst", status_opts.exit_worst, "Exit with the worst hard state shown instead of 0");

  auto* schema = app.add_subcommand("schema", "Print the JSON Schema of the monitor file format");

  // One ad-hoc subcommand per monitor type: hmon-check http URL --status 200 --crit-time 2s
  std::vector<std::pair<CLI::App*, std::unique_ptr<AdHocOptions>>> adhoc;
  for (const auto& [name, type] : hops::mon::CheckTypes()) {
    auto opts = std::make_unique<AdHocOptions>();
    opts->type = name;
    auto* sub = app.add_subcommand(name, "Run one " + name + " check now, as a Nagios plugin");
    sub->group("Ad-hoc checks");
    sub->add_option("TARGET", opts->target, "URL, host[:port], path or name to check");
    sub->add_option("-w,--warning", opts->warning, "Warning range of the primary measure")->type_name("RANGE");
    sub->add_option("-c,--critical", opts->critical, "Critical range of the primary measure")->type_name("RANGE");
    sub->add_option("-t,--timeout", opts->timeout, "Timeout of the check")->type_name("DURATION");
    sub->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"nagios", "json"}));
    for (const auto& m : type->Measures()) {
      sub->add_option("--warn-" + Dashed(m), opts->warn_measure[m], "Warning range of '" + m + "'")->type_name("RANGE");
      sub->add_option("--crit-" + Dashed(m), opts->crit_measure[m], "Critical range of '" + m + "'")->type_name("RANGE");
    }
    for (const auto& k : type->ParamKeys()) {
      sub->add_option("--" + Dashed(k), opts->params[k],
                      hops::mon::IsMapParam(k) ? "Parameter '" + k + "' (NAME=VALUE, repeatable)" : "Parameter '" + k + "'")
          ->type_name(hops::mon::IsMapParam(k) ? "NAME=VALUE" : "VALUE");
    }
    adhoc.emplace_back(sub, std::move(opts));
  }

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kNagios, [&]() -> int {
    using namespace hops::mon;
    if (*run) return CmdRun(o);
    if (*validate) return CmdValidate(o);
    if (*list) return CmdList(o);
    if (*history) return CmdHistory(o, id, node, since);
    if (*prune) return CmdPrune(dry_run, older_than);
    if (*status) return CmdStatus(o, status_opts);
    if (*schema) return CmdMonitorSchema();
    if (*report) return CmdReport(o, report_opts);
    for (auto& [sub, opts] : adhoc) {
      if (!*sub) continue;
      // Unset options leave empty strings in the maps; drop them.
      for (auto it = opts->warn_measure.begin(); it != opts->warn_measure.end();)
        it = it->second.empty() ? opts->warn_measure.erase(it) : std::next(it);
      for (auto it = opts->crit_measure.begin(); it != opts->crit_measure.end();)
        it = it->second.empty() ? opts->crit_measure.erase(it) : std::next(it);
      for (auto it = opts->params.begin(); it != opts->params.end();)
        it = it->second.empty() ? opts->params.erase(it) : std::next(it);
      return CmdAdHoc(*opts);
    }
    throw hops::UsageError("a command is required");
  });
}
