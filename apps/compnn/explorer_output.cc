#include "explorer_output.h"

#include <cstdio>
#include <filesystem>

namespace compnn::cli {

void AddHtmlOptions(CLI::App* cmd, HtmlOptions* o) {
  cmd->add_flag("--html", o->html,
                "also write OUT/explorer.html: an interactive page (opens offline) in which "
                "hovering any pixel of the query shows the training patch it came from");
  cmd->add_option("--html-link", o->links,
                  "TEXT=HREF: a link in the explorer page's header (repeatable)")
      ->check([](const std::string& link) {
        const std::size_t eq = link.find('=');
        return eq == std::string::npos || eq == 0 || eq + 1 == link.size()
                   ? "expected TEXT=HREF, got '" + link + "'"
                   : std::string();
      });
}

std::vector<ExplorerLink> PageLinks(const HtmlOptions& o) {
  std::vector<ExplorerLink> links;
  for (const std::string& link : o.links) {
    const std::size_t eq = link.find('=');
    links.push_back({link.substr(0, eq), link.substr(eq + 1)});
  }
  return links;
}

void SayPageWritten(const std::string& path) {
  if (path.empty()) return;
  std::printf("wrote %s (%.1f MB): open it in a browser and hover over the query\n", path.c_str(),
              static_cast<double>(std::filesystem::file_size(path)) / 1e6);
}

}  // namespace compnn::cli
