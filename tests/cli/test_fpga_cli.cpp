// edgeq fpga from the command line on the hls4ml QKeras jet tagger of ../shared: report, Verilator check
// (when installed), bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../test_util.hpp"
#include "edgeq/fpga/tools.hpp"
#include "run_edgeq.hpp"

namespace edgeq::test {
namespace {

const std::filesystem::path kModels = std::filesystem::path(EDGEQ_SHARED_DIR) / "data/hls4ml-example-models";

TEST(FpgaCli, QKerasJetTaggerReportAndVerilatorCheck) {
  TempDir dir;
  const auto out = dir.path() / "fw";
  const auto r = run_edgeq("fpga --config " + (kModels / "config/qkeras_3layer_config.yml").string() +
                           " --model " + (kModels / "keras/qkeras_3layer.json").string() + " --out " +
                           out.string() + " --samples 300 --synth off --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ifstream in(out / "report.json");
  const auto j = nlohmann::json::parse(in);
  // 4 dense layers (2 cycles), 3 ReLUs (1), softmax (3); 5 ns clock from the configuration.
  EXPECT_EQ(j.at("latency_cycles"), 14);
  EXPECT_DOUBLE_EQ(j.at("latency_ns").get<double>(), 70.0);
  EXPECT_EQ(j.at("ii_cycles"), 1);
  EXPECT_EQ(j.at("layers").size(), 8u);
  EXPECT_EQ(j.at("layers")[0].at("types"), "w ap_fixed<6,1> / b ap_fixed<6,1> / acc ap_fixed<16,6>");
  EXPECT_EQ(j.at("layers")[0].at("const_multipliers"), 0);  // 6-bit weights: shifts and adds only
  EXPECT_GT(j.at("top1_agreement_with_float").get<double>(), 0.9);
  // quantized_relu(6, 0) saturates at 1 - 2^-6 in QKeras and as ap_fixed<7,1,AP_RND_CONV,AP_SAT>: reported.
  EXPECT_GT(j.at("layers")[1].at("result_overflows").get<int>(), 0);
  EXPECT_TRUE(std::filesystem::exists(out / "rtl/edgeq_net.v"));
  EXPECT_TRUE(std::filesystem::exists(out / "tb/tb.v"));
  EXPECT_TRUE(std::filesystem::exists(out / "report.md"));
  if (fpga::tool_path("verilator").empty()) GTEST_SKIP() << "verilator is not installed";
  EXPECT_EQ(j.at("verilator").at("samples"), 300);
  EXPECT_EQ(j.at("verilator").at("mismatches"), 0);
  EXPECT_EQ(j.at("verilator").at("measured_latency_cycles"), 14);
}

TEST(FpgaCli, BadInputIsRefusedBeforeAnythingIsWritten) {
  TempDir dir;
  const auto cfg = (kModels / "config/qkeras_3layer_config.yml").string();
  const auto model = (kModels / "keras/qkeras_3layer.json").string();
  const auto out = (dir.path() / "fw").string();
  expect_bad_input("fpga --model " + model + " --out " + out, "--config", dir.path());
  expect_bad_input("fpga --config missing.yml --model " + model + " --out " + out, "missing.yml", dir.path());
  expect_bad_input("fpga --config " + cfg + " --model " + model + " --out " + out + " --verify maybe",
                   "--verify", dir.path());
  std::ofstream(dir.path() / "wide.yml") << "Model:\n  Precision: ap_fixed<40,10>\n";
  expect_bad_input(
      "fpga --config " + (dir.path() / "wide.yml").string() + " --model " + model + " --out " + out, "32",
      dir.path());
  std::ofstream(dir.path() / "typo.yml") << "LayerName:\n  fc7:\n    ReuseFactor: 2\n";
  expect_bad_input(
      "fpga --config " + (dir.path() / "typo.yml").string() + " --model " + model + " --out " + out, "fc7",
      dir.path());
  // An op without a hardware form, named.
  expect_bad_input("fpga --config " + cfg + " --model mobilenetv2 --out " + out, "small convolutions",
                   dir.path());
  // Overflow is a warning, or an error with --fail-on-overflow (the ReLUs saturate).
  const auto r = run_edgeq("fpga --config " + cfg + " --model " + model + " --out " + out +
                           " --samples 50 --verify off --synth off --fail-on-overflow");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("relu1"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace edgeq::test
