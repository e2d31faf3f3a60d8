// ResNet50V2, ResNet152V2 and DenseNet169 with the topology of keras.applications (resnet_v2.py,
// densenet.py).
#include "edgeq/zoo/builder.hpp"
#include "models.hpp"

namespace edgeq::zoo {

namespace {
constexpr float kEps = 1.001e-5f;  // Keras ResNetV2 / DenseNet BatchNormalization epsilon

std::string block2(GraphBuilder& b, const std::string& x, std::int64_t filters, std::int64_t stride,
                   bool conv_shortcut, const std::string& name) {
  const auto preact = b.relu(b.batchnorm(x, kEps, name + "_preact_bn"), name + "_preact_relu");
  std::string shortcut = x;
  if (conv_shortcut)
    shortcut = b.conv(preact, 4 * filters, {1, 1}, stride, {0, 0, 0, 0}, true, name + "_0_conv");
  else if (stride > 1)
    shortcut = b.max_pool(x, 1, stride, {0, 0, 0, 0}, name + "_0_pool");
  auto y = b.conv(preact, filters, {1, 1}, 1, {0, 0, 0, 0}, false, name + "_1_conv");
  y = b.relu(b.batchnorm(y, kEps, name + "_1_bn"), name + "_1_relu");
  y = b.conv(y, filters, {3, 3}, stride, {1, 1, 1, 1}, false,
             name + "_2_conv");  // ZeroPadding2D(1) + valid conv
  y = b.relu(b.batchnorm(y, kEps, name + "_2_bn"), name + "_2_relu");
  y = b.conv(y, 4 * filters, {1, 1}, 1, {0, 0, 0, 0}, true, name + "_3_conv");
  return b.add(shortcut, y, name + "_out");
}

std::string stack2(GraphBuilder& b, std::string x, std::int64_t filters, int blocks, std::int64_t stride1,
                   const std::string& name) {
  x = block2(b, x, filters, 1, true, name + "_block1");
  for (int i = 2; i < blocks; ++i) x = block2(b, x, filters, 1, false, name + "_block" + std::to_string(i));
  return block2(b, x, filters, stride1, false, name + "_block" + std::to_string(blocks));
}

std::string dense_block(GraphBuilder& b, std::string x, int blocks, const std::string& name) {
  for (int i = 1; i <= blocks; ++i) {
    const std::string n = name + "_block" + std::to_string(i);
    auto y = b.relu(b.batchnorm(x, kEps, n + "_0_bn"), n + "_0_relu");
    y = b.conv(y, 4 * 32, {1, 1}, 1, {0, 0, 0, 0}, false, n + "_1_conv");
    y = b.relu(b.batchnorm(y, kEps, n + "_1_bn"), n + "_1_relu");
    y = b.conv(y, 32, {3, 3}, 1, {1, 1, 1, 1}, false, n + "_2_conv");
    x = b.concat({x, y}, n + "_concat");
  }
  return x;
}

std::string transition(GraphBuilder& b, const std::string& x, const std::string& name) {
  auto y = b.relu(b.batchnorm(x, kEps, name + "_bn"), name + "_relu");
  y = b.conv(y, b.channels(x) / 2, {1, 1}, 1, {0, 0, 0, 0}, false, name + "_conv");
  return b.avg_pool(y, 2, 2, {0, 0, 0, 0}, name + "_pool");
}

/// ResNetV2 with the given blocks per stack (ResNet50V2: 3, 4, 6, 3; ResNet152V2: 3, 8, 36, 3).
graph::Graph build_resnet_v2(const char* name, const int (&blocks)[4], const ZooOptions& o) {
  GraphBuilder b(name, o.seed);
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = b.conv(x, 64, {7, 7}, 2, {3, 3, 3, 3}, true, "conv1_conv");  // ZeroPadding2D(3) + valid conv
  x = b.max_pool(b.zero_pad(x, {1, 1, 1, 1}, "pool1_pad"), 3, 2, {0, 0, 0, 0}, "pool1_pool");
  x = stack2(b, x, 64, blocks[0], 2, "conv2");
  x = stack2(b, x, 128, blocks[1], 2, "conv3");
  x = stack2(b, x, 256, blocks[2], 2, "conv4");
  x = stack2(b, x, 512, blocks[3], 1, "conv5");
  x = b.relu(b.batchnorm(x, kEps, "post_bn"), "post_relu");
  return b.finish({b.classifier(x, o.classes)});
}
}  // namespace

graph::Graph build_resnet50v2(const ZooOptions& o) {
  return build_resnet_v2("resnet50v2", {3, 4, 6, 3}, o);
}
graph::Graph build_resnet152v2(const ZooOptions& o) {
  return build_resnet_v2("resnet152v2", {3, 8, 36, 3}, o);
}

graph::Graph build_densenet169(const ZooOptions& o) {
  GraphBuilder b("densenet169", o.seed);
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = b.conv(x, 64, {7, 7}, 2, {3, 3, 3, 3}, false, "conv1/conv");
  x = b.relu(b.batchnorm(x, kEps, "conv1/bn"), "conv1/relu");
  x = b.max_pool(b.zero_pad(x, {1, 1, 1, 1}, "pool1_pad"), 3, 2, {0, 0, 0, 0}, "pool1");
  const int blocks[4] = {6, 12, 32, 32};
  for (int s = 0; s < 4; ++s) {
    x = dense_block(b, x, blocks[s], "conv" + std::to_string(s + 2));
    if (s < 3) x = transition(b, x, "pool" + std::to_string(s + 2));
  }
  x = b.relu(b.batchnorm(x, kEps, "bn"), "relu");
  return b.finish({b.classifier(x, o.classes)});
}

}  // namespace edgeq::zoo
