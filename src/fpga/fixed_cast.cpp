#include "edgeq/fpga/fixed_cast.hpp"

#include <algorithm>

namespace edgeq::fpga {

namespace {

using core::ApOverflow;
using core::ApRounding;

/// floor(v / 2^s) plus the rounding increment of mode q (s > 0).
std::int64_t round_shift(std::int64_t v, int s, ApRounding q) {
  const std::int64_t floor = v >> s;  // arithmetic shift: floor division
  const std::int64_t rem = v - (floor << s);
  const std::int64_t half = std::int64_t{1} << (s - 1);
  switch (q) {
    case ApRounding::Trn:
      return floor;
    case ApRounding::TrnZero:
      return floor + (v < 0 && rem != 0 ? 1 : 0);
    default:
      break;
  }
  if (rem != half) return floor + (rem > half ? 1 : 0);
  switch (q) {  // exactly half a step
    case ApRounding::Rnd:
      return floor + 1;
    case ApRounding::RndZero:
      return floor + (v < 0 ? 1 : 0);
    case ApRounding::RndMinInf:
      return floor;
    case ApRounding::RndInf:
      return floor + (v >= 0 ? 1 : 0);
    default:  // RndConv: to even
      return floor + ((floor & 1) != 0 ? 1 : 0);
  }
}

}  // namespace

CastResult cast_code(std::int64_t v, int frac_in, const core::ApFixed& to) {
  const int s = frac_in - frac_bits(to);
  std::int64_t q = v;
  if (s > 0) {
    q = s >= 63 ? (v < 0 && to.rounding == ApRounding::Trn ? -1 : 0) : round_shift(v, s, to.rounding);
  } else if (s < 0) {
    q = v * (std::int64_t{1} << std::min(-s, 62));
  }
  const std::int64_t lo = to.min_code(), hi = to.max_code();
  if (q >= lo && q <= hi) return {q, false};
  switch (to.overflow) {
    case ApOverflow::Sat:
      return {q > hi ? hi : lo, true};
    case ApOverflow::SatZero:
      return {0, true};
    case ApOverflow::SatSym:
      return {q > hi ? hi : (to.is_signed ? -hi : 0), true};
    case ApOverflow::Wrap:
      break;
  }
  const auto modulus = static_cast<std::uint64_t>(1) << to.width;
  auto low = static_cast<std::int64_t>(static_cast<std::uint64_t>(q) & (modulus - 1));
  if (to.is_signed && low > hi) low -= static_cast<std::int64_t>(modulus);
  return {low, true};
}

core::ApFixed exact_type(std::int64_t lo, std::int64_t hi, int frac) {
  int width = 1;
  while (width < 62 && (lo < -(std::int64_t{1} << (width - 1)) || hi > (std::int64_t{1} << (width - 1)) - 1))
    ++width;
  core::ApFixed t;
  t.width = width;
  t.integer = width - frac;
  t.is_signed = true;
  return t;
}

}  // namespace edgeq::fpga
