#include "cmd/hjob-run/flow.hpp"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <set>
#include <tuple>

#include "common/event.hpp"
#include "common/spell.hpp"
#include "common/text.hpp"
#include "common/units.hpp"

namespace hops::job {

namespace {

const std::vector<std::string> kFlowKeys = {"name",    "description", "params",     "defaults",
                                            "calendar", "parallel",   "events",     "jobs",
                                            "on_success", "on_failure", "on_exit"};
const std::vector<std::string> kDefaultsKeys = {"timeout", "retry", "env", "cwd", "end_values"};
const std::vector<std::string> kJobKeys = {"description", "run",     "flow",   "params",      "approval",
                                           "wait",        "needs",   "when",   "env",         "cwd",
                                           "timeout",     "retry",   "end_values", "output", "allow_failure",
                                           "script",      "on"};
const std::vector<std::string> kHandlerKeys = {"description", "run", "env", "cwd", "timeout", "retry", "end_values"};
const std::vector<std::string> kKindKeys = {"run", "script", "flow", "approval", "wait"};
const std::vector<std::string> kOnKeys = {"nodes", "scope", "mode", "parallel", "max_fail", "keep_going"};
const std::vector<std::string> kParamKeys = {"default", "description"};
const std::vector<std::string> kRetryKeys = {"count", "delay", "backoff", "max_delay"};
const std::vector<std::string> kEndValueKeys = {"success", "warning"};
const std::vector<std::string> kApprovalKeys = {"message", "timeout", "default"};
const std::vector<std::string> kWaitKeys = {"sleep", "until", "file", "command", "interval"};
const std::vector<std::string> kEventFields = {"tool",    "host", "kind",     "key",   "status",
                                               "severity", "monitor", "job", "node", "calendar",
                                               "scope",   "previous_status"};

/// Which keys each kind of job accepts besides the common ones.
bool KeyAllowedFor(JobKind kind, const std::string& key) {
  static const std::set<std::string> common = {"description", "needs", "when", "env", "cwd", "allow_failure"};
  if (common.count(key)) return true;
  switch (kind) {
    case JobKind::kRun:
      return key == "timeout" || key == "retry" || key == "end_values" || key == "output" || key == "on";
    case JobKind::kFlow:
      return key == "params";
    case JobKind::kApproval:
      return false;
    case JobKind::kWait:
      return key == "timeout";
  }
  return false;
}

bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 100) return false;
  for (char c : id)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  return true;
}

