#include "cmd/hmon-check/status.hpp"

#include <algorithm>
#include <set>

#include "cmd/hmon-check/html.hpp"
#include "common/event.hpp"
#include "common/nagios.hpp"
#include "common/text.hpp"
#include "common/zone.hpp"

namespace hops::mon {

namespace {

/// What hmon-check's events put before a state key (runner.cpp), and so the delivery log's key.
constexpr const char* kEventKeyPrefix = "hmon-check/";

/// The states in page order.
constexpr const char* kOrder[] = {"critical", "unknown", "warning", "flapping", "unreachable",
                                  "pending",  "ok",      "suppressed"};

bool IsCheckState(const std::string& s) {
  return s == "ok" || s == "warning" || s == "critical" || s == "unknown";
}

/// Fills the status part of @p r from the stored @p s.
void Fill(const MonitorStatus& s, int64_t now_ms, std::chrono::milliseconds stale_after, StatusRow* r) {
  r->checked = true;
  r->raw_state = s.state;
  r->hard_state = s.hard_state;
  r->consecutive = s.consecutive;
  r->summary = s.last_summary;
  r->since_ms = s.last_change_ms;
  r->last_check_ms = s.last_check_ms;
  // What `run` reports: the hard state, unless nothing was judged (suppressed, unreachable) or
  // the check flaps.
  if (IsCheckState(s.state)) r->state = s.hard_state.empty() ? s.state : s.hard_state;
  else r->state = s.state;
  r->soft = IsCheckState(s.state) && s.state != r->state;
  r->stale = s.last_check_ms > 0 && now_ms - s.last_check_ms > stale_after.count();
}

/// @p ms as local time of @p zone, "2026-05-08 17:00:00+09:00" (seconds dropped: @p minutes).
std::string LocalTime(int64_t ms, const TimeZone* zone, bool minutes = false) {
  std::string s = FormatInstant(date::sys_seconds(std::chrono::seconds(ms / 1000)), zone);
  if (s.size() > 10) s[10] = ' ';
  if (minutes && s.size() >= 16) s = s.substr(0, 16);
  return s;
}

std::string Iso(int64_t ms) {
  return FormatTimestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

/// The state as a row shows it: "critical", or "ok (soft critical)".
std::string StateText(const StatusRow& r) { return r.soft ? r.state + " (soft " + r.raw_state + ")" : r.state; }

/// "sent via ops-slack (slack)" of a logged notification.
std::string NotifiedText(const Delivery& d) {
  return d.outcome + " via " + d.channel + (d.channel_type.empty() || d.channel_type == d.channel ? "" : " (" + d.channel_type + ")");
}

/// The counts line: "1 critical, 4 ok; 1 stale; 2 not in the file".
std::string CountsText(const StatusPage& page) {
  std::string out;
  std::set<std::string> shown;
  for (const char* st : kOrder)
    if (auto it = page.counts.find(st); it != page.counts.end()) {
      out += (out.empty() ? "" : ", ") + std::to_string(it->second) + " " + st;
      shown.insert(st);
    }
  for (const auto& [st, n] : page.counts)
    if (!shown.count(st)) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + st;
  if (out.empty()) out = "no checks";
  if (page.stale) out += "; " + std::to_string(page.stale) + " stale";
  if (page.not_in_file) out += "; " + std::to_string(page.not_in_file) + " not in the file";
  return out;
}

std::string GroupTitle(const StatusGroup& g) {
  if (!g.in_file) return "not in the monitor file";
  return g.scope.empty() ? "no node" : "scope " + g.scope;
}

std::string ZoneName(const TimeZone* zone) { return zone ? zone->name() : "UTC"; }

/// The display columns of @p s: one a character, two from U+1100 on (CJK and kana are wide;
/// close enough for a status table).
size_t Columns(const std::string& s) {
  size_t cols = 0;
  for (char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b & 0xC0) != 0x80) cols += b >= 0xE1 ? 2 : 1;
  }
  return cols;
}

/// @p s padded with blanks to @p width display columns.
std::string Pad(const std::string& s, size_t width) {
  const size_t cols = Columns(s);
  return cols >= width ? s : s + std::string(width - cols, ' ');
}

}  // namespace

int StatusRank(const std::string& state) {
  for (size_t i = 0; i < std::size(kOrder); ++i)
    if (state == kOrder[i]) return int(i);
  return int(std::size(kOrder));
}

