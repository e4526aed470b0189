// Command-line plumbing shared by every binary: parse with CLI11, run, and map errors to exit codes.
#ifndef HOPS_COMMON_CLI_HPP_
#define HOPS_COMMON_CLI_HPP_

#include <CLI/CLI.hpp>

#include <functional>

#include "common/error.hpp"

namespace hops {

/// Parses @p argv with @p app, then runs @p body; returns the process exit code.
/// --help goes to stdout with exit 0; parse errors print "prog: message" plus a "Try 'prog --help'"
/// line to stderr and return the usage code of @p style; hops::Error exceptions print "prog: message"
/// and return ExitCodeFor(kind, style). stdout is flushed and checked at the end (EPIPE ignored).
int RunTool(CLI::App& app, int argc, char** argv, ExitStyle style, const std::function<int()>& body);

/// Applies the common help layout: "See TOOL(1)." footer, -h/--help and -V/--version.
void SetupApp(CLI::App& app, const std::string& tool);

}  // namespace hops

#endif  // HOPS_COMMON_CLI_HPP_
