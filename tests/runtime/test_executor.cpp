// Executor: memory plan, input validation, and reference semantics on hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/runtime/executor.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "runtime/op_test_util.hpp"

using namespace edgeq;
using core::Shape;
using core::Tensor;

namespace {
/// Runs on the reference backend: these tests pin down the semantics with hand-computed values.
Tensor run1(const graph::Graph& g, const Tensor& x) {
  return test::run_on(g, x, runtime::Backend::Reference);
}

Tensor iota(Shape s) {
  Tensor t(core::DType::F32, std::move(s));
  float v = 0;
  for (auto& e : t.span<float>()) e = v++;
  return t;
}
}  // namespace

// 3x3 input, 2x2 kernel of ones, stride 1, no padding: each output is the sum of a 2x2 window.
TEST(Reference, ConvWindowSums) {
  Tensor w(core::DType::F32, {1, 1, 2, 2});
  for (auto& v : w.span<float>()) v = 1.0f;
  const auto y = run1(test::one_node("Conv", {1, 1, 3, 3}, {}, {w}), iota({1, 1, 3, 3}));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  const std::vector<float> expected{0 + 1 + 3 + 4, 1 + 2 + 4 + 5, 3 + 4 + 6 + 7, 4 + 5 + 7 + 8};
  for (int i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(y.span<float>()[i], expected[static_cast<std::size_t>(i)]);
}

// SAME_UPPER 3x3 stride 2 on 4x4 puts the extra padding at the bottom/right (ONNX spec, TensorFlow SAME).
TEST(Reference, ConvSameUpperPadding) {
  Tensor w(core::DType::F32, {1, 1, 3, 3});
  for (auto& v : w.span<float>()) v = 1.0f;
  const auto y =
      run1(test::one_node(
               "Conv", {1, 1, 4, 4},
               {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<std::int64_t>{2, 2}}}, {w}),
           iota({1, 1, 4, 4}));
  ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_FLOAT_EQ(y.span<float>()[0], 0 + 1 + 2 + 4 + 5 + 6 + 8 + 9 + 10);  // window rows 0-2, cols 0-2
  EXPECT_FLOAT_EQ(y.span<float>()[3], 10 + 11 + 14 + 15);                   // bottom-right: padding beyond
}

TEST(Reference, AveragePoolCountIncludePad) {
  std::map<std::string, graph::AttrValue> a{{"kernel_shape", std::vector<std::int64_t>{3, 3}},
                                            {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}};
  const Tensor ones = [] {
    Tensor t(core::DType::F32, {1, 1, 2, 2});
    for (auto& v : t.span<float>()) v = 1.0f;
    return t;
  }();
  EXPECT_FLOAT_EQ(run1(test::one_node("AveragePool", {1, 1, 2, 2}, a), ones).span<float>()[0],
                  1.0f);  // 4 / 4
  a["count_include_pad"] = std::int64_t{1};
  EXPECT_FLOAT_EQ(run1(test::one_node("AveragePool", {1, 1, 2, 2}, a), ones).span<float>()[0], 4.0f / 9.0f);
}

TEST(Reference, SoftmaxLegacyCoercesTrailingDims) {
  const auto x = iota({1, 2, 2});
  const auto y = run1(
      test::one_node("Softmax", {1, 2, 2}, {{"axis", std::int64_t{1}}, {"legacy_2d", std::int64_t{1}}}), x);
  double sum = 0;
  for (float v : y.span<float>()) sum += v;
  EXPECT_NEAR(sum, 1.0, 1e-6);  // one softmax over all 4 values
  EXPECT_NEAR(y.span<float>()[3], std::exp(3.0) / (1 + std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), 1e-6);
}

TEST(Reference, TransposeAndBroadcastAdd) {
  const auto t =
      run1(test::one_node("Transpose", {2, 3}, {{"perm", std::vector<std::int64_t>{1, 0}}}), iota({2, 3}));
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_FLOAT_EQ(t.span<float>()[1], 3.0f);  // y[0][1] = x[1][0]
  const auto b = Tensor::from<float>({3}, std::vector<float>{10, 20, 30});
  const auto y = run1(test::one_node("Add", {2, 3}, {}, {b}), iota({2, 3}));
  EXPECT_FLOAT_EQ(y.span<float>()[4], 4.0f + 20.0f);
}

