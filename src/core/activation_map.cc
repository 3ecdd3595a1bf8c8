#include "compnn/core/activation_map.h"

#include "compnn/core/check.h"
#include "compnn/core/hyperpatch.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace compnn {

namespace {

template <typename View>
void ValidateAnyMap(const View& map, const char* what) {
  if (map.data == nullptr || map.height < 1 || map.width < 1 || map.depth < 1) {
    throw std::invalid_argument(std::string(what) + ": empty activation map (" +
                                std::to_string(map.height) + " x " + std::to_string(map.width) +
                                " x " + std::to_string(map.depth) + ")");
  }
}

}  // namespace

void ValidateMap(const MapView& map, const char* what) { ValidateAnyMap(map, what); }
void ValidateMap(const HalfMapView& map, const char* what) { ValidateAnyMap(map, what); }

void RequireFinite(const MapView& map, const char* what) {
  const std::size_t n = static_cast<std::size_t>(map.cells()) * map.depth;
  for (std::size_t i = 0; i < n; ++i) {
    if (!std::isfinite(map.data[i])) {
      const std::size_t cell = i / map.depth;
      throw std::invalid_argument(std::string(what) + ": non-finite activation at cell (" +
                                  std::to_string(cell / map.width) + ", " +
                                  std::to_string(cell % map.width) + "), channel " +
                                  std::to_string(i % map.depth));
    }
  }
}

template <typename View>
MapDatabase<View>::MapDatabase(std::vector<View> maps) : maps_(std::move(maps)) {
  for (std::size_t i = 0; i < maps_.size(); ++i) {
    const std::string what = "database image " + std::to_string(i);
    ValidateMap(maps_[i], what.c_str());
    if (maps_[i].depth != maps_.front().depth) {
      throw std::invalid_argument(what + ": depth " + std::to_string(maps_[i].depth) +
                                  " differs from image 0's " + std::to_string(maps_.front().depth));
    }
  }
}

template <typename View>
std::vector<int> ResolveCandidates(const MapDatabase<View>& database,
                                   const std::vector<int>& requested) {
  if (database.size() == 0) throw std::invalid_argument("the database holds no images");
  std::vector<int> candidates = requested;
  if (candidates.empty()) {
    candidates.resize(database.size());
    for (int i = 0; i < database.size(); ++i) candidates[i] = i;
    return candidates;
  }
  for (int image : candidates) {
    if (image < 0 || image >= database.size()) {
      throw std::invalid_argument("unknown database image index " + std::to_string(image) +
                                  " (the database holds " + std::to_string(database.size()) +
                                  " images)");
    }
  }
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  return candidates;
}

template <typename View>
std::vector<int> CheckSearchInputs(const MapView& query, const MapDatabase<View>& database,
                                   const HyperpatchShape& hyperpatch,
                                   const std::vector<int>& requested_candidates) {
  ValidateMap(query, "query");
  RequireFinite(query, "query");
  ValidateHyperpatch(hyperpatch, query.height, query.width, query.depth);
  std::vector<int> candidates = ResolveCandidates(database, requested_candidates);
  if (database.depth() != query.depth) {
    throw std::invalid_argument(
        Concat("query depth ", query.depth, " differs from the database's ", database.depth()));
  }
  return candidates;
}

template class MapDatabase<MapView>;
template class MapDatabase<HalfMapView>;
template std::vector<int> ResolveCandidates(const Database&, const std::vector<int>&);
template std::vector<int> ResolveCandidates(const HalfDatabase&, const std::vector<int>&);
template std::vector<int> CheckSearchInputs(const MapView&, const Database&, const HyperpatchShape&,
                                            const std::vector<int>&);
template std::vector<int> CheckSearchInputs(const MapView&, const HalfDatabase&,
                                            const HyperpatchShape&, const std::vector<int>&);

}  // namespace compnn
