// Float tolerances for comparing fast kernels with the reference, from rounding-error analysis (the single
// place where they are defined).
//
// A float32 dot product of length K computed in any order satisfies |fl(x.w) - x.w| <= gamma_K sum |x_i w_i|
// with gamma_K = K u / (1 - K u) and u = 2^-24 (Higham, "Accuracy and Stability of Numerical Algorithms",
// 2nd ed., eq. 3.5). The reference accumulates in double, so its own error is negligible next to this bound.
// Kernels that also round their inputs or fuse operations add a few units of roundoff per element.
#pragma once

#include <cmath>
#include <cstdint>

namespace edgeq::runtime {

inline constexpr double kUnitRoundoff = 0x1.0p-24;

/// gamma_K of Higham eq. 3.5.
inline double dot_gamma(std::int64_t k) {
  const double ku = static_cast<double>(k) * kUnitRoundoff;
  return ku / (1.0 - ku);
}

/// Allowed |fast - reference| for one output of a length-k dot product whose sum of |x_i w_i| is abs_sum,
/// plus `extra_ulps` roundings of the result (bias add, output conversion).
inline double dot_tolerance(std::int64_t k, double abs_sum, double result_magnitude, int extra_ulps = 2) {
  return dot_gamma(k) * abs_sum + extra_ulps * kUnitRoundoff * result_magnitude + 1e-30;
}

/// Winograd F(T x T, 3 x 3) convolution (runtime/kernels/onednn/winograd_conv.cpp, T = 2 or 4) with
/// `channels` input channels. Every product term passes through at most channels + winograd_roundings(T)
/// roundings: the filter transform G g G^T (computed in double, rounded once), the input transform B^T d B
/// (two stages; per stage a term meets 1 rounding for T = 2, at most 3 for T = 4: a multiplication by 5 and
/// two additions; the factors 2 and 4 are exact), the product (1), the GEMM's sum over the channels (channels
/// - 1), the output transform A^T M A (two stages of 2 resp. 3 roundings; factors 2, 4, 8 exact), the bias
/// and the residual additions (2). By Higham's Lemma 3.1 and eq. 3.5 applied term by term, |fl(y) - y| <=
/// gamma_{channels + r} * S, where S is the same computation on absolute values: |A^T| (sum_c (|G| |g_c|
/// |G^T|) o (|B^T| |d_c| |B|)) |A| + |bias| + |residual|. S exceeds sum |w x| of the direct convolution by a
/// factor that grows with T (Barabasz et al., "Error analysis and improving the accuracy of Winograd
/// convolution for deep neural networks", ACM TOMS 46, 2020), which is why F(4x4, 3x3) is as far as the
/// runtime goes. Plus `extra_ulps` roundings of the result, as dot_tolerance.
inline constexpr int winograd_roundings(int tile) {
  return tile == 2 ? 1 + 2 * 1 + 1 + 2 * 2 + 2 : 1 + 2 * 3 + 1 + 2 * 3 + 2;
}
inline double winograd_tolerance(int tile, std::int64_t channels, double abs_winograd_sum,
                                 double result_magnitude, int extra_ulps = 2) {
  return dot_gamma(channels + winograd_roundings(tile)) * abs_winograd_sum +
         extra_ulps * kUnitRoundoff * result_magnitude + 1e-30;
}

/// Element-wise transcendental functions (sigmoid, tanh): the reference is the correctly rounded double
/// result rounded to float (<= 0.5 ulp); oneDNN's vectorised polynomial approximations are not documented per
/// algorithm, so we allow 8 units of roundoff relative to the result plus 8 u absolute near zero (measured:
/// <= 2 ulp).
inline constexpr int kTranscendentalUlps = 8;

/// Inference BatchNorm: the reference computes x * g + (beta - mean * g) in double; oneDNN computes
/// (x - mean) * g + beta in float: at most 3 roundings, i.e. |error| <= 3u (|x - mean| |g| + |beta|) + u |y|.
inline double batchnorm_tolerance(double x_minus_mean_times_g, double beta, double y) {
  return 3.0 * kUnitRoundoff * (std::abs(x_minus_mean_times_g) + std::abs(beta)) +
         kUnitRoundoff * std::abs(y) + 1e-30;
}

/// One op evaluated in float64 (LibTorch training executor in double) against the reference kernel: the
/// reference accumulates in double and rounds the result to float32 (<= u |y|); elementwise steps the
/// reference does in float (Add, Mul, LeakyRelu) add at most one more rounding. Allow 4u |y| plus 4u of 1% of
/// the output's largest magnitude, for results that cancel to near zero.
inline double float32_result_tolerance(double y, double y_max_abs) {
  return 4.0 * kUnitRoundoff * (std::abs(y) + 0.01 * y_max_abs) + 1e-30;
}

/// Relative tolerance for comparing a whole network before and after a rewrite that re-rounds weights (e.g.
/// BatchNorm folding: W' = fl(W g) perturbs each weight by at most u relative). A relative perturbation delta
/// of every layer's weights moves the output by about L * kappa * delta for L layers of condition number
/// kappa; with delta = 2u, L <= 60 and kappa <= 400 this stays below 1e-4 of the output's magnitude (floored
/// at 1).
inline constexpr double kRewriteRelTolerance = 1e-4;

}  // namespace edgeq::runtime
