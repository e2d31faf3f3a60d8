// Winograd F(2x2, 3x3) and F(4x4, 3x3) convolution (blocked activations) against the reference direct
// convolution, within runtime::winograd_tolerance: gamma_{C + r} times the Winograd computation on absolute
// values, which this file evaluates in double (abs_winograd below). Padding (none, one, asymmetric), odd
// output sizes (tiles overhanging the output), batch 2, bias, ReLU / Clip and a fused residual.
#include <array>

#include "edgeq/runtime/kernel.hpp"
#include "op_test_util.hpp"

using namespace edgeq;

namespace {
struct WinogradCase {
  int tile;  ///< the variant the runtime picks for this plane (kWinograd4MinTiles)
  core::Shape x;
  std::int64_t out;
  std::vector<std::int64_t> pads;
  bool bias, residual;
  std::string act;
};

/// Winograd F(T x T, 3 x 3) matrices with absolute entries: |B^T| (A x A), |G| (A x 3), |A^T| (T x A).
struct AbsMatrices {
  int t, a;
  std::vector<std::vector<double>> bt, g, at;
};

AbsMatrices abs_matrices(int t) {
  if (t == 2)
    return {2,
            4,
            {{1, 0, 1, 0}, {0, 1, 1, 0}, {0, 1, 1, 0}, {0, 1, 0, 1}},
            {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}, {0, 0, 1}},
            {{1, 1, 1, 0}, {0, 1, 1, 1}}};
  return {4,
          6,
          {{4, 0, 5, 0, 1, 0},
           {0, 4, 4, 1, 1, 0},
           {0, 4, 4, 1, 1, 0},
           {0, 2, 1, 2, 1, 0},
           {0, 2, 1, 2, 1, 0},
           {0, 4, 0, 5, 0, 1}},
          {{1.0 / 4, 0, 0},
           {1.0 / 6, 1.0 / 6, 1.0 / 6},
           {1.0 / 6, 1.0 / 6, 1.0 / 6},
           {1.0 / 24, 1.0 / 12, 1.0 / 6},
           {1.0 / 24, 1.0 / 12, 1.0 / 6},
           {0, 0, 1}},
          {{1, 1, 1, 1, 1, 0}, {0, 1, 1, 2, 2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, 1, 8, 8, 1}}};
}

/// S[n][o][y][x] = |A^T| (sum_c (|G| |g| |G^T|) o (|B^T| |d| |B|)) |A| + |bias| + |residual| for each output.
core::Tensor abs_winograd(const AbsMatrices& mx, const core::Tensor& x, const core::Tensor& w,
                          const core::Tensor* b, const core::Tensor* r, const core::Shape& y,
                          std::int64_t pad_top, std::int64_t pad_left) {
  const int t = mx.t, a = mx.a;
  const auto& xs = x.shape();
  const std::int64_t n = xs[0], ic = xs[1], h = xs[2], wd = xs[3], oc = y[1], oh = y[2], ow = y[3];
  core::Tensor s(core::DType::F32, y);
  const float* xp = x.data<float>();
  const float* wp = w.data<float>();
  using Mat = std::vector<std::vector<double>>;
  for (std::int64_t img = 0; img < n; ++img)
    for (std::int64_t o = 0; o < oc; ++o)
      for (std::int64_t ty = 0; ty < (oh + t - 1) / t; ++ty)
        for (std::int64_t tx = 0; tx < (ow + t - 1) / t; ++tx) {
          Mat m(a, std::vector<double>(a, 0.0));
          for (std::int64_t c = 0; c < ic; ++c) {
            Mat u(a, std::vector<double>(a, 0.0)), v(a, std::vector<double>(a, 0.0));
            for (int i = 0; i < a; ++i)
              for (int j = 0; j < a; ++j) {
                for (int k = 0; k < 3; ++k)
                  for (int l = 0; l < 3; ++l)
                    u[i][j] += mx.g[i][k] * std::abs(wp[((o * ic + c) * 3 + k) * 3 + l]) * mx.g[j][l];
                for (int k = 0; k < a; ++k)
                  for (int l = 0; l < a; ++l) {
                    const std::int64_t iy = ty * t - pad_top + k, ix = tx * t - pad_left + l;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < wd)
                      v[i][j] +=
                          mx.bt[i][k] * std::abs(xp[((img * ic + c) * h + iy) * wd + ix]) * mx.bt[j][l];
                  }
                m[i][j] += u[i][j] * v[i][j];
              }
          }
          for (int i = 0; i < t; ++i)
            for (int j = 0; j < t; ++j) {
              const std::int64_t oy = ty * t + i, ox = tx * t + j;
              if (oy >= oh || ox >= ow) continue;
              double sum = 0;
              for (int k = 0; k < a; ++k)
                for (int l = 0; l < a; ++l) sum += mx.at[i][k] * m[k][l] * mx.at[j][l];
              const std::int64_t at_out = ((img * oc + o) * oh + oy) * ow + ox;
              if (b) sum += std::abs(b->data<float>()[o]);
              if (r) sum += std::abs(r->data<float>()[at_out]);
              s.data<float>()[at_out] = static_cast<float>(sum);
            }
        }
  return s;
}

