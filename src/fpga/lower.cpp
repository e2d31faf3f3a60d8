#include "edgeq/fpga/lower.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/fixed_cast.hpp"
#include "edgeq/fpga/softmax.hpp"
#include "edgeq/graph/geometry.hpp"
#include "edgeq/runtime/constant_folding.hpp"

namespace edgeq::fpga {

namespace {

const std::set<std::string> kShapeOnly = {"Flatten", "Reshape", "Identity",
                                          "Dropout", "Squeeze", "Unsqueeze"};
const std::set<std::string> kSkipped = {"Quant", "BipolarQuant", "ApFixed", "QuantizeLinear",
                                        "DequantizeLinear"};

core::ApFixed require_type(const Precision& p, const std::string& layer, const char* var) {
  if (!p.type)
    throw_input("layer '{}': {} precision 'auto' is not supported (only accum and result)", layer, var);
  return *p.type;
}

void check_width(const core::ApFixed& t, int limit, const std::string& layer, const char* var) {
  if (t.width > limit)
    throw_input("layer '{}': {} type {} is {} bits wide; the FPGA flow handles at most {}", layer, var,
                t.str(), t.width, limit);
}

void check_accum(const LinearOp& op, const std::string& layer) {
  if (op.accum_auto && op.accum_t.width > kMaxAccumWidth)
    throw_input("layer '{}': accum auto needs {} bits (more than {}); give an accum type", layer,
                op.accum_t.width, kMaxAccumWidth);
  check_width(op.accum_t, kMaxAccumWidth, layer, "accum");
  if (op.accum_t.overflow != core::ApOverflow::Wrap)
    throw_input(
        "layer '{}': accum type {} saturates; the generated adder trees need AP_WRAP (a saturating sum "
        "depends on the order of additions)",
        layer, op.accum_t.str());
}

}  // namespace

core::ApFixed exact_accum_type(const LinearOp& op, const core::ApFixed& x) {
  const int frac = std::max(frac_bits(x) + frac_bits(op.weight_t), frac_bits(op.bias_t));
  const std::int64_t xmax = std::max(std::abs(x.min_code()), std::abs(x.max_code()));
  std::int64_t bound = 0;
  for (std::size_t j = 0; j < op.terms.size(); ++j) {
    std::int64_t b = std::abs(op.bias[j]) << (frac - frac_bits(op.bias_t));
    for (const auto& t : op.terms[j])
      b += (std::abs(t.weight) * xmax) << (frac - frac_bits(x) - frac_bits(op.weight_t));
    bound = std::max(bound, b);
  }
  return exact_type(-bound, bound, frac);
}

void retype_input(FixedLayer& l, const core::ApFixed& in_t) {
  l.in_t = in_t;
  if (auto* lin = std::get_if<LinearOp>(&l.op)) {
    if (lin->accum_auto) {
      lin->accum_t = exact_accum_type(*lin, in_t);
      check_accum(*lin, l.name);
    }
    if (l.result_auto) l.out_t = lin->accum_t;
  } else if (auto* sm = std::get_if<SoftmaxOp>(&l.op)) {
    LayerSettings s;
    s.exp_table = sm->exp_t;
    s.inv_table = sm->inv_t;
    s.table_size = 1 << sm->index_bits;
    s.softmax = sm->impl;
    *sm = make_softmax(in_t, s, l.name);
  } else if (std::holds_alternative<PermuteOp>(l.op) || l.result_auto) {
    l.out_t = in_t;
  }
}

namespace {

std::vector<float> values_of(const core::Tensor& t) {
  const float* p = t.data<float>();
  return std::vector<float>(p, p + t.numel());
}

class Lowering {
 public:
  Lowering(graph::Graph g, const HlsConfig& cfg, LowerNotes* notes)
      : g_(std::move(g)), cfg_(cfg), notes_(notes) {}

