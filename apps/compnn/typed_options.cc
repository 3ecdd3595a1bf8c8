#include "typed_options.h"

namespace compnn::cli {

std::string FlagForField(const std::string& field) {
  static const std::map<std::string, std::string> renamed = {
      {"max_iterations", "--iterations"},
      {"min_improved_fraction", "--min-improved"},
      {"top_k", "--matches-per-cell"},
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

std::string DescribeForCommandLine(const OptionError& error) {
  return FlagForField(error.field()) + " " + error.message();
}

}  // namespace compnn::cli
