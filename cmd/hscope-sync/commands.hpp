// hscope-sync's command: read the scopes definition, ask every source (EC2 in several regions and
// accounts at once, static inventory files), build the inventory, report what changed, and write
// it atomically -- or only say whether it would change (--check), or print it for Ansible.
#ifndef HOPS_CMD_HSCOPE_SYNC_COMMANDS_HPP_
#define HOPS_CMD_HSCOPE_SYNC_COMMANDS_HPP_

#include <string>
#include <vector>

#include "cmd/hscope-sync/definition.hpp"
#include "cmd/hscope-sync/sync.hpp"
#include "common/aws_credentials.hpp"

namespace hops::scope_sync {

/// The command line, parsed once by main.cpp.
struct Options {
  aws::AwsOptions aws;          ///< --profile, --region (the default region), --endpoint-url, TLS
  std::string file;             ///< -f/--file: the scopes definition
  std::string output;           ///< -o/--output ("" : the definition's `output:`)
  bool check = false;           ///< --check: write nothing, exit 1 when the inventory would change
  std::string format = "text";  ///< --format text or json (cloud.* events)
  std::string export_format;    ///< `export FORMAT` (ansible): print that inventory instead of writing
  bool verbose = false;         ///< -v: every AWS request on stderr (redacted)
};

/// What every source found, in the definition's order; throws RuntimeError when any region of
/// any account did not answer in full (each said on stderr), so no partial inventory is written.
std::vector<Found> Collect(const Definition& d, const Options& o);

/// Prints @p changes as text lines or cloud.* events (@p json) with a summary; @p outcome is
/// "written", "unchanged" or "would change".
void Report(const std::vector<Change>& changes, const inv::Inventory& after, const std::string& path,
            const std::string& outcome, bool json);

/// `validate`: loads the definition (and the static files it names); 0, or throws.
int CmdValidate(const Options& o);

/// `sync` (or `export` when o.export_format is set): 0 done (or nothing to change), 1 a source failed (nothing written) or, with
/// --check, the inventory would change; usage and definition errors throw.
int CmdSync(const Options& o);

}  // namespace hops::scope_sync

#endif  // HOPS_CMD_HSCOPE_SYNC_COMMANDS_HPP_
