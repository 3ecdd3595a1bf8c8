// HyperPatch-Match (paper, section 3.2): PatchMatch over a database of activation maps.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn {

struct PatchMatchIteration {
  int iteration = 0;               // 1-based
  double improved_fraction = 0.0;  // cells whose match improved in this iteration
  double mean_similarity = 0.0;    // after this iteration
};

// The most iterations, and the most tries of one kind per cell and iteration, a search accepts.
inline constexpr int kMaxPatchMatchIterations = 10000;
inline constexpr int kMaxPatchMatchTries = 1024;
// The most matches per cell a search keeps.
inline constexpr int kMaxPatchMatchTopK = 256;

struct PatchMatchOptions {
  HyperpatchShape hyperpatch;
  // Database images to search; empty means all of them.
  std::vector<int> candidates;
  // Matches kept per query cell, best first and distinct. With more than one, propagation offers
  // every match of a neighbour and the random search looks around each of the cell's matches, as
  // in k-nearest-neighbour PatchMatch; the search then costs about top_k times as much.
  int top_k = 1;
  // Matches kept per cell while searching, when more than top_k: the search then proceeds as with
  // that many (each offered to the neighbours, each searched around) and returns the best top_k.
  // Two find a better best match than one, at some extra time on conv features
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
  std::uint64_t seed = 0;
  // Worker threads; 0 means every core OpenMP offers. The result does not depend on it.
  int threads = 0;
  // Called after every iteration.
  std::function<void(const PatchMatchIteration&)> on_iteration;

  // The matches per cell the search keeps: the larger of top_k and search_matches.
  int SearchedMatches() const { return top_k > search_matches ? top_k : search_matches; }

  // Throws OptionError naming the field: counts outside [0, the bounds above], top_k or
  // search_matches outside [1, kMaxPatchMatchTopK], a fraction outside [0, 1] (NaN included).
  void Check() const;
};

struct PatchMatchResult {
  CorrespondenceField field;
  std::vector<PatchMatchIteration> iterations;
};

// Approximate best top_k matches of every query cell (mean similarities and improvement counts
// follow the best). Deterministic for a seed, whatever the thread count:
// random draws come from a counter-based generator keyed by (seed, iteration, cell), and
// propagation runs tiles of cells in wavefront order, which reproduces the sequential scan exactly.
// Throws std::invalid_argument on malformed input or non-finite values.
PatchMatchResult HyperPatchMatch(const MapView& query, const Database& database,
                                 const PatchMatchOptions& options = {});
// The same search over float16 maps, read in place: the same field, bit for bit, as over their
// float32 copies, without making those copies.
PatchMatchResult HyperPatchMatch(const MapView& query, const HalfDatabase& database,
                                 const PatchMatchOptions& options = {});

}  // namespace compnn
