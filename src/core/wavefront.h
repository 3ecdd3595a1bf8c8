// Runs a grid of tiles in which each tile needs its upper and left neighbours done first (a
// wavefront), on a few threads that sleep while no tile is ready.
#pragma once

#include <functional>

namespace compnn::internal {

// Calls visit(ty, tx) once for every tile of a tiles_y x tiles_x grid, each only after
// visit(ty - 1, tx) and visit(ty, tx - 1) have returned, on `threads` threads (the caller is one of
// them). A tile starts as soon as its two neighbours are done, not when a whole anti-diagonal is:
// a thread the operating system sets aside delays only the tiles that need its own, and the others
// go on. Threads with nothing ready block on a condition variable instead of spinning, so a busy
// machine loses no core to waiting. Ready tiles closest to the grid's origin go first (they lie on
// the longest remaining chain). The first exception thrown by `visit` stops the run and is
// rethrown here.
void RunWavefront(int tiles_y, int tiles_x, int threads,
                  const std::function<void(int ty, int tx)>& visit);

}  // namespace compnn::internal
