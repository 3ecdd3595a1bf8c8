#include "compnn/pipeline/eval_report.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

namespace compnn {
namespace {

// A rows x cols class map (CV_8UC1) from its ids, row-major.
cv::Mat ClassMap(int rows, int cols, std::vector<std::uint8_t> ids) {
  return cv::Mat(rows, cols, CV_8UC1, ids.data()).clone();
}

CorrespondenceField Field(const std::vector<Match>& matches) {
  CorrespondenceField field(1, static_cast<int>(matches.size()));
  field.matches = matches;
  return field;
}

// Two queries of 2 x 2 pixels over 3 classes. Confusion matrix (truth rows, predicted columns),
// counted by hand over both queries:
//   truth 0: predicted 0 three times
//   truth 1: predicted 0 twice, 1 once
//   truth 2: predicted 1 once, 2 once
// pixel accuracy = 5 / 8; per-class accuracy 1, 1/3, 1/2 -> MPA = 11/18;
// IoU: class 0 3/(3+5-3), class 1 1/(3+2-1), class 2 1/(2+1-1) -> mIoU = (0.6+0.25+0.5)/3 = 0.45;
// agreement with the network: 3 of 4 pixels in each query -> 6/8.
class TwoQueriesTest : public ::testing::Test {
 protected:
  const cv::Mat predicted1 = ClassMap(2, 2, {0, 1, 1, 2});
  const cv::Mat truth1 = ClassMap(2, 2, {0, 1, 2, 2});
  const cv::Mat network1 = ClassMap(2, 2, {0, 1, 1, 1});
  const cv::Mat predicted2 = ClassMap(2, 2, {0, 0, 0, 0});
  const cv::Mat truth2 = ClassMap(2, 2, {0, 0, 1, 1});
  const cv::Mat network2 = ClassMap(2, 2, {0, 0, 0, 1});
};

TEST_F(TwoQueriesTest, RowAccumulatorGivesTheHandComputedMetrics) {
  RowAccumulator row(3);
  row.Add(predicted1, truth1, &network1, 0.25);
  row.Add(predicted2, truth2, &network2, 0.75);
  const EvalRow r = row.Row("OR (top 1)");
  EXPECT_EQ(r.approach, "OR (top 1)");
  EXPECT_NEAR(r.pixel_accuracy, 5.0 / 8, 1e-12);
  EXPECT_NEAR(r.mean_pixel_accuracy, 11.0 / 18, 1e-12);
  EXPECT_NEAR(r.mean_iou, 0.45, 1e-12);
  EXPECT_NEAR(r.agreement, 6.0 / 8, 1e-12);
  EXPECT_NEAR(r.seconds_per_query, 0.5, 1e-12);
}

TEST_F(TwoQueriesTest, RowWithoutNetworkHasNoAgreement) {
  RowAccumulator row(3);
  row.Add(predicted1, truth1, nullptr, 1.0);
  row.Add(predicted2, truth2, nullptr, 2.0);
  const EvalRow r = row.Row("Baseline CNN");
  EXPECT_EQ(r.agreement, -1);
  EXPECT_NEAR(r.pixel_accuracy, 5.0 / 8, 1e-12);
  EXPECT_NEAR(r.seconds_per_query, 1.5, 1e-12);
}

TEST(RowAccumulatorTest, EmptyRowIsAllZeroWithoutAgreement) {
  const EvalRow r = RowAccumulator(2).Row("IR (top 1)");
  EXPECT_EQ(r.pixel_accuracy, 0);
  EXPECT_EQ(r.mean_pixel_accuracy, 0);
  EXPECT_EQ(r.mean_iou, 0);
  EXPECT_EQ(r.agreement, -1);
  EXPECT_EQ(r.seconds_per_query, 0);
}

TEST(RowAccumulatorTest, MapsOfDifferentSizesOrTypesAreRefused) {
  RowAccumulator row(3);
  const cv::Mat two_by_two = ClassMap(2, 2, {0, 1, 2, 0});
  const cv::Mat one_by_two = ClassMap(1, 2, {0, 1});
  EXPECT_THROW(row.Add(two_by_two, one_by_two, nullptr, 0), std::runtime_error);
  EXPECT_THROW(row.Add(two_by_two, two_by_two, &one_by_two, 0), std::runtime_error);
  const cv::Mat wide(2, 2, CV_16UC1, cv::Scalar(0));
  EXPECT_THROW(row.Add(two_by_two, wide, nullptr, 0), std::runtime_error);
}

// Four cells: 0 and 2 identical; 1 the same image and row but another column; 3 the same
// position in another image. Mean similarities 2.2/4 (hpm) and 3.0/4 (exact).
TEST(CompareWithExactTest, CountsIdenticalMatchesAndDividesMeanSimilarities) {
  const CorrespondenceField exact =
      Field({{0, 0, 0, 1.0f}, {1, 0, 1, 0.8f}, {2, 1, 1, 0.6f}, {1, 1, 0, 0.6f}});
  const CorrespondenceField hpm =
      Field({{0, 0, 0, 1.0f}, {1, 0, 0, 0.4f}, {2, 1, 1, 0.6f}, {3, 1, 0, 0.2f}});
  const ExactComparison c = CompareWithExact(hpm, exact);
  EXPECT_DOUBLE_EQ(c.exact_cell_fraction, 0.5);
  EXPECT_NEAR(c.similarity_ratio, 0.55 / 0.75, 1e-6);
}

TEST(CompareWithExactTest, AllZeroExactSimilarityGivesZeroNotNaN) {
  const CorrespondenceField zero = Field({{0, 0, 0, 0.0f}, {0, 0, 1, 0.0f}});
  const ExactComparison c = CompareWithExact(zero, zero);
  EXPECT_EQ(c.exact_cell_fraction, 1.0);
  EXPECT_EQ(c.similarity_ratio, 0.0);
}

TEST(CompareWithExactTest, FieldsOfDifferentSizesAreRefused) {
  EXPECT_THROW(CompareWithExact(Field({{0, 0, 0, 1.0f}}), Field({})), std::runtime_error);
}

StoreSearchResult Searched(const CorrespondenceField& field, double seconds) {
  StoreSearchResult result;
  result.field = field;
  result.search_seconds = seconds;
  return result;
}

// Query 1: the four cells above (fraction 1/2, ratio 11/15), hpm 0.1 s, exact 0.5 s.
// Query 2: identical fields (fraction 1, ratio 1), hpm 0.3 s, exact 0.7 s.
TEST(SearchQualityAccumulatorTest, FillsInTheMeansOverQueries) {
  const CorrespondenceField exact =
      Field({{0, 0, 0, 1.0f}, {1, 0, 1, 0.8f}, {2, 1, 1, 0.6f}, {1, 1, 0, 0.6f}});
  const CorrespondenceField hpm =
      Field({{0, 0, 0, 1.0f}, {1, 0, 0, 0.4f}, {2, 1, 1, 0.6f}, {3, 1, 0, 0.2f}});
  SearchQualityAccumulator quality;
  quality.Add(Searched(hpm, 0.1), Searched(exact, 0.5));
  quality.Add(Searched(exact, 0.3), Searched(exact, 0.7));
  EXPECT_EQ(quality.queries(), 2);
  LayerEval layer;
  quality.FillIn(layer);
  EXPECT_EQ(layer.quality_queries, 2);
  EXPECT_DOUBLE_EQ(layer.exact_cell_fraction, 0.75);
  EXPECT_NEAR(layer.similarity_ratio, (11.0 / 15 + 1) / 2, 1e-6);
  EXPECT_NEAR(layer.hpm_seconds, 0.2, 1e-12);
  EXPECT_NEAR(layer.exact_seconds, 0.6, 1e-12);
}

TEST(SearchQualityAccumulatorTest, NothingMeasuredLeavesTheLayerAlone) {
  LayerEval layer;
  SearchQualityAccumulator().FillIn(layer);
  EXPECT_EQ(layer.quality_queries, 0);
  EXPECT_EQ(layer.similarity_ratio, 0);
  EXPECT_EQ(layer.hpm_seconds, 0);
}

TEST(BaselineAccumulatorsTest, RowsAreNamedAsInTableOne) {
  const BaselineAccumulators baselines(2);
  const std::vector<EvalRow> rows = baselines.Rows("decoder3");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].approach, "Baseline CNN");
  EXPECT_EQ(rows[1].approach, "GR (bottleneck)");
  EXPECT_EQ(rows[2].approach, "GR (penultimate: decoder3)");
}

