// The JSON Schema printed by `hcal schema` must describe exactly what the loader accepts.
#include <doctest/doctest.h>

#include <regex>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "common/calendar_load.hpp"
#include "common/text.hpp"
#include "common/yaml_doc.hpp"

using namespace hops;
using namespace hops::cal;
using json = nlohmann::json;

namespace {

json Schema() { return json::parse(CalendarSchema()); }

std::set<std::string> Keys(const json& properties) {
  std::set<std::string> out;
  for (auto it = properties.begin(); it != properties.end(); ++it) out.insert(it.key());
  return out;
}

std::set<std::string> Set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

// Calls @p fn for every JSON object in @p j with its JSON pointer.
template <typename Fn>
void Walk(const json& j, const std::string& path, Fn fn) {
  if (j.is_object()) {
    fn(j, path);
    for (auto it = j.begin(); it != j.end(); ++it) Walk(it.value(), path + "/" + it.key(), fn);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) Walk(j[i], path + "/" + std::to_string(i), fn);
  }
}

// JSON Schema patterns are ECMA-262 regular expressions, as editors run them: std::regex's
// ECMAScript grammar (the schema's patterns are short and fixed).
bool Matches(const json& schema_with_pattern, const std::string& s) {
  return std::regex_search(s, std::regex(schema_with_pattern.at("pattern").get<std::string>()));
}

// Whether the loader accepts @p calendar_body (the mapping of calendar 'x', with base 'b' defined).
bool LoaderAccepts(const std::string& calendar_body) {
  Registry reg;
  reg.AddDocument(YamlDoc::FromString(
      "calendars:\n  b: {timezone: UTC}\n  x: {timezone: UTC, " + calendar_body + "}\n", "t.yaml"));
  reg.Resolve();
  return reg.errors().empty();
}

}  // namespace

