#include "edgeq/quant/ptq.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>

#include "edgeq/core/error.hpp"
#include "edgeq/core/half.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/graph/passes.hpp"
#include "edgeq/quant/fixed_point.hpp"

namespace edgeq::quant {

using core::DType;
using core::Shape;
using core::Tensor;
using graph::Graph;
using graph::Node;

Scheme parse_scheme(const std::string& name) {
  if (name == "fp16") return Scheme::Fp16;
  if (name == "dynamic") return Scheme::Dynamic;
  if (name == "int8") return Scheme::Int8;
  if (name == "uint8") return Scheme::Uint8;
  if (name == "int16x8") return Scheme::Int16x8;
  throw_input("unknown quantisation scheme '{}' (fp16, dynamic, int8, uint8, int16x8)", name);
}

std::string scheme_name(Scheme s) {
  switch (s) {
    case Scheme::Fp16:
      return "fp16";
    case Scheme::Dynamic:
      return "dynamic";
    case Scheme::Int8:
      return "int8";
    case Scheme::Uint8:
      return "uint8";
    case Scheme::Int16x8:
      return "int16x8";
  }
  return "?";
}

bool needs_calibration(Scheme s) {
  return s == Scheme::Int8 || s == Scheme::Uint8 || s == Scheme::Int16x8;
}

void check_not_quantised(const Graph& g) {
  for (const auto& n : g.nodes)
    if (n.op_type == "QuantizeLinear" || n.op_type == "DequantizeLinear" ||
        n.op_type == "DynamicQuantizeLinear" || n.domain == graph::kQonnxDomain ||
        n.domain == graph::kEdgeqDomain || n.op_type == "Cast")
      throw_input("the model is already quantised ({} is a quantisation node); quantise the float32 model",
                  n.describe());
  for (const auto& [k, t] : g.initializers)
    if (t.dtype() == DType::F16) throw_input("the model is already quantised (float16 initializer '{}')", k);
}

void prepare_for_quantisation(Graph& g) {
  graph::fold_batchnorm(g);
  graph::batchnorm_to_conv(g);
  graph::fuse_pad_into_conv(g);
}

namespace {
const Tensor* float_init(const Graph& g, const Node& n, std::size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) return nullptr;
  auto it = g.initializers.find(n.inputs[i]);
  return it == g.initializers.end() || it->second.dtype() != DType::F32 ? nullptr : &it->second;
}
bool is_activation(const Graph& g, const std::string& v) {
  return !v.empty() && !g.is_initializer(v) && g.info(v).dtype == DType::F32;
}

/// Conv or Gemm whose weights (and bias) are float constants: the nodes every scheme quantises.
bool is_weighted(const Graph& g, const Node& n) {
  if (!n.domain.empty() || !is_activation(g, n.inputs[0])) return false;
  const Tensor* w = float_init(g, n, 1);
  const bool has_bias = n.inputs.size() > 2 && !n.inputs[2].empty();
  if (!w || (has_bias && !float_init(g, n, 2))) return false;
  if (n.op_type == "Conv") return w->shape().size() == 4;
  return n.op_type == "Gemm" && n.attr_int("transA", 0) == 0 && n.attr_float("alpha", 1) == 1 &&
         n.attr_float("beta", 1) == 1 && w->shape().size() == 2 &&
         (!has_bias || float_init(g, n, 2)->numel() == w->shape()[n.attr_int("transB", 0) ? 0 : 1]);
}

bool is_integer_compute(const Graph& g, const Node& n) {
  if (is_weighted(g, n)) return true;
  if (!n.domain.empty()) return false;
  if (n.op_type == "Add")
    return is_activation(g, n.inputs[0]) && is_activation(g, n.inputs[1]) &&
           g.info(n.inputs[0]).shape == g.info(n.inputs[1]).shape;
  return n.op_type == "AveragePool" || n.op_type == "GlobalAveragePool";
}

bool is_mover(const Node& n) {
  static const std::set<std::string> movers = {"MaxPool", "Concat",    "Reshape",   "Flatten",
                                               "Squeeze", "Unsqueeze", "Transpose", "Identity"};
  return n.domain.empty() &&
         (movers.count(n.op_type) || (n.op_type == "Pad" && n.attr_string("mode", "constant") == "constant"));
}

std::vector<std::string> data_inputs(const Graph& g, const Node& n) {
  std::vector<std::string> v;
  const std::size_t count = n.op_type == "Concat" || n.op_type == "Add" ? n.inputs.size() : 1;
  for (std::size_t i = 0; i < count && i < n.inputs.size(); ++i)
    if (is_activation(g, n.inputs[i])) v.push_back(n.inputs[i]);
  return v;
}

struct UnionFind {
  std::map<std::string, std::string> parent;
  std::string find(const std::string& v) {
    auto it = parent.find(v);
    if (it == parent.end()) return parent[v] = v;
    if (it->second == v) return v;
    return it->second = find(it->second);
  }
  void unite(const std::string& a, const std::string& b) { parent[find(a)] = find(b); }
};
}  // namespace

