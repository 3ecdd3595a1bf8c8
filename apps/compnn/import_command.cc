// compnn data import: the published datasets (pix2pix pairs, Cityscapes, CamVid) into compnn's
// layout.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "compnn/data/dataset_import.h"
#include "compnn/data/importers.h"
#include "compnn/data/published_labels.h"
#include "progress_bar.h"
#include "typed_options.h"

namespace compnn::cli {
namespace {

struct ImportFlags {
  DatasetImportOptions options;
  Pix2PixLabels pix2pix;
  std::string palette = "pix2pix-facades";
};

void PrintReport(const ImportReport& report, bool colours, const DatasetImportOptions& o) {
  int images = 0;
  for (const SplitImport& s : report.splits) {
    images += s.images;
    std::printf("%-5s %5d image%s of %s (HxW)", s.split.c_str(), s.images, s.images == 1 ? "" : "s",
                s.source_size.ToString().c_str());
    if (o.size) std::printf(" -> %s", o.size->ToString().c_str());
    std::printf(", %5.2f%% ignore",
                100.0 * s.ignore_pixels / std::max<std::int64_t>(1, s.label_pixels));
    if (colours) {
      const double pixels = std::max<std::int64_t>(1, s.colours.pixels);
      std::printf(", label colours: %5.2f%% not exact, %5.3f%% far",
                  100.0 * s.colours.inexact / pixels, 100.0 * s.colours.far / pixels);
    }
    std::printf("\n");
  }
  for (const std::string& note : report.notes) std::printf("note: %s\n", note.c_str());
  std::printf("imported %d images to %s in %.1f s (%.1f images/s)\n", images, o.out.c_str(),
              report.seconds, images / std::max(1e-9, report.seconds));
}

// The flags of labels drawn in colours (pix2pix's pairs).
void AddColourLabelFlags(CLI::App* cmd, ImportFlags& f) {
  cmd->add_option("--palette", f.palette,
                  "label colours: a built-in palette (" + ColourPaletteNames() +
                      ") or a palette JSON file (labels.json's format); pix2pix-facades: the 12 "
                      "CMP classes as pix2pix's facades draw them, cmp-facades: the CMP Facade "
                      "Database's own colours, cityscapes: the 19 train classes (other colours "
                      "ignore)")
      ->capture_default_str();
  AddEnumOption(cmd, "--labels", f.pix2pix.side,
                std::map<std::string, PairSide>{{"A", PairSide::kA}, {"B", PairSide::kB}},
                "the side of each pair that holds the labels (facades and cityscapes: B)");
  cmd->add_option("--tolerance", f.pix2pix.tolerance,
                  "RGB distance beyond which a label pixel is far from every palette colour (and "
                  "from JPEG's blend of its neighbours' classes); a file with over 2% far pixels "
                  "is refused (wrong palette or side), and so is one whose uniform label regions "
                  "sit away from their palette colour (a palette of near but other colours)")
      ->capture_default_str();
}

void AddImporter(CLI::App& import, Command& run, const ImporterEntry& entry) {
  auto f = std::make_shared<ImportFlags>();
  CLI::App* cmd = import.add_subcommand(entry.name, entry.help);
  cmd->add_option("SRC", f->options.source, entry.source_help)
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", f->options.out,
                  "dataset folder to create (written whole, or not at all)")
      ->required();
  AddImageSizeOption(cmd, "--size", f->options.size,
                     "resize to HEIGHTxWIDTH (or N for N x N): photos by area, labels by nearest; "
                     "default: keep the source's size");
  cmd->add_flag("--overwrite", f->options.overwrite, "replace an existing dataset folder");
  if (entry.colour_labels) AddColourLabelFlags(cmd, *f);
  cmd->callback([&run, f, &entry] {
    run = [f, &entry] {
      ImportFlags flags = *f;
      std::unique_ptr<ProgressBar> progress;
      flags.options.progress = [&progress, &entry](int done, int total) {
        if (!progress) progress = std::make_unique<ProgressBar>("importing " + entry.name, total);
        progress->Update(done);
      };
      if (entry.colour_labels) flags.pix2pix.colours = ColourPaletteNamed(flags.palette);
      const ImportReport report = entry.import(flags.options, flags.pix2pix);
      if (progress) progress->Finish();
      PrintReport(report, entry.colour_labels, flags.options);
    };
  });
}

}  // namespace

void AddImportCommand(CLI::App& data, Command& run) {
  CLI::App* import = data.add_subcommand(
      "import",
      "Import a published dataset (pix2pix pairs, Cityscapes, CamVid) into compnn's layout.");
  import->require_subcommand(1);
  for (const ImporterEntry& entry : Importers()) AddImporter(*import, run, entry);
}

}  // namespace compnn::cli
