#include "compnn/pipeline/eval_options.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <stdexcept>

#include "compnn/core/check.h"
#include "option_field.h"
#include "temp_dir.h"

namespace compnn {
namespace {

// The field Check() names for options changed by `change`; "" when it throws no OptionError.
std::string FieldRefused(const std::function<void(EvalOptions&)>& change) {
  EvalOptions o;
  change(o);
  return testing::FieldRefused(o);
}

TEST(EvalOptionsTest, DefaultsAndBoundaryValuesPass) {
  EXPECT_NO_THROW(EvalOptions().Check());
  EvalOptions o;
  o.count = 0;
  o.topk_images = {0};  // 0: no prefilter
  o.quality_queries = 0;
  o.quality_topk = 0;
  EXPECT_NO_THROW(o.Check());
}

TEST(EvalOptionsTest, EachFieldOutOfRangeIsNamed) {
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.split = ""; }), "split");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.count = -1; }), "count");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.topk_images = {}; }), "topk_images");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.topk_images = {1, -16, 32}; }), "topk_images");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.quality_queries = -1; }), "quality_queries");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.quality_topk = -1; }), "quality_topk");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.search.topk_images = -1; }), "search.topk_images");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.search.search.threads = -2; }),
            "search.search.threads");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.k = {1, 0}; }), "k");
  EXPECT_EQ(FieldRefused([](EvalOptions& o) { o.k = {kMaxMatchesPerCell + 1}; }), "k");
}

TEST(EvalOptionsTest, TheMessageSaysWhatIsWrong) {
  EvalOptions o;
  o.count = -3;
  try {
    o.Check();
    ADD_FAILURE() << "no error";
  } catch (const OptionError& e) {
    EXPECT_EQ(std::string(e.what()), "count must not be negative, got -3");
  }
}