void check(const WinogradCase& wc, std::uint64_t seed) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  const std::int64_t block = runtime::fast_kernel_channel_block();
  core::Shape xs = wc.x;
  xs[1] *= block;
  const std::int64_t out = wc.out * block;
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, xs};
  g.initializers["w"] = test::random_tensor({out, xs[1], 3, 3}, seed + 1);
  std::map<std::string, graph::AttrValue> attrs{{"pads", wc.pads}};
  if (!wc.act.empty()) attrs["edgeq_activation"] = wc.act;
  if (wc.act == "Clip") attrs["edgeq_clip_min"] = -1.0f, attrs["edgeq_clip_max"] = 2.0f;
  std::vector<std::string> inputs{"x", "w", wc.bias ? "b" : ""};
  if (wc.bias) g.initializers["b"] = test::random_tensor({out}, seed + 2);
  if (wc.residual) {
    attrs["edgeq_residual"] = std::int64_t{1};
    inputs.push_back("r");
    g.inputs.push_back("r");
  }
  g.nodes.push_back({"conv", "Conv", "", inputs, {"y"}, attrs});
  g.outputs = {"y"};
  g.topological_sort();
  // 3x3, stride 1: each side shrinks by 2 and grows by its pads; the residual has the output's shape.
  const core::Shape ys{xs[0], out, xs[2] + wc.pads[0] + wc.pads[2] - 2, xs[3] + wc.pads[1] + wc.pads[3] - 2};
  if (wc.residual) g.values["r"] = {core::DType::F32, ys};
  g.infer_shapes();
  ASSERT_EQ(g.info("y").shape, ys);

  runtime::PrepareContext pc{g, g.nodes[0], 2};
  pc.blocked_inputs = {true, false, false};
  if (wc.residual) pc.blocked_inputs.push_back(true);
  pc.blocked_outputs = {true};
  auto fast = runtime::make_fast_kernel(pc);
  ASSERT_TRUE(fast);
  ASSERT_STREQ(fast->backend(), wc.tile == 4 ? "winograd4x4" : "winograd2x2");

  const auto x = test::random_tensor(xs, seed);
  const auto r = test::random_tensor(ys, seed + 3);
  const auto xb = test::to_blocked(x, block, false), rb = test::to_blocked(r, block, false);
  core::Tensor yb(core::DType::F32, ys);
  runtime::KernelContext fc{g.nodes[0], {&xb, nullptr, nullptr}, {&yb}, nullptr};
  if (wc.bias) fc.inputs[1] = &g.initializers.at("b");
  if (wc.residual) fc.inputs.push_back(&rb);
  fast->run(fc);
  const auto y = test::to_blocked(yb, block, true);

  runtime::Executor ref_ex(g, {1, runtime::Backend::Reference});
  std::vector<core::Tensor> feed{x};
  if (wc.residual) feed.push_back(r);
  const auto ref = ref_ex.run(feed)[0];
  const auto bound = abs_winograd(abs_matrices(wc.tile), x, g.initializers.at("w"),
                                  wc.bias ? &g.initializers.at("b") : nullptr, wc.residual ? &r : nullptr, ys,
                                  wc.pads[0], wc.pads[1]);
  double worst = 0;
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    const double want = ref.span<float>()[u], got = y.span<float>()[u];
    const double tol = runtime::winograd_tolerance(wc.tile, xs[1], bound.span<float>()[u], std::abs(want));
    ASSERT_LE(std::abs(got - want), tol) << "element " << i << " winograd " << got << " reference " << want;
    worst = std::max(worst, std::abs(got - want) / tol);
  }
  ::testing::Test::RecordProperty("worst_fraction_of_tolerance", std::to_string(worst));
}
}  // namespace

