// compnn's collective steps (core/ranks.h) over MPI: one rank per process started by mpirun or
// srun. The only part of compnn that includes MPI.
#pragma once

#include <memory>

#include "compnn/core/ranks.h"

namespace compnn {

class MpiRanks final : public Ranks {
 public:
  // Initialises MPI (one thread calls it: OpenMP threads never do). Call once, from main.
  // Throws std::runtime_error when MPI cannot start.
  static std::unique_ptr<MpiRanks> Initialize(int* argc, char*** argv);
  ~MpiRanks() override;
  MpiRanks(const MpiRanks&) = delete;
  MpiRanks& operator=(const MpiRanks&) = delete;

  // Ends MPI as the process exits with `status`: a normal end when it is 0; when it is not and
  // other ranks run, aborts them all (they may wait on this rank in a collective step forever).
  void Finish(int status);

  // Ranks on this rank's machine (sharing its memory).
  int local_size() const { return local_size_; }
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::int64_t ReduceField(CorrespondenceField& field) const override;
  void SumToRoot(std::span<std::int64_t> values) const override;
  std::vector<std::string> GatherToRoot(const std::string& bytes) const override;
  void Barrier() const override;

 private:
  MpiRanks(int rank, int size) : rank_(rank), size_(size) {}
  int rank_ = 0, size_ = 1, local_size_ = 1;
  bool finished_ = false;
};

}  // namespace compnn
