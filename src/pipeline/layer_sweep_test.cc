#include "compnn/pipeline/layer_sweep.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <opencv2/imgcodecs.hpp>

#include "brute_force_reference.h"
#include "compnn/data/image_file.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy.h"
#include "fake_store_test.h"

namespace compnn {
namespace {

using testing::FakeNetwork;

class LayerSweepTest : public testing::FakeStoreTest {
 protected:
  // Exact search over every training image: each cell's match is its best, found by brute force.
  static SweepOptions ExactOptions(std::vector<std::string> layers) {
    SweepOptions o;
    o.layers = std::move(layers);
    o.search = ExactOverEveryImage();
    return o;
  }
};

TEST_F(LayerSweepTest, ExplainsEveryLayerAskedWithItsBestMatches) {
  MakeStore(4, 2);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  LayerSweep sweep(*explainer, ExactOptions({"fine", "coarse"}));
  const std::vector<Query> queries = Queries("val");
  std::vector<SweptQuery> swept;
  const std::string page =
      sweep.Run(queries, Path("out"), [&](int done, int all, const SweptQuery& q) {
        swept.push_back(q);
        EXPECT_EQ(done, static_cast<int>(swept.size()));
        EXPECT_EQ(all, 2);
      });
  EXPECT_EQ(page, "");  // no html asked for
  ASSERT_EQ(swept.size(), 2u);
  const nlohmann::json index = ReadJsonFile(Path("out/summary.json"));
  EXPECT_EQ(index.at("layers"), nlohmann::json({"fine", "coarse"}));
  ASSERT_EQ(index.at("queries").size(), 2u);

  // The reference: every training image's maps computed by the network here, each query cell's
  // best match over all of their cells found by brute force (2 x 2 hyperpatches, the store's).
  FakeNetwork network = Network();
  const std::vector<Query> training = Queries("train");
  std::vector<int> all(training.size());
  std::iota(all.begin(), all.end(), 0);
  for (std::size_t q = 0; q < queries.size(); ++q) {
    EXPECT_EQ(swept[q].name, queries[q].name);
    EXPECT_EQ(swept[q].layers, 2u);
    const std::string dir = Path("out/" + swept[q].folder);
    const nlohmann::json summary = ReadJsonFile(dir + "/summary.json");
    ASSERT_EQ(summary.at("layers").size(), 2u);
    EXPECT_TRUE(std::filesystem::is_regular_file(dir + "/sweep.png"));
    struct SweptLayer {
      std::string layer;
      int stride;
    };
    for (int l = 0; l < 2; ++l) {
      const auto [layer, stride] = std::vector<SweptLayer>{{"fine", 8}, {"coarse", 32}}[l];
      SCOPED_TRACE(queries[q].name + " at " + layer);
      EXPECT_EQ(summary.at("layers")[l].at("layer"), layer);
      EXPECT_EQ(summary.at("layers")[l].at("stride"), stride);
      std::vector<OwnedMap> maps;
      for (const Query& t : training)
        maps.push_back(network.Run(t.input, false, nullptr, {layer}).maps.at(layer));
      std::vector<MapView> views;
      for (const OwnedMap& m : maps) views.push_back(m.view());
      const OwnedMap query = network.Run(queries[q].input, false, nullptr, {layer}).maps.at(layer);
      const NpyFile similarity = NpyFile::Open(dir + "/" + layer + "-similarity.npy");
      const NpyFile nnf = NpyFile::Open(dir + "/" + layer + "-nnf.npy");
      ASSERT_EQ(similarity.shape(), std::vector<std::int64_t>({query.height, query.width}));
      ASSERT_EQ(nnf.shape(), std::vector<std::int64_t>({query.height, query.width, 3}));
      const cv::Mat ir =
          ReadImageFile(dir + "/" + layer + "-input-reconstruction.png", cv::IMREAD_COLOR);
      const cv::Mat orec =
          ReadImageFile(dir + "/" + layer + "-output-reconstruction.png", cv::IMREAD_COLOR);
      for (int y = 0; y < query.height; ++y) {
        for (int x = 0; x < query.width; ++x) {
          const int cell = y * query.width + x;
          const testing::ReferenceMatch best =
              testing::ReferenceBest(query.view(), views, all, 2, 2, y, x);
          EXPECT_NEAR(similarity.data_as<float>()[cell], best.similarity, 1e-5);
          const std::int32_t* m = nnf.data_as<std::int32_t>() + 3 * cell;
          // Where two cells are about as similar, float rounding may pick either.
          if (best.similarity - best.runner_up > 1e-5) {
            EXPECT_EQ(m[0], best.image);
            EXPECT_EQ(m[1], best.y);
            EXPECT_EQ(m[2], best.x);
          }
          // Each cell's block pasted from its match's block: input and target alike.
          const cv::Rect here(x * stride, y * stride, stride, stride);
          const cv::Rect there(m[2] * stride, m[1] * stride, stride, stride);
          EXPECT_EQ(cv::norm(ir(here), training[m[0]].input(there), cv::NORM_INF), 0);
          EXPECT_EQ(cv::norm(orec(here), training[m[0]].truth(there), cv::NORM_INF), 0);
        }
      }
    }
  }
}

TEST_F(LayerSweepTest, SweepsEveryStoredLayerByDefaultAndRefusesUnknownOnes) {
  MakeStore(2, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  LayerSweep sweep(*explainer, ExactOptions({}));
  sweep.Run(Queries("val"), Path("out"));
  // The store's layers, in its order.
  EXPECT_EQ(ReadJsonFile(Path("out/summary.json")).at("layers"),
            nlohmann::json({"coarse", "fine"}));
  EXPECT_THROW(LayerSweep(*explainer, ExactOptions({"fine", "no-such-layer"})), std::runtime_error);
}

}  // namespace
}  // namespace compnn
