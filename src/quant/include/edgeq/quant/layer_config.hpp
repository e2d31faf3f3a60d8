// Per-layer quantisation configuration in hls4ml's levels, read from YAML (the `HLSConfig` block of an hls4ml
// configuration, or the same keys at the top level):
//   Model:     {Precision: P}                       default for every layer
//   LayerType: {Dense: {Precision: ...}, ...}       per op type (Keras or ONNX names: Dense/Gemm,
//   Conv2D/Conv, ...) LayerName: {fc1: {Precision: {weight: P, bias: P, result: P}}, ...}
// A Precision is either one value (every variable of that level) or a map over the variables weight (alias
// kernel), bias, result (alias activation) and accum. A value is an hls4ml type (ap_fixed<W,I[,rounding,
// overflow]>, ap_ufixed, ap_int, ap_uint; ap_fixed<W,I> = quantized_bits(W, I-1)) or a QKeras quantiser text
// (quantized_bits(6,0,alpha=1), quantized_relu(7,1), binary(), ternary(), ...); QKeras-style keys
// kernel_quantizer / bias_quantizer / activation_quantizer next to Precision are accepted too. The more
// specific level wins per variable: LayerName over LayerType over Model. Other keys (ReuseFactor, Strategy,
// Trace, table sizes) are kept for the FPGA flow and ignored here.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "edgeq/quant/qkeras.hpp"

namespace edgeq::quant {

/// The quantisers of one layer's variables (absent = left in float).
struct LayerQuantisers {
  std::optional<QuantizerSpec> weight, bias, result, accum;
};

class LayerQuantConfig {
 public:
  /// Reads a YAML file; throws Error(BadInput) naming the file and key for unreadable YAML, unknown variables
  /// or invalid precisions.
  static LayerQuantConfig load(const std::string& path);
  /// Parses YAML text (source names it in errors).
  static LayerQuantConfig parse(const std::string& yaml_text, const std::string& source = "<text>");

  /// Quantisers for the layer `name` of op type `type` (Keras or ONNX name), most specific level first.
  LayerQuantisers for_layer(const std::string& name, const std::string& type) const;
  /// Layer names with their own entry (to check them against a model).
  std::vector<std::string> layer_names() const;

 private:
  LayerQuantisers model_;
  std::map<std::string, LayerQuantisers> by_type_, by_name_;
};

/// QuantizerSpec of one precision value (hls4ml type or QKeras text); throws Error(BadInput).
QuantizerSpec parse_precision(const std::string& text);

}  // namespace edgeq::quant