  FixedNetwork run() {
    runtime::fold_constants(g_);
    g_.infer_shapes();
    if (g_.inputs.size() != 1)
      throw_input("the FPGA flow needs a model with one input ({} given)", g_.inputs.size());
    if (g_.outputs.size() != 1)
      throw_input("the FPGA flow needs a model with one output ({} given)", g_.outputs.size());
    net_.name = g_.name;
    net_.input_name = g_.inputs[0];
    net_.clock_ns = cfg_.clock_ns;
    shape_ = g_.info(net_.input_name).shape;
    shape_.erase(shape_.begin());
    for (auto d : shape_)
      if (d <= 0)
        throw_input("input '{}' has an unknown dimension; the FPGA flow needs static shapes",
                    net_.input_name);
    net_.n_in = static_cast<int>(core::numel(shape_));
    net_.input_t =
        require_type(cfg_.for_layer(net_.input_name, "InputLayer").result, net_.input_name, "result");
    check_width(net_.input_t, kMaxDataWidth, net_.input_name, "result");
    current_ = net_.input_name;
    cur_t_ = net_.input_t;
    std::set<std::string> known{net_.input_name};
    for (const auto& n : g_.nodes) {
      known.insert(n.name);
      lower_node(n);
    }
    if (current_ != g_.outputs[0])
      throw_input("the model's output '{}' is not at the end of a single chain of layers", g_.outputs[0]);
    for (const auto& name : cfg_.layer_names())
      if (!known.count(name))
        throw_input("{}: LayerName '{}' is not a layer of the model (layers: {})", cfg_.source, name,
                    fmt::join(known, ", "));
    return std::move(net_);
  }

 private:
  void note(std::string s) {
    if (notes_) notes_->warnings.push_back(std::move(s));
  }

  const core::Tensor& constant(const graph::Node& n, std::size_t i) const {
    if (i >= n.inputs.size() || !g_.is_initializer(n.inputs[i]))
      throw_input("{}: input {} must be a constant for the FPGA flow", n.describe(), i);
    return g_.initializers.at(n.inputs[i]);
  }

  void lower_node(const graph::Node& n) {
    if (n.inputs.empty() || n.inputs[0] != current_) {
      const bool reads = std::find(n.inputs.begin(), n.inputs.end(), current_) != n.inputs.end();
      throw_input(
          "{}: {} (the FPGA flow handles a single chain of layers)", n.describe(),
          reads ? "reads the running value in a position other than the first" : "branches off the chain");
    }
    if (g_.use_count(current_) > 1)
      throw_input(
          "value '{}' is read more than once (branches and skip connections are not supported in hardware)",
          current_);
    const std::string& op = n.op_type;
    if (kShapeOnly.count(op)) return advance(n);
    if (kSkipped.count(op)) {
      spdlog::debug("{}: activation quantiser skipped; the hls4ml configuration sets the type", n.describe());
      return advance(n);
    }
    if (op == "Gemm" || op == "MatMul") return dense(n);
    if (op == "Add" && pending_matmul_ >= 0) return add_bias(n);
    if (op == "Conv") return conv(n);
    if (op == "BatchNormalization") return batchnorm(n);
    if (op == "Relu") return relu(n);
    if (op == "Softmax") return softmax(n);
    if (op == "Transpose") return transpose(n);
    throw_input(
        "{} is not supported in hardware by the FPGA flow (supported: Dense/Gemm/MatMul, small Conv, "
        "BatchNormalization, Relu, Softmax, Transpose, Flatten/Reshape)",
        n.describe());
  }

  void advance(const graph::Node& n) {
    current_ = n.outputs[0];
    auto s = g_.info(current_).shape;
    s.erase(s.begin());
    shape_ = s;
    pending_matmul_ = -1;
  }

  FixedLayer& push(const graph::Node& n, const std::string& kind, int n_out, const core::ApFixed& out_t,
                   bool result_auto, int reuse) {
    FixedLayer l;
    l.name = n.name;
    l.kind = kind;
    l.n_in = static_cast<int>(core::numel(shape_));
    l.n_out = n_out;
    l.in_t = cur_t_;
    l.out_t = out_t;
    l.result_auto = result_auto;
    l.reuse_factor = reuse;
    net_.layers.push_back(std::move(l));
    advance(n);
    cur_t_ = out_t;
    return net_.layers.back();
  }

