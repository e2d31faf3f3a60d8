// The number type each value of a model has when deployed, read from its quantisation nodes: what the energy
// model (quant/energy.hpp) and the bit counts need to know about a float graph, a QDQ int8/uint8 model, a
// QONNX model (Quant / BipolarQuant) or an ApFixed (hls4ml type) model.
//
// Rules, per value:
//   - a QONNX Quant output: fixed point of its constant bit width (signed attribute); 2 bits signed narrow is
//   a
//     ternary; BipolarQuant: binary (1 bit); ApFixed: its width;
//   - QuantizeLinear output: its integer type; DequantizeLinear output: the type of the integers it expands
//     (the value is stored and moved as those integers); a Cast of a constant (fp16 weights): the constant's
//     type;
//   - layout and selection ops (Relu, Clip, MaxPool, Flatten, Reshape, Transpose, Squeeze, Unsqueeze,
//   Identity,
//     Dropout, Pad, Concat, Slice, Split, Gather): the type of their first data input (Concat: the widest);
//   - initializers and every other node output: their stored element type (float32 = fp32, float16 = fp16,
//     integers = fixed point of that width);
//   - graph inputs: the `source` type (the model's input as delivered by the detector readout; QTools' source
//     quantiser), unless the input's element type is an integer type.
#pragma once
#include <map>
#include <string>

#include "edgeq/graph/ir.hpp"

namespace edgeq::quant {

struct NumberType {
  enum class Kind { Float, Fixed, Binary, Ternary };
  Kind kind = Kind::Float;
  int bits = 32;
  bool is_signed = true;

  bool is_float() const { return kind == Kind::Float; }
  static NumberType fp32() { return {Kind::Float, 32, true}; }
  static NumberType fixed(int bits, bool is_signed = true) { return {Kind::Fixed, bits, is_signed}; }
  /// "fp32", "fp16", "int8", "uint4", "binary", "ternary".
  std::string to_string() const;
};

/// Parses "fp32", "fp16", "intN", "uintN" (N in 1..32), or any quantiser text that parse_precision accepts
/// (quantized_bits(8,0,1), ap_fixed<16,6>, ...): the type of its grid. Throws Error(BadInput).
NumberType parse_number_type(const std::string& text);

/// True for QONNX Quant / BipolarQuant, edgeq ApFixed, QuantizeLinear, DequantizeLinear and Cast nodes.
bool is_quantisation_node(const graph::Node& n);
/// Type of a QONNX Quant / BipolarQuant or ApFixed node's output; Error(BadInput) naming the node when a
/// Quant's bit width is not a constant scalar.
NumberType quantiser_type(const graph::Graph& g, const graph::Node& n);
/// True for the layout and selection ops listed above (they keep the type of their input).
bool keeps_input_type(const graph::Node& n);

/// The deployed type of every value of g (shapes must be inferred). Throws Error(BadInput) naming the node
/// for a Quant whose bit width is not a constant.
std::map<std::string, NumberType> deployed_types(const graph::Graph& g, const NumberType& source);

}  // namespace edgeq::quant
