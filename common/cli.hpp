// Command-line plumbing shared by every binary: parse with CLI11, run, and map errors to exit codes.
#ifndef HOPS_COMMON_CLI_HPP_
#define HOPS_COMMON_CLI_HPP_

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

#include "common/error.hpp"

namespace hops {

/// Parses @p argv with @p app, then runs @p body; returns the process exit code.
/// --help goes to stdout with exit 0; parse errors print "prog: message" (DescribeParseError) plus
/// a "Try 'prog --help'" line to stderr and return the usage code of @p style; hops::Error
/// exceptions print "prog: message" and return ExitCodeFor(kind, style). stdout is flushed and
/// checked at the end (EPIPE ignored).
int RunTool(CLI::App& app, int argc, char** argv, ExitStyle style, const std::function<int()>& body);

/// Applies the common help layout: "See TOOL(1)." footer, -h/--help and -V/--version.
void SetupApp(CLI::App& app, const std::string& tool);

/// A CLI11 parse error of @p app (after app.parse threw @p e) reworded in the hops style, without
/// the program name: "unknown option '--chnages-only', did you mean '--changes-only'?",
/// "unknown command 'rnu', did you mean 'run'?", "missing argument 'ID' (usage: ...)",
/// "invalid value 'x' for option '--count': expected an integer from 1 to 5", ...
/// The commands already recognised on the command line give the context (their options and
/// arguments); unknown wordings are passed on with a lower-case first letter.
std::string DescribeParseError(CLI::App& app, const CLI::ParseError& e);

}  // namespace hops

#endif  // HOPS_COMMON_CLI_HPP_
