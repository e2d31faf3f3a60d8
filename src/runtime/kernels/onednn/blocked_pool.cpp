// MaxPool / AveragePool on float32 activations in the blocked layout (nChw8c / nChw16c): each output block
// of B channels is the max or mean over the window's taps, B lanes at a time. Written here because oneDNN
// 2.6's AVX2 pooling measured 5-10x slower than this loop on Inception V3's pools (e.g. 3x3/2 max pooling of
// 64 x 97 x 97: 0.55 ms); the NCHW case stays with oneDNN. Max is exact; averages sum the taps in float32
// in the reference's order and divide (the reference sums in double): tests/runtime/test_op_pool.cpp bounds
// the difference. The window has the reference's semantics (graph::for_each_window_tap: dilations, ceil-mode
// overhang, count_include_pad counting the declared padding only; edgeq_pad_zero: padded taps are zeros).
#include <algorithm>
#include <limits>
#include <vector>

#include "blocked_simd.hpp"
#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {

/// Window taps of every output row and column (graph::axis_taps, the reference's window walk), computed once
/// at prepare time, and for each kernel column kx the range of output columns whose window holds it in bounds
/// (contiguous: axis_taps' first falls and last does not rise with ox).
struct PoolTaps {
  std::vector<graph::AxisTaps> rows, cols;
  std::vector<std::int64_t> kx_lo, kx_hi;
};

PoolTaps pool_taps(const graph::Window2d& w, std::int64_t h, std::int64_t wd) {
  PoolTaps t;
  for (std::int64_t oy = 0; oy < w.out_h; ++oy)
    t.rows.push_back(graph::axis_taps(oy * w.sh - w.pad_top, w.dh, w.kh, h, w.pad_bottom));
  for (std::int64_t ox = 0; ox < w.out_w; ++ox)
    t.cols.push_back(graph::axis_taps(ox * w.sw - w.pad_left, w.dw, w.kw, wd, w.pad_right));
  for (std::int64_t kx = 0; kx < w.kw; ++kx) {
    std::int64_t lo = w.out_w, hi = 0;
    for (std::int64_t ox = 0; ox < w.out_w; ++ox) {
      const auto& c = t.cols[static_cast<std::size_t>(ox)];
      if (kx >= c.first && kx < c.last) {
        lo = std::min(lo, ox);
        hi = ox + 1;
      }
    }
    t.kx_lo.push_back(std::min(lo, hi));
    t.kx_hi.push_back(hi);
  }
  return t;
}

/// One output row (all ox) of one channel block, B / 8 vectors of eight lanes. The row is accumulated in
/// place tap by tap (ky outer, kx inner: the reference's order for each output), so that consecutive output
/// columns are independent and pipeline instead of waiting on one accumulator.
template <int B, bool kMax>
__attribute__((always_inline)) inline void pool_row(const graph::Window2d& w, const PoolTaps& taps,
                                                    bool include_pad, bool pad_zero, std::int64_t wd,
                                                    const float* in, float* out, std::int64_t oy) {
  constexpr int V = B / 8;
  const std::int64_t by = oy * w.sh - w.pad_top;
  const graph::AxisTaps ty = taps.rows[static_cast<std::size_t>(oy)];
  const v8f init = v8f{} + (kMax ? -std::numeric_limits<float>::infinity() : 0.0f);
  for (std::int64_t i = 0; i < w.out_w * V; ++i) store8(out + 8 * i, init);
  for (std::int64_t ky = ty.first; ky < ty.last; ++ky) {
    const float* row = in + (by + ky * w.dh) * wd * B;
    for (std::int64_t kx = 0; kx < w.kw; ++kx) {
      // Locals: the stores through `out` (byte copies) may alias anything the compiler cannot see.
      const std::int64_t lo = taps.kx_lo[static_cast<std::size_t>(kx)],
                         hi = taps.kx_hi[static_cast<std::size_t>(kx)], step = w.sw * B;
      const float* p = row + (lo * w.sw - w.pad_left + kx * w.dw) * B;
      for (std::int64_t ox = lo; ox < hi; ++ox, p += step)
        for (int v = 0; v < V; ++v) {
          v8f t, acc;
          load8(t, p + 8 * v);
          load8(acc, out + ox * B + 8 * v);
          if constexpr (kMax)
            acc = acc < t ? t : acc;
          else
            acc += t;
          store8(out + ox * B + 8 * v, acc);
        }
    }
  }
  if constexpr (kMax) {
    if (!pad_zero) return;
    const std::int64_t row_taps = ty.last - ty.first;
    for (std::int64_t ox = 0; ox < w.out_w; ++ox) {
      const graph::AxisTaps tx = taps.cols[static_cast<std::size_t>(ox)];
      if (row_taps * (tx.last - tx.first) == ty.counted * tx.counted) continue;  // no padded tap
      for (int v = 0; v < V; ++v) {
        v8f acc;
        load8(acc, out + ox * B + 8 * v);
        acc = acc < 0.0f ? v8f{} : acc;
        store8(out + ox * B + 8 * v, acc);
      }
    }
  } else {
    for (std::int64_t ox = 0; ox < w.out_w; ++ox) {
      const graph::AxisTaps tx = taps.cols[static_cast<std::size_t>(ox)];
      const std::int64_t valid = std::max<std::int64_t>((ty.last - ty.first) * (tx.last - tx.first), 1);
      const auto div = static_cast<float>(include_pad ? ty.counted * tx.counted : valid);
      for (int v = 0; v < V; ++v) {
        v8f acc;
        load8(acc, out + ox * B + 8 * v);
        acc /= div;
        store8(out + ox * B + 8 * v, acc);
      }
    }
  }
}

