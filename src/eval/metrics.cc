#include "compnn/eval/metrics.h"

#include <stdexcept>
#include <string>

namespace compnn {

ConfusionMatrix::ConfusionMatrix(int classes)
    : classes_(classes), counts_(static_cast<std::size_t>(classes) * classes, 0) {
  if (classes < 1) throw std::invalid_argument("a confusion matrix needs at least one class");
}

void ConfusionMatrix::Add(const std::uint8_t* predicted, const std::uint8_t* truth,
                          std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    if (predicted[i] >= classes_ || truth[i] >= classes_) {
      throw std::invalid_argument("class id " + std::to_string(std::max(predicted[i], truth[i])) +
                                  " outside the " + std::to_string(classes_) + " classes");
    }
    ++counts_[truth[i] * classes_ + predicted[i]];
  }
}

void ConfusionMatrix::Add(const ConfusionMatrix& other) {
  if (other.classes_ != classes_)
    throw std::invalid_argument("confusion matrices of different sizes");
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
}

double ConfusionMatrix::PixelAccuracy() const {
  std::int64_t correct = 0, total = 0;
  for (int t = 0; t < classes_; ++t) {
    for (int p = 0; p < classes_; ++p) total += at(t, p);
    correct += at(t, t);
  }
  return total ? static_cast<double>(correct) / total : 0.0;
}

double ConfusionMatrix::MeanPixelAccuracy() const {
  double sum = 0;
  int present = 0;
  for (int t = 0; t < classes_; ++t) {
    std::int64_t row = 0;
    for (int p = 0; p < classes_; ++p) row += at(t, p);
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
    std::int64_t truth = 0, predicted = 0;
    for (int o = 0; o < classes_; ++o) {
      truth += at(c, o);
      predicted += at(o, c);
    }
    const std::int64_t uni = truth + predicted - at(c, c);
    if (uni == 0) continue;
    sum += static_cast<double>(at(c, c)) / uni;
    ++present;
  }
  return present ? sum / present : 0.0;
}

}  // namespace compnn
