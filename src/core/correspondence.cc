#include "compnn/core/correspondence.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "compnn/core/check.h"

namespace compnn {

void MergeFields(CorrespondenceField& field, const CorrespondenceField& other) {
  if (field.height != other.height || field.width != other.width || field.k != other.k) {
    throw std::invalid_argument("fields to merge differ in shape: " + std::to_string(field.height) +
                                " x " + std::to_string(field.width) + " x " +
                                std::to_string(field.k) + " and " + std::to_string(other.height) +
                                " x " + std::to_string(other.width) + " x " +
                                std::to_string(other.k));
  }
  const int k = field.k;
  std::vector<Match> merged(k);
  for (std::size_t cell = 0; cell < field.matches.size(); cell += k) {
    Match* mine = &field.matches[cell];
    const Match* theirs = &other.matches[cell];
    // Both lists are sorted best first: the k best of their merge.
    int i = 0, j = 0;
    for (Match& slot : merged) slot = theirs[j].BetterThan(mine[i]) ? theirs[j++] : mine[i++];
    std::copy(merged.begin(), merged.end(), mine);
  }
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
