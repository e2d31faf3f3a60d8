// Requantisation of int32 accumulators laid out channel-last (NHWC rows), the output stage of integer
// convolutions: code = clamp(MultiplyByQuantizedMultiplier(acc + bias[k], M[k]) + zero_point, lo, hi) for
// channel k. AVX2 (eight channels a step, 32 at a time where the channels allow it) where the CPU has it,
// else the scalar formula; both are bit-exact with quant::multiply_by_quantized_multiplier
// (tests/quant/test_requantise_rows.cpp compares them on random, tie and saturating inputs). The SIMD form
// uses the identity SaturatingRoundingDoublingHighMul(a, b) = floor((a * b + 2^30) / 2^31) (the same as
// TFLite's nudge-and-truncate for every a, b except a = b = INT32_MIN, which cannot occur: M >= 0).
#pragma once
#include <cstdint>
#include <vector>

#include "edgeq/quant/fixed_point.hpp"

namespace edgeq::quant {

class RowRequantiser {
 public:
  /// bias: one per channel (empty = zeros); multipliers: one per channel, or one for all channels; codes
  /// clamped to [lo, hi] after adding zero_point. Throws Error(BadInput) on mismatched sizes or lo > hi.
  RowRequantiser(std::vector<std::int32_t> bias, const std::vector<QuantizedMultiplier>& multipliers,
                 std::int64_t channels, std::int32_t zero_point, std::int32_t lo, std::int32_t hi);

  /// Requantises rows [0, rows) of `channels()` accumulators at acc (row stride = channels) into out (same
  /// layout), T = int8_t or uint8_t. Returns true when some accumulator (before the bias) has |acc| >=
  /// exact_limit (the caller's bound below which its accumulators are exact; pass INT32_MAX for none).
  template <typename T>
  bool run(const std::int32_t* acc, std::int64_t rows, T* out, std::int32_t exact_limit) const;

  std::int64_t channels() const { return channels_; }
  /// Whether run() takes the AVX2 path on this CPU.
  bool simd() const { return simd_; }
  /// Forces the scalar path (tests).
  void set_simd(bool on) { simd_ = on && simd_available_; }

 private:
  template <typename T>
  void scalar_row(const std::int32_t* acc, std::int64_t from, T* out) const;

  std::int64_t channels_;
  std::int32_t zero_point_, lo_, hi_;
  bool any_left_ = false, simd_available_ = false, simd_ = false;
  // Per channel, padded by one element (the odd-lane multiplier load reads one past a block of eight).
  std::vector<std::int32_t> bias_, mult_, left_, right_, mask_, half_mask_;
  std::vector<QuantizedMultiplier> qm_;
};

}  // namespace edgeq::quant
