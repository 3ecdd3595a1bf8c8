// What a dataset holds, read pair by pair: each split's pairs and size, and the share of every
// class among the label pixels (compnn data check prints it; class shares are what a dataset's
// authors publish, to check an import against).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compnn/data/dataset.h"

namespace compnn {

struct SplitCensus {
  std::string split;
  int pairs = 0;
  int height = 0, width = 0;  // the first pair's
};

struct DatasetCensus {
  std::vector<SplitCensus> splits;  // train, val and test where the dataset has them
  // Label pixels per class id (kIgnoreClass included), over every split; empty without labels.
  std::vector<long long> class_pixels;
  long long label_pixels = 0;

  // The share of class `id` among the label pixels.
  double Share(int id) const {
    return label_pixels > 0 ? static_cast<double>(class_pixels[id]) / label_pixels : 0.0;
  }
};

// Reads every pair (a decoding failure throws, naming the file); `progress` is told (split,
// pairs read, pairs of the split).
DatasetCensus TakeCensus(const Dataset& dataset,
                         const std::function<void(const std::string&, int, int)>& progress = {});

}  // namespace compnn
