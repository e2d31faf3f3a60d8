// Unary ops that keep the shape: Relu, Clip (min/max attributes in the IR), LeakyRelu, Selu, Sigmoid, Tanh,
// Softmax (axis; legacy_2d = 1 for opset < 13 coercion), Identity, Dropout (inference: identity),
// BatchNormalization (inference form: X, scale, B, mean, var).
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void same_shape(InferContext& c) {
  c.outputs = {c.inputs[0]};
}

void infer_dropout(InferContext& c) {
  c.outputs = {c.inputs[0]};
  if (c.node.outputs.size() > 1) c.outputs.push_back(ValueInfo{DType::Bool, c.inputs[0].shape});
}

void infer_softmax(InferContext& c) {
  normalize_axis(c.node, c.node.attr_int("axis", -1), static_cast<std::int64_t>(c.inputs[0].shape.size()));
  c.outputs = {c.inputs[0]};
}

void infer_batchnorm(InferContext& c) {
  const auto& x = c.inputs[0].shape;
  if (x.size() < 2) throw_input("{}: input must have a channel axis", c.node.describe());
  for (std::size_t i = 1; i < 5; ++i)
    if (c.inputs[i].shape != Shape{x[1]} && x[1] >= 0)
      throw_input("{}: parameter {} has shape {}, expected [{}]", c.node.describe(), i,
                  core::shape_str(c.inputs[i].shape), x[1]);
  c.outputs = {c.inputs[0]};
}
}  // namespace

std::vector<OpSchema> activation_schemas() {
  return {
      {"Relu", "", 1, 1, same_shape, nullptr},       {"Clip", "", 1, 1, same_shape, nullptr},
      {"LeakyRelu", "", 1, 1, same_shape, nullptr},  {"Selu", "", 1, 1, same_shape, nullptr},
      {"Sigmoid", "", 1, 1, same_shape, nullptr},    {"Tanh", "", 1, 1, same_shape, nullptr},
      {"Softmax", "", 1, 1, infer_softmax, nullptr}, {"Identity", "", 1, 1, same_shape, nullptr},
      {"Dropout", "", 1, 3, infer_dropout, nullptr},
  };
}

std::vector<OpSchema> normalization_schemas() {
  return {{"BatchNormalization", "", 5, 5, infer_batchnorm, nullptr}};
}

}  // namespace edgeq::graph::ops
