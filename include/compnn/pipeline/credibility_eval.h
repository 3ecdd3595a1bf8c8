// How well credibility (pipeline/credibility_maps.h) finds a segmentation network's errors: the
// first images of a split calibrate, the others are evaluated, per pixel, against the truth, beside
// the network's own confidence (maximum softmax probability, entropy) and the two combined; and,
// for images of another dataset fed to the same network, how credible its predictions are there.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/pipeline/credibility_maps.h"

namespace compnn {

struct CredibilityEvalOptions {
  CredibilityOptions credibility;
  std::string split = "val";
  int calibration_count = 20;  // the split's first images: calibration; the rest: evaluation
  int count = 0;               // images evaluated after them (0: all the rest)
  // Out of distribution: images of another dataset (its folder; none when empty) fed to the
  // network, of which the credibility is reported.
  std::string ood_data, ood_split = "test";
  int ood_count = 20;

  // Throws OptionError naming the field.
  void Check() const;
};

// One confidence's ability to find the network's errors.
struct ConfidenceRow {
  std::string name;
  double auroc = -1, average_precision = -1;  // of error detection (-1: not measured)
  std::vector<double> risk;                   // the error rate at each coverage
};

struct CredibilityReport {
  std::vector<std::string> layers;
  int k = 0;
  std::string searched_by;
  int calibration_images = 0, evaluated_images = 0, ood_images = 0;
  long long calibration_pixels = 0, evaluated_pixels = 0;
  double error_rate = 0;            // of the network on the evaluated pixels
  std::vector<double> coverages;    // of the risk-coverage curve
  std::vector<ConfidenceRow> rows;  // credibility, max probability, entropy, combined
  // Calibration checked on the evaluated pixels: the share whose true class has a credibility at
  // most each level (a calibrated p-value gives about the level itself).
  std::vector<double> levels, true_class_below;
  // The credibility of the network's prediction per pixel: quartiles (0.25, 0.5, 0.75) on the
  // evaluated images and on the out-of-distribution ones (empty without them).
  std::vector<double> quartiles, ood_quartiles;
  double seconds = 0;

  nlohmann::json ToJson() const;
  std::string ToMarkdown() const;
  // Error rate against coverage, one curve per confidence (BGR).
  cv::Mat RiskCoveragePlot() const;
};

// Calibrates on the first images and evaluates the rest; writes the calibration to
// `calibration_path` (credibility maps of explain read it). `progress` is told (images done, all).
CredibilityReport EvaluateCredibility(Explainer& explainer, const CredibilityEvalOptions& options,
                                      const std::string& calibration_path,
                                      const std::function<void(int, int)>& progress = {});

}  // namespace compnn
