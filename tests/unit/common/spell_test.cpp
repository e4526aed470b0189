#include "common/spell.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace hops;

TEST_SUITE("spell") {

TEST_CASE("EditDistance: insertions, deletions and substitutions") {
  CHECK(EditDistance("", "") == 0);
  CHECK(EditDistance("", "abc") == 3);
  CHECK(EditDistance("abc", "") == 3);
  CHECK(EditDistance("abc", "abc") == 0);
  CHECK(EditDistance("kitten", "sitting") == 3);
  CHECK(EditDistance("weekday", "weekdays") == 1);  // insertion
  CHECK(EditDistance("weekdays", "weekday") == 1);  // deletion
  CHECK(EditDistance("hours", "houts") == 1);       // substitution
  CHECK(EditDistance("base", "timezone") == 7);
}

TEST_CASE("EditDistance: an adjacent transposition costs one edit") {
  CHECK(EditDistance("ab", "ba") == 1);
  CHECK(EditDistance("tiemzone", "timezone") == 1);
  CHECK(EditDistance("hoildays", "holidays") == 1);
  CHECK(EditDistance("bzi", "biz") == 1);
  // Optimal string alignment: a transposed pair is not edited again ("ca" -> "abc" is 3, not 2).
  CHECK(EditDistance("ca", "abc") == 3);
  // Two separate transpositions.
  CHECK(EditDistance("abcd", "badc") == 2);
}

TEST_CASE("EditDistance is symmetric") {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"kitten", "sitting"}, {"tiemzone", "timezone"}, {"ca", "abc"}, {"", "xyz"}, {"jp-bnak", "jp-bank"}};
  for (const auto& [a, b] : pairs) {
    CAPTURE(a);
    CAPTURE(b);
    CHECK(EditDistance(a, b) == EditDistance(b, a));
  }
}

TEST_CASE("EditDistance ignores letter case, also for transpositions") {
  CHECK(EditDistance("Timezone", "timezone") == 0);
  CHECK(EditDistance("WEEKDAYS", "weekdays") == 0);
  CHECK(EditDistance("Ab", "bA") == 1);
  // Substitutions ignore case, so a transposition must too: "ab"/"BA" is the same pair as "ab"/"ba".
  CHECK(EditDistance("ab", "BA") == EditDistance("ab", "ba"));
  CHECK(EditDistance("TIEMZONE", "timezone") == 1);
}

TEST_CASE("SpellCheck suggests the closest candidate when it is a likely typo") {
  const std::vector<std::string> keys = {"description", "timezone", "base", "weekdays", "holidays",
                                         "closed", "open", "hours", "special_hours"};
  CHECK(SpellCheck("weekday", keys) == "weekdays");
  CHECK(SpellCheck("tiemzone", keys) == "timezone");
  CHECK(SpellCheck("hollidays", keys) == "holidays");
  CHECK(SpellCheck("opne", keys) == "open");
  CHECK(SpellCheck("bse", keys) == "base");          // 3 letters: one edit allowed
  CHECK(SpellCheck("spcial_hrs", keys) == "special_hours");  // 10 letters: three edits allowed
  CHECK(SpellCheck("timezone", keys) == "timezone");  // an exact match is its own suggestion
}

TEST_CASE("SpellCheck stays silent when nothing is close") {
  const std::vector<std::string> keys = {"description", "timezone", "base", "weekdays", "holidays"};
  CHECK(SpellCheck("colour", keys) == "");
  CHECK(SpellCheck("xyz", keys) == "");
  CHECK(SpellCheck("bs", {"base"}) == "");         // 2 letters: one edit allowed, two needed
  CHECK(SpellCheck("hldys", {"holidays"}) == "");  // 5 letters: one edit allowed, three needed
  // Long words are capped at three edits.
  CHECK(SpellCheck("special_hoursxxx", {"special_hours"}) == "special_hours");
  CHECK(SpellCheck("special_hoursxxxx", {"special_hours"}) == "");
  CHECK(SpellCheck("anything", {}) == "");
}

TEST_CASE("SpellCheck: among equally close candidates, a shared start wins, then list order") {
  CHECK(SpellCheck("cat", {"bat", "cot"}) == "cot");
  CHECK(SpellCheck("cat", {"cot", "bat"}) == "cot");
  CHECK(SpellCheck("htp", {"ftp", "http"}) == "http");
  CHECK(SpellCheck("cat", {"bat", "rat"}) == "bat");
  // A closer candidate later in the list beats an earlier one.
  CHECK(SpellCheck("holidys", {"hours", "holiday", "holidays"}) == "holidays");
}

TEST_CASE("DidYouMean text") {
  CHECK(DidYouMean("weekday", {"timezone", "weekdays"}) == ", did you mean 'weekdays'?");
  CHECK(DidYouMean("Asia/Tokio", {"Asia/Tokyo", "Asia/Taipei"}) == ", did you mean 'Asia/Tokyo'?");
  CHECK(DidYouMean("zzzzzz", {"timezone", "weekdays"}) == "");
  CHECK(DidYouMean("x", {}) == "");
}

}  // TEST_SUITE
