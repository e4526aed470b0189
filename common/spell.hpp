// "Did you mean" suggestions for misspelled keys and names.
#ifndef HOPS_COMMON_SPELL_HPP_
#define HOPS_COMMON_SPELL_HPP_

#include <string>
#include <vector>

namespace hops {

/// Damerau-Levenshtein (optimal string alignment) distance between @p a and @p b.
int EditDistance(const std::string& a, const std::string& b);

/// The candidate closest to @p word when it is close enough to be a likely typo, else "";
/// ties go to the candidate sharing the longest start with @p word, then to list order.
std::string SpellCheck(const std::string& word, const std::vector<std::string>& candidates);

/// ", did you mean 'x'?" for the closest candidate, or "" when none is close.
std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hops

#endif  // HOPS_COMMON_SPELL_HPP_
