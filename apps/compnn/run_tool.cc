#include "run_tool.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>

#include "compnn/core/check.h"
#include "tool_ranks.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

// Errors from LibTorch carry its C++ stack after the first line; every refusal is one line.
std::string FirstLine(const std::string& text) {
  const std::size_t end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}

// "compnn explain": the program and the deepest subcommand the words reached.
std::string CommandPath(const CLI::App& app) {
  std::string path = "compnn";
  const CLI::App* at = &app;
  while (true) {
    const auto chosen = at->get_subcommands();
    if (chosen.empty()) break;
    at = chosen.front();
    path += " " + at->get_name();
  }
  return path;
}

// "compnn: error: ", naming the rank when there are several (each prints its own).
std::string ErrorPrefix() {
  const Ranks& ranks = ToolRanks();
  if (ranks.size() == 1) return "compnn: error: ";
  return "compnn: error (rank " + std::to_string(ranks.rank()) + " of " +
         std::to_string(ranks.size()) + "): ";
}

[[noreturn]] void Exit(int status) {
  std::fflush(stdout);
  std::fflush(stderr);
  FinishToolRanks(status);
  std::_Exit(status);
}

}  // namespace

void NoteOnce(const std::string& line) {
  static std::set<std::string> printed;
  if (!ToolRanks().is_root() || !printed.insert(line).second) return;
  std::fprintf(stderr, "compnn: note: %s\n", line.c_str());
  std::fflush(stderr);
}

void RefuseOnEveryRank(const std::string& line) {
  if (ToolRanks().is_root()) std::fprintf(stderr, "%s\n", line.c_str());
  std::fflush(stderr);
  FinishToolRanks(0);  // a normal end: no rank is left waiting on another
  std::_Exit(2);
}

void RunTool(CLI::App& app, const Command& run, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print as CLI11 formats them; a refusal is one line, with the command
    // whose --help tells more.
    if (e.get_exit_code() == 0) {
      if (ToolRanks().is_root()) app.exit(e);
      Exit(0);
    }
    RefuseOnEveryRank("compnn: error: " + FirstLine(e.what()) + " (see " + CommandPath(app) +
                      " --help)");
  }
  int status = 0;
  try {
    if (run) run();
  } catch (const OptionError& e) {
    std::fprintf(stderr, "%s%s\n", ErrorPrefix().c_str(), DescribeForCommandLine(e).c_str());
    status = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s%s\n", ErrorPrefix().c_str(), FirstLine(e.what()).c_str());
    status = 2;
  }
  Exit(status);
}

}  // namespace compnn::cli
