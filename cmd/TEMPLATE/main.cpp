// hops-template: the skeleton of a hops binary. It declares options with CLI11 and hands them to
// the tool's library (commands.hpp); it never prints errors itself and never calls exit().
// Exit codes: 0 success, 1 the operation failed, 2 usage or definition error. See cmd/TEMPLATE/README.md.
#include "cmd/TEMPLATE/commands.hpp"
#include "common/cli.hpp"

int main(int argc, char** argv) {
  CLI::App app{"The skeleton of a hops binary: lists the items of a YAML definitions file.", "hops-template"};
  hops::SetupApp(app, "hops-template");
  hops::tmpl::Options o;
  app.add_option("-f,--file", o.file, "Definitions file")->type_name("FILE")->required();
  app.require_subcommand(1, 1);
  app.fallthrough();  // global options may also follow the command

  auto* list = app.add_subcommand("list", "Print each item's name and command, one per line");
  list->add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  auto* validate = app.add_subcommand("validate", "Check the definitions file; exit 2 on an error");

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kCommand, [&]() -> int {
    if (*list) return hops::tmpl::CmdList(o);
    if (*validate) return hops::tmpl::CmdValidate(o);
    throw hops::UsageError("a command is required");
  });
}
