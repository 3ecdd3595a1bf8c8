#include "synthetic_activations.h"

#include <cblas.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>

namespace compnn::bench {
namespace {

// A 4 x 4 stride-2 convolution with padding 1 and a leaky ReLU, channels last, by im2col + sgemm.
std::vector<float> ConvolveDown(const std::vector<float>& input, int size, int in_depth,
                                const std::vector<float>& weights, const std::vector<float>& bias,
                                int out_depth, float leak) {
  const int out = size / 2, patch = 16 * in_depth;
  std::vector<float> columns(static_cast<std::size_t>(out) * out * patch);
  for (int y = 0; y < out; ++y) {
    for (int x = 0; x < out; ++x) {
      float* column = &columns[(static_cast<std::size_t>(y) * out + x) * patch];
      for (int ky = 0; ky < 4; ++ky) {
        for (int kx = 0; kx < 4; ++kx, column += in_depth) {
          const int iy = 2 * y - 1 + ky, ix = 2 * x - 1 + kx;
          if (iy < 0 || ix < 0 || iy >= size || ix >= size) {
            std::fill(column, column + in_depth, 0.0f);
          } else {
            std::copy_n(&input[(static_cast<std::size_t>(iy) * size + ix) * in_depth], in_depth,
                        column);
          }
        }
      }
    }
  }
  std::vector<float> output(static_cast<std::size_t>(out) * out * out_depth);
  for (std::size_t i = 0; i < output.size(); ++i) output[i] = bias[i % out_depth];
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, out * out, out_depth, patch, 1.0f,
              columns.data(), patch, weights.data(), patch, 1.0f, output.data(), out_depth);
  for (float& v : output) v = v > 0 ? v : leak * v;
  return output;
}

std::vector<float> RandomWeights(int rows, int cols, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f / std::sqrt(static_cast<float>(cols)));
  std::vector<float> w(static_cast<std::size_t>(rows) * cols);
  for (float& v : w) v = normal(rng);
  return w;
}

}  // namespace

std::vector<MapView> ActivationSet::maps() const {
  std::vector<MapView> views;
  for (int i = 0; i < count; ++i) views.push_back(map(i));
  return views;
}

std::vector<std::string> FindPhotographs() {
  std::vector<std::string> photos;
  for (const char* dir :
       {"/usr/share/doc/opencv-doc/examples/data", "/usr/share/backgrounds/mate/nature"}) {
    if (!std::filesystem::is_directory(dir)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const std::string ext = entry.path().extension().string();
      if (ext == ".jpg" || ext == ".png") photos.push_back(entry.path().string());
    }
  }
  std::sort(photos.begin(), photos.end());
  if (photos.empty()) {
    throw std::runtime_error(
        "no photographs found: run scripts/install-deps (opencv-doc, mate-backgrounds)");
  }
  return photos;
}

ActivationSet MakeActivations(int count, int image_size, int depth, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> all = FindPhotographs();
  std::vector<cv::Mat> photos;
  std::vector<std::string> names;
  for (const std::string& path : all) {
    cv::Mat photo = cv::imread(path, cv::IMREAD_COLOR);
    if (photo.empty() || photo.rows < image_size || photo.cols < image_size) continue;
    photos.push_back(photo);
    names.push_back(path);
  }
  if (photos.empty()) throw std::runtime_error("no photograph is large enough for the crops");

  const int hidden = depth / 2;
  const std::vector<float> w1 = RandomWeights(hidden, 16 * 3, rng), b1(hidden, 0.0f);
  const std::vector<float> w2 = RandomWeights(depth, 16 * hidden, rng);
  std::vector<float> b2(depth);
  std::normal_distribution<float> bias(-0.1f, 0.1f);
  for (float& v : b2) v = bias(rng);

  ActivationSet set;
  set.count = count;
  set.height = set.width = image_size / 4;
  set.depth = depth;
  const std::size_t per_map = static_cast<std::size_t>(set.height) * set.width * depth;
  set.values.resize(per_map * count);
  std::vector<std::pair<int, std::pair<int, int>>> crops;
  for (int i = 0; i < count; ++i) {
    const int p = static_cast<int>(rng() % photos.size());
    const int scale_pick = static_cast<int>(rng() % 3);
    const cv::Mat& photo = photos[p];
    const int side = std::min({photo.rows, photo.cols, image_size << scale_pick});
    const int y = static_cast<int>(rng() % (photo.rows - side + 1));
    const int x = static_cast<int>(rng() % (photo.cols - side + 1));
    cv::Mat crop;
    cv::resize(photo(cv::Rect(x, y, side, side)), crop, cv::Size(image_size, image_size), 0, 0,
               cv::INTER_AREA);
    std::vector<float> pixels(static_cast<std::size_t>(image_size) * image_size * 3);
    for (int r = 0; r < image_size; ++r)
      for (int c = 0; c < image_size; ++c)
        for (int ch = 0; ch < 3; ++ch)
          pixels[(static_cast<std::size_t>(r) * image_size + c) * 3 + ch] =
              crop.at<cv::Vec3b>(r, c)[ch] / 127.5f - 1.0f;
    const auto h1 = ConvolveDown(pixels, image_size, 3, w1, b1, hidden, 0.2f);
    const auto h2 = ConvolveDown(h1, image_size / 2, hidden, w2, b2, depth, 0.0f);
    std::copy(h2.begin(), h2.end(), set.values.begin() + per_map * i);
    set.sources.push_back(names[p]);
  }
  return set;
}

}  // namespace compnn::bench
