// Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", CVPR 2016) for float32 Conv with 3x3 kernels, stride 1, dilation 1, one group, on blocked
// activations (nChw8c / nChw16c): each (T+2)x(T+2) input tile d becomes V = B^T d B, each 3x3 filter g
// becomes U = G g G^T (once, in double), the (T+2)^2 products M = sum_c U V are as many GEMMs [tiles x C] x
// [C x M] (one batched oneDNN matmul, weights packed once), and Y = A^T M A gives a T x T output tile, plus
// bias, residual and activation. 16 (T = 2) or 36 (T = 4) multiplications per T^2 outputs instead of 9 T^2;
// the reference kernel is the plain direct sum, and tests/runtime/test_op_winograd.cpp bounds the
// difference by the error analysis in runtime/tolerance.hpp (winograd_tolerance).
#include <algorithm>
#include <cstdlib>
#include <new>
#include <vector>

#include "blocked_simd.hpp"
#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

/// Winograd F(T x T, 3 x 3) along one axis: Lavin & Gray's B^T (input, A = T + 2 points), A^T (output) and G
/// (filter, in double). Written out so that zero coefficients cost nothing; the sums are grouped to keep
/// the rounding depth of every term at most 1 (T = 2) or 3 (T = 4) per axis (runtime::winograd_tolerance).
template <int T>
struct Wino;

template <>
struct Wino<2> {
  static constexpr int A = 4;
  __attribute__((always_inline)) static void input(const v8f (&d)[4], v8f (&r)[4]) {
    r[0] = d[0] - d[2];
    r[1] = d[1] + d[2];
    r[2] = d[2] - d[1];
    r[3] = d[1] - d[3];
  }
  __attribute__((always_inline)) static void output(const v8f (&m)[4], v8f (&o)[2]) {
    o[0] = m[0] + m[1] + m[2];
    o[1] = m[1] - m[2] - m[3];
  }
  static void filter(const double (&g)[3], double (&u)[4]) {
    u[0] = g[0];
    u[1] = 0.5 * (g[0] + g[1] + g[2]);
    u[2] = 0.5 * (g[0] - g[1] + g[2]);
    u[3] = g[2];
  }
};

template <>
struct Wino<4> {
  static constexpr int A = 6;
  __attribute__((always_inline)) static void input(const v8f (&d)[6], v8f (&r)[6]) {
    r[0] = (d[0] * 4.0f - d[2] * 5.0f) + d[4];
    r[1] = (d[3] + d[4]) - (d[1] + d[2]) * 4.0f;
    r[2] = (d[4] - d[3]) + (d[1] - d[2]) * 4.0f;
    r[3] = (d[4] - d[2]) + (d[3] - d[1]) * 2.0f;
    r[4] = (d[4] - d[2]) + (d[1] - d[3]) * 2.0f;
    r[5] = (d[1] * 4.0f - d[3] * 5.0f) + d[5];
  }
  __attribute__((always_inline)) static void output(const v8f (&m)[6], v8f (&o)[4]) {
    const v8f p12 = m[1] + m[2], n12 = m[1] - m[2], p34 = m[3] + m[4], n34 = m[3] - m[4];
    o[0] = (m[0] + p12) + p34;
    o[1] = n12 + n34 * 2.0f;
    o[2] = p12 + p34 * 4.0f;
    o[3] = (n12 + n34 * 8.0f) + m[5];
  }
  static void filter(const double (&g)[3], double (&u)[6]) {
    u[0] = g[0] / 4;
    u[1] = -(g[0] + g[1] + g[2]) / 6;
    u[2] = -(g[0] - g[1] + g[2]) / 6;
    u[3] = g[0] / 24 + g[1] / 12 + g[2] / 6;
    u[4] = g[0] / 24 - g[1] / 12 + g[2] / 6;
    u[5] = g[2];
  }
};

struct Geometry {
  std::int64_t n, ic, oc, h, w, oh, ow, pad_top, pad_left;
  std::int64_t tiles_w, tiles;  ///< tiles per output row, per image
  std::int64_t total;           ///< tiles of the whole batch: the GEMMs' row count
};

enum class Activation { None, Relu, Clip };

struct Epilogue {
  const float* bias;      ///< [oc] or null
  const float* residual;  ///< blocked like the output, or null
  Activation act;
  float lo, hi;
};

