#include "compnn/pipeline/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "brute_force_reference.h"
#include "compnn/core/check.h"
#include "compnn/pipeline/explainer.h"
#include "fake_store_test.h"

namespace compnn {
namespace {

using testing::FakeNetwork;

// A confusion matrix counted here, pixel by pixel, and the report's metrics read from it as
// eval_report.h defines them.
struct Confusion {
  explicit Confusion(int classes) : n(classes), counts(classes * classes, 0) {}
  void Add(const cv::Mat& predicted, const cv::Mat& truth) {
    for (int y = 0; y < truth.rows; ++y)
      for (int x = 0; x < truth.cols; ++x)
        ++counts[truth.at<std::uint8_t>(y, x) * n + predicted.at<std::uint8_t>(y, x)];
  }
  double PixelAccuracy() const {
    long long right = 0, all = 0;
    for (int t = 0; t < n; ++t) {
      right += counts[t * n + t];
      for (int p = 0; p < n; ++p) all += counts[t * n + p];
    }
    return static_cast<double>(right) / all;
  }
  // Mean over the classes in the truth of the share of their pixels predicted right.
  double MeanPixelAccuracy() const {
    double sum = 0;
    int present = 0;
    for (int t = 0; t < n; ++t) {
      long long row = 0;
      for (int p = 0; p < n; ++p) row += counts[t * n + p];
      if (row == 0) continue;
      sum += static_cast<double>(counts[t * n + t]) / row;
      ++present;
    }
    return sum / present;
  }
  int n;
  std::vector<long long> counts;  // truth-major
};

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += double{a[i]} * b[i];
    aa += double{a[i]} * a[i];
    bb += double{b[i]} * b[i];
  }
  return dot / std::sqrt(aa * bb);
}

// The training image whose whole map at `layer` is most similar (cosine) to the query's.
int NearestWholeMap(FakeNetwork& network, const std::vector<Query>& training, const cv::Mat& query,
                    const std::string& layer) {
  const std::vector<float> q = network.Run(query, false, nullptr, {layer}).maps.at(layer).values;
  int best = -1;
  double best_similarity = -2;
  for (std::size_t i = 0; i < training.size(); ++i) {
    const double s =
        Cosine(q, network.Run(training[i].input, false, nullptr, {layer}).maps.at(layer).values);
    if (s > best_similarity) {
      best_similarity = s;
      best = static_cast<int>(i);
    }
  }
  return best;
}

class EvaluationTest : public testing::FakeStoreTest {
 protected:
  // Exact search over every training image: no prefilter to miss a cell's best match.
  static EvalOptions ExactOptions(const std::string& split) {
    EvalOptions o;
    o.split = split;
    o.topk_images = {0};
    o.search.searcher = MakeSearcher("exact");
    return o;
  }
};