// A one-image store of 8 x 8 inputs whose layers (name, side: side x side x 1 cells, stride 8 /
// side) are in forward order; the smallest is the global layer.
class EvalLayersTest : public testing::TempDirTest {
 protected:
  using Layers = std::vector<std::pair<std::string, int>>;
  FeatureStore MakeStore(const std::string& name, const Layers& layers) {
    StoreManifest plan;
    plan.model = {{"arch", "test"}};
    plan.dataset = {{"split", "train"}};
    plan.input_size = {8, 8};
    plan.images = {"img0"};
    for (const auto& [l, side] : layers) {
      StoreLayer layer;
      layer.name = l;
      layer.height = layer.width = side;
      layer.depth = 1;
      layer.stride = 8 / side;
      layer.file = l + ".npy";
      plan.layers.push_back(layer);
    }
    // The global layer is the bottleneck, as index makes it: the smallest map.
    plan.global_layer =
        std::min_element(layers.begin(), layers.end(), [](const auto& a, const auto& b) {
          return a.second < b.second;
        })->first;
    StoreWriter writer(Path(name), plan, false);
    const std::vector<float> zeros(64, 0.0f);
    std::map<std::string, const float*> maps;
    for (const auto& [l, side] : layers) maps[l] = zeros.data();
    writer.Write(0, maps, zeros.data());
    writer.Commit();
    return FeatureStore::Open(Path(name));
  }
  // The message of the std::runtime_error `action` throws; "" when none.
  static std::string Error(const std::function<void()>& action) {
    try {
      action();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "";
  }
};

TEST_F(EvalLayersTest, DefaultsAreTheFinestLayerAfterTheBottleneck) {
  // pix2pix's geometry: the decoder nearest the output, whatever the layers are called.
  const FeatureStore store = MakeStore("store", {{"encoder1", 4},
                                                 {"encoder2", 2},
                                                 {"encoder3", 1},
                                                 {"decoder3", 2},
                                                 {"decoder2", 4},
                                                 {"output", 8}});
  const EvalLayers layers = ResolveEvalLayers(store, EvalOptions());
  EXPECT_EQ(layers.evaluated, std::vector<std::string>{"decoder2"});
  EXPECT_EQ(layers.penultimate, "decoder2");
  EXPECT_EQ(layers.Captured(), (std::vector<std::string>{"decoder2", "decoder2"}));
}

TEST_F(EvalLayersTest, DefaultFollowsGeometryNotNames) {
  // A torchvision LR-ASPP: no layer is called decoder.
  const FeatureStore store = MakeStore("store", {{"backbone.4", 4},
                                                 {"backbone.16", 1},
                                                 {"classifier.cbr", 1},
                                                 {"classifier.low_classifier", 4},
                                                 {"output", 8}});
  EXPECT_EQ(ResolveEvalLayers(store, EvalOptions()).penultimate, "classifier.low_classifier");
}

TEST_F(EvalLayersTest, NamedLayersAreKeptInTheirOrder) {
  const FeatureStore store =
      MakeStore("store", {{"encoder1", 4}, {"decoder1", 4}, {"decoder2", 2}, {"encoder3", 1}});
  EvalOptions o;
  o.layers = {"decoder2", "encoder1"};
  o.penultimate = "decoder1";
  const EvalLayers layers = ResolveEvalLayers(store, o);
  EXPECT_EQ(layers.evaluated, (std::vector<std::string>{"decoder2", "encoder1"}));
  EXPECT_EQ(layers.penultimate, "decoder1");
  EXPECT_EQ(layers.Captured(), (std::vector<std::string>{"decoder2", "encoder1", "decoder1"}));
}

TEST_F(EvalLayersTest, UnknownLayersAreErrorsListingTheStoresLayers) {
  const FeatureStore store = MakeStore("store", {{"encoder1", 4}, {"decoder1", 4}});
  EvalOptions o;
  o.layers = {"decoder1", "decoder9"};
  EXPECT_EQ(Error([&] { ResolveEvalLayers(store, o); }),
            "layer 'decoder9' is not in the store (it has encoder1, decoder1)");
  o.layers = {};
  o.penultimate = "bottleneck";
  EXPECT_EQ(Error([&] { ResolveEvalLayers(store, o); }),
            "layer 'bottleneck' is not in the store (it has encoder1, decoder1)");
}

TEST_F(EvalLayersTest, StoreEndingAtTheBottleneckNeedsNamedLayers) {
  const FeatureStore store = MakeStore("plain", {{"conv1", 4}, {"conv2", 1}});
  EXPECT_NE(Error([&] { ResolveEvalLayers(store, EvalOptions()); })
                .find("no stored layer follows the bottleneck, so there is no default layer; name "
                      "one (it has conv1, conv2)"),
            std::string::npos);
  EvalOptions o;
  o.layers = {"conv1"};
  EXPECT_NE(Error([&] { ResolveEvalLayers(store, o); }).find("no stored layer follows"),
            std::string::npos);  // the penultimate layer still defaults
  o.penultimate = "conv2";
  const EvalLayers layers = ResolveEvalLayers(store, o);
  EXPECT_EQ(layers.evaluated, std::vector<std::string>{"conv1"});
  EXPECT_EQ(layers.penultimate, "conv2");
}

TEST(QueriesToEvaluateTest, KeepsTheFirstCountNames) {
  const std::vector<std::string> names = {"a", "b", "c"};
  EvalOptions o;
  EXPECT_EQ(QueriesToEvaluate(names, o), names);  // count 0: all
  o.count = 2;
  EXPECT_EQ(QueriesToEvaluate(names, o), (std::vector<std::string>{"a", "b"}));
  o.count = 5;
  EXPECT_EQ(QueriesToEvaluate(names, o), names);
}

TEST(QueriesToEvaluateTest, AnEmptySplitIsAnError) {
  EvalOptions o;
  o.split = "val";
  try {
    QueriesToEvaluate({}, o);
    ADD_FAILURE() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "the val split holds no images");
  }
}

TEST(ComparesWithExactSearchTest, OnlyHyperPatchMatchOnTheFirstQueriesAtTheQualityTopK) {
  EvalOptions o;
  o.quality_queries = 2;
  o.quality_topk = 16;
  EXPECT_TRUE(ComparesWithExactSearch(o, 0, 16));
  EXPECT_TRUE(ComparesWithExactSearch(o, 1, 16));
  EXPECT_FALSE(ComparesWithExactSearch(o, 2, 16));  // past the first quality_queries
  EXPECT_FALSE(ComparesWithExactSearch(o, 0, 32));  // another row
  o.search.searcher = MakeSearcher("exact");
  EXPECT_FALSE(ComparesWithExactSearch(o, 0, 16));  // exact search against itself
  o.search.searcher = MakeSearcher("hpm");
  EXPECT_TRUE(ComparesWithExactSearch(o, 0, 16));
  o.quality_queries = 0;
  EXPECT_FALSE(ComparesWithExactSearch(o, 0, 16));
}

}  // namespace
}  // namespace compnn
