// Vivado/Vitis HLS arbitrary-precision fixed point (ap_fixed<W, I, Q, O> / ap_ufixed), the number format of
// hls4ml firmware: W bits in all, I of them (sign included for ap_fixed) left of the binary point, so the
// step is 2^(I - W). Assigning a real value quantises it with mode Q and then handles overflow with mode O
// (Vitis HLS user guide UG1399, "Quantization Modes" and "Overflow Modes"):
//   AP_TRN floor (default), AP_TRN_ZERO towards zero; the AP_RND* modes round to the nearest step and differ
//   at ties: AP_RND towards +inf, AP_RND_ZERO towards zero, AP_RND_MIN_INF towards -inf, AP_RND_INF away from
//   zero, AP_RND_CONV to even; AP_WRAP keeps the low W bits (two's complement; default), AP_SAT clamps to
//   [min, max], AP_SAT_ZERO gives 0 on overflow, AP_SAT_SYM clamps to [-max, max] (signed) or [0, max]
//   (unsigned).
// AP_WRAP_SM and saturation bits N > 0 are not supported (rejected when parsed). Widths up to 48 bits, so
// that codes and values are exact in double precision.
#pragma once
#include <cstdint>
#include <string>

namespace edgeq::core {

enum class ApRounding { Trn, TrnZero, Rnd, RndZero, RndMinInf, RndInf, RndConv };
enum class ApOverflow { Wrap, Sat, SatZero, SatSym };

struct ApFixed {
  int width = 16;   ///< W
  int integer = 6;  ///< I (includes the sign bit when is_signed)
  bool is_signed = true;
  ApRounding rounding = ApRounding::Trn;
  ApOverflow overflow = ApOverflow::Wrap;

  /// Value of one step, 2^(I - W).
  double step() const;
  /// Smallest and largest code: [-2^(W-1), 2^(W-1) - 1] signed, [0, 2^W - 1] unsigned.
  std::int64_t min_code() const;
  std::int64_t max_code() const;
  /// The code a real value gets on assignment (quantisation, then overflow handling).
  std::int64_t code(double x) const;
  /// The value a real value gets on assignment: code(x) * step().
  double cast(double x) const { return static_cast<double>(code(x)) * step(); }
  /// hls4ml spelling, e.g. "ap_fixed<7,1,AP_RND_CONV,AP_SAT>" (modes omitted when default).
  std::string str() const;
};

/// Parses ap_fixed<W,I[,Q[,O[,N]]]>, ap_ufixed<...>, ap_int<W>, ap_uint<W>; throws Error(BadInput) naming the
/// text for malformed types, unknown or unsupported modes, W outside 1..48.
ApFixed parse_ap_fixed(const std::string& text);

}  // namespace edgeq::core
