#include "common/yaml_doc.hpp"

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "common/spell.hpp"
#include "common/text.hpp"

namespace hops {

namespace {

// yaml-cpp recurses once per nesting level; refuse absurd depth before it can exhaust the stack.
constexpr int kMaxFlowDepth = 256;

void CheckNesting(const std::string& text, const std::string& filename) {
  int depth = 0, line = 1, col = 0;
  bool in_single = false, in_double = false, in_comment = false, escaped = false;
  char prev = '\0';        // last non-blank character on this line ('\0' at line start)
  bool after_blank = true;  // the previous character was a blank or the line start
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    ++col;
    if (c == '\n') {
      ++line;
      col = 0;
      in_comment = false;
      prev = '\0';
      after_blank = true;
      continue;
    }
    if (in_comment) continue;
    if (in_double) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_double = false;
      continue;
    }
    if (in_single) {
      if (c == '\'') {
        if (i + 1 < text.size() && text[i + 1] == '\'') ++i, ++col;  // '' is an escaped quote
        else in_single = false;
      }
      continue;
    }
    // A quote opens a quoted scalar only where a scalar can start; "it's" is a plain scalar.
    const bool scalar_start = prev == '\0' || prev == ':' || prev == ',' || prev == '[' ||
                              prev == '{' || prev == '-' || prev == '?';
    if (c == '#' && after_blank) in_comment = true;
    else if (c == '"' && scalar_start) in_double = true;
    else if (c == '\'' && scalar_start) in_single = true;
    else if (c == '[' || c == '{') {
      if (++depth > kMaxFlowDepth)
        throw DefinitionError({filename, line, col}, "nesting deeper than 256 levels");
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
    after_blank = c == ' ' || c == '\t';
    if (!after_blank) prev = c;
  }
}

std::vector<size_t> LineStarts(const std::string& text) {
  std::vector<size_t> starts{0};
  for (size_t i = text.find('\n'); i != std::string::npos; i = text.find('\n', i + 1)) starts.push_back(i + 1);
  return starts;
}

/// Indentation of the line starting at @p at, or -1 for a blank or comment-only line; -2 when it
/// is indented with a tab.
int IndentAt(const std::string& text, size_t at) {
  size_t i = at;
  while (i < text.size() && text[i] == ' ') ++i;
  if (i < text.size() && text[i] == '\t') return -2;
  if (i >= text.size() || text[i] == '\n' || text[i] == '\r' || text[i] == '#') return -1;
  return int(i - at);
}

}  // namespace

