// Winograd F(2x2, 3x3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks",
// CVPR 2016) for float32 Conv with 3x3 kernels, stride 1, dilation 1, one group, on blocked activations
// (nChw8c / nChw16c): each 4x4 input tile d becomes V = B^T d B, each 3x3 filter g becomes U = G g G^T
// (once, in double), the 16 products M = sum_c U V are 16 GEMMs [tiles x C] x [C x M] (one batched oneDNN
// matmul, weights packed once), and Y = A^T M A gives a 2x2 output tile, plus bias, residual and activation.
// 16 multiplications per 4 outputs instead of 36; the reference kernel is the plain direct sum, and
// tests/runtime/test_op_winograd.cpp bounds the difference by the error analysis in runtime/tolerance.hpp.
#include <algorithm>
#include <cstring>
#include <vector>

#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using v8f = float __attribute__((vector_size(32)));

// Vectors by reference: a vector argument or return value by value changes the ABI warning-free builds
// reject (-Wpsabi).
inline void load8(v8f& v, const float* p) {
  std::memcpy(&v, p, sizeof v);
}
inline void store8(float* p, const v8f& v) {
  std::memcpy(p, &v, sizeof v);
}

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

/// V[e][t][c] (e = 4 i + j of the 4x4 transform) of tile t for the B channels of block cb. Taps outside the
/// input are the zero padding.
template <int B>
__attribute__((always_inline)) inline void input_tile(const Geometry& g, const float* x, float* v,
                                                      std::int64_t t, std::int64_t cb) {
  const std::int64_t img = t / g.tiles, r = t % g.tiles;
  const std::int64_t y0 = (r / g.tiles_w) * 2 - g.pad_top, x0 = (r % g.tiles_w) * 2 - g.pad_left;
  const float* plane = x + (img * (g.ic / B) + cb) * g.h * g.w * B;
  for (int s = 0; s < B / 8; ++s) {
    v8f d[4][4];
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) {
        const std::int64_t iy = y0 + i, ix = x0 + j;
        d[i][j] = v8f{};
        if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) load8(d[i][j], plane + (iy * g.w + ix) * B + 8 * s);
      }
    v8f c[4][4];  // B^T d
    for (int j = 0; j < 4; ++j) {
      c[0][j] = d[0][j] - d[2][j];
      c[1][j] = d[1][j] + d[2][j];
      c[2][j] = d[2][j] - d[1][j];
      c[3][j] = d[1][j] - d[3][j];
    }
    float* out = v + t * g.ic + cb * B + 8 * s;
    const std::int64_t stride = g.total * g.ic;  // between transform elements e
    for (int i = 0; i < 4; ++i) {                // (B^T d) B
      store8(out + (4 * i + 0) * stride, c[i][0] - c[i][2]);
      store8(out + (4 * i + 1) * stride, c[i][1] + c[i][2]);
      store8(out + (4 * i + 2) * stride, c[i][2] - c[i][1]);
      store8(out + (4 * i + 3) * stride, c[i][1] - c[i][3]);
    }
  }
}

/// The 2x2 outputs of tile t for the B channels of block ob: A^T M A, + bias, + residual, activation.
template <int B>
__attribute__((always_inline)) inline void output_tile(const Geometry& g, const float* m, const Epilogue& ep,
                                                       float* y, std::int64_t t, std::int64_t ob) {
  const std::int64_t img = t / g.tiles, r = t % g.tiles;
  const std::int64_t oy0 = (r / g.tiles_w) * 2, ox0 = (r % g.tiles_w) * 2;
  const std::int64_t plane = (img * (g.oc / B) + ob) * g.oh * g.ow * B;
  const std::int64_t stride = g.total * g.oc;
  for (int s = 0; s < B / 8; ++s) {
    const float* in = m + t * g.oc + ob * B + 8 * s;
    v8f a[2][4];  // A^T M
    for (int j = 0; j < 4; ++j) {
      v8f m0, m1, m2, m3;
      load8(m0, in + j * stride);
      load8(m1, in + (4 + j) * stride);
      load8(m2, in + (8 + j) * stride);
      load8(m3, in + (12 + j) * stride);
      a[0][j] = m0 + m1 + m2;
      a[1][j] = m1 - m2 - m3;
    }
    v8f bias{};
    if (ep.bias) load8(bias, ep.bias + ob * B + 8 * s);
    for (int i = 0; i < 2; ++i) {
      const v8f o[2] = {a[i][0] + a[i][1] + a[i][2], a[i][1] - a[i][2] - a[i][3]};
      for (int j = 0; j < 2; ++j) {
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

template <int B>
__attribute__((target("avx2"))) void input_transform_avx2(const Geometry& g, const float* x, float* v) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.ic / B); ++k)
    input_tile<B>(g, x, v, k / (g.ic / B), k % (g.ic / B));
}
template <int B>
void input_transform_plain(const Geometry& g, const float* x, float* v) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.ic / B); ++k)
    input_tile<B>(g, x, v, k / (g.ic / B), k % (g.ic / B));
}
template <int B>
__attribute__((target("avx2"))) void output_transform_avx2(const Geometry& g, const float* m,
                                                           const Epilogue& ep, float* y) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.oc / B); ++k)
    output_tile<B>(g, m, ep, y, k / (g.oc / B), k % (g.oc / B));
}
template <int B>
void output_transform_plain(const Geometry& g, const float* m, const Epilogue& ep, float* y) {
#pragma omp parallel for schedule(static)
  for (std::int64_t k = 0; k < g.total * (g.oc / B); ++k)
    output_tile<B>(g, m, ep, y, k / (g.oc / B), k % (g.oc / B));
}

