#include "cmd/hnotify/template.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <stdexcept>

#include "common/event.hpp"
#include "common/spell.hpp"
#include "common/zone.hpp"

namespace hops::notify {

const std::vector<std::string> kEventPlaceholders = {
    "v",       "time", "tool",  "host",   "kind",  "key",   "status",      "severity", "summary",
    "previous_status", "changed", "calendar", "monitor", "job", "node", "scope", "runbook",
    "duration_ms", "perfdata", "data"};

const std::vector<std::string> kNotifyPlaceholders = {"status_label", "subject", "time_local", "channel",
                                                      "route", "reason", "id"};

namespace {

bool NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

/// The value at @p path below @p j, or nullptr.
const nlohmann::ordered_json* Walk(const nlohmann::ordered_json& j, const std::vector<std::string>& path) {
  const nlohmann::ordered_json* cur = &j;
  for (const std::string& seg : path) {
    if (cur->is_object()) {
      auto it = cur->find(seg);
      if (it == cur->end()) return nullptr;
      cur = &*it;
    } else if (cur->is_array()) {
      if (seg.empty() || seg.find_first_not_of("0123456789") != std::string::npos) return nullptr;
      const size_t i = std::stoul(seg);
      if (i >= cur->size()) return nullptr;
      cur = &(*cur)[i];
    } else {
      return nullptr;
    }
  }
  return cur;
}

std::string JsonText(const nlohmann::ordered_json& v) {
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string JsonEscape(const std::string& s) {
  const std::string quoted = JsonText(nlohmann::ordered_json(s));
  return quoted.substr(1, quoted.size() - 2);
}

std::string StatusLabel(const std::string& status, const std::string& language, bool recovery) {
  if (language == "ja") {
    if (recovery) return "復旧";
    static const std::map<std::string, std::string> ja = {
        {"critical", "重大"}, {"warning", "警告"},   {"unknown", "不明"},
        {"ok", "正常"},       {"info", "情報"},     {"open", "開始"},
        {"closed", "終了"},   {"failed", "失敗"},   {"success", "成功"},
        {"flapping", "不安定"}, {"unreachable", "到達不能"}, {"suppressed", "抑止"}};
    auto it = ja.find(status);
    return it == ja.end() ? status : it->second;
  }
  if (recovery) return "RECOVERED";
  std::string up = status;
  for (char& c : up)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return up;
}

Template DefaultTitle(const std::string& language) {
  return Template::Builtin(language == "ja" ? "【{{status_label}}】{{subject}}" : "[{{status_label}}] {{subject}}");
}

Template DefaultBody(const std::string& language) {
  if (language == "ja")
    return Template::Builtin(
        "{{summary}}\n"
        "状態: {{status_label}} ({{status}})\n"
        "前回の状態: {{previous_status}}\n"
        "監視: {{monitor}}\n"
        "ジョブ: {{job}}\n"
        "カレンダー: {{calendar}}\n"
        "ノード: {{node}}\n"
        "スコープ: {{scope}}\n"
        "ホスト: {{host}}\n"
        "発生時刻: {{time_local}}\n"
        "対応手順: {{runbook}}",
        true);
  return Template::Builtin(
      "{{summary}}\n"
      "status: {{status}}\n"
      "previous status: {{previous_status}}\n"
      "monitor: {{monitor}}\n"
      "job: {{job}}\n"
      "calendar: {{calendar}}\n"
      "node: {{node}}\n"
      "scope: {{scope}}\n"
      "host: {{host}}\n"
      "time: {{time_local}}\n"
      "runbook: {{runbook}}",
      true);
}

std::string Template::Split(const std::string& text, const std::vector<std::string>& extra,
                            std::vector<Part>* parts) {
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t open = text.find("{{", pos);
    if (open == std::string::npos) {
      parts->push_back({text.substr(pos), {}});
      break;
    }
    if (open > pos) parts->push_back({text.substr(pos, open - pos), {}});
    const size_t close = text.find("}}", open + 2);
    if (close == std::string::npos) return "unclosed '{{' (a placeholder is written {{name}})";
    std::string name(text.substr(open + 2, close - open - 2));
    const size_t b = name.find_first_not_of(' ');
    const size_t e = name.find_last_not_of(' ');
    name = b == std::string::npos ? "" : name.substr(b, e - b + 1);
    if (name.empty() || !std::all_of(name.begin(), name.end(), NameChar) || name.front() == '.' ||
        name.back() == '.' || name.find("..") != std::string::npos)
      return "invalid placeholder '{{" + name + "}}'";
    Part p;
    for (size_t s = 0;;) {
      const size_t dot = name.find('.', s);
      p.path.push_back(name.substr(s, dot == std::string::npos ? std::string::npos : dot - s));
      if (dot == std::string::npos) break;
      s = dot + 1;
    }
    const std::string& head = p.path.front();
    std::vector<std::string> known = kEventPlaceholders;
    known.insert(known.end(), kNotifyPlaceholders.begin(), kNotifyPlaceholders.end());
    known.insert(known.end(), extra.begin(), extra.end());
    if (!Contains(known, head)) {
      std::string msg = "unknown placeholder '{{" + name + "}}'";
      const std::string guess = SpellCheck(head, known);
      if (!guess.empty()) msg += ", did you mean '{{" + guess + "}}'?";
      else msg += " (event fields, data.PATH, status_label, time_local, channel, route, reason, id)";
      return msg;
    }
    if (p.path.size() > 1 && head != "data" && head != "perfdata")
      return "placeholder '{{" + name + "}}': only data and perfdata have fields below them";
    parts->push_back(std::move(p));
    pos = close + 2;
  }
  return "";
}

Template Template::Parse(const YamlDoc& doc, const YAML::Node& node, const std::string& what,
                         const std::vector<std::string>& extra, Escape escape) {
  Template t;
  t.text_ = ScalarText(doc, node, what);
  t.escape_ = escape;
  const std::string err = Split(t.text_, extra, &t.parts_);
  if (!err.empty()) doc.Fail(node, what + ": " + err);
  return t;
}

Template Template::Builtin(const std::string& text, bool drop_empty_lines) {
  Template t;
  t.text_ = text;
  t.drop_empty_lines_ = drop_empty_lines;
  const std::string err = Split(text, {"title", "body", "event"}, &t.parts_);
  if (!err.empty()) throw std::logic_error("built-in template: " + err);
  return t;
}

std::string Template::RenderLine(const std::vector<Part>& parts, const RenderContext& ctx,
                                 bool* empty_value) const {
  std::string out;
  for (const Part& p : parts) {
    if (p.path.empty()) {
      out += p.literal;
      continue;
    }
    const std::string& head = p.path.front();
    std::string value;
    bool is_string = true;
    if (p.path.size() == 1 && ctx.vars.count(head)) {
      value = ctx.vars.at(head);
    } else if (p.path.size() == 1 && head == "time_local") {
      const nlohmann::ordered_json* t = ctx.event ? Walk(*ctx.event, {"time"}) : nullptr;
      if (t && t->is_string()) {
        if (auto tp = ParseTimestamp(t->get<std::string>())) {
          value = FormatInstant(std::chrono::time_point_cast<std::chrono::seconds>(*tp), ctx.zone);
          value[10] = ' ';
        }
      }
    } else if (p.path.size() == 1 && head == "event") {
      if (ctx.event) value = JsonText(*ctx.event);
      is_string = false;
    } else if (ctx.event) {
      if (const nlohmann::ordered_json* v = Walk(*ctx.event, p.path)) {
        if (v->is_string()) {
          value = v->get<std::string>();
        } else if (!v->is_null()) {
          value = JsonText(*v);
          is_string = false;
        }
      }
    }
    if (value.empty()) *empty_value = true;
    out += escape_ == Escape::kJson && is_string ? JsonEscape(value) : value;
  }
  return out;
}

std::string Template::Render(const RenderContext& ctx) const {
  bool empty_value = false;
  if (!drop_empty_lines_) return RenderLine(parts_, ctx, &empty_value);
  // Line by line: a line with a placeholder that rendered empty is left out.
  std::string out;
  std::vector<Part> line;
  auto flush = [&](bool newline) {
    bool empty = false;
    const std::string text = RenderLine(line, ctx, &empty);
    if (!empty) out += text + (newline ? "\n" : "");
    line.clear();
  };
  for (const Part& p : parts_) {
    if (!p.path.empty()) {
      line.push_back(p);
      continue;
    }
    size_t s = 0;
    for (size_t nl; (nl = p.literal.find('\n', s)) != std::string::npos; s = nl + 1) {
      line.push_back({p.literal.substr(s, nl - s), {}});
      flush(true);
    }
    if (s < p.literal.size()) line.push_back({p.literal.substr(s), {}});
  }
  flush(false);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace hops::notify
