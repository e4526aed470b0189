// The check interface of hmon-check: a monitor type turns parameters into a result.
#ifndef HOPS_COMMON_CHECK_HPP_
#define HOPS_COMMON_CHECK_HPP_

#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/event.hpp"
#include "common/nagios.hpp"

namespace hops {
class StateStore;
}  // namespace hops

namespace hops::mon {

/// Parameters of one check instance: a monitor's keys with node placeholders already expanded.
/// Values are the YAML scalars as text, lists as several values; types parse what they need.
class Params {
 public:
  /// The single value of @p key, or nullopt when absent.
  std::optional<std::string> Get(const std::string& key) const;
  /// Every value of @p key (empty when absent).
  const std::vector<std::string>& All(const std::string& key) const;
  /// The mapping value of @p key as name → value pairs (headers, tags); empty when absent.
  const std::map<std::string, std::string>& Map(const std::string& key) const;
  /// True when @p key is present.
  bool Has(const std::string& key) const;
  /// The boolean value of @p key as ParseBool (common/text.hpp) reads it; false when absent or
  /// not a boolean (Validate refuses that with CheckBool).
  bool Bool(const std::string& key) const;
  /// "" when @p key is absent or a boolean, else BadBoolMessage naming the key and the value.
  std::string CheckBool(const std::string& key) const;
  /// Sets a scalar value (replacing any earlier value).
  void Set(const std::string& key, std::string value);
  /// Appends one value to a list.
  void Add(const std::string& key, std::string value);
  /// Sets one entry of a mapping value.
  void SetMap(const std::string& key, const std::string& name, std::string value);
  /// Every key present, sorted.
  std::vector<std::string> Keys() const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::map<std::string, std::map<std::string, std::string>> maps_;
};

/// A condition with its own severity, for checks that test several things (http: status, body,
/// JSON value, time, certificate days). The type evaluates the ones it knows.
struct Condition {
  std::string what;      ///< "status", "body", "body_regex", "json", "time", "cert_days", "header", ...
  std::string op;        ///< "in", "contains", "matches", "not_matches", "equals", "range", ...
  std::vector<std::string> values;  ///< operands (status codes, strings, a Nagios range)
  std::string path;      ///< JSON path or header name where relevant
  nagios::State severity = nagios::State::kCritical;
  std::string text;      ///< as written, for messages
};

/// Thresholds on named measures (perfdata labels), in Nagios range syntax.
using ThresholdMap = std::map<std::string, nagios::Thresholds>;

/// Everything a check needs to run once.
struct CheckSpec {
  std::string monitor;   ///< monitor id
  std::string type;      ///< monitor type ("http", "tcp", ...)
  std::string node;      ///< node id ("" when the monitor has no node targets)
  std::string target;    ///< the expanded target: URL, host[:port], path, ...
  Params params;         ///< type-specific parameters, expanded for the node
  std::vector<Condition> conditions;
  ThresholdMap thresholds;
  std::chrono::milliseconds timeout{10000};
  std::string state_key; ///< where the type keeps per-instance state (logfile offsets), = event key
};

/// The outcome of one check.
struct CheckResult {
  nagios::State state = nagios::State::kUnknown;
  std::string summary;              ///< one line, without the state word
  std::vector<Perfdata> perfdata;   ///< measures, with warn/crit filled from the thresholds
  std::string long_output;          ///< extra lines (log matches, per-condition results)
  std::chrono::milliseconds duration{0};
  nlohmann::ordered_json details = nlohmann::ordered_json::object();  ///< type-specific event data
};

/// Services a check may use: the state store (logfile offsets) and the clock.
struct CheckContext {
  hops::StateStore* state = nullptr;            ///< may be null in ad-hoc runs without state
  std::function<int64_t()> now_ms;              ///< wall clock in ms since the epoch
  int per_host = 8;                             ///< RunBatch: requests in flight to one host[:port]
};

/// A result of @p state with nothing but @p summary, for a check that ends early (it cannot run,
/// or it failed before there was anything to measure).
CheckResult Result(nagios::State state, std::string summary);

/// Result(State::kUnknown, @p summary): the check could not be made.
CheckResult Unknown(std::string summary);

/// The "time" measure of a check that took @p seconds: unit s, from 0 to @p timeout.
Perfdata TimePerf(double seconds, std::chrono::milliseconds timeout);

/// Applies @p thresholds to @p result: fills warn/crit of matching perfdata and raises the state.
void ApplyThresholds(const ThresholdMap& thresholds, CheckResult* result);

/// Called by RunBatch once per check, on the calling thread, in completion order.
using DoneFn = std::function<void(size_t index, CheckResult result)>;

/// The checks of one RunBatch. Get(i) is called once, when check i starts, and RunBatch keeps the
/// spec it returns only while check i is in flight: a run of 100,000 checks holds only those.
class SpecSource {
 public:
  /// Makes spec i on demand.
  SpecSource(size_t count, std::function<std::shared_ptr<const CheckSpec>(size_t)> get)
      : count_(count), get_(std::move(get)) {}
  /// Specs the caller keeps alive for the whole batch.
  SpecSource(const std::vector<const CheckSpec*>& specs) : count_(specs.size()), borrowed_(specs) {}  // NOLINT
  SpecSource(std::initializer_list<const CheckSpec*> specs) : count_(specs.size()), borrowed_(specs) {}
  /// The number of checks.
  size_t size() const { return count_; }
  /// Spec @p i.
  std::shared_ptr<const CheckSpec> Get(size_t i) const {
    if (get_) return get_(i);
    return std::shared_ptr<const CheckSpec>(std::shared_ptr<const CheckSpec>(), borrowed_.at(i));
  }

