// Pad (constant / reflect / edge, any rank) and Resize (4-D; nearest with ONNX coordinate transforms and
// nearest modes, linear = bilinear over H and W).
#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
/// Pad of any element type; for integer tensors `value` is the stored code (a quantised graph pads with the
/// zero point).
template <typename T>
void pad_typed(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  Tensor& y = *c.outputs[0];
  const Shape& in = x.shape();
  const Shape& out = y.shape();
  const auto rank = in.size();
  const auto pads = c.node.attr_ints("pads");
  const std::string mode = c.node.attr_string("mode", "constant");
  const auto value = static_cast<T>(c.node.attr_float("value", 0.0f));
  std::vector<std::int64_t> in_strides(rank, 1);
  for (std::size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * in[i];
  const T* xp = x.data<T>();
  T* yp = y.data<T>();
  std::vector<std::int64_t> idx(rank, 0);
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    std::int64_t off = 0;
    bool outside = false;
    for (std::size_t d = 0; d < rank; ++d) {
      std::int64_t k = idx[d] - pads[d];
      const std::int64_t len = in[d];
      if (k < 0 || k >= len) {
        if (mode == "constant")
          outside = true;
        else if (mode == "edge")
          k = std::clamp<std::int64_t>(k, 0, len - 1);
        else {  // reflect (without repeating the edge)
          const std::int64_t period = std::max<std::int64_t>(2 * (len - 1), 1);
          k = ((k % period) + period) % period;
          if (k >= len) k = period - k;
        }
      }
      off += k * in_strides[d];
    }
    yp[i] = outside ? value : xp[off];
    for (std::size_t d = rank; d-- > 0;) {
      if (++idx[d] < out[d]) break;
      idx[d] = 0;
    }
  }
}

void pad(KernelContext& c) {
  switch (c.inputs[0]->dtype()) {
    case core::DType::I8:
      return pad_typed<std::int8_t>(c);
    case core::DType::U8:
      return pad_typed<std::uint8_t>(c);
    case core::DType::I16:
      return pad_typed<std::int16_t>(c);
    default:
      return pad_typed<float>(c);
  }
}

void resize(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  Tensor& y = *c.outputs[0];
  const auto& in = x.shape();
  const auto& out = y.shape();
  const std::string mode = c.node.attr_string("mode", "nearest");
  const std::string ctm = c.node.attr_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest_mode = c.node.attr_string("nearest_mode", "round_prefer_floor");
  std::vector<double> scale(4);
  auto it = c.node.attrs.find("scales");
  for (std::size_t d = 0; d < 4; ++d)
    scale[d] = it != c.node.attrs.end() ? std::get<std::vector<float>>(it->second)[d]
                                        : static_cast<double>(out[d]) / static_cast<double>(in[d]);
  if (in[0] != out[0] || in[1] != out[1])
    throw_input("{}: resizing batch or channel axes is not supported", c.node.describe());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  auto nearest = [&](double v, std::int64_t len) {
    return graph::resize_nearest_index(nearest_mode, v, len);
  };
  for (std::int64_t p = 0; p < in[0] * in[1]; ++p) {
    const float* src = xp + p * in[2] * in[3];
    float* dst = yp + p * out[2] * out[3];
    for (std::int64_t oy = 0; oy < out[2]; ++oy) {
      const double sy = graph::resize_source_coord(ctm, static_cast<double>(oy), scale[2], in[2], out[2]);
      for (std::int64_t ox = 0; ox < out[3]; ++ox) {
        const double sx = graph::resize_source_coord(ctm, static_cast<double>(ox), scale[3], in[3], out[3]);
        if (mode == "nearest") {
          dst[oy * out[3] + ox] = src[nearest(sy, in[2]) * in[3] + nearest(sx, in[3])];
          continue;
        }
        const double cy = std::clamp(sy, 0.0, static_cast<double>(in[2] - 1));
        const double cx = std::clamp(sx, 0.0, static_cast<double>(in[3] - 1));
        const auto y0 = static_cast<std::int64_t>(std::floor(cy)),
                   x0 = static_cast<std::int64_t>(std::floor(cx));
        const auto y1 = std::min(y0 + 1, in[2] - 1), x1 = std::min(x0 + 1, in[3] - 1);
        const double fy = cy - static_cast<double>(y0), fx = cx - static_cast<double>(x0);
        const double v = (1 - fy) * ((1 - fx) * src[y0 * in[3] + x0] + fx * src[y0 * in[3] + x1]) +
                         fy * ((1 - fx) * src[y1 * in[3] + x0] + fx * src[y1 * in[3] + x1]);
        dst[oy * out[3] + ox] = static_cast<float>(v);
      }
    }
  }
}
}  // namespace

std::vector<Entry> pad_resize_kernels() {
  return {{"Pad", "", pad}, {"Resize", "", resize}};
}

}  // namespace edgeq::runtime::reference
