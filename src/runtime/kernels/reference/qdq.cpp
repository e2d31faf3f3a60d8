// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear and Cast (formulas in graph/ops/qdq.cpp). Division
// and rounding in float32 with ties to even, as the ONNX reference and ONNX Runtime's MLAS do.
#include <cmath>
#include <cstring>
#include <limits>

#include "edgeq/core/error.hpp"
#include "edgeq/core/half.hpp"
#include "edgeq/graph/geometry.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
using core::DType;

/// Per-tensor or per-axis parameters: channel of flat index i is (i / inner) % channels.
struct AxisParams {
  std::int64_t channels = 1, inner = 1;
  std::size_t channel(std::int64_t i) const { return static_cast<std::size_t>((i / inner) % channels); }
};

AxisParams axis_params(const KernelContext& c, const Tensor& x) {
  AxisParams p;
  const Tensor& scale = *c.inputs[1];
  if (scale.numel() == 1 && scale.shape().empty()) return p;
  const auto rank = static_cast<std::int64_t>(x.shape().size());
  const auto axis = graph::normalize_axis(c.node, c.node.attr_int("axis", 1), rank);
  p.channels = scale.numel();
  for (auto d = axis + 1; d < rank; ++d) p.inner *= x.shape()[static_cast<std::size_t>(d)];
  return p;
}

std::int32_t zero_point_at(const Tensor* zp, std::size_t i) {
  if (!zp) return 0;
  switch (zp->dtype()) {
    case DType::I8:
      return zp->data<std::int8_t>()[i];
    case DType::U8:
      return zp->data<std::uint8_t>()[i];
    case DType::I16:
      return zp->data<std::int16_t>()[i];
    case DType::I32:
      return zp->data<std::int32_t>()[i];
    default:
      throw_internal("unexpected zero point type {}", core::dtype_name(zp->dtype()));
  }
}

template <typename Q>
void quantize_typed(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const AxisParams p = axis_params(c, x);
  const float* s = c.inputs[1]->data<float>();
  const Tensor* zp = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  const float* xp = x.data<float>();
  Q* yp = c.outputs[0]->data<Q>();
  constexpr float lo = std::numeric_limits<Q>::min(), hi = std::numeric_limits<Q>::max();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::size_t ch = p.channel(i);
    const float v = std::nearbyint(xp[i] / s[ch]) + static_cast<float>(zero_point_at(zp, ch));
    yp[i] = static_cast<Q>(std::clamp(v, lo, hi));  // NaN inputs are rejected at the model input
  }
}

void quantize_linear(KernelContext& c) {
  switch (c.outputs[0]->dtype()) {
    case DType::I8:
      return quantize_typed<std::int8_t>(c);
    case DType::U8:
      return quantize_typed<std::uint8_t>(c);
    case DType::I16:
      return quantize_typed<std::int16_t>(c);
    default:
      throw_internal("{}: unexpected output type", c.node.describe());
  }
}

template <typename Q>
void dequantize_typed(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const AxisParams p = axis_params(c, x);
  const float* s = c.inputs[1]->data<float>();
  const Tensor* zp = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  const Q* xp = x.data<Q>();
  float* yp = c.outputs[0]->data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const std::size_t ch = p.channel(i);
    yp[i] = static_cast<float>(static_cast<std::int32_t>(xp[i]) - zero_point_at(zp, ch)) * s[ch];
  }
}

void dequantize_linear(KernelContext& c) {
  switch (c.inputs[0]->dtype()) {
    case DType::I8:
      return dequantize_typed<std::int8_t>(c);
    case DType::U8:
      return dequantize_typed<std::uint8_t>(c);
    case DType::I16:
      return dequantize_typed<std::int16_t>(c);
    case DType::I32:
      return dequantize_typed<std::int32_t>(c);
    default:
      throw_internal("{}: unexpected input type", c.node.describe());
  }
}

void dynamic_quantize_linear(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const float* xp = x.data<float>();
  float lo = 0.0f, hi = 0.0f;
  for (std::int64_t i = 0; i < x.numel(); ++i) lo = std::min(lo, xp[i]), hi = std::max(hi, xp[i]);
  // An all-zero tensor has no range: scale 1 and zero point 0 represent it exactly.
  const float scale = hi > lo ? (hi - lo) / 255.0f : 1.0f;
  const float zp = std::clamp(std::nearbyint(0.0f - lo / scale), 0.0f, 255.0f);
  auto* yp = c.outputs[0]->data<std::uint8_t>();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    yp[i] = static_cast<std::uint8_t>(std::clamp(std::nearbyint(xp[i] / scale) + zp, 0.0f, 255.0f));
  c.outputs[1]->data<float>()[0] = scale;
  c.outputs[2]->data<std::uint8_t>()[0] = static_cast<std::uint8_t>(zp);
}

void cast(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  Tensor& y = *c.outputs[0];
  if (x.dtype() == y.dtype()) {
    std::memcpy(y.raw(), x.raw(), x.bytes());
  } else if (x.dtype() == DType::F16) {
    const auto* xp = static_cast<const std::uint16_t*>(x.raw());
    float* yp = y.data<float>();
    for (std::int64_t i = 0; i < x.numel(); ++i) yp[i] = core::half_to_float(xp[i]);
  } else {
    const float* xp = x.data<float>();
    auto* yp = static_cast<std::uint16_t*>(y.raw());
    for (std::int64_t i = 0; i < x.numel(); ++i) yp[i] = core::float_to_half(xp[i]);
  }
}
}  // namespace

std::vector<Entry> qdq_kernels() {
  return {{"QuantizeLinear", "", quantize_linear},
          {"DequantizeLinear", "", dequantize_linear},
          {"DynamicQuantizeLinear", "", dynamic_quantize_linear},
          {"Cast", "", cast}};
}

}  // namespace edgeq::runtime::reference