  /// Fills a linear op from each output's taps (input index, float weight) and biases (empty: none).
  LinearOp linear(const std::string& layer, const LayerSettings& s, const Precision& weight_p,
                  const std::vector<std::vector<std::pair<int, float>>>& taps,
                  const std::vector<float>& bias) {
    LinearOp op;
    op.weight_t = require_type(weight_p, layer, "weight");
    op.bias_t = require_type(s.bias, layer, "bias");
    check_width(op.weight_t, kMaxDataWidth, layer, "weight");
    check_width(op.bias_t, kMaxDataWidth, layer, "bias");
    // The weight type with 16 more integer bits: the same quantisation without its overflow, to count
    // clipping.
    core::ApFixed unbounded = op.weight_t;
    unbounded.width += 16;
    unbounded.integer += 16;
    op.terms.resize(taps.size());
    std::int64_t clipped = 0;
    for (std::size_t j = 0; j < taps.size(); ++j)
      for (const auto& [i, v] : taps[j]) {
        const auto wide = unbounded.code(v);
        if (wide < op.weight_t.min_code() || wide > op.weight_t.max_code()) ++clipped;
        const auto c = op.weight_t.code(v);
        if (c == 0)
          ++op.dropped_zero_weights;
        else
          op.terms[j].push_back({i, c});
      }
    op.bias.assign(taps.size(), 0);
    for (std::size_t j = 0; j < bias.size() && j < taps.size(); ++j) op.bias[j] = op.bias_t.code(bias[j]);
    if (clipped > 0)
      note(fmt::format("layer '{}': {} weights lie outside the range of {} and were {}", layer, clipped,
                       op.weight_t.str(),
                       op.weight_t.overflow == core::ApOverflow::Wrap ? "wrapped" : "saturated"));
    set_accum(op, layer, s.accum);
    return op;
  }

  void set_accum(LinearOp& op, const std::string& layer, const Precision& accum) {
    if (accum.is_auto) {
      op.accum_t = exact_accum_type(op, cur_t_);
      op.accum_auto = true;
    } else {
      op.accum_t = *accum.type;
    }
    check_accum(op, layer);
  }

  core::ApFixed result_type(const LayerSettings& s, const std::string& layer,
                            const core::ApFixed& provisional) {
    if (s.result.is_auto) return provisional;
    check_width(*s.result.type, kMaxDataWidth, layer, "result");
    return *s.result.type;
  }

  void dense(const graph::Node& n) {
    if (shape_.size() != 1)
      throw_input("{}: input of rank {} (flatten it first)", n.describe(), shape_.size() + 1);
    const auto& W = constant(n, 1);
    const bool gemm = n.op_type == "Gemm";
    if (gemm && (n.attr_int("transA", 0) != 0 || n.attr_float("alpha", 1.0f) != 1.0f ||
                 n.attr_float("beta", 1.0f) != 1.0f))
      throw_input("{}: transA / alpha / beta other than 0 / 1 / 1", n.describe());
    const bool trans_b = gemm && n.attr_int("transB", 0) != 0;
    const int n_in = static_cast<int>(shape_[0]);
    if (W.shape().size() != 2) throw_input("{}: weight of rank {}", n.describe(), W.shape().size());
    const int n_out = static_cast<int>(trans_b ? W.shape()[0] : W.shape()[1]);
    const auto w = values_of(W);
    std::vector<float> bias;
    if (gemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
      bias = values_of(constant(n, 2));
      if (static_cast<int>(bias.size()) != n_out)
        throw_input("{}: bias of {} values for {} outputs", n.describe(), bias.size(), n_out);
    }
    std::vector<std::vector<std::pair<int, float>>> taps(static_cast<std::size_t>(n_out));
    for (int j = 0; j < n_out; ++j)
      for (int i = 0; i < n_in; ++i)
        taps[static_cast<std::size_t>(j)].emplace_back(i, trans_b
                                                              ? w[static_cast<std::size_t>(j * n_in + i)]
                                                              : w[static_cast<std::size_t>(i * n_out + j)]);
    const auto s = cfg_.for_layer(n.name, "Dense");
    auto op = linear(n.name, s, s.weight, taps, bias);
    const auto out_t = result_type(s, n.name, op.accum_t);
    auto& l = push(n, "Dense", n_out, out_t, s.result.is_auto, s.reuse_factor);
    l.op = std::move(op);
    if (!gemm) pending_matmul_ = static_cast<int>(net_.layers.size()) - 1;
  }

