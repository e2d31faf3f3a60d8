// MaxPool (padding never wins, or counts as zeros with edgeq_pad_zero), AveragePool (count_include_pad:
// divide by the full window, else by the in-bounds count) and GlobalAveragePool.
#include <limits>

#include "edgeq/graph/geometry.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
template <bool Max, typename T = float>
void pool(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const auto n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], w = x.shape()[3];
  const graph::Window2d win = graph::resolve_window(c.node, h, w, 1, 1);
  const bool include_pad = c.node.attr_int("count_include_pad", 0) != 0;
  const bool pad_zero = Max && c.node.attr_int("edgeq_pad_zero", 0) != 0;  // graph::fuse_pad_into_maxpool
  const T* xp = x.data<T>();
  T* yp = c.outputs[0]->data<T>();
  parallel(c, static_cast<std::size_t>(n * ch), [&](std::size_t plane) {
    const T* in = xp + static_cast<std::int64_t>(plane) * h * w;
    T* out = yp + static_cast<std::int64_t>(plane) * win.out_h * win.out_w;
    for (std::int64_t oy = 0; oy < win.out_h; ++oy)
      for (std::int64_t ox = 0; ox < win.out_w; ++ox) {
        double acc = Max ? -std::numeric_limits<double>::infinity() : 0.0;
        std::int64_t count = 0;
        const std::int64_t window = graph::for_each_window_tap(win, h, w, oy, ox, [&](auto iy, auto ix) {
          const double v = in[iy * w + ix];
          acc = Max ? std::max(acc, v) : acc + v;
          ++count;
        });
        if (!Max) acc /= static_cast<double>(include_pad ? window : std::max<std::int64_t>(count, 1));
        if (pad_zero && count < window) acc = std::max(acc, 0.0);  // a padded tap is a zero
        out[oy * win.out_w + ox] = static_cast<T>(acc);            // exact for integer maxima
      }
  });
}

void global_average_pool(KernelContext& c) {
  const auto& s = c.inputs[0]->shape();
  const std::int64_t planes = s[0] * s[1], len = s[2] * s[3];
  const float* x = c.inputs[0]->data<float>();
  float* y = c.outputs[0]->data<float>();
  for (std::int64_t p = 0; p < planes; ++p) {
    double acc = 0;
    for (std::int64_t i = 0; i < len; ++i) acc += x[p * len + i];
    y[p] = static_cast<float>(acc / static_cast<double>(len));
  }
}
/// MaxPool of any element type (integer MaxPool keeps the quantisation parameters: max commutes with a
/// monotonic affine map).
void max_pool(KernelContext& c) {
  switch (c.inputs[0]->dtype()) {
    case core::DType::I8:
      return pool<true, std::int8_t>(c);
    case core::DType::U8:
      return pool<true, std::uint8_t>(c);
    case core::DType::I16:
      return pool<true, std::int16_t>(c);
    default:
      return pool<true, float>(c);
  }
}
}  // namespace

std::vector<Entry> pool_kernels() {
  return {{"MaxPool", "", max_pool},
          {"AveragePool", "", pool<false>},
          {"GlobalAveragePool", "", global_average_pool}};
}

}  // namespace edgeq::runtime::reference