QuantisationPlan plan_quantisation(const Graph& g, const QuantizeOptions& o) {
  QuantisationPlan plan;
  if (!needs_calibration(o.scheme)) return plan;
  std::set<std::string> qt;
  UnionFind uf;
  auto use_count = [&](const std::string& v) { return g.use_count(v); };
  for (const auto& n : g.nodes) {
    if (o.exclude.count(n.name) || !is_integer_compute(g, n)) continue;
    plan.quantised_nodes.push_back(n.name);
    for (const auto& in : data_inputs(g, n)) qt.insert(in);
    std::string out = n.outputs[0];
    if (n.op_type != "AveragePool" && n.op_type != "GlobalAveragePool" && use_count(out) == 1 &&
        std::count(g.outputs.begin(), g.outputs.end(), out) == 0) {
      for (const auto& m : g.nodes)
        if ((m.op_type == "Relu" || m.op_type == "Clip") && m.domain.empty() && m.inputs[0] == out) {
          out = m.outputs[0];
          break;
        }
    }
    qt.insert(out);
    if (n.op_type == "AveragePool") uf.unite(n.inputs[0], out);
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const auto& n : g.nodes) {
      if (!is_mover(n) || o.exclude.count(n.name)) continue;
      auto ins = data_inputs(g, n);
      if (ins.empty()) continue;
      bool any = qt.count(n.outputs[0]) > 0;
      for (const auto& in : ins) any |= qt.count(in) > 0;
      if (!any) continue;
      for (const auto& v : ins) changed |= qt.insert(v).second, uf.unite(v, n.outputs[0]);
      changed |= qt.insert(n.outputs[0]).second;
    }
  }
  std::map<std::string, std::size_t> group_of;
  for (const auto& v : qt) {
    const std::string root = uf.find(v);
    if (!group_of.count(root)) group_of[root] = group_of.size();
    plan.tensors.push_back(v);
    plan.group.push_back(group_of[root]);
  }
  plan.groups = group_of.size();
  return plan;
}

namespace {
class Builder {
 public:
  Builder(const Graph& src, const QuantizeOptions& o, const BiasCorrections& corrections)
      : g_(src), o_(o), corrections_(corrections) {}

