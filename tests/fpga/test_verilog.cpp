// Generated Verilog against the emulator, bit for bit, in Verilator (when installed; scripts/bootstrap.sh
// installs it) on a tiny network that uses every rounding and overflow mode, a narrow wrapping accumulator,
// an unsigned type, both softmax implementations and ReuseFactor 1 and 3. Yosys (when installed) synthesises
// it for a resource count.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "edgeq/fpga/emulator.hpp"
#include "edgeq/fpga/lower.hpp"
#include "edgeq/fpga/tools.hpp"
#include "edgeq/fpga/verilog.hpp"
#include "edgeq/runtime/executor.hpp"
#include "fpga/fpga_fixture.hpp"

namespace edgeq::fpga {
namespace {

namespace fs = std::filesystem;

const char* kModesConfig = R"(
ClockPeriod: 4
Model:
  Precision: ap_fixed<12,4>
LayerName:
  x:
    Precision:
      result: ap_fixed<10,3>
  fc0:
    Precision:
      weight: ap_fixed<7,1>
      bias: ap_fixed<5,1>
      accum: ap_fixed<14,5,AP_RND>
      result: ap_fixed<9,3,AP_RND_CONV,AP_SAT>
  relu0:
    Precision:
      result: ap_ufixed<6,1,AP_RND_ZERO,AP_SAT>
  fc1:
    Precision:
      weight: ap_fixed<9,2>
      accum: ap_fixed<9,2,AP_TRN_ZERO>
      result: ap_fixed<8,2,AP_RND_INF,AP_SAT_SYM>
  relu1:
    Precision:
      result: ap_fixed<7,2,AP_RND_MIN_INF,AP_SAT_ZERO>
  fc2:
    Precision:
      accum: auto
      result: ap_fixed<12,5,AP_RND_ZERO>
  softmax:
    Precision: ap_fixed<10,1,AP_RND,AP_SAT>
    table_size: 256
    exp_table_t: ap_fixed<14,6>
    inv_table_t: ap_ufixed<12,3>
    implementation: IMPL
)";

/// Writes the design, testbench and inputs into a fresh `dir` and simulates them; `rtl` gets the design
/// files.
SimulationResult write_and_simulate(const FixedNetwork& net, const VerilogDesign& design,
                                    const std::string& inputs, const fs::path& dir,
                                    std::vector<std::string>& rtl) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& [name, text] : design.files) {
    std::ofstream(dir / name) << text;
    rtl.push_back((dir / name).string());
  }
  std::ofstream(dir / "tb.v") << generate_testbench(net, design);
  std::ofstream(dir / "inputs.hex") << inputs;
  return simulate_verilator(dir.string(), rtl, (dir / "tb.v").string(), (dir / "inputs.hex").string(), net,
                            2);
}

struct Case {
  const char* name;
  const char* impl;
  int reuse;
};

class VerilogVsEmulator : public ::testing::TestWithParam<Case> {};

