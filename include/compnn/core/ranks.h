// The processes one command runs on, and the few collective steps compnn takes between them. One
// process by default (this class itself); compnn/mpi/mpi_ranks.h implements it over MPI, so that
// the search core, the store and the explanations never include MPI.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "compnn/core/correspondence.h"

namespace compnn {

class Ranks {
 public:
  virtual ~Ranks() = default;

  virtual int rank() const { return 0; }
  virtual int size() const { return 1; }
  bool is_root() const { return rank() == 0; }

  // Rank 0 ends with every rank's field merged (MergeFields: the k best of each cell, ties to the
  // lowest (image, y, x)); the other ranks' fields are left unspecified. All ranks' fields must
  // have one shape. Returns the bytes this rank sent.
  virtual std::int64_t ReduceField(CorrespondenceField& /*field*/) const { return 0; }
  // Rank 0 ends with the element-wise sums over the ranks; the others' values are unspecified.
  virtual void SumToRoot(std::span<std::int64_t> /*values*/) const {}
  // Rank 0 gets every rank's bytes, in rank order; the others get an empty list.
  virtual std::vector<std::string> GatherToRoot(const std::string& bytes) const { return {bytes}; }
  // Returns when every rank has called it.
  virtual void Barrier() const {}
};

// A half-open range of positions.
struct IndexRange {
  int begin = 0, end = 0;
  int size() const { return end - begin; }
  bool empty() const { return end <= begin; }
};

// The part of `count` items that `rank` of `ranks` takes: contiguous, in rank order, sizes
// differing by at most one (the first count % ranks ranks take one more). Throws
// std::invalid_argument for count < 0 or a rank outside [0, ranks).
IndexRange ShardOf(int count, int rank, int ranks);

}  // namespace compnn
