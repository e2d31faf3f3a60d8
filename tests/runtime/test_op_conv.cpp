// Conv: oneDNN vs reference on seeded random shapes (strides, pads, dilations, groups, depthwise, bias).
#include "op_test_util.hpp"

using namespace edgeq;

namespace {
struct ConvCase {
  core::Shape x;
  std::int64_t out, kh, kw, stride, pad, dilation, group;
  bool bias;
};

void check(const ConvCase& c, std::uint64_t seed) {
  std::vector<core::Tensor> consts;
  consts.push_back(test::random_tensor({c.out, c.x[1] / c.group, c.kh, c.kw}, seed + 1));
  if (c.bias) consts.push_back(test::random_tensor({c.out}, seed + 2));
  std::map<std::string, graph::AttrValue> attrs{
      {"strides", std::vector<std::int64_t>{c.stride, c.stride}},
      {"pads", std::vector<std::int64_t>{c.pad, c.pad, c.pad, c.pad}},
      {"dilations", std::vector<std::int64_t>{c.dilation, c.dilation}},
      {"group", c.group}};
  test::expect_dot_op_matches("Conv", c.x, attrs, consts, c.x[1] / c.group * c.kh * c.kw, seed);
}
}  // namespace

TEST(OpConv, FastMatchesReference) {
  const ConvCase cases[] = {
      {{1, 3, 32, 32}, 16, 3, 3, 1, 1, 1, 1, true},
      {{2, 8, 17, 19}, 12, 5, 5, 2, 2, 1, 1, false},
      {{1, 16, 20, 20}, 16, 3, 3, 1, 1, 1, 16, false},
      {{1, 32, 15, 15}, 32, 3, 3, 2, 1, 1, 32, true},
      {{1, 64, 9, 9}, 128, 1, 1, 1, 0, 1, 1, true},
      {{1, 8, 24, 24}, 8, 3, 3, 1, 2, 2, 1, true},
      {{1, 12, 16, 16}, 24, 3, 3, 1, 1, 1, 3, true},
      {{1, 3, 200, 200}, 16, 5, 5, 2, 2, 1, 1, false},
      {{1, 256, 7, 7}, 64, 3, 3, 1, 1, 1, 1, false},
      // output planes of <= 16 pixels: the GEMM convolution
      {{1, 96, 4, 4}, 40, 3, 3, 1, 1, 1, 1, true},
      {{1, 128, 8, 8}, 24, 3, 3, 2, 1, 1, 1, false},
      {{2, 200, 4, 4}, 48, 1, 1, 1, 0, 1, 1, true},
      {{1, 32, 6, 6}, 16, 3, 3, 1, 0, 1, 1, true},
  };
  std::uint64_t seed = 100;
  for (const auto& c : cases) {
    SCOPED_TRACE(fmt::format("{} out {} group {}", core::shape_str(c.x), c.out, c.group));
    check(c, seed += 10);
  }
}

TEST(OpConv, AsymmetricSamePaddingMatchesReference) {
  const auto w = test::random_tensor({8, 4, 3, 3}, 7);
  test::expect_dot_op_matches(
      "Conv", {1, 4, 16, 16},
      {{"strides", std::vector<std::int64_t>{2, 2}}, {"pads", std::vector<std::int64_t>{0, 0, 1, 1}}}, {w},
      4 * 9, 8);
}

// A chain on small planes (Inception V3's last blocks): blocked activations between the convolutions, so the
// GEMM convolution reorders both sides; the middle one with a 1x3 kernel and a fused residual + ReLU.
TEST(OpConv, SmallPlaneChainWithResidualMatchesReference) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {1, 32, 6, 6}};
  g.initializers["wa"] = test::random_tensor({48, 32, 3, 3}, 31);
  g.initializers["wb"] = test::random_tensor({48, 48, 1, 3}, 32);
  g.initializers["wc"] = test::random_tensor({40, 48, 1, 1}, 33);
  g.nodes.push_back({"a", "Conv", "", {"x", "wa"}, {"ya"}, {}});
  g.nodes.push_back(
      {"b", "Conv", "", {"ya", "wb"}, {"yb"}, {{"pads", std::vector<std::int64_t>{0, 1, 0, 1}}}});
  g.nodes.push_back({"sum", "Add", "", {"yb", "ya"}, {"s"}, {}});
  g.nodes.push_back({"relu", "Relu", "", {"s"}, {"r"}, {}});
  g.nodes.push_back({"c", "Conv", "", {"r", "wc"}, {"y"}, {}});
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  const auto x = test::random_tensor({1, 32, 6, 6}, 30);
  runtime::Executor fast_ex(g, {2, runtime::Backend::Auto});
  const auto fast = fast_ex.run({x})[0];
  for (const auto& k : fast_ex.kernel_backends()) EXPECT_EQ(k, "onednn");
  const auto ref = test::run_on(g, x, runtime::Backend::Reference);
  // Three accumulations of 288, 144 and 48 products, each within dot_tolerance of its exact sum; relative to
  // the largest output the propagated error stays far below kRewriteRelTolerance.
  double largest = 0;
  for (const float v : ref.span<float>()) largest = std::max(largest, std::abs(static_cast<double>(v)));
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    ASSERT_NEAR(fast.span<float>()[u], ref.span<float>()[u], runtime::kRewriteRelTolerance * largest) << i;
  }
}
