// OpenBLAS as Debian 12 ships it (0.3.21) takes its SSE3 kernels (Prescott) on a CPU whose model
// it does not know, such as a virtual machine's generic "Intel Xeon Processor", where the same
// CPU's AVX-512 kernels multiply much faster (exact search, the cell index and LibTorch's
// convolutions are mostly such products; docs/performance.md). The kernel is chosen when the
// library loads, so the tool chooses it for the process that runs the command.
#pragma once

#include <string>

namespace compnn::cli {

// The kernel to ask OpenBLAS for (OPENBLAS_CORETYPE): "SkylakeX" on a CPU with AVX-512 (F, BW,
// DQ, VL), "Haswell" on one with AVX2 and FMA, where OpenBLAS fell back to Prescott and the user
// set no OPENBLAS_CORETYPE; otherwise empty (OpenBLAS's own choice stands).
std::string BlasKernelToRequest();

}  // namespace compnn::cli
