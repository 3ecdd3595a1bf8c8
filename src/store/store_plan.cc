#include "compnn/store/store_plan.h"

#include <algorithm>
#include <set>

#include "compnn/core/check.h"
#include "compnn/core/layer_choice.h"

namespace compnn {

void StorePlanOptions::Check() const {
  COMPNN_CHECK_OPTION(input_size.height >= 1 && input_size.width >= 1, "input_size",
                      "sides must be at least 1, got ", input_size.height, " x ", input_size.width);
  COMPNN_CHECK_OPTION(hyperpatch.height >= 1 && hyperpatch.width >= 1 && hyperpatch.height <= 64 &&
                          hyperpatch.width <= 64,
                      "hyperpatch", "sides must be in [1, 64], got ", hyperpatch.height, " x ",
                      hyperpatch.width);
  std::set<std::string> kept;
  for (const std::string& p : pixels) {
    COMPNN_CHECK_OPTION(p == "inputs" || p == "targets" || p == "predictions", "pixels", "'", p,
                        "' is not inputs, targets or predictions");
    COMPNN_CHECK_OPTION(kept.insert(p).second, "pixels", "'", p, "' is named twice");
  }
  for (const std::string& l : labels)
    COMPNN_CHECK_OPTION(kept.count(l), "labels", "'", l, "' is not among the pixels kept");
}

StoreManifest PlanStore(const std::vector<PlannedLayer>& layers, const StorePlanOptions& o) {
  o.Check();
  StoreManifest plan;
  plan.model = o.model;
  plan.dataset = o.dataset;
  plan.input_size = o.input_size;
  std::vector<LayerShape> shapes;
  for (const PlannedLayer& l : layers) {
    StoreLayer layer;
    layer.name = l.name;
    layer.height = l.height;
    layer.width = l.width;
    layer.depth = l.depth;
    layer.stride = std::max(1, o.input_size.height / std::max(1, l.height));
    layer.hyperpatch = o.hyperpatch;
    layer.dtype = o.dtype;
    layer.file = LayerFileName(l.name);
    plan.layers.push_back(layer);
    shapes.push_back({l.name, l.height, l.width, layer.stride});
  }
  plan.global_layer = o.global_layer.empty() ? FewestCells(shapes) : o.global_layer;
  for (const std::string& p : o.pixels) {
    const bool labels = std::find(o.labels.begin(), o.labels.end(), p) != o.labels.end();
    plan.pixels.push_back({p, labels, p + ".npy", ""});
  }
  plan.palette = o.palette;
  // The manifest's own checks (shapes, names, the global layer among the layers), as a reader
  // would make them.
  return StoreManifest::FromJson(plan.ToJson(), "the planned store");
}

std::vector<StorePixels> PlanKeptPixels(bool keep_pixels, bool keep_predictions, bool has_dataset,
                                        bool input_is_labels, bool target_is_labels) {
  std::vector<StorePixels> kept;
  if (keep_pixels) {
    kept.push_back({"inputs", input_is_labels, "inputs.npy", ""});
    kept.push_back({"targets", target_is_labels, "targets.npy", ""});
  }
  if (keep_predictions && (keep_pixels || has_dataset))
    kept.push_back({"predictions", target_is_labels, "predictions.npy", ""});
  return kept;
}

}  // namespace compnn
