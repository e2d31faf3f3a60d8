#include "edgeq/quant/lower_qdq.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"

namespace edgeq::quant {

namespace {
using core::DType;
using core::Tensor;
using graph::Graph;
using graph::Node;

struct TensorQ {  // per-tensor affine parameters of a quantised activation
  std::string q;  ///< the integer value
  float scale = 1;
  std::int32_t zero_point = 0;
  DType type = DType::I8;
  bool same(const TensorQ& o) const {
    return scale == o.scale && zero_point == o.zero_point && type == o.type;
  }
};

std::int32_t element_as_int(const Tensor& t, std::int64_t i) {
  return t.dtype() == DType::F32 ? 0 : static_cast<std::int32_t>(t.int_value(i));
}

std::pair<std::int32_t, std::int32_t> type_range(DType t) {
  switch (t) {
    case DType::U8:
      return {0, 255};
    case DType::I16:
      return {-32768, 32767};
    default:
      return {-128, 127};
  }
}

class Lowering {
 public:
  explicit Lowering(Graph& g) : g_(g), removed_(g.nodes.size(), false) {
    for (std::size_t i = 0; i < g.nodes.size(); ++i)
      for (const auto& o : g.nodes[i].outputs) producer_[o] = static_cast<int>(i);
    for (const auto& n : g.nodes)
      for (const auto& in : n.inputs)
        if (!in.empty()) readers_[in].push_back(&n - g.nodes.data());
    for (const auto& o : g.outputs) graph_outputs_.insert(o);
  }

  LoweringReport run() {
    for (std::size_t i = 0; i < g_.nodes.size(); ++i)
      if (!removed_[i] && g_.nodes[i].domain.empty() && lower(i)) ++report_.lowered;
    collapse_requantise_pairs();
    g_.erase_nodes(removed_);
    remove_dead_nodes();
    for (const auto& n : g_.nodes) {
      static const std::set<std::string> compute = {"Conv", "Gemm", "Add", "AveragePool",
                                                    "GlobalAveragePool"};
      if (n.domain.empty() && compute.count(n.op_type)) {
        const int p = g_.producer(n.inputs[0]);
        if (p >= 0 && g_.nodes[static_cast<std::size_t>(p)].op_type == "DequantizeLinear")
          ++report_.remaining;
      }
    }
    g_.infer_shapes();
    return report_;
  }

 private:
  const Node* producer_node(const std::string& v) const {
    auto it = producer_.find(v);
    if (it == producer_.end() || removed_[static_cast<std::size_t>(it->second)]) return nullptr;
    return &g_.nodes[static_cast<std::size_t>(it->second)];
  }
  const std::vector<long>& readers(const std::string& v) const {
    static const std::vector<long> none;
    auto it = readers_.find(v);
    return it == readers_.end() ? none : it->second;
  }
  /// The only node reading v (not a graph output), or -1.
  long sole_reader(const std::string& v) const {
    const auto& r = readers(v);
    return (r.size() == 1 && !graph_outputs_.count(v)) ? r[0] : -1;
  }
  const Tensor* init(const std::string& v) const {
    auto it = g_.initializers.find(v);
    return it == g_.initializers.end() ? nullptr : &it->second;
  }

  /// Per-tensor parameters of a DQ or Q node (inputs 1, 2), if constant and scalar.
  std::optional<TensorQ> tensor_params(const Node& n, DType fallback) const {
    const Tensor* s = init(n.inputs[1]);
    const Tensor* z = n.inputs.size() > 2 && !n.inputs[2].empty() ? init(n.inputs[2]) : nullptr;
    if (!s || s->numel() != 1 || (n.inputs.size() > 2 && !n.inputs[2].empty() && !z)) return std::nullopt;
    TensorQ p;
    p.scale = s->data<float>()[0];
    p.zero_point = z ? element_as_int(*z, 0) : 0;
    p.type = z ? z->dtype() : fallback;
    return p;
  }

  /// v = DequantizeLinear(q) of a per-tensor quantised activation.
  std::optional<TensorQ> activation_dq(const std::string& v) const {
    const Node* dq = producer_node(v);
    if (!dq || dq->op_type != "DequantizeLinear" || !dq->domain.empty() || init(dq->inputs[0]))
      return std::nullopt;
    auto p = tensor_params(*dq, g_.info(dq->inputs[0]).dtype);
    if (p) p->q = dq->inputs[0];
    return p;
  }