/// V[e][t][c] (e = A i + j of the A x A transform) of tile t for the B channels of block cb. Taps outside
/// the input are the zero padding.
template <int B, int T>
__attribute__((always_inline)) inline void input_tile(const Geometry& g, const float* x, float* v,
                                                      std::int64_t t, std::int64_t cb) {
  constexpr int A = Wino<T>::A;
  const std::int64_t img = t / g.tiles, r = t % g.tiles;
  const std::int64_t y0 = (r / g.tiles_w) * T - g.pad_top, x0 = (r % g.tiles_w) * T - g.pad_left;
  const float* plane = x + (img * (g.ic / B) + cb) * g.h * g.w * B;
  const bool inside = y0 >= 0 && y0 + A <= g.h && x0 >= 0 && x0 + A <= g.w;
  for (int s = 0; s < B / 8; ++s) {
    v8f d[A][A];
    for (int i = 0; i < A; ++i)
      for (int j = 0; j < A; ++j) {
        const std::int64_t iy = y0 + i, ix = x0 + j;
        d[i][j] = v8f{};
        if (inside || (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w))
          load8(d[i][j], plane + (iy * g.w + ix) * B + 8 * s);
      }
    v8f c[A][A];  // B^T d, column by column
    for (int j = 0; j < A; ++j) {
      v8f col[A], out[A];
      for (int i = 0; i < A; ++i) col[i] = d[i][j];
      Wino<T>::input(col, out);
      for (int i = 0; i < A; ++i) c[i][j] = out[i];
    }
    float* dst = v + t * g.ic + cb * B + 8 * s;
    const std::int64_t stride = g.total * g.ic;  // between transform elements e
    for (int i = 0; i < A; ++i) {                // (B^T d) B, row by row
      v8f out[A];
      Wino<T>::input(c[i], out);
      for (int j = 0; j < A; ++j) store8(dst + (A * i + j) * stride, out[j]);
    }
  }
}

/// The T x T outputs of tile t for the B channels of block ob: A^T M A, + bias, + residual, activation.
template <int B, int T>
__attribute__((always_inline)) inline void output_tile(const Geometry& g, const float* m, const Epilogue& ep,
                                                       float* y, std::int64_t t, std::int64_t ob) {
  constexpr int A = Wino<T>::A;
  const std::int64_t img = t / g.tiles, r = t % g.tiles;
  const std::int64_t oy0 = (r / g.tiles_w) * T, ox0 = (r % g.tiles_w) * T;
  const std::int64_t plane = (img * (g.oc / B) + ob) * g.oh * g.ow * B;
  const std::int64_t stride = g.total * g.oc;
  for (int s = 0; s < B / 8; ++s) {
    const float* in = m + t * g.oc + ob * B + 8 * s;
    v8f a[T][A];  // A^T M, column by column
    for (int j = 0; j < A; ++j) {
      v8f col[A], out[T];
      for (int i = 0; i < A; ++i) load8(col[i], in + (A * i + j) * stride);
      Wino<T>::output(col, out);
      for (int i = 0; i < T; ++i) a[i][j] = out[i];
    }
    v8f bias{};
    if (ep.bias) load8(bias, ep.bias + ob * B + 8 * s);
    for (int i = 0; i < T; ++i) {
      v8f o[T];
      Wino<T>::output(a[i], o);
      for (int j = 0; j < T; ++j) {
        const std::int64_t oy = oy0 + i, ox = ox0 + j;
        if (oy >= g.oh || ox >= g.ow) continue;
        const std::int64_t at = plane + (oy * g.ow + ox) * B + 8 * s;
        v8f val = o[j] + bias;
        if (ep.residual) {
          v8f res;
          load8(res, ep.residual + at);
          val += res;
        }
        if (ep.act == Activation::Relu) val = val > 0.0f ? val : v8f{};
        if (ep.act == Activation::Clip) {
          val = val < ep.lo ? v8f{} + ep.lo : val;
          val = val > ep.hi ? v8f{} + ep.hi : val;
        }
        store8(y + at, val);
      }
    }
  }
}

