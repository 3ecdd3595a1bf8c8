// Segmentation metrics over class maps, as the paper reports them (Table 1).
//   pixel accuracy       = correct pixels / all pixels
//   mean pixel accuracy  = mean over classes present in the truth of (correct pixels of the class
//                          / truth pixels of the class)
//   mean IoU             = mean over classes present in prediction or truth of
//                          |pred = c and truth = c| / |pred = c or truth = c|
// Pixels whose truth is the ignore class are not counted at all. A prediction of the ignore class
// (a reconstruction whose every vote was ignore) counts as wrong for the true class.
#pragma once

#include <cstdint>
#include <vector>

namespace compnn {

// The class id of pixels a label image marks as unlabelled (void): they are never scored and never
// trained on. Class maps are 8-bit, so real classes are 0..254.
inline constexpr std::uint8_t kIgnoreClass = 255;

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int classes);

  // Adds `count` pixels of predicted and true class ids (each in [0, classes) or kIgnoreClass).
  // `scored`, when given, is a class map whose ignore pixels are left out too (the ground truth,
  // when `truth` is another prediction, as for the agreement with a network).
  // Throws std::invalid_argument for any other id.
  void Add(const std::uint8_t* predicted, const std::uint8_t* truth, std::size_t count,
           const std::uint8_t* scored = nullptr);
  void Add(const ConfusionMatrix& other);

  int classes() const { return classes_; }
  std::int64_t at(int truth, int predicted) const {
    return counts_[truth * (classes_ + 1) + predicted];
  }
  double PixelAccuracy() const;
  double MeanPixelAccuracy() const;
  double MeanIoU() const;

 private:
  std::int64_t TruthTotal(int truth) const;  // pixels of a true class, predicted ignore included

  int classes_;
  // truth-major, classes_ + 1 columns: the last one counts predictions of the ignore class
  std::vector<std::int64_t> counts_;
};

}  // namespace compnn
