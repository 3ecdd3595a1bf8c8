#include "compnn/core/global_prefilter.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "compnn/core/check.h"

namespace compnn {

double Cosine(std::span<const float> a, std::span<const float> b) {
  double dot = 0.0, aa = 0.0, bb = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return CosineOfSums(dot, aa, bb);
}

double CosineOfSums(double dot, double aa, double bb) {
  if (!std::isfinite(dot + aa + bb)) return std::nan("");
  return aa > 0.0 && bb > 0.0 ? dot / std::sqrt(aa * bb) : 0.0;
}

std::vector<int> GlobalTopK(std::span<const float> query, const DescriptorMatrix& database, int k,
                            const std::vector<int>& candidates) {
  if (database.rows < 1) throw std::invalid_argument("no global descriptors in the database");
  if (static_cast<int>(query.size()) != database.length) {
    throw std::invalid_argument("query global descriptor has length " +
                                std::to_string(query.size()) + ", the database's have " +
                                std::to_string(database.length));
  }
  std::vector<int> pool = candidates;
  if (pool.empty()) {
    pool.resize(database.rows);
    std::iota(pool.begin(), pool.end(), 0);
  }
  for (int image : pool) {
    if (image < 0 || image >= database.rows) {
      throw std::invalid_argument("unknown database image index " + std::to_string(image) +
                                  " (there are " + std::to_string(database.rows) +
                                  " global descriptors)");
    }
  }
  std::sort(pool.begin(), pool.end());
  pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
  if (k < 1 || k > static_cast<int>(pool.size())) {
    throw std::invalid_argument("top-k images must be between 1 and " +
                                std::to_string(pool.size()) + ", got " + std::to_string(k));
  }
  for (float v : query) {
    if (!std::isfinite(v)) throw std::invalid_argument("query global descriptor is not finite");
  }

  std::vector<double> similarity(pool.size());
  for (std::size_t i = 0; i < pool.size(); ++i) {
    const std::span<const float> row(database.row(pool[i]), database.length);
    similarity[i] = Cosine(query, row);
    if (!std::isfinite(similarity[i])) {
      throw std::invalid_argument("global descriptor of database image " + std::to_string(pool[i]) +
                                  " is not finite");
    }
  }
  std::vector<int> order(pool.size());
  std::iota(order.begin(), order.end(), 0);
  // pool is ascending, so ties between equal similarities keep the lower image index first.
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return similarity[a] > similarity[b]; });
  std::vector<int> top(k);
  for (int i = 0; i < k; ++i) top[i] = pool[order[i]];
  return top;
}

std::vector<int> PrefilterCandidates(std::span<const float> query, const DescriptorMatrix& database,
                                     int database_images, int topk,
                                     const std::vector<int>& images) {
  if (topk == 0) return images;
  COMPNN_CHECK_OPTION(database.rows == database_images, "database_global", "holds ", database.rows,
                      " descriptors but the database holds ", database_images, " images");
  COMPNN_CHECK_OPTION(database.length == static_cast<int>(query.size()), "database_global",
                      "holds descriptors of length ", database.length, " but the query's has ",
                      query.size());
  const std::size_t pool = images.empty() ? database_images : images.size();
  COMPNN_CHECK_OPTION(topk >= 1 && topk <= static_cast<int>(pool), "topk_images", "must be in [0, ",
                      pool, "] (the images to choose from), got ", topk);
  return GlobalTopK(query, database, topk, images);
}

}  // namespace compnn
