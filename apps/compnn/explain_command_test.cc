// compnn explain, sweep, control and correspond as a user runs them, on a tiny trained model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "compnn/data/dataset.h"
#include "compnn/data/generators.h"
#include "compnn/store/npy.h"
#include "run_compnn.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

class ExplainCommand : public testing::TempDirTest {
 protected:
  // A tiny facades set, a pix2pix trained on it for one epoch, and a store of all its layers.
  void MakeModelAndStore() {
    GenerateFacades(testing::TinyDataset(Path("facades"), 10, 2, 1));
    testing::ProcessResult r =
        testing::RunCompnn("train --arch pix2pix --data " + Path("facades") +
                           " --size 32 --ngf 4 --epochs 1 --batch 2 --out " + Path("p.model"));
    ASSERT_EQ(r.status, 0) << r.output;
    r = testing::RunCompnn("index --model " + Path("p.model") + " --data " + Path("facades") +
                           " --out " + Path("store"));
    ASSERT_EQ(r.status, 0) << r.output;
  }
  std::string Common() const { return " --model " + Path("p.model") + " --store " + Path("store"); }
  nlohmann::json ReadJson(const std::string& path) const {
    return nlohmann::json::parse(ReadBytes(path));
  }
};

TEST_F(ExplainCommand, WritesFiguresFieldAndSummary) {
  MakeModelAndStore();
  testing::ProcessResult r = testing::RunCompnn("explain" + Common() +
                                                " --query-split val --count 2 --topk-images 4"
                                                " --out " +
                                                Path("ex"));
  ASSERT_EQ(r.status, 0) << r.output;
  const Dataset dataset = Dataset::Open(Path("facades"));
  for (const std::string& name : dataset.Names("val")) {
    const std::string dir = Path("ex/" + name);
    const cv::Mat map = cv::imread(dir + "/correspondence-map.png");
    ASSERT_FALSE(map.empty()) << dir;
    EXPECT_GT(map.cols, 4 * 256);
    EXPECT_EQ(cv::imread(dir + "/output-reconstruction.png").size(), cv::Size(32, 32));
    EXPECT_EQ(cv::imread(dir + "/input-reconstruction.png").size(), cv::Size(32, 32));
    const NpyFile nnf = NpyFile::Open(dir + "/nnf.npy");
    EXPECT_EQ(nnf.shape(), (std::vector<std::int64_t>{16, 16, 3}));  // decoder2: stride 2
    const nlohmann::json summary = ReadJson(dir + "/summary.json");
    EXPECT_EQ(summary["layer"], "decoder2");
    EXPECT_EQ(summary["candidates"].size(), 4u);
    double total = 0;
    for (const auto& source : summary["sources"]) {
      total += source["share"].get<double>();
      EXPECT_NE(
          std::find(summary["candidates"].begin(), summary["candidates"].end(), source["image"]),
          summary["candidates"].end());
    }
    EXPECT_NEAR(total, 1.0, 1e-9);
  }
}

