#include "compnn/pipeline/training_pixels.h"

#include <gtest/gtest.h>

#include <fstream>

#include "compnn/core/check.h"
#include "compnn/data/generators.h"
#include "compnn/store/importer.h"
#include "compnn/store/npy.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

class TrainingPixelsTest : public testing::TempDirTest {
 protected:
  // A generated facades dataset (64 x 64) and a store of its 3 training images with one 8 x 8
  // layer (stride 8), imported: it keeps no pixels and names no dataset.
  void SetUp() override {
    TempDirTest::SetUp();
    GenerateFacades(testing::TinyDataset(Path("facades"), 3, 1, 0));
    dataset_ = Dataset::Open(Path("facades"));
    const std::vector<std::string> names = dataset_->Names("train");
    std::filesystem::create_directories(Path("acts"));
    const std::vector<float> values(names.size() * 8 * 8 * 4, 1.0f);
    WriteNpy(Path("acts/fine.npy"), DType::kFloat32, {3, 8, 8, 4}, values.data());
    std::ofstream list(Path("acts/names.txt"));
    for (const std::string& name : names) list << name << "\n";
    list.close();
    ImportOptions o;
    o.dir = Path("acts");
    o.out = Path("store");
    o.input_size = ImageSize{64, 64};
    ImportActivations(o);
  }

  // Every cell of an 8 x 8 field matched to the same cell of training image `image`.
  static CorrespondenceField IdentityField(int image) {
    CorrespondenceField field(8, 8);
    for (int y = 0; y < 8; ++y)
      for (int x = 0; x < 8; ++x) field.at(y, x) = {image, y, x, 1.0f};
    return field;
  }

  std::optional<Dataset> dataset_;
};

TEST_F(TrainingPixelsTest, PastesTheDatasetsImagesWhenTheStoreKeepsNone) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  TrainingPixels pixels(store, Path("facades"), Direction::kAtoB, {64, 64});
  ASSERT_TRUE(pixels.has_dataset());
  ASSERT_NE(pixels.palette(), nullptr);  // the dataset's
  const ImagePair pair = dataset_->Read("train", store.manifest().images[1]);
  const PasteGeometry geometry{8, {1, 1}, 1.0};
  // Each cell pasted from the same place of image 1: image 1 itself, photo and labels alike.
  const cv::Mat input = pixels.Reconstruct(IdentityField(1), PasteSource::kInputs, geometry);
  const cv::Mat target = pixels.Reconstruct(IdentityField(1), PasteSource::kTargets, geometry);
  EXPECT_EQ(cv::norm(input,
                     ResizeForModel(InputOf(pair, Direction::kAtoB), {64, 64},
                                    dataset_->input_is_labels(Direction::kAtoB)),
                     cv::NORM_INF),
            0);
  EXPECT_EQ(cv::norm(target,
                     ResizeForModel(TargetOf(pair, Direction::kAtoB), {64, 64},
                                    dataset_->target_is_labels(Direction::kAtoB)),
                     cv::NORM_INF),
            0);
  // No predictions kept: nothing to paste them from.
  EXPECT_FALSE(pixels.training().Has(PasteSource::kPredictions));
  EXPECT_THROW(pixels.Reconstruct(IdentityField(0), PasteSource::kPredictions, geometry),
               std::runtime_error);
}

TEST_F(TrainingPixelsTest, NeedsADatasetWhenTheStoreKeepsNoPixels) {
  const FeatureStore store = FeatureStore::Open(Path("store"));
  try {
    TrainingPixels pixels(store, "", Direction::kAtoB, {64, 64});
    FAIL() << "a store without pixels or a dataset was read";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "data");
  }
  EXPECT_THROW(TrainingPixels(store, Path("no-such-folder"), Direction::kAtoB, {64, 64}),
               std::runtime_error);
}

}  // namespace
}  // namespace compnn
