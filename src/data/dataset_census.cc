#include "compnn/data/dataset_census.h"

namespace compnn {

DatasetCensus TakeCensus(const Dataset& dataset,
                         const std::function<void(const std::string&, int, int)>& progress) {
  DatasetCensus census;
  if (dataset.has_labels()) census.class_pixels.assign(256, 0);
  for (const char* split : {"train", "val", "test"}) {
    if (std::string(split) == "test" && !dataset.HasSplit(split)) continue;
    const std::vector<std::string> names = dataset.Names(split);
    const int pairs = static_cast<int>(names.size());
    for (int i = 0; i < pairs; ++i) {
      const ImagePair pair = dataset.Read(split, names[i]);
      if (dataset.has_labels()) {
        const cv::Mat& labels = SideOf(pair, *dataset.label_side());
        for (int y = 0; y < labels.rows; ++y)
          for (int x = 0; x < labels.cols; ++x)
            ++census.class_pixels[dataset.palette().Find(labels.at<cv::Vec3b>(y, x))];
        census.label_pixels += static_cast<long long>(labels.total());
      }
      if (progress) progress(split, i + 1, pairs);
    }
    const cv::Mat& first = dataset.Read(split, names[0]).a;
    census.splits.push_back({split, pairs, first.rows, first.cols});
  }
  return census;
}

}  // namespace compnn
