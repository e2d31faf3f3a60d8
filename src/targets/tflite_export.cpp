#include "edgeq/targets/tflite_export.hpp"

#include <array>
#include <cmath>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/fixed_point.hpp"
#include "edgeq/quant/lower_qdq.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "tflite_writer.hpp"

namespace edgeq::targets {

namespace {
using core::DType;
using graph::Graph;
using graph::Node;
using tflw::Quantisation;

/// Quantisation parameters of an integer value, read from the QDQ graph before lowering.
struct ValueQ {
  Quantisation q;
  DType type = DType::I8;
};

std::map<std::string, ValueQ> quantisation_of_values(const Graph& g) {
  std::map<std::string, ValueQ> out;
  for (const auto& n : g.nodes) {
    const bool q = n.op_type == "QuantizeLinear", dq = n.op_type == "DequantizeLinear";
    if (!n.domain.empty() || (!q && !dq)) continue;
    const std::string& v = q ? n.outputs[0] : n.inputs[0];
    auto s = g.initializers.find(n.inputs[1]);
    if (s == g.initializers.end())
      throw_input("node '{}': scale '{}' is not a constant", n.name, n.inputs[1]);
    ValueQ p;
    const bool has_zp = n.inputs.size() > 2 && !n.inputs[2].empty();
    const core::Tensor* zp = has_zp ? &g.initializers.at(n.inputs[2]) : nullptr;
    p.type = zp ? zp->dtype() : (q ? DType::U8 : g.info(v).dtype);
    for (std::int64_t i = 0; i < s->second.numel(); ++i) {
      p.q.scales.push_back(s->second.data<float>()[i]);
      p.q.zero_points.push_back(zp ? zp->int_value(zp->numel() == 1 ? 0 : i) : 0);
    }
    p.q.axis = static_cast<int>(n.attr_int("axis", 1));
    out[v] = p;
  }
  return out;
}

tfl::TensorType tfl_type(DType t, const std::string& what) {
  switch (t) {
    case DType::F32:
      return tfl::TensorType_FLOAT32;
    case DType::I8:
      return tfl::TensorType_INT8;
    case DType::U8:
      return tfl::TensorType_UINT8;
    case DType::I32:
      return tfl::TensorType_INT32;
    default:
      throw_input("{}: type {} has no Edge TPU TFLite form (int8 / uint8 models only)", what,
                  core::dtype_name(t));
  }
}

template <typename T>
std::vector<std::uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<std::uint8_t> b(v.size() * sizeof(T));
  if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

class Exporter {
 public:
  Exporter(const Graph& qdq) : params_(quantisation_of_values(qdq)), g_(qdq) {
    if (params_.empty())
      throw_input(
          "model '{}' is not quantised (no QuantizeLinear/DequantizeLinear): the Edge TPU runs int8 "
          "models only; run `edgeq quantize --scheme int8` first",
          qdq.name);
    if (g_.inputs.size() != 1) throw_input("model '{}': TFLite export needs exactly one input", g_.name);
    auto& in = g_.values[g_.inputs[0]];
    if (!in.shape.empty()) in.shape[0] = 1;  // TFLite shapes are static: batch 1
    g_.infer_shapes();
    quant::lower_qdq(g_);
  }

