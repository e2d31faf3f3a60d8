// Integer QConv and QGemm (TFLite quantised CONV_2D / DEPTHWISE_CONV_2D / FULLY_CONNECTED):
//   acc = bias[oc] + sum (x - x_zero_point) * (w - w_zero_point)      (int32; int64 for int16 activations)
//   y   = clamp(MultiplyByQuantizedMultiplier(acc, M[oc]) + y_zero_point, y_min, y_max)
// Padding contributes x_zero_point (real zero), i.e. nothing to the sum. 16-bit activations use TFLite's
// 64-bit requantisation (quant::multiply_by_quantized_multiplier_64). Attribute names:
// quant/qlinear_attrs.hpp.
#include <algorithm>

#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
using quant::Requantisation;

template <typename Acc>
std::int32_t requantise(Acc acc, const Requantisation& r, std::size_t oc) {
  std::int32_t v;
  if constexpr (sizeof(Acc) == 8)
    v = quant::multiply_by_quantized_multiplier_64(acc, r.channel(oc));
  else
    v = quant::multiply_by_quantized_multiplier(acc, r.channel(oc));
  return std::clamp(v + r.y_zero_point, r.y_min, r.y_max);
}

template <typename X, typename W, typename Acc>
void qconv_typed(KernelContext& c, const Requantisation& r) {
  const Tensor& x = *c.inputs[0];
  const Tensor& w = *c.inputs[1];
  const Tensor* b = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  const auto n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], wd = x.shape()[3];
  const auto m = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const auto mg = m / c.node.attr_int("group", 1);
  const graph::Window2d win = graph::resolve_window(c.node, h, wd, kh, kw);
  const X* xp = x.data<X>();
  const W* wp = w.data<W>();
  const std::int32_t* bp = b ? b->data<std::int32_t>() : nullptr;
  X* yp = c.outputs[0]->data<X>();
  parallel(c, static_cast<std::size_t>(n * m), [&](std::size_t job) {
    const auto bi = static_cast<std::int64_t>(job) / m, oc = static_cast<std::int64_t>(job) % m;
    const auto g = oc / mg;
    X* out = yp + (bi * m + oc) * win.out_h * win.out_w;
    for (std::int64_t oy = 0; oy < win.out_h; ++oy)
      for (std::int64_t ox = 0; ox < win.out_w; ++ox) {
        Acc acc = bp ? bp[oc] : 0;
        for (std::int64_t ic = 0; ic < cg; ++ic) {
          const X* xin = xp + (bi * ch + g * cg + ic) * h * wd;
          const W* wk = wp + (oc * cg + ic) * kh * kw;
          graph::for_each_kernel_tap(win, h, wd, oy, ox, [&](auto iy, auto ix, auto ky, auto kx) {
            acc += static_cast<Acc>(xin[iy * wd + ix] - r.x_zero_point) *
                   static_cast<Acc>(wk[ky * kw + kx] - r.w_zero_point);
          });
        }
        out[oy * win.out_w + ox] = static_cast<X>(requantise(acc, r, static_cast<std::size_t>(oc)));
      }
  });
}

/// Y[i, j] from A [M, K] and B ([K, N], or [N, K] with transB), per-channel along N.
template <typename X, typename W, typename Acc>
void qgemm_typed(KernelContext& c, const Requantisation& r) {
  const Tensor& a = *c.inputs[0];
  const Tensor& bw = *c.inputs[1];
  const Tensor* bias = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  const bool trans_b = c.node.attr_int("transB", 0) != 0;
  const auto rows = a.shape()[0], k = a.shape()[1];
  const auto cols = trans_b ? bw.shape()[0] : bw.shape()[1];
  const X* ap = a.data<X>();
  const W* bp = bw.data<W>();
  const std::int32_t* cp = bias ? bias->data<std::int32_t>() : nullptr;
  X* yp = c.outputs[0]->data<X>();
  for (std::int64_t i = 0; i < rows; ++i)
    for (std::int64_t j = 0; j < cols; ++j) {
      Acc acc = cp ? cp[bias->numel() == 1 ? 0 : j] : 0;
      for (std::int64_t kk = 0; kk < k; ++kk) {
        const W wv = trans_b ? bp[j * k + kk] : bp[kk * cols + j];
        acc += static_cast<Acc>(ap[i * k + kk] - r.x_zero_point) * static_cast<Acc>(wv - r.w_zero_point);
      }
      yp[i * cols + j] = static_cast<X>(requantise(acc, r, static_cast<std::size_t>(j)));
    }
}

template <template <typename, typename, typename> class Fn>
void dispatch(KernelContext& c) {
  const Requantisation r = Requantisation::read(c.node);
  const bool w_u8 = c.inputs[1]->dtype() == core::DType::U8;
  switch (c.inputs[0]->dtype()) {
    case core::DType::I8:
      return w_u8 ? Fn<std::int8_t, std::uint8_t, std::int32_t>::run(c, r)
                  : Fn<std::int8_t, std::int8_t, std::int32_t>::run(c, r);
    case core::DType::U8:
      return w_u8 ? Fn<std::uint8_t, std::uint8_t, std::int32_t>::run(c, r)
                  : Fn<std::uint8_t, std::int8_t, std::int32_t>::run(c, r);
    default:
      return Fn<std::int16_t, std::int8_t, std::int64_t>::run(c, r);
  }
}

template <typename X, typename W, typename Acc>
struct QConvFn {
  static void run(KernelContext& c, const Requantisation& r) { qconv_typed<X, W, Acc>(c, r); }
};
template <typename X, typename W, typename Acc>
struct QGemmFn {
  static void run(KernelContext& c, const Requantisation& r) { qgemm_typed<X, W, Acc>(c, r); }
};
}  // namespace

std::vector<Entry> qlinear_conv_kernels() {
  return {{"QConv", graph::kEdgeqDomain, dispatch<QConvFn>},
          {"QGemm", graph::kEdgeqDomain, dispatch<QGemmFn>}};
}

}  // namespace edgeq::runtime::reference
