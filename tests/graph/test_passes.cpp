// Graph passes preserve the computed function (reference kernels before and after, float tolerance).
#include <gtest/gtest.h>

#include <cmath>

#include "edgeq/core/rng.hpp"
#include "edgeq/graph/onnx_io.hpp"
#include "edgeq/graph/passes.hpp"
#include "edgeq/runtime/constant_folding.hpp"
#include "edgeq/runtime/executor.hpp"
#include "edgeq/runtime/tolerance.hpp"
#include "edgeq/zoo/zoo.hpp"

using namespace edgeq;

namespace {
/// Gives every BatchNormalization non-trivial statistics so folding has something to do.
void randomise_batchnorms(graph::Graph& g, std::uint64_t seed) {
  core::CounterRng rng(seed, 0, 0);
  for (const auto& n : g.nodes) {
    if (n.op_type != "BatchNormalization") continue;
    for (std::size_t i = 1; i < 5; ++i) {
      if (g.non_parameters.count(n.inputs[i])) continue;  // keep constant unit scales
      for (auto& v : g.initializers.at(n.inputs[i]).span<float>())
        v = static_cast<float>(i == 4 ? rng.uniform(0.5, 2.0) : rng.normal(i == 1 ? 1.0 : 0.0, 0.3));
    }
  }
}
}  // namespace

TEST(Passes, FoldBatchnormPreservesOutputs) {
  for (const auto& name : {"nunet_s", "mobilenetv2", "jet_mlp"}) {
    SCOPED_TRACE(name);
    zoo::ZooOptions o;
    if (std::string(name) == "mobilenetv2") o.input = {3, 48, 48};
    graph::Graph g = zoo::build(name, o);
    randomise_batchnorms(g, 3);
    graph::Graph folded = g;
    const int removed = graph::fold_batchnorm(folded);
    int bns = 0;
    for (const auto& n : g.nodes) bns += n.op_type == "BatchNormalization";
    EXPECT_EQ(removed, bns);  // every BN in these models follows a Conv or Gemm
    for (const auto& n : folded.nodes) EXPECT_NE(n.op_type, "BatchNormalization");
    core::Shape shape = g.info(g.inputs[0]).shape;
    shape[0] = 2;
    core::Tensor x(core::DType::F32, shape);
    core::CounterRng rng(9, 0, 0);
    for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform());
    // Remove the softmax from the comparison by reading the logits (the Gemm before it).
    const auto logits = [](graph::Graph gg) {
      gg.outputs = {gg.nodes[gg.nodes.size() - 2].outputs[0]};
      gg.nodes.pop_back();
      return gg;
    };
    runtime::Executor a(logits(g), {1, runtime::Backend::Reference}),
        b(logits(folded), {1, runtime::Backend::Reference});
    const auto ya = a.run({x})[0], yb = b.run({x})[0];
    for (std::int64_t i = 0; i < ya.numel(); ++i) {
      const double ra = ya.span<float>()[static_cast<std::size_t>(i)],
                   rb = yb.span<float>()[static_cast<std::size_t>(i)];
      EXPECT_NEAR(rb, ra, runtime::kRewriteRelTolerance * std::max(1.0, std::abs(ra))) << i;
    }
  }
}

TEST(Passes, FoldSkipsSharedOrNonConstantProducers) {
  zoo::ZooOptions o;
  graph::Graph g = zoo::build("nunet_s", o);
  // Make the stem conv output also a graph output: the BN is no longer its only reader.
  g.outputs.push_back(g.nodes[0].outputs[0]);
  const int removed = graph::fold_batchnorm(g);
  int bns = 0;
  for (const auto& n : g.nodes) bns += n.op_type == "BatchNormalization";
  EXPECT_EQ(bns, 1);
  EXPECT_EQ(removed, 3);
}

