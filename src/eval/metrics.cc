#include "compnn/eval/metrics.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace compnn {

ConfusionMatrix::ConfusionMatrix(int classes)
    : classes_(classes),
      counts_(static_cast<std::size_t>(std::max(classes, 0)) * (classes + 1), 0) {
  if (classes < 1 || classes >= kIgnoreClass) {
    throw std::invalid_argument("a confusion matrix needs 1 to " +
                                std::to_string(kIgnoreClass - 1) + " classes");
  }
}

void ConfusionMatrix::Add(const std::uint8_t* predicted, const std::uint8_t* truth,
                          std::size_t count, const std::uint8_t* scored) {
  const auto known = [this](std::uint8_t id) { return id < classes_ || id == kIgnoreClass; };
  for (std::size_t i = 0; i < count; ++i) {
    if (!known(predicted[i]) || !known(truth[i]) || (scored && !known(scored[i]))) {
      const std::uint8_t bad = !known(predicted[i]) ? predicted[i]
                               : !known(truth[i])   ? truth[i]
                                                    : scored[i];
      throw std::invalid_argument("class id " + std::to_string(bad) + " outside the " +
                                  std::to_string(classes_) + " classes");
    }
    if (truth[i] == kIgnoreClass || (scored && scored[i] == kIgnoreClass)) continue;
    const int column = predicted[i] == kIgnoreClass ? classes_ : predicted[i];
    ++counts_[truth[i] * (classes_ + 1) + column];
  }
}

std::int64_t ConfusionMatrix::TruthTotal(int truth) const {
  std::int64_t total = 0;
  for (int p = 0; p <= classes_; ++p) total += at(truth, p);
  return total;
}

ConfusionMatrix ConfusionMatrix::FromCounts(int classes, std::vector<std::int64_t> counts) {
  ConfusionMatrix matrix(classes);
  if (counts.size() != matrix.counts_.size()) {
    throw std::invalid_argument("a confusion matrix of " + std::to_string(classes) +
                                " classes holds " + std::to_string(matrix.counts_.size()) +
                                " counts, not " + std::to_string(counts.size()));
  }
  matrix.counts_ = std::move(counts);
  return matrix;
}

void ConfusionMatrix::Add(const ConfusionMatrix& other) {
  if (other.classes_ != classes_)
    throw std::invalid_argument("confusion matrices of different sizes");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

double ConfusionMatrix::PixelAccuracy() const {
  std::int64_t correct = 0, total = 0;
  for (int t = 0; t < classes_; ++t) {
    total += TruthTotal(t);
    correct += at(t, t);
  }
  return total ? static_cast<double>(correct) / total : 0.0;
}

double ConfusionMatrix::MeanPixelAccuracy() const {
  double sum = 0;
  int present = 0;
  for (int t = 0; t < classes_; ++t) {
    const std::int64_t row = TruthTotal(t);
    if (row == 0) continue;
    sum += static_cast<double>(at(t, t)) / row;
    ++present;
  }
  return present ? sum / present : 0.0;
}

double ConfusionMatrix::MeanIoU() const {
  double sum = 0;
  int present = 0;
  for (int c = 0; c < classes_; ++c) {
    const std::int64_t truth = TruthTotal(c);
    std::int64_t predicted = 0;
    for (int o = 0; o < classes_; ++o) predicted += at(o, c);
    const std::int64_t uni = truth + predicted - at(c, c);
    if (uni == 0) continue;
    sum += static_cast<double>(at(c, c)) / uni;
    ++present;
  }
  return present ? sum / present : 0.0;
}

std::vector<ClassScore> ConfusionMatrix::PerClass() const {
  std::vector<ClassScore> scores(classes_);
  for (int c = 0; c < classes_; ++c) {
    ClassScore& s = scores[c];
    s.pixels = TruthTotal(c);
    if (s.pixels > 0) s.accuracy = static_cast<double>(at(c, c)) / s.pixels;
    std::int64_t predicted = 0;
    for (int o = 0; o < classes_; ++o) predicted += at(o, c);
    const std::int64_t uni = s.pixels + predicted - at(c, c);
    if (uni > 0) s.iou = static_cast<double>(at(c, c)) / uni;
  }
  return scores;
}

double MeanAbsoluteError(const std::uint8_t* a, const std::uint8_t* b, std::size_t count) {
  if (count == 0) throw std::invalid_argument("mean absolute error of empty images");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < count; ++i) sum += a[i] > b[i] ? a[i] - b[i] : b[i] - a[i];
  return static_cast<double>(sum) / count;
}

double PeakSignalToNoise(const std::uint8_t* a, const std::uint8_t* b, std::size_t count) {
  if (count == 0) throw std::invalid_argument("PSNR of empty images");
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const int d = int(a[i]) - int(b[i]);
    sum += static_cast<std::uint64_t>(d * d);
  }
  if (sum == 0) return kMaxPsnr;
  return std::min(kMaxPsnr, 10.0 * std::log10(255.0 * 255.0 * count / static_cast<double>(sum)));
}

}  // namespace compnn
