// The integer ap_fixed assignment (fpga/fixed_cast.hpp) against its double-precision twin
// core::ApFixed::code, plus the helpers of the Verilog generator (CSD digits, hex packing).
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/fixed_cast.hpp"
#include "edgeq/fpga/verilog.hpp"

namespace edgeq::fpga {
namespace {

using core::ApFixed;
using core::ApOverflow;
using core::ApRounding;

TEST(FixedCast, EqualsApFixedCodeForEveryModeOnRandomValues) {
  std::mt19937_64 rng(11);
  const ApRounding roundings[] = {ApRounding::Trn,     ApRounding::TrnZero,   ApRounding::Rnd,
                                  ApRounding::RndZero, ApRounding::RndMinInf, ApRounding::RndInf,
                                  ApRounding::RndConv};
  const ApOverflow overflows[] = {ApOverflow::Wrap, ApOverflow::Sat, ApOverflow::SatZero, ApOverflow::SatSym};
  std::uniform_int_distribution<std::int64_t> value(-(1 << 20), 1 << 20);
  std::uniform_int_distribution<int> frac_in(-3, 14), width(1, 16), integer(-4, 12);
  int checked = 0, ties = 0;
  for (auto q : roundings)
    for (auto o : overflows)
      for (bool is_signed : {true, false})
        for (int trial = 0; trial < 400; ++trial) {
          ApFixed t;
          t.width = width(rng);
          t.integer = integer(rng);
          t.is_signed = is_signed;
          t.rounding = q;
          t.overflow = o;
          const int f = frac_in(rng);
          // Every fourth value an exact tie between two steps of t, where the rounding modes differ.
          std::int64_t v = value(rng);
          const int s = f - frac_bits(t);
          if (trial % 4 == 0 && s >= 1 && s < 20) {
            v = (v >> s << s) + (std::int64_t{1} << (s - 1));
            ++ties;
          }
          const double real = std::ldexp(static_cast<double>(v), -f);
          ASSERT_EQ(cast_code(v, f, t).code, t.code(real)) << t.str() << " v=" << v << " frac=" << f;
          ++checked;
        }
  EXPECT_EQ(checked, 7 * 4 * 2 * 400);
  EXPECT_GT(ties, 1000);
}

TEST(FixedCast, ReportsOverflowOnlyOutsideTheRange) {
  const ApFixed t{8, 3};  // [-4, 4 - 2^-5], step 2^-5
  EXPECT_FALSE(cast_code(127, 5, t).overflow);
  EXPECT_TRUE(cast_code(128, 5, t).overflow);
  EXPECT_EQ(cast_code(128, 5, t).code, -128);  // wraps
  EXPECT_FALSE(cast_code(-128, 5, t).overflow);
  ApFixed sat = t;
  sat.overflow = ApOverflow::Sat;
  EXPECT_EQ(cast_code(1000, 5, sat).code, 127);
  // Truncation towards -inf: -1.5 steps -> -2 steps (AP_TRN), -1 step (AP_TRN_ZERO).
  EXPECT_EQ(cast_code(-3, 6, t).code, -2);
  ApFixed tz = t;
  tz.rounding = ApRounding::TrnZero;
  EXPECT_EQ(cast_code(-3, 6, tz).code, -1);
}

TEST(FixedCast, ExactTypeHoldsTheRange) {
  const auto t = exact_type(-300, 255, 4);
  EXPECT_EQ(t.width, 10);  // [-512, 511]
  EXPECT_EQ(t.integer, 6);
  EXPECT_TRUE(t.is_signed);
  EXPECT_EQ(exact_type(0, 0, 3).width, 1);
}

TEST(VerilogHelpers, CsdDigitsRebuildTheConstantWithNoAdjacentDigits) {
  for (std::int64_t c = -600; c <= 600; ++c) {
    const auto d = csd_digits(c);
    std::int64_t sum = 0;
    for (std::size_t k = 0; k < d.size(); ++k) {
      sum += d[k].second * (std::int64_t{1} << d[k].first);
      if (k > 0) {
        EXPECT_GT(d[k].first, d[k - 1].first + 1) << c;  // non-adjacent form
      }
    }
    EXPECT_EQ(sum, c);
  }
  EXPECT_EQ(csd_digits(7).size(), 2u);  // 8 - 1
  EXPECT_EQ(csd_digits(0).size(), 0u);
}

TEST(VerilogHelpers, HexPackingRoundTrips) {
  const ApFixed s{7, 1}, u{5, 2, false};
  const std::vector<std::int64_t> a = {-64, 63, 0, -1, 5};
  const auto hex = pack_hex(a, s);
  EXPECT_EQ(hex.size(), 9u);  // 35 bits
  EXPECT_EQ(unpack_hex(hex, 5, s), a);
  const std::vector<std::int64_t> b = {31, 0, 17};
  EXPECT_EQ(unpack_hex(pack_hex(b, u), 3, u), b);
  EXPECT_EQ(pack_hex(std::vector<std::int64_t>{1, 2}, ApFixed{4, 4}), "21");
  EXPECT_THROW(unpack_hex("zz", 1, s), Error);
}

}  // namespace
}  // namespace edgeq::fpga
