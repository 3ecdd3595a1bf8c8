// A network for pipeline tests, without LibTorch: its maps are computed from the input's pixels,
// its output looked up among the dataset pairs it was given, so that every answer a runner gives
// can be worked out beside it. And a feature store of a dataset split written from it, as
// compnn index writes one.
//
//   "fine"    8 x 8 pixel blocks (stride 8): each block's mean B, G, R, their mean squares and
//             its row and column, so that blocks of one colour in different places differ
//   "coarse"  the same over 32 x 32 blocks: the smallest map, the store's global descriptor
//   "output"  class scores per pixel (channels last): the output's class scores 4, the others 0,
//             or 1 where the network errs by construction (wrong_columns), so it is less sure there
// The output: for an input equal (pixel for pixel) to a known pair's, that pair's target in
// palette colours; for any other input, the input itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "compnn/core/splitmix.h"
#include "compnn/explain/training_images.h"
#include "compnn/pipeline/query_network.h"
#include "compnn/store/feature_store.h"
#include "compnn/store/store_plan.h"

namespace compnn::testing {

inline constexpr int kFineBlock = 8, kCoarseBlock = 32;
inline constexpr int kFakeDepth = 8;         // channels of "fine" and "coarse"
inline constexpr float kSureScore = 4.0f;    // the output class's score where it is right
inline constexpr float kUnsureScore = 1.0f;  // ... in the wrong columns

// A dataset pair as the network reads it: input and target at its input size (BGR).
struct KnownPair {
  cv::Mat input, target;
};

// Every pair of `splits` of `dataset`, read as LoadSplitQuery reads queries.
inline std::vector<KnownPair> KnownPairs(const Dataset& dataset,
                                         const std::vector<std::string>& splits,
                                         const ImageSize& size = {64, 64},
                                         Direction direction = Direction::kAtoB) {
  std::vector<KnownPair> pairs;
  for (const std::string& split : splits) {
    for (const std::string& name : dataset.Names(split)) {
      const Query q = LoadSplitQuery(dataset, direction, size, split, name);
      pairs.push_back({q.input, q.truth});
    }
  }
  return pairs;
}

// The fake's "fine" (block 8) or "coarse" (block 32) map of a BGR image: per block of `block` x
// `block` pixels, its mean B, G, R (0..1), their mean squares, and (row + 0.5) / rows and
// (column + 0.5) / columns.
inline OwnedMap BlockFeatures(const cv::Mat& bgr, int block) {
  const int rows = bgr.rows / block, cols = bgr.cols / block;
  OwnedMap map(rows, cols, kFakeDepth);
  const double pixels = static_cast<double>(block) * block;
  for (int by = 0; by < rows; ++by) {
    for (int bx = 0; bx < cols; ++bx) {
      double sum[3] = {0, 0, 0}, squares[3] = {0, 0, 0};
      for (int y = by * block; y < (by + 1) * block; ++y) {
        for (int x = bx * block; x < (bx + 1) * block; ++x) {
          const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
          for (int c = 0; c < 3; ++c) {
            const double v = p[c] / 255.0;
            sum[c] += v;
            squares[c] += v * v;
          }
        }
      }
      for (int c = 0; c < 3; ++c) {
        map.at(by, bx, c) = static_cast<float>(sum[c] / pixels);
        map.at(by, bx, 3 + c) = static_cast<float>(squares[c] / pixels);
      }
      map.at(by, bx, 6) = (by + 0.5f) / rows;
      map.at(by, bx, 7) = (bx + 0.5f) / cols;
    }
  }
  return map;
}

// A value in [-1, 1) drawn from `seed` and `index`.
inline float SeededUniform(std::uint64_t seed, std::uint64_t index) {
  const std::uint64_t bits = SplitMix64(SplitMix64(seed) ^ (index * 0x9E3779B97F4A7C15ULL));
  return static_cast<float>(static_cast<double>(bits >> 11) / 9007199254740992.0 * 2.0 - 1.0);
}

// What the fake networks compute: the known pairs and the palette of their targets, the
// columns it errs in, and the stages randomised so far.
class FakeModel {
 public:
  FakeModel(std::vector<KnownPair> pairs, Palette palette, int wrong_columns)
      : pairs_(std::move(pairs)), palette_(std::move(palette)), wrong_columns_(wrong_columns) {
    if (pairs_.empty()) throw std::invalid_argument("the fake network needs a known pair");
  }

  ImageSize input_size() const { return {pairs_.front().input.rows, pairs_.front().input.cols}; }
  const Palette& palette() const { return palette_; }
  static bool HasLayer(const std::string& layer) {
    return layer == "fine" || layer == "coarse" || layer == "output";
  }