bool ValidFlowName(const std::string& name) {
  if (name.empty() || name.size() > 100 || !std::isalnum(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') return false;
  return true;
}

/// The directory part of @p path ("" for a bare name).
std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

/// The canonical path of @p path when it exists, else @p path.
std::string Canonical(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : path;
}

/// The column where a scalar's text starts (after an opening quote).
SourceLoc TextLoc(const YamlDoc& doc, const YAML::Node& node) {
  SourceLoc loc = doc.Loc(node);
  const std::string line = doc.Line(loc.line);
  if (loc.column >= 1 && static_cast<size_t>(loc.column) <= line.size()) {
    const char c = line[loc.column - 1];
    if (c == '"' || c == '\'') ++loc.column;
  }
  return loc;
}

/// The key node of @p key in mapping @p node (the mapping itself when absent).
YAML::Node KeyNode(const YAML::Node& node, const std::string& key) {
  for (auto it = node.begin(); it != node.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->first;
  return node;
}

/// Loads one flow file and its sub-flows; collects errors.
class Loader {
 public:
  Loader(std::vector<DefinitionError>* errors, std::vector<std::string> stack)
      : errors_(errors), stack_(std::move(stack)) {}

  std::shared_ptr<FlowDef> Load(const YamlDoc& doc) {
    auto flow = std::make_shared<FlowDef>();
    flow->path = doc.filename();
    if (!doc.root().IsMap()) {
      Error(doc.ErrorAt(doc.root(), "a flow file must be a mapping with 'name' and 'jobs', not " +
                                        std::string(NodeTypeName(doc.root()))));
      return flow;
    }
    MapReader top(doc, doc.root(), "the flow", kFlowKeys, errors_);
    Try([&] {
      if (!top.Has("name")) doc.Fail(doc.root(), "the flow is missing required key 'name'");
      YAML::Node n = top.Get("name");
      flow->name = ScalarText(doc, n, "'name'");
      if (!ValidFlowName(flow->name))
        doc.Fail(n, "flow name '" + flow->name +
                        "' must be letters, digits, '.', '_' and '-', starting with a letter or digit");
    });
    Try([&] {
      if (auto d = top.String("description")) flow->description = *d;
    });
    Try([&] {
      if (auto p = top.Int("parallel", 1, 1000)) flow->parallel = static_cast<int>(*p);
    });
    Try([&] {
      if (!top.Has("calendar")) return;
      flow->calendar = *top.String("calendar");
      flow->calendar_loc = doc.Loc(top.Get("calendar"));
    });
    if (top.Has("params")) LoadParams(doc, top.Get("params"), flow.get());
    if (top.Has("events")) LoadEvents(doc, top.Get("events"), flow.get());
    JobDef defaults;
    if (top.Has("defaults")) LoadDefaults(doc, top.Get("defaults"), &defaults);
    Try([&] {
      if (!top.Has("jobs")) doc.Fail(doc.root(), "the flow is missing required key 'jobs'");
      YAML::Node jobs = top.Get("jobs");
      if (!jobs.IsMap() || jobs.size() == 0)
        doc.Fail(jobs, "'jobs' must be a mapping of job id to job, not " +
                           std::string(jobs.IsMap() ? "an empty mapping" : NodeTypeName(jobs)));
      for (const auto& entry : jobs) {
        const YAML::Node key = entry.first, value = entry.second;
        Try([&] {
          JobDef job = defaults;
          job.id = ScalarText(doc, key, "a job id");
          job.loc = doc.Loc(key);
          if (!ValidId(job.id))
            doc.Fail(key, "job id '" + job.id + "' must be letters, digits, '_' and '-'");
          if (flow->Find(job.id)) doc.Fail(key, "duplicate job id '" + job.id + "'");
          if (LoadJob(doc, value, false, &job, flow.get())) flow->jobs.push_back(std::move(job));
        });
      }
    });
    for (const char* h : {"on_success", "on_failure", "on_exit"}) {
      if (!top.Has(h)) continue;
      Try([&] {
        JobDef job = defaults;
        job.id = std::string("@") + h;
        job.loc = doc.Loc(top.Get(h));
        if (!LoadJob(doc, top.Get(h), true, &job, flow.get())) return;
        (h == std::string("on_success") ? flow->on_success
                                        : h == std::string("on_failure") ? flow->on_failure : flow->on_exit) = job;
      });
    }
    CheckGraph(doc, flow.get());
    return flow;
  }

 private:
  void Error(DefinitionError e) { errors_->push_back(std::move(e)); }

  /// Runs @p f, collecting a DefinitionError it throws.
  void Try(const std::function<void()>& f) {
    try {
      f();
    } catch (const DefinitionError& e) {
      Error(e);
    }
  }

  void LoadParams(const YamlDoc& doc, const YAML::Node& node, FlowDef* flow) {
    Try([&] {
      if (!node.IsMap()) doc.Fail(node, "'params' must be a mapping of name to default, not " + std::string(NodeTypeName(node)));
      for (const auto& entry : node) {
        Try([&] {
          ParamDef p;
          p.name = ScalarText(doc, entry.first, "a parameter name");
          p.loc = doc.Loc(entry.first);
          if (!IsEnvName(p.name))
            doc.Fail(entry.first, "parameter name '" + p.name +
                                      "' must be letters, digits and '_', not starting with a digit (it becomes an environment variable)");
          for (const auto& q : flow->params)
            if (q.name == p.name) doc.Fail(entry.first, "duplicate parameter '" + p.name + "'");
          const YAML::Node v = entry.second;
          if (v.IsMap()) {
            MapReader r(doc, v, "parameter '" + p.name + "'", kParamKeys, errors_);
            if (r.Has("default")) {
              const YAML::Node d = r.Get("default");
              if (!d.IsNull()) p.default_value = ScalarText(doc, d, "the default of parameter '" + p.name + "'");
            }
            if (auto d = r.String("description")) p.description = *d;
          } else if (!v.IsNull()) {
            p.default_value = ScalarText(doc, v, "the default of parameter '" + p.name + "'");
          }
          flow->params.push_back(std::move(p));
        });
      }
    });
  }

  void LoadEvents(const YamlDoc& doc, const YAML::Node& node, FlowDef* flow) {
    Try([&] {
      MapReader r(doc, node, "'events'", kEventFields, errors_);
      for (const auto& field : kEventFields) {
        if (!r.Has(field)) continue;
        Try([&] {
          const YAML::Node v = r.Get(field);
          std::vector<std::string> globs;
          if (v.IsSequence()) {
            for (const auto& g : v) globs.push_back(ScalarText(doc, g, "a pattern of events." + field));
            if (globs.empty()) doc.Fail(v, "'" + field + "' must list at least one pattern");
          } else {
            globs.push_back(ScalarText(doc, v, "events." + field));
          }
          flow->events.emplace_back(field, std::move(globs));
        });
      }
    });
  }

  void LoadDefaults(const YamlDoc& doc, const YAML::Node& node, JobDef* d) {
    Try([&] {
      MapReader r(doc, node, "'defaults'", kDefaultsKeys, errors_);
      LoadCommon(doc, r, d);
    });
  }

  /// The keys jobs and defaults share: env, cwd, timeout, retry, end_values.
  void LoadCommon(const YamlDoc& doc, const MapReader& r, JobDef* job) {
    Try([&] {
      if (!r.Has("env")) return;
      const YAML::Node env = r.Get("env");
      if (!env.IsMap()) doc.Fail(env, "'env' must be a mapping of NAME to value, not " + std::string(NodeTypeName(env)));
      for (const auto& e : env) {
        Try([&] {
          const std::string name = ScalarText(doc, e.first, "an environment variable name");
          if (!IsEnvName(name))
            doc.Fail(e.first, "environment variable name '" + name + "' must be letters, digits and '_', not starting with a digit");
          const std::string value = e.second.IsNull() ? "" : ScalarText(doc, e.second, "the value of '" + name + "'");
          auto it = std::find_if(job->env.begin(), job->env.end(), [&](const auto& p) { return p.first == name; });
          if (it != job->env.end()) it->second = value;
          else job->env.emplace_back(name, value);
        });
      }
    });
    Try([&] {
      if (auto c = r.String("cwd")) job->cwd = *c;
    });
    Try([&] {
      if (r.Has("timeout")) job->timeout = PositiveDuration(doc, r.Get("timeout"), "timeout");
    });
    Try([&] {
      if (r.Has("retry")) job->retry = LoadRetry(doc, r.Get("retry"));
    });
    Try([&] {
      if (r.Has("end_values")) job->end_values = LoadEndValues(doc, r.Get("end_values"));
    });
  }

  std::chrono::milliseconds Duration(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
    const std::string s = ScalarText(doc, node, "'" + key + "'");
    auto d = ParseDuration(s);
    if (!d) doc.Fail(node, "'" + key + "' must be a duration such as 30s, 5m or 1h30m, got '" + s + "'");
    return *d;
  }

  std::chrono::milliseconds PositiveDuration(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
    auto d = Duration(doc, node, key);
    if (d.count() <= 0) doc.Fail(node, "'" + key + "' must be longer than 0s");
    return d;
  }

  RetryPolicy LoadRetry(const YamlDoc& doc, const YAML::Node& node) {
    RetryPolicy p;
    if (node.IsScalar()) {
      auto n = ParseLong(node.Scalar(), 0, 100);
      if (!n) doc.Fail(node, "'retry' must be a count from 0 to 100 or a mapping with count, delay, backoff and max_delay, got '" + node.Scalar() + "'");
      p.count = static_cast<int>(*n);
      return p;
    }
    MapReader r(doc, node, "'retry'", kRetryKeys, errors_);
    p.count = static_cast<int>(r.Int("count", 0, 100).value_or(1));
    if (r.Has("delay")) p.delay = Duration(doc, r.Get("delay"), "delay");
    if (r.Has("max_delay")) p.max_delay = Duration(doc, r.Get("max_delay"), "max_delay");
    if (r.Has("backoff")) {
      const std::string s = ScalarText(doc, r.Get("backoff"), "'backoff'");
      char* end = nullptr;
      p.backoff = std::strtod(s.c_str(), &end);
      if (s.empty() || *end != '\0' || !(p.backoff >= 1 && p.backoff <= 100))
        doc.Fail(r.Get("backoff"), "'backoff' must be a number from 1 to 100 (the factor between delays), got '" + s + "'");
    }
    return p;
  }

  /// Reads "N", "A-B" or "A-" items (a list, or one string with commas).
  std::vector<CodeRange> LoadCodes(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
    std::vector<std::pair<std::string, YAML::Node>> items;
    if (node.IsSequence()) {
      for (const auto& i : node) items.emplace_back(ScalarText(doc, i, "an exit code of '" + key + "'"), i);
    } else {
      const std::string s = ScalarText(doc, node, "'" + key + "'");
      size_t start = 0;
      while (start <= s.size()) {
        size_t comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        items.emplace_back(std::string(Trim(s.substr(start, comma - start))), node);
        start = comma + 1;
      }
    }
    std::vector<CodeRange> out;
    for (const auto& [text, at] : items) {
      const size_t dash = text.find('-', 1);
      std::optional<long> lo, hi;
      if (dash == std::string::npos) {
        lo = hi = ParseLong(text, 0, 255);
      } else {
        lo = ParseLong(text.substr(0, dash), 0, 255);
        hi = dash + 1 == text.size() ? std::optional<long>(255) : ParseLong(text.substr(dash + 1), 0, 255);
      }
      if (!lo || !hi || *lo > *hi)
        doc.Fail(at, "'" + key + "' takes exit codes 0-255 as N, A-B or A- (A and above), got '" + text + "'");
      out.push_back({static_cast<int>(*lo), static_cast<int>(*hi)});
    }
    return out;
  }

  EndValues LoadEndValues(const YamlDoc& doc, const YAML::Node& node) {
    MapReader r(doc, node, "'end_values'", kEndValueKeys, errors_);
    EndValues ev;
    if (r.Has("success")) ev.success = LoadCodes(doc, r.Get("success"), "success");
    if (r.Has("warning")) ev.warning = LoadCodes(doc, r.Get("warning"), "warning");
    for (const auto& w : ev.warning)
      for (const auto& s : ev.success)
        if (w.lo <= s.hi && s.lo <= w.hi)
          doc.Fail(r.Get("warning"), "exit code " + std::to_string(std::max(w.lo, s.lo)) +
                                         " is in both 'success' and 'warning'");
    return ev;
  }

  Command LoadCommand(const YamlDoc& doc, const YAML::Node& node, const std::string& key) {
    Command c;
    if (node.IsSequence()) {
      for (const auto& a : node) c.argv.push_back(ScalarText(doc, a, "an argument of '" + key + "'"));
      if (c.argv.empty() || c.argv[0].empty())
        doc.Fail(node, "'" + key + "' must not be an empty list: give the program and its arguments");
      return c;
    }
    if (!node.IsScalar())
      doc.Fail(node, "'" + key + "' must be a list (argv, no shell) or a string (run by sh -c), not " +
                         std::string(NodeTypeName(node)));
    c.shell = node.Scalar();
    if (Trim(c.shell).empty()) doc.Fail(node, "'" + key + "' must not be empty");
    return c;
  }

  /// `script: PATH` or `script: [PATH, ARG...]`: a local file run on the target.
  void LoadScript(const YamlDoc& doc, const YAML::Node& node, JobDef* job) {
    std::vector<std::string> words;
    if (node.IsSequence()) {
      for (const auto& a : node) words.push_back(ScalarText(doc, a, "an argument of 'script'"));
    } else if (node.IsScalar()) {
      words.push_back(node.Scalar());
    } else {
      doc.Fail(node, "'script' must be a file name or a list of the file name and its arguments, not " +
                         std::string(NodeTypeName(node)));
    }
    if (words.empty() || Trim(words[0]).empty()) doc.Fail(node, "'script' must name a file");
    const std::string file = words[0];
    job->script = file[0] == '/' ? file : DirOf(doc.filename()) + file;
    struct stat st {};
    if (::stat(job->script.c_str(), &st) != 0) doc.Fail(node, "cannot read script '" + file + "': " + strerror(errno));
    if (!S_ISREG(st.st_mode)) doc.Fail(node, "script '" + file + "' is not a regular file");
    job->run.argv.assign(words.begin() + 1, words.end());
  }

  /// `on: {nodes: [...] | scope: ..., mode, parallel, max_fail, keep_going}`.
  void LoadTarget(const YamlDoc& doc, const YAML::Node& node, JobDef* job) {
    TargetSpec& t = job->on;
    t.loc = doc.Loc(node);
    auto list = [&](const YAML::Node& n, const std::string& key) {
      std::vector<std::string> out;
      if (n.IsSequence()) {
        for (const auto& e : n) out.push_back(ScalarText(doc, e, "an entry of '" + key + "'"));
      } else {
        out.push_back(ScalarText(doc, n, "'" + key + "'"));
      }
      for (const auto& e : out) {
        if (Trim(e).empty()) doc.Fail(n, "'" + key + "' must not hold an empty name");
        try {
          TemplateNames(e);  // ${NAME}: a parameter (an event's node, say) chooses the node
        } catch (const std::exception& ex) {
          doc.Fail(n, "'" + key + "': " + ex.what());
        }
      }
      return out;
    };
    if (node.IsScalar() || node.IsSequence()) {  // on: web01 / on: [web01, web02]
      t.nodes = list(node, "on");
      return;
    }
    MapReader r(doc, node, "'on' of job '" + job->id + "'", kOnKeys, errors_);
    if (r.Has("nodes")) t.nodes = list(r.Get("nodes"), "nodes");
    if (r.Has("scope")) t.scopes = list(r.Get("scope"), "scope");
    if (!t.Remote()) doc.Fail(node, "'on' needs 'nodes' or 'scope'");
    if (auto m = r.String("mode")) {
      if (*m == "all") t.mode = TargetSpec::Mode::kAll;
      else if (*m == "one_of") t.mode = TargetSpec::Mode::kOneOf;
      else if (*m == "any") t.mode = TargetSpec::Mode::kAny;
      else
        doc.Fail(r.Get("mode"), "'mode' must be all, one_of or any, not '" + *m + "'" +
                                    DidYouMean(*m, {"all", "one_of", "any"}));
    }
    if (auto p = r.Int("parallel", 1, 10000)) t.parallel = static_cast<int>(*p);
    if (r.Has("max_fail")) {
      const YAML::Node mf = r.Get("max_fail");
      std::string text = ScalarText(doc, mf, "'max_fail'");
      t.max_fail_percent = !text.empty() && text.back() == '%';
      if (t.max_fail_percent) text.pop_back();
      char* end = nullptr;
      errno = 0;
      const long v = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || errno != 0 || v < 0 || (t.max_fail_percent && v > 100) || v > 1000000)
        doc.Fail(mf, "'max_fail' must be a count of nodes (0 or more) or a percentage such as 10%, not '" +
                         mf.Scalar() + "'");
      t.max_fail = static_cast<int>(v);
    }
    if (auto k = r.Bool("keep_going")) t.keep_going = *k;
    if (t.mode != TargetSpec::Mode::kAll && (r.Has("parallel") || r.Has("max_fail") || r.Has("keep_going")))
      doc.Fail(node, "'parallel', 'max_fail' and 'keep_going' apply to mode 'all' only");
  }

  /// Fills @p job from @p node; false when it is unusable (errors collected).
  bool LoadJob(const YamlDoc& doc, const YAML::Node& node, bool handler, JobDef* job, FlowDef* flow) {
    const std::string what = handler ? "handler '" + job->id.substr(1) + "'" : "job '" + job->id + "'";
    if (!node.IsMap()) {
      Error(doc.ErrorAt(node, what + " must be a mapping, not " + std::string(NodeTypeName(node))));
      return false;
    }
    MapReader r(doc, node, what, handler ? kHandlerKeys : kJobKeys, errors_);
    // The kind: exactly one of run, flow, approval, wait.
    std::vector<std::string> kinds;
    for (const auto& k : kKindKeys)
      if (r.Has(k)) kinds.push_back(k);
    if (kinds.empty()) {
      Error(doc.ErrorAt(node, what + (handler ? " needs 'run'" : " needs one of 'run', 'script', 'flow', 'approval' or 'wait'")));
      return false;
    }
    if (kinds.size() > 1) {
      Error(doc.ErrorAt(KeyNode(node, kinds[1]), "'" + kinds[1] + "' cannot be combined with '" + kinds[0] + "' in " + what));
      return false;
    }
    const std::string& kind = kinds[0];
    job->kind = kind == "run" || kind == "script" ? JobKind::kRun : kind == "flow" ? JobKind::kFlow
                : kind == "approval" ? JobKind::kApproval : JobKind::kWait;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      const std::string& k = it->first.Scalar();
      if (std::find(kKindKeys.begin(), kKindKeys.end(), k) != kKindKeys.end()) continue;
      if (std::find(kJobKeys.begin(), kJobKeys.end(), k) == kJobKeys.end()) continue;  // reported
      if (!KeyAllowedFor(job->kind, k))
        Error(doc.ErrorAt(it->first, "'" + k + "' does not apply to a '" + kind + "' job (" + what + ")"));
    }
    Try([&] {
      if (auto d = r.String("description")) job->description = *d;
    });
    LoadCommon(doc, r, job);
    Try([&] {
      switch (job->kind) {
        case JobKind::kRun:
          if (kind == "script") LoadScript(doc, r.Get("script"), job);
          else job->run = LoadCommand(doc, r.Get("run"), "run");
          break;
        case JobKind::kFlow:
          LoadFlowCall(doc, r, job, flow);
          break;
        case JobKind::kApproval:
          LoadApproval(doc, r.Get("approval"), job);
          break;
        case JobKind::kWait:
          LoadWait(doc, r.Get("wait"), job);
          break;
      }
    });
    Try([&] {
      if (r.Has("on")) LoadTarget(doc, r.Get("on"), job);
    });
    Try([&] {
      if (!r.Has("needs")) return;
      const YAML::Node needs = r.Get("needs");
      if (needs.IsScalar()) {
        job->needs.push_back(needs.Scalar());
        needs_nodes_[job->id].push_back(needs);
        return;
      }
      if (!needs.IsSequence()) doc.Fail(needs, "'needs' must be a job id or a list of job ids, not " + std::string(NodeTypeName(needs)));
      for (const auto& n : needs) {
        Try([&] {
          const std::string id = ScalarText(doc, n, "a job id in 'needs'");
          if (std::find(job->needs.begin(), job->needs.end(), id) != job->needs.end())
            doc.Fail(n, "job '" + id + "' is listed twice in 'needs'");
          job->needs.push_back(id);
          needs_nodes_[job->id].push_back(n);
        });
      }
    });
    Try([&] {
      if (!r.Has("when")) return;
      const YAML::Node w = r.Get("when");
      const std::string text = ScalarText(doc, w, "'when'");
      const SourceLoc loc = TextLoc(doc, w);
      job->when = ParseCondition(text, loc, doc.Line(loc.line));
      when_locs_[job->id] = {loc, doc.Line(loc.line)};
    });
    Try([&] {
      if (!r.Has("output")) return;
      const YAML::Node o = r.Get("output");
      job->output = ScalarText(doc, o, "'output'");
      if (!IsEnvName(job->output))
        doc.Fail(o, "output name '" + job->output + "' must be letters, digits and '_', not starting with a digit (it becomes an environment variable)");
      for (const auto& p : flow->params)
        if (p.name == job->output) doc.Fail(o, "output '" + job->output + "' has the name of a parameter");
      for (const auto& j : flow->jobs)
        if (j.output == job->output) doc.Fail(o, "output '" + job->output + "' is also the output of job '" + j.id + "'");
    });
    Try([&] {
      if (auto b = r.Bool("allow_failure")) job->allow_failure = *b;
    });
    if (job->on.Remote() && job->on.mode == TargetSpec::Mode::kAll && !job->output.empty())
      Error(doc.ErrorAt(r.Get("output"), "output '" + job->output +
                                             "' is taken from one node: give 'on' mode one_of or any"));
    return true;
  }

  void LoadApproval(const YamlDoc& doc, const YAML::Node& node, JobDef* job) {
    MapReader r(doc, node, "'approval'", kApprovalKeys, errors_);
    if (!r.Has("message")) doc.Fail(node, "'approval' is missing required key 'message'");
    job->approval.message = *r.String("message");
    if (r.Has("timeout")) job->approval.timeout = PositiveDuration(doc, r.Get("timeout"), "timeout");
    if (auto d = r.String("default")) {
      if (*d != "approve" && *d != "deny" && *d != "hold")
        doc.Fail(r.Get("default"), "'default' must be approve, deny or hold (what the timeout decides), got '" + *d + "'" +
                                       DidYouMean(*d, {"approve", "deny", "hold"}));
      job->approval.on_timeout = *d;
    }
  }

  void LoadWait(const YamlDoc& doc, const YAML::Node& node, JobDef* job) {
    MapReader r(doc, node, "'wait'", kWaitKeys, errors_);
    std::vector<std::string> set;
    for (const char* k : {"sleep", "until", "file", "command"})
      if (r.Has(k)) set.push_back(k);
    if (set.empty()) doc.Fail(node, "'wait' needs one of 'sleep', 'until', 'file' or 'command'");
    if (set.size() > 1) doc.Fail(KeyNode(node, set[1]), "'" + set[1] + "' cannot be combined with '" + set[0] + "' in 'wait'");
    WaitSpec& w = job->wait;
    if (r.Has("sleep")) w.sleep = Duration(doc, r.Get("sleep"), "sleep");
    if (r.Has("until")) {
      w.until = *r.String("until");
      if (!ParseClockMinutes(w.until, 23) && !ParseTimestamp(w.until))
        doc.Fail(r.Get("until"), "'until' must be a time of day HH:MM or an RFC 3339 timestamp, got '" + w.until + "'");
    }
    if (r.Has("file")) {
      w.file = *r.String("file");
      if (w.file.empty()) doc.Fail(r.Get("file"), "'file' must not be empty");
    }
    if (r.Has("command")) w.command = LoadCommand(doc, r.Get("command"), "command");
    if (r.Has("interval")) {
      w.interval = PositiveDuration(doc, r.Get("interval"), "interval");
      if (w.sleep || !w.until.empty())
        doc.Fail(r.Get("interval"), "'interval' applies to 'file' and 'command' waits only");
    }
  }

  void LoadFlowCall(const YamlDoc& doc, const MapReader& r, JobDef* job, FlowDef* flow) {
    const YAML::Node f = r.Get("flow");
    job->flow_file = ScalarText(doc, f, "'flow'");
    if (job->flow_file.empty()) doc.Fail(f, "'flow' must name a flow file");
    job->flow_path = job->flow_file[0] == '/' ? job->flow_file : DirOf(doc.filename()) + job->flow_file;
    const std::string canonical = Canonical(job->flow_path);
    if (std::find(stack_.begin(), stack_.end(), canonical) != stack_.end())
      doc.Fail(f, "flow '" + job->flow_file + "' calls itself (directly or through other flows)");
    std::shared_ptr<const FlowDef> sub;
    if (auto it = flow->subflows.find(job->flow_path); it != flow->subflows.end()) {
      sub = it->second;
    } else {
      std::optional<YamlDoc> subdoc;
      try {
        subdoc = YamlDoc::FromFile(job->flow_path);
      } catch (const DefinitionError& e) {
        doc.Fail(f, "cannot load flow '" + job->flow_file + "': " + e.message());
      }
      std::vector<std::string> stack = stack_;
      stack.push_back(canonical);
      Loader inner(errors_, stack);
      sub = inner.Load(*subdoc);
      flow->subflows[job->flow_path] = sub;
    }
    if (r.Has("params")) {
      const YAML::Node p = r.Get("params");
      if (!p.IsMap()) doc.Fail(p, "'params' must be a mapping of name to value, not " + std::string(NodeTypeName(p)));
      std::vector<std::string> names;
      for (const auto& d : sub->params) names.push_back(d.name);
      for (const auto& e : p) {
        Try([&] {
          const std::string name = ScalarText(doc, e.first, "a parameter name");
          if (std::find(names.begin(), names.end(), name) == names.end())
            doc.Fail(e.first, "flow '" + job->flow_file + "' has no parameter '" + name + "'" + DidYouMean(name, names));
          const std::string value = e.second.IsNull() ? "" : ScalarText(doc, e.second, "the value of '" + name + "'");
          try {
            TemplateNames(value);
          } catch (const hops::Error& err) {
            doc.Fail(e.second, err.what());
          }
          job->flow_params.emplace_back(name, value);
          param_nodes_[job->id].push_back(e.second);
        });
      }
    }
    for (const auto& d : sub->params) {
      const bool given = std::any_of(job->flow_params.begin(), job->flow_params.end(),
                                     [&](const auto& p) { return p.first == d.name; });
      if (!d.default_value && !given)
        doc.Fail(f, "flow '" + job->flow_file + "' needs parameter '" + d.name + "' (give it in 'params')");
    }
  }

  /// Needs, cycles and references of conditions and sub-flow parameters.
  void CheckGraph(const YamlDoc& doc, FlowDef* flow) {
    std::vector<std::string> ids;
    for (const auto& j : flow->jobs) ids.push_back(j.id);
    bool graph_ok = true;
    for (auto& j : flow->jobs) {
      const auto& nodes = needs_nodes_[j.id];
      for (size_t i = 0; i < j.needs.size() && i < nodes.size(); ++i) {
        if (!flow->Find(j.needs[i])) {
          Error(doc.ErrorAt(nodes[i], "job '" + j.id + "' needs unknown job '" + j.needs[i] + "'" + DidYouMean(j.needs[i], ids)));
          graph_ok = false;
        } else if (j.needs[i] == j.id) {
          Error(doc.ErrorAt(nodes[i], "job '" + j.id + "' needs itself"));
          graph_ok = false;
        }
      }
    }
    // Cycles (among the known jobs): a depth-first search; the edge that closes a cycle is
    // reported where it is written.
    std::map<std::string, int> color;  // 0 new, 1 on the path, 2 done
    std::vector<std::string> path;
    std::set<std::string> reported;
    std::function<void(const JobDef&)> visit = [&](const JobDef& j) {
      color[j.id] = 1;
      path.push_back(j.id);
      const auto& nodes = needs_nodes_[j.id];
      for (size_t i = 0; i < j.needs.size(); ++i) {
        const JobDef* n = flow->Find(j.needs[i]);
        if (!n || n == &j) continue;
        if (color[n->id] == 1) {
          std::string cycle;
          auto from = std::find(path.begin(), path.end(), n->id);
          for (auto it = from; it != path.end(); ++it) cycle += *it + " -> ";
          cycle += n->id;
          if (reported.insert(j.id + ">" + n->id).second && i < nodes.size())
            Error(doc.ErrorAt(nodes[i], "cycle in 'needs': " + cycle));
          graph_ok = false;
        } else if (color[n->id] == 0) {
          visit(*n);
        }
      }
      path.pop_back();
      color[j.id] = 2;
    };
    for (const auto& j : flow->jobs)
      if (color[j.id] == 0) visit(j);
    if (!graph_ok) return;
    // Conditions and sub-flow parameters may use parameters and what upstream jobs produced.
    std::vector<std::string> params;
    for (const auto& p : flow->params) params.push_back(p.name);
    for (const auto& j : flow->jobs) {
      const std::vector<std::string> up = flow->Upstream(j.id);
      std::vector<std::string> outputs;
      for (const auto& u : up)
        if (!flow->Find(u)->output.empty()) outputs.push_back(flow->Find(u)->output);
      if (j.when) CheckRefs(*flow, j, up, outputs, params);
      for (const auto* names : {&j.on.nodes, &j.on.scopes}) {
        for (const auto& text : *names) {
          for (const auto& name : TemplateNames(text)) {
            if (std::find(params.begin(), params.end(), name) != params.end() ||
                std::find(outputs.begin(), outputs.end(), name) != outputs.end())
              continue;
            std::vector<std::string> all = params;
            all.insert(all.end(), outputs.begin(), outputs.end());
            Error(DefinitionError(j.on.loc, "'on' of job '" + j.id + "': '${" + name +
                                                "}' is neither a parameter nor an output of a job it needs" +
                                                DidYouMean(name, all)));
          }
        }
      }
      const auto& pnodes = param_nodes_[j.id];
      for (size_t i = 0; i < j.flow_params.size() && i < pnodes.size(); ++i) {
        for (const auto& name : TemplateNames(j.flow_params[i].second)) {
          const bool known = std::find(params.begin(), params.end(), name) != params.end() ||
                             std::find(outputs.begin(), outputs.end(), name) != outputs.end();
          if (!known) {
            std::vector<std::string> all = params;
            all.insert(all.end(), outputs.begin(), outputs.end());
            Error(doc.ErrorAt(pnodes[i], "'${" + name + "}' is neither a parameter nor an output of a job that job '" +
                                             j.id + "' needs" + DidYouMean(name, all)));
          }
        }
      }
    }
  }

  void CheckRefs(const FlowDef& flow, const JobDef& j, const std::vector<std::string>& up,
                 const std::vector<std::string>& outputs, const std::vector<std::string>& params) {
    const auto& [loc, line] = when_locs_[j.id];
    for (const Ref& ref : j.when->refs) {
      SourceLoc at = loc;
      at.column += ref.offset;
      auto in = [](const std::vector<std::string>& v, const std::string& s) {
        return std::find(v.begin(), v.end(), s) != v.end();
      };
      switch (ref.kind) {
        case Ref::Kind::kJobStatus:
        case Ref::Kind::kJobExitCode:
        case Ref::Kind::kJobOutput: {
          if (!flow.Find(ref.name)) {
            std::vector<std::string> ids;
            for (const auto& x : flow.jobs) ids.push_back(x.id);
            Error(DefinitionError(at, "'when' of job '" + j.id + "' names unknown job '" + ref.name + "'" + DidYouMean(ref.name, ids), line));
          } else if (!in(up, ref.name)) {
            Error(DefinitionError(at, "'when' of job '" + j.id + "' uses job '" + ref.name +
                                          "', which it does not need (add it to 'needs')", line));
          } else if (ref.kind == Ref::Kind::kJobOutput && flow.Find(ref.name)->output.empty()) {
            Error(DefinitionError(at, "job '" + ref.name + "' has no 'output'", line));
          }
          break;
        }
        case Ref::Kind::kOutput:
          if (!in(outputs, ref.name)) {
            std::string owner;
            for (const auto& x : flow.jobs)
              if (x.output == ref.name) owner = x.id;
            Error(DefinitionError(at, owner.empty() ? "no job has output '" + ref.name + "'" + DidYouMean(ref.name, outputs)
                                                    : "'when' of job '" + j.id + "' uses output '" + ref.name + "' of job '" +
                                                          owner + "', which it does not need (add it to 'needs')",
                                  line));
          }
          break;
        case Ref::Kind::kParam:
          if (!in(params, ref.name))
            Error(DefinitionError(at, "unknown parameter '" + ref.name + "'" + DidYouMean(ref.name, params), line));
          break;
      }
    }
  }

  std::vector<DefinitionError>* errors_;
  std::vector<std::string> stack_;  ///< canonical paths of the flows being loaded (cycle check)
  std::map<std::string, std::vector<YAML::Node>> needs_nodes_;   ///< job id → its needs items
  std::map<std::string, std::vector<YAML::Node>> param_nodes_;   ///< job id → its sub-flow param values
  std::map<std::string, std::pair<SourceLoc, std::string>> when_locs_;  ///< job id → 'when' text position
};

}  // namespace

