#include "edgeq/quant/energy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"

namespace edgeq::quant {

namespace {
double polyval(const std::vector<double>& p, double x) {
  double y = 0;
  for (double c : p) y = y * x + c;
  return y;
}

std::int64_t elements(const graph::Graph& g, const std::string& v) {
  std::int64_t n = 1;
  for (auto d : g.info(v).shape) n *= std::max<std::int64_t>(d, 1);
  return n;
}

const std::set<std::string> kActivations{"Relu",    "LeakyRelu",  "PRelu",       "Sigmoid",   "Tanh",
                                         "Softmax", "LogSoftmax", "HardSigmoid", "HardSwish", "Clip",
                                         "Elu",     "Selu",       "Gelu",        "Exp"};
const std::set<std::string> kPools{"AveragePool", "GlobalAveragePool", "GlobalMaxPool", "ReduceMean"};

/// Walks from `v` through quantisation and layout-only nodes (except Relu / Clip / MaxPool, which are layers)
/// and reports whether a graph input is reached.
bool reaches_graph_input(const graph::Graph& g, const std::string& v) {
  if (std::find(g.inputs.begin(), g.inputs.end(), v) != g.inputs.end()) return true;
  const int p = g.producer(v);
  if (p < 0) return false;
  const auto& n = g.nodes[static_cast<std::size_t>(p)];
  const bool transparent = is_quantisation_node(n) || (keeps_input_type(n) && n.op_type != "Relu" &&
                                                       n.op_type != "Clip" && n.op_type != "MaxPool");
  return transparent && !n.inputs.empty() && reaches_graph_input(g, n.inputs[0]);
}

/// Graph outputs reachable from `v` through quantisation and layout-only nodes.
bool reaches_graph_output(const graph::Graph& g, const std::string& v) {
  if (std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end()) return true;
  for (const auto& m : g.nodes)
    if (!m.inputs.empty() && m.inputs[0] == v &&
        (is_quantisation_node(m) || m.op_type == "Flatten" || m.op_type == "Reshape" ||
         m.op_type == "Identity"))
      if (reaches_graph_output(g, m.outputs[0])) return true;
  return false;
}

/// The type a value is stored in: that of the quantiser reading it (directly or after Relu / Clip), else
/// its own.
NumberType stored_as(const graph::Graph& g, const std::map<std::string, NumberType>& types,
                     const std::string& value) {
  std::string v = value;
  for (int hop = 0; hop < 3; ++hop) {
    const graph::Node* next = nullptr;
    int readers = 0;
    for (const auto& m : g.nodes)
      for (const auto& in : m.inputs)
        if (in == v) next = (++readers == 1) ? &m : nullptr;
    if (!next || next->inputs[0] != v) break;
    if (is_quantisation_node(*next) && next->op_type != "DequantizeLinear") return types.at(next->outputs[0]);
    if (next->op_type != "Relu" && next->op_type != "Clip") break;
    v = next->outputs[0];
  }
  return types.at(value);
}

bool is_constant(const graph::Graph& g, const std::string& v) {
  if (v.empty()) return false;
  if (g.is_initializer(v)) return true;
  const int p = g.producer(v);
  if (p < 0) return false;
  const auto& n = g.nodes[static_cast<std::size_t>(p)];
  return is_quantisation_node(n) && !n.inputs.empty() && is_constant(g, n.inputs[0]);
}

/// Elements of the stored parameter behind v (through its quantiser).
std::int64_t parameter_count(const graph::Graph& g, const std::string& v) {
  return g.is_initializer(v) ? g.initializers.at(v).numel() : elements(g, v);
}

struct Multiplier {
  double pj = 0;
  NumberType product;
};

Multiplier multiply(const EnergyProfile& p, const NumberType& x, const NumberType& w) {
  using K = NumberType::Kind;
  if (x.is_float() || w.is_float()) {
    const NumberType f{K::Float, std::max(x.is_float() ? x.bits : 0, w.is_float() ? w.bits : 0), true};
    return {p.mul_pj(f), f};
  }
  const bool xb = x.kind == K::Binary || x.kind == K::Ternary,
             wb = w.kind == K::Binary || w.kind == K::Ternary;
  if (x.kind == K::Binary && w.kind == K::Binary)  // xor gate
    return {0.3 * p.add_pj(NumberType::fixed(1)), NumberType::fixed(1)};
  if (xb || wb) {  // mux: selects (and negates) the other operand
    const NumberType& ternary_or_binary = wb ? w : x;
    const NumberType& other = wb ? x : w;
    const double factor = ternary_or_binary.kind == K::Binary ? 0.3 : 0.6;
    const int bits = other.bits + (!other.is_signed && ternary_or_binary.is_signed ? 1 : 0);
    return {factor * p.add_pj(NumberType::fixed(other.bits)), NumberType::fixed(bits, true)};
  }
  return {p.fixed_mul_pj(std::sqrt(static_cast<double>(x.bits) * w.bits)),
          NumberType::fixed(x.bits + w.bits, x.is_signed || w.is_signed)};
}
}  // namespace

double EnergyProfile::add_pj(const NumberType& t) const {
  if (t.is_float()) return t.bits <= 16 ? fp16_add : fp32_add;
  return std::max(polyval(fixed_add, t.bits), 0.0);
}

double EnergyProfile::mul_pj(const NumberType& t) const {
  return t.bits <= 16 ? fp16_mul : fp32_mul;
}

double EnergyProfile::fixed_mul_pj(double gate_bits) const {
  return std::max(polyval(fixed_mul, gate_bits), 0.0);
}

double EnergyProfile::memory_pj(double bits, MemoryMode mode, bool io, bool /*write*/) const {
  if (bits <= 0) return 0;
  if (io) mode = rd_wr_on_io ? MemoryMode::Dram : MemoryMode::Sram;
  const double sram = std::ceil(bits / sram_word_bits) *
                      std::max(polyval(sram_rd, std::log2(std::max(bits, min_sram_bits))), 0.0);
  switch (mode) {
    case MemoryMode::Fixed:
      return 0;
    case MemoryMode::Sram:
      return sram;
    case MemoryMode::Dram:
      return dram_per_bit * bits + (rd_wr_on_io ? sram : 0);
  }
  return 0;
}

EnergyReport estimate_energy(const graph::Graph& model, const EnergyProfile& p) {
  graph::Graph g = model;
  for (const auto& in : g.inputs)
    if (auto& s = g.values[in].shape; !s.empty() && s[0] < 0) s[0] = 1;
  g.topological_sort();
  g.infer_shapes();
  const auto types = deployed_types(g, p.source);

  EnergyReport r;
  r.model = g.name;
  r.profile = p.name;
  for (const auto& in : g.inputs)
    r.activation_bits += static_cast<double>(elements(g, in)) * stored_as(g, types, in).bits;

  for (const auto& n : g.nodes) {
    if (is_quantisation_node(n) ||
        (keeps_input_type(n) && n.op_type != "Relu" && n.op_type != "Clip" && n.op_type != "MaxPool"))
      continue;
    LayerEnergy l;
    l.name = n.name;
    l.op = n.op_type;
    const bool weighted = (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") &&
                          n.inputs.size() >= 2 && is_constant(g, n.inputs[1]);
    const bool add_like = n.op_type == "Add" || n.op_type == "Sub" || n.op_type == "Sum";
    std::vector<std::string> data_inputs, params;
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i].empty()) continue;
      (is_constant(g, n.inputs[i]) ? params : data_inputs).push_back(n.inputs[i]);
    }
    if (weighted)
      l.kind = "mac";
    else if (add_like && data_inputs.size() >= 2)
      l.kind = "eltwise";
    else if (kActivations.count(n.op_type))
      l.kind = "activation";
    else if (n.op_type == "MaxPool")
      l.kind = "maxpool";
    else if (kPools.count(n.op_type))
      l.kind = "pool";
    else if (n.op_type == "BatchNormalization")
      l.kind = "batchnorm";
    else
      l.kind = "other";

