// Semantic correspondence between two images through a model's activations (compnn correspond):
// every cell of A matched, by exact search, to the cells of B alone, and the figure that shows it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"
#include "compnn/data/dataset.h"
#include "compnn/explain/semantic_correspondence.h"
#include "compnn/models/model.h"

namespace compnn {

struct ImageCorrespondenceOptions {
  std::string layer;            // empty: the model's default explanation layer
  bool colour_by_class = true;  // colour A's cells by class where the dataset has labels
  int lines = 40;               // matches drawn as lines
  std::uint64_t seed = 0;       // which matches are drawn
  int threads = 0;              // 0: every core
};

struct ImageCorrespondence {
  std::string layer;
  CorrespondenceField field;            // A's cells matched into B (image 0)
  SemanticCorrespondenceInputs figure;  // what SemanticCorrespondenceFigure draws
};

// The layer explanations default to, from the model's own layers (core/layer_choice.h). Throws
// std::runtime_error listing the layers when none follows the bottleneck.
std::string DefaultExplainLayer(Model& model);

// `a` and `b`: dataset image names or PNG files (LoadQuery); warnings about resized images are
// appended to `warnings` (may be null).
ImageCorrespondence CorrespondImages(Model& model, const Dataset& dataset, const std::string& a,
                                     const std::string& b, const ImageCorrespondenceOptions& o,
                                     std::vector<std::string>* warnings);

}  // namespace compnn