TEST_F(TwoQueriesTest, LayerResultNamesRowsPerTopKAndSide) {
  LayerAccumulators totals(3, 2);
  totals.output[1].Add(predicted1, truth1, &network1, 0.5);
  totals.input[0].Add(predicted2, truth2, nullptr, 0.25);
  StoreLayer layer;
  layer.name = "decoder2";
  layer.stride = 4;

  const RowGrid grid{{1, 16}, {1}};
  const LayerEval both = totals.Result(layer, grid, true, false, 16);
  EXPECT_EQ(both.layer, "decoder2");
  EXPECT_EQ(both.stride, 4);
  ASSERT_EQ(both.output_rows.size(), 2u);
  ASSERT_EQ(both.input_rows.size(), 2u);
  EXPECT_EQ(both.output_rows[0].approach, "OR (top 1)");
  EXPECT_EQ(both.output_rows[1].approach, "OR (top 16)");
  EXPECT_EQ(both.input_rows[0].approach, "IR (top 1)");
  EXPECT_EQ(both.input_rows[1].approach, "IR (top 16)");
  // Query 1 alone: 3 of 4 pixels right, 3 of 4 as the network; query 2 alone: 2 of 4 right.
  EXPECT_DOUBLE_EQ(both.output_rows[1].pixel_accuracy, 0.75);
  EXPECT_DOUBLE_EQ(both.output_rows[1].agreement, 0.75);
  EXPECT_DOUBLE_EQ(both.input_rows[0].pixel_accuracy, 0.5);
  EXPECT_EQ(both.quality_queries, 0);

  EXPECT_TRUE(both.prediction_rows.empty());
  EXPECT_EQ(both.per_class_topk, 16);
  EXPECT_EQ(both.output_rows[1].topk, 16);
  EXPECT_EQ(both.output_rows[1].k, 1);

  const LayerEval targets_only = totals.Result(layer, grid, false, false, 16);
  EXPECT_EQ(targets_only.output_rows.size(), 2u);
  EXPECT_TRUE(targets_only.input_rows.empty());
  const LayerEval with_predictions = totals.Result(layer, grid, false, true, 16);
  ASSERT_EQ(with_predictions.prediction_rows.size(), 2u);
  EXPECT_EQ(with_predictions.prediction_rows[1].approach, "PR (top 16)");
}