StatusPage BuildStatusPage(StateStore* store, const std::vector<StatusCheck>& checks, bool include_unlisted,
                           int64_t now_ms, std::chrono::milliseconds stale_after) {
  StatusPage page;
  page.generated_ms = now_ms;
  page.stale_after = stale_after;
  const std::map<std::string, MonitorStatus> statuses =
      store ? store->GetAllMonitorStatus() : std::map<std::string, MonitorStatus>{};
  std::vector<StatusRow> rows;
  rows.reserve(checks.size());
  std::set<std::string> listed;
  for (const StatusCheck& c : checks) {
    if (!listed.insert(c.key).second) continue;
    StatusRow r;
    r.check = c;
    if (auto it = statuses.find(c.key); it != statuses.end()) Fill(it->second, now_ms, stale_after, &r);
    else r.state = "pending";
    rows.push_back(std::move(r));
  }
  if (include_unlisted) {
    for (const auto& [key, s] : statuses) {
      if (listed.count(key)) continue;
      StatusRow r;
      r.in_file = false;
      r.check.key = key;
      const size_t slash = key.find('/');
      r.check.monitor = key.substr(0, slash);
      if (slash != std::string::npos) r.check.node = key.substr(slash + 1);
      Fill(s, now_ms, stale_after, &r);
      rows.push_back(std::move(r));
    }
  }
  if (store) {
    // Only each check's newest change and newest notification are read, one index seek each:
    // the page costs the same after a year of history as after a day.
    std::vector<std::string> keys, event_keys;
    for (const StatusRow& r : rows) {
      if (r.since_ms > 0) keys.push_back(r.check.key);
      event_keys.push_back(kEventKeyPrefix + r.check.key);
    }
    // The state before the current one: the newest change, when it is the one that began it.
    const std::map<std::string, StatusChange> newest = store->LastStatusChanges(keys);
    std::map<std::string, Delivery> notified = store->LastDeliveries(event_keys);
    for (StatusRow& r : rows) {
      if (auto it = newest.find(r.check.key); it != newest.end() && it->second.time_ms == r.since_ms)
        r.since_from = it->second.from;
      if (auto it = notified.find(kEventKeyPrefix + r.check.key); it != notified.end())
        r.notified = std::move(it->second);
    }
  }
  // Groups: by scope ("" first), then the checks no longer in the file.
  std::map<std::string, std::vector<StatusRow>> by_scope;
  std::vector<StatusRow> unlisted;
  for (StatusRow& r : rows) {
    if (r.in_file) {
      page.counts[r.state]++;
      page.stale += r.stale;
      by_scope[r.check.scope].push_back(std::move(r));
    } else {
      page.not_in_file++;
      unlisted.push_back(std::move(r));
    }
  }
  auto worst_first = [](const StatusRow& a, const StatusRow& b) {
    const int ra = StatusRank(a.state), rb = StatusRank(b.state);
    if (ra != rb) return ra < rb;
    // Within a state, a problem not confirmed yet comes before the settled checks.
    const bool pa = a.soft && a.raw_state != "ok", pb = b.soft && b.raw_state != "ok";
    if (pa != pb) return pa;
    return a.check.key < b.check.key;
  };
  for (auto& [scope, list] : by_scope) {
    std::sort(list.begin(), list.end(), worst_first);
    page.groups.push_back({scope, true, std::move(list)});
  }
  if (!unlisted.empty()) {
    std::sort(unlisted.begin(), unlisted.end(), worst_first);
    page.groups.push_back({"", false, std::move(unlisted)});
  }
  return page;
}

std::string StatusAge(int64_t ms) {
  if (ms < 0) ms = 0;
  const int64_t s = ms / 1000, m = s / 60, h = m / 60, d = h / 24;
  if (d > 0) return std::to_string(d) + "d" + (h % 24 ? " " + std::to_string(h % 24) + "h" : "");
  if (h > 0) return std::to_string(h) + "h" + (m % 60 ? " " + std::to_string(m % 60) + "m" : "");
  if (m > 0) return std::to_string(m) + "m";
  return std::to_string(s) + "s";
}

