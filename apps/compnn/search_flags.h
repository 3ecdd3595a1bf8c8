// The search's method and its parameters as flags, from the searcher registry (core/searcher.h):
// --method NAME, and one flag for each parameter a registered searcher takes (--iterations,
// --components, ...). A new searcher's parameters become flags without touching a command.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>

#include "compnn/core/searcher.h"

namespace compnn::cli {

// Registers --method and the parameters' flags on `cmd`; once the command line is parsed,
// `searcher` holds the searcher they chose (a parameter the chosen method does not take is refused
// then, as a parse error).
void AddSearchFlags(CLI::App* cmd, std::shared_ptr<const Searcher>& searcher);

// The help of --seed: which methods draw at random.
std::string SeedHelp();

}  // namespace compnn::cli
