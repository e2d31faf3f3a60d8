// Integer kernels on NHWC codes (the fast layout of int8/uint8 values), so that Pad and average pooling do
// not break the executor's NHWC islands (DenseNet's and Inception's concatenation chains start at them):
//   QAveragePool: the reference arithmetic (window sum of codes, padding counted as the zero point with
//   count_include_pad, divided with ties away from zero), vectorised over channels; bit-exact
//   (tests/runtime/test_op_qconv.cpp compares it with the reference);
//   constant Pad of H and W: rows copied into a plane filled with the pad code.
#include <algorithm>
#include <cstring>

#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
template <typename T>
class NhwcAveragePool final : public Kernel {
 public:
  NhwcAveragePool(const graph::Window2d& w, bool include_pad, std::int32_t zp, std::int32_t lo,
                  std::int32_t hi)
      : w_(w), include_pad_(include_pad), zp_(zp), lo_(lo), hi_(hi) {}

  void run(KernelContext& c) override {
    const auto& xs = c.inputs[0]->shape();
    const std::int64_t n = xs[0], ch = xs[1], h = xs[2], wd = xs[3];
    const T* x = c.inputs[0]->data<T>();
    T* y = c.outputs[0]->data<T>();
    const std::int64_t rows = n * w_.out_h;
#pragma omp parallel
    {
      std::vector<std::int32_t> acc(static_cast<std::size_t>(ch));  // per thread
#pragma omp for schedule(static)
      for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t b = r / w_.out_h, oy = r % w_.out_h;
        for (std::int64_t ox = 0; ox < w_.out_w; ++ox) {
          std::fill(acc.begin(), acc.end(), 0);
          std::int64_t count = 0;
          const std::int64_t window = graph::for_each_window_tap(w_, h, wd, oy, ox, [&](auto iy, auto ix) {
            const T* px = x + ((b * h + iy) * wd + ix) * ch;
            for (std::int64_t k = 0; k < ch; ++k) acc[static_cast<std::size_t>(k)] += px[k];
            ++count;
          });
          const std::int64_t div = include_pad_ ? window : std::max<std::int64_t>(count, 1);
          const std::int64_t extra = include_pad_ ? (window - count) * zp_ : 0;
          T* out = y + ((b * w_.out_h + oy) * w_.out_w + ox) * ch;
          for (std::int64_t k = 0; k < ch; ++k) {
            const std::int64_t s = acc[static_cast<std::size_t>(k)] + extra;
            const std::int64_t v = s >= 0 ? (s + div / 2) / div : (s - div / 2) / div;
            out[k] = static_cast<T>(std::clamp<std::int64_t>(v, lo_, hi_));
          }
        }
      }
    }
  }
  const char* backend() const override {
    return "nhwc-int8";
  }

 private:
  graph::Window2d w_;
  bool include_pad_;
  std::int32_t zp_, lo_, hi_;
};

class NhwcPad final : public Kernel {
 public:
  NhwcPad(std::int64_t top, std::int64_t left, unsigned char fill) : top_(top), left_(left), fill_(fill) {}
  void run(KernelContext& c) override {
    const auto& in = c.inputs[0]->shape();
    const auto& out = c.outputs[0]->shape();
    const auto* x = static_cast<const unsigned char*>(c.inputs[0]->raw());
    auto* y = static_cast<unsigned char*>(c.outputs[0]->raw());
    std::memset(y, fill_, c.outputs[0]->bytes());
    const auto row = static_cast<std::size_t>(in[3] * in[1]);
    for (std::int64_t b = 0; b < in[0]; ++b)
      for (std::int64_t hh = 0; hh < in[2]; ++hh)
        std::memcpy(y + ((b * out[2] + hh + top_) * out[3] + left_) * in[1],
                    x + (b * in[2] + hh) * in[3] * in[1], row);
  }
  const char* backend() const override { return "nhwc-int8"; }

 private:
  std::int64_t top_, left_;
  unsigned char fill_;
};
}  // namespace

std::unique_ptr<Kernel> make_nhwc_average_pool(const PrepareContext& c) {
  if (!c.input_blocked(0) || !c.output_blocked(0)) return nullptr;
  const auto& n = c.node;
  const auto& xs = c.graph.info(n.inputs[0]).shape;
  const graph::Window2d w = graph::resolve_window(n, xs[2], xs[3], 1, 1);
  const bool include_pad = n.attr_int("count_include_pad", 0) != 0;
  const auto zp = static_cast<std::int32_t>(n.attr_int("x_zero_point", 0));
  const auto lo = static_cast<std::int32_t>(n.attr_int("y_min", -128)),
             hi = static_cast<std::int32_t>(n.attr_int("y_max", 127));
  const auto type = c.graph.info(n.inputs[0]).dtype;
  if (type == core::DType::I8)
    return std::make_unique<NhwcAveragePool<std::int8_t>>(w, include_pad, zp, lo, hi);
  if (type == core::DType::U8)
    return std::make_unique<NhwcAveragePool<std::uint8_t>>(w, include_pad, zp, lo, hi);
  return nullptr;
}

std::unique_ptr<Kernel> make_nhwc_pad(const PrepareContext& c) {
  if (!c.input_blocked(0) || !c.output_blocked(0)) return nullptr;
  const auto p = c.node.attr_ints("pads");
  const auto code = static_cast<std::int64_t>(c.node.attr_float("value", 0.0f));
  return std::make_unique<NhwcPad>(p[2], p[3], static_cast<unsigned char>(code & 0xff));
}

}  // namespace edgeq::runtime::onednn
