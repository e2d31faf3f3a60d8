// QAdd: the fast table kernel against the reference formula, bit for bit, on every pair of int8 codes and on
// seeded random scales and zero points.
#include <gtest/gtest.h>

#include "edgeq/core/rng.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "edgeq/runtime/executor.hpp"

namespace edgeq::runtime {
namespace {
using core::DType;
using core::Tensor;

TEST(QAddFast, BitExactWithTheReference) {
  if (!fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  // Every (a, b) code pair once: a varies slowest.
  Tensor xa(DType::F32, {1, 65536}), xb(DType::F32, {1, 65536});
  for (int i = 0; i < 65536; ++i) {
    xa.span<float>()[static_cast<std::size_t>(i)] = static_cast<float>(i / 256 - 128);
    xb.span<float>()[static_cast<std::size_t>(i)] = static_cast<float>(i % 256 - 128);
  }
  core::CounterRng rng(17, 2, 0);
  for (int trial = 0; trial < 6; ++trial) {
    graph::Graph g;
    g.inputs = {"xa", "xb"};
    g.outputs = {"y"};
    g.values["xa"] = g.values["xb"] = {DType::F32, {1, 65536}};
    g.initializers["one"] = Tensor::from<float>({}, std::vector<float>{1.0f});
    g.initializers["zp"] = Tensor::from<std::int8_t>({}, std::vector<std::int8_t>{0});
    auto r = quant::AddRequantisation::from_scales(static_cast<float>(0.01 + rng.uniform()),
                                                   static_cast<float>(0.01 + rng.uniform()),
                                                   static_cast<float>(0.02 + 2 * rng.uniform()), 20);
    r.a_zero_point = static_cast<std::int32_t>(rng.uniform() * 255) - 128;
    r.b_zero_point = static_cast<std::int32_t>(rng.uniform() * 255) - 128;
    r.y_zero_point = static_cast<std::int32_t>(rng.uniform() * 255) - 128;
    r.y_min = trial % 2 ? r.y_zero_point : -128;  // with and without a fused ReLU
    graph::Node add{"add", "QAdd", graph::kEdgeqDomain, {"a", "b"}, {"yq"}, {}};
    r.write(add);
    g.nodes = {{"qa", "QuantizeLinear", "", {"xa", "one", "zp"}, {"a"}, {}},
               {"qb", "QuantizeLinear", "", {"xb", "one", "zp"}, {"b"}, {}},
               add,
               {"dq", "DequantizeLinear", "", {"yq", "one", "zp"}, {"y"}, {}}};
    g.infer_shapes();
    ExecutorOptions ref, fast;
    ref.backend = Backend::Reference;
    ref.lower_qdq = fast.lower_qdq = false;
    fast.threads = 2;
    Executor fe(g, fast);
    const Tensor yr = Executor(g, ref).run({xa, xb})[0], yf = fe.run({xa, xb})[0];
    EXPECT_EQ(fe.kernel_backends()[2], "table");
    for (std::int64_t i = 0; i < yr.numel(); ++i)
      ASSERT_EQ(yr.data<float>()[i], yf.data<float>()[i]) << "trial " << trial << " pair " << i;
  }
}

}  // namespace
}  // namespace edgeq::runtime

namespace edgeq::runtime {
namespace {
/// [N, C, H, W] codes <-> NHWC.
Tensor to_nhwc(const Tensor& t) {
  const auto& s = t.shape();
  Tensor o(t.dtype(), s);
  for (std::int64_t n = 0; n < s[0]; ++n)
    for (std::int64_t c = 0; c < s[1]; ++c)
      for (std::int64_t p = 0; p < s[2] * s[3]; ++p)
        o.data<std::int8_t>()[(n * s[2] * s[3] + p) * s[1] + c] =
            t.data<std::int8_t>()[(n * s[1] + c) * s[2] * s[3] + p];
  return o;
}

TEST(QAveragePoolFast, NhwcKernelBitExactWithTheReference) {
  if (!fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  for (int include_pad = 0; include_pad < 2; ++include_pad) {
    graph::Graph g;
    g.inputs = {"x"};
    g.values["x"] = {DType::I8, {2, 24, 9, 11}};
    graph::Node pool{"pool", "QAveragePool", graph::kEdgeqDomain, {"x"}, {"y"}, {}};
    pool.attrs["kernel_shape"] = std::vector<std::int64_t>{3, 3};
    pool.attrs["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
    pool.attrs["count_include_pad"] = std::int64_t{include_pad};
    pool.attrs["x_zero_point"] = std::int64_t{-7};
    pool.attrs["y_min"] = std::int64_t{-128};
    pool.attrs["y_max"] = std::int64_t{127};
    g.nodes = {pool};
    g.outputs = {"y"};
    g.infer_shapes();
    Tensor x(DType::I8, {2, 24, 9, 11});
    core::CounterRng rng(31 + include_pad, 1, 0);
    for (auto& v : x.span<std::int8_t>())
      v = static_cast<std::int8_t>(static_cast<int>(rng.uniform() * 256) - 128);
    Tensor yr(DType::I8, g.info("y").shape), yf(DType::I8, g.info("y").shape);
    KernelContext rc{g.nodes[0], {&x}, {&yr}, nullptr};
    make_reference_kernel(g.nodes[0])->run(rc);
    PrepareContext pc{g, g.nodes[0], 2};
    pc.blocked_inputs = {true};
    pc.blocked_outputs = {true};
    auto fast = make_fast_kernel(pc);
    ASSERT_TRUE(fast);
    const Tensor xn = to_nhwc(x);
    KernelContext fc{g.nodes[0], {&xn}, {&yf}, nullptr};
    fast->run(fc);
    const Tensor yrn = to_nhwc(yr);
    for (std::int64_t i = 0; i < yf.numel(); ++i)
      ASSERT_EQ(yf.data<std::int8_t>()[i], yrn.data<std::int8_t>()[i])
          << "include_pad " << include_pad << " at " << i;
  }
}
}  // namespace
}  // namespace edgeq::runtime
