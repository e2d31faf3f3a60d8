// RowRequantiser (the SIMD output stage of integer convolutions) against the scalar TFLite formula
// quant::multiply_by_quantized_multiplier, itself pinned by hand-computed cases in test_fixed_point.cpp.
#include <gtest/gtest.h>

#include <limits>

#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"
#include "edgeq/quant/requantise_rows.hpp"

namespace edgeq::quant {
namespace {

constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();

/// Accumulators mixing random magnitudes (all scales up to the full int32 range), the extremes, and small
/// values where M = 2^-k makes rounding ties frequent.
std::vector<std::int32_t> accumulators(std::size_t n, std::uint64_t seed) {
  core::CounterRng rng(seed, 3, 0);
  std::vector<std::int32_t> a(n);
  for (auto& v : a) {
    const double u = rng.uniform(), s = rng.uniform();
    const int bits = static_cast<int>(u * 32);
    const auto mag = static_cast<std::int64_t>(s * static_cast<double>(std::int64_t{1} << bits));
    v = static_cast<std::int32_t>(rng.uniform() < 0.5 ? -mag : mag);
  }
  for (std::size_t i = 0; i + 4 < n; i += 97) a[i] = kMin, a[i + 1] = kMax, a[i + 2] = kMin + 1, a[i + 3] = 0;
  return a;
}

std::vector<QuantizedMultiplier> multipliers(std::int64_t channels, std::uint64_t seed) {
  core::CounterRng rng(seed, 4, 0);
  std::vector<QuantizedMultiplier> m;
  for (std::int64_t k = 0; k < channels; ++k) {
    const double u = rng.uniform();
    if (k % 7 == 0)
      m.push_back(quantize_multiplier(std::ldexp(0.5, -static_cast<int>(u * 12))));  // exact powers: ties
    else if (k % 11 == 3)
      m.push_back(quantize_multiplier(1.0 + u * 100.0));  // left shifts
    else if (k % 13 == 5)
      m.push_back({0, 0});  // multipliers below 2^-31
    else
      m.push_back(quantize_multiplier(std::ldexp(0.5 + 0.5 * u, -static_cast<int>(rng.uniform() * 30))));
  }
  return m;
}

template <typename T>
void expect_matches_formula(std::int64_t channels, std::int32_t zp, std::int32_t lo, std::int32_t hi,
                            bool with_left, std::uint64_t seed) {
  auto m = multipliers(channels, seed);
  if (!with_left)
    for (auto& q : m) q.shift = std::min(q.shift, 0);
  std::vector<std::int32_t> bias(static_cast<std::size_t>(channels));
  core::CounterRng rng(seed, 5, 0);
  for (auto& b : bias) b = static_cast<std::int32_t>((rng.uniform() - 0.5) * 4000);
  const std::int64_t rows = 61;
  const auto acc = accumulators(static_cast<std::size_t>(rows * channels), seed);
  std::vector<T> simd(acc.size()), scalar(acc.size());
  RowRequantiser rq(bias, m, channels, zp, lo, hi);
  const bool over = rq.run<T>(acc.data(), rows, simd.data(), 1 << 24);
  rq.set_simd(false);
  EXPECT_EQ(rq.run<T>(acc.data(), rows, scalar.data(), 1 << 24), over);
  EXPECT_TRUE(over) << "the accumulators include values beyond 2^24";
  std::int64_t differ = 0, differ_scalar = 0;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t k = 0; k < channels; ++k) {
      const auto i = static_cast<std::size_t>(r * channels + k), ku = static_cast<std::size_t>(k);
      // x + bias in int64 then saturated, as no caller adds a bias that overflows int32
      const auto x =
          static_cast<std::int32_t>(std::clamp<std::int64_t>(std::int64_t{acc[i]} + bias[ku], kMin, kMax));
      if (x != static_cast<std::int64_t>(acc[i]) + bias[ku]) continue;
      const std::int32_t want = std::clamp(multiply_by_quantized_multiplier(x, m[ku]) + zp, lo, hi);
      differ += simd[i] != static_cast<T>(want);
      differ_scalar += scalar[i] != static_cast<T>(want);
    }
  EXPECT_EQ(differ, 0) << channels << " channels";
  EXPECT_EQ(differ_scalar, 0) << channels << " channels";
}

TEST(RowRequantiser, Int8MatchesTheFormulaForEveryChannelCount) {
  for (const std::int64_t ch : {1, 3, 8, 16, 24, 32, 40, 64, 67, 96})
    expect_matches_formula<std::int8_t>(ch, -5, -128, 127, false, 10 + static_cast<std::uint64_t>(ch));
}

TEST(RowRequantiser, LeftShiftsSaturateAsTheFormula) {
  for (const std::int64_t ch : {8, 32, 45})
    expect_matches_formula<std::int8_t>(ch, 3, -128, 127, true, 50 + static_cast<std::uint64_t>(ch));
}

TEST(RowRequantiser, Uint8AndFusedActivationBounds) {
  for (const std::int64_t ch : {16, 32, 35}) {
    expect_matches_formula<std::uint8_t>(ch, 128, 0, 255, true, 70 + static_cast<std::uint64_t>(ch));
    expect_matches_formula<std::uint8_t>(ch, 3, 3, 200, false, 80 + static_cast<std::uint64_t>(ch));
    expect_matches_formula<std::int8_t>(ch, -128, -128, 60, true, 90 + static_cast<std::uint64_t>(ch));
  }
}

TEST(RowRequantiser, FlagsAccumulatorsAtTheExactLimit) {
  const std::vector<QuantizedMultiplier> m = {quantize_multiplier(0.001)};
  RowRequantiser rq({}, m, 16, 0, -128, 127);
  std::vector<std::int32_t> acc(32, 5);
  std::vector<std::int8_t> out(32);
  EXPECT_FALSE(rq.run<std::int8_t>(acc.data(), 2, out.data(), 1 << 24));
  for (const std::int32_t edge : {1 << 24, -(1 << 24), kMin}) {
    for (const std::size_t at : {std::size_t{3}, std::size_t{31}}) {
      acc.assign(32, 5);
      acc[at] = edge;
      EXPECT_TRUE(rq.run<std::int8_t>(acc.data(), 2, out.data(), 1 << 24)) << edge << " at " << at;
    }
  }
  acc.assign(32, (1 << 24) - 1);
  EXPECT_FALSE(rq.run<std::int8_t>(acc.data(), 2, out.data(), 1 << 24));
}

TEST(RowRequantiser, RejectsMismatchedParameters) {
  const std::vector<QuantizedMultiplier> two = {{1 << 30, 0}, {1 << 30, 0}};
  EXPECT_THROW(RowRequantiser({}, two, 3, 0, -128, 127), Error);
  EXPECT_THROW(RowRequantiser({1, 2}, two, 3, 0, -128, 127), Error);
  EXPECT_THROW(RowRequantiser({}, two, 2, 0, 10, -10), Error);
}

}  // namespace
}  // namespace edgeq::quant
