#include "run_tool.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

#include "compnn/core/check.h"
#include "typed_options.h"

namespace compnn::cli {

void RunTool(CLI::App& app, const Command& run, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    std::fflush(stdout);
    std::_Exit(code == 0 ? 0 : 2);
  }
  int status = 0;
  try {
    if (run) run();
  } catch (const OptionError& e) {
    std::fprintf(stderr, "compnn: error: %s\n", DescribeForCommandLine(e).c_str());
    status = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compnn: error: %s\n", e.what());
    status = 2;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}

}  // namespace compnn::cli
