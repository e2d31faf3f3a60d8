// A network lowered to fixed-point hardware layers, the common input of the emulator (emulator.hpp) and the
// Verilog generator (verilog.hpp). Every value is a code of an ap_fixed type (value = code * 2^(I - W)).
// Layers follow hls4ml's io_parallel arithmetic (nnet_dense_latency.h, nnet_activation.h, nnet_batchnorm.h):
//   Linear (Dense, unrolled Conv, BatchNorm as a diagonal):
//     out[j] = result( accum(bias[j]) + sum_i accum(x[i] * w[i][j]) ),
//     each product exact, then assigned to accum_t; the sum wraps in accum_t (AP_WRAP is required: a
//     saturating accumulator would depend on the adder order the hardware picks); result_t's modes apply
//     last. Zero weights are dropped (their products are exactly zero).
//   Relu: out = result(max(x, 0)).
//   Softmax: hls4ml's table softmax (stable: x - max(x) first; latency: x directly); see softmax.hpp.
//   Permute: out[i] = x[source[i]] (layout changes; wires only).
// Limits, checked when lowering (Error naming the layer): data, weight, bias and table types up to 32 bits,
// accumulators up to 48 bits; accumulator overflow mode AP_WRAP.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/fpga/hls_config.hpp"

namespace edgeq::fpga {

inline constexpr int kMaxDataWidth = 32;
inline constexpr int kMaxAccumWidth = 48;

struct Term {
  int input = 0;            ///< index into the layer's input vector
  std::int64_t weight = 0;  ///< code in weight_t, never 0
};

struct LinearOp {
  std::vector<std::vector<Term>> terms;  ///< per output
  std::vector<std::int64_t> bias;        ///< per output, codes in bias_t
  core::ApFixed weight_t, bias_t, accum_t;
  bool accum_auto = false;
  std::int64_t dropped_zero_weights = 0;
};

struct ReluOp {};

struct SoftmaxOp {
  core::ApFixed exp_t, inv_t;
  SoftmaxImpl impl = SoftmaxImpl::Stable;
  int index_bits = 10;                  ///< log2(table_size)
  std::vector<std::int64_t> exp_table;  ///< codes in exp_t, indexed by the top index_bits of the input
  std::vector<std::int64_t> inv_table;  ///< codes in inv_t, indexed by the top index_bits of the exp sum
};

struct PermuteOp {
  std::vector<int> source;
};

struct FixedLayer {
  std::string name;  ///< the hls4ml layer name (graph node name)
  std::string kind;  ///< Dense, Conv, BatchNorm, Relu, Softmax, Permute
  int n_in = 0, n_out = 0;
  core::ApFixed in_t, out_t;  ///< out_t: the result type
  bool result_auto = false;
  int reuse_factor = 1;
  std::variant<LinearOp, ReluOp, SoftmaxOp, PermuteOp> op;
};

struct FixedNetwork {
  std::string name;
  std::string input_name;
  int n_in = 0;
  core::ApFixed input_t;
  std::vector<FixedLayer> layers;
  double clock_ns = 5.0;

  int n_out() const { return layers.empty() ? n_in : layers.back().n_out; }
  const core::ApFixed& output_t() const { return layers.empty() ? input_t : layers.back().out_t; }
};

}  // namespace edgeq::fpga
