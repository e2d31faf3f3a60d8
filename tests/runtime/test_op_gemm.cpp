// Gemm / MatMul: oneDNN vs reference (transposes, bias broadcast, odd sizes).
#include "op_test_util.hpp"

using namespace edgeq;

TEST(OpGemm, FastMatchesReference) {
  struct Case {
    std::int64_t m, k, n;
    bool trans_b, bias;
  };
  const Case cases[] = {
      {1, 16, 64, true, true}, {4, 64, 32, false, true}, {7, 333, 5, true, false}, {32, 1280, 3, true, true}};
  std::uint64_t seed = 200;
  for (const auto& c : cases) {
    SCOPED_TRACE(fmt::format("{}x{}x{}", c.m, c.k, c.n));
    std::vector<core::Tensor> consts;
    consts.push_back(
        test::random_tensor(c.trans_b ? core::Shape{c.n, c.k} : core::Shape{c.k, c.n}, seed + 1));
    if (c.bias) consts.push_back(test::random_tensor({c.n}, seed + 2));
    test::expect_dot_op_matches("Gemm", {c.m, c.k}, {{"transB", std::int64_t{c.trans_b}}}, consts, c.k,
                                seed += 10);
  }
}

TEST(OpMatMul, FastMatchesReference) {
  test::expect_dot_op_matches("MatMul", {5, 48}, {}, {test::random_tensor({48, 17}, 301)}, 48, 302);
}

TEST(OpGemm, ScaledGemmFallsBackToReference) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  const auto g = test::one_node("Gemm", {2, 4}, {{"alpha", 0.5f}}, {test::random_tensor({4, 3}, 1)});
  std::string used;
  test::run_on(g, test::random_tensor({2, 4}, 2), runtime::Backend::Auto, &used);
  EXPECT_EQ(used, "reference");
}
