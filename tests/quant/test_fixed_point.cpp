// TFLite integer arithmetic against values computed by hand from the formulas in
// ../shared/reference/quantisation-and-hardware.md (TFLite quantization_util / common.h, gemmlowp
// fixedpoint.h).
#include <gtest/gtest.h>

#include <limits>

#include "edgeq/core/error.hpp"
#include "edgeq/quant/fixed_point.hpp"

namespace edgeq::quant {
namespace {

constexpr std::int32_t k2p30 = 1 << 30;

TEST(QuantizeMultiplier, MantissaAndShift) {
  // frexp(0.5) = 0.5 * 2^0 -> mantissa 0.5 * 2^31 = 2^30.
  EXPECT_EQ(quantize_multiplier(0.5).multiplier, k2p30);
  EXPECT_EQ(quantize_multiplier(0.5).shift, 0);
  EXPECT_EQ(quantize_multiplier(0.25).shift, -1);
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  EXPECT_EQ(quantize_multiplier(0.75).multiplier, 1610612736);  // 0.75 * 2^31
  // 0.3 = 0.6 * 2^-1; 0.6 * 2^31 = 1288490188.8 -> 1288490189.
  EXPECT_EQ(quantize_multiplier(0.3).multiplier, 1288490189);
  EXPECT_EQ(quantize_multiplier(0.3).shift, -1);
  // 1 - 2^-40: the mantissa rounds up to 2^31 and is renormalised to 2^30 with shift + 1.
  const auto r = quantize_multiplier(1.0 - 0x1.0p-40);
  EXPECT_EQ(r.multiplier, k2p30);
  EXPECT_EQ(r.shift, 1);
  EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
  EXPECT_EQ(quantize_multiplier(0x1.0p-40).multiplier, 0);  // below 2^-31: flushed to zero
  EXPECT_THROW(quantize_multiplier(-1.0), Error);
  EXPECT_THROW(quantize_multiplier(0x1.0p31), Error);
}

TEST(SaturatingRoundingDoublingHighMul, RoundingAndSaturation) {
  // a * b / 2^31 with a = 3, b = 2^30: 1.5 -> 2 (tie towards +inf); a = -3: -1.5 -> -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, k2p30), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, k2p30), -1);
  // 5 * 2^30 / 2^31 = 2.5 -> 3; -5 -> -2.5 -> -2.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(5, k2p30), 3);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, k2p30), -2);
  // 2^30 * 2^30 / 2^31 = 2^29 exactly.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(k2p30, k2p30), 1 << 29);
  constexpr auto kMin = std::numeric_limits<std::int32_t>::min();
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, kMin), std::numeric_limits<std::int32_t>::max());
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kMin, k2p30), -k2p30);
}

TEST(RoundingDivideByPot, TiesAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);  // -1.75
  EXPECT_EQ(rounding_divide_by_pot(5, 2), 1);    // 1.25
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25
  EXPECT_EQ(rounding_divide_by_pot(123, 0), 123);
}

TEST(MultiplyByQuantizedMultiplier, RequantisesAccumulators) {
  // M = 0.3 (1288490189, shift -1): 1000 * 0.3 = 300. SRDHM(1000, 1288490189) = round(599.999...) = 600, then
  // rounding shift by 1 -> 300.
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, quantize_multiplier(0.3)), 300);
  // M = 0.25: 10 * 0.25 = 2.5 -> SRDHM(10, 2^30) = 5, 5 / 2 -> 3 (away from zero); -10 -> -3.
  EXPECT_EQ(multiply_by_quantized_multiplier(10, quantize_multiplier(0.25)), 3);
  EXPECT_EQ(multiply_by_quantized_multiplier(-10, quantize_multiplier(0.25)), -3);
  // M = 3 (2^30 * 1.5 mantissa, shift 2): 7 * 3 = 21 via left shift 7 * 4 = 28, SRDHM(28, 0.75 * 2^31) = 21.
  EXPECT_EQ(multiply_by_quantized_multiplier(7, quantize_multiplier(3.0)), 21);
  // Where TFLite's int32 left shift would overflow, the shifted value saturates: M = 4 is mantissa 2^30 with
  // shift 3, so INT32_MAX * 8 -> INT32_MAX, then SRDHM(INT32_MAX, 2^30) = (2^30 (2^31 - 1) + 2^30) / 2^31 =
  // 2^30.
  EXPECT_EQ(
      multiply_by_quantized_multiplier(std::numeric_limits<std::int32_t>::max(), quantize_multiplier(4.0)),
      k2p30);
}

