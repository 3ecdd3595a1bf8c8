#include "compnn/store/field_io.h"

#include <cstdint>
#include <vector>

#include "compnn/store/npy.h"

namespace compnn {

void WriteField(const CorrespondenceField& field, const std::string& dir, const std::string& stem) {
  std::vector<std::int32_t> nnf(field.matches.size() * 3);
  std::vector<float> similarity(field.matches.size());
  for (std::size_t i = 0; i < field.matches.size(); ++i) {
    nnf[3 * i] = field.matches[i].image;
    nnf[3 * i + 1] = field.matches[i].y;
    nnf[3 * i + 2] = field.matches[i].x;
    similarity[i] = field.matches[i].similarity;
  }
  std::vector<std::int64_t> shape = {field.height, field.width};
  if (field.k > 1) shape.push_back(field.k);
  std::vector<std::int64_t> nnf_shape = shape;
  nnf_shape.push_back(3);
  WriteNpy(dir + "/" + stem + "nnf.npy", DType::kInt32, nnf_shape, nnf.data());
  WriteNpy(dir + "/" + stem + "similarity.npy", DType::kFloat32, shape, similarity.data());
}

}  // namespace compnn
