#include "match_flags.h"

#include <cstdio>

#include "search_flags.h"
#include "typed_options.h"

namespace compnn::cli {

void AddMatchFlags(CLI::App* cmd, MatchOptions& options) {
  MatchOptions* o = &options;
  cmd->add_option("--query", o->query, "query map: float32 (H, W, D) or (1, H, W, D)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option(
         "--database", o->database,
         "database maps: float32 or float16 (N, H', W', D), memory-mapped (a store's LAYER.npy)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", o->out,
                  "output folder: nnf.npy (int32 H x W x 3: image, y, x), "
                  "similarity.npy (float32 H x W), summary.json")
      ->required();
  AddSearchFlags(cmd, o->searcher);
  cmd->add_option("--hyperpatch", o->hyperpatch, "hyperpatch height and width in cells")
      ->expected(2)
      ->capture_default_str();
  // Elsewhere --images takes training image names; a database of arrays has only indices.
  cmd->add_option("--image-indices", o->images,
                  "search only these database images (0-based indices, comma-separated)")
      ->delimiter(',');
  cmd->add_option_function<std::vector<int>>(
         "--images",
         [o](const std::vector<int>& indices) {
           std::fprintf(stderr,
                        "compnn: warning: --images is an old name of --image-indices (match takes "
                        "indices; the other commands' --images take names)\n");
           o->images = indices;
         },
         "old name of --image-indices")
      ->delimiter(',')
      ->excludes(cmd->get_option("--image-indices"));
  cmd->add_option("--topk-images", o->topk_images,
                  "keep the K images whose global descriptors are nearest the query's")
      ->check(AtLeast(1));
  cmd->add_option("--query-global", o->query_global,
                  "query global descriptor: float32 (D,) or (1, D)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--database-global", o->database_global,
                  "database global descriptors: float32 (N, D)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--k,--matches-per-cell", o->search.k,
                  "keep the K best matches per cell, distinct (outputs gain a K axis when K > 1; "
                  "hpm then costs about K times as much)")
      ->capture_default_str();
  cmd->add_option("--seed", o->search.seed, SeedHelp())->capture_default_str();
  cmd->add_option("--threads", o->search.threads,
                  "worker threads (0: all cores; under mpirun, each rank's share of its "
                  "machine's cores)")
      ->check(AtLeast(0))
      ->capture_default_str();
}

}  // namespace compnn::cli
