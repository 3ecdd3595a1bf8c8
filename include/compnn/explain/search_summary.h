// What summary.json records of a store search: the options, the pasting, what searched and its
// timings; the same record in explain's, sweep's and control's summaries.
#pragma once

#include <nlohmann/json.hpp>

#include "compnn/explain/reconstruction.h"
#include "compnn/store/store_search.h"

namespace compnn {

nlohmann::json SearchSummary(const StoreSearchOptions& options, const PasteOptions& paste,
                             const StoreSearchResult& search, const FeatureStore& store);

}  // namespace compnn
