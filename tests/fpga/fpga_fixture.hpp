// Small dense networks for the FPGA-flow tests: a chain of Gemm (+ Relu) layers with seeded weights, ending
// in an optional Softmax.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::test {

/// Gemm layers fc0, fc1, ... of the given widths (sizes[0] inputs), each but the last followed by Relu
/// relu0, relu1, ...; weights ~ U(-scale, scale), biases ~ U(-scale/4, scale/4).
inline graph::Graph dense_chain(const std::vector<int>& sizes, bool softmax, std::uint64_t seed = 3,
                                float scale = 0.8f) {
  graph::Graph g;
  g.name = "chain";
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {-1, sizes[0]}};
  std::mt19937 rng(static_cast<std::uint32_t>(seed));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::string cur = "x";
  for (std::size_t k = 0; k + 1 < sizes.size(); ++k) {
    const std::string w = "w" + std::to_string(k), b = "b" + std::to_string(k);
    std::vector<float> wv(static_cast<std::size_t>(sizes[k] * sizes[k + 1])),
        bv(static_cast<std::size_t>(sizes[k + 1]));
    for (auto& v : wv) v = scale * u(rng);
    for (auto& v : bv) v = 0.25f * scale * u(rng);
    g.initializers[w] = core::Tensor::from<float>({sizes[k], sizes[k + 1]}, wv);
    g.initializers[b] = core::Tensor::from<float>({sizes[k + 1]}, bv);
    graph::Node n;
    n.name = "fc" + std::to_string(k);
    n.op_type = "Gemm";
    n.inputs = {cur, w, b};
    n.outputs = {n.name};
    g.nodes.push_back(n);
    cur = n.name;
    if (k + 2 < sizes.size()) {
      graph::Node r;
      r.name = "relu" + std::to_string(k);
      r.op_type = "Relu";
      r.inputs = {cur};
      r.outputs = {r.name};
      g.nodes.push_back(r);
      cur = r.name;
    }
  }
  if (softmax) {
    graph::Node s;
    s.name = "softmax";
    s.op_type = "Softmax";
    s.inputs = {cur};
    s.outputs = {s.name};
    s.attrs["axis"] = std::int64_t{-1};
    g.nodes.push_back(s);
    cur = s.name;
  }
  g.outputs = {cur};
  g.topological_sort();
  g.infer_shapes();
  return g;
}

/// A small CNN: x [1, 5, 5] -> Conv 3x3 (2 channels, pad 1) -> BatchNormalization -> Relu -> Flatten ->
/// Gemm (50 -> 3), seeded weights.
inline graph::Graph small_cnn(std::uint64_t seed = 4) {
  graph::Graph g;
  g.name = "small_cnn";
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {-1, 1, 5, 5}};
  std::mt19937 rng(static_cast<std::uint32_t>(seed));
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto tensor = [&](core::Shape shape, float scale, float offset = 0.0f) {
    std::vector<float> v(static_cast<std::size_t>(core::numel(shape)));
    for (auto& x : v) x = offset + scale * u(rng);
    return core::Tensor::from<float>(shape, v);
  };
  g.initializers["cw"] = tensor({2, 1, 3, 3}, 0.6f);
  g.initializers["cb"] = tensor({2}, 0.2f);
  g.initializers["gamma"] = tensor({2}, 0.3f, 1.0f);
  g.initializers["beta"] = tensor({2}, 0.2f);
  g.initializers["mean"] = tensor({2}, 0.2f);
  g.initializers["var"] = tensor({2}, 0.2f, 1.0f);
  g.initializers["fw"] = tensor({50, 3}, 0.4f);
  g.initializers["fb"] = tensor({3}, 0.1f);
  auto node = [&](const std::string& name, const std::string& op,
                  std::vector<std::string> in) -> graph::Node& {
    graph::Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(in);
    n.outputs = {name};
    g.nodes.push_back(n);
    return g.nodes.back();
  };
  auto& conv = node("conv", "Conv", {"x", "cw", "cb"});
  conv.attrs["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
  conv.attrs["kernel_shape"] = std::vector<std::int64_t>{3, 3};
  node("bn", "BatchNormalization", {"conv", "gamma", "beta", "mean", "var"});
  node("relu", "Relu", {"bn"});
  node("flat", "Flatten", {"relu"});
  node("fc", "Gemm", {"flat", "fw", "fb"});
  g.outputs = {"fc"};
  g.topological_sort();
  g.infer_shapes();
  return g;
}

}  // namespace edgeq::test
