// edgeq info / predict / convert / zoo export: outputs and bad input (one error line, exit 2, no file left).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/run_edgeq.hpp"
#include "edgeq/core/npy.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "test_util.hpp"

using namespace edgeq;
using namespace edgeq::test;

namespace {
void expect_bad(const std::string& args, const std::string& fragment, const TempDir& dir, std::size_t files) {
  expect_bad_input(args, fragment);
  EXPECT_EQ(count_files(dir.path()), files) << args;
}
}  // namespace

TEST(ModelCli, InfoJsonReportsKerasParameterCount) {
  const auto r = run_edgeq("info --model mobilenetv2 --input 3x224x224 --classes 1000 --json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output);
  EXPECT_EQ(j["params"].get<std::int64_t>(), 3538984);
  EXPECT_GT(j["macs"].get<std::int64_t>(), 290000000);
  EXPECT_EQ(j["outputs"][0]["shape"][1], 1000);
}

TEST(ModelCli, ZooExportPredictConvertRoundTrip) {
  TempDir dir;
  const auto model = (dir / "jet.onnx").string();
  ASSERT_EQ(run_edgeq("-q zoo export jet_mlp --classes 5 --seed 3 --out " + model).exit_code, 0);
  core::Tensor x(core::DType::F32, {4, 16});
  for (std::size_t i = 0; i < 64; ++i) x.span<float>()[i] = static_cast<float>(i % 7) - 3.0f;
  core::write_npy(dir / "x.npy", x);
  const auto r = run_edgeq("-q predict --model " + model + " --input " + (dir / "x.npy").string() +
                           " --out " + (dir / "y.npy").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto y = core::read_npy(dir / "y.npy");
  ASSERT_EQ(y.shape(), (core::Shape{4, 5}));
  double sum = 0;
  for (int k = 0; k < 5; ++k) sum += y.span<float>()[static_cast<std::size_t>(k)];
  EXPECT_NEAR(sum, 1.0, 1e-6);  // softmax row
  ASSERT_EQ(run_edgeq("-q convert --model " + model + " --out " + (dir / "c.onnx").string()).exit_code, 0);
  EXPECT_EQ(graph::load_onnx(dir / "c.onnx").parameter_count(),
            16 * 64 + 64 + 64 * 32 + 32 + 32 * 32 + 32 + 32 * 5 + 5);
}

// The hls4ml example's precisions applied with the firmware's fixed-point semantics: a model edgeq runs,
// whose logits lie on the output type's grid (ap_fixed<16,6>: steps of 2^-10).
TEST(ModelCli, ConvertAppliesHls4mlFixedPointTypes) {
  const auto config =
      std::filesystem::path(EDGEQ_SHARED_DIR) / "data/hls4ml-example-models/config/qkeras_3layer_config.yml";
  if (!std::filesystem::exists(config)) GTEST_SKIP() << "no ../shared data";
  TempDir dir;
  const auto model = (dir / "jet.onnx").string(), fixed = (dir / "jet.fixed.onnx").string();
  ASSERT_EQ(run_edgeq("-q zoo export jet_mlp --classes 5 --seed 3 --out " + model).exit_code, 0);
  auto r = run_edgeq("convert --model " + model + " --fixed-point " + config.string() + " --out " + fixed);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("4 weight, 4 bias and 9 result types"), std::string::npos) << r.output;
  core::Tensor x(core::DType::F32, {4, 16});
  for (std::size_t i = 0; i < 64; ++i) x.span<float>()[i] = static_cast<float>(i % 7) * 0.37f - 1.0f;
  core::write_npy(dir / "x.npy", x);
  r = run_edgeq("-q predict --model " + fixed + " --input " + (dir / "x.npy").string() + " --out " +
                (dir / "y.npy").string());
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const core::Tensor y = core::read_npy(dir / "y.npy");  // kept alive while its span is read
  for (const float v : y.span<float>()) EXPECT_EQ(v * 1024.0f, std::floor(v * 1024.0f));
  std::ofstream(dir / "bad.yml") << "LayerName:\n  dense_7:\n    Precision: ap_fixed<8,3>\n";
  r = run_edgeq("convert --model " + model + " --fixed-point " + (dir / "bad.yml").string() + " --out " +
                (dir / "bad.onnx").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("dense_7"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir / "bad.onnx"));
}

TEST(ModelCli, BadModelsAndInputs) {
  TempDir dir;
  const auto model = (dir / "jet.onnx").string();
  ASSERT_EQ(run_edgeq("-q zoo export jet_mlp --out " + model).exit_code, 0);
  std::ifstream in(model, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir / "truncated.onnx", std::ios::binary) << bytes.substr(0, bytes.size() / 3);
  std::ofstream(dir / "corrupt.onnx", std::ios::binary) << "\x08\x07garbage that is not protobuf";
  // A model whose node reads an initializer that is not in the file.
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {-1, 4}};
  g.values["y"] = {core::DType::F32, {-1, 4}};
  g.nodes.push_back({"mm", "MatMul", "", {"x", "W_missing"}, {"y"}, {}});
  g.outputs = {"y"};
  std::ofstream(dir / "missing.onnx", std::ios::binary) << graph::serialize_onnx(g);
  core::write_npy(dir / "x_ok.npy", core::Tensor(core::DType::F32, {2, 16}));
  core::write_npy(dir / "x_shape.npy", core::Tensor(core::DType::F32, {2, 15}));
  core::write_npy(dir / "x_int.npy", core::Tensor(core::DType::I32, {2, 16}));
  std::ofstream(dir / "x_junk.npy") << "junk";
  const std::size_t files = count_files(dir.path());
  const std::string out = " --out " + (dir / "y.npy").string();
  auto predict = [&](const std::string& m, const std::string& x) {
    return "predict --model " + (dir / m).string() + " --input " + (dir / x).string() + out;
  };
  expect_bad(predict("truncated.onnx", "x_ok.npy"), "not a valid ONNX model", dir, files);
  expect_bad(predict("corrupt.onnx", "x_ok.npy"), "not a valid ONNX model", dir, files);
  expect_bad(predict("missing.onnx", "x_ok.npy"), "W_missing", dir, files);
  expect_bad(predict("jet.onnx", "x_shape.npy"), "shape 2x15", dir, files);
  expect_bad(predict("jet.onnx", "x_int.npy"), "float32", dir, files);
  expect_bad(predict("jet.onnx", "x_junk.npy"), "not a .npy file", dir, files);
  expect_bad(predict("nothere.onnx", "x_ok.npy"), "not found", dir, files);
  expect_bad("info --model resnet51", "neither an ONNX or Keras (.json, .h5) file nor a zoo model", dir, files);
  expect_bad("zoo export resnet51 --out " + (dir / "z.onnx").string(), "resnet51", dir, files);
  expect_bad("info --model inceptionv3 --input 3x32x32", "at least 75x75", dir, files);
  expect_bad("info --model nunet_s --input 3x2OOx200", "invalid shape", dir, files);
}
