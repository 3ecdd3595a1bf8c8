// A published dataset as a user brings it, end to end and not square: import CamVid (SegNet's
// layout, with void), train at the dataset's aspect ratio, index, explain and evaluate.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "compnn/data/dataset.h"
#include "compnn/eval/metrics.h"
#include "compnn/store/npy.h"
#include "published_layouts.h"
#include "run_compnn.h"
#include "temp_dir.h"

namespace compnn {
namespace {

class PublishedDataset : public testing::TempDirTest {};

TEST_F(PublishedDataset, NonSquareCamVidImportsTrainsIndexesExplainsAndEvaluates) {
  testing::CamVidOptions fixture;
  fixture.counts = {6, 2, 1};
  testing::WriteCamVid(Path("camvid"), fixture);
  testing::ProcessResult r = testing::RunCompnn("data import camvid " + Path("camvid") +
                                                " --size 24x32 --out " + Path("c"));
  ASSERT_EQ(r.status, 0) << r.output;

  // No --size: 128 on the shorter side at the dataset's 3:4, the longer side a multiple of
  // SegNet's stride (4 for two encoder blocks): 128 x 172.
  r = testing::RunCompnn("train --arch segnet --data " + Path("c") +
                         " --widths 4,8 --epochs 1 --batch 2 --out " + Path("s.model"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::RunCompnn("layers " + Path("s.model"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("input 128 x 172"), std::string::npos) << r.output;

  r = testing::RunCompnn("index --model " + Path("s.model") + " --data " + Path("c") +
                         " --layers encoder2,decoder2 --out " + Path("store"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json manifest = nlohmann::json::parse(ReadBytes(Path("store/manifest.json")));
  EXPECT_EQ(manifest["input_size"], nlohmann::json({128, 172}));

  const std::string common = " --model " + Path("s.model") + " --store " + Path("store");
  r = testing::RunCompnn("explain" + common + " --query-split val --count 1 --topk-images 3" +
                         " --layer decoder2 --out " + Path("ex"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string name = Dataset::Open(Path("c")).Names("val").front();
  EXPECT_EQ(cv::imread(Path("ex/" + name + "/output-reconstruction.png")).size(),
            cv::Size(172, 128));
  EXPECT_FALSE(cv::imread(Path("ex/" + name + "/correspondence-map.png")).empty());

  r = testing::RunCompnn("eval" + common +
                         " --split val --topk-images 1,3 --layer decoder2 --out " + Path("ev"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json table = nlohmann::json::parse(ReadBytes(Path("ev/table.json")));
  ASSERT_EQ(table["layers"][0]["output_reconstructions"].size(), 2u);
  const double baseline = table["baselines"][0]["pixel_accuracy"].get<double>();
  EXPECT_GE(baseline, 0.0);
  EXPECT_LE(baseline, 1.0);

  // The network's precision on its training images, counted here from the store's own arrays
  // (targets.npy and predictions.npy: N x H x W x 3 label colours, RGB).
  const Palette palette = Dataset::Open(Path("c")).palette();
  const NpyFile targets = NpyFile::Open(Path("store/targets.npy"));
  const NpyFile predictions = NpyFile::Open(Path("store/predictions.npy"));
  ASSERT_EQ(targets.shape(), predictions.shape());
  const std::int64_t pixels = targets.header().elements() / 3;
  std::vector<std::int64_t> given(palette.size(), 0), right(palette.size(), 0);
  for (std::int64_t i = 0; i < pixels; ++i) {
    const auto colour = [&](const NpyFile& f) {
      const std::uint8_t* p = f.data_as<std::uint8_t>() + 3 * i;
      return cv::Vec3b(p[2], p[1], p[0]);  // BGR, as Palette::Find takes it
    };
    const int truth = palette.Find(colour(targets)), predicted = palette.Find(colour(predictions));
    ASSERT_GE(truth, 0);
    ASSERT_GE(predicted, 0);
    if (truth == kIgnoreClass || predicted == kIgnoreClass) continue;
    ++given[predicted];
    right[predicted] += predicted == truth;
  }
  const nlohmann::json& precision = table["network_training_precision"];
  ASSERT_EQ(precision.size(), static_cast<std::size_t>(palette.size())) << table.dump();
  for (int c = 0; c < palette.size(); ++c) {
    if (given[c] == 0) {
      EXPECT_FALSE(precision[c].contains("precision")) << c;
    } else {
      EXPECT_NEAR(precision[c]["precision"].get<double>(), double(right[c]) / given[c], 1e-12)
          << palette[c].name;
    }
  }
}

// CamVid itself (../shared/datasets/camvid beside the checkout, development data that is never
// shipped): a few of its images imported, checked pixel by pixel against the annotation files read
// here, and segmented by the shipped CamVid SegNet. Skipped when the data is absent.
TEST_F(PublishedDataset, RealCamVidImportsExactlyAndTheShippedModelSegmentsIt) {
  namespace fs = std::filesystem;
  const fs::path source = fs::path(COMPNN_SOURCE_DIR) / ".." / "shared" / "datasets" / "camvid";
  if (!fs::is_directory(source / "train")) GTEST_SKIP() << source << " is absent";
  std::map<std::string, std::vector<std::string>> picked;  // split -> names
  for (const auto& [split, count] : {std::pair{std::string("train"), 3}, {"val", 2}}) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(source / split))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    names.resize(count);
    for (const char* folder : {"", "annot"}) {
      fs::create_directories(Path("camvid/" + split + folder));
      for (const std::string& name : names)
        fs::copy_file(source / (split + folder) / name,
                      Path("camvid/" + split + folder + "/" + name));
    }
    picked[split] = names;
  }
  testing::ProcessResult r =
      testing::RunCompnn("data import camvid " + Path("camvid") + " --out " + Path("c"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("no test split"), std::string::npos) << r.output;
  const Dataset dataset = Dataset::Open(Path("c"));
  for (const auto& [split, names] : picked) {
    for (const std::string& file : names) {
      cv::Mat truth =
          cv::imread((source / (split + "annot") / file).string(), cv::IMREAD_UNCHANGED);
      ASSERT_EQ(truth.type(), CV_8UC1);
      truth.setTo(255, truth == 11);  // void is the ignore class
      const std::string name = fs::path(file).stem().string();
      const cv::Mat got = dataset.palette().Classes(dataset.Read(split, name).b, false, name);
      EXPECT_EQ(cv::countNonZero(got != truth), 0) << split << "/" << name;
    }
  }

  const std::string model = std::string(COMPNN_SOURCE_DIR) + "/models/camvid-segnet.model";
  if (!fs::exists(model)) GTEST_SKIP() << model << " is absent";
  r = testing::RunCompnn("index --model " + model + " --data " + Path("c") +
                         " --layers encoder4,decoder2 --out " + Path("store"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::RunCompnn("eval --model " + model + " --store " + Path("store") +
                         " --split val --topk-images 3 --quality-queries 0 --out " + Path("ev"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json table = nlohmann::json::parse(ReadBytes(Path("ev/table.json")));
  // Real street scenes segmented as a trained network does, far above chance (1/11).
  EXPECT_GT(table["baselines"][0]["pixel_accuracy"].get<double>(), 0.6) << table.dump();
}

}  // namespace
}  // namespace compnn
