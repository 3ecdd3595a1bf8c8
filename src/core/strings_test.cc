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

TEST(LayerChoice, DefaultExplainLayerAndFewestCells) {
  // SegNet at 32 x 32, two blocks: the bottleneck encoder2 (8 x 8), then decoder2 (16 x 16).
  EXPECT_EQ(DefaultExplainLayer({{"encoder1", 16, 16, 2},
                                 {"encoder2", 8, 8, 4},
                                 {"decoder2", 16, 16, 2},
                                 {"output", 32, 32, 1}},
                                "encoder2"),
            "decoder2");
  // Ties in stride go to the layer nearest the output; nothing after the bottleneck: none.
  EXPECT_EQ(DefaultExplainLayer({{"a", 2, 2, 4}, {"b", 4, 4, 2}, {"c", 4, 4, 2}}, "a"), "c");
  EXPECT_EQ(DefaultExplainLayer({{"a", 4, 4, 2}, {"b", 1, 1, 8}, {"output", 8, 8, 1}}, "b"), "");
  // A user's network whose last block works at stride 1 (a tanh before the output): not that.
  EXPECT_EQ(DefaultExplainLayer(
                {{"down", 2, 2, 4}, {"up.0", 4, 4, 2}, {"up.1.act", 8, 8, 1}, {"output", 8, 8, 1}},
                "down"),
            "up.0");
  EXPECT_EQ(Bottleneck({{"a", 4, 4}, {"b", 2, 3}, {"c", 3, 2}, {"d", 8, 1}}), "b");
  EXPECT_EQ(Bottleneck({}), "");
  // pix2pix halves down to 1 x 1: that is the bottleneck.
  EXPECT_EQ(Bottleneck({{"e1", 8, 8}, {"e2", 4, 4}, {"e3", 2, 2}, {"e4", 1, 1}, {"d4", 2, 2}}),
            "e4");
  // MobileNetV3's squeeze-and-excitation: a 1 x 1 pool and its 1 x 1 convolutions branch off an
  // 8 x 12 map; the bottleneck is the 4 x 6 stage.
  EXPECT_EQ(Bottleneck({{"b.0", 32, 48},
                        {"b.2", 16, 24},
                        {"b.4", 8, 12},
                        {"b.4.se.avgpool", 1, 1},
                        {"b.4.se.fc1", 1, 1},
                        {"b.4.se.fc2", 1, 1},
                        {"b.4.se", 8, 12},
                        {"b.16", 4, 6},
                        {"head.pool", 1, 1},
                        {"head", 8, 12}}),
            "b.16");
}

TEST(LayerChoice, InForwardOrderPutsAModulesInputJustBeforeIt) {
  const std::vector<std::string> modules = {"enc.0", "enc.1", "dec.0", "head"};
  // Worked out by hand: ranks 2 i for a module, 2 i - 1 for its input; repeats dropped.
  EXPECT_EQ(
      InForwardOrder({"head", "dec.0:input", "enc.0", "dec.0", "head", "enc.1:input"}, modules),
      (std::vector<std::string>{"enc.0", "enc.1:input", "dec.0:input", "dec.0", "head"}));
  // A module the list lacks (captured at its input only) ranks last.
  EXPECT_EQ(InForwardOrder({"other:input", "enc.1", "enc.0"}, modules),
            (std::vector<std::string>{"enc.0", "enc.1", "other:input"}));
  // The fewest cells, whatever the steps between the maps given.
  EXPECT_EQ(FewestCells({{"block1", 64, 64, 1}, {"block4", 8, 8, 8}, {"head", 8, 8, 8}}), "block4");
  EXPECT_EQ(FewestCells({}), "");
}

TEST(Format, PrintsIntoAStringOfAnyLength) {
  EXPECT_EQ(Format("%d-%s %.3f", 3, "ab", 0.5), "3-ab 0.500");
  EXPECT_EQ(Format("%s", ""), "");
  const std::string long_text(2000, 'x');
  EXPECT_EQ(Format("<%s>", long_text.c_str()), "<" + long_text + ">");
}

}  // namespace
}  // namespace compnn
