#include "explain_options.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "compnn/core/check.h"
#include "run_tool.h"
#include "search_flags.h"
#include "typed_options.h"

namespace compnn::cli {

namespace {

// How each query's cells are searched in the store.
void AddStoreSearchFlags(CLI::App* cmd, StoreSearchOptions& search) {
  AddSearchFlags(cmd, search.searcher);
  cmd->add_option("--topk-images", search.topk_images,
                  "search only the K training images with the most similar global descriptor "
                  "(0: all)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_flag("--no-cell-index{false}", search.use_cell_index,
                "search every training image (--topk-images 0) by --method even where the store "
                "has a cell index (compnn cell-index)");
  cmd->add_option("--index-probes", search.cell_index.probes,
                  "cell index: inverted lists searched per cell")
      ->check(AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--index-shortlist", search.cell_index.shortlist,
                  "cell index: candidates per cell ranked again at full precision")
      ->check(AtLeast(1))
      ->capture_default_str();
  cmd->add_option("--index-propagation", search.cell_index.propagation,
                  "cell index: passes in which each cell tries its neighbours' matches, shifted "
                  "(0: none)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  search.note = NoteOnce;
  cmd->add_option("--seed", search.search.seed, SeedHelp())->capture_default_str();
  cmd->add_option(
         "--threads", search.search.threads,
         "worker threads (0: every core; under mpirun, each rank's share of its machine's cores)")
      ->check(AtLeast(0))
      ->capture_default_str();
  cmd->add_option_function<std::vector<int>>(
         "--hyperpatch",
         [&search](const std::vector<int>& sides) {
           search.hyperpatch = {sides[0], sides[1]};
         },
         "cells compared around each cell, H W (default: the layer's, set at index time; a "
         "larger one covers more of the context the next layers read)")
      ->expected(2)
      ->check(CLI::Range(1, 64));
  cmd->add_option("--k", search.search.k,
                  "matches per cell: each pastes a vote weighted by its similarity (photos: "
                  "weighted mean, labels: weighted majority); hpm costs about K times as much")
      ->capture_default_str();
}

// How the matches are pasted.
void AddPasteFlags(CLI::App* cmd, PasteOptions& paste) {
  cmd->add_option("--vote-power", paste.vote_power,
                  "a vote weighs similarity^P: 0 counts votes equally, larger P favours the "
                  "closest matches")
      ->check(CLI::Range(0.0, 1000.0))
      ->capture_default_str();
  cmd->add_flag("--overlap", paste.overlapping_blocks,
                "paste whole matched hyperpatches (overlapping votes, clamped at the border as "
                "the hyperpatches were) instead of each cell's own patch");
}

}  // namespace

void AddExplainOptions(CLI::App* cmd, ExplainOptions* o, bool queries) {
  cmd->add_option("--model", o->model, "model file written by compnn train")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--store", o->store, "feature store written by compnn index with that model")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--data", o->data, "dataset folder (default: the one the store was built from)")
      ->check(CLI::ExistingDirectory);
  if (queries) {
    cmd->add_option("--query", o->queries,
                    "query: a dataset image name (looked up in val, test, train) or a PNG file "
                    "(a pair A|B gives the ground truth too); repeat for several");
    cmd->add_option("--query-split", o->query_split, "explain the images of this split instead");
    cmd->add_option("--count", o->count, "with --query-split: the first N images (0: all)")
        ->check(AtLeast(0))
        ->capture_default_str();
  }
  cmd->add_option("--out", o->out, "output folder")->required();
  AddStoreSearchFlags(cmd, o->search);
  AddPasteFlags(cmd, o->paste);
}

std::vector<Query> ResolveQueries(const Explainer& explainer, const ExplainOptions& o) {
  if (o.queries.empty() == o.query_split.empty())
    throw std::runtime_error("give either --query (one or more) or --query-split");
  std::vector<Query> queries;
  if (!o.query_split.empty()) return explainer.SplitQueries(o.query_split, o.count);
  std::vector<std::string> warnings;
  for (const std::string& q : o.queries) queries.push_back(explainer.LoadQuery(q, &warnings));
  for (const std::string& w : warnings) std::fprintf(stderr, "compnn: warning: %s\n", w.c_str());
  return queries;
}

std::vector<std::string> ImageNames(const std::string& list) {
  std::vector<std::string> names;
  std::stringstream stream(list);
  std::string name;
  while (std::getline(stream, name, ',')) names.push_back(name);
  COMPNN_CHECK(list.empty() || !names.empty(), "--images names no image");
  return names;
}

}  // namespace compnn::cli
