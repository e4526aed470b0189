// Loading calendar definitions (YAML) into a registry of named calendars.
#ifndef HOPS_COMMON_CALENDAR_LOAD_HPP_
#define HOPS_COMMON_CALENDAR_LOAD_HPP_

#include <memory>
#include <string>
#include <vector>

#include "common/calendar.hpp"
#include "common/settings.hpp"
#include "common/yaml_doc.hpp"

namespace hops::cal {

/// Keys accepted at each level of a calendar file; the JSON Schema test compares against these.
extern const std::vector<std::string> kFileKeys;
extern const std::vector<std::string> kCalendarKeys;
extern const std::vector<std::string> kRuleKeys;
extern const std::vector<std::string> kRuleSelectors;
extern const std::vector<std::string> kEntryKeys;
/// Keys of an 'open' entry, which may give the hours of the days it opens.
extern const std::vector<std::string> kOpenEntryKeys;
extern const std::vector<std::string> kSpecialHoursKeys;
extern const std::vector<std::string> kValidKeys;
/// Built-in holiday sets usable in `holidays:`.
extern const std::vector<std::string> kHolidaySets;

/// Inputs that come from the settings file rather than the calendar files.
struct LoadOptions {
  std::string default_timezone;  ///< IANA name; "" = $TZ, else the system's zone, else UTC
  std::string jp_holidays_file;  ///< override file for the Japanese holiday table; "" = none
};

/// All calendars loaded from one or more files, resolved and ready to answer.
class Registry {
 public:
  /// Loads the Japanese holiday overrides named in @p options (throws DefinitionError).
  explicit Registry(LoadOptions options = {});
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  /// Adds the calendars of a file, or of every *.yaml/*.yml file in a directory (sorted).
  /// Definition errors are collected (see errors()), not thrown.
  void AddPath(const std::string& path);
  /// Adds the calendars of an in-memory document, collecting definition errors.
  void AddDocument(const YamlDoc& doc);
  /// Links bases, resolves timezones and detects cycles; collects errors.
  void Resolve();
  /// Every definition error found so far, in file order.
  const std::vector<DefinitionError>& errors() const { return errors_; }
  /// Throws the first error (with a count of the others) when there are any.
  void ThrowIfErrors() const;

  /// The calendar named @p ref ("name" or "file.yaml:name"); throws UsageError with a suggestion.
  const Calendar& Find(const std::string& ref) const;
  /// Every loaded calendar, in definition order.
  std::vector<const Calendar*> All() const;
  /// Why no calendar is loaded, naming the directories given that hold no calendar files.
  std::string NothingLoaded() const;
  /// The directories given to AddPath() that hold no *.yaml or *.yml files.
  const std::vector<std::string>& EmptyDirs() const { return empty_dirs_; }
  /// The Japanese holiday table (with overrides applied).
  const jp::HolidayCalendar& Jp() const { return *jp_; }
  /// The timezone used by calendars that name none (the settings', else the system's).
  const TimeZone* DefaultZone() const;

 private:
  void LoadCalendar(const YamlDoc& doc, const YAML::Node& key, const YAML::Node& value);
  void LoadCalendarBody(const YamlDoc& doc, const YAML::Node& value, Calendar* cal);
  LoadOptions options_;
  std::unique_ptr<jp::HolidayCalendar> jp_;
  const TimeZone* default_zone_ = nullptr;  ///< looked up only when a calendar needs it
  std::vector<std::unique_ptr<Calendar>> calendars_;
  std::vector<DefinitionError> errors_;
  std::vector<std::string> empty_dirs_;  ///< directories given to AddPath without *.yaml/*.yml files
};

/// The load options a settings file gives (default timezone, holiday override file).
LoadOptions LoadOptionsFrom(const Settings& settings);

/// The calendar files to read: @p files when given, else the entries of the settings' calendar
/// path that exist.
std::vector<std::string> CalendarPaths(const Settings& settings, const std::vector<std::string>& files);

/// A resolved registry of @p paths; definition errors are collected in its errors().
std::unique_ptr<Registry> OpenRegistry(const Settings& settings, const std::vector<std::string>& paths);

/// JSON Schema (draft 2020-12) of the calendar file format.
const char* CalendarSchema();
/// JSON Schema of the Japanese holiday override file.
const char* JpOverridesSchema();

}  // namespace hops::cal

#endif  // HOPS_COMMON_CALENDAR_LOAD_HPP_
