// The subcommands of the compnn tool; each registers itself on the top-level CLI11 app.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace compnn::cli {

// Registers a subcommand; the returned function runs it once the command line is parsed.
using Command = std::function<void()>;

void AddMatchCommand(CLI::App& app, Command& run);
void AddDataCommand(CLI::App& app, Command& run);
// compnn data import, a subcommand of `data`.
void AddImportCommand(CLI::App& data, Command& run);
void AddDataCheckCommand(CLI::App& data, Command& run);
void AddIndexCommand(CLI::App& app, Command& run);
void AddVerifyCommand(CLI::App& app, Command& run);
void AddCellIndexCommand(CLI::App& app, Command& run);
void AddTrainCommand(CLI::App& app, Command& run);
void AddLayersCommand(CLI::App& app, Command& run);
void AddPredictCommand(CLI::App& app, Command& run);
void AddExplainCommand(CLI::App& app, Command& run);
void AddSweepCommand(CLI::App& app, Command& run);
void AddControlCommand(CLI::App& app, Command& run);
void AddCorrespondCommand(CLI::App& app, Command& run);
void AddEvalCommand(CLI::App& app, Command& run);

}  // namespace compnn::cli
