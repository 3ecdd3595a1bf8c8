#include "compnn/core/image_size.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace compnn {
namespace {

TEST(ImageSizeTest, ParsesHeightByWidthAndASingleSide) {
  EXPECT_EQ(ParseImageSize("256x512"), (ImageSize{256, 512}));
  EXPECT_EQ(ParseImageSize("96"), (ImageSize{96, 96}));
  for (const char* bad : {"", "x", "0x4", "4x", "-3", "4x4x4", "4.5", "abc"})
    EXPECT_THROW(ParseImageSize(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace compnn