TEST_SUITE("calendar_schema") {

TEST_CASE("the schema is valid JSON of draft 2020-12") {
  json s;
  REQUIRE_NOTHROW(s = Schema());
  CHECK(s.at("$schema") == "https://json-schema.org/draft/2020-12/schema");
  CHECK(s.at("type") == "object");
  CHECK(s.at("required") == json::array({"calendars"}));
}

TEST_CASE("property sets equal the loader's key tables") {
  json s = Schema();
  const json& defs = s.at("$defs");
  CHECK(Keys(s.at("properties")) == Set(kFileKeys));
  CHECK(Keys(defs.at("calendar").at("properties")) == Set(kCalendarKeys));
  CHECK(Keys(defs.at("rule").at("properties")) == Set(kRuleKeys));
  const json* entry_object = nullptr;
  for (const json& branch : defs.at("entry").at("oneOf"))
    if (branch.value("type", "") == "object") entry_object = &branch;
  REQUIRE(entry_object != nullptr);
  CHECK(Keys(entry_object->at("properties")) == Set(kEntryKeys));
  const json* open_object = nullptr;
  for (const json& branch : defs.at("openentry").at("oneOf"))
    if (branch.value("type", "") == "object") open_object = &branch;
  REQUIRE(open_object != nullptr);
  CHECK(Keys(open_object->at("properties")) == Set(kOpenEntryKeys));
  CHECK(defs.at("calendar").at("properties").at("open").at("items").at("$ref") == "#/$defs/openentry");
  CHECK(Keys(defs.at("specialhours").at("properties")) == Set(kSpecialHoursKeys));
  CHECK(Keys(defs.at("calendar").at("properties").at("valid").at("properties")) == Set(kValidKeys));
  // Required keys are loader-required too.
  CHECK(entry_object->at("required") == json::array({"date"}));
  CHECK(defs.at("specialhours").at("required") == json::array({"date", "hours"}));
  // The calendar map points every calendar at the calendar definition.
  CHECK(s.at("properties").at("calendars").at("additionalProperties").at("$ref") == "#/$defs/calendar");
}

TEST_CASE("every object with properties forbids other properties") {
  json s = Schema();
  int objects = 0;
  Walk(s, "", [&](const json& j, const std::string& path) {
    if (!j.contains("properties") || !j.at("properties").is_object()) return;
    // "properties" itself is a map of names; skip objects that are property maps of their parent.
    if (path.size() >= 11 && path.compare(path.size() - 11, 11, "/properties") == 0) return;
    ++objects;
    CAPTURE(path);
    REQUIRE(j.contains("additionalProperties"));
    CHECK(j.at("additionalProperties") == false);
  });
  CHECK(objects >= 6);  // file, calendar, valid, rule, entry, specialhours
}

TEST_CASE("every $ref resolves") {
  json s = Schema();
  int refs = 0;
  Walk(s, "", [&](const json& j, const std::string& path) {
    if (!j.contains("$ref")) return;
    ++refs;
    std::string ref = j.at("$ref").get<std::string>();
    CAPTURE(path);
    CAPTURE(ref);
    REQUIRE(ref.rfind("#/", 0) == 0);
    CHECK(s.contains(json::json_pointer(ref.substr(1))));
  });
  CHECK(refs > 10);
}

TEST_CASE("rule selectors, shifts and holiday sets match the loader") {
  json s = Schema();
  const json& defs = s.at("$defs");
  std::set<std::string> rule_props = Keys(defs.at("rule").at("properties"));
  for (const auto& sel : kRuleSelectors) {
    CAPTURE(sel);
    CHECK(rule_props.count(sel) == 1);
  }
  CHECK(Set(kRuleSelectors).size() == kRuleSelectors.size());
  // The rule description names every selector.
  std::string description = defs.at("rule").at("description");
  for (const auto& sel : kRuleSelectors) CHECK(description.find(sel) != std::string::npos);

  std::set<std::string> shifts;
  for (const auto& v : defs.at("shift").at("enum")) shifts.insert(v.get<std::string>());
  CHECK(shifts == std::set<std::string>{"before", "after", "skip", "keep"});
  for (const auto& shift : shifts) {
    CAPTURE(shift);
    CHECK(LoaderAccepts("base: b, rules: [{day: 1, shift: " + shift + "}]"));
    CHECK(LoaderAccepts("base: b, shift: " + shift + ", rules: [{day: 1}]"));
  }
  CHECK_FALSE(LoaderAccepts("base: b, rules: [{day: 1, shift: cancel}]"));
}

TEST_CASE("holiday set enums equal kHolidaySets") {
  json s = Schema();
  const json& holidays = s.at("$defs").at("calendar").at("properties").at("holidays").at("oneOf");
  REQUIRE(holidays.size() == 2);
  std::set<std::string> scalar, listed;
  for (const auto& v : holidays[0].at("enum")) scalar.insert(v.get<std::string>());
  for (const auto& v : holidays[1].at("items").at("enum")) listed.insert(v.get<std::string>());
  CHECK(scalar == Set(kHolidaySets));
  CHECK(listed == Set(kHolidaySets));
}

TEST_CASE("numeric bounds in the schema are the loader's bounds") {
  json s = Schema();
  const json& cal = s.at("$defs").at("calendar").at("properties");
  const json& rule = s.at("$defs").at("rule").at("properties");
  struct Bound {
    const json* schema;
    std::string (*body)(long);
  };
  const std::vector<Bound> bounds = {
      {&cal.at("month_start").at("oneOf")[0],
       [](long v) { return "base: b, month_start: " + std::to_string(v) + ", rules: [{day: 1}]"; }},
      {&cal.at("max_shift"), [](long v) { return "base: b, max_shift: " + std::to_string(v) + ", rules: [{day: 1}]"; }},
      {&rule.at("max_shift"), [](long v) { return "base: b, rules: [{day: 1, max_shift: " + std::to_string(v) + "}]"; }},
      {&rule.at("offset"), [](long v) { return "base: b, rules: [{day: 1, offset: " + std::to_string(v) + "}]"; }},
  };
  for (const Bound& b : bounds) {
    long lo = b.schema->at("minimum"), hi = b.schema->at("maximum");
    CAPTURE(b.body(lo));
    CHECK(LoaderAccepts(b.body(lo)));
    CHECK(LoaderAccepts(b.body(hi)));
    CHECK_FALSE(LoaderAccepts(b.body(lo - 1)));
    CHECK_FALSE(LoaderAccepts(b.body(hi + 1)));
  }
}

TEST_CASE("integer day numbers: the schema allows exactly what the loader allows") {
  json s = Schema();
  const json& defs = s.at("$defs");
  // 'day' and 'business_day' (and their siblings) share one integer range in the schema.
  const json& integer = defs.at("daynumber").at("oneOf")[0];
  REQUIRE(integer.at("type") == "integer");
  auto schema_allows = [&](const json& schema, long v) {
    if (schema.contains("minimum") && v < schema.at("minimum").get<long>()) return false;
    if (schema.contains("maximum") && v > schema.at("maximum").get<long>()) return false;
    if (schema.contains("not") && schema.at("not").contains("const") && schema.at("not").at("const") == v)
      return false;
    return true;
  };
  const json& rule = defs.at("rule").at("properties");
  for (const char* selector : {"day", "nearest_weekday", "business_day", "closed_day"}) {
    // Follow the selector's $ref to the integer branch it uses.
    std::string ref = rule.at(selector).at("$ref");
    const json& numbers = s.at(json::json_pointer(ref.substr(1)));
    const json* branch = &integer;
    if (numbers.contains("oneOf") && numbers.at("oneOf")[0].contains("$ref")) {
      const json& one = s.at(json::json_pointer(numbers.at("oneOf")[0].at("$ref").get<std::string>().substr(1)));
      if (one.contains("oneOf")) branch = &one.at("oneOf")[0];
    }
    std::string mismatches;
    for (long v = -40; v <= 40; ++v) {
      bool loader = LoaderAccepts(std::string("base: b, rules: [{") + selector + ": " + std::to_string(v) + "}]");
      if (loader != schema_allows(*branch, v))
        mismatches += (mismatches.empty() ? "" : ",") + std::to_string(v) + (loader ? "(loader only)" : "(schema only)");
    }
    CAPTURE(selector);
    CHECK(mismatches == "");
  }
  // 'every' as an integer: the loader allows 1..3660 days.
  const json& every = rule.at("every").at("oneOf")[0];
  std::string mismatches;
  for (long v : {0L, 1L, 14L, 3660L, 3661L, 100000L}) {
    bool loader = LoaderAccepts("base: b, rules: [{every: " + std::to_string(v) + ", from: 2026-01-05}]");
    if (loader != schema_allows(every, v)) mismatches += (mismatches.empty() ? "" : ",") + std::to_string(v);
  }
  CHECK(mismatches == "");
}

TEST_CASE("schema patterns accept what the loader accepts") {
  json s = Schema();
  const json& defs = s.at("$defs");
  for (const char* spec : {"2026-05-01", "2026-08-10..2026-08-14", "12-29..01-03", "05-01"}) {
    CAPTURE(spec);
    CHECK(Matches(defs.at("datespec"), spec));
    CHECK(LoaderAccepts(std::string("closed: [") + spec + "]"));
  }
  for (const char* range : {"09:00-18:00", "9:00-18:00", "22:00-06:00", "09:00-29:00", "00:00-24:00"}) {
    CAPTURE(range);
    CHECK(Matches(defs.at("timerange"), range));
    CHECK(LoaderAccepts(std::string("hours: \"") + range + "\""));
  }
  for (const char* day : {"last", "last-3", "last-30"}) {
    CAPTURE(day);
    CHECK(Matches(defs.at("daynumber").at("oneOf")[1], day));
    CHECK(LoaderAccepts(std::string("base: b, rules: [{day: ") + day + "}]"));
  }
  const json& every = defs.at("rule").at("properties").at("every").at("oneOf")[1];
  for (const char* e : {"14", "14d", "2w"}) {
    CAPTURE(e);
    CHECK(Matches(every, e));
    CHECK(LoaderAccepts(std::string("base: b, rules: [{every: ") + e + ", from: 2026-01-05}]"));
  }
  const json& month_start = defs.at("calendar").at("properties").at("month_start").at("oneOf")[1];
  for (const char* ms : {"last", "31", "mon#1", "fri#last", "Monday#4"}) {
    CAPTURE(ms);
    CHECK(Matches(month_start, Lower(ms)));
    CHECK(LoaderAccepts(std::string("base: b, month_start: \"") + ms + "\", rules: [{day: 1}]"));
  }
  for (const char* ms : {"mon#5", "0", "32", "first"}) {
    CAPTURE(ms);
    CHECK_FALSE(Matches(month_start, ms));
    CHECK_FALSE(LoaderAccepts(std::string("base: b, month_start: \"") + ms + "\", rules: [{day: 1}]"));
  }
  for (const auto& v : defs.at("within").at("enum")) {
    CHECK(LoaderAccepts("base: b, within: " + v.get<std::string>() + ", rules: [{day: 1, shift: after}]"));
    CHECK(LoaderAccepts("base: b, rules: [{day: 1, shift: after, within: " + v.get<std::string>() + "}]"));
  }
  for (const auto& v : defs.at("calendar").at("properties").at("base_month").at("enum"))
    CHECK(LoaderAccepts("base: b, base_month: " + v.get<std::string>() + ", rules: [{day: 1}]"));
  for (const auto& v : defs.at("rule").at("properties").at("gotobi").at("oneOf")[1].at("enum")) {
    const std::string text = v.is_string() ? v.get<std::string>() : std::to_string(v.get<int>());
    CAPTURE(text);
    CHECK(LoaderAccepts("base: b, rules: [{gotobi: " + text + "}]"));
  }
  CHECK(Matches(defs.at("calendar").at("properties").at("day_start"), "05:00"));
  CHECK(Matches(defs.at("date"), "2026-01-05"));
  CHECK_FALSE(Matches(defs.at("date"), "2026-1-5"));
}

TEST_CASE("JpOverridesSchema parses and is closed") {
  json s;
  REQUIRE_NOTHROW(s = json::parse(JpOverridesSchema()));
  CHECK(s.at("$schema") == "https://json-schema.org/draft/2020-12/schema");
  CHECK(Keys(s.at("properties")) == std::set<std::string>{"published_through", "equinox", "add", "remove"});
  Walk(s, "", [&](const json& j, const std::string& path) {
    if (!j.contains("properties") || !j.at("properties").is_object()) return;
    if (path.size() >= 11 && path.compare(path.size() - 11, 11, "/properties") == 0) return;
    CAPTURE(path);
    CHECK(j.value("additionalProperties", true) == false);
  });
}

}  // TEST_SUITE
