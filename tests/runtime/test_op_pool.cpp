// MaxPool / AveragePool: oneDNN vs reference. Max is exact; averages differ by the order of a k-term sum.
#include "op_test_util.hpp"

using namespace edgeq;

namespace {
void check_pool(const std::string& op, core::Shape x, std::int64_t k, std::int64_t s, std::int64_t pad,
                bool include_pad, std::uint64_t seed) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  std::map<std::string, graph::AttrValue> attrs{{"kernel_shape", std::vector<std::int64_t>{k, k}},
                                                {"strides", std::vector<std::int64_t>{s, s}},
                                                {"pads", std::vector<std::int64_t>{pad, pad, pad, pad}}};
  if (include_pad) attrs["count_include_pad"] = std::int64_t{1};
  const auto xin = test::random_tensor(x, seed);
  const auto g = test::one_node(op, x, attrs, {});
  std::string used;
  const auto fast = test::run_on(g, xin, runtime::Backend::Auto, &used);
  ASSERT_EQ(used, "onednn");
  const auto ref = test::run_on(g, xin, runtime::Backend::Reference);
  const auto bound = test::run_on(g, test::abs_copy(xin), runtime::Backend::Reference);
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    if (op == "MaxPool") {
      ASSERT_EQ(fast.span<float>()[u], ref.span<float>()[u]);
    } else {  // mean of <= k*k terms: sum error gamma_{k^2} * mean(|x|) plus the division rounding
      ASSERT_LE(std::abs(fast.span<float>()[u] - ref.span<float>()[u]),
                runtime::dot_tolerance(k * k, bound.span<float>()[u], std::abs(ref.span<float>()[u])));
    }
  }
}
}  // namespace

TEST(OpPool, MaxMatchesReferenceExactly) {
  check_pool("MaxPool", {1, 8, 32, 32}, 3, 2, 0, false, 1);
  check_pool("MaxPool", {2, 4, 17, 17}, 2, 2, 0, false, 2);
  check_pool("MaxPool", {1, 3, 9, 9}, 3, 1, 1, false, 3);
}

TEST(OpPool, AverageMatchesReference) {
  check_pool("AveragePool", {1, 8, 35, 35}, 3, 1, 1, false, 4);
  check_pool("AveragePool", {1, 8, 35, 35}, 3, 1, 1, true, 5);
  check_pool("AveragePool", {2, 16, 14, 14}, 2, 2, 0, false, 6);
}

// GlobalAveragePool: a mean over H*W terms; the fast sum order differs, bound gamma_{HW} * mean|x|.
TEST(OpPool, GlobalAverageWithinSumBound) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const core::Shape s{2, 16, 13, 17};
  const auto x = test::random_tensor(s, 40);
  const auto g = test::one_node("GlobalAveragePool", s, {});
  std::string used;
  const auto fast = test::run_on(g, x, runtime::Backend::Auto, &used);
  ASSERT_EQ(used, "onednn");
  const auto ref = test::run_on(g, x, runtime::Backend::Reference);
  const auto bound = test::run_on(g, test::abs_copy(x), runtime::Backend::Reference);
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    ASSERT_LE(std::abs(fast.span<float>()[u] - ref.span<float>()[u]),
              runtime::dot_tolerance(13 * 17, bound.span<float>()[u], std::abs(ref.span<float>()[u])));
  }
}

