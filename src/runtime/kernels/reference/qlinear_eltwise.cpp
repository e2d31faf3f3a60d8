// Integer QAdd, QAveragePool and QGlobalAveragePool.
//   QAdd (TFLite ADD, same-shape inputs): a' = MBQM((a - a_zp) << left_shift, M_a), b' likewise,
//        y = clamp(MBQM(a' + b', M_y) + y_zp, y_min, y_max).
//   QAveragePool (TFLite AVERAGE_POOL_2D; input and output share scale and zero point): the window sum of the
//        stored codes (padding counted as the zero point when count_include_pad) divided by the divisor with
//        ties away from zero.
//   QGlobalAveragePool (TFLite MEAN over H, W, reference kernel): acc = sum (x - x_zp) over H x W;
//        y = clamp(MBQM(acc, mean_multiplier(s_x / s_y, H W)) + y_zp, y_min, y_max); 32-bit MBQM for 8-bit
//        types (acc in int32), the 64-bit one for int16.
#include <algorithm>

#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
template <typename T>
void qadd_typed(KernelContext& c) {
  const auto r = quant::AddRequantisation::read(c.node);
  const T* a = c.inputs[0]->data<T>();
  const T* b = c.inputs[1]->data<T>();
  T* y = c.outputs[0]->data<T>();
  const std::int32_t scale_up = std::int32_t{1} << r.left_shift;
  const std::int64_t n = c.outputs[0]->numel(), chunk = 16384;
  parallel(c, static_cast<std::size_t>((n + chunk - 1) / chunk), [&](std::size_t job) {
    const std::int64_t end = std::min(n, (static_cast<std::int64_t>(job) + 1) * chunk);
    for (std::int64_t i = static_cast<std::int64_t>(job) * chunk; i < end; ++i) {
      const std::int32_t sa =
          quant::multiply_by_quantized_multiplier((a[i] - r.a_zero_point) * scale_up, r.a);
      const std::int32_t sb =
          quant::multiply_by_quantized_multiplier((b[i] - r.b_zero_point) * scale_up, r.b);
      const std::int32_t v = quant::multiply_by_quantized_multiplier(sa + sb, r.y) + r.y_zero_point;
      y[i] = static_cast<T>(std::clamp(v, r.y_min, r.y_max));
    }
  });
}

/// Integer division rounding half away from zero (TFLite's average pool).
std::int64_t divide_round_away(std::int64_t num, std::int64_t den) {
  return num >= 0 ? (num + den / 2) / den : (num - den / 2) / den;
}

template <typename T>
void qaverage_pool_typed(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const auto n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  const graph::Window2d win = graph::resolve_window(c.node, h, w, 1, 1);
  const bool include_pad = c.node.attr_int("count_include_pad", 0) != 0;
  const auto zp = c.node.attr_int("x_zero_point", 0), lo = c.node.attr_int("y_min", -128),
             hi = c.node.attr_int("y_max", 127);
  const T* xp = x.data<T>();
  T* yp = c.outputs[0]->data<T>();
  parallel(c, static_cast<std::size_t>(n * ch), [&](std::size_t plane) {
    const T* in = xp + static_cast<std::int64_t>(plane) * h * w;
    T* out = yp + static_cast<std::int64_t>(plane) * win.out_h * win.out_w;
    for (std::int64_t oy = 0; oy < win.out_h; ++oy)
      for (std::int64_t ox = 0; ox < win.out_w; ++ox) {
        std::int64_t acc = 0, count = 0;
        const std::int64_t window = graph::for_each_window_tap(win, h, w, oy, ox, [&](auto iy, auto ix) {
          acc += in[iy * w + ix];
          ++count;
        });
        if (include_pad) acc += (window - count) * zp;
        const std::int64_t div = include_pad ? window : std::max<std::int64_t>(count, 1);
        out[oy * win.out_w + ox] = static_cast<T>(std::clamp(divide_round_away(acc, div), lo, hi));
      }
  });
}

template <typename T>
void qglobal_average_pool_typed(KernelContext& c) {
  const auto& s = c.inputs[0]->shape();
  const std::int64_t planes = s[0] * s[1], len = s[2] * s[3];
  const auto xzp = static_cast<std::int32_t>(c.node.attr_int("x_zero_point", 0));
  const auto yzp = static_cast<std::int32_t>(c.node.attr_int("y_zero_point", 0));
  const auto lo = static_cast<std::int32_t>(c.node.attr_int("y_min", -128));
  const auto hi = static_cast<std::int32_t>(c.node.attr_int("y_max", 127));
  const quant::QuantizedMultiplier m =
      quant::mean_multiplier(quant::global_pool_real_multiplier(c.node), len);
  const T* x = c.inputs[0]->data<T>();
  T* y = c.outputs[0]->data<T>();
  for (std::int64_t p = 0; p < planes; ++p) {
    std::int64_t acc = 0;
    for (std::int64_t i = 0; i < len; ++i) acc += x[p * len + i] - xzp;
    const std::int32_t v =
        (sizeof(T) == 1 ? quant::multiply_by_quantized_multiplier(static_cast<std::int32_t>(acc), m)
                        : quant::multiply_by_quantized_multiplier_64(acc, m)) +
        yzp;
    y[p] = static_cast<T>(std::clamp(v, lo, hi));
  }
}

template <template <typename> class Fn>
void by_type(KernelContext& c) {
  switch (c.inputs[0]->dtype()) {
    case core::DType::I8:
      return Fn<std::int8_t>::run(c);
    case core::DType::U8:
      return Fn<std::uint8_t>::run(c);
    default:
      return Fn<std::int16_t>::run(c);
  }
}
template <typename T>
struct QAddFn {
  static void run(KernelContext& c) { qadd_typed<T>(c); }
};
template <typename T>
struct QAvgFn {
  static void run(KernelContext& c) { qaverage_pool_typed<T>(c); }
};
template <typename T>
struct QGapFn {
  static void run(KernelContext& c) { qglobal_average_pool_typed<T>(c); }
};
}  // namespace

std::vector<Entry> qlinear_eltwise_kernels() {
  return {{"QAdd", graph::kEdgeqDomain, by_type<QAddFn>},
          {"QAveragePool", graph::kEdgeqDomain, by_type<QAvgFn>},
          {"QGlobalAveragePool", graph::kEdgeqDomain, by_type<QGapFn>}};
}

}  // namespace edgeq::runtime::reference
