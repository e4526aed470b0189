// haws-ec2: describe, start, stop, reboot and wait for EC2 instances as job steps, without an SDK.
// Exit codes: 0 success, 1 the operation failed (any instance), 2 usage or configuration error.
// See haws-ec2(1).
#include "cmd/haws-ec2/commands.hpp"
#include "common/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Describe, start, stop, reboot and wait for EC2 instances.", "haws-ec2"};
  hops::SetupApp(app, "haws-ec2");
  hops::haws_ec2::Options o;
  app.add_option("--profile", o.aws.profile, "AWS profile of ~/.aws/config and ~/.aws/credentials")->type_name("NAME");
  app.add_option("--region", o.regions, "AWS region (repeatable: several are asked at once)")
      ->type_name("REGION")
      ->allow_extra_args(false);
  app.add_option("--endpoint-url", o.aws.endpoint_url, "EC2 endpoint URL instead of AWS's own")->type_name("URL");
  app.add_option("--ca-bundle", o.aws.ca_bundle, "PEM bundle of the CAs to trust")->type_name("FILE");
  app.add_flag("--no-verify-ssl", o.aws.no_verify_ssl, "Do not verify the endpoint's TLS certificate");
  app.add_option("--id", o.ids, "Instance id (repeatable)")->type_name("ID")->allow_extra_args(false);
  app.add_option("--tag", o.tags, "Instances with tag KEY=VALUE, or with tag KEY (repeatable)")
      ->type_name("KEY[=VALUE]")
      ->allow_extra_args(false);
  app.add_option("--filter", o.filters, "EC2 filter Name=N,Values=V1,V2 or N=V1,V2 (repeatable)")
      ->type_name("FILTER")
      ->allow_extra_args(false);
  app.add_option("--scope", o.scopes, "Inventory scope, glob or tag:K=V whose nodes' instances to select (repeatable)")
      ->type_name("PATTERN")
      ->allow_extra_args(false);
  app.add_option("--inventory", o.inventory, "Inventory file for --scope (default: $HOPS_INVENTORY, ...)")->type_name("FILE");
  app.add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-v,--verbose", o.verbose, "Log every AWS request and answer on stderr (credentials hidden)");
  app.require_subcommand(0, 1);  // none: the body says a command is required
  app.fallthrough();  // global options may also follow the command

  auto* describe = app.add_subcommand("describe", "List the selected instances (all when nothing is selected)");
  auto* status = app.add_subcommand("status", "Status checks and scheduled maintenance events of the instances");
  auto* start = app.add_subcommand("start", "Start the selected instances");
  auto* stop = app.add_subcommand("stop", "Stop the selected instances");
  auto* reboot = app.add_subcommand("reboot", "Reboot the selected instances");
  auto* wait = app.add_subcommand("wait", "Wait until every selected instance is running or stopped");
  auto* schedule = app.add_subcommand("schedule", "Start instances whose calendar is open, stop those whose calendar is closed");
  schedule->add_option("--calendar", o.calendar, "Calendar of instances without the calendar tag (hcal's name or FILE:NAME)")
      ->type_name("CAL");
  schedule->add_option("--calendars", o.calendar_files, "Calendar file or directory (repeatable; default: the settings' calendar path)")
      ->type_name("PATH")
      ->allow_extra_args(false);
  schedule->add_option("--calendar-tag", o.calendar_tag, "Tag naming an instance's own calendar (default: hops:calendar)")
      ->type_name("KEY");
  schedule->add_flag("--enforce", o.enforce, "Act even without a calendar transition (stop hand-started instances)");
  schedule->add_option("--at", o.at, "Judge the calendars at this instant instead of now")->type_name("INSTANT");
  wait->add_option("STATE", o.state, "running or stopped")->required()->check(CLI::IsMember({"running", "stopped"}));
  for (auto* sub : {start, stop, reboot, schedule})
    sub->add_flag("--dry-run", o.dry_run, "Ask EC2 whether it would be allowed (DryRun), change nothing");
  for (auto* sub : {start, stop}) sub->add_flag("--wait", o.wait, "Then wait until the instances are there");
  stop->add_flag("--force", o.force, "Stop without an orderly shutdown of the operating system");
  for (auto* sub : {start, stop, wait}) {
    sub->add_option("--interval", o.interval, "Between two looks while waiting")->type_name("DURATION");
    sub->add_option("--timeout", o.timeout, "Give up waiting after this long")->type_name("DURATION");
  }

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kCommand, [&]() -> int {
    if (*describe) return hops::haws_ec2::CmdDescribe(o);
    if (*status) return hops::haws_ec2::CmdStatus(o);
    if (*start) return hops::haws_ec2::CmdAction(o, "start");
    if (*stop) return hops::haws_ec2::CmdAction(o, "stop");
    if (*reboot) return hops::haws_ec2::CmdAction(o, "reboot");
    if (*wait) return hops::haws_ec2::CmdWait(o);
    if (*schedule) return hops::haws_ec2::CmdSchedule(o);
    throw hops::UsageError("a command is required");
  });
}
