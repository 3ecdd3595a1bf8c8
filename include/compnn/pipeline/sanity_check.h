// Does an explanation depend on the network? (Adebayo et al., "Sanity checks for saliency maps",
// 2018.) The same explanations with the network's layers randomised one after another from the
// output down (cascading randomisation), each step measured against the trained network's: how
// many query cells change their match, how much of the output reconstruction changes, and how
// well it still agrees with the (randomised) network's own output. The database of each query is
// fixed (the training images the trained network's global descriptor ranks first), so that only
// the network changes; its maps are computed by each randomised network in turn.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/pipeline/explainer.h"

namespace compnn {

struct SanityOptions {
  std::string layer;  // empty: the layer explanations use
  std::string split = "val";
  int count = 5;           // the split's first images, the queries
  int topk_images = 16;    // each query's database
  std::uint64_t seed = 0;  // the random weights' and the search's
  int threads = 0;

  // Throws OptionError naming the field.
  void Check() const;
};

struct SanityStep {
  std::string randomised;      // the module randomised at this step ("" for the trained network)
  double changed_matches = 0;  // share of query cells whose best match is not the trained one's
  double changed_sources = 0;  // ... whose source image is not
  double changed_reconstruction = 0;  // share of pixels whose OR class is not the trained one's
  double changed_network = 0;         // share of pixels where the network's own output changed
  double agreement = 0;               // OR against this network's own output (pixel accuracy)
  double mean_similarity = 0;
};

struct SanityReport {
  std::string layer;
  int queries = 0, topk_images = 0;
  std::vector<SanityStep> steps;  // the trained network first, then one more module each

  nlohmann::json ToJson() const;
  std::string ToMarkdown() const;
  cv::Mat Plot() const;  // the shares changed against the steps (BGR)
};

// Throws std::runtime_error for a TorchScript model (its modules are not compnn's to randomise)
// or a network that does not output classes.
SanityReport CascadingRandomisation(Explainer& explainer, const SanityOptions& options,
                                    const std::function<void(int, int)>& progress = {});

}  // namespace compnn
