// Conv, Gemm, MatMul, BatchNormalization, MaxPool, AveragePool, GlobalAveragePool on LibTorch.
#include <limits>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "torch_ops.hpp"

namespace edgeq::train::ops {

namespace {
void expect_4d(const TorchOpCall& c) {
  if (c.inputs[0].dim() != 4)
    throw_input("{}: the LibTorch executor supports 2-D (NCHW) inputs here, got rank {}", c.node.describe(),
                c.inputs[0].dim());
}

/// The fused activation the inference passes may attach to a Conv (attribute edgeq_activation).
at::Tensor fused_activation(const graph::Node& n, at::Tensor y) {
  const std::string act = n.attr_string("edgeq_activation", "");
  if (act.empty()) return y;
  if (act == "Relu") return at::relu(y);
  if (act == "Clip")
    return at::clamp(y, n.attr_float("edgeq_clip_min", -std::numeric_limits<float>::infinity()),
                     n.attr_float("edgeq_clip_max", std::numeric_limits<float>::infinity()));
  throw_input("{}: unknown fused activation '{}'", n.describe(), act);
}

std::vector<at::Tensor> conv(const TorchOpCall& c) {
  expect_4d(c);
  const at::Tensor& x = c.inputs[0];
  const at::Tensor& w = c.inputs[1];
  const at::Tensor b = c.inputs.size() > 2 ? c.inputs[2] : at::Tensor();
  const auto win = graph::resolve_window(c.node, x.size(2), x.size(3), w.size(2), w.size(3));
  at::Tensor in = x;
  std::vector<std::int64_t> padding{win.pad_top, win.pad_left};
  if (win.pad_top != win.pad_bottom || win.pad_left != win.pad_right) {
    in = at::constant_pad_nd(x, {win.pad_left, win.pad_right, win.pad_top, win.pad_bottom}, 0);
    padding = {0, 0};
  }
  const at::Tensor y =
      at::conv2d(in, w, b, {win.sh, win.sw}, padding, {win.dh, win.dw}, c.node.attr_int("group", 1));
  return {fused_activation(c.node, y)};
}

std::vector<at::Tensor> gemm(const TorchOpCall& c) {
  at::Tensor a = c.inputs[0], b = c.inputs[1];
  if (c.node.attr_int("transA", 0) != 0) a = a.t();
  if (c.node.attr_int("transB", 0) != 0) b = b.t();
  const double alpha = c.node.attr_float("alpha", 1.0f), beta = c.node.attr_float("beta", 1.0f);
  const bool has_c = c.inputs.size() > 2 && c.inputs[2].defined();
  if (has_c) return {at::addmm(c.inputs[2], a, b, beta, alpha)};
  at::Tensor y = at::mm(a, b);
  return {alpha == 1.0 ? y : y * alpha};
}

std::vector<at::Tensor> matmul(const TorchOpCall& c) {
  return {at::matmul(c.inputs[0], c.inputs[1])};
}

std::vector<at::Tensor> batchnorm(const TorchOpCall& c) {
  // ONNX: running = momentum * running + (1 - momentum) * batch; LibTorch's momentum is the batch weight.
  const double momentum = 1.0 - c.node.attr_float("momentum", 0.9f);
  return {fused_activation(
      c.node, at::batch_norm(c.inputs[0], c.inputs[1], c.inputs[2], c.inputs[3], c.inputs[4], c.training,
                             momentum, c.node.attr_float("epsilon", 1e-5f), true))};
}

/// The first out_h x out_w outputs (a no-op without autograd cost when the sizes already match).
at::Tensor crop(const at::Tensor& y, const graph::Window2d& w) {
  if (y.size(2) == w.out_h && y.size(3) == w.out_w) return y;
  return y.slice(2, 0, w.out_h).slice(3, 0, w.out_w);
}

/// Pads so that a floor-mode window of the resolved geometry yields exactly out_h x out_w (ceil_mode windows
/// overhanging the input and asymmetric pads become explicit padding).
at::Tensor pad_for_window(const at::Tensor& x, const graph::Window2d& w, double value) {
  const auto need_h = (w.out_h - 1) * w.sh + (w.kh - 1) * w.dh + 1;
  const auto need_w = (w.out_w - 1) * w.sw + (w.kw - 1) * w.dw + 1;
  const auto bottom = std::max<std::int64_t>(need_h - x.size(2) - w.pad_top, 0);
  const auto right = std::max<std::int64_t>(need_w - x.size(3) - w.pad_left, 0);
  if (w.pad_top == 0 && w.pad_left == 0 && bottom == 0 && right == 0) return x;
  return at::constant_pad_nd(x, {w.pad_left, right, w.pad_top, bottom}, value);
}

std::vector<at::Tensor> max_pool(const TorchOpCall& c) {
  expect_4d(c);
  const at::Tensor& x = c.inputs[0];
  const auto w = graph::resolve_window(c.node, x.size(2), x.size(3), 1, 1);
  const at::Tensor in = pad_for_window(x, w, -std::numeric_limits<double>::infinity());
  return {crop(at::max_pool2d(in, {w.kh, w.kw}, {w.sh, w.sw}, {0, 0}, {w.dh, w.dw}, false), w)};
}

std::vector<at::Tensor> average_pool(const TorchOpCall& c) {
  expect_4d(c);
  const at::Tensor& x = c.inputs[0];
  const auto w = graph::resolve_window(c.node, x.size(2), x.size(3), 1, 1);
  if (w.dh != 1 || w.dw != 1) throw_input("{}: dilated AveragePool is not supported here", c.node.describe());
  const bool include_pad = c.node.attr_int("count_include_pad", 0) != 0;
  const bool plain = w.pad_top == w.pad_bottom && w.pad_left == w.pad_right && 2 * w.pad_top <= w.kh &&
                     2 * w.pad_left <= w.kw && c.node.attr_int("ceil_mode", 0) == 0;
  if (plain)
    return {at::avg_pool2d(x, {w.kh, w.kw}, {w.sh, w.sw}, {w.pad_top, w.pad_left}, false, include_pad)};
  // Window sums divided by per-window counts: in-bounds pixels, plus the declared pads if include_pad
  // (never the ceil_mode overhang), as the reference kernel.
  const at::Tensor sums =
      at::avg_pool2d(pad_for_window(x, w, 0.0), {w.kh, w.kw}, {w.sh, w.sw}, {0, 0}, false, true, 1);
  at::Tensor mask = at::ones({1, 1, x.size(2), x.size(3)}, x.options());
  if (include_pad) mask = at::constant_pad_nd(mask, {w.pad_left, w.pad_right, w.pad_top, w.pad_bottom}, 1.0);
  graph::Window2d wm = w;
  if (include_pad) wm.pad_top = wm.pad_left = 0;
  const at::Tensor counts =
      at::avg_pool2d(pad_for_window(mask, wm, 0.0), {w.kh, w.kw}, {w.sh, w.sw}, {0, 0}, false, true, 1);
  return {crop(sums, w) / at::clamp_min(crop(counts, w), 1.0)};
}

std::vector<at::Tensor> global_average_pool(const TorchOpCall& c) {
  std::vector<std::int64_t> dims;
  for (std::int64_t d = 2; d < c.inputs[0].dim(); ++d) dims.push_back(d);
  return {at::mean(c.inputs[0], dims, true)};
}
}  // namespace

std::vector<TorchOpEntry> nn_ops() {
  return {{"Conv", "", conv},
          {"Gemm", "", gemm},
          {"MatMul", "", matmul},
          {"BatchNormalization", "", batchnorm},
          {"MaxPool", "", max_pool},
          {"AveragePool", "", average_pool},
          {"GlobalAveragePool", "", global_average_pool}};
}

}  // namespace edgeq::train::ops
