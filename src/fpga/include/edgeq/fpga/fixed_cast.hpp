// Integer-exact ap_fixed assignment: the code a value v * 2^-frac_in gets when assigned to an ap_fixed type,
// with the type's rounding and overflow modes (Vitis HLS UG1399, "Quantization Modes", "Overflow Modes"; the
// same semantics as core::ApFixed::code on doubles, which tests/fpga/test_fixed_cast.cpp checks it against).
// This is the arithmetic of every cast in the emulator; the generated Verilog implements the same function
// (verilog_cast.cpp). Values are int64: callers keep |v| < 2^62 (widths are limited to 32 bits for data and
// 48 for accumulators, see network.hpp).
#pragma once

#include <cstdint>

#include "edgeq/core/ap_fixed.hpp"

namespace edgeq::fpga {

struct CastResult {
  std::int64_t code = 0;
  bool overflow = false;  ///< the rounded value was outside the type's range (then wrapped or saturated)
};

/// Fractional bits of a type: W - I (negative when the step is above 1).
inline int frac_bits(const core::ApFixed& t) {
  return t.width - t.integer;
}

/// Assigns v * 2^-frac_in to `to`.
CastResult cast_code(std::int64_t v, int frac_in, const core::ApFixed& to);

/// Smallest signed type ap_fixed<W, I> holding every value in [lo, hi] * 2^-frac exactly (frac kept).
core::ApFixed exact_type(std::int64_t lo, std::int64_t hi, int frac);

}  // namespace edgeq::fpga
