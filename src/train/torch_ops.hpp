// LibTorch implementations of the IR's ops (internal to the train module). Each op maps a node and its input
// tensors to its outputs with differentiable ATen calls, so autograd gives every op's backward pass; the
// semantics are those of the reference runtime kernels (src/runtime/kernels/reference).
#pragma once

#include <ATen/ATen.h>

#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::train::ops {

struct TorchOpCall {
  const graph::Node& node;
  const graph::Graph& graph;
  std::vector<at::Tensor> inputs;  ///< undefined tensors for omitted optional inputs
  bool training = false;           ///< BatchNorm batch statistics, Dropout active
};

using TorchOpFn = std::vector<at::Tensor> (*)(const TorchOpCall&);

struct TorchOpEntry {
  const char* op_type;
  const char* domain;
  TorchOpFn fn;
};

/// The function for an op, or nullptr if the LibTorch executor does not support it.
TorchOpFn find_torch_op(const std::string& domain, const std::string& op_type);

std::vector<TorchOpEntry> nn_ops();     // Conv, Gemm, MatMul, BatchNormalization, pools
std::vector<TorchOpEntry> other_ops();  // activations, elementwise, shape ops, Pad, Resize, Dropout, Quant

/// Values of a constant integer input (an int64 initializer), e.g. a Reshape target shape.
std::vector<std::int64_t> constant_ints(const TorchOpCall& c, std::size_t input);

}  // namespace edgeq::train::ops
