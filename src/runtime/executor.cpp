#include "edgeq/runtime/executor.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/passes.hpp"
#include "edgeq/quant/lower_qdq.hpp"
#include "edgeq/runtime/constant_folding.hpp"
#include "layout_plan.hpp"

namespace edgeq::runtime {

Executor::Executor(graph::Graph graph, ExecutorOptions options)
    : graph_(std::move(graph)), options_(options) {
  for (const auto& n : graph_.nodes)
    if (!find_reference_kernel(n.domain, n.op_type))
      throw_input("{}: no kernel for this operator", n.describe());
  for (const auto& in : graph_.inputs) {
    const auto t = graph_.info(in).dtype;
    if (t != core::DType::F32 && t != core::DType::I8 && t != core::DType::U8 && t != core::DType::I16)
      throw_input("graph input '{}' must be float32, int8, uint8 or int16", in);
  }
  pool_ = std::make_unique<core::ThreadPool>(options.threads);
  if (options.lower_qdq) quant::lower_qdq(graph_);
  // The fast backend runs BatchNorm folded into the preceding Conv/Gemm and Relu/Clip fused into Conv (as
  // ONNX Runtime does); the reference backend executes the graph exactly as given.
  if (options.backend == Backend::Auto) {
    fold_constants(graph_);
    graph::fold_batchnorm(graph_);
    graph::fuse_pad_into_conv(graph_);
    graph::fuse_pad_into_maxpool(graph_);
    graph::fuse_residual_add(graph_);
    graph::fuse_activations(graph_);
  }
}

Executor::~Executor() = default;

void Executor::prepare(const std::vector<Shape>& shapes) {
  bound_ = graph_;
  for (std::size_t i = 0; i < shapes.size(); ++i) bound_.values[bound_.inputs[i]].shape = shapes[i];
  for (auto it = bound_.values.begin(); it != bound_.values.end();)  // drop stale intermediate shapes
    it = (bound_.is_initializer(it->first) ||
          std::count(bound_.inputs.begin(), bound_.inputs.end(), it->first))
             ? std::next(it)
             : bound_.values.erase(it);
  bound_.infer_shapes();
  prepare_kernels();

  // Liveness: last node index reading each value (graph outputs live to the end).
  value_id_.clear();
  std::map<std::string, std::size_t> last_use;
  for (std::size_t i = 0; i < bound_.nodes.size(); ++i)
    for (const auto& in : bound_.nodes[i].inputs)
      if (!in.empty()) last_use[in] = i;
  for (const auto& o : bound_.outputs) last_use[o] = bound_.nodes.size();

  // Greedy best-fit assignment of node outputs to slots.
  struct Slot {
    std::size_t bytes;
    bool free;
  };
  std::vector<Slot> slots;
  slot_of_.clear();
  plan_ = {};
  std::vector<std::pair<std::size_t, int>> release;  // (after node index, slot)
  for (std::size_t i = 0; i < bound_.nodes.size(); ++i) {
    for (auto it = release.begin(); it != release.end();) {
      if (it->first < i) {
        slots[static_cast<std::size_t>(it->second)].free = true;
        it = release.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& out : bound_.nodes[i].outputs) {
      if (out.empty()) continue;
      const auto& info = bound_.info(out);
      for (auto d : info.shape)
        if (d < 0) throw_internal("value '{}' has an unknown dimension after binding the inputs", out);
      const std::size_t bytes =
          static_cast<std::size_t>(core::numel(info.shape)) * core::dtype_size(info.dtype);
      plan_.unplanned_bytes += bytes;
      const int id = static_cast<int>(value_id_.size());
      value_id_[out] = id;
      const bool is_output = std::count(bound_.outputs.begin(), bound_.outputs.end(), out) > 0;
      if (is_output) {
        slot_of_.push_back(-1);  // fresh tensor per run, handed to the caller
        continue;
      }
      int best = -1;
      for (std::size_t s = 0; s < slots.size(); ++s)
        if (slots[s].free && slots[s].bytes >= bytes &&
            (best < 0 || slots[s].bytes < slots[static_cast<std::size_t>(best)].bytes))
          best = static_cast<int>(s);
      if (best < 0) {
        best = static_cast<int>(slots.size());
        slots.push_back({bytes, false});
      }
      slots[static_cast<std::size_t>(best)].free = false;
      slot_of_.push_back(best);
      const auto lu = last_use.count(out) ? last_use[out] : i;
      release.emplace_back(lu, best);
    }
  }
  slots_.clear();
  for (const auto& s : slots) {
    slots_.emplace_back(core::DType::U8, Shape{static_cast<std::int64_t>(s.bytes)});
    plan_.planned_bytes += s.bytes;
  }
  plan_.buffers = slots.size();
  bound_shapes_ = shapes;
  bind_values();
}

void Executor::prepare_kernels() {
  const std::size_t n = bound_.nodes.size();
  const bool fast = options_.backend == Backend::Auto;
  // Pass 1: kernels on NCHW activations.
  std::vector<std::unique_ptr<Kernel>> nchw(n);
  std::vector<BlockedLayout> support(n, BlockedLayout::No);
  std::vector<bool> candidate(n, false);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& node = bound_.nodes[i];
    const PrepareContext ctx{bound_, node, pool_->size()};
    if (fast) {
      nchw[i] = make_fast_kernel(ctx);
      support[i] = blocked_support(ctx);
      candidate[i] = support[i] == BlockedLayout::BlockedOnly || (support[i] != BlockedLayout::No && nchw[i]);
    }
    if (!nchw[i]) nchw[i] = make_reference_kernel(node);
  }
  // Pass 2: blocked-layout islands; a node whose fast kernel cannot be built for them leaves the plan.
  blocked_.clear();
  std::vector<std::unique_ptr<Kernel>> relaid(n);
  for (bool retry = fast; retry;) {
    retry = false;
    blocked_ = plan_blocked_layout(bound_, support, candidate, fast_kernel_channel_block());
    for (std::size_t i = 0; i < n && !retry; ++i) {
      const auto& node = bound_.nodes[i];
      PrepareContext ctx{bound_, node, pool_->size()};
      for (const auto& v : node.inputs) ctx.blocked_inputs.push_back(blocked_.count(v) > 0);
      for (const auto& v : node.outputs) ctx.blocked_outputs.push_back(blocked_.count(v) > 0);
      const bool any = std::count(ctx.blocked_inputs.begin(), ctx.blocked_inputs.end(), true) +
                           std::count(ctx.blocked_outputs.begin(), ctx.blocked_outputs.end(), true) >
                       0;
      relaid[i].reset();
      if (!any) continue;
      relaid[i] = make_fast_kernel(ctx);
      if (!relaid[i]) candidate[i] = false, retry = true;
    }
  }
  kernels_.clear();
  for (std::size_t i = 0; i < n; ++i)
    kernels_.push_back(relaid[i] ? std::move(relaid[i]) : std::move(nchw[i]));
}

std::vector<std::string> Executor::kernel_backends() const {
  std::vector<std::string> v;
  for (const auto& k : kernels_) v.emplace_back(k->backend());
  return v;
}

std::vector<NodeTime> Executor::node_times() const {
  std::vector<NodeTime> v;
  for (std::size_t i = 0; i < node_ms_.size() && i < bound_.nodes.size(); ++i) {
    const auto& n = bound_.nodes[i];
    v.push_back({n.name.empty() ? fmt::format("{}#{}", n.op_type, i) : n.name, n.op_type,
                 kernels_[i]->backend(), node_ms_[i]});
  }
  return v;
}

std::vector<Tensor> Executor::run(const std::vector<Tensor>& inputs) {
  if (inputs.size() != graph_.inputs.size())
    throw_input("model expects {} input(s), got {}", graph_.inputs.size(), inputs.size());
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const auto& want = graph_.info(graph_.inputs[i]).shape;
    const auto& got = inputs[i].shape();
    if (inputs[i].dtype() != graph_.info(graph_.inputs[i]).dtype)
      throw_input("input '{}' must be {}, got {}", graph_.inputs[i],
                  core::dtype_name(graph_.info(graph_.inputs[i]).dtype), core::dtype_name(inputs[i].dtype()));
    bool ok = want.size() == got.size();
    for (std::size_t d = 0; ok && d < want.size(); ++d) ok = want[d] < 0 || want[d] == got[d];
    if (!ok)
      throw_input("input '{}' has shape {}, the model expects {}", graph_.inputs[i], core::shape_str(got),
                  core::shape_str(want));
    shapes.push_back(got);
  }
  if (shapes != bound_shapes_ || kernels_.empty()) prepare(shapes);

