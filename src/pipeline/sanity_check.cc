#include "compnn/pipeline/sanity_check.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/search.h"
#include "compnn/core/thread_limit.h"

namespace compnn {
namespace {

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
  QueryNetwork& trained = explainer.network();
  COMPNN_CHECK(trained.OutputsClasses() && explainer.target_is_labels(), trained.name(),
               ": the sanity check scores label reconstructions: it needs a network that "
               "outputs classes");
  std::unique_ptr<RandomisableNetwork> network = trained.RandomisableCopy(o.seed);
  COMPNN_CHECK(network != nullptr, trained.name(),
               ": the sanity check randomises compnn's own networks (model files of compnn "
               "train) and PyTorch modules, not TorchScript");
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
    const QueryRun run = trained.Run(queries[q].input, input_labels, &palette, {global});
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

  const std::vector<std::string> cascade = network->CascadeOrder();
  SearchOptions search;
  search.hyperpatch = layer.hyperpatch;
  search.seed = o.seed;
  search.threads = o.threads;
  const int steps = static_cast<int>(cascade.size()) + 1;
  for (int step = 0; step < steps; ++step) {
    SanityStep s;
    if (step > 0) {
      s.randomised = cascade[step - 1];
      network->Randomise(s.randomised);
    }
    // The candidates' maps under this network.
    std::vector<OwnedMap> maps(store.size());
    std::vector<MapView> views(store.size());
    const std::vector<float> zero(layer.depth, 0.0f);  // images no query searches: one zero cell
    for (int i = 0; i < store.size(); ++i) views[i] = MapView{zero.data(), 1, 1, layer.depth};
    for (int image : all_candidates) {
      maps[image] =
          network->Run(inputs[image], input_labels, &palette, {report.layer}).maps.at(report.layer);
      views[image] = maps[image].view();
    }
    const Database database(views);
    double cells = 0;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      const QueryRun run = network->Run(queries[q].input, input_labels, &palette, {report.layer});
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
