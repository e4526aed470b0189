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
    "rule": {
      "type": "object",
      "additionalProperties": false,
      "description": "exactly one selector (day, business_day, closed_day, weekday, nearest_weekday, gotobi, every) plus modifiers",
      "properties": {
        "day": {"$ref": "#/$defs/daynumbers", "description": "days of the month: 25, last, last-3"},
        "business_day": {"$ref": "#/$defs/nths", "description": "nth business day of the base calendar; -1 or last = the last"},
        "closed_day": {"$ref": "#/$defs/nths", "description": "nth closed day of the base calendar"},
        "weekday": {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
                    "description": "tue#2, fri#last, mon (every Monday)"},
        "nearest_weekday": {"$ref": "#/$defs/daynumbers", "description": "Quartz 15W: the Mon-Fri day nearest the day, never leaving the month"},
        "gotobi": {"const": true, "description": "五十日: 5, 10, 15, 20, 25 and month end"},
        "every": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 3660}, {"type": "string", "pattern": "^[0-9]+[dw]?$"}],
                  "description": "every N days (14, 14d) or weeks (2w) from 'from'"},
        "from": {"$ref": "#/$defs/date", "description": "anchor date of 'every'"},
        "months": {"oneOf": [{"type": ["integer", "string"]}, {"type": "array", "items": {"type": ["integer", "string"]}}],
                   "description": "only these months: 1..12 or jan..dec"},
        "shift": {"$ref": "#/$defs/shift", "description": "when the selected date is not a business day of the base"},
        "max_shift": {"type": "integer", "minimum": 0, "maximum": 31},
        "offset": {"type": "integer", "minimum": -31, "maximum": 31, "description": "business days to move after shifting"},
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
        "open": {"type": "array", "items": {"$ref": "#/$defs/entry"}},
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
        "month_start": {"type": "integer", "minimum": 1, "maximum": 28, "description": "JP1 基準日: the day a month starts"}
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
