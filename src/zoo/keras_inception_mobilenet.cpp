// InceptionV3 and MobileNetV2 with the topology of keras.applications (inception_v3.py, mobilenet_v2.py).
#include "edgeq/zoo/builder.hpp"
#include "models.hpp"

namespace edgeq::zoo {

namespace {
/// conv2d_bn of inception_v3.py: conv without bias, BatchNormalization(scale=False, epsilon=1e-3), ReLU.
struct Inception {
  GraphBuilder& b;
  int count = 0;
  std::string cbr(const std::string& x, std::int64_t filters, std::int64_t kh, std::int64_t kw,
                  std::int64_t stride = 1, bool valid = false) {
    return b.conv_bn_relu(x, filters, {kh, kw}, stride, valid, "conv2d_" + std::to_string(++count), 1e-3f);
  }
  std::string avg3(const std::string& x, const std::string& name) {
    return b.avg_pool(x, 3, 1, {1, 1, 1, 1}, name);
  }
};

/// _make_divisible of mobilenet_v2.py: round to the nearest multiple of 8, never below 90% of v.
std::int64_t make_divisible(double v) {
  constexpr std::int64_t kDivisor = 8;
  std::int64_t nv =
      std::max<std::int64_t>(kDivisor, static_cast<std::int64_t>(v + 4.0) / kDivisor * kDivisor);
  if (static_cast<double>(nv) < 0.9 * v) nv += kDivisor;
  return nv;
}
}  // namespace

graph::Graph build_inceptionv3(const ZooOptions& o) {
  GraphBuilder b("inceptionv3", o.seed);
  Inception m{b};
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = m.cbr(x, 32, 3, 3, 2, true);
  x = m.cbr(x, 32, 3, 3, 1, true);
  x = m.cbr(x, 64, 3, 3);
  x = b.max_pool(x, 3, 2, {0, 0, 0, 0}, "max_pool_1");
  x = m.cbr(x, 80, 1, 1, 1, true);
  x = m.cbr(x, 192, 3, 3, 1, true);
  x = b.max_pool(x, 3, 2, {0, 0, 0, 0}, "max_pool_2");
  for (int i = 0; i < 3; ++i) {  // mixed0-2: 35x35
    const auto b1 = m.cbr(x, 64, 1, 1);
    const auto b5 = m.cbr(m.cbr(x, 48, 1, 1), 64, 5, 5);
    const auto b3 = m.cbr(m.cbr(m.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3);
    const auto bp = m.cbr(m.avg3(x, "mixed" + std::to_string(i) + "_pool"), i == 0 ? 32 : 64, 1, 1);
    x = b.concat({b1, b5, b3, bp}, "mixed" + std::to_string(i));
  }
  {  // mixed3: 17x17
    const auto b3 = m.cbr(x, 384, 3, 3, 2, true);
    const auto bd = m.cbr(m.cbr(m.cbr(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, 2, true);
    const auto bp = b.max_pool(x, 3, 2, {0, 0, 0, 0}, "mixed3_pool");
    x = b.concat({b3, bd, bp}, "mixed3");
  }
  for (int i = 4; i <= 7; ++i) {  // mixed4-7
    const std::int64_t c = i == 4 ? 128 : (i == 7 ? 192 : 160);
    const auto b1 = m.cbr(x, 192, 1, 1);
    const auto b7 = m.cbr(m.cbr(m.cbr(x, c, 1, 1), c, 1, 7), 192, 7, 1);
    auto bd = m.cbr(x, c, 1, 1);
    bd = m.cbr(m.cbr(m.cbr(m.cbr(bd, c, 7, 1), c, 1, 7), c, 7, 1), 192, 1, 7);
    const auto bp = m.cbr(m.avg3(x, "mixed" + std::to_string(i) + "_pool"), 192, 1, 1);
    x = b.concat({b1, b7, bd, bp}, "mixed" + std::to_string(i));
  }
  {  // mixed8: 8x8
    const auto b3 = m.cbr(m.cbr(x, 192, 1, 1), 320, 3, 3, 2, true);
    const auto b7 = m.cbr(m.cbr(m.cbr(m.cbr(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, 2, true);
    const auto bp = b.max_pool(x, 3, 2, {0, 0, 0, 0}, "mixed8_pool");
    x = b.concat({b3, b7, bp}, "mixed8");
  }
  for (int i = 9; i <= 10; ++i) {  // mixed9-10
    const std::string n = "mixed" + std::to_string(i);
    const auto b1 = m.cbr(x, 320, 1, 1);
    const auto b3 = m.cbr(x, 384, 1, 1);
    const auto b3c = b.concat({m.cbr(b3, 384, 1, 3), m.cbr(b3, 384, 3, 1)}, n + "_3x3");
    const auto bd = m.cbr(m.cbr(x, 448, 1, 1), 384, 3, 3);
    const auto bdc = b.concat({m.cbr(bd, 384, 1, 3), m.cbr(bd, 384, 3, 1)}, n + "_3x3dbl");
    const auto bp = m.cbr(m.avg3(x, n + "_pool"), 192, 1, 1);
    x = b.concat({b1, b3c, bdc, bp}, n);
  }
  return b.finish({b.classifier(x, o.classes)});
}

graph::Graph build_mobilenetv2(const ZooOptions& o) {
  GraphBuilder b("mobilenetv2", o.seed);
  constexpr float kEps = 1e-3f;
  auto x = b.input("input", {-1, o.input[0], o.input[1], o.input[2]});
  x = b.conv(x, make_divisible(32), {3, 3}, 2, b.same_pads(x, 3, 2), false, "Conv1");
  x = b.relu6(b.batchnorm(x, kEps, "bn_Conv1"), "Conv1_relu");
  struct Block {
    std::int64_t filters, stride, expansion;
  };
  const Block blocks[] = {{16, 1, 1}, {24, 2, 6},  {24, 1, 6},  {32, 2, 6},  {32, 1, 6}, {32, 1, 6},
                          {64, 2, 6}, {64, 1, 6},  {64, 1, 6},  {64, 1, 6},  {96, 1, 6}, {96, 1, 6},
                          {96, 1, 6}, {160, 2, 6}, {160, 1, 6}, {160, 1, 6}, {320, 1, 6}};
  int id = 0;
  for (const auto& blk : blocks) {
    const std::string n = id ? "block_" + std::to_string(id) : "expanded_conv";
    const std::int64_t in_ch = b.channels(x), out_ch = make_divisible(static_cast<double>(blk.filters));
    auto y = x;
    if (id) {
      y = b.conv(y, blk.expansion * in_ch, {1, 1}, 1, {0, 0, 0, 0}, false, n + "_expand");
      y = b.relu6(b.batchnorm(y, kEps, n + "_expand_BN"), n + "_expand_relu");
    }
    y = b.depthwise_conv(y, 3, blk.stride, b.same_pads(y, 3, blk.stride), n + "_depthwise");
    y = b.relu6(b.batchnorm(y, kEps, n + "_depthwise_BN"), n + "_depthwise_relu");
    y = b.conv(y, out_ch, {1, 1}, 1, {0, 0, 0, 0}, false, n + "_project");
    y = b.batchnorm(y, kEps, n + "_project_BN");
    x = (in_ch == out_ch && blk.stride == 1) ? b.add(x, y, n + "_add") : y;
    ++id;
  }
  x = b.conv(x, 1280, {1, 1}, 1, {0, 0, 0, 0}, false, "Conv_1");
  x = b.relu6(b.batchnorm(x, kEps, "Conv_1_bn"), "out_relu");
  return b.finish({b.classifier(x, o.classes)});
}

}  // namespace edgeq::zoo
