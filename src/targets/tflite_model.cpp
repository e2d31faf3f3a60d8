#include "edgeq/targets/tflite_model.hpp"

#include <fmt/format.h>

#include <fstream>
#include <iterator>

#include "edgeq/core/error.hpp"
#include "tflite_schema_generated.h"

namespace edgeq::targets {

namespace {
std::size_t element_size(const std::string& type) {
  if (type == "int8" || type == "uint8" || type == "bool") return 1;
  if (type == "int16" || type == "float16") return 2;
  if (type == "int64" || type == "float64" || type == "complex64") return 8;
  return 4;
}

std::string type_name(tfl::TensorType t) {
  const char* n = tfl::EnumNameTensorType(t);
  if (!n || !*n) return fmt::format("type{}", static_cast<int>(t));
  std::string s(n);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string op_name(const tfl::OperatorCode* code) {
  // Files older than schema v3a only set deprecated_builtin_code (TFLite takes the larger of the two).
  const int builtin = std::max<int>(code->builtin_code(), code->deprecated_builtin_code());
  if (builtin == 32 /* CUSTOM */)
    return "CUSTOM:" + (code->custom_code() ? code->custom_code()->str() : std::string("?"));
  const char* n = tfl::EnumNameBuiltinOperator(static_cast<tfl::BuiltinOperator>(builtin));
  if (!n || !*n) return fmt::format("BUILTIN_{}", builtin);
  return n;
}
}  // namespace

std::int64_t TfliteTensor::elements() const {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}
std::size_t TfliteTensor::bytes() const {
  return static_cast<std::size_t>(elements()) * element_size(type);
}

TfliteModel parse_tflite(const std::vector<std::uint8_t>& bytes, const std::string& what) {
  if (bytes.size() < 8 || !tfl::ModelBufferHasIdentifier(bytes.data()))
    throw_input("{}: not a TFLite model (no TFL3 flatbuffer identifier)", what);
  flatbuffers::Verifier verifier(bytes.data(), bytes.size());
  if (!tfl::VerifyModelBuffer(verifier)) throw_input("{}: corrupt or truncated TFLite flatbuffer", what);
  const tfl::Model* model = tfl::GetModel(bytes.data());
  if (!model->subgraphs() || model->subgraphs()->size() == 0)
    throw_input("{}: the model has no subgraph", what);
  const tfl::SubGraph* g = model->subgraphs()->Get(0);
  TfliteModel m;
  m.subgraphs = static_cast<int>(model->subgraphs()->size());
  if (model->description()) m.description = model->description()->str();
  const auto* buffers = model->buffers();
  if (g->tensors())
    for (const tfl::Tensor* t : *g->tensors()) {
      TfliteTensor x;
      if (t->name()) x.name = t->name()->str();
      if (t->shape()) x.shape.assign(t->shape()->begin(), t->shape()->end());
      if (t->shape_signature())
        for (auto d : *t->shape_signature()) x.dynamic |= d < 0;
      x.type = type_name(t->type());
      if (buffers && t->buffer() < buffers->size() && t->buffer() > 0) {
        const tfl::Buffer* b = buffers->Get(t->buffer());
        x.constant_bytes = b->data() ? b->data()->size() : static_cast<std::size_t>(b->size());
      } else if (buffers && t->buffer() >= buffers->size()) {
        throw_input("{}: tensor '{}' refers to buffer {} of {}", what, x.name, t->buffer(), buffers->size());
      }
      m.tensors.push_back(std::move(x));
    }
  const auto tensor_count = static_cast<int>(m.tensors.size());
  auto check = [&](const flatbuffers::Vector<std::int32_t>* v, std::vector<int>& out,
                   const std::string& where) {
    if (!v) return;
    for (auto i : *v) {
      if (i < -1 || i >= tensor_count)
        throw_input("{}: {} refers to tensor {} of {}", what, where, i, tensor_count);
      out.push_back(i);
    }
  };
  check(g->inputs(), m.inputs, "the subgraph input list");
  check(g->outputs(), m.outputs, "the subgraph output list");
  const auto* codes = model->operator_codes();
  if (g->operators())
    for (const tfl::Operator* o : *g->operators()) {
      TfliteOperator op;
      if (!codes || o->opcode_index() >= codes->size())
        throw_input("{}: operator {} has opcode index {} out of range", what, m.operators.size(),
                    o->opcode_index());
      const tfl::OperatorCode* code = codes->Get(o->opcode_index());
      op.op = op_name(code);
      op.version = code->version();
      const std::string where = fmt::format("operator {} ({})", m.operators.size(), op.op);
      check(o->inputs(), op.inputs, where);
      check(o->outputs(), op.outputs, where);
      if (const auto* c = o->builtin_options_as_Conv2DOptions()) {
        op.stride_h = c->stride_h();
        op.stride_w = c->stride_w();
      } else if (const auto* d = o->builtin_options_as_DepthwiseConv2DOptions()) {
        op.stride_h = d->stride_h();
        op.stride_w = d->stride_w();
      } else if (const auto* p = o->builtin_options_as_Pool2DOptions()) {
        op.stride_h = p->stride_h();
        op.stride_w = p->stride_w();
        op.filter_h = p->filter_height();
        op.filter_w = p->filter_width();
      }
      m.operators.push_back(std::move(op));
    }
  return m;
}

TfliteModel read_tflite(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw_input("cannot read TFLite file {}", path.string());
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(f)),
                                        std::istreambuf_iterator<char>());
  return parse_tflite(bytes, path.string());
}

std::int64_t operator_macs(const TfliteModel& m, const TfliteOperator& op) {
  if (op.inputs.size() < 2 || op.outputs.empty() || op.inputs[1] < 0) return 0;
  const TfliteTensor& w = m.tensors[static_cast<std::size_t>(op.inputs[1])];
  const TfliteTensor& y = m.tensors[static_cast<std::size_t>(op.outputs[0])];
  if (op.op == "CONV_2D" && w.shape.size() == 4)  // weights [O, kh, kw, I]
    return y.elements() * w.shape[1] * w.shape[2] * w.shape[3];
  if (op.op == "DEPTHWISE_CONV_2D" && w.shape.size() == 4)  // weights [1, kh, kw, O]
    return y.elements() * w.shape[1] * w.shape[2];
  if (op.op == "FULLY_CONNECTED" && w.shape.size() == 2)  // weights [O, I]
    return y.elements() * w.shape[1];
  return 0;
}

std::size_t operator_parameter_bytes(const TfliteModel& m, const TfliteOperator& op) {
  const bool matmul = op.op == "CONV_2D" || op.op == "DEPTHWISE_CONV_2D" || op.op == "FULLY_CONNECTED";
  std::size_t n = 0;
  for (int i : op.inputs) {
    if (i < 0) continue;
    const TfliteTensor& t = m.tensors[static_cast<std::size_t>(i)];
    if (matmul || t.type != "int32") n += t.constant_bytes;  // int32 constants elsewhere: shapes, axes, pads
  }
  return n;
}

}  // namespace edgeq::targets
