#include "compnn/mpi/mpi_ranks.h"

#include <mpi.h>

#include <climits>
#include <stdexcept>

namespace compnn {
namespace {

// MPI_Reduce's operator on fields: each element is one cell's k matches (a contiguous type of
// k * sizeof(Match) bytes), merged as MergeFields does. The merge keeps a strict total order
// (similarity, then lowest (image, y, x)), so it is associative and commutative, and any
// reduction tree gives the same field.
void MergeCells(void* in, void* inout, int* count, MPI_Datatype* type) {
  int bytes = 0;
  MPI_Type_size(*type, &bytes);
  const int k = bytes / static_cast<int>(sizeof(Match));
  const Match* other = static_cast<const Match*>(in);
  Match* mine = static_cast<Match*>(inout);
  for (int cell = 0; cell < *count; ++cell) {
    MergeMatchLists(mine + static_cast<std::size_t>(cell) * k,
                    other + static_cast<std::size_t>(cell) * k, k);
  }
}

void Require(int status, const char* what) {
  if (status != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}

}  // namespace

std::unique_ptr<MpiRanks> MpiRanks::Initialize(int* argc, char*** argv) {
  int provided = 0;
  Require(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "initialisation");
  // Errors come back as status codes, to be told in compnn's words, not as MPI's abort.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  std::unique_ptr<MpiRanks> ranks(new MpiRanks(rank, size));
  MPI_Comm local;
  Require(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local),
          "finding the ranks on this machine");
  MPI_Comm_size(local, &ranks->local_size_);
  MPI_Comm_free(&local);
  return ranks;
}

MpiRanks::~MpiRanks() { Finish(0); }

void MpiRanks::Finish(int status) {
  if (finished_) return;
  finished_ = true;
  if (status != 0 && size_ > 1) MPI_Abort(MPI_COMM_WORLD, status);
  MPI_Finalize();
}

std::int64_t MpiRanks::ReduceField(CorrespondenceField& field) const {
  if (size_ == 1) return 0;
  const int cells = field.height * field.width;
  const int cell_bytes = field.k * static_cast<int>(sizeof(Match));
  MPI_Datatype cell_type;
  Require(MPI_Type_contiguous(cell_bytes, MPI_BYTE, &cell_type), "a field's cell type");
  MPI_Type_commit(&cell_type);
  MPI_Op merge;
  Require(MPI_Op_create(&MergeCells, /*commute=*/1, &merge), "the field merge");
  void* data = field.matches.data();
  const int status =
      rank_ == 0 ? MPI_Reduce(MPI_IN_PLACE, data, cells, cell_type, merge, 0, MPI_COMM_WORLD)
                 : MPI_Reduce(data, nullptr, cells, cell_type, merge, 0, MPI_COMM_WORLD);
  MPI_Op_free(&merge);
  MPI_Type_free(&cell_type);
  Require(status, "merging the ranks' fields");
  // A reduction tree: every rank but the root sends its (partly merged) field once.
  return rank_ == 0 ? 0 : static_cast<std::int64_t>(cells) * cell_bytes;
}

void MpiRanks::SumToRoot(std::span<std::int64_t> values) const {
  if (size_ == 1) return;
  static_assert(sizeof(std::int64_t) == sizeof(long long));
  void* data = values.data();
  const int count = static_cast<int>(values.size());
  const int status =
      rank_ == 0 ? MPI_Reduce(MPI_IN_PLACE, data, count, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD)
                 : MPI_Reduce(data, nullptr, count, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
  Require(status, "summing the ranks' counts");
}

std::vector<std::string> MpiRanks::GatherToRoot(const std::string& bytes) const {
  if (size_ == 1) return {bytes};
  if (bytes.size() > static_cast<std::size_t>(INT_MAX)) {
    throw std::runtime_error("MPI: a rank's results exceed 2 GiB");
  }
  const int length = static_cast<int>(bytes.size());
  std::vector<int> lengths(rank_ == 0 ? size_ : 0);
  Require(MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD),
          "gathering the ranks' result sizes");
  std::vector<int> offsets(lengths.size());
  long long total = 0;
  for (std::size_t r = 0; r < lengths.size(); ++r) {
    offsets[r] = static_cast<int>(total);
    total += lengths[r];
  }
  if (total > INT_MAX) throw std::runtime_error("MPI: the ranks' results exceed 2 GiB");
  std::string all(static_cast<std::size_t>(total), '\0');
  Require(MPI_Gatherv(bytes.data(), length, MPI_BYTE, all.data(), lengths.data(), offsets.data(),
                      MPI_BYTE, 0, MPI_COMM_WORLD),
          "gathering the ranks' results");
  std::vector<std::string> parts;
  for (std::size_t r = 0; r < lengths.size(); ++r)
    parts.push_back(all.substr(offsets[r], lengths[r]));
  return parts;
}

void MpiRanks::Barrier() const {
  if (size_ > 1) Require(MPI_Barrier(MPI_COMM_WORLD), "waiting for the other ranks");
}

}  // namespace compnn
