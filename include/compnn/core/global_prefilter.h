// Global prefilter (end of paper section 3.2): the database images whose global descriptor (a
// whole activation tensor, flattened) is most similar to the query's.
#pragma once

#include <span>
#include <vector>

namespace compnn {

// Global descriptors of N images, one row of `length` floats each, row-major.
struct DescriptorMatrix {
  const float* data = nullptr;
  int rows = 0;
  int length = 0;
  const float* row(int i) const { return data + static_cast<std::ptrdiff_t>(i) * length; }
};

// Indices of the k candidates (all images when `candidates` is empty) with the highest cosine
// similarity to `query`, most similar first, ties to the lower index. Throws std::invalid_argument
// when lengths differ, k is not in [1, candidates], an index is out of range, or a value is not
// finite.
std::vector<int> GlobalTopK(std::span<const float> query, const DescriptorMatrix& database, int k,
                            const std::vector<int>& candidates = {});

// The prefilter of a search over a database of `database_images` maps: the `topk` of `images`
// (all when empty) nearest the query's descriptor, or `images` when topk is 0. Throws OptionError
// naming database_global when it holds another number of descriptors or another length than the
// query's, and topk_images when it exceeds the images to choose from.
std::vector<int> PrefilterCandidates(std::span<const float> query, const DescriptorMatrix& database,
                                     int database_images, int topk, const std::vector<int>& images);

// Cosine similarity of two equally long vectors (0 when either has norm 0, NaN when either holds a
// non-finite value), in double precision.
double Cosine(std::span<const float> a, std::span<const float> b);
// The same from the sums it is made of: a.b, a.a and b.b.
double CosineOfSums(double dot, double aa, double bb);

}  // namespace compnn