TEST(RowGridTest, NamesSayKOnlyWhenItIsNotJustOne) {
  const RowGrid grid{{1, 16}, {1, 4}};
  ASSERT_EQ(grid.size(), 4u);
  EXPECT_EQ(grid.index(1, 0), 2u);
  EXPECT_EQ(grid.Name("OR", 0), "OR (top 1, k 1)");
  EXPECT_EQ(grid.Name("OR", 3), "OR (top 16, k 4)");
  EXPECT_EQ((RowGrid{{16}, {1}}.Name("PR", 0)), "PR (top 16)");
  EXPECT_EQ((RowGrid{{16}, {8}}.Name("PR", 0)), "PR (top 16, k 8)");
  EXPECT_EQ((RowGrid{{0}, {1}}.Name("OR", 0)), "OR (all)");  // no prefilter
}

TEST_F(TwoQueriesTest, RowsScoreEveryClassAgainstTruthAndNetwork) {
  RowAccumulator row(3);
  row.Add(predicted1, truth1, &network1, 0.25);
  row.Add(predicted2, truth2, &network2, 0.75);
  const EvalRow r = row.Row("OR (top 1)");
  // By hand, from the confusion matrix above: class accuracies 1, 1/3, 1/2.
  ASSERT_EQ(r.classes.size(), 3u);
  EXPECT_EQ(r.classes[0].pixels, 3);
  EXPECT_DOUBLE_EQ(r.classes[1].accuracy, 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.classes[2].accuracy, 0.5);
  // Against the network (network rows, predicted columns): network 0 is predicted 0 four times
  // (query 1 one, query 2 three); network 1: query 1 predicts 1, 1, 2; query 2 predicts 0.
  ASSERT_EQ(r.classes_network.size(), 3u);
  EXPECT_EQ(r.classes_network[0].pixels, 4);
  EXPECT_DOUBLE_EQ(r.classes_network[0].accuracy, 1.0);
  EXPECT_EQ(r.classes_network[1].pixels, 4);
  EXPECT_DOUBLE_EQ(r.classes_network[1].accuracy, 0.5);
  EXPECT_EQ(r.classes_network[2].accuracy, -1);  // the network never says 2
}

