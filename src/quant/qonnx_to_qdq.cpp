#include "edgeq/quant/qonnx_to_qdq.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "edgeq/graph/op_registry.hpp"
#include "edgeq/graph/passes.hpp"
#include "edgeq/graph/qonnx.hpp"

namespace edgeq::quant {

namespace {

using core::DType;
using core::Tensor;
using graph::Node;

const Tensor* float_init(const graph::Graph& g, const std::string& v) {
  const auto it = g.initializers.find(v);
  return it == g.initializers.end() || it->second.dtype() != DType::F32 ? nullptr : &it->second;
}

bool all_zero(const Tensor& t) {
  const auto s = t.span<float>();
  return std::all_of(s.begin(), s.end(), [](float v) { return v == 0.0f; });
}

/// The axis of weight `w` along which `scale` varies (-1: per tensor; -2: not a single axis).
std::int64_t scale_axis(const Tensor& scale, const core::Shape& w) {
  if (scale.numel() == 1) return -1;
  const auto& s = scale.shape();
  if (s.size() > w.size()) return -2;
  std::int64_t axis = -2;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (s[k] == 1) continue;
    const auto d = static_cast<std::int64_t>(w.size() - s.size() + k);
    if (axis != -2 || s[k] != w[static_cast<std::size_t>(d)]) return -2;
    axis = d;
  }
  return axis;
}

class Converter {
 public:
  explicit Converter(graph::Graph& g) : g_(g) {}

  QdqExport run() {
    std::vector<Node> out;
    for (const auto& n : g_.nodes) {
      if (n.domain == graph::kQonnxDomain && weight(n, out)) continue;
      if (n.domain == graph::kQonnxDomain && activation(n, out)) continue;
      if (n.domain == graph::kQonnxDomain) ++r_.kept;
      out.push_back(n);
    }
    g_.nodes = std::move(out);
    g_.topological_sort();
    propagate();
    g_.topological_sort();
    graph::remove_unused_initializers(g_);  // the float weights behind the rewritten quantisers
    g_.infer_shapes();
    return r_;
  }

 private:
  std::string init(const std::string& base, Tensor t) {
    const std::string name = g_.unique_name(base);
    g_.values[name] = {t.dtype(), t.shape()};
    g_.initializers[name] = std::move(t);
    return name;
  }

  /// Quant / BipolarQuant of a constant weight -> int8 codes + DequantizeLinear.
  bool weight(const Node& n, std::vector<Node>& out) {
    const Tensor* w = float_init(g_, n.inputs[0]);
    const Tensor* s = n.inputs.size() > 1 ? float_init(g_, n.inputs[1]) : nullptr;
    if (!w || !s) return false;
    const bool bipolar = n.op_type == "BipolarQuant";
    double lo = -1, hi = 1;
    if (!bipolar) {
      const Tensor* z = n.inputs.size() > 2 ? float_init(g_, n.inputs[2]) : nullptr;
      const Tensor* b = n.inputs.size() > 3 ? float_init(g_, n.inputs[3]) : nullptr;
      if (!z || !b || b->numel() != 1 || !all_zero(*z) || n.attr_int("signed", 1) == 0) return false;
      const double bits = b->data<float>()[0];
      if (bits < 2 || bits > 8 || bits != std::floor(bits)) return false;
      std::tie(lo, hi) = graph::qonnx_code_range(bits, true, n.attr_int("narrow", 0) != 0);
      if (n.attr_string("rounding_mode", "ROUND") != "ROUND") return false;
    }
    const std::int64_t axis = scale_axis(*s, w->shape());
    if (axis == -2) return false;
    // Fewer than 8 bits: codes doubled, scale halved (same values, even codes: oneDNN's int8 fast path).
    const double widen = !bipolar && hi < 64 ? 2.0 : 1.0;
    const std::int64_t channels = axis < 0 ? 1 : w->shape()[static_cast<std::size_t>(axis)];
    std::int64_t inner = 1;
    for (auto d = static_cast<std::size_t>(std::max<std::int64_t>(axis, 0)) + 1; d < w->shape().size(); ++d)
      inner *= w->shape()[d];
    Tensor codes(DType::I8, w->shape());
    const float* wp = w->data<float>();
    for (std::int64_t i = 0; i < w->numel(); ++i) {
      const std::int64_t c = axis < 0 ? 0 : (i / inner) % channels;
      const double q =
          bipolar ? (wp[i] >= 0 ? 1.0 : -1.0)
                  : std::clamp(std::nearbyint(static_cast<double>(wp[i]) / s->data<float>()[c]), lo, hi);
      codes.data<std::int8_t>()[i] = static_cast<std::int8_t>(q * widen);
    }
    std::vector<float> scales(static_cast<std::size_t>(channels));
    for (std::int64_t c = 0; c < channels; ++c)
      scales[static_cast<std::size_t>(c)] = static_cast<float>(s->data<float>()[c] / widen);
    const core::Shape sshape = axis < 0 ? core::Shape{} : core::Shape{channels};
    Node dq{n.name + "_dq",
            "DequantizeLinear",
            "",
            {init(n.name + "_codes", codes), init(n.name + "_dq_scale", Tensor::from<float>(sshape, scales)),
             init(n.name + "_dq_zero_point",
                  Tensor::from<std::int8_t>(sshape, std::vector<std::int8_t>(scales.size(), 0)))},
            n.outputs,
            {}};
    if (axis >= 0) dq.attrs["axis"] = axis;
    out.push_back(dq);
    ++r_.weights;
    return true;
  }

