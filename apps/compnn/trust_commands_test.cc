// Where (not) to trust a network, end to end on a small SegNet: compnn eval --credibility
// calibrates and measures, explain --credibility's map is recomputed here from what explain
// writes (the matches of every cell, the store's training targets, the network's output) and the
// calibration file; compnn eval --sanity randomises the network from the output down.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "compnn/data/dataset.h"
#include "compnn/store/npy.h"
#include "published_layouts.h"
#include "run_compnn.h"
#include "temp_dir.h"

namespace compnn {
namespace {

class TrustCommands : public testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    testing::CamVidOptions fixture;
    fixture.counts = {6, 3, 1};
    testing::WriteCamVid(Path("camvid"), fixture);
    Run("data import camvid " + Path("camvid") + " --size 24x32 --out " + Path("c"));
    Run("train --arch segnet --data " + Path("c") +
        " --size 24x32 --widths 4,8 --epochs 1 --batch 2 --out " + Path("s.model"));
    Run("index --model " + Path("s.model") + " --data " + Path("c") +
        " --layers encoder2,decoder2 --out " + Path("store"));
    common_ = " --model " + Path("s.model") + " --store " + Path("store");
  }
  std::string Run(const std::string& args) {
    const testing::ProcessResult r = testing::RunCompnn(args);
    EXPECT_EQ(r.status, 0) << args << "\n" << r.output;
    return r.output;
  }
  nlohmann::json Json(const std::string& name) const {
    return nlohmann::json::parse(ReadBytes(Path(name)));
  }

  std::string common_;
};

TEST_F(TrustCommands, EvalMeasuresErrorDetectionAgainstSoftmaxConfidence) {
  Run("eval" + common_ + " --credibility --calibration-count 1 --split val --layer decoder2" +
      " --out " + Path("ev"));
  const nlohmann::json report = Json("ev/credibility.json");
  EXPECT_EQ(report["calibration"]["images"], 1);
  EXPECT_EQ(report["evaluated"]["images"], 2);
  // Credibility, the maximum softmax probability, its entropy and the two combined.
  ASSERT_EQ(report["confidences"].size(), 4u) << report.dump();
  for (const nlohmann::json& row : report["confidences"]) {
    const double auroc = row["auroc"].get<double>();
    EXPECT_TRUE(auroc == -1 || (auroc >= 0 && auroc <= 1)) << row.dump();
    // Keeping every pixel, every confidence leaves the network's own error rate.
    EXPECT_NEAR(row["risk"].back().get<double>(), report["network_error_rate"].get<double>(), 1e-9);
  }
  EXPECT_TRUE(std::filesystem::exists(Path("ev/risk-coverage.png")));
  EXPECT_EQ(Json("ev/calibration.json")["format"], "compnn-calibration-1");
}

