// The .npy reader: header, shapes, dtypes, truncation. Reads every element it accepts, so that a
// header promising more than the file holds shows as an out-of-bounds read.
#include <cstdint>
#include <numeric>

#include "compnn/store/npy.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  const std::string_view bytes = fuzz::AsText(data, size);
  fuzz::Refusable([&] { ParseNpyHeader(bytes, "input.npy"); });
  const std::string path = fuzz::WriteFile("input.npy", bytes);
  fuzz::Refusable([&] {
    const NpyFile file = NpyFile::Open(path);
    const std::size_t total =
        static_cast<std::size_t>(file.header().elements()) * DTypeSize(file.dtype());
    const auto* first = static_cast<const unsigned char*>(file.data());
    volatile unsigned sum = std::accumulate(first, first + total, 0u);
    (void)sum;
    file.Require(DType::kFloat32, {3, 4});
  });
  return 0;
}