// A converter-style graph that transposes its weights at run time: folding makes them constant, so the fast
// backend runs the convolution on oneDNN, and the result equals the unfolded reference.
TEST(Passes, ConstantFoldingMakesWeightsConstant) {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {1, 4, 8, 8}};
  core::Tensor w_hwio(core::DType::F32,
                      {3, 3, 4, 6});  // Keras kernel layout, transposed to OIHW in the graph
  core::CounterRng rng(4, 0, 0);
  for (auto& v : w_hwio.span<float>()) v = static_cast<float>(rng.normal());
  g.initializers["w_hwio"] = w_hwio;
  g.nodes.push_back(
      {"t", "Transpose", "", {"w_hwio"}, {"w"}, {{"perm", std::vector<std::int64_t>{3, 2, 0, 1}}}});
  g.nodes.push_back(
      {"conv", "Conv", "", {"x", "w"}, {"y"}, {{"pads", std::vector<std::int64_t>{1, 1, 1, 1}}}});
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  graph::Graph folded = g;
  EXPECT_EQ(runtime::fold_constants(folded), 1);
  ASSERT_EQ(folded.nodes.size(), 1u);
  EXPECT_EQ(folded.initializers.at("w").shape(), (core::Shape{6, 4, 3, 3}));
  EXPECT_FALSE(folded.is_initializer("w_hwio"));
  core::Tensor x(core::DType::F32, {1, 4, 8, 8});
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform());
  runtime::Executor ref(g, {1, runtime::Backend::Reference}), fast(g, {1, runtime::Backend::Auto});
  const auto yr = ref.run({x})[0], yf = fast.run({x})[0];
  if (runtime::fast_kernels_available()) {
    EXPECT_EQ(fast.kernel_backends(), std::vector<std::string>{"onednn"});
  }
  // sum |x_i w_i| per output: the same graph on absolute values.
  graph::Graph abs_g = g;
  for (auto& v : abs_g.initializers.at("w_hwio").span<float>()) v = std::abs(v);
  core::Tensor abs_x = x.clone();
  for (auto& v : abs_x.span<float>()) v = std::abs(v);
  const auto bound = runtime::Executor(abs_g, {1, runtime::Backend::Reference}).run({abs_x})[0];
  for (std::int64_t i = 0; i < yr.numel(); ++i) {
    const auto u = static_cast<std::size_t>(i);
    EXPECT_LE(std::abs(yf.span<float>()[u] - yr.span<float>()[u]),
              runtime::dot_tolerance(4 * 9, bound.span<float>()[u], std::abs(yr.span<float>()[u])));
  }
}

// Keras' ZeroPadding2D before a strided convolution folds into the convolution's pads; a zero Pad before a
// MaxPool does not (zero is not max-pool padding). The reference sums the same products either way.
TEST(Passes, FusePadIntoConvPreservesOutputs) {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {1, 8, 9, 9}};
  core::Tensor w(core::DType::F32, {4, 8, 3, 3});
  core::CounterRng rng(3, 0, 0);
  for (auto& v : w.span<float>()) v = static_cast<float>(rng.normal());
  g.initializers["w"] = w;
  const graph::AttrValue pads = std::vector<std::int64_t>{0, 0, 1, 0, 0, 0, 2, 1};
  g.nodes.push_back({"pad1", "Pad", "", {"x"}, {"p1"}, {{"pads", pads}}});
  g.nodes.push_back(
      {"conv",
       "Conv",
       "",
       {"p1", "w"},
       {"c"},
       {{"strides", std::vector<std::int64_t>{2, 2}}, {"pads", std::vector<std::int64_t>{1, 1, 0, 0}}}});
  g.nodes.push_back({"pad2", "Pad", "", {"c"}, {"p2"}, {{"pads", pads}}});
  g.nodes.push_back(
      {"pool", "MaxPool", "", {"p2"}, {"y"}, {{"kernel_shape", std::vector<std::int64_t>{2, 2}}}});
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  graph::Graph fused = g;
  EXPECT_EQ(graph::fuse_pad_into_conv(fused), 1);
  ASSERT_EQ(fused.nodes.size(), 3u);
  EXPECT_EQ(fused.nodes[0].attr_ints("pads"), (std::vector<std::int64_t>{2, 1, 2, 1}));
  core::Tensor x(core::DType::F32, {1, 8, 9, 9});
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform() - 0.5);
  runtime::Executor a(g, {1, runtime::Backend::Reference}), b(fused, {1, runtime::Backend::Reference});
  const auto ya = a.run({x})[0], yb = b.run({x})[0];
  ASSERT_EQ(ya.shape(), yb.shape());
  for (std::size_t i = 0; i < static_cast<std::size_t>(ya.numel()); ++i) {
    const double r = ya.span<float>()[i];
    EXPECT_NEAR(yb.span<float>()[i], r, runtime::kRewriteRelTolerance * std::max(1.0, std::abs(r)));
  }
}