TEST(RowAccumulatorTest, PhotosAreScoredAgainstTruthAndNetworkPerQuery) {
  RowAccumulator row(1);
  const cv::Mat image(1, 2, CV_8UC3, cv::Scalar(10, 10, 10));
  const cv::Mat truth(1, 2, CV_8UC3, cv::Scalar(16, 10, 10));    // |d| 6 in 2 of 6 values
  const cv::Mat network(1, 2, CV_8UC3, cv::Scalar(10, 10, 13));  // |d| 3 in 2 of 6 values
  row.AddPhoto(image, truth, &network, 1.0);
  row.AddPhoto(image, image, &image, 3.0);  // exact: L1 0, PSNR capped
  const EvalRow r = row.Row("OR (top 16)");
  EXPECT_TRUE(r.is_photo());
  EXPECT_DOUBLE_EQ(r.l1_truth, (2.0 + 0.0) / 2);
  EXPECT_DOUBLE_EQ(r.l1_network, (1.0 + 0.0) / 2);
  // PSNR per query, then averaged: 10 log10(255^2 / (2 * 36 / 6)) and the cap.
  EXPECT_NEAR(r.psnr_truth, (10 * std::log10(65025.0 / 12) + kMaxPsnr) / 2, 1e-9);
  EXPECT_NEAR(r.psnr_network, (10 * std::log10(65025.0 / 3) + kMaxPsnr) / 2, 1e-9);
  EXPECT_DOUBLE_EQ(r.seconds_per_query, 2.0);
  EXPECT_EQ(r.agreement, -1);
  const nlohmann::json j = r.ToJson();
  EXPECT_FALSE(j.contains("mean_pixel_accuracy"));
  EXPECT_DOUBLE_EQ(j["l1_to_network"].get<double>(), 0.5);
  EXPECT_THROW(row.AddPhoto(image, cv::Mat(2, 2, CV_8UC3), nullptr, 0), std::runtime_error);
}

