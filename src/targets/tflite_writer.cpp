#include "tflite_writer.hpp"

#include <algorithm>

namespace edgeq::targets::tflw {

int Writer::tensor(const std::string& name, std::vector<std::int32_t> shape, tfl::TensorType type,
                   const Quantisation* q, std::vector<std::uint8_t> data) {
  TensorSpec t{name, std::move(shape), type, q != nullptr, q ? *q : Quantisation{}, 0};
  if (!data.empty()) {
    weight_bytes_ += data.size();
    t.buffer = static_cast<std::uint32_t>(buffers_.size());
    buffers_.push_back(std::move(data));
  }
  tensors_.push_back(std::move(t));
  return static_cast<int>(tensors_.size()) - 1;
}

std::uint32_t Writer::opcode(tfl::BuiltinOperator code, int version) {
  const auto key = std::make_pair(code, version);
  auto it = std::find(opcodes_.begin(), opcodes_.end(), key);
  if (it != opcodes_.end()) return static_cast<std::uint32_t>(it - opcodes_.begin());
  opcodes_.push_back(key);
  return static_cast<std::uint32_t>(opcodes_.size() - 1);
}

void Writer::op(tfl::BuiltinOperator code, int version, std::vector<int> inputs, std::vector<int> outputs,
                tfl::BuiltinOptions options_type, flatbuffers::Offset<void> options) {
  ops_.push_back({opcode(code, version), std::move(inputs), std::move(outputs), options_type, options});
}

std::vector<std::uint8_t> Writer::finish(std::vector<int> inputs, std::vector<int> outputs,
                                         const std::string& description,
                                         const std::vector<std::pair<std::string, std::string>>& metadata) {
  auto& b = fbb_;
  std::vector<flatbuffers::Offset<tfl::Tensor>> tensors;
  for (const auto& t : tensors_) {
    flatbuffers::Offset<tfl::QuantizationParameters> q = 0;
    if (t.quantised)
      q = tfl::CreateQuantizationParameters(b, 0, 0, b.CreateVector(t.q.scales),
                                            b.CreateVector(t.q.zero_points), t.q.axis);
    tensors.push_back(
        tfl::CreateTensor(b, b.CreateVector(t.shape), t.type, t.buffer, b.CreateString(t.name), q));
  }
  std::vector<flatbuffers::Offset<tfl::Operator>> ops;
  for (const auto& o : ops_)
    ops.push_back(tfl::CreateOperator(b, o.opcode, b.CreateVector(o.inputs), b.CreateVector(o.outputs),
                                      o.options_type, o.options));
  auto subgraph = tfl::CreateSubGraph(b, b.CreateVector(tensors), b.CreateVector(inputs),
                                      b.CreateVector(outputs), b.CreateVector(ops), b.CreateString("main"));
  std::vector<flatbuffers::Offset<tfl::OperatorCode>> codes;
  for (const auto& [code, version] : opcodes_)
    codes.push_back(
        tfl::CreateOperatorCode(b, static_cast<std::int8_t>(std::min<int>(code, 127)), 0, version, code));
  std::vector<flatbuffers::Offset<tfl::Metadata>> meta;
  for (const auto& [name, text] : metadata) {
    meta.push_back(tfl::CreateMetadata(b, b.CreateString(name), static_cast<std::uint32_t>(buffers_.size())));
    buffers_.emplace_back(text.begin(), text.end());
  }
  std::vector<flatbuffers::Offset<tfl::Buffer>> buffers;
  for (const auto& data : buffers_) {
    if (data.empty()) {
      buffers.push_back(tfl::CreateBuffer(b));
      continue;
    }
    b.ForceVectorAlignment(data.size(), 1, 16);
    buffers.push_back(tfl::CreateBuffer(b, b.CreateVector(data)));
  }
  auto model = tfl::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(&subgraph, 1),
                                b.CreateString(description), b.CreateVector(buffers), b.CreateVector(meta));
  b.Finish(model, tfl::ModelIdentifier());
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

}  // namespace edgeq::targets::tflw
