// Correspondence fields on disk, as NumPy arrays any tool can read:
//   STEMnnf.npy         int32 (H, W, 3) or (H, W, K, 3): image, y, x of each match
//   STEMsimilarity.npy  float32 (H, W) or (H, W, K)
#pragma once

#include <string>

#include "compnn/core/correspondence.h"

namespace compnn {

// Writes both files atomically into `dir`; throws std::runtime_error naming a file it cannot
// write.
void WriteField(const CorrespondenceField& field, const std::string& dir,
                const std::string& stem = "");

}  // namespace compnn
