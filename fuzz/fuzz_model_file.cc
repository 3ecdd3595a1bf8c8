// The model file reader: a LibTorch archive holding compnn's configuration (JSON) and weights.
// Damaged archives, configurations and weight shapes are refused naming the file.
#include <cstdint>

#include "compnn/models/network.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  const std::string path = fuzz::WriteFile("input.model", fuzz::AsText(data, size));
  fuzz::Refusable([&] { LoadNetwork(path); });
  return 0;
}
