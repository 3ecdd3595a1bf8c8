// The store search's checks of a query against a store (internal to compnn_store).
#pragma once

#include <vector>

#include "compnn/core/activation_map.h"
#include "compnn/store/feature_store.h"

namespace compnn {

// `allowed` checked against the store's images, or every image when it is empty.
std::vector<int> AllowedOrAll(const FeatureStore& store, const std::vector<int>& allowed);

// Throws, naming the store, when the query's depth is not the layer's.
void RequireSameDepth(const FeatureStore& store, const StoreLayer& layer, const MapView& query);

}  // namespace compnn
