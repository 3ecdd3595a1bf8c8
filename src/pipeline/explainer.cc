#include "compnn/pipeline/explainer.h"

#include <filesystem>

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"

namespace compnn {
namespace fs = std::filesystem;

Explainer::Explainer(std::unique_ptr<QueryNetwork> network, FeatureStore store,
                     const std::string& data)
    : network_(std::move(network)), store_(std::move(store)) {
  const std::string& dir = store_.dir();
  direction_ = network_->direction();
  input_size_ = network_->input_size();
  COMPNN_CHECK(store_.manifest().input_size == input_size_, dir, " holds activations of ",
               store_.manifest().input_size.ToString(), " (HxW) inputs, but ", network_->name(),
               " takes ", input_size_.ToString());
  const std::string dataset_dir =
      data.empty() ? store_.manifest().dataset.value("dir", std::string()) : data;
  const bool keeps_pixels = TrainingImages::KeepsPixels(store_);
  COMPNN_CHECK_OPTION(!dataset_dir.empty() || keeps_pixels, "data", "is empty and ", dir,
                      " does not name its dataset (nor keep its training pixels): name the "
                      "dataset folder");
  // A named dataset that has gone is an error; one the store merely remembers is not needed
  // when the store keeps its pixels.
  if (!dataset_dir.empty() && (!keeps_pixels || !data.empty() || fs::is_directory(dataset_dir)))
    dataset_ = Dataset::Open(dataset_dir);
  if (dataset_ && dataset_->has_labels()) {
    palette_ = &dataset_->palette();
  } else if (!store_.manifest().palette.is_null()) {
    const nlohmann::json& p = store_.manifest().palette;
    store_palette_ = Palette::FromJson(p.at("classes"), dir + "/manifest.json",
                                       p.value("ignore", nlohmann::json()));
    palette_ = &*store_palette_;
  }
  if (keeps_pixels) {
    training_ = std::make_unique<TrainingImages>(store_, palette_);
  } else {
    const std::string split = store_.manifest().dataset.value("split", std::string("train"));
    training_ = std::make_unique<TrainingImages>(*dataset_, split, store_.manifest().images,
                                                 direction_, input_size_);
  }
  if (store_.PixelFile("predictions")) training_->UsePredictions(store_);
}

const Dataset& Explainer::dataset() const {
  COMPNN_CHECK(dataset_.has_value(), store_.dir(),
               " keeps its training pixels but names no dataset folder: name one (data) for "
               "dataset image names, splits and attributes");
  return *dataset_;
}

Explainer::~Explainer() = default;

Query Explainer::LoadQuery(const std::string& arg, std::vector<std::string>* warnings) const {
  if (!dataset_) {
    return LoadQueryFile(arg, direction_, input_size_, input_is_labels(), target_is_labels(),
                         warnings);
  }
  return compnn::LoadQuery(*dataset_, direction_, input_size_, arg, warnings);
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
  const PasteGeometry geometry = paste.ForLayer(info.stride, hyperpatch.value_or(info.hyperpatch));
  const std::vector<int> used = UsedImages(field);
  if (training_->IsLabels(source)) {
    return palette_->Colourise(
        ReconstructLabels(field, training_->ClassMaps(source, used), geometry, palette_->size()));
  }
  return ReconstructPhoto(field, training_->Images(source, used), geometry);
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
  if (training_->has_predictions())
    e.prediction_reconstruction =
        Reconstruct(e.search.field, layer, PasteSource::kPredictions, paste, searched);
  e.reconstruct_seconds = SecondsSince(start);
  if (target_is_labels() && palette_) {
    const cv::Mat network = ClassesOfDrawing(run.output, *palette_);
    e.output_agreement =
        MeasureAgreement(ClassesOfDrawing(e.output_reconstruction, *palette_), network, *palette_);
    if (!e.prediction_reconstruction.empty())
      e.prediction_agreement = MeasureAgreement(
          ClassesOfDrawing(e.prediction_reconstruction, *palette_), network, *palette_);
  }
  return e;
}

}  // namespace compnn
