// Unary elementwise ops, Softmax and inference BatchNormalization.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "edgeq/graph/geometry.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
template <typename F>
void unary(KernelContext& c, F f) {
  const float* x = c.inputs[0]->data<float>();
  float* y = c.outputs[0]->data<float>();
  const auto n = c.inputs[0]->numel();
  for (std::int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

void relu(KernelContext& c) {
  unary(c, [](float v) { return v > 0.0f ? v : 0.0f; });
}
void clip(KernelContext& c) {
  const float lo = c.node.attr_float("min", -std::numeric_limits<float>::infinity());
  const float hi = c.node.attr_float("max", std::numeric_limits<float>::infinity());
  unary(c, [=](float v) { return std::min(std::max(v, lo), hi); });
}
void leaky_relu(KernelContext& c) {
  const float a = c.node.attr_float("alpha", 0.01f);
  unary(c, [=](float v) { return v >= 0.0f ? v : a * v; });
}
void selu(KernelContext& c) {
  // ONNX defaults (Klambauer et al. 2017): alpha 1.67326..., gamma 1.05070...
  const double a = c.node.attr_float("alpha", 1.67326319217681884765625f);
  const double g = c.node.attr_float("gamma", 1.05070102214813232421875f);
  unary(c, [=](float v) {
    return static_cast<float>(v > 0.0f ? g * v : g * (a * std::expm1(static_cast<double>(v))));
  });
}
void sigmoid(KernelContext& c) {
  unary(c, [](float v) { return static_cast<float>(1.0 / (1.0 + std::exp(-static_cast<double>(v)))); });
}
void tanh_op(KernelContext& c) {
  unary(c, [](float v) { return static_cast<float>(std::tanh(static_cast<double>(v))); });
}
void identity(KernelContext& c) {
  std::memcpy(c.outputs[0]->raw(), c.inputs[0]->raw(), c.inputs[0]->bytes());
}

/// Softmax over `axis` (opset 13), or over all dims from `axis` on when legacy_2d (opset < 13).
void softmax(KernelContext& c) {
  const auto& s = c.inputs[0]->shape();
  const auto rank = static_cast<std::int64_t>(s.size());
  const std::int64_t axis = graph::normalize_axis(c.node, c.node.attr_int("axis", -1), rank);
  const bool legacy = c.node.attr_int("legacy_2d", 0) != 0;
  std::int64_t outer = 1, len = 1, inner = 1;
  for (std::int64_t i = 0; i < rank; ++i) {
    if (i < axis)
      outer *= s[static_cast<std::size_t>(i)];
    else if (i == axis || legacy)
      len *= s[static_cast<std::size_t>(i)];
    else
      inner *= s[static_cast<std::size_t>(i)];
  }
  const float* x = c.inputs[0]->data<float>();
  float* y = c.outputs[0]->data<float>();
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t in = 0; in < inner; ++in) {
      const std::int64_t base = o * len * inner + in;
      double mx = -std::numeric_limits<double>::infinity();
      for (std::int64_t k = 0; k < len; ++k) mx = std::max(mx, static_cast<double>(x[base + k * inner]));
      double sum = 0;
      for (std::int64_t k = 0; k < len; ++k) sum += std::exp(static_cast<double>(x[base + k * inner]) - mx);
      for (std::int64_t k = 0; k < len; ++k)
        y[base + k * inner] =
            static_cast<float>(std::exp(static_cast<double>(x[base + k * inner]) - mx) / sum);
    }
}

/// y = (x - mean) / sqrt(var + epsilon) * scale + bias, per channel (axis 1); then max(y, 0) if a Relu was
/// fused (graph::fuse_activations).
void batchnorm(KernelContext& c) {
  const auto& s = c.inputs[0]->shape();
  const double eps = c.node.attr_float("epsilon", 1e-5f);
  const auto n = s[0], ch = s[1];
  const std::int64_t inner = c.inputs[0]->numel() / std::max<std::int64_t>(n * ch, 1);
  const float* x = c.inputs[0]->data<float>();
  const float* scale = c.inputs[1]->data<float>();
  const float* bias = c.inputs[2]->data<float>();
  const float* mean = c.inputs[3]->data<float>();
  const float* var = c.inputs[4]->data<float>();
  float* y = c.outputs[0]->data<float>();
  const double lo = c.node.attr_string("edgeq_activation", "") == "Relu" ? 0.0 : -HUGE_VAL;
  for (std::int64_t k = 0; k < ch; ++k) {
    const double mul = scale[k] / std::sqrt(static_cast<double>(var[k]) + eps);
    const double add = bias[k] - mean[k] * mul;
    for (std::int64_t b = 0; b < n; ++b) {
      const std::int64_t base = (b * ch + k) * inner;
      for (std::int64_t i = 0; i < inner; ++i)
        y[base + i] = static_cast<float>(std::max(x[base + i] * mul + add, lo));
    }
  }
}
}  // namespace

std::vector<Entry> activation_kernels() {
  return {{"Relu", "", relu},
          {"Clip", "", clip},
          {"LeakyRelu", "", leaky_relu},
          {"Selu", "", selu},
          {"Sigmoid", "", sigmoid},
          {"Tanh", "", tanh_op},
          {"Softmax", "", softmax},
          {"Identity", "", identity},
          {"Dropout", "", identity},
          {"BatchNormalization", "", batchnorm}};
}

}  // namespace edgeq::runtime::reference