template <int B, int T>
__attribute__((target("avx2"))) void input_transform_avx2(const Geometry& g, const float* x, float* v) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.ic / B); ++k)
    input_tile<B, T>(g, x, v, k / (g.ic / B), k % (g.ic / B));
}
template <int B, int T>
void input_transform_plain(const Geometry& g, const float* x, float* v) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.ic / B); ++k)
    input_tile<B, T>(g, x, v, k / (g.ic / B), k % (g.ic / B));
}
template <int B, int T>
__attribute__((target("avx2"))) void output_transform_avx2(const Geometry& g, const float* m,
                                                           const Epilogue& ep, float* y) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.oc / B); ++k)
    output_tile<B, T>(g, m, ep, y, k / (g.oc / B), k % (g.oc / B));
}
template <int B, int T>
void output_transform_plain(const Geometry& g, const float* m, const Epilogue& ep, float* y) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.oc / B); ++k)
    output_tile<B, T>(g, m, ep, y, k / (g.oc / B), k % (g.oc / B));
}

/// Scratch for the transformed inputs and the GEMM products, shared by the Winograd kernels that run on this
/// thread (an executor runs its kernels one after another on the calling thread): memory for the largest
/// layer instead of the sum over layers (DenseNet169 at 3x200x200: 3.9 MB instead of 48 MB; at batch 64,
/// 64 times both). 64-byte aligned; grows, never shrinks.
float* scratch(std::int64_t floats) {
  struct Buffer {
    float* data = nullptr;
    std::size_t size = 0;
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buf;
  const auto want = static_cast<std::size_t>(floats);
  if (want > buf.size) {
    std::free(buf.data);
    buf.size = 0;
    buf.data = static_cast<float*>(std::aligned_alloc(64, (want * sizeof(float) + 63) / 64 * 64));
    if (!buf.data) throw std::bad_alloc();
    buf.size = want;
  }
  return buf.data;
}

/// U[e][c][o] = (G g G^T)[e] of the filter w[o][c] (3x3), in double, rounded once.
template <int T>
std::vector<float> transform_weights(const Tensor& w) {
  constexpr int A = Wino<T>::A;
  const std::int64_t oc = w.shape()[0], ic = w.shape()[1];
  const float* src = w.data<float>();
  std::vector<float> u(static_cast<std::size_t>(A * A * ic * oc));
  for (std::int64_t o = 0; o < oc; ++o)
    for (std::int64_t c = 0; c < ic; ++c) {
      const float* f = src + (o * ic + c) * 9;
      double gg[A][3];  // G g, column by column
      for (int j = 0; j < 3; ++j) {
        const double col[3] = {f[j], f[3 + j], f[6 + j]};
        double out[A];
        Wino<T>::filter(col, out);
        for (int i = 0; i < A; ++i) gg[i][j] = out[i];
      }
      for (int i = 0; i < A; ++i) {  // (G g) G^T, row by row
        double row[A];
        Wino<T>::filter(gg[i], row);
        for (int j = 0; j < A; ++j)
          u[static_cast<std::size_t>(((A * i + j) * ic + c) * oc + o)] = static_cast<float>(row[j]);
      }
    }
  return u;
}

template <int B, int T>
class WinogradConv final : public Kernel {
 public:
  WinogradConv(const Geometry& g, const Tensor& w, const Tensor* b, Activation act, float lo, float hi,
               bool residual)
      : g_(g), act_(act), lo_(lo), hi_(hi), residual_(residual) {
    constexpr std::int64_t E = Wino<T>::A * Wino<T>::A;
    const dnnl::memory::desc src({E, g.total, g.ic}, dt::f32, tag::abc),
        wei({E, g.ic, g.oc}, dt::f32, tag::any), dst({E, g.total, g.oc}, dt::f32, tag::abc);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), engine());
    matmul_ = dnnl::matmul(pd);
    std::vector<float> u = transform_weights<T>(w);
    dnnl::memory plain({{E, g.ic, g.oc}, dt::f32, tag::abc}, engine(), u.data());
    weights_ = dnnl::memory(pd.weights_desc(), engine());
    dnnl::reorder(plain, weights_).execute(stream(), plain, weights_);
    v_ = dnnl::memory(src, engine(), nullptr);  // in the thread's scratch, pointed at on each run
    m_ = dnnl::memory(dst, engine(), nullptr);
    v_floats_ = E * g.total * g.ic;
    m_floats_ = E * g.total * g.oc;
    if (b) bias_.assign(b->data<float>(), b->data<float>() + g.oc);
    args_ = {{DNNL_ARG_SRC, v_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, m_}};
    stream().wait();
  }

  void run(KernelContext& c) override {
    float* v = scratch(v_floats_ + m_floats_);
    float* m = v + v_floats_;
    v_.set_data_handle(v);
    m_.set_data_handle(m);
    const Epilogue ep{bias_.empty() ? nullptr : bias_.data(),
                      residual_ ? c.inputs[3]->data<float>() : nullptr, act_, lo_, hi_};
    if (avx2_)
      input_transform_avx2<B, T>(g_, c.inputs[0]->data<float>(), v);
    else
      input_transform_plain<B, T>(g_, c.inputs[0]->data<float>(), v);
    matmul_.execute(stream(), args_);
    stream().wait();
    if (avx2_)
      output_transform_avx2<B, T>(g_, m, ep, c.outputs[0]->data<float>());
    else
      output_transform_plain<B, T>(g_, m, ep, c.outputs[0]->data<float>());
  }
  const char* backend() const override { return T == 4 ? "winograd4x4" : "winograd2x2"; }

 private:
  Geometry g_;
  Activation act_;
  float lo_, hi_;
  bool residual_;
  bool avx2_ = cpu_has_avx2();
  dnnl::matmul matmul_;
  dnnl::memory weights_, v_, m_;
  std::int64_t v_floats_ = 0, m_floats_ = 0;
  std::vector<float> bias_;
  std::unordered_map<int, dnnl::memory> args_;
};

