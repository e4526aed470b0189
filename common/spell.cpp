#include "common/spell.hpp"

#include <algorithm>
#include <cctype>

namespace hops {

int EditDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  auto lower = [](char c) { return std::tolower(static_cast<unsigned char>(c)); };
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

std::string SpellCheck(const std::string& word, const std::vector<std::string>& candidates) {
  // Allow roughly one edit per three characters, at least one and at most three.
  const int limit = std::clamp(static_cast<int>(word.size()) / 3, 1, 3);
  std::string best;
  int best_distance = limit + 1;
  auto common_prefix = [&](const std::string& c) {
    size_t n = 0;
    while (n < c.size() && n < word.size() && std::tolower(static_cast<unsigned char>(c[n])) ==
                                                  std::tolower(static_cast<unsigned char>(word[n])))
      ++n;
    return n;
  };
  for (const auto& c : candidates) {
    int dist = EditDistance(word, c);
    // On a tie, the candidate that starts like the word is the likelier typo ("htp": http, not ftp).
    if (dist < best_distance || (dist == best_distance && !best.empty() && common_prefix(c) > common_prefix(best))) {
      best_distance = dist;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string s = SpellCheck(word, candidates);
  return s.empty() ? "" : ", did you mean '" + s + "'?";
}

}  // namespace hops
