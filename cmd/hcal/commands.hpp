// The hcal commands: each takes parsed options and returns an exit code (0 yes, 1 no, 2 error).
#ifndef HOPS_COMMON_CALENDAR_CMD_HPP_
#define HOPS_COMMON_CALENDAR_CMD_HPP_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/calendar_load.hpp"
#include "common/output.hpp"

namespace hops::cal {

/// Options every hcal command shares.
struct HcalOptions {
  std::vector<std::string> files;  ///< -f FILE (repeatable); empty = the settings' calendar path
  std::string format = "text";     ///< --format text|json
  bool verbose = false;            ///< -v: questions print their answer and reason
  bool quiet = false;              ///< -q: no warnings
};

/// A date range given as --from/--to, --year or --month.
struct PeriodOptions {
  std::string from, to, year, month;
};

/// Parses a civil date argument: YYYY-MM-DD, "today", "yesterday", "tomorrow" (relative to the
/// business date of now in @p cal). Throws UsageError.
Day ParseDateArg(const std::string& text, const Calendar& cal);

/// Turns --from/--to, --year or --month into an inclusive date range. Throws UsageError.
std::pair<Day, Day> ResolvePeriod(const PeriodOptions& p, const Calendar* cal, bool required);

/// What a question about "now" in @p cal should tell on stderr: with -v the instant @p t and the
/// business date judged ("judged 2026-05-08T17:00:00+09:00 (business date 2026-05-08, Asia/Tokyo)");
/// unless -q, when @p now is true and the calendar's local date at @p t differs from the date in
/// @p host (the zone cron starts jobs by), a warning that says so. Empty lines are not printed.
std::vector<std::string> JudgedNotes(const HcalOptions& o, const Calendar& cal, Instant t, bool now,
                                     const TimeZone* host);

/// A warning about a rule, with the rule's place.
struct RunWarning {
  SourceLoc loc;
  std::string text;
};

/// Warnings for the rule months overlapping [from, to] in which a once-a-month rule of @p cal runs
/// 0 times or more than once because runs moved across month boundaries ("'x' rule 1 (day 28,
/// shift after) has no run in the month 2026-02: its 2026-02-28 moved to 2026-03-02 ...").
std::vector<RunWarning> RunCountWarnings(const Calendar& cal, Day from, Day to);

/// Loads the calendars named by the options and the settings file.
std::unique_ptr<Registry> LoadRegistry(const HcalOptions& opts);

int CmdIsOpen(const HcalOptions& o, const std::string& cal, const std::string& at);
int CmdIsBusinessDay(const HcalOptions& o, const std::string& cal, const std::string& date);
int CmdNext(const HcalOptions& o, const std::string& cal, const std::string& from, int count, int dir);
int CmdList(const HcalOptions& o, const std::string& cal, const PeriodOptions& p, const std::string& which);
int CmdShow(const HcalOptions& o, const std::string& cal, const std::string& month, const std::string& year);
int CmdExplain(const HcalOptions& o, const std::string& cal, const std::string& date, const std::string& at);
int CmdHolidays(const HcalOptions& o, const std::string& set, const PeriodOptions& p);
int CmdShift(const HcalOptions& o, const std::string& cal, const std::string& date, int dir);
int CmdHours(const HcalOptions& o, const std::string& cal, const PeriodOptions& p);
int CmdGate(const HcalOptions& o, const std::string& cal, const std::string& at, int closed_exit,
            const std::vector<std::string>& command);
int CmdValidate(const HcalOptions& o, const std::vector<std::string>& files, const PeriodOptions& p);
int CmdCalendars(const HcalOptions& o, bool names_only);
int CmdSchema(const std::string& which);

}  // namespace hops::cal

#endif  // HOPS_COMMON_CALENDAR_CMD_HPP_
