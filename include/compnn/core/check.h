// One way to refuse bad input, for every library: a condition and the words that explain it,
// assembled only when the check fails (as faiss's FAISS_THROW_IF_NOT_FMT and COLMAP's THROW_CHECK).
//
//   COMPNN_CHECK(rows > 0, path, ": the array has no rows");          // std::runtime_error
//   COMPNN_CHECK_OPTION(topk_images >= 0, "topk_images", "must not be negative, got ",
//   topk_images);
//
// An options struct's Check() uses COMPNN_CHECK_OPTION: the error names the struct's field, so a
// front end (the compnn tool, Python) can name its own flag or argument for it instead.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace compnn {

// An options field out of range. what() is "FIELD MESSAGE"; field() is the field's name as the
// struct spells it, dotted for nested structs ("patch_match.max_iterations").
class OptionError : public std::invalid_argument {
 public:
  OptionError(std::string field, const std::string& message)
      : std::invalid_argument(field + " " + message), field_(std::move(field)), message_(message) {}
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }  // what() without the field

 private:
  std::string field_, message_;
};

// The words of an error, streamed together (numbers, strings, anything with operator<<).
template <typename... Parts>
std::string Concat(const Parts&... parts) {
  std::ostringstream text;
  (text << ... << parts);
  return text.str();
}

// Runs an options struct's nested Check(), prefixing the fields it names with `prefix.`.
template <typename Nested>
void CheckNested(const std::string& prefix, const Nested& nested) {
  try {
    nested.Check();
  } catch (const OptionError& e) {
    throw OptionError(prefix + "." + e.field(), e.message());
  }
}

}  // namespace compnn

#define COMPNN_CHECK(condition, ...)                                           \
  do {                                                                         \
    if (!(condition)) throw std::runtime_error(::compnn::Concat(__VA_ARGS__)); \
  } while (false)

#define COMPNN_CHECK_OPTION(condition, field, ...)                                       \
  do {                                                                                   \
    if (!(condition)) throw ::compnn::OptionError(field, ::compnn::Concat(__VA_ARGS__)); \
  } while (false)
