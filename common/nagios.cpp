#include "common/nagios.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

#include "common/text.hpp"
#include "common/units.hpp"

namespace hops {
namespace nagios {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/// Reads a decimal number ("[+-]digits[.digits][e[+-]digits]", at least one digit) at the start of
/// @p s into @p *out; returns the characters used, 0 when there is no number.
size_t ScanNumber(std::string_view s, double* out) {
  size_t pos = 0;
  if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) ++pos;
  size_t digits = 0;
  while (pos < s.size() && IsDigit(s[pos])) ++pos, ++digits;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    while (pos < s.size() && IsDigit(s[pos])) ++pos, ++digits;
  }
  if (digits == 0) return 0;
  if (pos < s.size() && (s[pos] == 'e' || s[pos] == 'E')) {
    size_t exp = pos + 1;
    if (exp < s.size() && (s[exp] == '+' || s[exp] == '-')) ++exp;
    if (exp < s.size() && IsDigit(s[exp])) {
      while (exp < s.size() && IsDigit(s[exp])) ++exp;
      pos = exp;
    }
  }
  // from_chars, unlike strtod, ignores the locale's decimal point but rejects a leading '+'.
  const size_t skip = s[0] == '+' ? 1 : 0;
  double v = 0;
  const auto res = std::from_chars(s.data() + skip, s.data() + pos, v);
  if (res.ec == std::errc::result_out_of_range) {
    v = s[0] == '-' ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  } else if (res.ec != std::errc() || res.ptr != s.data() + pos) {
    return 0;
  }
  *out = v;
  return pos;
}

/// Parses all of @p s as a finite number.
std::optional<double> ParseWholeNumber(std::string_view s) {
  double v = 0;
  if (s.empty() || ScanNumber(s, &v) != s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

void SetError(std::string* err, const std::string& message) {
  if (err != nullptr) *err = message;
}

void AppendError(std::string* err, const std::string& message) {
  if (err == nullptr) return;
  if (!err->empty()) *err += "; ";
  *err += message;
}

// What stands for '|' in plugin text: U+00A6 BROKEN BAR reads the same to a person, and Nagios
// does not take it for the start of perfdata.
constexpr std::string_view kBarStandIn = "\xC2\xA6";

/// @p text without '|' (and, unless @p keep_lines, on one line), so Nagios reads it as plain text.
std::string CleanText(std::string_view text, bool keep_lines = false) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '|') {
      out += kBarStandIn;
    } else if (!keep_lines && (c == '\n' || c == '\r')) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

bool LabelNeedsQuotes(const std::string& label) {
  if (label.empty()) return true;
  for (char c : label) {
    if (IsBlank(c) || c == '=' || c == '\'') return true;
  }
  return false;
}

/// Parses a min or max field: a number, optionally followed by the item's UOM ("0s").
bool ParseLimit(std::string_view field, const std::string& uom, std::optional<double>* out) {
  if (field.empty()) return true;
  double v = 0;
  const size_t used = ScanNumber(field, &v);
  if (used == 0 || !std::isfinite(v)) return false;
  const std::string_view rest = field.substr(used);
  if (!rest.empty() && rest != uom) return false;
  *out = v;
  return true;
}

/// Parses the "value[UOM];warn;crit;min;max" part of an item into @p p; false with @p *why set.
bool ParseFields(std::string_view token, Perfdata* p, std::string* why) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t semi = token.find(';', start);
    fields.push_back(token.substr(start, semi == std::string_view::npos ? semi : semi - start));
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  for (size_t i = 5; i < fields.size(); ++i) {
    if (!fields[i].empty()) {
      *why = "more than 5 fields";
      return false;
    }
  }
  const std::string_view value = fields[0];
  if (value.empty()) {
    *why = "missing value";
    return false;
  }
  std::string_view uom;
  if (value[0] == 'U') {
    p->value = std::numeric_limits<double>::quiet_NaN();
    uom = value.substr(1);
  } else {
    double v = 0;
    const size_t used = ScanNumber(value, &v);
    if (used == 0 || !std::isfinite(v)) {
      *why = "bad value '" + std::string(value) + "'";
      return false;
    }
    p->value = v;
    uom = value.substr(used);
  }
  if (!uom.empty() && (IsDigit(uom[0]) || uom[0] == '.' || uom[0] == '+' || uom[0] == '-')) {
    *why = "bad value '" + std::string(value) + "'";
    return false;
  }
  p->uom = std::string(uom);
  if (fields.size() > 1) p->warn = std::string(fields[1]);
  if (fields.size() > 2) p->crit = std::string(fields[2]);
  if (fields.size() > 3 && !ParseLimit(fields[3], p->uom, &p->min)) {
    *why = "bad min '" + std::string(fields[3]) + "'";
    return false;
  }
  if (fields.size() > 4 && !ParseLimit(fields[4], p->uom, &p->max)) {
    *why = "bad max '" + std::string(fields[4]) + "'";
    return false;
  }
  return true;
}

