#include "compnn/explain/search_summary.h"

#include <algorithm>

namespace compnn {

nlohmann::json SearchSummary(const StoreSearchOptions& o, const PasteOptions& paste,
                             const StoreSearchResult& search, const FeatureStore& store) {
  nlohmann::json candidates = nlohmann::json::array();
  for (int i : search.candidates) candidates.push_back(store.manifest().images[i]);
  nlohmann::json summary = {{"method", ToString(o.search.method)},
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
    summary["cell_index"] = {{"probes", o.cell_index.probes},
                             {"shortlist", std::max(o.cell_index.shortlist, o.search.k)}};
    return summary;
  }
  if (o.search.method == SearchMethod::kHyperPatchMatch) {
    summary["iterations"] = search.iterations;
    summary["max_iterations"] = o.search.patch_match.max_iterations;
    summary["search_matches"] = std::max(o.search.k, o.search.patch_match.search_matches);
  }
  if (o.search.method != SearchMethod::kExact) summary["seed"] = o.search.seed;
  return summary;
}

}  // namespace compnn
