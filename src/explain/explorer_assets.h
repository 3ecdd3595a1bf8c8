// The explorer page's template, style sheet and script (src/explain/explorer/), compiled into the
// library so that a page can be written without the source tree.
#pragma once

#include <string_view>

namespace compnn {

extern const std::string_view kExplorerTemplate;  // explorer.html, with {{key}} placeholders
extern const std::string_view kExplorerStyle;     // explorer.css
extern const std::string_view kExplorerScript;    // explorer.js

}  // namespace compnn