const char* JudgedName(Judged j) {
  switch (j) {
    case Judged::kSuccess: return "success";
    case Judged::kWarning: return "warning";
    case Judged::kFailed: return "failed";
  }
  return "failed";
}

Judged EndValues::Judge(int code) const {
  for (const auto& r : success)
    if (code >= r.lo && code <= r.hi) return Judged::kSuccess;
  for (const auto& r : warning)
    if (code >= r.lo && code <= r.hi) return Judged::kWarning;
  return Judged::kFailed;
}

std::chrono::milliseconds RetryPolicy::DelayBefore(int attempt) const {
  if (attempt < 2) return std::chrono::milliseconds(0);
  const double ms = static_cast<double>(delay.count()) * std::pow(backoff, attempt - 2);
  if (!(ms < static_cast<double>(max_delay.count()))) return max_delay;
  return std::chrono::milliseconds(static_cast<int64_t>(ms));
}

std::vector<std::string> Command::LocalArgv() const {
  if (!argv.empty()) return argv;
  return {"/bin/sh", "-c", shell};
}

std::string Command::Display() const {
  if (argv.empty()) return shell;
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain = !a.empty() && a.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
                                         std::string::npos;
    if (plain) {
      out += a;
      continue;
    }
    out += '\'';
    for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += '\'';
  }
  return out;
}

