// Opening a TorchScript file: anything that is not a TorchScript archive is refused naming the
// file, before a forward pass is attempted.
#include <cstdint>

#include "compnn/models/torchscript.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  const std::string path = fuzz::WriteFile("input.pt", fuzz::AsText(data, size));
  fuzz::Refusable([&] {
    ScriptModel model(path);
    model.SubmoduleNames();
  });
  return 0;
}
