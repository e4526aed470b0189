// hops-template's commands: everything only this tool uses lives in cmd/TEMPLATE/ and is built
// into the static library hops_hops_template that main.cpp and tests/unit/TEMPLATE/ link.
#ifndef HOPS_CMD_TEMPLATE_COMMANDS_HPP_
#define HOPS_CMD_TEMPLATE_COMMANDS_HPP_

#include <string>
#include <vector>

#include "common/yaml_doc.hpp"

namespace hops::tmpl {

/// The command line, parsed once by main.cpp and then treated as const.
struct Options {
  std::string file;             ///< -f: the definitions file
  std::string format = "text";  ///< --format of list: text or json
};

/// One entry of the definitions file's `items:` mapping.
struct Item {
  std::string name;                 ///< the mapping key
  std::vector<std::string> command; ///< argv, never a shell string
  SourceLoc loc;                    ///< where the item is defined
};

/// Loads the items of @p doc; throws DefinitionError (file:line:column, "did you mean") on a
/// wrong or unknown key.
std::vector<Item> LoadItems(const YamlDoc& doc);

/// `list`: prints "NAME<TAB>ARGV..." per item (or one JSON object per line); returns 0.
int CmdList(const Options& o);

/// `validate`: loads the file and prints "ok: N items" to stderr; returns 0.
int CmdValidate(const Options& o);

}  // namespace hops::tmpl

#endif  // HOPS_CMD_TEMPLATE_COMMANDS_HPP_
