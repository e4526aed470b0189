// hcal: business calendars answered by exit code (0 yes/open, 1 no/closed, 2 error). See hcal(1).
#include "cmd/hcal/commands.hpp"
#include "common/cli.hpp"

using hops::cal::HcalOptions;
using hops::cal::PeriodOptions;

namespace {

void AddPeriodOptions(CLI::App* sub, PeriodOptions* p) {
  sub->add_option("--from", p->from, "First date (YYYY-MM-DD)");
  sub->add_option("--to", p->to, "Last date (YYYY-MM-DD)");
  sub->add_option("--year", p->year, "A whole year (YYYY)");
  sub->add_option("--month", p->month, "A whole month (YYYY-MM)");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Business calendars: Japanese holidays, closures, business hours and shift rules.", "hcal"};
  hops::SetupApp(app, "hcal");
  HcalOptions o;
  app.add_option("-f,--file", o.files, "Calendar file or directory (repeatable; default: settings' calendar path)")
      ->type_name("FILE")
      ->allow_extra_args(false);  // one FILE per -f, so "hcal is-open -f FILE CAL" leaves CAL alone
  app.add_option("--format", o.format, "Output format")->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-v,--verbose", o.verbose,
               "Questions print their answer and reason on stdout, and the instant judged on stderr");
  app.add_flag("-q,--quiet", o.quiet, "No warnings (such as: the calendar's date is not the host's)");
  app.require_subcommand(0, 1);
  app.fallthrough();  // global options may also follow the command

  std::string cal, date, at, from, month, year, which = "open", set = "jp", schema = "calendars";
  int count = 1, closed_exit = 0;
  bool before = false, after = false, names_only = false;
  PeriodOptions period;
  std::vector<std::string> command, files;

  auto* is_open = app.add_subcommand("is-open", "Exit 0 if CAL is open at an instant (default now), 1 if closed");
  is_open->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  is_open->add_option("--at", at, "Instant: YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM], now or @EPOCH");

  auto* is_bd = app.add_subcommand("is-business-day", "Exit 0 if DATE (default today) is a business day of CAL");
  is_bd->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  is_bd->add_option("DATE", date, "YYYY-MM-DD, today, yesterday or tomorrow");

  auto* next = app.add_subcommand("next", "Print the next business days after a date");
  auto* prev = app.add_subcommand("prev", "Print the previous business days before a date");
  for (auto* sub : {next, prev}) {
    sub->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
    sub->add_option("--from", from, "Start date, excluded (default today)");
    sub->add_option("-n,--count", count, "How many days to print")->check(CLI::Range(1, 100000));
  }

  auto* list = app.add_subcommand("list", "List the business days (or closed days) in a period");
  list->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  AddPeriodOptions(list, &period);
  auto* list_closed = list->add_flag("--closed", "List closed days with their reason instead");
  auto* list_all = list->add_flag("--all", "List every day with open/closed and the reason");
  list_closed->excludes(list_all);

  auto* show = app.add_subcommand("show", "Print a month (or year) grid with closed days marked");
  show->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  show->add_option("--month", month, "Month to show (YYYY-MM; default this month)");
  show->add_option("--year", year, "Year to show (YYYY)");

  auto* explain = app.add_subcommand("explain", "Say which rule makes a date (or instant) open or closed");
  explain->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  explain->add_option("DATE", date, "YYYY-MM-DD (default today)");
  explain->add_option("--at", at, "Explain an instant instead of a date");

  auto* holidays = app.add_subcommand("holidays", "List named holidays of a built-in set");
  holidays->add_option("--set", set, "Holiday set")->check(CLI::IsMember({"jp", "jp-gov", "jp-bank"}));
  AddPeriodOptions(holidays, &period);

  auto* shift = app.add_subcommand("shift", "Print DATE if it is a business day, else the nearest one before/after");
  shift->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  shift->add_option("DATE", date, "YYYY-MM-DD")->required();
  auto* opt_before = shift->add_flag("--before", before, "Shift to the previous business day");
  auto* opt_after = shift->add_flag("--after", after, "Shift to the next business day");
  opt_before->excludes(opt_after);

  auto* hours = app.add_subcommand("hours", "Open hours in a period and the fraction of the period they are");
  hours->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  AddPeriodOptions(hours, &period);

  auto* gate = app.add_subcommand("gate", "Run a command only when CAL is open (exit 0 without running it when closed)");
  gate->add_option("CAL", cal, "Calendar name or FILE:NAME")->required();
  gate->add_option("--at", at, "Judge this instant instead of now");
  gate->add_option("--closed-exit", closed_exit, "Exit code when closed (default 0)")->check(CLI::Range(0, 255));
  gate->add_option("COMMAND", command, "Command and arguments (after --)")->required();

  auto* validate = app.add_subcommand("validate", "Check calendar files; list every error and exit 2 if any");
  validate->add_option("FILE", files, "Files or directories (default: -f or the settings' calendar path)");
  AddPeriodOptions(validate, &period);  // the dates evaluated (default: this year and the next)

  auto* calendars = app.add_subcommand("calendars", "List the calendars that are loaded");
  calendars->add_flag("--names", names_only, "Print names only");

  auto* schema_cmd = app.add_subcommand("schema", "Print the JSON Schema of a definition format");
  schema_cmd->add_option("FORMAT", schema, "calendars or jp-holidays")->check(CLI::IsMember({"calendars", "jp-holidays"}));

  return hops::RunTool(app, argc, argv, hops::ExitStyle::kQuestion, [&]() -> int {
    using namespace hops::cal;
    if (*is_open) return CmdIsOpen(o, cal, at);
    if (*is_bd) return CmdIsBusinessDay(o, cal, date);
    if (*next) return CmdNext(o, cal, from, count, +1);
    if (*prev) return CmdNext(o, cal, from, count, -1);
    if (*list) return CmdList(o, cal, period, list_closed->count() ? "closed" : list_all->count() ? "all" : "open");
    if (*show) return CmdShow(o, cal, month, year);
    if (*explain) return CmdExplain(o, cal, date, at);
    if (*holidays) return CmdHolidays(o, set, period);
    if (*shift) {
      if (!before && !after) throw hops::UsageError("shift needs --before or --after");
      return CmdShift(o, cal, date, after ? +1 : -1);
    }
    if (*hours) return CmdHours(o, cal, period);
    if (*gate) return CmdGate(o, cal, at, closed_exit, command);
    if (*validate) return CmdValidate(o, files, period);
    if (*calendars) return CmdCalendars(o, names_only);
    if (*schema_cmd) return CmdSchema(schema);
    throw hops::UsageError("a command is required");
  });
}
