// An image's height and width in pixels, written "HxW" (a single N means N x N).
#pragma once

#include <optional>
#include <string>

namespace compnn {

struct ImageSize {
  int height = 0, width = 0;

  bool operator==(const ImageSize&) const = default;
  bool square() const { return height == width; }
  std::string ToString() const;  // "HxW"
};

// The largest image side compnn reads or makes: twice Cityscapes' 2048, far below sizes whose
// pixel counts overflow or exhaust memory.
constexpr int kMaxImageSide = 8192;

// "HxW" (e.g. "256x512") or "N" (N x N); both sides positive. Throws std::invalid_argument with a
// message that shows the expected form.
ImageSize ParseImageSize(const std::string& text);

// Throws OptionError naming `field` when `size` is given and a side is below `smallest`.
void CheckImageSize(const std::optional<ImageSize>& size, const std::string& field,
                    int smallest = 1);

}  // namespace compnn