  // New weights for "head", "coarse" or "fine", drawn from `seed`.
  void Randomise(const std::string& stage, std::uint64_t seed) {
    const std::map<std::string, std::uint64_t> salts = {{"head", 1}, {"coarse", 2}, {"fine", 3}};
    const auto salt = salts.find(stage);
    if (salt == salts.end()) throw std::invalid_argument("the fake network has no module " + stage);
    randomised_[stage] = SplitMix64(seed ^ SplitMix64(salt->second));
  }

  QueryRun Run(const cv::Mat& input, const std::set<std::string>& layers) const {
    for (const std::string& layer : layers)
      if (!HasLayer(layer)) throw std::runtime_error("the fake network has no layer " + layer);
    QueryRun run;
    const cv::Mat classes = OutputClasses(input);
    run.output = classes.empty() ? input.clone() : palette_.Colourise(classes);
    if (layers.count("fine")) run.maps["fine"] = Mixed("fine", BlockFeatures(input, kFineBlock));
    if (layers.count("coarse"))
      run.maps["coarse"] = Mixed("coarse", BlockFeatures(input, kCoarseBlock));
    if (layers.count("output")) {
      const cv::Mat scored = classes.empty() ? palette_.Classes(run.output, true) : classes;
      OwnedMap scores(scored.rows, scored.cols, palette_.size());
      for (int y = 0; y < scored.rows; ++y) {
        for (int x = 0; x < scored.cols; ++x) {
          const int c = scored.at<std::uint8_t>(y, x);
          if (c < palette_.size())
            scores.at(y, x, c) = x < wrong_columns_ ? kUnsureScore : kSureScore;
        }
      }
      run.maps["output"] = std::move(scores);
    }
    return run;
  }

 private:
  // The output's classes for a known input (empty for any other): its target's, the next class
  // in the wrong columns, all shifted by a class or more when the head is randomised.
  cv::Mat OutputClasses(const cv::Mat& input) const {
    const KnownPair* known = nullptr;
    for (const KnownPair& p : pairs_) {
      if (p.input.size() == input.size() && p.input.type() == input.type() &&
          cv::norm(p.input, input, cv::NORM_INF) == 0) {
        known = &p;
        break;
      }
    }
    if (!known) return {};
    cv::Mat classes = palette_.Classes(known->target, false, "known target");
    const int n = palette_.size();
    const auto head = randomised_.find("head");
    const int shift = head == randomised_.end() ? 0 : 1 + static_cast<int>(head->second % (n - 1));
    for (int y = 0; y < classes.rows; ++y) {
      for (int x = 0; x < classes.cols; ++x) {
        std::uint8_t& c = classes.at<std::uint8_t>(y, x);
        if (c == kIgnoreClass) continue;
        c = static_cast<std::uint8_t>((c + (x < wrong_columns_ ? 1 : 0) + shift) % n);
      }
    }
    return classes;
  }

  // A randomised stage's map: its channels mixed by a matrix drawn from the stage's seed.
  OwnedMap Mixed(const std::string& stage, OwnedMap map) const {
    const auto seed = randomised_.find(stage);
    if (seed == randomised_.end()) return map;
    OwnedMap mixed(map.height, map.width, map.depth);
    for (int y = 0; y < map.height; ++y)
      for (int x = 0; x < map.width; ++x)
        for (int o = 0; o < map.depth; ++o)
          for (int i = 0; i < map.depth; ++i)
            mixed.at(y, x, o) += SeededUniform(seed->second, o * map.depth + i) * map.at(y, x, i);
    return mixed;
  }

  std::vector<KnownPair> pairs_;
  Palette palette_;
  int wrong_columns_ = 0;
  std::map<std::string, std::uint64_t> randomised_;  // stage -> its seed
};

class RandomisableFakeNetwork;

// A FakeModel run as a network of either kind (`Base`: QueryNetwork or RandomisableNetwork).
template <typename Base>
class FakeModelNetwork : public Base {
 public:
  explicit FakeModelNetwork(FakeModel model) : model_(std::move(model)) {}

  Direction direction() const override { return Direction::kAtoB; }
  ImageSize input_size() const override { return model_.input_size(); }
  bool OutputsClasses() const override { return true; }
  bool HasLayer(const std::string& layer) override { return FakeModel::HasLayer(layer); }
  QueryRun Run(const cv::Mat& input, bool /*input_is_labels*/, const Palette* /*palette*/,
               const std::set<std::string>& layers) override {
    return model_.Run(input, layers);
  }

