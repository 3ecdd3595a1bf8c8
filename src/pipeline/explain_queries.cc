#include "compnn/pipeline/explain_queries.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"
#include "compnn/core/strings.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/attribute_filter.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/explain/search_summary.h"
#include "compnn/pipeline/credibility_maps.h"
#include "compnn/pipeline/explorer_builder.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy.h"

namespace compnn {
namespace {

namespace fs = std::filesystem;

// credibility.png and credibility.npy: the credibility of the network's prediction per pixel;
// returns summary.json's "credibility" entry.
nlohmann::json WriteCredibility(const QueryCredibility& c, const cv::Mat& credibility,
                                const std::string& dir) {
  WritePng(dir + "/credibility.png", CredibilityHeatMap(credibility));
  WriteNpy(dir + "/credibility.npy", DType::kFloat32, {credibility.rows, credibility.cols},
           credibility.ptr<float>());
  std::vector<float> known;
  for (auto it = credibility.begin<float>(); it != credibility.end<float>(); ++it)
    if (!std::isnan(*it)) known.push_back(*it);
  std::sort(known.begin(), known.end());
  const auto below = std::lower_bound(known.begin(), known.end(), 0.05f) - known.begin();
  return {{"median", known.empty() ? -1.0 : known[known.size() / 2]},
          {"share_below_0.05", known.empty() ? 0.0 : static_cast<double>(below) / known.size()},
          {"searched_by", c.searched_by}};
}

// The files of one query's explanation, and its summary.json without the run's own entries.
nlohmann::json WriteExplanation(Explainer& explainer, const ExplainQueriesOptions& o,
                                const StoreLayer& info, const Query& query, const QueryRun& run,
                                const LayerExplanation& e, const std::string& dir) {
  ExplanationFiles files;
  files.query = query.name;
  files.layer = info.name;
  files.stride = e.stride;
  files.hyperpatch = e.search.hyperpatch;
  files.heading = ExplanationHeading(query.name, info.name, info.stride, e.search.candidates.size(),
                                     o.search.searcher->name(), o.search.search.k);
  files.query_input = query.input;
  files.ground_truth = query.truth;
  files.network_output = run.output;
  files.input_reconstruction = e.input_reconstruction;
  files.output_reconstruction = e.output_reconstruction;
  files.prediction_reconstruction = e.prediction_reconstruction;
  files.field = e.search.field;
  files.sources = explainer.training().Targets(UsedImages(e.search.field));
  files.names = explainer.store().manifest().images;
  files.highlighted = o.highlighted;
  nlohmann::json summary = SearchSummary(o.search, o.paste, e.search, explainer.store());
  summary.update(WriteExplanationFiles(dir, files));
  if (e.output_agreement) {
    summary["agreement_with_network"]["output_reconstruction"] = ToJson(*e.output_agreement);
    if (e.prediction_agreement)
      summary["agreement_with_network"]["prediction_reconstruction"] =
          ToJson(*e.prediction_agreement);
  }
  summary.update(o.provenance);
  if (!o.where.empty()) summary["where"] = o.where;
  if (!o.images.empty()) summary["images"] = Join(o.images, ",");
  return summary;
}

// The credibility a calibration gives each query's prediction, with the layers it reads.
class CredibilityStep {
 public:
  CredibilityStep(Explainer& explainer, const std::string& calibration, int threads, int patches)
      : calibration_(LoadCalibration(calibration, explainer.store())), patches_(patches) {
    CredibilityOptions options = calibration_.options;
    options.search.search.threads = threads;
    mapper_ = std::make_unique<CredibilityMapper>(explainer, options);
  }
  std::vector<std::string> CapturedLayers() const { return mapper_->CapturedLayers(); }

  // Writes the query's credibility files, adds them to its summary and to the page.
  void Write(Explainer& explainer, const Query& query, const QueryRun& run, const std::string& dir,
             nlohmann::json& summary, ExplorerBuilder& page) {
    const QueryCredibility c = mapper_->Measure(query, run);
    const cv::Mat credibility = CredibilityMap(c, calibration_.calibration);
    summary["credibility"] = WriteCredibility(c, credibility, dir);
    summary["files"].push_back("credibility.png");
    summary["files"].push_back("credibility.npy");
    if (!page.enabled()) return;
    ExplorerCredibility shown = ExplorerCredibilityOf(c, credibility, *explainer.palette());
    shown.max_patches = patches_;
    page.AddCredibility(std::move(shown));
  }

