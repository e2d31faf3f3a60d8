// oneDNN int8 convolution for QConv (int8/uint8 activations, int8 weights with zero point 0), bit-exact with
// the reference: oneDNN accumulates into int32 (input zero point applied), edgeq adds the bias and
// requantises with TFLite's fixed-point arithmetic (quant::RowRequantiser: AVX2 or the scalar formula)
// while writing the codes in the executor's layout (NHWC inside fast-layout islands, else NCHW). Two limits
// of oneDNN, measured with 2.6.3 on AVX2 without VNNI and handled here: (1) it halves int8 weights to keep
// vpmaddubsw from saturating, exact only for even codes, so this kernel takes only weights with even codes
// (`edgeq quantize --reduce-range`); (2) its accumulators pass through float32, exact below 2^24 in
// magnitude; a node whose accumulators reach that is recomputed by the reference kernel. (Such a rounding, at
// most 8 at |acc| < 2^27, moves acc * M by at most 8 * 127 / 2^24 of a step since the code must fit 8 bits,
// so it shows only at near-ties; the fallback makes the result exact regardless.)
#include <optional>

#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "edgeq/quant/requantise_rows.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

/// oneDNN's int8 convolutions pass int32 accumulators through float32 (measured with 2.6.3: sums beyond 2^24
/// come back rounded to multiples of 4 and 8), so results are exact only while |acc| < 2^24; a larger value
/// comes back >= 2^24 (2^24 is a float), which the requantisation detects.
constexpr std::int32_t kExactLimit = 1 << 24;

/// Bit-exact variant: oneDNN accumulates into int32 (NHWC scratch; bias and requantisation left out), then
/// the reference's TFLite requantisation per element writes the codes in the executor's layout.
template <typename T>
class QConvExactKernel final : public Kernel {
 public:
  QConvExactKernel(const PrepareContext& c, const Tensor& w, const Tensor* b, const quant::Requantisation& r)
      : blocked_dst_(c.output_blocked(0)),
        blocked_src_(c.input_blocked(0)),
        reference_(find_reference_kernel(graph::kEdgeqDomain, "QConv")) {
    const auto& g = c.graph;
    const auto& node = c.node;
    const Shape x = g.info(node.inputs[0]).shape;
    y_ = g.info(node.outputs[0]).shape;
    const auto group = node.attr_int("group", 1);
    const dt xt = std::is_same_v<T, std::uint8_t> ? dt::u8 : dt::s8;
    const dnnl::memory::desc user_src(dims_of(x), xt, activation_tag(c.input_blocked(0), xt));
    const dnnl::memory::desc src_md(dims_of(x), xt, tag::nhwc), acc_md(dims_of(y_), dt::s32, tag::nhwc);
    const dnnl::memory::desc w_any = conv_weight_desc(w.shape(), group, dt::s8, true);
    auto desc = convolution_desc(src_md, w_any, nullptr, acc_md, node, x, y_, w.shape()[2], w.shape()[3]);
    dnnl::primitive_attr attr;
    if (r.x_zero_point != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {r.x_zero_point});
    pd_ = dnnl::convolution_forward::primitive_desc(desc, attr, engine());
    if (is_reference_impl(pd_.impl_info_str()))
      throw dnnl::error(dnnl_unimplemented, "reference int8 convolution");
    prim_ = dnnl::convolution_forward(pd_);
    weights_ = reorder_conv_weights(w, group, pd_.weights_desc());
    acc_ = dnnl::memory(acc_md, engine());
    args_.add_fixed(DNNL_ARG_WEIGHTS, weights_);
    args_.add_fixed(DNNL_ARG_DST, acc_);
    src_.bind(args_, DNNL_ARG_SRC, user_src, pd_.src_desc());
    std::vector<std::int32_t> bias(static_cast<std::size_t>(y_[1]), 0);
    if (b) std::copy(b->data<std::int32_t>(), b->data<std::int32_t>() + y_[1], bias.begin());
    requantiser_.emplace(std::move(bias), r.multipliers, y_[1], r.y_zero_point, r.y_min, r.y_max);
    stream().wait();
  }

