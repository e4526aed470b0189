#include "common/cli.hpp"

#include <cctype>
#include <cstdio>
#include <iostream>
#include <regex>
#include <vector>

#include "common/output.hpp"
#include "common/text.hpp"
#include "common/spell.hpp"

namespace hops {

void SetupApp(CLI::App& app, const std::string& tool) {
  app.set_version_flag("-V,--version", tool + " (hops) " HOPS_VERSION);
  app.footer("See " + tool + "(1).");
  app.option_defaults()->always_capture_default();
}

namespace {

/// CLI11's text without its trailing newline or full stop, lower-cased like a hops message
/// ("Value" -> "value", but "ID is required" keeps its capitals).
std::string Tidy(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '.')) s.pop_back();
  if (s.size() > 1 && std::islower(static_cast<unsigned char>(s[1])))
    s[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[0])));
  return s;
}

/// The application, then each subcommand the command line selected, outermost first.
std::vector<CLI::App*> SelectedChain(CLI::App& app) {
  std::vector<CLI::App*> chain{&app};
  for (;;) {
    std::vector<CLI::App*> subs = chain.back()->get_subcommands();
    if (subs.empty()) return chain;
    chain.push_back(subs.front());
  }
}

/// "hmon-check history": the names along @p chain.
std::string CommandPath(const std::vector<CLI::App*>& chain) {
  std::string path;
  for (const CLI::App* a : chain) path += (path.empty() ? "" : " ") + a->get_name();
  return path;
}

/// The option or positional called @p name ("--count", "-n", "ID") in the innermost command of
/// @p chain that has it; nullptr when none has.
const CLI::Option* FindOption(const std::vector<CLI::App*>& chain, const std::string& name) {
  for (auto it = chain.rbegin(); it != chain.rend(); ++it)
    if (const CLI::Option* o = static_cast<const CLI::App*>(*it)->get_option_no_throw(name)) return o;
  return nullptr;
}

/// "option '--count'" or, for a positional, "argument 'CAL'".
std::string Subject(const std::string& name) {
  const bool option = name.size() > 1 && name[0] == '-';
  return std::string(option ? "option '" : "argument '") + name + "'";
}

/// "hmon-check history [OPTIONS] ID": how the innermost command of @p chain is called.
std::string UsageLine(const std::vector<CLI::App*>& chain) {
  std::string usage = CommandPath(chain) + " [OPTIONS]";
  CLI::App* last = chain.back();
  for (const CLI::Option* o : last->get_options([](const CLI::Option* o) { return o->get_positional(); })) {
    std::string name = o->get_name(true);
    if (o->get_items_expected_max() > 1) name += "...";
    usage += " " + (o->get_required() ? name : "[" + name + "]");
  }
  if (!last->get_subcommands([](CLI::App* s) { return !s->get_name().empty(); }).empty())
    usage += " COMMAND";
  return usage;
}

/// What values of @p opt look like, from its CLI11 type ("INT:INT in [1 - 5]" -> "an integer").
std::string ExpectedType(const CLI::Option* opt) {
  if (!opt) return "";
  const std::string type = opt->get_type_name();
  const std::string base = type.substr(0, type.find(':'));
  if (base == "INT") return "an integer";
  if (base == "UINT") return "a non-negative integer";
  if (base == "FLOAT") return "a number";
  return "";
}

