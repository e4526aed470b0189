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
  /// Parses @p text like FromString, except the entries of the block mapping under the top-level
  /// key @p key: in root() that key maps to an empty mapping, and Entry(i) parses entry i on its
  /// own, so a file of 100,000 monitors is never one tree in memory. Returns nullopt when the file
  /// is not laid out so (a flow-style or empty mapping, an entry that does not parse alone, such as
  /// one using an anchor defined elsewhere, or any syntax error): FromString then reads it whole
  /// and reports its errors.
  static std::optional<YamlDoc> FromStringSplit(const std::string& text, const std::string& filename,
                                                const std::string& key);
  /// The number of entries FromStringSplit set aside (0 for other documents).
  size_t EntryCount() const { return entries_ ? entries_->size() : 0; }
  /// Entry @p i of a split document: a document whose root is a one-pair mapping, with positions
  /// in the whole file; nullopt when the entry does not read alone so (a syntax error, or an alias
  /// of an anchor outside it): read the file with FromString then.
  std::optional<YamlDoc> Entry(size_t i) const;

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
  /// Parses [begin, end) of the text, whose first line is line @p first_line (0-based) of the file.
  YAML::Node ParsePart(size_t begin, size_t end, int first_line) const;

  YAML::Node root_;
  std::shared_ptr<std::string> filename_;
  std::shared_ptr<const std::string> text_;
  std::shared_ptr<const std::vector<size_t>> line_starts_;  ///< byte offset of each line
  /// Split documents: each entry's byte range and its first line (0-based).
  struct Part {
    size_t begin, end;
    int line;    ///< first line, 0-based
    int indent;  ///< column of the key
  };
  std::shared_ptr<const std::vector<Part>> entries_;
  int line_offset_ = 0;  ///< added to the line of every mark (entries of a split document)
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