/// The output tile geometry for F(T x T, 3 x 3).
Geometry tiling(const Shape& x, const Shape& y, const graph::Window2d& win, std::int64_t t) {
  Geometry g{x[0], x[1], y[1], x[2], x[3], y[2], y[3], win.pad_top, win.pad_left, (y[3] + t - 1) / t, 0, 0};
  g.tiles = (y[2] + t - 1) / t * g.tiles_w;
  g.total = x[0] * g.tiles;
  return g;
}

template <int B>
std::unique_ptr<Kernel> make_for_block(const Shape& x, const Shape& y, const graph::Window2d& win,
                                       const Tensor& w, const Tensor* b, Activation a, float lo, float hi,
                                       bool residual) {
  if (const Geometry g4 = tiling(x, y, win, 4); g4.total >= kWinograd4MinTiles)
    return std::make_unique<WinogradConv<B, 4>>(g4, w, b, a, lo, hi, residual);
  if (const Geometry g2 = tiling(x, y, win, 2); g2.total >= kWinogradMinTiles)
    return std::make_unique<WinogradConv<B, 2>>(g2, w, b, a, lo, hi, residual);
  return nullptr;
}
}  // namespace

std::unique_ptr<Kernel> make_winograd_conv(const PrepareContext& c, const Tensor& w, const Tensor* b) {
  const auto& node = c.node;
  const auto& g = c.graph;
  const Shape x = g.info(node.inputs[0]).shape, y = g.info(node.outputs[0]).shape;
  const std::int64_t block = channel_block();
  const bool residual = node.inputs.size() > 3 && node.attr_int("edgeq_residual", 0);
  if (x.size() != 4 || w.shape().size() != 4 || w.shape()[2] != 3 || w.shape()[3] != 3 ||
      node.attr_int("group", 1) != 1 || x[1] % block || y[1] % block || !c.input_blocked(0) ||
      !c.output_blocked(0) || (residual && !c.input_blocked(3)))
    return nullptr;
  const graph::Window2d win = graph::resolve_window(node, x[2], x[3], 3, 3);
  if (win.sh != 1 || win.sw != 1 || win.dh != 1 || win.dw != 1) return nullptr;
  const std::string act = node.attr_string("edgeq_activation", "");
  const Activation a = act.empty() ? Activation::None : act == "Relu" ? Activation::Relu : Activation::Clip;
  const float lo = node.attr_float("edgeq_clip_min", 0), hi = node.attr_float("edgeq_clip_max", 0);
  if (block == 8) return make_for_block<8>(x, y, win, w, b, a, lo, hi, residual);
  if (block == 16) return make_for_block<16>(x, y, win, w, b, a, lo, hi, residual);
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
