#include "compnn/pipeline/credibility_eval.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "compnn/core/check.h"
#include "compnn/core/stopwatch.h"
#include "compnn/data/dataset.h"
#include "compnn/eval/metrics.h"

namespace compnn {
namespace {

// Every pixel's confidences and whether the network is wrong there, over the evaluated images.
struct PixelScores {
  std::vector<float> credibility, max_probability, entropy, truth_credibility;
  std::vector<std::uint8_t> error;
};

double Quantile(std::vector<float> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](float v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return -1;
  const std::size_t i = static_cast<std::size_t>(q * (values.size() - 1));
  std::nth_element(values.begin(), values.begin() + i, values.end());
  return values[i];
}

std::vector<double> Quartiles(const std::vector<float>& values) {
  return {Quantile(values, 0.25), Quantile(values, 0.5), Quantile(values, 0.75)};
}

ConfidenceRow Row(const std::string& name, const std::vector<float>& confidence,
                  const std::vector<std::uint8_t>& error, const std::vector<double>& coverages) {
  std::vector<float> doubt(confidence.size());
  for (std::size_t i = 0; i < confidence.size(); ++i) doubt[i] = -confidence[i];
  return {name, Auroc(doubt, error), AveragePrecision(doubt, error),
          RiskAtCoverage(confidence, error, coverages)};
}

// The images of another dataset, photo side first, as queries at the network's size.
std::vector<Query> OutOfDistribution(const CredibilityEvalOptions& o, const ImageSize& size) {
  const Dataset ood = Dataset::Open(o.ood_data);
  const Direction photo_first =
      ood.input_is_labels(Direction::kAtoB) ? Direction::kBtoA : Direction::kAtoB;
  std::vector<std::string> names = ood.Names(o.ood_split);
  if (o.ood_count > 0 && static_cast<int>(names.size()) > o.ood_count) names.resize(o.ood_count);
  std::vector<Query> queries;
  for (const std::string& name : names) {
    Query q = LoadSplitQuery(ood, photo_first, size, o.ood_split, name);
    q.truth = cv::Mat();  // another dataset's classes: no truth for this network
    queries.push_back(std::move(q));
  }
  return queries;
}

}  // namespace

void CredibilityEvalOptions::Check() const {
  CheckNested("credibility", credibility);
  COMPNN_CHECK_OPTION(calibration_count >= 1, "calibration_count", "must be at least 1, got ",
                      calibration_count);
  COMPNN_CHECK_OPTION(count >= 0, "count", "must not be negative, got ", count);
  COMPNN_CHECK_OPTION(ood_count >= 0, "ood_count", "must not be negative, got ", ood_count);
}

namespace {

// Counts the queries measured, for the progress callback.
struct Progress {
  const std::function<void(int, int)>& callback;
  int all = 0, done = 0;
  void Step() {
    if (callback) callback(++done, all);
  }
};

// The nonconformity of the true class on the first images, saved to `path`.
CredibilityCalibration Calibrate(CredibilityMapper& mapper, const Explainer& explainer,
                                 const std::vector<Query>& queries, int count,
                                 const std::string& path, Progress& progress) {
  std::vector<float> values;
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) {
    const QueryCredibility c = mapper.Measure(queries[i]);
    COMPNN_CHECK(!c.truth_nonconformity.empty(), queries[i].name,
                 ": no ground truth to calibrate on");
    values.insert(values.end(), c.truth_nonconformity.begin(), c.truth_nonconformity.end());
    names.push_back(queries[i].name);
    progress.Step();
  }
  CredibilityCalibration calibration(std::move(values));
  SaveCalibration(path, calibration, mapper.options(), explainer.store(), names);
  return calibration;
}

// Adds one evaluated query's pixels of known class; `softmax` stays true while every query has
// the network's probabilities.
void AddPixels(const QueryCredibility& c, const CredibilityCalibration& calibration, PixelScores& s,
               bool& softmax) {
  softmax = softmax && !c.max_probability.empty();
  const std::uint8_t* truth = c.truth.ptr<std::uint8_t>();
  const std::uint8_t* predicted = c.predicted.ptr<std::uint8_t>();
  for (std::size_t p = 0; p < c.nonconformity.size(); ++p) {
    if (truth[p] == kIgnoreClass) continue;
    s.credibility.push_back(calibration.Credibility(c.nonconformity[p]));
    s.truth_credibility.push_back(calibration.Credibility(c.truth_nonconformity[p]));
    s.error.push_back(predicted[p] != truth[p]);
    if (softmax) {
      s.max_probability.push_back(c.max_probability[p]);
      s.entropy.push_back(c.entropy[p]);
    }
  }
}

// The report's rows, levels and quartiles from the evaluated pixels.
void Summarise(const PixelScores& s, bool softmax, CredibilityReport& report) {
  report.evaluated_pixels = static_cast<long long>(s.error.size());
  COMPNN_CHECK(report.evaluated_pixels > 0, "no evaluated pixel has a known class");
  report.error_rate =
      std::count(s.error.begin(), s.error.end(), 1) / static_cast<double>(s.error.size());
  for (int c = 1; c <= 20; ++c) report.coverages.push_back(c / 20.0);
  report.rows.push_back(Row("credibility", s.credibility, s.error, report.coverages));
  if (softmax) {
    std::vector<float> negative_entropy(s.entropy.size()), combined(s.credibility.size());
    for (std::size_t p = 0; p < s.entropy.size(); ++p) {
      negative_entropy[p] = -s.entropy[p];
      combined[p] = s.credibility[p] * s.max_probability[p];
    }
    report.rows.push_back(
        Row("max softmax probability", s.max_probability, s.error, report.coverages));
    report.rows.push_back(Row("softmax entropy", negative_entropy, s.error, report.coverages));
    report.rows.push_back(
        Row("credibility x max probability", combined, s.error, report.coverages));
  }
  report.levels = {0.01, 0.05, 0.1, 0.2, 0.5};
  for (double level : report.levels) {
    const auto below = std::count_if(s.truth_credibility.begin(), s.truth_credibility.end(),
                                     [&](float v) { return v <= level; });
    report.true_class_below.push_back(below / static_cast<double>(s.truth_credibility.size()));
  }
  report.quartiles = Quartiles(s.credibility);
}

}  // namespace

