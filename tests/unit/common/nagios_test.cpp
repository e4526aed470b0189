#include "common/nagios.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace hops {
namespace nagios {
namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

/// ParseRange that must succeed.
Range R(std::string_view text) {
  std::string err;
  const auto r = ParseRange(text, &err);
  REQUIRE_MESSAGE(r.has_value(), err);
  CHECK(err.empty());
  return *r;
}

/// The error ParseRange gives for @p text, or "(parsed)".
std::string RangeError(std::string_view text) {
  std::string err;
  const auto r = ParseRange(text, &err);
  return r ? "(parsed)" : err;
}

Perfdata P(std::string label, double value, std::string uom = "", std::string warn = "",
           std::string crit = "", std::optional<double> min = std::nullopt,
           std::optional<double> max = std::nullopt) {
  Perfdata p;
  p.label = std::move(label);
  p.value = value;
  p.uom = std::move(uom);
  p.warn = std::move(warn);
  p.crit = std::move(crit);
  p.min = min;
  p.max = max;
  return p;
}

/// Field-by-field equality, NaN equal to NaN.
bool Same(const Perfdata& a, const Perfdata& b) {
  const bool values = (std::isnan(a.value) && std::isnan(b.value)) || a.value == b.value;
  return a.label == b.label && values && a.uom == b.uom && a.warn == b.warn && a.crit == b.crit &&
         a.min == b.min && a.max == b.max;
}

/// ParsePerfdata that must succeed without errors.
std::vector<Perfdata> Parse(std::string_view text) {
  std::string err = "stale";
  auto list = ParsePerfdata(text, &err);
  CHECK_MESSAGE(err.empty(), err);
  return list;
}

Subcheck Node(State s, std::string output, std::vector<Subcheck> children = {}) {
  Subcheck n;
  n.state = s;
  n.output = std::move(output);
  n.children = std::move(children);
  return n;
}

}  // namespace

TEST_CASE("nagios: state names and words") {
  CHECK(std::string(StateName(State::kOk)) == "OK");
  CHECK(std::string(StateName(State::kWarning)) == "WARNING");
  CHECK(std::string(StateName(State::kCritical)) == "CRITICAL");
  CHECK(std::string(StateName(State::kUnknown)) == "UNKNOWN");
  CHECK(std::string(StateWord(State::kOk)) == "ok");
  CHECK(std::string(StateWord(State::kWarning)) == "warning");
  CHECK(std::string(StateWord(State::kCritical)) == "critical");
  CHECK(std::string(StateWord(State::kUnknown)) == "unknown");
  CHECK(static_cast<int>(State::kOk) == 0);
  CHECK(static_cast<int>(State::kWarning) == 1);
  CHECK(static_cast<int>(State::kCritical) == 2);
  CHECK(static_cast<int>(State::kUnknown) == 3);
}

TEST_CASE("nagios: ParseStateWord") {
  CHECK(ParseStateWord("ok") == State::kOk);
  CHECK(ParseStateWord("OK") == State::kOk);
  CHECK(ParseStateWord("Warning") == State::kWarning);
  CHECK(ParseStateWord("CRITICAL") == State::kCritical);
  CHECK(ParseStateWord("unknown") == State::kUnknown);
  CHECK(ParseStateWord("0") == State::kOk);
  CHECK(ParseStateWord("1") == State::kWarning);
  CHECK(ParseStateWord("2") == State::kCritical);
  CHECK(ParseStateWord("3") == State::kUnknown);
  CHECK_FALSE(ParseStateWord("4").has_value());
  CHECK_FALSE(ParseStateWord("-1").has_value());
  CHECK_FALSE(ParseStateWord("01").has_value());
  CHECK_FALSE(ParseStateWord("").has_value());
  CHECK_FALSE(ParseStateWord("warn").has_value());
  CHECK_FALSE(ParseStateWord("okay").has_value());
  CHECK_FALSE(ParseStateWord(" ok").has_value());
}

TEST_CASE("nagios: WorstOf orders CRITICAL > WARNING > UNKNOWN > OK for all 16 pairs") {
  const State o = State::kOk, w = State::kWarning, c = State::kCritical, u = State::kUnknown;
  CHECK(WorstOf(o, o) == o);
  CHECK(WorstOf(o, w) == w);
  CHECK(WorstOf(o, c) == c);
  CHECK(WorstOf(o, u) == u);
  CHECK(WorstOf(w, o) == w);
  CHECK(WorstOf(w, w) == w);
  CHECK(WorstOf(w, c) == c);
  CHECK(WorstOf(w, u) == w);
  CHECK(WorstOf(c, o) == c);
  CHECK(WorstOf(c, w) == c);
  CHECK(WorstOf(c, c) == c);
  CHECK(WorstOf(c, u) == c);
  CHECK(WorstOf(u, o) == u);
  CHECK(WorstOf(u, w) == w);
  CHECK(WorstOf(u, c) == c);
  CHECK(WorstOf(u, u) == u);
}