TEST_F(EvaluationTest, TrainingQueriesAreReconstructedFromThemselves) {
  MakeStore(4, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  EvalOptions o = ExactOptions("train");
  int calls = 0;
  o.progress = [&](int done, int all) {
    EXPECT_EQ(done, ++calls);
    EXPECT_EQ(all, 4);
  };
  const EvalReport report = Evaluate(*explainer, o);
  EXPECT_EQ(report.queries, 4);
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(report.split, "train");
  EXPECT_TRUE(report.label_targets);
  EXPECT_FALSE(report.label_inputs);
  // The network outputs each pair's target, and a training image's descriptor and maps are most
  // similar to its own: every baseline is the ground truth.
  ASSERT_EQ(report.baselines.size(), 3u);
  for (const EvalRow& row : report.baselines) {
    EXPECT_DOUBLE_EQ(row.pixel_accuracy, 1.0) << row.approach;
    EXPECT_DOUBLE_EQ(row.mean_pixel_accuracy, 1.0) << row.approach;
    EXPECT_DOUBLE_EQ(row.mean_iou, 1.0) << row.approach;
  }
  // Every cell's nearest neighbour is itself (similarity 1): the output reconstruction pastes the
  // query's own target, which the network also outputs.
  ASSERT_EQ(report.layers.size(), 1u);
  const LayerEval& fine = report.layers[0];
  EXPECT_EQ(fine.layer, "fine");  // the default: the finest layer after the bottleneck
  EXPECT_EQ(fine.stride, 8);
  ASSERT_EQ(fine.output_rows.size(), 1u);
  const EvalRow& row = fine.output_rows[0];
  EXPECT_EQ(row.topk, 0);
  EXPECT_DOUBLE_EQ(row.pixel_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(row.mean_pixel_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(row.mean_iou, 1.0);
  EXPECT_DOUBLE_EQ(row.agreement, 1.0);
  // Photo inputs have no IR rows, a store without predictions no PR rows; exact search is not
  // compared with itself.
  EXPECT_TRUE(fine.input_rows.empty());
  EXPECT_TRUE(fine.prediction_rows.empty());
  EXPECT_EQ(fine.quality_queries, 0);
}

TEST_F(EvaluationTest, ValQueriesScoreTheBaselinesAgainstTheTruth) {
  MakeStore(8, 6, /*wrong_columns=*/16);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  const EvalReport report = Evaluate(*explainer, ExactOptions("val"));
  ASSERT_EQ(report.baselines.size(), 3u);
  EXPECT_EQ(report.baselines[0].approach, "Baseline CNN");
  EXPECT_EQ(report.baselines[1].approach, "GR (bottleneck)");
  EXPECT_EQ(report.baselines[2].approach, "GR (penultimate: fine)");

  // The same rows counted here: the network's output, and the whole target of the training image
  // nearest by the global descriptor ("coarse") and by the whole "fine" map, against the truth.
  const Palette& palette = dataset_->palette();
  FakeNetwork network = Network();
  const std::vector<Query> training = Queries("train");
  Confusion cnn(palette.size()), bottleneck(palette.size()), penultimate(palette.size());
  bool rows_differ = false;
  for (const Query& q : Queries("val")) {
    const cv::Mat truth = palette.Classes(q.truth, false);
    const cv::Mat output = network.Run(q.input, false, nullptr, {}).output;
    cnn.Add(palette.Classes(output, true), truth);
    const int by_global = NearestWholeMap(network, training, q.input, "coarse");
    bottleneck.Add(palette.Classes(training[by_global].truth, false), truth);
    const int by_fine = NearestWholeMap(network, training, q.input, "fine");
    penultimate.Add(palette.Classes(training[by_fine].truth, false), truth);
    rows_differ = rows_differ || by_global != by_fine;
  }
  ASSERT_TRUE(rows_differ) << "the GR rows pick the same images: the test cannot tell them apart";
  // The network errs left of column 16 by construction: a quarter of the pixels.
  EXPECT_DOUBLE_EQ(cnn.PixelAccuracy(), 0.75);
  EXPECT_NEAR(report.baselines[0].pixel_accuracy, cnn.PixelAccuracy(), 1e-12);
  EXPECT_NEAR(report.baselines[0].mean_pixel_accuracy, cnn.MeanPixelAccuracy(), 1e-12);
  EXPECT_NEAR(report.baselines[1].pixel_accuracy, bottleneck.PixelAccuracy(), 1e-12);
  EXPECT_NEAR(report.baselines[1].mean_pixel_accuracy, bottleneck.MeanPixelAccuracy(), 1e-12);
  EXPECT_NEAR(report.baselines[2].pixel_accuracy, penultimate.PixelAccuracy(), 1e-12);
  // No agreement for the network with itself; the GR rows measure theirs.
  EXPECT_LT(report.baselines[0].agreement, 0);
  EXPECT_GE(report.baselines[1].agreement, 0);
}

TEST_F(EvaluationTest, ValQueriesScoreTheOutputReconstructionAgainstTruthAndNetwork) {
  MakeStore(4, 3, /*wrong_columns=*/16);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  const EvalReport report = Evaluate(*explainer, ExactOptions("val"));
  ASSERT_EQ(report.layers.size(), 1u);
  ASSERT_EQ(report.layers[0].output_rows.size(), 1u);
  const EvalRow& row = report.layers[0].output_rows[0];

  // The output reconstruction made here: each cell's best match over every training cell by brute
  // force, its target's 8 x 8 block pasted (one vote per pixel), scored against the truth and the
  // network's output. A cell whose best two matches are about as similar may be matched either
  // way: each such cell may move the scores by its 64 pixels.
  const Palette& palette = dataset_->palette();
  FakeNetwork network = Network();
  const std::vector<Query> training = Queries("train");
  std::vector<OwnedMap> maps;
  std::vector<MapView> views;
  for (const Query& t : training)
    maps.push_back(network.Run(t.input, false, nullptr, {"fine"}).maps.at("fine"));
  for (const OwnedMap& m : maps) views.push_back(m.view());
  const std::vector<int> all = {0, 1, 2, 3};
  long long pixels = 0, right = 0, agreeing = 0, ambiguous = 0;
  for (const Query& q : Queries("val")) {
    const QueryRun run = network.Run(q.input, false, nullptr, {"fine"});
    const cv::Mat truth = palette.Classes(q.truth, false);
    const cv::Mat output = palette.Classes(run.output, true);
    const OwnedMap& fine = run.maps.at("fine");
    for (int y = 0; y < fine.height; ++y) {
      for (int x = 0; x < fine.width; ++x) {
        const testing::ReferenceMatch m =
            testing::ReferenceBest(fine.view(), views, all, 2, 2, y, x);
        ambiguous += m.similarity - m.runner_up <= 1e-5;
        const cv::Rect here(x * 8, y * 8, 8, 8), there(m.x * 8, m.y * 8, 8, 8);
        const cv::Mat pasted = palette.Classes(training[m.image].truth(there).clone(), false);
        right += cv::countNonZero(pasted == truth(here));
        agreeing += cv::countNonZero(pasted == output(here));
        pixels += 64;
      }
    }
  }
  const double tolerance = 64.0 * ambiguous / pixels + 1e-12;
  EXPECT_NEAR(row.pixel_accuracy, static_cast<double>(right) / pixels, tolerance);
  EXPECT_NEAR(row.agreement, static_cast<double>(agreeing) / pixels, tolerance);
}

TEST_F(EvaluationTest, RefusesAPrefilterLargerThanTheStoreAndUnknownLayers) {
  MakeStore(2, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  EvalOptions o = ExactOptions("val");
  o.topk_images = {3};
  try {
    Evaluate(*explainer, o);
    FAIL() << "a prefilter of 3 images over a store of 2 was run";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "topk_images");
  }
  o = ExactOptions("val");
  o.layers = {"no-such-layer"};
  EXPECT_THROW(Evaluate(*explainer, o), std::runtime_error);
}

}  // namespace
}  // namespace compnn