const JobDef* FlowDef::Find(const std::string& id) const {
  for (const auto& j : jobs)
    if (j.id == id) return &j;
  return nullptr;
}

std::vector<const JobDef*> FlowDef::TopoOrder() const {
  std::vector<const JobDef*> out;
  std::set<std::string> placed;
  while (out.size() < jobs.size()) {
    bool progress = false;
    for (const auto& j : jobs) {
      if (placed.count(j.id)) continue;
      const bool ready = std::all_of(j.needs.begin(), j.needs.end(), [&](const std::string& n) {
        return placed.count(n) || !Find(n);
      });
      if (!ready) continue;
      out.push_back(&j);
      placed.insert(j.id);
      progress = true;
      break;  // restart from the top: file order among the ready ones
    }
    if (!progress) {  // a cycle (refused by the loader): keep the rest in file order
      for (const auto& j : jobs)
        if (!placed.count(j.id)) out.push_back(&j);
      break;
    }
  }
  return out;
}

std::vector<std::string> FlowDef::Downstream(const std::string& id) const {
  std::set<std::string> found = {id};
  bool grew = true;
  while (grew) {
    grew = false;
    for (const auto& j : jobs) {
      if (found.count(j.id)) continue;
      for (const auto& n : j.needs)
        if (found.count(n)) {
          found.insert(j.id);
          grew = true;
          break;
        }
    }
  }
  std::vector<std::string> out;
  for (const auto& j : jobs)
    if (j.id != id && found.count(j.id)) out.push_back(j.id);
  return out;
}

