#include "typed_options.h"

#include <cstdlib>

namespace compnn::cli {

std::string FlagForField(const std::string& field) {
  static const std::map<std::string, std::string> renamed = {
      {"max_iterations", "--iterations"},
      {"cell_index.probes", "--index-probes"},
      {"cell_index.shortlist", "--index-shortlist"},
      {"cell_index.propagation", "--index-propagation"},
      {"min_improved_fraction", "--min-improved"},
      {"top_k", "--k"},
      {"path", "--model"},
      {"learning_rate", "--lr"},
      {"dir", "--import"},
      {"source", "SRC"},
  };
  for (std::size_t start = 0; start != std::string::npos;) {
    const auto found = renamed.find(field.substr(start));
    if (found != renamed.end()) return found->second;
    start = field.find('.', start);
    if (start != std::string::npos) ++start;
  }
  // Nested structs are flattened on the command line: the last part names the flag.
  std::string flag = field.substr(field.rfind('.') == std::string::npos ? 0 : field.rfind('.') + 1);
  for (char& c : flag) {
    if (c == '_') c = '-';
  }
  return "--" + flag;
}

CLI::Validator NotEmpty(const std::string& what) {
  return CLI::Validator(
      [what](std::string& value) -> std::string {
        return value.empty() ? "is empty: give " + what : std::string();
      },
      "");
}

CLI::Validator AtLeast(long long minimum) {
  return CLI::Validator(
      [minimum](std::string& value) -> std::string {
        // Text that is no number is left for the conversion to refuse; a number below the bound
        // is named with the bound (CLI11's own checks print the largest double in full).
        char* end = nullptr;
        const long double number = std::strtold(value.c_str(), &end);
        if (end == value.c_str() || *end != '\0') return "";
        if (number >= static_cast<long double>(minimum)) return "";
        return "must be at least " + std::to_string(minimum) + ", got " + value;
      },
      "");
}

CLI::Option* AddImageSizeOption(CLI::App* cmd, const std::string& flag,
                                std::optional<ImageSize>& size, const std::string& help) {
  CLI::Validator readable(
      [](std::string& input) -> std::string {
        try {
          ParseImageSize(input);
          return "";
        } catch (const std::invalid_argument& e) {
          return e.what();
        }
      },
      "");
  return cmd
      ->add_option_function<std::string>(
          flag, [&size](const std::string& text) { size = ParseImageSize(text); }, help)
      ->check(readable)
      ->type_name("HxW");
}

namespace {

// "R,G,B" as three numbers; an empty optional when the text is not that.
std::optional<std::array<float, 3>> ParseTriple(const std::string& text) {
  std::array<float, 3> values{};
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const std::size_t end = text.find(',', start);
    if ((i < 2) == (end == std::string::npos)) return std::nullopt;
    const std::string part = text.substr(start, end == std::string::npos ? end : end - start);
    try {
      std::size_t used = 0;
      values[i] = std::stof(part, &used);
      if (used != part.size()) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
    start = end + 1;
  }
  return values;
}

CLI::Option* AddTripleOption(CLI::App* cmd, const std::string& flag,
                             std::optional<InputNormalisation>& n, bool mean,
                             const std::string& help) {
  CLI::Validator triple(
      [](std::string& input) -> std::string {
        return ParseTriple(input) ? "" : "expected three numbers R,G,B, got '" + input + "'";
      },
      "");
  return cmd
      ->add_option_function<std::string>(
          flag,
          [&n, mean](const std::string& text) {
            if (!n) n.emplace();
            (mean ? n->mean : n->std) = *ParseTriple(text);
          },
          help)
      ->check(triple)
      ->type_name("R,G,B");
}

}  // namespace

void AddNormalisationOptions(CLI::App* cmd, std::optional<InputNormalisation>& normalisation) {
  CLI::Option* mean = AddTripleOption(
      cmd, "--mean", normalisation, true,
      "TorchScript: per-channel mean of inputs scaled to 0..1, torchvision-style (ImageNet: "
      "0.485,0.456,0.406); replaces --input-range, needs --std");
  CLI::Option* std = AddTripleOption(cmd, "--std", normalisation, false,
                                     "TorchScript: per-channel std (ImageNet: 0.229,0.224,0.225)");
  mean->needs(std);
  std->needs(mean);
}

std::string DescribeForCommandLine(const OptionError& error) {
  return FlagForField(error.field()) + " " + error.message();
}

}  // namespace compnn::cli
