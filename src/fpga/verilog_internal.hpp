// Helpers shared by the Verilog generator's files (not installed).
#pragma once

#include <cstdint>
#include <string>

#include "edgeq/core/ap_fixed.hpp"

namespace edgeq::fpga::rtl {

/// A bit vector holding value = code * 2^-frac.
struct Operand {
  int width = 1;
  int frac = 0;
  bool is_signed = true;
};

inline Operand operand(const core::ApFixed& t) {
  return {t.width, t.width - t.integer, t.is_signed};
}

/// A Verilog function `name` computing the ap_fixed assignment of an `in` operand to type `to` (the
/// arithmetic of fixed_cast.hpp, in logic).
std::string cast_function(const std::string& name, Operand in, const core::ApFixed& to);

/// Two's-complement literal "W'h..." of code in `width` bits.
std::string literal(std::int64_t code, int width);

/// `expr` (from bits, signed or not) extended to `to` bits, as a concatenation.
std::string extend(const std::string& expr, int from, bool is_signed, int to);

/// A Verilog identifier made from a layer name.
std::string identifier(const std::string& name);

}  // namespace edgeq::fpga::rtl
