// The most worker threads any options struct accepts.
#pragma once

namespace compnn {

// Far above the cores of any machine compnn runs on, and far below where creating threads fails
// (libgomp could not create 40 000) or a training run hangs.
inline constexpr int kMaxThreads = 1024;

}  // namespace compnn
