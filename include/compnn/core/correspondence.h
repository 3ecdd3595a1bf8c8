// The result of a search: a correspondence field (nearest-neighbour field, NNF).
#pragma once

#include <cstdint>
#include <tuple>
#include <vector>

namespace compnn {

// One database cell matched to a query cell, and the cosine similarity of their hyperpatches.
struct Match {
  std::int32_t image = -1;
  std::int32_t y = 0;
  std::int32_t x = 0;
  float similarity = 0.0f;

  // Ties between equal similarities go to the lowest (image, y, x).
  bool PrecedesOnTie(const Match& other) const {
    return std::tie(image, y, x) < std::tie(other.image, other.y, other.x);
  }
  // True when this match should replace `other` as the better one.
  bool BetterThan(const Match& other) const {
    return similarity > other.similarity ||
           (similarity == other.similarity && PrecedesOnTie(other));
  }
};

// For every query cell (y, x), its k best matches, best first.
struct CorrespondenceField {
  int height = 0;
  int width = 0;
  int k = 1;
  std::vector<Match> matches;  // height * width * k, cell-major

  CorrespondenceField() = default;
  CorrespondenceField(int height, int width, int k = 1)
      : height(height), width(width), k(k), matches(static_cast<std::size_t>(height) * width * k) {}

  Match& at(int y, int x, int rank = 0) {
    return matches[(static_cast<std::size_t>(y) * width + x) * k + rank];
  }
  const Match& at(int y, int x, int rank = 0) const {
    return matches[(static_cast<std::size_t>(y) * width + x) * k + rank];
  }
  // Mean similarity of the best match over all cells.
  double MeanSimilarity() const;
};

// Keeps in `field`, for every cell, the k best of its own and `other`'s matches, best first (ties
// to the lowest (image, y, x)): the field of a search over the union of two disjoint sets of
// images, from the fields of the searches over each. Unfilled slots (image -1, similarity -inf)
// lose to every match. Throws std::invalid_argument when the fields' shapes or k differ.
void MergeFields(CorrespondenceField& field, const CorrespondenceField& other);
// One cell's part of MergeFields: `into` and `other` hold k matches each, best first.
void MergeMatchLists(Match* into, const Match* other, int k);

// The first (best) k matches of every cell of `field`; k at most field.k.
CorrespondenceField BestMatches(const CorrespondenceField& field, int k = 1);

// The fraction of matches that are the same (image, y, x) in both fields, as when judging an
// approximate search by an exact one; 0 for empty fields. Throws std::runtime_error when the
// fields hold different numbers of matches.
double SameMatchFraction(const CorrespondenceField& a, const CorrespondenceField& b);

}  // namespace compnn
