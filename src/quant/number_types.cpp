#include "edgeq/quant/number_types.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/layer_config.hpp"

namespace edgeq::quant {

namespace {
NumberType stored_type(core::DType t) {
  switch (t) {
    case core::DType::F32:
      return NumberType::fp32();
    case core::DType::F16:
      return {NumberType::Kind::Float, 16, true};
    case core::DType::U8:
      return NumberType::fixed(8, false);
    default:
      return NumberType::fixed(static_cast<int>(core::dtype_size(t)) * 8, true);
  }
}

}  // namespace

NumberType quantiser_type(const graph::Graph& g, const graph::Node& n) {
  if (n.op_type == "BipolarQuant") return {NumberType::Kind::Binary, 1, true};
  if (n.op_type == "ApFixed") {
    const auto t = core::parse_ap_fixed(n.attr_string("type", ""));
    return NumberType::fixed(t.width, t.is_signed);
  }
  if (n.inputs.size() < 4 || !g.is_initializer(n.inputs[3]) || g.initializers.at(n.inputs[3]).numel() != 1)
    throw_input("{}: the bit width is not a constant scalar (needed for bit and energy counts)",
                n.describe());
  const auto& b = g.initializers.at(n.inputs[3]);
  const int bits =
      b.dtype() == core::DType::F32 ? static_cast<int>(b.data<float>()[0]) : static_cast<int>(b.int_value(0));
  const bool is_signed = n.attr_int("signed", 1) != 0;
  if (bits == 2 && is_signed && n.attr_int("narrow", 0) != 0) return {NumberType::Kind::Ternary, 2, true};
  return NumberType::fixed(bits, is_signed);
}

std::string NumberType::to_string() const {
  switch (kind) {
    case Kind::Float:
      return fmt::format("fp{}", bits);
    case Kind::Binary:
      return "binary";
    case Kind::Ternary:
      return "ternary";
    case Kind::Fixed:
      break;
  }
  return fmt::format("{}int{}", is_signed ? "" : "u", bits);
}

NumberType parse_number_type(const std::string& text) {
  if (text == "fp32" || text == "float32") return NumberType::fp32();
  if (text == "fp16" || text == "float16") return {NumberType::Kind::Float, 16, true};
  for (const auto& [prefix, is_signed] : {std::pair{"uint", false}, std::pair{"int", true}})
    if (text.rfind(prefix, 0) == 0 && text.size() > std::string(prefix).size() &&
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(std::string(prefix).size()), text.end(),
                    [](char c) { return c >= '0' && c <= '9'; })) {
      const int bits = std::stoi(text.substr(std::string(prefix).size()));
      if (bits < 1 || bits > 32) throw_input("number type '{}': bits must be in 1..32", text);
      return NumberType::fixed(bits, is_signed);
    }
  const QuantizerSpec q = parse_precision(text);
  if (q.kind == QuantizerKind::Binary) return {NumberType::Kind::Binary, 1, true};
  if (q.kind == QuantizerKind::Ternary) return {NumberType::Kind::Ternary, 2, true};
  const bool is_signed =
      q.kind == QuantizerKind::Bits || q.kind == QuantizerKind::Po2 ? q.keep_negative : false;
  return NumberType::fixed(q.bits, is_signed);
}

bool is_quantisation_node(const graph::Node& n) {
  if (n.domain == graph::kQonnxDomain) return n.op_type == "Quant" || n.op_type == "BipolarQuant";
  if (n.domain == graph::kEdgeqDomain) return n.op_type == "ApFixed";
  return n.domain.empty() && (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear" ||
                              n.op_type == "DynamicQuantizeLinear" || n.op_type == "Cast");
}

bool keeps_input_type(const graph::Node& n) {
  static const std::set<std::string> ops{"Relu",      "Clip",    "MaxPool",   "Flatten",  "Reshape",
                                         "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout",
                                         "Pad",       "Concat",  "Slice",     "Split",    "Gather"};
  return n.domain.empty() && ops.count(n.op_type) != 0;
}

std::map<std::string, NumberType> deployed_types(const graph::Graph& g, const NumberType& source) {
  std::map<std::string, NumberType> t;
  for (const auto& [name, tensor] : g.initializers) t[name] = stored_type(tensor.dtype());
  for (const auto& in : g.inputs) {
    const auto dtype = g.info(in).dtype;
    t[in] = dtype == core::DType::F32 || dtype == core::DType::F16 ? source : stored_type(dtype);
  }
  const auto type_of = [&](const std::string& v) {
    auto it = t.find(v);
    return it != t.end() ? it->second : NumberType::fp32();
  };
  for (const auto& n : g.nodes) {
    NumberType out;
    if (n.domain == graph::kQonnxDomain || n.domain == graph::kEdgeqDomain) {
      out = is_quantisation_node(n) ? quantiser_type(g, n) : stored_type(g.info(n.outputs[0]).dtype);
    } else if (n.op_type == "DequantizeLinear" || (n.op_type == "Cast" && g.is_initializer(n.inputs[0]))) {
      out = type_of(n.inputs[0]);  // stored and moved as the expanded integers / the cast constant's type
    } else if (keeps_input_type(n) && !n.inputs.empty()) {
      out = type_of(n.inputs[0]);
      if (n.op_type == "Concat")
        for (const auto& in : n.inputs) {
          const auto ti = type_of(in);
          if (ti.is_float() || (!out.is_float() && ti.bits > out.bits)) out = ti;
        }
    } else {
      out = stored_type(g.info(n.outputs[0]).dtype);
    }
    for (const auto& o : n.outputs)
      if (!o.empty()) t[o] = out;
  }
  return t;
}

}  // namespace edgeq::quant
