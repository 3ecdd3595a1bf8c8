// How closely a reconstruction follows the network, class by class: of the pixels the network
// gives class c, the share the reconstruction gives c too. An explanation that pastes "road"
// where the network sees a pole is unfaithful exactly where a user looks, which the overall
// agreement (dominated by road, sky and buildings) hides.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/data/dataset.h"

namespace compnn {

struct ClassAgreement {
  int id = 0;
  std::string name;
  cv::Vec3b rgb;
  std::int64_t pixels = 0;  // the network's pixels of the class
  double agreement = -1;    // the share of them the reconstruction gives the class; -1: none
};

struct AgreementWithNetwork {
  double overall = -1;  // pixel accuracy against the network's classes; -1 for no pixels
  std::vector<ClassAgreement> classes;  // every class of the palette, in id order
};

// Class maps (CV_8U ids, kIgnoreClass allowed in the reconstruction: counted as disagreeing) of
// one size. Pixels where the network gives kIgnoreClass are left out. Throws
// std::invalid_argument for maps of another type or size, or ids outside the palette.
AgreementWithNetwork MeasureAgreement(const cv::Mat& reconstruction, const cv::Mat& network,
                                      const Palette& palette);

// The classes of a label image a reconstruction or a network drew (BGR): a palette colour (the
// ignore class's included) is its class, any other colour (a generated label image) the nearest
// class's.
cv::Mat ClassesOfDrawing(const cv::Mat& bgr, const Palette& palette);

// How a drawn reconstruction follows the network's drawn output (both BGR label images, read by
// ClassesOfDrawing): what explanations report for label targets.
AgreementWithNetwork AgreementOfDrawings(const cv::Mat& reconstruction, const cv::Mat& network,
                                         const Palette& palette);

// {"overall": ..., "per_class": {"NAME": {"pixels": N, "agreement": A}, ...}}, classes the
// network does not predict left out.
nlohmann::json ToJson(const AgreementWithNetwork& agreement);

}  // namespace compnn
