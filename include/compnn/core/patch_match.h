// HyperPatch-Match (paper, section 3.2): PatchMatch over a database of activation maps.
#pragma once

#include "compnn/core/searcher.h"

namespace compnn {

// The most iterations, and the most tries of one kind per cell and iteration, a search accepts.
inline constexpr int kMaxPatchMatchIterations = 10000;
inline constexpr int kMaxPatchMatchTries = 1024;

struct PatchMatchParams {
  // Matches kept per cell while searching, when more than the request's k: the search then
  // proceeds as with that many (each offered to the neighbours, each searched around) and returns
  // the best k. Two find a better best match than one, at some extra time on conv features
  // (docs/performance.md).
  int search_matches = 1;
  // Stops after this many iterations, or earlier when fewer than `min_improved_fraction` of the
  // cells improved in an iteration.
  int max_iterations = 32;
  double min_improved_fraction = 0.001;
  // Random cells of uniformly drawn candidate images tried per cell and iteration: the only step
  // that explores images no neighbour has matched yet.
  int random_images = 1;
  // Long-range propagation: matches of random other query cells (as they stood at the start of the
  // iteration), shifted by the offset between the two cells, tried per cell and iteration. It
  // spreads a good image found anywhere to the whole query, and samples images in proportion to
  // how many cells already use them.
  int long_range = 2;
  // Random cells tried at random initialisation (the best one is kept).
  int initial_samples = 1;

  // Throws OptionError naming the field: counts outside [0, the bounds above], search_matches
  // outside [1, kMaxMatchesPerCell], a fraction outside [0, 1] (NaN included).
  void Check() const;
};

// Approximate best k matches of every query cell. With more than one, propagation offers every
// match of a neighbour and the random search looks around each of the cell's matches, as in
// k-nearest-neighbour PatchMatch; the search then costs about k times as much. Deterministic for
// a seed, whatever the thread count: random draws come from a counter-based generator keyed by
// (seed, iteration, cell), and propagation runs tiles of cells in wavefront order, which
// reproduces the sequential scan exactly. Reads float16 maps in place (the same field, bit for
// bit, as over their float32 copies). Progress counts iterations against max_iterations.
class PatchMatchSearcher final : public Searcher {
 public:
  explicit PatchMatchSearcher(PatchMatchParams params = {});
  std::string name() const override { return "hpm"; }
  SearcherTraits traits() const override;
  nlohmann::json Parameters() const override;
  SearchResult Search(const MapView& query, const Database& database,
                      const SearchRequest& request) const override;
  SearchResult Search(const MapView& query, const HalfDatabase& database,
                      const SearchRequest& request) const override;
  const PatchMatchParams& params() const { return params_; }

 private:
  PatchMatchParams params_;
};

SearcherEntry PatchMatchSearcherEntry();

}  // namespace compnn
