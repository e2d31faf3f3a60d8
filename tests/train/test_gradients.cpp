// Every op of the LibTorch training executor: (1) its forward pass in float64 equals the reference runtime
// kernel within runtime::float32_result_tolerance, and (2) its backward pass (autograd) equals central finite
// differences in float64 (Quant/BipolarQuant: the documented straight-through estimators instead).
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <limits>

#include "edgeq/graph/op_registry.hpp"
#include "edgeq/train/torch_model.hpp"
#include "runtime/op_test_util.hpp"

namespace edgeq::train {
namespace {

using graph::AttrValue;
using Attrs = std::map<std::string, AttrValue>;

struct OpCase {
  std::string name, op;
  core::Shape x;
  Attrs attrs;
  std::vector<core::Tensor> consts;
  bool training = false;
};

void PrintTo(const OpCase& c, std::ostream* os) {
  *os << c.name;
}

core::Tensor positive(core::Shape s, std::uint64_t seed) {
  auto t = test::random_tensor(std::move(s), seed);
  for (auto& v : t.span<float>()) v = 0.5f + std::abs(v);
  return t;
}

core::Tensor ints(std::vector<std::int64_t> v) {
  return core::Tensor::from<std::int64_t>({static_cast<std::int64_t>(v.size())}, v);
}

std::vector<OpCase> cases() {
  using test::random_tensor;
  const auto w = random_tensor({4, 3, 3, 3}, 2), b = random_tensor({4}, 3);
  std::vector<OpCase> c = {
      {"conv", "Conv", {2, 3, 7, 6}, {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}, {w, b}},
      {"conv_same_upper_s2",
       "Conv",
       {2, 3, 8, 7},
       {{"auto_pad", std::string("SAME_UPPER")}, {"strides", std::vector<std::int64_t>{2, 2}}},
       {w}},
      {"conv_dilated", "Conv", {1, 3, 9, 9}, {{"dilations", std::vector<std::int64_t>{2, 2}}}, {w, b}},
      {"conv_depthwise",
       "Conv",
       {2, 4, 6, 6},
       {{"group", std::int64_t{4}}, {"pads", std::vector<std::int64_t>{0, 1, 2, 1}}},
       {random_tensor({4, 1, 3, 3}, 4)}},
      {"gemm",
       "Gemm",
       {3, 5},
       {{"transB", std::int64_t{1}}, {"alpha", 0.5f}, {"beta", 2.0f}},
       {random_tensor({4, 5}, 5), random_tensor({4}, 6)}},
      {"gemm_no_c", "Gemm", {3, 5}, {}, {random_tensor({5, 2}, 7)}},
      {"matmul", "MatMul", {2, 3, 5}, {}, {random_tensor({5, 4}, 8)}},
      {"batchnorm",
       "BatchNormalization",
       {2, 3, 4, 4},
       {{"epsilon", 1e-3f}},
       {random_tensor({3}, 9), random_tensor({3}, 10), random_tensor({3}, 11), positive({3}, 12)}},
      {"batchnorm_training",
       "BatchNormalization",
       {4, 3, 3, 3},
       {{"momentum", 0.99f}},
       {random_tensor({3}, 9), random_tensor({3}, 10), random_tensor({3}, 11), positive({3}, 12)},
       true},
      {"relu", "Relu", {2, 3, 4}, {}, {}},
      {"clip", "Clip", {2, 3, 4}, {{"min", -0.5f}, {"max", 0.7f}}, {}},
      {"leaky_relu", "LeakyRelu", {2, 3, 4}, {{"alpha", 0.2f}}, {}},
      {"selu", "Selu", {2, 3, 4}, {}, {}},
      {"sigmoid", "Sigmoid", {2, 3, 4}, {}, {}},
      {"tanh", "Tanh", {2, 3, 4}, {}, {}},
      {"softmax", "Softmax", {3, 5}, {{"axis", std::int64_t{1}}}, {}},
      {"softmax_legacy",
       "Softmax",
       {2, 3, 4},
       {{"axis", std::int64_t{1}}, {"legacy_2d", std::int64_t{1}}},
       {}},
      {"maxpool",
       "MaxPool",
       {2, 2, 7, 7},
       {{"kernel_shape", std::vector<std::int64_t>{3, 3}},
        {"strides", std::vector<std::int64_t>{2, 2}},
        {"pads", std::vector<std::int64_t>{1, 1, 1, 1}}},
       {}},
      {"maxpool_ceil",
       "MaxPool",
       {1, 2, 6, 6},
       {{"kernel_shape", std::vector<std::int64_t>{3, 3}},
        {"strides", std::vector<std::int64_t>{2, 2}},
        {"ceil_mode", std::int64_t{1}}},
       {}},
      {"avgpool",
       "AveragePool",
       {2, 2, 6, 6},
       {{"kernel_shape", std::vector<std::int64_t>{2, 2}}, {"strides", std::vector<std::int64_t>{2, 2}}},
       {}},
      {"avgpool_same_exclude_pad",
       "AveragePool",
       {1, 2, 7, 6},
       {{"kernel_shape", std::vector<std::int64_t>{3, 3}},
        {"strides", std::vector<std::int64_t>{2, 2}},
        {"auto_pad", std::string("SAME_UPPER")}},
       {}},
      {"avgpool_include_pad_ceil",
       "AveragePool",
       {1, 2, 6, 6},
       {{"kernel_shape", std::vector<std::int64_t>{3, 3}},
        {"strides", std::vector<std::int64_t>{2, 2}},
        {"pads", std::vector<std::int64_t>{1, 0, 0, 1}},
        {"count_include_pad", std::int64_t{1}},
        {"ceil_mode", std::int64_t{1}}},
       {}},
      {"global_avgpool", "GlobalAveragePool", {2, 3, 4, 5}, {}, {}},
      {"add_broadcast", "Add", {2, 3, 4}, {}, {random_tensor({3, 1}, 13)}},
      {"mul_broadcast", "Mul", {2, 3, 4}, {}, {random_tensor({4}, 14)}},
      {"concat", "Concat", {2, 3, 2}, {{"axis", std::int64_t{1}}}, {random_tensor({2, 2, 2}, 15)}},
      {"flatten", "Flatten", {2, 3, 2, 2}, {{"axis", std::int64_t{2}}}, {}},
      {"reshape", "Reshape", {2, 3, 4}, {}, {ints({0, -1, 2})}},
      {"transpose", "Transpose", {2, 3, 4}, {{"perm", std::vector<std::int64_t>{2, 0, 1}}}, {}},
      {"squeeze", "Squeeze", {2, 1, 4}, {{"axes", std::vector<std::int64_t>{1}}}, {}},
      {"unsqueeze", "Unsqueeze", {2, 4}, {{"axes", std::vector<std::int64_t>{0, 3}}}, {}},
      {"pad_constant",
       "Pad",
       {1, 2, 3, 3},
       {{"pads", std::vector<std::int64_t>{0, 0, 1, 2, 0, 0, 2, 0}}, {"value", 0.5f}},
       {}},
      {"pad_reflect",
       "Pad",
       {1, 2, 4, 4},
       {{"pads", std::vector<std::int64_t>{0, 0, 2, 1, 0, 0, 1, 3}}, {"mode", std::string("reflect")}},
       {}},
      {"pad_edge",
       "Pad",
       {1, 2, 3, 3},
       {{"pads", std::vector<std::int64_t>{0, 0, 1, 2, 0, 0, 2, 1}}, {"mode", std::string("edge")}},
       {}},
      {"resize_nearest",
       "Resize",
       {1, 2, 3, 4},
       {{"scales", std::vector<float>{1, 1, 2, 1.5f}}, {"mode", std::string("nearest")}},
       {}},
      {"resize_linear",
       "Resize",
       {1, 2, 3, 4},
       {{"sizes", std::vector<std::int64_t>{1, 2, 5, 7}},
        {"mode", std::string("linear")},
        {"coordinate_transformation_mode", std::string("align_corners")}},
       {}},
      {"resize_linear_half_pixel",
       "Resize",
       {1, 1, 4, 4},
       {{"scales", std::vector<float>{1, 1, 2, 2}}, {"mode", std::string("linear")}},
       {}},
      {"identity", "Identity", {2, 3}, {}, {}},
      {"dropout_inference", "Dropout", {2, 3}, {}, {}},
      {"dropout_training", "Dropout", {4, 8}, {{"ratio", 0.3f}}, {}, true},
  };
  return c;
}

graph::Graph graph_of(const OpCase& c) {
  return test::one_node(c.op, c.x, c.attrs, c.consts);
}

/// A scalar function of the output: sum(y * r) for a fixed random r.
double objective(TorchModel& m, const at::Tensor& x, const at::Tensor& r, bool training) {
  if (training) at::manual_seed(99);  // the same dropout mask for every evaluation
  return (m.forward({x})[0] * r).sum().item<double>();
}

class OpGradient : public ::testing::TestWithParam<OpCase> {};

TEST_P(OpGradient, ForwardMatchesReferenceKernel) {
  const OpCase& c = GetParam();
  if (c.training) GTEST_SKIP() << "training-mode semantics have no reference kernel";
  const auto g = graph_of(c);
  const auto x = test::random_tensor(c.x, 1);
  const auto ref = test::run_on(g, x, runtime::Backend::Reference);
  TorchModel m(g, {at::kCPU, at::kDouble});
  const at::Tensor y = m.forward({to_aten(x)})[0].contiguous();
  ASSERT_EQ(core::Shape(y.sizes().begin(), y.sizes().end()), ref.shape()) << c.name;
  double ymax = 0;
  for (float v : ref.span<float>()) ymax = std::max(ymax, std::abs(static_cast<double>(v)));
  const double* yp = y.data_ptr<double>();
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    const double r = ref.span<float>()[static_cast<std::size_t>(i)];
    ASSERT_LE(std::abs(yp[i] - r), runtime::float32_result_tolerance(r, ymax)) << c.name << " element " << i;
  }
}

TEST_P(OpGradient, BackwardMatchesFiniteDifferences) {
  const OpCase& c = GetParam();
  TorchModel m(graph_of(c), {at::kCPU, at::kDouble});
  m.set_training(c.training);
  at::Tensor x = to_aten(test::random_tensor(c.x, 1)).to(at::kDouble).set_requires_grad(true);
  at::manual_seed(5);
  const at::Tensor probe = m.forward({x})[0];
  const at::Tensor r = at::randn(probe.sizes(), at::TensorOptions().dtype(at::kDouble));
  if (c.training) at::manual_seed(99);
  (m.forward({x})[0] * r).sum().backward();
  std::vector<std::pair<std::string, at::Tensor>> checked{{"x", x}};
  for (std::size_t i = 0; i < m.parameters().size(); ++i)
    checked.emplace_back(m.parameter_names()[i], m.parameters()[i]);
  const double eps = 1e-6;
  for (auto& [name, t] : checked) {
    ASSERT_TRUE(t.grad().defined()) << c.name << ": no gradient for " << name;
    const at::Tensor grad = t.grad().clone();
    at::Tensor flat = t.detach().view({-1});
    const std::int64_t n = flat.numel();
    for (std::int64_t i = 0; i < n; i += std::max<std::int64_t>(1, n / 40)) {
      const double orig = flat[i].item<double>();
      double plus, minus;
      {
        const at::NoGradGuard no_grad;
        flat[i] = orig + eps;
        plus = objective(m, x, r, c.training);
        flat[i] = orig - eps;
        minus = objective(m, x, r, c.training);
        flat[i] = orig;
      }
      const double fd = (plus - minus) / (2 * eps);
      const double ad = grad.view({-1})[i].item<double>();
      EXPECT_NEAR(ad, fd, 1e-6 + 1e-5 * std::abs(fd)) << c.name << ": d/d" << name << "[" << i << "]";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpGradient, ::testing::ValuesIn(cases()),
                         [](const auto& param_info) { return param_info.param.name; });

/// One QONNX node y = op(x, scalars...) with x of shape [n].
graph::Graph qonnx_node(const std::string& op, std::int64_t n, const std::vector<float>& scalars) {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {n}};
  graph::Node node{"q", op, graph::kQonnxDomain, {"x"}, {"y"}, {{"signed", std::int64_t{1}}}};
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    const std::string name = fmt::format("s{}", i);
    g.initializers[name] = core::Tensor::from<float>({}, std::vector<float>{scalars[i]});
    node.inputs.push_back(name);
  }
  g.nodes.push_back(node);
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  return g;
}

TEST(QuantGradient, StraightThroughInsideTheRangeZeroOutside) {
  // Quant(x, scale 0.25, zero point 0, 4 bits signed): representable [-2, 1.75].
  TorchModel m(qonnx_node("Quant", 8, {0.25f, 0.0f, 4.0f}), {at::kCPU, at::kDouble});
  const std::vector<double> xs{-3.0, -2.0, -1.1, 0.1, 0.3, 1.7, 1.75, 2.5};
  at::Tensor x = at::tensor(xs, at::TensorOptions().dtype(at::kDouble)).set_requires_grad(true);
  const at::Tensor y = m.forward({x})[0];
  y.sum().backward();
  const std::vector<double> want_y{-2.0, -2.0, -1.0, 0.0, 0.25, 1.75, 1.75, 1.75};
  const std::vector<double> want_g{0, 1, 1, 1, 1, 1, 1, 0};
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_DOUBLE_EQ(y[static_cast<std::int64_t>(i)].item<double>(), want_y[i]) << xs[i];
    EXPECT_DOUBLE_EQ(x.grad()[static_cast<std::int64_t>(i)].item<double>(), want_g[i]) << xs[i];
  }
}

TEST(QuantGradient, BipolarHardTanhEstimator) {
  TorchModel m(qonnx_node("BipolarQuant", 4, {0.5f}), {at::kCPU, at::kDouble});
  at::Tensor x = at::tensor(std::vector<double>{-0.7, -0.2, 0.0, 0.6}, at::TensorOptions().dtype(at::kDouble))
                     .set_requires_grad(true);
  const at::Tensor y = m.forward({x})[0];
  y.sum().backward();
  const std::vector<double> want_y{-0.5, -0.5, 0.5, 0.5}, want_g{0, 1, 1, 0};
  for (std::int64_t i = 0; i < 4; ++i) {
    EXPECT_DOUBLE_EQ(y[i].item<double>(), want_y[static_cast<std::size_t>(i)]);
    EXPECT_DOUBLE_EQ(x.grad()[i].item<double>(), want_g[static_cast<std::size_t>(i)]);
  }
}

}  // namespace
}  // namespace edgeq::train
