// compnn data check: read every pair of a dataset, check it and print its class shares.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "compnn/data/dataset.h"
#include "compnn/data/dataset_census.h"
#include "progress_bar.h"

namespace compnn::cli {
namespace {

void Check(const std::string& dir) {
  const Dataset dataset = Dataset::Open(dir);
  std::unique_ptr<ProgressBar> bar;
  std::string reading;
  const DatasetCensus census =
      TakeCensus(dataset, [&](const std::string& split, int done, int pairs) {
        if (split != reading) {
          bar = std::make_unique<ProgressBar>("checking " + split, pairs);
          reading = split;
        }
        bar->Update(done);
        if (done == pairs) bar->Finish();
      });
  for (const SplitCensus& s : census.splits)
    std::printf("%-5s %5d pairs of %dx%d (HxW)\n", s.split.c_str(), s.pairs, s.height, s.width);
  if (!dataset.HasSplit("test")) std::printf("test  (none: the dataset has no test split)\n");
  if (dataset.has_labels()) {
    const Palette& palette = dataset.palette();
    for (int c = 0; c < palette.size(); ++c)
      std::printf("  %-14s %6.2f%% of label pixels\n", palette[c].name.c_str(),
                  100.0 * census.Share(c));
    if (palette.ignore()) {
      std::printf("  %-14s %6.2f%% of label pixels (ignore: never trained on or scored)\n",
                  palette.ignore()->name.c_str(), 100.0 * census.Share(kIgnoreClass));
    }
  }
  std::printf("%s: no problems found\n", dir.c_str());
}

}  // namespace

void AddDataCheckCommand(CLI::App& data, Command& run) {
  auto dir = std::make_shared<std::string>();
  CLI::App* check =
      data.add_subcommand("check",
                          "Read every pair of a dataset and check it: PNG, even width, "
                          "palette colours; print class frequencies.");
  check->add_option("DIR", *dir, "dataset folder")->required();
  check->callback([&run, dir] { run = [dir] { Check(*dir); }; });
}

}  // namespace compnn::cli
