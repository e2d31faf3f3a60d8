// Lowering of a model graph to fixed-point hardware layers (network.hpp) under an hls4ml configuration.
#pragma once

#include "edgeq/fpga/hls_config.hpp"
#include "edgeq/fpga/network.hpp"
#include "edgeq/graph/ir.hpp"

namespace edgeq::fpga {

/// Diagnostics of lowering, one line each (weights clipped by a narrow weight type, quantisers skipped).
struct LowerNotes {
  std::vector<std::string> warnings;
};

/// Lowers a graph with one input ([N, features] or [N, C, H, W]) and a chain of supported ops: Gemm, MatMul
/// (+ Add of a constant), Conv (unrolled into a sparse linear layer; "small" convolutions, at most
/// kMaxConvTerms products), BatchNormalization, Relu, Softmax (last axis), Transpose (wires), and the
/// shape-only Flatten / Reshape / Identity / Dropout / Squeeze / Unsqueeze. Constant subgraphs (weight
/// quantisers, weight transposes) are folded first; QONNX Quant / QDQ nodes on activations are skipped (the
/// hls4ml configuration sets the activation types; logged at debug level). Errors (Error(BadInput), naming
/// the node): another op, a branch (a value read twice), non-constant weights, types wider than the limits of
/// network.hpp, a saturating accumulator, an accumulator `auto` wider than 48 bits, a configuration that
/// names layers the model does not have.
FixedNetwork lower_network(const graph::Graph& graph, const HlsConfig& config, LowerNotes* notes = nullptr);

/// The exact accumulator type of a linear op for inputs of type in_t: the fractional bits of the products (or
/// of the bias, if more), the integer bits of the largest |bias| + sum |w| max|x| over the outputs.
core::ApFixed exact_accum_type(const LinearOp& op, const core::ApFixed& in_t);

/// Gives layer l a new input type and updates what depends on it: an auto accumulator, a provisional auto
/// result, a permutation's type, softmax tables. Error(BadInput) as lowering.
void retype_input(FixedLayer& l, const core::ApFixed& in_t);

inline constexpr std::int64_t kMaxConvTerms = 1 << 18;

}  // namespace edgeq::fpga
