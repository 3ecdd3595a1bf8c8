#include "compnn/store/store_plan.h"

#include <gtest/gtest.h>

#include "compnn/core/check.h"

namespace compnn {
namespace {

// A small encoder-decoder's maps at 64 x 48: the one of fewest cells is "mid".
std::vector<PlannedLayer> Layers() {
  return {{"enc.1", 32, 24, 8},
          {"enc:2", 16, 12, 16},
          {"mid", 8, 6, 32},
          {"dec", 16, 12, 8},
          {"out", 64, 48, 3}};
}

TEST(PlanStoreTest, StridesFilesGlobalLayerAndPixelsFollowOneRule) {
  StorePlanOptions o;
  o.input_size = {64, 48};
  o.hyperpatch = {3, 1};
  o.pixels = {"inputs", "targets"};
  o.labels = {"targets"};
  o.model = {{"arch", "mine"}};
  const StoreManifest plan = PlanStore(Layers(), o);
  ASSERT_EQ(plan.layers.size(), 5u);
  EXPECT_EQ(plan.layers[0].stride, 2);  // 64 / 32
  EXPECT_EQ(plan.layers[1].stride, 4);
  EXPECT_EQ(plan.layers[2].stride, 8);
  EXPECT_EQ(plan.layers[3].stride, 4);
  EXPECT_EQ(plan.layers[4].stride, 1);
  EXPECT_EQ(plan.layers[0].file, "enc.1.npy");
  EXPECT_EQ(plan.layers[1].file, "enc_2.npy");
  EXPECT_EQ(plan.layers[1].hyperpatch.height, 3);
  EXPECT_EQ(plan.layers[1].dtype, DType::kFloat16);
  EXPECT_EQ(plan.global_layer, "mid");
  ASSERT_EQ(plan.pixels.size(), 2u);
  EXPECT_FALSE(plan.pixels[0].labels);
  EXPECT_TRUE(plan.pixels[1].labels);
  EXPECT_EQ(plan.pixels[1].file, "targets.npy");
  EXPECT_EQ(plan.model["arch"], "mine");
  EXPECT_TRUE(plan.images.empty());
  o.global_layer = "dec";
  EXPECT_EQ(PlanStore(Layers(), o).global_layer, "dec");
  // Only some maps exported, a step of 8x between them: still the one of fewest cells.
  o.global_layer.clear();
  EXPECT_EQ(PlanStore({{"block1", 64, 48, 4}, {"block4", 8, 6, 32}}, o).global_layer, "block4");
}

TEST(PlanStoreTest, RefusesNamingTheField) {
  auto field = [](const std::function<void(StorePlanOptions&)>& change) {
    StorePlanOptions o;
    o.input_size = {64, 48};
    change(o);
    try {
      PlanStore(Layers(), o);
    } catch (const OptionError& e) {
      return e.field();
    }
    return std::string("accepted");
  };
  EXPECT_EQ(field([](StorePlanOptions& o) { o.input_size = {0, 48}; }), "input_size");
  EXPECT_EQ(field([](StorePlanOptions& o) { o.hyperpatch = {0, 2}; }), "hyperpatch");
  EXPECT_EQ(field([](StorePlanOptions& o) { o.pixels = {"photos"}; }), "pixels");
  EXPECT_EQ(field([](StorePlanOptions& o) { o.pixels = {"inputs", "inputs"}; }), "pixels");
  EXPECT_EQ(field([](StorePlanOptions& o) { o.labels = {"targets"}; }), "labels");
  StorePlanOptions o;
  o.input_size = {64, 48};
  o.global_layer = "nowhere";
  EXPECT_THROW(PlanStore(Layers(), o), std::runtime_error);
  EXPECT_THROW(PlanStore({{"a", 4, 4, 2}, {"a", 2, 2, 2}}, o), std::runtime_error);
}

}  // namespace
}  // namespace compnn
