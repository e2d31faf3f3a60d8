// Zoo: parameter counts equal keras.applications (include_top=True, 1000 classes) at their default input
// sizes; published counts from the Keras applications table (keras.io/api/applications).
#include <gtest/gtest.h>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/zoo/zoo.hpp"

using namespace edgeq;

namespace {
std::int64_t params(const std::string& name, core::Shape input, int classes) {
  zoo::ZooOptions o;
  o.input = std::move(input);
  o.classes = classes;
  return zoo::build(name, o).parameter_count();
}
std::int64_t macs(const graph::Graph& g) {
  std::int64_t m = 0;
  for (const auto& n : g.nodes) m += graph::node_macs(g, n);
  return m;
}
}  // namespace

TEST(Zoo, KerasApplicationParameterCounts) {
  EXPECT_EQ(params("resnet50v2", {3, 224, 224}, 1000), 25613800);
  EXPECT_EQ(params("densenet169", {3, 224, 224}, 1000), 14307880);
  EXPECT_EQ(params("inceptionv3", {3, 299, 299}, 1000), 23851784);
  EXPECT_EQ(params("mobilenetv2", {3, 224, 224}, 1000), 3538984);
  // The Edge TPU calibration architectures available in keras.applications.
  EXPECT_EQ(params("mobilenet", {3, 224, 224}, 1000), 4253864);
  EXPECT_EQ(params("resnet50", {3, 224, 224}, 1000), 25636712);
  EXPECT_EQ(params("resnet152v2", {3, 224, 224}, 1000), 60380648);
}

// MobileNet v1: 569M multiply-adds, 4.2M parameters (Howard et al., arXiv:1704.04861, Table 8); Inception v1:
// 1.5G multiply-adds (Szegedy et al., CVPR 2015, sec. 5); Inception v4 at 299 x 299: ~12.3G, the figure
// usually quoted (e.g. Bianco et al., IEEE Access 2018, "Benchmark analysis of representative deep neural
// network architectures", Fig. 1, operations counted as multiply-adds).
TEST(Zoo, CalibrationArchitecturesMacs) {
  zoo::ZooOptions o;
  o.classes = 1001;
  o.input = {3, 224, 224};
  EXPECT_NEAR(static_cast<double>(macs(zoo::build("mobilenet", o))), 569e6, 5e6);
  EXPECT_NEAR(static_cast<double>(macs(zoo::build("inceptionv1", o))), 1.5e9, 0.05e9);
  o.input = {3, 299, 299};
  EXPECT_NEAR(static_cast<double>(macs(zoo::build("inceptionv4", o))), 12.3e9, 0.2e9);
}

// MobileNetV2 1.0/224: ~300M multiply-adds (Sandler et al., CVPR 2018, Table 5);
// InceptionV3 at 299: ~5.7G (Szegedy et al., CVPR 2016: "5 billion multiply-adds" for the 2015 network).
TEST(Zoo, MacsAgreeWithPublishedFigures) {
  zoo::ZooOptions o;
  o.classes = 1000;
  o.input = {3, 224, 224};
  EXPECT_NEAR(static_cast<double>(macs(zoo::build("mobilenetv2", o))), 300e6, 10e6);
  o.input = {3, 299, 299};
  EXPECT_NEAR(static_cast<double>(macs(zoo::build("inceptionv3", o))), 5.7e9, 0.1e9);
}

TEST(Zoo, AnyInputSizeAndClassCount) {
  for (const auto& name : {"resnet50v2", "densenet169", "mobilenetv2", "nunet_s", "nunet_m"}) {
    zoo::ZooOptions o;
    o.input = {3, 200, 200};
    o.classes = 3;
    const auto g = zoo::build(name, o);
    EXPECT_EQ(g.info(g.outputs[0]).shape, (core::Shape{-1, 3})) << name;
    EXPECT_EQ(g.info(g.inputs[0]).shape, (core::Shape{-1, 3, 200, 200})) << name;
  }
  zoo::ZooOptions o;
  o.input = {16};
  o.classes = 5;
  EXPECT_EQ(zoo::build("jet_mlp", o).parameter_count(),
            16 * 64 + 64 + 64 * 32 + 32 + 32 * 32 + 32 + 32 * 5 + 5);
}

TEST(Zoo, SeededInitialisation) {
  zoo::ZooOptions a, b;
  b.seed = 2;
  const auto ga = zoo::build("nunet_s", a), gb = zoo::build("nunet_s", b), ga2 = zoo::build("nunet_s", a);
  const auto& k = "stem/kernel";
  EXPECT_EQ(ga.initializers.at(k).span<float>()[0], ga2.initializers.at(k).span<float>()[0]);
  EXPECT_NE(ga.initializers.at(k).span<float>()[0], gb.initializers.at(k).span<float>()[0]);
}

TEST(Zoo, BadRequests) {
  EXPECT_THROW(zoo::build("resnet51"), Error);
  zoo::ZooOptions o;
  o.input = {3, 16, 16};
  EXPECT_THROW(zoo::build("inceptionv3", o), Error);
  o.input = {3, 200};
  EXPECT_THROW(zoo::build("nunet_s", o), Error);
}