TEST_CASE("nagios: range '10' alerts below 0 and above 10") {
  const Range r = R("10");
  CHECK(r.start == 0);
  CHECK(r.end == 10);
  CHECK_FALSE(r.start_inf);
  CHECK_FALSE(r.end_inf);
  CHECK_FALSE(r.inside);
  CHECK(r.text == "10");
  CHECK(r.Alerts(-1));
  CHECK(r.Alerts(-0.001));
  CHECK_FALSE(r.Alerts(0));
  CHECK_FALSE(r.Alerts(5));
  CHECK_FALSE(r.Alerts(10));
  CHECK(r.Alerts(10.001));
  CHECK(r.Alerts(11));
}

TEST_CASE("nagios: range '10:' alerts below 10") {
  const Range r = R("10:");
  CHECK(r.start == 10);
  CHECK(r.end_inf);
  CHECK(r.Alerts(9));
  CHECK(r.Alerts(-100));
  CHECK_FALSE(r.Alerts(10));
  CHECK_FALSE(r.Alerts(11));
  CHECK_FALSE(r.Alerts(1e300));
}

TEST_CASE("nagios: range '~:10' alerts above 10") {
  const Range r = R("~:10");
  CHECK(r.start_inf);
  CHECK_FALSE(r.end_inf);
  CHECK(r.end == 10);
  CHECK_FALSE(r.Alerts(-1e300));
  CHECK_FALSE(r.Alerts(-1));
  CHECK_FALSE(r.Alerts(10));
  CHECK(r.Alerts(11));
}

TEST_CASE("nagios: range '10:20' alerts outside 10..20") {
  const Range r = R("10:20");
  CHECK(r.Alerts(9));
  CHECK_FALSE(r.Alerts(10));
  CHECK_FALSE(r.Alerts(15));
  CHECK_FALSE(r.Alerts(20));
  CHECK(r.Alerts(21));
}

TEST_CASE("nagios: range '@10:20' alerts inside 10..20") {
  const Range r = R("@10:20");
  CHECK(r.inside);
  CHECK(r.text == "@10:20");
  CHECK_FALSE(r.Alerts(9));
  CHECK(r.Alerts(10));
  CHECK(r.Alerts(15));
  CHECK(r.Alerts(20));
  CHECK_FALSE(r.Alerts(21));
}

TEST_CASE("nagios: other range forms") {
  SUBCASE("'@10' alerts inside 0..10") {
    const Range r = R("@10");
    CHECK(r.Alerts(0));
    CHECK(r.Alerts(10));
    CHECK_FALSE(r.Alerts(-1));
    CHECK_FALSE(r.Alerts(11));
  }
  SUBCASE("':10' means 0..10") {
    const Range r = R(":10");
    CHECK(r.start == 0);
    CHECK_FALSE(r.start_inf);
    CHECK(r.Alerts(-1));
    CHECK_FALSE(r.Alerts(10));
    CHECK(r.Alerts(11));
  }
  SUBCASE("'~:' never alerts and '@~:' always does") {
    const Range never = R("~:");
    CHECK(never.start_inf);
    CHECK(never.end_inf);
    CHECK_FALSE(never.Alerts(-1e300));
    CHECK_FALSE(never.Alerts(1e300));
    const Range always = R("@~:");
    CHECK(always.Alerts(-1e300));
    CHECK(always.Alerts(0));
    CHECK(always.Alerts(1e300));
  }
  SUBCASE("'@~:10' alerts at or below 10") {
    const Range r = R("@~:10");
    CHECK(r.Alerts(-5));
    CHECK(r.Alerts(10));
    CHECK_FALSE(r.Alerts(10.5));
  }
  SUBCASE("'5:5' is a single point") {
    const Range r = R("5:5");
    CHECK_FALSE(r.Alerts(5));
    CHECK(r.Alerts(4.999));
    CHECK(r.Alerts(5.001));
  }
  SUBCASE("surrounding blanks are dropped") {
    const Range r = R("  10:20 ");
    CHECK(r.text == "10:20");
    CHECK(r.start == 10);
  }
  SUBCASE("NaN never alerts") {
    CHECK_FALSE(R("10").Alerts(kNaN));
    CHECK_FALSE(R("@10:20").Alerts(kNaN));
  }
  SUBCASE("the default Range is 0..inf") {
    const Range r;
    CHECK(r.Alerts(-1));
    CHECK_FALSE(r.Alerts(0));
    CHECK_FALSE(r.Alerts(1e300));
  }
}

