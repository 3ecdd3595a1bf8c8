// compnn-full: the whole compnn tool, every command in one binary. `compnn` hands it the commands
// that need LibTorch or OpenCV (command_catalog.h); it can also be run directly.
#include "command_catalog.h"
#include "commands.h"
#include "run_tool.h"

int main(int argc, char** argv) {
  CLI::App app{compnn::cli::kToolDescription};
  app.require_subcommand(1);
  compnn::cli::Command run;
  compnn::cli::AddDataCommand(app, run);
  compnn::cli::AddIndexCommand(app, run);
  compnn::cli::AddVerifyCommand(app, run);
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
  compnn::cli::RunTool(app, run, argc, argv);
}
