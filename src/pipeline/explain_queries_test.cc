#include "compnn/pipeline/explain_queries.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <set>

#include "compnn/core/check.h"
#include "compnn/data/image_file.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/pipeline/credibility_maps.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy.h"
#include "fake_store_test.h"

namespace compnn {
namespace {

class ExplainQueriesTest : public testing::FakeStoreTest {
 protected:
  static ExplainQueriesOptions ExactOptions() {
    ExplainQueriesOptions o;
    o.search = ExactOverEveryImage();
    return o;
  }

  cv::Mat ReadPng(const std::string& query, const std::string& file) const {
    return ReadImageFile(Path("out/" + SafeName(query) + "/" + file), cv::IMREAD_COLOR);
  }
};

TEST_F(ExplainQueriesTest, TrainingQueriesAreExplainedByThemselves) {
  MakeStore(3, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  const std::vector<Query> queries = Queries("train");  // in the store's order
  int calls = 0;
  const auto progress = [&](int done, int all, const ExplainedQuery& q) {
    EXPECT_EQ(done, ++calls);
    EXPECT_EQ(all, 3);
    EXPECT_EQ(q.name, queries[done - 1].name);
    EXPECT_EQ(q.sources, 1u);
    EXPECT_NEAR(q.mean_similarity, 1.0, 1e-5);
  };
  const ExplainRun run =
      ExplainQueries(*explainer, queries, Path("out"), ExactOptions(), Ranks(), progress);
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(run.layer, "fine");  // the default explain layer
  EXPECT_EQ(run.page, "");
  const nlohmann::json index = ReadJsonFile(Path("out/summary.json"));
  EXPECT_EQ(index.at("layer"), "fine");
  ASSERT_EQ(index.at("queries").size(), 3u);

  for (std::size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    SCOPED_TRACE(q.name);
    EXPECT_EQ(index.at("queries")[i].at("query"), q.name);
    // Every cell matched to itself, in training image i: the reconstructions are the query's
    // own input and target, and the network outputs the target.
    EXPECT_EQ(cv::norm(ReadPng(q.name, "input-reconstruction.png"), q.input, cv::NORM_INF), 0);
    EXPECT_EQ(cv::norm(ReadPng(q.name, "output-reconstruction.png"), q.truth, cv::NORM_INF), 0);
    EXPECT_EQ(cv::norm(ReadPng(q.name, "network-output.png"), q.truth, cv::NORM_INF), 0);
    const std::string dir = Path("out/" + SafeName(q.name));
    const NpyFile nnf = NpyFile::Open(dir + "/nnf.npy");
    const NpyFile similarity = NpyFile::Open(dir + "/similarity.npy");
    ASSERT_EQ(nnf.shape(), std::vector<std::int64_t>({8, 8, 3}));
    for (int cell = 0; cell < 64; ++cell) {
      const std::int32_t* m = nnf.data_as<std::int32_t>() + 3 * cell;
      EXPECT_EQ(m[0], static_cast<int>(i));
      EXPECT_EQ(m[1], cell / 8);
      EXPECT_EQ(m[2], cell % 8);
      EXPECT_NEAR(similarity.data_as<float>()[cell], 1.0, 1e-5);
    }
    const nlohmann::json summary = ReadJsonFile(dir + "/summary.json");
    ASSERT_EQ(summary.at("sources").size(), 1u);
    EXPECT_EQ(summary.at("sources")[0].at("image"), q.name);
    EXPECT_DOUBLE_EQ(summary.at("agreement_with_network")
                         .at("output_reconstruction")
                         .at("overall")
                         .get<double>(),
                     1.0);
  }
}

TEST_F(ExplainQueriesTest, ARestrictedDatabasePastesOnlyItsImages) {
  MakeStore(4, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  const std::vector<Query> training = Queries("train");
  ExplainQueriesOptions o = ExactOptions();
  o.images = {training[1].name, training[3].name};
  o.provenance = {{"test", "restricted"}};
  const Query& q = training[0];
  ExplainQueries(*explainer, {q}, Path("out"), o, Ranks());
  const std::string dir = Path("out/" + SafeName(q.name));
  const nlohmann::json summary = ReadJsonFile(dir + "/summary.json");
  EXPECT_EQ(summary.at("images"), training[1].name + "," + training[3].name);
  EXPECT_EQ(summary.at("test"), "restricted");
  for (const nlohmann::json& source : summary.at("sources"))
    EXPECT_TRUE(source.at("image") == training[1].name || source.at("image") == training[3].name);
  // Each cell's block of both reconstructions is its match's block, which only images 1 and 3
  // give.
  const cv::Mat ir = ReadPng(q.name, "input-reconstruction.png");
  const cv::Mat orec = ReadPng(q.name, "output-reconstruction.png");
  const NpyFile nnf = NpyFile::Open(dir + "/nnf.npy");
  for (int cell = 0; cell < 64; ++cell) {
    const std::int32_t* m = nnf.data_as<std::int32_t>() + 3 * cell;
    ASSERT_TRUE(m[0] == 1 || m[0] == 3) << "cell " << cell << " matched in image " << m[0];
    const cv::Rect here(cell % 8 * 8, cell / 8 * 8, 8, 8), there(m[2] * 8, m[1] * 8, 8, 8);
    EXPECT_EQ(cv::norm(ir(here), training[m[0]].input(there), cv::NORM_INF), 0);
    EXPECT_EQ(cv::norm(orec(here), training[m[0]].truth(there), cv::NORM_INF), 0);
  }
}

TEST_F(ExplainQueriesTest, WritesCredibilityMapsFromACalibration) {
  MakeStore(3, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  // One neighbour per cell, calibrated on nonconformities 0, 0.5 and 1: a pixel whose class
  // agrees with its neighbour's label has credibility (1 + 3) / 4 = 1, one that does not
  // (1 + 1) / 4 = 0.5.
  CredibilityOptions calibrated;
  calibrated.layers = {"fine"};
  calibrated.k = 1;
  calibrated.search.searcher = MakeSearcher("exact");
  calibrated.search.topk_images = 0;
  SaveCalibration(Path("calibration.json"), CredibilityCalibration({0.0f, 0.5f, 1.0f}), calibrated,
                  explainer->store(), {"made up"});
  ExplainQueriesOptions o = ExactOptions();
  o.calibration = Path("calibration.json");
  const Query q = Queries("train")[1];
  ExplainQueries(*explainer, {q}, Path("out"), o, Ranks());
  const std::string dir = Path("out/" + SafeName(q.name));
  const nlohmann::json summary = ReadJsonFile(dir + "/summary.json");
  ASSERT_TRUE(summary.contains("credibility"));
  const std::vector<std::string> files = summary.at("files");
  EXPECT_EQ(std::set<std::string>(files.begin(), files.end()).count("credibility.npy"), 1u);
  const NpyFile map = NpyFile::Open(dir + "/credibility.npy");
  ASSERT_EQ(map.shape(), std::vector<std::int64_t>({64, 64}));
  // The query is a training image: each cell's neighbour is itself, labelled with the class at
  // its centre, which at least one pixel of its block (the centre) has.
  const cv::Mat credibility(64, 64, CV_32F, const_cast<float*>(map.data_as<float>()));
  for (int by = 0; by < 8; ++by) {
    for (int bx = 0; bx < 8; ++bx) {
      const cv::Mat block = credibility(cv::Rect(bx * 8, by * 8, 8, 8));
      double low = 0, high = 0;
      cv::minMaxLoc(block, &low, &high);
      EXPECT_EQ(high, 1.0) << "block " << by << ", " << bx;
      EXPECT_EQ(cv::countNonZero((block != 1.0f) & (block != 0.5f)), 0);
    }
  }
}

TEST_F(ExplainQueriesTest, RefusesUnknownLayersAndOptionsOutOfRange) {
  MakeStore(2, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  ExplainQueriesOptions o = ExactOptions();
  o.layer = "no-such-layer";
  EXPECT_THROW(ExplainQueries(*explainer, Queries("val"), Path("out"), o, Ranks()),
               std::runtime_error);
  o = ExactOptions();
  o.highlighted = 0;
  try {
    ExplainQueries(*explainer, Queries("val"), Path("out"), o, Ranks());
    FAIL() << "highlighted 0 was taken";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "highlighted");
  }
}

}  // namespace
}  // namespace compnn