std::vector<std::string> FlowDef::Upstream(const std::string& id) const {
  std::set<std::string> found;
  std::vector<std::string> pending = {id};
  while (!pending.empty()) {
    const JobDef* j = Find(pending.back());
    pending.pop_back();
    if (!j) continue;
    for (const auto& n : j->needs)
      if (n != id && found.insert(n).second) pending.push_back(n);
  }
  std::vector<std::string> out;
  for (const auto& j : jobs)
    if (found.count(j.id)) out.push_back(j.id);
  return out;
}

const char* TargetModeName(TargetSpec::Mode m) {
  switch (m) {
    case TargetSpec::Mode::kAll: return "all";
    case TargetSpec::Mode::kOneOf: return "one_of";
    case TargetSpec::Mode::kAny: return "any";
  }
  return "all";
}

const FlowDef& FlowDef::Subflow(const JobDef& job) const { return *subflows.at(job.flow_path); }

std::shared_ptr<const FlowDef> LoadFlow(const YamlDoc& doc, std::vector<DefinitionError>* errors) {
  const size_t before = errors->size();
  Loader loader(errors, {Canonical(doc.filename())});
  auto flow = loader.Load(doc);
  // In file order: by file (in the order they were first named), then position.
  std::vector<std::string> files;
  for (size_t i = before; i < errors->size(); ++i)
    if (std::find(files.begin(), files.end(), (*errors)[i].loc().file) == files.end()) files.push_back((*errors)[i].loc().file);
  auto key = [&](const DefinitionError& e) {
    const auto f = std::find(files.begin(), files.end(), e.loc().file) - files.begin();
    return std::make_tuple(f, e.loc().line, e.loc().column);
  };
  std::stable_sort(errors->begin() + static_cast<std::ptrdiff_t>(before), errors->end(),
                   [&](const DefinitionError& a, const DefinitionError& b) { return key(a) < key(b); });
  return flow;
}

