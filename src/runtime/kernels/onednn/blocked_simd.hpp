// Eight float lanes (a GCC vector) for edgeq's own loops on oneDNN's blocked layout (nChw8c / nChw16c: one or
// two vectors per pixel). In functions built with __attribute__((target("avx2"))) they are ymm registers; in
// their plain twins (CPUs without AVX2) GCC splits them into SSE pairs.
#pragma once

#include <cstring>

namespace edgeq::runtime::onednn {

using v8f = float __attribute__((vector_size(32)));

/// Unaligned load / store of eight floats. By reference: a vector passed or returned by value changes the
/// ABI, which warning-free builds reject (-Wpsabi).
__attribute__((always_inline)) inline void load8(v8f& v, const float* p) {
  std::memcpy(&v, p, sizeof v);
}
__attribute__((always_inline)) inline void store8(float* p, const v8f& v) {
  std::memcpy(p, &v, sizeof v);
}

/// Whether the avx2 builds of these loops may run on this CPU.
inline bool cpu_has_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}

}  // namespace edgeq::runtime::onednn
