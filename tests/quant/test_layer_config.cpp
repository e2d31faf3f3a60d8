// hls4ml-style per-layer quantisation configuration: the shared example file and the precedence rules.
#include <gtest/gtest.h>

#include <filesystem>

#include "edgeq/core/error.hpp"
#include "edgeq/quant/layer_config.hpp"

namespace edgeq::quant {
namespace {

TEST(LayerQuantConfig, ReadsTheHls4mlExample) {
  const auto path =
      std::filesystem::path(EDGEQ_SHARED_DIR) / "data/hls4ml-example-models/config/qkeras_3layer_config.yml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no ../shared data";
  const auto c = LayerQuantConfig::load(path.string());
  // fc1: weight and bias ap_fixed<6,1> = quantized_bits(6, 0); result from the Model default ap_fixed<16,6>
  const auto fc1 = c.for_layer("fc1", "Dense");
  ASSERT_TRUE(fc1.weight && fc1.bias && fc1.result);
  EXPECT_EQ(to_string(*fc1.weight), "quantized_bits(6,0,0)");
  EXPECT_EQ(to_string(*fc1.bias), "quantized_bits(6,0,0)");
  EXPECT_EQ(fc1.result->bits, 16);
  EXPECT_EQ(fc1.result->integer, 5);
  ASSERT_TRUE(fc1.weight->ap_type);
  EXPECT_EQ(fc1.weight->ap_type->rounding, core::ApRounding::Trn);
  EXPECT_EQ(fc1.weight->ap_type->overflow, core::ApOverflow::Wrap);
  // relu1: 7-bit outputs with rounding and saturation modes recorded for fixed-point inference
  const auto relu1 = c.for_layer("relu1", "Activation");
  ASSERT_TRUE(relu1.result);
  EXPECT_EQ(relu1.result->bits, 7);
  EXPECT_EQ(relu1.result->integer, 0);
  ASSERT_TRUE(relu1.result->ap_type);
  EXPECT_EQ(relu1.result->ap_type->str(), "ap_fixed<7,1,AP_RND_CONV,AP_SAT>");
  // a layer without an entry takes the Model default for every variable
  const auto other = c.for_layer("not_there", "Dense");
  ASSERT_TRUE(other.weight);
  EXPECT_EQ(other.weight->bits, 16);
  EXPECT_EQ(c.layer_names().size(), 9u);
}

TEST(LayerQuantConfig, MostSpecificLevelWinsPerVariable) {
  const auto c = LayerQuantConfig::parse(R"(
Model:
  Precision: ap_fixed<16,6>
LayerType:
  Dense:
    Precision:
      weight: quantized_bits(4,0,alpha=1)
LayerName:
  fc2:
    Precision:
      bias: ap_fixed<8,3>
    activation_quantizer: quantized_relu(7,1)
)");
  const auto fc1 = c.for_layer("fc1", "Gemm");  // ONNX type name meets the Keras one
  EXPECT_EQ(fc1.weight->bits, 4);
  EXPECT_EQ(fc1.bias->bits, 16);
  const auto fc2 = c.for_layer("fc2", "Dense");
  EXPECT_EQ(fc2.weight->bits, 4);
  EXPECT_EQ(fc2.bias->bits, 8);
  EXPECT_EQ(fc2.bias->integer, 2);
  EXPECT_EQ(fc2.result->kind, QuantizerKind::Relu);
  EXPECT_EQ(c.for_layer("conv", "Conv2D").weight->bits, 16);
}

TEST(LayerQuantConfig, RejectsBadConfigurations) {
  for (const std::string text :
       {"Model: [1, 2", "Foo: 1", "Model:\n  Precision: ap_fixed<6>",
        "Model:\n  Precision:\n    weights: ap_fixed<6,1>", "Model:\n  Precision: ap_fixed<6,1,AP_BOGUS>",
        "LayerName:\n  fc1:\n    Precision: quantized_foo(3)"}) {
    EXPECT_THROW(LayerQuantConfig::parse(text, "cfg.yml"), Error) << text;
  }
  EXPECT_THROW(LayerQuantConfig::load("/nonexistent/cfg.yml"), Error);
}

}  // namespace
}  // namespace edgeq::quant
