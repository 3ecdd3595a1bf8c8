// The network an explanation asks for a query's activations and output. The pipeline (explain,
// eval, credibility) sees a network only through this, so it needs no LibTorch: compnn's own
// models and TorchScript files come through compnn/models/model_network.h, a PyTorch module
// through the Python package's forward hooks.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <set>
#include <string>
#include <vector>

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

class RandomisableNetwork;

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
  // A copy whose modules the sanity check randomises one after another, its random weights drawn
  // from `seed`; null for a network that cannot be changed (TorchScript).
  virtual std::unique_ptr<RandomisableNetwork> RandomisableCopy(std::uint64_t /*seed*/) {
    return nullptr;
  }
};

// A copy of a network for cascading randomisation (pipeline/sanity_check.h): it runs as a
// QueryNetwork with the modules randomised so far.
class RandomisableNetwork : public QueryNetwork {
 public:
  // The modules in the order cascading randomisation takes them: from the output down.
  virtual std::vector<std::string> CascadeOrder() = 0;
  // New weights for `module` (one of CascadeOrder()): each weight drawn with the spread of the
  // trained ones, normalisation layers back to their initial state.
  virtual void Randomise(const std::string& module) = 0;
};

}  // namespace compnn
