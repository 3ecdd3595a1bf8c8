// The network an explanation asks for a query's activations and output. The pipeline (explain,
// eval, credibility) sees a network only through this, so it needs no LibTorch: compnn's own
// models and TorchScript files come through compnn/models/model_network.h, a PyTorch module
// through the Python package's forward hooks.
#pragma once

#include <map>
#include <opencv2/core.hpp>
#include <set>
#include <string>

#include "compnn/core/activation_map.h"
#include "compnn/core/image_size.h"
#include "compnn/data/dataset.h"

namespace compnn {

// A query's pass through the network: its activations at the wanted layers and its output.
struct QueryRun {
  std::map<std::string, OwnedMap> maps;  // channels last, one image
  // BGR at the input size: the generated image, or the palette colours of the arg-max class for a
  // network that outputs class scores.
  cv::Mat output;
};

class QueryNetwork {
 public:
  virtual ~QueryNetwork() = default;

  // What messages call the network: its model file, or a description.
  virtual std::string name() const = 0;
  // The side of a dataset pair it reads, and the size it runs at.
  virtual Direction direction() const = 0;
  virtual ImageSize input_size() const = 0;
  // Whether it outputs class scores (drawn as the arg-max class) rather than an image.
  virtual bool OutputsClasses() const = 0;
  virtual bool HasLayer(const std::string& layer) = 0;
  // One pass over `input` (BGR at input_size(); label inputs in palette colours), capturing
  // `layers`. Throws std::runtime_error naming an unknown layer.
  virtual QueryRun Run(const cv::Mat& input, bool input_is_labels, const Palette* palette,
                       const std::set<std::string>& layers) = 0;
};

}  // namespace compnn
