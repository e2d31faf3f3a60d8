// hls4ml YAML configurations (fpga/hls_config.hpp): the example of ../shared, level resolution, errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "edgeq/core/error.hpp"
#include "edgeq/fpga/hls_config.hpp"

namespace edgeq::fpga {
namespace {

const std::filesystem::path kShared(EDGEQ_SHARED_DIR);

TEST(HlsConfig, ReadsTheHls4mlQKerasExample) {
  const auto cfg =
      HlsConfig::load((kShared / "data/hls4ml-example-models/config/qkeras_3layer_config.yml").string());
  EXPECT_DOUBLE_EQ(cfg.clock_ns, 5.0);
  EXPECT_EQ(cfg.part, "xcvu9p-flga2577-2-e");
  EXPECT_EQ(xilinx_family(cfg.part), "xcup");
  const auto fc1 = cfg.for_layer("fc1", "Dense");
  EXPECT_EQ(fc1.weight.type->str(), "ap_fixed<6,1>");
  EXPECT_EQ(fc1.bias.type->str(), "ap_fixed<6,1>");
  EXPECT_EQ(fc1.result.type->str(), "ap_fixed<16,6>");  // from Model
  EXPECT_EQ(fc1.accum.type->str(), "ap_fixed<16,6>");
  EXPECT_EQ(fc1.reuse_factor, 1);
  const auto relu = cfg.for_layer("relu1", "Activation");
  EXPECT_EQ(relu.result.type->str(), "ap_fixed<7,1,AP_RND_CONV,AP_SAT>");
  const auto sm = cfg.for_layer("softmax", "Softmax");
  EXPECT_EQ(sm.exp_table.str(), "ap_fixed<18,8>");
  EXPECT_EQ(sm.inv_table.str(), "ap_fixed<18,4>");
  EXPECT_EQ(sm.table_size, 1024);
  EXPECT_EQ(sm.softmax, SoftmaxImpl::Stable);
}

TEST(HlsConfig, MostSpecificLevelWinsPerVariable) {
  const auto cfg = HlsConfig::parse(R"(
HLSConfig:
  Model:
    Precision: ap_fixed<12,4>
    ReuseFactor: 2
  LayerType:
    Dense:
      Precision:
        weight: ap_fixed<8,2>
        accum: auto
      ReuseFactor: 4
  LayerName:
    fc1:
      Precision: ap_fixed<10,3>
    fc2:
      Precision:
        result: auto
      Strategy: Resource
)");
  const auto fc1 = cfg.for_layer("fc1", "Gemm");        // ONNX spelling of Dense
  EXPECT_EQ(fc1.weight.type->str(), "ap_fixed<10,3>");  // LayerName default beats LayerType variable
  EXPECT_EQ(fc1.reuse_factor, 4);
  const auto fc2 = cfg.for_layer("fc2", "Dense");
  EXPECT_TRUE(fc2.result.is_auto);
  EXPECT_EQ(fc2.weight.type->str(), "ap_fixed<8,2>");
  EXPECT_TRUE(fc2.accum.is_auto);
  EXPECT_EQ(fc2.bias.type->str(), "ap_fixed<12,4>");
  EXPECT_EQ(fc2.strategy, Strategy::Resource);
  EXPECT_EQ(cfg.for_layer("other", "Relu").reuse_factor, 2);
  EXPECT_EQ(cfg.model_precision().str(), "ap_fixed<12,4>");
  EXPECT_EQ(cfg.layer_names(), (std::vector<std::string>{"fc1", "fc2"}));
}

TEST(HlsConfig, BadInputIsAnErrorNamingTheKey) {
  auto fails_with = [](const std::string& yaml, const std::string& needle) {
    try {
      HlsConfig::parse(yaml, "cfg.yml");
      ADD_FAILURE() << "accepted: " << yaml;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  fails_with("Model:\n  Precision: ap_fixed<16,6>\n  ReuseFactr: 2\n", "ReuseFactr");
  fails_with("Model:\n  ReuseFactor: 0\n", "ReuseFactor");
  fails_with("IOType: io_stream\n", "io_stream");
  fails_with("LayerName:\n  sm:\n    table_size: 1000\n", "table_size");
  fails_with("Model:\n  Precision: ap_fixed<99,6>\n", "ap_fixed<99,6>");
  fails_with("LayerName:\n  sm:\n    exp_table_t: auto\n", "auto");
  fails_with("LayerName:\n  sm:\n    implementation: legacy\n", "legacy");
  fails_with("ClockPeriod: -1\n", "ClockPeriod");
}

TEST(HlsConfig, XilinxFamilies) {
  EXPECT_EQ(xilinx_family("xcku115-flvb2104-2-i"), "xcu");
  EXPECT_EQ(xilinx_family("xcku5p-ffvb676-2-e"), "xcup");
  EXPECT_EQ(xilinx_family("xczu9eg-ffvb1156-2-e"), "xcup");
  EXPECT_EQ(xilinx_family("xc7z020clg400-1"), "xc7");
  EXPECT_EQ(xilinx_family("10AX115N3F40E2SG"), "");
}

}  // namespace
}  // namespace edgeq::fpga
