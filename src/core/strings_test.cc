#include "compnn/core/strings.h"

#include <gtest/gtest.h>

#include "compnn/core/check.h"
#include "compnn/core/layer_choice.h"

namespace compnn {
namespace {

TEST(Join, SeparatesItemsAndKeepsEmptyOnes) {
  EXPECT_EQ(Join({}), "");
  EXPECT_EQ(Join({"a"}), "a");
  EXPECT_EQ(Join({"a", "b", "c"}), "a, b, c");
  EXPECT_EQ(Join({"", "b"}, "|"), "|b");
}

TEST(SplitList, DropsEmptyItems) {
  EXPECT_EQ(SplitList("a,,b,"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(SplitList("").empty());
  EXPECT_EQ(SplitList("x:y", ':'), (std::vector<std::string>{"x", "y"}));
}

TEST(Check, ThrowsTheAssembledMessageOnlyWhenFalse) {
  EXPECT_NO_THROW(COMPNN_CHECK(1 + 1 == 2, "never"));
  try {
    COMPNN_CHECK(2 < 1, "file.npy", ": ", 3, " rows");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "file.npy: 3 rows");
  }
}

struct Inner {
  int k = 0;
  void Check() const { COMPNN_CHECK_OPTION(k >= 0, "k", "must not be negative, got ", k); }
};

TEST(CheckOption, NamesTheFieldAndItsNestedPath) {
  try {
    CheckNested("inner", Inner{-2});
    FAIL();
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "inner.k");
    EXPECT_EQ(e.message(), "must not be negative, got -2");
    EXPECT_STREQ(e.what(), "inner.k must not be negative, got -2");
  }
}

TEST(LayerChoice, LastDecoderAndFewestCells) {
  EXPECT_EQ(LastDecoderLayer({"encoder1", "decoder3", "decoder2", "output"}), "decoder2");
  EXPECT_EQ(LastDecoderLayer({"encoder1", "output"}), "");
  EXPECT_EQ(LayerWithFewestCells({{"a", 4, 4}, {"b", 2, 3}, {"c", 3, 2}, {"d", 8, 1}}), "b");
  EXPECT_EQ(LayerWithFewestCells({}), "");
}

}  // namespace
}  // namespace compnn
