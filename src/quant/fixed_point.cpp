#include "edgeq/quant/fixed_point.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "edgeq/core/error.hpp"

namespace edgeq::quant {

QuantizedMultiplier quantize_multiplier(double m) {
  if (!std::isfinite(m) || m < 0.0)
    throw_input("requantisation multiplier must be finite and >= 0, got {}", m);
  if (m >= 0x1.0p30) throw_input("requantisation multiplier {} is too large (>= 2^30)", m);
  if (m == 0.0) return {};
  int shift = 0;
  const double q = std::frexp(m, &shift);  // m = q * 2^shift, q in [0.5, 1)
  auto q_fixed = static_cast<std::int64_t>(std::round(q * 0x1.0p31));
  if (q_fixed == (std::int64_t{1} << 31)) {
    q_fixed /= 2;
    ++shift;
  }
  if (shift < -31) return {};
  return {static_cast<std::int32_t>(q_fixed), shift};
}

QuantizedMultiplier mean_multiplier(double real, std::int64_t count) {
  if (count < 1) throw_input("mean over {} elements", count);
  const QuantizedMultiplier m = quantize_multiplier(real);
  int s = 0;
  while ((std::int64_t{2} << s) <= count) ++s;  // floor(log2(count))
  s = std::max(0, std::min({s, 32, 31 + m.shift}));
  return {static_cast<std::int32_t>((static_cast<std::int64_t>(m.multiplier) << s) / count), m.shift - s};
}

QuantParams choose_asymmetric(float min, float max, std::int32_t qmin, std::int32_t qmax) {
  if (!std::isfinite(min) || !std::isfinite(max) || min > max)
    throw_input("invalid calibration range [{}, {}]", min, max);
  if (qmin >= qmax) throw_input("invalid integer range [{}, {}]", qmin, qmax);
  min = std::min(min, 0.0f);
  max = std::max(max, 0.0f);
  if (min == max) return {1.0f, std::clamp<std::int32_t>(0, qmin, qmax)};
  const double lo = qmin, hi = qmax;
  const double scale = (static_cast<double>(max) - min) / (hi - lo);
  const double from_min = lo - min / scale, from_max = hi - max / scale;
  const double error_min = std::abs(lo) + std::abs(min / scale),
               error_max = std::abs(hi) + std::abs(max / scale);
  const double zero_point = error_min < error_max ? from_min : from_max;
  return {static_cast<float>(scale), static_cast<std::int32_t>(std::round(std::clamp(zero_point, lo, hi)))};
}

QuantParams choose_symmetric(float abs_max, std::int32_t qmax) {
  if (!std::isfinite(abs_max) || abs_max < 0.0f || qmax < 1)
    throw_input("invalid symmetric range {}", abs_max);
  if (abs_max == 0.0f) return {1.0f, 0};
  return {abs_max / static_cast<float>(qmax), 0};
}

std::int32_t quantize(float x, QuantParams p, std::int32_t qmin, std::int32_t qmax) {
  const float r = std::round(x / p.scale);
  const double q = static_cast<double>(r) + p.zero_point;
  return static_cast<std::int32_t>(std::clamp(q, static_cast<double>(qmin), static_cast<double>(qmax)));
}

float dequantize(std::int32_t q, QuantParams p) {
  return p.scale * static_cast<float>(q - p.zero_point);
}

}  // namespace edgeq::quant
