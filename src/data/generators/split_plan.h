// Which images a generator makes: split, name and seed of each, fixed before any is drawn so that
// the dataset does not depend on how many threads draw it.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "compnn/data/generators.h"
#include "random.h"

namespace compnn::data {

struct PlannedImage {
  std::string split, name;
  std::uint64_t seed = 0;
  int index_in_split = 0;
};

class SplitPlan {
 public:
  SplitPlan(const GeneratorOptions& o, int train, int val, int test, const std::string& stem) {
    const std::pair<const char*, int> splits[] = {{"train", o.train >= 0 ? o.train : train},
                                                  {"val", o.val >= 0 ? o.val : val},
                                                  {"test", o.test >= 0 ? o.test : test}};
    for (int s = 0; s < 3; ++s) {
      for (int i = 0; i < splits[s].second; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "%s_%s_%04d", stem.c_str(), splits[s].first, i);
        items_.push_back({splits[s].first, name, Random(o.seed, s, i).Next(), i});
      }
    }
  }
  int size() const { return static_cast<int>(items_.size()); }
  const PlannedImage& operator[](int i) const { return items_[i]; }

 private:
  std::vector<PlannedImage> items_;
};

// Runs make(i) for every planned image on all cores, reporting progress; rethrows the first
// failure once the running images are done.
void ForEachPlanned(const SplitPlan& plan, const std::function<void(int)>& make,
                    const std::function<void(int, int)>& progress);

}  // namespace compnn::data
