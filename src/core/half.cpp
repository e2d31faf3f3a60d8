#include "edgeq/core/half.hpp"

#include <bit>
#include <cmath>

namespace edgeq::core {

std::uint16_t float_to_half(float value) {
  const auto f = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((f >> 16) & 0x8000u);
  const std::uint32_t abs = f & 0x7fffffffu;
  if (abs >= 0x7f800000u)  // inf or NaN
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds past 65504
  if (abs < 0x38800000u) {
    // Half subnormal (or zero): value = m * 2^-24; round abs / 2^-24 to nearest even.
    const float scaled = std::bit_cast<float>(abs) * 16777216.0f;  // exact: power-of-two scaling
    return static_cast<std::uint16_t>(sign | static_cast<std::uint16_t>(std::nearbyint(scaled)));
  }
  // Normal: rebias the exponent (127 -> 15) and round the 23-bit mantissa to 10 bits, ties to even; a carry
  // into the exponent is the correct result.
  const std::uint32_t rebased = abs - (112u << 23);
  const std::uint32_t lsb = (rebased >> 13) & 1u;
  const std::uint32_t rounded = (rebased + 0xfffu + lsb) >> 13;
  return static_cast<std::uint16_t>(sign | rounded);
}

float half_to_float(std::uint16_t bits) {
  const std::uint32_t sign = (bits & 0x8000u) << 16;
  const std::uint32_t exp = (bits >> 10) & 0x1fu, mant = bits & 0x3ffu;
  if (exp == 0) {
    const float v = static_cast<float>(mant) * 5.9604644775390625e-8f;  // 2^-24
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

}  // namespace edgeq::core
