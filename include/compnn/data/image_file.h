// Image files read from datasets, importers and queries: whole and well-formed before OpenCV
// decodes them, so that a truncated or damaged file is refused in one line that names it, instead
// of reaching libpng or libjpeg (which print their own complaints, or decode half an image).
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <string_view>

namespace compnn {

// The file's bytes, checked: a PNG's chunks each whole with a matching CRC, up to IEND, and its
// header's size within 2 x kMaxImageSide on each side; a JPEG starts with SOI, ends with EOI, and
// its frame header's sides are within the same bound. Other formats are refused. Throws
// std::runtime_error naming `path` and the fault.
void CheckImageBytes(std::string_view bytes, const std::string& path);

// Which formats a reader takes: any OpenCV decodes, or PNG only (a dataset's layout promises PNG).
enum class ImageFormats { kAny, kPngOnly };

// Reads a regular file (not a FIFO or a device), checks it and decodes it with cv::imdecode
// (`flags` as for cv::imread). Throws std::runtime_error naming `path`.
cv::Mat ReadImageFile(const std::string& path, int flags,
                      ImageFormats formats = ImageFormats::kAny);

}  // namespace compnn
