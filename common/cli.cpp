#include "common/cli.hpp"

#include <cstdio>
#include <iostream>

#include "common/output.hpp"
#include "common/text.hpp"

namespace hops {

void SetupApp(CLI::App& app, const std::string& tool) {
  app.set_version_flag("-V,--version", tool + " (hops) " HOPS_VERSION);
  app.footer("See " + tool + "(1).");
  app.option_defaults()->always_capture_default();
}

static std::string TrimMessage(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '.')) s.pop_back();
  return s;
}

int RunTool(CLI::App& app, int argc, char** argv, ExitStyle style, const std::function<int()>& body) {
  SetProgramName(app.get_name().c_str());
  SetupStdout();
  const int usage_code = ExitCodeFor(ErrorKind::kUsage, style);
  int rc = 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    app.exit(e, std::cout, std::cerr);
    return CloseStdout();
  } catch (const CLI::CallForAllHelp& e) {
    app.exit(e, std::cout, std::cerr);
    return CloseStdout();
  } catch (const CLI::CallForVersion& e) {
    app.exit(e, std::cout, std::cerr);
    return CloseStdout();
  } catch (const CLI::ParseError& e) {
    std::string msg = TrimMessage(e.what());
    // CLI11 phrases a missing subcommand as "A subcommand is required".
    if (msg.rfind("A subcommand is required", 0) == 0) msg = "a command is required";
    else if (msg.size() > 1 && std::islower(static_cast<unsigned char>(msg[1])))
      msg = LowerFirst(msg);
    std::fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", ProgramName().c_str(),
                 msg.c_str(), ProgramName().c_str());
    return usage_code;
  }
  try {
    rc = body();
  } catch (const Error& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", ProgramName().c_str(), e.what());
    if (e.kind() == ErrorKind::kUsage)
      std::fprintf(stderr, "Try '%s --help' for more information.\n", ProgramName().c_str());
    rc = ExitCodeFor(e.kind(), style);
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "%s: %s\n", ProgramName().c_str(), e.what());
    rc = ExitCodeFor(ErrorKind::kRuntime, style);
    if (style == ExitStyle::kQuestion) rc = 2;
  }
  int close_rc = CloseStdout();
  if (close_rc != 0 && rc == 0) rc = ExitCodeFor(ErrorKind::kRuntime, style) == 3 ? 3 : (style == ExitStyle::kQuestion ? 2 : 1);
  return rc;
}

}  // namespace hops
