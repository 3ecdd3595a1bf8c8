#include "compnn/explain/search_summary.h"

namespace compnn {

nlohmann::json SearchSummary(const StoreSearchOptions& o, const PasteOptions& paste,
                             const StoreSearchResult& search, const FeatureStore& store) {
  nlohmann::json candidates = nlohmann::json::array();
  for (int i : search.candidates) candidates.push_back(store.manifest().images[i]);
  nlohmann::json summary = {{"method", o.searcher->name()},
                            {"topk_images", o.topk_images},
                            {"k", o.search.k},
                            {"vote_power", paste.vote_power},
                            {"overlapping_blocks", paste.overlapping_blocks},
                            {"candidates", candidates},
                            {"searched_by", search.searched_by},
                            {"mean_similarity", search.field.MeanSimilarity()},
                            {"seconds",
                             {{"prefilter", search.prefilter_seconds},
                              {"load", search.load_seconds},
                              {"search", search.search_seconds}}}};
  if (search.used_cell_index) {
    summary["cell_index"] = search.searcher->Parameters();
    return summary;
  }
  summary.update(SearchRecord(*o.searcher, o.search.seed));
  if (search.iterations > 0) summary["iterations"] = search.iterations;  // iterative searches
  return summary;
}

}  // namespace compnn
