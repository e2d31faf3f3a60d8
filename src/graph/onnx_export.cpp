#include <onnx/onnx_pb.h>

#include <cstring>

#include "edgeq/core/atomic_file.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/graph/op_registry.hpp"

namespace edgeq::graph {

namespace {

onnx::TensorProto_DataType onnx_type(DType t) {
  switch (t) {
    case DType::F32:
      return onnx::TensorProto::FLOAT;
    case DType::I64:
      return onnx::TensorProto::INT64;
    case DType::I32:
      return onnx::TensorProto::INT32;
    case DType::I8:
      return onnx::TensorProto::INT8;
    case DType::U8:
      return onnx::TensorProto::UINT8;
    case DType::I16:
      return onnx::TensorProto::INT16;
    case DType::F16:
      return onnx::TensorProto::FLOAT16;
    case DType::Bool:
      return onnx::TensorProto::BOOL;
  }
  return onnx::TensorProto::UNDEFINED;
}

void set_tensor(onnx::TensorProto* p, const std::string& name, const Tensor& t) {
  p->set_name(name);
  p->set_data_type(onnx_type(t.dtype()));
  for (auto d : t.shape()) p->add_dims(d);
  p->set_raw_data(t.raw(), t.bytes());
}

void set_value_info(onnx::ValueInfoProto* p, const std::string& name, const ValueInfo& v) {
  p->set_name(name);
  auto* tt = p->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx_type(v.dtype));
  auto* shape = tt->mutable_shape();
  for (auto d : v.shape) {
    auto* dim = shape->add_dim();
    if (d >= 0)
      dim->set_dim_value(d);
    else
      dim->set_dim_param("N");
  }
}

void set_attr(onnx::NodeProto* p, const std::string& key, const AttrValue& v) {
  auto* a = p->add_attribute();
  a->set_name(key);
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::int64_t>) {
          a->set_type(onnx::AttributeProto::INT);
          a->set_i(x);
        } else if constexpr (std::is_same_v<T, float>) {
          a->set_type(onnx::AttributeProto::FLOAT);
          a->set_f(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          a->set_type(onnx::AttributeProto::STRING);
          a->set_s(x);
        } else if constexpr (std::is_same_v<T, std::vector<std::int64_t>>) {
          a->set_type(onnx::AttributeProto::INTS);
          for (auto i : x) a->add_ints(i);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          a->set_type(onnx::AttributeProto::FLOATS);
          for (auto f : x) a->add_floats(f);
        } else {
          a->set_type(onnx::AttributeProto::TENSOR);
          set_tensor(a->mutable_t(), "", x);
        }
      },
      v);
}

class Exporter {
 public:
  explicit Exporter(const Graph& g) : g_(g) {}

  onnx::ModelProto run() {
    onnx::ModelProto m;
    m.set_ir_version(7);
    m.set_producer_name("edgeq");
    m.set_producer_version("0.1.0");
    auto* op = m.add_opset_import();
    op->set_domain("");
    op->set_version(kExportOpset);
    for (const char* domain : {kQonnxDomain, kEdgeqDomain}) {
      bool used = false;
      for (const auto& n : g_.nodes) used |= n.domain == domain;
      if (!used) continue;
      auto* q = m.add_opset_import();
      q->set_domain(domain);
      q->set_version(1);
    }
    for (const auto& [k, v] : g_.metadata) {
      auto* p = m.add_metadata_props();
      p->set_key(k);
      p->set_value(v);
    }
    gp_ = m.mutable_graph();
    gp_->set_name(g_.name);
    for (const auto& [name, t] : g_.initializers) set_tensor(gp_->add_initializer(), name, t);
    for (const auto& in : g_.inputs) set_value_info(gp_->add_input(), in, g_.info(in));
    for (const auto& out : g_.outputs) set_value_info(gp_->add_output(), out, g_.info(out));
    for (const auto& n : g_.nodes) emit(n);
    return m;
  }

 private:
  std::string constant(const std::string& base, const Tensor& t) {
    const std::string name = base + "__" + std::to_string(counter_++);
    set_tensor(gp_->add_initializer(), name, t);
    return name;
  }

  onnx::NodeProto* add_node(const Node& n, const std::string& op_type, std::vector<std::string> inputs,
                            std::vector<std::string> outputs, const std::string& name_suffix = "") {
    auto* p = gp_->add_node();
    p->set_name(n.name + name_suffix);
    p->set_op_type(op_type);
    if (!n.domain.empty()) p->set_domain(n.domain);
    for (const auto& i : inputs) p->add_input(i);
    for (const auto& o : outputs) p->add_output(o);
    return p;
  }

