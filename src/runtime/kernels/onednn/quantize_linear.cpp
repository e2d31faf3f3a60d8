// Fast QuantizeLinear for the common case of a quantised model's float input: per-tensor scale, float32 in,
// int8/uint8 out. The same float32 operations as the reference (x / scale, round to nearest even, + zero
// point, clamp), eight lanes at a time with AVX2 and split over the threads: bit-exact with the reference
// (tests/runtime/test_op_qconv.cpp compares them). Without AVX2 the scalar loop below runs.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {

/// Quantises x[0..n) (n a multiple of 8) into y; returns n.
template <typename Q>
__attribute__((target("avx2"))) void quantize_avx2(const float* x, float scale, float zero_point, float lo,
                                                   float hi, std::int64_t n, Q* y) {
  const __m256 s = _mm256_set1_ps(scale), zp = _mm256_set1_ps(zero_point);
  const __m256 vlo = _mm256_set1_ps(lo), vhi = _mm256_set1_ps(hi);
  alignas(32) std::int32_t lanes[8];
  for (std::int64_t i = 0; i < n; i += 8) {
    __m256 v = _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(x + i), s),
                               _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    v = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(v, zp), vlo), vhi);
    _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), _mm256_cvtps_epi32(v));
    for (int k = 0; k < 8; ++k) y[i + k] = static_cast<Q>(lanes[k]);
  }
}

template <typename Q>
class QuantizeLinearKernel final : public Kernel {
 public:
  QuantizeLinearKernel(float scale, float zero_point) : scale_(scale), zero_point_(zero_point) {}

  void run(KernelContext& c) override {
    const float* x = c.inputs[0]->data<float>();
    Q* y = c.outputs[0]->data<Q>();
    const std::int64_t n = c.inputs[0]->numel();
    constexpr float lo = std::numeric_limits<Q>::min(), hi = std::numeric_limits<Q>::max();
    constexpr std::int64_t chunk = 4096;  // elements per task, a multiple of 8
    const bool simd = simd_;
#pragma omp parallel for schedule(static)
    for (std::int64_t begin = 0; begin < n; begin += chunk) {
      const std::int64_t end = std::min(n, begin + chunk);
      std::int64_t i = begin;
      if (simd) {
        const std::int64_t vec = (end - begin) / 8 * 8;
        quantize_avx2<Q>(x + begin, scale_, zero_point_, lo, hi, vec, y + begin);
        i += vec;
      }
      for (; i < end; ++i)
        y[i] = static_cast<Q>(std::clamp(std::nearbyint(x[i] / scale_) + zero_point_, lo, hi));
    }
  }
  const char* backend() const override {
    return "simd";
  }

 private:
  float scale_, zero_point_;
  bool simd_ = __builtin_cpu_supports("avx2");
};

}  // namespace

std::unique_ptr<Kernel> make_quantize_linear(const PrepareContext& ctx) {
  const auto& n = ctx.node;
  const auto& g = ctx.graph;
  if (n.inputs.size() < 2 || g.info(n.inputs[0]).dtype != core::DType::F32 || !g.is_initializer(n.inputs[1]))
    return nullptr;
  const auto& scale = g.initializers.at(n.inputs[1]);
  if (scale.numel() != 1 || scale.dtype() != core::DType::F32) return nullptr;
  float zero_point = 0.0f;
  core::DType out = core::DType::U8;  // ONNX: uint8 without a zero point
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    if (!g.is_initializer(n.inputs[2])) return nullptr;
    const auto& zp = g.initializers.at(n.inputs[2]);
    if (zp.numel() != 1) return nullptr;
    out = zp.dtype();
    if (out == core::DType::I8) zero_point = zp.data<std::int8_t>()[0];
    if (out == core::DType::U8) zero_point = zp.data<std::uint8_t>()[0];
  }
  const float s = scale.data<float>()[0];
  if (out == core::DType::I8) return std::make_unique<QuantizeLinearKernel<std::int8_t>>(s, zero_point);
  if (out == core::DType::U8) return std::make_unique<QuantizeLinearKernel<std::uint8_t>>(s, zero_point);
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
