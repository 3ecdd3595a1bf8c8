// The end of both binaries' main: parse the command line, run the chosen command, and turn every
// error into one line on standard error and exit status 2.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "commands.h"

namespace compnn::cli {

// Parses argv with `app`, runs `run` (set by the chosen subcommand's callback) and exits the
// process with its status, skipping static destructors (LibTorch's worker threads can still be
// alive then, and tearing down under them has crashed long runs).
[[noreturn]] void RunTool(CLI::App& app, const Command& run, int argc, char** argv);

// Prints "compnn: note: LINE" on standard error from rank 0, once per distinct line in the process
// (a search repeated over many queries notes the same thing once).
void NoteOnce(const std::string& line);

// A refusal every rank reaches alike (the same words, parsed the same way): rank 0 alone prints
// `line` (one line, without its newline), and every rank exits with status 2 without waiting on
// another.
[[noreturn]] void RefuseOnEveryRank(const std::string& line);

}  // namespace compnn::cli