YamlDoc YamlDoc::FromFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DefinitionError({path, 0, 0}, std::string("cannot read file: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw DefinitionError({path, 0, 0}, "read error");
  return FromString(ss.str(), path);
}

YamlDoc YamlDoc::FromString(const std::string& text, const std::string& filename) {
  YamlDoc doc;
  doc.filename_ = std::make_shared<std::string>(filename);
  doc.text_ = std::make_shared<const std::string>(text);
  doc.line_starts_ = std::make_shared<const std::vector<size_t>>(LineStarts(text));
  CheckNesting(text, filename);
  try {
    doc.root_ = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    SourceLoc loc{filename, e.mark.line + 1, e.mark.column + 1};
    if (e.mark.is_null()) loc.line = loc.column = 0;
    throw DefinitionError(loc, "YAML syntax error: " + e.msg, doc.Line(loc.line));
  }
  return doc;
}

std::optional<YamlDoc> YamlDoc::FromStringSplit(const std::string& text, const std::string& filename,
                                                const std::string& key) {
  YamlDoc doc;
  doc.filename_ = std::make_shared<std::string>(filename);
  doc.text_ = std::make_shared<const std::string>(text);
  auto starts = std::make_shared<const std::vector<size_t>>(LineStarts(text));
  doc.line_starts_ = starts;
  const std::vector<size_t>& ls = *starts;
  auto line_end = [&](size_t l) { return l + 1 < ls.size() ? ls[l + 1] : text.size(); };
  // The line "key:" at column 0, with nothing after it but a comment.
  size_t key_line = ls.size();
  for (size_t l = 0; l < ls.size() && key_line == ls.size(); ++l) {
    if (text.compare(ls[l], key.size() + 1, key + ":") != 0) continue;
    size_t i = ls[l] + key.size() + 1;
    while (i < text.size() && text[i] == ' ') ++i;
    if (i < text.size() && text[i] != '\n' && text[i] != '\r' && text[i] != '#') return std::nullopt;
    key_line = l;
  }
  if (key_line == ls.size()) return std::nullopt;
  // Its entries: the lines indented as its first content line; the mapping ends at a line indented
  // less.
  int indent = 0;
  std::vector<Part> parts;
  size_t l = key_line + 1;
  for (; l < ls.size(); ++l) {
    const int in = IndentAt(text, ls[l]);
    if (in == -2) return std::nullopt;
    if (in == -1) continue;
    if (indent == 0) indent = in;
    if (in == 0 || in < indent) break;
    if (in > indent) continue;
    const char c = text[ls[l] + in];
    if (c == '-' || c == '?' || c == '{' || c == '[' || c == '&' || c == '*' || c == '!' || c == '|' || c == '>')
      return std::nullopt;
    if (!parts.empty()) parts.back().end = ls[l];
    parts.push_back({ls[l], line_end(l), int(l), in});
  }
  if (parts.empty()) return std::nullopt;
  // Trailing blank and comment lines stay with the last entry; the mapping ends before line l.
  parts.back().end = l < ls.size() ? ls[l] : text.size();
  // The rest of the document, with the entries' lines left empty: "key:" maps to "{}" and every
  // other line keeps its number.
  const size_t region_begin = parts.front().begin, region_end = parts.back().end;
  std::string rest = text.substr(0, region_begin);
  rest += std::string(size_t(indent), ' ') + "{}";
  for (size_t i = region_begin; i < region_end; ++i)
    if (text[i] == '\n') rest += '\n';
  rest.append(text, region_end, std::string::npos);
  try {
    CheckNesting(rest, filename);
    doc.root_ = YAML::Load(rest);
    const YAML::Node v = doc.root_.IsMap() ? doc.root_[key] : YAML::Node();
    if (!v.IsMap() || v.size() != 0 || v.Mark().line != parts.front().line) return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;
  }
  doc.entries_ = std::make_shared<const std::vector<Part>>(std::move(parts));
  return doc;
}

YAML::Node YamlDoc::ParsePart(size_t begin, size_t end, int first_line) const {
  // A part starts at the start of its line, so columns are those of the file; lines are shifted.
  std::string part = text_->substr(begin, end - begin);
  try {
    return YAML::Load(part);
  } catch (const YAML::Exception& e) {
    SourceLoc loc{*filename_, e.mark.line + 1 + first_line, e.mark.column + 1};
    if (e.mark.is_null()) loc.line = loc.column = 0;
    throw DefinitionError(loc, "YAML syntax error: " + e.msg, Line(loc.line));
  }
}

std::optional<YamlDoc> YamlDoc::Entry(size_t i) const {
  const Part& p = entries_->at(i);
  YamlDoc e;
  e.filename_ = filename_;
  e.text_ = text_;
  e.line_starts_ = line_starts_;
  e.line_offset_ = p.line;
  try {
    CheckNesting(text_->substr(p.begin, p.end - p.begin), *filename_);
    e.root_ = ParsePart(p.begin, p.end, p.line);
  } catch (const DefinitionError&) {
    return std::nullopt;
  }
  // It must read alone as one pair whose key is where its line says.
  const YAML::Node& r = e.root_;
  if (!r.IsMap() || r.size() != 1 || r.begin()->first.Mark().line != 0 || r.begin()->first.Mark().column != p.indent)
    return std::nullopt;
  return e;
}

SourceLoc YamlDoc::Loc(const YAML::Node& node) const {
  YAML::Mark m = node.Mark();
  if (m.is_null()) return {*filename_, 0, 0};
  return {*filename_, m.line + 1 + line_offset_, m.column + 1};
}

std::string YamlDoc::Line(int line) const {
  if (!line_starts_ || line < 1 || line > static_cast<int>(line_starts_->size())) return "";
  const size_t b = (*line_starts_)[line - 1];
  size_t e = text_->find('\n', b);
  if (e == std::string::npos) e = text_->size();
  if (e > b && (*text_)[e - 1] == '\r') --e;
  return text_->substr(b, e - b);
}

DefinitionError YamlDoc::ErrorAt(const YAML::Node& node, const std::string& message) const {
  SourceLoc loc = Loc(node);
  return DefinitionError(loc, message, Line(loc.line));
}

void YamlDoc::Fail(const YAML::Node& node, const std::string& message) const {
  throw ErrorAt(node, message);
}

const char* NodeTypeName(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Null: return "null";
    default: return "nothing";
  }
}

