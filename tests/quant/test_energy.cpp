// QTools-style energy model (quant/energy.hpp): golden totals for the hls4ml jet MLP at fp32, int8 and the
// hls4ml example precisions, computed by hand from the QTools formulas and the Horowitz 45 nm constants in
// ../shared/reference/quantisation-and-hardware.md ("AutoQKeras objective and QTools energy model").
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "edgeq/core/error.hpp"
#include "edgeq/quant/energy.hpp"
#include "edgeq/quant/fake_quant.hpp"
#include "edgeq/quant/ptq.hpp"
#include "edgeq/zoo/zoo.hpp"
#include "jet_mlp_fixture.hpp"

namespace edgeq::quant {
namespace {

using test::jet_mlp;
using test::kJetConfig;

EnergyReport estimate(graph::Graph g, const std::string& config_yaml, NumberType source) {
  if (!config_yaml.empty()) insert_fake_quant(g, LayerQuantConfig::parse(config_yaml));
  auto p = find_energy_profile("horowitz45");
  p.source = source;
  return estimate_energy(g, p);
}

// Hand calculation, horowitz45 (parameters in logic: 0 pJ; activations through DRAM with the SRAM copy):
//   mem(b) = 20.3125 b + ceil(b / 64) P(log2 b),  P(x) = 9.02427321e-4 x^3 - 2.68847858e-2 x^2 + 0.208900804
//   x Dense n_in -> n_out reading b_x-bit inputs: mem(n_in b_x) + n_in n_out (mul + add(acc))
//     fixed: mul = 0.002994791667 g^2 + 0.001041666667 g, g = sqrt(b_x b_w); add(acc) = 0.003125 acc,
//            acc = b_x + b_w + ceil(log2(n_in + 1)); float32: mul 3.7 + add 0.9
//   activation (ReLU, Softmax): mem(n_out b_out)
// Layers 16 -> 64 -> 32 -> 32 -> 5:
//   fp32 (input fp32): dense 10402.882 + 4710.4 | relu 41607.871 | dense 41607.871 + 9420.8 | relu 20804.847
//   |
//     dense 20804.847 + 4710.4 | relu 20804.847 | dense 20804.847 + 736 | softmax 3251.096    = 199666.942
//   int8 (ap_fixed<8,3> everywhere, int8 input): fc1 mem(128) + 1024 (0.2 + 0.065625) = 2600.8 + 272 ...
//                                                                                            = 46173.262
//   hls4ml (input ap_fixed<16,6>, weights/biases ap_fixed<6,1>, dense results ap_fixed<16,6>, ReLU results
//     ap_fixed<7,1>, softmax ap_fixed<16,6>)                                                = 44257.433
TEST(Energy, JetMlpGoldenTotalsAtFp32Int8AndTheHls4mlPrecisions) {
  const auto fp32 = estimate(jet_mlp(), "", NumberType::fp32());
  EXPECT_NEAR(fp32.total_pj, 199666.942, 1e-3);
  EXPECT_EQ(fp32.macs, 16 * 64 + 64 * 32 + 32 * 32 + 32 * 5);
  EXPECT_EQ(fp32.parameter_bits, 4389.0 * 32);                            // every weight and bias in float32
  EXPECT_EQ(fp32.activation_bits, 32.0 * (16 + 2 * (64 + 32 + 32 + 5)));  // input + dense and ReLU outputs
  EXPECT_NEAR(fp32.layers[0].op_pj, 1024 * 4.6, 1e-9);

  const auto int8 = estimate(jet_mlp(), "Model:\n  Precision: ap_fixed<8,3>\n", NumberType::fixed(8));
  EXPECT_NEAR(int8.total_pj, 46173.262, 1e-3);
  ASSERT_EQ(int8.layers[0].name, "fc1");
  EXPECT_EQ(int8.layers[0].accumulator.bits, 8 + 8 + 5);  // ceil(log2(16 + 1)) = 5
  EXPECT_NEAR(int8.layers[0].op_pj, 272.0, 1e-6);         // 1024 x (0.2 + 21 x 0.003125)
  EXPECT_EQ(int8.parameter_bits, 4389.0 * 8);
  // BOPs of fc1 (Baskin et al.): 1024 x (8 x 8 + 8 + 8 + log2 16)
  EXPECT_NEAR(int8.layers[0].bops, 1024.0 * 84, 1e-9);

  if (!std::filesystem::exists(kJetConfig)) GTEST_SKIP() << "no ../shared data";
  graph::Graph hls = jet_mlp();
  insert_fake_quant(hls, LayerQuantConfig::load(kJetConfig.string()));
  const auto r = estimate_energy(hls, find_energy_profile("horowitz45"));
  EXPECT_NEAR(r.total_pj, 44257.433, 1e-3);
  EXPECT_EQ(r.layers[0].input.bits, 16);  // fc1_input's result quantiser, not the profile's source type
  EXPECT_EQ(r.layers[0].weight.to_string(), "int6");
  EXPECT_EQ(r.layers[1].output.to_string(), "int7");
  EXPECT_EQ(r.parameter_bits, 4389.0 * 6);
}

// The Horowitz figures the reference quotes: fixed add 8b 0.025, 32b 0.1; multiply 8b 0.2, 16b 0.78, 32b 3.1.
TEST(Energy, ProfileReproducesThePublishedOperationEnergies) {
  const auto p = find_energy_profile("horowitz45");
  EXPECT_NEAR(p.add_pj(NumberType::fixed(8)), 0.025, 1e-12);
  EXPECT_NEAR(p.add_pj(NumberType::fixed(32)), 0.1, 1e-12);
  EXPECT_NEAR(p.fixed_mul_pj(8), 0.2, 1e-9);
  EXPECT_NEAR(p.fixed_mul_pj(16), 0.78, 0.005);
  EXPECT_NEAR(p.fixed_mul_pj(32), 3.1, 0.005);
  EXPECT_EQ(p.add_pj(NumberType::fp32()), 0.9);
  EXPECT_EQ(p.mul_pj(NumberType::fp32()), 3.7);
  EXPECT_EQ(p.mul_pj({NumberType::Kind::Float, 16, true}), 1.1);
  // DRAM 20.3125 pJ/bit plus the SRAM copy: 64 bits = 1300 + P(6)
  const double p6 = 9.02427321e-04 * 216 - 2.68847858e-02 * 36 + 2.08900804e-01 * 6;
  EXPECT_NEAR(p.memory_pj(64, MemoryMode::Dram, false, false), 1300 + p6, 1e-9);
  EXPECT_EQ(p.memory_pj(64, MemoryMode::Fixed, false, false), 0.0);
  // QTools' example placement: everything in SRAM with a 2^27-bit minimum, so each 64-bit word costs P(27)
  const auto s = find_energy_profile("horowitz45-sram");
  const double p27 = 9.02427321e-04 * 19683 - 2.68847858e-02 * 729 + 2.08900804e-01 * 27;
  EXPECT_NEAR(s.memory_pj(640, MemoryMode::Sram, false, false), 10 * p27, 1e-9);
  EXPECT_NEAR(s.memory_pj(640, MemoryMode::Dram, true, false), 10 * p27, 1e-9);  // no DRAM at the I/O either
}

TEST(Energy, BinaryAndTernaryWeightsUseMultiplexersNotMultipliers) {
  const auto bin =
      estimate(jet_mlp(), "LayerName:\n  fc2:\n    Precision: {weight: binary(), bias: \"ap_fixed<8,3>\"}\n",
               NumberType::fixed(8));
  const auto ter =
      estimate(jet_mlp(), "LayerName:\n  fc2:\n    Precision: {weight: ternary(), bias: \"ap_fixed<8,3>\"}\n",
               NumberType::fixed(8));
  ASSERT_EQ(bin.layers[2].name, "fc2");
  EXPECT_EQ(bin.layers[2].weight.to_string(), "binary");
  EXPECT_EQ(ter.layers[2].weight.to_string(), "ternary");
  // fc2 reads float32 ReLU outputs here (no result quantiser): the float multiplier applies
  EXPECT_NEAR(bin.layers[2].op_pj, 2048 * 4.6, 1e-9);
  const auto q =
      estimate(jet_mlp(),
               "Model:\n  Precision: {result: \"ap_fixed<8,3>\"}\nLayerName:\n  fc2:\n    Precision: "
               "{weight: binary(), bias: \"ap_fixed<8,3>\"}\n  fc3:\n    Precision: {weight: ternary(), "
               "bias: \"ap_fixed<8,3>\"}\n",
               NumberType::fixed(8));
  // binary x int8: 0.3 x add(8) per product; ternary: 0.6 x add(8); accumulators 8 + ceil(log2(n + 1)) bits
  EXPECT_NEAR(q.layers[2].op_pj, 2048 * (0.3 * 0.025 + 0.003125 * (8 + 7)), 1e-9);
  EXPECT_NEAR(q.layers[4].op_pj, 1024 * (0.6 * 0.025 + 0.003125 * (8 + 6)), 1e-9);
}

TEST(Energy, QdqInt8ModelMatchesTheQonnxInt8ModelUpToItsFloatSoftmax) {
  graph::Graph g = jet_mlp();
  prepare_for_quantisation(g);
  QuantizeOptions o;
  const auto plan = plan_quantisation(g, o);
  const std::vector<std::pair<float, float>> ranges(plan.tensors.size(), {-4.0f, 4.0f});
  const auto qdq = build_quantised_graph(g, plan, ranges, o);
  const auto r = estimate_energy(qdq, find_energy_profile("horowitz45"));
  const auto int8 = estimate(jet_mlp(), "Model:\n  Precision: ap_fixed<8,3>\n", NumberType::fixed(8));
  const auto p = find_energy_profile("horowitz45");
  // Same layers and types except TFLite-style int32 biases (free here: parameters in logic) and a float
  // softmax output (5 values of 32 instead of 8 bits).
  EXPECT_NEAR(r.total_pj,
              int8.total_pj - p.memory_pj(40, MemoryMode::Dram, true, true) +
                  p.memory_pj(160, MemoryMode::Dram, true, true),
              1e-6);
  for (const auto& l : r.layers)
    if (l.kind == "mac") {
      EXPECT_EQ(l.input.to_string(), "int8") << l.name;
      EXPECT_EQ(l.weight.to_string(), "int8") << l.name;
      EXPECT_EQ(l.bias.to_string(), "int32") << l.name;
    }
}

TEST(Energy, Fp16WeightsCountAsStoredNotAsTheirFloat32Cast) {
  graph::Graph g = jet_mlp();
  prepare_for_quantisation(g);
  QuantizeOptions o;
  o.scheme = Scheme::Fp16;
  const auto plan = plan_quantisation(g, o);
  const auto fp16 = build_quantised_graph(g, plan, {}, o);
  const auto r = estimate_energy(fp16, find_energy_profile("horowitz45"));
  EXPECT_EQ(r.parameter_bits, 4389.0 * 16);
  for (const auto& l : r.layers)
    if (l.kind == "mac") {
      EXPECT_EQ(l.weight.to_string(), "fp16") << l.name;
    }
}

TEST(Energy, ConvolutionsCountMacsPerOutputPixel) {
  zoo::ZooOptions o;
  o.input = {3, 64, 64};
  const auto r =
      estimate(zoo::build("nunet_s", o), "Model:\n  Precision: ap_fixed<8,3>\n", NumberType::fixed(8));
  ASSERT_EQ(r.layers[0].op, "Conv");
  // stem: 5x5 stride-2 convolution, 3 -> 16 channels on 64x64: 32 x 32 x 16 outputs, 75 products each
  EXPECT_EQ(r.layers[0].macs, 32 * 32 * 16 * 75);
  EXPECT_EQ(r.layers[0].accumulator.bits, 16 + 7);  // BatchNorm folded: a bias, ceil(log2(75 + 1)) = 7
  EXPECT_GT(r.total_pj, 0.0);
  EXPECT_GT(r.bops, 0.0);
}

TEST(Energy, BadProfilesAndTypesAreRejectedWithTheKeyNamed) {
  const std::string ok = "name: p\n";
  EXPECT_NO_THROW(parse_energy_profile(ok, "p.yaml"));
  const auto expect_bad = [](const std::string& yaml, const std::string& what) {
    try {
      parse_energy_profile(yaml, "p.yaml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(what), std::string::npos) << e.what();
    }
  };
  expect_bad("description: x\n", "missing key 'name'");
  expect_bad("name: p\nmemory:\n  parameters: flash\n", "not one of fixed, sram, dram");
  expect_bad("name: p\noperations:\n  fp32_add: -1\n", "must be >= 0");
  expect_bad("name: p\noperations:\n  fixed_add: []\n", "non-empty list");
  expect_bad("name: p\nmemory:\n  dram_per_bitt: 3\n", "dram_per_bitt");
  expect_bad("name: p\nsource: int99\n", "1..32");
  EXPECT_THROW(find_energy_profile("nope"), Error);
  EXPECT_EQ(builtin_energy_profiles(), (std::vector<std::string>{"horowitz45", "horowitz45-sram"}));
  EXPECT_EQ(parse_number_type("uint4").to_string(), "uint4");
  EXPECT_EQ(parse_number_type("quantized_bits(6,0,1)").to_string(), "int6");
  EXPECT_EQ(parse_number_type("ap_ufixed<10,2>").to_string(), "uint10");
  EXPECT_EQ(parse_number_type("fp16").to_string(), "fp16");
}

}  // namespace
}  // namespace edgeq::quant