/// "a, b, c" from CLI11's set notation "{a,b,c}" (or "{a->1,b->2}").
std::vector<std::string> SetMembers(const std::string& set) {
  std::vector<std::string> out;
  std::string inner = set.size() >= 2 ? set.substr(1, set.size() - 2) : set;
  size_t start = 0;
  while (start <= inner.size()) {
    size_t comma = inner.find(',', start);
    std::string item = inner.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    item = item.substr(0, item.find("->"));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

/// Arguments nobody took: an unknown option, an unknown command or one argument too many.
std::string DescribeExtra(CLI::App& app, const std::vector<CLI::App*>& chain, const CLI::ParseError& e) {
  std::vector<std::string> extras = app.remaining(true);
  if (extras.empty()) return Tidy(e.what());
  const std::string& arg = extras.front();
  const bool looks_like_option =
      arg.size() > 1 && arg[0] == '-' && !std::isdigit(static_cast<unsigned char>(arg[1])) && arg[1] != '.';
  if (looks_like_option) {
    const std::string name = arg.substr(0, arg.find('='));
    // Known to a command of this command line, but given before that command's name.
    if (FindOption(chain, name))
      return "option '" + name + "' goes after the command name (" + CommandPath(chain) + " " + name + " ...)";
    std::string hint;
    if (name.compare(0, 2, "--") == 0) {
      std::vector<std::string> longs;
      for (const CLI::App* a : chain)
        for (const CLI::Option* o : a->get_options())
          for (const auto& l : o->get_lnames()) longs.push_back(l);
      const std::string best = SpellCheck(name.substr(2), longs);
      if (!best.empty()) hint = ", did you mean '--" + best + "'?";
    }
    return "unknown option '" + name + "'" + hint;
  }
  CLI::App* last = chain.back();
  std::vector<std::string> commands;
  for (const CLI::App* s : last->get_subcommands([](CLI::App* s) { return !s->get_name().empty(); }))
    commands.push_back(s->get_name());
  const bool takes_positionals =
      !last->get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
  if (!commands.empty() && !takes_positionals)
    return "unknown command '" + arg + "'" + DidYouMean(arg, commands);
  return "unexpected argument '" + arg + "' (usage: " + UsageLine(chain) + ")";
}

/// A value CLI11 or a validator refused: "invalid value 'x' for option '--count': expected ...".
std::string DescribeBadValue(const std::vector<CLI::App*>& chain, const std::string& name,
                             const std::string& value, const std::string& detail) {
  static const std::regex kRange(R"(Value (.*) not in range (\S+) to (\S+))");
  static const std::regex kMember(R"((.*) not in (\{.*\}))");
  const CLI::Option* opt = FindOption(chain, name);
  std::smatch m;
  std::string v = value;
  if (std::regex_match(detail, m, kRange)) {
    if (v.empty()) v = m[1];
    std::string type = ExpectedType(opt);
    return "invalid value '" + v + "' for " + Subject(name) + ": expected " +
           (type.empty() ? "a value" : type) + " from " + m[2].str() + " to " + m[3].str();
  }
  if (std::regex_match(detail, m, kMember)) {
    if (v.empty()) v = m[1];
    const std::vector<std::string> members = SetMembers(m[2]);
    return "invalid value '" + v + "' for " + Subject(name) + DidYouMean(v, members) +
           " (expected one of: " + Join(members, ", ") + ")";
  }
  if (v.empty() && opt && !opt->results().empty()) v = opt->results().back();
  std::string out = "invalid value " + (v.empty() ? "" : "'" + v + "' ") + "for " + Subject(name);
  if (!detail.empty()) return out + ": " + Tidy(detail);
  const std::string type = ExpectedType(opt);
  return type.empty() ? out : out + ": expected " + type;
}

}  // namespace

std::string DescribeParseError(CLI::App& app, const CLI::ParseError& e) {
  const std::vector<CLI::App*> chain = SelectedChain(app);
  const std::string msg = Tidy(e.what());
  std::smatch m;
  auto match = [&](const char* pattern) { return std::regex_match(msg, m, std::regex(pattern)); };

  if (dynamic_cast<const CLI::ExtrasError*>(&e)) return DescribeExtra(app, chain, e);

  if (dynamic_cast<const CLI::RequiredError*>(&e)) {
    if (match(R"([Aa] subcommand( is required)?)")) return "a command is required";
    if (match(R"((\S+) is required)")) {
      const std::string name = m[1];
      if (name[0] == '-') return "missing required option '" + name + "'";
      return "missing argument '" + name + "' (usage: " + UsageLine(chain) + ")";
    }
    return msg;
  }

  if (dynamic_cast<const CLI::ArgumentMismatch*>(&e)) {
    if (match(R"((\S+): \d+ required .* missing)")) return Subject(m[1]) + " requires a value";
    if (match(R"((\S+): [Aa]t [Mm]ost (\d+) required but received (\d+))"))
      return Subject(m[1]) + " takes " + (m[2] == "1" ? "one value" : "at most " + m[2].str() + " values") +
             ", got " + m[3].str();
    if (match(R"((\S+): [Aa]t [Ll]east (\d+) required but received (\d+))"))
      return Subject(m[1]) + " takes at least " + m[2].str() + " values, got " + m[3].str();
    if (match(R"([Ee]xpected exactly (\d+) arguments? to (\S+), got (\d+))"))
      return Subject(m[2]) + " takes " + m[1].str() + " values, got " + m[3].str();
    if (match(R"([Ee]xpected at least (\d+) arguments? to (\S+), got (\d+))"))
      return Subject(m[2]) + " takes at least " + m[1].str() + " values, got " + m[3].str();
    if (match(R"((\S+) was given a disallowed flag override)")) return Subject(m[1]) + " takes no value";
    return msg;
  }

  if (dynamic_cast<const CLI::ConversionError*>(&e)) {
    if (match(R"(could not convert: (\S+) = (.*))")) return DescribeBadValue(chain, m[1], m[2], "");
    if (match(R"(the value (.*) is not an allowed value for (\S+))"))
      return DescribeBadValue(chain, m[2], m[1], "");
    if (match(R"((\S+): too many inputs for a flag)")) return Subject(m[1]) + " takes no value";
    if (match(R"((\S+): [Ss]hould be true/false or a number)"))
      return "invalid value for " + Subject(m[1]) + ": expected true or false";
    return msg;
  }

  if (dynamic_cast<const CLI::ValidationError*>(&e)) {
    // "NAME: detail"; the raw (not tidied) text keeps the validator's capitals for matching.
    std::string raw = e.what();
    const size_t colon = raw.find(": ");
    if (colon != std::string::npos && raw.find(' ') > colon)
      return DescribeBadValue(chain, raw.substr(0, colon), "", raw.substr(colon + 2));
    return msg;
  }

  if (dynamic_cast<const CLI::ExcludesError*>(&e) && match(R"((\S+) excludes (\S+))"))
    return "'" + m[1].str() + "' and '" + m[2].str() + "' cannot be used together";
  if (dynamic_cast<const CLI::RequiresError*>(&e) && match(R"((\S+) requires (\S+))"))
    return "'" + m[1].str() + "' requires '" + m[2].str() + "'";
  return msg;
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
    const std::string msg = DescribeParseError(app, e);
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
