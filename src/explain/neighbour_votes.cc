#include "compnn/explain/neighbour_votes.h"

#include <algorithm>

#include "compnn/eval/metrics.h"

namespace compnn {

NeighbourVotes VotesOfField(const CorrespondenceField& field, int stride,
                            TrainingImages& training) {
  NeighbourVotes v;
  v.height = field.height;
  v.width = field.width;
  v.k = field.k;
  v.stride = stride;
  v.labels.assign(field.matches.size(), -1);
  v.weights.assign(field.matches.size(), 0.0f);
  for (std::size_t i = 0; i < field.matches.size(); ++i) {
    const Match& m = field.matches[i];
    if (m.image < 0) continue;
    v.weights[i] = m.similarity;
    const cv::Mat& classes = training.TargetClasses(m.image);
    const int y = std::min(m.y * stride + stride / 2, classes.rows - 1);
    const int x = std::min(m.x * stride + stride / 2, classes.cols - 1);
    const std::uint8_t label = classes.at<std::uint8_t>(y, x);
    if (label != kIgnoreClass) v.labels[i] = label;
  }
  return v;
}

}  // namespace compnn