TEST_CASE("nagios: ranges with decimals and negatives") {
  const Range a = R("0.5:1.25");
  CHECK(a.start == 0.5);
  CHECK(a.end == 1.25);
  CHECK(a.Alerts(0.49));
  CHECK_FALSE(a.Alerts(0.5));
  CHECK_FALSE(a.Alerts(1.25));
  CHECK(a.Alerts(1.26));

  const Range b = R("-10:-5");
  CHECK(b.start == -10);
  CHECK(b.end == -5);
  CHECK(b.Alerts(-11));
  CHECK_FALSE(b.Alerts(-7.5));
  CHECK(b.Alerts(-4));

  const Range c = R("@-1.5:+2.5");
  CHECK(c.Alerts(-1.5));
  CHECK(c.Alerts(0));
  CHECK(c.Alerts(2.5));
  CHECK_FALSE(c.Alerts(2.6));

  const Range d = R("-3:");
  CHECK(d.Alerts(-3.1));
  CHECK_FALSE(d.Alerts(-3));

  CHECK(R(".5").end == 0.5);
  CHECK(R("1e3").end == 1000);
}

TEST_CASE("nagios: range errors") {
  CHECK(RangeError("") == "empty range");
  CHECK(RangeError("   ") == "empty range");
  CHECK(RangeError("@") == "range '@' has no bounds");
  CHECK(RangeError(":") == "range ':' has neither start nor end");
  CHECK(RangeError("@:") == "range '@:' has neither start nor end");
  CHECK(RangeError("20:10") == "range '20:10' has start 20 greater than end 10");
  CHECK(RangeError("@2.5:-1") == "range '@2.5:-1' has start 2.5 greater than end -1");
  CHECK(RangeError("abc") == "bad number 'abc' in range 'abc'");
  CHECK(RangeError("abc:10") == "bad number 'abc' in range 'abc:10'");
  CHECK(RangeError("10:abc") == "bad number 'abc' in range '10:abc'");
  CHECK(RangeError("~") == "bad number '~' in range '~'");
  CHECK(RangeError("10:~") == "bad number '~' in range '10:~'");
  CHECK(RangeError("10:20:30") == "bad number '20:30' in range '10:20:30'");
  CHECK(RangeError("@@10") == "bad number '@10' in range '@@10'");
  CHECK(RangeError("10s") == "bad number '10s' in range '10s'");
  CHECK(RangeError("1,5") == "bad number '1,5' in range '1,5'");
  CHECK(RangeError("inf") == "bad number 'inf' in range 'inf'");
  CHECK(RangeError("nan") == "bad number 'nan' in range 'nan'");
  CHECK(RangeError("1e999") == "bad number '1e999' in range '1e999'");
  CHECK(RangeError("-") == "bad number '-' in range '-'");
  CHECK(RangeError(".") == "bad number '.' in range '.'");
  CHECK_FALSE(ParseRange("20:10", nullptr).has_value());  // a null err is allowed
  CHECK(ParseRange("10", nullptr).has_value());
}

TEST_CASE("nagios: time ranges take durations in m, s and ms, converted to the unit") {
  auto text = [](const char* range, RangeUnit unit) {
    std::string err;
    auto r = ParseRange(range, &err, unit);
    return r ? r->text : "error: " + err;
  };
  CHECK(text("500ms", RangeUnit::kSeconds) == "0.5");
  CHECK(text("2s", RangeUnit::kSeconds) == "2");
  CHECK(text("1m30s", RangeUnit::kSeconds) == "90");
  CHECK(text("@500ms:2s", RangeUnit::kSeconds) == "@0.5:2");
  CHECK(text("~:1s", RangeUnit::kSeconds) == "~:1");
  CHECK(text("1s:", RangeUnit::kSeconds) == "1:");
  CHECK(text(":250ms", RangeUnit::kSeconds) == ":0.25");
  CHECK(text("0.5:2s", RangeUnit::kSeconds) == "0.5:2");
  CHECK(text("1s", RangeUnit::kMilliseconds) == "1000");
  CHECK(text("~:200ms", RangeUnit::kMilliseconds) == "~:200");
  // Plain numbers are in the unit already and keep their text.
  CHECK(text("2", RangeUnit::kSeconds) == "2");
  CHECK(text("@0.5:2", RangeUnit::kSeconds) == "@0.5:2");
  CHECK(text("150", RangeUnit::kMilliseconds) == "150");
  auto r = ParseRange("@500ms:2s", nullptr, RangeUnit::kSeconds);
  REQUIRE(r);
  CHECK(r->start == 0.5);
  CHECK(r->end == 2);
  CHECK(r->Alerts(1));
  CHECK_FALSE(r->Alerts(2.5));
  // A plain range takes no units.
  CHECK(text("2s", RangeUnit::kNumber) == "error: bad number '2s' in range '2s'");
}

