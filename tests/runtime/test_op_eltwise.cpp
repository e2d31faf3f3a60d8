// Element-wise ops, Add/Mul and BatchNormalization: oneDNN vs reference.
#include "op_test_util.hpp"

using namespace edgeq;

namespace {
struct Compared {
  core::Tensor fast, ref, x;
};

Compared compare(const graph::Graph& g, const core::Shape& shape, std::uint64_t seed) {
  const auto x = test::random_tensor(shape, seed);
  std::string used;
  auto fast = test::run_on(g, x, runtime::Backend::Auto, &used);
  EXPECT_EQ(used, "onednn") << g.nodes[0].op_type;
  return {fast, test::run_on(g, x, runtime::Backend::Reference), x};
}
}  // namespace

TEST(OpEltwise, PiecewiseLinearOpsAreExact) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const core::Shape s{2, 8, 13, 11};
  const std::vector<std::pair<std::string, std::map<std::string, graph::AttrValue>>> ops{
      {"Relu", {}},
      {"LeakyRelu", {{"alpha", 0.2f}}},
      {"Clip", {{"min", 0.0f}, {"max", 6.0f}}},
      {"Clip", {{"min", -0.5f}}}};
  for (const auto& [op, attrs] : ops) {
    const auto r = compare(test::one_node(op, s, attrs), s, 5);
    for (std::int64_t i = 0; i < r.ref.numel(); ++i)
      ASSERT_EQ(r.fast.span<float>()[static_cast<std::size_t>(i)],
                r.ref.span<float>()[static_cast<std::size_t>(i)])
          << op;
  }
}

TEST(OpEltwise, SigmoidTanhWithinUlps) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const core::Shape s{3, 1000};
  for (const std::string op : {"Sigmoid", "Tanh"}) {
    const auto r = compare(test::one_node(op, s, {}), s, 6);
    for (std::int64_t i = 0; i < r.ref.numel(); ++i) {
      const double f = r.fast.span<float>()[static_cast<std::size_t>(i)],
                   e = r.ref.span<float>()[static_cast<std::size_t>(i)];
      ASSERT_LE(std::abs(f - e), runtime::kTranscendentalUlps * runtime::kUnitRoundoff * (std::abs(e) + 1.0))
          << op;
    }
  }
}

TEST(OpBinary, AddMulExactWithBroadcast) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const core::Shape s{2, 6, 5, 7};
  for (const std::string op : {"Add", "Mul"})
    for (const core::Shape& other : {core::Shape{2, 6, 5, 7}, core::Shape{6, 1, 1}, core::Shape{7}}) {
      const auto r = compare(test::one_node(op, s, {}, {test::random_tensor(other, 9)}), s, 8);
      for (std::int64_t i = 0; i < r.ref.numel(); ++i)  // one IEEE rounding either way
        ASSERT_EQ(r.fast.span<float>()[static_cast<std::size_t>(i)],
                  r.ref.span<float>()[static_cast<std::size_t>(i)])
            << op;
    }
}

TEST(OpBatchNorm, WithinRoundingBound) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const std::int64_t c = 16;
  const core::Shape s{2, c, 9, 9};
  auto scale = test::random_tensor({c}, 1), beta = test::random_tensor({c}, 2),
       mean = test::random_tensor({c}, 3);
  auto var = test::abs_copy(test::random_tensor({c}, 4));
  for (auto& v : var.span<float>()) v += 0.1f;
  const float eps = 1e-3f;
  const auto r =
      compare(test::one_node("BatchNormalization", s, {{"epsilon", eps}}, {scale, beta, mean, var}), s, 10);
  const std::int64_t inner = 81;
  for (std::int64_t i = 0; i < r.ref.numel(); ++i) {
    const auto k = static_cast<std::size_t>((i / inner) % c);
    const double g = scale.span<float>()[k] / std::sqrt(static_cast<double>(var.span<float>()[k]) + eps);
    const double xm = (r.x.span<float>()[static_cast<std::size_t>(i)] - mean.span<float>()[k]) * g;
    const double e = r.ref.span<float>()[static_cast<std::size_t>(i)];
    ASSERT_LE(std::abs(r.fast.span<float>()[static_cast<std::size_t>(i)] - e),
              runtime::batchnorm_tolerance(xm, beta.span<float>()[k], e));
  }
}

