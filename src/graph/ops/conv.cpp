// Conv (2-D, groups/depthwise, dilation, pads/auto_pad). X [N, C, H, W], W [M, C/group, kH, kW], B [M].
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void infer_conv(InferContext& c) {
  c.expect_rank(0, 4);
  c.expect_rank(1, 4);
  if (c.node.domain.empty() && (c.inputs[0].dtype != DType::F32 || c.inputs[1].dtype != DType::F32))
    throw_input("{}: input and weight must be float32 (quantised convolutions are written as QDQ)",
                c.node.describe());
  const auto& x = c.inputs[0].shape;
  const auto& w = c.inputs[1].shape;
  const std::int64_t group = c.node.attr_int("group", 1);
  if (group < 1) throw_input("{}: group must be >= 1", c.node.describe());
  if (x[1] >= 0 && w[1] * group != x[1])
    throw_input("{}: input has {} channels but weight expects {} x group {}", c.node.describe(), x[1], w[1],
                group);
  if (w[0] % group != 0)
    throw_input("{}: {} output channels not divisible by group {}", c.node.describe(), w[0], group);
  if (c.has_input(2) && c.inputs[2].shape != Shape{w[0]})
    throw_input("{}: bias shape {} does not match {} output channels", c.node.describe(),
                core::shape_str(c.inputs[2].shape), w[0]);
  const Window2d win = resolve_window(c.node, x[2], x[3], w[2], w[3]);
  const Shape y{x[0], w[0], win.out_h, win.out_w};
  if (c.node.inputs.size() > 3) {  // graph::fuse_residual_add's residual operand
    if (!c.node.attr_int("edgeq_residual", 0))
      throw_input("{}: Conv takes at most 3 inputs", c.node.describe());
    if (c.inputs[3].shape != y)
      throw_input("{}: residual shape {} differs from the output shape {}", c.node.describe(),
                  core::shape_str(c.inputs[3].shape), core::shape_str(y));
  }
  c.outputs = {ValueInfo{DType::F32, y}};
}

std::int64_t conv_macs(const InferContext& c) {
  const auto& o = c.outputs[0].shape;
  const auto& w = c.inputs[1].shape;
  return std::max<std::int64_t>(o[0], 1) * o[1] * o[2] * o[3] * w[1] * w[2] * w[3];
}
}  // namespace

std::vector<OpSchema> conv_schemas() {
  return {{"Conv", "", 2, 4, infer_conv, conv_macs}};  // a 4th input only with edgeq_residual
}

}  // namespace edgeq::graph::ops