  /// 8-bit per-tensor Quant of an activation -> QuantizeLinear -> DequantizeLinear.
  bool activation(const Node& n, std::vector<Node>& out) {
    if (n.op_type != "Quant" || g_.is_initializer(n.inputs[0])) return false;
    const Tensor* s = float_init(g_, n.inputs[1]);
    const Tensor* z = float_init(g_, n.inputs[2]);
    const Tensor* b = float_init(g_, n.inputs[3]);
    if (!s || !z || !b || s->numel() != 1 || b->numel() != 1 || !all_zero(*z) ||
        b->data<float>()[0] != 8.0f || n.attr_int("narrow", 0) != 0 ||
        n.attr_string("rounding_mode", "ROUND") != "ROUND")
      return false;
    const bool is_signed = n.attr_int("signed", 1) != 0;
    const Tensor zp = is_signed ? Tensor::from<std::int8_t>({}, std::vector<std::int8_t>{0})
                                : Tensor::from<std::uint8_t>({}, std::vector<std::uint8_t>{0});
    const std::string sc =
        init(n.name + "_scale", Tensor::from<float>({}, std::vector<float>{s->data<float>()[0]}));
    const std::string zn = init(n.name + "_zero_point", zp);
    const std::string q = g_.unique_name(n.name + "_codes");
    out.push_back(Node{n.name + "_q", "QuantizeLinear", "", {n.inputs[0], sc, zn}, {q}, {}});
    out.push_back(Node{n.name + "_dq", "DequantizeLinear", "", {q, sc, zn}, n.outputs, {}});
    ++r_.activations;
    return true;
  }

  /// Grid-preserving ops reading a per-tensor DQ get the same Q -> DQ after them.
  void propagate() {
    static const std::set<std::string> ops = {"MaxPool",   "Flatten",   "Reshape", "Squeeze",
                                              "Unsqueeze", "Transpose", "Identity"};
    for (bool changed = true; changed;) {
      changed = false;
      for (std::size_t i = 0; i < g_.nodes.size(); ++i) {
        const Node n = g_.nodes[i];
        if (!n.domain.empty() || !ops.count(n.op_type) || n.outputs.empty()) continue;
        const int p = g_.producer(n.inputs[0]);
        if (p < 0) continue;
        const Node dq = g_.nodes[static_cast<std::size_t>(p)];
        if (dq.op_type != "DequantizeLinear" || dq.has("axis") || g_.is_initializer(dq.inputs[0])) continue;
        // already followed by a QuantizeLinear with these parameters?
        bool done = false;
        for (const auto& m : g_.nodes)
          if (m.op_type == "QuantizeLinear" && m.inputs[0] == n.outputs[0]) done = true;
        if (done) continue;
        const std::string raw = g_.unique_name(n.outputs[0] + "_float"),
                          q = g_.unique_name(n.outputs[0] + "_codes");
        const std::string v = n.outputs[0];
        g_.nodes[i].outputs[0] = raw;
        g_.nodes.push_back(
            Node{n.name + "_q", "QuantizeLinear", "", {raw, dq.inputs[1], dq.inputs[2]}, {q}, {}});
        g_.nodes.push_back(
            Node{n.name + "_dq", "DequantizeLinear", "", {q, dq.inputs[1], dq.inputs[2]}, {v}, {}});
        g_.values[raw] = g_.info(v);
        ++r_.propagated;
        changed = true;
      }
      if (changed) g_.topological_sort();
    }
  }

  graph::Graph& g_;
  QdqExport r_;
};

}  // namespace

QdqExport qonnx_to_qdq(graph::Graph& g) {
  const QdqExport r = Converter(g).run();
  g.metadata["edgeq.quantisation"] = nlohmann::json{
      {"scheme", "qat-qdq"},
      {"weights", r.weights},
      {"activations", r.activations},
      {"propagated", r.propagated},
      {"qonnx_kept", r.kept}}.dump();
  return r;
}

}  // namespace edgeq::quant
