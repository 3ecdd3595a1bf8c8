// Draws a facade layout twice: as a class map (CMP Facades classes) and as a photo-like image.
#pragma once

#include <cstdint>

#include <opencv2/core.hpp>

#include "facade_layout.h"

namespace compnn::data {

struct FacadeImages {
  cv::Mat classes;  // CV_8U, one FacadeClass per pixel
  cv::Mat photo;    // CV_8UC3, BGR
};

FacadeImages RenderFacade(const FacadeLayout& layout, std::uint64_t seed);

}  // namespace compnn::data
