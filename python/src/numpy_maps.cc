#include "numpy_maps.h"

#include <cstring>

#include "compnn/core/half.h"

namespace compnn::python {

void Require(bool condition, const std::string& message) {
  if (!condition) throw py::value_error(message);
}

bool HasDType(const py::array& a, const py::dtype& want) {
  return a.dtype().num() == want.num() && a.dtype().attr("isnative").cast<bool>();
}

namespace {

std::string ShapeText(const py::array& a) {
  std::string text = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) text += (i ? ", " : "") + std::to_string(a.shape(i));
  return text + (a.ndim() == 1 ? ",)" : ")");
}

enum class Element { kFloat32, kFloat16 };

Element FloatElement(const py::array& a, const std::string& what) {
  if (HasDType(a, py::dtype::of<float>())) return Element::kFloat32;
  if (HasDType(a, py::dtype("float16"))) return Element::kFloat16;
  throw py::value_error(what + ": dtype " + std::string(py::str(a.dtype())) +
                        " is not supported (float32 or float16)");
}

bool CContiguous(const py::array& a) {
  return (a.flags() & py::array::c_style) == py::array::c_style;
}

// Copies a 3-d array (any strides, float32 or float16) into channels-last floats.
void CopyChannelsLast(const py::array& a, bool channels_first, Element element, float* out) {
  const py::ssize_t d0 = a.shape(0), d1 = a.shape(1), d2 = a.shape(2);
  const py::ssize_t s0 = a.strides(0), s1 = a.strides(1), s2 = a.strides(2);
  const char* base = static_cast<const char*>(a.data());
  // Source axes (0, 1, 2) are (H, W, D), or (D, H, W) when channels come first.
  const py::ssize_t height = channels_first ? d1 : d0, width = channels_first ? d2 : d1,
                    depth = channels_first ? d0 : d2;
  for (py::ssize_t y = 0; y < height; ++y) {
    for (py::ssize_t x = 0; x < width; ++x) {
      for (py::ssize_t c = 0; c < depth; ++c) {
        const char* p =
            channels_first ? base + c * s0 + y * s1 + x * s2 : base + y * s0 + x * s1 + c * s2;
        float v;
        if (element == Element::kFloat32) {
          std::memcpy(&v, p, sizeof v);
        } else {
          std::uint16_t h;
          std::memcpy(&h, p, sizeof h);
          v = HalfToFloat(h);
        }
        *out++ = v;
      }
    }
  }
}

}  // namespace

MapView QueryMap(const py::array& in, bool channels_first, std::vector<float>& scratch,
                 const std::string& what) {
  Require(in.ndim() == 3 || (in.ndim() == 4 && in.shape(0) == 1),
          what + ": shape " + ShapeText(in) + " is not one map, " +
              (channels_first ? "(D, H, W) or (1, D, H, W)" : "(H, W, D) or (1, H, W, D)"));
  const Element element = FloatElement(in, what);
  const py::array a = in.ndim() == 4 ? py::array(in[py::int_(0)]) : in;
  const int height = static_cast<int>(a.shape(channels_first ? 1 : 0));
  const int width = static_cast<int>(a.shape(channels_first ? 2 : 1));
  const int depth = static_cast<int>(a.shape(channels_first ? 0 : 2));
  Require(height > 0 && width > 0 && depth > 0, what + ": empty map " + ShapeText(in));
  if (element == Element::kFloat32 && !channels_first && CContiguous(a))
    return MapView{static_cast<const float*>(a.data()), height, width, depth};
  scratch.resize(static_cast<std::size_t>(height) * width * depth);
  CopyChannelsLast(a, channels_first, element, scratch.data());
  return MapView{scratch.data(), height, width, depth};
}