  void add_bias(const graph::Node& n) {
    const auto& b = constant(n, 1);
    auto& l = net_.layers[static_cast<std::size_t>(pending_matmul_)];
    auto& op = std::get<LinearOp>(l.op);
    if (b.numel() != l.n_out)
      throw_input("{}: bias of {} values for {} outputs", n.describe(), b.numel(), l.n_out);
    const auto v = values_of(b);
    for (int j = 0; j < l.n_out; ++j)
      op.bias[static_cast<std::size_t>(j)] = op.bias_t.code(v[static_cast<std::size_t>(j)]);
    const auto s = cfg_.for_layer(l.name, "Dense");
    set_accum(op, l.name, s.accum);
    advance(n);
  }

  void conv(const graph::Node& n) {
    if (shape_.size() != 3)
      throw_input("{}: input of rank {} (the FPGA flow handles 2-D convolutions)", n.describe(),
                  shape_.size() + 1);
    const auto& W = constant(n, 1);
    const std::int64_t C = shape_[0], H = shape_[1], Wd = shape_[2];
    const std::int64_t CO = W.shape()[0], cig = W.shape()[1], KH = W.shape()[2], KW = W.shape()[3];
    const std::int64_t cog = CO / (C / cig);
    const graph::Window2d win = graph::resolve_window(n, H, Wd, KH, KW);
    const std::int64_t products = CO * win.out_h * win.out_w * cig * KH * KW;
    if (products > kMaxConvTerms)
      throw_input(
          "{}: {} products when unrolled; the FPGA flow generates small convolutions only (at most {})",
          n.describe(), products, kMaxConvTerms);
    const auto w = values_of(W);
    std::vector<float> bias;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) bias = values_of(constant(n, 2));
    const std::int64_t plane = win.out_h * win.out_w;
    std::vector<std::vector<std::pair<int, float>>> taps(static_cast<std::size_t>(CO * plane));
    std::vector<float> full_bias;
    for (std::int64_t co = 0; co < CO; ++co) {
      if (!bias.empty())
        full_bias.insert(full_bias.end(), static_cast<std::size_t>(plane),
                         bias[static_cast<std::size_t>(co)]);
      for (std::int64_t oy = 0; oy < win.out_h; ++oy)
        for (std::int64_t ox = 0; ox < win.out_w; ++ox) {
          auto& t = taps[static_cast<std::size_t>(co * plane + oy * win.out_w + ox)];
          for (std::int64_t ci = 0; ci < cig; ++ci)
            graph::for_each_kernel_tap(win, H, Wd, oy, ox, [&](auto iy, auto ix, auto ky, auto kx) {
              const std::int64_t c_abs = (co / cog) * cig + ci;
              t.emplace_back(static_cast<int>((c_abs * H + iy) * Wd + ix),
                             w[static_cast<std::size_t>(((co * cig + ci) * KH + ky) * KW + kx)]);
            });
        }
    }
    const auto s = cfg_.for_layer(n.name, "Conv2D");
    auto op = linear(n.name, s, s.weight, taps, full_bias);
    const auto out_t = result_type(s, n.name, op.accum_t);
    auto& l = push(n, "Conv", static_cast<int>(taps.size()), out_t, s.result.is_auto, s.reuse_factor);
    l.op = std::move(op);
  }