TEST_F(TrustCommands, ExplainsCredibilityMapIsTheNeighboursDisagreementCalibrated) {
  Run("eval" + common_ + " --credibility --calibration-count 1 --split val --layer decoder2" +
      " --credibility-k 4 --out " + Path("ev"));
  // The same search as the calibration's (every image, hpm, seed 0, 4 matches a cell), so that
  // nnf.npy holds the neighbours the credibility was computed from.
  Run("explain" + common_ + " --layer decoder2 --query-split val --count 1 --topk-images 0" +
      " --k 4 --credibility " + Path("ev/calibration.json") + " --out " + Path("ex"));
  const std::string name = Dataset::Open(Path("c")).Names("val").front();
  const std::string dir = Path("ex/" + name);
  const NpyFile nnf = NpyFile::Open(dir + "/nnf.npy");
  const NpyFile similarity = NpyFile::Open(dir + "/similarity.npy");
  const NpyFile credibility = NpyFile::Open(dir + "/credibility.npy");
  const NpyFile targets = NpyFile::Open(Path("store/targets.npy"));
  ASSERT_EQ(nnf.shape().size(), 4u);  // (H, W, K, 3)
  const int cells_h = nnf.shape()[0], cells_w = nnf.shape()[1], k = nnf.shape()[2];
  const int rows = credibility.shape()[0], cols = credibility.shape()[1];
  const int stride = rows / cells_h;
  // Classes by colour, as labels.json lists them.
  const Dataset dataset = Dataset::Open(Path("c"));
  const cv::Mat network = cv::imread(dir + "/network-output.png");
  const cv::Mat predicted = dataset.palette().Classes(network, true, "network");
  const auto* targets_rgb = static_cast<const std::uint8_t*>(targets.data());
  const auto class_at = [&](int image, int y, int x) {
    const std::uint8_t* rgb =
        targets_rgb + ((static_cast<std::size_t>(image) * rows + y) * cols + x) * 3;
    const cv::Mat pixel(1, 1, CV_8UC3, cv::Scalar(rgb[2], rgb[1], rgb[0]));
    return static_cast<int>(dataset.palette().Classes(pixel, false, "target").at<std::uint8_t>(0));
  };
  const nlohmann::json calibration = Json("ev/calibration.json");
  const std::vector<float> kept = calibration["nonconformity"].get<std::vector<float>>();
  const double count = calibration["pixels"].get<double>();
  const auto* matches = static_cast<const std::int32_t*>(nnf.data());
  const auto* weights = static_cast<const float*>(similarity.data());
  const auto* got = static_cast<const float*>(credibility.data());
  int checked = 0;
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      const int cy = std::min(y / stride, cells_h - 1), cx = std::min(x / stride, cells_w - 1);
      const int own = predicted.at<std::uint8_t>(y, x);
      double against = 0, all = 0;
      for (int j = 0; j < k; ++j) {
        const std::int32_t* m = matches + ((cy * cells_w + cx) * k + j) * 3;
        const double w = std::max(0.0f, weights[(cy * cells_w + cx) * k + j]);
        const int label = class_at(m[0], m[1] * stride + stride / 2, m[2] * stride + stride / 2);
        if (label == 255 || w <= 0) continue;
        all += w;
        against += label != own ? w : 0;
      }
      const double alpha = all > 0 ? against / all : 1.0;
      double at_least = 0;
      for (float v : kept) at_least += v >= static_cast<float>(alpha);
      const double expected = (1 + at_least / kept.size() * count) / (1 + count);
      EXPECT_NEAR(got[y * cols + x], expected, 1e-4) << y << "," << x;
      ++checked;
    }
  }
  EXPECT_EQ(checked, rows * cols);
  EXPECT_TRUE(std::filesystem::exists(dir + "/credibility.png"));
  const nlohmann::json summary = Json("ex/" + name + "/summary.json");
  EXPECT_GT(summary["credibility"]["median"].get<double>(), 0.0);
}

TEST_F(TrustCommands, RefusesACalibrationOfAnotherKind) {
  WriteText("bad.json", "{\"format\": \"something else\"}");
  const testing::ProcessResult r =
      testing::RunCompnn("explain" + common_ + " --query-split val --count 1 --credibility " +
                         Path("bad.json") + " --out " + Path("ex"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("bad.json: not a compnn calibration"), std::string::npos) << r.output;
}

TEST_F(TrustCommands, SanityCheckRandomisesFromTheOutputDown) {
  const std::string args = "eval" + common_ + " --sanity --count 2 --layer decoder2 --out ";
  Run(args + Path("sa"));
  const nlohmann::json report = Json("sa/sanity.json");
  const nlohmann::json& steps = report["steps"];
  // The trained network, then SegNet's modules from the output down (two blocks).
  std::vector<std::string> order;
  for (const nlohmann::json& s : steps) order.push_back(s["randomised"]);
  EXPECT_EQ(order, (std::vector<std::string>{"", "classifier", "decoder1", "decoder2", "encoder2",
                                             "encoder1"}));
  EXPECT_EQ(steps[0]["changed_matches"], 0.0);
  // decoder2's maps do not depend on the modules after it: its explanation stays, bit for bit,
  // while the network's output changes.
  for (int i : {1, 2}) {
    EXPECT_EQ(steps[i]["changed_matches"], 0.0) << steps[i].dump();
    EXPECT_EQ(steps[i]["changed_reconstruction"], 0.0) << steps[i].dump();
  }
  EXPECT_GT(steps[1]["changed_network"].get<double>(), 0.0);
  // Randomising decoder2 itself moves the matches.
  EXPECT_GT(steps[3]["changed_matches"].get<double>(), 0.0);
  // The same seed, the same report.
  Run(args + Path("sb"));
  EXPECT_EQ(Json("sb/sanity.json"), report);
}

}  // namespace
}  // namespace compnn