std::shared_ptr<const FlowDef> LoadFlowFileCollect(const std::string& path, std::vector<DefinitionError>* errors) {
  try {
    return LoadFlow(YamlDoc::FromFile(path), errors);
  } catch (const DefinitionError& e) {
    errors->push_back(e);
    return nullptr;
  }
}

void ThrowFirst(const std::vector<DefinitionError>& errors) {
  if (errors.size() == 1) throw errors.front();
  // The snippet of the first error is the line after its first line.
  const std::string what = errors.front().what();
  const size_t nl = what.find("\n  ");
  const std::string line = nl == std::string::npos ? "" : what.substr(nl + 3, what.find('\n', nl + 3) - nl - 3);
  throw DefinitionError(errors.front().loc(),
                        errors.front().message() + " (and " + std::to_string(errors.size() - 1) +
                            " more; 'hjob-run validate' lists them)",
                        line);
}

std::shared_ptr<const FlowDef> LoadFlowFile(const std::string& path) {
  std::vector<DefinitionError> errors;
  auto flow = LoadFlowFileCollect(path, &errors);
  if (!errors.empty()) ThrowFirst(errors);
  return flow;
}

bool IsEnvName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

std::pair<std::string, std::string> SplitParam(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos || eq == 0)
    throw UsageError("invalid --param '" + Printable(arg, 60) + "': expected NAME=VALUE");
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

