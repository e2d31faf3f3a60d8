// Graph builder used by the zoo: appends nodes with fresh names, initialises weights from a seed and keeps
// shapes inferred as it goes (so builders can query channel counts and spatial sizes).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "edgeq/core/rng.hpp"
#include "edgeq/graph/ir.hpp"

namespace edgeq::zoo {

using Pads = std::array<std::int64_t, 4>;  ///< top, left, bottom, right

class GraphBuilder {
 public:
  GraphBuilder(std::string name, std::uint64_t seed);

  std::string input(const std::string& name, core::Shape shape);
  const core::Shape& shape(const std::string& value) const;
  std::int64_t channels(const std::string& value) const { return shape(value)[1]; }

  /// TensorFlow "same" padding (extra pixel at the end) for a k x k window with stride s on value x.
  Pads same_pads(const std::string& x, std::int64_t k, std::int64_t s) const;
  Pads same_pads(const std::string& x, std::int64_t kh, std::int64_t kw, std::int64_t s) const;

  std::string conv(const std::string& x, std::int64_t filters, std::array<std::int64_t, 2> kernel,
                   std::int64_t stride, Pads pads, bool bias, const std::string& name,
                   std::int64_t group = 1);
  std::string depthwise_conv(const std::string& x, std::int64_t kernel, std::int64_t stride, Pads pads,
                             const std::string& name);
  /// Convolution without bias, BatchNormalization without scale, ReLU (Keras Inception's conv2d_bn, TF-slim's
  /// conv + batch_norm): TensorFlow "same" padding unless `valid`; nodes `name`, `name`_bn, `name`_relu.
  std::string conv_bn_relu(const std::string& x, std::int64_t filters, std::array<std::int64_t, 2> kernel,
                           std::int64_t stride, bool valid, const std::string& name, float epsilon);
  /// Inference BatchNormalization with identity statistics; scale=false makes the scale a fixed constant
  /// (Keras scale=False), not a parameter.
  std::string batchnorm(const std::string& x, float epsilon, const std::string& name, bool scale = true);
  std::string relu(const std::string& x, const std::string& name);
  std::string relu6(const std::string& x, const std::string& name);
  std::string zero_pad(const std::string& x, Pads pads, const std::string& name);
  std::string max_pool(const std::string& x, std::int64_t k, std::int64_t s, Pads pads,
                       const std::string& name);
  std::string avg_pool(const std::string& x, std::int64_t k, std::int64_t s, Pads pads,
                       const std::string& name);
  std::string global_avg_pool(const std::string& x, const std::string& name);
  std::string add(const std::string& a, const std::string& b, const std::string& name);
  std::string concat(const std::vector<std::string>& xs, const std::string& name);
  std::string flatten(const std::string& x, const std::string& name);
  /// Dense layer as Gemm(x, W^T) + b with W [units, in] (transB = 1).
  std::string dense(const std::string& x, std::int64_t units, const std::string& name);
  std::string softmax(const std::string& x, const std::string& name);

  /// Classification head shared by the Keras applications: GAP, flatten, dense, softmax.
  std::string classifier(const std::string& x, std::int64_t classes);
  graph::Graph finish(const std::vector<std::string>& outputs);

 private:
  std::string node(const std::string& op, const std::string& name, std::vector<std::string> inputs,
                   std::map<std::string, graph::AttrValue> attrs = {});
  std::string weight(const std::string& name, core::Shape shape, double stddev_or_limit, bool uniform);
  std::string constant(const std::string& name, core::Shape shape, float value, bool parameter = true);

  graph::Graph g_;
  std::uint64_t seed_;
  std::uint64_t tensors_ = 0;
};

}  // namespace edgeq::zoo
