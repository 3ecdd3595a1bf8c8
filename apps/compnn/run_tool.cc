#include "run_tool.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "compnn/core/check.h"
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

}  // namespace

void RunTool(CLI::App& app, const Command& run, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print as CLI11 formats them; a refusal is one line, with the command
    // whose --help tells more.
    if (e.get_exit_code() == 0) {
      app.exit(e);
      std::fflush(stdout);
      std::_Exit(0);
    }
    std::fprintf(stderr, "compnn: error: %s (see %s --help)\n", FirstLine(e.what()).c_str(),
                 CommandPath(app).c_str());
    std::fflush(stderr);
    std::_Exit(2);
  }
  int status = 0;
  try {
    if (run) run();
  } catch (const OptionError& e) {
    std::fprintf(stderr, "compnn: error: %s\n", DescribeForCommandLine(e).c_str());
    status = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compnn: error: %s\n", FirstLine(e.what()).c_str());
    status = 2;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}

}  // namespace compnn::cli