// Ranks carry their totals to rank 0 as State() and append them there: the rows must be those of
// one accumulator over all queries, to the last bit (photo errors summed in query order).
TEST(RowAccumulatorTest, AppendedStatesGiveTheRowsOfOneAccumulator) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> value(0, 255), label(0, 2);
  const auto photo = [&] {
    cv::Mat m(3, 5, CV_8UC3);
    for (auto it = m.begin<cv::Vec3b>(); it != m.end<cv::Vec3b>(); ++it)
      *it = cv::Vec3b(value(rng), value(rng), value(rng));
    return m;
  };
  const auto labels = [&] {
    cv::Mat m(3, 5, CV_8UC1);
    for (auto it = m.begin<std::uint8_t>(); it != m.end<std::uint8_t>(); ++it) *it = label(rng);
    return m;
  };
  RowAccumulator whole(3), first(3), second(3), third(3);
  for (int q = 0; q < 7; ++q) {
    const cv::Mat image = photo(), truth = photo(), network = photo();
    const cv::Mat predicted = labels(), reference = labels(), agreed = labels();
    RowAccumulator& part = q < 3 ? first : (q < 5 ? second : third);
    for (RowAccumulator* row : {&whole, &part}) {
      row->AddPhoto(image, truth, &network, 0.5);
      row->Add(predicted, reference, &agreed, 0.25);
    }
  }
  // Through CBOR, as between processes.
  first.Append(nlohmann::json::from_cbor(nlohmann::json::to_cbor(second.State())));
  first.Append(nlohmann::json::from_cbor(nlohmann::json::to_cbor(third.State())));
  const EvalRow a = whole.Row("r"), b = first.Row("r");
  EXPECT_EQ(a.l1_truth, b.l1_truth);
  EXPECT_EQ(a.psnr_truth, b.psnr_truth);
  EXPECT_EQ(a.l1_network, b.l1_network);
  EXPECT_EQ(a.psnr_network, b.psnr_network);
  EXPECT_EQ(a.mean_pixel_accuracy, b.mean_pixel_accuracy);
  EXPECT_EQ(a.mean_iou, b.mean_iou);
  EXPECT_EQ(a.agreement, b.agreement);
  EXPECT_EQ(a.ToJson(), b.ToJson());
  EXPECT_GT(a.l1_truth, 0);
  EXPECT_GT(a.mean_iou, 0);
}

EvalRow Row(const std::string& approach, double mpa, double iou, double pixel, double agreement,
            double seconds) {
  EvalRow r;
  r.approach = approach;
  r.mean_pixel_accuracy = mpa;
  r.mean_iou = iou;
  r.pixel_accuracy = pixel;
  r.agreement = agreement;
  r.seconds_per_query = seconds;
  return r;
}

// A Table 1 report: the baseline, one global reconstruction and one OR row at one layer.
EvalReport OutputReport() {
  EvalReport report;
  report.model = "m.model";
  report.store = "stores/s";
  report.split = "test";
  report.method = "hpm";
  report.queries = 2;
  report.label_targets = true;
  report.seconds = 12.34;
  report.baselines = {Row("Baseline CNN", 0.5, 0.4, 0.8, -1, 0.01),
                      Row("GR (bottleneck)", 0.561, 0.35, 0.7, 0.7, 0.002)};
  LayerEval layer;
  layer.layer = "decoder3";
  layer.stride = 2;
  layer.output_rows = {Row("OR (top 16)", 0.439, 0.4, 0.75, 0.9, 0.125)};
  report.layers = {layer};
  return report;
}

TEST(EvalReportTest, MarkdownShowsSignedDifferencesFromTheBaseline) {
  const std::string expected =
      "compnn eval: m.model on 2 test images, store stores/s, search hpm\n\n"
      "Output reconstructions against the ground-truth labels (Table 1). Baseline in absolute "
      "numbers, the others as differences from it.\n\n"
      "Layer decoder3 (stride 2)\n\n"
      "| approach | MPA | mIoU | pixel acc. | agreement with network | s / query |\n"
      "|---|---|---|---|---|---|\n"
      "| Baseline CNN | 0.500 | 0.400 | 0.800 | - | 0.010 |\n"
      "| GR (bottleneck) | +0.061 | -0.050 | 0.700 | 0.700 | 0.002 |\n"
      "| OR (top 16) | -0.061 | +0.000 | 0.750 | 0.900 | 0.125 |\n"
      "\n"
      "Evaluation took 12.3 s.\n";
  EXPECT_EQ(OutputReport().ToMarkdown(), expected);
}