  std::vector<std::uint8_t> run(TfliteExportReport* report) {
    const std::string& input = g_.inputs[0];
    const auto& info = g_.info(input);
    if (info.dtype != DType::F32) throw_input("model input '{}' must be float32", input);
    const int in_tensor = activation(input);
    for (const auto& n : g_.nodes) convert(n);
    std::vector<int> outs;
    for (const auto& o : g_.outputs) outs.push_back(tensor_of(o, "graph output"));
    nlohmann::ordered_json meta{{"producer", "edgeq"}, {"model", g_.name}, {"input_layout", "NHWC"}};
    for (const auto& [k, v] : g_.metadata)
      if (k.rfind("edgeq.", 0) == 0) meta[k] = v;
    const std::string description = fmt::format(
        "edgeq export of '{}'; float32 input [{}] (NHWC){}", g_.name, fmt::join(nhwc(input), ", "),
        g_.metadata.count("edgeq.input_normalisation")
            ? "; normalise the input as recorded in metadata"
            : "; raw pixel values (any input normalisation is folded into the first layer)");
    auto bytes = w_.finish({in_tensor}, outs, description, {{"edgeq", meta.dump()}});
    if (report) {
      report->operators = w_.operator_count();
      report->tensors = w_.tensor_count();
      report->bytes = bytes.size();
      report->weight_bytes = w_.weight_bytes();
      for (auto d : nhwc(input)) report->input_shape.push_back(d);
      report->notes = notes_;
    }
    return bytes;
  }

 private:
  // ---- values and tensors ----
  std::vector<std::int32_t> nhwc(const std::string& v) const {
    const auto& s = g_.info(v).shape;
    if (s.size() > 4)
      throw_input("value '{}' has rank {}: TFLite export supports up to 4-D tensors", v, s.size());
    std::vector<std::int32_t> d;
    for (auto x : s) {
      if (x < 0) throw_input("value '{}' has an unknown dimension (shape {})", v, fmt::join(s, "x"));
      d.push_back(static_cast<std::int32_t>(x));
    }
    if (d.size() == 4) return {d[0], d[2], d[3], d[1]};
    return d;
  }
  const ValueQ& qparams(const std::string& v) const {
    auto it = params_.find(v);
    if (it == params_.end()) throw_input("value '{}' has no quantisation parameters", v);
    return it->second;
  }
  /// The tensor of an activation value, created on first use.
  int activation(const std::string& v) {
    auto it = tensor_.find(v);
    if (it != tensor_.end()) return it->second;
    const DType t = g_.info(v).dtype;
    const bool integer = t != DType::F32;
    const ValueQ* p = integer ? &qparams(v) : nullptr;
    if (p && p->q.scales.size() != 1) throw_input("activation '{}' must be quantised per tensor", v);
    const int idx = w_.tensor(v, nhwc(v), tfl_type(t, fmt::format("value '{}'", v)), p ? &p->q : nullptr);
    tensor_[v] = idx;
    return idx;
  }
  int tensor_of(const std::string& v, const char* what) const {
    auto it = tensor_.find(v);
    if (it == tensor_.end()) throw_input("{} '{}' is not produced by any exported operator", what, v);
    return it->second;
  }
  int int32_constant(const std::string& name, const std::vector<std::int32_t>& values) {
    return w_.tensor(w_name(name), {static_cast<std::int32_t>(values.size())}, tfl::TensorType_INT32, nullptr,
                     bytes_of(values));
  }
  std::string w_name(const std::string& base) { return fmt::format("{}#{}", base, w_.tensor_count()); }

  // ---- activations and padding ----
  /// TFLite fused activation whose clamp (CalculateActivationRangeQuantized) is [lo, hi] for output v.
  tfl::ActivationFunctionType fused(const Node& n, const std::string& v, std::int64_t lo,
                                    std::int64_t hi) const {
    const ValueQ& p = qparams(v);
    const std::int32_t qmin = p.type == DType::U8 ? 0 : -128, qmax = p.type == DType::U8 ? 255 : 127;
    const quant::QuantParams qp{p.q.scales[0], static_cast<std::int32_t>(p.q.zero_points[0])};
    // TFLite's CalculateActivationRangeQuantized: the clamp is [quantize(lo), quantize(hi)] in the type's
    // range.
    auto q = [&](float x) -> std::int64_t { return quant::quantize(x, qp, qmin, qmax); };
    const std::int64_t relu_lo = q(0.0f);
    struct Option {
      tfl::ActivationFunctionType f;
      std::int64_t lo, hi;
    };
    for (const Option& o : {Option{tfl::ActivationFunctionType_NONE, qmin, qmax},
                            Option{tfl::ActivationFunctionType_RELU, relu_lo, qmax},
                            Option{tfl::ActivationFunctionType_RELU6, relu_lo, q(6.0f)},
                            Option{tfl::ActivationFunctionType_RELU_N1_TO_1, q(-1.0f), q(1.0f)}})
      if (o.lo == lo && o.hi == hi) return o.f;
    throw_input(
        "node '{}' ({}): output clamp [{}, {}] is none of TFLite's fused activations (NONE, RELU, RELU6, "
        "RELU_N1_TO_1)",
        n.name, n.op_type, lo, hi);
  }