void DatabaseMaps(const py::array& a, bool channels_first, const std::vector<int>& images,
                  const std::string& what, ArrayMaps& out) {
  Require(a.ndim() == 4, what + ": shape " + ShapeText(a) + " is not a database of maps, " +
                             (channels_first ? "(N, D, H, W)" : "(N, H, W, D)"));
  const Element element = FloatElement(a, what);
  Require(a.shape(0) > 0, what + ": holds no images");
  Require(a.shape(1) > 0 && a.shape(2) > 0 && a.shape(3) > 0, what + ": empty maps");
  if (!channels_first && CContiguous(a)) {
    out.maps = MapsOf(a.data(), element == Element::kFloat32 ? DType::kFloat32 : DType::kFloat16,
                      {a.shape(0), a.shape(1), a.shape(2), a.shape(3)}, images, what);
    return;
  }
  // Channels first or strided: every image converted once, to float32 channels last.
  const py::ssize_t n = a.shape(0);
  const py::ssize_t height = channels_first ? a.shape(2) : a.shape(1);
  const py::ssize_t width = channels_first ? a.shape(3) : a.shape(2);
  const py::ssize_t depth = channels_first ? a.shape(1) : a.shape(3);
  const py::ssize_t per_image = height * width * depth;
  out.transposed.resize(static_cast<std::size_t>(n * per_image));
  for (py::ssize_t i = 0; i < n; ++i) {
    CopyChannelsLast(py::array(a[py::int_(i)]), channels_first, element,
                     out.transposed.data() + i * per_image);
  }
  out.maps =
      MapsOf(out.transposed.data(), DType::kFloat32, {n, height, width, depth}, images, what);
}

std::vector<float> Descriptor(const py::array& a, const std::string& what) {
  Require(a.ndim() == 1 || (a.ndim() == 2 && a.shape(0) == 1),
          what + ": shape " + ShapeText(a) + " is not one descriptor, (D,) or (1, D)");
  const Element element = FloatElement(a, what);
  const py::array flat = a.attr("reshape")(-1);
  const py::ssize_t n = flat.shape(0);
  std::vector<float> values(static_cast<std::size_t>(n));
  const char* base = static_cast<const char*>(flat.data());
  for (py::ssize_t i = 0; i < n; ++i) {
    const char* p = base + i * flat.strides(0);
    if (element == Element::kFloat32) {
      std::memcpy(&values[i], p, sizeof(float));
    } else {
      std::uint16_t h;
      std::memcpy(&h, p, sizeof h);
      values[i] = HalfToFloat(h);
    }
  }
  return values;
}

py::tuple FieldArrays(const CorrespondenceField& field) {
  std::vector<py::ssize_t> shape = {field.height, field.width};
  if (field.k > 1) shape.push_back(field.k);
  std::vector<py::ssize_t> nnf_shape = shape;
  nnf_shape.push_back(3);
  py::array_t<std::int32_t> nnf(nnf_shape);
  py::array_t<float> similarity(shape);
  std::int32_t* n = nnf.mutable_data();
  float* s = similarity.mutable_data();
  for (std::size_t i = 0; i < field.matches.size(); ++i) {
    n[3 * i] = field.matches[i].image;
    n[3 * i + 1] = field.matches[i].y;
    n[3 * i + 2] = field.matches[i].x;
    s[i] = field.matches[i].similarity;
  }
  return py::make_tuple(nnf, similarity);
}

CorrespondenceField FieldFromArrays(const py::array& in) {
  Require(
      (in.ndim() == 3 || in.ndim() == 4) && in.shape(in.ndim() - 1) == 3,
      "nnf: shape " + ShapeText(in) + " is not a field of best matches, (H, W, 3) or (H, W, K, 3)");
  const auto nnf = py::array_t<std::int32_t, py::array::c_style | py::array::forcecast>::ensure(in);
  Require(static_cast<bool>(nnf), "nnf: not an integer array");
  CorrespondenceField field(static_cast<int>(in.shape(0)), static_cast<int>(in.shape(1)),
                            in.ndim() == 4 ? static_cast<int>(in.shape(2)) : 1);
  const std::int32_t* p = nnf.data();
  for (std::size_t i = 0; i < field.matches.size(); ++i)
    field.matches[i] = Match{p[3 * i], p[3 * i + 1], p[3 * i + 2], 0.0f};
  return field;
}

CorrespondenceField FieldWithSimilarity(const py::array& nnf, const py::object& values) {
  CorrespondenceField field = FieldFromArrays(nnf);
  if (values.is_none()) return field;
  const auto similarity =
      py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(values);
  Require(similarity && similarity.size() == static_cast<py::ssize_t>(field.matches.size()),
          "similarity: must hold one value per cell of nnf");
  for (std::size_t i = 0; i < field.matches.size(); ++i)
    field.matches[i].similarity = similarity.data()[i];
  return field;
}

}  // namespace compnn::python
