// MaxPool, AveragePool (2-D windows, pads/auto_pad, ceil_mode, count_include_pad) and GlobalAveragePool.
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void infer_pool(InferContext& c) {
  c.expect_rank(0, 4);
  const auto& x = c.inputs[0].shape;
  if (c.node.attr_ints("kernel_shape").empty())
    throw_input("{}: kernel_shape is required", c.node.describe());
  if (c.node.op_type == "MaxPool" && c.node.outputs.size() > 1 && !c.node.outputs[1].empty())
    throw_input("{}: MaxPool indices output is not supported", c.node.describe());
  const Window2d w = resolve_window(c.node, x[2], x[3], 1, 1);
  const DType t = c.inputs[0].dtype;
  if (t != DType::F32 && c.node.op_type == "AveragePool")
    throw_input("{}: input must be float32, got {}", c.node.describe(), core::dtype_name(t));
  c.outputs = {ValueInfo{t, {x[0], x[1], w.out_h, w.out_w}}};
}

void infer_global_pool(InferContext& c) {
  c.expect_rank(0, 4);
  const auto& x = c.inputs[0].shape;
  if (c.node.domain.empty() && c.inputs[0].dtype != DType::F32)
    throw_input("{}: input must be float32, got {}", c.node.describe(), core::dtype_name(c.inputs[0].dtype));
  c.outputs = {ValueInfo{DType::F32, {x[0], x[1], 1, 1}}};
}
}  // namespace

std::vector<OpSchema> pool_schemas() {
  return {{"MaxPool", "", 1, 1, infer_pool, nullptr},
          {"AveragePool", "", 1, 1, infer_pool, nullptr},
          {"GlobalAveragePool", "", 1, 1, infer_global_pool, nullptr}};
}

}  // namespace edgeq::graph::ops
