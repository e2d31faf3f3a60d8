// NumPy .npy files (format version 1.0/2.0, little-endian, C order): float32, int8, uint8, int32, int64.
#pragma once

#include <filesystem>

#include "edgeq/core/tensor.hpp"

namespace edgeq::core {

/// Reads a .npy file; throws Error(BadInput) naming the file for a bad header, Fortran order, big-endian
/// data, an unsupported dtype or a truncated file.
Tensor read_npy(const std::filesystem::path& path);
/// Writes a .npy file (version 1.0) atomically.
void write_npy(const std::filesystem::path& path, const Tensor& tensor);

}  // namespace edgeq::core
