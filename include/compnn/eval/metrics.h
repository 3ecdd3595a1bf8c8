// Segmentation metrics over class maps, as the paper reports them (Table 1).
//   pixel accuracy       = correct pixels / all pixels
//   mean pixel accuracy  = mean over classes present in the truth of (correct pixels of the class
//                          / truth pixels of the class)
//   mean IoU             = mean over classes present in prediction or truth of
//                          |pred = c and truth = c| / |pred = c or truth = c|
#pragma once

#include <cstdint>
#include <vector>

namespace compnn {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes);

  // Adds `count` pixels of predicted and true class ids (each in [0, classes)).
  void Add(const std::uint8_t* predicted, const std::uint8_t* truth, std::size_t count);
  void Add(const ConfusionMatrix& other);

  int classes() const { return classes_; }
  std::int64_t at(int truth, int predicted) const { return counts_[truth * classes_ + predicted]; }
  double PixelAccuracy() const;
  double MeanPixelAccuracy() const;
  double MeanIoU() const;

 private:
  int classes_;
  std::vector<std::int64_t> counts_;  // truth-major
};

}  // namespace compnn
