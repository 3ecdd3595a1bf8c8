#include "compnn/core/correspondence.h"

namespace compnn {

double CorrespondenceField::MeanSimilarity() const {
  if (height == 0 || width == 0) return 0.0;
  double sum = 0.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) sum += at(y, x).similarity;
  }
  return sum / (static_cast<double>(height) * width);
}

}  // namespace compnn