TEST_CASE("nagios: time ranges refuse hours, days, weeks and malformed durations") {
  auto err = [](const char* range, RangeUnit unit) {
    std::string e;
    CHECK_FALSE(ParseRange(range, &e, unit).has_value());
    return e;
  };
  const std::string hint = "plain numbers are seconds (2, 0.5); durations take ms, s or m (500ms, 2s, 1m)";
  CHECK(err("30d", RangeUnit::kSeconds) == "'30d' in range '30d' is too long for a response time: " + hint);
  CHECK(err("1h", RangeUnit::kSeconds) == "'1h' in range '1h' is too long for a response time: " + hint);
  CHECK(err("~:1w", RangeUnit::kSeconds) == "'1w' in range '~:1w' is too long for a response time: " + hint);
  CHECK(err("1d2h:2d", RangeUnit::kSeconds) == "'1d2h' in range '1d2h:2d' is too long for a response time: " + hint);
  CHECK(err("2sec", RangeUnit::kSeconds) == "bad time '2sec' in range '2sec': " + hint);
  CHECK(err("1.5s", RangeUnit::kSeconds) == "bad time '1.5s' in range '1.5s': " + hint);
  CHECK(err("-2s", RangeUnit::kSeconds) == "bad time '-2s' in range '-2s': " + hint);
  CHECK(err("2s:1s", RangeUnit::kSeconds) == "range '2s:1s' has start 2 greater than end 1");
  CHECK(err("30d", RangeUnit::kMilliseconds) ==
        "'30d' in range '30d' is too long for a response time: plain numbers are milliseconds (200, 0.5); "
        "durations take ms, s or m (200ms, 1s)");
}

TEST_CASE("nagios: Thresholds check critical before warning") {
  Thresholds t;
  t.warning = R("10");
  t.critical = R("20");
  CHECK(t.Evaluate(5) == State::kOk);
  CHECK(t.Evaluate(10) == State::kOk);
  CHECK(t.Evaluate(15) == State::kWarning);
  CHECK(t.Evaluate(25) == State::kCritical);  // both alert: critical wins
  CHECK(t.Evaluate(-1) == State::kCritical);
  CHECK(t.Evaluate(kNaN) == State::kUnknown);

  SUBCASE("critical narrower than warning still wins") {
    Thresholds u;
    u.warning = R("@0:100");
    u.critical = R("@50:60");
    CHECK(u.Evaluate(55) == State::kCritical);
    CHECK(u.Evaluate(20) == State::kWarning);
    CHECK(u.Evaluate(150) == State::kOk);
  }
  SUBCASE("only a warning") {
    Thresholds u;
    u.warning = R("~:1");
    CHECK(u.Evaluate(2) == State::kWarning);
    CHECK(u.Evaluate(1) == State::kOk);
  }
  SUBCASE("only a critical") {
    Thresholds u;
    u.critical = R("30:");
    CHECK(u.Evaluate(29) == State::kCritical);
    CHECK(u.Evaluate(30) == State::kOk);
  }
  SUBCASE("none") {
    CHECK(Thresholds().Evaluate(1e9) == State::kOk);
    CHECK(Thresholds().Evaluate(kNaN) == State::kUnknown);
  }
}

TEST_CASE("nagios: FormatPerfNumber") {
  CHECK(FormatPerfNumber(0) == "0");
  CHECK(FormatPerfNumber(-0.0) == "0");
  CHECK(FormatPerfNumber(3) == "3");
  CHECK(FormatPerfNumber(-3) == "-3");
  CHECK(FormatPerfNumber(0.125) == "0.125");
  CHECK(FormatPerfNumber(0.012) == "0.012");
  CHECK(FormatPerfNumber(0.236846) == "0.236846");
  CHECK(FormatPerfNumber(0.1 + 0.2) == "0.3");
  CHECK(FormatPerfNumber(1.0 / 3) == "0.333333");
  CHECK(FormatPerfNumber(2.0 / 3) == "0.666667");
  CHECK(FormatPerfNumber(1234.56789) == "1234.56789");
  CHECK(FormatPerfNumber(1234.5678912) == "1234.567891");
  CHECK(FormatPerfNumber(1e-6) == "0.000001");
  CHECK(FormatPerfNumber(1.234e-7) == "0.0000001234");
  CHECK(FormatPerfNumber(-0.0000025) == "-0.0000025");
  CHECK(FormatPerfNumber(1e-30) == "0");
  CHECK(FormatPerfNumber(5e9) == "5000000000");
  CHECK(FormatPerfNumber(1e21) == "1000000000000000000000");
  CHECK(FormatPerfNumber(kNaN) == "U");
  CHECK(FormatPerfNumber(std::numeric_limits<double>::infinity()) == "U");
}