// The blocked-layout pools (edgeq's loop, nChw8c / nChw16c) against the reference on NCHW: max exact,
// averages within the sum bound; dilation, ceil-mode overhang and both padding counts.
namespace {
void check_blocked_pool(const std::string& op, core::Shape x, std::map<std::string, graph::AttrValue> attrs,
                        std::uint64_t seed) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  const std::int64_t block = runtime::fast_kernel_channel_block();
  x[1] *= block;
  const auto xin = test::random_tensor(x, seed);
  const auto g = test::one_node(op, x, attrs);
  runtime::PrepareContext pc{g, g.nodes[0], 2};
  pc.blocked_inputs = {true};
  pc.blocked_outputs = {true};
  auto fast = runtime::make_fast_kernel(pc);
  ASSERT_TRUE(fast);
  EXPECT_STREQ(fast->backend(), "blocked-pool");
  const auto xb = test::to_blocked(xin, block, false);
  core::Tensor yb(core::DType::F32, g.info("y").shape);
  runtime::KernelContext fc{g.nodes[0], {&xb}, {&yb}, nullptr};
  fast->run(fc);
  const auto y = test::to_blocked(yb, block, true);
  const auto ref = test::run_on(g, xin, runtime::Backend::Reference);
  const auto bound = test::run_on(g, test::abs_copy(xin), runtime::Backend::Reference);
  const auto k = std::get<std::vector<std::int64_t>>(attrs.at("kernel_shape"));
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    if (op == "MaxPool") {
      ASSERT_EQ(y.span<float>()[u], ref.span<float>()[u]) << i;
    } else {
      ASSERT_LE(std::abs(y.span<float>()[u] - ref.span<float>()[u]),
                runtime::dot_tolerance(k[0] * k[1], bound.span<float>()[u], std::abs(ref.span<float>()[u])))
          << i;
    }
  }
}

std::map<std::string, graph::AttrValue> window(std::int64_t k, std::int64_t s, std::int64_t pad,
                                               std::int64_t dilation = 1, std::int64_t ceil = 0) {
  return {{"kernel_shape", std::vector<std::int64_t>{k, k}},
          {"strides", std::vector<std::int64_t>{s, s}},
          {"pads", std::vector<std::int64_t>{pad, pad, pad, pad}},
          {"dilations", std::vector<std::int64_t>{dilation, dilation}},
          {"ceil_mode", ceil}};
}
}  // namespace

TEST(OpPool, BlockedMaxMatchesReferenceExactly) {
  check_blocked_pool("MaxPool", {1, 2, 23, 23}, window(3, 2, 0), 11);
  check_blocked_pool("MaxPool", {2, 1, 9, 12}, window(3, 1, 1), 12);
  check_blocked_pool("MaxPool", {1, 1, 10, 10}, window(3, 2, 0, 1, 1), 13);  // ceil-mode overhang
  check_blocked_pool("MaxPool", {1, 1, 11, 11}, window(2, 1, 1, 2), 14);     // dilation
}

// graph::fuse_pad_into_maxpool's zero padding (edgeq_pad_zero): a window reaching into the padding is
// max(taps, 0); asymmetric pads, stride 2 (ResNet / DenseNet's pool1) and ceil-mode overhang (not padding).
TEST(OpPool, BlockedMaxWithZeroPaddingMatchesReferenceExactly) {
  auto resnet = window(3, 2, 0);
  resnet["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
  resnet["edgeq_pad_zero"] = std::int64_t{1};
  check_blocked_pool("MaxPool", {1, 2, 12, 12}, resnet, 15);
  auto asymmetric = window(3, 1, 0, 1, 1);
  asymmetric["pads"] = std::vector<std::int64_t>{0, 2, 1, 0};
  asymmetric["edgeq_pad_zero"] = std::int64_t{1};
  check_blocked_pool("MaxPool", {2, 1, 9, 10}, asymmetric, 16);
}

TEST(OpPool, BlockedAverageWithinSumBound) {
  auto include = window(3, 1, 1);
  include["count_include_pad"] = std::int64_t{1};
  check_blocked_pool("AveragePool", {1, 3, 10, 10}, window(3, 1, 1), 21);
  check_blocked_pool("AveragePool", {1, 2, 7, 9}, include, 22);
  check_blocked_pool("AveragePool", {2, 1, 10, 10}, window(3, 2, 1, 1, 1), 23);  // ceil mode + padding
  auto ceil_include = window(3, 2, 1, 1, 1);
  ceil_include["count_include_pad"] = std::int64_t{1};
  check_blocked_pool("AveragePool", {1, 1, 10, 10}, ceil_include, 24);
}
