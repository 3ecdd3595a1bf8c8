#include "compnn/pipeline/property_control.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "compnn/core/check.h"
#include "compnn/explain/explanation_files.h"
#include "compnn/store/json_file.h"
#include "compnn/store/npy.h"
#include "fake_store_test.h"

namespace compnn {
namespace {

// An attribute value as a condition compares it: strings as they are, numbers and booleans as
// JSON writes them.
std::string AsText(const nlohmann::json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

class PropertyControlTest : public testing::FakeStoreTest {
 protected:
  static ControlOptions ExactOptions() {
    ControlOptions o;
    o.search = ExactOverEveryImage();
    return o;
  }

  // A condition "KEY=VALUE" that about half the training images satisfy (of meta.jsonl's
  // attributes, the one that splits them most evenly), and the store indices of those that do.
  std::pair<std::string, std::set<int>> SplittingCondition() const {
    const std::vector<std::string> names = dataset_->Names("train");
    std::vector<nlohmann::json> metas;
    for (const std::string& name : names) metas.push_back(dataset_->Meta("train", name));
    std::pair<std::string, std::set<int>> best;
    const auto imbalance = [&](const std::set<int>& s) {
      return std::abs(2 * static_cast<int>(s.size()) - static_cast<int>(names.size()));
    };
    for (const auto& [key, unused] : metas.front().items()) {
      if (key == "name" || key == "split" || key == "seed") continue;
      for (const nlohmann::json& meta : metas) {
        const std::string value = AsText(meta.at(key));
        std::set<int> same;
        for (std::size_t i = 0; i < metas.size(); ++i)
          if (AsText(metas[i].at(key)) == value) same.insert(static_cast<int>(i));
        if (same.size() < names.size() &&
            (best.first.empty() || imbalance(same) < imbalance(best.second)))
          best = {key + "=" + value, same};
      }
    }
    return best;
  }
};

TEST_F(PropertyControlTest, RestrictedDatabasesOnlyMatchTheirOwnImages) {
  MakeStore(6, 2);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  const auto [where, satisfying] = SplittingCondition();
  ASSERT_FALSE(where.empty()) << "every training image has the same attributes";
  const std::vector<std::string> names = dataset_->Names("train");
  ControlOptions o = ExactOptions();
  o.where = {where};
  o.images = {{names[1], names[4]}};
  PropertyControl control(*explainer, o);
  const std::vector<Query> queries = Queries("val");
  int calls = 0;
  control.Run(queries, Path("out"), [&](int done, int all, const ControlledQuery& q) {
    EXPECT_EQ(done, ++calls);
    EXPECT_EQ(all, 2);
    EXPECT_EQ(q.databases, 3u);  // every training image first, then the two restrictions
  });
  EXPECT_EQ(calls, 2);

  // Each database's images, as store indices: every one, those satisfying the condition, the two
  // named.
  const std::vector<std::set<int>> allowed = {{0, 1, 2, 3, 4, 5}, satisfying, {1, 4}};
  for (const Query& q : queries) {
    SCOPED_TRACE(q.name);
    const std::string dir = Path("out/" + SafeName(q.name));
    const nlohmann::json summary = ReadJsonFile(dir + "/summary.json");
    EXPECT_EQ(summary.at("layer"), "fine");  // the default explain layer
    const nlohmann::json& databases = summary.at("databases");
    ASSERT_EQ(databases.size(), 3u);
    EXPECT_EQ(databases[0].at("database"), "all training images");
    EXPECT_EQ(databases[1].at("database"), where);
    for (std::size_t d = 0; d < 3; ++d) {
      EXPECT_EQ(databases[d].at("database_size"), allowed[d].size());
      for (const nlohmann::json& name : databases[d].at("used_images")) {
        const auto at = std::find(names.begin(), names.end(), name.get<std::string>());
        EXPECT_TRUE(allowed[d].count(static_cast<int>(at - names.begin()))) << name;
      }
    }
    const std::string stem = dir + "/database-";
    const NpyFile all_nnf = NpyFile::Open(stem + "0-nnf.npy");
    const NpyFile all_similarity = NpyFile::Open(stem + "0-similarity.npy");
    const std::int64_t cells = all_similarity.header().elements();
    ASSERT_EQ(cells, 64);
    for (int d = 1; d < 3; ++d) {
      const NpyFile nnf = NpyFile::Open(stem + std::to_string(d) + "-nnf.npy");
      const NpyFile similarity = NpyFile::Open(stem + std::to_string(d) + "-similarity.npy");
      ASSERT_EQ(similarity.header().elements(), cells);
      for (std::int64_t c = 0; c < cells; ++c) {
        // Only the database's images are matched, and exact search over fewer images never
        // finds a better match than over all of them.
        EXPECT_TRUE(allowed[d].count(nnf.data_as<std::int32_t>()[3 * c])) << "cell " << c;
        EXPECT_LE(similarity.data_as<float>()[c], all_similarity.data_as<float>()[c] + 1e-6f);
      }
    }
  }
}

TEST_F(PropertyControlTest, RefusesNoDatabaseAndImagesTheStoreLacks) {
  MakeStore(2, 1);
  const std::unique_ptr<Explainer> explainer = MakeExplainer();
  try {
    PropertyControl(*explainer, ExactOptions());
    FAIL() << "a control without a restricted database was made";
  } catch (const OptionError& e) {
    EXPECT_EQ(e.field(), "where");
  }
  ControlOptions o = ExactOptions();
  o.images = {{"no-such-image"}};
  EXPECT_THROW(PropertyControl(*explainer, o), std::runtime_error);
}

}  // namespace
}  // namespace compnn
