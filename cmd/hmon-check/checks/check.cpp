#include "cmd/hmon-check/checks/check.hpp"

#include <algorithm>
#include <utility>

#include "common/text.hpp"

namespace hops::mon {

std::optional<std::string> Params::Get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.front();
}

const std::vector<std::string>& Params::All(const std::string& key) const {
  static const std::vector<std::string> kEmpty;
  auto it = values_.find(key);
  return it == values_.end() ? kEmpty : it->second;
}

const std::map<std::string, std::string>& Params::Map(const std::string& key) const {
  static const std::map<std::string, std::string> kEmpty;
  auto it = maps_.find(key);
  return it == maps_.end() ? kEmpty : it->second;
}

bool Params::Has(const std::string& key) const { return values_.count(key) || maps_.count(key); }

bool Params::Bool(const std::string& key) const {
  auto v = Get(key);
  return v && ParseBool(*v).value_or(false);
}

std::string Params::CheckBool(const std::string& key) const {
  auto v = Get(key);
  return v && !ParseBool(*v) ? BadBoolMessage(key, *v) : "";
}

void Params::Set(const std::string& key, std::string value) { values_[key] = {std::move(value)}; }

void Params::Add(const std::string& key, std::string value) { values_[key].push_back(std::move(value)); }

void Params::SetMap(const std::string& key, const std::string& name, std::string value) {
  maps_[key][name] = std::move(value);
}

std::vector<std::string> Params::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [k, v] : values_) keys.push_back(k);
  for (const auto& [k, v] : maps_) keys.push_back(k);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

CheckResult Result(nagios::State state, std::string summary) {
  CheckResult r;
  r.state = state;
  r.summary = std::move(summary);
  return r;
}

CheckResult Unknown(std::string summary) { return Result(nagios::State::kUnknown, std::move(summary)); }

Perfdata TimePerf(double seconds, std::chrono::milliseconds timeout) {
  Perfdata p;
  p.label = "time";
  p.value = seconds;
  p.uom = "s";
  p.min = 0.0;
  p.max = std::chrono::duration<double>(timeout).count();
  return p;
}

void ApplyThresholds(const ThresholdMap& thresholds, CheckResult* result) {
  for (Perfdata& p : result->perfdata) {
    auto it = thresholds.find(p.label);
    if (it == thresholds.end()) continue;
    const nagios::Thresholds& t = it->second;
    if (t.warning) p.warn = t.warning->text;
    if (t.critical) p.crit = t.critical->text;
    if (p.value != p.value) continue;  // NaN: unknown value, nothing to compare
    nagios::State s = t.Evaluate(p.value);
    if (s != nagios::State::kOk) {
      if (nagios::WorstOf(result->state, s) != result->state ||
          result->state == nagios::State::kOk) {
        result->summary += (result->summary.empty() ? "" : ", ") + p.label + " " +
                           (s == nagios::State::kCritical ? "critical" : "warning");
      }
      result->state = nagios::WorstOf(result->state, s);
    }
  }
}

void CheckType::RunBatch(const SpecSource& specs, const CheckContext& ctx, int /*max_parallel*/,
                         const DoneFn& done) const {
  for (size_t i = 0; i < specs.size(); ++i) {
    std::shared_ptr<const CheckSpec> spec = specs.Get(i);
    done(i, Run(*spec, ctx));
  }
}

}  // namespace hops::mon
