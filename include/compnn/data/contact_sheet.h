// A contact sheet: a few pairs of a dataset side by side, captioned, as one image.
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "compnn/data/dataset.h"

namespace compnn {

// The first `count` pairs of `split` (A | B each), in `columns` columns, captioned with their
// names and, when meta.jsonl has them, their attributes. BGR.
cv::Mat MakeContactSheet(const Dataset& dataset, const std::string& split, int count, int columns,
                         int tile_size);

}  // namespace compnn