TEST_CASE("nagios: FormatPerfdata") {
  CHECK(FormatPerfdata(P("time", 0.012, "s", "1", "2", 0.0)) == "time=0.012s;1;2;0");
  CHECK(FormatPerfdata(P("users", 3)) == "users=3");
  CHECK(FormatPerfdata(P("x", 0.125, "", "", "", 0.0)) == "x=0.125;;;0");
  CHECK(FormatPerfdata(P("x", 1, "", "5")) == "x=1;5");
  CHECK(FormatPerfdata(P("x", 1, "", "", "9")) == "x=1;;9");
  CHECK(FormatPerfdata(P("x", 1, "%", "", "", std::nullopt, 100.0)) == "x=1%;;;;100");
  CHECK(FormatPerfdata(P("x", 1, "B", "@1:2", "~:3", -1.5, 2.25)) == "x=1B;@1:2;~:3;-1.5;2.25");
  CHECK(FormatPerfdata(P("/ used", 1234, "MB", "3000", "4000", 0.0, 5000.0)) ==
        "'/ used'=1234MB;3000;4000;0;5000");
  CHECK(FormatPerfdata(P("it's", 1)) == "'it''s'=1");
  CHECK(FormatPerfdata(P("a=b", 1)) == "'a=b'=1");
  CHECK(FormatPerfdata(P("tab\there", 1)) == "'tab\there'=1");
  CHECK(FormatPerfdata(P("", 1)) == "''=1");
  CHECK(FormatPerfdata(P("/var/log", 1, "c")) == "/var/log=1c");
  CHECK(FormatPerfdata(P("rta", kNaN, "ms", "100", "200", 0.0)) == "rta=U;100;200;0");
  CHECK(FormatPerfdata(P("rta", kNaN, "ms")) == "rta=U");
}

TEST_CASE("nagios: FormatPerfdataList") {
  CHECK(FormatPerfdataList({}).empty());
  CHECK(FormatPerfdataList({P("a", 1)}) == "a=1");
  CHECK(FormatPerfdataList({P("a", 1), P("b c", 2, "s"), P("d", kNaN)}) == "a=1 'b c'=2s d=U");
}

TEST_CASE("nagios: ParsePerfdata of check_http output") {
  const auto list = Parse("time=0.236846s;;;0.000000 size=434B;;;0");
  REQUIRE(list.size() == 2);
  CHECK(Same(list[0], P("time", 0.236846, "s", "", "", 0.0)));
  CHECK(Same(list[1], P("size", 434, "B", "", "", 0.0)));
  CHECK(FormatPerfdataList(list) == "time=0.236846s;;;0 size=434B;;;0");
}

TEST_CASE("nagios: ParsePerfdata of check_disk output with quoted labels") {
  const auto list = Parse("'/ used'=1234MB;3000;4000;0;5000 '/boot used'=120MB;400;450;0;500");
  REQUIRE(list.size() == 2);
  CHECK(Same(list[0], P("/ used", 1234, "MB", "3000", "4000", 0.0, 5000.0)));
  CHECK(Same(list[1], P("/boot used", 120, "MB", "400", "450", 0.0, 500.0)));

  const auto plain = Parse("/=2643MB;15089;16975;0;18862 /var=1.5GB;;;0;10");
  REQUIRE(plain.size() == 2);
  CHECK(Same(plain[0], P("/", 2643, "MB", "15089", "16975", 0.0, 18862.0)));
  CHECK(Same(plain[1], P("/var", 1.5, "GB", "", "", 0.0, 10.0)));

  const auto quote = Parse("'it''s here'=1 ''''=2");
  REQUIRE(quote.size() == 2);
  CHECK(quote[0].label == "it's here");
  CHECK(quote[1].label == "'");
}

TEST_CASE("nagios: ParsePerfdata of check_load output with a trailing semicolon") {
  const auto list = Parse(
      "load1=0.010;15.000;30.000;0; load5=0.030;10.000;25.000;0; load15=0.050;5.000;20.000;0; ");
  REQUIRE(list.size() == 3);
  CHECK(Same(list[0], P("load1", 0.01, "", "15.000", "30.000", 0.0)));
  CHECK(Same(list[1], P("load5", 0.03, "", "10.000", "25.000", 0.0)));
  CHECK(Same(list[2], P("load15", 0.05, "", "5.000", "20.000", 0.0)));
  CHECK(FormatPerfdataList(list) ==
        "load1=0.01;15.000;30.000;0 load5=0.03;10.000;25.000;0 load15=0.05;5.000;20.000;0");
}

