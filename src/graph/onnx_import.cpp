#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/graph/op_registry.hpp"

namespace edgeq::graph {

namespace {

Tensor to_tensor(const onnx::TensorProto& t, const std::string& origin) {
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw_input("{}: tensor '{}' uses external data, which is not supported", origin, t.name());
  Shape shape(t.dims().begin(), t.dims().end());
  for (auto d : shape)
    if (d < 0) throw_input("{}: tensor '{}' has a negative dimension", origin, t.name());
  auto fill = [&](DType dtype, auto typed, std::size_t typed_size) {
    Tensor out(dtype, shape);
    const auto n = static_cast<std::size_t>(out.numel());
    if (!t.raw_data().empty()) {
      if (t.raw_data().size() != out.bytes())
        throw_input("{}: tensor '{}' has {} bytes of data, expected {} for shape {}", origin, t.name(),
                    t.raw_data().size(), out.bytes(), core::shape_str(shape));
      std::memcpy(out.raw(), t.raw_data().data(), out.bytes());
    } else {
      if (typed_size != n)
        throw_input("{}: tensor '{}' has {} values, expected {} for shape {}", origin, t.name(), typed_size,
                    n, core::shape_str(shape));
      typed(out);
    }
    return out;
  };
  switch (t.data_type()) {
    case onnx::TensorProto::FLOAT:
      return fill(
          DType::F32,
          [&](Tensor& o) { std::copy(t.float_data().begin(), t.float_data().end(), o.data<float>()); },
          static_cast<std::size_t>(t.float_data_size()));
    case onnx::TensorProto::INT64:
      return fill(
          DType::I64,
          [&](Tensor& o) { std::copy(t.int64_data().begin(), t.int64_data().end(), o.data<std::int64_t>()); },
          static_cast<std::size_t>(t.int64_data_size()));
    case onnx::TensorProto::INT32:
      return fill(
          DType::I32,
          [&](Tensor& o) { std::copy(t.int32_data().begin(), t.int32_data().end(), o.data<std::int32_t>()); },
          static_cast<std::size_t>(t.int32_data_size()));
    case onnx::TensorProto::INT8:
      return fill(
          DType::I8,
          [&](Tensor& o) {
            auto* d = o.data<std::int8_t>();
            for (int i = 0; i < t.int32_data_size(); ++i) d[i] = static_cast<std::int8_t>(t.int32_data(i));
          },
          static_cast<std::size_t>(t.int32_data_size()));
    case onnx::TensorProto::UINT8:
      return fill(
          DType::U8,
          [&](Tensor& o) {
            auto* d = o.data<std::uint8_t>();
            for (int i = 0; i < t.int32_data_size(); ++i) d[i] = static_cast<std::uint8_t>(t.int32_data(i));
          },
          static_cast<std::size_t>(t.int32_data_size()));
    case onnx::TensorProto::INT16:
      return fill(
          DType::I16,
          [&](Tensor& o) {
            auto* d = o.data<std::int16_t>();
            for (int i = 0; i < t.int32_data_size(); ++i) d[i] = static_cast<std::int16_t>(t.int32_data(i));
          },
          static_cast<std::size_t>(t.int32_data_size()));
    case onnx::TensorProto::FLOAT16:  // typed form: the 16-bit patterns in int32_data
      return fill(
          DType::F16,
          [&](Tensor& o) {
            auto* d = static_cast<std::uint16_t*>(o.raw());
            for (int i = 0; i < t.int32_data_size(); ++i) d[i] = static_cast<std::uint16_t>(t.int32_data(i));
          },
          static_cast<std::size_t>(t.int32_data_size()));
    default:
      throw_input("{}: tensor '{}' has unsupported data type {}", origin, t.name(),
                  static_cast<int>(t.data_type()));
  }
}

AttrValue to_attr(const onnx::AttributeProto& a, const std::string& where) {
  switch (a.type()) {
    case onnx::AttributeProto::FLOAT:
      return a.f();
    case onnx::AttributeProto::INT:
      return static_cast<std::int64_t>(a.i());
    case onnx::AttributeProto::STRING:
      return a.s();
    case onnx::AttributeProto::INTS:
      return std::vector<std::int64_t>(a.ints().begin(), a.ints().end());
    case onnx::AttributeProto::FLOATS:
      return std::vector<float>(a.floats().begin(), a.floats().end());
    case onnx::AttributeProto::TENSOR:
      return to_tensor(a.t(), where);
    default:
      throw_input("{}: attribute '{}' has an unsupported type", where, a.name());
  }
}

/// Moves constant input `i` of `node` into attribute `key` (ints or floats), then clears the input.
void input_to_attr(Graph& g, Node& node, std::size_t i, const std::string& key, bool as_floats,
                   std::int64_t opset) {
  if (i >= node.inputs.size() || node.inputs[i].empty()) return;
  auto it = g.initializers.find(node.inputs[i]);
  if (it == g.initializers.end())
    throw_input("{}: input {} must be a constant at opset {} (dynamic values are not supported)",
                node.describe(), i, opset);
  const Tensor& t = it->second;
  if (as_floats) {
    if (t.dtype() != DType::F32) throw_input("{}: input {} must be float", node.describe(), i);
    node.attrs[key] = std::vector<float>(t.span<float>().begin(), t.span<float>().end());
  } else {
    if (t.dtype() != DType::I64) throw_input("{}: input {} must be int64", node.describe(), i);
    node.attrs[key] = std::vector<std::int64_t>(t.span<std::int64_t>().begin(), t.span<std::int64_t>().end());
  }
  node.inputs[i].clear();
}

/// Moves constant scalar input `i` into float attribute `key`, then clears the input.
void scalar_input_to_attr(Graph& g, Node& node, std::size_t i, const std::string& key, std::int64_t opset) {
  if (i >= node.inputs.size() || node.inputs[i].empty()) return;
  input_to_attr(g, node, i, key, true, opset);
  const auto values = std::get<std::vector<float>>(node.attrs[key]);
  if (values.size() != 1) throw_input("{}: input {} must be a scalar", node.describe(), i);
  node.attrs[key] = values[0];
}

void trim_inputs(Node& node) {
  while (!node.inputs.empty() && node.inputs.back().empty()) node.inputs.pop_back();
}

/// Rewrites version-specific forms into the IR's opset-13 semantics.
void normalise(Graph& g, Node& n, std::int64_t opset) {
  const std::string& op = n.op_type;
  if (op == "Clip") {
    if (opset >= 11) {
      scalar_input_to_attr(g, n, 1, "min", opset);
      scalar_input_to_attr(g, n, 2, "max", opset);
    }
  } else if ((op == "Squeeze" || op == "Unsqueeze") && opset >= 13) {
    input_to_attr(g, n, 1, "axes", false, opset);
  } else if (op == "Pad" && opset >= 11) {
    input_to_attr(g, n, 1, "pads", false, opset);
    scalar_input_to_attr(g, n, 2, "value", opset);
    if (n.inputs.size() > 3 && !n.inputs[3].empty())
      throw_input("{}: Pad with axes is not supported", n.describe());
  } else if (op == "Upsample" || op == "Resize") {
    if (op == "Upsample") n.op_type = "Resize";
    if (op == "Upsample" && opset < 9) {
      // scales attribute already in place
    } else if (op == "Upsample" || opset == 10) {
      input_to_attr(g, n, 1, "scales", true, opset);
    } else {
      if (n.inputs.size() > 1) n.inputs[1].clear();  // roi: only used by tf_crop_and_resize
      input_to_attr(g, n, 2, "scales", true, opset);
      input_to_attr(g, n, 3, "sizes", false, opset);
      if (n.has("scales") && std::get<std::vector<float>>(n.attrs["scales"]).empty()) n.attrs.erase("scales");
    }
    if (n.attr_string("mode", "nearest") == "bilinear") n.attrs["mode"] = std::string("linear");
  } else if (op == "Softmax" && opset < 13) {
    n.attrs["legacy_2d"] = std::int64_t{1};
    if (!n.has("axis")) n.attrs["axis"] = std::int64_t{1};
  } else if (op == "Dropout") {
    n.inputs.resize(1);
    n.outputs.resize(1);
  } else if (op == "BatchNormalization") {
    if (n.attr_int("spatial", 1) != 1) throw_input("{}: spatial=0 is not supported", n.describe());
    n.attrs.erase("spatial");
    n.attrs.erase("momentum");
    n.outputs.resize(1);
  } else if (op == "Reshape" && opset < 5) {
    throw_input("{}: Reshape before opset 5 is not supported", n.describe());
  } else if (op == "MaxPool") {
    n.attrs.erase("storage_order");
  }
  trim_inputs(n);
}

std::string canonical_domain(const std::string& d, const std::string& where) {
  if (d.empty() || d == "ai.onnx") return "";
  if (d == "qonnx.custom_op.general" || d == "finn.custom_op.general" || d == "onnx.brevitas" || d == "finn")
    return kQonnxDomain;
  if (d == kEdgeqDomain) return kEdgeqDomain;  // edgeq's own ops (ApFixed) in files edgeq wrote
  throw_input("{}: operator domain '{}' is not supported", where, d);
}

/// Keras converters (keras2onnx, opset 7) wrap BatchNormalization of a dense layer's [N, C] output in
/// Transpose -> BatchNormalization -> Transpose, giving BN a [C, N] input whose channel axis (N) does not
/// match its C parameters; ONNX Runtime rejects it. The intended per-feature normalisation is restored by
/// applying the BN directly to the [N, C] tensor. Needs topologically sorted nodes; infers shapes as it
/// walks.
void fold_transposed_batchnorm(Graph& g) {
  for (const auto& [k, t] : g.initializers) g.values[k] = ValueInfo{t.dtype(), t.shape()};
  std::vector<bool> removed(g.nodes.size(), false);
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    Node& bn = g.nodes[i];
    if (removed[i]) continue;
    const int p1 = bn.op_type == "BatchNormalization" ? g.producer(bn.inputs[0]) : -1;
    int c2 = -1;
    for (std::size_t j = i + 1; j < g.nodes.size() && p1 >= 0; ++j)
      if (!g.nodes[j].inputs.empty() && g.nodes[j].inputs[0] == bn.outputs[0]) c2 = static_cast<int>(j);
    if (p1 >= 0 && c2 >= 0) {
      Node& t1 = g.nodes[static_cast<std::size_t>(p1)];
      Node& t2 = g.nodes[static_cast<std::size_t>(c2)];
      auto is_swap = [](const Node& t) {
        const auto perm = t.attr_ints("perm");
        return t.op_type == "Transpose" && (perm.empty() || perm == std::vector<std::int64_t>{1, 0});
      };
      const auto in_it = g.values.find(t1.inputs.empty() ? "" : t1.inputs[0]);
      const auto scale = g.initializers.find(bn.inputs.size() > 1 ? bn.inputs[1] : "");
      if (is_swap(t1) && is_swap(t2) && g.use_count(t1.outputs[0]) == 1 && g.use_count(bn.outputs[0]) == 1 &&
          in_it != g.values.end() && in_it->second.shape.size() == 2 && scale != g.initializers.end() &&
          scale->second.numel() == in_it->second.shape[1] &&
          scale->second.numel() != in_it->second.shape[0]) {
        bn.inputs[0] = t1.inputs[0];
        bn.outputs[0] = t2.outputs[0];
        removed[static_cast<std::size_t>(p1)] = removed[static_cast<std::size_t>(c2)] = true;
      }
    }
    if (!removed[i]) infer_node(g, g.nodes[i]);
  }
  g.erase_nodes(removed);
}

}  // namespace