  struct Padding {
    tfl::Padding mode = tfl::Padding_VALID;
    int input = -1;  ///< tensor to read (an explicit PAD's output when one was needed)
  };
  /// SAME or VALID for a window; otherwise an explicit PAD (PADV2 with `pad_value` when it is not the zero
  /// point) in front of a VALID window, if `explicit_ok`.
  Padding padding(const Node& n, const graph::Window2d& win, std::int64_t in_h, std::int64_t in_w,
                  bool explicit_ok, std::optional<std::int32_t> pad_value) {
    const std::string& x = n.inputs[0];
    Padding p{tfl::Padding_VALID, tensor_of(x, "input")};
    if (win.pad_top == 0 && win.pad_left == 0 && win.pad_bottom == 0 && win.pad_right == 0 &&
        win.out_h == (in_h - (win.kh - 1) * win.dh - 1) / win.sh + 1 &&
        win.out_w == (in_w - (win.kw - 1) * win.dw - 1) / win.sw + 1)
      return p;
    const auto sh = graph::same_padding(in_h, (win.kh - 1) * win.dh + 1, win.sh);
    const auto sw = graph::same_padding(in_w, (win.kw - 1) * win.dw + 1, win.sw);
    if (win.pad_top == sh.first && win.pad_bottom == sh.second && win.pad_left == sw.first &&
        win.pad_right == sw.second && win.out_h == (in_h + win.sh - 1) / win.sh &&
        win.out_w == (in_w + win.sw - 1) / win.sw) {
      p.mode = tfl::Padding_SAME;
      return p;
    }
    if (!explicit_ok)
      throw_input(
          "node '{}' ({}): padding [{}, {}, {}, {}] is neither VALID nor SAME and cannot be made explicit "
          "without changing the average",
          n.name, n.op_type, win.pad_top, win.pad_left, win.pad_bottom, win.pad_right);
    // Explicit padding: PAD (zero point) or PADV2 (a constant), then a VALID window over the padded tensor.
    const ValueQ& q = qparams(x);
    const auto s = nhwc(x);
    const std::vector<std::int32_t> pads = {0,
                                            0,
                                            static_cast<std::int32_t>(win.pad_top),
                                            static_cast<std::int32_t>(win.pad_bottom),
                                            static_cast<std::int32_t>(win.pad_left),
                                            static_cast<std::int32_t>(win.pad_right),
                                            0,
                                            0};
    const std::vector<std::int32_t> padded = {s[0], s[1] + pads[2] + pads[3], s[2] + pads[4] + pads[5], s[3]};
    const int out = w_.tensor(w_name(n.name + "/pad"), padded, tfl_type(q.type, x), &q.q);
    std::vector<int> ins = {p.input, w_.tensor(w_name(n.name + "/paddings"), {4, 2}, tfl::TensorType_INT32,
                                               nullptr, bytes_of(pads))};
    if (pad_value && *pad_value != q.q.zero_points[0]) {
      std::vector<std::uint8_t> v(1);
      if (q.type == DType::I8)
        v[0] = static_cast<std::uint8_t>(static_cast<std::int8_t>(*pad_value));
      else
        v[0] = static_cast<std::uint8_t>(*pad_value);
      ins.push_back(w_.tensor(w_name(n.name + "/pad_value"), {}, tfl_type(q.type, x), &q.q, v));
      w_.op(tfl::BuiltinOperator_PADV2, 2, ins, {out});
    } else {
      w_.op(tfl::BuiltinOperator_PAD, 2, ins, {out}, tfl::BuiltinOptions_PadOptions,
            tfl::CreatePadOptions(w_.builder()).Union());
    }
    notes_.push_back(
        fmt::format("{}: explicit PAD before a VALID window (padding neither SAME nor VALID)", n.name));
    p.input = out;
    return p;
  }

