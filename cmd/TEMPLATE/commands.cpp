#include "cmd/TEMPLATE/commands.hpp"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

namespace hops::tmpl {

std::vector<Item> LoadItems(const YamlDoc& doc) {
  MapReader top(doc, doc.root(), "the definitions file", {"items"});
  YAML::Node items = top.Require("items");
  if (!items.IsMap()) doc.Fail(items, "'items' must be a mapping of name to item, not " + std::string(NodeTypeName(items)));
  std::vector<Item> out;
  for (const auto& entry : items) {
    Item item;
    item.name = ScalarText(doc, entry.first, "an item name");
    item.loc = doc.Loc(entry.first);
    MapReader r(doc, entry.second, "item '" + item.name + "'", {"command"});
    YAML::Node cmd = r.Require("command");
    if (!cmd.IsSequence() || cmd.size() == 0)
      doc.Fail(cmd, "'command' must be a non-empty list of arguments (argv, no shell)");
    for (const auto& arg : cmd) item.command.push_back(ScalarText(doc, arg, "a command argument"));
    out.push_back(std::move(item));
  }
  return out;
}

int CmdList(const Options& o) {
  for (const Item& item : LoadItems(YamlDoc::FromFile(o.file))) {
    if (o.format == "json") {
      std::cout << nlohmann::json{{"name", item.name}, {"command", item.command}}.dump() << '\n';
      continue;
    }
    std::cout << item.name;
    for (const auto& arg : item.command) std::cout << '\t' << arg;
    std::cout << '\n';
  }
  return 0;
}

int CmdValidate(const Options& o) {
  size_t n = LoadItems(YamlDoc::FromFile(o.file)).size();
  std::fprintf(stderr, "ok: %zu item%s\n", n, n == 1 ? "" : "s");
  return 0;
}

}  // namespace hops::tmpl
