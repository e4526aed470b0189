// The Nagios / Monitoring Plugins API: states, threshold ranges, performance data, plugin output
// parsing and rendering, and a small result tree in the spirit of monitoring-plugins lib/output.h.
#ifndef HOPS_COMMON_NAGIOS_HPP_
#define HOPS_COMMON_NAGIOS_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/event.hpp"

namespace hops {
namespace nagios {

/// A plugin result; the value is the plugin's exit code.
enum class State { kOk = 0, kWarning = 1, kCritical = 2, kUnknown = 3 };

/// The upper-case plugin word for @p s: "OK", "WARNING", "CRITICAL" or "UNKNOWN".
const char* StateName(State s);

/// The lower-case event status word for @p s: "ok", "warning", "critical" or "unknown".
const char* StateWord(State s);

/// Parses "ok", "warning", "critical" or "unknown" (any case) or an exit code "0".."3".
std::optional<State> ParseStateWord(std::string_view s);

/// The more severe of @p a and @p b, ordered CRITICAL > WARNING > UNKNOWN > OK (max_state_alt).
State WorstOf(State a, State b);

/// A threshold range "[@][start:][end]"; the default is 0..+inf.
struct Range {
  double start = 0;        ///< lower bound, inclusive; ignored when start_inf
  double end = 0;          ///< upper bound, inclusive; ignored when end_inf
  bool start_inf = false;  ///< the lower bound is -inf ("~")
  bool end_inf = true;     ///< the upper bound is +inf (end omitted)
  bool inside = false;     ///< '@': alert inside the range instead of outside
  std::string text;        ///< the range as written, surrounding blanks removed
  /// True when @p v raises the alert: outside start..end, or inside it with '@'; never for NaN.
  bool Alerts(double v) const;
};

/// How the bounds of a range are written.
enum class RangeUnit {
  kNumber,        ///< plain numbers only
  kSeconds,       ///< a time in seconds: plain numbers of seconds, or durations in m, s and ms
  kMilliseconds,  ///< a time in milliseconds: plain numbers of ms, or durations in m, s and ms
};

/// Parses a range ("10", "10:", "~:10", "10:20", "@10:20", ":10"; decimals and negatives allowed);
/// nullopt with *@p err set (when non-null) for empty text, "@" or ":" alone, a bad number or
/// start > end. With a time @p unit a bound may also be a duration ("500ms", "2s", "1m30s"),
/// converted to that unit, and Range::text is then the range in plain numbers ("@500ms:2s" is
/// "@0.5:2" in seconds); durations in hours, days or weeks are refused as too long for a
/// response time ("30d" for a tcp connect time is a mistake, not a threshold).
std::optional<Range> ParseRange(std::string_view text, std::string* err, RangeUnit unit = RangeUnit::kNumber);

/// A warning and a critical range, either of which may be absent.
struct Thresholds {
  std::optional<Range> warning;   ///< alerts WARNING
  std::optional<Range> critical;  ///< alerts CRITICAL; checked before warning
  /// CRITICAL when the critical range alerts, else WARNING when the warning range does, else OK;
  /// UNKNOWN for NaN.
  State Evaluate(double v) const;
};

/// Formats a number as perfdata wants it: fixed notation with no trailing zeros, at most 6 decimal
/// places (6 significant digits below 1), "U" when not finite.
std::string FormatPerfNumber(double v);

/// One perfdata item "'label'=value[UOM];[warn];[crit];[min];[max]": the label quoted when it is
/// empty or has blanks, '=' or quotes (a quote doubled), trailing empty fields dropped, and "U"
/// (without the UOM) for a NaN value.
std::string FormatPerfdata(const Perfdata& p);

/// The items of @p list formatted and separated by single spaces.
std::string FormatPerfdataList(const std::vector<Perfdata>& list);

/// Parses space-separated perfdata items, tolerating extra blanks; malformed items are skipped and
/// described in *@p err (when non-null, "; "-separated), the rest are returned.
std::vector<Perfdata> ParsePerfdata(std::string_view text, std::string* err);

/// Plugin stdout split into its parts.
struct PluginOutput {
  std::string status_line;         ///< the first line's text, before any '|'
  std::string long_output;         ///< the following text lines, '\n'-separated
  std::vector<Perfdata> perfdata;  ///< first-line perfdata, then the long output's
};

/// Splits plugin stdout in the Nagios 3 format: "TEXT | PERF" on the first line, then long text
/// until a line with '|', whose rest and all following lines are perfdata; perfdata errors go to
/// *@p err when non-null.
PluginOutput ParsePluginOutput(std::string_view stdout_text, std::string* err = nullptr);

/// The one-line status "HTTP OK - 200 in 0.012 s | time=0.012s;1;2;0": @p service upper-cased,
/// the state, " - " and @p summary, and perfdata if any; '|' in the text becomes U+00A6 '¦' and
/// line breaks become spaces so Nagios cannot misread them.
std::string StatusLine(const std::string& service, State s, const std::string& summary,
                       const std::vector<Perfdata>& perf);

/// A whole plugin answer: StatusLine, then @p long_output (a '|' in it becomes '¦' too, since Nagios
/// reads perfdata after the first '|' of the long output as well), ending in a newline.
std::string PluginText(const std::string& service, State s, const std::string& summary,
                       const std::string& long_output, const std::vector<Perfdata>& perf);

/// One node of a result tree (monitoring-plugins mp_subcheck).
struct Subcheck {
  State state = State::kOk;        ///< this node's own state
  std::string output;              ///< one line of text
  std::vector<Perfdata> perfdata;  ///< this node's measurements
  std::vector<Subcheck> children;  ///< nested subchecks
};

/// The worst of @p root's own state and all its descendants', via WorstOf.
State OverallState(const Subcheck& root);

/// All perfdata of the tree, depth first, each node's own before its children's.
std::vector<Perfdata> CollectPerfdata(const Subcheck& root);

/// The tree as text: the root output, then one "\t...\\_[STATE] - output" line per descendant,
/// indented one tab per level, STATE being that subtree's OverallState; no trailing newline.
std::string RenderText(const Subcheck& root);

/// Complete plugin stdout for a tree: StatusLine(@p service, OverallState, root output,
/// CollectPerfdata) and then the descendant lines of RenderText, ending in a newline.
std::string RenderPluginOutput(const std::string& service, const Subcheck& root);

}  // namespace nagios
}  // namespace hops

#endif  // HOPS_COMMON_NAGIOS_HPP_
