// A store layer's cell index (cell_index.h) as a searcher: every image of the layer, shortlisted
// by the index and ranked again at full length against the stored maps (float16 read in place).
#pragma once

#include <memory>

#include "compnn/core/searcher.h"
#include "compnn/store/cell_index.h"

namespace compnn {

class CellIndexSearcher final : public Searcher {
 public:
  // A shortlist shorter than a request's k grows to k.
  CellIndexSearcher(std::shared_ptr<const CellIndex> index, CellIndexSearchOptions options);
  std::string name() const override { return "cell-index"; }
  SearcherTraits traits() const override;
  nlohmann::json Parameters() const override;
  // "cell index IVF1024,PQ16 (1 lists probed, 64 re-ranked)"
  std::string Describe() const override;

  // The request's hyperpatch must be the index's and its candidates every image (or none given).
  SearchResult Search(const MapView& query, const Database& database,
                      const SearchRequest& request) const override;
  SearchResult Search(const MapView& query, const HalfDatabase& database,
                      const SearchRequest& request) const override;

  const CellIndexSearchOptions& options() const { return options_; }

 private:
  template <typename Database_>
  SearchResult SearchIn(const MapView& query, const Database_& database,
                        const SearchRequest& request) const;

  std::shared_ptr<const CellIndex> index_;
  CellIndexSearchOptions options_;
};

}  // namespace compnn