 private:
  LoadedCalibration calibration_;
  std::unique_ptr<CredibilityMapper> mapper_;
  int patches_;
};

}  // namespace

void ExplainQueriesOptions::Check() const {
  COMPNN_CHECK_OPTION(highlighted >= 1 && highlighted <= 10, "highlighted",
                      "must be in [1, 10], got ", highlighted);
  COMPNN_CHECK_OPTION(credibility_patches >= 0 && credibility_patches <= 32767,
                      "credibility_patches", "must be in [0, 32767], got ", credibility_patches);
  for (const std::string& name : images)
    COMPNN_CHECK_OPTION(!name.empty(), "images", "holds an empty name");
  CheckNested("search", search);
}

namespace {

// How this process takes part: the search resolved, its share of the queries, whether it writes.
struct QueriesPlan {
  StoreSearchOptions search;
  bool split_database = false;
  IndexRange mine;
  bool writes = true;
  std::string database;  // the user's restriction, for the explorer
};

QueriesPlan PlanQueries(const Explainer& explainer, int queries, const ExplainQueriesOptions& o,
                        const Ranks& ranks) {
  QueriesPlan plan;
  plan.search = o.search;
  if (!o.where.empty() || !o.images.empty())
    // The dataset is read only for attributes: a store of bare activations may still list names.
    plan.search.allowed = AllowedImages(explainer.store(), o.where, o.images,
                                        o.where.empty() ? nullptr : &explainer.dataset());
  // Under ranks, a searcher that splits across them splits each query's database (rank 0 pastes
  // and writes); the other methods spread the queries (each rank writes its own).
  plan.split_database = plan.search.SplitsAcross(ranks);
  if (plan.split_database) plan.search.ranks = &ranks;
  COMPNN_CHECK(!(ranks.size() > 1 && !plan.split_database && o.html),
               "an explorer page under several ranks needs exact search (rank 0 builds the page "
               "from every query's field)");
  plan.mine = ranks.size() == 1 || plan.split_database
                  ? IndexRange{0, queries}
                  : ShardOf(queries, ranks.rank(), ranks.size());
  plan.writes = ranks.is_root() || !plan.split_database;
  plan.database = !o.where.empty()    ? "where " + o.where
                  : !o.images.empty() ? "images " + Join(o.images, ",")
                                      : "";
  return plan;
}

}  // namespace

ExplainRun ExplainQueries(
    Explainer& explainer, const std::vector<Query>& queries, const std::string& out,
    const ExplainQueriesOptions& o, const Ranks& ranks,
    const std::function<void(int done, int total, const ExplainedQuery& query)>& progress) {
  o.Check();
  std::optional<CredibilityStep> credibility;
  if (!o.calibration.empty())
    credibility.emplace(explainer, o.calibration, o.search.search.threads, o.credibility_patches);
  const std::string layer = o.layer.empty() ? DefaultExplainLayer(explainer.store()) : o.layer;
  const StoreLayer& info = explainer.store().manifest().layer(layer);
  const QueriesPlan plan = PlanQueries(explainer, static_cast<int>(queries.size()), o, ranks);
  fs::create_directories(out);
  ExplorerBuilder page(o.html, "compnn explorer: explained at " + DescribeLayer(info), layer,
                       o.links);
  // The layer explained, and what credibility reads, captured in one run.
  std::vector<std::string> capture = {layer};
  if (credibility) {
    const std::vector<std::string> more = credibility->CapturedLayers();
    capture.insert(capture.end(), more.begin(), more.end());
  }
  for (int q = plan.mine.begin; q < plan.mine.end; ++q) {
    const Query& query = queries[q];
    const auto start = Clock::now();
    const QueryRun run = explainer.Run(query, capture);
    const double forward = SecondsSince(start);
    const LayerExplanation e = explainer.ExplainLayer(run, layer, plan.search, o.paste);
    const double total = SecondsSince(start);
    if (!plan.writes) continue;
    page.AddQuery(query, run.output);
    page.AddField(layer, plan.database, e);
    StagedFolder folder(out + "/" + SafeName(query.name));
    nlohmann::json summary = WriteExplanation(explainer, o, info, query, run, e, folder.path());
    const std::size_t sources = summary["sources"].size();
    summary["seconds"]["forward"] = forward;
    summary["seconds"]["reconstruct"] = e.reconstruct_seconds;
    summary["seconds"]["total"] = total;
    if (plan.split_database) summary["ranks"] = ranks.size();
    if (credibility) credibility->Write(explainer, query, run, folder.path(), summary, page);
    WriteJsonFile(folder.path() + "/summary.json", summary);
    folder.Commit();
    if (ranks.is_root() && progress)
      progress(q - plan.mine.begin + 1, plan.mine.size(),
               {query.name, sources, e.search.field.MeanSimilarity(), total});
  }
  // Every query's folder is in place before rank 0 lists them.
  ranks.Barrier();
  if (!ranks.is_root()) return {layer, ""};
  nlohmann::json index = nlohmann::json::array();
  for (const Query& query : queries)
    index.push_back({{"query", query.name}, {"folder", SafeName(query.name)}});
  WriteJsonFile(out + "/summary.json", {{"layer", layer}, {"queries", index}});
  return {layer, page.Write(explainer, out)};
}

}  // namespace compnn