void RenderChildren(const Subcheck& node, int depth, std::string* out) {
  for (const Subcheck& child : node.children) {
    *out += '\n';
    out->append(static_cast<size_t>(depth), '\t');
    *out += "\\_[";
    *out += StateName(OverallState(child));
    *out += "] - ";
    *out += CleanText(child.output);
    RenderChildren(child, depth + 1, out);
  }
}

void CollectInto(const Subcheck& node, std::vector<Perfdata>* out) {
  out->insert(out->end(), node.perfdata.begin(), node.perfdata.end());
  for (const Subcheck& child : node.children) CollectInto(child, out);
}

}  // namespace

const char* StateName(State s) {
  switch (s) {
    case State::kOk:
      return "OK";
    case State::kWarning:
      return "WARNING";
    case State::kCritical:
      return "CRITICAL";
    case State::kUnknown:
      break;
  }
  return "UNKNOWN";
}

const char* StateWord(State s) {
  switch (s) {
    case State::kOk:
      return "ok";
    case State::kWarning:
      return "warning";
    case State::kCritical:
      return "critical";
    case State::kUnknown:
      break;
  }
  return "unknown";
}

std::optional<State> ParseStateWord(std::string_view s) {
  for (State st : {State::kOk, State::kWarning, State::kCritical, State::kUnknown}) {
    if (EqualsIgnoreCase(s, StateWord(st))) return st;
  }
  if (s.size() == 1 && s[0] >= '0' && s[0] <= '3') return static_cast<State>(s[0] - '0');
  return std::nullopt;
}

State WorstOf(State a, State b) {
  auto rank = [](State s) {
    switch (s) {
      case State::kOk:
        return 0;
      case State::kUnknown:
        return 1;
      case State::kWarning:
        return 2;
      case State::kCritical:
        return 3;
    }
    return 1;
  };
  return rank(b) > rank(a) ? b : a;
}

bool Range::Alerts(double v) const {
  if (std::isnan(v)) return false;
  const bool below = !start_inf && v < start;
  const bool above = !end_inf && v > end;
  const bool outside = below || above;
  return inside ? !outside : outside;
}

namespace {

/// A range bound: a plain number, or with a time @p unit also a duration converted to that unit
/// (*@p converted set); nullopt with *@p err set, naming @p range, when it is neither.
std::optional<double> ParseBound(std::string_view bound, RangeUnit unit, const std::string& range,
                                 std::string* err, bool* converted) {
  if (const auto v = ParseWholeNumber(bound)) return v;
  const std::string quoted = "'" + std::string(bound) + "' in range '" + range + "'";
  if (unit == RangeUnit::kNumber) {
    SetError(err, "bad number " + quoted);
    return std::nullopt;
  }
  const char* hint = unit == RangeUnit::kSeconds
                         ? "plain numbers are seconds (2, 0.5); durations take ms, s or m (500ms, 2s, 1m)"
                         : "plain numbers are milliseconds (200, 0.5); durations take ms, s or m (200ms, 1s)";
  const auto d = ParseDuration(bound);
  // ParseDuration alone would take a bare number; that case was handled above.
  if (!d) {
    SetError(err, "bad time " + quoted + ": " + hint);
    return std::nullopt;
  }
  if (bound.find_first_of("hdw") != std::string_view::npos) {
    SetError(err, quoted + " is too long for a response time: " + hint);
    return std::nullopt;
  }
  *converted = true;
  const double ms = static_cast<double>(d->count());
  return unit == RangeUnit::kSeconds ? ms / 1000 : ms;
}

}  // namespace