// edgeq's blocked-layout BatchNormalization (+ fused ReLU, DenseNet's BN-ReLU) within the same bound; planes
// of 63 and 169 pixels (one and several work chunks), batch 2.
TEST(OpBatchNorm, BlockedWithinRoundingBound) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const std::int64_t block = runtime::fast_kernel_channel_block();
  for (const bool relu : {false, true})
    for (const core::Shape& s : {core::Shape{2, 2 * block, 7, 9}, core::Shape{1, block, 13, 13}}) {
      const std::int64_t c = s[1], inner = s[2] * s[3];
      auto scale = test::random_tensor({c}, 11), beta = test::random_tensor({c}, 12),
           mean = test::random_tensor({c}, 13);
      auto var = test::abs_copy(test::random_tensor({c}, 14));
      for (auto& v : var.span<float>()) v += 0.1f;
      const float eps = 1e-3f;
      std::map<std::string, graph::AttrValue> attrs{{"epsilon", eps}};
      if (relu) attrs["edgeq_activation"] = std::string("Relu");
      const auto g = test::one_node("BatchNormalization", s, attrs, {scale, beta, mean, var});
      runtime::PrepareContext pc{g, g.nodes[0], 2};
      pc.blocked_inputs = {true, false, false, false, false};
      pc.blocked_outputs = {true};
      auto fast = runtime::make_fast_kernel(pc);
      ASSERT_TRUE(fast);
      ASSERT_STREQ(fast->backend(), "blocked-bn");
      const auto x = test::random_tensor(s, 15);
      const auto xb = test::to_blocked(x, block, false);
      core::Tensor yb(core::DType::F32, s);
      runtime::KernelContext fc{g.nodes[0], {&xb}, {&yb}, nullptr};
      fast->run(fc);
      const auto y = test::to_blocked(yb, block, true);
      const auto ref = test::run_on(g, x, runtime::Backend::Reference);
      for (std::int64_t i = 0; i < ref.numel(); ++i) {
        const auto u = static_cast<std::size_t>(i);
        const auto k = static_cast<std::size_t>((i / inner) % c);
        const double gk = scale.span<float>()[k] / std::sqrt(static_cast<double>(var.span<float>()[k]) + eps);
        const double xm = (x.span<float>()[u] - mean.span<float>()[k]) * gk;
        const double e = ref.span<float>()[u];
        ASSERT_LE(std::abs(y.span<float>()[u] - e),
                  runtime::batchnorm_tolerance(xm, beta.span<float>()[k], e))
            << "relu " << relu << " element " << i;
      }
    }
}

// Conv + Relu / Clip fused (fast backend) vs the two separate reference ops.
TEST(OpConv, FusedActivationMatchesSeparateOps) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  for (const std::string act : {"Relu", "Clip"}) {
    graph::Graph g = test::one_node("Conv", {1, 8, 12, 12}, {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}},
                                    {test::random_tensor({8, 8, 3, 3}, 20)});
    graph::Node a{"act", act, "", {"y"}, {"z"}, {}};
    if (act == "Clip") a.attrs = {{"min", 0.0f}, {"max", 1.0f}};
    g.nodes.push_back(a);
    g.outputs = {"z"};
    g.infer_shapes();
    const auto x = test::random_tensor({1, 8, 12, 12}, 21);
    runtime::Executor fast(g, {2, runtime::Backend::Auto});
    const auto yf = fast.run({x})[0];
    EXPECT_EQ(fast.kernel_backends().size(), 1u) << "activation was not fused";
    const auto yr = test::run_on(g, x, runtime::Backend::Reference);
    const auto bound =
        test::run_on(test::one_node("Conv", {1, 8, 12, 12}, {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}},
                                    {test::abs_copy(test::random_tensor({8, 8, 3, 3}, 20))}),
                     test::abs_copy(x), runtime::Backend::Reference);
    for (std::int64_t i = 0; i < yr.numel(); ++i) {
      const auto u = static_cast<std::size_t>(i);
      ASSERT_LE(std::abs(yf.span<float>()[u] - yr.span<float>()[u]),
                runtime::dot_tolerance(72, bound.span<float>()[u], std::abs(yr.span<float>()[u])));
    }
  }
}
