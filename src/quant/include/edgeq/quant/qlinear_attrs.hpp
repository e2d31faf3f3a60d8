// Attributes of edgeq's integer operators (domain ai.edgeq, graph/ops/qlinear.cpp), written by lower_qdq()
// and read by the runtime's integer kernels. One definition of the names, so writer and readers cannot drift.
//   QConv, QGemm: x_zero_point, w_zero_point, y_zero_point, y_min, y_max, multiplier[], shift[] (per output
//                 channel, or one entry), real_multiplier[] (the doubles M = s_x s_w / s_y they encode, as
//                 float)
//   QAdd:         a/b/y zero points, left_shift, a/b/y multiplier+shift, y_min, y_max
//   QAveragePool: x_zero_point (= y's), y_min, y_max; QGlobalAveragePool: x/y zero points, y_min, y_max,
//                 x_scale, y_scale (float; older files: real_multiplier = s_x / s_y as float)
#pragma once

#include <cstdint>
#include <vector>

#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/fixed_point.hpp"

namespace edgeq::quant {

/// Requantisation of an integer accumulator to the output type: y = clamp(acc * M + y_zero_point, y_min,
/// y_max).
struct Requantisation {
  std::int32_t x_zero_point = 0, w_zero_point = 0, y_zero_point = 0;
  std::int32_t y_min = -128, y_max = 127;
  std::vector<QuantizedMultiplier> multipliers;  ///< one per output channel, or one for all
  std::vector<float> real_multipliers;           ///< the values the multipliers encode

  const QuantizedMultiplier& channel(std::size_t c) const {
    return multipliers[multipliers.size() == 1 ? 0 : c];
  }
  /// Writes / reads the QConv/QGemm attributes. read() throws Error(BadInput) naming the node if any is
  /// missing.
  void write(graph::Node& node) const;
  static Requantisation read(const graph::Node& node);
};

/// Parameters of QAdd (TFLite ADD: both inputs rescaled to 2 max(s_a, s_b) / 2^left_shift, summed,
/// requantised).
struct AddRequantisation {
  std::int32_t a_zero_point = 0, b_zero_point = 0, y_zero_point = 0;
  std::int32_t y_min = -128, y_max = 127;
  int left_shift = 20;
  QuantizedMultiplier a, b, y;
  /// From the three scales, as TFLite's Prepare: left_shift 20 for 8-bit, 15 for 16-bit activations.
  static AddRequantisation from_scales(float sa, float sb, float sy, int left_shift);
  void write(graph::Node& node) const;
  static AddRequantisation read(const graph::Node& node);
};

/// s_x / s_y of a QGlobalAveragePool node, in double from its float scales (TFLite's computation).
double global_pool_real_multiplier(const graph::Node& node);

}  // namespace edgeq::quant
