#include "compnn/eval/credibility.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace compnn {
namespace {

void CheckVotes(const NeighbourVotes& v) {
  const std::size_t expected = static_cast<std::size_t>(v.height) * v.width * v.k;
  if (v.height < 1 || v.width < 1 || v.k < 1 || v.stride < 1 || v.labels.size() != expected ||
      v.weights.size() != expected)
    throw std::invalid_argument("neighbour votes: " + std::to_string(v.labels.size()) +
                                " labels and " + std::to_string(v.weights.size()) +
                                " weights for " + std::to_string(v.height) + " x " +
                                std::to_string(v.width) + " cells of " + std::to_string(v.k));
}

// Pixels sorted by score, highest first; ties keep their order (stable), so that the result does
// not depend on the sort's implementation.
std::vector<std::size_t> Descending(const std::vector<float>& score) {
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  return order;
}

void CheckScores(const std::vector<float>& score, std::size_t labels, const char* what) {
  if (score.size() != labels)
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(score.size()) +
                                " scores but " + std::to_string(labels) + " labels");
  if (std::any_of(score.begin(), score.end(), [](float v) { return std::isnan(v); }))
    throw std::invalid_argument(std::string(what) + ": a score is NaN");
}

}  // namespace

std::vector<float> Nonconformity(const std::vector<NeighbourVotes>& layers,
                                 const std::uint8_t* classes, int rows, int cols,
                                 std::uint8_t ignore) {
  for (const NeighbourVotes& v : layers) CheckVotes(v);
  std::vector<float> alpha(static_cast<std::size_t>(rows) * cols, 0.0f);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const std::size_t pixel = static_cast<std::size_t>(r) * cols + c;
      const std::uint8_t cls = classes[pixel];
      if (cls == ignore) {
        alpha[pixel] = std::numeric_limits<float>::quiet_NaN();
        continue;
      }
      double total = 0;
      for (const NeighbourVotes& v : layers) {
        const int y = CellOfPixel(r, v.stride, v.height);
        const int x = CellOfPixel(c, v.stride, v.width);
        const std::size_t first = (static_cast<std::size_t>(y) * v.width + x) * v.k;
        double against = 0, all = 0;
        for (int j = 0; j < v.k; ++j) {
          const int label = v.labels[first + j];
          const double w = std::max(0.0f, v.weights[first + j]);
          if (label < 0 || w <= 0) continue;
          all += w;
          if (label != cls) against += w;
        }
        total += all > 0 ? against / all : 1.0;
      }
      alpha[pixel] = static_cast<float>(total);
    }
  }
  return alpha;
}

CredibilityCalibration::CredibilityCalibration(std::vector<float> values, int kept) {
  values.erase(std::remove_if(values.begin(), values.end(), [](float v) { return std::isnan(v); }),
               values.end());
  if (values.empty())
    throw std::invalid_argument("calibration: no pixel with a known class to calibrate on");
  if (kept < 2) throw std::invalid_argument("calibration: keep at least 2 values");
  std::sort(values.begin(), values.end());
  count_ = static_cast<long long>(values.size());
  if (values.size() <= static_cast<std::size_t>(kept)) {
    sorted_ = std::move(values);
    return;
  }
  // Evenly spaced order statistics, the smallest and the largest among them.
  sorted_.resize(kept);
  for (int i = 0; i < kept; ++i)
    sorted_[i] = values[static_cast<std::size_t>(
        std::llround(static_cast<double>(i) * (values.size() - 1) / (kept - 1)))];
}

CredibilityCalibration::CredibilityCalibration(std::vector<float> sorted, long long count)
    : sorted_(std::move(sorted)), count_(count) {
  if (sorted_.empty() || count_ < static_cast<long long>(sorted_.size()) ||
      !std::is_sorted(sorted_.begin(), sorted_.end()) ||
      std::any_of(sorted_.begin(), sorted_.end(), [](float v) { return !std::isfinite(v); }))
    throw std::invalid_argument(
        "calibration: the values must be finite, ascending, and no more than the count");
}

float CredibilityCalibration::Credibility(float alpha) const {
  if (std::isnan(alpha)) return alpha;
  // The share of kept values at least alpha stands for the share of all calibration pixels.
  const auto first = std::lower_bound(sorted_.begin(), sorted_.end(), alpha);
  const double share = static_cast<double>(sorted_.end() - first) / sorted_.size();
  return static_cast<float>((1.0 + share * count_) / (1.0 + count_));
}

double Auroc(const std::vector<float>& score, const std::vector<std::uint8_t>& positive) {
  CheckScores(score, positive.size(), "AUROC");
  // Mann-Whitney: the sum of the positives' ranks (ties share their mean rank).
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return score[a] < score[b]; });
  double positives = 0, rank_sum = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j < order.size() && score[order[j]] == score[order[i]]) ++j;
    const double mean_rank = (i + 1 + j) / 2.0;  // ranks i+1 .. j
    for (std::size_t t = i; t < j; ++t) {
      if (positive[order[t]]) {
        positives += 1;
        rank_sum += mean_rank;
      }
    }
    i = j;
  }
  const double negatives = static_cast<double>(score.size()) - positives;
  if (positives == 0 || negatives == 0) return -1;
  return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives);
}

double AveragePrecision(const std::vector<float>& score,
                        const std::vector<std::uint8_t>& positive) {
  CheckScores(score, positive.size(), "average precision");
  std::vector<std::size_t> order(score.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
  // Ties form one threshold: every pixel of a tie is kept together.
  double true_positives = 0, total = 0, sum = 0;
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    double tied_positives = 0;
    while (j < order.size() && score[order[j]] == score[order[i]])
      tied_positives += positive[order[j++]];
    true_positives += tied_positives;
    sum += tied_positives * true_positives / static_cast<double>(j);
    total += tied_positives;
    i = j;
  }
  if (total == 0 || total == static_cast<double>(score.size())) return -1;
  return sum / total;
}

std::vector<double> RiskAtCoverage(const std::vector<float>& confidence,
                                   const std::vector<std::uint8_t>& error,
                                   const std::vector<double>& coverages) {
  CheckScores(confidence, error.size(), "risk-coverage");
  const std::vector<std::size_t> order = Descending(confidence);
  std::vector<double> errors_before(order.size() + 1, 0.0);
  for (std::size_t i = 0; i < order.size(); ++i)
    errors_before[i + 1] = errors_before[i] + error[order[i]];
  std::vector<double> risk;
  for (double coverage : coverages) {
    if (!(coverage > 0 && coverage <= 1))
      throw std::invalid_argument("risk-coverage: a coverage must be in (0, 1], got " +
                                  std::to_string(coverage));
    const std::size_t kept =
        std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(coverage * order.size())));
    risk.push_back(order.empty() ? 0.0 : errors_before[kept] / kept);
  }
  return risk;
}

void SoftmaxConfidence(const float* logits, std::size_t pixels, int classes,
                       std::vector<float>& max_probability, std::vector<float>& entropy) {
  max_probability.resize(pixels);
  entropy.resize(pixels);
  for (std::size_t p = 0; p < pixels; ++p) {
    const float* z = logits + p * classes;
    const float top = *std::max_element(z, z + classes);
    double sum = 0;
    for (int c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(z[c]) - top);
    double h = 0;
    for (int c = 0; c < classes; ++c) {
      const double q = std::exp(static_cast<double>(z[c]) - top) / sum;
      if (q > 0) h -= q * std::log(q);
    }
    max_probability[p] = static_cast<float>(1.0 / sum);
    entropy[p] = static_cast<float>(h);
  }
}

}  // namespace compnn
