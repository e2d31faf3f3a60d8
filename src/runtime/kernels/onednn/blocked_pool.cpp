// MaxPool / AveragePool on float32 activations in the blocked layout (nChw8c / nChw16c): each output block
// of B channels is the max or mean over the window's taps, B lanes at a time. Written here because oneDNN
// 2.6's AVX2 pooling measured 5-10x slower than this loop on Inception V3's pools (e.g. 3x3/2 max pooling of
// 64 x 97 x 97: 0.55 ms); the NCHW case stays with oneDNN. Max is exact; averages sum the taps in float32
// in the reference's order and divide (the reference sums in double): tests/runtime/test_op_pool.cpp bounds
// the difference. The window has the reference's semantics (graph::for_each_window_tap: dilations, ceil-mode
// overhang, count_include_pad counting the declared padding only).
#include <algorithm>
#include <cstring>
#include <limits>

#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {

using v8f = float __attribute__((vector_size(32)));

/// One output row (all ox) of one channel block: the window of graph::axis_taps (the reference's window
/// walk), B / 8 vectors of eight lanes.
template <int B, bool kMax>
__attribute__((always_inline)) inline void pool_row(const graph::Window2d& w, bool include_pad,
                                                    std::int64_t h, std::int64_t wd, const float* in,
                                                    float* out, std::int64_t oy) {
  constexpr int V = B / 8;
  const std::int64_t by = oy * w.sh - w.pad_top;
  const graph::AxisTaps ty = graph::axis_taps(by, w.dh, w.kh, h, w.pad_bottom);
  for (std::int64_t ox = 0; ox < w.out_w; ++ox) {
    const std::int64_t bx = ox * w.sw - w.pad_left;
    const graph::AxisTaps tx = graph::axis_taps(bx, w.dw, w.kw, wd, w.pad_right);
    v8f acc[V];
    for (auto& a : acc) a = v8f{} + (kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
    for (std::int64_t ky = ty.first; ky < ty.last; ++ky) {
      const float* row = in + (by + ky * w.dh) * wd * B;
      for (std::int64_t kx = tx.first; kx < tx.last; ++kx) {
        const float* p = row + (bx + kx * w.dw) * B;
        for (int v = 0; v < V; ++v) {
          v8f t;
          std::memcpy(&t, p + 8 * v, sizeof t);
          if constexpr (kMax)
            acc[v] = acc[v] < t ? t : acc[v];
          else
            acc[v] += t;
        }
      }
    }
    if constexpr (!kMax) {
      const std::int64_t valid = std::max<std::int64_t>((ty.last - ty.first) * (tx.last - tx.first), 1);
      const auto div = static_cast<float>(include_pad ? ty.counted * tx.counted : valid);
      for (auto& a : acc) a /= div;
    }
    std::memcpy(out + ox * B, acc, sizeof acc);
  }
}

template <int B, bool kMax>
__attribute__((target("avx2"))) void pool_rows_avx2(const graph::Window2d& w, bool include_pad,
                                                    std::int64_t h, std::int64_t wd, const float* in,
                                                    float* out, std::int64_t oy) {
  pool_row<B, kMax>(w, include_pad, h, wd, in, out, oy);
}

template <int B, bool kMax>
void pool_rows_sse(const graph::Window2d& w, bool include_pad, std::int64_t h, std::int64_t wd,
                   const float* in, float* out, std::int64_t oy) {
  pool_row<B, kMax>(w, include_pad, h, wd, in, out, oy);
}

template <int B, bool kMax>
class BlockedPool final : public Kernel {
 public:
  BlockedPool(const graph::Window2d& w, bool include_pad) : w_(w), include_pad_(include_pad) {}

  void run(KernelContext& c) override {
    const auto& xs = c.inputs[0]->shape();
    const std::int64_t blocks = xs[1] / B, h = xs[2], wd = xs[3];
    const float* x = c.inputs[0]->data<float>();
    float* y = c.outputs[0]->data<float>();
    const std::int64_t rows = xs[0] * blocks * w_.out_h;
    const auto row_fn = avx2_ ? pool_rows_avx2<B, kMax> : pool_rows_sse<B, kMax>;
#pragma omp parallel for schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t plane = r / w_.out_h, oy = r % w_.out_h;
      row_fn(w_, include_pad_, h, wd, x + plane * h * wd * B, y + (plane * w_.out_h + oy) * w_.out_w * B, oy);
    }
  }
  const char* backend() const override {
    return "blocked-pool";
  }

 private:
  graph::Window2d w_;
  bool include_pad_;
  bool avx2_ = __builtin_cpu_supports("avx2");
};

template <int B>
std::unique_ptr<Kernel> make_for_block(const graph::Window2d& w, bool max, bool include_pad) {
  if (max) return std::make_unique<BlockedPool<B, true>>(w, include_pad);
  return std::make_unique<BlockedPool<B, false>>(w, include_pad);
}

}  // namespace

std::unique_ptr<Kernel> make_blocked_pool(const PrepareContext& c) {
  const auto& node = c.node;
  if (!c.input_blocked(0) || !c.output_blocked(0)) return nullptr;
  if (c.graph.info(node.inputs[0]).dtype != core::DType::F32) return nullptr;
  const Shape x = c.graph.info(node.inputs[0]).shape;
  const graph::Window2d w = graph::resolve_window(node, x[2], x[3], 1, 1);
  const bool max = node.op_type == "MaxPool", include_pad = node.attr_int("count_include_pad", 0) != 0;
  if (max && node.outputs.size() > 1 && !node.outputs[1].empty()) return nullptr;  // Indices output
  const std::int64_t block = fast_kernel_channel_block();
  if (block == 8) return make_for_block<8>(w, max, include_pad);
  if (block == 16) return make_for_block<16>(w, max, include_pad);
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
