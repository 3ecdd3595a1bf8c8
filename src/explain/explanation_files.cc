#include "compnn/explain/explanation_files.h"

#include <cctype>

#include <filesystem>

#include "compnn/data/dataset_writer.h"
#include "compnn/explain/correspondence_map.h"
#include "compnn/explain/reconstruction.h"
#include "compnn/store/field_io.h"

namespace compnn {

std::vector<std::string> ExplanationFileNames(bool prediction_reconstruction) {
  std::vector<std::string> names = {"correspondence-map.png", "input-reconstruction.png",
                                    "output-reconstruction.png"};
  if (prediction_reconstruction) names.push_back("prediction-reconstruction.png");
  for (const char* name : {"network-output.png", "nnf.npy", "similarity.npy"})
    names.push_back(name);
  return names;
}

nlohmann::json WriteExplanationFiles(const std::string& dir, const ExplanationFiles& e) {
  std::filesystem::create_directories(dir);
  CorrespondenceMapInputs figure;
  figure.heading = e.heading;
  figure.query_input = e.query_input;
  figure.ground_truth = e.ground_truth;
  figure.network_output = e.network_output;
  figure.reconstruction = e.output_reconstruction;
  figure.prediction_reconstruction = e.prediction_reconstruction;
  figure.field = e.field;
  figure.stride = e.stride;
  figure.sources = e.sources;
  figure.names = e.names;
  figure.highlighted = e.highlighted;
  WritePng(dir + "/correspondence-map.png", CorrespondenceMapFigure(figure));
  WritePng(dir + "/input-reconstruction.png", e.input_reconstruction);
  WritePng(dir + "/output-reconstruction.png", e.output_reconstruction);
  const bool has_prediction = !e.prediction_reconstruction.empty();
  if (has_prediction) WritePng(dir + "/prediction-reconstruction.png", e.prediction_reconstruction);
  WritePng(dir + "/network-output.png", e.network_output);
  WriteField(e.field, dir);

  nlohmann::json sources = nlohmann::json::array();
  for (const SourceShare& s : SourceShares(SourceImageMap(e.field, e.stride)))
    sources.push_back({{"image", e.names.at(s.image)}, {"share", s.share}});
  return {{"query", e.query},
          {"layer", e.layer},
          {"stride", e.stride},
          {"hyperpatch", {e.hyperpatch.height, e.hyperpatch.width}},
          {"sources", sources},
          {"mean_similarity", e.field.MeanSimilarity()},
          {"files", ExplanationFileNames(has_prediction)}};
}

std::string ExplanationHeading(const std::string& query, const std::string& layer, int stride,
                               std::size_t candidates, const std::string& method, int k) {
  return "compnn: " + query + " explained at " + layer + " (stride " + std::to_string(stride) +
         ") by " + std::to_string(candidates) + " training images (" + method +
         (k > 1 ? ", " + std::to_string(k) + " matches a cell" : "") + ")";
}

std::string SafeName(std::string name) {
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  }
  return name;
}

}  // namespace compnn
