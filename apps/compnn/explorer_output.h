// --html for explain, sweep and control: the explanations of a run gathered into one explorer
// page, OUT/explorer.html (see compnn/pipeline/explorer_builder.h).
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "compnn/pipeline/explorer_builder.h"

namespace compnn::cli {

struct HtmlOptions {
  bool html = false;
  std::vector<std::string> links;  // TEXT=HREF
};

// Registers --html and --html-link.
void AddHtmlOptions(CLI::App* cmd, HtmlOptions* o);

// The links of --html-link as the page takes them.
std::vector<ExplorerLink> PageLinks(const HtmlOptions& o);

// Says where the page is and how large ("" : nothing to say).
void SayPageWritten(const std::string& path);

}  // namespace compnn::cli
