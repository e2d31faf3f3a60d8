// Binary elementwise ops with numpy broadcasting: Add, Mul; and Concat along an axis.
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void infer_binary(InferContext& c) {
  for (std::size_t i = 0; i < 2; ++i)
    if (c.node.domain.empty() && c.inputs[i].dtype != DType::F32)
      throw_input("{}: input {} must be float32, got {}", c.node.describe(), i,
                  core::dtype_name(c.inputs[i].dtype));
  c.outputs = {ValueInfo{DType::F32, broadcast_shapes(c.node, c.inputs[0].shape, c.inputs[1].shape)}};
}

void infer_concat(InferContext& c) {
  Shape out = c.inputs[0].shape;
  const auto rank = static_cast<std::int64_t>(out.size());
  const std::int64_t axis = normalize_axis(c.node, c.node.attr_int("axis", 1), rank);
  for (std::size_t i = 1; i < c.inputs.size(); ++i) {
    const auto& s = c.inputs[i].shape;
    if (static_cast<std::int64_t>(s.size()) != rank)
      throw_input("{}: inputs have different ranks", c.node.describe());
    for (std::int64_t d = 0; d < rank; ++d)
      if (d != axis && s[d] >= 0 && out[d] >= 0 && s[d] != out[d])
        throw_input("{}: input {} has shape {}, incompatible with {}", c.node.describe(), i,
                    core::shape_str(s), core::shape_str(out));
    out[axis] = (out[axis] < 0 || s[axis] < 0) ? -1 : out[axis] + s[axis];
    if (c.inputs[i].dtype != c.inputs[0].dtype)
      throw_input("{}: inputs have different types ({}, {})", c.node.describe(),
                  core::dtype_name(c.inputs[0].dtype), core::dtype_name(c.inputs[i].dtype));
  }
  c.outputs = {ValueInfo{c.inputs[0].dtype, out}};
}
}  // namespace

std::vector<OpSchema> elementwise_schemas() {
  return {{"Add", "", 2, 2, infer_binary, nullptr},
          {"Mul", "", 2, 2, infer_binary, nullptr},
          {"Concat", "", 1, 1024, infer_concat, nullptr}};
}

}  // namespace edgeq::graph::ops
