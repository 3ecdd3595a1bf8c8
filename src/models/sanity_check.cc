#include "compnn/models/sanity_check.h"

#include <torch/torch.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/search.h"
#include "compnn/core/thread_limit.h"
#include "compnn/models/network.h"
#include "compnn/models/prediction.h"

namespace compnn {
namespace {

// The network's modules in the order cascading randomisation takes them: from the output down.
// Modules named after a layer follow the layers' forward order, reversed; the others (the output
// head, decoder blocks that no layer is named after) come first, last registered first.
std::vector<std::string> CascadeOrder(Network& network) {
  std::vector<std::string> children;
  for (const auto& child : network.named_children()) children.push_back(child.key());
  std::vector<std::string> named;
  const std::vector<std::string> layers = network.LayerNames();
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    if (std::find(children.begin(), children.end(), *it) != children.end()) named.push_back(*it);
  std::vector<std::string> order;
  for (auto it = children.rbegin(); it != children.rend(); ++it)
    if (std::find(named.begin(), named.end(), *it) == named.end()) order.push_back(*it);
  order.insert(order.end(), named.begin(), named.end());
  return order;
}

// New weights for `module`: every convolution's normal, with the spread of the trained ones;
// batch normalisation back to its initial state (scale 1, shift 0, running mean 0 and variance
// 1), since the trained running statistics would mis-scale random convolutions' outputs into
// constant maps.
void Randomise(Network& network, const std::string& module) {
  torch::NoGradGuard no_grad;
  for (const auto& child : network.named_children()) {
    if (child.key() != module) continue;
    for (const std::shared_ptr<torch::nn::Module>& m : child.value()->modules()) {
      if (auto* norm = m->as<torch::nn::BatchNorm2dImpl>()) {
        norm->reset_parameters();
        norm->reset_running_stats();
        continue;
      }
      for (torch::Tensor& p : m->parameters(/*recurse=*/false)) {
        const double spread = p.numel() > 1 ? p.std().item<double>() : 0.01;
        p.normal_(0.0, spread > 0 ? spread : 0.01);
      }
    }
  }
}

struct QueryState {
  std::vector<int> candidates;
  CorrespondenceField field;
  cv::Mat reconstruction, network;  // classes
};

double ShareDifferent(const cv::Mat& a, const cv::Mat& b) {
  return static_cast<double>(cv::countNonZero(a != b)) / a.total();
}

}  // namespace

void SanityOptions::Check() const {
  COMPNN_CHECK_OPTION(count >= 1, "count", "must be at least 1, got ", count);
  COMPNN_CHECK_OPTION(topk_images >= 1, "topk_images", "must be at least 1, got ", topk_images);
  COMPNN_CHECK_OPTION(threads >= 0 && threads <= kMaxThreads, "threads", "must be in [0, ",
                      kMaxThreads, "], got ", threads);
}

SanityReport CascadingRandomisation(Explainer& explainer, const SanityOptions& o,
                                    const std::function<void(int, int)>& progress) {
  o.Check();
  Model& trained = ModelOf(explainer, "the sanity check");
  COMPNN_CHECK(trained.arch() != Architecture::kTorchScript, trained.path(),
               ": the sanity check randomises compnn's own networks (model files of compnn "
               "train), not TorchScript");
  COMPNN_CHECK(trained.OutputsClasses() && explainer.target_is_labels(), trained.path(),
               ": the sanity check scores label reconstructions: it needs a network that "
               "outputs classes");
  const FeatureStore& store = explainer.store();
  SanityReport report;
  report.layer = o.layer.empty() ? DefaultExplainLayer(store) : o.layer;
  const StoreLayer& layer = store.manifest().layer(report.layer);
  const std::vector<Query> queries = explainer.SplitQueries(o.split, o.count);
  report.queries = static_cast<int>(queries.size());
  report.topk_images = std::min(o.topk_images, store.size());
  const Palette& palette = *explainer.palette();
  const bool input_labels = explainer.input_is_labels();

  // Each query's database: the training images nearest by the trained network's descriptor.
  std::vector<QueryState> trained_state(queries.size());
  std::vector<int> all_candidates;
  const std::string& global = store.manifest().global_layer;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const QueryRun run = RunQuery(trained, queries[q].input, input_labels, &palette, {global});
    trained_state[q].candidates =
        GlobalTopK(run.maps.at(global).values, store.Globals(), report.topk_images);
    all_candidates.insert(all_candidates.end(), trained_state[q].candidates.begin(),
                          trained_state[q].candidates.end());
  }
  std::sort(all_candidates.begin(), all_candidates.end());
  all_candidates.erase(std::unique(all_candidates.begin(), all_candidates.end()),
                       all_candidates.end());
  const std::vector<cv::Mat> inputs =
      explainer.training().Images(PasteSource::kInputs, all_candidates);

