// compnn verify: a store's shapes, sizes and full checksums.
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/store/feature_store.h"

namespace compnn::cli {

void AddVerifyCommand(CLI::App& app, Command& run) {
  auto dir = std::make_shared<std::string>();
  CLI::App* verify = AddCatalogCommand(app, "verify");
  verify->add_option("STORE", *dir, "store folder")->required();
  verify->callback([&run, dir] {
    run = [dir] {
      const FeatureStore store = FeatureStore::Open(*dir);
      store.Verify();
      std::printf("%s: %d images, %zu layers, all checksums match\n", dir->c_str(), store.size(),
                  store.manifest().layers.size());
    };
  });
}

}  // namespace compnn::cli
