#include "edgeq/quant/fake_quant.hpp"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/graph/passes.hpp"

namespace edgeq::quant {

namespace {

using core::DType;
using core::Tensor;

bool shape_only(const std::string& op) {
  static const std::set<std::string> ops = {"Flatten",   "Reshape",  "Transpose", "Squeeze",
                                            "Unsqueeze", "Identity", "Dropout"};
  return ops.count(op) > 0;
}

/// Where the per-channel scales of a weight go: Conv [O, I, kh, kw] -> [O, 1, 1, 1]; Gemm with transB
/// [O, I] -> [O, 1]; Gemm without transB and MatMul [I, O] -> [O] (last axis).
struct ChannelAxis {
  std::int64_t channels = 1, inner = 1;
  core::Shape scale_shape;
};

ChannelAxis channel_axis(const graph::Node& n, const Tensor& w) {
  const auto& s = w.shape();
  ChannelAxis a;
  const bool first = n.op_type == "Conv" || (n.op_type == "Gemm" && n.attr_int("transB", 0) == 1);
  if (first) {
    a.channels = s[0];
    for (std::size_t d = 1; d < s.size(); ++d) a.inner *= s[d];
    a.scale_shape = core::Shape(s.size(), 1);
    a.scale_shape[0] = s[0];
  } else {
    a.channels = s.back();
    a.scale_shape = {s.back()};
  }
  return a;
}

class Inserter {
 public:
  Inserter(graph::Graph& g, bool fixed_point) : g_(g), fixed_point_(fixed_point) {}

  /// Node reading `x` and writing `y` for the quantiser q; `w` (a constant, may be null) fits auto scales.
  graph::Node make(const QuantizerSpec& q, const std::string& layer, const std::string& x,
                   const std::string& y, const graph::Node* owner, const Tensor* w) {
    if (fixed_point_ && q.ap_type)
      return graph::Node{fmt::format("{}_fixed{}", x, counter_++),
                         "ApFixed",
                         graph::kEdgeqDomain,
                         {x},
                         {y},
                         {{"type", q.ap_type->str()}}};
    if (q.kind == QuantizerKind::Po2 || q.kind == QuantizerKind::ReluPo2 || q.negative_slope != 0 || q.use_01)
      throw_input("quantisation config, layer '{}': {} has no QONNX Quant form", layer, to_string(q));
    const bool autoscale = q.alpha == AlphaMode::Auto || q.alpha == AlphaMode::AutoPo2;
    if (autoscale && (!w || !owner))
      throw_input("quantisation config, layer '{}': alpha '{}' needs weights (it fits per-channel scales)",
                  layer, q.alpha == AlphaMode::Auto ? "auto" : "auto_po2");
    Tensor scale = Tensor::from<float>({}, std::vector<float>{1.0f});
    if (autoscale) {
      const ChannelAxis a = channel_axis(*owner, *w);
      std::vector<float> y_tmp(static_cast<std::size_t>(w->numel())), s(static_cast<std::size_t>(a.channels));
      apply_quantizer(q, w->span<float>(), y_tmp, {}, a.channels, a.inner, nullptr, s);
      if (q.kind == QuantizerKind::Bits)  // s is the value of one code step of z in [-(2^(b-1)-1), 2^(b-1)-1]
        for (auto& v : s) v = std::max(v, 1e-12f);
      scale = Tensor::from<float>(a.scale_shape, s);
    } else {
      double value = q.alpha == AlphaMode::Value ? q.alpha_value : 1.0;
      if (q.kind == QuantizerKind::Bits && !(q.bits == 1 && q.keep_negative))
        value *= std::exp2(q.integer - q.bits + (q.keep_negative ? 1 : 0));
      if (q.kind == QuantizerKind::Relu) value = std::exp2(q.integer - q.bits);
      scale = Tensor::from<float>({}, std::vector<float>{static_cast<float>(value)});
    }
    const std::string base = fmt::format("{}_q{}", x, counter_++);
    g_.initializers[base + "_scale"] = scale;
    for (const char* p : {"_scale", "_zero", "_bits"}) g_.non_parameters.insert(base + p);  // not trained
    const bool bipolar =
        q.kind == QuantizerKind::Binary || (q.kind == QuantizerKind::Bits && q.bits == 1 && q.keep_negative);
    graph::Node n{base, bipolar ? "BipolarQuant" : "Quant", graph::kQonnxDomain, {x, base + "_scale"}, {y},
                  {}};
    if (bipolar) return n;
    int bits = q.bits;
    bool is_signed = q.keep_negative, narrow = q.symmetric;
    if (q.kind == QuantizerKind::Relu) is_signed = narrow = false;
    if (q.kind == QuantizerKind::Ternary) {
      bits = 2;
      is_signed = narrow = true;
    }
    if (q.kind == QuantizerKind::Bits && autoscale) narrow = true;  // symmetric codes, as the fit
    g_.initializers[base + "_zero"] = Tensor::from<float>({}, std::vector<float>{0.0f});
    g_.initializers[base + "_bits"] = Tensor::from<float>({}, std::vector<float>{static_cast<float>(bits)});
    n.inputs.push_back(base + "_zero");
    n.inputs.push_back(base + "_bits");
    n.attrs["signed"] = std::int64_t{is_signed ? 1 : 0};
    n.attrs["narrow"] = std::int64_t{narrow ? 1 : 0};
    n.attrs["rounding_mode"] = std::string("ROUND");
    return n;
  }

