// compnn: explain pixel-level CNNs by compositional nearest neighbours.
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "commands.h"
#include "typed_options.h"

int main(int argc, char** argv) {
  CLI::App app{
      "compnn: explains what an encoder-decoder CNN has learned by matching every patch of a "
      "query\n"
      "image, in the network's own activation space, to patches of its training images."};
  app.require_subcommand(1);
  compnn::cli::Command run;
  compnn::cli::AddDataCommand(app, run);
  compnn::cli::AddIndexCommand(app, run);
  compnn::cli::AddMatchCommand(app, run);
#ifdef COMPNN_WITH_TORCH
  compnn::cli::AddTrainCommand(app, run);
  compnn::cli::AddLayersCommand(app, run);
  compnn::cli::AddPredictCommand(app, run);
  compnn::cli::AddExplainCommand(app, run);
  compnn::cli::AddSweepCommand(app, run);
  compnn::cli::AddControlCommand(app, run);
  compnn::cli::AddCorrespondCommand(app, run);
  compnn::cli::AddEvalCommand(app, run);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  int status = 0;
  try {
    run();
  } catch (const compnn::OptionError& e) {
    std::fprintf(stderr, "compnn: error: %s\n", compnn::cli::DescribeForCommandLine(e).c_str());
    status = 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compnn: error: %s\n", e.what());
    status = 2;
  }
  // Everything is written and closed by now. Static destructors are skipped on purpose: LibTorch's
  // worker threads can still be alive then, and tearing down under them has crashed long runs.
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(status);
}
