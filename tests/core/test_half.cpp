// binary16 conversions against values fixed by IEEE 754-2008 (binary16: 5 exponent bits, bias 15, 10 mantissa
// bits; largest finite 65504 = 0x7bff, smallest subnormal 2^-24 = 0x0001, smallest normal 2^-14 = 0x0400).
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "edgeq/core/half.hpp"

namespace edgeq::core {
namespace {

TEST(Half, KnownBitPatterns) {
  EXPECT_EQ(float_to_half(0.0f), 0x0000);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14)), 0x0400);
  EXPECT_EQ(float_to_half(0.333251953125f), 0x3555);  // 1/3 rounded to binary16
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_EQ(float_to_half(-std::numeric_limits<float>::infinity()), 0xfc00);
  EXPECT_EQ(float_to_half(std::numeric_limits<float>::quiet_NaN()) & 0x7c00, 0x7c00);
  EXPECT_NE(float_to_half(std::numeric_limits<float>::quiet_NaN()) & 0x03ff, 0);
}

TEST(Half, RoundsToNearestEvenAndOverflows) {
  // 1 + 2^-11 lies halfway between 1 (even mantissa) and 1 + 2^-10: ties go to 1.
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 lies halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
  EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11) + std::ldexp(1.0f, -20)), 0x3c01);
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);               // below the midpoint to 65536
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);               // midpoint: ties to even = infinity
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);  // half of the smallest subnormal: tie to 0
  EXPECT_EQ(float_to_half(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -14) - std::ldexp(1.0f, -25)), 0x0400);  // subnormal rounds up
}

TEST(Half, RoundTripsEveryHalf) {
  for (std::uint32_t b = 0; b < 0x10000u; ++b) {
    const auto h = static_cast<std::uint16_t>(b);
    const float f = half_to_float(h);
    if (std::isnan(f)) {
      EXPECT_EQ(h & 0x7c00, 0x7c00);
      continue;
    }
    ASSERT_EQ(float_to_half(f), h) << "bits " << b;
  }
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
}

}  // namespace
}  // namespace edgeq::core
