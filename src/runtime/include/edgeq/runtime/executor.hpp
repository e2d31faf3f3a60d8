// Inference executor. Prepares a graph for concrete input shapes (validation, shape inference, kernel choice,
// memory plan) and runs it. The memory plan reuses activation buffers: a value's buffer returns to the pool
// after its last reader, and later values take the smallest free buffer that fits.
#pragma once

#include <memory>
#include <set>
#include <vector>

#include "edgeq/core/thread_pool.hpp"
#include "edgeq/graph/ir.hpp"
#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime {

enum class Backend { Auto, Reference };

struct ExecutorOptions {
  std::size_t threads = 1;  ///< 0 = all cores
  /// Auto: constants folded, BatchNorm folded into Conv/Gemm, zero Pads and Relu/Clip fused into Conv, then a
  /// fast kernel per op where one applies (activations kept in oneDNN's blocked layout between them), else
  /// the reference. Reference: the graph as given, reference kernels only (the semantics).
  Backend backend = Backend::Auto;
  /// Quantised (QDQ) models: true = lower QDQ patterns to integer ops (TFLite arithmetic,
  /// quant/lower_qdq.hpp) with either backend; false = run QuantizeLinear / DequantizeLinear and the float
  /// ops between them as written (float emulation, as ONNX Runtime without its QDQ fusions).
  bool lower_qdq = true;
  /// Time every node of each run (wall clock, milliseconds; see Executor::node_times). Costs one clock read
  /// per node.
  bool profile = false;
};

/// One node's wall-clock time in the last run (ExecutorOptions::profile).
struct NodeTime {
  std::string node;     ///< node name (or "op#index" when unnamed)
  std::string op_type;  ///< after the executor's rewrites (e.g. QConv for a lowered QDQ convolution)
  std::string backend;  ///< "onednn", "reference", ...
  double ms = 0;
};

struct MemoryPlan {
  std::size_t buffers = 0;          ///< distinct activation buffers
  std::size_t planned_bytes = 0;    ///< their total size
  std::size_t unplanned_bytes = 0;  ///< what one buffer per value would take
};

class Executor {
 public:
  /// Validates that every op has a kernel; throws Error(BadInput) naming the node otherwise.
  Executor(graph::Graph graph, ExecutorOptions options = {});
  ~Executor();

  /// Runs the graph. Inputs must match the graph inputs in count, dtype (float32, or the integer type of a
  /// quantised model's input) and every known dimension (unknown dimensions, e.g. the batch, take the given
  /// size); throws Error(BadInput) otherwise.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs);

  const graph::Graph& graph() const { return graph_; }
  /// Backend of each node's kernel after the last run ("onednn", "reference").
  std::vector<std::string> kernel_backends() const;
  const MemoryPlan& memory_plan() const { return plan_; }
  /// Per-node times of the last run, in execution order; empty unless ExecutorOptions::profile.
  std::vector<NodeTime> node_times() const;
  /// Activations stored in oneDNN's blocked layout between oneDNN kernels in the last prepared plan.
  std::size_t blocked_values() const { return blocked_.size(); }

 private:
  void prepare(const std::vector<Shape>& shapes);
  void prepare_kernels();
  void bind_values();

  graph::Graph graph_;  ///< as given (unknown dims kept)
  graph::Graph bound_;  ///< with concrete input shapes
  std::vector<Shape> bound_shapes_;
  ExecutorOptions options_;
  std::vector<std::unique_ptr<Kernel>> kernels_;
  std::set<std::string> blocked_;
  std::vector<int> slot_of_;  ///< per value id: buffer slot or -1
  std::map<std::string, int> value_id_;
  std::vector<Tensor> slots_;
  // Per run: one tensor per value (views of slots_, fresh graph outputs, the caller's inputs) and one
  // prepared context per kernel pointing into it, so running a node needs no lookups or allocations.
  std::vector<Tensor> values_;
  std::vector<std::string> value_names_;
  std::vector<std::size_t> input_ids_, fresh_ids_;
  std::vector<KernelContext> contexts_;
  MemoryPlan plan_;
  std::vector<double> node_ms_;
  std::unique_ptr<core::ThreadPool> pool_;
};

}  // namespace edgeq::runtime
