// Keras import (graph/keras_import.hpp, data/keras_weights.hpp): the hls4ml example files, the QKeras
// quantiser texts handed to quantisation-aware graphs, and errors naming the layer. Numerical agreement with
// NumPy forward passes is the peer test tests/peer/keras_import_matches.py.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "edgeq/core/error.hpp"
#include "edgeq/data/keras_weights.hpp"
#include "edgeq/graph/keras_import.hpp"
#include "test_util.hpp"

namespace edgeq::graph {
namespace {

const std::filesystem::path kKeras =
    std::filesystem::path(EDGEQ_SHARED_DIR) / "data/hls4ml-example-models/keras";

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

core::Tensor zeros(core::Shape s) {
  return core::Tensor(core::DType::F32, std::move(s));
}

TEST(KerasImport, HlsJetTaggerFromJsonAndWeights) {
  if (!std::filesystem::exists(kKeras)) GTEST_SKIP() << "no ../shared data";
  const auto h5 = data::read_keras_h5(kKeras / "KERAS_3layer_weights.h5");
  EXPECT_TRUE(h5.model_config.empty());  // a weights-only file
  ASSERT_EQ(h5.layers.at("fc1_relu").size(), 2u);
  EXPECT_EQ(h5.layers.at("fc1_relu")[0].first, "kernel:0");
  EXPECT_EQ(h5.layers.at("fc1_relu")[0].second.shape(), (core::Shape{16, 64}));
  const Graph g = keras_to_graph(read(kKeras / "KERAS_3layer.json"), h5.layers, "KERAS_3layer.json");
  EXPECT_EQ(g.parameter_count(), 4389);
  EXPECT_EQ(g.inputs, (std::vector<std::string>{"input_1"}));
  std::vector<std::string> ops;
  for (const auto& n : g.nodes) ops.push_back(n.op_type);
  EXPECT_EQ(ops,
            (std::vector<std::string>{"Gemm", "Relu", "Gemm", "Relu", "Gemm", "Relu", "Gemm", "Softmax"}));
  EXPECT_EQ(g.info(g.outputs[0]).shape, (core::Shape{-1, 5}));
  EXPECT_EQ(g.metadata.count(kKerasQuantisersKey), 0u);
}

TEST(KerasImport, QKerasQuantisersAreRecordedForTheQuantisationAwareGraph) {
  if (!std::filesystem::exists(kKeras)) GTEST_SKIP() << "no ../shared data";
  const auto h5 = data::read_keras_h5(kKeras / "qkeras_3layer_weights.h5");
  const Graph g = keras_to_graph(read(kKeras / "qkeras_3layer.json"), h5.layers, "qkeras_3layer.json");
  const auto q = nlohmann::json::parse(g.metadata.at(kKerasQuantisersKey));
  EXPECT_EQ(q.size(), 4u + 3u);  // fc1, fc2, fc3, output weights and biases; relu1..3 results
  const std::string w = q.at("fc1").at("weight");
  EXPECT_EQ(w.rfind("quantized_bits(", 0), 0u) << w;
  EXPECT_NE(w.find("bits=6"), std::string::npos) << w;
  EXPECT_NE(w.find("keep_negative=1"), std::string::npos) << w;
  EXPECT_EQ(q.at("relu1").at("result").get<std::string>().rfind("quantized_relu(", 0), 0u);
}

TEST(KerasImport, ImagesBecomeNchwBehindATransposeAndFlattenRestoresKerasOrder) {
  const std::string json = R"({"class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"name": "img", "batch_input_shape": [null, 8, 6, 2]}},
    {"class_name": "Conv2D", "config": {"name": "c", "filters": 3, "kernel_size": [3, 3], "strides": [2, 2],
      "padding": "same", "activation": "relu", "use_bias": false}},
    {"class_name": "Flatten", "config": {"name": "f"}},
    {"class_name": "Dense", "config": {"name": "d", "units": 4, "activation": "linear"}}]}})";
  KerasWeights w;
  w["c"] = {{"kernel:0", zeros({3, 3, 2, 3})}};
  w["d"] = {{"kernel:0", zeros({4 * 3 * 3, 4})}, {"bias:0", zeros({4})}};
  const Graph g = keras_to_graph(json, w, "m.json");
  EXPECT_EQ(g.info("img").shape, (core::Shape{-1, 8, 6, 2}));
  EXPECT_EQ(g.nodes[0].op_type, "Transpose");
  const auto& conv =
      *std::find_if(g.nodes.begin(), g.nodes.end(), [](const Node& n) { return n.op_type == "Conv"; });
  EXPECT_EQ(conv.attr_ints("pads"),
            (std::vector<std::int64_t>{0, 0, 1, 1}));  // TF SAME: the extra row/column last
  EXPECT_EQ(g.info(conv.outputs[0]).shape, (core::Shape{-1, 3, 4, 3}));
  EXPECT_EQ(g.info(g.outputs[0]).shape, (core::Shape{-1, 4}));
}

void expect_bad(const std::string& layers, const KerasWeights& w, const std::string& fragment,
                const std::string& input = "[null, 8, 8, 2]") {
  const std::string json = R"({"class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"name": "in", "batch_input_shape": )" +
                           input + "}}" + layers + "]}}";
  try {
    keras_to_graph(json, w, "m.json");
    ADD_FAILURE() << "accepted: " << layers;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::BadInput);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(KerasImport, UnsupportedLayersAndBadWeightsNameTheLayer) {
  KerasWeights w;
  w["c"] = {{"kernel:0", zeros({3, 3, 2, 4})}, {"bias:0", zeros({4})}};
  expect_bad(R"(, {"class_name": "LSTM", "config": {"name": "rnn"}})", w,
             "layer 'rnn' of type LSTM is not supported");
  expect_bad(R"(, {"class_name": "Conv2D", "config": {"name": "x", "filters": 4, "kernel_size": [3, 3]}})", w,
             "layer 'x' has no weight 'kernel'");
  expect_bad(R"(, {"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3],
              "data_format": "channels_first"}})",
             w, "only channels_last");
  w["c"][1].second = zeros({5});
  expect_bad(R"(, {"class_name": "Conv2D", "config": {"name": "c", "filters": 4, "kernel_size": [3, 3]}})", w,
             "weight 'bias' has shape 5");
  w["d"] = {{"kernel:0", zeros({2, 4})}, {"bias:0", zeros({4})}};
  expect_bad(R"(, {"class_name": "Dense", "config": {"name": "d", "units": 4}})", w, "add a Flatten");
  expect_bad(R"(, {"class_name": "Dense", "config": {"name": "d", "units": 4}})", w, "dynamic dimension",
             "[null, null, 2]");
  expect_bad(R"(, {"class_name": "Activation", "config": {"name": "a", "activation": "swishy"}})", w,
             "activation 'swishy' is not supported");
  EXPECT_THROW(keras_to_graph("[1, 2]", {}, "x.json"), Error);
  EXPECT_THROW(keras_to_graph(R"({"class_name": "Transformer", "config": {}})", {}, "x.json"), Error);
}

TEST(KerasImport, NonHdf5AndWeightlessFilesAreRefused) {
  test::TempDir dir;
  std::ofstream(dir.path() / "junk.h5") << "not hdf5";
  EXPECT_THROW(data::read_keras_h5(dir.path() / "junk.h5"), Error);
  EXPECT_THROW(data::read_keras_h5(dir.path() / "missing.h5"), Error);
}

}  // namespace
}  // namespace edgeq::graph
