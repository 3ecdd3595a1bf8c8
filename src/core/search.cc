#include "compnn/core/search.h"

#include <algorithm>
#include <stdexcept>

#include "compnn/core/check.h"
#include "compnn/core/thread_limit.h"

namespace compnn {

namespace {

// A method's own options with the fields every method shares set from `shared`.
template <typename MethodOptions>
MethodOptions WithSharedFields(MethodOptions o, const SearchOptions& shared) {
  o.hyperpatch = shared.hyperpatch;
  o.candidates = shared.candidates;
  o.top_k = shared.k;
  o.threads = shared.threads;
  return o;
}

}  // namespace

ExactSearchOptions SearchOptions::ForExact() const { return WithSharedFields(exact, *this); }

PatchMatchOptions SearchOptions::ForPatchMatch() const {
  PatchMatchOptions o = WithSharedFields(patch_match, *this);
  o.seed = seed;
  return o;
}

ProjectedSearchOptions SearchOptions::ForProjected() const {
  ProjectedSearchOptions o = WithSharedFields(projected, *this);
  o.shortlist = std::max(o.shortlist, k);
  o.seed = seed;
  return o;
}

void CheckMethodSeedsUnset(const PatchMatchOptions& patch_match,
                           const ProjectedSearchOptions& projected) {
  // One seed rules every method: a nested one would be overwritten without a word.
  COMPNN_CHECK_OPTION(patch_match.seed == 0, "patch_match.seed",
                      "is not used: set seed, the search's one seed, got ", patch_match.seed);
  COMPNN_CHECK_OPTION(projected.seed == 0, "projected.seed",
                      "is not used: set seed, the search's one seed, got ", projected.seed);
}

void SearchOptions::Check() const {
  COMPNN_CHECK_OPTION(k >= 1 && k <= kMaxPatchMatchTopK, "k", "must be in [1, ", kMaxPatchMatchTopK,
                      "], got ", k);
  COMPNN_CHECK_OPTION(threads >= 0 && threads <= kMaxThreads, "threads", "must be in [0, ",
                      kMaxThreads, "], got ", threads);
  CheckMethodSeedsUnset(patch_match, projected);
  switch (method) {
    case SearchMethod::kExact:
      CheckNested("exact", ForExact());
      break;
    case SearchMethod::kProjected:
      CheckNested("projected", ForProjected());
      break;
    case SearchMethod::kHyperPatchMatch:
      CheckNested("patch_match", ForPatchMatch());
      break;
  }
}

SearchResult Search(const MapView& query, const Database& database, const SearchOptions& options) {
  options.Check();
  SearchResult result;
  switch (options.method) {
    case SearchMethod::kExact:
      result.field = ExactSearch(query, database, options.ForExact());
      break;
    case SearchMethod::kProjected:
      result.field = ProjectedSearch(query, database, options.ForProjected());
      break;
    case SearchMethod::kHyperPatchMatch: {
      PatchMatchResult found = HyperPatchMatch(query, database, options.ForPatchMatch());
      result.field = std::move(found.field);
      result.iterations = std::move(found.iterations);
      break;
    }
  }
  return result;
}

SearchResult Search(const MapView& query, const HalfDatabase& database,
                    const SearchOptions& options) {
  options.Check();
  if (options.method != SearchMethod::kHyperPatchMatch) {
    throw std::invalid_argument(ToString(options.method) +
                                " search needs float32 maps; only hpm reads float16 in place");
  }
  PatchMatchResult found = HyperPatchMatch(query, database, options.ForPatchMatch());
  return {std::move(found.field), std::move(found.iterations)};
}

}  // namespace compnn
