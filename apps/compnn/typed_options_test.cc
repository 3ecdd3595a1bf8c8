#include "typed_options.h"

#include <gtest/gtest.h>

#include "compnn/core/search_method.h"

namespace compnn::cli {
namespace {

TEST(FlagForField, FlattensNestedFieldsAndKnowsTheRenamedFlags) {
  EXPECT_EQ(FlagForField("topk_images"), "--topk-images");
  EXPECT_EQ(FlagForField("patch_match.random_images"), "--random-images");
  EXPECT_EQ(FlagForField("patch_match.max_iterations"), "--iterations");
  EXPECT_EQ(FlagForField("search.topk_images"), "--topk-images");
  EXPECT_EQ(FlagForField("search.patch_match.max_iterations"), "--iterations");
  EXPECT_EQ(FlagForField("search.patch_match.seed"), "--seed");
  EXPECT_EQ(FlagForField("learning_rate"), "--lr");
  EXPECT_EQ(FlagForField("path"), "--model");
}

TEST(DescribeForCommandLine, NamesTheFlagInsteadOfTheField) {
  const OptionError error("patch_match.long_range", "must not be negative, got -3");
  EXPECT_STREQ(error.what(), "patch_match.long_range must not be negative, got -3");
  EXPECT_EQ(DescribeForCommandLine(error), "--long-range must not be negative, got -3");
}

TEST(AddEnumOption, ParsesTheWordsAndRefusesOthers) {
  SearchMethod method = SearchMethod::kHyperPatchMatch;
  CLI::App app;
  AddEnumOption(&app, "--method", method, SearchMethodNames(), "how to search");
  app.parse(std::vector<std::string>{"exact", "--method"});  // CLI11 reads the vector backwards
  EXPECT_EQ(method, SearchMethod::kExact);
  try {
    app.parse(std::vector<std::string>{"fast", "--method"});
    ADD_FAILURE() << "accepted --method fast";
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("must be one of 'exact', 'hpm', 'projected', got 'fast'"),
              std::string::npos)
        << e.what();
  }
  // Only the words: not the enum's numbers.
  EXPECT_THROW(app.parse(std::vector<std::string>{"1", "--method"}), CLI::ValidationError);
  EXPECT_NE(app.help().find("exact|hpm|projected"), std::string::npos) << app.help();
}

}  // namespace
}  // namespace compnn::cli
