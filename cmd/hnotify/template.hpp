// Message templates of hnotify: text with {{placeholders}} naming event fields ({{status}},
// {{data.target}}) and values of the notification ({{title}}, {{channel}}, ...). A template is
// checked when the definition file is read, so an unknown placeholder is an error at its place in
// the file, never an empty spot in a message at 3 a.m.
#ifndef HOPS_CMD_HNOTIFY_TEMPLATE_HPP_
#define HOPS_CMD_HNOTIFY_TEMPLATE_HPP_

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/yaml_doc.hpp"

namespace hops {
class TimeZone;
}  // namespace hops

namespace hops::notify {

/// How a placeholder's value is written into the text.
enum class Escape {
  kNone,  ///< as it is (strings as their text, other JSON values as compact JSON)
  kJson,  ///< strings escaped for the inside of a JSON string ("a\"b" without the quotes),
          ///< other values as compact JSON, so `"text": "{{summary}}"` and `"event": {{event}}`
          ///< both stay valid JSON
};

/// The top-level event fields a placeholder may name (hops-event(5)); "data" and "perfdata"
/// also take a dotted path below them ({{data.target}}, {{perfdata.0.value}}).
extern const std::vector<std::string> kEventPlaceholders;

/// Placeholders every template may use besides the event's fields: status_label (the status as
/// the channel's language words it), time_local (the event time in the local time zone), channel,
/// route, reason (problem, recovery, repeat, info, message, test) and id (the notification's
/// idempotency key).
extern const std::vector<std::string> kNotifyPlaceholders;

/// Everything a template is rendered with.
struct RenderContext {
  const nlohmann::ordered_json* event = nullptr;     ///< the event as JSON (schema v1)
  std::map<std::string, std::string> vars;   ///< the values of kNotifyPlaceholders, title, body
  const TimeZone* zone = nullptr;            ///< for time_local; nullptr: UTC
};

/// A parsed template.
class Template {
 public:
  /// An empty template (renders "").
  Template() = default;
  /// Parses the scalar @p node; @p extra are the placeholders allowed here besides the event
  /// fields and kNotifyPlaceholders ("title" in a body, "title", "body" and "event" in a webhook
  /// payload). Throws DefinitionError at @p node for an unclosed "{{" or an unknown placeholder
  /// (with "did you mean").
  static Template Parse(const YamlDoc& doc, const YAML::Node& node, const std::string& what,
                        const std::vector<std::string>& extra, Escape escape = Escape::kNone);
  /// Parses @p text written into hnotify itself (a default), which must be valid. With
  /// @p drop_empty_lines, a line in which a placeholder renders empty is left out, so a default
  /// can list optional fields.
  static Template Builtin(const std::string& text, bool drop_empty_lines = false);

  /// True when the template has no text at all.
  bool empty() const { return parts_.empty(); }
  /// The template filled in from @p ctx; a field the event does not have renders empty.
  std::string Render(const RenderContext& ctx) const;
  /// The template as written.
  const std::string& text() const { return text_; }

 private:
  /// A literal run (path empty) or a placeholder (path: the dotted name split).
  struct Part {
    std::string literal;
    std::vector<std::string> path;
  };
  /// Splits @p text; "" on success, else the error message.
  static std::string Split(const std::string& text, const std::vector<std::string>& extra,
                           std::vector<Part>* parts);
  std::string RenderLine(const std::vector<Part>& parts, const RenderContext& ctx, bool* empty_value) const;

  std::string text_;
  std::vector<Part> parts_;
  Escape escape_ = Escape::kNone;
  bool drop_empty_lines_ = false;
};

/// The title used when a channel writes none: "[{{status_label}}] {{key}}" (ja: 【…】).
Template DefaultTitle(const std::string& language);
/// The text used when a channel writes none: the summary, then one line per event field that is
/// set (status, previous status, monitor, job, calendar, node, scope, host, local time, runbook),
/// worded in @p language (en, ja).
Template DefaultBody(const std::string& language);

/// @p s escaped for the inside of a JSON string (no quotes around it).
std::string JsonEscape(const std::string& s);

/// The word for @p status in @p language ("en", "ja"): en upper case ("CRITICAL"), ja 重大, 警告,
/// 不明, 正常...; a recovery (@p recovery) is RECOVERED / 復旧.
std::string StatusLabel(const std::string& status, const std::string& language, bool recovery);

}  // namespace hops::notify

#endif  // HOPS_CMD_HNOTIFY_TEMPLATE_HPP_
