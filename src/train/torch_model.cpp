#include "edgeq/train/torch_model.hpp"

#include <cstring>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "torch_ops.hpp"

namespace edgeq::train {

namespace {
/// Inputs of each op that hold trainable parameters when they are float initializers.
bool is_parameter_slot(const graph::Node& n, std::size_t slot) {
  const std::string& op = n.op_type;
  if (op == "Conv") return slot == 1 || slot == 2;
  if (op == "Gemm" || op == "MatMul" || op == "Add" || op == "Mul") return true;
  if (op == "BatchNormalization") return slot == 1 || slot == 2;
  // QONNX quantisers of weights (quant::insert_fake_quant): the float weight is the parameter
  if (n.domain == graph::kQonnxDomain && (op == "Quant" || op == "BipolarQuant")) return slot == 0;
  return false;
}
}  // namespace

at::Tensor to_aten(const core::Tensor& t) {
  at::ScalarType type;
  switch (t.dtype()) {
    case core::DType::F32:
      type = at::kFloat;
      break;
    case core::DType::I64:
      type = at::kLong;
      break;
    default:
      throw_input("tensor dtype {} has no LibTorch mapping here", core::dtype_name(t.dtype()));
  }
  at::Tensor out = at::empty(t.shape(), at::TensorOptions().dtype(type));
  if (t.bytes() > 0) std::memcpy(out.data_ptr(), t.raw(), t.bytes());
  return out;
}

core::Tensor from_aten(const at::Tensor& t) {
  const at::Tensor c = t.detach().to(at::kCPU).contiguous();
  core::DType type;
  at::Tensor src = c;
  if (c.scalar_type() == at::kLong) {
    type = core::DType::I64;
  } else {
    type = core::DType::F32;
    src = c.to(at::kFloat);
  }
  core::Tensor out(type, core::Shape(src.sizes().begin(), src.sizes().end()));
  if (out.bytes() > 0) std::memcpy(out.raw(), src.data_ptr(), out.bytes());
  return out;
}

TorchModel::TorchModel(const graph::Graph& graph, TorchModelOptions options)
    : graph_(graph), options_(options) {
  graph_.topological_sort();
  for (const auto& n : graph_.nodes) {
    op_fns_.push_back(ops::find_torch_op(n.domain, n.op_type));
    if (!op_fns_.back())
      throw_input("{}: op {}{} is not supported by the LibTorch training executor", n.describe(),
                  n.domain.empty() ? "" : n.domain + ":", n.op_type);
  }
  std::set<std::string> trainable, buffers;
  for (const auto& n : graph_.nodes)
    for (std::size_t i = 0; i < n.inputs.size(); ++i) {
      const auto& v = n.inputs[i];
      if (!graph_.is_initializer(v) || graph_.initializers.at(v).dtype() != core::DType::F32) continue;
      if (is_parameter_slot(n, i) && !graph_.non_parameters.count(v)) trainable.insert(v);
      if (n.op_type == "BatchNormalization" && (i == 3 || i == 4)) buffers.insert(v);
    }
  for (const auto& v : buffers)
    if (trainable.count(v))
      throw_input("initializer '{}' is both a BatchNormalization statistic and a trainable parameter", v);
  for (const auto& [name, t] : graph_.initializers) {
    at::Tensor a = to_aten(t);
    if (a.is_floating_point()) a = a.to(options_.dtype);
    state_[name] = a.to(options_.device);
  }
  // Parameters in graph order (deterministic optimiser state layout).
  std::set<std::string> seen;
  for (const auto& n : graph_.nodes)
    for (const auto& v : n.inputs)
      if (trainable.count(v) && seen.insert(v).second) {
        state_[v].set_requires_grad(true);
        parameters_.push_back(state_[v]);
        parameter_names_.push_back(v);
      }
  // Logits: the input of a final Softmax over the last axis.
  if (graph_.outputs.size() == 1) {
    const int p = graph_.producer(graph_.outputs[0]);
    if (p >= 0) {
      const auto& n = graph_.nodes[static_cast<std::size_t>(p)];
      const auto rank = static_cast<std::int64_t>(graph_.info(n.outputs[0]).shape.size());
      const auto axis = n.attr_int("axis", -1);
      if (n.op_type == "Softmax" && (axis == -1 || axis == rank - 1)) logits_value_ = n.inputs[0];
    }
  }
  // Release each activation after its last reader.
  std::map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
    for (const auto& v : graph_.nodes[i].inputs)
      if (!v.empty() && !graph_.is_initializer(v)) last[v] = i;
  release_after_.resize(graph_.nodes.size());
  for (const auto& [v, i] : last)
    if (std::find(graph_.outputs.begin(), graph_.outputs.end(), v) == graph_.outputs.end() &&
        v != logits_value_)
      release_after_[i].push_back(v);
}

std::vector<at::Tensor> TorchModel::run(const std::vector<at::Tensor>& inputs, const std::string& stop_at) {
  if (inputs.size() != graph_.inputs.size())
    throw_input("model {} takes {} inputs, got {}", graph_.name, graph_.inputs.size(), inputs.size());
  std::map<std::string, at::Tensor> values;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& want = graph_.info(graph_.inputs[i]).shape;
    const auto got = inputs[i].sizes();
    bool ok = want.size() == got.size();
    for (std::size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == got[d];
    if (!ok)
      throw_input("input '{}' of {} must have shape {}, got {}", graph_.inputs[i], graph_.name,
                  core::shape_str(want), core::shape_str(core::Shape(got.begin(), got.end())));
    values[graph_.inputs[i]] = inputs[i].to(options_.device, options_.dtype);
  }
  for (std::size_t i = 0; i < graph_.nodes.size(); ++i) {
    const auto& n = graph_.nodes[i];
    ops::TorchOpCall call{n, graph_, {}, training_};
    for (const auto& v : n.inputs) {
      if (v.empty()) {
        call.inputs.emplace_back();
        continue;
      }
      const auto s = state_.find(v);
      call.inputs.push_back(s != state_.end() ? s->second : values.at(v));
    }
    auto outs = op_fns_[i](call);
    for (std::size_t k = 0; k < n.outputs.size() && k < outs.size(); ++k)
      if (!n.outputs[k].empty()) values[n.outputs[k]] = std::move(outs[k]);
    if (!stop_at.empty() && values.count(stop_at)) return {values.at(stop_at)};
    for (const auto& v : release_after_[i]) values.erase(v);
  }
  std::vector<at::Tensor> out;
  for (const auto& v : graph_.outputs) out.push_back(values.at(v));
  return out;
}

std::vector<at::Tensor> TorchModel::forward(const std::vector<at::Tensor>& inputs) {
  return run(inputs, "");
}

at::Tensor TorchModel::logits(const at::Tensor& input) {
  return run({input}, logits_value_).at(0);
}

void TorchModel::load_state(const std::map<std::string, at::Tensor>& values) {
  const at::NoGradGuard no_grad;
  for (const auto& [name, v] : values) {
    const auto it = state_.find(name);
    if (it == state_.end()) throw_input("state tensor '{}' is not an initializer of {}", name, graph_.name);
    if (it->second.sizes() != v.sizes())
      throw_input("state tensor '{}' has shape {}, the model expects {}", name,
                  core::shape_str(core::Shape(v.sizes().begin(), v.sizes().end())),
                  core::shape_str(core::Shape(it->second.sizes().begin(), it->second.sizes().end())));
    it->second.copy_(v);
  }
}

graph::Graph TorchModel::to_graph() const {
  graph::Graph g = graph_;
  for (const auto& [name, t] : state_) g.initializers[name] = from_aten(t);
  return g;
}

}  // namespace edgeq::train
