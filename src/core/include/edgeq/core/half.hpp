// IEEE 754 binary16 (half precision) conversions, used for float16 weights (`edgeq quantize --scheme fp16`)
// and ONNX FLOAT16 tensors. Storage is the raw 16-bit pattern.
#pragma once

#include <cstdint>

namespace edgeq::core {

/// Nearest binary16 value, ties to even (as IEEE 754 and numpy's astype(float16)); values beyond the largest
/// finite half (65504) round to infinity, NaN stays NaN (quiet), subnormals are kept.
std::uint16_t float_to_half(float value);
/// Exact widening conversion (every binary16 value is a float32 value).
float half_to_float(std::uint16_t bits);

}  // namespace edgeq::core