  void batchnorm(const graph::Node& n) {
    const auto gamma = values_of(constant(n, 1)), beta = values_of(constant(n, 2));
    const auto mean = values_of(constant(n, 3)), var = values_of(constant(n, 4));
    const float eps = n.attr_float("epsilon", 1e-5f);
    const std::int64_t C = shape_[0];
    const std::int64_t inner = core::numel(shape_) / C;
    const int count = static_cast<int>(core::numel(shape_));
    std::vector<float> scale(static_cast<std::size_t>(count)), shift(static_cast<std::size_t>(count));
    for (int k = 0; k < count; ++k) {
      const auto c = static_cast<std::size_t>(k / inner);
      const float g = gamma[c] / std::sqrt(var[c] + eps);
      scale[static_cast<std::size_t>(k)] = g;
      shift[static_cast<std::size_t>(k)] = beta[c] - mean[c] * g;
    }
    auto s = cfg_.for_layer(n.name, "BatchNormalization");
    s.accum = Precision{std::nullopt, true};  // hls4ml's normalisation sums product and bias exactly
    std::vector<std::vector<std::pair<int, float>>> diag(static_cast<std::size_t>(count));
    for (int k = 0; k < count; ++k)
      diag[static_cast<std::size_t>(k)] = {{k, scale[static_cast<std::size_t>(k)]}};
    auto op = linear(n.name, s, s.scale, diag, shift);
    const auto out_t = result_type(s, n.name, op.accum_t);
    auto& l = push(n, "BatchNorm", count, out_t, s.result.is_auto, 1);
    l.op = std::move(op);
  }

  void relu(const graph::Node& n) {
    const auto s = cfg_.for_layer(n.name, "Relu");
    const auto out_t = result_type(s, n.name, cur_t_);
    auto& l = push(n, "Relu", static_cast<int>(core::numel(shape_)), out_t, s.result.is_auto, 1);
    l.op = ReluOp{};
  }

  void softmax(const graph::Node& n) {
    if (shape_.size() != 1) throw_input("{}: softmax over a rank-{} tensor", n.describe(), shape_.size() + 1);
    const auto axis = n.attr_int("axis", -1);
    if (axis != -1 && axis != 1) throw_input("{}: softmax over axis {} (only the last)", n.describe(), axis);
    const auto s = cfg_.for_layer(n.name, "Softmax");
    if (s.result.is_auto) throw_input("layer '{}': result auto is not supported for Softmax", n.name);
    auto op = make_softmax(cur_t_, s, n.name);
    check_width(op.exp_t, kMaxDataWidth, n.name, "exp_table_t");
    check_width(op.inv_t, kMaxDataWidth, n.name, "inv_table_t");
    const auto out_t = result_type(s, n.name, cur_t_);
    auto& l = push(n, "Softmax", static_cast<int>(core::numel(shape_)), out_t, false, 1);
    l.op = std::move(op);
  }

  void transpose(const graph::Node& n) {
    const auto perm = n.attr_ints("perm");
    const core::Shape in = shape_;
    if (perm.size() != in.size() + 1 || perm[0] != 0)
      throw_input("{}: only transposes that keep the batch axis first", n.describe());
    core::Shape out(in.size());
    for (std::size_t k = 0; k < in.size(); ++k) out[k] = in[static_cast<std::size_t>(perm[k + 1] - 1)];
    std::vector<std::int64_t> in_stride(in.size(), 1);
    for (std::size_t k = in.size(); k-- > 1;) in_stride[k - 1] = in_stride[k] * in[k];
    PermuteOp op;
    const std::int64_t total = core::numel(in);
    op.source.resize(static_cast<std::size_t>(total));
    std::vector<std::int64_t> idx(out.size(), 0);
    for (std::int64_t flat = 0; flat < total; ++flat) {
      std::int64_t src = 0;
      for (std::size_t k = 0; k < out.size(); ++k)
        src += idx[k] * in_stride[static_cast<std::size_t>(perm[k + 1] - 1)];
      op.source[static_cast<std::size_t>(flat)] = static_cast<int>(src);
      for (std::size_t k = out.size(); k-- > 0;) {
        if (++idx[k] < out[k]) break;
        idx[k] = 0;
      }
    }
    auto& l = push(n, "Permute", static_cast<int>(total), cur_t_, false, 1);
    l.op = std::move(op);
  }

  graph::Graph g_;
  const HlsConfig& cfg_;
  LowerNotes* notes_;
  FixedNetwork net_;
  std::string current_;
  core::Shape shape_;
  core::ApFixed cur_t_;
  int pending_matmul_ = -1;
};

}  // namespace

FixedNetwork lower_network(const graph::Graph& graph, const HlsConfig& config, LowerNotes* notes) {
  return Lowering(graph, config, notes).run();
}

}  // namespace edgeq::fpga