    const bool io_in = std::any_of(data_inputs.begin(), data_inputs.end(),
                                   [&](const auto& v) { return reaches_graph_input(g, v); });
    const bool io_out = reaches_graph_output(g, n.outputs[0]);
    if (!data_inputs.empty()) l.input = types.at(data_inputs[0]);
    l.output = stored_as(g, types, n.outputs[0]);
    l.output_elements = elements(g, n.outputs[0]);
    for (const auto& v : data_inputs) {
      const auto e = elements(g, v);
      l.input_elements += e;
      l.inputs_pj += p.memory_pj(static_cast<double>(e) * types.at(v).bits, p.activations, io_in, false);
    }
    for (std::size_t k = 0; k < params.size(); ++k) {
      const auto count = parameter_count(g, params[k]);
      const auto t = types.at(params[k]);
      l.parameters_pj += p.memory_pj(static_cast<double>(count) * t.bits, p.parameters, false, false);
      l.parameter_bits += static_cast<double>(count) * t.bits;
      if (weighted && params[k] == n.inputs[1]) {
        l.weight = t;
        l.weight_count = count;
      } else if (weighted && n.inputs.size() > 2 && params[k] == n.inputs[2]) {
        l.bias = t;
        l.bias_count = count;
      }
    }
    l.outputs_pj =
        p.memory_pj(static_cast<double>(l.output_elements) * l.output.bits, p.activations, io_out, true);
    l.activation_bits = static_cast<double>(l.output_elements) * l.output.bits;