 private:
  size_t count_;
  std::function<std::shared_ptr<const CheckSpec>(size_t)> get_;
  std::vector<const CheckSpec*> borrowed_;
};

/// A monitor type: validates parameters at load time and runs checks.
class CheckType {
 public:
  virtual ~CheckType() = default;
  /// The type name used in YAML ("http").
  virtual std::string Name() const = 0;
  /// Parameter keys this type accepts (besides the common monitor keys).
  virtual std::vector<std::string> ParamKeys() const = 0;
  /// The parameter keys among ParamKeys() whose values are regular expressions (cmd/hmon-check/regex.hpp),
  /// so that a definition file can point at a bad one.
  virtual std::vector<std::string> PatternKeys() const { return {}; }
  /// Measures this type reports (perfdata labels), the first being the primary one that
  /// `warning:`/`critical:` shorthands apply to; empty when the type has no measure.
  virtual std::vector<std::string> Measures() const = 0;
  /// Checks a spec's parameters; returns "" when valid, else a message naming the key.
  virtual std::string Validate(const CheckSpec& spec) const = 0;
  /// True when checks of this type run together in one loop of the HTTP layer (RunBatch, see
  /// requests.hpp), false for the pool.
  virtual bool UsesCurlMulti() const { return false; }
  /// Runs one check, blocking (called from a bounded worker pool).
  virtual CheckResult Run(const CheckSpec& spec, const CheckContext& ctx) const = 0;
  /// Runs several checks concurrently in one loop, at most @p max_parallel at once.
  /// Only types with UsesCurlMulti() implement it; the default runs them one by one.
  virtual void RunBatch(const SpecSource& specs, const CheckContext& ctx,
                        int max_parallel, const DoneFn& done) const;
};

/// Every built-in monitor type, by name (built once, on first use).
const std::map<std::string, std::unique_ptr<CheckType>>& CheckTypes();

// Factories of the built-in types, one per check_*.cpp file (listed explicitly rather than
// self-registered, because a static library drops object files nothing refers to).
std::unique_ptr<CheckType> MakeHttpCheck(bool https);      ///< check_http.cpp: http, https
std::unique_ptr<CheckType> MakeTlsCertCheck();             ///< check_tls.cpp: tls-cert
std::unique_ptr<CheckType> MakeMailCheck(const std::string& protocol);  ///< check_mail.cpp: smtp, imap, pop3, ftp
std::unique_ptr<CheckType> MakeTcpCheck();                 ///< check_net.cpp: tcp
std::unique_ptr<CheckType> MakeDnsCheck();                 ///< check_net.cpp: dns
std::unique_ptr<CheckType> MakePingCheck();                ///< check_ping.cpp: ping
std::unique_ptr<CheckType> MakeSqlCheck();                 ///< check_sql.cpp: sql (PostgreSQL)
std::unique_ptr<CheckType> MakeProcessCheck();             ///< check_sys.cpp: process
std::unique_ptr<CheckType> MakeDiskCheck();                ///< check_sys.cpp: disk
std::unique_ptr<CheckType> MakeLoadCheck();                ///< check_sys.cpp: load
std::unique_ptr<CheckType> MakeCpuCheck();                 ///< check_sys.cpp: cpu
std::unique_ptr<CheckType> MakeMemoryCheck();              ///< check_sys.cpp: memory
std::unique_ptr<CheckType> MakeSwapCheck();                ///< check_sys.cpp: swap
std::unique_ptr<CheckType> MakeLogfileCheck();             ///< check_log.cpp: logfile
std::unique_ptr<CheckType> MakeCommandCheck();             ///< check_cmd.cpp: command (Nagios plugins)

/// The environment a command plugin runs with: only PATH (a standard one when hmon-check has
/// none), LANG, LC_ALL and TZ of hmon-check's own, then the monitor's @p env on top.
std::vector<std::string> PluginEnvironment(const std::map<std::string, std::string>& env);

}  // namespace hops::mon

#endif  // HOPS_COMMON_CHECK_HPP_
