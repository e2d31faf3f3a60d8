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

std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  constexpr auto kMin = std::numeric_limits<std::int32_t>::min();
  if (a == kMin && b == kMin) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  return static_cast<std::int32_t>((ab + nudge) /
                                   (std::int64_t{1} << 31));  // division truncates towards zero
}

std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  if (exponent < 0 || exponent > 31)
    throw_internal("rounding_divide_by_pot: exponent {} out of [0, 31]", exponent);
  const std::int64_t mask = (std::int64_t{1} << exponent) - 1;
  const std::int64_t remainder = static_cast<std::int64_t>(x) & mask;
  const std::int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<std::int32_t>((static_cast<std::int64_t>(x) >> exponent) +
                                   (remainder > threshold ? 1 : 0));
}

std::int32_t multiply_by_quantized_multiplier(std::int32_t x, QuantizedMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  const std::int64_t shifted = static_cast<std::int64_t>(x) * (std::int64_t{1} << left);
  const auto saturated = static_cast<std::int32_t>(std::clamp<std::int64_t>(
      shifted, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(saturated, m.multiplier), right);
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

std::int32_t multiply_by_quantized_multiplier_64(std::int64_t x, QuantizedMultiplier m) {
  const std::int64_t reduced = m.multiplier < 0x7fff0000 ? (m.multiplier + (1 << 15)) >> 16 : 0x7fff;
  const int total_shift = 15 - m.shift;
  const std::int64_t r = (x * reduced + (std::int64_t{1} << (total_shift - 1))) >> total_shift;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(r, INT32_MIN, INT32_MAX));
}

}  // namespace edgeq::quant
