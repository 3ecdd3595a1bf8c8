// compnn: explain pixel-level CNNs by compositional nearest neighbours. This binary starts in a few
// milliseconds: it runs the commands that need neither LibTorch nor OpenCV itself, prints the
// help of all, and replaces itself with compnn-full (beside it) for the others.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <system_error>

#include "blas_kernel.h"
#include "command_catalog.h"
#include "commands.h"
#include "run_tool.h"
#include "tool_ranks.h"

namespace {

// Runs compnn-full with the same arguments in this process's place; returns only on failure.
int HandToFullTool(char** argv) {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  const std::string full =
      (error ? std::filesystem::path(argv[0]) : self).parent_path().append("compnn-full").string();
  execv(full.c_str(), argv);
  std::fprintf(stderr, "compnn: error: cannot run %s, which runs the '%s' command: %s\n",
               full.c_str(), argv[1], std::strerror(errno));
  return 2;
}

// Sets OPENBLAS_CORETYPE where OpenBLAS chose its slowest kernels on a CPU with fast ones, and
// runs this binary again under it (OpenBLAS reads it once, when it loads); compnn-full, which
// this binary becomes for most commands, inherits it. Returns only when nothing changes or the
// new start fails.
void UseTheCpusBlasKernel(char** argv) {
  const std::string kernel = compnn::cli::BlasKernelToRequest();
  if (kernel.empty() || setenv("OPENBLAS_CORETYPE", kernel.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace compnn::cli;
  UseTheCpusBlasKernel(argv);
  if (argc > 1) {
    const CommandInfo* command = FindCommand(argv[1]);
    if (command && command->weight == CommandWeight::kFull) return HandToFullTool(argv);
    // Ranks need MPI, which only compnn-full loads.
    if (StartedByMpiLauncher()) return HandToFullTool(argv);
  }
  CLI::App app{kToolDescription};
  app.require_subcommand(1);
  Command run;
  const std::map<std::string, void (*)(CLI::App&, Command&)> light = {
      {"match", AddMatchCommand},
      {"verify", AddVerifyCommand},
      {"cell-index", AddCellIndexCommand}};
  for (const CommandInfo& command : CommandCatalog()) {
    if (command.weight == CommandWeight::kFull) {
      AddCatalogCommand(app, command.name);  // listed in --help; runs in compnn-full
      continue;
    }
    const auto add = light.find(command.name);
    if (add == light.end())
      throw std::logic_error(std::string("light command '") + command.name + "' is not built in");
    add->second(app, run);
  }
  RunTool(app, run, argc, argv);
}
