// How a query's matches are found: exhaustively, by HyperPatch-Match (paper, section 3.2), or by
// exact search in a projection of the hyperpatches, ranked again at full length
// (projected_search.h).
#pragma once

#include <map>
#include <string>

namespace compnn {

enum class SearchMethod { kHyperPatchMatch, kExact, kProjected };

// The names files and front ends use: "hpm", "exact" and "projected".
const std::map<std::string, SearchMethod>& SearchMethodNames();
std::string ToString(SearchMethod method);

}  // namespace compnn