  /// The Q node at the end of op -> [Relu | Clip] -> Q, with the activation's clamp folded into [lo, hi]
  /// (real).
  struct Tail {
    long act = -1, q = -1;
    TensorQ params;
    double lo = -HUGE_VAL, hi = HUGE_VAL;
  };
  std::optional<Tail> tail(const std::string& y, bool allow_activation) const {
    Tail t;
    long r = sole_reader(y);
    if (r < 0) return std::nullopt;
    const Node* n = &g_.nodes[static_cast<std::size_t>(r)];
    if (allow_activation && n->domain.empty() && (n->op_type == "Relu" || n->op_type == "Clip")) {
      t.act = r;
      t.lo = n->op_type == "Relu" ? 0.0 : n->attr_float("min", -std::numeric_limits<float>::infinity());
      t.hi = n->op_type == "Relu" ? HUGE_VAL : n->attr_float("max", std::numeric_limits<float>::infinity());
      r = sole_reader(n->outputs[0]);
      if (r < 0) return std::nullopt;
      n = &g_.nodes[static_cast<std::size_t>(r)];
    }
    if (n->op_type != "QuantizeLinear" || !n->domain.empty()) return std::nullopt;
    auto p = tensor_params(*n, DType::U8);
    if (!p) return std::nullopt;
    t.q = r;
    t.params = *p;
    t.params.q = n->outputs[0];
    return t;
  }

  /// Integer clamp bounds for the output (TFLite CalculateActivationRangeQuantized).
  static std::pair<std::int32_t, std::int32_t> clamp_bounds(const Tail& t) {
    auto [qmin, qmax] = type_range(t.params.type);
    const QuantParams p{t.params.scale, t.params.zero_point};
    const std::int32_t lo = std::isfinite(t.lo) ? quantize(static_cast<float>(t.lo), p, qmin, qmax) : qmin;
    const std::int32_t hi = std::isfinite(t.hi) ? quantize(static_cast<float>(t.hi), p, qmin, qmax) : qmax;
    return {lo, hi};
  }

  /// Replaces node i by `lowered` writing the tail's integer output; removes the activation and the Q.
  void commit(std::size_t i, Node lowered, const Tail& t) {
    lowered.outputs = {t.params.q};
    lowered.name = g_.nodes[i].name;
    g_.nodes[i] = std::move(lowered);
    if (t.act >= 0) removed_[static_cast<std::size_t>(t.act)] = true;
    removed_[static_cast<std::size_t>(t.q)] = true;
  }

  bool lower(std::size_t i) {
    const Node& n = g_.nodes[i];
    const std::string& op = n.op_type;
    if (op == "Conv" || op == "Gemm") return lower_matmul(i);
    if (op == "Add") return lower_add(i);
    if (op == "AveragePool" || op == "GlobalAveragePool") return lower_pool(i);
    static const std::set<std::string> movers = {"MaxPool",   "Concat",    "Reshape", "Flatten", "Squeeze",
                                                 "Unsqueeze", "Transpose", "Pad",     "Identity"};
    if (movers.count(op)) return lower_mover(i);
    return false;
  }

