#include "compnn/explain/attribute_filter.h"

#include <gtest/gtest.h>

#include "compnn/data/generators.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn {
namespace {

TEST(AttributeFilter, ParsesConditions) {
  const auto c = ParseWhere("wall_colour=red, floors != 3");
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].key, "wall_colour");
  EXPECT_EQ(c[0].value, "red");
  EXPECT_TRUE(c[0].equal);
  EXPECT_EQ(c[1].key, "floors");
  EXPECT_EQ(c[1].value, "3");
  EXPECT_FALSE(c[1].equal);
  EXPECT_THROW(ParseWhere("wall_colour"), std::invalid_argument);
  EXPECT_THROW(ParseWhere("=red"), std::invalid_argument);
  EXPECT_THROW(ParseWhere(""), std::invalid_argument);
}

TEST(AttributeFilter, ComparesValuesAsText) {
  const nlohmann::json meta = {{"wall_colour", "red"}, {"floors", 3}, {"shop", true}};
  EXPECT_TRUE(Satisfies(meta, ParseWhere("wall_colour=red,floors=3,shop=true")));
  EXPECT_FALSE(Satisfies(meta, ParseWhere("wall_colour=red,floors=4")));
  EXPECT_TRUE(Satisfies(meta, ParseWhere("floors!=4")));
  EXPECT_FALSE(Satisfies(meta, ParseWhere("balconies=1")));
}

class ImagesWhereTest : public testing::TempDirTest {};

TEST_F(ImagesWhereTest, SelectsExactlyTheImagesThatSatisfyTheConditions) {
  GenerateFacades(testing::TinyDataset(Path("facades"), 12, 0, 0, 3));
  const Dataset dataset = Dataset::Open(Path("facades"));
  const std::vector<std::string> names = dataset.Names("train");
  const std::string colour = dataset.Meta("train", names[0])["wall_colour"];
  const auto conditions = ParseWhere("wall_colour=" + colour);
  const std::vector<int> selected = ImagesWhere(dataset, "train", names, conditions);
  ASSERT_FALSE(selected.empty());
  for (int i = 0; i < static_cast<int>(names.size()); ++i) {
    const bool in = std::find(selected.begin(), selected.end(), i) != selected.end();
    EXPECT_EQ(in, dataset.Meta("train", names[i])["wall_colour"] == colour) << names[i];
  }
  EXPECT_THROW(ImagesWhere(dataset, "train", names, ParseWhere("roof=flat")), std::runtime_error);
}

}  // namespace
}  // namespace compnn