std::optional<Range> ParseRange(std::string_view text, std::string* err, RangeUnit unit) {
  Range r;
  const std::string_view trimmed = Trim(text);
  r.text = std::string(trimmed);
  const std::string quoted = "'" + r.text + "'";
  std::string_view s = trimmed;
  if (s.empty()) {
    SetError(err, "empty range");
    return std::nullopt;
  }
  if (s[0] == '@') {
    r.inside = true;
    s.remove_prefix(1);
    if (s.empty()) {
      SetError(err, "range '@' has no bounds");
      return std::nullopt;
    }
  }
  bool converted = false;
  const size_t colon = s.find(':');
  std::string_view end_text = s;
  if (colon != std::string_view::npos) {
    const std::string_view start_text = s.substr(0, colon);
    end_text = s.substr(colon + 1);
    if (start_text.empty() && end_text.empty()) {
      SetError(err, "range " + quoted + " has neither start nor end");
      return std::nullopt;
    }
    if (start_text == "~") {
      r.start_inf = true;
    } else if (!start_text.empty()) {
      const auto v = ParseBound(start_text, unit, r.text, err, &converted);
      if (!v) return std::nullopt;
      r.start = *v;
    }
  }
  if (end_text.empty()) {
    r.end_inf = true;
  } else {
    const auto v = ParseBound(end_text, unit, r.text, err, &converted);
    if (!v) return std::nullopt;
    r.end = *v;
    r.end_inf = false;
  }
  if (!r.start_inf && !r.end_inf && r.start > r.end) {
    SetError(err, "range " + quoted + " has start " + FormatPerfNumber(r.start) +
                      " greater than end " + FormatPerfNumber(r.end));
    return std::nullopt;
  }
  if (converted) {  // the range in the measure's unit, as perfdata and Nagios read it
    r.text = r.inside ? "@" : "";
    if (colon != std::string_view::npos)
      r.text += (r.start_inf ? "~" : s.substr(0, colon).empty() ? "" : FormatPerfNumber(r.start)) + ":";
    if (!r.end_inf) r.text += FormatPerfNumber(r.end);
  }
  return r;
}

State Thresholds::Evaluate(double v) const {
  if (std::isnan(v)) return State::kUnknown;
  if (critical && critical->Alerts(v)) return State::kCritical;
  if (warning && warning->Alerts(v)) return State::kWarning;
  return State::kOk;
}

std::string FormatPerfNumber(double v) {
  if (!std::isfinite(v)) return "U";
  if (v == 0) return "0";
  int decimals = 6;
  const double mag = std::fabs(v);
  if (mag < 1) {
    decimals = 5 - static_cast<int>(std::floor(std::log10(mag)));
    if (decimals > 20) decimals = 20;
  }
  char buf[400];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed, decimals);
  std::string out(buf, res.ec == std::errc() ? res.ptr : buf);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  if (out == "-0" || out.empty()) return "0";
  return out;
}

std::string FormatPerfdata(const Perfdata& p) {
  std::string out;
  if (LabelNeedsQuotes(p.label)) {
    out += '\'';
    for (char c : p.label) {
      if (c == '\'') out += '\'';
      out += c;
    }
    out += '\'';
  } else {
    out += p.label;
  }
  out += '=';
  if (std::isnan(p.value)) {
    out += 'U';
  } else {
    out += FormatPerfNumber(p.value);
    out += p.uom;
  }
  const std::string fields[4] = {p.warn, p.crit, p.min ? FormatPerfNumber(*p.min) : "",
                                 p.max ? FormatPerfNumber(*p.max) : ""};
  size_t used = 4;
  while (used > 0 && fields[used - 1].empty()) --used;
  for (size_t i = 0; i < used; ++i) {
    out += ';';
    out += fields[i];
  }
  return out;
}

std::string FormatPerfdataList(const std::vector<Perfdata>& list) {
  std::string out;
  for (const Perfdata& p : list) {
    if (!out.empty()) out += ' ';
    out += FormatPerfdata(p);
  }
  return out;
}

