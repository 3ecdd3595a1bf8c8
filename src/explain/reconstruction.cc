#include "compnn/explain/reconstruction.h"

#include "compnn/core/check.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace compnn {

void PasteGeometry::Check() const {
  COMPNN_CHECK_OPTION(stride >= 1, "stride", "must be positive, got ", stride);
  COMPNN_CHECK_OPTION(block.height >= 1 && block.width >= 1, "block",
                      "must be at least 1 x 1, got ", block.height, " x ", block.width);
}
namespace {

// The top-left cell of the hyperpatch-shaped block around (y, x) of a height x width map,
// clamped inside it as hyperpatches are.
int BlockStart(int position, int offset, int extent, int size) {
  return std::clamp(position - offset, 0, std::max(0, size - extent));
}

// Calls paste(query_y, query_x, source, source_y, source_x) in pixels for every stride x stride
// patch that the field pastes, after checking the sources it uses.
template <typename Paste>
void ForEachPastedPatch(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                        const PasteGeometry& g, int type, Paste&& paste) {
  g.Check();
  ValidateHyperpatch(g.block);
  cv::Size size;
  for (int y = 0; y < field.height; ++y) {
    for (int x = 0; x < field.width; ++x) {
      const Match& m = field.at(y, x);
      if (m.image < 0 || m.image >= static_cast<int>(sources.size()) || sources[m.image].empty())
        throw std::invalid_argument("reconstruction: no source image for match image " +
                                    std::to_string(m.image));
      const cv::Mat& source = sources[m.image];
      if (source.type() != type)
        throw std::invalid_argument("reconstruction: source image " + std::to_string(m.image) +
                                    " has the wrong pixel type");
      if (size.empty()) size = source.size();
      if (source.size() != size || size.width % g.stride || size.height % g.stride)
        throw std::invalid_argument("reconstruction: source image " + std::to_string(m.image) +
                                    " is " + std::to_string(source.cols) + " x " +
                                    std::to_string(source.rows) +
                                    ", not the common size in whole cells of the stride");
    }
  }
  const int source_h = size.height / g.stride, source_w = size.width / g.stride;
  const int bh = std::min(g.block.height, std::min(field.height, source_h));
  const int bw = std::min(g.block.width, std::min(field.width, source_w));
  for (int y = 0; y < field.height; ++y) {
    for (int x = 0; x < field.width; ++x) {
      const Match& m = field.at(y, x);
      if (m.y < 0 || m.y >= source_h || m.x < 0 || m.x >= source_w)
        throw std::invalid_argument("reconstruction: match cell outside source image " +
                                    std::to_string(m.image));
      const int qy = BlockStart(y, g.block.top(), bh, field.height);
      const int qx = BlockStart(x, g.block.left(), bw, field.width);
      const int sy = BlockStart(m.y, g.block.top(), bh, source_h);
      const int sx = BlockStart(m.x, g.block.left(), bw, source_w);
      for (int dy = 0; dy < bh; ++dy) {
        for (int dx = 0; dx < bw; ++dx) {
          paste((qy + dy) * g.stride, (qx + dx) * g.stride, sources[m.image], (sy + dy) * g.stride,
                (sx + dx) * g.stride);
        }
      }
    }
  }
}

}  // namespace

cv::Mat ReconstructPhoto(const CorrespondenceField& field, const std::vector<cv::Mat>& sources,
                         const PasteGeometry& g) {
  const int s = g.stride;
  cv::Mat sum(field.height * s, field.width * s, CV_32FC3, cv::Scalar::all(0));
  cv::Mat count(sum.size(), CV_32F, cv::Scalar(0));
  ForEachPastedPatch(field, sources, g, CV_8UC3,
                     [&](int qy, int qx, const cv::Mat& src, int sy, int sx) {
                       for (int i = 0; i < s; ++i) {
                         const cv::Vec3b* in = src.ptr<cv::Vec3b>(sy + i) + sx;
                         cv::Vec3f* out = sum.ptr<cv::Vec3f>(qy + i) + qx;
                         float* n = count.ptr<float>(qy + i) + qx;
                         for (int j = 0; j < s; ++j) {
                           out[j] += cv::Vec3f(in[j][0], in[j][1], in[j][2]);
                           n[j] += 1.0f;
                         }
                       }
                     });
  cv::Mat result(sum.size(), CV_8UC3);
  for (int y = 0; y < sum.rows; ++y) {
    for (int x = 0; x < sum.cols; ++x) {
      const float n = std::max(1.0f, count.at<float>(y, x));
      const cv::Vec3f v = sum.at<cv::Vec3f>(y, x) / n;
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
  std::vector<std::uint16_t> votes(static_cast<std::size_t>(height) * width * slots, 0);
  ForEachPastedPatch(
      field, sources, g, CV_8U, [&](int qy, int qx, const cv::Mat& src, int sy, int sx) {
        for (int i = 0; i < s; ++i) {
          const uchar* in = src.ptr<uchar>(sy + i) + sx;
          for (int j = 0; j < s; ++j) {
            if (in[j] >= classes && in[j] != kIgnoreClass)
              throw std::invalid_argument("reconstruction: a source holds class " +
                                          std::to_string(in[j]) + " of only " +
                                          std::to_string(classes));
            const int slot = in[j] == kIgnoreClass ? classes : in[j];
            ++votes[(static_cast<std::size_t>(qy + i) * width + qx + j) * slots + slot];
          }
        }
      });
  cv::Mat result(height, width, CV_8U);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const std::uint16_t* v = &votes[(static_cast<std::size_t>(y) * width + x) * slots];
      const std::uint16_t* best = std::max_element(v, v + classes);
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
