#include "command_catalog.h"

#include <stdexcept>
#include <string>

namespace compnn::cli {

const std::vector<CommandInfo>& CommandCatalog() {
  static const std::vector<CommandInfo> catalog = {
      {"data", CommandWeight::kFull,
       "Generate the bundled datasets, import published ones, check "
       "a dataset, draw a contact sheet."},
      {"index", CommandWeight::kFull,
       "Build a feature store: a model's activations over a dataset split (--model, --data), or\n"
       "activations saved by another tool as one .npy per layer (--import)."},
      {"verify", CommandWeight::kLight,
       "Check a feature store: shapes, sizes and every file's checksum."},
      {"cell-index", CommandWeight::kLight,
       "Build the index over a store layer's cells that searches over every training image\n"
       "(--topk-images 0) use: FAISS inverted lists of compressed hyperpatches, whose shortlists\n"
       "are ranked again at full precision. Writes STORE/cell-index/LAYER.HxW.{faiss,json}."},
      {"match", CommandWeight::kLight,
       "Match each cell of a query activation map to the most similar hyperpatch of a database of\n"
       "activation maps saved as .npy (float32, channels last); write the correspondence field."},
#ifdef COMPNN_WITH_TORCH  // the commands that run a network
      {"train", CommandWeight::kFull,
       "Train a pix2pix U-Net (with a PatchGAN) or a SegNet on a dataset in the pix2pix layout.\n"
       "Writes MODEL after every epoch, MODEL.ckpt (resume with --resume) and MODEL.log.jsonl."},
      {"layers", CommandWeight::kFull, "List a model's layers with their shapes and strides."},
      {"predict", CommandWeight::kFull,
       "Run a model on a dataset split and draw input | output | ground truth."},
      {"explain", CommandWeight::kFull,
       "Explain a model's prediction: match every patch of the query, in the model's activation\n"
       "space at one layer, to training patches from the feature store, and compose input and\n"
       "output reconstructions from them, with a correspondence map of the training images used.\n"
       "Writes OUT/<query>/{correspondence-map.png, input-reconstruction.png,\n"
       "output-reconstruction.png, prediction-reconstruction.png (from stores that keep the\n"
       "network's outputs), network-output.png, nnf.npy, similarity.npy, summary.json}, and\n"
       "OUT/explorer.html with --html."},
      {"sweep", CommandWeight::kFull,
       "Layer sweep (paper, Figures 5 and 6): input and output reconstructions of a query at\n"
       "every chosen layer, in one labelled grid beside the query, the network output and the\n"
       "ground truth. Writes OUT/<query>/{sweep.png, LAYER-*-reconstruction.png,\n"
       "LAYER-nnf.npy, LAYER-similarity.npy, summary.json}, and OUT/explorer.html with --html."},
      {"control", CommandWeight::kFull,
       "Property control (paper, Figure 8b): output reconstructions of a query from databases\n"
       "restricted by dataset attributes or image lists, beside the unrestricted one. Each "
       "--where\n"
       "or --images is one database. Writes OUT/<query>/{control.png, summary.json,\n"
       "output-reconstruction-D.png, database-D-nnf.npy, database-D-similarity.npy}, and\n"
       "OUT/explorer.html with --html."},
      {"correspond", CommandWeight::kFull,
       "Semantic correspondence (paper, Figure 8a): match image A's hyperpatches to B's alone\n"
       "at a layer, and draw which part of B stands for which part of A. Needs no feature store.\n"
       "Writes OUT/{correspondence.png, nnf.npy, similarity.npy, summary.json}."},
      {"eval", CommandWeight::kFull,
       "Evaluate explanations as the paper does (section 4.1): output reconstructions against the\n"
       "ground-truth labels beside the network and the global reconstructions (Table 1), input\n"
       "reconstructions against the input labels (Table 2), each reconstruction's agreement with\n"
       "the network's own output, time per query, and HyperPatch-Match against exact search.\n"
       "Writes OUT/table.md and OUT/table.json and prints the tables."},
#endif
  };
  return catalog;
}

const CommandInfo* FindCommand(std::string_view name) {
  for (const CommandInfo& c : CommandCatalog())
    if (name == c.name) return &c;
  return nullptr;
}

CLI::App* AddCatalogCommand(CLI::App& app, std::string_view name) {
  const CommandInfo* info = FindCommand(name);
  if (!info) throw std::logic_error("command '" + std::string(name) + "' is not in the catalog");
  return app.add_subcommand(info->name, info->description);
}

}  // namespace compnn::cli
