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
      {{1, 3, 32, 32}, 16, 3, 3, 1, 1, 1, 1, true},    {{2, 8, 17, 19}, 12, 5, 5, 2, 2, 1, 1, false},
      {{1, 16, 20, 20}, 16, 3, 3, 1, 1, 1, 16, false}, {{1, 32, 15, 15}, 32, 3, 3, 2, 1, 1, 32, true},
      {{1, 64, 9, 9}, 128, 1, 1, 1, 0, 1, 1, true},    {{1, 8, 24, 24}, 8, 3, 3, 1, 2, 2, 1, true},
      {{1, 12, 16, 16}, 24, 3, 3, 1, 1, 1, 3, true},   {{1, 3, 200, 200}, 16, 5, 5, 2, 2, 1, 1, false},
      {{1, 256, 7, 7}, 64, 3, 3, 1, 1, 1, 1, false},
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
