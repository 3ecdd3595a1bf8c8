#include "compnn/models/image_correspondence.h"

#include "compnn/core/check.h"
#include "compnn/core/exact_search.h"
#include "compnn/core/layer_choice.h"
#include "compnn/core/strings.h"
#include "compnn/explain/training_images.h"
#include "compnn/models/prediction.h"

namespace compnn {

std::string DefaultExplainLayer(Model& model) {
  std::vector<std::string> names;
  std::vector<LayerShape> shapes;
  for (const LayerInfo& l : model.layers()) {
    names.push_back(l.name);
    shapes.push_back({l.name, l.height, l.width, l.stride});
  }
  const std::string layer = DefaultExplainLayer(shapes, model.DefaultGlobalLayer());
  COMPNN_CHECK(!layer.empty(), model.path(),
               ": no layer follows the bottleneck, so there is no default; name one (one of ",
               Join(names), ")");
  return layer;
}

ImageCorrespondence CorrespondImages(Model& model, const Dataset& dataset, const std::string& a,
                                     const std::string& b, const ImageCorrespondenceOptions& o,
                                     std::vector<std::string>* warnings) {
  ImageCorrespondence result;
  result.layer = o.layer.empty() ? DefaultExplainLayer(model) : o.layer;
  const std::string& layer = result.layer;
  const Direction direction = model.direction();
  const Query query_a = LoadQuery(dataset, direction, model.size(), a, warnings);
  const Query query_b = LoadQuery(dataset, direction, model.size(), b, warnings);
  const Palette* palette = dataset.has_labels() ? &dataset.palette() : nullptr;
  const bool input_labels = dataset.input_is_labels(direction);
  const QueryRun run_a = RunQuery(model, query_a.input, input_labels, palette, {layer});
  const QueryRun run_b = RunQuery(model, query_b.input, input_labels, palette, {layer});
  const OwnedMap& map_a = run_a.maps.at(layer);

  SearchRequest search;
  search.threads = o.threads;
  result.field =
      ExactSearcher().Search(map_a.view(), Database({run_b.maps.at(layer).view()}), search).field;

  SemanticCorrespondenceInputs& in = result.figure;
  in.heading = "compnn semantic correspondence at " + layer + ": patches of A matched to B alone";
  in.image_a = query_a.input;
  in.image_b = query_b.input;
  in.name_a = query_a.name;
  in.name_b = query_b.name;
  in.field = result.field;
  in.stride = model.size().height / map_a.height;
  in.lines = o.lines;
  in.seed = o.seed;
  if (o.colour_by_class && palette) {
    // The class of A's pixels: the network's prediction when it predicts labels, else A's own
    // label input.
    if (dataset.target_is_labels(direction)) {
      in.classes_a = palette->Classes(run_a.output, true, "network output");
    } else if (input_labels) {
      in.classes_a = palette->Classes(query_a.input, true, query_a.name);
    }
    in.palette = palette;
  }
  return result;
}

}  // namespace compnn