std::map<std::string, std::string> ResolveParams(const FlowDef& flow,
                                                 const std::vector<std::pair<std::string, std::string>>& given) {
  std::map<std::string, std::string> out;
  std::vector<std::string> names;
  for (const auto& p : flow.params) {
    names.push_back(p.name);
    if (p.default_value) out[p.name] = *p.default_value;
  }
  for (const auto& [name, value] : given) {
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw UsageError("flow '" + flow.name + "' has no parameter '" + Printable(name, 60) + "'" + DidYouMean(name, names));
    out[name] = value;
  }
  for (const auto& p : flow.params)
    if (!out.count(p.name)) throw UsageError("flow '" + flow.name + "' needs parameter '" + p.name + "' (give --param " + p.name + "=VALUE)");
  return out;
}

bool TargetSpec::Templated() const {
  for (const auto* names : {&nodes, &scopes})
    for (const auto& n : *names)
      if (!TemplateNames(n).empty()) return true;
  return false;
}

std::vector<std::string> TemplateNames(const std::string& text) {
  std::vector<std::string> names;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') continue;
    if (i + 1 < text.size() && text[i + 1] == '$') {
      ++i;
      continue;
    }
    if (i + 1 >= text.size() || text[i + 1] != '{')
      throw RuntimeError("a '$' must start ${NAME} (write $$ for a '$')");
    const size_t close = text.find('}', i + 2);
    if (close == std::string::npos) throw RuntimeError("'${' without a closing '}'");
    const std::string name = text.substr(i + 2, close - i - 2);
    if (!IsEnvName(name)) throw RuntimeError("'${" + name + "}' does not name a parameter or output");
    names.push_back(name);
    i = close;
  }
  return names;
}

std::string ExpandTemplate(const std::string& text, const std::map<std::string, std::string>& values) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 2);
    const std::string name = text.substr(i + 2, close - i - 2);
    auto it = values.find(name);
    if (it == values.end()) throw RuntimeError("'${" + name + "}' has no value");
    out += it->second;
    i = close;
  }
  return out;
}

}  // namespace hops::job
