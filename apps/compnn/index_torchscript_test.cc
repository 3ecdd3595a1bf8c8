// compnn layers and compnn index on a user's TorchScript model.
#include <gtest/gtest.h>

#include "compnn/data/generators.h"
#include "compnn/store/feature_store.h"
#include "run_compnn.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

const std::string kModel = std::string(COMPNN_FIXTURES) + "/torchscript/unet_scripted.pt";

class IndexTorchScript : public testing::TempDirTest {};

TEST_F(IndexTorchScript, ListsIndexesAndRefusesUnknownLayers) {
  testing::ProcessResult r = testing::RunCompnn("layers " + kModel + " --size 32");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("up_path.1.Fuse_Block                   16       16        8        2"),
            std::string::npos)
      << r.output;

  GenerateFacades(testing::TinyDataset(Path("facades"), 5, 1, 0));
  r = testing::RunCompnn(
      "index --model " + kModel + " --data " + Path("facades") +
      " --size 32 --input-range 0,1 --layers down_path.1,up_path.1.Fuse_Block:input"
      " --out " +
      Path("store"));
  ASSERT_EQ(r.status, 0) << r.output;
  const FeatureStore store = FeatureStore::Open(Path("store"));
  store.Verify();
  EXPECT_EQ(store.size(), 5);
  EXPECT_EQ(store.manifest().model["arch"], "torchscript");
  EXPECT_EQ(store.manifest().model["input_range"], "0,1");
  const StoreLayer& entering = store.manifest().layer("up_path.1.Fuse_Block:input");
  EXPECT_EQ(entering.depth, 32);  // the concatenation of 16 + 16 channels
  EXPECT_EQ(entering.height, 8);
  EXPECT_EQ(entering.stride, 4);
  EXPECT_EQ(entering.file, "up_path.1.Fuse_Block_input.npy");
  // The network's bottleneck (the first 4 x 4 map), stored though not chosen.
  EXPECT_EQ(store.manifest().global_layer, "down_path.2");
  EXPECT_EQ(store.manifest().layers.size(), 3u);

  // A NAME:input layer alone is enough: the global layer is the bottleneck, not among the chosen.
  r = testing::RunCompnn("index --model " + kModel + " --data " + Path("facades") +
                         " --size 32 --layers up_path.1.Fuse_Block:input --out " + Path("alone"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(FeatureStore::Open(Path("alone")).manifest().global_layer, "down_path.2");

  // Explanations work on the user's model through its store.
  r = testing::RunCompnn("explain --model " + kModel + " --store " + Path("store") +
                         " --query-split val --layer up_path.1.Fuse_Block:input --topk-images 2"
                         " --out " +
                         Path("ex"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("explained 1 query at up_path.1.Fuse_Block:input"), std::string::npos)
      << r.output;
  r = testing::RunCompnn("sweep --model " + kModel + " --store " + Path("store") +
                         " --query-split val --out " + Path("sw"));
  ASSERT_EQ(r.status, 0) << r.output;

  r = testing::RunCompnn("index --model " + kModel + " --data " + Path("facades") +
                         " --size 32 --layers up_path.0:input --out " + Path("bad"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("up_path.0 is called with 2 values"), std::string::npos) << r.output;
  r = testing::RunCompnn("index --model " + kModel + " --data " + Path("facades") +
                         " --size 32 --layers decoder9 --out " + Path("bad"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no layer named 'decoder9'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace compnn
