// compnn data import: the published datasets (pix2pix pairs, Cityscapes, CamVid) into compnn's
// layout.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "compnn/data/dataset_import.h"
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

CLI::App* AddImporter(CLI::App& import, Command& run, const std::string& name,
                      const std::string& help, const std::string& source_help,
                      std::shared_ptr<ImportFlags> f,
                      std::function<ImportReport(const ImportFlags&)> importer, bool colours) {
  CLI::App* cmd = import.add_subcommand(name, help);
  cmd->add_option("SRC", f->options.source, source_help)->required()->check(CLI::ExistingDirectory);
  cmd->add_option("--out", f->options.out,
                  "dataset folder to create (written whole, or not at all)")
      ->required();
  AddImageSizeOption(cmd, "--size", f->options.size,
                     "resize to HEIGHTxWIDTH (or N for N x N): photos by area, labels by nearest; "
                     "default: keep the source's size");
  cmd->add_flag("--overwrite", f->options.overwrite, "replace an existing dataset folder");
  cmd->callback([&run, f, importer, name, colours] {
    run = [f, importer, name, colours] {
      ImportFlags flags = *f;
      std::unique_ptr<ProgressBar> progress;
      flags.options.progress = [&progress, &name](int done, int total) {
        if (!progress) progress = std::make_unique<ProgressBar>("importing " + name, total);
        progress->Update(done);
      };
      const ImportReport report = importer(flags);
      if (progress) progress->Finish();
      PrintReport(report, colours, flags.options);
    };
  });
  return cmd;
}

}  // namespace

void AddImportCommand(CLI::App& data, Command& run) {
  CLI::App* import = data.add_subcommand(
      "import",
      "Import a published dataset (pix2pix pairs, Cityscapes, CamVid) into compnn's layout.");
  import->require_subcommand(1);

  auto p = std::make_shared<ImportFlags>();
  CLI::App* pix2pix = AddImporter(
      *import, run, "pix2pix",
      "pix2pix's published A|B pairs (facades, cityscapes): SRC/{train,val,test}/N.jpg. Label "
      "colours smeared by JPEG are mapped back to the palette's classes.",
      "folder holding train/ val/ test/", p,
      [](const ImportFlags& f) {
        Pix2PixLabels labels = f.pix2pix;
        labels.colours = ColourPaletteNamed(f.palette);
        return ImportPix2Pix(f.options, labels);
      },
      true);
  pix2pix
      ->add_option("--palette", p->palette,
                   "label colours: 'pix2pix-facades' (the 12 CMP classes in the colours pix2pix's "
                   "facades are drawn with), 'cmp-facades' (the same classes in the CMP Facade "
                   "Database's own colours), 'cityscapes' (the 19 train classes, other colours "
                   "ignore) or a palette JSON file (labels.json's format)")
      ->capture_default_str();
  AddEnumOption(pix2pix, "--labels", p->pix2pix.side,
                std::map<std::string, PairSide>{{"A", PairSide::kA}, {"B", PairSide::kB}},
                "the side of each pair that holds the labels (facades and cityscapes: B)");
  pix2pix
      ->add_option("--tolerance", p->pix2pix.tolerance,
                   "RGB distance beyond which a label pixel is far from every palette colour (and "
                   "from JPEG's blend of its neighbours' classes); a file with over 2% far pixels "
                   "is refused (wrong palette or side), and so is one whose uniform label regions "
                   "sit away from their palette colour (a palette of near but other colours)")
      ->capture_default_str();

  auto c = std::make_shared<ImportFlags>();
  AddImporter(
      *import, run, "cityscapes",
      "Cityscapes: leftImg8bit/ photos with gtFine/ *_labelIds.png; label ids become the 19 "
      "train ids, every other id the ignore class.",
      "Cityscapes root holding leftImg8bit/ and gtFine/", c,
      [](const ImportFlags& f) { return ImportCityscapes(f.options); }, false);

  auto v = std::make_shared<ImportFlags>();
  AddImporter(
      *import, run, "camvid",
      "CamVid in SegNet's layout: SRC/{train,val,test}/ photos with "
      "{train,val,test}annot/ class indices 0..10, 11 = void (ignore).",
      "CamVid root holding train/ trainannot/ val/ valannot/ test/ testannot/", v,
      [](const ImportFlags& f) { return ImportCamVid(f.options); }, false);
}

}  // namespace compnn::cli
