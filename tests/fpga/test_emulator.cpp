// Lowering and the fixed-point emulator (fpga/lower.hpp, emulator.hpp, softmax.hpp) on hand-computed cases;
// the arithmetic follows hls4ml's nnet_dense_latency.h (products assigned to accum_t, the sum in accum_t,
// then the result type) and nnet_activation.h (table softmax).
#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/emulator.hpp"
#include "edgeq/fpga/fixed_cast.hpp"
#include "edgeq/fpga/lower.hpp"
#include "edgeq/fpga/softmax.hpp"
#include "fpga/fpga_fixture.hpp"

namespace edgeq::fpga {
namespace {

graph::Graph one_dense() {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {-1, 2}};
  g.initializers["w"] = core::Tensor::from<float>({2, 1}, std::vector<float>{0.75f, -1.25f});
  g.initializers["b"] = core::Tensor::from<float>({1}, std::vector<float>{0.5f});
  graph::Node n;
  n.name = "fc0";
  n.op_type = "Gemm";
  n.inputs = {"x", "w", "b"};
  n.outputs = {"y"};
  g.nodes.push_back(n);
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  return g;
}

std::string dense_config(const std::string& accum) {
  return "Model:\n  Precision: ap_fixed<16,6>\nLayerName:\n  x:\n    Precision:\n      result: "
         "ap_fixed<8,4>\n"
         "  fc0:\n    Precision:\n      weight: ap_fixed<4,2>\n      bias: ap_fixed<4,2>\n      accum: " +
         accum + "\n      result: ap_fixed<6,3,AP_RND,AP_SAT>\n";
}

TEST(Emulator, DenseLayerByHand) {
  const auto net = lower_network(one_dense(), HlsConfig::parse(dense_config("ap_fixed<8,4>")));
  ASSERT_EQ(net.layers.size(), 1u);
  const auto& op = std::get<LinearOp>(net.layers[0].op);
  EXPECT_EQ(op.terms[0][0].weight, 3);   // 0.75 in steps of 1/4
  EXPECT_EQ(op.terms[0][1].weight, -5);  // -1.25
  EXPECT_EQ(op.bias[0], 2);
  Emulator emu(net);
  const auto x = emu.quantise_input(std::vector<float>{1.5625f, -0.6875f});
  EXPECT_EQ(x, (std::vector<std::int64_t>{25, -11}));
  // Products 75 and 55 (2^-6 steps) truncate to 18 and 13 (2^-4); bias 2 (2^-2) = 8; sum 39 = 2.4375;
  // result step 2^-3: 19.5 rounds half up (AP_RND) to 20 = 2.5 (the float layer gives 2.53125).
  std::vector<LayerStats> stats(1);
  EXPECT_EQ(emu.run(x, &stats), (std::vector<std::int64_t>{20}));
  EXPECT_EQ(stats[0].accum_overflows, 0);
  EXPECT_DOUBLE_EQ(stats[0].max_value, 2.4375);
}

TEST(Emulator, NarrowAccumulatorWrapsAndIsReported) {
  const auto net = lower_network(one_dense(), HlsConfig::parse(dense_config("ap_fixed<6,2>")));
  Emulator emu(net);
  std::vector<LayerStats> stats(1);
  // The sum 39 (2^-4 steps) does not fit [-32, 31]: it wraps to -25; -12.5 rounds half up to -12 = -1.5.
  EXPECT_EQ(emu.run(std::vector<std::int64_t>{25, -11}, &stats), (std::vector<std::int64_t>{-12}));
  EXPECT_EQ(stats[0].accum_overflows, 1);
  EXPECT_EQ(stats[0].values, 1);
}

TEST(Emulator, AutoAccumulatorIsExact) {
  const auto net = lower_network(one_dense(), HlsConfig::parse(dense_config("auto")));
  const auto& op = std::get<LinearOp>(net.layers[0].op);
  // |x| <= 8, sum |w| = 2 -> |sum| <= 16.5 with 2^-6 steps: 12 bits, 6 integer.
  EXPECT_EQ(op.accum_t.str(), "ap_fixed<12,6>");
  Emulator emu(net);
  std::vector<LayerStats> stats(1);
  const auto y = emu.run(std::vector<std::int64_t>{25, -11}, &stats);
  EXPECT_DOUBLE_EQ(stats[0].max_value, 2.53125);  // the exact float result
  EXPECT_EQ(y, (std::vector<std::int64_t>{20}));  // 20.25 steps -> 20
}

TEST(Emulator, SoftmaxTablesAsHls4mlBuildsThem) {
  LayerSettings s;
  s.exp_table = core::parse_ap_fixed("ap_fixed<18,8>");
  s.inv_table = core::parse_ap_fixed("ap_fixed<18,4>");
  const auto in_t = core::parse_ap_fixed("ap_fixed<16,6>");
  const auto op = make_softmax(in_t, s, "sm");
  EXPECT_EQ(op.index_bits, 10);
  EXPECT_EQ(op.exp_table[0], 1024);  // e^0 = 1 in steps of 2^-10
  // x = -1: code -1024 = 0xfc00, top 10 bits 1008; e^-1 = 0.36788 -> floor(376.7) = 376.
  EXPECT_EQ(table_index(-1024, in_t, 10), 1008);
  EXPECT_EQ(op.exp_table[1008], 376);
  // Sum 2.0 in exp_table_t (code 2048): top 10 bits of 18 = 8; 1/2 in steps of 2^-14.
  EXPECT_EQ(table_index(2048, op.exp_t, 10), 8);
  EXPECT_EQ(op.inv_table[8], 8192);
  EXPECT_EQ(op.inv_table[0], op.inv_t.max_code());  // 1/0
  // Two equal inputs: each e = 1, sum 2, y = 1 * 0.5.
  std::int64_t overflows = 0;
  const auto y = run_softmax(op, in_t, core::parse_ap_fixed("ap_fixed<16,6>"),
                             std::vector<std::int64_t>{3000, 3000}, overflows);
  EXPECT_EQ(y, (std::vector<std::int64_t>{512, 512}));
  EXPECT_EQ(overflows, 0);
  EXPECT_EQ(reduce_left(5), 4);
  EXPECT_EQ(reduce_left(3), 2);
  EXPECT_EQ(reduce_left(9), 8);
}

TEST(Emulator, ChainFollowsTheFloatModelAndResultAutoCoversTheRange) {
  const auto g = test::dense_chain({8, 6, 4}, true);
  const auto cfg = HlsConfig::parse(
      "Model:\n  Precision: ap_fixed<18,8>\nLayerName:\n  fc0:\n    Precision:\n      result: auto\n      "
      "accum: auto\n");
  auto net = lower_network(g, cfg);
  ASSERT_EQ(net.layers.size(), 4u);  // fc0, relu0, fc1, softmax
  EXPECT_TRUE(net.layers[0].result_auto);
  std::vector<std::vector<float>> calib(200, std::vector<float>(8));
  std::mt19937 rng(5);
  std::normal_distribution<float> n(0, 1);
  for (auto& v : calib)
    for (auto& x : v) x = n(rng);
  infer_auto_results(net, calib, cfg.model_precision());
  EXPECT_FALSE(net.layers[0].result_auto);
  EXPECT_EQ(frac_bits(net.layers[0].out_t), 10);
  EXPECT_EQ(net.layers[1].in_t.str(), net.layers[0].out_t.str());
  Emulator emu(net);
  std::vector<LayerStats> stats(net.layers.size());
  for (const auto& x : calib) emu.run(emu.quantise_input(x), &stats);
  EXPECT_EQ(stats[0].result_overflows, 0);
  const double mag = std::max(-stats[0].min_value, stats[0].max_value);
  EXPECT_LE(mag, std::ldexp(1.0, net.layers[0].out_t.integer - 1));
}

TEST(Lowering, BadInputNamesTheLayer) {
  auto fails_with = [](const graph::Graph& g, const std::string& yaml, const std::string& needle) {
    try {
      lower_network(g, HlsConfig::parse(yaml));
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto g = test::dense_chain({4, 3, 2}, true);
  fails_with(g, "LayerName:\n  fc0:\n    Precision:\n      result: ap_fixed<40,10>\n", "fc0");
  fails_with(g, "LayerName:\n  fc1:\n    Precision:\n      accum: ap_fixed<16,6,AP_TRN,AP_SAT>\n", "AP_WRAP");
  fails_with(g, "LayerName:\n  fc9:\n    ReuseFactor: 2\n", "fc9");
  fails_with(
      g,
      "LayerName:\n  softmax:\n    Precision: ap_fixed<16,6>\n    table_size: 2048\n  fc1:\n    Precision:\n"
      "      result: ap_fixed<8,3>\n",
      "softmax");
  auto sig = g;
  for (auto& n : sig.nodes)
    if (n.name == "relu0") n.op_type = "Sigmoid";
  fails_with(sig, "Model:\n  Precision: ap_fixed<16,6>\n", "relu0");
}

}  // namespace
}  // namespace edgeq::fpga