TEST_CASE("nagios: ParsePerfdata of 'U' values, counters, negatives and odd spacing") {
  const auto list = Parse("  'rta'=U;100;200;0   pl=Uq  octets=123456c  temp=-4.5;~:30;~:40  ");
  REQUIRE(list.size() == 4);
  CHECK(Same(list[0], P("rta", kNaN, "", "100", "200", 0.0)));
  CHECK(Same(list[1], P("pl", kNaN, "q")));
  CHECK(Same(list[2], P("octets", 123456, "c")));
  CHECK(Same(list[3], P("temp", -4.5, "", "~:30", "~:40")));

  const auto mins = Parse("time=0.5s;1;2;0s;10s a=1e3;;;;2E1 b=+2");
  REQUIRE(mins.size() == 3);
  CHECK(Same(mins[0], P("time", 0.5, "s", "1", "2", 0.0, 10.0)));
  CHECK(Same(mins[1], P("a", 1000, "", "", "", std::nullopt, 20.0)));
  CHECK(Same(mins[2], P("b", 2)));
  CHECK(Parse("").empty());
  CHECK(Parse(" \t\n ").empty());
}

TEST_CASE("nagios: ParsePerfdata reports malformed items and keeps the rest") {
  std::string err;
  auto list = ParsePerfdata("a=1 novalue b=2", &err);
  REQUIRE(list.size() == 2);
  CHECK(list[0].label == "a");
  CHECK(list[1].label == "b");
  CHECK(err == "malformed perfdata item 'novalue': missing '='");

  list = ParsePerfdata("x= y=abc z=3 =4 w=1;2;3;4;5;6 v=5;;;zero u=1;;;;ten", &err);
  REQUIRE(list.size() == 1);
  CHECK(list[0].label == "z");
  CHECK(err ==
        "malformed perfdata item 'x=': missing value; "
        "malformed perfdata item 'y=abc': bad value 'abc'; "
        "malformed perfdata item '=4': empty label; "
        "malformed perfdata item 'w=1;2;3;4;5;6': more than 5 fields; "
        "malformed perfdata item 'v=5;;;zero': bad min 'zero'; "
        "malformed perfdata item 'u=1;;;;ten': bad max 'ten'");

  list = ParsePerfdata("a=1.2.3 b=1..2 c=1;;;0ms d=1s;;;0ms", &err);
  REQUIRE(list.empty());
  CHECK(err ==
        "malformed perfdata item 'a=1.2.3': bad value '1.2.3'; "
        "malformed perfdata item 'b=1..2': bad value '1..2'; "
        "malformed perfdata item 'c=1;;;0ms': bad min '0ms'; "
        "malformed perfdata item 'd=1s;;;0ms': bad min '0ms'");

  list = ParsePerfdata("ok=1 'unterminated=2 more=3", &err);
  REQUIRE(list.size() == 1);
  CHECK(err == "malformed perfdata item ''unterminated=2 more=3': unterminated quote");

  list = ParsePerfdata("'a b' =1 c=1", &err);
  REQUIRE(list.size() == 1);
  CHECK(list[0].label == "c");
  CHECK(err == "malformed perfdata item ''a b'': missing '='; "
               "malformed perfdata item '=1': empty label");

  list = ParsePerfdata("a=1;;;;;", &err);  // extra empty fields are tolerated
  REQUIRE(list.size() == 1);
  CHECK(err.empty());
  CHECK(ParsePerfdata("bad", nullptr).empty());  // a null err is allowed
}

TEST_CASE("nagios: perfdata round-trips through Format and Parse") {
  const std::vector<Perfdata> items = {
      P("time", 0.012, "s", "1", "2", 0.0),
      P("/ used", 1234, "MB", "3000", "4000", 0.0, 5000.0),
      P("it's = odd", -2.5, "%", "@1:2", "~:3", -10.0, 10.0),
      P("unknown", kNaN, "", "5"),
      P("count", 7, "c", "", "", std::nullopt, 99.0),
      P("tiny", 0.0000015, "s"),
  };
  const std::string text = FormatPerfdataList(items);
  const auto back = Parse(text);
  REQUIRE(back.size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) CHECK_MESSAGE(Same(back[i], items[i]), text);
  CHECK(FormatPerfdataList(back) == text);

  const std::string real = "'/ used'=1234MB;3000;4000;0;5000 time=0.236846s;;;0 load1=U";
  CHECK(FormatPerfdataList(Parse(real)) == real);
}

