// JSON Schemas of the calendar file formats (printed by `hcal schema`).
// tests/unit/hcal/schema_test.cpp checks them against the loader's key tables.
#include "common/calendar_load.hpp"

namespace hops::cal {

const char* CalendarSchema() {
  return R"JSON({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://hops.invalid/schema/calendars.json",
  "title": "hops calendar file (hcal(5))",
  "type": "object",
  "additionalProperties": false,
  "required": ["calendars"],
  "properties": {
    "version": {"const": 1, "description": "format version"},
    "calendars": {
      "type": "object",
      "description": "named calendars",
      "propertyNames": {"pattern": "^[^:/]+$"},
      "additionalProperties": {"$ref": "#/$defs/calendar"}
    }
  },
  "$defs": {
    "date": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
    "datespec": {
      "type": "string",
      "description": "YYYY-MM-DD, YYYY-MM-DD..YYYY-MM-DD, MM-DD or MM-DD..MM-DD (yearly; may wrap the year end)",
      "pattern": "^([0-9]{4}-)?[0-9]{2}-[0-9]{2}(\\.\\.([0-9]{4}-)?[0-9]{2}-[0-9]{2})?$"
    },
    "timerange": {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}-[0-9]{1,2}:[0-9]{2}$",
                  "description": "HH:MM-HH:MM, end exclusive; may cross midnight (22:00-06:00) or run past 24:00 (09:00-29:00)"},
    "hourslist": {"oneOf": [{"$ref": "#/$defs/timerange"},
                            {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/timerange"}}]},
    "weekdays": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                 "description": "mon-fri, sat, mon,wed,fri or a list of those"},
    "entry": {
      "oneOf": [
        {"$ref": "#/$defs/datespec"},
        {"type": "object", "additionalProperties": false, "required": ["date"],
         "properties": {"date": {"$ref": "#/$defs/datespec"}, "name": {"type": "string"}}}
      ]
    },
    "openentry": {
      "oneOf": [
        {"$ref": "#/$defs/datespec"},
        {"type": "object", "additionalProperties": false, "required": ["date"],
         "properties": {"date": {"$ref": "#/$defs/datespec"}, "name": {"type": "string"},
                        "hours": {"$ref": "#/$defs/hourslist", "description": "the hours of the days it opens"}}}
      ]
    },
    "specialhours": {
      "type": "object", "additionalProperties": false, "required": ["date", "hours"],
      "properties": {"date": {"$ref": "#/$defs/datespec"}, "hours": {"$ref": "#/$defs/hourslist"},
                     "name": {"type": "string"}}
    },
    "daynumber": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 31},
                            {"type": "string", "pattern": "^(last(-([0-9]|[12][0-9]|30))?|[1-9]|[12][0-9]|3[01])$"}]},
    "daynumbers": {"oneOf": [{"$ref": "#/$defs/daynumber"},
                             {"type": "array", "items": {"$ref": "#/$defs/daynumber"}}]},
    "nth": {"oneOf": [{"type": "integer", "minimum": -31, "maximum": 31, "not": {"const": 0}},
                      {"type": "string", "pattern": "^(last(-([0-9]|[12][0-9]|30))?|-?([1-9]|[12][0-9]|3[01]))$"}]},
    "nths": {"oneOf": [{"$ref": "#/$defs/nth"}, {"type": "array", "items": {"$ref": "#/$defs/nth"}}]},
    "shift": {"enum": ["before", "after", "skip", "keep"]},
    "within": {"enum": ["month", "none"], "description": "month: a shift never leaves the rule month (it turns the other way)"},
    "weekdayoccurrences": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                           "description": "tue#2, fri#last, mon (every Monday)"},
    "rule": {
      "type": "object",
      "additionalProperties": false,
      "description": "exactly one selector (day, relative_day, business_day, closed_day, weekday, relative_weekday, nearest_weekday, gotobi, every) plus modifiers",
      "properties": {
        "day": {"$ref": "#/$defs/daynumbers", "description": "JP1 絶対日: days of the civil month: 25, last, last-3"},
        "relative_day": {"$ref": "#/$defs/daynumbers", "description": "JP1 相対日: nth day counted from month_start (基準日); last, last-3 from its end"},
        "business_day": {"$ref": "#/$defs/nths", "description": "JP1 運用日: nth business day of the base from month_start; -1 or last = the last"},
        "closed_day": {"$ref": "#/$defs/nths", "description": "JP1 休業日: nth closed day of the base from month_start"},
        "weekday": {"$ref": "#/$defs/weekdayoccurrences", "description": "weekday occurrences of the civil month: tue#2, fri#last, mon (every Monday)"},
        "relative_weekday": {"$ref": "#/$defs/weekdayoccurrences", "description": "weekday occurrences counted from month_start (基準日)"},
        "nearest_weekday": {"$ref": "#/$defs/daynumbers", "description": "Quartz 15W: the Mon-Fri day nearest the civil day, never leaving the month"},
        "gotobi": {"oneOf": [{"const": true}, {"enum": ["last", "both", 30, "30"]}],
                   "description": "五十日: 5, 10, 15, 20, 25 and month end (true or last), the 30th (30) or both"},
        "every": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 3660}, {"type": "string", "pattern": "^[0-9]+[dw]?$"}],
                  "description": "every N days (14, 14d) or weeks (2w) from 'from'"},
        "from": {"$ref": "#/$defs/date", "description": "anchor date of 'every'"},
        "months": {"oneOf": [{"type": ["integer", "string"]}, {"type": "array", "items": {"type": ["integer", "string"]}}],
                   "description": "only these months: 1..12 or jan..dec"},
        "shift": {"$ref": "#/$defs/shift", "description": "when the selected date is not a business day of the base"},
        "max_shift": {"type": "integer", "minimum": 0, "maximum": 31},
        "within": {"$ref": "#/$defs/within"},
        "offset": {"type": "integer", "minimum": -31, "maximum": 31,
                   "description": "JP1 起算: business days to move after shifting; without a shift written, counted from the selected day even when it is closed"},
        "name": {"type": "string", "description": "text shown by hcal explain"}
      }
    },
    "calendar": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "description": {"type": "string"},
        "timezone": {"type": "string", "description": "IANA name, e.g. Asia/Tokyo"},
        "base": {"type": "string", "description": "calendar this one builds on"},
        "weekdays": {"$ref": "#/$defs/weekdays", "description": "weekly business days (default mon-fri)"},
        "holidays": {"oneOf": [{"enum": ["jp", "jp-gov", "jp-bank"]},
                               {"type": "array", "items": {"enum": ["jp", "jp-gov", "jp-bank"]}}]},
        "closed": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
        "open": {"type": "array", "items": {"$ref": "#/$defs/openentry"}},
        "hours": {"oneOf": [{"$ref": "#/$defs/hourslist"},
                            {"type": "object", "additionalProperties": {"$ref": "#/$defs/hourslist"}}]},
        "special_hours": {"oneOf": [{"type": "object", "additionalProperties": {"$ref": "#/$defs/hourslist"}},
                                    {"type": "array", "items": {"$ref": "#/$defs/specialhours"}}]},
        "day_start": {"type": "string", "pattern": "^[0-9]{1,2}:[0-9]{2}$"},
        "valid": {"type": "object", "additionalProperties": false,
                  "properties": {"from": {"$ref": "#/$defs/date"}, "to": {"$ref": "#/$defs/date"}}},
        "rules": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/rule"}},
        "shift": {"$ref": "#/$defs/shift", "description": "default shift of the rules (skip)"},
        "max_shift": {"type": "integer", "minimum": 0, "maximum": 31, "description": "default max_shift of the rules (10)"},
        "within": {"$ref": "#/$defs/within", "description": "default 'within' of the rules (none)"},
        "month_start": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 31},
                                  {"type": "string", "pattern": "^([1-9]|[12][0-9]|3[01]|last|(sun|mon|tue|wed|thu|fri|sat)[a-z]*#([1-4]|last))$"}],
                        "description": "JP1 基準日: the day a rule month starts (31 or last: the last day), or a weekday occurrence (mon#1)"},
        "base_month": {"enum": ["current", "next"], "description": "JP1 基準月: a rule month is named after the month it starts in (current, 当月) or the next (next, 翌月)"}
      }
    }
  }
}
)JSON";
}

const char* JpOverridesSchema() {
  return R"JSON({
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://hops.invalid/schema/jp-holidays.json",
  "title": "hops Japanese holiday override file (hcal(5))",
  "type": "object",
  "additionalProperties": false,
  "properties": {
    "published_through": {"type": "integer", "minimum": 1948, "maximum": 2150},
    "equinox": {
      "type": "object",
      "propertyNames": {"pattern": "^[0-9]{4}$"},
      "additionalProperties": {
        "type": "object", "additionalProperties": false, "required": ["vernal", "autumnal"],
        "properties": {"vernal": {"type": "string"}, "autumnal": {"type": "string"}}
      }
    },
    "add": {
      "type": "array",
      "items": {"type": "object", "additionalProperties": false, "required": ["date", "name"],
                "properties": {"date": {"type": "string"}, "name": {"type": "string"}, "name_en": {"type": "string"}}}
    },
    "remove": {"type": "array", "items": {"type": "string"}}
  }
}
)JSON";
}

}  // namespace hops::cal
