// The approval question asked at the terminal: when hjob-run runs with its standard input and
// standard error on a terminal, a job waiting for approval also asks there ("approve? [yes/no]"),
// beside `hjob-run approve` / `deny` from any other process, whichever answers first.
#ifndef HOPS_CMD_HJOB_RUN_PROMPT_HPP_
#define HOPS_CMD_HJOB_RUN_PROMPT_HPP_

#include <chrono>
#include <mutex>
#include <optional>
#include <string>

namespace hops::job {

/// Asks one question at a time on a terminal: reads answers from @p in_fd, writes to @p out_fd.
/// Thread-safe; the first job to ask owns the prompt until it is answered or Withdraw()n.
class TerminalPrompt {
 public:
  TerminalPrompt(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}

  /// Waits up to @p wait for an answer to @p question of @p job: true = yes, false = no,
  /// nullopt = none yet (or the prompt belongs to another job, or the terminal is gone). The
  /// question is written once, when @p job takes the prompt; input typed before that is
  /// discarded, so nothing typed ahead approves anything.
  std::optional<bool> Ask(const std::string& job, const std::string& question, std::chrono::milliseconds wait);
  /// Whether the question on screen is @p job's.
  bool Owns(const std::string& job);
  /// @p job no longer waits (decided elsewhere, or given up): the prompt is free for another.
  void Withdraw(const std::string& job, const std::string& why);

 private:
  int in_;
  int out_;
  std::mutex mu_;
  std::string owner_;  ///< the job the question on screen is for; "" when none
  std::string line_;   ///< what was typed so far
  bool closed_ = false;  ///< end of input: ask no more
  void Write(const std::string& s) const;
};

}  // namespace hops::job

#endif  // HOPS_CMD_HJOB_RUN_PROMPT_HPP_
