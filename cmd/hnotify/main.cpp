// hnotify: routes hops events to Slack, webhooks and commands, once, through a spool that loses
// nothing. See hnotify(1). Exit codes: 0 all delivered, 1 something failed for good, 2 usage or
// definition error, 75 accepted and spooled for a retry.
#include <csignal>
#include <iostream>

#include "cmd/hnotify/commands.hpp"
#include "cmd/hnotify/inputs.hpp"
#include "common/cli.hpp"

int main(int argc, char** argv) {
  // A reader that goes away (| head) must not kill a delivery mid-way; writes report EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"Routes hops events to Slack, webhooks and commands: deduplicated, spooled, retried until delivered.",
               "hnotify"};
  hops::SetupApp(app, "hnotify");
  hops::notify::Options o;
  app.add_option("-c,--config", o.config, "Definition file (default ~/.config/hops/notify.yaml or /etc/hops/notify.yaml)")
      ->type_name("FILE");
  app.add_flag("-v,--verbose", o.verbose, "Report every routing decision and delivery attempt on stderr");
  app.require_subcommand(0, 1);  // an unknown word is then reported as an unknown command
  app.fallthrough();  // global options may also follow the command

  auto* send = app.add_subcommand("send", "Route the events on stdin (JSON lines) to their channels, or send one message");
  send->add_option("--channel", o.channels, "Send one message to this channel (repeatable) instead of routing stdin")
      ->type_name("NAME");
  send->add_option("--from", o.from, "Read standard input in this format: hops events (JSON lines), snmptrapd's traphandle input, or syslog lines")
      ->check(CLI::IsMember(hops::notify::kInputFormats));
  send->add_option("--status", o.status, "Status of the message; with --from snmptrapd|syslog, of every event read")
      ->check(CLI::IsMember({"info", "ok", "warning", "critical", "unknown"}));
  send->add_option("--title", o.title, "Title of the message")->type_name("TEXT");
  send->add_option("--message", o.message, "Text of the message")->type_name("TEXT");
  send->add_option("--wait", o.wait, "Wait for retries until delivered or this long")->type_name("DURATION");

  auto* flush = app.add_subcommand("flush", "Deliver the notifications that are due in the spool");
  flush->add_option("--wait", o.wait, "Wait for retries until the spool is empty or this long")->type_name("DURATION");

  auto* test = app.add_subcommand("test", "Send a test notification to a channel, once");
  test->add_option("CHANNEL", o.channel, "Channel name")->required();

  auto* validate = app.add_subcommand("validate", "Check the definition file; list every error");
  auto* schema = app.add_subcommand("schema", "Print the JSON Schema of the definition file");

  auto* spool = app.add_subcommand("spool", "Look at the spool: list, show, retry or drop items");
  spool->require_subcommand(0, 1);
  auto* list = spool->add_subcommand("list", "List the spooled notifications, one per line");
  list->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  auto* show = spool->add_subcommand("show", "Show one spooled notification with its event");
  show->add_option("ID", o.id, "Item id")->required();
  auto* retry = spool->add_subcommand("retry", "Make an item due now");
  retry->add_option("ID", o.id, "Item id")->required();
  auto* drop = spool->add_subcommand("drop", "Remove an item without delivering it");
  drop->add_option("ID", o.id, "Item id")->required();

  auto* silence = app.add_subcommand("silence", "Hold back notifications of matching events for a while");
  silence->require_subcommand(0, 1);
  auto* sil_add = silence->add_subcommand("add", "Add a silence; prints its id");
  sil_add->add_option("--match", o.match, "KEY=VALUE a silenced event matches (repeatable; keys as in a route's match)")
      ->type_name("KEY=VALUE");
  sil_add->add_option("--until", o.until, "When it ends: a duration from now (2h) or a time (2026-05-07T18:00)")
      ->type_name("TIME|DURATION");
  sil_add->add_option("--comment", o.comment, "Why (shown by list)")->type_name("TEXT");
  auto* sil_list = silence->add_subcommand("list", "List the silences in force");
  sil_list->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  auto* sil_remove = silence->add_subcommand("remove", "End a silence now");
  sil_remove->add_option("ID", o.silence, "Silence id")->required();

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kCommand, [&]() -> int {
    using namespace hops::notify;
    if (*send) return CmdSend(o, std::cin);
    if (*flush) return CmdFlush(o);
    if (*test) return CmdTest(o);
    if (*validate) return CmdValidate(o);
    if (*schema) return CmdSchema();
    if (*list) return CmdSpoolList(o);
    if (*show) return CmdSpoolShow(o);
    if (*retry) return CmdSpoolRetry(o);
    if (*drop) return CmdSpoolDrop(o);
    if (*sil_add) return CmdSilenceAdd(o);
    if (*sil_list) return CmdSilenceList(o);
    if (*sil_remove) return CmdSilenceRemove(o);
    if (*silence) throw hops::UsageError("a silence command is required: add, list or remove");
    if (*spool) throw hops::UsageError("a spool command is required: list, show, retry or drop");
    throw hops::UsageError("a command is required");
  });
}
