// `when:` conditions: parsing with positions and evaluation.
#include "tests/unit/hjob-run/print.hpp"

#include <map>

#include "cmd/hjob-run/condition.hpp"

using namespace hops::job;

namespace {

bool Eval(const std::string& text, const std::map<std::string, std::string>& values) {
  Condition c = ParseCondition(text, {"f.yaml", 1, 1}, text);
  return EvaluateCondition(c, [&](const Ref& r) {
    std::string key;
    switch (r.kind) {
      case Ref::Kind::kJobStatus: key = r.name + ".status"; break;
      case Ref::Kind::kJobExitCode: key = r.name + ".exit_code"; break;
      case Ref::Kind::kJobOutput: key = r.name + ".output"; break;
      case Ref::Kind::kOutput: key = "out." + r.name; break;
      case Ref::Kind::kParam: key = "param." + r.name; break;
    }
    auto it = values.find(key);
    return it == values.end() ? std::string() : it->second;
  });
}

std::string Error(const std::string& text) {
  try {
    ParseCondition(text, {"f.yaml", 3, 10}, "    when: " + text);
  } catch (const hops::DefinitionError& e) {
    return e.loc().Str() + ": " + e.message();
  }
  return "(no error)";
}

}  // namespace

TEST_SUITE("hjob-run condition") {
  TEST_CASE("statuses, numbers, strings, and the boolean operators") {
    const std::map<std::string, std::string> v = {{"a.status", "success"}, {"a.exit_code", "0"}, {"b.status", "failed"},
                                                  {"b.exit_code", "12"},   {"out.ROWS", "100"},   {"param.mode", "full run"}};
    CHECK(Eval("jobs.a.status == success", v));
    CHECK_FALSE(Eval("jobs.b.status == success", v));
    CHECK(Eval("jobs.b.status == failed && jobs.b.exit_code > 9", v));  // numeric, not "12" < "9"
    CHECK(Eval("outputs.ROWS >= 100 || jobs.a.status == failed", v));
    CHECK(Eval("!(jobs.a.status != success)", v));
    CHECK(Eval("params.mode == 'full run'", v));
    CHECK(Eval("params.mode == \"full run\"", v));
    CHECK(Eval("outputs.ROWS", v));             // a value alone: true unless "", "0" or "false"
    CHECK_FALSE(Eval("jobs.a.exit_code", v));   // "0"
    CHECK_FALSE(Eval("outputs.NONE", v));       // ""
    CHECK(Eval("outputs.NONE == ''", v));
    CHECK(Eval("params.mode > 'a'", v));        // strings compare as bytes
  }

  TEST_CASE("references are collected with their offsets") {
    Condition c = ParseCondition("jobs.a.status == success && outputs.X", {"f", 1, 1}, "");
    REQUIRE(c.refs.size() == 2);
    CHECK(c.refs[0].kind == Ref::Kind::kJobStatus);
    CHECK(c.refs[0].name == "a");
    CHECK(c.refs[1].kind == Ref::Kind::kOutput);
    CHECK(c.refs[1].offset == 28);
  }

  TEST_CASE("errors point into the condition") {
    CHECK(Error("jobs.a.status == ") == "f.yaml:3:27: condition ends where a value is expected");
    CHECK(Error("(jobs.a.status == success") == "f.yaml:3:10: missing ')' in condition");
    CHECK(Error("jobs.a.stauts == success") == "f.yaml:3:17: unknown job field 'stauts', did you mean 'status'?");
    CHECK(Error("job.a.status == success") == "f.yaml:3:10: unknown reference 'job.a.status', did you mean 'jobs'?");
    CHECK(Error("jobs.a.status == succes") == "f.yaml:3:27: unknown job status 'succes', did you mean 'success'?");
    CHECK(Error("outputs.X == 'open") == "f.yaml:3:23: unterminated string in condition");
    CHECK(Error("a ; b") == "f.yaml:3:12: unexpected character ';' in condition");
    CHECK(Error("") == "f.yaml:3:10: empty condition");
    CHECK(Error("a b") == "f.yaml:3:12: unexpected 'b' in condition");
  }
}