std::string ScalarText(const YamlDoc& doc, const YAML::Node& node, const std::string& what) {
  if (!node.IsScalar()) doc.Fail(node, what + " must be a scalar, got " + NodeTypeName(node));
  return node.Scalar();
}

MapReader::MapReader(const YamlDoc& doc, const YAML::Node& node, std::string what,
                     const std::vector<std::string>& allowed, std::vector<DefinitionError>* errors)
    : doc_(&doc), node_(node), what_(std::move(what)) {
  if (!node.IsMap()) doc.Fail(node, what_ + " must be a mapping, got " + NodeTypeName(node));
  auto fail = [&](const YAML::Node& at, const std::string& message) {
    if (!errors) doc.Fail(at, message);
    errors->push_back(doc.ErrorAt(at, message));
  };
  std::vector<std::string> present;  // collecting: a typo stands for its key unless that is there too
  if (errors)
    for (auto it = node.begin(); it != node.end(); ++it)
      if (it->first.IsScalar()) present.push_back(it->first.Scalar());
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;  // a copy: *it is a temporary
    if (!key.IsScalar()) {
      fail(key, "keys of " + what_ + " must be scalars");
      continue;
    }
    const std::string& k = key.Scalar();
    bool duplicate = false;
    for (const auto& e : entries_) duplicate = duplicate || e.first == k;
    if (duplicate) {
      fail(key, "duplicate key '" + k + "' in " + what_);
      continue;
    }
    bool known = false;
    for (const auto& a : allowed) known = known || a == k;
    if (!known) {
      std::string hint = DidYouMean(k, allowed);
      if (hint.empty()) {
        hint = "; expected one of: ";
        for (size_t i = 0; i < allowed.size(); ++i) hint += (i ? ", " : "") + allowed[i];
      }
      fail(key, "unknown key '" + k + "' in " + what_ + hint);
      const std::string meant = SpellCheck(k, allowed);
      if (!meant.empty() && std::find(present.begin(), present.end(), meant) == present.end()) {
        entries_.emplace_back(meant, it->second);
        present.push_back(meant);
      }
      continue;
    }
    entries_.emplace_back(k, it->second);
  }
}

bool MapReader::Has(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.first == key) return true;
  return false;
}

YAML::Node MapReader::Get(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.first == key) return e.second;
  return YAML::Node(YAML::NodeType::Undefined);
}

YAML::Node MapReader::Require(const std::string& key) const {
  YAML::Node v = Get(key);
  if (!v) doc_->Fail(node_, what_ + " is missing required key '" + key + "'");
  return v;
}

std::optional<std::string> MapReader::String(const std::string& key) const {
  YAML::Node v = Get(key);
  if (!v) return std::nullopt;
  return ScalarText(*doc_, v, "'" + key + "'");
}

std::optional<long> MapReader::Int(const std::string& key, long lo, long hi) const {
  YAML::Node v = Get(key);
  if (!v) return std::nullopt;
  std::string s = ScalarText(*doc_, v, "'" + key + "'");
  auto n = ParseLong(s);
  if (!n) doc_->Fail(v, "'" + key + "' must be an integer, got '" + s + "'");
  if (*n < lo || *n > hi)
    doc_->Fail(v, "'" + key + "' must be between " + std::to_string(lo) + " and " +
                      std::to_string(hi) + ", got " + s);
  return n;
}

std::optional<bool> MapReader::Bool(const std::string& key) const {
  YAML::Node v = Get(key);
  if (!v) return std::nullopt;
  std::string s = ScalarText(*doc_, v, "'" + key + "'");
  if (auto b = ParseBool(s)) return b;
  doc_->Fail(v, BadBoolMessage(key, s));
}

}  // namespace hops