TEST(MultiplyByQuantizedMultiplier, SixtyFourBitAccumulators) {
  // M = 0.25 = 2^30 mantissa, shift -1 -> reduced mantissa (2^30 + 2^15) >> 16 = 16384 = 2^14, total shift
  // 16: x * 2^14 / 2^16 = x / 4 with ties towards +infinity: 10 -> 2.5 -> 3, -10 -> -2.5 -> -2.
  EXPECT_EQ(multiply_by_quantized_multiplier_64(10, quantize_multiplier(0.25)), 3);
  EXPECT_EQ(multiply_by_quantized_multiplier_64(-10, quantize_multiplier(0.25)), -2);
  // An accumulator beyond int32 (2^40, as int16 x int8 sums reach) times M = 2^-20 = 2^20 exactly.
  EXPECT_EQ(
      multiply_by_quantized_multiplier_64(std::int64_t{1} << 40, quantize_multiplier(std::ldexp(1.0, -20))),
      1 << 20);
  // The 16-bit reduction loses precision: M = 0.3 has mantissa 1288490189 -> reduced (m + 2^15) >> 16 =
  // 19661, so 1000 * 0.3 becomes round(1000 * 19661 / 2^16) = round(299.99) = 300 and 10^6 * 0.3 gives (10^6
  // * 19661 + 2^15) >> 16 = 300003 (not 300000).
  EXPECT_EQ(multiply_by_quantized_multiplier_64(1000, quantize_multiplier(0.3)), 300);
  EXPECT_EQ(multiply_by_quantized_multiplier_64(1000000, quantize_multiplier(0.3)), 300003);
}

TEST(QuantParams, AsymmetricSymmetricAndRoundTrip) {
  // [-1, 1] onto int8: scale 2/255; zero point from min: -128 + 127.5 = -0.5 (error 128 + 127.5), from max:
  // 127 - 127.5 = -0.5 (error 127 + 127.5, smaller) -> round(-0.5) = -1 (half away from zero).
  auto p = choose_asymmetric(-1.0f, 1.0f, -128, 127);
  EXPECT_FLOAT_EQ(p.scale, 2.0f / 255.0f);
  EXPECT_EQ(p.zero_point, -1);
  // [0, 6] (ReLU6) onto uint8: scale 6/255, zero point 0; the range is widened to contain 0 for [2, 6].
  p = choose_asymmetric(0.0f, 6.0f, 0, 255);
  EXPECT_EQ(p.zero_point, 0);
  EXPECT_FLOAT_EQ(choose_asymmetric(2.0f, 6.0f, 0, 255).scale, 6.0f / 255.0f);
  EXPECT_EQ(choose_asymmetric(0.0f, 0.0f, -128, 127).zero_point, 0);
  EXPECT_THROW(choose_asymmetric(1.0f, -1.0f, -128, 127), Error);
  // Symmetric weights: max |w| = 0.5 onto [-127, 127].
  const auto w = choose_symmetric(0.5f, 127);
  EXPECT_FLOAT_EQ(w.scale, 0.5f / 127.0f);
  EXPECT_EQ(quantize(0.5f, w, -127, 127), 127);
  EXPECT_EQ(quantize(-0.6f, w, -127, 127), -127);  // saturates
  // x / scale = 2.5 exactly -> 3 (half away from zero), -2.5 -> -3; zero point added after rounding.
  const QuantParams q{0.5f, 10};
  EXPECT_EQ(quantize(1.25f, q, -128, 127), 13);
  EXPECT_EQ(quantize(-1.25f, q, -128, 127), 7);
  EXPECT_FLOAT_EQ(dequantize(13, q), 1.5f);
  EXPECT_EQ(quantize(0.0f, p, 0, 255), p.zero_point);  // zero is exact
}

// TFLite MEAN's multiplier: QuantizeMultiplier(s_x / s_y) = (1613027504, 3), then the mantissa x 2^7 / 144
// (integer division) with shift 3 - 7. Scales from a nunet_s export; LiteRT's reference MEAN agreed with this
// on 40 random scale/shape cases x 64 channels (tests/peer/litert_matches.py checks whole models).
TEST(FixedPoint, MeanMultiplierDividesTheMantissa) {
  const double real = static_cast<double>(1.4192843437194824f) / static_cast<double>(0.23619326949119568f);
  const auto m = quantize_multiplier(real);
  EXPECT_EQ(m.multiplier, 1613027504);
  EXPECT_EQ(m.shift, 3);
  const auto mean = mean_multiplier(real, 144);
  EXPECT_EQ(mean.multiplier, 1433802225);  // a direct quantize_multiplier(real / 144) gives ...226
  EXPECT_EQ(mean.shift, -4);
  EXPECT_EQ(mean_multiplier(real, 1).multiplier, m.multiplier);
  EXPECT_THROW(mean_multiplier(real, 0), edgeq::Error);
}

}  // namespace
}  // namespace edgeq::quant
