// Where not to trust a segmentation network: per-pixel credibility of its predicted class from the
// labels of the nearest training patches, as Deep k-Nearest Neighbours (Papernot and McDaniel,
// 2018) does for classifiers. A pixel's nonconformity with a class is, summed over the layers
// searched, the similarity-weighted share of its cell's K nearest training cells whose label is
// another class; calibrated on held-out pixels (the nonconformity of their true class), a
// nonconformity becomes a p-value, the credibility: the share of calibration pixels that conform
// no better. Also the measures of how well a confidence finds the network's errors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace compnn {

// One layer's evidence for one query: the labels of the K nearest training cells of each of its
// cells, best first, and their similarities.
struct NeighbourVotes {
  int height = 0, width = 0, k = 0;  // cells, and neighbours per cell
  int stride = 1;                    // input pixels per cell
  std::vector<int> labels;           // height * width * k class ids; -1: no label (void)
  std::vector<float> weights;        // the similarities (a negative one weighs nothing)
};

// The cell of a pixel's row (or column) in a map of `cells` rows (or columns) at `stride`: the row
// over the stride, clamped to the map (a map may be a little short of the image).
inline int CellOfPixel(int pixel, int stride, int cells) {
  return pixel / stride < cells - 1 ? pixel / stride : cells - 1;
}

// Per pixel of a rows x cols class map, its nonconformity (see above) with that pixel's class,
// the cell of pixel (r, c) at each layer being (CellOfPixel(r, ...), CellOfPixel(c, ...)); a cell
// none of whose neighbours has a label (or weighs anything) counts as all disagreeing. NaN where
// the class is `ignore`. Throws std::invalid_argument for votes of the wrong length.
std::vector<float> Nonconformity(const std::vector<NeighbourVotes>& layers,
                                 const std::uint8_t* classes, int rows, int cols,
                                 std::uint8_t ignore);

// The calibration of nonconformities into credibilities: the held-out nonconformities, kept as
// at most `kept` evenly spaced order statistics.
class CredibilityCalibration {
 public:
  // `values`: the nonconformity of the true class on held-out pixels (NaNs are skipped). Throws
  // std::invalid_argument when none is finite.
  explicit CredibilityCalibration(std::vector<float> values, int kept = 20001);
  // From Values() and Count() as saved.
  CredibilityCalibration(std::vector<float> sorted, long long count);

  // (1 + calibration values >= alpha) / (1 + their count): a p-value in (0, 1]; NaN for NaN.
  float Credibility(float alpha) const;
  const std::vector<float>& Values() const { return sorted_; }  // ascending
  long long Count() const { return count_; }                    // pixels calibrated on

 private:
  std::vector<float> sorted_;
  long long count_ = 0;
};

// Error detection. `score`: higher means "more likely an error"; `positive`: 1 for an error.
// Area under the ROC curve (the probability that an error outscores a correct pixel, ties
// counting half), and average precision (the mean, over errors, of the precision among pixels
// scoring at least as high). -1 when there are no errors or no correct pixels. Throw
// std::invalid_argument for lengths that differ or a NaN score.
double Auroc(const std::vector<float>& score, const std::vector<std::uint8_t>& positive);
double AveragePrecision(const std::vector<float>& score, const std::vector<std::uint8_t>& positive);

// The error rate of the pixels kept when only the most confident `coverage` share of them is kept
// (confidence descending, ties broken by position), for each coverage in (0, 1].
std::vector<double> RiskAtCoverage(const std::vector<float>& confidence,
                                   const std::vector<std::uint8_t>& error,
                                   const std::vector<double>& coverages);

// Per pixel of channels-last class scores (pixels x classes): the softmax's largest probability,
// and its entropy in nats.
void SoftmaxConfidence(const float* logits, std::size_t pixels, int classes,
                       std::vector<float>& max_probability, std::vector<float>& entropy);

}  // namespace compnn
