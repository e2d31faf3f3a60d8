// Runs an IR graph with LibTorch so that autograd trains it. Each initializer becomes a tensor on the chosen
// device: trainable parameters (float weights and biases of Conv, Gemm, MatMul, BatchNormalization scale and
// bias, constant operands of Add and Mul) require gradients; BatchNormalization running statistics are
// buffers updated in training mode; everything else (shapes, QONNX scales and bit widths) is constant.
// The trained tensors are written back into a copy of the graph with to_graph().
//
// Gradients: every op's backward is LibTorch autograd through the ATen calls of torch_ops_*.cpp, checked by
// finite differences in tests/train/test_gradients.cpp. QONNX Quant uses a straight-through estimator (the
// gradient of x inside the representable range, 0 where the value saturates), BipolarQuant the hard-tanh
// estimator (gradient 1 where |x| <= scale).
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::train {

namespace ops {
struct TorchOpCall;
}

struct TorchModelOptions {
  at::Device device = at::kCPU;
  at::ScalarType dtype = at::kFloat;  ///< float tensors (parameters, inputs); kDouble for gradient checks
};

class TorchModel {
 public:
  /// Validates that every op is supported (Error(BadInput) naming the node and op otherwise).
  explicit TorchModel(const graph::Graph& graph, TorchModelOptions options = {});

  /// Runs the graph; inputs are converted to the model's device and dtype. Returns the graph outputs.
  std::vector<at::Tensor> forward(const std::vector<at::Tensor>& inputs);
  /// For a classifier: the values feeding a final Softmax (logits) if the single output is a Softmax over the
  /// last axis, else the output itself (which is then taken to be logits).
  at::Tensor logits(const at::Tensor& input);
  bool output_is_softmax() const { return !logits_value_.empty(); }

  void set_training(bool on) { training_ = on; }
  bool training() const { return training_; }

  /// Trainable tensors and their initializer names, in graph order.
  const std::vector<at::Tensor>& parameters() const { return parameters_; }
  const std::vector<std::string>& parameter_names() const { return parameter_names_; }
  /// Every initializer tensor (parameters, buffers, constants) by name.
  const std::map<std::string, at::Tensor>& state() const { return state_; }
  /// Copies values into the state (same names, shapes); throws Error(BadInput) on a mismatch.
  void load_state(const std::map<std::string, at::Tensor>& values);
  /// A copy of the graph with the current tensor values as float32 initializers.
  graph::Graph to_graph() const;
  const graph::Graph& graph() const { return graph_; }
  const TorchModelOptions& options() const { return options_; }

 private:
  std::vector<at::Tensor> run(const std::vector<at::Tensor>& inputs, const std::string& stop_at);

  graph::Graph graph_;
  TorchModelOptions options_;
  std::map<std::string, at::Tensor> state_;
  std::vector<at::Tensor> parameters_;
  std::vector<std::string> parameter_names_;
  std::string logits_value_;                             ///< input of the final Softmax, or empty
  std::vector<std::vector<std::string>> release_after_;  ///< per node: values no later node reads
  std::vector<std::vector<at::Tensor> (*)(const ops::TorchOpCall&)> op_fns_;  ///< per node, resolved once
  bool training_ = false;
};

/// core::Tensor (float32/int64) <-> at::Tensor on the CPU (copies).
at::Tensor to_aten(const core::Tensor& t);
core::Tensor from_aten(const at::Tensor& t);

}  // namespace edgeq::train