TEST_F(ExplainCommand, RestrictedDatabaseOnlyContributesSatisfyingImages) {
  MakeModelAndStore();
  const Dataset dataset = Dataset::Open(Path("facades"));
  const std::string colour = dataset.Meta("train", dataset.Names("train")[0])["wall_colour"];
  testing::ProcessResult r =
      testing::RunCompnn("explain" + Common() +
                         " --query-split val --count 1 --topk-images 0 --method exact"
                         " --where wall_colour=" +
                         colour + " --out " + Path("ex"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json summary = ReadJson(Path("ex/" + dataset.Names("val")[0] + "/summary.json"));
  ASSERT_FALSE(summary["sources"].empty());
  for (const auto& source : summary["sources"])
    EXPECT_EQ(dataset.Meta("train", source["image"])["wall_colour"], colour);

  r = testing::RunCompnn("control" + Common() +
                         " --query-split val --count 1 --where wall_colour=" + colour + " --out " +
                         Path("ctl"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json control = ReadJson(Path("ctl/" + dataset.Names("val")[0] + "/summary.json"));
  ASSERT_EQ(control["databases"].size(), 2u);
  for (const auto& image : control["databases"][1]["used_images"])
    EXPECT_EQ(dataset.Meta("train", image)["wall_colour"], colour);
  EXPECT_FALSE(cv::imread(Path("ctl/" + dataset.Names("val")[0] + "/control.png")).empty());
}

TEST_F(ExplainCommand, SweepAndCorrespondWriteTheirFigures) {
  MakeModelAndStore();
  testing::ProcessResult r = testing::RunCompnn(
      "sweep" + Common() + " --query-split val --count 1 --layers encoder1,decoder2 --out " +
      Path("sw"));
  ASSERT_EQ(r.status, 0) << r.output;
  const Dataset dataset = Dataset::Open(Path("facades"));
  const std::string query = dataset.Names("val")[0];
  const cv::Mat sweep = cv::imread(Path("sw/" + query + "/sweep.png"));
  EXPECT_EQ(sweep.cols, 8 + 4 * (160 + 8));  // query, truth and two layers
  EXPECT_EQ(ReadJson(Path("sw/" + query + "/summary.json"))["layers"].size(), 2u);

  r = testing::RunCompnn("correspond --model " + Path("p.model") + " " + query + " " +
                         dataset.Names("val")[1] + " --out " + Path("cor"));
  ASSERT_EQ(r.status, 0) << r.output;
  const cv::Mat figure = cv::imread(Path("cor/correspondence.png"));
  EXPECT_EQ(figure.cols, 8 + 4 * (256 + 8));
  EXPECT_EQ(NpyFile::Open(Path("cor/nnf.npy")).shape()[0], 16);
}

TEST_F(ExplainCommand, EvalScoresBaselineGlobalAndOutputReconstructions) {
  MakeModelAndStore();
  testing::ProcessResult r = testing::RunCompnn("eval" + Common() +
                                                " --split val --topk 1,3 --layer decoder2,encoder2"
                                                " --quality-queries 2 --quality-topk 3 --out " +
                                                Path("ev"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("| Baseline CNN |"), std::string::npos) << r.output;
  const nlohmann::json table = ReadJson(Path("ev/table.json"));
  ASSERT_EQ(table["baselines"].size(), 3u);
  ASSERT_EQ(table["layers"].size(), 2u);
  ASSERT_EQ(table["layers"][0]["output_reconstructions"].size(), 2u);
  // The baseline is the network against the truth: the numbers training logged for the kept
  // epoch on the same split, up to the float16 rounding of the stored weights.
  nlohmann::json logged;
  std::ifstream log(Path("p.model.log.jsonl"));
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json epoch = nlohmann::json::parse(line);
    if (epoch["best"]) logged = epoch["validation"];
  }
  EXPECT_NEAR(table["baselines"][0]["pixel_accuracy"].get<double>(),
              logged["pixel_accuracy"].get<double>(), 0.02);
  for (const auto& layer : table["layers"]) {
    for (const auto& row : layer["output_reconstructions"]) {
      EXPECT_GE(row["mean_iou"].get<double>(), 0.0);
      EXPECT_LE(row["mean_iou"].get<double>(), 1.0);
      EXPECT_GE(row["agreement_with_network"].get<double>(), 0.0);
      EXPECT_LE(row["agreement_with_network"].get<double>(), 1.0);
    }
    const auto& quality = layer["search_quality"];
    EXPECT_EQ(quality["queries"], 2);
    EXPECT_LE(quality["hpm_similarity_over_exact"].get<double>(), 1.0 + 1e-6);
    EXPECT_GT(quality["hpm_similarity_over_exact"].get<double>(), 0.5);
  }
  EXPECT_FALSE(ReadBytes(Path("ev/table.md")).empty());
  r = testing::RunCompnn("eval" + Common() + " --split nope --out " + Path("ev2"));
  EXPECT_EQ(r.status, 2) << r.output;
}

TEST_F(ExplainCommand, BadInputGivesClearErrors) {
  MakeModelAndStore();
  auto expect_error = [&](const std::string& args, const std::string& needle) {
    const testing::ProcessResult r = testing::RunCompnn(args);
    EXPECT_EQ(r.status, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(needle), std::string::npos) << args << "\n" << r.output;
  };
  expect_error("explain" + Common() + " --query nope --out " + Path("x"),
               "query 'nope': no such file");
  expect_error("explain" + Common() + " --query-split val --layer encoder9 --out " + Path("x"),
               "layer 'encoder9' is not in the store");
  expect_error("explain" + Common() + " --query-split val --where roof=flat --out " + Path("x"),
               "no train image has the attribute 'roof'");
  expect_error(
      "explain" + Common() + " --query-split val --where wall_colour=plaid --out " + Path("x"),
      "restricted database is empty");
  expect_error("control" + Common() + " --query-split val --out " + Path("x"),
               "at least one --where");
  // A store built from another model.
  testing::ProcessResult r = testing::RunCompnn(
      "train --arch pix2pix --data " + Path("facades") +
      " --size 32 --ngf 4 --epochs 1 --batch 2 --seed 5 --out " + Path("other.model"));
  ASSERT_EQ(r.status, 0) << r.output;
  expect_error("explain --model " + Path("other.model") + " --store " + Path("store") +
                   " --query-split val --out " + Path("x"),
               "was built from");
  // A query file of another size is resized, with a warning.
  cv::imwrite(Path("odd.png"), cv::Mat(50, 70, CV_8UC3, cv::Scalar(10, 120, 200)));
  r = testing::RunCompnn("explain" + Common() + " --query " + Path("odd.png") + " --out " +
                         Path("odd"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("warning: query odd is 50x70 (HxW); resized"), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace compnn
