// TFLite integer arithmetic (the int8 semantics edgeq follows;
// ../shared/reference/quantisation-and-hardware.md): affine quantisation real = scale * (q - zero_point), and
// requantisation of int32 accumulators by a real multiplier M represented as a Q31 mantissa and a
// power-of-two shift. Sources of the formulas: TensorFlow Lite
// tensorflow/lite/kernels/internal/quantization_util.cc (QuantizeMultiplier, ChooseQuantizationParams) and
// common.h (MultiplyByQuantizedMultiplier), gemmlowp fixedpoint.h (SaturatingRoundingDoublingHighMul,
// RoundingDivideByPOT). Rounding rules, which tests/quant/test_fixed_point.cpp pins down by hand-computed
// cases:
//   - QuantizeMultiplier rounds the mantissa half away from zero (std::round);
//   - SaturatingRoundingDoublingHighMul rounds a * b / 2^31 with ties towards +infinity (1.5 -> 2, -1.5 ->
//   -1)
//     and saturates the single overflow case INT32_MIN * INT32_MIN to INT32_MAX;
//   - RoundingDivideByPOT rounds half away from zero (2.5 -> 3, -2.5 -> -3).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

namespace edgeq::quant {

/// A real multiplier M = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (or 0).
struct QuantizedMultiplier {
  std::int32_t multiplier = 0;
  int shift = 0;  ///< > 0: left shift of the input; < 0: rounding right shift of the result
};

/// Q31 mantissa and shift of a real multiplier m >= 0 (frexp, mantissa rounded to 31 bits, renormalised when
/// rounding reaches 2^31; multipliers below 2^-31 become 0). Throws Error(BadInput) for negative, non-finite
/// or m >= 2^30.
QuantizedMultiplier quantize_multiplier(double m);

/// Multiplier of an integer mean over `count` elements (TFLite MEAN / GlobalAveragePool, reference kernel):
/// M = quantize_multiplier(real); s = min(floor(log2(count)), 32, 31 + M.shift); the result has the
/// mantissa floor(M.multiplier 2^s / count) and the shift M.shift - s, so sum * result ~ sum * real / count.
/// Derived by running LiteRT's reference MEAN on random int8 inputs and scales (tests/peer/litert_matches.py
/// checks it end to end). Throws as quantize_multiplier; count must be >= 1.
QuantizedMultiplier mean_multiplier(double real, std::int64_t count);

/// round(a * b / 2^31) with ties towards +infinity; INT32_MIN * INT32_MIN saturates to INT32_MAX.
inline std::int32_t saturating_rounding_doubling_high_mul(std::int32_t a, std::int32_t b) {
  constexpr auto kMin = std::numeric_limits<std::int32_t>::min();
  if (a == kMin && b == kMin) return std::numeric_limits<std::int32_t>::max();
  const std::int64_t ab = static_cast<std::int64_t>(a) * static_cast<std::int64_t>(b);
  const std::int64_t nudge = ab >= 0 ? (std::int64_t{1} << 30) : (1 - (std::int64_t{1} << 30));
  return static_cast<std::int32_t>((ab + nudge) /
                                   (std::int64_t{1} << 31));  // division truncates towards zero
}

/// round(x / 2^exponent) with ties away from zero. Precondition: exponent in [0, 31] (quantize_multiplier's
/// shifts satisfy it; not checked, this runs per element).
inline std::int32_t rounding_divide_by_pot(std::int32_t x, int exponent) {
  const std::int64_t mask = (std::int64_t{1} << exponent) - 1;
  const std::int64_t remainder = static_cast<std::int64_t>(x) & mask;
  const std::int64_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<std::int32_t>((static_cast<std::int64_t>(x) >> exponent) +
                                   (remainder > threshold ? 1 : 0));
}

/// x * M for M = quantize_multiplier(m): TFLite's MultiplyByQuantizedMultiplier. The left shift is done in 64
/// bits and saturated to int32 (TFLite shifts in int32; the results differ only where TFLite would overflow).
inline std::int32_t multiply_by_quantized_multiplier(std::int32_t x, QuantizedMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  const std::int64_t shifted = static_cast<std::int64_t>(x) * (std::int64_t{1} << left);
  const auto saturated = static_cast<std::int32_t>(std::clamp<std::int64_t>(
      shifted, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()));
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(saturated, m.multiplier), right);
}

/// x * M for a 64-bit accumulator (TFLite's int64 MultiplyByQuantizedMultiplier, used by 16x8 kernels): the
/// mantissa is first reduced to 16 bits (rounded, saturated at 0x7fff) so that x * mantissa fits in 64 bits
/// for |x| < 2^47, then the product is shifted right by 15 - shift with ties towards +infinity. shift in
/// [-31, 7].
inline std::int32_t multiply_by_quantized_multiplier_64(std::int64_t x, QuantizedMultiplier m) {
  const std::int64_t reduced = m.multiplier < 0x7fff0000 ? (m.multiplier + (1 << 15)) >> 16 : 0x7fff;
  const int total_shift = 15 - m.shift;
  const std::int64_t r = (x * reduced + (std::int64_t{1} << (total_shift - 1))) >> total_shift;
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(r, std::numeric_limits<std::int32_t>::min(),
                                                            std::numeric_limits<std::int32_t>::max()));
}

/// Affine quantisation parameters of a tensor.
struct QuantParams {
  float scale = 1.0f;
  std::int32_t zero_point = 0;
};

/// Asymmetric parameters for values in [min, max] mapped onto [qmin, qmax], as TFLite's
/// ChooseQuantizationParams: the range is widened to contain 0, scale = (max - min) / (qmax - qmin); the zero
/// point is qmin - min / scale or qmax - max / scale, whichever has the smaller error estimate (|qmin| + |min
/// / scale| vs |qmax| + |max / scale|), clamped to [qmin, qmax] and rounded half away from zero, so that 0.0
/// is exactly representable. An all-zero range gives scale 1 and zero point 0 (clamped into [qmin, qmax]).
/// Throws Error(BadInput) for non-finite bounds, min > max or qmin >= qmax.
QuantParams choose_asymmetric(float min, float max, std::int32_t qmin, std::int32_t qmax);

/// Symmetric parameters (zero point 0) for values in [-abs_max, abs_max] mapped onto [-qmax, qmax] (TFLite
/// weights: qmax = 127). abs_max = 0 gives scale 1.
QuantParams choose_symmetric(float abs_max, std::int32_t qmax);

/// q = clamp(round(x / scale) + zero_point, qmin, qmax), the division in float and round half away from zero
/// (TFLite's AffineQuantize reference).
std::int32_t quantize(float x, QuantParams p, std::int32_t qmin, std::int32_t qmax);

/// scale * (q - zero_point) in float.
float dequantize(std::int32_t q, QuantParams p);

}  // namespace edgeq::quant
