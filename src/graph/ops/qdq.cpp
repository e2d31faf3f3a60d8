// ONNX quantisation operators (QDQ format) and Cast:
//   QuantizeLinear(x, y_scale, y_zero_point; axis):  y = saturate(round_half_even(x / y_scale) +
//   y_zero_point) DequantizeLinear(x, x_scale, x_zero_point; axis): y = (x - x_zero_point) * x_scale
//   DynamicQuantizeLinear(x) -> y (uint8), y_scale, y_zero_point: per-tensor range [min(0, min x), max(0, max
//   x)] Cast(x; to): float32 <-> float16 and identity.
// Scale and zero point are constants here: a scalar (per tensor) or a 1-D vector along `axis` (per channel).
// The zero point's type is the quantised type (int8, uint8, int16; int32 for biases, zero point 0); absent:
// uint8. Source: ONNX operator specification, opsets 13-21.
#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
bool is_quantised_type(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16 || t == DType::I32;
}

/// Checks scale/zero-point inputs 1 and 2 against x (input 0); returns the quantised dtype (zero point's).
DType check_qparams(InferContext& c, DType fallback) {
  const Tensor* scale = c.constant(1);
  if (!scale) {  // computed at run time (DynamicQuantizeLinear -> DequantizeLinear): per tensor only
    if (!c.inputs[1].shape.empty() || c.inputs[1].dtype != DType::F32 ||
        (c.has_input(2) && !c.inputs[2].shape.empty()))
      throw_input("{}: a scale computed at run time must be a float32 scalar", c.node.describe());
    const DType q = c.has_input(2) ? c.inputs[2].dtype : fallback;
    if (!is_quantised_type(q)) throw_input("{}: unsupported quantised type", c.node.describe());
    return q;
  }
  if (scale->dtype() != DType::F32) throw_input("{}: the scale must be float32", c.node.describe());
  for (float s : scale->span<float>())
    if (!(s > 0.0f) || !std::isfinite(s))
      throw_input("{}: scales must be finite and positive (got {})", c.node.describe(), s);
  const Tensor* zp = c.has_input(2) ? c.constant(2) : nullptr;
  if (c.has_input(2) && !zp) throw_input("{}: the zero point must be a constant", c.node.describe());
  if (zp && zp->shape() != scale->shape())
    throw_input("{}: zero point shape {} differs from scale shape {}", c.node.describe(),
                core::shape_str(zp->shape()), core::shape_str(scale->shape()));
  const DType qtype = zp ? zp->dtype() : fallback;
  if (!is_quantised_type(qtype))
    throw_input("{}: quantised type {} is not supported (int8, uint8, int16, int32)", c.node.describe(),
                core::dtype_name(qtype));
  if (c.node.attr_int("block_size", 0) != 0)
    throw_input("{}: blocked quantisation (block_size) is not supported", c.node.describe());
  const auto& x = c.inputs[0].shape;
  if (scale->numel() != 1 || !scale->shape().empty()) {
    if (scale->shape().size() != 1) throw_input("{}: the scale must be a scalar or 1-D", c.node.describe());
    const auto axis = normalize_axis(c.node, c.node.attr_int("axis", 1), static_cast<std::int64_t>(x.size()));
    if (x[static_cast<std::size_t>(axis)] >= 0 && x[static_cast<std::size_t>(axis)] != scale->numel())
      throw_input("{}: {} scales for axis {} of size {}", c.node.describe(), scale->numel(), axis,
                  x[static_cast<std::size_t>(axis)]);
  }
  return qtype;
}

void infer_quantize(InferContext& c) {
  if (c.inputs[0].dtype != DType::F32) throw_input("{}: input must be float32", c.node.describe());
  const DType q = check_qparams(c, DType::U8);
  if (q == DType::I32) throw_input("{}: quantising to int32 is not supported", c.node.describe());
  c.outputs = {ValueInfo{q, c.inputs[0].shape}};
}

void infer_dequantize(InferContext& c) {
  const DType q = check_qparams(c, c.inputs[0].dtype);
  if (c.inputs[0].dtype != q)
    throw_input("{}: input type {} differs from the zero point's {}", c.node.describe(),
                core::dtype_name(c.inputs[0].dtype), core::dtype_name(q));
  c.outputs = {ValueInfo{DType::F32, c.inputs[0].shape}};
}

void infer_dynamic_quantize(InferContext& c) {
  if (c.inputs[0].dtype != DType::F32) throw_input("{}: input must be float32", c.node.describe());
  c.outputs = {ValueInfo{DType::U8, c.inputs[0].shape}, ValueInfo{DType::F32, {}}, ValueInfo{DType::U8, {}}};
}

void infer_cast(InferContext& c) {
  const auto to = c.node.attr_int("to", 0);
  DType out;
  if (to == 1)
    out = DType::F32;
  else if (to == 10)
    out = DType::F16;
  else
    throw_input("{}: Cast to ONNX type {} is not supported (float32, float16)", c.node.describe(), to);
  const DType in = c.inputs[0].dtype;
  if (in != DType::F32 && in != DType::F16)
    throw_input("{}: Cast from {} is not supported", c.node.describe(), core::dtype_name(in));
  c.outputs = {ValueInfo{out, c.inputs[0].shape}};
}
}  // namespace

std::vector<OpSchema> qdq_schemas() {
  return {{"QuantizeLinear", "", 2, 3, infer_quantize, nullptr},
          {"DequantizeLinear", "", 2, 3, infer_dequantize, nullptr},
          {"DynamicQuantizeLinear", "", 1, 1, infer_dynamic_quantize, nullptr},
          {"Cast", "", 1, 1, infer_cast, nullptr}};
}

}  // namespace edgeq::graph::ops