Graph parse_onnx(const std::string& bytes, const std::string& origin) {
  onnx::ModelProto model;
  if (bytes.empty() || !model.ParseFromString(bytes))
    throw_input("{}: not a valid ONNX model (truncated or corrupt protobuf)", origin);
  if (!model.has_graph()) throw_input("{}: ONNX model has no graph", origin);
  Graph g;
  g.opset = 0;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") g.opset = o.version();
  if (g.opset < kMinImportOpset || g.opset > kMaxImportOpset)
    throw_input("{}: ONNX opset {} is not supported (supported: {} to {})", origin, g.opset, kMinImportOpset,
                kMaxImportOpset);
  const auto& gp = model.graph();
  g.name = gp.name().empty() ? "model" : gp.name();
  for (const auto& p : model.metadata_props()) g.metadata[p.key()] = p.value();
  for (const auto& t : gp.initializer()) g.initializers[t.name()] = to_tensor(t, origin);
  for (const auto& in : gp.input()) {
    if (g.is_initializer(in.name())) continue;
    const auto& tt = in.type().tensor_type();
    DType dtype;
    switch (tt.elem_type()) {  // integer inputs: quantised models with integer I/O
      case onnx::TensorProto::FLOAT:
        dtype = DType::F32;
        break;
      case onnx::TensorProto::INT8:
        dtype = DType::I8;
        break;
      case onnx::TensorProto::UINT8:
        dtype = DType::U8;
        break;
      case onnx::TensorProto::INT16:
        dtype = DType::I16;
        break;
      default:
        throw_input("{}: input '{}' must be float32, int8, uint8 or int16 (ONNX type {})", origin, in.name(),
                    static_cast<int>(tt.elem_type()));
    }
    Shape shape;
    for (const auto& d : tt.shape().dim())
      shape.push_back(d.has_dim_value() && d.dim_value() > 0 ? d.dim_value() : -1);
    g.inputs.push_back(in.name());
    g.values[in.name()] = ValueInfo{dtype, shape};
  }
  for (const auto& out : gp.output()) g.outputs.push_back(out.name());
  int index = 0;
  for (const auto& np : gp.node()) {
    Node n;
    n.op_type = np.op_type();
    n.name = np.name().empty() ? n.op_type + "_" + std::to_string(index) : np.name();
    ++index;
    const std::string where = origin + ": node '" + n.name + "' (" + n.op_type + ")";
    n.domain = canonical_domain(np.domain(), where);
    n.inputs.assign(np.input().begin(), np.input().end());
    n.outputs.assign(np.output().begin(), np.output().end());
    for (const auto& a : np.attribute()) n.attrs[a.name()] = to_attr(a, where);
    if (n.op_type == "Constant" && n.domain.empty()) {
      if (n.outputs.size() != 1) throw_input("{}: Constant must have one output", where);
      if (auto* t = n.has("value") ? std::get_if<Tensor>(&n.attrs["value"]) : nullptr)
        g.initializers[n.outputs[0]] = *t;
      else if (n.has("value_float"))
        g.initializers[n.outputs[0]] =
            Tensor::from<float>({}, std::vector<float>{n.attr_float("value_float", 0)});
      else if (n.has("value_ints")) {
        const auto v = n.attr_ints("value_ints");
        g.initializers[n.outputs[0]] = Tensor::from<std::int64_t>({static_cast<std::int64_t>(v.size())}, v);
      } else
        throw_input("{}: unsupported Constant form", where);
      continue;
    }
    normalise(g, n, g.opset);
    if (!find_schema(n.domain, n.op_type))
      throw_input("{}: unsupported operator {} (domain '{}', opset {})", origin, n.describe(),
                  n.domain.empty() ? "ai.onnx" : n.domain, g.opset);
    if (n.domain == kQonnxDomain)
      for (std::size_t i = 1; i < n.inputs.size(); ++i) g.non_parameters.insert(n.inputs[i]);
    g.nodes.push_back(std::move(n));
  }
  // Initializers no node reads any more (folded Clip/Pad/Squeeze inputs) are dropped.
  std::set<std::string> used(g.outputs.begin(), g.outputs.end());
  for (const auto& n : g.nodes) used.insert(n.inputs.begin(), n.inputs.end());
  for (auto it = g.initializers.begin(); it != g.initializers.end();)
    it = used.count(it->first) ? std::next(it) : g.initializers.erase(it);
  try {
    g.topological_sort();
    fold_transposed_batchnorm(g);
    g.infer_shapes();
  } catch (const Error& e) {
    throw_input("{}: {}", origin, e.what());
  }
  return g;
}

Graph load_onnx(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw_input("model file '{}' not found", path.string());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_onnx(bytes, path.string());
}

}  // namespace edgeq::graph
