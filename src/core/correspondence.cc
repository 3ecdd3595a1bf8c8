#include "compnn/core/correspondence.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "compnn/core/check.h"

namespace compnn {
namespace {

// Matches a cell merges on the stack; more go to the heap.
constexpr int kMaxMergedMatches = 64;

}  // namespace

void MergeFields(CorrespondenceField& field, const CorrespondenceField& other) {
  if (field.height != other.height || field.width != other.width || field.k != other.k) {
    throw std::invalid_argument("fields to merge differ in shape: " + std::to_string(field.height) +
                                " x " + std::to_string(field.width) + " x " +
                                std::to_string(field.k) + " and " + std::to_string(other.height) +
                                " x " + std::to_string(other.width) + " x " +
                                std::to_string(other.k));
  }
  for (std::size_t cell = 0; cell < field.matches.size(); cell += field.k) {
    MergeMatchLists(&field.matches[cell], &other.matches[cell], field.k);
  }
}

void MergeMatchLists(Match* into, const Match* other, int k) {
  // Both lists are sorted best first: the k best of their merge, written back into `into`.
  Match merged[kMaxMergedMatches];
  std::vector<Match> large;
  Match* out = merged;
  if (k > kMaxMergedMatches) {
    large.resize(k);
    out = large.data();
  }
  int i = 0, j = 0;
  for (int slot = 0; slot < k; ++slot)
    out[slot] = other[j].BetterThan(into[i]) ? other[j++] : into[i++];
  std::copy(out, out + k, into);
}

CorrespondenceField BestMatches(const CorrespondenceField& field, int k) {
  COMPNN_CHECK(k >= 1 && k <= field.k, "cannot keep ", k, " of ", field.k, " matches per cell");
  if (k == field.k) return field;
  CorrespondenceField best(field.height, field.width, k);
  for (int y = 0; y < field.height; ++y)
    for (int x = 0; x < field.width; ++x)
      for (int r = 0; r < k; ++r) best.at(y, x, r) = field.at(y, x, r);
  return best;
}

double SameMatchFraction(const CorrespondenceField& a, const CorrespondenceField& b) {
  COMPNN_CHECK(a.matches.size() == b.matches.size(), "fields of ", a.matches.size(), " and ",
               b.matches.size(), " matches cannot be compared");
  if (a.matches.empty()) return 0.0;
  int same = 0;
  for (std::size_t i = 0; i < a.matches.size(); ++i) {
    const Match &p = a.matches[i], &q = b.matches[i];
    same += p.image == q.image && p.y == q.y && p.x == q.x;
  }
  return static_cast<double>(same) / a.matches.size();
}

double CorrespondenceField::MeanSimilarity() const {
  if (height == 0 || width == 0) return 0.0;
  double sum = 0.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) sum += at(y, x).similarity;
  }
  return sum / (static_cast<double>(height) * width);
}

}  // namespace compnn
