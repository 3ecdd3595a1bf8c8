// compnn explain, sweep, control and correspond as a user runs them, on a tiny trained model.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "compnn/data/dataset.h"
#include "compnn/data/generators.h"
#include "compnn/data/resize.h"
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

  // --where and --images together: only listed images that satisfy the condition contribute.
  std::vector<std::string> others;  // the training images of other colours
  for (const std::string& name : dataset.Names("train"))
    if (dataset.Meta("train", name)["wall_colour"] != colour) others.push_back(name);
  ASSERT_GE(others.size(), 3u);
  const std::string listed = others[0] + "," + others[1] + "," + dataset.Names("train")[0];
  r = testing::RunCompnn("explain" + Common() +
                         " --query-split val --count 1 --topk-images 0 --method exact"
                         " --where wall_colour!=" +
                         colour + " --images " + listed + " --out " + Path("both"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json both = ReadJson(Path("both/" + dataset.Names("val")[0] + "/summary.json"));
  ASSERT_FALSE(both["sources"].empty());
  for (const auto& source : both["sources"])
    EXPECT_TRUE(source["image"] == others[0] || source["image"] == others[1]) << source.dump();

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
  testing::ProcessResult r =
      testing::RunCompnn("eval" + Common() +
                         " --split val --topk-images 1,3 --layer decoder2,encoder2"
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
  // A prefilter larger than the store (10 images) is refused, not printed as "top 100".
  r = testing::RunCompnn("eval" + Common() + " --split val --topk-images 100 --out " + Path("ev3"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--topk-images 100 is more than the 10 images"), std::string::npos)
      << r.output;
  // The old name still sets the rows, with a warning.
  r = testing::RunCompnn("eval" + Common() + " --split val --count 1 --topk 2 --quality-queries 0" +
                         " --out " + Path("ev4"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("--topk is an old name of --topk-images"), std::string::npos) << r.output;
  const nlohmann::json old_name = ReadJson(Path("ev4/table.json"));
  ASSERT_EQ(old_name["layers"][0]["output_reconstructions"].size(), 1u);
  EXPECT_EQ(old_name["layers"][0]["output_reconstructions"][0]["topk"], 2);
}

TEST_F(ExplainCommand, KMatchesAndPredictionReconstructionsInExplainAndEval) {
  MakeModelAndStore();
  const std::string search = " --method exact --topk-images 4";
  testing::ProcessResult r = testing::RunCompnn("explain" + Common() + search +
                                                " --query-split val --k 3 --out " + Path("k3"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::RunCompnn("explain" + Common() + search + " --query-split val --out " + Path("k1"));
  ASSERT_EQ(r.status, 0) << r.output;
  const Dataset dataset = Dataset::Open(Path("facades"));
  const Palette& palette = dataset.palette();
  // The agreement of each query's prediction reconstruction with the network's output, counted
  // here from the PNGs explain writes (network output read through the nearest palette colour).
  std::int64_t agree = 0, counted = 0;
  for (const std::string& name : dataset.Names("val")) {
    const NpyFile nnf = NpyFile::Open(Path("k3/" + name + "/nnf.npy"));
    EXPECT_EQ(nnf.shape(), (std::vector<std::int64_t>{16, 16, 3, 3}));
    EXPECT_EQ(ReadJson(Path("k3/" + name + "/summary.json"))["k"], 3);
    const std::string dir = Path("k1/" + name);
    const cv::Mat pr = cv::imread(dir + "/prediction-reconstruction.png");
    const cv::Mat out = cv::imread(dir + "/network-output.png");
    // Label images are resized at each pixel's centre, as the model reads them.
    const cv::Mat truth = ResizeLabels(dataset.Read("val", name).b, cv::Size(32, 32));
    ASSERT_EQ(pr.size(), cv::Size(32, 32));
    for (int y = 0; y < 32; ++y) {
      for (int x = 0; x < 32; ++x) {
        if (palette.Find(truth.at<cv::Vec3b>(y, x)) == kIgnoreClass) continue;
        ++counted;
        agree += palette.Find(pr.at<cv::Vec3b>(y, x)) == palette.Nearest(out.at<cv::Vec3b>(y, x));
      }
    }
  }
  r = testing::RunCompnn("eval" + Common() +
                         " --method exact --split val --topk-images 4 --k 1,3 --out " + Path("ev"));
  ASSERT_EQ(r.status, 0) << r.output;
  const nlohmann::json layer = ReadJson(Path("ev/table.json"))["layers"][0];
  ASSERT_EQ(layer["output_reconstructions"].size(), 2u);
  ASSERT_EQ(layer["prediction_reconstructions"].size(), 2u);
  EXPECT_EQ(layer["prediction_reconstructions"][1]["approach"], "PR (top 4, k 3)");
  EXPECT_NEAR(layer["prediction_reconstructions"][0]["agreement_with_network"].get<double>(),
              static_cast<double>(agree) / counted, 1e-9);
  EXPECT_EQ(layer["output_reconstructions"][0]["per_class"].size(), palette.size());
  EXPECT_NE(r.output.find("Per class"), std::string::npos) << r.output;
}

TEST_F(ExplainCommand, EvalScoresPhotoOutputsAgainstNetworkAndTruth) {
  // A labels-to-photo model: its outputs are photos, scored by L1 and PSNR.
  GenerateFacades(testing::TinyDataset(Path("facades"), 10, 2, 1));
  testing::ProcessResult r =
      testing::RunCompnn("train --arch pix2pix --direction BtoA --data " + Path("facades") +
                         " --size 32 --ngf 4 --epochs 1 --batch 2 --out " + Path("l2p.model"));
  ASSERT_EQ(r.status, 0) << r.output;
  const std::string common = " --model " + Path("l2p.model") + " --store " + Path("s");
  r = testing::RunCompnn("index --model " + Path("l2p.model") + " --data " + Path("facades") +
                         " --layers decoder2 --out " + Path("s"));
  ASSERT_EQ(r.status, 0) << r.output;
  r = testing::RunCompnn("explain" + common + " --query-split val --method exact --out " +
                         Path("ex"));
  ASSERT_EQ(r.status, 0) << r.output;
  // The network's L1 to the truth, per query then averaged, counted here from explain's PNGs.
  const Dataset dataset = Dataset::Open(Path("facades"));
  double l1 = 0;
  for (const std::string& name : dataset.Names("val")) {
    const cv::Mat out = cv::imread(Path("ex/" + name + "/network-output.png"));
    cv::Mat truth;  // photos are resized by area, as the model reads them
    cv::resize(dataset.Read("val", name).a, truth, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    l1 += cv::norm(out, truth, cv::NORM_L1) / (32.0 * 32 * 3);
  }
  l1 /= dataset.Names("val").size();
  r = testing::RunCompnn("eval" + common +
                         " --split val --method exact --topk-images 4 --k 1,2 --out " + Path("ev"));
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("| approach | L1 to network | PSNR to network |"), std::string::npos)
      << r.output;
  const nlohmann::json table = ReadJson(Path("ev/table.json"));
  const nlohmann::json& cnn = table["baselines"][0];
  EXPECT_NEAR(cnn["l1_to_truth"].get<double>(), l1, 1e-9);
  EXPECT_FALSE(cnn.contains("l1_to_network"));  // the network itself
  EXPECT_FALSE(cnn.contains("mean_pixel_accuracy"));
  const nlohmann::json layer = table["layers"][0];
  ASSERT_EQ(layer["output_reconstructions"].size(), 2u);
  ASSERT_EQ(layer["prediction_reconstructions"].size(), 2u);
  for (const char* rows : {"output_reconstructions", "prediction_reconstructions"}) {
    for (const auto& row : layer[rows]) {
      EXPECT_GT(row["l1_to_network"].get<double>(), 0.0);
      EXPECT_GT(row["psnr_to_truth"].get<double>(), 0.0);
    }
  }
  // IR rows: the inputs are label maps.
  EXPECT_EQ(layer["input_reconstructions"].size(), 2u);
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
      "satisfies 'wall_colour=plaid': the database is empty");
  expect_error("control" + Common() + " --query-split val --out " + Path("x"),
               "at least one --where");
  // An empty condition names --where, not the other option.
  expect_error("control" + Common() + " --query-split val --where '' --out " + Path("x"),
               "--where: is empty");
  expect_error("explain" + Common() + " --query-split val --images '' --out " + Path("x"),
               "--images: is empty");
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
  // A truncated query PNG is named, in compnn's one line (libpng never sees it).
  const std::string whole = ReadBytes(Path("odd.png"));
  WriteText("cut.png", whole.substr(0, whole.size() / 2));
  r = testing::RunCompnn("explain" + Common() + " --query " + Path("cut.png") + " --out " +
                         Path("cut"));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_EQ(r.output, "compnn: error: " + Path("cut.png") +
                          ": truncated PNG (chunk IDAT runs past the end of the file)\n");
  // A query's folder is written whole: an output path taken by a folder does not stop it, and a
  // failed run leaves the previous folder as it was.
  std::filesystem::remove(Path("odd/odd/nnf.npy"));
  std::filesystem::create_directories(Path("odd/odd/nnf.npy"));
  std::filesystem::remove(Path("odd/odd/summary.json"));
  r = testing::RunCompnn("explain" + Common() + " --query " + Path("odd.png") + " --out " +
                         Path("odd"));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(std::filesystem::is_regular_file(Path("odd/odd/nnf.npy")));
  EXPECT_TRUE(std::filesystem::is_regular_file(Path("odd/odd/summary.json")));
}

}  // namespace
}  // namespace compnn
