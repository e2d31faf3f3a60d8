// oneDNN int8 convolution for QConv (int8/uint8 activations, int8 weights with zero point 0), bit-exact with
// the reference: oneDNN accumulates into int32 (input zero point applied), edgeq adds the bias and
// requantises with TFLite's fixed-point arithmetic (AVX2, eight channels at a time, or the scalar formula)
// while writing the codes in the executor's layout (NHWC inside fast-layout islands, else NCHW). Two limits
// of oneDNN, measured with 2.6.3 on AVX2 without VNNI and handled here: (1) it halves int8 weights to keep
// vpmaddubsw from saturating, exact only for even codes, so this kernel takes only weights with even codes
// (`edgeq quantize --reduce-range`); (2) its accumulators pass through float32, exact below 2^24 in
// magnitude; a node whose accumulators reach that is recomputed by the reference kernel. (Such a rounding, at
// most 8 at |acc| < 2^27, moves acc * M by at most 8 * 127 / 2^24 of a step since the code must fit 8 bits,
// so it shows only at near-ties; the fallback makes the result exact regardless.)
#include <immintrin.h>

#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

/// oneDNN's int8 convolutions pass int32 accumulators through float32 (measured with 2.6.3: sums beyond 2^24
/// come back rounded to multiples of 4 and 8), so results are exact only while |acc| < 2^24; a larger value
/// comes back >= 2^24 (2^24 is a float), which the requantisation detects.
constexpr std::int32_t kExactLimit = 1 << 24;

/// Requantisation of one NHWC pixel's int32 accumulators (TFLite MultiplyByQuantizedMultiplier with right
/// shifts only), eight channels per AVX2 step; bit-exact with quant::multiply_by_quantized_multiplier.
/// Returns the channels done (a multiple of 8); the caller finishes the rest with the scalar formula.
template <typename T>
__attribute__((target("avx2"))) std::int64_t requantise_avx2(
    const std::int32_t* acc, const std::int32_t* bias, const std::int32_t* mult, const std::int32_t* right,
    std::int32_t zp, std::int32_t lo, std::int32_t hi, std::int64_t channels, T* out, bool& large) {
  const __m256i zero = _mm256_setzero_si256(), one = _mm256_set1_epi32(1);
  const __m256i nudge_pos = _mm256_set1_epi64x(std::int64_t{1} << 30);
  const __m256i nudge_neg = _mm256_set1_epi64x(1 - (std::int64_t{1} << 30));
  const __m256i trunc_fix = _mm256_set1_epi64x((std::int64_t{1} << 31) - 1);
  const __m256i vzp = _mm256_set1_epi32(zp), vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
  const __m256i bytes = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 4, 8,
                                         12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
  const __m256i gather = _mm256_setr_epi32(0, 4, 0, 0, 0, 0, 0, 0);
  const __m256i limit = _mm256_set1_epi32(kExactLimit - 1);
  __m256i over = zero;
  std::int64_t k = 0;
  for (; k + 8 <= channels; k += 8) {
    const __m256i raw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(acc + k));
    over = _mm256_or_si256(over, _mm256_cmpgt_epi32(_mm256_abs_epi32(raw), limit));
    const __m256i x = _mm256_add_epi32(raw, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bias + k)));
    const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mult + k));
    // Saturating rounding doubling high multiply on the even lanes, then the odd lanes, as 64-bit products.
    __m256i hi_lanes[2];
    for (int half = 0; half < 2; ++half) {
      const __m256i a = half ? _mm256_srli_epi64(x, 32) : x, b = half ? _mm256_srli_epi64(m, 32) : m;
      __m256i p = _mm256_mul_epi32(a, b);
      p = _mm256_add_epi64(p, _mm256_blendv_epi8(nudge_pos, nudge_neg, _mm256_cmpgt_epi64(zero, p)));
      p = _mm256_add_epi64(p,
                           _mm256_and_si256(_mm256_cmpgt_epi64(zero, p), trunc_fix));  // truncate towards 0
      hi_lanes[half] = _mm256_srli_epi64(p, 31);  // low 32 bits: the quotient
    }
    const __m256i even = hi_lanes[0], odd = hi_lanes[1];
    const __m256i h = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xaa);
    // Rounding divide by 2^right, ties away from zero.
    const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(right + k));
    const __m256i mask = _mm256_sub_epi32(_mm256_sllv_epi32(one, e), one);
    const __m256i rem = _mm256_and_si256(h, mask);
    const __m256i thr = _mm256_sub_epi32(_mm256_srli_epi32(mask, 1), _mm256_cmpgt_epi32(zero, h));
    __m256i v = _mm256_sub_epi32(_mm256_srav_epi32(h, e), _mm256_cmpgt_epi32(rem, thr));
    v = _mm256_min_epi32(_mm256_max_epi32(_mm256_add_epi32(v, vzp), vlo), vhi);
    const __m256i packed = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, bytes), gather);
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out + k), _mm256_castsi256_si128(packed));
  }
  if (!_mm256_testz_si256(over, over)) large = true;
  return k;
}

