#include "compnn/pipeline/sanity_check.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/core/global_prefilter.h"
#include "compnn/core/searcher.h"
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

namespace {

// The network the check randomises: a copy of the explainer's, which stays trained.
std::unique_ptr<RandomisableNetwork> RandomisableCopy(Explainer& explainer, std::uint64_t seed) {
  QueryNetwork& trained = explainer.network();
  COMPNN_CHECK(trained.OutputsClasses() && explainer.target_is_labels(), trained.name(),
               ": the sanity check scores label reconstructions: it needs a network that "
               "outputs classes");
  std::unique_ptr<RandomisableNetwork> network = trained.RandomisableCopy(seed);
  COMPNN_CHECK(network != nullptr, trained.name(),
               ": the sanity check randomises compnn's own networks (model files of compnn "
               "train) and PyTorch modules, not TorchScript");
  return network;
}

// Each query's database: the training images nearest by the trained network's descriptor. Sets
// every state's candidates and returns them all, sorted and distinct.
std::vector<int> TrainedCandidates(Explainer& explainer, const std::vector<Query>& queries,
                                   int topk, std::vector<QueryState>& states) {
  const FeatureStore& store = explainer.store();
  const std::string& global = store.manifest().global_layer;
  std::vector<int> all;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const QueryRun run = explainer.network().Run(queries[q].input, explainer.input_is_labels(),
                                                 explainer.palette(), {global});
    states[q].candidates = GlobalTopK(run.maps.at(global).values, store.Globals(), topk);
    all.insert(all.end(), states[q].candidates.begin(), states[q].candidates.end());
  }
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  return all;
}

// The candidates' maps at `layer` under `network`; images no query searches are one zero cell.
struct CandidateMaps {
  std::vector<OwnedMap> maps;
  std::vector<float> zero;
  std::vector<MapView> views;
};

void MapCandidates(RandomisableNetwork& network, const Explainer& explainer,
                   const StoreLayer& layer, const std::vector<int>& candidates,
                   const std::vector<cv::Mat>& inputs, CandidateMaps& out) {
  const int images = explainer.store().size();
  out.maps.assign(images, OwnedMap{});
  out.zero.assign(layer.depth, 0.0f);
  out.views.assign(images, MapView{out.zero.data(), 1, 1, layer.depth});
  for (int image : candidates) {
    out.maps[image] =
        network.Run(inputs[image], explainer.input_is_labels(), explainer.palette(), {layer.name})
            .maps.at(layer.name);
    out.views[image] = out.maps[image].view();
  }
}

// One query's search and reconstruction under `network`.
QueryState Explain(RandomisableNetwork& network, Explainer& explainer, const Query& query,
                   const std::string& layer, const Database& database, SearchRequest search) {
  const Palette& palette = *explainer.palette();
  const QueryRun run = network.Run(query.input, explainer.input_is_labels(), &palette, {layer});
  QueryState now;
  now.field = DefaultSearcher()->Search(run.maps.at(layer).view(), database, search).field;
  now.reconstruction = palette.Classes(
      explainer.Reconstruct(now.field, layer, PasteSource::kTargets, PasteOptions{}), true,
      "output reconstruction");
  now.network = palette.Classes(run.output, true, "network output");
  return now;
}

// Adds how `now` differs from `base` to the step's sums.
void AddDifferences(const QueryState& now, const QueryState& base, SanityStep& s, double& cells) {
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

void Average(SanityStep& s, double cells, double queries) {
  s.changed_matches /= cells;
  s.changed_sources /= cells;
  s.changed_reconstruction /= queries;
  s.changed_network /= queries;
  s.agreement /= queries;
  s.mean_similarity /= queries;
}

}  // namespace

SanityReport CascadingRandomisation(Explainer& explainer, const SanityOptions& o,
                                    const std::function<void(int, int)>& progress) {
  o.Check();
  std::unique_ptr<RandomisableNetwork> network = RandomisableCopy(explainer, o.seed);
  const FeatureStore& store = explainer.store();
  SanityReport report;
  report.layer = o.layer.empty() ? DefaultExplainLayer(store) : o.layer;
  const StoreLayer& layer = store.manifest().layer(report.layer);
  const std::vector<Query> queries = explainer.SplitQueries(o.split, o.count);
  report.queries = static_cast<int>(queries.size());
  report.topk_images = std::min(o.topk_images, store.size());

  std::vector<QueryState> trained(queries.size());
  const std::vector<int> candidates =
      TrainedCandidates(explainer, queries, report.topk_images, trained);
  const std::vector<cv::Mat> inputs = explainer.training().Images(PasteSource::kInputs, candidates);
  const std::vector<std::string> cascade = network->CascadeOrder();
  SearchRequest search;
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
    CandidateMaps maps;
    MapCandidates(*network, explainer, layer, candidates, inputs, maps);
    const Database database(maps.views);
    double cells = 0;
    for (std::size_t q = 0; q < queries.size(); ++q) {
      search.candidates = trained[q].candidates;
      QueryState now = Explain(*network, explainer, queries[q], report.layer, database, search);
      if (step == 0) {
        now.candidates = trained[q].candidates;
        trained[q] = now;
      }
      AddDifferences(now, trained[q], s, cells);
    }
    Average(s, cells, static_cast<double>(queries.size()));
    report.steps.push_back(s);
    if (progress) progress(step + 1, steps);
  }
  return report;
}

}  // namespace compnn