  std::shared_ptr<Network> network = LoadNetwork(trained.path());
  const std::vector<std::string> cascade = CascadeOrder(*network);
  torch::manual_seed(o.seed);
  SearchOptions search;
  search.hyperpatch = layer.hyperpatch;
  search.seed = o.seed;
  search.threads = o.threads;
  const int steps = static_cast<int>(cascade.size()) + 1;
  for (int step = 0; step < steps; ++step) {
    SanityStep s;
    if (step > 0) {
      s.randomised = cascade[step - 1];
      Randomise(*network, s.randomised);
    }
    // At the store's size, as the explainer runs the trained network.
    std::unique_ptr<Model> model = Model::Wrap(network, trained.path(), explainer.input_size());
    // The candidates' maps under this network.
    std::vector<OwnedMap> maps(store.size());
    std::vector<MapView> views(store.size());
    const std::vector<float> zero(layer.depth, 0.0f);  // images no query searches: one zero cell
    for (int i = 0; i < store.size(); ++i) views[i] = MapView{zero.data(), 1, 1, layer.depth};
    for (int image : all_candidates) {
      maps[image] = RunQuery(*model, inputs[image], input_labels, &palette, {report.layer})
                        .maps.at(report.layer);
      views[image] = maps[image].view();
    }
    const Database database(views);
    double cells = 0;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const QueryRun run =
          RunQuery(*model, queries[q].input, input_labels, &palette, {report.layer});
      search.candidates = trained_state[q].candidates;
      QueryState now;
      now.field = Search(run.maps.at(report.layer).view(), database, search).field;
      now.reconstruction = palette.Classes(
          explainer.Reconstruct(now.field, report.layer, PasteSource::kTargets, PasteOptions{}),
          true, "output reconstruction");
      now.network = palette.Classes(run.output, true, "network output");
      if (step == 0) {
        now.candidates = trained_state[q].candidates;
        trained_state[q] = now;
      }
      const QueryState& base = trained_state[q];
      for (std::size_t c = 0; c < now.field.matches.size(); ++c) {
        const Match &a = now.field.matches[c], &b = base.field.matches[c];
        s.changed_matches += !(a.image == b.image && a.y == b.y && a.x == b.x);
        s.changed_sources += a.image != b.image;
      }
      cells += static_cast<double>(now.field.matches.size());
      s.changed_reconstruction += ShareDifferent(now.reconstruction, base.reconstruction);
      s.changed_network += ShareDifferent(now.network, base.network);
      s.agreement += 1.0 - ShareDifferent(now.reconstruction, now.network);
      s.mean_similarity += now.field.MeanSimilarity();
    }
    const double n = static_cast<double>(queries.size());
    s.changed_matches /= cells;
    s.changed_sources /= cells;
    s.changed_reconstruction /= n;
    s.changed_network /= n;
    s.agreement /= n;
    s.mean_similarity /= n;
    report.steps.push_back(s);
    if (progress) progress(step + 1, steps);
  }
  return report;
}

}  // namespace compnn