TEST(EvalReportTest, MarkdownHasTheHyperPatchMatchTableOnlyForMeasuredLayers) {
  EvalReport report = OutputReport();
  LayerEval measured;
  measured.layer = "decoder2";
  measured.stride = 4;
  measured.quality_queries = 3;
  measured.similarity_ratio = 0.98761;
  measured.exact_cell_fraction = 0.5;
  measured.hpm_seconds = 0.05;
  measured.exact_seconds = 0.5;
  report.layers.push_back(measured);
  const std::string md = report.ToMarkdown();
  const std::string table =
      "HyperPatch-Match against exact search (same prefiltered images)\n\n"
      "| layer | queries | mean similarity / exact | cells with the exact match | s / query (hpm) "
      "| s / query (exact) |\n"
      "|---|---|---|---|---|---|\n"
      "| decoder2 | 3 | 0.9876 | 0.500 | 0.050 | 0.500 |\n"
      "\n"
      "Evaluation took 12.3 s.\n";
  ASSERT_GE(md.size(), table.size());
  EXPECT_EQ(md.substr(md.size() - table.size()), table);
  EXPECT_EQ(md.find("| decoder3 |"), std::string::npos);  // not measured: no line

  EXPECT_EQ(OutputReport().ToMarkdown().find("HyperPatch-Match"), std::string::npos);
}

TEST(EvalReportTest, MarkdownShowsInputReconstructionsInAbsoluteNumbers) {
  EvalReport report;
  report.model = "m";
  report.store = "s";
  report.split = "val";
  report.method = "exact";
  report.queries = 1;
  report.label_inputs = true;
  report.seconds = 0.04;
  LayerEval layer;
  layer.layer = "decoder1";
  layer.stride = 8;
  layer.input_rows = {Row("IR (top 1)", 0.3, 0.2, 0.6, -1, 0.04)};
  report.layers = {layer};
  EXPECT_EQ(report.ToMarkdown(),
            "compnn eval: m on 1 val images, store s, search exact\n\n"
            "Input reconstructions against the input labels (Table 2), absolute numbers.\n\n"
            "Layer decoder1 (stride 8)\n\n"
            "| approach | MPA | mIoU | pixel acc. | agreement with network | s / query |\n"
            "|---|---|---|---|---|---|\n"
            "| IR (top 1) | 0.300 | 0.200 | 0.600 | - | 0.040 |\n"
            "\n"
            "Evaluation took 0.0 s.\n");
}

TEST(EvalReportTest, MarkdownHasAPerClassTableOfTheChosenPrefilter) {
  EvalReport report = OutputReport();
  report.class_names = {"sky", "wall"};
  report.baselines[0].classes = {{30, 0.9, 0.8}, {10, 0.5, 0.4}};
  EvalRow top1 = Row("OR (top 1)", 0.4, 0.3, 0.6, 0.7, 0.1),
          pr = Row("PR (top 16)", 0.5, 0.4, 0.7, 0.8, 0.1);
  top1.topk = 1;
  pr.topk = 16;
  report.layers[0].output_rows[0].topk = 16;
  for (EvalRow* r : {&report.layers[0].output_rows[0], &pr, &top1}) {
    r->classes = {{30, 0.75, 0.6}, {10, -1, -1}};
    r->classes_network = {{20, 0.5, 0.4}, {20, 0.25, 0.2}};
  }
  report.layers[0].output_rows.insert(report.layers[0].output_rows.begin(), top1);
  report.layers[0].prediction_rows = {pr};
  report.layers[0].per_class_topk = 16;
  const std::string md = report.ToMarkdown();
  const std::string table =
      "Layer decoder3\n\n"
      "| class | share of truth | Baseline CNN | OR (top 16) | PR (top 16) |\n"
      "|---|---|---|---|---|\n"
      "| sky | 0.750 | 0.900 | 0.750 / 0.500 | 0.750 / 0.500 |\n"
      "| wall | 0.250 | 0.500 | - / 0.250 | - / 0.250 |\n";
  EXPECT_NE(md.find(table), std::string::npos) << md;
  EXPECT_NE(md.find("| PR (top 16) | +0.000 |"), std::string::npos) << md;  // in Table 1 too
}