  Graph run(const QuantisationPlan& plan, const std::vector<std::pair<float, float>>& ranges) {
    if (needs_calibration(o_.scheme)) {
      if (ranges.size() != plan.tensors.size())
        throw_internal("{} ranges for {} tensors", ranges.size(), plan.tensors.size());
      std::vector<std::pair<float, float>> group_range(plan.groups, {0.0f, 0.0f});
      for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
        auto& r = group_range[plan.group[i]];
        r.first = std::min(r.first, ranges[i].first);
        r.second = std::max(r.second, ranges[i].second);
      }
      for (std::size_t i = 0; i < plan.tensors.size(); ++i)
        params_[plan.tensors[i]] = activation_params(group_range[plan.group[i]]);
    }
    const std::vector<Node> nodes = g_.nodes;
    g_.nodes.clear();
    for (const auto& in : g_.inputs)
      if (params_.count(in)) insert_qdq_for_input(in);
    for (Node n : nodes) {
      const bool weighted = !o_.exclude.count(n.name) && is_weighted(g_, n);
      for (auto& in : n.inputs)
        if (input_alias_.count(in)) in = input_alias_.at(in);
      if (weighted) quantise_weights(n);
      const std::string out = n.outputs.empty() ? "" : n.outputs[0];
      const bool q_out = params_.count(out) > 0;
      if (q_out) n.outputs[0] = g_.unique_name(out + "_float");
      g_.nodes.push_back(n);
      if (q_out) insert_qdq(n.outputs[0], out);
    }
    for (auto it = g_.values.begin(); it != g_.values.end();)  // re-inferred below
      it = std::count(g_.inputs.begin(), g_.inputs.end(), it->first) ? std::next(it) : g_.values.erase(it);
    graph::remove_unused_initializers(g_);
    g_.topological_sort();
    g_.infer_shapes();
    describe();
    return std::move(g_);
  }

 private:
  struct Params {
    QuantParams p;
    DType type;
  };

  Params activation_params(std::pair<float, float> r) const {
    switch (o_.scheme) {
      case Scheme::Uint8:
        return {choose_asymmetric(r.first, r.second, 0, 255), DType::U8};
      case Scheme::Int16x8:
        return {choose_symmetric(std::max(std::abs(r.first), std::abs(r.second)), 32767), DType::I16};
      default:
        return {choose_asymmetric(r.first, r.second, -128, 127), DType::I8};
    }
  }

  std::string scalar_init(const std::string& base, Tensor t) {
    const std::string name = g_.unique_name(base);
    g_.initializers[name] = std::move(t);
    g_.values[name] = {g_.initializers[name].dtype(), g_.initializers[name].shape()};
    return name;
  }

  Tensor zero_point_tensor(DType type, const std::vector<std::int32_t>& zps, bool vector) {
    const Shape shape = vector ? Shape{static_cast<std::int64_t>(zps.size())} : Shape{};
    Tensor t(type, shape);
    for (std::size_t i = 0; i < zps.size(); ++i) {
      if (type == DType::I8) t.data<std::int8_t>()[i] = static_cast<std::int8_t>(zps[i]);
      if (type == DType::U8) t.data<std::uint8_t>()[i] = static_cast<std::uint8_t>(zps[i]);
      if (type == DType::I16) t.data<std::int16_t>()[i] = static_cast<std::int16_t>(zps[i]);
      if (type == DType::I32) t.data<std::int32_t>()[i] = zps[i];
    }
    return t;
  }

  /// float_value -> QuantizeLinear -> DequantizeLinear -> name (the original value name, so readers and graph
  /// outputs are unchanged).
  void insert_qdq(const std::string& float_value, const std::string& name) {
    const Params& p = params_.at(name);
    const std::string s =
        scalar_init(name + "_scale", Tensor::from<float>({}, std::vector<float>{p.p.scale}));
    const std::string z =
        scalar_init(name + "_zero_point", zero_point_tensor(p.type, {p.p.zero_point}, false));
    const std::string q = g_.unique_name(name + "_quantized");
    Node qn{name + "_quantize", "QuantizeLinear", "", {float_value, s, z}, {q}, {}};
    Node dq{name + "_dequantize", "DequantizeLinear", "", {q, s, z}, {name}, {}};
    g_.nodes.push_back(qn);
    g_.nodes.push_back(dq);
  }

  void insert_qdq_for_input(const std::string& in) {
    const std::string deq = g_.unique_name(in + "_dequantized");
    params_[deq] = params_.at(in);
    insert_qdq(in, deq);
    input_alias_[in] = deq;
  }

