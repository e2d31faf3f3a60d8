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
