// Architectures of the published Edge TPU latencies (../shared/reference/quantisation-and-hardware.md) that
// calibrate the edgetpu target's latency model, usable as zoo models too:
//   mobilenet    MobileNet v1 (alpha 1), keras.applications mobilenet.py
//   resnet50     ResNet-50 (v1), keras.applications resnet.py (ResNet50)
//   resnet152v2  ResNet-152 V2, keras.applications resnet_v2.py
//   inceptionv1  Inception v1 (GoogLeNet) as in TF-slim inception_v1.py (3x3 convolutions in the "5x5"
//                branch, BatchNorm without scale), the model Coral publishes
//   inceptionv4  Inception v4 as in TF-slim inception_v4.py (Szegedy et al., arXiv:1602.07261, fig. 3-9)
// Heads are the zoo's classifier (global average pooling, dense, softmax), equal in parameters to the
// originals' 1x1-convolution or dense logits for their usual input sizes.
#include "edgeq/zoo/builder.hpp"
#include "models.hpp"

namespace edgeq::zoo {

namespace {
/// Convolution without bias, BatchNorm (scale off, TF-slim / Keras Inception style), ReLU. "same" padding
/// (TensorFlow's: extra pixel at the end) unless `valid`.
struct ConvBn {
  GraphBuilder& b;
  std::string prefix;
  float eps = 1e-3f;
  int count = 0;
  std::string operator()(const std::string& x, std::int64_t filters, std::int64_t kh, std::int64_t kw,
                         std::int64_t stride = 1, bool valid = false) {
    return b.conv_bn_relu(x, filters, {kh, kw}, stride, valid, prefix + std::to_string(++count), eps);
  }
};

std::string max3_same(GraphBuilder& b, const std::string& x, std::int64_t stride, const std::string& name) {
  return b.max_pool(x, 3, stride, b.same_pads(x, 3, stride), name);
}
}  // namespace

graph::Graph build_mobilenet(const ZooOptions& o) {
  GraphBuilder b("mobilenet", o.seed);
  constexpr float kEps = 1e-3f;
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = b.conv(x, 32, {3, 3}, 2, {0, 0, 1, 1}, false, "conv1");  // ZeroPadding2D(((0, 1), (0, 1))) + valid
  x = b.relu6(b.batchnorm(x, kEps, "conv1_bn"), "conv1_relu");
  const std::pair<std::int64_t, std::int64_t> blocks[] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                                                          {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                                                          {512, 1}, {1024, 2}, {1024, 1}};
  int id = 0;
  for (const auto& [filters, stride] : blocks) {
    const std::string n = "conv_dw_" + std::to_string(++id);
    const Pads pads = stride == 1 ? Pads{1, 1, 1, 1} : Pads{0, 0, 1, 1};
    x = b.depthwise_conv(x, 3, stride, pads, n);
    x = b.relu6(b.batchnorm(x, kEps, n + "_bn"), n + "_relu");
    const std::string p = "conv_pw_" + std::to_string(id);
    x = b.conv(x, filters, {1, 1}, 1, {0, 0, 0, 0}, false, p);
    x = b.relu6(b.batchnorm(x, kEps, p + "_bn"), p + "_relu");
  }
  return b.finish({b.classifier(x, o.classes)});
}

namespace {
constexpr float kResNetEps = 1.001e-5f;

std::string block1(GraphBuilder& b, const std::string& x, std::int64_t filters, std::int64_t stride,
                   bool conv_shortcut, const std::string& name) {
  std::string shortcut = x;
  if (conv_shortcut)
    shortcut = b.batchnorm(b.conv(x, 4 * filters, {1, 1}, stride, {0, 0, 0, 0}, true, name + "_0_conv"),
                           kResNetEps, name + "_0_bn");
  auto y = b.conv(x, filters, {1, 1}, stride, {0, 0, 0, 0}, true, name + "_1_conv");
  y = b.relu(b.batchnorm(y, kResNetEps, name + "_1_bn"), name + "_1_relu");
  y = b.conv(y, filters, {3, 3}, 1, {1, 1, 1, 1}, true, name + "_2_conv");
  y = b.relu(b.batchnorm(y, kResNetEps, name + "_2_bn"), name + "_2_relu");
  y = b.batchnorm(b.conv(y, 4 * filters, {1, 1}, 1, {0, 0, 0, 0}, true, name + "_3_conv"), kResNetEps,
                  name + "_3_bn");
  return b.relu(b.add(shortcut, y, name + "_add"), name + "_out");
}
}  // namespace

graph::Graph build_resnet50(const ZooOptions& o) {
  GraphBuilder b("resnet50", o.seed);
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = b.conv(x, 64, {7, 7}, 2, {3, 3, 3, 3}, true, "conv1_conv");  // ZeroPadding2D(3) + valid conv
  x = b.relu(b.batchnorm(x, kResNetEps, "conv1_bn"), "conv1_relu");
  x = b.max_pool(b.zero_pad(x, {1, 1, 1, 1}, "pool1_pad"), 3, 2, {0, 0, 0, 0}, "pool1_pool");
  const std::int64_t filters[] = {64, 128, 256, 512};
  const int blocks[] = {3, 4, 6, 3};
  for (int s = 0; s < 4; ++s) {
    const std::string n = "conv" + std::to_string(s + 2);
    x = block1(b, x, filters[s], s == 0 ? 1 : 2, true, n + "_block1");
    for (int i = 2; i <= blocks[s]; ++i)
      x = block1(b, x, filters[s], 1, false, n + "_block" + std::to_string(i));
  }
  return b.finish({b.classifier(x, o.classes)});
}

graph::Graph build_inceptionv1(const ZooOptions& o) {
  GraphBuilder b("inceptionv1", o.seed);
  ConvBn c{b, "conv_"};
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = c(x, 64, 7, 7, 2);
  x = max3_same(b, x, 2, "maxpool_2a");
  x = c(x, 64, 1, 1);
  x = c(x, 192, 3, 3);
  x = max3_same(b, x, 2, "maxpool_3a");
  // Mixed blocks: 1x1 | 1x1 -> 3x3 | 1x1 -> 3x3 | max pool 3x3 -> 1x1 (TF-slim filter counts).
  struct Mixed {
    const char* name;
    std::int64_t f[6];
  };
  const Mixed mixed[] = {{"3b", {64, 96, 128, 16, 32, 32}},     {"3c", {128, 128, 192, 32, 96, 64}},
                         {"4b", {192, 96, 208, 16, 48, 64}},    {"4c", {160, 112, 224, 24, 64, 64}},
                         {"4d", {128, 128, 256, 24, 64, 64}},   {"4e", {112, 144, 288, 32, 64, 64}},
                         {"4f", {256, 160, 320, 32, 128, 128}}, {"5b", {256, 160, 320, 32, 128, 128}},
                         {"5c", {384, 192, 384, 48, 128, 128}}};
  for (const auto& m : mixed) {
    const std::string n = std::string("mixed_") + m.name;
    const auto b0 = c(x, m.f[0], 1, 1);
    const auto b1 = c(c(x, m.f[1], 1, 1), m.f[2], 3, 3);
    const auto b2 = c(c(x, m.f[3], 1, 1), m.f[4], 3, 3);
    const auto b3 = c(max3_same(b, x, 1, n + "_pool"), m.f[5], 1, 1);
    x = b.concat({b0, b1, b2, b3}, n);
    if (m.name == std::string("3c")) x = max3_same(b, x, 2, "maxpool_4a");
    if (m.name == std::string("4f")) x = b.max_pool(x, 2, 2, b.same_pads(x, 2, 2), "maxpool_5a");
  }
  return b.finish({b.classifier(x, o.classes)});
}

graph::Graph build_inceptionv4(const ZooOptions& o) {
  GraphBuilder b("inceptionv4", o.seed);
  ConvBn c{b, "conv_"};
  auto avg = [&](const std::string& x, const std::string& name) {
    return b.avg_pool(x, 3, 1, {1, 1, 1, 1}, name);
  };
  auto max3 = [&](const std::string& x, const std::string& name) {
    return b.max_pool(x, 3, 2, {0, 0, 0, 0}, name);
  };
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  // Stem (fig. 3).
  x = c(x, 32, 3, 3, 2, true);
  x = c(x, 32, 3, 3, 1, true);
  x = c(x, 64, 3, 3);
  x = b.concat({max3(x, "mixed_3a_pool"), c(x, 96, 3, 3, 2, true)}, "mixed_3a");
  x = b.concat(
      {c(c(x, 64, 1, 1), 96, 3, 3, 1, true), c(c(c(c(x, 64, 1, 1), 64, 1, 7), 64, 7, 1), 96, 3, 3, 1, true)},
      "mixed_4a");
  x = b.concat({c(x, 192, 3, 3, 2, true), max3(x, "mixed_5a_pool")}, "mixed_5a");
  for (int i = 0; i < 4; ++i) {  // Inception-A (fig. 4)
    const std::string n = "mixed_5" + std::string(1, static_cast<char>('b' + i));
    x = b.concat({c(x, 96, 1, 1), c(c(x, 64, 1, 1), 96, 3, 3), c(c(c(x, 64, 1, 1), 96, 3, 3), 96, 3, 3),
                  c(avg(x, n + "_pool"), 96, 1, 1)},
                 n);
  }
  x = b.concat({c(x, 384, 3, 3, 2, true), c(c(c(x, 192, 1, 1), 224, 3, 3), 256, 3, 3, 2, true),
                max3(x, "mixed_6a_pool")},
               "mixed_6a");      // Reduction-A (fig. 7, k=192 l=224 m=256 n=384)
  for (int i = 0; i < 7; ++i) {  // Inception-B (fig. 5)
    const std::string n = "mixed_6" + std::string(1, static_cast<char>('b' + i));
    x = b.concat({c(x, 384, 1, 1), c(c(c(x, 192, 1, 1), 224, 1, 7), 256, 7, 1),
                  c(c(c(c(c(x, 192, 1, 1), 192, 7, 1), 224, 1, 7), 224, 7, 1), 256, 1, 7),
                  c(avg(x, n + "_pool"), 128, 1, 1)},
                 n);
  }
  x = b.concat({c(c(x, 192, 1, 1), 192, 3, 3, 2, true),
                c(c(c(c(x, 256, 1, 1), 256, 1, 7), 320, 7, 1), 320, 3, 3, 2, true), max3(x, "mixed_7a_pool")},
               "mixed_7a");      // Reduction-B (fig. 8)
  for (int i = 0; i < 3; ++i) {  // Inception-C (fig. 6)
    const std::string n = "mixed_7" + std::string(1, static_cast<char>('b' + i));
    const auto b1 = c(x, 384, 1, 1);
    const auto b2 = c(c(x, 384, 1, 1), 448, 3, 1);
    const auto b2b = c(b2, 512, 1, 3);
    x = b.concat({c(x, 256, 1, 1), c(b1, 256, 1, 3), c(b1, 256, 3, 1), c(b2b, 256, 1, 3), c(b2b, 256, 3, 1),
                  c(avg(x, n + "_pool"), 256, 1, 1)},
                 n);
  }
  return b.finish({b.classifier(x, o.classes)});
}

}  // namespace edgeq::zoo
