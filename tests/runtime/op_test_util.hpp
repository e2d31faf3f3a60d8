// Helpers for the per-op tests: one-node graphs with constant weights, runs on a chosen backend, and the
// comparison of a fast kernel with the reference under runtime/tolerance.hpp.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cmath>

#include "edgeq/core/rng.hpp"
#include "edgeq/runtime/executor.hpp"
#include "edgeq/runtime/tolerance.hpp"

namespace edgeq::test {

inline core::Tensor random_tensor(core::Shape shape, std::uint64_t seed) {
  core::Tensor t(core::DType::F32, std::move(shape));
  core::CounterRng rng(seed, 11, 0);
  for (auto& v : t.span<float>()) v = static_cast<float>(rng.normal());
  return t;
}

inline core::Tensor abs_copy(const core::Tensor& t) {
  core::Tensor a = t.clone();
  for (auto& v : a.span<float>()) v = std::abs(v);
  return a;
}

/// NCHW -> oneDNN's blocked layout nChw{b}c (channels a multiple of b), or back when `back`.
inline core::Tensor to_blocked(const core::Tensor& t, std::int64_t b, bool back) {
  const auto& s = t.shape();
  core::Tensor o(core::DType::F32, s);
  const std::int64_t n = s[0], c = s[1], hw = s[2] * s[3];
  const float* in = t.data<float>();
  float* out = o.data<float>();
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t p = 0; p < hw; ++p) {
        const std::int64_t nchw = (i * c + k) * hw + p,
                           blocked = ((i * (c / b) + k / b) * hw + p) * b + k % b;
        out[back ? nchw : blocked] = in[back ? blocked : nchw];
      }
  return o;
}

/// Graph y = op(x, constants...) with x of the given shape.
inline graph::Graph one_node(const std::string& op, core::Shape x_shape,
                             std::map<std::string, graph::AttrValue> attrs,
                             const std::vector<core::Tensor>& constants = {}) {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, std::move(x_shape)};
  graph::Node n{"op", op, "", {"x"}, {"y"}, std::move(attrs)};
  for (std::size_t i = 0; i < constants.size(); ++i) {
    const std::string name = fmt::format("c{}", i);
    g.initializers[name] = constants[i];
    n.inputs.push_back(name);
  }
  g.nodes.push_back(n);
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  return g;
}

inline core::Tensor run_on(const graph::Graph& g, const core::Tensor& x, runtime::Backend backend,
                           std::string* used = nullptr, std::size_t threads = 2) {
  runtime::Executor ex(g, runtime::ExecutorOptions{threads, backend});
  auto y = ex.run({x})[0];
  if (used) *used = ex.kernel_backends().at(0);
  return y;
}

/// Compares fast and reference outputs of a dot-product op: |fast - ref| <= dot_tolerance(k, bound, |ref|),
/// where bound is the same op applied to |x| and |constants| (the sum of |x_i w_i| per output).
inline void expect_dot_op_matches(const std::string& op, const core::Shape& x_shape,
                                  const std::map<std::string, graph::AttrValue>& attrs,
                                  const std::vector<core::Tensor>& consts, std::int64_t k,
                                  std::uint64_t seed) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  const auto x = random_tensor(x_shape, seed);
  const auto g = one_node(op, x_shape, attrs, consts);
  std::string used;
  const auto fast = run_on(g, x, runtime::Backend::Auto, &used);
  ASSERT_EQ(used, "onednn") << op << " did not use the fast kernel";
  const auto ref = run_on(g, x, runtime::Backend::Reference);
  std::vector<core::Tensor> abs_consts;
  for (const auto& c : consts) abs_consts.push_back(abs_copy(c));
  const auto bound =
      run_on(one_node(op, x_shape, attrs, abs_consts), abs_copy(x), runtime::Backend::Reference);
  ASSERT_EQ(fast.shape(), ref.shape());
  double worst = 0;
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const double r = ref.span<float>()[static_cast<std::size_t>(i)],
                 f = fast.span<float>()[static_cast<std::size_t>(i)];
    const double tol =
        runtime::dot_tolerance(k, bound.span<float>()[static_cast<std::size_t>(i)], std::abs(r));
    ASSERT_LE(std::abs(f - r), tol) << op << " element " << i << " fast " << f << " reference " << r;
    worst = std::max(worst, std::abs(f - r) / tol);
  }
  ::testing::Test::RecordProperty("worst_fraction_of_tolerance", std::to_string(worst));
}

}  // namespace edgeq::test