template <int B, bool kMax>
__attribute__((target("avx2"))) void pool_rows_avx2(const graph::Window2d& w, const PoolTaps& taps,
                                                    bool include_pad, bool pad_zero, std::int64_t wd,
                                                    const float* in, float* out, std::int64_t oy) {
  pool_row<B, kMax>(w, taps, include_pad, pad_zero, wd, in, out, oy);
}

template <int B, bool kMax>
void pool_rows_sse(const graph::Window2d& w, const PoolTaps& taps, bool include_pad, bool pad_zero,
                   std::int64_t wd, const float* in, float* out, std::int64_t oy) {
  pool_row<B, kMax>(w, taps, include_pad, pad_zero, wd, in, out, oy);
}

template <int B, bool kMax>
class BlockedPool final : public Kernel {
 public:
  BlockedPool(const graph::Window2d& w, std::int64_t h, std::int64_t wd, bool include_pad, bool pad_zero)
      : w_(w), taps_(pool_taps(w, h, wd)), include_pad_(include_pad), pad_zero_(pad_zero) {}

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
      row_fn(w_, taps_, include_pad_, pad_zero_, wd, x + plane * h * wd * B,
             y + (plane * w_.out_h + oy) * w_.out_w * B, oy);
    }
  }
  const char* backend() const override {
    return "blocked-pool";
  }

 private:
  graph::Window2d w_;
  PoolTaps taps_;
  bool include_pad_, pad_zero_;
  bool avx2_ = cpu_has_avx2();
};

template <int B>
std::unique_ptr<Kernel> make_for_block(const graph::Window2d& w, const Shape& x, bool max, bool include_pad,
                                       bool pad_zero) {
  if (max) return std::make_unique<BlockedPool<B, true>>(w, x[2], x[3], include_pad, pad_zero);
  return std::make_unique<BlockedPool<B, false>>(w, x[2], x[3], include_pad, false);
}

}  // namespace

std::unique_ptr<Kernel> make_blocked_pool(const PrepareContext& c) {
  const auto& node = c.node;
  if (!c.input_blocked(0) || !c.output_blocked(0)) return nullptr;
  if (c.graph.info(node.inputs[0]).dtype != core::DType::F32) return nullptr;
  const Shape x = c.graph.info(node.inputs[0]).shape;
  const graph::Window2d w = graph::resolve_window(node, x[2], x[3], 1, 1);
  const bool max = node.op_type == "MaxPool", include_pad = node.attr_int("count_include_pad", 0) != 0;
  const bool pad_zero = max && node.attr_int("edgeq_pad_zero", 0) != 0;
  if (max && node.outputs.size() > 1 && !node.outputs[1].empty()) return nullptr;  // Indices output
  const std::int64_t block = fast_kernel_channel_block();
  if (block == 8) return make_for_block<8>(w, x, max, include_pad, pad_zero);
  if (block == 16) return make_for_block<16>(w, x, max, include_pad, pad_zero);
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
