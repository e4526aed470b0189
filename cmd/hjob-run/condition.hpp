// `when:` conditions of hjob-run jobs: a small expression language over the statuses, exit codes
// and outputs of earlier jobs and the run's parameters (see CONDITIONS in hjob-run(5)).
//
//   expr := and ("||" and)*        and := unary ("&&" unary)*
//   unary := "!" unary | "(" expr ")" | value [("=="|"!="|"<"|"<="|">"|">=") value]
//   value := jobs.ID.status | jobs.ID.exit_code | jobs.ID.output | outputs.NAME | params.NAME
//          | 'string' | "string" | word (a literal: success, 0, 2026-11-21, ...)
//
// Two values that both read as numbers compare as numbers, others as byte strings. A value alone
// is true unless it is "", "0" or "false".
#ifndef HOPS_CMD_HJOB_RUN_CONDITION_HPP_
#define HOPS_CMD_HJOB_RUN_CONDITION_HPP_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"

namespace hops::job {

/// What a condition refers to.
struct Ref {
  enum class Kind { kJobStatus, kJobExitCode, kJobOutput, kOutput, kParam };
  Kind kind = Kind::kParam;
  std::string name;  ///< the job id (kJob*), output name or parameter name
  int offset = 0;    ///< byte offset in the condition text, for messages
};

/// A parsed condition.
struct Condition {
  struct Node;
  std::string text;                   ///< as written
  std::shared_ptr<const Node> root;   ///< the expression tree
  std::vector<Ref> refs;              ///< every reference, in text order
};

/// Parses @p text. Errors are DefinitionErrors at @p loc (the first character of the text) moved
/// by the offending token's offset, with @p source_line as the snippet.
Condition ParseCondition(const std::string& text, const SourceLoc& loc, const std::string& source_line);

/// The value of a reference when the condition is evaluated.
using RefLookup = std::function<std::string(const Ref&)>;

/// Evaluates @p c with the values @p lookup gives.
bool EvaluateCondition(const Condition& c, const RefLookup& lookup);

/// The status words a `jobs.ID.status` reference can have.
const std::vector<std::string>& JobStatusWords();

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_CONDITION_HPP_