    if (weighted) {
      l.macs = graph::node_macs(g, n);
      const std::int64_t fan_in = l.macs / std::max<std::int64_t>(l.output_elements, 1);
      const auto m = multiply(p, l.input, l.weight);
      if (m.product.is_float()) {
        l.accumulator = m.product;
      } else {
        const int extra =
            static_cast<int>(std::ceil(std::log2(static_cast<double>(fan_in + (l.bias_count ? 1 : 0)))));
        l.accumulator = NumberType::fixed(m.product.bits + extra, m.product.is_signed);
      }
      l.op_pj = static_cast<double>(l.macs) * (m.pj + p.add_pj(l.accumulator));
      const double bx = l.input.bits, bw = l.weight.bits;
      l.bops = static_cast<double>(l.macs) * (bx * bw + bx + bw + std::log2(static_cast<double>(fan_in)));
    } else if (l.kind == "eltwise") {
      NumberType widest = types.at(data_inputs[0]);
      for (const auto& v : data_inputs) {
        const auto t = types.at(v);
        if (t.is_float() || (!widest.is_float() && t.bits > widest.bits)) widest = t;
      }
      l.op_pj = static_cast<double>(data_inputs.size() - 1) * static_cast<double>(l.output_elements) *
                p.add_pj(widest);
    }
    if (l.kind == "activation")
      l.counted_pj = l.outputs_pj;
    else if (l.kind == "batchnorm")
      l.counted_pj = l.parameters_pj;
    else if (l.kind == "eltwise" || l.kind == "maxpool")
      l.counted_pj = l.op_pj;
    else
      l.counted_pj = l.inputs_pj + l.parameters_pj + l.op_pj;

    r.total_pj += l.counted_pj;
    r.inputs_pj += l.inputs_pj;
    r.parameters_pj += l.parameters_pj;
    r.op_pj += l.op_pj;
    r.outputs_pj += l.outputs_pj;
    r.parameter_bits += l.parameter_bits;
    r.activation_bits += l.activation_bits;
    r.bops += l.bops;
    r.macs += l.macs;
    r.layers.push_back(std::move(l));
  }
  return r;
}

nlohmann::ordered_json EnergyReport::to_json() const {
  nlohmann::ordered_json j{{"model", model},
                           {"profile", profile},
                           {"method", "modelled"},
                           {"unit", "pJ per inference"},
                           {"total_pj", total_pj},
                           {"inputs_pj", inputs_pj},
                           {"parameters_pj", parameters_pj},
                           {"op_pj", op_pj},
                           {"outputs_pj", outputs_pj},
                           {"parameter_bits", parameter_bits},
                           {"activation_bits", activation_bits},
                           {"total_bits", total_bits()},
                           {"bops", bops},
                           {"macs", macs},
                           {"layers", nlohmann::ordered_json::array()}};
  for (const auto& l : layers) {
    nlohmann::ordered_json e{{"name", l.name},
                             {"op", l.op},
                             {"kind", l.kind},
                             {"input", l.input.to_string()},
                             {"output", l.output.to_string()}};
    if (l.kind == "mac") {
      e["weight"] = l.weight.to_string();
      e["bias"] = l.bias_count ? l.bias.to_string() : "none";
      e["accumulator"] = l.accumulator.to_string();
      e["macs"] = l.macs;
      e["bops"] = l.bops;
    }
    e["inputs_pj"] = l.inputs_pj;
    e["parameters_pj"] = l.parameters_pj;
    e["op_pj"] = l.op_pj;
    e["outputs_pj"] = l.outputs_pj;
    e["counted_pj"] = l.counted_pj;
    e["parameter_bits"] = l.parameter_bits;
    e["activation_bits"] = l.activation_bits;
    j["layers"].push_back(std::move(e));
  }
  return j;
}

std::string EnergyReport::to_table() const {
  std::string s = fmt::format("{:<22} {:<18} {:>8} {:>8} {:>8} {:>11} {:>12} {:>12} {:>12} {:>12} {:>12}\n",
                              "layer", "op", "input", "weight", "output", "MACs", "inputs pJ", "params pJ",
                              "op pJ", "outputs pJ", "counted pJ");
  for (const auto& l : layers)
    s += fmt::format(
        "{:<22} {:<18} {:>8} {:>8} {:>8} {:>11} {:>12.1f} {:>12.1f} {:>12.1f} {:>12.1f} {:>12.1f}\n",
        l.name.substr(0, 22), l.op.substr(0, 18), l.input.to_string(),
        l.kind == "mac" ? l.weight.to_string() : "-", l.output.to_string(), l.macs, l.inputs_pj,
        l.parameters_pj, l.op_pj, l.outputs_pj, l.counted_pj);
  s += fmt::format(
      "{:<22} {:<18} {:>8} {:>8} {:>8} {:>11} {:>12.1f} {:>12.1f} {:>12.1f} {:>12.1f} {:>12.1f}\n", "total",
      "", "", "", "", macs, inputs_pj, parameters_pj, op_pj, outputs_pj, total_pj);
  s += fmt::format(
      "energy {:.4g} pJ per inference (modelled, profile {}); bits: parameters {:.0f}, "
      "activations {:.0f}, total {:.0f}; BOPs {:.4g}\n",
      total_pj, profile, parameter_bits, activation_bits, total_bits(), bops);
  return s;
}

}  // namespace edgeq::quant