 protected:
  FakeModel model_;
};

// The fake network as the pipeline sees it. `wrong_columns`: the output's pixels left of this
// column take the next class (c + 1 mod classes), errors by construction.
class FakeNetwork : public FakeModelNetwork<QueryNetwork> {
 public:
  FakeNetwork(std::vector<KnownPair> pairs, Palette palette, int wrong_columns = 0)
      : FakeModelNetwork(FakeModel(std::move(pairs), std::move(palette), wrong_columns)) {}

  std::string name() const override { return "fake network"; }
  std::unique_ptr<RandomisableNetwork> RandomisableCopy(std::uint64_t seed) override;
};

// A copy whose stages are randomised from the output down: "head" (only the output changes),
// "coarse", then "fine" (the maps explanations search).
class RandomisableFakeNetwork : public FakeModelNetwork<RandomisableNetwork> {
 public:
  RandomisableFakeNetwork(FakeModel model, std::uint64_t seed)
      : FakeModelNetwork(std::move(model)), seed_(seed) {}

  std::string name() const override { return "randomisable fake network"; }
  std::vector<std::string> CascadeOrder() override { return {"head", "coarse", "fine"}; }
  void Randomise(const std::string& module) override { model_.Randomise(module, seed_); }

 private:
  std::uint64_t seed_;
};

inline std::unique_ptr<RandomisableNetwork> FakeNetwork::RandomisableCopy(std::uint64_t seed) {
  return std::make_unique<RandomisableFakeNetwork>(model_, seed);
}

// Writes a feature store of `split` of the dataset at `dataset_dir` into `store_dir` as compnn
// index would from `network`: its "coarse" then "fine" maps of every image (float32, in forward
// order, so that "fine" is the default explain layer), "coarse" the global descriptor, the inputs
// and targets kept (label sides flagged, with the dataset's palette), and the dataset folder,
// split and direction recorded.
inline void WriteFakeStore(QueryNetwork& network, const std::string& dataset_dir,
                           const std::string& split, const std::string& store_dir) {
  const Dataset dataset = Dataset::Open(dataset_dir);
  const Direction direction = network.direction();
  const ImageSize size = network.input_size();
  const std::vector<std::string> names = dataset.Names(split);
  const Palette* palette = dataset.has_labels() ? &dataset.palette() : nullptr;
  const std::set<std::string> layers = {"coarse", "fine"};
  std::vector<QueryRun> runs;
  std::vector<cv::Mat> inputs, targets;  // RGB, as stores keep them
  for (const std::string& name : names) {
    const Query q = LoadSplitQuery(dataset, direction, size, split, name);
    runs.push_back(network.Run(q.input, dataset.input_is_labels(direction), palette, layers));
    inputs.emplace_back();
    targets.emplace_back();
    cv::cvtColor(q.input, inputs.back(), cv::COLOR_BGR2RGB);
    cv::cvtColor(q.truth, targets.back(), cv::COLOR_BGR2RGB);
  }
  std::vector<PlannedLayer> planned;
  for (const std::string layer : {"coarse", "fine"}) {
    const OwnedMap& m = runs.front().maps.at(layer);
    planned.push_back({layer, m.height, m.width, m.depth});
  }
  StorePlanOptions o;
  o.input_size = size;
  o.global_layer = "coarse";
  o.dtype = DType::kFloat32;
  o.pixels = {"inputs", "targets"};
  if (dataset.input_is_labels(direction)) o.labels.push_back("inputs");
  if (dataset.target_is_labels(direction)) o.labels.push_back("targets");
  o.model = {{"file", network.name()}, {"arch", "fake"}};
  o.dataset = {{"dir", std::filesystem::absolute(dataset_dir).string()},
               {"split", split},
               {"direction", ToString(direction)}};
  if (palette) o.palette = {{"classes", palette->ToJson()}, {"ignore", palette->IgnoreJson()}};
  StoreManifest plan = PlanStore(planned, o);
  plan.images = names;
  StoreWriter writer(store_dir, plan, /*overwrite=*/true);
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::map<std::string, const float*> maps = {
        {"coarse", runs[i].maps.at("coarse").values.data()},
        {"fine", runs[i].maps.at("fine").values.data()}};
    writer.Write(
        static_cast<int>(i), maps, maps.at("coarse"),
        {{"inputs", inputs[i].ptr<std::uint8_t>()}, {"targets", targets[i].ptr<std::uint8_t>()}});
  }
  writer.Commit();
}

}  // namespace compnn::testing