TEST_P(VerilogVsEmulator, BitExactOnSeededInputs) {
  const Case c = GetParam();
  std::string yaml = kModesConfig;
  yaml.replace(yaml.find("IMPL"), 4, c.impl);
  auto net = lower_network(test::dense_chain({6, 5, 4, 3}, true, 9, 1.3f), HlsConfig::parse(yaml));
  for (auto& l : net.layers)
    if (std::holds_alternative<LinearOp>(l.op)) l.reuse_factor = c.reuse;
  Emulator emu(net);
  std::mt19937 rng(21);
  std::normal_distribution<float> normal(0.0f, 1.5f);
  std::vector<LayerStats> stats(net.layers.size());
  std::string inputs;
  std::vector<std::vector<std::int64_t>> expected;
  for (int i = 0; i < 400; ++i) {
    std::vector<float> x(6);
    for (auto& v : x) v = normal(rng);
    const auto codes = emu.quantise_input(x);
    inputs += pack_hex(codes, net.input_t) + "\n";
    expected.push_back(emu.run(codes, &stats));
  }
  // The test means something only if the narrow types overflow now and then.
  EXPECT_GT(stats[2].accum_overflows + stats[2].result_overflows, 0);
  const auto design = generate_verilog(net, {});
  EXPECT_EQ(design.latency, c.reuse == 1 ? 2 + 1 + 2 + 1 + 2 + 3 : 3 * (c.reuse + 2) + 2 + 3);
  EXPECT_EQ(design.ii, c.reuse);
  if (tool_path("verilator").empty()) GTEST_SKIP() << "verilator is not installed";
  const fs::path dir = fs::temp_directory_path() / (std::string("edgeq_verilog_") + c.name);
  std::vector<std::string> rtl;
  const auto sim = write_and_simulate(net, design, inputs, dir, rtl);
  EXPECT_EQ(sim.latency, design.latency);
  ASSERT_EQ(sim.outputs.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) ASSERT_EQ(sim.outputs[i], expected[i]) << "input " << i;
  if (c.reuse == 1 && !tool_path("yosys").empty()) {
    const auto syn = synthesise_yosys(dir.string(), rtl, design.top, "xcup");
    EXPECT_GT(syn.total.lut, 0);
    EXPECT_GT(syn.total.ff, 0);
    EXPECT_EQ(syn.per_module.count(design.layers[0].module), 1u);
  }
  fs::remove_all(dir);
}

TEST(VerilogConv, SmallCnnFollowsTheFloatModelAndVerilogEqualsTheEmulator) {
  const auto g = test::small_cnn();
  auto net = lower_network(g, HlsConfig::parse("Model:\n  Precision: ap_fixed<16,6>\nLayerName:\n  conv:\n"
                                               "    Precision:\n      weight: ap_fixed<8,1>\n"));
  ASSERT_EQ(net.layers.size(), 4u);  // conv, bn, relu, fc (Flatten is wiring)
  EXPECT_EQ(net.layers[0].kind, "Conv");
  EXPECT_EQ(net.layers[1].kind, "BatchNorm");
  // 2 channels x 25 outputs, 9 taps each minus the padded ones: 2 x (9 x 9 + 12 x 6 + 4 x 4) = 338 products.
  std::size_t terms = 0;
  for (const auto& t : std::get<LinearOp>(net.layers[0].op).terms) terms += t.size();
  EXPECT_EQ(terms + static_cast<std::size_t>(std::get<LinearOp>(net.layers[0].op).dropped_zero_weights),
            338u);
  Emulator emu(net);
  runtime::Executor ex(g);
  std::mt19937 rng(8);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::string inputs;
  std::vector<std::vector<std::int64_t>> expected;
  double worst = 0;
  for (int i = 0; i < 100; ++i) {
    std::vector<float> x(25);
    for (auto& v : x) v = normal(rng);
    const auto codes = emu.quantise_input(x);
    inputs += pack_hex(codes, net.input_t) + "\n";
    expected.push_back(emu.run(codes));
    const auto y = ex.run({core::Tensor::from<float>({1, 1, 5, 5}, x)})[0];
    const auto real = emu.to_real(expected.back());
    for (std::size_t k = 0; k < 3; ++k)
      worst = std::max(worst, std::abs(real[k] - static_cast<double>(y.data<float>()[k])));
  }
  // 8-bit conv weights (step 2^-7) and 10 fractional bits elsewhere: the outputs stay within a few
  // hundredths.
  EXPECT_LT(worst, 0.05);
  if (tool_path("verilator").empty()) GTEST_SKIP() << "verilator is not installed";
  const auto design = generate_verilog(net, {});
  const fs::path dir = fs::temp_directory_path() / "edgeq_verilog_cnn";
  std::vector<std::string> rtl;
  const auto sim = write_and_simulate(net, design, inputs, dir, rtl);
  ASSERT_EQ(sim.outputs, expected);
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Fpga, VerilogVsEmulator,
                         ::testing::Values(Case{"stable_rf1", "stable", 1},
                                           Case{"latency_rf3", "latency", 3}),
                         [](const auto& p) { return std::string(p.param.name); });

}  // namespace
}  // namespace edgeq::fpga
