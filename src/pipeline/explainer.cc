#include "compnn/pipeline/explainer.h"

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"

namespace compnn {

Explainer::Explainer(std::unique_ptr<QueryNetwork> network, FeatureStore store,
                     const std::string& data)
    : network_(std::move(network)), store_(std::move(store)) {
  const std::string& dir = store_.dir();
  direction_ = network_->direction();
  input_size_ = network_->input_size();
  COMPNN_CHECK(store_.manifest().input_size == input_size_, dir, " holds activations of ",
               store_.manifest().input_size.ToString(), " (HxW) inputs, but ", network_->name(),
               " takes ", input_size_.ToString());
  pixels_ = std::make_unique<TrainingPixels>(store_, data, direction_, input_size_);
}

Explainer::~Explainer() = default;

Query Explainer::LoadQuery(const std::string& arg, std::vector<std::string>* warnings) const {
  if (!has_dataset()) {
    return LoadQueryFile(arg, direction_, input_size_, input_is_labels(), target_is_labels(),
                         warnings);
  }
  return compnn::LoadQuery(dataset(), direction_, input_size_, arg, warnings);
}

std::vector<Query> Explainer::SplitQueries(const std::string& split, int count) const {
  const Dataset& dataset = this->dataset();
  std::vector<std::string> names = dataset.Names(split);
  if (count > 0 && static_cast<int>(names.size()) > count) names.resize(count);
  std::vector<Query> queries;
  for (const std::string& name : names) {
    const ImagePair pair = dataset.Read(split, name);
    queries.push_back(
        {name, ResizeForModel(InputOf(pair, direction_), input_size_, input_is_labels()),
         ResizeForModel(TargetOf(pair, direction_), input_size_, target_is_labels())});
  }
  return queries;
}

QueryRun Explainer::Run(const Query& query, const std::vector<std::string>& layers) {
  std::set<std::string> wanted(layers.begin(), layers.end());
  wanted.insert(store_.manifest().global_layer);
  return network_->Run(query.input, input_is_labels(), palette(), wanted);
}

cv::Mat Explainer::Reconstruct(const CorrespondenceField& field, const std::string& layer,
                               PasteSource source, const PasteOptions& paste,
                               std::optional<HyperpatchShape> hyperpatch) {
  const StoreLayer& info = store_.manifest().layer(layer);
  return pixels_->Reconstruct(field, source,
                              paste.ForLayer(info.stride, hyperpatch.value_or(info.hyperpatch)));
}

LayerExplanation Explainer::ExplainLayer(const QueryRun& run, const std::string& layer,
                                         const StoreSearchOptions& options,
                                         const PasteOptions& paste) {
  const auto map = run.maps.find(layer);
  if (map == run.maps.end())
    throw std::logic_error("the query was not run with layer " + layer + " captured");
  const OwnedMap& global = run.maps.at(store_.manifest().global_layer);
  LayerExplanation e;
  e.layer = layer;
  e.stride = store_.manifest().layer(layer).stride;
  e.search = SearchStore(store_, layer, map->second.view(), global.values, options);
  // Across ranks only rank 0 holds the whole field: the others have nothing to paste.
  if (options.ranks && !options.ranks->is_root()) return e;
  const auto start = Clock::now();
  const HyperpatchShape searched = e.search.hyperpatch;
  e.input_reconstruction =
      Reconstruct(e.search.field, layer, PasteSource::kInputs, paste, searched);
  e.output_reconstruction =
      Reconstruct(e.search.field, layer, PasteSource::kTargets, paste, searched);
  if (training().has_predictions())
    e.prediction_reconstruction =
        Reconstruct(e.search.field, layer, PasteSource::kPredictions, paste, searched);
  e.reconstruct_seconds = SecondsSince(start);
  if (const Palette* palette = this->palette(); target_is_labels() && palette) {
    e.output_agreement = AgreementOfDrawings(e.output_reconstruction, run.output, *palette);
    if (!e.prediction_reconstruction.empty())
      e.prediction_agreement =
          AgreementOfDrawings(e.prediction_reconstruction, run.output, *palette);
  }
  return e;
}

}  // namespace compnn
