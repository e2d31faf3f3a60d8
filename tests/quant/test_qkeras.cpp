// QKeras quantisers against values computed by hand from the formulas in
// ../shared/reference/quantisation-and-hardware.md ("QKeras semantics") and QKeras' definitions
// (m = 2^(bits - keep_negative), m_i = 2^integer, round = ties to even as tf.round).
#include <gtest/gtest.h>

#include <vector>

#include "edgeq/core/error.hpp"
#include "edgeq/quant/qkeras.hpp"

namespace edgeq::quant {
namespace {

std::vector<float> run(const std::string& q, std::vector<float> x, std::int64_t channels = 1,
                       std::int64_t inner = 1, std::vector<float>* grad = nullptr) {
  std::vector<float> y(x.size());
  if (grad) grad->assign(x.size(), -1.0f);
  apply_quantizer(parse_quantizer(q), x, y, grad ? std::span<float>(*grad) : std::span<float>(), channels,
                  inner);
  return y;
}

void expect_values(const std::vector<float>& got, const std::vector<float>& want, float tol = 0.0f) {
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "element " << i;
}

TEST(QKerasBits, SignedGridTiesToEvenAndSaturation) {
  // quantized_bits(4,0): m = 8, step 1/8, codes [-8, 7] -> [-1, 0.875]
  expect_values(run("quantized_bits(4,0)", {0.3f, 0.3125f, 0.4375f, -0.3125f, 5.0f, -5.0f, 0.0f}),
                {0.25f, 0.25f, 0.5f, -0.25f, 0.875f, -1.0f, 0.0f});
  // symmetric: codes [-7, 7]
  expect_values(run("quantized_bits(4,0,1)", {-5.0f, 5.0f}), {-0.875f, 0.875f});
  // quantized_bits(8,3): m = 128, m_i = 8, step 1/16, range [-8, 8 - 1/16]; 1.03125 * 16 = 16.5 -> 16
  expect_values(run("quantized_bits(8,3)", {1.03125f, 1.09375f, 100.0f, -100.0f}),
                {1.0f, 1.125f, 7.9375f, -8.0f});
  // 16 bits, integer 5: step 2^-10; pi * 1024 = 3216.99 -> 3217
  expect_values(run("quantized_bits(16,5)", {3.14159265f}), {3217.0f / 1024.0f});
}

TEST(QKerasBits, UnsignedOneBitAndAlpha) {
  // keep_negative=0, 4 bits, integer 2: m = 16, m_i = 4, step 0.25, [0, 3.75]; 1.125 / 0.25 = 4.5 -> 4
  expect_values(run("quantized_bits(4,2,keep_negative=0)", {-1.0f, 1.125f, 1.375f, 9.0f}),
                {0.0f, 1.0f, 1.5f, 3.75f});
  // one signed bit: sign(x), sign(0) = +1
  expect_values(run("quantized_bits(1,0)", {0.2f, -3.0f, 0.0f}), {1.0f, -1.0f, 1.0f});
  // one unsigned bit: m = 2, codes {0, 1} -> {0, 0.5}
  expect_values(run("quantized_bits(1,0,keep_negative=False)", {0.2f, 0.3f, -1.0f}), {0.0f, 0.5f, 0.0f});
  // float alpha multiplies the quantised value: 0.3 -> 0.25 -> 0.125
  expect_values(run("quantized_bits(4,0,alpha=0.5)", {0.3f}), {0.125f});
}

TEST(QKerasBits, AutoAlphaLeastSquares) {
  // bits 4: levels 15, |z| <= 7. x = [0.7, -0.35, 0.1, 0]; start scale (0.7 + 0.35) / 15 = 0.07.
  // auto: z = [7, -5, 1, 0] -> s = 6.75 / 75 = 0.09 -> z = [7, -4, 1, 0] -> s = 6.4 / 66 (fixed point).
  const float s = 6.4f / 66.0f;
  expect_values(run("quantized_bits(4,0,alpha='auto')", {0.7f, -0.35f, 0.1f, 0.0f}), {7 * s, -4 * s, s, 0.0f},
                1e-6f);
  // auto_po2: 0.07 -> 2^-4; z = [7, -6, 2, 0] -> s = 7.2 / 89 = 0.0809 -> 2^-4 again.
  expect_values(run("quantized_bits(4,0,alpha='auto_po2')", {0.7f, -0.35f, 0.1f, 0.0f}),
                {0.4375f, -0.375f, 0.125f, 0.0f});
  // per channel (channel = (i / inner) % channels): two channels of two elements fit independently
  // channel 0: x = [1, -1] -> start 2/15, z = [7, -7], s = 1/7; channel 1: x = [0.5, 0.25] -> start
  // 0.25/15, z = [7, 7] then the fit s = 0.75 * 7 / 98 = 0.0536 -> z = [7, 5] -> s = (3.5 + 1.25) / 74 -> ...
  const auto y = run("quantized_bits(4,0,alpha='auto')", {1.0f, -1.0f, 0.5f, 0.25f}, 2, 2);
  EXPECT_NEAR(y[0], 1.0f, 1e-6f);
  EXPECT_NEAR(y[1], -1.0f, 1e-6f);
  EXPECT_NEAR(y[2], 0.5f, 0.04f);  // a 4-bit grid through 0.25 and 0.5: both within half a step
  EXPECT_NEAR(y[3], 0.25f, 0.04f);
}

TEST(QKerasRelu, GridClipAndSteGradient) {
  // quantized_relu(4,0): m = 16, step 1/16, top 15/16; 0.53125 * 16 = 8.5 -> 8
  std::vector<float> g;
  expect_values(run("quantized_relu(4,0)", {0.5f, 0.53125f, 2.0f, -1.0f}, 1, 1, &g),
                {0.5f, 0.5f, 0.9375f, 0.0f});
  expect_values(g, {1.0f, 1.0f, 0.0f, 0.0f});
  // hls4ml example activations quantized_relu(7,1): m = 128, m_i = 2, step 1/64, top 2 - 1/64
  expect_values(run("quantized_relu(7,1)", {0.3f, 5.0f}), {19.0f / 64.0f, 2.0f - 1.0f / 64.0f});
  // negative_slope 0.25, 4 bits -> 3 magnitude bits (m = 8): -1 -> slope * clip(round(-8 * 0.25) / 2, -1, 0)
  expect_values(run("quantized_relu(4,0,negative_slope=0.25)", {-1.0f, 0.5f}, 1, 1, &g), {-0.25f, 0.5f});
  expect_values(g, {0.25f, 1.0f});
}

TEST(QKerasSign, BinaryAndTernary) {
  std::vector<float> g;
  expect_values(run("binary()", {0.3f, -0.2f, 0.0f}, 1, 1, &g), {1.0f, -1.0f, 1.0f});
  EXPECT_NEAR(g[0], 1.0f - std::tanh(0.3f) * std::tanh(0.3f), 1e-6f);  // STE through tanh without alpha
  expect_values(run("binary(use_01=1)", {0.3f, -0.2f, 0.0f}), {1.0f, 0.0f, 1.0f});
  // auto alpha: least squares of x on sign(x) = mean |x| = (0.3 + 0.2 + 0.1) / 3
  expect_values(run("binary(alpha='auto')", {0.3f, -0.2f, 0.1f}), {0.2f, -0.2f, 0.2f}, 1e-6f);
  // ternary, default threshold 0.33 (inclusive)
  expect_values(run("ternary()", {0.5f, 0.2f, -0.4f, 0.33f}), {1.0f, 0.0f, -1.0f, 1.0f});
  expect_values(run("ternary(threshold=0.1)", {0.2f, -0.05f}), {1.0f, 0.0f});
  // auto: scale 2 * 0.9 / 3 = 0.6, threshold 0.3 -> q = [1, -1, 0, 0] -> scale (0.9 + 0.6) / 2 = 0.75 (fixed)
  expect_values(run("ternary(alpha='auto')", {0.9f, -0.6f, 0.1f, 0.05f}), {0.75f, -0.75f, 0.0f, 0.0f}, 1e-6f);
}

TEST(QKerasParse, TextRoundTripsAndApTypes) {
  for (const std::string t :
       {"quantized_bits(6,0,0,alpha=1)", "quantized_relu(7,1)", "binary(use_01=0,alpha='auto_po2')",
        "ternary(threshold=0.25)", "quantized_bits(4,2,0,keep_negative=0)"}) {
    const auto q = parse_quantizer(t);
    EXPECT_EQ(to_string(parse_quantizer(to_string(q))), to_string(q)) << t;
  }
  const auto a = quantizer_from_ap_type("ap_fixed<6,1>");  // hls4ml example weights
  EXPECT_EQ(a.bits, 6);
  EXPECT_EQ(a.integer, 0);
  EXPECT_TRUE(a.keep_negative);
  const auto u = quantizer_from_ap_type("ap_ufixed<8,3,AP_RND,AP_SAT>");
  EXPECT_EQ(u.integer, 3);
  EXPECT_FALSE(u.keep_negative);
  // ap_fixed<6,1> has step 2^-5 and range [-1, 1 - 2^-5]
  std::vector<float> y(3);
  const std::vector<float> x{0.51f, 3.0f, -3.0f};
  apply_quantizer(a, x, y);
  expect_values(y, {16.0f / 32.0f, 31.0f / 32.0f, -1.0f});
  EXPECT_TRUE(parse_quantizer("stochastic_ternary()").stochastic_rounding);
}

TEST(QKerasParse, RejectsBadText) {
  for (const std::string t : {"quantized_bits", "quantized_foo(4)", "quantized_bits(0)", "quantized_bits(40)",
                              "quantized_relu(4,0,0,0.3)", "quantized_bits(4,0,bogus=1)", "quantized_bits(x)",
                              "quantized_relu(4,0,alpha=1)", "ap_fixed<6>", "ap_float<8,2>"}) {
    EXPECT_THROW(t.rfind("ap_", 0) == 0 ? quantizer_from_ap_type(t) : parse_quantizer(t), Error) << t;
  }
}

}  // namespace
}  // namespace edgeq::quant

