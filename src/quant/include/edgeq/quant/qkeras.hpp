// QKeras quantisers (arbitrary precision, per layer and per parameter type): forward values and the
// straight-through-estimator (STE) gradient that quantisation-aware training back-propagates. Semantics
// follow QKeras' quantizers (../shared/reference/quantisation-and-hardware.md, "QKeras semantics").
//
// quantized_bits(bits, integer, symmetric, keep_negative, alpha): with m = 2^(bits - keep_negative) and
// m_i = 2^integer, y = alpha * m_i * clip(round(x * m / m_i), keep_negative * (-m + symmetric), m - 1) / m,
// round = ties to even (tf.round); one signed bit is sign(x) with sign(0) = +1. alpha: None = 1, a number,
// or "auto" / "auto_po2": per channel, x / m_i is fitted by scale * z with integer |z| <= 2^(bits-1) - 1;
// scale starts at (max - min) / (2^bits - 1) and is refined 5 times by least squares sum(x z) / sum(z z)
// ("auto_po2": each scale rounded to a power of two); y = m_i * scale * z.
//
// quantized_relu(bits, integer, negative_slope): relu(x) on a grid of 2^(integer - b), b = bits -
// (negative_slope != 0), clipped to [0, 2^integer (1 - 2^-b)]; negative inputs give slope-scaled codes
// when negative_slope > 0 (a power of two).
//
// quantized_po2(bits, max_value, quadratic_approximation, log2_rounding): sign(x) * 2^e with e the rounded
// (or floored) log2|x| clipped to [-2^k, 2^k - 1], k = bits - 1 - (max_value is None or > 1); |x| is first
// capped at max_value; |x| < 1e-7 gives 2^min. quadratic_approximation rounds log2 sqrt|x| and doubles it
// (even exponents). quantized_relu_po2(bits, max_value, negative_slope): 2^e of relu(x) with exponents in
// [-2^k, 2^k - 1], k = bits - (max_value is None or > 1) (a non-positive input gives 2^min), and
// -2^e of slope * |x| for negative inputs when negative_slope > 0.
//
// binary(use_01, alpha): sign(x) (sign(0) = +1) or (sign + 1) / 2; alpha as above (auto: least squares).
// ternary(alpha, threshold): sign(x) where |x| >= threshold (default 0.33), else 0; alpha "auto" /
// "auto_po2": scale 2 max|x| / 3 refined 5 times with threshold scale / 2.
//
// STE: QKeras returns x' + stop_gradient(q(x) - x'), so dq/dx is dx'/dx: 1 for quantized_bits and
// quantized_po2 (also outside the clip range), the derivative of the clipped (leaky) ReLU for
// quantized_relu / quantized_relu_po2, and 1 - tanh(x)^2 for binary / ternary without alpha (x' = tanh x).
// Known difference: QKeras 0.9's code refines the "auto" scale with the power-of-two rounding as well;
// edgeq follows the documented least-squares formula for "auto".
#pragma once
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/core/rng.hpp"

namespace edgeq::quant {

enum class QuantizerKind { Bits, Relu, Po2, ReluPo2, Binary, Ternary };
enum class AlphaMode { None, Value, Auto, AutoPo2 };

struct QuantizerSpec {
  QuantizerKind kind = QuantizerKind::Bits;
  int bits = 8;
  int integer = 0;
  bool symmetric = false;
  bool keep_negative = true;
  AlphaMode alpha = AlphaMode::None;
  float alpha_value = 1.0f;              ///< AlphaMode::Value
  float negative_slope = 0.0f;           ///< quantized_relu, quantized_relu_po2
  std::optional<float> max_value;        ///< quantized_po2, quantized_relu_po2 (None = unbounded)
  bool quadratic_approximation = false;  ///< po2: even exponents
  bool log2_floor = false;               ///< po2: log2_rounding='floor' (default 'rnd')
  float threshold = 0.33f;               ///< ternary (fixed threshold modes)
  bool use_01 = false;                   ///< binary
  bool stochastic_rounding = false;      ///< training only: round up with probability frac(x * m / m_i)
  /// Set when made from an hls4ml type: the deployed fixed-point format with its quantisation and overflow
  /// modes (core/ap_fixed.hpp), for fixed-point inference.
  std::optional<core::ApFixed> ap_type;
};

/// Parses a QKeras quantiser string as written in QKeras configs and hls4ml/AutoQKeras YAML, e.g.
/// "quantized_bits(6,0,alpha=1)", "quantized_relu(7,1)", "binary(alpha='auto_po2')", "ternary()",
/// "stochastic_ternary()" / "stochastic_binary()" (stochastic rounding on). Positional arguments in QKeras'
/// constructor order. Throws Error(BadInput) naming the text for unknown quantisers, arguments or values
/// (bits outside 1..32, non-power-of-two negative_slope, ...).
QuantizerSpec parse_quantizer(const std::string& text);

/// hls4ml precision "ap_fixed<W,I>" (I counts the sign bit) -> quantized_bits(W, I - 1, keep_negative=1);
/// "ap_ufixed<W,I>" -> quantized_bits(W, I, keep_negative=0); "ap_int<W>" / "ap_uint<W>" -> integer grids.
/// The rounding/overflow modes (AP_RND, AP_SAT, ...) are recorded in ap_rounding / ap_overflow for
/// fixed-point inference; quantisation-aware training uses the quantized_bits grid (round, saturate) as
/// QKeras.
QuantizerSpec quantizer_from_ap_type(const std::string& text);

/// Canonical QKeras text of a spec (round-trips through parse_quantizer).
std::string to_string(const QuantizerSpec& spec);

/// Applies the quantiser to x (flat, channel of element i = (i / inner) % channels; channels matter only for
/// the "auto" alpha modes) into y (same size); dydx, if not empty, receives the STE gradient. rng is used
/// only when spec.stochastic_rounding (pass nullptr for inference: deterministic rounding). Returns nothing;
/// the per-channel scale of auto modes is written to scales (size channels) when not empty.
void apply_quantizer(const QuantizerSpec& spec, std::span<const float> x, std::span<float> y,
                     std::span<float> dydx = {}, std::int64_t channels = 1, std::int64_t inner = 1,
                     core::CounterRng* rng = nullptr, std::span<float> scales = {});

}  // namespace edgeq::quant
