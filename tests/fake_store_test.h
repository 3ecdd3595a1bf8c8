// The fixture of the pipeline runners' tests: a generated facades dataset (64 x 64, photo A, labels
// B), the fake network (fake_network.h) that knows its pairs, and a store of its training split.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compnn/core/searcher.h"
#include "compnn/data/generators.h"
#include "compnn/pipeline/explainer.h"
#include "compnn/store/store_search.h"
#include "fake_network.h"
#include "temp_dir.h"
#include "tiny_dataset.h"

namespace compnn::testing {

class FakeStoreTest : public TempDirTest {
 protected:
  // Generates Path("facades") with `train` and `val` pairs and writes Path("store") of its
  // training images. The network knows every pair, and errs left of `wrong_columns`.
  void MakeStore(int train, int val, int wrong_columns = 0) {
    GenerateFacades(TinyDataset(Path("facades"), train, val, 0));
    dataset_ = Dataset::Open(Path("facades"));
    wrong_columns_ = wrong_columns;
    pairs_ = KnownPairs(*dataset_, {"train", "val"});
    FakeNetwork network = Network();
    WriteFakeStore(network, Path("facades"), "train", Path("store"));
  }

  // Exact search over every training image: with it the pipeline's outputs follow from the
  // fake network's maps alone.
  static StoreSearchOptions ExactOverEveryImage() {
    StoreSearchOptions o;
    o.searcher = MakeSearcher("exact");
    o.topk_images = 0;
    return o;
  }

  FakeNetwork Network() const { return FakeNetwork(pairs_, dataset_->palette(), wrong_columns_); }

  // An explainer over a fresh network, the store and the dataset.
  std::unique_ptr<Explainer> MakeExplainer() const {
    return std::make_unique<Explainer>(std::make_unique<FakeNetwork>(Network()),
                                       FeatureStore::Open(Path("store")), Path("facades"));
  }

  // A split's images as queries, read directly from the dataset.
  std::vector<Query> Queries(const std::string& split) const {
    std::vector<Query> queries;
    for (const std::string& name : dataset_->Names(split))
      queries.push_back(LoadSplitQuery(*dataset_, Direction::kAtoB, {64, 64}, split, name));
    return queries;
  }

  std::optional<Dataset> dataset_;
  std::vector<KnownPair> pairs_;
  int wrong_columns_ = 0;
};

}  // namespace compnn::testing
