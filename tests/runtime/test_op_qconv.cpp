// QConv: the oneDNN int8 kernel (int32 accumulation in oneDNN, TFLite requantisation by edgeq, AVX2 or
// scalar) against the integer reference on seeded random shapes: bit-exact. With EDGEQ_INT8_APPROX=1 the
// kernel requantises inside oneDNN in float instead (rounding ties to even): codes may then differ by 1.
#include <gtest/gtest.h>

#include "edgeq/core/rng.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "edgeq/runtime/executor.hpp"

namespace edgeq::runtime {
namespace {
using core::DType;
using core::Shape;
using core::Tensor;

struct Case {
  Shape x, w;
  std::int64_t group, stride, pad;
  std::int32_t x_zp, y_zp, y_min, y_max;
  bool per_channel;
  bool chained = false;    ///< a second (1x1) QConv reads the first, so the first writes NHWC codes
  bool saturated = false;  ///< weights 126, inputs 125-127: accumulators beyond 2^24 (the reference fallback)
  double gain = 1.0;       ///< multiplier scale: > 40 * fan-in gives multipliers >= 1 (left shifts)
  std::int32_t bias_offset = 0;  ///< added to every bias (brings saturated accumulators back into range)
};

graph::Graph qconv_graph(const Case& k, std::uint64_t seed) {
  core::CounterRng rng(seed, 5, 0);
  graph::Graph g;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.values["x"] = {DType::F32, k.x};
  g.initializers["one"] = Tensor::from<float>({}, std::vector<float>{1.0f});
  g.initializers["zp"] = Tensor::from<std::int8_t>({}, std::vector<std::int8_t>{0});
  Tensor w(DType::I8, k.w);
  for (auto& v : w.span<std::int8_t>())
    v = k.saturated ? std::int8_t{126}
                    : static_cast<std::int8_t>(2 * (static_cast<int>(rng.uniform() * 127) - 63));
  Tensor b(DType::I32, {k.w[0]});
  for (auto& v : b.span<std::int32_t>())
    v = static_cast<std::int32_t>((rng.uniform() - 0.5) * 20000) + k.bias_offset;
  g.initializers["w"] = w;
  g.initializers["b"] = b;
  graph::Node q{"q", "QuantizeLinear", "", {"x", "one", "zp"}, {"xq"}, {}};
  graph::Node conv{"conv", "QConv", graph::kEdgeqDomain, {"xq", "w", "b"}, {"yq"}, {}};
  conv.attrs["group"] = k.group;
  conv.attrs["strides"] = std::vector<std::int64_t>{k.stride, k.stride};
  conv.attrs["pads"] = std::vector<std::int64_t>{k.pad, k.pad, k.pad, k.pad};
  quant::Requantisation r;
  r.x_zero_point = k.x_zp;
  r.y_zero_point = k.y_zp;
  r.y_min = k.y_min;
  r.y_max = k.y_max;
  const std::int64_t fan_in = k.w[1] * k.w[2] * k.w[3];
  for (std::int64_t c = 0; c < (k.per_channel ? k.w[0] : 1); ++c) {
    const double m =
        k.gain * (0.5 + rng.uniform()) / (40.0 * static_cast<double>(fan_in));  // outputs span the range
    r.multipliers.push_back(quant::quantize_multiplier(m));
    r.real_multipliers.push_back(static_cast<float>(m));
  }
  r.write(conv);
  graph::Node dq{"dq", "DequantizeLinear", "", {"yq", "one", "zp"}, {"y"}, {}};
  g.nodes = {q, conv, dq};
  if (k.chained) {
    Tensor w2(DType::I8, {16, k.w[0], 1, 1});
    for (auto& v : w2.span<std::int8_t>())
      v = static_cast<std::int8_t>(2 * (static_cast<int>(rng.uniform() * 127) - 63));
    g.initializers["w2"] = w2;
    graph::Node conv2{"conv2", "QConv", graph::kEdgeqDomain, {"yq", "w2"}, {"zq"}, {}};
    quant::Requantisation r2 = r;
    r2.multipliers = {quant::quantize_multiplier(1.0 / (40.0 * static_cast<double>(k.w[0])))};
    r2.real_multipliers = {static_cast<float>(1.0 / (40.0 * static_cast<double>(k.w[0])))};
    r2.x_zero_point = k.y_zp;
    r2.y_min = -128;
    r2.y_max = 127;
    r2.write(conv2);
    g.nodes = {q, conv, conv2, graph::Node{"dq", "DequantizeLinear", "", {"zq", "one", "zp"}, {"y"}, {}}};
  }
  g.infer_shapes();
  return g;
}

TEST(QConvFast, BitExactWithTheReference) {
  if (!fast_kernels_available()) GTEST_SKIP() << "built without oneDNN";
  const std::vector<Case> cases = {
      {{1, 16, 20, 20}, {32, 16, 3, 3}, 1, 1, 1, -128, -128, -128, 127, true},  // ReLU-style zero points
      {{2, 8, 17, 13}, {8, 8, 3, 3}, 1, 2, 1, 3, 5, -128, 127, true},           // stride 2, odd sizes
      {{1, 24, 15, 15}, {24, 1, 3, 3}, 24, 1, 1, -20, 0, -128, 127, true},      // depthwise
      {{1, 64, 9, 9}, {16, 64, 1, 1}, 1, 1, 0, 0, -7, -128, 127, false},        // 1x1, per tensor
      {{1, 8, 12, 12}, {16, 8, 5, 5}, 1, 1, 2, 10, -128, -128, 60, true},       // Clip-style upper bound
      {{1, 16, 20, 20}, {40, 16, 3, 3}, 1, 1, 1, -128, -128, -128, 127, true, true},  // NHWC codes out
      // |acc| ~ 126 * 126 * 2304 > 2^24 (the reference fallback), brought back into range by the bias
      {{1, 256, 6, 6}, {16, 256, 3, 3}, 1, 1, 1, 0, 0, -128, 127, true, false, true, 1440.0, -36578304},
      {{1, 8, 10, 10}, {16, 8, 1, 1}, 1, 1, 0, 0, 2, -128, 127, true, true, false, 1000.0},  // left shifts
  };
  std::int64_t total = 0, differ = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const graph::Graph g = qconv_graph(cases[i], 100 + i);
    Tensor x(DType::F32, cases[i].x);
    core::CounterRng rng(7 + i, 9, 0);
    for (auto& v : x.span<float>())
      v = cases[i].saturated ? static_cast<float>(127 - static_cast<int>(rng.uniform() * 3))
                             : static_cast<float>(std::floor(rng.uniform() * 256) - 128);
    ExecutorOptions ref, fast;
    ref.backend = Backend::Reference;
    ref.lower_qdq = fast.lower_qdq = false;
    fast.threads = 2;
    Executor fe(g, fast);
    const Tensor yr = Executor(g, ref).run({x})[0], yf = fe.run({x})[0];
    EXPECT_EQ(fe.kernel_backends()[1], "onednn") << "case " << i;
    if (cases[i].chained) {
      EXPECT_GT(fe.blocked_values(), 0u) << "the codes between the convs should be NHWC";
    }
    for (std::int64_t e = 0; e < yr.numel(); ++e) differ += yr.data<float>()[e] != yf.data<float>()[e];
    total += yr.numel();
  }
  EXPECT_EQ(differ, 0) << differ << " of " << total << " codes differ";
}

}  // namespace
}  // namespace edgeq::runtime
