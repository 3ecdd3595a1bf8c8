// compnn-full: the whole compnn tool, every command in one binary. `compnn` hands it the commands
// that need LibTorch or OpenCV (command_catalog.h); it can also be run directly.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/core/strings.h"
#include "run_tool.h"
#include "tool_ranks.h"
#ifdef COMPNN_WITH_MPI
#include "compnn/mpi/mpi_ranks.h"
#endif

namespace compnn::cli {
namespace {

// Under an MPI launcher: starts MPI, and refuses the commands that run as one process only.
void JoinRanks(int& argc, char**& argv) {
#ifdef COMPNN_WITH_MPI
  try {
    std::unique_ptr<MpiRanks> ranks = MpiRanks::Initialize(&argc, &argv);
    MpiRanks* mpi = ranks.get();
    // Ranks on one machine share its cores: each gets its share as the default thread count
    // (--threads, and OMP_NUM_THREADS, still rule).
    if (std::getenv("OMP_NUM_THREADS") == nullptr) {
      omp_set_num_threads(std::max(1, omp_get_num_procs() / mpi->local_size()));
    }
    SetToolRanks(std::move(ranks), [mpi](int status) { mpi->Finish(status); });
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compnn: error: %s\n", e.what());
    std::_Exit(2);
  }
#else
  if (LauncherProcessCount() > 1) {
    std::fprintf(stderr,
                 "compnn: error: this compnn was built without MPI, so it cannot run as %d ranks "
                 "(install libopenmpi-dev and build again, or run it without mpirun)\n",
                 LauncherProcessCount());
    std::_Exit(2);
  }
#endif
  const Ranks& ranks = ToolRanks();
  if (ranks.size() > 1 && argc > 1 && FindCommand(argv[1]) && !RunsAcrossRanks(argv[1])) {
    RefuseOnEveryRank("compnn: error: compnn " + std::string(argv[1]) +
                      " runs as one process; under mpirun only these commands run across ranks: " +
                      Join(CommandsAcrossRanks()) + " (run it without mpirun)");
  }
}

}  // namespace
}  // namespace compnn::cli

int main(int argc, char** argv) {
  if (compnn::cli::StartedByMpiLauncher()) compnn::cli::JoinRanks(argc, argv);
  CLI::App app{compnn::cli::kToolDescription};
  app.require_subcommand(1);
  compnn::cli::Command run;
  compnn::cli::AddDataCommand(app, run);
  compnn::cli::AddIndexCommand(app, run);
  compnn::cli::AddVerifyCommand(app, run);
  compnn::cli::AddCellIndexCommand(app, run);
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