  bool lower_matmul(std::size_t i) {
    const Node& n = g_.nodes[i];
    const bool gemm = n.op_type == "Gemm";
    if (gemm &&
        (n.attr_int("transA", 0) != 0 || n.attr_float("alpha", 1) != 1 || n.attr_float("beta", 1) != 1))
      return false;
    const auto x = activation_dq(n.inputs[0]);
    if (!x || x->type == DType::I32) return false;
    // Weight: DQ of an integer initializer, per tensor or per output channel.
    const Node* wdq = producer_node(n.inputs[1]);
    if (!wdq || wdq->op_type != "DequantizeLinear") return false;
    const Tensor* w = init(wdq->inputs[0]);
    const Tensor* ws = init(wdq->inputs[1]);
    const Tensor* wz = wdq->inputs.size() > 2 && !wdq->inputs[2].empty() ? init(wdq->inputs[2]) : nullptr;
    if (!w || !ws || (w->dtype() != DType::I8 && w->dtype() != DType::U8)) return false;
    if (wdq->inputs.size() > 2 && !wdq->inputs[2].empty() && !wz) return false;
    const std::int64_t out_axis = gemm && n.attr_int("transB", 0) == 0 ? 1 : 0;
    const std::int64_t channels = w->shape()[static_cast<std::size_t>(out_axis)];
    if (ws->numel() != 1) {
      const auto rank = static_cast<std::int64_t>(w->shape().size());
      auto axis = wdq->attr_int("axis", 1);
      if (axis < 0) axis += rank;
      if (axis != out_axis || ws->numel() != channels) return false;
    }
    std::int32_t w_zp = wz ? element_as_int(*wz, 0) : 0;
    for (std::int64_t c = 1; wz && c < wz->numel(); ++c)
      if (element_as_int(*wz, c) != w_zp) return false;
    if (x->type == DType::I16 && (w->dtype() != DType::I8 || w_zp != 0 || x->zero_point != 0)) return false;
    auto t = tail(n.outputs[0], true);
    if (!t || t->params.type != x->type) return false;
    auto w_scale = [&](std::int64_t c) { return ws->data<float>()[ws->numel() == 1 ? 0 : c]; };
    // Bias: DQ(int32, s_x * s_w) or a float initializer, quantised here with that scale.
    std::string bias;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      Tensor b(DType::I32, {channels});
      const Node* bdq = producer_node(n.inputs[2]);
      const Tensor* bf = init(n.inputs[2]);
      if (bdq && bdq->op_type == "DequantizeLinear") {
        const Tensor* bq = init(bdq->inputs[0]);
        const Tensor* bs = init(bdq->inputs[1]);
        if (!bq || !bs || bq->dtype() != DType::I32 || bq->numel() != channels) return false;
        for (std::int64_t c = 0; c < channels; ++c) {
          const double want = static_cast<double>(x->scale) * w_scale(c);
          const double got = bs->data<float>()[bs->numel() == 1 ? 0 : c];
          if (std::abs(got - want) > 1e-5 * want) return false;  // bias scale must be s_x * s_w
          b.data<std::int32_t>()[c] = bq->data<std::int32_t>()[c];
        }
      } else if (bf && bf->dtype() == DType::F32 && bf->numel() == channels) {
        for (std::int64_t c = 0; c < channels; ++c) {
          const double q =
              std::nearbyint(bf->data<float>()[c] / (static_cast<double>(x->scale) * w_scale(c)));
          b.data<std::int32_t>()[c] = static_cast<std::int32_t>(std::clamp(q, -2147483648.0, 2147483647.0));
        }
      } else {
        return false;
      }
      bias = g_.unique_name(n.name + "_bias_q");
      g_.initializers[bias] = b;
      g_.values[bias] = {DType::I32, b.shape()};
    }
    Requantisation r;
    r.x_zero_point = x->zero_point;
    r.w_zero_point = w_zp;
    r.y_zero_point = t->params.zero_point;
    std::tie(r.y_min, r.y_max) = clamp_bounds(*t);
    for (std::int64_t c = 0; c < ws->numel(); ++c) {
      const double m = static_cast<double>(x->scale) * static_cast<double>(w_scale(c)) / t->params.scale;
      r.multipliers.push_back(quantize_multiplier(m));
      r.real_multipliers.push_back(static_cast<float>(m));
    }
    Node q = n;
    q.op_type = gemm ? "QGemm" : "QConv";
    q.domain = graph::kEdgeqDomain;
    q.inputs = {x->q, wdq->inputs[0]};
    if (!bias.empty()) q.inputs.push_back(bias);
    r.write(q);
    commit(i, std::move(q), *t);
    return true;
  }

  bool lower_add(std::size_t i) {
    const Node& n = g_.nodes[i];
    const auto a = activation_dq(n.inputs[0]), b = activation_dq(n.inputs[1]);
    if (!a || !b || a->type != b->type || a->type == DType::I32) return false;
    if (g_.info(n.inputs[0]).shape != g_.info(n.inputs[1]).shape) return false;
    auto t = tail(n.outputs[0], true);
    if (!t || t->params.type != a->type) return false;
    auto r =
        AddRequantisation::from_scales(a->scale, b->scale, t->params.scale, a->type == DType::I16 ? 15 : 20);
    r.a_zero_point = a->zero_point;
    r.b_zero_point = b->zero_point;
    r.y_zero_point = t->params.zero_point;
    std::tie(r.y_min, r.y_max) = clamp_bounds(*t);
    Node q;
    q.op_type = "QAdd";
    q.domain = graph::kEdgeqDomain;
    q.inputs = {a->q, b->q};
    r.write(q);
    commit(i, std::move(q), *t);
    return true;
  }