  /// Replaces Conv/Gemm weights (and bias) with the scheme's stored form.
  void quantise_weights(Node& n) {
    const Tensor& w = *float_init(g_, n, 1);
    const Tensor* b = float_init(g_, n, 2);
    if (o_.scheme == Scheme::Fp16) {
      n.inputs[1] = cast_from_half(n.name + "_weight", w);
      if (b) n.inputs[2] = cast_from_half(n.name + "_bias", *b);
      return;
    }
    const bool gemm = n.op_type == "Gemm";
    const std::int64_t axis = gemm && n.attr_int("transB", 0) == 0 ? 1 : 0;
    const bool uint8 = o_.scheme == Scheme::Uint8;
    const bool reduce = o_.reduce_range && !uint8;
    const bool per_channel = o_.per_channel && !uint8;
    const std::int64_t channels = w.shape()[static_cast<std::size_t>(axis)];
    // Element e of w belongs to channel (e / inner) % channels.
    std::int64_t inner = 1;
    for (std::size_t d = static_cast<std::size_t>(axis) + 1; d < w.shape().size(); ++d) inner *= w.shape()[d];
    auto channel_of = [&](std::int64_t e) { return per_channel ? (e / inner) % channels : 0; };
    const std::int64_t nq = per_channel ? channels : 1;
    std::vector<float> lo(static_cast<std::size_t>(nq), 0.0f), hi(static_cast<std::size_t>(nq), 0.0f);
    const float* wp = w.data<float>();
    for (std::int64_t e = 0; e < w.numel(); ++e) {
      const auto c = static_cast<std::size_t>(channel_of(e));
      lo[c] = std::min(lo[c], wp[e]), hi[c] = std::max(hi[c], wp[e]);
    }
    std::vector<QuantParams> qp;
    for (std::size_t c = 0; c < lo.size(); ++c)
      qp.push_back(uint8 ? choose_asymmetric(lo[c], hi[c], 0, 255)
                         : choose_symmetric(std::max(std::abs(lo[c]), std::abs(hi[c])), reduce ? 126 : 127));
    const DType wtype = uint8 ? DType::U8 : DType::I8;
    Tensor wq(wtype, w.shape());
    for (std::int64_t e = 0; e < w.numel(); ++e) {
      const auto& p = qp[static_cast<std::size_t>(channel_of(e))];
      const std::int32_t v = uint8    ? quantize(wp[e], p, 0, 255)
                             : reduce ? 2 * quantize(wp[e], {2 * p.scale, 0}, -63, 63)  // even codes
                                      : quantize(wp[e], p, -127, 127);
      if (uint8)
        wq.data<std::uint8_t>()[e] = static_cast<std::uint8_t>(v);
      else
        wq.data<std::int8_t>()[e] = static_cast<std::int8_t>(v);
    }
    std::vector<float> scales;
    std::vector<std::int32_t> zps;
    for (const auto& p : qp) scales.push_back(p.scale), zps.push_back(p.zero_point);
    const std::string wq_name = scalar_init(n.name + "_weight_quantized", wq);
    const std::string ws =
        scalar_init(n.name + "_weight_scale",
                    per_channel ? Tensor::from<float>({nq}, scales) : Tensor::from<float>({}, scales));
    const std::string wz =
        scalar_init(n.name + "_weight_zero_point", zero_point_tensor(wtype, zps, per_channel));
    const std::string wdq = g_.unique_name(n.name + "_weight_dequantized");
    Node dq{n.name + "_weight_dequantize", "DequantizeLinear", "", {wq_name, ws, wz}, {wdq}, {}};
    if (per_channel) dq.attrs["axis"] = axis;
    g_.nodes.push_back(dq);
    n.inputs[1] = wdq;
    if (o_.scheme == Scheme::Dynamic) {
      n.inputs[0] = dynamic_input(n.inputs[0]);
      return;  // float bias
    }
    if (!b) return;
    const auto xit = params_.find(n.inputs[0]);
    if (xit == params_.end()) throw_internal("{}: input has no quantisation parameters", n.describe());
    const float sx = xit->second.p.scale;
    const auto corr = corrections_.find(n.name);
    const bool correct =
        corr != corrections_.end() && corr->second.size() == static_cast<std::size_t>(channels);
    Tensor bq(DType::I32, {channels});
    std::vector<float> bs;
    for (std::int64_t c = 0; c < channels; ++c) {
      const float s = sx * scales[static_cast<std::size_t>(per_channel ? c : 0)];
      bs.push_back(s);
      const double bias = b->data<float>()[c] + (correct ? corr->second[static_cast<std::size_t>(c)] : 0.0);
      const double q = std::nearbyint(bias / static_cast<double>(s));
      bq.data<std::int32_t>()[c] = static_cast<std::int32_t>(std::clamp(q, -2147483647.0, 2147483647.0));
    }
    const std::string bq_name = scalar_init(n.name + "_bias_quantized", bq);
    const std::string bs_name = scalar_init(n.name + "_bias_scale", Tensor::from<float>({channels}, bs));
    const std::string bz =
        scalar_init(n.name + "_bias_zero_point",
                    zero_point_tensor(DType::I32, std::vector<std::int32_t>(bs.size(), 0), true));
    const std::string bdq = g_.unique_name(n.name + "_bias_dequantized");
    Node dqb{n.name + "_bias_dequantize", "DequantizeLinear", "", {bq_name, bs_name, bz}, {bdq}, {}};
    dqb.attrs["axis"] = std::int64_t{0};
    g_.nodes.push_back(dqb);
    n.inputs[2] = bdq;
  }

