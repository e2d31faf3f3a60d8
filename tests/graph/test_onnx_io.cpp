// ONNX import/export against third-party files (../shared/data/hls4ml-example-models/onnx: Keras and PyTorch
// exporters, opsets 7-17, channel-last Transposes, QONNX quantisers).
#include <gtest/gtest.h>

#include <fstream>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "test_util.hpp"

using namespace edgeq;
using namespace edgeq::graph;

namespace {
const std::filesystem::path kOnnxDir =
    std::filesystem::path(EDGEQ_SHARED_DIR) / "data/hls4ml-example-models/onnx";

std::vector<std::filesystem::path> shared_models() {
  std::vector<std::filesystem::path> v;
  if (std::filesystem::is_directory(kOnnxDir))
    for (const auto& e : std::filesystem::directory_iterator(kOnnxDir))
      if (e.path().extension() == ".onnx") v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}
}  // namespace

TEST(OnnxImport, EverySharedModelImports) {
  const auto models = shared_models();
  if (models.empty()) GTEST_SKIP() << "no ../shared/data (run from a checkout with shared/ beside it)";
  EXPECT_EQ(models.size(), 8u);
  for (const auto& p : models) {
    SCOPED_TRACE(p.filename().string());
    const Graph g = load_onnx(p);
    EXPECT_FALSE(g.nodes.empty());
    EXPECT_EQ(g.inputs.size(), 1u);
    for (const auto& o : g.outputs) EXPECT_FALSE(g.info(o).shape.empty());
    EXPECT_GT(g.parameter_count(), 0);
  }
}

TEST(OnnxImport, KnownShapesAndParameters) {
  if (shared_models().empty()) GTEST_SKIP() << "no ../shared/data";
  // hls4ml three-layer jet tagger: 16-64-32-32-5 dense layers = 4389 weights + biases.
  const Graph keras = load_onnx(kOnnxDir / "three_layer_keras.onnx");
  EXPECT_EQ(keras.parameter_count(), 16 * 64 + 64 + 64 * 32 + 32 + 32 * 32 + 32 + 32 * 5 + 5);
  EXPECT_EQ(keras.info(keras.outputs[0]).shape, (Shape{1, 5}));
  // Keras conv net with channel-last input [1, 8, 8, 1] transposed to NCHW inside the graph.
  const Graph conv = load_onnx(kOnnxDir / "conv2d_small_keras.onnx");
  EXPECT_EQ(conv.info(conv.inputs[0]).shape, (Shape{1, 8, 8, 1}));
  // QONNX quantiser parameters are not model parameters.
  const Graph bnn = load_onnx(kOnnxDir / "bnn_model_fc_1layer.onnx");
  bool has_quant = false;
  for (const auto& n : bnn.nodes) has_quant |= n.op_type == "Quant" || n.op_type == "BipolarQuant";
  EXPECT_TRUE(has_quant);
  EXPECT_FALSE(bnn.non_parameters.empty());
}

TEST(OnnxExport, RoundTripKeepsGraph) {
  const auto models = shared_models();
  if (models.empty()) GTEST_SKIP() << "no ../shared/data";
  for (const auto& p : models) {
    SCOPED_TRACE(p.filename().string());
    const Graph a = load_onnx(p);
    const Graph b = parse_onnx(serialize_onnx(a), "round trip");
    EXPECT_EQ(b.opset, kExportOpset);
    EXPECT_EQ(b.nodes.size(), a.nodes.size());
    EXPECT_EQ(b.parameter_count(), a.parameter_count());
    for (std::size_t i = 0; i < a.outputs.size(); ++i)
      EXPECT_EQ(b.info(b.outputs[i]).shape, a.info(a.outputs[i]).shape);
  }
}

TEST(OnnxImport, CorruptAndTruncatedFiles) {
  test::TempDir dir;
  std::ofstream(dir / "junk.onnx") << "this is not a protobuf";
  EXPECT_THROW(load_onnx(dir / "junk.onnx"), Error);
  EXPECT_THROW(load_onnx(dir / "missing.onnx"), Error);
  const auto models = shared_models();
  if (models.empty()) return;
  std::ifstream in(kOnnxDir / "three_layer_keras.onnx", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    parse_onnx(bytes.substr(0, bytes.size() / 2), "half.onnx");
    FAIL() << "truncated model accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    EXPECT_NE(std::string(e.what()).find("half.onnx"), std::string::npos) << e.what();
  }
}
