#include "compnn/core/field_coherence.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <vector>

namespace compnn {

FieldCoherence MeasureCoherence(const CorrespondenceField& field, int top_sources) {
  if (top_sources < 1) throw std::invalid_argument("top_sources must be at least 1");
  const int h = field.height, w = field.width;
  if (h < 1 || w < 1) throw std::invalid_argument("the correspondence field is empty");
  std::vector<int> image(static_cast<std::size_t>(h) * w);
  std::map<int, int> cells_of;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      image[static_cast<std::size_t>(y) * w + x] = field.at(y, x).image;
      ++cells_of[field.at(y, x).image];
    }
  }
  FieldCoherence c;
  c.images = static_cast<int>(cells_of.size());
  std::vector<int> counts;
  for (const auto& [id, n] : cells_of) counts.push_back(n);
  std::sort(counts.rbegin(), counts.rend());
  long covered = 0;
  for (int i = 0; i < std::min<int>(top_sources, counts.size()); ++i) covered += counts[i];
  c.top_sources_share = static_cast<double>(covered) / image.size();

  // Regions by flood fill over 4-neighbours of the same source image.
  std::vector<char> seen(image.size(), 0);
  std::vector<int> stack;
  for (std::size_t start = 0; start < image.size(); ++start) {
    if (seen[start]) continue;
    ++c.regions;
    seen[start] = 1;
    stack.assign(1, static_cast<int>(start));
    while (!stack.empty()) {
      const int cell = stack.back();
      stack.pop_back();
      const int y = cell / w, x = cell % w;
      const int neighbours[4][2] = {{y - 1, x}, {y + 1, x}, {y, x - 1}, {y, x + 1}};
      for (const auto& [ny, nx] : neighbours) {
        if (ny < 0 || ny >= h || nx < 0 || nx >= w) continue;
        const int next = ny * w + nx;
        if (seen[next] || image[next] != image[cell]) continue;
        seen[next] = 1;
        stack.push_back(next);
      }
    }
  }
  c.mean_region_cells = static_cast<double>(image.size()) / c.regions;
  return c;
}

}  // namespace compnn
