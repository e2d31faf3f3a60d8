// Assembles a TFLite flatbuffer (one subgraph) from tensors and operators; used by tflite_export.cpp.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tflite_schema_generated.h"

namespace edgeq::targets::tflw {

/// Affine quantisation of a tensor: one scale (per tensor) or one per slice of `axis`.
struct Quantisation {
  std::vector<float> scales;
  std::vector<std::int64_t> zero_points;
  int axis = 0;
};

class Writer {
 public:
  /// Adds a tensor; `data` (may be empty) becomes its constant buffer. Returns its index.
  int tensor(const std::string& name, std::vector<std::int32_t> shape, tfl::TensorType type,
             const Quantisation* q = nullptr, std::vector<std::uint8_t> data = {});
  /// Index of an operator code (deduplicated by code and version).
  std::uint32_t opcode(tfl::BuiltinOperator code, int version);
  void op(tfl::BuiltinOperator code, int version, std::vector<int> inputs, std::vector<int> outputs,
          tfl::BuiltinOptions options_type = tfl::BuiltinOptions_NONE, flatbuffers::Offset<void> options = 0);
  flatbuffers::FlatBufferBuilder& builder() { return fbb_; }
  std::size_t weight_bytes() const { return weight_bytes_; }
  int tensor_count() const { return static_cast<int>(tensors_.size()); }
  int operator_count() const { return static_cast<int>(ops_.size()); }
  /// Serialises the model; `metadata` entries become named buffers.
  std::vector<std::uint8_t> finish(std::vector<int> inputs, std::vector<int> outputs,
                                   const std::string& description,
                                   const std::vector<std::pair<std::string, std::string>>& metadata);

 private:
  struct TensorSpec {
    std::string name;
    std::vector<std::int32_t> shape;
    tfl::TensorType type;
    bool quantised = false;
    Quantisation q;
    std::uint32_t buffer = 0;
  };
  struct OpSpec {
    std::uint32_t opcode;
    std::vector<int> inputs, outputs;
    tfl::BuiltinOptions options_type;
    flatbuffers::Offset<void> options;
  };
  flatbuffers::FlatBufferBuilder fbb_{1 << 20};
  std::vector<TensorSpec> tensors_;
  std::vector<std::vector<std::uint8_t>> buffers_{{}};  // buffer 0: the empty sentinel
  std::vector<std::pair<tfl::BuiltinOperator, int>> opcodes_;
  std::vector<OpSpec> ops_;
  std::size_t weight_bytes_ = 0;
};

}  // namespace edgeq::targets::tflw
