// Lowering of QDQ graphs (ONNX QuantizeLinear / DequantizeLinear around float ops, as `edgeq quantize` and
// ONNX Runtime's quantiser write them) to edgeq's integer operators, whose arithmetic follows the TFLite
// quantisation specification (graph/ops/qlinear.cpp, runtime/kernels/reference/qlinear_*.cpp):
//   DQ(x) -> Conv(., DQ(w), DQ(b)) [-> Relu | Clip] -> Q   becomes  QConv(x, w, b)   (likewise Gemm -> QGemm)
//   DQ(a), DQ(b) -> Add [-> Relu | Clip] -> Q              becomes  QAdd(a, b)       (same shapes)
//   DQ(x) -> AveragePool -> Q (same parameters)           becomes  QAveragePool(x)
//   DQ(x) -> GlobalAveragePool -> Q                       becomes  QGlobalAveragePool(x)
//   DQ(x...) -> MaxPool | Concat | Reshape | Flatten | Squeeze | Unsqueeze | Transpose | Pad | Identity -> Q
//     with the same parameters on every input and the output becomes the op on the integer tensors
//   Q(DQ(q)) with the same parameters becomes q.
// Activation DQs must be per tensor; weights may be per channel (Conv axis 0, Gemm the output axis). Patterns
// that do not match (other ops, mixed types, a float value read elsewhere) stay in QDQ form and run in float
// emulation, which is correct but slower. Relu/Clip become the clamp bounds of the integer op.
#pragma once

#include "edgeq/graph/ir.hpp"

namespace edgeq::quant {

struct LoweringReport {
  int lowered = 0;    ///< float ops replaced by integer ops
  int remaining = 0;  ///< float compute ops (Conv, Gemm, Add, pools) still between DQ and Q
};

/// Rewrites `graph` in place (shapes re-inferred) and says what it did. A graph without QDQ nodes is
/// unchanged.
LoweringReport lower_qdq(graph::Graph& graph);

}  // namespace edgeq::quant
