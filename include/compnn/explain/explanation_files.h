// The files of one query's explanation at one layer, as `compnn explain` and the Python package
// write them: the correspondence map figure, both reconstructions, the network's output and the
// correspondence field.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/core/hyperpatch.h"

namespace compnn {

struct ExplanationFiles {
  std::string query;  // the query's name
  std::string layer;
  int stride = 1;
  HyperpatchShape hyperpatch;
  std::string heading;                                  // the figure's title
  cv::Mat query_input, ground_truth, network_output;    // BGR; ground truth may be empty
  cv::Mat input_reconstruction, output_reconstruction;  // BGR
  cv::Mat prediction_reconstruction;  // BGR, pasted from the network's outputs; may be empty
  CorrespondenceField field;
  std::vector<cv::Mat> sources;    // training targets (BGR) indexed like the store; unused empty
  std::vector<std::string> names;  // the store's image names
  int highlighted = 5;             // source images shown with their regions outlined
};

// The file names WriteExplanationFiles writes, in the order summaries list them (with or without
// a prediction reconstruction).
std::vector<std::string> ExplanationFileNames(bool prediction_reconstruction = false);

// Writes correspondence-map.png, input-reconstruction.png, output-reconstruction.png,
// prediction-reconstruction.png (when there is one), network-output.png, nnf.npy and
// similarity.npy into `dir` (created), each atomically. Returns
// the summary's common part: query, layer, stride, hyperpatch, sources (name and share of the
// reconstruction's pixels, largest first), mean_similarity and files.
nlohmann::json WriteExplanationFiles(const std::string& dir, const ExplanationFiles& e);

// The heading of an explanation's figure: "compnn: QUERY explained at LAYER (stride S) by N
// training images (METHOD[, K matches a cell])".
std::string ExplanationHeading(const std::string& query, const std::string& layer, int stride,
                               std::size_t candidates, const std::string& method, int k);

// A file-system friendly form of a name: a query's folder in an explanation's output.
std::string SafeName(std::string name);

}  // namespace compnn
