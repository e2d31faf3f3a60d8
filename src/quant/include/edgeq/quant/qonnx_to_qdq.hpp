// QONNX -> QDQ: rewrites the quantisers of a quantisation-aware-trained QONNX graph (quant/fake_quant.hpp) as
// ONNX QuantizeLinear / DequantizeLinear, the form `edgeq quantize` writes, ONNX Runtime runs and
// quant::lower_qdq turns into integer kernels:
//   - a weight quantiser (Quant / BipolarQuant on a constant, at most 8 bits, signed, zero point 0,
//   per-tensor
//     or per-channel scale) becomes int8 codes + DequantizeLinear (axis = the channel axis): exact;
//   - an activation Quant of exactly 8 bits, zero point 0, per-tensor scale, not narrow, becomes Q -> DQ with
//     int8 (signed) or uint8 (unsigned) codes: exact (same rounding, ties to even, and clamp);
//   - MaxPool / Flatten / Reshape / Squeeze / Unsqueeze / Transpose / Identity reading such a DQ get the same
//     Q -> DQ after them (their outputs stay on the grid), so the integer lowering sees whole chains;
//   - a float bias of a Conv / Gemm whose input and weight come from DQ nodes becomes int32 codes at scale
//     s_x * s_w (TFLite's bias convention; rounding the bias is the only change of values).
// Quantisers that have no exact QDQ form (fewer or more bits on activations, narrow ranges, non-zero zero
// points) stay as QONNX nodes and run in float emulation. Weights whose codes are all even (7-bit weights
// written as 8-bit codes, `quantized_bits(7, ...)` doubled) take the fast oneDNN int8 path.
#pragma once
#include "edgeq/graph/ir.hpp"

namespace edgeq::quant {

struct QdqExport {
  int weights = 0;      ///< weight quantisers -> int8 codes + DQ
  int activations = 0;  ///< activation quantisers -> Q -> DQ
  int propagated = 0;   ///< Q -> DQ added after grid-preserving ops
  int biases = 0;       ///< float biases -> int32 + DQ
  int kept = 0;         ///< QONNX quantisers left as they are
};

/// Rewrites g in place (shapes re-inferred); metadata edgeq.quantisation records the conversion.
QdqExport qonnx_to_qdq(graph::Graph& g);

}  // namespace edgeq::quant