  // ---- operators ----
  void convert(const Node& n) {
    const std::string& op = n.op_type;
    if (n.domain == graph::kEdgeqDomain) {
      if (op == "QConv") return conv(n);
      if (op == "QGemm") return fully_connected(n);
      if (op == "QAdd") return add(n);
      if (op == "QAveragePool") return pool(n, true);
      if (op == "QGlobalAveragePool") return mean(n);
    } else if (n.domain.empty()) {
      if (op == "QuantizeLinear")
        return unary(n, tfl::BuiltinOperator_QUANTIZE, 1, tfl::BuiltinOptions_QuantizeOptions,
                     tfl::CreateQuantizeOptions(w_.builder()).Union());
      // A weight's DQ left behind (its reader was not lowered): the float reader is the error to report.
      if (op == "DequantizeLinear" && g_.is_initializer(n.inputs[0])) return;
      if (op == "DequantizeLinear")
        return unary(n, tfl::BuiltinOperator_DEQUANTIZE, 2, tfl::BuiltinOptions_DequantizeOptions,
                     tfl::CreateDequantizeOptions(w_.builder()).Union());
      if (op == "Identity" || op == "Dropout") {
        tensor_[n.outputs[0]] = tensor_of(n.inputs[0], "input");
        flatten_[n.outputs[0]] =
            flatten_.count(n.inputs[0]) ? flatten_.at(n.inputs[0]) : std::array<std::int64_t, 3>{};
        return;
      }
      const bool integer = g_.info(n.inputs[0]).dtype != DType::F32;
      if (integer && op == "MaxPool") return pool(n, false);
      if (integer && op == "Concat") return concat(n);
      if (integer && op == "Pad") return pad(n);
      if (op == "Flatten" || op == "Reshape" || op == "Squeeze" || op == "Unsqueeze") return reshape(n);
      if (!integer && op == "Softmax") return softmax(n);
      if (!integer && graph::find_schema(n.domain, op) && op != "Transpose")
        throw_input(
            "node '{}' ({}) computes in float32 after quantisation: the Edge TPU needs a fully int8 "
            "model: every compute op with int8 inputs, weights and outputs (quantise with no exclusions; a "
            "QAT model must quantise its input too)",
            n.name, op);
    }
    throw_input("node '{}' ({}{}) has no TFLite equivalent in edgeq's exporter", n.name,
                n.domain.empty() ? "" : n.domain + ".", op);
  }

  void unary(const Node& n, tfl::BuiltinOperator code, int version, tfl::BuiltinOptions t,
             flatbuffers::Offset<void> o) {
    const int x = tensor_of(n.inputs[0], "input");
    w_.op(code, version, {x}, {activation(n.outputs[0])}, t, o);
  }