  void run(KernelContext& c) override {
    src_.set(args_, c.inputs[0]->raw());
    prim_.execute(stream(), args_.map());
    stream().wait();
    const auto* acc = static_cast<const std::int32_t*>(acc_.get_data_handle());
    T* out = c.outputs[0]->data<T>();
    const std::int64_t ch = y_[1], hw = y_[2] * y_[3], pixels = y_[0] * hw;
    const quant::RowRequantiser& rq = *requantiser_;
    constexpr std::int64_t kRows = 32;  // pixels per task
    bool large = false;
    if (blocked_dst_) {  // NHWC codes: the accumulators' layout
#pragma omp parallel for schedule(static) reduction(|| : large)
      for (std::int64_t p = 0; p < pixels; p += kRows)
        large = rq.run<T>(acc + p * ch, std::min(kRows, pixels - p), out + p * ch, kExactLimit) || large;
    } else {  // NCHW codes: one pixel's codes, then scattered over the planes
#pragma omp parallel reduction(|| : large)
      {
        std::vector<T> row(static_cast<std::size_t>(ch));
#pragma omp for schedule(static)
        for (std::int64_t p = 0; p < pixels; ++p) {
          large = rq.run<T>(acc + p * ch, 1, row.data(), kExactLimit) || large;
          const std::int64_t n = p / hw, s = p % hw;
          for (std::int64_t k = 0; k < ch; ++k) out[(n * ch + k) * hw + s] = row[static_cast<std::size_t>(k)];
        }
      }
    }
    if (large) run_reference(c);  // an accumulator oneDNN may have rounded: the exact kernel redoes the node
  }
  const char* backend() const override {
    return "onednn";
  }

 private:
  bool blocked_dst_;
  Shape y_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::primitive prim_;
  dnnl::memory weights_, acc_;
  ReorderedInput src_;
  BoundArgs args_;
  /// The reference kernel on NCHW codes (the input converted from NHWC and the output back as needed).
  void run_reference(KernelContext& c) {
    KernelContext rc{c.node, c.inputs, c.outputs, c.pool};
    Tensor x_nchw, y_nchw;
    if (blocked_src_) {
      x_nchw = Tensor(c.inputs[0]->dtype(), c.inputs[0]->shape());
      relayout(*c.inputs[0], x_nchw, false);
      rc.inputs[0] = &x_nchw;
    }
    if (blocked_dst_) {
      y_nchw = Tensor(c.outputs[0]->dtype(), c.outputs[0]->shape());
      rc.outputs[0] = &y_nchw;
    }
    reference_(rc);
    if (blocked_dst_) relayout(y_nchw, *c.outputs[0], true);
  }
  /// Copies the [N, C, H, W] codes of `from` into `to` between the NHWC and NCHW orders.
  static void relayout(const Tensor& from, Tensor& to, bool to_nhwc) {
    const auto& s = from.shape();
    const std::int64_t ch = s[1], hw = s[2] * s[3];
    const T* in = from.data<T>();
    T* out = to.data<T>();
    for (std::int64_t n = 0; n < s[0]; ++n)
      for (std::int64_t p = 0; p < hw; ++p)
        for (std::int64_t k = 0; k < ch; ++k) {
          const std::int64_t nhwc = (n * hw + p) * ch + k, nchw = (n * ch + k) * hw + p;
          out[to_nhwc ? nhwc : nchw] = in[to_nhwc ? nchw : nhwc];
        }
  }

  std::optional<quant::RowRequantiser> requantiser_;
  bool blocked_src_ = false;
  KernelFn reference_ = nullptr;
};
}  // namespace

std::unique_ptr<Kernel> make_qconv(const PrepareContext& c) {
  const auto& n = c.node;
  const auto xt = c.graph.info(n.inputs[0]).dtype;
  if (xt != core::DType::I8 && xt != core::DType::U8) return nullptr;
  auto w = c.graph.initializers.find(n.inputs[1]);
  if (w == c.graph.initializers.end() || w->second.dtype() != core::DType::I8) return nullptr;
  for (std::int8_t v : w->second.span<std::int8_t>())
    if (v % 2 != 0) return nullptr;  // odd weight codes: see the file comment
  const Tensor* b = nullptr;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    auto it = c.graph.initializers.find(n.inputs[2]);
    if (it == c.graph.initializers.end()) return nullptr;
    b = &it->second;
  }
  const auto r = quant::Requantisation::read(n);
  if (r.w_zero_point != 0 || r.real_multipliers.size() != r.multipliers.size()) return nullptr;
  if (xt == core::DType::U8) return std::make_unique<QConvExactKernel<std::uint8_t>>(c, w->second, b, r);
  return std::make_unique<QConvExactKernel<std::int8_t>>(c, w->second, b, r);
}

}  // namespace edgeq::runtime::onednn
