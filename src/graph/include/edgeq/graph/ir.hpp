// Model IR: a graph of ONNX-style nodes over named values. Semantics follow ONNX opset 13 (older opsets are
// normalised at import, see onnx_io.hpp): e.g. Squeeze/Unsqueeze axes and Clip bounds are attributes here.
// Shapes use -1 for unknown dimensions (typically the batch); activations are NCHW.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "edgeq/core/tensor.hpp"

namespace edgeq::graph {

using core::DType;
using core::Shape;
using core::Tensor;

using AttrValue =
    std::variant<std::int64_t, float, std::string, std::vector<std::int64_t>, std::vector<float>, Tensor>;

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;               ///< "" = ai.onnx; QONNX ops keep their domain
  std::vector<std::string> inputs;  ///< "" = optional input not given
  std::vector<std::string> outputs;
  std::map<std::string, AttrValue> attrs;

  bool has(const std::string& key) const { return attrs.count(key) != 0; }
  std::int64_t attr_int(const std::string& key, std::int64_t fallback) const;
  float attr_float(const std::string& key, float fallback) const;
  std::string attr_string(const std::string& key, const std::string& fallback) const;
  std::vector<std::int64_t> attr_ints(const std::string& key, std::vector<std::int64_t> fallback = {}) const;
  /// "node 'name' (OpType)" for error messages.
  std::string describe() const;
};

struct ValueInfo {
  DType dtype = DType::F32;
  Shape shape;  ///< -1 = unknown
};

class Graph {
 public:
  std::string name = "model";
  std::int64_t opset = 13;
  std::vector<Node> nodes;  ///< topologically sorted after topological_sort()
  std::vector<std::string> inputs, outputs;
  std::map<std::string, Tensor> initializers;
  /// Initializers that are fixed constants rather than model parameters (e.g. a BatchNorm scale of ones for a
  /// Keras layer built with scale=False); excluded from parameter_count().
  std::set<std::string> non_parameters;
  /// Types and shapes of all values (inputs, initializers, node outputs); filled by infer_shapes().
  std::map<std::string, ValueInfo> values;
  std::map<std::string, std::string> metadata;

  bool is_initializer(const std::string& v) const { return initializers.count(v) != 0; }
  const ValueInfo& info(const std::string& v) const;
  /// Orders nodes so every input is produced before use; throws Error(BadInput) on cycles or undefined
  /// values.
  void topological_sort();
  /// Infers dtypes and shapes of every node output from the graph inputs (see op_registry.hpp).
  void infer_shapes();
  /// Number of parameters: elements of all initializers except non_parameters.
  std::int64_t parameter_count() const;
  /// Bytes of all initializers.
  std::int64_t parameter_bytes() const;
  /// A value name not used yet, starting with `base`.
  std::string unique_name(const std::string& base) const;
  /// Index of the node producing `value`, or -1 (graph input, initializer).
  int producer(const std::string& value) const;
  /// Number of node inputs and graph outputs reading `value`.
  int use_count(const std::string& value) const;
  /// Removes the nodes whose flag is set (flags index `nodes`), keeping the order of the others.
  void erase_nodes(const std::vector<bool>& remove);
};

}  // namespace edgeq::graph
