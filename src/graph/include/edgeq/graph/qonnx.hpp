// QONNX Quant semantics shared by its kernels and rewrites (graph/ops/quant.cpp has the formula).
#pragma once
#include <cmath>
#include <utility>

namespace edgeq::graph {

/// Integer code range of QONNX Quant for a bit width: signed [-2^(b-1) (+1 if narrow), 2^(b-1) - 1],
/// unsigned [0, 2^b - 1 (-1 if narrow)].
inline std::pair<double, double> qonnx_code_range(double bits, bool is_signed, bool narrow) {
  if (is_signed) return {-std::exp2(bits - 1) + (narrow ? 1 : 0), std::exp2(bits - 1) - 1};
  return {0.0, std::exp2(bits) - 1 - (narrow ? 1 : 0)};
}

}  // namespace edgeq::graph
