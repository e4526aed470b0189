#include "cmd/hjob-run/condition.hpp"

#include <cctype>
#include <cstdlib>
#include <map>

#include "common/spell.hpp"
#include "common/text.hpp"

namespace hops::job {

/// One node of a parsed condition.
struct Condition::Node {
  enum class Op { kOr, kAnd, kNot, kCompare, kValue };
  Op op = Op::kValue;
  std::string cmp;  ///< kCompare: "==", "!=", "<", "<=", ">", ">="
  std::vector<std::shared_ptr<const Node>> kids;
  bool is_ref = false;  ///< kValue: a reference (ref) rather than a literal
  Ref ref;              ///< kValue with is_ref
  std::string literal;  ///< kValue without is_ref
};

namespace {

using Node = Condition::Node;
using NodePtr = std::shared_ptr<const Node>;

struct Token {
  enum class Kind { kEnd, kOp, kString, kWord };
  Kind kind = Kind::kEnd;
  std::string text;  ///< the operator, the string's content, or the word
  int offset = 0;
};

bool WordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-' || c == ':' ||
         c == '/' || c == '+';
}

class Parser {
 public:
  Parser(const std::string& text, const SourceLoc& loc, const std::string& line)
      : text_(text), loc_(loc), line_(line) {
    Lex();
  }

  Condition Parse() {
    Condition c;
    c.text = text_;
    if (toks_.size() == 1) Fail(0, "empty condition");
    c.root = Or();
    if (Peek().kind != Token::Kind::kEnd) Fail(Peek().offset, "unexpected '" + Peek().text + "' in condition");
    c.refs = refs_;
    return c;
  }

 private:
  [[noreturn]] void Fail(int offset, const std::string& message) const {
    SourceLoc at = loc_;
    if (at.column > 0) at.column += offset;
    throw DefinitionError(at, message, line_);
  }

  void Lex() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        ++i;
        continue;
      }
      Token t;
      t.offset = static_cast<int>(i);
      const std::string two = text_.substr(i, 2);
      if (two == "&&" || two == "||" || two == "==" || two == "!=" || two == "<=" || two == ">=") {
        t.kind = Token::Kind::kOp;
        t.text = two;
        i += 2;
      } else if (c == '(' || c == ')' || c == '!' || c == '<' || c == '>') {
        t.kind = Token::Kind::kOp;
        t.text = std::string(1, c);
        ++i;
      } else if (c == '=') {
        Fail(t.offset, "'=' is not an operator; compare with '=='");
      } else if (c == '\'' || c == '"') {
        t.kind = Token::Kind::kString;
        size_t j = i + 1;
        for (; j < text_.size() && text_[j] != c; ++j) {
          if (text_[j] == '\\' && j + 1 < text_.size()) ++j;
          t.text += text_[j];
        }
        if (j >= text_.size()) Fail(t.offset, "unterminated string in condition");
        i = j + 1;
      } else if (WordChar(c)) {
        t.kind = Token::Kind::kWord;
        size_t j = i;
        while (j < text_.size() && WordChar(text_[j])) ++j;
        t.text = text_.substr(i, j - i);
        i = j;
      } else {
        Fail(t.offset, "unexpected character '" + std::string(1, c) + "' in condition");
      }
      toks_.push_back(std::move(t));
    }
    Token end;
    end.offset = static_cast<int>(text_.size());
    toks_.push_back(end);
  }

  const Token& Peek() const { return toks_[pos_]; }
  bool IsOp(const char* op) const { return Peek().kind == Token::Kind::kOp && Peek().text == op; }

  NodePtr Or() {
    auto n = std::make_shared<Node>();
    n->op = Node::Op::kOr;
    n->kids.push_back(And());
    while (IsOp("||")) {
      ++pos_;
      n->kids.push_back(And());
    }
    return n->kids.size() == 1 ? n->kids.front() : n;
  }

  NodePtr And() {
    auto n = std::make_shared<Node>();
    n->op = Node::Op::kAnd;
    n->kids.push_back(Unary());
    while (IsOp("&&")) {
      ++pos_;
      n->kids.push_back(Unary());
    }
    return n->kids.size() == 1 ? n->kids.front() : n;
  }

  NodePtr Unary() {
    if (IsOp("!")) {
      ++pos_;
      auto n = std::make_shared<Node>();
      n->op = Node::Op::kNot;
      n->kids.push_back(Unary());
      return n;
    }
    if (IsOp("(")) {
      const int open = Peek().offset;
      ++pos_;
      NodePtr inner = Or();
      if (!IsOp(")")) Fail(Peek().kind == Token::Kind::kEnd ? open : Peek().offset, "missing ')' in condition");
      ++pos_;
      return inner;
    }
    NodePtr lhs = Value();
    static const char* const kCompare[] = {"==", "!=", "<=", ">=", "<", ">"};
    for (const char* op : kCompare) {
      if (!IsOp(op)) continue;
      ++pos_;
      NodePtr rhs = Value();
      CheckStatusWord(*lhs, *rhs);
      CheckStatusWord(*rhs, *lhs);
      auto n = std::make_shared<Node>();
      n->op = Node::Op::kCompare;
      n->cmp = op;
      n->kids = {lhs, rhs};
      return n;
    }
    return lhs;
  }

  /// A status reference compared with a literal: the literal must be a status word.
  void CheckStatusWord(const Node& ref, const Node& lit) const {
    if (!ref.is_ref || ref.ref.kind != Ref::Kind::kJobStatus || lit.is_ref) return;
    for (const auto& w : JobStatusWords())
      if (w == lit.literal) return;
    Fail(lit_offsets_.at(&lit), "unknown job status '" + lit.literal + "'" +
                                    [&] {
                                      std::string hint = DidYouMean(lit.literal, JobStatusWords());
                                      return hint.empty() ? std::string("; expected success, warning, failed or skipped")
                                                          : hint;
                                    }());
  }

  NodePtr Value() {
    const Token t = Peek();
    if (t.kind == Token::Kind::kEnd) Fail(t.offset, "condition ends where a value is expected");
    if (t.kind == Token::Kind::kOp) Fail(t.offset, "unexpected '" + t.text + "' where a value is expected");
    ++pos_;
    auto n = std::make_shared<Node>();
    n->op = Node::Op::kValue;
    if (t.kind == Token::Kind::kString || t.text.find('.') == std::string::npos ||
        std::isdigit(static_cast<unsigned char>(t.text[0])) || t.text[0] == '-') {
      n->literal = t.text;
      lit_offsets_[n.get()] = t.offset;
      return n;
    }
    n->is_ref = true;
    n->ref = ParseRef(t);
    refs_.push_back(n->ref);
    return n;
  }

  Ref ParseRef(const Token& t) const {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      const size_t dot = t.text.find('.', start);
      parts.push_back(t.text.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    Ref r;
    r.offset = t.offset;
    const std::string& root = parts[0];
    if (root == "jobs") {
      if (parts.size() != 3 || parts[1].empty())
        Fail(t.offset, "'" + t.text + "' must be jobs.ID.status, jobs.ID.exit_code or jobs.ID.output");
      r.name = parts[1];
      static const std::vector<std::string> kFields = {"status", "exit_code", "output"};
      if (parts[2] == "status") r.kind = Ref::Kind::kJobStatus;
      else if (parts[2] == "exit_code") r.kind = Ref::Kind::kJobExitCode;
      else if (parts[2] == "output") r.kind = Ref::Kind::kJobOutput;
      else
        Fail(t.offset + static_cast<int>(root.size() + parts[1].size() + 2),
             "unknown job field '" + parts[2] + "'" + [&] {
               std::string hint = DidYouMean(parts[2], kFields);
               return hint.empty() ? std::string("; expected status, exit_code or output") : hint;
             }());
      return r;
    }
    if (root == "outputs" || root == "params") {
      if (parts.size() != 2 || parts[1].empty()) Fail(t.offset, "'" + t.text + "' must be " + root + ".NAME");
      r.kind = root == "outputs" ? Ref::Kind::kOutput : Ref::Kind::kParam;
      r.name = parts[1];
      return r;
    }
    Fail(t.offset, "unknown reference '" + t.text + "'" + [&] {
      std::string hint = DidYouMean(root, {"jobs", "outputs", "params"});
      return hint.empty() ? std::string("; expected jobs.ID.FIELD, outputs.NAME or params.NAME (quote a literal)")
                          : hint;
    }());
  }

  const std::string& text_;
  SourceLoc loc_;
  std::string line_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  std::vector<Ref> refs_;
  std::map<const Node*, int> lit_offsets_;
};

