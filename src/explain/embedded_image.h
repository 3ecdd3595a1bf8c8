// What a self-contained HTML page embeds: bytes as base64, images as data URIs, JSON that cannot
// close the <script> element it sits in, and text escaped for HTML.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <string_view>

namespace compnn {

// RFC 4648 base64, with padding.
std::string Base64(const void* data, std::size_t bytes);

// A data URI of a BGR image: PNG when it has at most 256 distinct colours (label maps stay
// exact), JPEG at quality 90 otherwise (photos, at a fraction of PNG's size). Empty for an
// empty image.
std::string ImageDataUri(const cv::Mat& bgr);

// JSON text safe inside <script type="application/json">: ASCII only, and '<', '>' and '&'
// written as \u escapes, so no string in it can close the element or open a comment.
std::string ScriptSafeJson(const nlohmann::json& value);

// Text for HTML content and attribute values: & < > " ' escaped.
std::string EscapeHtml(std::string_view text);

}  // namespace compnn
