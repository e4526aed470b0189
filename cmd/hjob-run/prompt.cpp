#include "cmd/hjob-run/prompt.hpp"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

#include "common/text.hpp"

namespace hops::job {

void TerminalPrompt::Write(const std::string& s) const {
  size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(out_, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

std::optional<bool> TerminalPrompt::Ask(const std::string& job, const std::string& question,
                                        std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (closed_ || (!owner_.empty() && owner_ != job)) return std::nullopt;
  if (owner_.empty()) {
    owner_ = job;
    line_.clear();
    ::tcflush(in_, TCIFLUSH);  // what was typed before the question answers nothing
    Write(question + " [yes/no] ");
  }
  pollfd p{in_, POLLIN, 0};
  const int r = ::poll(&p, 1, static_cast<int>(wait.count()));
  if (r <= 0) return std::nullopt;
  char buf[256];
  const ssize_t n = ::read(in_, buf, sizeof buf);
  if (n <= 0) {  // end of input (Ctrl-D) or the terminal is gone: the approve command still answers
    closed_ = true;
    owner_.clear();
    Write("\n(no answer at the terminal; use 'hjob-run approve' or 'deny')\n");
    return std::nullopt;
  }
  line_.append(buf, static_cast<size_t>(n));
  for (size_t nl; (nl = line_.find('\n')) != std::string::npos;) {
    const std::string answer = Lower(Trim(line_.substr(0, nl)));
    line_.erase(0, nl + 1);
    if (answer == "y" || answer == "yes") {
      owner_.clear();
      return true;
    }
    if (answer == "n" || answer == "no") {
      owner_.clear();
      return false;
    }
    Write("answer yes or no: " + question + " [yes/no] ");
  }
  return std::nullopt;
}

bool TerminalPrompt::Owns(const std::string& job) {
  std::lock_guard<std::mutex> lock(mu_);
  return owner_ == job;
}

void TerminalPrompt::Withdraw(const std::string& job, const std::string& why) {
  std::lock_guard<std::mutex> lock(mu_);
  if (owner_ != job) return;
  owner_.clear();
  line_.clear();
  Write("\n(" + why + ")\n");
}

}  // namespace hops::job
