// How doctest shows the containers hjob-run's tests compare.
#ifndef HOPS_TESTS_UNIT_HJOB_RUN_PRINT_HPP_
#define HOPS_TESTS_UNIT_HJOB_RUN_PRINT_HPP_

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

namespace doctest {

template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string s = "{";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", \"" : "\"") + v[i] + "\"";
    return (s + "}").c_str();
  }
};

template <>
struct StringMaker<std::map<std::string, std::string>> {
  static String convert(const std::map<std::string, std::string>& m) {
    std::string s = "{";
    for (const auto& [k, v] : m) s += (s.size() > 1 ? ", " : "") + k + "=" + v;
    return (s + "}").c_str();
  }
};

}  // namespace doctest

#endif  // HOPS_TESTS_UNIT_HJOB_RUN_PRINT_HPP_
