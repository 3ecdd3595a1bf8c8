#include "compnn/pipeline/property_control.h"

#include <filesystem>

#include "compnn/core/check.h"
#include "compnn/core/strings.h"
#include "compnn/data/dataset_writer.h"
#include "compnn/explain/attribute_filter.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/explain/figure.h"
#include "compnn/explain/search_summary.h"
#include "compnn/store/atomic_file.h"
#include "compnn/store/field_io.h"
#include "compnn/store/json_file.h"

namespace compnn {
namespace {

// Database d's output reconstruction and field in a query's control folder; returns its summary
// entry.
nlohmann::json WriteControlDatabase(const FeatureStore& store, const ControlOptions& o, int d,
                                    const LayerExplanation& e, const std::string& dir) {
  const std::string file = "output-reconstruction-" + std::to_string(d) + ".png";
  WritePng(dir + "/" + file, e.output_reconstruction);
  const std::string stem = "database-" + std::to_string(d) + "-";
  WriteField(e.search.field, dir, stem);
  nlohmann::json used = nlohmann::json::array();
  for (int i : UsedImages(e.search.field)) used.push_back(store.manifest().images[i]);
  nlohmann::json entry = SearchSummary(o.search, o.paste, e.search, store);
  entry["used_images"] = used;
  entry["file"] = file;
  entry["field"] = {stem + "nnf.npy", stem + "similarity.npy"};
  return entry;
}

}  // namespace

void ControlOptions::Check() const {
  COMPNN_CHECK_OPTION(!where.empty() || !images.empty(), "where",
                      "and images are both empty: give at least one database");
  for (const std::string& w : where)
    COMPNN_CHECK_OPTION(!w.empty(), "where", "holds an empty condition");
  for (const std::vector<std::string>& list : images) {
    COMPNN_CHECK_OPTION(!list.empty(), "images", "holds an empty list");
    for (const std::string& name : list)
      COMPNN_CHECK_OPTION(!name.empty(), "images", "holds an empty image name");
  }
  CheckNested("search", search);
}

PropertyControl::PropertyControl(Explainer& explainer, ControlOptions options)
    : explainer_(explainer), options_(std::move(options)) {
  options_.Check();
  const FeatureStore& store = explainer_.store();
  if (options_.layer.empty()) options_.layer = DefaultExplainLayer(store);
  store.manifest().layer(options_.layer);  // the name checked
  databases_.push_back({"all training images", {}});
  for (const std::string& w : options_.where)
    databases_.push_back({w, AllowedImages(store, w, {}, &explainer_.dataset())});
  for (const std::vector<std::string>& list : options_.images)
    databases_.push_back({"images " + Join(list, ","), AllowedImages(store, "", list, nullptr)});
}

std::string PropertyControl::Run(
    const std::vector<Query>& queries, const std::string& out,
    const std::function<void(int, int, const ControlledQuery&)>& progress) {
  Explainer& explainer = explainer_;
  const ControlOptions& o = options_;
  const FeatureStore& store = explainer.store();
  const std::string& layer = o.layer;
  const StoreLayer& info = store.manifest().layer(layer);
  std::filesystem::create_directories(out);
  nlohmann::json index = nlohmann::json::array();
  ExplorerBuilder page(o.html,
                       "compnn explorer: property control at " + DescribeLayer(info) +
                           ", restricted databases side by side",
                       layer, o.links);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    const Query& query = queries[q];
    const QueryRun pass = explainer.Run(query, {layer});
    page.AddQuery(query, pass.output);
    const std::string folder_name = SafeName(query.name);
    StagedFolder folder(out + "/" + folder_name);
    const std::string& dir = folder.path();
    std::vector<Tile> row = {{query.input, "query input", ""}, {pass.output, "network output", ""}};
    nlohmann::json entries = nlohmann::json::array();
    for (std::size_t d = 0; d < databases_.size(); ++d) {
      StoreSearchOptions search = o.search;
      search.allowed = databases_[d].second;
      const LayerExplanation e = explainer.ExplainLayer(pass, layer, search, o.paste);
      const auto& [database, images] = databases_[d];
      const std::size_t size = images.empty() ? store.manifest().images.size() : images.size();
      page.AddField(layer, database, e);
      row.push_back(
          {e.output_reconstruction, database, std::to_string(size) + " images in the database"});
      nlohmann::json entry = WriteControlDatabase(store, o, static_cast<int>(d), e, dir);
      entry["database"] = database;
      entry["database_size"] = size;
      entries.push_back(entry);
    }
    WritePng(dir + "/control.png",
             TileGrid("compnn property control: " + query.name + " at " + DescribeLayer(info) +
                          ", output reconstructions from restricted databases",
                      {row}, TileFor(query.input.size(), 200)));
    WriteJsonFile(dir + "/summary.json",
                  {{"query", query.name}, {"layer", layer}, {"databases", entries}});
    folder.Commit();
    index.push_back({{"query", query.name}, {"folder", folder_name}});
    if (progress) {
      progress(static_cast<int>(q + 1), static_cast<int>(queries.size()),
               {query.name, folder_name, databases_.size()});
    }
  }
  WriteJsonFile(out + "/summary.json", {{"layer", layer}, {"queries", index}});
  return page.Write(explainer, out);
}

}  // namespace compnn
