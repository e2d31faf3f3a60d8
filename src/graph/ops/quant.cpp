// QONNX quantisers, executed in float emulation (integer execution comes with the quant module):
//   Quant(x, scale, zero_point, bitwidth; signed, narrow, rounding_mode): y = (clamp(round(x/s + z)) - z) * s
//   BipolarQuant(x, scale): y = (x >= 0 ? +1 : -1) * scale
//   ApFixed(x; type) (edgeq domain): the value x takes when assigned to the hls4ml/Vivado type, e.g.
//     "ap_fixed<7,1,AP_RND_CONV,AP_SAT>" (core/ap_fixed.hpp: quantisation and overflow modes)
// Reference: QONNX paper (Pappalardo et al., arXiv:2206.07527) and qonnx/docs/qonnx-custom-ops.
#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void infer_quant(InferContext& c) {
  for (std::size_t i = 1; i < c.inputs.size(); ++i) {
    if (!c.constant(i)) throw_input("{}: quantiser parameter {} must be a constant", c.node.describe(), i);
    broadcast_shapes(c.node, c.inputs[0].shape, c.inputs[i].shape);
  }
  const std::string mode = c.node.attr_string("rounding_mode", "ROUND");
  if (mode != "ROUND" && mode != "CEIL" && mode != "FLOOR" && mode != "ROUND_TO_ZERO")
    throw_input("{}: unknown rounding_mode '{}'", c.node.describe(), mode);
  c.outputs = {c.inputs[0]};
}

void infer_ap_fixed(InferContext& c) {
  if (c.inputs[0].dtype != DType::F32) throw_input("{}: input must be float32", c.node.describe());
  try {
    core::parse_ap_fixed(c.node.attr_string("type", ""));
  } catch (const Error& e) {
    throw_input("{}: {}", c.node.describe(), e.what());
  }
  c.outputs = {c.inputs[0]};
}
}  // namespace

std::vector<OpSchema> quant_schemas() {
  return {{"Quant", kQonnxDomain, 4, 4, infer_quant, nullptr},
          {"BipolarQuant", kQonnxDomain, 2, 2, infer_quant, nullptr},
          {"ApFixed", kEdgeqDomain, 1, 1, infer_ap_fixed, nullptr}};
}

}  // namespace edgeq::graph::ops
