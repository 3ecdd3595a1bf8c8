#include "explorer_credibility.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <opencv2/imgproc.hpp>
#include <set>
#include <stdexcept>

#include "compnn/eval/credibility.h"
#include "embedded_image.h"

namespace compnn {
namespace {

constexpr int kMaxPatches = 32767;  // numbered in an Int16Array
constexpr std::uint16_t kNoCredibility = 65535;
constexpr std::uint8_t kNoLabel = 255;

void Require(bool condition, const std::string& what, const std::string& message) {
  if (!condition) throw std::invalid_argument(what + ": " + message);
}

template <typename T>
std::string Pack(const std::vector<T>& values) {
  return Base64(values.data(), values.size() * sizeof(T));
}

// The query cell of pixel (row, col) at a layer, as the credibility map reads it.
int CellOf(const ExplorerEvidence& e, int row, int col) {
  return CellOfPixel(row, e.stride, e.field.height) * e.field.width +
         CellOfPixel(col, e.stride, e.field.width);
}

struct Candidate {
  float credibility;  // of the cell's least credible pixel
  double total;       // of its pixels' credibilities: many cells tie at the smallest p-value
  int layer, cell;
  int predicted;  // the class predicted at every pixel of the cell; -1: more than one
};

std::vector<Candidate> LowCredibilityCells(const ExplorerCredibility& c) {
  std::vector<Candidate> low;
  for (int l = 0; l < static_cast<int>(c.evidence.size()); ++l) {
    const ExplorerEvidence& e = c.evidence[l];
    std::vector<Candidate> cells(static_cast<std::size_t>(e.field.height) * e.field.width,
                                 {std::numeric_limits<float>::infinity(), 0, l, 0, -2});
    for (int r = 0; r < c.credibility.rows; ++r) {
      for (int col = 0; col < c.credibility.cols; ++col) {
        const float v = c.credibility.at<float>(r, col);
        Candidate& cell = cells[CellOf(e, r, col)];
        const int predicted = c.predicted.at<std::uint8_t>(r, col);
        cell.predicted = cell.predicted == -2 || cell.predicted == predicted ? predicted : -1;
        if (std::isnan(v)) continue;
        cell.total += v;
        cell.credibility = std::min(cell.credibility, v);
      }
    }
    for (int i = 0; i < static_cast<int>(cells.size()); ++i) {
      cells[i].cell = i;
      if (cells[i].credibility < c.threshold) low.push_back(cells[i]);
    }
  }
  std::sort(low.begin(), low.end(), [](const Candidate& a, const Candidate& b) {
    if (a.credibility != b.credibility) return a.credibility < b.credibility;
    if (a.total != b.total) return a.total < b.total;
    return a.layer != b.layer ? a.layer < b.layer : a.cell < b.cell;
  });
  return low;
}

// The patch's input and target side by side, a little context around the matched cell, which is
// outlined.
cv::Mat CutPatch(const cv::Mat& input, const cv::Mat& target, const EvidencePatch& p) {
  const int side = std::min({std::clamp(4 * p.stride, 24, 64), input.rows, input.cols});
  const int top = std::clamp(static_cast<int>(std::lround((p.y + 0.5) * p.stride - side / 2.0)), 0,
                             input.rows - side);
  const int left = std::clamp(static_cast<int>(std::lround((p.x + 0.5) * p.stride - side / 2.0)), 0,
                              input.cols - side);
  const cv::Rect region(left, top, side, side);
  const cv::Rect cell(p.x * p.stride - left, p.y * p.stride - top, p.stride, p.stride);
  cv::Mat parts[3] = {input(region).clone(), cv::Mat(side, 2, CV_8UC3, cv::Scalar(255, 255, 255)),
                      target(region).clone()};
  for (cv::Mat* part : {&parts[0], &parts[2]})
    cv::rectangle(*part, cell, cv::Scalar(0, 255, 255), 1);
  cv::Mat both;
  cv::hconcat(parts, 3, both);
  return both;
}

std::string HexColour(const cv::Vec3b& bgr) {
  char text[8];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", bgr[2], bgr[1], bgr[0]);
  return text;
}

}  // namespace

void CheckExplorerCredibility(const ExplorerCredibility& c, const cv::Size& query_size,
                              const std::string& what) {
  Require(c.credibility.type() == CV_32F && c.credibility.size() == query_size, what,
          "the credibility map is not one float per query pixel");
  Require(c.heat_map.type() == CV_8UC3 && c.heat_map.size() == query_size, what,
          "the credibility heat map is not a BGR image of the query's size");
  Require(c.predicted.type() == CV_8U && c.predicted.size() == query_size, what,
          "the predicted classes are not one byte per query pixel");
  Require(c.class_colours.size() == c.class_names.size(), what,
          "class_names and class_colours differ in length");
  Require(c.class_names.size() < kNoLabel, what, "more than 254 classes");
  Require(c.threshold >= 0 && c.threshold <= 1, what, "threshold must be in [0, 1]");
  Require(c.max_patches >= 0 && c.max_patches <= kMaxPatches, what,
          "max_patches must be in [0, " + std::to_string(kMaxPatches) + "]");
  for (auto it = c.predicted.begin<std::uint8_t>(); it != c.predicted.end<std::uint8_t>(); ++it)
    Require(*it < c.class_names.size() || *it == kNoLabel, what,
            "predicted class " + std::to_string(*it) + " has no name");
  for (const ExplorerEvidence& e : c.evidence) {
    const std::string layer = what + ", evidence at '" + e.layer + "'";
    const CorrespondenceField& f = e.field;
    Require(e.stride >= 1, layer, "stride must be at least 1");
    // The page packs matched cells' y and x in 16 bits.
    for (const Match& m : f.matches)
      Require(m.y >= -32768 && m.y <= 32767 && m.x >= -32768 && m.x <= 32767, layer,
              "a matched cell beyond 32767");
    Require(f.height >= 1 && f.width >= 1 && f.k >= 1 &&
                f.matches.size() == static_cast<std::size_t>(f.height) * f.width * f.k,
            layer, "the field is empty or its matches do not fill it");
    Require(e.labels.size() == f.matches.size(), layer, "one label per match is needed");
    for (int label : e.labels)
      Require(label >= -1 && label < static_cast<int>(c.class_names.size()), layer,
              "label " + std::to_string(label) + " names no class");
  }
}

namespace {

// ChooseEvidencePatches over the cells LowCredibilityCells found.
std::vector<EvidencePatch> ChoosePatches(const ExplorerCredibility& c,
                                         const std::vector<Candidate>& low) {
  std::vector<EvidencePatch> chosen;
  std::set<EvidencePatch> seen;
  int k = 0;
  for (const ExplorerEvidence& e : c.evidence) k = std::max(k, e.field.k);
  // In rounds: each cell's closest disagreeing neighbour first, then its second, and so on, so
  // that the patches spread over the least credible cells before piling up on a few.
  for (int round = 0; round < k; ++round) {
    for (const Candidate& cell : low) {
      const ExplorerEvidence& e = c.evidence[cell.layer];
      int disagreeing = 0;
      for (int j = 0; j < e.field.k; ++j) {
        const std::size_t m = static_cast<std::size_t>(cell.cell) * e.field.k + j;
        const Match& match = e.field.matches[m];
        // A void neighbour casts no vote (eval/credibility.h), so it is not shown as evidence;
        // where the cell's pixels predict several classes, every vote disagrees with one.
        if (match.image < 0 || e.labels[m] < 0 || e.labels[m] == cell.predicted) continue;
        if (disagreeing++ != round) continue;
        const EvidencePatch patch{match.image, match.y, match.x, e.stride};
        if (seen.count(patch)) break;
        if (static_cast<int>(chosen.size()) == c.max_patches) return chosen;
        seen.insert(patch);
        chosen.push_back(patch);
        break;
      }
    }
  }
  return chosen;
}

// The chosen patches as images, and each one's number in that list.
nlohmann::json PatchImages(const std::vector<EvidencePatch>& patches,
                           const std::vector<cv::Mat>& inputs, const std::vector<cv::Mat>& targets,
                           std::map<EvidencePatch, int>& number) {
  nlohmann::json uris = nlohmann::json::array();
  for (const EvidencePatch& p : patches) {
    number.emplace(p, static_cast<int>(uris.size()));
    uris.push_back(ImageDataUri(CutPatch(inputs[p.image], targets[p.image], p)));
  }
  return uris;
}

// Each pixel's credibility in [0, 1] as 16 bits, kNoCredibility where it has none.
std::vector<std::uint16_t> QuantisedCredibility(const cv::Mat& credibility) {
  std::vector<std::uint16_t> values;
  values.reserve(credibility.total());
  for (auto it = credibility.begin<float>(); it != credibility.end<float>(); ++it)
    values.push_back(std::isnan(*it) ? kNoCredibility
                                     : static_cast<std::uint16_t>(std::lround(
                                           std::clamp(*it, 0.0f, 1.0f) * (kNoCredibility - 1))));
  return values;
}

nlohmann::json ClassesJson(const ExplorerCredibility& c) {
  nlohmann::json classes = nlohmann::json::array();
  for (std::size_t i = 0; i < c.class_names.size(); ++i)
    classes.push_back({{"name", c.class_names[i]}, {"colour", HexColour(c.class_colours[i])}});
  return classes;
}

// One layer's votes: every cell's (class, similarity), and who cast them (image, cell, patch) for
// the `low` cells only.
nlohmann::json LayerJson(const ExplorerEvidence& e, const std::vector<int>& low,
                         const std::map<EvidencePatch, int>& number) {
  std::vector<std::uint8_t> label;
  std::vector<std::uint16_t> similarity;
  for (std::size_t m = 0; m < e.field.matches.size(); ++m) {
    label.push_back(e.labels[m] < 0 ? kNoLabel : static_cast<std::uint8_t>(e.labels[m]));
    similarity.push_back(static_cast<std::uint16_t>(
        std::lround((std::clamp(e.field.matches[m].similarity, -1.0f, 1.0f) + 1) * 32767)));
  }
  std::vector<std::int32_t> cells(low.begin(), low.end()), image;
  std::sort(cells.begin(), cells.end());
  std::vector<std::int16_t> y, x, patch;
  for (int cell : cells) {
    for (int j = 0; j < e.field.k; ++j) {
      const Match& match = e.field.matches[static_cast<std::size_t>(cell) * e.field.k + j];
      image.push_back(match.image);
      y.push_back(static_cast<std::int16_t>(match.y));
      x.push_back(static_cast<std::int16_t>(match.x));
      const auto found = number.find({match.image, match.y, match.x, e.stride});
      patch.push_back(static_cast<std::int16_t>(found == number.end() ? -1 : found->second));
    }
  }
  return {{"layer", e.layer},
          {"stride", e.stride},
          {"height", e.field.height},
          {"width", e.field.width},
          {"k", e.field.k},
          {"label", Pack(label)},
          {"similarity", Pack(similarity)},
          {"cells", Pack(cells)},
          {"image", Pack(image)},
          {"y", Pack(y)},
          {"x", Pack(x)},
          {"patch", Pack(patch)}};
}

}  // namespace

std::vector<EvidencePatch> ChooseEvidencePatches(const ExplorerCredibility& c) {
  return ChoosePatches(c, LowCredibilityCells(c));
}

nlohmann::json ExplorerCredibilityJson(const ExplorerCredibility& c,
                                       const std::vector<cv::Mat>& inputs,
                                       const std::vector<cv::Mat>& targets) {
  const std::vector<Candidate> low_cells = LowCredibilityCells(c);
  const std::vector<EvidencePatch> patches = ChoosePatches(c, low_cells);
  std::map<EvidencePatch, int> number;
  const nlohmann::json uris = PatchImages(patches, inputs, targets, number);

  const std::vector<std::uint16_t> values = QuantisedCredibility(c.credibility);
  const std::vector<std::uint8_t> predicted(c.predicted.begin<std::uint8_t>(),
                                            c.predicted.end<std::uint8_t>());
  const nlohmann::json classes = ClassesJson(c);

  // Every cell's votes (class, similarity); who cast them (image, cell, patch) for the cells
  // holding a pixel below the threshold, the ones a user asks about: the whole would be megabytes a
  // query.
  std::vector<std::vector<int>> low(c.evidence.size());
  for (const Candidate& cell : low_cells) low[cell.layer].push_back(cell.cell);
  nlohmann::json layers = nlohmann::json::array();
  for (std::size_t l = 0; l < c.evidence.size(); ++l)
    layers.push_back(LayerJson(c.evidence[l], low[l], number));
  return {{"map", ImageDataUri(c.heat_map)},
          {"values", Pack(values)},
          {"predicted", Pack(predicted)},
          {"classes", classes},
          {"threshold", c.threshold},
          {"max_patches", c.max_patches},
          {"patches", uris},
          {"layers", layers}};
}

}  // namespace compnn
