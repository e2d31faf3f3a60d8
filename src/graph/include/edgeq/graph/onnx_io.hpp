// ONNX import and export (Debian's ONNX protobuf library).
// Import accepts opset 7 to 21 and normalises version differences into the IR (opset-13 semantics): Clip
// bounds, Squeeze/Unsqueeze axes, Pad pads and Resize scales/sizes become attributes; Upsample becomes
// Resize; Constant nodes become initializers; Softmax before opset 13 is marked legacy_2d. QONNX
// Quant/BipolarQuant are accepted from the qonnx, finn and brevitas domains. Errors name the file, node, op
// type and opset. Export writes opset 13 (plus the QONNX domain when used), atomically.
#pragma once

#include <filesystem>
#include <string>

#include "edgeq/graph/ir.hpp"

namespace edgeq::graph {

inline constexpr std::int64_t kMinImportOpset = 7;
inline constexpr std::int64_t kMaxImportOpset = 21;
inline constexpr std::int64_t kExportOpset = 13;

/// Loads, validates, topologically sorts and shape-infers a model. Throws Error(BadInput) on any problem.
Graph load_onnx(const std::filesystem::path& path);
Graph parse_onnx(const std::string& bytes, const std::string& origin);
/// Serialises `graph` (shapes must be inferred) to ONNX bytes / an atomically written file.
std::string serialize_onnx(const Graph& graph);
void save_onnx(const Graph& graph, const std::filesystem::path& path);

}  // namespace edgeq::graph
