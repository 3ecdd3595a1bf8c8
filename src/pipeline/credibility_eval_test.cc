#include "compnn/pipeline/credibility_eval.h"

#include <gtest/gtest.h>

#include "compnn/core/check.h"
#include "compnn/store/json_file.h"
#include "fake_store_test.h"

namespace compnn {
namespace {

using testing::FakeNetwork;

class CredibilityEvalTest : public testing::FakeStoreTest {
 protected:
  // Each pixel's 4 nearest training cells at "fine", exact search over every image.
  static CredibilityEvalOptions ExactOptions() {
    CredibilityEvalOptions o;
    o.credibility.k = 4;
    o.credibility.search = ExactOverEveryImage();
    o.split = "val";
    o.calibration_count = 2;
    return o;
  }
};

TEST_F(CredibilityEvalTest, MeasuresHowWellEachConfidenceFindsTheNetworksErrors) {
  // The network errs left of column 16, and its class scores are less sure exactly there.
  MakeStore(4, 4, /*wrong_columns=*/16);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  CredibilityEvalOptions o = ExactOptions();
  o.ood_data = Path("facades");  // the training images, as another dataset's
  o.ood_split = "train";
  o.ood_count = 2;
  int calls = 0;
  const CredibilityReport report =
      EvaluateCredibility(*explainer, o, Path("calibration.json"), [&](int done, int all) {
        EXPECT_EQ(done, ++calls);
        EXPECT_EQ(all, 2 + 2 + 2);  // calibration, evaluation and out-of-distribution images
      });
  EXPECT_EQ(calls, 6);

  // The network's errors counted here, over the evaluated images (those after the first 2).
  const Palette& palette = dataset_->palette();
  FakeNetwork network = Network();
  const std::vector<Query> val = Queries("val");
  long long calibration_pixels = 0, evaluated = 0, errors = 0;
  for (std::size_t i = 0; i < val.size(); ++i) {
    const cv::Mat truth = palette.Classes(val[i].truth, false);
    const cv::Mat predicted =
        palette.Classes(network.Run(val[i].input, false, nullptr, {}).output, true);
    const long long known = cv::countNonZero(truth != kIgnoreClass);
    if (i < 2) {
      calibration_pixels += known;
      continue;
    }
    evaluated += known;
    errors += cv::countNonZero((predicted != truth) & (truth != kIgnoreClass));
  }
  EXPECT_EQ(report.calibration_images, 2);
  EXPECT_EQ(report.evaluated_images, 2);
  EXPECT_EQ(report.ood_images, 2);
  EXPECT_EQ(report.calibration_pixels, calibration_pixels);
  EXPECT_EQ(report.evaluated_pixels, evaluated);
  ASSERT_GT(errors, 0);
  EXPECT_DOUBLE_EQ(report.error_rate, static_cast<double>(errors) / evaluated);
  EXPECT_EQ(report.layers, std::vector<std::string>{"fine"});
  EXPECT_EQ(report.k, 4);

  // The network gives class scores (layer "output"): the softmax rows beside credibility.
  ASSERT_EQ(report.rows.size(), 4u);
  EXPECT_EQ(report.rows[0].name, "credibility");
  EXPECT_EQ(report.rows[1].name, "max softmax probability");
  EXPECT_EQ(report.rows[2].name, "softmax entropy");
  for (const ConfidenceRow& row : report.rows) {
    SCOPED_TRACE(row.name);
    EXPECT_GE(row.auroc, 0);
    EXPECT_LE(row.auroc, 1);
    EXPECT_GE(row.average_precision, 0);
    EXPECT_LE(row.average_precision, 1);
    ASSERT_EQ(row.risk.size(), report.coverages.size());
    // Keeping every pixel keeps every error.
    EXPECT_DOUBLE_EQ(row.risk.back(), report.error_rate);
  }
  // Every error is less sure than every right pixel: the softmax finds them all first.
  EXPECT_DOUBLE_EQ(report.rows[1].auroc, 1.0);
  EXPECT_DOUBLE_EQ(report.rows[2].auroc, 1.0);
  EXPECT_DOUBLE_EQ(report.rows[1].average_precision, 1.0);
  for (std::size_t c = 0; c < report.coverages.size(); ++c) {
    if (report.coverages[c] <= 1 - report.error_rate) {
      EXPECT_EQ(report.rows[1].risk[c], 0) << "coverage " << report.coverages[c];
    }
  }

  // Credibilities are p-values in (0, 1], their quartiles in order; the calibration's share of
  // true classes at most a level grows with the level.
  ASSERT_EQ(report.quartiles.size(), 3u);
  ASSERT_EQ(report.ood_quartiles.size(), 3u);
  for (const std::vector<double>& q : {report.quartiles, report.ood_quartiles}) {
    EXPECT_GT(q[0], 0);
    EXPECT_LE(q[0], q[1]);
    EXPECT_LE(q[1], q[2]);
    EXPECT_LE(q[2], 1);
  }
  ASSERT_EQ(report.true_class_below.size(), report.levels.size());
  for (std::size_t l = 1; l < report.levels.size(); ++l)
    EXPECT_LE(report.true_class_below[l - 1], report.true_class_below[l]);

  // The calibration file: the first images' pixels, read back with the options they were
  // measured with.
  const nlohmann::json file = ReadJsonFile(Path("calibration.json"));
  EXPECT_EQ(file.at("images"), nlohmann::json({val[0].name, val[1].name}));
  EXPECT_EQ(file.at("pixels"), calibration_pixels);
  const LoadedCalibration loaded = LoadCalibration(Path("calibration.json"), explainer->store());
  EXPECT_EQ(loaded.options.layers, std::vector<std::string>{"fine"});
  EXPECT_EQ(loaded.options.k, 4);
  EXPECT_EQ(loaded.calibration.Count(), calibration_pixels);
}

TEST_F(CredibilityEvalTest, NeedsImagesLeftToEvaluate) {
  MakeStore(2, 2);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  CredibilityEvalOptions o = ExactOptions();  // calibrates on both val images
  EXPECT_THROW(EvaluateCredibility(*explainer, o, Path("calibration.json")), std::runtime_error);
  o.calibration_count = 0;
  try {
    EvaluateCredibility(*explainer, o, Path("calibration.json"));
    FAIL() << "a calibration on no images was made";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "calibration_count");
  }
}

}  // namespace
}  // namespace compnn