  bool lower_pool(std::size_t i) {
    const Node& n = g_.nodes[i];
    const auto x = activation_dq(n.inputs[0]);
    if (!x || x->type == DType::I32) return false;
    auto t = tail(n.outputs[0], false);
    if (!t || t->params.type != x->type) return false;
    const auto [lo, hi] = type_range(x->type);
    Node q = n;
    q.domain = graph::kEdgeqDomain;
    q.inputs = {x->q};
    q.attrs["x_zero_point"] = std::int64_t{x->zero_point};
    q.attrs["y_min"] = std::int64_t{lo};
    q.attrs["y_max"] = std::int64_t{hi};
    if (n.op_type == "AveragePool") {
      if (!x->same(t->params)) return false;  // TFLite: average pooling keeps the parameters
      q.op_type = "QAveragePool";
    } else {
      q.op_type = "QGlobalAveragePool";
      q.attrs["y_zero_point"] = std::int64_t{t->params.zero_point};
      q.attrs["x_scale"] = x->scale;
      q.attrs["y_scale"] = t->params.scale;
    }
    commit(i, std::move(q), *t);
    return true;
  }

  /// Ops that only move or select values: valid on the integer codes when all parameters agree.
  bool lower_mover(std::size_t i) {
    const Node& n = g_.nodes[i];
    const std::size_t data_inputs = n.op_type == "Concat" ? n.inputs.size() : 1;
    std::vector<TensorQ> ins;
    for (std::size_t k = 0; k < data_inputs; ++k) {
      auto p = activation_dq(n.inputs[k]);
      if (!p || (!ins.empty() && !p->same(ins[0]))) return false;
      ins.push_back(*p);
    }
    auto t = tail(n.outputs[0], false);
    if (!t || !t->params.same(ins[0])) return false;
    Node q = n;
    for (std::size_t k = 0; k < data_inputs; ++k) q.inputs[k] = ins[k].q;
    if (n.op_type == "Pad") {
      const auto [lo, hi] = type_range(ins[0].type);
      q.attrs["value"] = static_cast<float>(
          quantize(n.attr_float("value", 0.0f), {ins[0].scale, ins[0].zero_point}, lo, hi));
    }
    commit(i, std::move(q), *t);
    return true;
  }

  /// Q(DQ(q)) with equal parameters is q: readers of the Q output read q.
  void collapse_requantise_pairs() {
    for (std::size_t i = 0; i < g_.nodes.size(); ++i) {
      Node& n = g_.nodes[i];
      if (removed_[i] || n.op_type != "QuantizeLinear" || !n.domain.empty() ||
          graph_outputs_.count(n.outputs[0]))
        continue;
      const auto in = activation_dq(n.inputs[0]);
      const auto out = tensor_params(n, DType::U8);
      if (!in || !out || !in->same(*out)) continue;
      for (auto& m : g_.nodes)
        for (auto& v : m.inputs)
          if (v == n.outputs[0]) v = in->q;
      removed_[i] = true;
    }
  }

  /// Removes nodes none of whose outputs is read (DQs left behind by the rewrites).
  void remove_dead_nodes() {
    for (bool changed = true; changed;) {
      changed = false;
      std::set<std::string> read(g_.outputs.begin(), g_.outputs.end());
      for (const auto& n : g_.nodes) read.insert(n.inputs.begin(), n.inputs.end());
      std::vector<bool> dead(g_.nodes.size(), false);
      for (std::size_t i = 0; i < g_.nodes.size(); ++i) {
        bool any = false;
        for (const auto& o : g_.nodes[i].outputs) any |= !o.empty() && read.count(o) > 0;
        dead[i] = !any;
        changed |= dead[i];
      }
      g_.erase_nodes(dead);
    }
    std::set<std::string> read(g_.outputs.begin(), g_.outputs.end());
    for (const auto& n : g_.nodes) read.insert(n.inputs.begin(), n.inputs.end());
    for (auto it = g_.initializers.begin(); it != g_.initializers.end();)
      it = read.count(it->first) ? std::next(it) : g_.initializers.erase(it);
  }

  Graph& g_;
  std::vector<bool> removed_;
  std::map<std::string, int> producer_;
  std::map<std::string, std::vector<long>> readers_;
  std::set<std::string> graph_outputs_;
  LoweringReport report_;
};
}  // namespace

LoweringReport lower_qdq(Graph& graph) {
  bool any = false;
  for (const auto& n : graph.nodes) any |= n.op_type == "DequantizeLinear" && n.domain.empty();
  if (!any) return {};
  return Lowering(graph).run();
}

}  // namespace edgeq::quant
