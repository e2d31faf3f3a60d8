// ap_fixed / ap_ufixed assignment semantics against the examples of the Vitis HLS user guide (UG1399,
// "Quantization Modes" and "Overflow Modes") and values worked out by hand from the mode definitions.
#include <gtest/gtest.h>

#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/core/error.hpp"

namespace edgeq::core {
namespace {

double cast(const std::string& type, double x) {
  return parse_ap_fixed(type).cast(x);
}

TEST(ApFixed, QuantisationModesAtTies) {
  // UG1399: ap_fixed<3,2,Q,AP_SAT> = +-1.25 (a tie between two steps of 0.5)
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND,AP_SAT>", 1.25), 1.5);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND,AP_SAT>", -1.25), -1.0);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_ZERO,AP_SAT>", 1.25), 1.0);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_ZERO,AP_SAT>", -1.25), -1.0);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_MIN_INF,AP_SAT>", 1.25), 1.0);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_MIN_INF,AP_SAT>", -1.25), -1.5);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_INF,AP_SAT>", 1.25), 1.5);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_INF,AP_SAT>", -1.25), -1.5);
  // convergent: to the even code (1.25 = 2.5 steps -> 2 steps; 0.75 = 1.5 steps -> 2 steps; -1.25 -> -2
  // steps)
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_CONV,AP_SAT>", 1.25), 1.0);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_CONV,AP_SAT>", 0.75), 1.0);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_RND_CONV,AP_SAT>", -1.25), -1.0);
  // truncations: floor (default) and towards zero
  EXPECT_EQ(cast("ap_fixed<3,2>", 1.4), 1.0);
  EXPECT_EQ(cast("ap_fixed<3,2>", -1.1), -1.5);
  EXPECT_EQ(cast("ap_fixed<3,2,AP_TRN_ZERO>", -1.1), -1.0);
  // off ties every rounding mode gives the nearest step
  for (const char* q : {"AP_RND", "AP_RND_ZERO", "AP_RND_MIN_INF", "AP_RND_INF", "AP_RND_CONV"}) {
    EXPECT_EQ(cast(std::string("ap_fixed<8,3,") + q + ">", 0.3), 0.3125) << q;  // step 1/32: 9.6 -> 10
    EXPECT_EQ(cast(std::string("ap_fixed<8,3,") + q + ">", -0.3), -0.3125) << q;
  }
}

TEST(ApFixed, OverflowModes) {
  // UG1399 examples with ap_[u]fixed<4,4,AP_RND,O>
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_SAT>", 19.0), 7.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_SAT>", -19.0), -8.0);
  EXPECT_EQ(cast("ap_ufixed<4,4,AP_RND,AP_SAT>", 19.0), 15.0);
  EXPECT_EQ(cast("ap_ufixed<4,4,AP_RND,AP_SAT>", -19.0), 0.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_SAT_ZERO>", 19.0), 0.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_SAT_ZERO>", -19.0), 0.0);
  EXPECT_EQ(cast("ap_ufixed<4,4,AP_RND,AP_SAT_ZERO>", -19.0), 0.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_SAT_SYM>", 19.0), 7.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_SAT_SYM>", -19.0), -7.0);
  EXPECT_EQ(cast("ap_ufixed<4,4,AP_RND,AP_SAT_SYM>", 19.0), 15.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_WRAP>", 31.0), -1.0);
  EXPECT_EQ(cast("ap_fixed<4,4,AP_RND,AP_WRAP>", -19.0), -3.0);
  EXPECT_EQ(cast("ap_ufixed<4,4,AP_RND,AP_WRAP>", 19.0), 3.0);
  EXPECT_EQ(cast("ap_ufixed<4,4,AP_RND,AP_WRAP>", -19.0), 13.0);
  // default wrap of a fractional type: ap_fixed<6,1> (step 1/32, [-1, 31/32]); 1.5 = 48 steps -> 48 - 64 =
  // -16
  EXPECT_EQ(cast("ap_fixed<6,1>", 1.5), -0.5);
  // huge values wrap too: 1e9 = 1.024e12 steps of 2^-10 = 15625000 * 2^16 exactly -> 0
  EXPECT_EQ(cast("ap_fixed<16,6>", 1e9), 0.0);
}

TEST(ApFixed, CodesRangesAndIntegerTypes) {
  const auto a = parse_ap_fixed("ap_fixed<7,1,AP_RND_CONV,AP_SAT>");
  EXPECT_EQ(a.step(), 1.0 / 64);
  EXPECT_EQ(a.min_code(), -64);
  EXPECT_EQ(a.max_code(), 63);
  EXPECT_EQ(a.code(0.5), 32);
  EXPECT_EQ(a.str(), "ap_fixed<7,1,AP_RND_CONV,AP_SAT>");
  EXPECT_EQ(parse_ap_fixed("ap_fixed<16,6>").str(), "ap_fixed<16,6>");
  const auto u = parse_ap_fixed("ap_uint<8>");
  EXPECT_EQ(u.step(), 1.0);
  EXPECT_EQ(u.cast(300.0), 44.0);  // wrap modulo 256
  EXPECT_EQ(parse_ap_fixed("ap_int<8>").cast(-129.0), 127.0);
  // I < 0 and I > W (UG1399: ap_ufixed<1,-1> holds 0 or 0.25)
  EXPECT_EQ(parse_ap_fixed("ap_ufixed<1,-1,AP_RND>").cast(0.2), 0.25);
  EXPECT_EQ(parse_ap_fixed("ap_fixed<4,6,AP_TRN,AP_SAT>").cast(13.0), 12.0);  // step 4
}

TEST(ApFixed, RejectsBadTypes) {
  for (const std::string t :
       {"ap_fixed<6>", "ap_fixed<0,0>", "ap_fixed<64,3>", "ap_float<8,2>", "ap_fixed<8,2,AP_FOO>",
        "ap_fixed<8,2,AP_RND,AP_WRAP_SM>", "ap_fixed<8,2,AP_RND,AP_WRAP,3>", "ap_fixed<8,x>",
        "ap_fixed<8,2>junk", "ap_int<4,2>"}) {
    EXPECT_THROW(parse_ap_fixed(t), Error) << t;
  }
}

}  // namespace
}  // namespace edgeq::core
