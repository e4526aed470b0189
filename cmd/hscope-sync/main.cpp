// hscope-sync: finds nodes (EC2 instances in several regions and accounts, static inventories),
// groups them into scopes and writes the hops inventory. Exit codes: 0 done, 1 a source failed or
// --check found a change, 2 usage or definition error. See hscope-sync(1).
#include "cmd/hscope-sync/commands.hpp"
#include "common/cli.hpp"
#include "common/settings.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Find cloud and static nodes, group them into scopes and write the hops inventory.", "hscope-sync"};
  hops::SetupApp(app, "hscope-sync");
  hops::scope_sync::Options o;
  app.add_option("-f,--file", o.file, "Scopes definition (hscope-sync(1), FORMAT; default ~/.config/hops/scopes.yaml, else /etc/hops/scopes.yaml)")
      ->type_name("FILE");
  app.add_option("--profile", o.aws.profile, "AWS profile of ~/.aws/config and ~/.aws/credentials")->type_name("NAME");
  app.add_option("--region", o.aws.region, "AWS region of sources that name none")->type_name("REGION");
  app.add_option("--endpoint-url", o.aws.endpoint_url, "EC2 endpoint URL instead of AWS's own")->type_name("URL");
  app.add_option("--ca-bundle", o.aws.ca_bundle, "PEM bundle of the CAs to trust")->type_name("FILE");
  app.add_flag("--no-verify-ssl", o.aws.no_verify_ssl, "Do not verify the endpoint's TLS certificate");
  app.add_flag("-v,--verbose", o.verbose, "Log every AWS request and answer on stderr (credentials hidden)");
  app.require_subcommand(0, 1);  // none: "a command is required" below, after unknown options
  app.fallthrough();  // global options may also follow the command

  auto* sync = app.add_subcommand("sync", "Ask the sources, write the inventory and print what changed");
  sync->add_option("-o,--output", o.output, "Inventory to write (default: the definition's 'output')")->type_name("FILE");
  sync->add_flag("--check", o.check, "Write nothing; exit 1 when the inventory would change");
  sync->add_option("--format", o.format, "Report format")->check(CLI::IsMember({"text", "json"}));
  auto* exp = app.add_subcommand("export", "Ask the sources and print the inventory in another format");
  exp->add_option("FORMAT", o.export_format, "ansible: an Ansible YAML inventory with the same groups")
      ->required()
      ->check(CLI::IsMember({"ansible"}));
  auto* validate = app.add_subcommand("validate", "Check the scopes definition; exit 2 on an error");

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kCommand, [&]() -> int {
    if (o.file.empty()) o.file = hops::DefaultConfigFile("scopes.yaml");
    if (*sync || *exp) return hops::scope_sync::CmdSync(o);
    if (*validate) return hops::scope_sync::CmdValidate(o);
    throw hops::UsageError("a command is required");
  });
}
