// Integer reference kernels against hand-computed TFLite-semantics results (formulas in
// runtime/kernels/reference/qlinear_*.cpp; rounding rules pinned in test_fixed_point.cpp), and the lowering
// of QDQ graphs against their float emulation.
#include <gtest/gtest.h>

#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/lower_qdq.hpp"
#include "edgeq/quant/ptq.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "edgeq/runtime/executor.hpp"

namespace edgeq::quant {
namespace {
using core::DType;
using core::Shape;
using core::Tensor;
using graph::Graph;
using graph::Node;

/// x (float holding integer codes) -> Q(scale 1, int8) -> node -> DQ(scale 1) -> y: y holds the node's codes.
Graph integer_harness(Node node, Shape x_shape, std::map<std::string, Tensor> constants) {
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.values["x"] = {DType::F32, x_shape};
  g.initializers["one"] = Tensor::from<float>({}, std::vector<float>{1.0f});
  g.initializers["zp"] = Tensor::from<std::int8_t>({}, std::vector<std::int8_t>{0});
  for (auto& [k, t] : constants) g.initializers[k] = t;
  g.nodes.push_back(Node{"q", "QuantizeLinear", "", {"x", "one", "zp"}, {"xq"}, {}});
  node.name = "op";
  node.domain = graph::kEdgeqDomain;
  node.inputs.insert(node.inputs.begin(), "xq");
  node.outputs = {"yq"};
  g.nodes.push_back(node);
  g.nodes.push_back(Node{"dq", "DequantizeLinear", "", {"yq", "one", "zp"}, {"y"}, {}});
  g.infer_shapes();
  return g;
}

std::vector<float> run_codes(const Graph& g, const std::vector<float>& x) {
  runtime::ExecutorOptions o;
  o.backend = runtime::Backend::Reference;
  o.lower_qdq = false;
  runtime::Executor ex(g, o);
  const auto out = ex.run({Tensor::from<float>(g.info("x").shape, x)});
  return {out[0].span<float>().begin(), out[0].span<float>().end()};
}

Node qconv_1x1(std::int32_t x_zp, double multiplier, std::int32_t y_zp, std::int32_t y_min = -128,
               std::int32_t y_max = 127) {
  Node n{"", "QConv", "", {"w", "b"}, {}, {}};
  n.attrs["kernel_shape"] = std::vector<std::int64_t>{1, 1};
  Requantisation r;
  r.x_zero_point = x_zp;
  r.y_zero_point = y_zp;
  r.y_min = y_min;
  r.y_max = y_max;
  r.multipliers = {quantize_multiplier(multiplier)};
  r.real_multipliers = {static_cast<float>(multiplier)};
  r.write(n);
  return n;
}

TEST(QConvReference, AccumulatesRequantisesAndRoundsTiesAwayFromZero) {
  // One input channel, weight 7, bias 2, x_zero_point 1, M = 0.25, y_zero_point 0:
  //   x = 3:  acc = 2 + (3 - 1) * 7 = 16  -> 4
  //   x = -5: acc = 2 + (-5 - 1) * 7 = -40 -> -10
  //   x = 2:  acc = 2 + 7 = 9: 9 / 4 = 2.25, but TFLite rounds twice: SRDHM(9, 2^30) = 4.5 -> 5 (ties up),
  //   then
  //           5 / 2 = 2.5 -> 3 (ties away from zero). The result is 3, not round(2.25) = 2.
  //   x = 0:  acc = 2 - 7 = -5: SRDHM = -2.5 -> -2, then -2 / 2 = -1
  // With bias 3 instead: x = 2 gives acc 10 -> 2.5 -> 3 and x = -1 gives acc = 3 - 14 = -11 -> -2.75 -> -3.
  const std::map<std::string, Tensor> c = {
      {"w", Tensor::from<std::int8_t>({1, 1, 1, 1}, std::vector<std::int8_t>{7})},
      {"b", Tensor::from<std::int32_t>({1}, std::vector<std::int32_t>{2})}};
  EXPECT_EQ(run_codes(integer_harness(qconv_1x1(1, 0.25, 0), {1, 1, 1, 4}, c), {3, -5, 2, 0}),
            (std::vector<float>{4, -10, 3, -1}));
  auto c3 = c;
  c3["b"] = Tensor::from<std::int32_t>({1}, std::vector<std::int32_t>{3});
  // acc = 3 + (x - 1) * 7: x = 2 -> 10 -> 2.5 -> 3; x = 1 -> 3 -> 0.75 -> 1; x = 0 -> -4 -> -1; x = -1 -> -11
  // -> -3.
  EXPECT_EQ(run_codes(integer_harness(qconv_1x1(1, 0.25, 0), {1, 1, 1, 4}, c3), {2, 1, 0, -1}),
            (std::vector<float>{3, 1, -1, -3}));
  // Exact ties: bias 0, weight 2, M = 0.25: acc = 2 (x - 1): x = 6 -> acc 10 -> 2.5 -> 3; x = -4 -> -10 ->
  // -3.
  auto c2 = c;
  c2["w"] = Tensor::from<std::int8_t>({1, 1, 1, 1}, std::vector<std::int8_t>{2});
  c2["b"] = Tensor::from<std::int32_t>({1}, std::vector<std::int32_t>{0});
  EXPECT_EQ(run_codes(integer_harness(qconv_1x1(1, 0.25, 0), {1, 1, 1, 2}, c2), {6, -4}),
            (std::vector<float>{3, -3}));
}

TEST(QConvReference, ZeroPointAndSaturation) {
  // y_zero_point -10 added after scaling; M = 2 pushes large accumulators past 127 and below -128; the
  // fused-ReLU clamp y_min = y_zero_point keeps real values >= 0.
  const std::map<std::string, Tensor> c = {
      {"w", Tensor::from<std::int8_t>({1, 1, 1, 1}, std::vector<std::int8_t>{100})},
      {"b", Tensor::from<std::int32_t>({1}, std::vector<std::int32_t>{0})}};
  // acc = 100 x: x = 1 -> 200 -> 400 - 10 -> 127; x = -1 -> -400 - 10 -> -128; x = 0 -> -10.
  EXPECT_EQ(run_codes(integer_harness(qconv_1x1(0, 2.0, -10), {1, 1, 1, 3}, c), {1, -1, 0}),
            (std::vector<float>{127, -128, -10}));
  EXPECT_EQ(run_codes(integer_harness(qconv_1x1(0, 2.0, -10, -10, 127), {1, 1, 1, 3}, c), {1, -1, 0}),
            (std::vector<float>{127, -10, -10}));
}

TEST(QAddReference, RescalesBothInputsAsTfLite) {
  // s_a = 0.5, s_b = 0.25, s_y = 1 (zero points 0): real a + b. TFLite's Prepare: twice_max = 1, M_a = 0.5,
  // M_b = 0.25, M_y = 2^-20. a = 10, b = 8 -> 5 + 2 = 7; a = 3, b = 2 -> 1.5 + 0.5 = 2; a = 1, b = 0 -> 0.5
  // -> 1 (ties away from zero); a = -1, b = 0 -> -0.5 -> -1.
  Node n{"", "QAdd", "", {"xq"}, {}, {}};
  auto r = AddRequantisation::from_scales(0.5f, 0.25f, 1.0f, 20);
  r.write(n);
  Graph g = integer_harness(n, {1, 4}, {});
  // x holds the codes of a; a constant holds those of b.
  g.initializers["b_codes"] = Tensor::from<std::int8_t>({1, 4}, std::vector<std::int8_t>{8, 2, 0, 0});
  g.nodes[1].inputs = {"xq", "b_codes"};
  g.infer_shapes();
  EXPECT_EQ(run_codes(g, {10, 3, 1, -1}), (std::vector<float>{7, 2, 1, -1}));
}

TEST(QAveragePoolReference, DividesWithTiesAwayFromZero) {
  // 1x2 windows of the stored codes: (1 + 2) / 2 = 1.5 -> 2, (-1 - 2) / 2 -> -2, (4 + 4) / 2 = 4, (3 - 2) / 2
  // -> 1.
  Node n{"", "QAveragePool", "", {}, {}, {}};
  n.attrs["kernel_shape"] = std::vector<std::int64_t>{1, 2};
  n.attrs["strides"] = std::vector<std::int64_t>{1, 2};
  n.attrs["x_zero_point"] = std::int64_t{0};
  n.attrs["y_min"] = std::int64_t{-128};
  n.attrs["y_max"] = std::int64_t{127};
  EXPECT_EQ(run_codes(integer_harness(n, {1, 1, 1, 8}, {}), {1, 2, -1, -2, 4, 4, 3, -2}),
            (std::vector<float>{2, -2, 4, 1}));
}

/// conv 3x3 -> relu -> maxpool -> conv 1x1 -> global average pool -> flatten -> gemm, float weights.
Graph small_cnn() {
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"logits"};
  g.values["x"] = {DType::F32, {1, 3, 12, 12}};
  auto rnd = [](Shape s, std::uint64_t seed, float scale) {
    Tensor t(DType::F32, std::move(s));
    core::CounterRng rng(seed, 3, 0);
    for (auto& v : t.span<float>()) v = scale * static_cast<float>(rng.normal());
    return t;
  };
  g.initializers["w1"] = rnd({8, 3, 3, 3}, 1, 0.3f);
  g.initializers["b1"] = rnd({8}, 2, 0.1f);
  g.initializers["w2"] = rnd({6, 8, 1, 1}, 3, 0.3f);
  g.initializers["b2"] = rnd({6}, 4, 0.1f);
  g.initializers["w3"] = rnd({4, 6}, 5, 0.5f);
  g.initializers["b3"] = rnd({4}, 6, 0.1f);
  Node c1{"conv1", "Conv", "", {"x", "w1", "b1"}, {"c1"}, {}};
  c1.attrs["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
  g.nodes.push_back(c1);
  g.nodes.push_back(Node{"relu1", "Relu", "", {"c1"}, {"r1"}, {}});
  Node mp{"pool", "MaxPool", "", {"r1"}, {"p1"}, {}};
  mp.attrs["kernel_shape"] = std::vector<std::int64_t>{2, 2};
  mp.attrs["strides"] = std::vector<std::int64_t>{2, 2};
  g.nodes.push_back(mp);
  g.nodes.push_back(Node{"conv2", "Conv", "", {"p1", "w2", "b2"}, {"c2"}, {}});
  g.nodes.push_back(Node{"gap", "GlobalAveragePool", "", {"c2"}, {"gp"}, {}});
  g.nodes.push_back(Node{"flat", "Flatten", "", {"gp"}, {"fl"}, {}});
  Node fc{"fc", "Gemm", "", {"fl", "w3", "b3"}, {"logits"}, {}};
  fc.attrs["transB"] = std::int64_t{1};
  g.nodes.push_back(fc);
  g.infer_shapes();
  return g;
}

TEST(LowerQdq, IntegerGraphMatchesFloatEmulationWithinOneStep) {
  const Graph fp32 = small_cnn();
  for (Scheme scheme : {Scheme::Int8, Scheme::Uint8, Scheme::Int16x8}) {
    QuantizeOptions o;
    o.scheme = scheme;
    const auto plan = plan_quantisation(fp32, o);
    ASSERT_EQ(plan.quantised_nodes.size(), 4u);  // conv1, conv2, gap, fc
    // Ranges from the float model on the test input itself.
    Graph observed = fp32;
    for (const auto& t : plan.tensors)
      if (t != "x" && t != "logits") observed.outputs.push_back(t);
    Tensor x(DType::F32, {1, 3, 12, 12});
    core::CounterRng rng(42, 1, 0);
    for (auto& v : x.span<float>()) v = static_cast<float>(rng.normal());
    runtime::Executor fx(observed, {});
    const auto outs = fx.run({x});
    std::vector<std::pair<float, float>> ranges;
    for (const auto& t : plan.tensors) {
      const Tensor* v = &x;
      for (std::size_t k = 0; k < observed.outputs.size(); ++k)
        if (observed.outputs[k] == t) v = &outs[k];
      const auto s = v->span<float>();
      ranges.emplace_back(*std::min_element(s.begin(), s.end()), *std::max_element(s.begin(), s.end()));
    }
    const Graph q = build_quantised_graph(fp32, plan, ranges, o);
    Graph lowered = q;
    const auto report = lower_qdq(lowered);
    EXPECT_EQ(report.lowered, 6) << scheme_name(scheme);  // conv1 (+ its Relu), pool, conv2, gap, flat, fc
    EXPECT_EQ(report.remaining, 0);
    runtime::ExecutorOptions integer, emulated;
    integer.backend = emulated.backend = runtime::Backend::Reference;
    emulated.lower_qdq = false;
    const auto yi = runtime::Executor(q, integer).run({x})[0];
    const auto ye = runtime::Executor(q, emulated).run({x})[0];
    const auto yf = runtime::Executor(fp32, {}).run({x})[0];
    runtime::ExecutorOptions emulated_fast;
    emulated_fast.lower_qdq = false;
    const auto yef = runtime::Executor(q, emulated_fast).run({x})[0];
    for (std::int64_t i = 0; i < yi.numel(); ++i)
      EXPECT_NEAR(yef.data<float>()[i], ye.data<float>()[i],
                  1.01 * ((ranges.back().second - std::min(ranges.back().first, 0.0f)) / 255.0))
          << "fast float emulation " << scheme_name(scheme);
    // The output's quantisation step: the logits range over 255 (or 65535) codes.
    const double step = (ranges.back().second - std::min(ranges.back().first, 0.0f)) /
                        (scheme == Scheme::Int16x8 ? 32767.0 : 255.0);
    for (std::int64_t i = 0; i < yi.numel(); ++i) {
      EXPECT_LE(std::abs(yi.data<float>()[i] - ye.data<float>()[i]), 1.01 * step)
          << scheme_name(scheme) << " " << i;
      EXPECT_NEAR(yi.data<float>()[i], yf.data<float>()[i], 0.1 * (1 + std::abs(yf.data<float>()[i])));
    }
  }
}

TEST(Ptq, BiasCorrectionsShiftTheQuantisedBias) {
  // One 1x1 conv with bias 0.5; a correction of +0.25 for its single channel moves the stored int32 bias by
  // 0.25 (to the bias resolution s_x s_w).
  Graph g;
  g.inputs = {"x"};
  g.outputs = {"y"};
  g.values["x"] = {DType::F32, {1, 2, 4, 4}};
  g.initializers["w"] = Tensor::from<float>({1, 2, 1, 1}, std::vector<float>{0.3f, 1.0f});
  g.initializers["b"] = Tensor::from<float>({1}, std::vector<float>{0.5f});
  g.nodes.push_back(Node{"conv", "Conv", "", {"x", "w", "b"}, {"y"}, {}});
  g.infer_shapes();
  QuantizeOptions o;
  const auto plan = plan_quantisation(g, o);
  const std::vector<std::pair<float, float>> ranges(plan.tensors.size(), {-4.0f, 4.0f});
  auto bias_of = [&](const BiasCorrections& c) {
    const Graph q = build_quantised_graph(g, plan, ranges, o, c);
    const auto& bq = q.initializers.at("conv_bias_quantized");
    const auto& bs = q.initializers.at("conv_bias_scale");
    return bq.data<std::int32_t>()[0] * static_cast<double>(bs.data<float>()[0]);
  };
  const double step = (8.0 / 255) / 127;  // s_x * s_w: the bias resolution
  EXPECT_NEAR(bias_of({}), 0.5, step);
  EXPECT_NEAR(bias_of({{"conv", {0.25}}}), 0.75, step);
  EXPECT_NEAR(bias_of({{"other", {0.25}}}), 0.5, step);
}

TEST(Ptq, RejectsQuantisedModelsAndUnknownNames) {
  EXPECT_THROW(parse_scheme("int4"), Error);
  EXPECT_THROW(parse_calibration_method("kl"), Error);
  const Graph fp32 = small_cnn();
  QuantizeOptions o;
  o.scheme = Scheme::Fp16;
  const Graph q = build_quantised_graph(fp32, plan_quantisation(fp32, o), {}, o);
  EXPECT_THROW(check_not_quantised(q), Error);
  EXPECT_NO_THROW(check_not_quantised(fp32));
}

}  // namespace
}  // namespace edgeq::quant
