// The importers of published datasets (dataset_import.h) by name, for front ends: a new importer
// is a function and one entry in Importers(), and `compnn data import NAME` offers it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "compnn/data/dataset_import.h"

namespace compnn {

struct ImporterEntry {
  std::string name;         // the subcommand: pix2pix, cityscapes, camvid
  std::string help;         // what it reads
  std::string source_help;  // what its source folder holds
  // Labels drawn in colours (pix2pix's pairs): it takes a colour palette, the side the labels are
  // on and a tolerance (Pix2PixLabels), and reports how far the colours were from the palette.
  bool colour_labels = false;
  std::function<ImportReport(const DatasetImportOptions&, const Pix2PixLabels&)> import;
};

const std::vector<ImporterEntry>& Importers();

// The names of the built-in colour palettes (BuiltInColourPalettes), quoted, for help and errors.
std::string ColourPaletteNames();

}  // namespace compnn
