// Reading a TFLite flatbuffer (edgeq's exports or any converter's) into a plain description of its main
// subgraph: tensors, operators and the figures the Edge TPU analysis and latency model need.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace edgeq::targets {

struct TfliteTensor {
  std::string name;
  std::vector<std::int32_t> shape;
  std::string type;                ///< "int8", "uint8", "int32", "float32", ... ("type<N>" if unknown)
  bool dynamic = false;            ///< a -1 in shape_signature
  std::size_t constant_bytes = 0;  ///< size of its buffer (weights, biases, shapes); 0 for activations
  std::int64_t elements() const;
  std::size_t bytes() const;  ///< elements x element size
};

struct TfliteOperator {
  std::string op;  ///< builtin name ("CONV_2D"), "CUSTOM:<code>", or "BUILTIN_<n>"
  int version = 1;
  std::vector<int> inputs, outputs;  ///< tensor indices, -1 = optional input absent
  int stride_h = 1, stride_w = 1;    ///< CONV_2D, DEPTHWISE_CONV_2D, pools
  int filter_h = 1, filter_w = 1;    ///< pools (convolutions: from the weight shape)
};

struct TfliteModel {
  std::string description;
  std::vector<TfliteTensor> tensors;
  std::vector<TfliteOperator> operators;  ///< execution order
  std::vector<int> inputs, outputs;
  int subgraphs = 1;
};

/// Parses and verifies (flatbuffers Verifier) a .tflite file's bytes. Throws Error(BadInput) naming `what`
/// for: not a TFLite file (identifier), a corrupt or truncated flatbuffer, no subgraph, tensor or operator
/// indices out of range.
TfliteModel parse_tflite(const std::vector<std::uint8_t>& bytes, const std::string& what);
TfliteModel read_tflite(const std::filesystem::path& path);

/// Multiply-accumulates of one operator (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED; 0 for others).
std::int64_t operator_macs(const TfliteModel& m, const TfliteOperator& op);
/// Bytes of the constant tensors an operator reads (its parameters; int32 shapes, axes and paddings of
/// non-matmul ops excluded).
std::size_t operator_parameter_bytes(const TfliteModel& m, const TfliteOperator& op);

}  // namespace edgeq::targets
