// The command line's edge: words become the library's types here and nowhere else, and the
// library's errors about options fields are told back in terms of this tool's flags.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/check.h"
#include "compnn/core/enum_names.h"
#include "compnn/core/image_size.h"
#include "compnn/core/strings.h"
#include "compnn/models/model_types.h"

namespace compnn::cli {

// An option whose words (`names`) become an enum value; --help lists the words and the default.
template <typename Enum>
CLI::Option* AddEnumOption(CLI::App* cmd, const std::string& flag, Enum& value,
                           const std::map<std::string, Enum>& names, const std::string& help) {
  std::vector<std::string> words;
  std::string current;
  for (const auto& [word, v] : names) {
    words.push_back(word);
    if (v == value) current = word;
  }
  // The word becomes the enum's number, which CLI11 then reads into the enum; only the words are
  // accepted (CLI11's CheckedTransformer would take the numbers too, and its error lists them).
  CLI::Validator to_enum(
      [names, words](std::string& input) -> std::string {
        const auto found = names.find(input);
        if (found == names.end())
          return "must be one of " + QuotedChoices(names) + ", got '" + input + "'";
        input = std::to_string(static_cast<int>(found->second));
        return "";
      },
      "");
  return cmd->add_option(flag, value, help)
      ->transform(to_enum)
      ->type_name(Join(words, "|"))
      ->default_str(current);
}

// An image size given as HxW (height x width) or N (N x N).
CLI::Option* AddImageSizeOption(CLI::App* cmd, const std::string& flag,
                                std::optional<ImageSize>& size, const std::string& help);

// --mean R,G,B and --std R,G,B, given together: torchvision-style input normalisation.
void AddNormalisationOptions(CLI::App* cmd, std::optional<InputNormalisation>& normalisation);

// The flag that sets an options struct's field: "topk_images" -> "--topk-images", with the
// exceptions where the flag's name differs (max_iterations -> --iterations), looked up for the
// whole dotted field and then for ever shorter suffixes (search.patch_match.max_iterations).
std::string FlagForField(const std::string& field);

// Refuses an empty value ("" from a script's unset variable) where `what` is expected, instead of
// treating it as not given.
CLI::Validator NotEmpty(const std::string& what);

// Refuses a number below `minimum`, naming the bound: AtLeast(0) for counts that may be zero,
// AtLeast(1) for those that may not.
CLI::Validator AtLeast(long long minimum);

// The error's text with the field named by its flag: "--topk-images must not be negative".
std::string DescribeForCommandLine(const OptionError& error);

}  // namespace compnn::cli
