#include "compnn/core/layer_choice.h"

#include <algorithm>

namespace compnn {

std::string DefaultExplainLayer(const std::vector<LayerShape>& layers,
                                const std::string& bottleneck) {
  std::size_t start = 0;
  while (start < layers.size() && layers[start].name != bottleneck) ++start;
  const LayerShape* chosen = nullptr;
  for (std::size_t i = start + 1; i < layers.size(); ++i) {
    // The output, and layers at the input's resolution, paste single pixels: the output again.
    if (layers[i].name == "output" || layers[i].stride <= 1) continue;
    if (!chosen || layers[i].stride <= chosen->stride) chosen = &layers[i];
  }
  return chosen ? chosen->name : "";
}

std::string Bottleneck(const std::vector<LayerShape>& layers) {
  const LayerShape* fewest = nullptr;
  const LayerShape* reached = nullptr;  // the last map on the encoder's path
  for (const LayerShape& l : layers) {
    const bool step =
        !reached || (2 * l.height >= reached->height && 2 * l.width >= reached->width);
    if (!step) continue;  // a global pool, or computed from one
    reached = &l;
    if (!fewest || l.height * l.width < fewest->height * fewest->width) fewest = &l;
  }
  return fewest ? fewest->name : "";
}

std::string FewestCells(const std::vector<LayerShape>& layers) {
  const LayerShape* fewest = nullptr;
  for (const LayerShape& l : layers) {
    if (!fewest || static_cast<long long>(l.height) * l.width <
                       static_cast<long long>(fewest->height) * fewest->width)
      fewest = &l;
  }
  return fewest ? fewest->name : "";
}

std::vector<std::string> InForwardOrder(const std::vector<std::string>& names,
                                        const std::vector<std::string>& modules_in_forward_order) {
  constexpr std::string_view kInput = ":input";
  std::vector<std::pair<long long, std::string>> ranked;
  for (const std::string& name : names) {
    if (std::any_of(ranked.begin(), ranked.end(), [&](const auto& r) { return r.second == name; }))
      continue;
    const bool input = name.ends_with(kInput);
    const std::string module = input ? name.substr(0, name.size() - kInput.size()) : name;
    const auto it =
        std::find(modules_in_forward_order.begin(), modules_in_forward_order.end(), module);
    ranked.emplace_back(2 * (it - modules_in_forward_order.begin()) - (input ? 1 : 0), name);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> ordered;
  for (auto& r : ranked) ordered.push_back(std::move(r.second));
  return ordered;
}

}  // namespace compnn