 private:
  graph::Graph& g_;
  bool fixed_point_;
  int counter_ = 0;
};

}  // namespace

FakeQuantCount insert_fake_quant(graph::Graph& g, const LayerQuantConfig& config,
                                 const FakeQuantOptions& options) {
  std::set<std::string> known(g.inputs.begin(), g.inputs.end());
  for (const auto& n : g.nodes) known.insert(n.name);
  for (const auto& n : g.nodes)
    if ((n.domain == graph::kQonnxDomain || n.domain == graph::kEdgeqDomain ||
         n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear"))
      throw_input("the model already has quantisation nodes ({}); start from the float model", n.describe());
  FakeQuantCount count;
  count.folded_batchnorms = graph::fold_batchnorm(g);  // the folded weights are what gets quantised
  const auto named = config.layer_names();
  for (const auto& name : named)
    if (!known.count(name)) throw_input("quantisation config: layer '{}' is not in the model", name);
  const std::set<std::string> named_set(named.begin(), named.end());

  Inserter ins(g, options.fixed_point);
  std::vector<graph::Node> out;
  std::map<std::string, std::string> renamed;  // value -> its quantised replacement (for later readers)
  const auto reads = [&](graph::Node& n) {
    for (auto& v : n.inputs)
      if (renamed.count(v)) v = renamed.at(v);
  };
  // Graph inputs named in the config (hls4ml's input layer) are quantised before any node reads them.
  for (const auto& in : g.inputs) {
    const auto q = config.for_layer(in, "Input");
    if (!q.result || !named_set.count(in)) continue;
    const std::string y = in + "_quant";
    out.push_back(ins.make(*q.result, in, in, y, nullptr, nullptr));
    renamed[in] = y;
    ++count.results;
  }
  for (auto n : g.nodes) {
    reads(n);
    const auto q = config.for_layer(n.name, n.op_type);
    const bool weighted = (n.op_type == "Conv" || n.op_type == "Gemm" || n.op_type == "MatMul") &&
                          n.domain.empty() && n.inputs.size() > 1 && g.is_initializer(n.inputs[1]);
    if (weighted && q.weight) {
      const std::string w = n.inputs[1], y = fmt::format("{}_quant{}", w, count.weights);
      out.push_back(ins.make(*q.weight, n.name, w, y, &n, &g.initializers.at(w)));
      n.inputs[1] = y;
      ++count.weights;
    }
    if (weighted && q.bias && n.inputs.size() > 2 && g.is_initializer(n.inputs[2])) {
      const std::string b = n.inputs[2], y = fmt::format("{}_quant{}", b, count.biases);
      out.push_back(ins.make(*q.bias, n.name, b, y, &n, nullptr));
      n.inputs[2] = y;
      ++count.biases;
    }
    const bool values = n.domain.empty() && !shape_only(n.op_type) && !n.outputs.empty();
    if (!values || !q.result) {
      out.push_back(n);
      continue;
    }
    // The node writes a new value; the quantiser writes the old name, so readers and graph outputs see it.
    const std::string v = n.outputs[0], raw = v + "_float";
    n.outputs[0] = raw;
    out.push_back(n);
    out.push_back(ins.make(*q.result, n.name, raw, v, nullptr, nullptr));
    ++count.results;
  }
  g.nodes = std::move(out);
  g.topological_sort();
  g.infer_shapes();
  return count;
}

}  // namespace edgeq::quant