  void conv(const Node& n) {
    const auto r = quant::Requantisation::read(n);
    const auto& xs = g_.info(n.inputs[0]).shape;
    const core::Tensor& w = g_.initializers.at(n.inputs[1]);
    const ValueQ& wq = qparams(n.inputs[1]);
    const std::int64_t cout = w.shape()[0], cin_g = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
    const std::int64_t groups = n.attr_int("group", 1), cin = xs[1];
    const bool depthwise = groups > 1 && groups == cin && cin_g == 1;
    if (groups != 1 && !depthwise)
      throw_input(
          "node '{}' (Conv): {} groups of {} channels has no TFLite equivalent (CONV_2D: 1 group; "
          "DEPTHWISE_CONV_2D: one group per input channel)",
          n.name, groups, cin_g);
    check_weights(n, wq, w.dtype());
    const auto win = graph::resolve_window(n, xs[2], xs[3], kh, kw);
    const Padding pad = padding(n, win, xs[2], xs[3], true, std::nullopt);
    // Weights: OIHW -> OHWI (conv) or 1HWO (depthwise).
    const std::size_t es = core::dtype_size(w.dtype());
    std::vector<std::uint8_t> wb(static_cast<std::size_t>(w.numel()) * es);
    const auto* src = static_cast<const std::uint8_t*>(w.raw());
    for (std::int64_t o = 0; o < cout; ++o)
      for (std::int64_t i = 0; i < cin_g; ++i)
        for (std::int64_t y = 0; y < kh; ++y)
          for (std::int64_t x = 0; x < kw; ++x) {
            const std::int64_t from = ((o * cin_g + i) * kh + y) * kw + x;
            const std::int64_t to = depthwise ? (y * kw + x) * cout + o : ((o * kh + y) * kw + x) * cin_g + i;
            std::memcpy(&wb[static_cast<std::size_t>(to) * es], src + static_cast<std::size_t>(from) * es,
                        es);
          }
    Quantisation q = wq.q;
    q.axis = depthwise ? 3 : 0;
    std::vector<std::int32_t> wshape =
        depthwise
            ? std::vector<std::int32_t>{1, static_cast<std::int32_t>(kh), static_cast<std::int32_t>(kw),
                                        static_cast<std::int32_t>(cout)}
            : std::vector<std::int32_t>{static_cast<std::int32_t>(cout), static_cast<std::int32_t>(kh),
                                        static_cast<std::int32_t>(kw), static_cast<std::int32_t>(cin_g)};
    const int wt =
        w_.tensor(w_name(n.inputs[1]), wshape, tfl_type(w.dtype(), n.inputs[1]), &q, std::move(wb));
    const int bt = bias(n, cout, wq);
    const int y = activation(n.outputs[0]);
    const auto act = fused(n, n.outputs[0], r.y_min, r.y_max);
    auto& b = w_.builder();
    const auto sh = static_cast<int>(win.sh), sw = static_cast<int>(win.sw);
    const auto dh = static_cast<int>(win.dh), dw = static_cast<int>(win.dw);
    if (depthwise)
      w_.op(tfl::BuiltinOperator_DEPTHWISE_CONV_2D, 3, {pad.input, wt, bt}, {y},
            tfl::BuiltinOptions_DepthwiseConv2DOptions,
            tfl::CreateDepthwiseConv2DOptions(b, pad.mode, sw, sh, static_cast<int>(cout / cin), act, dw, dh)
                .Union());
    else
      w_.op(tfl::BuiltinOperator_CONV_2D, 3, {pad.input, wt, bt}, {y}, tfl::BuiltinOptions_Conv2DOptions,
            tfl::CreateConv2DOptions(b, pad.mode, sw, sh, act, dw, dh).Union());
  }

  void check_weights(const Node& n, const ValueQ& wq, DType t) const {
    if (t == DType::I8)
      for (auto z : wq.q.zero_points)
        if (z != 0) throw_input("node '{}': int8 weights need zero point 0 (TFLite), found {}", n.name, z);
    const ValueQ& xq = qparams(n.inputs[0]);
    if (xq.type != t && !(xq.type == DType::I8 && t == DType::I8))
      throw_input(
          "node '{}': {} activations with {} weights have no TFLite kernel (int8 x int8 or uint8 x uint8)",
          n.name, core::dtype_name(xq.type), core::dtype_name(t));
  }