// Keras' ZeroPadding2D before MaxPooling2D (ResNet, DenseNet) folds into the MaxPool as zero padding
// (edgeq_pad_zero); max is exact, so the reference and the fast backend give the unfused graph's outputs
// bit for bit, on inputs of both signs (a zero wins where the window's taps are negative). ONNX export
// writes the Pad back.
TEST(Passes, FusePadIntoMaxpoolPreservesOutputsExactly) {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {1, 16, 11, 11}};
  g.nodes.push_back(
      {"pad", "Pad", "", {"x"}, {"p"}, {{"pads", std::vector<std::int64_t>{0, 0, 1, 0, 0, 0, 1, 2}}}});
  g.nodes.push_back(
      {"pool",
       "MaxPool",
       "",
       {"p"},
       {"y"},
       {{"kernel_shape", std::vector<std::int64_t>{3, 3}}, {"strides", std::vector<std::int64_t>{2, 2}}}});
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  graph::Graph fused = g;
  EXPECT_EQ(graph::fuse_pad_into_maxpool(fused), 1);
  ASSERT_EQ(fused.nodes.size(), 1u);
  EXPECT_EQ(fused.nodes[0].attr_ints("pads"), (std::vector<std::int64_t>{1, 0, 1, 2}));
  EXPECT_EQ(fused.nodes[0].attr_int("edgeq_pad_zero", 0), 1);
  graph::Graph with_own_pads = g;  // a MaxPool with its own (-inf) padding is left alone
  with_own_pads.nodes[1].attrs["pads"] = std::vector<std::int64_t>{1, 1, 1, 1};
  with_own_pads.infer_shapes();
  EXPECT_EQ(graph::fuse_pad_into_maxpool(with_own_pads), 0);

  core::Tensor x(core::DType::F32, {1, 16, 11, 11});
  core::CounterRng rng(4, 0, 0);
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform() - 0.7);
  const graph::Graph exported = graph::parse_onnx(graph::serialize_onnx(fused), "round trip");
  EXPECT_EQ(exported.nodes.size(), 2u);
  const core::Tensor want = runtime::Executor(g, {1, runtime::Backend::Reference}).run({x})[0];
  for (const graph::Graph* candidate : {static_cast<const graph::Graph*>(&fused), &exported})
    for (const auto backend : {runtime::Backend::Reference, runtime::Backend::Auto}) {
      const core::Tensor got = runtime::Executor(*candidate, {2, backend}).run({x})[0];
      ASSERT_EQ(got.shape(), want.shape());
      for (std::size_t i = 0; i < static_cast<std::size_t>(want.numel()); ++i)
        ASSERT_EQ(got.span<float>()[i], want.span<float>()[i]) << i;
    }
}

// DenseNet's BN-ReLU pairs fuse into the BatchNormalization; the reference result is unchanged (the fused
// kernel clamps the same double value before rounding: max(fl(v), 0) = fl(max(v, 0))).
TEST(Passes, FuseReluIntoBatchnormPreservesOutputs) {
  zoo::ZooOptions o;
  o.input = {3, 40, 40};
  const graph::Graph g = zoo::build("densenet169", o);
  graph::Graph fused = g;
  EXPECT_GT(graph::fuse_activations(fused), 80);
  int bn_relu = 0;
  for (const auto& n : fused.nodes) bn_relu += n.op_type == "BatchNormalization" && n.has("edgeq_activation");
  EXPECT_GT(bn_relu, 80);
  core::Tensor x(core::DType::F32, {1, 3, 40, 40});
  core::CounterRng rng(5, 0, 0);
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform());
  runtime::Executor a(g, {1, runtime::Backend::Reference}), b(fused, {1, runtime::Backend::Reference});
  const auto ya = a.run({x})[0], yb = b.run({x})[0];
  for (std::size_t i = 0; i < static_cast<std::size_t>(ya.numel()); ++i)
    EXPECT_EQ(yb.span<float>()[i], ya.span<float>()[i]) << i;
}

