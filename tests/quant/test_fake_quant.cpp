// QONNX quantisers inserted per layer (quantisation-aware training graphs): the hls4ml jet MLP example, its
// QONNX export round trip, and bad configurations.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/core/rng.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/quant/qonnx_to_qdq.hpp"
#include "edgeq/runtime/executor.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "jet_mlp_fixture.hpp"

namespace edgeq::quant {
namespace {

using test::jet_mlp;
using test::kJetConfig;

core::Tensor jet_inputs(std::uint64_t seed) {
  core::Tensor x(core::DType::F32, {64, 16});
  core::CounterRng rng(seed, 1, 0);
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.normal() * 2.0);
  return x;
}

TEST(FakeQuant, JetMlpWithTheHls4mlPrecisionsRoundTripsThroughQonnx) {
  if (!std::filesystem::exists(kJetConfig)) GTEST_SKIP() << "no ../shared data";
  graph::Graph g = jet_mlp();
  const auto count = insert_fake_quant(g, LayerQuantConfig::load(kJetConfig.string()));
  EXPECT_EQ(count.weights, 4);
  EXPECT_EQ(count.biases, 4);
  EXPECT_EQ(count.results, 9);  // the input, four Gemm, three Relu and the softmax
  // fc1's weights through ap_fixed<6,1> = quantized_bits(6,0): 6-bit signed codes of 2^-5 ([-1, 31/32])
  const auto& fc1 = g.nodes[static_cast<std::size_t>(g.producer("fc1_float"))];
  const auto& wq = g.nodes[static_cast<std::size_t>(g.producer(fc1.inputs[1]))];
  EXPECT_EQ(wq.op_type, "Quant");
  EXPECT_EQ(g.initializers.at(wq.inputs[1]).data<float>()[0], 1.0f / 32);
  EXPECT_EQ(g.initializers.at(wq.inputs[3]).data<float>()[0], 6.0f);
  EXPECT_EQ(wq.attr_int("signed", 0), 1);
  EXPECT_EQ(wq.attr_int("narrow", 1), 0);
  runtime::ExecutorOptions ref;
  ref.backend = runtime::Backend::Reference;
  const core::Tensor x = jet_inputs(3);
  const auto y = runtime::Executor(g, ref).run({x})[0];
  const graph::Graph back = graph::parse_onnx(graph::serialize_onnx(g), "jet_mlp.qonnx");
  std::size_t quant_nodes = 0;
  for (const auto& n : back.nodes) quant_nodes += n.op_type == "Quant";
  EXPECT_EQ(quant_nodes, 17u);
  const auto y_back = runtime::Executor(back, ref).run({x})[0];
  for (std::int64_t i = 0; i < y.numel(); ++i) ASSERT_EQ(y.data<float>()[i], y_back.data<float>()[i]) << i;
  // the fast backend (weights folded through their quantisers) computes the same relu1 grid values
  const auto y_fast = runtime::Executor(back, {2, runtime::Backend::Auto}).run({x})[0];
  for (std::int64_t i = 0; i < y.numel(); ++i)
    EXPECT_NEAR(y.data<float>()[i], y_fast.data<float>()[i], 1e-3) << i;
}

TEST(FakeQuant, QuantisedWeightsAndActivationsLieOnTheirGrids) {
  graph::Graph g = jet_mlp();
  const auto cfg = LayerQuantConfig::parse(R"yaml(
LayerName:
  fc1:
    Precision: {weight: "ap_fixed<6,1>"}  # quoted: a comma ends a flow-style entry
  relu1:
    Precision: {result: "quantized_relu(7,1)"}
  fc2:
    Precision: {weight: "quantized_bits(4,0,alpha='auto_po2')"
}
)yaml");
  insert_fake_quant(g, cfg);
  g.outputs = {"relu1"};
  runtime::ExecutorOptions ref;
  ref.backend = runtime::Backend::Reference;
  const auto a = runtime::Executor(g, ref).run({jet_inputs(4)})[0];
  for (const float v : a.span<float>()) {
    EXPECT_EQ(v * 64.0f, std::round(v * 64.0f));  // step 2^(1-7)
    EXPECT_GE(v, 0.0f);
    EXPECT_LE(v, 2.0f - 1.0f / 64);
  }
  // fc2's per-channel power-of-two scales: [32, 1] for Gemm(transB) weights [32, 64]
  bool found = false;
  for (const auto& [name, t] : g.initializers)
    if (name.find("fc2") != std::string::npos && name.find("_scale") != std::string::npos) {
      found = true;
      EXPECT_EQ(t.shape(), (core::Shape{32, 1}));
      for (const float s : t.span<float>()) EXPECT_EQ(std::exp2(std::round(std::log2(s))), s);
    }
  EXPECT_TRUE(found);
}

TEST(FakeQuant, RejectsUnknownLayersAndQuantisersWithoutQonnxForm) {
  graph::Graph quantised = jet_mlp();
  insert_fake_quant(quantised, LayerQuantConfig::parse("Model:\n  Precision: ap_fixed<8,3>\n"));
  EXPECT_THROW(insert_fake_quant(quantised, LayerQuantConfig::parse("Model:\n  Precision: ap_fixed<8,3>\n")),
               Error);  // quantisers on quantisers
  graph::Graph g = jet_mlp();
  try {
    insert_fake_quant(g, LayerQuantConfig::parse("LayerName:\n  fc9:\n    Precision: ap_fixed<8,3>"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc9"), std::string::npos) << e.what();
  }
  try {
    insert_fake_quant(
        g, LayerQuantConfig::parse("LayerName:\n  fc2:\n    Precision: {weight: quantized_po2(4)}"));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("fc2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(
      insert_fake_quant(
          g, LayerQuantConfig::parse(
                 "LayerName:\n  relu1:\n    Precision: {result: \"quantized_bits(4,0,alpha='auto')\"}")),
      Error);
}

}  // namespace
}  // namespace edgeq::quant

namespace edgeq::quant {
namespace {

// An int8 QAT graph (7-bit weights, 8-bit ReLU outputs) rewritten as QDQ runs on the integer kernels,
// oneDNN's fast path included (7-bit codes are stored doubled, i.e. even), and agrees with the QONNX float
// emulation up to the integer requantisation's rounding.
TEST(QonnxToQdq, Int8QatGraphRunsOnTheIntegerRuntime) {
  zoo::ZooOptions o;
  o.input = {3, 64, 64};
  graph::Graph g = zoo::build("nunet_s", o);
  insert_fake_quant(
      g, LayerQuantConfig::parse("Model:\n  Precision:\n    weight: quantized_bits(7,0,alpha='auto')\n"
                                 "LayerType:\n  Relu:\n    Precision:\n      result: quantized_relu(8,3)\n"));
  graph::Graph qdq = g;
  const auto r = qonnx_to_qdq(qdq);
  EXPECT_EQ(r.weights, 5);
  EXPECT_EQ(r.activations, 4);
  EXPECT_GE(r.propagated, 3);  // the max pools and the flatten
  EXPECT_EQ(r.kept, 0);
  for (const auto& n : qdq.nodes) EXPECT_NE(n.domain, graph::kQonnxDomain) << n.name;
  core::Tensor x(core::DType::F32, {8, 3, 64, 64});
  core::CounterRng rng(9, 2, 0);
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.normal());
  runtime::ExecutorOptions ref;
  ref.backend = runtime::Backend::Reference;
  const auto y_qonnx = runtime::Executor(g, ref).run({x})[0];
  runtime::Executor fast(qdq, {2, runtime::Backend::Auto});
  const auto y_qdq = fast.run({x})[0];
  int qconv_fast = 0;
  const auto backends = fast.kernel_backends();
  for (std::size_t i = 0; i < backends.size(); ++i)
    qconv_fast +=
        i < fast.graph().nodes.size() && fast.graph().nodes[i].op_type == "QConv" && backends[i] == "onednn";
  EXPECT_GE(qconv_fast, 3) << "integer convolutions on oneDNN";
  double worst = 0;
  for (std::int64_t i = 0; i < y_qonnx.numel(); ++i)
    worst = std::max(worst, static_cast<double>(std::abs(y_qonnx.data<float>()[i] - y_qdq.data<float>()[i])));
  EXPECT_LT(worst, 0.05) << "softmax outputs of the QONNX and the QDQ model";
}

}  // namespace
}  // namespace edgeq::quant

namespace edgeq::quant {
namespace {

// Deployment semantics of the hls4ml example: every value assigned to its ap_fixed type with the type's
// modes (default truncation and wrap-around; relu outputs AP_RND_CONV / AP_SAT), weights included. Checked
// against the same arithmetic written out layer by layer (core::ApFixed as the type, exact sums).
TEST(FakeQuant, FixedPointModeEmulatesTheFirmwareAssignments) {
  if (!std::filesystem::exists(kJetConfig)) GTEST_SKIP() << "no ../shared data";
  const graph::Graph float_model = jet_mlp();
  graph::Graph g = float_model;
  FakeQuantOptions fixed;
  fixed.fixed_point = true;
  const auto count = insert_fake_quant(g, LayerQuantConfig::load(kJetConfig.string()), fixed);
  EXPECT_EQ(count.weights + count.biases + count.results, 17);
  for (const auto& n : g.nodes) EXPECT_NE(n.op_type, "Quant") << n.name;
  g.outputs = {"output"};  // the logits, after their ap_fixed<16,6>
  const core::Tensor x = jet_inputs(5);
  runtime::ExecutorOptions ref;
  ref.backend = runtime::Backend::Reference;
  const auto logits = runtime::Executor(g, ref).run({x})[0];
  // ... and through an ONNX file (edgeq's ApFixed op in domain ai.edgeq)
  const auto reloaded = graph::parse_onnx(graph::serialize_onnx(g), "fixed");
  const auto logits_file = runtime::Executor(reloaded, ref).run({x})[0];

  const auto t16 = core::parse_ap_fixed("ap_fixed<16,6>"), t6 = core::parse_ap_fixed("ap_fixed<6,1>"),
             t7 = core::parse_ap_fixed("ap_fixed<7,1,AP_RND_CONV,AP_SAT>");
  const auto dense = [&](const std::string& layer, const std::vector<double>& in, bool relu) {
    const auto& n = float_model.nodes[static_cast<std::size_t>(float_model.producer(layer))];
    const auto& w = float_model.initializers.at(n.inputs[1]);  // [out, in] (transB)
    const auto& b = float_model.initializers.at(n.inputs[2]);
    std::vector<double> out(static_cast<std::size_t>(w.shape()[0]));
    for (std::size_t o = 0; o < out.size(); ++o) {
      double z = t6.cast(b.data<float>()[o]);
      for (std::size_t i = 0; i < in.size(); ++i) z += t6.cast(w.data<float>()[o * in.size() + i]) * in[i];
      z = t16.cast(z);  // the Dense result (Model default precision)
      out[o] = relu ? t7.cast(std::max(z, 0.0)) : z;
    }
    return out;
  };
  std::int64_t differ = 0;
  for (std::int64_t s = 0; s < x.shape()[0]; ++s) {
    std::vector<double> h(16);
    for (std::size_t i = 0; i < 16; ++i)
      h[i] = t16.cast(x.data<float>()[s * 16 + static_cast<std::int64_t>(i)]);
    h = dense("output", dense("fc3", dense("fc2", dense("fc1", h, true), true), true), false);
    for (std::size_t k = 0; k < h.size(); ++k) {
      const auto at = s * 5 + static_cast<std::int64_t>(k);
      differ += logits.data<float>()[at] != static_cast<float>(h[k]);
      differ += logits_file.data<float>()[at] != static_cast<float>(h[k]);
    }
  }
  EXPECT_EQ(differ, 0);
}

}  // namespace
}  // namespace edgeq::quant