std::vector<Perfdata> ParsePerfdata(std::string_view text, std::string* err) {
  std::vector<Perfdata> out;
  if (err != nullptr) err->clear();
  size_t pos = 0;
  const size_t n = text.size();
  auto skip_token = [&] {
    while (pos < n && !IsBlank(text[pos])) ++pos;
  };
  while (true) {
    while (pos < n && IsBlank(text[pos])) ++pos;
    if (pos >= n) break;
    const size_t item_start = pos;
    auto fail = [&](const std::string& why) {
      skip_token();
      AppendError(err, "malformed perfdata item '" +
                           std::string(text.substr(item_start, pos - item_start)) + "': " + why);
    };
    Perfdata p;
    if (text[pos] == '\'') {
      ++pos;
      bool closed = false;
      while (pos < n) {
        if (text[pos] == '\'') {
          if (pos + 1 < n && text[pos + 1] == '\'') {
            p.label += '\'';
            pos += 2;
            continue;
          }
          ++pos;
          closed = true;
          break;
        }
        p.label += text[pos++];
      }
      if (!closed) {
        AppendError(err, "malformed perfdata item '" + std::string(text.substr(item_start)) +
                             "': unterminated quote");
        break;
      }
    } else {
      while (pos < n && text[pos] != '=' && !IsBlank(text[pos])) p.label += text[pos++];
    }
    if (pos >= n || text[pos] != '=') {
      fail("missing '='");
      continue;
    }
    if (p.label.empty()) {
      fail("empty label");
      continue;
    }
    ++pos;
    const size_t value_start = pos;
    skip_token();
    std::string why;
    if (!ParseFields(text.substr(value_start, pos - value_start), &p, &why)) {
      fail(why);
      continue;
    }
    out.push_back(std::move(p));
  }
  return out;
}

PluginOutput ParsePluginOutput(std::string_view stdout_text, std::string* err) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < stdout_text.size()) {
    size_t nl = stdout_text.find('\n', start);
    if (nl == std::string_view::npos) nl = stdout_text.size();
    std::string_view line = stdout_text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    start = nl + 1;
  }
  PluginOutput out;
  std::string perf;
  auto add_perf = [&perf](std::string_view more) {
    if (!perf.empty()) perf += ' ';
    perf += std::string(more);
  };
  std::vector<std::string_view> long_lines;
  bool in_perf = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (i == 0) {
      const size_t bar = line.find('|');
      out.status_line = std::string(Trim(line.substr(0, bar)));
      if (bar != std::string_view::npos) add_perf(line.substr(bar + 1));
    } else if (in_perf) {
      add_perf(line);
    } else {
      const size_t bar = line.find('|');
      if (bar == std::string_view::npos) {
        long_lines.push_back(line);
        continue;
      }
      std::string_view before = line.substr(0, bar);
      while (!before.empty() && IsBlank(before.back())) before.remove_suffix(1);
      if (!before.empty()) long_lines.push_back(before);
      add_perf(line.substr(bar + 1));
      in_perf = true;
    }
  }
  while (!long_lines.empty() && Trim(long_lines.back()).empty()) long_lines.pop_back();
  for (size_t i = 0; i < long_lines.size(); ++i) {
    if (i > 0) out.long_output += '\n';
    out.long_output += std::string(long_lines[i]);
  }
  out.perfdata = ParsePerfdata(perf, err);
  return out;
}

std::string StatusLine(const std::string& service, State s, const std::string& summary,
                       const std::vector<Perfdata>& perf) {
  std::string out = Upper(CleanText(service));
  if (!out.empty()) out += ' ';
  out += StateName(s);
  if (!summary.empty()) {
    out += " - ";
    out += CleanText(summary);
  }
  if (!perf.empty()) {
    out += " | ";
    out += FormatPerfdataList(perf);
  }
  return out;
}

std::string PluginText(const std::string& service, State s, const std::string& summary,
                       const std::string& long_output, const std::vector<Perfdata>& perf) {
  std::string out = StatusLine(service, s, summary, perf) + "\n";
  if (!long_output.empty()) {
    out += CleanText(long_output, true);
    if (out.back() != '\n') out += '\n';
  }
  return out;
}

State OverallState(const Subcheck& root) {
  State worst = root.state;
  for (const Subcheck& child : root.children) worst = WorstOf(worst, OverallState(child));
  return worst;
}

std::vector<Perfdata> CollectPerfdata(const Subcheck& root) {
  std::vector<Perfdata> out;
  CollectInto(root, &out);
  return out;
}

std::string RenderText(const Subcheck& root) {
  std::string out = CleanText(root.output);
  RenderChildren(root, 1, &out);
  return out;
}

std::string RenderPluginOutput(const std::string& service, const Subcheck& root) {
  std::string out = StatusLine(service, OverallState(root), root.output, CollectPerfdata(root));
  RenderChildren(root, 1, &out);
  out += '\n';
  return out;
}

}  // namespace nagios
}  // namespace hops