std::string StatusText(const StatusPage& page) {
  const int64_t now = page.generated_ms;
  std::string out = "hmon-check status at " + LocalTime(now, page.zone) + " (" + ZoneName(page.zone) +
                    "): " + CountsText(page) + "\n";
  using Cells = std::vector<std::string>;
  const Cells head = {"STATE", "CHECK", "SINCE", "LAST CHECK", "NOTIFIED", "SUMMARY"};
  std::vector<std::pair<const StatusRow*, Cells>> lines;
  std::vector<size_t> width(head.size() - 1);
  for (size_t i = 0; i < width.size(); ++i) width[i] = Columns(head[i]);
  for (const StatusGroup& g : page.groups) {
    for (const StatusRow& r : g.rows) {
      Cells c;
      c.push_back(StateText(r));
      c.push_back(Printable(r.check.key, 200));
      c.push_back(r.since_ms ? LocalTime(r.since_ms, page.zone, true) + " (" + StatusAge(now - r.since_ms) + ")" : "-");
      c.push_back(!r.last_check_ms ? "never"
                                   : StatusAge(now - r.last_check_ms) + " ago" + (r.stale ? ", STALE" : ""));
      c.push_back(r.notified ? Printable(NotifiedText(*r.notified), 100) + " " + StatusAge(now - r.notified->time_ms) + " ago"
                             : "-");
      c.push_back(Printable(r.summary, 300));
      for (size_t i = 0; i < width.size(); ++i) width[i] = std::max(width[i], Columns(c[i]));
      lines.emplace_back(&r, std::move(c));
    }
  }
  auto line = [&](const Cells& c) {
    std::string l;
    for (size_t i = 0; i < c.size(); ++i) l += i + 1 < c.size() ? Pad(c[i], width[i]) + "  " : c[i];
    while (!l.empty() && l.back() == ' ') l.pop_back();
    return l + "\n";
  };
  size_t k = 0;
  for (const StatusGroup& g : page.groups) {
    out += "\n== " + Printable(GroupTitle(g), 200) + " (" + std::to_string(g.rows.size()) + ") ==\n";
    out += line(head);
    for (size_t n = 0; n < g.rows.size(); ++n, ++k) {
      out += line(lines[k].second);
      if (!g.rows[n].check.runbook.empty()) out += "    runbook: " + Printable(g.rows[n].check.runbook, 500) + "\n";
    }
  }
  return out;
}

nlohmann::ordered_json StatusJson(const StatusPage& page) {
  using J = nlohmann::ordered_json;
  J j;
  j["generated"] = Iso(page.generated_ms);
  j["time_zone"] = ZoneName(page.zone);
  j["stale_after_ms"] = page.stale_after.count();
  J counts = J::object();
  for (const char* st : kOrder)
    if (auto it = page.counts.find(st); it != page.counts.end()) counts[st] = it->second;
  for (const auto& [st, n] : page.counts)
    if (!counts.contains(st)) counts[st] = n;
  j["counts"] = std::move(counts);
  j["stale"] = page.stale;
  j["not_in_file"] = page.not_in_file;
  J groups = J::array();
  for (const StatusGroup& g : page.groups) {
    J rows = J::array();
    for (const StatusRow& r : g.rows) {
      J o;
      o["key"] = r.check.key;
      o["monitor"] = r.check.monitor;
      if (!r.check.node.empty()) o["node"] = r.check.node;
      if (!r.check.scope.empty()) o["scope"] = r.check.scope;
      o["state"] = r.state;
      if (r.checked) {
        o["hard_state"] = r.hard_state;
        o["raw_state"] = r.raw_state;
        o["soft"] = r.soft;
        o["consecutive"] = r.consecutive;
        o["summary"] = r.summary;
      }
      if (r.since_ms) {
        o["since"] = Iso(r.since_ms);
        o["for_ms"] = page.generated_ms - r.since_ms;
        if (!r.since_from.empty()) o["since_from"] = r.since_from;
      }
      o["last_check"] = r.last_check_ms ? J(Iso(r.last_check_ms)) : J(nullptr);
      o["stale"] = r.stale;
      if (r.notified) {
        const Delivery& d = *r.notified;
        o["last_notification"] = {{"time", Iso(d.time_ms)}, {"channel", d.channel}, {"channel_type", d.channel_type},
                                  {"outcome", d.outcome}, {"reason", d.reason}, {"status", d.event_status}};
        if (!d.route.empty()) o["last_notification"]["route"] = d.route;
      } else {
        o["last_notification"] = nullptr;
      }
      if (!r.check.description.empty()) o["description"] = r.check.description;
      if (!r.check.runbook.empty()) o["runbook"] = r.check.runbook;
      rows.push_back(std::move(o));
    }
    J go;
    go["scope"] = g.scope;
    go["in_file"] = g.in_file;
    go["checks"] = std::move(rows);
    groups.push_back(std::move(go));
  }
  j["groups"] = std::move(groups);
  return j;
}