TEST_CASE("nagios: ParsePluginOutput of a single line") {
  const PluginOutput o = ParsePluginOutput(
      "HTTP CRITICAL: HTTP/1.1 200 OK - 434 bytes in 0.237 second response time "
      "|time=0.236846s;;;0.000000 size=434B;;;0\n");
  CHECK(o.status_line ==
        "HTTP CRITICAL: HTTP/1.1 200 OK - 434 bytes in 0.237 second response time");
  CHECK(o.long_output.empty());
  REQUIRE(o.perfdata.size() == 2);
  CHECK(Same(o.perfdata[0], P("time", 0.236846, "s", "", "", 0.0)));
  CHECK(Same(o.perfdata[1], P("size", 434, "B", "", "", 0.0)));

  const PluginOutput plain = ParsePluginOutput("DISK OK");
  CHECK(plain.status_line == "DISK OK");
  CHECK(plain.long_output.empty());
  CHECK(plain.perfdata.empty());

  const PluginOutput empty = ParsePluginOutput("");
  CHECK(empty.status_line.empty());
  CHECK(empty.long_output.empty());
  CHECK(empty.perfdata.empty());
}

TEST_CASE("nagios: ParsePluginOutput of the Nagios 3 multi-line format") {
  const std::string text =
      "DISK OK - free space: / 3326 MB (56%); | /=2643MB;5948;5958;0;5968\r\n"
      "/ 15272 MB (77%);\n"
      "/boot 68 MB (69%);\n"
      "/home 69357 MB (27%);\n"
      "/var/log 819 MB (84%); | /boot=68MB;88;93;0;98\n"
      "/home=69357MB;253404;253409;0;253414 \n"
      "'/var/log'=818MB;970;975;0;980\n";
  std::string err = "stale";
  const PluginOutput o = ParsePluginOutput(text, &err);
  CHECK(err.empty());
  CHECK(o.status_line == "DISK OK - free space: / 3326 MB (56%);");
  CHECK(o.long_output ==
        "/ 15272 MB (77%);\n/boot 68 MB (69%);\n/home 69357 MB (27%);\n/var/log 819 MB (84%);");
  REQUIRE(o.perfdata.size() == 4);
  CHECK(Same(o.perfdata[0], P("/", 2643, "MB", "5948", "5958", 0.0, 5968.0)));
  CHECK(Same(o.perfdata[1], P("/boot", 68, "MB", "88", "93", 0.0, 98.0)));
  CHECK(Same(o.perfdata[2], P("/home", 69357, "MB", "253404", "253409", 0.0, 253414.0)));
  CHECK(Same(o.perfdata[3], P("/var/log", 818, "MB", "970", "975", 0.0, 980.0)));
}

TEST_CASE("nagios: ParsePluginOutput edge cases") {
  SUBCASE("perfdata only on a later line, which starts with '|'") {
    const PluginOutput o = ParsePluginOutput("OK - fine\ndetail one\n| a=1 b=2\n");
    CHECK(o.status_line == "OK - fine");
    CHECK(o.long_output == "detail one");
    REQUIRE(o.perfdata.size() == 2);
    CHECK(o.perfdata[1].label == "b");
  }
  SUBCASE("long output keeps inner blank lines and drops trailing ones") {
    const PluginOutput o = ParsePluginOutput("OK\nline 1\n\n  line 3\n\n\n");
    CHECK(o.long_output == "line 1\n\n  line 3");
    CHECK(o.perfdata.empty());
  }
  SUBCASE("a bad perfdata item is reported and the rest kept") {
    std::string err;
    const PluginOutput o = ParsePluginOutput("WARNING - x | a=1 junk\nmore | b=2\n", &err);
    CHECK(o.status_line == "WARNING - x");
    CHECK(o.long_output == "more");
    REQUIRE(o.perfdata.size() == 2);
    CHECK(err == "malformed perfdata item 'junk': missing '='");
  }
  SUBCASE("an empty first line") {
    const PluginOutput o = ParsePluginOutput("\nsecond\n");
    CHECK(o.status_line.empty());
    CHECK(o.long_output == "second");
  }
}

TEST_CASE("nagios: StatusLine") {
  CHECK(StatusLine("http", State::kOk, "200 in 0.012 s", {P("time", 0.012, "s", "1", "2", 0.0)}) ==
        "HTTP OK - 200 in 0.012 s | time=0.012s;1;2;0");
  CHECK(StatusLine("Disk-Root", State::kWarning, "91% used", {}) == "DISK-ROOT WARNING - 91% used");
  CHECK(StatusLine("tcp", State::kCritical, "", {}) == "TCP CRITICAL");
  CHECK(StatusLine("", State::kUnknown, "timed out", {}) == "UNKNOWN - timed out");
  CHECK(StatusLine("", State::kOk, "", {P("a", 1)}) == "OK | a=1");
  CHECK(StatusLine("log", State::kCritical, "match a|b\nnext", {P("n", 2)}) ==
        "LOG CRITICAL - match a\u00a6b next | n=2");
  CHECK(StatusLine("héllo", State::kOk, "x", {}) == "HéLLO OK - x");  // ASCII-only upper-casing

  const PluginOutput back =
      ParsePluginOutput(StatusLine("http", State::kOk, "up", {P("'q' t", 1.5, "s")}));
  CHECK(back.status_line == "HTTP OK - up");
  REQUIRE(back.perfdata.size() == 1);
  CHECK(Same(back.perfdata[0], P("'q' t", 1.5, "s")));
}

