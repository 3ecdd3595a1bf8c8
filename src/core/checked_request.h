// A search request checked against the maps it searches, as every searcher begins.
#pragma once

#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/check.h"
#include "compnn/core/searcher.h"

namespace compnn::internal {

struct CheckedRequest {
  std::vector<int> candidates;  // the request's, or every image when it names none
  long long cells = 0;          // the candidates' cells, at least request.k
};

// Throws OptionError for a request out of range or k above the candidates' cells, and
// std::invalid_argument for malformed maps (CheckSearchInputs).
template <typename View>
CheckedRequest CheckRequest(const MapView& query, const MapDatabase<View>& database,
                            const SearchRequest& request) {
  request.Check();
  CheckedRequest checked;
  checked.candidates = CheckSearchInputs(query, database, request.hyperpatch, request.candidates);
  for (int image : checked.candidates) checked.cells += database[image].cells();
  COMPNN_CHECK_OPTION(request.k <= checked.cells, "k", "must be between 1 and the candidates' ",
                      checked.cells, " cells, got ", request.k);
  return checked;
}

}  // namespace compnn::internal