bool Truthy(const std::string& v) { return !v.empty() && v != "0" && v != "false"; }

/// @p s as a number when all of it is one.
bool AsNumber(const std::string& s, double* out) {
  if (s.empty() || std::isspace(static_cast<unsigned char>(s[0]))) return false;
  char* end = nullptr;
  *out = std::strtod(s.c_str(), &end);
  return end && *end == '\0';
}

std::string ValueOf(const Node& n, const RefLookup& lookup) { return n.is_ref ? lookup(n.ref) : n.literal; }

bool Eval(const Node& n, const RefLookup& lookup) {
  switch (n.op) {
    case Node::Op::kOr:
      for (const auto& k : n.kids)
        if (Eval(*k, lookup)) return true;
      return false;
    case Node::Op::kAnd:
      for (const auto& k : n.kids)
        if (!Eval(*k, lookup)) return false;
      return true;
    case Node::Op::kNot:
      return !Eval(*n.kids[0], lookup);
    case Node::Op::kValue:
      return Truthy(ValueOf(n, lookup));
    case Node::Op::kCompare:
      break;
  }
  const std::string a = ValueOf(*n.kids[0], lookup), b = ValueOf(*n.kids[1], lookup);
  double x = 0, y = 0;
  int c;
  if (AsNumber(a, &x) && AsNumber(b, &y)) c = x < y ? -1 : (x > y ? 1 : 0);
  else c = a.compare(b) < 0 ? -1 : (a == b ? 0 : 1);
  if (n.cmp == "==") return c == 0;
  if (n.cmp == "!=") return c != 0;
  if (n.cmp == "<") return c < 0;
  if (n.cmp == "<=") return c <= 0;
  if (n.cmp == ">") return c > 0;
  return c >= 0;
}

}  // namespace

Condition ParseCondition(const std::string& text, const SourceLoc& loc, const std::string& source_line) {
  return Parser(text, loc, source_line).Parse();
}

bool EvaluateCondition(const Condition& c, const RefLookup& lookup) { return Eval(*c.root, lookup); }

const std::vector<std::string>& JobStatusWords() {
  static const std::vector<std::string> words = {"success", "warning", "failed", "skipped"};
  return words;
}

}  // namespace hops::job
