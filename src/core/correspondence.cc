#include "compnn/core/correspondence.h"

#include "compnn/core/check.h"

namespace compnn {

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
