// Quantisation-aware training graphs: QONNX Quant / BipolarQuant nodes ("fake quantisers") inserted into a
// float graph per layer, as the per-layer configuration (quant/layer_config.hpp) asks. The result is a QONNX
// model: the LibTorch trainer trains through the Quant nodes (straight-through gradients), ONNX export writes
// them as they are, and edgeq's runtime executes them (float emulation of the integer grid).
//
// QKeras quantiser -> QONNX node:
//   quantized_bits(b, i, sym, keep_negative, alpha) -> Quant(bitwidth b, signed = keep_negative, narrow =
//   sym,
//     ROUND = ties to even, scale = alpha * 2^(i - b + keep_negative)); one signed bit -> BipolarQuant;
//     alpha "auto" / "auto_po2" -> per-output-channel scales fitted to the weights at insertion (QKeras
//     refits them every step; here they stay fixed while training);
//   quantized_relu(b, i) -> Quant(b, unsigned, scale 2^(i - b)) (negative inputs clip to 0 as the ReLU
//   would); binary(alpha) -> BipolarQuant(scale alpha, fitted per channel for auto); ternary(alpha) ->
//   Quant(2 bits, signed, narrow, scale alpha): threshold half the scale (QKeras' fixed
//     threshold 0.33 applies only with alpha None).
// quantized_po2 / quantized_relu_po2, negative_slope, use_01 and stochastic rounding have no QONNX Quant form
// and are rejected with the layer named.
#pragma once
#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/layer_config.hpp"

namespace edgeq::quant {

struct FakeQuantOptions {
  /// Deployment semantics instead of training: quantisers made from hls4ml types (ap_fixed<W,I,Q,O>) become
  /// edgeq ApFixed nodes with the type's quantisation and overflow modes (default truncation and wrap-around,
  /// as the firmware assigns values), weights included; QKeras-text quantisers stay Quant nodes. Layer
  /// accumulators are not modelled (the float layer computes the exact sum; hls4ml's accum_t may wrap).
  bool fixed_point = false;
};

struct FakeQuantCount {
  int folded_batchnorms = 0;  ///< BatchNormalization nodes folded into Conv/Gemm first
  int weights = 0, biases = 0, results = 0;
};

/// Folds BatchNormalization into the preceding Conv/Gemm (graph::fold_batchnorm: the folded weights are what
/// gets quantised, as TFLite's converter does), then inserts the quantisers of `config` into g: weights
/// (input 1) and biases (input 2) of Conv / Gemm / MatMul nodes with constant weights, and the result (output
/// 0) of every node that has a result quantiser and computes values (shape-only ops such as Flatten/Reshape
/// are skipped; a graph input named in LayerName gets its result quantiser too, as hls4ml's input layer).
/// Throws Error(BadInput) naming the layer when the config names a layer that is not in the graph, or asks
/// for a quantiser with no QONNX form. Shapes re-inferred.
FakeQuantCount insert_fake_quant(graph::Graph& g, const LayerQuantConfig& config,
                                 const FakeQuantOptions& options = {});

}  // namespace edgeq::quant