/// Bit-exact variant: oneDNN accumulates into int32 (NHWC scratch; bias and requantisation left out), then
/// the reference's TFLite requantisation per element writes the codes in the executor's layout.
template <typename T>
class QConvExactKernel final : public Kernel {
 public:
  QConvExactKernel(const PrepareContext& c, const Tensor& w, const Tensor* b, const quant::Requantisation& r)
      : r_(r),
        blocked_dst_(c.output_blocked(0)),
        blocked_src_(c.input_blocked(0)),
        reference_(find_reference_kernel(graph::kEdgeqDomain, "QConv")) {
    const auto& g = c.graph;
    const auto& node = c.node;
    const Shape x = g.info(node.inputs[0]).shape;
    y_ = g.info(node.outputs[0]).shape;
    const auto group = node.attr_int("group", 1);
    const dt xt = std::is_same_v<T, std::uint8_t> ? dt::u8 : dt::s8;
    user_src_ = dnnl::memory::desc(dims_of(x), xt, activation_tag(c.input_blocked(0), xt));
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
    if (pd_.src_desc() != user_src_) {
      src_buf_ = dnnl::memory(pd_.src_desc(), engine());
      src_user_mem_ = dnnl::memory(user_src_, engine(), nullptr);
      src_reorder_ =
          dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user_src_, engine(), pd_.src_desc()));
      args_.add_fixed(DNNL_ARG_SRC, src_buf_);
    } else {
      args_.add(DNNL_ARG_SRC, user_src_);
    }
    bias_.assign(static_cast<std::size_t>(y_[1]), 0);
    if (b) std::copy(b->data<std::int32_t>(), b->data<std::int32_t>() + y_[1], bias_.begin());
    simd_ = __builtin_cpu_supports("avx2");
    for (std::int64_t k = 0; k < y_[1]; ++k) {
      const auto& m = r.channel(static_cast<std::size_t>(k));
      mult_.push_back(m.multiplier);
      right_.push_back(m.shift > 0 ? 0 : -m.shift);
      simd_ = simd_ && m.shift <= 0;  // left shifts (multipliers >= 1) take the scalar path
    }
    stream().wait();
  }

  void run(KernelContext& c) override {
    if (src_buf_) {
      src_user_mem_.set_data_handle(const_cast<void*>(c.inputs[0]->raw()));
      src_reorder_.execute(stream(), src_user_mem_, src_buf_);
    } else {
      args_.set(DNNL_ARG_SRC, c.inputs[0]->raw());
    }
    prim_.execute(stream(), args_.map());
    stream().wait();
    const auto* acc = static_cast<const std::int32_t*>(acc_.get_data_handle());
    T* out = c.outputs[0]->data<T>();
    const std::int64_t ch = y_[1], hw = y_[2] * y_[3], pixels = y_[0] * hw;
    const bool nhwc = blocked_dst_, simd = simd_ && nhwc;
    bool large = false;
#pragma omp parallel for schedule(static) reduction(|| : large)
    for (std::int64_t p = 0; p < pixels; ++p) {
      const std::int32_t* a = acc + p * ch;
      const std::int64_t n = p / hw, s = p % hw;
      const std::int64_t done =
          simd ? requantise_avx2<T>(a, bias_.data(), mult_.data(), right_.data(), r_.y_zero_point, r_.y_min,
                                    r_.y_max, ch, out + p * ch, large)
               : 0;
      for (std::int64_t k = done; k < ch; ++k) {
        large = large || a[k] >= kExactLimit || a[k] <= -kExactLimit;
        const std::int32_t v =
            quant::multiply_by_quantized_multiplier(a[k] + bias_[static_cast<std::size_t>(k)],
                                                    r_.channel(static_cast<std::size_t>(k))) +
            r_.y_zero_point;
        const auto code = static_cast<T>(std::clamp(v, r_.y_min, r_.y_max));
        out[nhwc ? p * ch + k : (n * ch + k) * hw + s] = code;
      }
    }
    if (large) run_reference(c);  // an accumulator oneDNN may have rounded: the exact kernel redoes the node
  }
  const char* backend() const override {
    return "onednn";
  }

 private:
  quant::Requantisation r_;
  bool blocked_dst_;
  Shape y_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::primitive prim_;
  dnnl::memory weights_, acc_, src_buf_, src_user_mem_;
  dnnl::memory::desc user_src_;
  dnnl::reorder src_reorder_;
  BoundArgs args_;
  /// The reference kernel on NCHW codes (the input converted from NHWC and the output back as needed).
  void run_reference(KernelContext& c) {
    KernelContext rc{c.node, c.inputs, c.outputs, c.pool};
    Tensor x_nchw, y_nchw;
    if (blocked_src_) {
      x_nchw = nhwc_to_nchw(*c.inputs[0]);
      rc.inputs[0] = &x_nchw;
    }
    if (blocked_dst_) {
      y_nchw = Tensor(c.outputs[0]->dtype(), c.outputs[0]->shape());
      rc.outputs[0] = &y_nchw;
    }
    reference_(rc);
    if (blocked_dst_) nchw_to_nhwc(y_nchw, *c.outputs[0]);
  }
  static Tensor nhwc_to_nchw(const Tensor& t) {
    const auto& s = t.shape();
    Tensor o(t.dtype(), s);
    const std::int64_t ch = s[1], hw = s[2] * s[3];
    const T* in = t.data<T>();
    T* out = o.data<T>();
    for (std::int64_t n = 0; n < s[0]; ++n)
      for (std::int64_t p = 0; p < hw; ++p)
        for (std::int64_t k = 0; k < ch; ++k) out[(n * ch + k) * hw + p] = in[(n * hw + p) * ch + k];
    return o;
  }
  static void nchw_to_nhwc(const Tensor& t, Tensor& o) {
    const auto& s = t.shape();
    const std::int64_t ch = s[1], hw = s[2] * s[3];
    const T* in = t.data<T>();
    T* out = o.data<T>();
    for (std::int64_t n = 0; n < s[0]; ++n)
      for (std::int64_t p = 0; p < hw; ++p)
        for (std::int64_t k = 0; k < ch; ++k) out[(n * hw + p) * ch + k] = in[(n * ch + k) * hw + p];
  }

  std::vector<std::int32_t> bias_, mult_, right_;
  bool simd_ = false, blocked_src_ = false;
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
