#include "embedded_image.h"

#include <opencv2/imgcodecs.hpp>
#include <stdexcept>
#include <unordered_set>
#include <vector>

namespace compnn {
namespace {

// Whether the image has more than `limit` distinct colours; stops counting past the limit.
bool HasMoreColoursThan(const cv::Mat& bgr, std::size_t limit) {
  std::unordered_set<std::uint32_t> colours;
  for (int y = 0; y < bgr.rows; ++y) {
    const cv::Vec3b* row = bgr.ptr<cv::Vec3b>(y);
    for (int x = 0; x < bgr.cols; ++x) {
      colours.insert(row[x][0] | row[x][1] << 8 | row[x][2] << 16);
      if (colours.size() > limit) return true;
    }
  }
  return false;
}

}  // namespace

std::string Base64(const void* data, std::size_t bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* in = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((bytes + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes; i += 3) {
    const std::uint32_t v = in[i] << 16 | in[i + 1] << 8 | in[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 63];
  }
  if (const std::size_t rest = bytes - i; rest > 0) {
    const std::uint32_t v = in[i] << 16 | (rest == 2 ? in[i + 1] << 8 : 0);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string ImageDataUri(const cv::Mat& bgr) {
  if (bgr.empty()) return "";
  if (bgr.type() != CV_8UC3) throw std::invalid_argument("an embedded image must be 8-bit BGR");
  const bool photo = HasMoreColoursThan(bgr, 256);
  std::vector<unsigned char> encoded;
  const std::vector<int> parameters =
      photo ? std::vector<int>{cv::IMWRITE_JPEG_QUALITY, 90} : std::vector<int>{};
  if (!cv::imencode(photo ? ".jpg" : ".png", bgr, encoded, parameters))
    throw std::runtime_error("could not encode an image for the page");
  return std::string(photo ? "data:image/jpeg;base64," : "data:image/png;base64,") +
         Base64(encoded.data(), encoded.size());
}

std::string ScriptSafeJson(const nlohmann::json& value) {
  const std::string text = value.dump(-1, ' ', /*ensure_ascii=*/true);
  std::string out;
  out.reserve(text.size());
  // Outside strings JSON has none of these characters, so every one is inside a string.
  for (char c : text) {
    if (c == '<')
      out += "\\u003c";
    else if (c == '>')
      out += "\\u003e";
    else if (c == '&')
      out += "\\u0026";
    else
      out += c;
  }
  return out;
}

std::string EscapeHtml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace compnn