  /// int32 bias [channels] with scale s_x s_w (zeros if the node has none).
  int bias(const Node& n, std::int64_t channels, const ValueQ& wq) {
    std::vector<std::int32_t> values(static_cast<std::size_t>(channels), 0);
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const core::Tensor& b = g_.initializers.at(n.inputs[2]);
      std::memcpy(values.data(), b.raw(), values.size() * sizeof(std::int32_t));
    }
    const double sx = qparams(n.inputs[0]).q.scales[0];
    Quantisation q;
    for (std::size_t c = 0; c < wq.q.scales.size(); ++c) {
      q.scales.push_back(static_cast<float>(sx * wq.q.scales[c]));
      q.zero_points.push_back(0);
    }
    return w_.tensor(w_name(n.name + "/bias"), {static_cast<std::int32_t>(channels)}, tfl::TensorType_INT32,
                     &q, bytes_of(values));
  }

  void fully_connected(const Node& n) {
    const auto r = quant::Requantisation::read(n);
    const core::Tensor& w = g_.initializers.at(n.inputs[1]);
    const ValueQ& wq = qparams(n.inputs[1]);
    check_weights(n, wq, w.dtype());
    const bool trans_b = n.attr_int("transB", 0) != 0;
    const std::int64_t k = trans_b ? w.shape()[1] : w.shape()[0],
                       cout = trans_b ? w.shape()[0] : w.shape()[1];
    // The input may be a flattened NCHW map whose TFLite form is in HWC order: permute the columns.
    const auto perm = flatten_.count(n.inputs[0]) ? flatten_.at(n.inputs[0]) : std::array<std::int64_t, 3>{};
    const std::size_t es = core::dtype_size(w.dtype());
    const auto* src = static_cast<const std::uint8_t*>(w.raw());
    std::vector<std::uint8_t> wb(static_cast<std::size_t>(w.numel()) * es);
    for (std::int64_t o = 0; o < cout; ++o)
      for (std::int64_t j = 0; j < k; ++j) {
        std::int64_t col = j;  // TFLite column j -> ONNX column
        if (perm[0] > 0) {
          const std::int64_t c = j % perm[0], hw = j / perm[0];
          col = c * perm[1] * perm[2] + hw;
        }
        const std::int64_t from = trans_b ? o * k + col : col * cout + o;
        std::memcpy(&wb[static_cast<std::size_t>(o * k + j) * es], src + static_cast<std::size_t>(from) * es,
                    es);
      }
    if (perm[0] > 0)
      notes_.push_back(fmt::format("{}: weight columns permuted to the NHWC flatten order", n.name));
    Quantisation q = wq.q;
    q.axis = 0;
    const int wt =
        w_.tensor(w_name(n.inputs[1]), {static_cast<std::int32_t>(cout), static_cast<std::int32_t>(k)},
                  tfl_type(w.dtype(), n.inputs[1]), &q, std::move(wb));
    const int bt = bias(n, cout, wq);
    const int y = activation(n.outputs[0]);
    const auto act = fused(n, n.outputs[0], r.y_min, r.y_max);
    w_.op(tfl::BuiltinOperator_FULLY_CONNECTED, 4, {tensor_of(n.inputs[0], "input"), wt, bt}, {y},
          tfl::BuiltinOptions_FullyConnectedOptions,
          tfl::CreateFullyConnectedOptions(w_.builder(), act).Union());
  }

  void add(const Node& n) {
    const auto r = quant::AddRequantisation::read(n);
    const int a = tensor_of(n.inputs[0], "input"), b = tensor_of(n.inputs[1], "input");
    const int y = activation(n.outputs[0]);
    w_.op(tfl::BuiltinOperator_ADD, 2, {a, b}, {y}, tfl::BuiltinOptions_AddOptions,
          tfl::CreateAddOptions(w_.builder(), fused(n, n.outputs[0], r.y_min, r.y_max)).Union());
  }

