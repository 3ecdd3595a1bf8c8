#include "compnn/pipeline/sanity_check.h"

#include <gtest/gtest.h>

#include "compnn/core/check.h"
#include "fake_store_test.h"

namespace compnn {
namespace {

using testing::FakeNetwork;

class SanityCheckTest : public testing::FakeStoreTest {};

TEST_F(SanityCheckTest, OnlyRandomisingTheSearchedLayerChangesTheMatches) {
  MakeStore(4, 2);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  SanityOptions o;
  o.split = "val";
  o.count = 2;
  o.topk_images = 4;
  o.seed = 7;
  int calls = 0;
  const SanityReport report = CascadingRandomisation(*explainer, o, [&](int done, int all) {
    EXPECT_EQ(done, ++calls);
    EXPECT_EQ(all, 4);
  });
  EXPECT_EQ(report.layer, "fine");  // the layer explanations use
  EXPECT_EQ(report.queries, 2);
  EXPECT_EQ(report.topk_images, 4);
  // The trained network, then the fake's modules from the output down.
  ASSERT_EQ(report.steps.size(), 4u);
  const SanityStep &trained = report.steps[0], &head = report.steps[1], &coarse = report.steps[2],
                   &fine = report.steps[3];
  EXPECT_EQ(trained.randomised, "");
  EXPECT_EQ(head.randomised, "head");
  EXPECT_EQ(coarse.randomised, "coarse");
  EXPECT_EQ(fine.randomised, "fine");

  // The trained network against itself: nothing changes.
  EXPECT_EQ(trained.changed_matches, 0);
  EXPECT_EQ(trained.changed_sources, 0);
  EXPECT_EQ(trained.changed_reconstruction, 0);
  EXPECT_EQ(trained.changed_network, 0);
  EXPECT_GE(trained.agreement, 0);
  EXPECT_LE(trained.agreement, 1);
  // A new head shifts every class by one or more (of 12): the network's output changes at every
  // pixel, but not the "fine" maps, so neither do the matches nor what they paste. Nor does the
  // coarse stage, which the explanation does not read.
  for (const SanityStep* step : {&head, &coarse}) {
    SCOPED_TRACE(step->randomised);
    EXPECT_EQ(step->changed_matches, 0);
    EXPECT_EQ(step->changed_sources, 0);
    EXPECT_EQ(step->changed_reconstruction, 0);
    EXPECT_DOUBLE_EQ(step->changed_network, 1.0);
    EXPECT_DOUBLE_EQ(step->mean_similarity, trained.mean_similarity);
  }
  // New "fine" weights move the matches.
  EXPECT_GT(fine.changed_matches, 0);
  EXPECT_LE(fine.changed_matches, 1);
  EXPECT_LE(fine.changed_sources, fine.changed_matches);
  EXPECT_DOUBLE_EQ(fine.changed_network, 1.0);
  EXPECT_NE(fine.mean_similarity, trained.mean_similarity);
}

// A network that cannot be randomised, as TorchScript's.
class FixedNetwork : public FakeNetwork {
 public:
  using FakeNetwork::FakeNetwork;
  std::unique_ptr<RandomisableNetwork> RandomisableCopy(std::uint64_t) override { return nullptr; }
};

TEST_F(SanityCheckTest, RefusesANetworkItCannotRandomise) {
  MakeStore(2, 1);
  Explainer explainer(std::make_unique<FixedNetwork>(pairs_, dataset_->palette()),
                      FeatureStore::Open(Path("store")), Path("facades"));
  SanityOptions o;
  o.count = 1;
  EXPECT_THROW(CascadingRandomisation(explainer, o), std::runtime_error);
  o.count = 0;
  try {
    CascadingRandomisation(*MakeExplainer(), o);
    FAIL() << "a sanity check of no queries was run";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "count");
  }
}

}  // namespace
}  // namespace compnn