TEST(OpWinograd, MatchesReferenceWithinErrorBound) {
  // channels and outputs in units of the channel block
  const WinogradCase cases[] = {
      {2, {1, 2, 10, 10}, 3, {1, 1, 1, 1}, true, false, "Relu"},   // "same", even output
      {2, {1, 1, 9, 7}, 2, {1, 1, 1, 1}, false, false, ""},        // odd sides: tiles overhang the output
      {2, {2, 3, 8, 9}, 1, {0, 0, 0, 0}, true, false, "Clip"},     // valid, batch 2
      {2, {1, 2, 11, 6}, 2, {0, 1, 2, 0}, true, true, "Relu"},     // asymmetric pads, residual
      {2, {1, 32, 7, 7}, 4, {1, 1, 1, 1}, false, true, ""},        // 256 channels (block 8): a long sum
      {4, {1, 2, 24, 24}, 3, {1, 1, 1, 1}, true, false, "Relu"},   // F(4x4, 3x3) from 36 tiles
      {4, {1, 1, 23, 26}, 2, {0, 1, 2, 0}, true, true, "Clip"},    // odd sides, asymmetric pads, residual
      {4, {2, 2, 17, 17}, 1, {1, 1, 1, 1}, false, false, ""},      // batch 2
      {4, {1, 16, 24, 24}, 2, {1, 1, 1, 1}, true, false, "Relu"},  // 128 channels
  };
  std::uint64_t seed = 500;
  for (const auto& c : cases) {
    SCOPED_TRACE(
        fmt::format("{} out {} act '{}' residual {}", core::shape_str(c.x), c.out, c.act, c.residual));
    check(c, seed += 10);
  }
}

// The executor picks Winograd for a 3x3 / stride 1 Conv between blocked activations, and not for stride 2.
TEST(OpWinograd, ChosenForBlockedStrideOneConvolutions) {
  if (!runtime::fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {1, 16, 12, 12}};
  g.initializers["w1"] = test::random_tensor({16, 16, 3, 3}, 1);
  g.initializers["w2"] = test::random_tensor({16, 16, 3, 3}, 2);
  g.initializers["w3"] = test::random_tensor({16, 16, 3, 3}, 3);
  const std::vector<std::int64_t> same{1, 1, 1, 1};
  g.nodes.push_back({"a", "Conv", "", {"x", "w1"}, {"a"}, {{"pads", same}}});
  g.nodes.push_back({"b", "Conv", "", {"a", "w2"}, {"b"}, {{"pads", same}}});
  g.nodes.push_back(
      {"c", "Conv", "", {"b", "w3"}, {"y"}, {{"pads", same}, {"strides", std::vector<std::int64_t>{2, 2}}}});
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  runtime::Executor ex(g, {2, runtime::Backend::Auto});
  ex.run({test::random_tensor({1, 16, 12, 12}, 4)});
  const auto k = ex.kernel_backends();
  ASSERT_EQ(k.size(), 3u);
  EXPECT_EQ(k[1], "winograd2x2");  // blocked input and output
  EXPECT_EQ(k[2], "onednn");       // stride 2
}
