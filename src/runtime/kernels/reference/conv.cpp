// Conv reference: direct convolution, groups and dilation, zero padding; parallel over (batch, output
// channel).
#include <cmath>

#include "edgeq/graph/geometry.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
void conv(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const Tensor& w = *c.inputs[1];
  const Tensor* b = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  Tensor& y = *c.outputs[0];
  const auto n = x.shape()[0], ch = x.shape()[1], h = x.shape()[2], wd = x.shape()[3];
  const auto m = w.shape()[0], cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const auto group = c.node.attr_int("group", 1);
  const auto mg = m / group;
  const graph::Window2d win = graph::resolve_window(c.node, h, wd, kh, kw);
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  const float* bp = b ? b->data<float>() : nullptr;
  // Fused residual (graph::fuse_residual_add): added before the activation.
  const Tensor* r = c.inputs.size() > 3 ? c.inputs[3] : nullptr;
  const float* rp = r ? r->data<float>() : nullptr;
  float* yp = y.data<float>();
  // Fused activation (graph::fuse_activations): Relu = clip to [0, inf).
  const std::string act = c.node.attr_string("edgeq_activation", "");
  const double lo =
      act == "Relu" ? 0.0 : (act == "Clip" ? c.node.attr_float("edgeq_clip_min", 0) : -HUGE_VAL);
  const double hi = act == "Clip" ? c.node.attr_float("edgeq_clip_max", 0) : HUGE_VAL;
  parallel(c, static_cast<std::size_t>(n * m), [&](std::size_t job) {
    const auto bi = static_cast<std::int64_t>(job) / m, oc = static_cast<std::int64_t>(job) % m;
    const auto g = oc / mg;
    float* out = yp + (bi * m + oc) * win.out_h * win.out_w;
    const float* res = rp ? rp + (bi * m + oc) * win.out_h * win.out_w : nullptr;
    for (std::int64_t oy = 0; oy < win.out_h; ++oy)
      for (std::int64_t ox = 0; ox < win.out_w; ++ox) {
        double acc = bp ? bp[oc] : 0.0;
        for (std::int64_t ic = 0; ic < cg; ++ic) {
          const float* xin = xp + (bi * ch + g * cg + ic) * h * wd;
          const float* wk = wp + (oc * cg + ic) * kh * kw;
          graph::for_each_kernel_tap(win, h, wd, oy, ox, [&](auto iy, auto ix, auto ky, auto kx) {
            acc += static_cast<double>(xin[iy * wd + ix]) * wk[ky * kw + kx];
          });
        }
        if (res) acc += res[oy * win.out_w + ox];
        out[oy * win.out_w + ox] = static_cast<float>(std::min(std::max(acc, lo), hi));
      }
  });
}
}  // namespace

std::vector<Entry> conv_kernels() {
  return {{"Conv", "", conv}};
}

}  // namespace edgeq::runtime::reference
