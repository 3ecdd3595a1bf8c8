#include "compnn/core/field_coherence.h"

#include <gtest/gtest.h>

namespace compnn {
namespace {

CorrespondenceField FieldOfImages(const std::vector<std::vector<int>>& images) {
  CorrespondenceField field(static_cast<int>(images.size()), static_cast<int>(images[0].size()));
  for (int y = 0; y < field.height; ++y)
    for (int x = 0; x < field.width; ++x) field.at(y, x).image = images[y][x];
  return field;
}

TEST(FieldCoherence, CountsRegionsAndTheLargestSourcesByHand) {
  // Four images, each one 4-connected region: 12 cells in 4 regions; image 1 supplies 4 cells,
  // images 0 and 2 three each, image 3 two.
  const CorrespondenceField field = FieldOfImages({{0, 0, 1, 1}, {0, 2, 2, 1}, {3, 3, 2, 1}});
  const FieldCoherence c = MeasureCoherence(field, 2);
  EXPECT_EQ(c.images, 4);
  EXPECT_EQ(c.regions, 4);
  EXPECT_DOUBLE_EQ(c.mean_region_cells, 3.0);
  EXPECT_DOUBLE_EQ(c.top_sources_share, 7.0 / 12.0);
  EXPECT_DOUBLE_EQ(MeasureCoherence(field, 5).top_sources_share, 1.0);
}

TEST(FieldCoherence, DiagonalCellsAreSeparateRegions) {
  const FieldCoherence c = MeasureCoherence(FieldOfImages({{5, 0}, {0, 5}}), 1);
  EXPECT_EQ(c.regions, 4);
  EXPECT_DOUBLE_EQ(c.mean_region_cells, 1.0);
  EXPECT_DOUBLE_EQ(c.top_sources_share, 0.5);
  EXPECT_EQ(c.images, 2);
}

TEST(FieldCoherence, RefusesBadArguments) {
  EXPECT_THROW(MeasureCoherence(FieldOfImages({{1}}), 0), std::invalid_argument);
  EXPECT_THROW(MeasureCoherence(CorrespondenceField()), std::invalid_argument);
}

}  // namespace
}  // namespace compnn