namespace edgeq::quant {
namespace {

TEST(QKerasPo2, ExponentsRoundedAndClipped) {
  // quantized_po2(4): no max_value -> exponent sign bit -> k = 4 - 1 - 1 = 2, exponents [-4, 3].
  // 0.3: log2 = -1.74 -> -2; 5: 2.32 -> 2; 100 -> 3 (clipped); 0.001: -9.97 -> -4 (clipped); 0 -> 2^-4.
  expect_values(run("quantized_po2(4)", {0.3f, -5.0f, 100.0f, 0.001f, 0.0f, 3.0f}),
                {0.25f, -4.0f, 8.0f, 0.0625f, 0.0625f, 4.0f});
  // max_value = 1: no exponent sign bit -> k = 3, exponents [-8, 7]; |x| capped at 1
  expect_values(run("quantized_po2(4,1)", {5.0f, 0.01f, -0.01f}), {1.0f, 0.0078125f, -0.0078125f});
  // floor of log2: 3 -> 2^1, 0.2 -> 2^-3
  expect_values(run("quantized_po2(4,log2_rounding='floor')", {3.0f, 0.2f}), {2.0f, 0.125f});  // -2.32 -> -3
  // quadratic approximation: exponent 2 * round(log2 sqrt|x|), max exponent 2 * floor(3 / 2) = 2 (then
  // doubled)
  expect_values(run("quantized_po2(4,quadratic_approximation=1)", {0.3f, 5.0f, 100.0f}),
                {0.25f, 4.0f, 16.0f});
}

TEST(QKerasPo2, ReluPo2AndGradient) {
  // quantized_relu_po2(4): k = 4 - 1 = 3, exponents [-8, 7]; a non-positive input gives 2^-8 (as QKeras)
  std::vector<float> g;
  expect_values(run("quantized_relu_po2(4)", {0.3f, -1.0f, 200.0f}, 1, 1, &g), {0.25f, 0.00390625f, 128.0f});
  expect_values(g, {1.0f, 0.0f, 1.0f});
  // max_value 2 caps both the value and the gradient
  expect_values(run("quantized_relu_po2(4,2)", {5.0f, 1.5f}, 1, 1, &g), {2.0f, 2.0f});
  expect_values(g, {0.0f, 1.0f});
  // negative slope 0.25: -1 -> -(2^log2(0.25)) = -0.25, gradient 0.25
  expect_values(run("quantized_relu_po2(4,None,0.25)", {-1.0f}, 1, 1, &g), {-0.25f});
  expect_values(g, {0.25f});
  const auto q = parse_quantizer("quantized_relu_po2(4,2,quadratic_approximation=1)");
  EXPECT_EQ(to_string(parse_quantizer(to_string(q))), to_string(q));
  EXPECT_THROW(parse_quantizer("quantized_po2(4,log2_rounding='ceil')"), Error);
  EXPECT_THROW(parse_quantizer("quantized_po2(4,-1)"), Error);
}

}  // namespace
}  // namespace edgeq::quant
