// The credibility part of an explorer page (ExplorerCredibility): its checks, the choice of the
// training patches embedded, and its JSON.
#pragma once

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "compnn/explain/explorer.h"

namespace compnn {

// Throws std::invalid_argument (the message led by `what`, naming the query) for maps of another
// size than `query_size`, evidence that does not fill its field or names a class without a name.
void CheckExplorerCredibility(const ExplorerCredibility& c, const cv::Size& query_size,
                              const std::string& what);

// One training patch embedded: the matched cell (image, y, x) at a layer of `stride`.
struct EvidencePatch {
  int image = 0, y = 0, x = 0, stride = 1;
  auto operator<=>(const EvidencePatch&) const = default;
};

// The patches embedded for `c`, in the order they are numbered: the neighbours (not void) of the
// cells holding a pixel below c.threshold that disagree with the class predicted at some pixel
// of their cell, at most c.max_patches distinct ones (see ExplorerCredibility).
std::vector<EvidencePatch> ChooseEvidencePatches(const ExplorerCredibility& c);

// The page's JSON of `c`; `inputs` and `targets` (BGR, indexed like the store) hold at least the
// images of ChooseEvidencePatches(c).
nlohmann::json ExplorerCredibilityJson(const ExplorerCredibility& c,
                                       const std::vector<cv::Mat>& inputs,
                                       const std::vector<cv::Mat>& targets);

}  // namespace compnn