// ResNet's shortcut sums fuse into the convolution producing one operand (then Add + Relu fuse too). Cases:
// an intermediate residual (blocked in the fast backend) with a Relu after the sum, and the graph input as
// residual into a graph output (NCHW on both sides). Checked: the rewrite on the reference, the fast kernels
// on the original graph, and the ONNX export of the fused graph (Conv + Add + Relu again).
TEST(Passes, FuseResidualAddPreservesOutputs) {
  graph::Graph g;
  g.inputs = {"x"};
  g.values["x"] = {core::DType::F32, {1, 8, 10, 10}};
  core::CounterRng rng(5, 0, 0);
  const auto weights = [&](core::Shape s) {
    core::Tensor t(core::DType::F32, s);
    for (auto& v : t.span<float>()) v = static_cast<float>(rng.normal() * 0.3);
    return t;
  };
  g.initializers["w1"] = weights({8, 8, 3, 3});
  g.initializers["b1"] = weights({8});
  g.initializers["w2"] = weights({8, 8, 1, 1});
  g.initializers["w3"] = weights({8, 8, 3, 3});
  const graph::AttrValue pad1 = std::vector<std::int64_t>{1, 1, 1, 1};
  g.nodes.push_back({"conv1", "Conv", "", {"x", "w1", "b1"}, {"a"}, {{"pads", pad1}}});
  g.nodes.push_back({"conv2", "Conv", "", {"a", "w2"}, {"c"}, {}});
  g.nodes.push_back({"add1", "Add", "", {"c", "a"}, {"s"}, {}});
  g.nodes.push_back({"relu1", "Relu", "", {"s"}, {"t"}, {}});
  g.nodes.push_back({"conv3", "Conv", "", {"t", "w3"}, {"d"}, {{"pads", pad1}}});
  g.nodes.push_back({"add2", "Add", "", {"x", "d"}, {"y"}, {}});
  g.outputs = {"y"};
  g.topological_sort();
  g.infer_shapes();
  graph::Graph fused = g;
  EXPECT_EQ(graph::fuse_residual_add(fused), 2);
  EXPECT_EQ(graph::fuse_activations(fused), 1);  // the Relu after the first sum joins conv2
  ASSERT_EQ(fused.nodes.size(), 3u);
  EXPECT_EQ(fused.nodes[1].inputs.back(), "a");
  EXPECT_EQ(fused.nodes[2].inputs.back(), "x");
  core::Tensor x(core::DType::F32, {1, 8, 10, 10});
  for (auto& v : x.span<float>()) v = static_cast<float>(rng.uniform() - 0.5);
  runtime::Executor ref(g, {1, runtime::Backend::Reference}),
      ref_fused(fused, {1, runtime::Backend::Reference});
  runtime::Executor fast(g, {2, runtime::Backend::Auto});
  const graph::Graph reloaded = graph::parse_onnx(graph::serialize_onnx(fused), "fused");
  EXPECT_EQ(reloaded.nodes.size(), 6u);  // Conv, Conv, Add, Relu, Conv, Add
  runtime::Executor ref_reloaded(reloaded, {1, runtime::Backend::Reference});
  const auto y = ref.run({x})[0];
  for (auto* other : {&ref_fused, &fast, &ref_reloaded}) {
    const auto yo = other->run({x})[0];
    for (std::size_t i = 0; i < static_cast<std::size_t>(y.numel()); ++i) {
      const double r = y.span<float>()[i];
      ASSERT_NEAR(yo.span<float>()[i], r, runtime::kRewriteRelTolerance * std::max(1.0, std::abs(r))) << i;
    }
  }
  if (runtime::fast_kernels_available()) {
    EXPECT_EQ(fast.kernel_backends(), (std::vector<std::string>{"onednn", "onednn", "onednn"}));
  }
}