TEST(EvalReportTest, JsonHasTheDocumentedKeys) {
  EvalReport report = OutputReport();
  report.layers[0].quality_queries = 2;
  report.layers[0].similarity_ratio = 0.9;
  report.layers[0].exact_cell_fraction = 0.25;
  report.layers[0].exact_seconds = 1.5;
  report.layers[0].hpm_seconds = 0.5;
  const nlohmann::json j = report.ToJson();
  EXPECT_EQ(j["model"], "m.model");
  EXPECT_EQ(j["store"], "stores/s");
  EXPECT_EQ(j["split"], "test");
  EXPECT_EQ(j["method"], "hpm");
  EXPECT_EQ(j["queries"], 2);
  EXPECT_EQ(j["seconds"], 12.34);
  ASSERT_EQ(j["baselines"].size(), 2u);
  const nlohmann::json& base = j["baselines"][0];
  EXPECT_EQ(base["approach"], "Baseline CNN");
  EXPECT_EQ(base["mean_pixel_accuracy"], 0.5);
  EXPECT_EQ(base["mean_iou"], 0.4);
  EXPECT_EQ(base["pixel_accuracy"], 0.8);
  EXPECT_EQ(base["seconds_per_query"], 0.01);
  EXPECT_FALSE(base.contains("agreement_with_network"));  // not measured
  EXPECT_EQ(j["baselines"][1]["agreement_with_network"], 0.7);

  ASSERT_EQ(j["layers"].size(), 1u);
  const nlohmann::json& layer = j["layers"][0];
  EXPECT_EQ(layer["layer"], "decoder3");
  EXPECT_EQ(layer["stride"], 2);
  EXPECT_EQ(layer["output_reconstructions"][0]["approach"], "OR (top 16)");
  EXPECT_FALSE(layer.contains("input_reconstructions"));  // no IR rows
  const nlohmann::json& quality = layer["search_quality"];
  EXPECT_EQ(quality["queries"], 2);
  EXPECT_EQ(quality["hpm_similarity_over_exact"], 0.9);
  EXPECT_EQ(quality["hpm_exact_cell_fraction"], 0.25);
  EXPECT_EQ(quality["exact_seconds_per_query"], 1.5);
  EXPECT_EQ(quality["hpm_seconds_per_query"], 0.5);

  EXPECT_FALSE(OutputReport().ToJson()["layers"][0].contains("search_quality"));
}

// The network's precision on its training images: a column of the per-class table (where it is
// measured) and a list in the JSON, left out for a class the network never gives.
TEST(EvalReportTest, TrainingPrecisionIsShownBesideThePerClassRows) {
  EvalReport report;
  report.label_targets = true;
  report.class_names = {"road", "pole"};
  EvalRow cnn;
  cnn.approach = "Baseline CNN";
  cnn.classes = {{10, 0.9, 0.8}, {2, 0.5, 0.1}};
  report.baselines = {cnn};
  LayerEval layer;
  layer.layer = "output";
  report.layers = {layer};
  EXPECT_EQ(report.ToMarkdown().find("precision on training"), std::string::npos);
  EXPECT_FALSE(report.ToJson().contains("network_training_precision"));

  report.training_precision = {0.996, -1};
  const std::string md = report.ToMarkdown();
  EXPECT_NE(md.find("| class | share of truth | Baseline CNN | network's precision on training "
                    "images |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| road | 0.833 | 0.900 | 0.996 |"), std::string::npos) << md;
  EXPECT_NE(md.find("| pole | 0.167 | 0.500 | - |"), std::string::npos) << md;
  const nlohmann::json j = report.ToJson()["network_training_precision"];
  ASSERT_EQ(j.size(), 2u);
  EXPECT_DOUBLE_EQ(j[0]["precision"].get<double>(), 0.996);
  EXPECT_EQ(j[1]["class"], "pole");
  EXPECT_FALSE(j[1].contains("precision"));
}

}  // namespace
}  // namespace compnn
