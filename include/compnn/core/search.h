// The one entry point of every search of a query's matches: the method as an enum, the fields all
// methods share (hyperpatch, candidates, matches per cell, seed, threads) in one place, and each
// method's own parameters beside them. compnn match, the feature store's search and Python call
// this and nothing else.
#pragma once

#include <cstdint>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/hyperpatch.h"
#include "compnn/core/patch_match.h"
#include "compnn/core/projected_search.h"
#include "compnn/core/search_method.h"

namespace compnn {

struct SearchOptions {
  SearchMethod method = SearchMethod::kHyperPatchMatch;
  HyperpatchShape hyperpatch;
  // Database images to search; empty means all of them.
  std::vector<int> candidates;
  int k = 1;               // matches kept per query cell, best first
  std::uint64_t seed = 0;  // every random choice: HyperPatch-Match's, projected search's sample
  int threads = 0;         // 0: every core OpenMP offers; the result does not depend on it
  // Each method's own parameters. The shared fields above rule over theirs (hyperpatch,
  // candidates, top_k, seed, threads); a projected shortlist shorter than k grows to k. Their own
  // seeds must stay 0 (Check refuses another).
  ExactSearchOptions exact;
  PatchMatchOptions patch_match;
  ProjectedSearchOptions projected;

  // Throws OptionError naming the field (a method's own as exact.FIELD, patch_match.FIELD,
  // projected.FIELD): k outside [1, kMaxPatchMatchTopK], threads outside [0, kMaxThreads], and
  // what the chosen method's own Check refuses.
  void Check() const;

  // Each method's options with the shared fields filled in.
  ExactSearchOptions ForExact() const;
  PatchMatchOptions ForPatchMatch() const;
  ProjectedSearchOptions ForProjected() const;
};

struct SearchResult {
  CorrespondenceField field;
  // HyperPatch-Match: one record per iteration run; empty for the other methods.
  std::vector<PatchMatchIteration> iterations;
};

// Throws OptionError naming patch_match.seed or projected.seed when either is set: options that
// carry a search's one seed (SearchOptions::seed, StoreSearchOptions::seed) leave them 0.
void CheckMethodSeedsUnset(const PatchMatchOptions& patch_match,
                           const ProjectedSearchOptions& projected);

// The best k matches of every query cell among the candidates, by the chosen method. Throws
// OptionError for options out of range and std::invalid_argument for malformed maps.
SearchResult Search(const MapView& query, const Database& database, const SearchOptions& options);
// The same over float16 maps read in place: HyperPatch-Match reads them directly (the same field,
// bit for bit, as over float32 copies); exact and projected search need float32 maps and throw
// std::invalid_argument.
SearchResult Search(const MapView& query, const HalfDatabase& database,
                    const SearchOptions& options);

}  // namespace compnn
