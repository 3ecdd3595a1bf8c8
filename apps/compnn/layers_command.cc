// compnn layers: the layers of a model file or a TorchScript file, with their shapes.
#include <cstdio>
#include <memory>

#include "command_catalog.h"
#include "commands.h"
#include "compnn/models/model.h"
#include "compnn/models/torchscript.h"
#include "typed_options.h"

namespace compnn::cli {

void AddLayersCommand(CLI::App& app, Command& run) {
  struct Options {
    std::string model;
    std::optional<ImageSize> size;
  };
  auto o = std::make_shared<Options>();
  CLI::App* cmd = AddCatalogCommand(app, "layers");
  cmd->add_option("MODEL", o->model,
                  "model file written by compnn train, or a TorchScript file (.pt, .pth)")
      ->required()
      ->check(CLI::ExistingFile);
  AddImageSizeOption(cmd, "--size", o->size,
                     "input size HxW or N (default: the model's training size; TorchScript: 256)");
  cmd->callback([&run, o] {
    run = [o] {
      ModelSpec spec;
      spec.path = o->model;
      spec.size = o->size;
      if (!spec.size && IsTorchScriptPath(o->model)) spec.size = ImageSize{256, 256};
      std::unique_ptr<Model> model = Model::Open(spec);
      if (model->arch() == Architecture::kTorchScript) {
        const ImageSize& size = model->size();
        std::printf("%s: TorchScript, input 3 x %d x %d\n%-32s %8s %8s %8s %8s\n", o->model.c_str(),
                    size.height, size.width, "layer", "height", "width", "depth", "stride");
        for (const LayerInfo& l : model->layers()) {
          std::printf("%-32s %8d %8d %8d %8d\n", l.name.c_str(), l.height, l.width, l.channels,
                      l.stride);
        }
        for (const std::string& why : model->Uncapturable())
          std::printf("not capturable: %s\n", why.c_str());
        std::printf("(NAME:input takes the tensor entering a submodule called with one tensor)\n");
        return;
      }
      const ImageSize size = o->size ? *o->size : model->size();
      std::printf("%s: %s, input %d x %d\n%-10s %8s %8s %8s %8s\n", o->model.c_str(),
                  ToString(model->arch()).c_str(), size.height, size.width, "layer", "height",
                  "width", "depth", "stride");
      for (const LayerInfo& l : model->LayersAt(size)) {
        std::printf("%-10s %8d %8d %8d %8d\n", l.name.c_str(), l.height, l.width, l.channels,
                    l.stride);
      }
    };
  });
}

}  // namespace compnn::cli