  void pool(const Node& n, bool average) {
    const auto& xs = g_.info(n.inputs[0]).shape;
    const auto ks = n.attr_ints("kernel_shape");
    if (ks.size() != 2) throw_input("node '{}' ({}): only 2-D pooling is supported", n.name, n.op_type);
    const auto win = graph::resolve_window(n, xs[2], xs[3], ks[0], ks[1]);
    if (win.dh != 1 || win.dw != 1)
      throw_input("node '{}' ({}): dilated pooling has no TFLite form", n.name, n.op_type);
    if (win.out_h != (xs[2] + win.pad_top + win.pad_bottom - win.kh) / win.sh + 1 ||
        win.out_w != (xs[3] + win.pad_left + win.pad_right - win.kw) / win.sw + 1)
      throw_input("node '{}' ({}): ceil_mode windows past the padded input have no TFLite form", n.name,
                  n.op_type);
    const ValueQ& q = qparams(n.inputs[0]);
    const bool include_pad = average && n.attr_int("count_include_pad", 0) != 0;
    const std::int32_t lowest = q.type == DType::U8 ? 0 : -128;
    // Average pooling without count_include_pad must be SAME or VALID (an explicit pad would be averaged).
    const Padding pad = padding(n, win, xs[2], xs[3], !average || include_pad,
                                average ? std::nullopt : std::optional<std::int32_t>(lowest));
    const int y = activation(n.outputs[0]);
    auto opts =
        tfl::CreatePool2DOptions(w_.builder(), pad.mode, static_cast<int>(win.sw), static_cast<int>(win.sh),
                                 static_cast<int>(win.kw), static_cast<int>(win.kh))
            .Union();
    w_.op(average ? tfl::BuiltinOperator_AVERAGE_POOL_2D : tfl::BuiltinOperator_MAX_POOL_2D, 2, {pad.input},
          {y}, tfl::BuiltinOptions_Pool2DOptions, opts);
  }

  void mean(const Node& n) {
    const int x = tensor_of(n.inputs[0], "input");
    const int axes = int32_constant(n.name + "/axes", {1, 2});
    const int y = activation(n.outputs[0]);
    w_.op(tfl::BuiltinOperator_MEAN, 2, {x, axes}, {y}, tfl::BuiltinOptions_ReducerOptions,
          tfl::CreateReducerOptions(w_.builder(), true).Union());
  }

  void concat(const Node& n) {
    const auto rank = static_cast<std::int64_t>(g_.info(n.outputs[0]).shape.size());
    const std::int64_t axis = graph::normalize_axis(n, n.attr_int("axis", 1), rank);
    static constexpr int kNchwToNhwc[4] = {0, 3, 1, 2};
    std::vector<int> ins;
    for (const auto& v : n.inputs) ins.push_back(tensor_of(v, "input"));
    const int y = activation(n.outputs[0]);
    w_.op(
        tfl::BuiltinOperator_CONCATENATION, 2, ins, {y}, tfl::BuiltinOptions_ConcatenationOptions,
        tfl::CreateConcatenationOptions(w_.builder(), rank == 4 ? kNchwToNhwc[axis] : static_cast<int>(axis))
            .Union());
  }