/// U[e][c][o] = (G g G^T)[e] of the filter w[o][c] (3x3), in double, rounded once.
std::vector<float> transform_weights(const Tensor& w) {
  const std::int64_t oc = w.shape()[0], ic = w.shape()[1];
  const float* src = w.data<float>();
  std::vector<float> u(static_cast<std::size_t>(16 * ic * oc));
  for (std::int64_t o = 0; o < oc; ++o)
    for (std::int64_t c = 0; c < ic; ++c) {
      const float* f = src + (o * ic + c) * 9;
      double gg[4][3];  // G g
      for (int j = 0; j < 3; ++j) {
        const double g0 = f[j], g1 = f[3 + j], g2 = f[6 + j];
        gg[0][j] = g0;
        gg[1][j] = 0.5 * (g0 + g1 + g2);
        gg[2][j] = 0.5 * (g0 - g1 + g2);
        gg[3][j] = g2;
      }
      for (int i = 0; i < 4; ++i) {  // (G g) G^T
        const double row[4] = {gg[i][0], 0.5 * (gg[i][0] + gg[i][1] + gg[i][2]),
                               0.5 * (gg[i][0] - gg[i][1] + gg[i][2]), gg[i][2]};
        for (int j = 0; j < 4; ++j)
          u[static_cast<std::size_t>(((4 * i + j) * ic + c) * oc + o)] = static_cast<float>(row[j]);
      }
    }
  return u;
}

template <int B>
class WinogradConv final : public Kernel {
 public:
  WinogradConv(const Geometry& g, const Tensor& w, const Tensor* b, Activation act, float lo, float hi,
               bool residual)
      : g_(g), act_(act), lo_(lo), hi_(hi), residual_(residual) {
    const dnnl::memory::desc src({16, g.total, g.ic}, dt::f32, tag::abc),
        wei({16, g.ic, g.oc}, dt::f32, tag::any), dst({16, g.total, g.oc}, dt::f32, tag::abc);
    const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, wei, dst), engine());
    matmul_ = dnnl::matmul(pd);
    std::vector<float> u = transform_weights(w);
    dnnl::memory plain({{16, g.ic, g.oc}, dt::f32, tag::abc}, engine(), u.data());
    weights_ = dnnl::memory(pd.weights_desc(), engine());
    dnnl::reorder(plain, weights_).execute(stream(), plain, weights_);
    v_ = dnnl::memory(src, engine());
    m_ = dnnl::memory(dst, engine());
    if (b) bias_.assign(b->data<float>(), b->data<float>() + g.oc);
    args_ = {{DNNL_ARG_SRC, v_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, m_}};
    stream().wait();
  }

  void run(KernelContext& c) override {
    auto* v = static_cast<float*>(v_.get_data_handle());
    auto* m = static_cast<float*>(m_.get_data_handle());
    const Epilogue ep{bias_.empty() ? nullptr : bias_.data(),
                      residual_ ? c.inputs[3]->data<float>() : nullptr, act_, lo_, hi_};
    if (avx2_)
      input_transform_avx2<B>(g_, c.inputs[0]->data<float>(), v);
    else
      input_transform_plain<B>(g_, c.inputs[0]->data<float>(), v);
    matmul_.execute(stream(), args_);
    stream().wait();
    if (avx2_)
      output_transform_avx2<B>(g_, m, ep, c.outputs[0]->data<float>());
    else
      output_transform_plain<B>(g_, m, ep, c.outputs[0]->data<float>());
  }
  const char* backend() const override { return "winograd"; }

 private:
  Geometry g_;
  Activation act_;
  float lo_, hi_;
  bool residual_;
  bool avx2_ = __builtin_cpu_supports("avx2");
  dnnl::matmul matmul_;
  dnnl::memory weights_, v_, m_;
  std::vector<float> bias_;
  std::unordered_map<int, dnnl::memory> args_;
};
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
  Geometry geo{x[0], x[1], y[1], x[2], x[3], y[2], y[3], win.pad_top, win.pad_left, (y[3] + 1) / 2, 0, 0};
  geo.tiles = (y[2] + 1) / 2 * geo.tiles_w;
  geo.total = x[0] * geo.tiles;
  if (geo.total < kWinogradMinTiles) return nullptr;
  const std::string act = node.attr_string("edgeq_activation", "");
  const Activation a = act.empty() ? Activation::None : act == "Relu" ? Activation::Relu : Activation::Clip;
  const float lo = node.attr_float("edgeq_clip_min", 0), hi = node.attr_float("edgeq_clip_max", 0);
  if (block == 8) return std::make_unique<WinogradConv<8>>(geo, w, b, a, lo, hi, residual);
  if (block == 16) return std::make_unique<WinogradConv<16>>(geo, w, b, a, lo, hi, residual);
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
