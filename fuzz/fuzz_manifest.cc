// A feature store's manifest: opened and verified against real layer files, then every layer's
// maps, the global descriptors and the pixels read as explanations read them.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "compnn/store/feature_store.h"
#include "fuzz_input.h"

namespace {

// A small valid store (two images; layers of float32 and float16; inputs kept) whose files the
// fuzzed manifests describe rightly or wrongly. Its own manifest is the seed corpus's.
const std::string& Store() {
  static const std::string dir = [] {
    using namespace compnn;
    const std::string out = fuzz::WorkDir() + "/store";
    std::filesystem::remove_all(out);
    StoreManifest plan;
    plan.model = {{"arch", "imported"}};
    plan.dataset = {{"dir", ""}, {"split", "train"}, {"direction", "AtoB"}};
    plan.input_size = {8, 8};
    plan.images = {"first", "second"};
    plan.layers = {{"wide", 4, 4, 3, 2, {1, 1}, DType::kFloat32, "wide.npy", ""},
                   {"deep", 2, 2, 5, 4, {2, 2}, DType::kFloat16, "deep.npy", ""}};
    plan.global_layer = "deep";
    plan.pixels = {{"inputs", false, "inputs.npy", ""}};
    StoreWriter writer(out, plan, true);
    std::vector<float> wide(4 * 4 * 3), deep(2 * 2 * 5);
    std::vector<std::uint8_t> pixels(8 * 8 * 3, 7);
    for (int i = 0; i < 2; ++i) {
      for (std::size_t k = 0; k < wide.size(); ++k) wide[k] = 0.25f * (k + i);
      for (std::size_t k = 0; k < deep.size(); ++k) deep[k] = 0.5f * k - i;
      writer.Write(i, {{"wide", wide.data()}, {"deep", deep.data()}}, deep.data(),
                   {{"inputs", pixels.data()}});
    }
    writer.Commit();
    // How the seed corpus's manifest was made: COMPNN_FUZZ_SEED=corpus/fuzz_manifest/store.json.
    if (const char* seed = std::getenv("COMPNN_FUZZ_SEED"))
      std::filesystem::copy_file(out + "/manifest.json", seed,
                                 std::filesystem::copy_options::overwrite_existing);
    return out;
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace compnn;
  const std::string& dir = Store();
  fuzz::WriteFile("store/manifest.json", fuzz::AsText(data, size));
  fuzz::Refusable([&] {
    const FeatureStore store = FeatureStore::Open(dir);
    store.Verify();
    volatile float sum = 0.0f;
    for (const StoreLayer& layer : store.manifest().layers) {
      const LayerMaps maps = store.Maps(layer.name);
      for (int i = 0; i < maps.database.size(); ++i) {
        const MapView& map = maps.database[i];
        for (std::int64_t k = 0; k < static_cast<std::int64_t>(map.cells()) * map.depth; ++k)
          sum = sum + map.data[k];
      }
    }
    const DescriptorMatrix globals = store.Globals();
    for (int i = 0; i < store.size(); ++i) sum = sum + globals.row(i)[globals.length - 1];
    if (const NpyFile* inputs = store.PixelFile("inputs"))
      sum = sum + inputs->data_as<std::uint8_t>()[0];
  });
  return 0;
}
