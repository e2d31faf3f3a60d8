// Concat: oneDNN vs reference, a pure copy, so identical, on several axes and input counts.
#include "op_test_util.hpp"

using namespace edgeq;

TEST(OpConcat, FastIsIdenticalToReference) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP();
  struct Case {
    core::Shape x, other;
    std::int64_t axis;
  };
  const Case cases[] = {{{1, 64, 7, 7}, {1, 32, 7, 7}, 1}, {{2, 3, 5, 4}, {2, 3, 5, 9}, -1}, {{4, 10}, {4, 6}, 1},
                        {{2, 8, 6, 6}, {5, 8, 6, 6}, 0}};
  std::uint64_t seed = 50;
  for (const auto& c : cases) {
    std::vector<core::Tensor> consts;
    consts.push_back(test::random_tensor(c.other, seed++));
    consts.push_back(test::random_tensor(c.other, seed++));
    const auto g = test::one_node("Concat", c.x, {{"axis", c.axis}}, consts);
    const auto x = test::random_tensor(c.x, seed++);
    std::string used;
    const auto fast = test::run_on(g, x, runtime::Backend::Auto, &used);
    ASSERT_EQ(used, "onednn");
    const auto ref = test::run_on(g, x, runtime::Backend::Reference);
    ASSERT_EQ(fast.shape(), ref.shape());
    for (std::int64_t i = 0; i < ref.numel(); ++i)
      ASSERT_EQ(fast.span<float>()[static_cast<std::size_t>(i)], ref.span<float>()[static_cast<std::size_t>(i)]);
  }
}
