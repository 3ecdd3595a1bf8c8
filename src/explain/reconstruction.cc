#include "compnn/explain/reconstruction.h"

#include "compnn/core/check.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace compnn {

void PasteGeometry::Check() const {
  COMPNN_CHECK_OPTION(stride >= 1, "stride", "must be positive, got ", stride);
  COMPNN_CHECK_OPTION(block.height >= 1 && block.width >= 1, "block",
                      "must be at least 1 x 1, got ", block.height, " x ", block.width);
  COMPNN_CHECK_OPTION(std::isfinite(vote_power) && vote_power >= 0, "vote_power",
                      "must be a finite number >= 0, got ", vote_power);
}
void PasteOptions::Check() const { PasteGeometry{1, {1, 1}, vote_power}.Check(); }

namespace {

// Weights this small still order pixels whose every vote has similarity <= 0 (they then count
// equally), and never outweigh a vote of positive similarity in practice.
constexpr double kFloorWeight = 1e-300;

double VoteWeight(float similarity, double power) {
  return std::max(std::pow(std::max(0.0, static_cast<double>(similarity)), power), kFloorWeight);
}

// Checks that every match has a source of the common size, in whole cells of the stride, and
// returns that size.
cv::Size CheckSources(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                      int stride, int type) {
  cv::Size size;
  for (const Match& m : field.matches) {
    if (m.image < 0 || m.image >= static_cast<int>(sources.size()) || sources[m.image].empty())
      throw std::invalid_argument("reconstruction: no source image for match image " +
                                  std::to_string(m.image));
    const cv::Mat& source = sources[m.image];
    if (source.type() != type)
      throw std::invalid_argument("reconstruction: source image " + std::to_string(m.image) +
                                  " has the wrong pixel type");
    if (size.empty()) size = source.size();
    if (source.size() != size || size.width % stride || size.height % stride)
      throw std::invalid_argument("reconstruction: source image " + std::to_string(m.image) +
                                  " is " + std::to_string(source.cols) + " x " +
                                  std::to_string(source.rows) +
                                  ", not the common size in whole cells of the stride");
  }
  return size;
}

// Calls paste(query_y, query_x, source, source_y, source_x, weight) in pixels for every
// stride x stride patch that the field pastes, after checking the sources it uses. Block cells
// are clamped one by one, as GatherHyperpatch clamps a hyperpatch's cells.
template <typename Paste>
void ForEachPastedPatch(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                        const PasteGeometry& g, int type, Paste&& paste) {
  g.Check();
  ValidateHyperpatch(g.block);
  const cv::Size size = CheckSources(field, sources, g.stride, type);
  const int source_h = size.height / g.stride, source_w = size.width / g.stride;
  const auto clamp = [](int v, int extent) { return std::clamp(v, 0, extent - 1); };
  for (int y = 0; y < field.height; ++y) {
    for (int x = 0; x < field.width; ++x) {
      for (int rank = 0; rank < field.k; ++rank) {
        const Match& m = field.at(y, x, rank);
        if (m.y < 0 || m.y >= source_h || m.x < 0 || m.x >= source_w)
          throw std::invalid_argument("reconstruction: match cell outside source image " +
                                      std::to_string(m.image));
        const double weight = VoteWeight(m.similarity, g.vote_power);
        for (int dy = 0; dy < g.block.height; ++dy) {
          const int qy = clamp(y - g.block.top() + dy, field.height);
          const int sy = clamp(m.y - g.block.top() + dy, source_h);
          for (int dx = 0; dx < g.block.width; ++dx) {
            const int qx = clamp(x - g.block.left() + dx, field.width);
            const int sx = clamp(m.x - g.block.left() + dx, source_w);
            paste(qy * g.stride, qx * g.stride, sources[m.image], sy * g.stride, sx * g.stride,
                  weight);
          }
        }
      }
    }
  }
}

}  // namespace

cv::Mat ReconstructPhoto(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                         const PasteGeometry& g) {
  const int s = g.stride;
  cv::Mat sum(field.height * s, field.width * s, CV_64FC3, cv::Scalar::all(0));
  cv::Mat total(sum.size(), CV_64F, cv::Scalar(0));
  ForEachPastedPatch(field, sources, g, CV_8UC3,
                     [&](int qy, int qx, const cv::Mat& src, int sy, int sx, double w) {
                       for (int i = 0; i < s; ++i) {
                         const cv::Vec3b* in = src.ptr<cv::Vec3b>(sy + i) + sx;
                         cv::Vec3d* out = sum.ptr<cv::Vec3d>(qy + i) + qx;
                         double* n = total.ptr<double>(qy + i) + qx;
                         for (int j = 0; j < s; ++j) {
                           out[j] += w * cv::Vec3d(in[j][0], in[j][1], in[j][2]);
                           n[j] += w;
                         }
                       }
                     });
  cv::Mat result(sum.size(), CV_8UC3);
  for (int y = 0; y < sum.rows; ++y) {
    for (int x = 0; x < sum.cols; ++x) {
      const double n = total.at<double>(y, x);
      const cv::Vec3d v = n > 0 ? sum.at<cv::Vec3d>(y, x) / n : cv::Vec3d();
      result.at<cv::Vec3b>(y, x) =
          cv::Vec3b(cv::saturate_cast<uchar>(v[0]), cv::saturate_cast<uchar>(v[1]),
                    cv::saturate_cast<uchar>(v[2]));
    }
  }
  return result;
}

cv::Mat ReconstructLabels(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                          const PasteGeometry& g, int classes) {
  if (classes < 1 || classes >= kIgnoreClass)
    throw std::invalid_argument("reconstruction: classes must be in [1, " +
                                std::to_string(kIgnoreClass - 1) + "]");
  const int s = g.stride;
  const int height = field.height * s, width = field.width * s;
  // One more slot per pixel for ignore votes, which count only when no class has a vote.
  const int slots = classes + 1;
  std::vector<double> votes(static_cast<std::size_t>(height) * width * slots, 0.0);
  ForEachPastedPatch(
      field, sources, g, CV_8U, [&](int qy, int qx, const cv::Mat& src, int sy, int sx, double w) {
        for (int i = 0; i < s; ++i) {
          const uchar* in = src.ptr<uchar>(sy + i) + sx;
          for (int j = 0; j < s; ++j) {
            if (in[j] >= classes && in[j] != kIgnoreClass)
              throw std::invalid_argument("reconstruction: a source holds class " +
                                          std::to_string(in[j]) + " of only " +
                                          std::to_string(classes));
            const int slot = in[j] == kIgnoreClass ? classes : in[j];
            votes[(static_cast<std::size_t>(qy + i) * width + qx + j) * slots + slot] += w;
          }
        }
      });
  cv::Mat result(height, width, CV_8U);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double* v = &votes[(static_cast<std::size_t>(y) * width + x) * slots];
      const double* best = std::max_element(v, v + classes);
      result.at<uchar>(y, x) =
          *best == 0 && v[classes] > 0 ? kIgnoreClass : static_cast<uchar>(best - v);
    }
  }
  return result;
}

cv::Mat SourceImageMap(const CorrespondenceField& field, int stride) {
  cv::Mat map(field.height * stride, field.width * stride, CV_32S);
  for (int y = 0; y < map.rows; ++y) {
    for (int x = 0; x < map.cols; ++x) map.at<int>(y, x) = field.at(y / stride, x / stride).image;
  }
  return map;
}

}  // namespace compnn