// QONNX Quant: 4-bit signed, scale 0.5: x = 1.3 -> round(2.6) = 3 -> 1.5; x = 5 -> clamp(10, -8, 7) -> 3.5;
// round half to even: 0.25 / 0.5 = 0.5 -> 0.
TEST(Reference, QonnxQuant) {
  graph::Graph g = test::one_node("Identity", {3}, {});
  g.nodes[0].op_type = "Quant";
  g.nodes[0].domain = graph::kQonnxDomain;
  for (auto [name, v] : {std::pair{"s", 0.5f}, {"z", 0.0f}, {"b", 4.0f}}) {
    g.initializers[name] = Tensor::from<float>({}, std::vector<float>{v});
    g.nodes[0].inputs.push_back(name);
  }
  g.infer_shapes();
  const auto y = run1(g, Tensor::from<float>({3}, std::vector<float>{1.3f, 5.0f, 0.25f}));
  EXPECT_FLOAT_EQ(y.span<float>()[0], 1.5f);
  EXPECT_FLOAT_EQ(y.span<float>()[1], 3.5f);
  EXPECT_FLOAT_EQ(y.span<float>()[2], 0.0f);
}

TEST(Executor, MemoryPlanReusesBuffers) {
  zoo::ZooOptions o;
  o.input = {3, 64, 64};
  runtime::Executor ex(zoo::build("mobilenetv2", o), {1, runtime::Backend::Reference});  // the graph as given
  Tensor x(core::DType::F32, {1, 3, 64, 64});
  const auto y = ex.run({x});
  EXPECT_EQ(y[0].shape(), (Shape{1, 3}));
  const auto& plan = ex.memory_plan();
  EXPECT_LT(plan.buffers, 12u);
  EXPECT_LT(plan.planned_bytes * 4, plan.unplanned_bytes);  // far less than one buffer per value
  // Batch 2 re-plans; outputs for identical rows are identical.
  Tensor x2(core::DType::F32, {2, 3, 64, 64});
  const auto y2 = ex.run({x2});
  EXPECT_EQ(y2[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(y2[0].span<float>()[0], y[0].span<float>()[0]);
}

TEST(Executor, RejectsBadInputs) {
  zoo::ZooOptions o;
  o.input = {16};
  runtime::Executor ex(zoo::build("jet_mlp", o));
  EXPECT_THROW(ex.run({Tensor(core::DType::F32, {1, 15})}), Error);
  EXPECT_THROW(ex.run({Tensor(core::DType::I32, {1, 16})}), Error);
  EXPECT_THROW(ex.run({}), Error);
  EXPECT_NO_THROW(ex.run({Tensor(core::DType::F32, {4, 16})}));
}

// The fast backend keeps chains of oneDNN ops in the blocked layout and reorders only at island boundaries;
// whole networks must still match the reference (BatchNorm folding re-rounds weights: kRewriteRelTolerance).
TEST(Executor, BlockedLayoutIslandsMatchReference) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  const std::vector<std::pair<std::string, core::Shape>> models{{"resnet50v2", {3, 64, 64}},
                                                                {"densenet169", {3, 64, 64}},
                                                                {"inceptionv3", {3, 96, 96}},
                                                                {"mobilenetv2", {3, 48, 48}},
                                                                {"nunet_s", {3, 64, 64}}};
  for (const auto& [name, shape] : models) {
    SCOPED_TRACE(name);
    zoo::ZooOptions o;
    o.input = shape;
    graph::Graph g = zoo::build(name, o);
    g.outputs = {g.nodes[g.nodes.size() - 2].outputs[0]};  // logits: drop the softmax
    g.nodes.pop_back();
    Tensor x(core::DType::F32, {2, shape[0], shape[1], shape[2]});
    core::CounterRng rng(4, 0, 0);
    for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform());
    runtime::Executor fast(g, {2, runtime::Backend::Auto}), ref(g, {2, runtime::Backend::Reference});
    const auto yf = fast.run({x})[0], yr = ref.run({x})[0];
    EXPECT_GT(fast.blocked_values(), 3u);
    EXPECT_EQ(ref.blocked_values(), 0u);
    for (std::int64_t i = 0; i < yr.numel(); ++i) {
      const double r = yr.span<float>()[static_cast<std::size_t>(i)];
      EXPECT_NEAR(yf.span<float>()[static_cast<std::size_t>(i)], r,
                  runtime::kRewriteRelTolerance * std::max(1.0, std::abs(r)))
          << i;
    }
  }
}