  std::string dynamic_input(const std::string& x) {
    if (auto it = dynamic_.find(x); it != dynamic_.end()) return it->second;
    const std::string q = g_.unique_name(x + "_dynamic_quantized"), s = g_.unique_name(x + "_dynamic_scale"),
                      z = g_.unique_name(x + "_dynamic_zero_point"),
                      d = g_.unique_name(x + "_dynamic_dequantized");
    g_.nodes.push_back(Node{x + "_dynamic_quantize", "DynamicQuantizeLinear", "", {x}, {q, s, z}, {}});
    g_.nodes.push_back(Node{x + "_dynamic_dequantize", "DequantizeLinear", "", {q, s, z}, {d}, {}});
    return dynamic_[x] = d;
  }

  std::string cast_from_half(const std::string& base, const Tensor& t) {
    Tensor h(DType::F16, t.shape());
    auto* hp = static_cast<std::uint16_t*>(h.raw());
    for (std::int64_t e = 0; e < t.numel(); ++e) hp[e] = core::float_to_half(t.data<float>()[e]);
    const std::string hn = scalar_init(base + "_float16", h);
    const std::string out = g_.unique_name(base + "_float32");
    Node c{base + "_cast", "Cast", "", {hn}, {out}, {}};
    c.attrs["to"] = std::int64_t{1};
    g_.nodes.push_back(c);
    return out;
  }

  void describe() {
    nlohmann::json j;
    j["scheme"] = scheme_name(o_.scheme);
    if (needs_calibration(o_.scheme)) {
      j["calibration"] = calibration_method_name(o_.calibration.method);
      if (o_.calibration.method == CalibrationMethod::Percentile) j["percentile"] = o_.calibration.percentile;
    }
    j["per_channel"] = o_.per_channel && o_.scheme != Scheme::Uint8;
    j["reduce_range"] = o_.reduce_range && o_.scheme != Scheme::Uint8;
    j["bias_correction"] = !corrections_.empty();
    j["excluded"] = std::vector<std::string>(o_.exclude.begin(), o_.exclude.end());
    g_.metadata["edgeq.quantisation"] = j.dump();
  }

  Graph g_;
  const QuantizeOptions& o_;
  const BiasCorrections& corrections_;
  std::map<std::string, Params> params_;
  std::map<std::string, std::string> input_alias_, dynamic_;
};
}  // namespace

Graph build_quantised_graph(const Graph& prepared, const QuantisationPlan& plan,
                            const std::vector<std::pair<float, float>>& ranges,
                            const QuantizeOptions& options, const BiasCorrections& corrections) {
  check_not_quantised(prepared);
  return Builder(prepared, options, corrections).run(plan, ranges);
}

}  // namespace edgeq::quant
