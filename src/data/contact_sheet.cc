#include "compnn/data/contact_sheet.h"

#include <algorithm>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace compnn {
namespace {

// The attributes worth a caption: string values first (colour, material, ...), then small
// numbers with their names, then the classes of pasted objects.
std::string Caption(const nlohmann::json& meta) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : meta.items()) {
    if (value.is_string() && key != "split" && key != "name")
      parts.push_back(value.get<std::string>());
  }
  for (const auto& [key, value] : meta.items()) {
    if (value.is_number_integer() && key != "seed") parts.push_back(key + " " + value.dump());
  }
  if (meta.contains("objects")) {
    for (const auto& object : meta["objects"]) parts.push_back(object.value("class", "?"));
  }
  std::string text;
  for (const std::string& part : parts) {
    if (text.size() + part.size() > 44) break;
    text += (text.empty() ? "" : ", ") + part;
  }
  return text;
}

}  // namespace

cv::Mat MakeContactSheet(const Dataset& dataset, const std::string& split, int count, int columns,
                         int tile_size) {
  const std::vector<std::string> names = dataset.Names(split);
  count = std::min<int>(count, names.size());
  columns = std::max(1, std::min(columns, count));
  const int rows = (count + columns - 1) / columns;
  const int caption = 34, gap = 8;
  const int cell_w = 2 * tile_size + gap, cell_h = tile_size + caption;
  cv::Mat sheet(rows * cell_h + gap, columns * cell_w + gap, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int i = 0; i < count; ++i) {
    const ImagePair pair = dataset.Read(split, names[i]);
    const int x = gap + (i % columns) * cell_w, y = gap + (i / columns) * cell_h;
    cv::Mat a, b;
    cv::resize(pair.a, a, cv::Size(tile_size, tile_size), 0, 0, cv::INTER_AREA);
    cv::resize(pair.b, b, cv::Size(tile_size, tile_size), 0, 0, cv::INTER_NEAREST);
    a.copyTo(sheet(cv::Rect(x, y, tile_size, tile_size)));
    b.copyTo(sheet(cv::Rect(x + tile_size, y, tile_size, tile_size)));
    cv::putText(sheet, names[i], {x, y + tile_size + 13}, cv::FONT_HERSHEY_SIMPLEX, 0.4, {0, 0, 0},
                1, cv::LINE_AA);
    cv::putText(sheet, Caption(dataset.Meta(split, names[i])), {x, y + tile_size + 27},
                cv::FONT_HERSHEY_SIMPLEX, 0.35, {80, 80, 80}, 1, cv::LINE_AA);
  }
  return sheet;
}

}  // namespace compnn