TEST_CASE("nagios: OverallState over a result tree") {
  CHECK(OverallState(Node(State::kOk, "alone")) == State::kOk);
  CHECK(OverallState(Node(State::kUnknown, "alone")) == State::kUnknown);
  CHECK(OverallState(Node(State::kOk, "r", {Node(State::kOk, "a"), Node(State::kUnknown, "b")})) ==
        State::kUnknown);
  CHECK(OverallState(Node(State::kUnknown, "r", {Node(State::kWarning, "a")})) == State::kWarning);
  CHECK(OverallState(Node(State::kCritical, "r", {Node(State::kOk, "a")})) == State::kCritical);
  // A critical grandchild wins over a warning child and an OK root.
  const Subcheck deep =
      Node(State::kOk, "r",
           {Node(State::kWarning, "a"), Node(State::kOk, "b", {Node(State::kCritical, "b1")})});
  CHECK(OverallState(deep) == State::kCritical);
  CHECK(OverallState(deep.children[0]) == State::kWarning);
  CHECK(OverallState(deep.children[1]) == State::kCritical);
}

TEST_CASE("nagios: a '|' in the summary or the long output never splits the perfdata") {
  const std::string text = PluginText("http", State::kCritical, "body does not match 'zz|yy'",
                                      "PASS: status 200\nFAIL (critical): body does not match 'zz|yy'",
                                      {P("time", 0.5, "s")});
  CHECK(text == "HTTP CRITICAL - body does not match 'zz\u00a6yy' | time=0.5s\n"
                "PASS: status 200\nFAIL (critical): body does not match 'zz\u00a6yy'\n");
  std::string err;
  const PluginOutput back = ParsePluginOutput(text, &err);
  CHECK(err.empty());
  REQUIRE(back.perfdata.size() == 1);
  CHECK(back.perfdata[0].label == "time");
  CHECK(back.long_output.find("zz\u00a6yy") != std::string::npos);
}

TEST_CASE("nagios: RenderText, CollectPerfdata and RenderPluginOutput") {
  Subcheck root = Node(
      State::kOk, "3 checks",
      {Node(State::kOk, "web up"),
       Node(State::kOk, "disks", {Node(State::kWarning, "/var 91%"), Node(State::kOk, "/ 40%")}),
       Node(State::kUnknown, "dns: a|b\nfailed")});
  root.perfdata = {P("checks", 3)};
  root.children[0].perfdata = {P("time", 0.012, "s")};
  root.children[1].children[0].perfdata = {P("/var used", 91, "%", "90", "95", 0.0, 100.0)};

  CHECK(RenderText(root) ==
        "3 checks\n"
        "\t\\_[OK] - web up\n"
        "\t\\_[WARNING] - disks\n"
        "\t\t\\_[WARNING] - /var 91%\n"
        "\t\t\\_[OK] - / 40%\n"
        "\t\\_[UNKNOWN] - dns: a\u00a6b failed");
  CHECK(RenderText(Node(State::kCritical, "only")) == "only");

  const auto all = CollectPerfdata(root);
  REQUIRE(all.size() == 3);
  CHECK(all[0].label == "checks");
  CHECK(all[1].label == "time");
  CHECK(all[2].label == "/var used");
  CHECK(CollectPerfdata(Node(State::kOk, "none")).empty());

  const std::string out = RenderPluginOutput("hmon", root);
  CHECK(out ==
        "HMON WARNING - 3 checks | checks=3 time=0.012s '/var used'=91%;90;95;0;100\n"
        "\t\\_[OK] - web up\n"
        "\t\\_[WARNING] - disks\n"
        "\t\t\\_[WARNING] - /var 91%\n"
        "\t\t\\_[OK] - / 40%\n"
        "\t\\_[UNKNOWN] - dns: a\u00a6b failed\n");

  // What Nagios would read back from it.
  const PluginOutput back = ParsePluginOutput(out);
  CHECK(back.status_line == "HMON WARNING - 3 checks");
  CHECK(back.perfdata.size() == 3);
  CHECK(back.long_output.find("\t\\_[UNKNOWN] - dns: a\u00a6b failed") != std::string::npos);

  CHECK(RenderPluginOutput("x", Node(State::kOk, "fine")) == "X OK - fine\n");
}

}  // namespace nagios
}  // namespace hops
