// Flow definitions: the loader's errors with their exact positions, the DAG, end values, retries
// and parameters.
#include "tests/unit/hjob-run/print.hpp"

#include "cmd/hjob-run/flow.hpp"
#include "tests/unit/testing/peer.hpp"

using hops::DefinitionError;
using hops::YamlDoc;
using namespace hops::job;

namespace {

/// Every error of @p text as "line:column: message" lines.
std::vector<std::string> Errors(const std::string& text) {
  std::vector<DefinitionError> errors;
  LoadFlow(YamlDoc::FromString(text, "f.yaml"), &errors);
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(std::to_string(e.loc().line) + ":" + std::to_string(e.loc().column) + ": " + e.message());
  return out;
}

std::shared_ptr<const FlowDef> Load(const std::string& text) {
  std::vector<DefinitionError> errors;
  auto flow = LoadFlow(YamlDoc::FromString(text, "f.yaml"), &errors);
  for (const auto& e : errors) FAIL(e.what());
  return flow;
}

std::vector<std::string> Ids(const std::vector<const JobDef*>& jobs) {
  std::vector<std::string> out;
  for (const auto* j : jobs) out.push_back(j->id);
  return out;
}

}  // namespace

TEST_SUITE("hjob-run flow") {
  TEST_CASE("a flow loads its jobs, kinds, defaults and parameters") {
    auto f = Load(
        "name: nightly\n"
        "params:\n"
        "  date: ''\n"
        "  env: {default: prod, description: where}\n"
        "  target:\n"
        "defaults:\n"
        "  timeout: 10m\n"
        "  retry: {count: 2, delay: 30s, backoff: 2}\n"
        "  env: {LANG: C}\n"
        "jobs:\n"
        "  extract: {run: [/opt/extract, --all]}\n"
        "  load:\n"
        "    run: 'load \"$date\"'\n"
        "    needs: extract\n"
        "    timeout: 5s\n"
        "    env: {LANG: ja_JP.UTF-8, X: y}\n"
        "    end_values: {warning: '1-3, 9'}\n"
        "    output: ROWS\n"
        "  ok: {approval: {message: \"go?\", timeout: 1h, default: hold}, needs: [load]}\n"
        "  pause: {wait: {sleep: 2s}, needs: ok}\n");
    REQUIRE(f->jobs.size() == 4);
    CHECK(f->name == "nightly");
    REQUIRE(f->params.size() == 3);
    CHECK(f->params[0].default_value == std::optional<std::string>(""));
    CHECK(f->params[1].default_value == std::optional<std::string>("prod"));
    CHECK_FALSE(f->params[2].default_value.has_value());
    const JobDef& extract = f->jobs[0];
    CHECK(extract.run.argv == std::vector<std::string>{"/opt/extract", "--all"});
    CHECK(extract.timeout == std::chrono::minutes(10));
    CHECK(extract.retry.count == 2);
    CHECK(extract.env == std::vector<std::pair<std::string, std::string>>{{"LANG", "C"}});
    const JobDef& load = f->jobs[1];
    CHECK(load.run.shell == "load \"$date\"");
    CHECK(load.run.LocalArgv() == std::vector<std::string>{"/bin/sh", "-c", "load \"$date\""});
    CHECK(load.timeout == std::chrono::seconds(5));
    CHECK(load.env == std::vector<std::pair<std::string, std::string>>{{"LANG", "ja_JP.UTF-8"}, {"X", "y"}});
    CHECK(load.output == "ROWS");
    CHECK(load.end_values.Judge(0) == Judged::kSuccess);
    CHECK(load.end_values.Judge(2) == Judged::kWarning);
    CHECK(load.end_values.Judge(9) == Judged::kWarning);
    CHECK(load.end_values.Judge(4) == Judged::kFailed);
    CHECK(f->jobs[2].kind == JobKind::kApproval);
    CHECK(f->jobs[2].approval.on_timeout == "hold");
    CHECK(f->jobs[3].kind == JobKind::kWait);
    CHECK(f->jobs[3].wait.sleep == std::chrono::seconds(2));
    CHECK(f->jobs[1].loc.Str() == "f.yaml:12:3");
  }

  TEST_CASE("unknown keys are errors at their position, with a suggestion, and every error is reported") {
    CHECK(Errors("name: x\njobs:\n  a: {rn: [true]}\n  b:\n    run: [true]\n    need: a\n  c: {run: [true], tiemout: 5s}\n") ==
          std::vector<std::string>{
              "3:7: unknown key 'rn' in job 'a', did you mean 'run'?",
              "6:5: unknown key 'need' in job 'b', did you mean 'needs'?",
              "7:20: unknown key 'tiemout' in job 'c', did you mean 'timeout'?",
          });
    CHECK(Errors("name: x\nsteps: {}\njobs: {a: {run: [true]}}\n") ==
          std::vector<std::string>{"2:1: unknown key 'steps' in the flow; expected one of: name, description, params, "
                                   "defaults, calendar, parallel, events, jobs, on_success, on_failure, on_exit"});
  }

  TEST_CASE("on: and script: load, and their mistakes point at the value") {
    auto e = Errors("name: x\njobs:\n  a: {run: [uname], on: {nodes: [web1], mode: oneof}}\n  b: {script: ./nope.sh}\n"
                    "  c: {run: [true], on: {scope: prod, max_fail: 10x}}\n  d: {run: [true], on: {mode: any}}\n"
                    "  e: {run: [true], on: [w1, w2], output: OUT}\n  f: {wait: {sleep: 1s}, on: [w1]}\n");
    CAPTURE(e);
    REQUIRE(e.size() == 6);
    CHECK(e[0] == "3:47: 'mode' must be all, one_of or any, not 'oneof', did you mean 'one_of'?");
    CHECK(e[1].rfind("4:15: cannot read script './nope.sh': No such file or directory", 0) == 0);
    CHECK(e[2].rfind("5:48: 'max_fail' must be a count of nodes", 0) == 0);
    CHECK(e[3] == "6:24: 'on' needs 'nodes' or 'scope'");
    CHECK(e[4] == "7:42: output 'OUT' is taken from one node: give 'on' mode one_of or any");
    CHECK(e[5].rfind("8:26: 'on' does not apply to a 'wait' job", 0) == 0);
  }

  TEST_CASE("on: may name its nodes by a parameter or an upstream output, and nothing else") {
    auto e = Errors("name: x\nparams:\n  node: {default: web1}\njobs:\n"
                    "  a: {run: [hostname], on: {nodes: ['${node}'], mode: one_of}, output: HOST}\n"
                    "  b: {run: [true], on: {scope: '${HOST}'}, needs: a}\n"
                    "  c: {run: [true], on: ['${nod}']}\n"
                    "  d: {run: [true], on: ['${HOST}']}\n"
                    "  e: {run: [true], on: ['$node']}\n");
    CAPTURE(e);
    REQUIRE(e.size() == 3);
    CHECK(e[0] == "7:24: 'on' of job 'c': '${nod}' is neither a parameter nor an output of a job it needs, "
                  "did you mean 'node'?");
    // a's output, but d does not need a: not known when d starts.
    CHECK(e[1] == "8:24: 'on' of job 'd': '${HOST}' is neither a parameter nor an output of a job it needs");
    CHECK(e[2] == "9:24: 'on': a '$' must start ${NAME} (write $$ for a '$')");
  }

  TEST_CASE("needs: unknown ids and cycles point at the item that names them") {
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], needs: [bb]}\n  b: {run: [true]}\n") ==
          std::vector<std::string>{"3:28: job 'a' needs unknown job 'bb', did you mean 'b'?"});
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], needs: c}\n  b: {run: [true], needs: a}\n  c: {run: [true], needs: [b]}\n") ==
          std::vector<std::string>{"4:27: cycle in 'needs': a -> c -> b -> a"});
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], needs: a}\n") ==
          std::vector<std::string>{"3:27: job 'a' needs itself"});
  }

  TEST_CASE("a job has exactly one kind, and only the keys of its kind") {
    CHECK(Errors("name: x\njobs:\n  a: {needs: []}\n") ==
          std::vector<std::string>{"3:6: job 'a' needs one of 'run', 'script', 'flow', 'approval' or 'wait'"});
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], wait: {sleep: 1s}}\n") ==
          std::vector<std::string>{"3:20: 'wait' cannot be combined with 'run' in job 'a'"});
    CHECK(Errors("name: x\njobs:\n  a: {approval: {message: ok}, retry: 2}\n") ==
          std::vector<std::string>{"3:32: 'retry' does not apply to a 'approval' job (job 'a')"});
    CHECK(Errors("name: x\njobs:\n  a: {run: []}\n") ==
          std::vector<std::string>{"3:12: 'run' must not be an empty list: give the program and its arguments"});
  }

  TEST_CASE("values are checked where they are written") {
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], timeout: soon}\n") ==
          std::vector<std::string>{"3:29: 'timeout' must be a duration such as 30s, 5m or 1h30m, got 'soon'"});
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], end_values: {success: [0], warning: '0-2'}}\n") ==
          std::vector<std::string>{"3:56: exit code 0 is in both 'success' and 'warning'"});
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], end_values: {warning: [1, 300]}}\n") ==
          std::vector<std::string>{"3:46: 'warning' takes exit codes 0-255 as N, A-B or A- (A and above), got '300'"});
    CHECK(Errors("name: x\njobs:\n  a: {run: [true], retry: {count: 2, backoff: 0.5}}\n") ==
          std::vector<std::string>{"3:47: 'backoff' must be a number from 1 to 100 (the factor between delays), got '0.5'"});
    CHECK(Errors("name: x\njobs:\n  a: {approval: {message: m, default: aprove}}\n") ==
          std::vector<std::string>{"3:39: 'default' must be approve, deny or hold (what the timeout decides), got 'aprove', did you mean 'approve'?"});
    CHECK(Errors("name: x\njobs:\n  a: {wait: {sleep: 1s, file: /x}}\n") ==
          std::vector<std::string>{"3:25: 'file' cannot be combined with 'sleep' in 'wait'"});
    CHECK(Errors("name: 'bad name'\njobs:\n  a: {run: [true]}\n") ==
          std::vector<std::string>{"1:7: flow name 'bad name' must be letters, digits, '.', '_' and '-', starting with a letter or digit"});
    CHECK(Errors("name: x\nparams: {my-param: 1}\njobs:\n  a: {run: [true]}\n") ==
          std::vector<std::string>{"2:10: parameter name 'my-param' must be letters, digits and '_', not starting with a digit (it becomes an environment variable)"});
  }

  TEST_CASE("conditions may use parameters and the jobs a job needs, nothing else") {
    const std::string head = "name: x\nparams: {mode: full}\njobs:\n  a: {run: [true], output: OUT}\n  b: {run: [true]}\n";
    CHECK(Errors(head + "  c: {run: [true], needs: a, when: \"jobs.a.status == success && outputs.OUT != '' && params.mode == full\"}\n").empty());
    CHECK(Errors(head + "  c: {run: [true], needs: a, when: \"jobs.b.status == success\"}\n") ==
          std::vector<std::string>{"6:37: 'when' of job 'c' uses job 'b', which it does not need (add it to 'needs')"});
    CHECK(Errors(head + "  c: {run: [true], needs: a, when: \"jobs.a.status == sucess\"}\n") ==
          std::vector<std::string>{"6:54: unknown job status 'sucess', did you mean 'success'?"});
    CHECK(Errors(head + "  c: {run: [true], needs: a, when: 'params.mdoe == x'}\n") ==
          std::vector<std::string>{"6:37: unknown parameter 'mdoe', did you mean 'mode'?"});
    CHECK(Errors(head + "  c: {run: [true], needs: b, when: outputs.OUT}\n") ==
          std::vector<std::string>{"6:36: 'when' of job 'c' uses output 'OUT' of job 'a', which it does not need (add it to 'needs')"});
    CHECK(Errors(head + "  c: {run: [true], needs: a, when: 'jobs.a.status = success'}\n") ==
          std::vector<std::string>{"6:51: '=' is not an operator; compare with '=='"});
  }

  TEST_CASE("outputs are environment names, unique in the flow") {
    CHECK(Errors("name: x\nparams: {P: ''}\njobs:\n  a: {run: [true], output: P}\n  b: {run: [true], output: 1x}\n") ==
          std::vector<std::string>{
              "4:28: output 'P' has the name of a parameter",
              "5:28: output name '1x' must be letters, digits and '_', not starting with a digit (it becomes an environment variable)",
          });
  }

  TEST_CASE("the DAG: dependency order with file order among equals, upstream and downstream") {
    auto f = Load("name: x\njobs:\n  d: {run: [true], needs: [b, c]}\n  c: {run: [true], needs: a}\n  b: {run: [true], needs: a}\n"
                  "  a: {run: [true]}\n  e: {run: [true]}\n");
    CHECK(Ids(f->TopoOrder()) == std::vector<std::string>{"a", "c", "b", "d", "e"});
    CHECK(f->Upstream("d") == std::vector<std::string>{"c", "b", "a"});
    CHECK(f->Downstream("a") == std::vector<std::string>{"d", "c", "b"});
    CHECK(f->Downstream("e").empty());
  }

  TEST_CASE("retry delays grow by the backoff factor up to max_delay") {
    RetryPolicy p;
    p.count = 5;
    p.delay = std::chrono::seconds(1);
    p.backoff = 2;
    p.max_delay = std::chrono::seconds(5);
    CHECK(p.DelayBefore(1).count() == 0);
    CHECK(p.DelayBefore(2) == std::chrono::seconds(1));
    CHECK(p.DelayBefore(3) == std::chrono::seconds(2));
    CHECK(p.DelayBefore(4) == std::chrono::seconds(4));
    CHECK(p.DelayBefore(5) == std::chrono::seconds(5));
  }

  TEST_CASE("parameters: defaults, overrides, unknown and missing ones") {
    auto f = Load("name: x\nparams: {date: today, node: }\njobs:\n  a: {run: [true]}\n");
    auto p = ResolveParams(*f, {{"node", "web1"}});
    CHECK(p == std::map<std::string, std::string>{{"date", "today"}, {"node", "web1"}});
    CHECK_THROWS_WITH_AS(ResolveParams(*f, {{"nod", "x"}}), "flow 'x' has no parameter 'nod', did you mean 'node'?",
                         hops::UsageError);
    CHECK_THROWS_WITH_AS(ResolveParams(*f, {}), "flow 'x' needs parameter 'node' (give --param node=VALUE)", hops::UsageError);
    CHECK(SplitParam("a=b=c") == std::pair<std::string, std::string>{"a", "b=c"});
    CHECK_THROWS_AS(SplitParam("novalue"), hops::UsageError);
  }

  TEST_CASE("sub-flows: loaded once, parameters checked against the callee, recursion refused") {
    const std::string dir = hops::testing::MakeTempDir("hjob-flow");
    hops::testing::WriteFile(dir + "/sub.yaml", "name: sub\nparams: {node: , mode: fast}\njobs:\n  s: {run: [true]}\n");
    hops::testing::WriteFile(dir + "/main.yaml",
                             "name: main\nparams: {host: h}\njobs:\n"
                             "  a: {run: [true], output: OUT}\n"
                             "  b: {flow: sub.yaml, params: {node: '${host}-${OUT}'}, needs: a}\n"
                             "  c: {flow: sub.yaml, params: {node: x, mdoe: y}}\n"
                             "  d: {flow: sub.yaml}\n"
                             "  e: {flow: sub.yaml, params: {node: '${OUT}'}}\n");
    std::vector<DefinitionError> errors;
    auto f = LoadFlowFileCollect(dir + "/main.yaml", &errors);
    std::vector<std::string> got;
    for (const auto& e : errors) got.push_back(std::to_string(e.loc().line) + ":" + std::to_string(e.loc().column) + ": " + e.message());
    CHECK(got == std::vector<std::string>{
                     "6:41: flow 'sub.yaml' has no parameter 'mdoe', did you mean 'mode'?",
                     "7:13: flow 'sub.yaml' needs parameter 'node' (give it in 'params')",
                     "8:38: '${OUT}' is neither a parameter nor an output of a job that job 'e' needs",
                 });
    REQUIRE(f->subflows.size() == 1);
    CHECK(ExpandTemplate("${host}-$${OUT}", {{"host", "web"}}) == "web-${OUT}");
    hops::testing::WriteFile(dir + "/loop.yaml", "name: loop\njobs:\n  again: {flow: loop.yaml}\n");
    errors.clear();
    LoadFlowFileCollect(dir + "/loop.yaml", &errors);
    REQUIRE(errors.size() == 1);
    CHECK(std::string(errors[0].message()) == "flow 'loop.yaml' calls itself (directly or through other flows)");
  }

  TEST_CASE("the shown form of a command quotes what a shell would split") {
    Command c;
    c.argv = {"echo", "a b", "it's", "$(x)", "plain-1.0"};
    CHECK(c.Display() == "echo 'a b' 'it'\\''s' '$(x)' plain-1.0");
  }
}
