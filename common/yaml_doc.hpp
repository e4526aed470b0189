// Loading YAML definitions with positions, so every semantic error can name file:line:column.
#ifndef HOPS_COMMON_YAML_DOC_HPP_
#define HOPS_COMMON_YAML_DOC_HPP_

#include <yaml-cpp/yaml.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace hops {

/// A parsed YAML document together with its text, for error messages with a caret line.
class YamlDoc {
 public:
  /// Reads and parses @p path; throws DefinitionError on I/O or syntax errors.
  static YamlDoc FromFile(const std::string& path);
  /// Parses @p text, naming it @p filename in messages; throws DefinitionError on syntax errors.
  static YamlDoc FromString(const std::string& text, const std::string& filename);

  /// The document's root node (Null for an empty document).
  const YAML::Node& root() const { return root_; }
  /// The name used in messages.
  const std::string& filename() const { return *filename_; }
  /// 1-based position of @p node.
  SourceLoc Loc(const YAML::Node& node) const;
  /// Text of 1-based line @p line, without its newline ("" when out of range).
  std::string Line(int line) const;
  /// A DefinitionError pointing at @p node.
  DefinitionError ErrorAt(const YAML::Node& node, const std::string& message) const;
  /// Throws ErrorAt(node, message).
  [[noreturn]] void Fail(const YAML::Node& node, const std::string& message) const;

 private:
  YAML::Node root_;
  std::shared_ptr<std::string> filename_;
  std::shared_ptr<std::vector<std::string>> lines_;
};

/// Reads a YAML mapping whose keys must come from a fixed list.
/// The constructor rejects non-mappings, duplicate keys and unknown keys (with "did you mean").
class MapReader {
 public:
  /// @p what names the mapping in messages ("calendar 'biz'"). With @p errors, key errors
  /// (non-scalar, duplicate or unknown keys) are appended there instead of thrown, and the reader
  /// goes on without those entries (a duplicate keeps its first value), except that an unknown key
  /// with a "did you mean" stands for the key it suggests when that one is not written as well (so
  /// a typo does not also report the key as missing). A non-mapping still throws.
  MapReader(const YamlDoc& doc, const YAML::Node& node, std::string what,
            const std::vector<std::string>& allowed, std::vector<DefinitionError>* errors = nullptr);

  /// True when @p key is present.
  bool Has(const std::string& key) const;
  /// The value node of @p key (an undefined node when absent).
  YAML::Node Get(const std::string& key) const;
  /// The value of @p key; throws when absent.
  YAML::Node Require(const std::string& key) const;
  /// A scalar string value, nullopt when absent; throws when not a scalar.
  std::optional<std::string> String(const std::string& key) const;
  /// An integer value within [lo, hi], nullopt when absent; throws when malformed or out of range.
  std::optional<long> Int(const std::string& key, long lo, long hi) const;
  /// A boolean value as ParseBool (common/text.hpp) reads it, nullopt when absent; throws, pointing
  /// at the value, when it is not one.
  std::optional<bool> Bool(const std::string& key) const;
  /// The mapping node itself.
  const YAML::Node& node() const { return node_; }
  /// The document it belongs to.
  const YamlDoc& doc() const { return *doc_; }

 private:
  const YamlDoc* doc_;
  YAML::Node node_;
  std::string what_;
  /// The entries in file order; looked up here because yaml-cpp's map lookup is slow.
  std::vector<std::pair<std::string, YAML::Node>> entries_;
};

/// The text of a scalar node; throws (naming @p what) when @p node is not a scalar.
std::string ScalarText(const YamlDoc& doc, const YAML::Node& node, const std::string& what);

/// A short description of a node's type for messages ("a mapping", "a list", "a scalar", "null").
const char* NodeTypeName(const YAML::Node& node);

}  // namespace hops

#endif  // HOPS_COMMON_YAML_DOC_HPP_
