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

// One class's scores in a confusion matrix.
struct ClassScore {
  std::int64_t pixels = 0;  // of the class in the truth
  double accuracy = -1;     // the fraction of them predicted as the class; -1 when there are none
  double iou = -1;          // |pred = c and truth = c| / |pred = c or truth = c|; -1 when empty
};

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
  // Every count, truth-major with classes() + 1 columns (the last: predictions of the ignore
  // class); and a matrix rebuilt from them. Throws std::invalid_argument for a wrong length.
  const std::vector<std::int64_t>& counts() const { return counts_; }
  static ConfusionMatrix FromCounts(int classes, std::vector<std::int64_t> counts);

  int classes() const { return classes_; }
  std::int64_t at(int truth, int predicted) const {
    return counts_[truth * (classes_ + 1) + predicted];
  }
  double PixelAccuracy() const;
  double MeanPixelAccuracy() const;
  double MeanIoU() const;
  // Every class's scores, indexed by class id: MeanPixelAccuracy and MeanIoU are their means over
  // the classes where they are defined.
  std::vector<ClassScore> PerClass() const;

 private:
  std::int64_t TruthTotal(int truth) const;  // pixels of a true class, predicted ignore included

  int classes_;
  // truth-major, classes_ + 1 columns: the last one counts predictions of the ignore class
  std::vector<std::int64_t> counts_;
};

// Photo fidelity over `count` 8-bit values (pixels times channels) of two images:
//   mean absolute error = mean |a - b|, in 0..255 units
//   PSNR                = 10 log10(255^2 / mean (a - b)^2) dB, capped at kMaxPsnr for equal images
inline constexpr double kMaxPsnr = 100.0;
double MeanAbsoluteError(const std::uint8_t* a, const std::uint8_t* b, std::size_t count);
double PeakSignalToNoise(const std::uint8_t* a, const std::uint8_t* b, std::size_t count);

}  // namespace compnn
