// The ranks one run of the tool spans (core/ranks.h): one process, unless compnn-full was started
// by an MPI launcher and built with MPI, when its main installs MPI's.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compnn/core/ranks.h"

namespace compnn::cli {

// True when an MPI launcher (Open MPI's mpirun, or a PMI/PMIx launcher such as srun) started this
// process. Reads the environment only: `compnn` itself, which has no MPI, asks it to hand every
// command to compnn-full.
bool StartedByMpiLauncher();
// How many processes the launcher started (1 when none did).
int LauncherProcessCount();

const Ranks& ToolRanks();
// Installs the ranks, and what to do with them as the process exits with a status.
void SetToolRanks(std::unique_ptr<Ranks> ranks, std::function<void(int)> finish);
// Called by RunTool just before the process exits.
void FinishToolRanks(int status);

// The commands that run as several ranks; under mpirun every other command is refused.
const std::vector<std::string>& CommandsAcrossRanks();
bool RunsAcrossRanks(std::string_view command);

}  // namespace compnn::cli