  const CpuBinding binding(options_.backend == Backend::Auto ? pool_->size() : 1);
  for (std::size_t i = 0; i < inputs.size(); ++i) values_[input_ids_[i]] = inputs[i];
  for (const auto id : fresh_ids_) {  // graph outputs: new tensors handed to the caller
    const auto& info = bound_.info(value_names_[id]);
    values_[id] = Tensor(info.dtype, info.shape);
  }
  if (options_.profile) {
    node_ms_.assign(kernels_.size(), 0.0);
    for (std::size_t i = 0; i < kernels_.size(); ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      kernels_[i]->run(contexts_[i]);
      node_ms_[i] = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    }
  } else {
    for (std::size_t i = 0; i < kernels_.size(); ++i) kernels_[i]->run(contexts_[i]);
  }
  std::vector<Tensor> outputs;
  for (const auto& o : bound_.outputs)
    outputs.push_back(bound_.is_initializer(o) ? bound_.initializers.at(o) : values_[value_id_.at(o)]);
  for (const auto id : input_ids_) values_[id] = Tensor();  // do not keep the caller's inputs alive
  return outputs;
}

void Executor::bind_values() {
  // Value ids: node outputs (value_id_ from the memory plan), then graph inputs.
  value_names_.assign(value_id_.size(), "");
  for (const auto& [name, id] : value_id_) value_names_[static_cast<std::size_t>(id)] = name;
  input_ids_.clear();
  for (const auto& in : bound_.inputs) {
    value_id_[in] = static_cast<int>(value_names_.size());
    input_ids_.push_back(value_names_.size());
    value_names_.push_back(in);
  }
  values_.assign(value_names_.size(), Tensor());
  fresh_ids_.clear();
  for (std::size_t id = 0; id < slot_of_.size(); ++id) {
    const auto& info = bound_.info(value_names_[id]);
    if (slot_of_[id] < 0)
      fresh_ids_.push_back(id);
    else
      values_[id] = slots_[static_cast<std::size_t>(slot_of_[id])].view(info.dtype, info.shape);
  }
  // Kernel contexts with fixed pointers into values_ and the initializers (neither moves until the next
  // prepare).
  contexts_.clear();
  contexts_.reserve(bound_.nodes.size());
  for (const auto& node : bound_.nodes) {
    KernelContext ctx{node, {}, {}, pool_.get()};
    for (const auto& in : node.inputs) {
      if (in.empty())
        ctx.inputs.push_back(nullptr);
      else if (bound_.is_initializer(in))
        ctx.inputs.push_back(&bound_.initializers.at(in));
      else
        ctx.inputs.push_back(&values_[static_cast<std::size_t>(value_id_.at(in))]);
    }
    for (const auto& out : node.outputs)
      ctx.outputs.push_back(out.empty() ? nullptr : &values_[static_cast<std::size_t>(value_id_.at(out))]);
    contexts_.push_back(std::move(ctx));
  }
}

}  // namespace edgeq::runtime
