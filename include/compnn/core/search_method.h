// How a query's matches are found: exhaustively, or by HyperPatch-Match (paper, section 3.2).
#pragma once

#include <map>
#include <string>

namespace compnn {

enum class SearchMethod { kHyperPatchMatch, kExact };

// The names files and front ends use: "hpm" and "exact".
const std::map<std::string, SearchMethod>& SearchMethodNames();
std::string ToString(SearchMethod method);

}  // namespace compnn
