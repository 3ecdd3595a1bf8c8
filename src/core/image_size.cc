#include "compnn/core/image_size.h"

#include <charconv>
#include <stdexcept>

#include "compnn/core/check.h"

namespace compnn {

namespace {

// A whole positive number, or -1.
int ParseSide(std::string_view text) {
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && value > 0 ? value : -1;
}

}  // namespace

std::string ImageSize::ToString() const {
  return std::to_string(height) + "x" + std::to_string(width);
}

ImageSize ParseImageSize(const std::string& text) {
  const std::size_t x = text.find_first_of("xX");
  const std::string_view view(text);
  const int height = ParseSide(x == std::string::npos ? view : view.substr(0, x));
  const int width = x == std::string::npos ? height : ParseSide(view.substr(x + 1));
  if (height < 0 || width < 0) {
    throw std::invalid_argument(
        "expected HEIGHTxWIDTH (e.g. 256x512) or one side N for N x N, "
        "got '" +
        text + "'");
  }
  if (height > kMaxImageSide || width > kMaxImageSide) {
    throw std::invalid_argument("sides must be at most " + std::to_string(kMaxImageSide) +
                                ", got '" + text + "'");
  }
  return {height, width};
}

void CheckImageSize(const std::optional<ImageSize>& size, const std::string& field, int smallest) {
  COMPNN_CHECK_OPTION(!size || (size->height >= smallest && size->width >= smallest), field,
                      "must be at least ", smallest, "x", smallest, ", got ",
                      size ? size->ToString() : "");
  COMPNN_CHECK_OPTION(!size || (size->height <= kMaxImageSide && size->width <= kMaxImageSide),
                      field, "sides must be at most ", kMaxImageSide, ", got ", size->ToString());
}

}  // namespace compnn