CredibilityReport EvaluateCredibility(Explainer& explainer, const CredibilityEvalOptions& o,
                                      const std::string& calibration_path,
                                      const std::function<void(int, int)>& progress) {
  o.Check();
  const auto start = Clock::now();
  CredibilityMapper mapper(explainer, o.credibility);
  std::vector<Query> queries = explainer.SplitQueries(o.split, 0);
  COMPNN_CHECK(static_cast<int>(queries.size()) > o.calibration_count, "split ", o.split, " has ",
               queries.size(), " images: calibrating on ", o.calibration_count,
               " leaves none to evaluate");
  const int evaluated = o.count > 0 ? std::min<int>(o.count, queries.size() - o.calibration_count)
                                    : static_cast<int>(queries.size()) - o.calibration_count;
  const std::vector<Query> ood =
      o.ood_data.empty() ? std::vector<Query>{} : OutOfDistribution(o, explainer.input_size());
  Progress done{progress, o.calibration_count + evaluated + static_cast<int>(ood.size())};
  const CredibilityCalibration calibration =
      Calibrate(mapper, explainer, queries, o.calibration_count, calibration_path, done);

  CredibilityReport report;
  report.layers = mapper.options().layers;
  report.k = mapper.options().k;
  report.calibration_images = o.calibration_count;
  report.calibration_pixels = calibration.Count();
  report.evaluated_images = evaluated;
  report.ood_images = static_cast<int>(ood.size());
  PixelScores s;
  bool softmax = true;
  for (int i = o.calibration_count; i < o.calibration_count + evaluated; ++i) {
    const QueryCredibility c = mapper.Measure(queries[i]);
    COMPNN_CHECK(!c.truth.empty(), queries[i].name, ": no ground truth to evaluate against");
    if (report.searched_by.empty()) report.searched_by = c.searched_by;
    AddPixels(c, calibration, s, softmax);
    done.Step();
  }
  Summarise(s, softmax, report);

  std::vector<float> ood_credibility;
  for (const Query& q : ood) {
    const QueryCredibility c = mapper.Measure(q);
    for (float alpha : c.nonconformity) ood_credibility.push_back(calibration.Credibility(alpha));
    done.Step();
  }
  if (!ood.empty()) report.ood_quartiles = Quartiles(ood_credibility);
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace compnn
