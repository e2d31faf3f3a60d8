// Resolves a --model argument: an existing .onnx file, or a zoo model name built at the given input shape.
#pragma once

#include <cstdint>
#include <string>

#include "edgeq/graph/ir.hpp"

namespace edgeq::cli {

/// input_shape "CxHxW" (empty = the zoo default 3x200x200; ignored for files).
graph::Graph load_model(const std::string& model, const std::string& input_shape, int classes,
                        std::uint64_t seed);
/// Parses "3x200x200" (or "16") into dims; throws Error(BadInput).
core::Shape parse_shape(const std::string& text);

}  // namespace edgeq::cli
