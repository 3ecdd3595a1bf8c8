// The compnn tool's top-level commands, their one-paragraph descriptions, and which binary runs
// them. `compnn` itself is small: it runs the commands that need neither LibTorch nor OpenCV
// (match, verify) and prints the help of all, and hands every other command to `compnn-full`, the
// whole tool, which it finds beside itself. Loading LibTorch and OpenCV costs most of a second;
// a command that runs no network should not pay it.
#pragma once

#include <CLI/CLI.hpp>
#include <string_view>
#include <vector>

namespace compnn::cli {

enum class CommandWeight {
  kLight,  // runs in `compnn` itself
  kFull,   // needs LibTorch or OpenCV: runs in `compnn-full`
};

struct CommandInfo {
  const char* name;
  CommandWeight weight;
  const char* description;
};

// Every top-level command, in the order `compnn --help` lists them.
const std::vector<CommandInfo>& CommandCatalog();

// The catalog's entry for `name`, or nullptr.
const CommandInfo* FindCommand(std::string_view name);

// Adds the catalog's command `name` (which must be in it) as a subcommand of `app`.
CLI::App* AddCatalogCommand(CLI::App& app, std::string_view name);

// What `compnn --help` says first.
inline constexpr const char* kToolDescription =
    "compnn: explains what an encoder-decoder CNN has learned by matching every patch of a "
    "query\n"
    "image, in the network's own activation space, to patches of its training images.";

}  // namespace compnn::cli
