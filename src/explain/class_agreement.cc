#include "compnn/explain/class_agreement.h"

#include <stdexcept>

#include "compnn/eval/metrics.h"

namespace compnn {

AgreementWithNetwork MeasureAgreement(const cv::Mat& reconstruction, const cv::Mat& network,
                                      const Palette& palette) {
  if (reconstruction.type() != CV_8U || network.type() != CV_8U)
    throw std::invalid_argument("agreement: class maps must be 8-bit class ids");
  if (reconstruction.size() != network.size())
    throw std::invalid_argument(
        "agreement: the reconstruction and the network's classes differ in size");
  const int classes = palette.size();
  std::vector<std::int64_t> pixels(classes, 0), agreeing(classes, 0);
  for (int y = 0; y < network.rows; ++y) {
    const std::uint8_t* n = network.ptr<std::uint8_t>(y);
    const std::uint8_t* r = reconstruction.ptr<std::uint8_t>(y);
    for (int x = 0; x < network.cols; ++x) {
      if (n[x] == kIgnoreClass) continue;
      if (n[x] >= classes || (r[x] >= classes && r[x] != kIgnoreClass))
        throw std::invalid_argument("agreement: a class id outside the palette's " +
                                    std::to_string(classes) + " classes");
      ++pixels[n[x]];
      agreeing[n[x]] += r[x] == n[x];
    }
  }
  AgreementWithNetwork a;
  std::int64_t total = 0, agreed = 0;
  for (int c = 0; c < classes; ++c) {
    total += pixels[c];
    agreed += agreeing[c];
    a.classes.push_back({c, palette[c].name, palette[c].rgb, pixels[c],
                         pixels[c] ? static_cast<double>(agreeing[c]) / pixels[c] : -1.0});
  }
  if (total > 0) a.overall = static_cast<double>(agreed) / total;
  return a;
}

cv::Mat ClassesOfDrawing(const cv::Mat& bgr, const Palette& palette) {
  if (bgr.type() != CV_8UC3) throw std::invalid_argument("a label image must be 8-bit BGR");
  cv::Mat classes(bgr.size(), CV_8U);
  for (int y = 0; y < bgr.rows; ++y) {
    const cv::Vec3b* in = bgr.ptr<cv::Vec3b>(y);
    std::uint8_t* out = classes.ptr<std::uint8_t>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      const int exact = palette.Find(in[x]);
      out[x] = static_cast<std::uint8_t>(exact >= 0 ? exact : palette.Nearest(in[x]));
    }
  }
  return classes;
}

AgreementWithNetwork AgreementOfDrawings(const cv::Mat& reconstruction, const cv::Mat& network,
                                         const Palette& palette) {
  return MeasureAgreement(ClassesOfDrawing(reconstruction, palette),
                          ClassesOfDrawing(network, palette), palette);
}

nlohmann::json ToJson(const AgreementWithNetwork& agreement) {
  nlohmann::json per_class = nlohmann::json::object();
  for (const ClassAgreement& c : agreement.classes)
    if (c.pixels > 0) per_class[c.name] = {{"pixels", c.pixels}, {"agreement", c.agreement}};
  return {{"overall", agreement.overall}, {"per_class", per_class}};
}

}  // namespace compnn
