// edgeq's compact networks (docs/zoo.md): nunet_s, nunet_m for 3x200x200 LArTPC images; jet_mlp (hls4ml jet
// tagger, 16-64-32-32-5, as KERAS_3layer in ../shared/data/hls4ml-example-models).
#include "edgeq/zoo/builder.hpp"
#include "models.hpp"

namespace edgeq::zoo {

namespace {
std::string cbr(GraphBuilder& b, const std::string& x, std::int64_t filters, std::int64_t k,
                std::int64_t stride, const std::string& name) {
  const auto y = b.conv(x, filters, {k, k}, stride, b.same_pads(x, k, stride), false, name);
  return b.relu(b.batchnorm(y, 1e-3f, name + "_bn"), name + "_relu");
}
}  // namespace

graph::Graph build_nunet_s(const ZooOptions& o) {
  GraphBuilder b("nunet_s", o.seed);
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = cbr(b, x, 16, 5, 2, "stem");
  const std::int64_t widths[] = {32, 64, 96};
  for (int i = 0; i < 3; ++i) {
    x = b.max_pool(x, 2, 2, {0, 0, 0, 0}, "pool" + std::to_string(i + 1));
    x = cbr(b, x, widths[i], 3, 1, "conv" + std::to_string(i + 1));
  }
  return b.finish({b.classifier(x, o.classes)});
}

graph::Graph build_nunet_m(const ZooOptions& o) {
  GraphBuilder b("nunet_m", o.seed);
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = cbr(b, x, 24, 5, 2, "stem");
  const std::int64_t widths[] = {48, 96, 160};
  for (int i = 0; i < 3; ++i) {
    const std::string n = "stage" + std::to_string(i + 1);
    x = b.max_pool(x, 2, 2, {0, 0, 0, 0}, n + "_pool");
    x = cbr(b, x, widths[i], 3, 1, n + "_conv1");
    x = cbr(b, x, widths[i], 3, 1, n + "_conv2");
  }
  return b.finish({b.classifier(x, o.classes)});
}

graph::Graph build_jet_mlp(const ZooOptions& o) {
  GraphBuilder b("jet_mlp", o.seed);
  auto x = b.input("fc1_input", {-1, o.input[0]});  // the Keras name of the hls4ml example's input layer
  x = b.relu(b.dense(x, 64, "fc1"), "relu1");
  x = b.relu(b.dense(x, 32, "fc2"), "relu2");
  x = b.relu(b.dense(x, 32, "fc3"), "relu3");
  return b.finish({b.softmax(b.dense(x, o.classes, "output"), "softmax")});
}

}  // namespace edgeq::zoo