  void emit(const Node& n) {
    std::vector<std::string> inputs = n.inputs, outputs = n.outputs;
    std::set<std::string> moved;  // attributes that become inputs at opset 13
    auto ints_input = [&](const std::string& key) {
      const auto v = n.attr_ints(key);
      moved.insert(key);
      return constant(n.name + "_" + key,
                      Tensor::from<std::int64_t>({static_cast<std::int64_t>(v.size())}, v));
    };
    auto float_input = [&](const std::string& key, bool scalar) {
      moved.insert(key);
      if (scalar)
        return constant(n.name + "_" + key,
                        Tensor::from<float>({}, std::vector<float>{n.attr_float(key, 0)}));
      const auto& v = std::get<std::vector<float>>(n.attrs.at(key));
      return constant(n.name + "_" + key, Tensor::from<float>({static_cast<std::int64_t>(v.size())}, v));
    };
    if (n.op_type == "Clip") {
      inputs.resize(1);
      inputs.push_back(n.has("min") ? float_input("min", true) : "");
      inputs.push_back(n.has("max") ? float_input("max", true) : "");
    } else if ((n.op_type == "Squeeze" || n.op_type == "Unsqueeze") && n.has("axes")) {
      inputs.push_back(ints_input("axes"));
    } else if (n.op_type == "Pad") {
      inputs.push_back(ints_input("pads"));
      if (n.has("value")) inputs.push_back(float_input("value", true));
    } else if (n.op_type == "MaxPool" && n.attr_int("edgeq_pad_zero", 0)) {  // fuse_pad_into_maxpool
      const auto p = n.attr_ints("pads", {0, 0, 0, 0});
      const std::vector<std::int64_t> pads{0, 0, p[0], p[1], 0, 0, p[2], p[3]};
      const std::string padded = n.name + "_padded";
      add_node(n, "Pad", {inputs[0], constant(n.name + "_pads", Tensor::from<std::int64_t>({8}, pads))},
               {padded}, "_pad");
      inputs[0] = padded;
      moved.insert("edgeq_pad_zero");
      moved.insert("pads");
    } else if (n.op_type == "Resize") {
      inputs.push_back("");
      if (n.has("sizes")) {
        inputs.push_back("");
        inputs.push_back(ints_input("sizes"));
      } else {
        inputs.push_back(float_input("scales", false));
      }
    } else if (n.op_type == "Softmax" && n.attr_int("legacy_2d", 0)) {
      const auto& x = g_.info(n.inputs[0]).shape;
      const auto axis = n.attr_int("axis", 1);
      const auto rank = static_cast<std::int64_t>(x.size());
      if (axis == rank - 1 || axis == -1) {
        moved.insert("legacy_2d");
      } else {  // opset < 13 semantics: softmax over the flattened trailing dims
        const std::string flat = n.name + "_flat", soft = n.name + "_soft";
        auto* f = add_node(n, "Flatten", {n.inputs[0]}, {flat}, "_flatten");
        set_attr(f, "axis", axis);
        auto* s = add_node(n, "Softmax", {flat}, {soft});
        set_attr(s, "axis", std::int64_t{-1});
        Shape back = x;
        if (back[0] < 0) back[0] = 0;
        add_node(n, "Reshape", {soft, constant(n.name + "_shape", Tensor::from<std::int64_t>({rank}, back))},
                 outputs, "_reshape");
        return;
      }
    }
    // edgeq-internal fusions (graph/passes.hpp) are written back as separate nodes, in order: the node, the
    // residual Add, the activation.
    const std::string act = n.attr_string("edgeq_activation", "");
    const bool residual = n.inputs.size() > 3 && n.attr_int("edgeq_residual", 0);
    for (const char* k : {"edgeq_activation", "edgeq_clip_min", "edgeq_clip_max", "edgeq_residual"})
      moved.insert(k);
    std::vector<std::string> node_outputs = outputs;
    if (residual || !act.empty()) node_outputs = {n.name + (residual ? "_presum" : "_preact")};
    if (residual) {
      inputs.resize(3);
      while (!inputs.empty() && inputs.back().empty()) inputs.pop_back();
    }
    auto* p = add_node(n, n.op_type, inputs, node_outputs);
    for (const auto& [k, v] : n.attrs)
      if (!moved.count(k)) set_attr(p, k, v);
    std::string value = node_outputs[0];
    if (residual) {
      const std::string sum = act.empty() ? outputs[0] : n.name + "_preact";
      add_node(n, "Add", {value, n.inputs[3]}, {sum}, "_residual");
      value = sum;
    }
    if (!act.empty()) {
      auto* a = add_node(n, act, {value}, outputs, "_act");
      if (act == "Clip") {
        a->add_input(constant(
            n.name + "_min", Tensor::from<float>({}, std::vector<float>{n.attr_float("edgeq_clip_min", 0)})));
        a->add_input(constant(
            n.name + "_max", Tensor::from<float>({}, std::vector<float>{n.attr_float("edgeq_clip_max", 0)})));
      }
    }
  }

  const Graph& g_;
  onnx::GraphProto* gp_ = nullptr;
  int counter_ = 0;
};

}  // namespace

std::string serialize_onnx(const Graph& graph) {
  std::string out;
  if (!Exporter(graph).run().SerializeToString(&out)) throw_internal("ONNX serialisation failed");
  return out;
}

void save_onnx(const Graph& graph, const std::filesystem::path& path) {
  core::write_file_atomic(path, serialize_onnx(graph));
}

}  // namespace edgeq::graph
