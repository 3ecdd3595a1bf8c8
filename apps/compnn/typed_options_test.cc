#include "typed_options.h"

#include <gtest/gtest.h>

#include "compnn/data/dataset.h"

namespace compnn::cli {
namespace {

TEST(FlagForField, FlattensNestedFieldsAndKnowsTheRenamedFlags) {
  EXPECT_EQ(FlagForField("topk_images"), "--topk-images");
  EXPECT_EQ(FlagForField("random_images"), "--random-images");
  EXPECT_EQ(FlagForField("max_iterations"), "--iterations");
  EXPECT_EQ(FlagForField("search.topk_images"), "--topk-images");
  EXPECT_EQ(FlagForField("search.max_iterations"), "--iterations");
  EXPECT_EQ(FlagForField("search.seed"), "--seed");
  EXPECT_EQ(FlagForField("learning_rate"), "--lr");
  EXPECT_EQ(FlagForField("path"), "--model");
}

TEST(DescribeForCommandLine, NamesTheFlagInsteadOfTheField) {
  const OptionError error("patch_match.long_range", "must not be negative, got -3");
  EXPECT_STREQ(error.what(), "patch_match.long_range must not be negative, got -3");
  EXPECT_EQ(DescribeForCommandLine(error), "--long-range must not be negative, got -3");
}

TEST(AddEnumOption, ParsesTheWordsAndRefusesOthers) {
  Direction direction = Direction::kAtoB;
  CLI::App app;
  AddEnumOption(&app, "--direction", direction, DirectionNames(), "which way");
  app.parse(std::vector<std::string>{"BtoA", "--direction"});  // CLI11 reads the vector backwards
  EXPECT_EQ(direction, Direction::kBtoA);
  try {
    app.parse(std::vector<std::string>{"up", "--direction"});
    ADD_FAILURE() << "accepted --direction up";
  } catch (const CLI::ValidationError& e) {
    EXPECT_NE(std::string(e.what()).find("must be one of 'AtoB', 'BtoA', got 'up'"),
              std::string::npos)
        << e.what();
  }
  // Only the words: not the enum's numbers.
  EXPECT_THROW(app.parse(std::vector<std::string>{"1", "--direction"}), CLI::ValidationError);
  EXPECT_NE(app.help().find("AtoB|BtoA"), std::string::npos) << app.help();
}

}  // namespace
}  // namespace compnn::cli
