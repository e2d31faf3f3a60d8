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

}  // namespace edgeq::test
