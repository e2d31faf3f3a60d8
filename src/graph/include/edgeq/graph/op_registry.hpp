// The single list of operators edgeq understands, with shape inference and MAC counting per op.
// Ops live in src/graph/ops/<family>.cpp; kernels in src/runtime/kernels/*/<family>.cpp.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::graph {

/// Canonical domain of QONNX custom ops ("onnx.brevitas" and "finn.custom_op.general" map here at import).
inline constexpr const char* kQonnxDomain = "qonnx.custom_op.general";
/// Domain of edgeq's internal integer operators (lowered QDQ graphs; see graph/ops/qlinear.cpp).
inline constexpr const char* kEdgeqDomain = "ai.edgeq";

struct InferContext {
  const Graph& graph;
  const Node& node;
  std::vector<ValueInfo> inputs;   ///< one per node input ("" inputs: empty shape)
  std::vector<ValueInfo> outputs;  ///< filled by the op
  /// The constant value of input i if it is an initializer, else nullptr.
  const Tensor* constant(std::size_t i) const;
  bool has_input(std::size_t i) const { return i < node.inputs.size() && !node.inputs[i].empty(); }
  /// Rank check with an error naming the node.
  void expect_rank(std::size_t i, std::size_t rank) const;
};

struct OpSchema {
  const char* op_type;
  const char* domain;  ///< "", kQonnxDomain or kEdgeqDomain
  int min_inputs, max_inputs;
  void (*infer)(InferContext&);
  /// Multiply-accumulates for one run at the inferred shapes (0 for cheap ops).
  std::int64_t (*macs)(const InferContext&);
};

const OpSchema* find_schema(const std::string& domain, const std::string& op_type);
std::span<const OpSchema> all_schemas();
/// Infers the output types of one node from the graph's current value infos and stores them in graph.values.
void infer_node(Graph& graph, const Node& node);
/// MACs of one node at the graph's inferred shapes.
std::int64_t node_macs(const Graph& graph, const Node& node);

}  // namespace edgeq::graph