namespace {

constexpr const char* kStyle = R"css(
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;padding:12px 16px;font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK JP","Hiragino Sans","Yu Gothic",sans-serif;color:#1f2328;background:#fff}
h1{font-size:20px;margin:0 0 2px}
.meta{margin:0 0 8px;color:#57606a}
.counts{display:flex;flex-wrap:wrap;gap:6px;list-style:none;margin:0 0 8px;padding:0}
.counts li{padding:1px 9px;border-radius:10px;background:#eaeef2;font-weight:600}
h2{font-size:16px;margin:20px 0 6px;padding-bottom:2px;border-bottom:2px solid #d0d7de}
table{width:100%;border-collapse:collapse}
th,td{padding:4px 6px;text-align:left;vertical-align:top;border-bottom:1px solid #e6e9ec}
th{font-size:12px;color:#57606a;font-weight:600}
td.key{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;overflow-wrap:anywhere}
td.key .sub{font-family:system-ui,sans-serif}
td.sum{overflow-wrap:anywhere}
td.rb{overflow-wrap:anywhere}
.st{font-weight:700;white-space:nowrap}
.soft{font-weight:400;color:#57606a}
.stale{color:#9a6700;font-weight:700}
.sub{color:#57606a;font-size:12px}
tr.s-critical td:first-child{border-left:5px solid #cf222e}
tr.s-unknown td:first-child{border-left:5px solid #8250df}
tr.s-warning td:first-child,tr.s-flapping td:first-child{border-left:5px solid #bf8700}
tr.s-unreachable td:first-child,tr.s-pending td:first-child{border-left:5px solid #6e7781}
tr.s-ok td:first-child{border-left:5px solid #1a7f37}
tr.s-suppressed td:first-child{border-left:5px solid #d0d7de}
.s-critical .st,li.s-critical{color:#cf222e}
.s-unknown .st,li.s-unknown{color:#8250df}
.s-warning .st,.s-flapping .st,li.s-warning,li.s-flapping{color:#9a6700}
.s-ok .st,li.s-ok{color:#1a7f37}
@media (max-width:720px){
 body{padding:8px}
 thead{display:none}
 table,tbody,tr,td{display:block;width:100%}
 tr{margin:0 0 8px;border:1px solid #d0d7de;border-radius:6px}
 td{border:0;padding:2px 8px}
 td:empty{display:none}
 tr td:first-child{border-left-width:5px}
 td[data-label]::before{content:attr(data-label) ": ";color:#57606a;font-size:12px}
}
@media print{
 @page{size:A4 landscape;margin:10mm}
 body{padding:0;font-size:10px}
 h2{break-after:avoid}
 tr{break-inside:avoid}
 a{color:inherit;text-decoration:none}
}
)css";

std::string Cell(const std::string& cls, const std::string& label, const std::string& inner) {
  return "<td" + (cls.empty() ? std::string() : " class=\"" + cls + "\"") + " data-label=\"" + label + "\">" + inner + "</td>";
}

/// A time with its age: "2026-05-08 14:00:12+09:00<br><span class=sub>for 3h 12m</span>".
std::string TimeCell(int64_t ms, int64_t now, const TimeZone* zone, const std::string& age_prefix, const std::string& age_suffix) {
  return "<time datetime=\"" + Iso(ms) + "\">" + html::Escape(LocalTime(ms, zone)) + "</time><br><span class=\"sub\">" +
         age_prefix + StatusAge(now - ms) + age_suffix + "</span>";
}

}  // namespace

std::string StatusHtml(const StatusPage& page) {
  using html::Escape;
  const int64_t now = page.generated_ms;
  const std::string counts = CountsText(page);
  std::string h;
  h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing but the inline style may load or run, whatever a summary holds.
  h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<meta name=\"referrer\" content=\"no-referrer\">\n";
  if (page.refresh_s > 0) h += "<meta http-equiv=\"refresh\" content=\"" + std::to_string(page.refresh_s) + "\">\n";
  h += "<title>hmon-check status: " + Escape(counts) + "</title>\n";
  h += "<style>" + std::string(kStyle) + "</style>\n</head>\n<body>\n<header>\n<h1>hmon-check status</h1>\n";
  h += "<p class=\"meta\">Generated <time datetime=\"" + Iso(now) + "\">" + Escape(LocalTime(now, page.zone)) +
       "</time> (" + Escape(ZoneName(page.zone)) + ")";
  if (page.refresh_s > 0) h += " &middot; reloads every " + std::to_string(page.refresh_s) + " s";
  h += " &middot; stale: no check for " + Escape(StatusAge(page.stale_after.count())) + "</p>\n";
  h += "<ul class=\"counts\">";
  std::set<std::string> shown;
  auto count_item = [&](const std::string& st, int n) {
    h += "<li class=\"s-" + Escape(st) + "\">" + std::to_string(n) + " " + Escape(st) + "</li>";
  };
  for (const char* st : kOrder)
    if (auto it = page.counts.find(st); it != page.counts.end()) {
      count_item(st, it->second);
      shown.insert(st);
    }
  for (const auto& [st, n] : page.counts)
    if (!shown.count(st)) count_item(st, n);
  if (page.stale) h += "<li class=\"stale\">" + std::to_string(page.stale) + " stale</li>";
  if (page.not_in_file) h += "<li>" + std::to_string(page.not_in_file) + " not in the file</li>";
  if (page.counts.empty() && !page.not_in_file) h += "<li>no checks</li>";
  h += "</ul>\n</header>\n<main>\n";
  for (const StatusGroup& g : page.groups) {
    h += "<section>\n<h2>" + Escape(GroupTitle(g)) + " <span class=\"sub\">(" + std::to_string(g.rows.size()) +
         ")</span></h2>\n<table>\n<thead><tr><th>State</th><th>Check</th><th>Summary</th><th>Since</th>"
         "<th>Last check</th><th>Last notification</th><th>Runbook</th></tr></thead>\n<tbody>\n";
    for (const StatusRow& r : g.rows) {
      h += "<tr class=\"s-" + Escape(r.state) + "\" data-key=\"" + Escape(r.check.key) + "\">";
      std::string st = Escape(r.state);
      if (r.soft) st += " <span class=\"soft\">(soft " + Escape(r.raw_state) + ")</span>";
      h += Cell("st", "State", st);
      std::string key = Escape(r.check.key);
      if (!r.check.description.empty()) key += "<br><span class=\"sub\">" + Escape(r.check.description) + "</span>";
      h += Cell("key", "Check", key);
      h += Cell("sum", "Summary", r.checked ? Escape(r.summary) : "<span class=\"sub\">not checked yet</span>");
      h += Cell("", "Since",
                r.since_ms ? TimeCell(r.since_ms, now, page.zone, "for ",
                                      r.since_from.empty() ? "" : Escape(", from " + r.since_from))
                           : "&ndash;");
      std::string last = r.last_check_ms ? TimeCell(r.last_check_ms, now, page.zone, "", " ago") : "never";
      if (r.stale) last += " <span class=\"stale\">STALE</span>";
      h += Cell("", "Last check", last);
      std::string note = "&ndash;";
      if (r.notified)
        note = TimeCell(r.notified->time_ms, now, page.zone, "", " ago") + "<br>" + Escape(NotifiedText(*r.notified));
      h += Cell("", "Last notification", note);
      std::string rb;
      if (const std::string href = html::SafeHref(r.check.runbook); !href.empty())
        rb = "<a href=\"" + href + "\" rel=\"noopener noreferrer\">" + Escape(r.check.runbook) + "</a>";
      else
        rb = Escape(r.check.runbook);
      h += Cell("rb", "Runbook", rb);
      h += "</tr>\n";
    }
    h += "</tbody>\n</table>\n</section>\n";
  }
  if (page.groups.empty()) h += "<p>No checks.</p>\n";
  h += "</main>\n</body>\n</html>\n";
  return h;
}

int StatusWorstExit(const StatusPage& page) {
  nagios::State worst = nagios::State::kOk;
  for (const StatusGroup& g : page.groups) {
    if (!g.in_file) continue;
    for (const StatusRow& r : g.rows) {
      const std::string& word = r.state == "flapping" ? r.hard_state : r.state;
      if (auto s = nagios::ParseStateWord(word)) worst = nagios::WorstOf(worst, *s);
    }
  }
  return static_cast<int>(worst);
}

}  // namespace hops::mon
