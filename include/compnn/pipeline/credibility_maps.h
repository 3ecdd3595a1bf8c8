// Credibility maps of a segmentation network's predictions (eval/credibility.h), from its feature
// store: the K nearest training cells of every query cell at one or more layers, labelled with the
// training targets' class at the cell's centre, weighed by similarity; and the calibration file
// that turns nonconformities into credibilities.
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/eval/credibility.h"
#include "compnn/explain/explorer.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/store/store_search.h"

namespace compnn {

struct CredibilityOptions {
  std::vector<std::string> layers;  // empty: the layer explanations use
  int k = 8;                        // nearest training cells per query cell and layer
  // How they are searched (its k is set from k above). topk_images 0 searches every training
  // image, through the store's cell index where it has one.
  StoreSearchOptions search;

  // Throws OptionError naming the field: k outside [1, 64], and search's own.
  void Check() const;
};

// The K nearest training cells of every query cell at one layer, and their votes.
struct CredibilityEvidence {
  std::string layer;
  int stride = 1;
  CorrespondenceField field;
  NeighbourVotes votes;
};

// One query's evidence, at the model's input size.
struct QueryCredibility {
  cv::Mat predicted;                       // CV_8U: the network's classes
  cv::Mat truth;                           // CV_8U classes (ignore: kIgnoreClass); empty without
  std::vector<float> nonconformity;        // of the predicted class, per pixel
  std::vector<float> truth_nonconformity;  // of the true class; empty without the truth
  // The network's own confidence, from its class scores: empty for networks without them.
  std::vector<float> max_probability, entropy;
  std::vector<CredibilityEvidence> evidence;  // one per layer searched, in the options' order
  double search_seconds = 0;
  std::string searched_by;  // what found the neighbours (StoreSearchResult::searched_by)
};

// The credibility of the predicted class per pixel (CV_32F at the model's input size; NaN where
// the prediction is the ignore class).
cv::Mat CredibilityMap(const QueryCredibility& c, const CredibilityCalibration& calibration);

class CredibilityMapper {
 public:
  // Throws for a network that does not output classes, a target side that is not labels, or a
  // layer the store lacks.
  CredibilityMapper(Explainer& explainer, CredibilityOptions options);

  const CredibilityOptions& options() const { return o_; }  // with the layers resolved
  // The layers a run of the network must capture for Measure(query, run).
  std::vector<std::string> CapturedLayers() const;
  QueryCredibility Measure(const Query& query);  // runs the network on the query
  QueryCredibility Measure(const Query& query, const QueryRun& run);

 private:
  Explainer& explainer_;
  CredibilityOptions o_;
  bool logits_ = false;  // the network's class scores are capturable as layer "output"
};

// A calibration as a file (JSON): the kept nonconformities, how many pixels they stand for, the
// options they were measured with and the store and images they came from.
void SaveCalibration(const std::string& path, const CredibilityCalibration& calibration,
                     const CredibilityOptions& options, const FeatureStore& store,
                     const std::vector<std::string>& images);
struct LoadedCalibration {
  CredibilityCalibration calibration;
  CredibilityOptions options;  // the calibrated layers, k and search: credibility must use them
};
// Throws std::runtime_error naming the file for a file that is not a calibration, or one made
// with another store's model.
LoadedCalibration LoadCalibration(const std::string& path, const FeatureStore& store);

// A credibility map as a heat map: low credibility red, high green-yellow (BGR).
cv::Mat CredibilityHeatMap(const cv::Mat& credibility);

// What the explorer page shows of a query's credibility (`credibility`: CredibilityMap's) and the
// neighbours behind it, classes named by `palette`.
ExplorerCredibility ExplorerCredibilityOf(const QueryCredibility& c, const cv::Mat& credibility,
                                          const Palette& palette);

}  // namespace compnn
