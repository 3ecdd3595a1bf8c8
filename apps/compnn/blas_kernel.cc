#include "blas_kernel.h"

#include <dlfcn.h>

#include <cstdlib>
#include <string_view>

namespace compnn::cli {

std::string BlasKernelToRequest() {
  if (std::getenv("OPENBLAS_CORETYPE")) return "";  // the user's choice
  // Looked up rather than linked: a BLAS other than OpenBLAS has no such function.
  using CoreName = char* (*)();
  const auto core_name = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (!core_name || !core_name()) return "";
  const std::string_view core = core_name();
  if (core != "Prescott" && core != "prescott") return "";  // OpenBLAS knew the CPU
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
    return "SkylakeX";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
  return "";
}

}  // namespace compnn::cli
