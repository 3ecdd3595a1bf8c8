#include "tool_ranks.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace compnn::cli {
namespace {

std::unique_ptr<Ranks>& InstalledRanks() {
  static std::unique_ptr<Ranks> ranks = std::make_unique<Ranks>();
  return ranks;
}

std::function<void(int)>& InstalledFinish() {
  static std::function<void(int)> finish;
  return finish;
}

}  // namespace

bool StartedByMpiLauncher() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

int LauncherProcessCount() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"}) {
    if (const char* value = std::getenv(name)) return std::max(1, std::atoi(value));
  }
  return 1;
}

const Ranks& ToolRanks() { return *InstalledRanks(); }

void SetToolRanks(std::unique_ptr<Ranks> ranks, std::function<void(int)> finish) {
  InstalledRanks() = std::move(ranks);
  InstalledFinish() = std::move(finish);
}

void FinishToolRanks(int status) {
  if (InstalledFinish()) InstalledFinish()(status);
}

const std::vector<std::string>& CommandsAcrossRanks() {
  static const std::vector<std::string> commands = {"index", "match", "explain", "eval"};
  return commands;
}

bool RunsAcrossRanks(std::string_view command) {
  const auto& commands = CommandsAcrossRanks();
  return std::find(commands.begin(), commands.end(), command) != commands.end();
}

}  // namespace compnn::cli
