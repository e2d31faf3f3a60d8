#include "edgeq/zoo/builder.hpp"

#include <cmath>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"

namespace edgeq::zoo {

GraphBuilder::GraphBuilder(std::string name, std::uint64_t seed) : seed_(seed) {
  g_.name = std::move(name);
  g_.opset = 13;
}

std::string GraphBuilder::input(const std::string& name, core::Shape shape) {
  g_.inputs.push_back(name);
  g_.values[name] = graph::ValueInfo{core::DType::F32, std::move(shape)};
  return name;
}

const core::Shape& GraphBuilder::shape(const std::string& value) const {
  return g_.info(value).shape;
}

Pads GraphBuilder::same_pads(const std::string& x, std::int64_t k, std::int64_t s) const {
  return same_pads(x, k, k, s);
}

Pads GraphBuilder::same_pads(const std::string& x, std::int64_t kh, std::int64_t kw, std::int64_t s) const {
  const auto& sh = shape(x);
  const auto [top, bottom] = graph::same_padding(sh[2], kh, s);
  const auto [left, right] = graph::same_padding(sh[3], kw, s);
  return {top, left, bottom, right};
}

std::string GraphBuilder::conv_bn_relu(const std::string& x, std::int64_t filters,
                                       std::array<std::int64_t, 2> kernel, std::int64_t stride, bool valid,
                                       const std::string& name, float epsilon) {
  const Pads pads = valid ? Pads{0, 0, 0, 0} : same_pads(x, kernel[0], kernel[1], stride);
  const auto y = conv(x, filters, kernel, stride, pads, false, name);
  return relu(batchnorm(y, epsilon, name + "_bn", false), name + "_relu");
}

std::string GraphBuilder::node(const std::string& op, const std::string& name,
                               std::vector<std::string> inputs,
                               std::map<std::string, graph::AttrValue> attrs) {
  graph::Node n;
  n.name = name;
  n.op_type = op;
  n.inputs = std::move(inputs);
  n.outputs = {name};
  n.attrs = std::move(attrs);
  g_.nodes.push_back(n);
  graph::infer_node(g_, g_.nodes.back());
  return name;
}

std::string GraphBuilder::weight(const std::string& name, core::Shape shape, double scale, bool uniform) {
  core::Tensor t(core::DType::F32, std::move(shape));
  core::CounterRng rng(seed_, 7, tensors_++);
  for (auto& v : t.span<float>())
    v = static_cast<float>(uniform ? rng.uniform(-scale, scale) : rng.normal() * scale);
  g_.initializers[name] = t;
  g_.values[name] = graph::ValueInfo{core::DType::F32, t.shape()};
  return name;
}

std::string GraphBuilder::constant(const std::string& name, core::Shape shape, float value, bool parameter) {
  core::Tensor t(core::DType::F32, std::move(shape));
  for (auto& v : t.span<float>()) v = value;
  g_.initializers[name] = t;
  g_.values[name] = graph::ValueInfo{core::DType::F32, t.shape()};
  if (!parameter) g_.non_parameters.insert(name);
  return name;
}

std::string GraphBuilder::conv(const std::string& x, std::int64_t filters, std::array<std::int64_t, 2> k,
                               std::int64_t stride, Pads pads, bool bias, const std::string& name,
                               std::int64_t group) {
  const std::int64_t cin = channels(x) / group;
  const double fan_in = static_cast<double>(cin * k[0] * k[1]);
  std::vector<std::string> in{
      x, weight(name + "/kernel", {filters, cin, k[0], k[1]}, std::sqrt(2.0 / fan_in), false)};
  if (bias) in.push_back(constant(name + "/bias", {filters}, 0.0f));
  std::map<std::string, graph::AttrValue> attrs{
      {"kernel_shape", std::vector<std::int64_t>{k[0], k[1]}},
      {"strides", std::vector<std::int64_t>{stride, stride}},
      {"pads", std::vector<std::int64_t>(pads.begin(), pads.end())}};
  if (group != 1) attrs["group"] = group;
  return node("Conv", name, in, attrs);
}

std::string GraphBuilder::depthwise_conv(const std::string& x, std::int64_t kernel, std::int64_t stride,
                                         Pads pads, const std::string& name) {
  return conv(x, channels(x), {kernel, kernel}, stride, pads, false, name, channels(x));
}

std::string GraphBuilder::batchnorm(const std::string& x, float epsilon, const std::string& name,
                                    bool scale) {
  const std::int64_t c = channels(x);
  return node("BatchNormalization", name,
              {x, constant(name + "/gamma", {c}, 1.0f, scale), constant(name + "/beta", {c}, 0.0f),
               constant(name + "/moving_mean", {c}, 0.0f), constant(name + "/moving_variance", {c}, 1.0f)},
              {{"epsilon", epsilon}});
}

std::string GraphBuilder::relu(const std::string& x, const std::string& name) {
  return node("Relu", name, {x});
}

std::string GraphBuilder::relu6(const std::string& x, const std::string& name) {
  return node("Clip", name, {x}, {{"min", 0.0f}, {"max", 6.0f}});
}

std::string GraphBuilder::zero_pad(const std::string& x, Pads p, const std::string& name) {
  return node("Pad", name, {x},
              {{"pads", std::vector<std::int64_t>{0, 0, p[0], p[1], 0, 0, p[2], p[3]}},
               {"mode", std::string("constant")}});
}

std::string GraphBuilder::max_pool(const std::string& x, std::int64_t k, std::int64_t s, Pads p,
                                   const std::string& name) {
  return node("MaxPool", name, {x},
              {{"kernel_shape", std::vector<std::int64_t>{k, k}},
               {"strides", std::vector<std::int64_t>{s, s}},
               {"pads", std::vector<std::int64_t>(p.begin(), p.end())}});
}

std::string GraphBuilder::avg_pool(const std::string& x, std::int64_t k, std::int64_t s, Pads p,
                                   const std::string& name) {
  // Keras/TensorFlow average pooling excludes padding from the count.
  return node("AveragePool", name, {x},
              {{"kernel_shape", std::vector<std::int64_t>{k, k}},
               {"strides", std::vector<std::int64_t>{s, s}},
               {"pads", std::vector<std::int64_t>(p.begin(), p.end())},
               {"count_include_pad", std::int64_t{0}}});
}

std::string GraphBuilder::global_avg_pool(const std::string& x, const std::string& name) {
  return node("GlobalAveragePool", name, {x});
}

std::string GraphBuilder::add(const std::string& a, const std::string& b, const std::string& name) {
  return node("Add", name, {a, b});
}

std::string GraphBuilder::concat(const std::vector<std::string>& xs, const std::string& name) {
  return node("Concat", name, xs, {{"axis", std::int64_t{1}}});
}

std::string GraphBuilder::flatten(const std::string& x, const std::string& name) {
  return node("Flatten", name, {x}, {{"axis", std::int64_t{1}}});
}

std::string GraphBuilder::dense(const std::string& x, std::int64_t units, const std::string& name) {
  const std::int64_t in = shape(x).back();
  const double limit = std::sqrt(6.0 / static_cast<double>(in + units));  // Glorot uniform
  return node(
      "Gemm", name,
      {x, weight(name + "/kernel", {units, in}, limit, true), constant(name + "/bias", {units}, 0.0f)},
      {{"transB", std::int64_t{1}}});
}

std::string GraphBuilder::softmax(const std::string& x, const std::string& name) {
  return node("Softmax", name, {x}, {{"axis", std::int64_t{-1}}});
}

std::string GraphBuilder::classifier(const std::string& x, std::int64_t classes) {
  const auto pooled = flatten(global_avg_pool(x, "avg_pool"), "avg_pool/flatten");
  return softmax(dense(pooled, classes, "predictions"), "predictions/softmax");
}

graph::Graph GraphBuilder::finish(const std::vector<std::string>& outputs) {
  g_.outputs = outputs;
  g_.topological_sort();
  g_.infer_shapes();
  return g_;
}

}  // namespace edgeq::zoo