  void pad(const Node& n) {
    if (n.attr_string("mode", "constant") != "constant")
      throw_input("node '{}' (Pad): mode '{}' has no int8 TFLite form (constant only)", n.name,
                  n.attr_string("mode", ""));
    std::vector<std::int64_t> p = n.attr_ints("pads");
    if (p.empty() && n.inputs.size() > 1 && g_.is_initializer(n.inputs[1])) {
      const auto& t = g_.initializers.at(n.inputs[1]);
      for (std::int64_t i = 0; i < t.numel(); ++i) p.push_back(t.data<std::int64_t>()[i]);
    }
    const auto rank = g_.info(n.inputs[0]).shape.size();
    if (p.size() != 2 * rank) throw_input("node '{}' (Pad): pads must be constant, 2 x rank values", n.name);
    for (auto v : p)
      if (v < 0) throw_input("node '{}' (Pad): negative pads (cropping) have no TFLite PAD form", n.name);
    std::vector<std::int32_t> pads;
    const std::vector<std::size_t> order =
        rank == 4 ? std::vector<std::size_t>{0, 2, 3, 1} : std::vector<std::size_t>{0, 1};
    for (auto a : order) {
      pads.push_back(static_cast<std::int32_t>(p[a]));
      pads.push_back(static_cast<std::int32_t>(p[a + rank]));
    }
    const ValueQ& q = qparams(n.inputs[0]);
    const auto value =
        static_cast<std::int64_t>(n.attr_float("value", static_cast<float>(q.q.zero_points[0])));
    std::vector<int> ins = {tensor_of(n.inputs[0], "input"),
                            w_.tensor(w_name(n.name + "/paddings"), {static_cast<std::int32_t>(rank), 2},
                                      tfl::TensorType_INT32, nullptr, bytes_of(pads))};
    const int y = activation(n.outputs[0]);
    if (value != q.q.zero_points[0]) {
      std::vector<std::uint8_t> v{static_cast<std::uint8_t>(value & 0xff)};
      ins.push_back(w_.tensor(w_name(n.name + "/value"), {}, tfl_type(q.type, n.name), &q.q, v));
      w_.op(tfl::BuiltinOperator_PADV2, 2, ins, {y});
    } else {
      w_.op(tfl::BuiltinOperator_PAD, 2, ins, {y}, tfl::BuiltinOptions_PadOptions,
            tfl::CreatePadOptions(w_.builder()).Union());
    }
  }

  void reshape(const Node& n) {
    const auto& in = g_.info(n.inputs[0]).shape;
    const auto& out = g_.info(n.outputs[0]).shape;
    const bool spatial = in.size() == 4 && in[2] * in[3] > 1;
    if (spatial && out.size() == 4)
      throw_input(
          "node '{}' ({}): a 4-D to 4-D reshape of a feature map has no layout-preserving TFLite form",
          n.name, n.op_type);
    if (spatial && out.size() == 2) flatten_[n.outputs[0]] = {in[1], in[2], in[3]};
    const auto shape = nhwc(n.outputs[0]);
    const int s = int32_constant(n.name + "/shape", shape);
    const int y = activation(n.outputs[0]);
    w_.op(tfl::BuiltinOperator_RESHAPE, 1, {tensor_of(n.inputs[0], "input"), s}, {y},
          tfl::BuiltinOptions_ReshapeOptions,
          tfl::CreateReshapeOptions(w_.builder(), w_.builder().CreateVector(shape)).Union());
  }

  void softmax(const Node& n) {
    const auto rank = static_cast<std::int64_t>(g_.info(n.inputs[0]).shape.size());
    if (graph::normalize_axis(n, n.attr_int("axis", -1), rank) != rank - 1 || rank == 4)
      throw_input("node '{}' (Softmax): only a softmax over the last axis of a 2-D tensor is exported",
                  n.name);
    w_.op(tfl::BuiltinOperator_SOFTMAX, 1, {tensor_of(n.inputs[0], "input")}, {activation(n.outputs[0])},
          tfl::BuiltinOptions_SoftmaxOptions, tfl::CreateSoftmaxOptions(w_.builder(), 1.0f).Union());
  }

  std::map<std::string, ValueQ> params_;
  Graph g_;
  tflw::Writer w_;
  std::map<std::string, int> tensor_;
  std::map<std::string, std::array<std::int64_t, 3>> flatten_;  ///< flattened NCHW maps: C, H, W
  std::vector<std::string> notes_;
};
}  // namespace

std::vector<std::uint8_t> tflite_flatbuffer(const graph::Graph& qdq, TfliteExportReport* report) {
  return Exporter(qdq).run(report);
}

TfliteExportReport export_tflite(const graph::Graph& qdq, const std::filesystem::path& path) {
  TfliteExportReport report;
  const auto bytes = tflite_flatbuffer(qdq, &report);
  core::write_file_atomic(path, std::span<const unsigned char>(bytes.data(), bytes.size()));
  return report;
}

}  // namespace edgeq::targets
