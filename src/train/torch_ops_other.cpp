// Activations, Add/Mul/Concat, shape ops, Pad, Resize, Dropout and QONNX Quant/BipolarQuant on LibTorch.
// Quant and BipolarQuant use straight-through estimators for their gradient (documented in torch_model.hpp).
#include <limits>
#include <map>

#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "torch_ops.hpp"

namespace edgeq::train::ops {

namespace {
std::int64_t axis_of(const TorchOpCall& c, std::int64_t axis, std::int64_t rank) {
  return graph::normalize_axis(c.node, axis, rank);
}

std::vector<at::Tensor> relu(const TorchOpCall& c) {
  return {at::relu(c.inputs[0])};
}
std::vector<at::Tensor> clip(const TorchOpCall& c) {
  return {at::clamp(c.inputs[0], c.node.attr_float("min", -std::numeric_limits<float>::infinity()),
                    c.node.attr_float("max", std::numeric_limits<float>::infinity()))};
}
std::vector<at::Tensor> leaky_relu(const TorchOpCall& c) {
  return {at::leaky_relu(c.inputs[0], c.node.attr_float("alpha", 0.01f))};
}
std::vector<at::Tensor> selu(const TorchOpCall& c) {
  return {at::elu(c.inputs[0], c.node.attr_float("alpha", 1.67326319217681884765625f),
                  c.node.attr_float("gamma", 1.05070102214813232421875f), 1.0)};
}
std::vector<at::Tensor> sigmoid(const TorchOpCall& c) {
  return {at::sigmoid(c.inputs[0])};
}
std::vector<at::Tensor> tanh(const TorchOpCall& c) {
  return {at::tanh(c.inputs[0])};
}
std::vector<at::Tensor> identity(const TorchOpCall& c) {
  return {c.inputs[0]};
}

std::vector<at::Tensor> softmax(const TorchOpCall& c) {
  const at::Tensor& x = c.inputs[0];
  const auto axis = axis_of(c, c.node.attr_int("axis", -1), x.dim());
  if (c.node.attr_int("legacy_2d", 0) == 0) return {at::softmax(x, axis)};
  const std::int64_t outer = c10::multiply_integers(x.sizes().slice(0, static_cast<std::size_t>(axis)));
  const at::Tensor flat = x.reshape({outer, -1});
  return {at::softmax(flat, 1).reshape(x.sizes())};
}

std::vector<at::Tensor> dropout(const TorchOpCall& c) {
  double ratio = c.node.attr_float("ratio", 0.5f);
  if (c.inputs.size() > 1 && c.inputs[1].defined()) ratio = c.inputs[1].item<double>();
  std::vector<at::Tensor> out{c.training && ratio > 0 ? at::dropout(c.inputs[0], ratio, true) : c.inputs[0]};
  if (c.node.outputs.size() > 1) out.push_back(at::ones_like(c.inputs[0], at::kBool));
  return out;
}

std::vector<at::Tensor> add(const TorchOpCall& c) {
  return {c.inputs[0] + c.inputs[1]};
}
std::vector<at::Tensor> mul(const TorchOpCall& c) {
  return {c.inputs[0] * c.inputs[1]};
}
std::vector<at::Tensor> concat(const TorchOpCall& c) {
  return {at::cat(c.inputs, axis_of(c, c.node.attr_int("axis", 1), c.inputs[0].dim()))};
}

std::vector<at::Tensor> flatten(const TorchOpCall& c) {
  const at::Tensor& x = c.inputs[0];
  std::int64_t axis = c.node.attr_int("axis", 1);
  if (axis < 0) axis += x.dim();
  const auto sizes = x.sizes();
  const std::int64_t outer = c10::multiply_integers(sizes.slice(0, static_cast<std::size_t>(axis)));
  return {x.reshape({outer, -1})};
}

std::vector<at::Tensor> reshape(const TorchOpCall& c) {
  auto shape = constant_ints(c, 1);
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 0) shape[i] = c.inputs[0].size(static_cast<std::int64_t>(i));
  return {c.inputs[0].reshape(shape)};
}

std::vector<at::Tensor> transpose(const TorchOpCall& c) {
  auto perm = c.node.attr_ints("perm");
  if (perm.empty())
    for (std::int64_t d = c.inputs[0].dim(); d-- > 0;) perm.push_back(d);
  return {c.inputs[0].permute(perm)};
}

std::vector<at::Tensor> squeeze(const TorchOpCall& c) {
  at::Tensor x = c.inputs[0];
  auto axes = c.node.attr_ints("axes");
  if (axes.empty()) return {x.squeeze()};
  for (auto& a : axes) a = axis_of(c, a, x.dim());
  std::sort(axes.rbegin(), axes.rend());
  for (auto a : axes) x = x.squeeze(a);
  return {x};
}

std::vector<at::Tensor> unsqueeze(const TorchOpCall& c) {
  at::Tensor x = c.inputs[0];
  auto axes = c.node.attr_ints("axes");
  const auto rank = x.dim() + static_cast<std::int64_t>(axes.size());
  for (auto& a : axes) a = axis_of(c, a, rank);
  std::sort(axes.begin(), axes.end());
  for (auto a : axes) x = x.unsqueeze(a);
  return {x};
}

/// Source index of each position of a padded axis of length len (reflect without repeating the edge, or
/// edge).
at::Tensor pad_indices(std::int64_t len, std::int64_t before, std::int64_t after, bool reflect,
                       const at::Device& device) {
  std::vector<std::int64_t> idx;
  const std::int64_t period = std::max<std::int64_t>(2 * (len - 1), 1);
  for (std::int64_t i = -before; i < len + after; ++i) {
    std::int64_t k = i;
    if (k < 0 || k >= len) {
      if (reflect) {
        k = ((k % period) + period) % period;
        if (k >= len) k = period - k;
      } else {
        k = std::clamp<std::int64_t>(k, 0, len - 1);
      }
    }
    idx.push_back(k);
  }
  return at::tensor(idx, at::TensorOptions().dtype(at::kLong)).to(device);
}

std::vector<at::Tensor> pad(const TorchOpCall& c) {
  at::Tensor x = c.inputs[0];
  const auto pads = c.node.attr_ints("pads");
  const auto rank = static_cast<std::size_t>(x.dim());
  const std::string mode = c.node.attr_string("mode", "constant");
  if (mode == "constant") {
    std::vector<std::int64_t> torch_pads;
    for (std::size_t d = rank; d-- > 0;) {
      torch_pads.push_back(pads[d]);
      torch_pads.push_back(pads[d + rank]);
    }
    return {at::constant_pad_nd(x, torch_pads, c.node.attr_float("value", 0.0f))};
  }
  for (std::size_t d = 0; d < rank; ++d)
    if (pads[d] != 0 || pads[d + rank] != 0)
      x = x.index_select(static_cast<std::int64_t>(d),
                         pad_indices(x.size(static_cast<std::int64_t>(d)), pads[d], pads[d + rank],
                                     mode == "reflect", x.device()));
  return {x};
}

std::vector<at::Tensor> resize(const TorchOpCall& c) {
  const at::Tensor& x = c.inputs[0];
  const std::string mode = c.node.attr_string("mode", "nearest");
  const std::string ctm = c.node.attr_string("coordinate_transformation_mode", "half_pixel");
  const std::string nearest_mode = c.node.attr_string("nearest_mode", "round_prefer_floor");
  const auto sizes = c.node.attr_ints("sizes");
  const auto it = c.node.attrs.find("scales");
  at::Tensor y = x;
  for (std::int64_t d = 2; d < 4; ++d) {
    const std::int64_t in = x.size(d);
    const auto scale_given = it != c.node.attrs.end()
                                 ? std::get<std::vector<float>>(it->second)[static_cast<std::size_t>(d)]
                                 : 0.0f;
    const std::int64_t out =
        !sizes.empty() ? sizes[static_cast<std::size_t>(d)]
                       : static_cast<std::int64_t>(std::floor(static_cast<double>(in) * scale_given));
    const double scale = it != c.node.attrs.end() ? static_cast<double>(scale_given)
                                                  : static_cast<double>(out) / static_cast<double>(in);
    std::vector<std::int64_t> i0, i1;
    std::vector<float> frac;
    for (std::int64_t o = 0; o < out; ++o) {
      const double s = graph::resize_source_coord(ctm, static_cast<double>(o), scale, in, out);
      if (mode == "nearest") {
        i0.push_back(graph::resize_nearest_index(nearest_mode, s, in));
        continue;
      }
      const double cs = std::clamp(s, 0.0, static_cast<double>(in - 1));
      const auto lo = static_cast<std::int64_t>(std::floor(cs));
      i0.push_back(lo);
      i1.push_back(std::min(lo + 1, in - 1));
      frac.push_back(static_cast<float>(cs - static_cast<double>(lo)));
    }
    const auto opts = at::TensorOptions().dtype(at::kLong);
    const at::Tensor a = y.index_select(d, at::tensor(i0, opts).to(x.device()));
    if (mode == "nearest") {
      y = a;
      continue;
    }
    const at::Tensor b = y.index_select(d, at::tensor(i1, opts).to(x.device()));
    std::vector<std::int64_t> fshape{1, 1, 1, 1};
    fshape[static_cast<std::size_t>(d)] = out;
    const at::Tensor f = at::tensor(frac).to(x.options()).reshape(fshape);
    y = a * (1 - f) + b * f;
  }
  return {y};
}

/// Straight-through estimator: the forward value of q, the gradient of x where mask holds, else 0.
at::Tensor straight_through(const at::Tensor& x, const at::Tensor& q, const at::Tensor& mask) {
  return q.detach() + (x - x.detach()) * mask.to(x.scalar_type());
}

std::vector<at::Tensor> quant(const TorchOpCall& c) {
  const at::Tensor x = c.inputs[0].to(at::kDouble);
  const at::Tensor s = c.inputs[1].to(at::kDouble), z = c.inputs[2].to(at::kDouble),
                   bits = c.inputs[3].to(at::kDouble);
  const bool is_signed = c.node.attr_int("signed", 1) != 0, narrow = c.node.attr_int("narrow", 0) != 0;
  const at::Tensor lo = is_signed ? -at::exp2(bits - 1) + (narrow ? 1 : 0) : at::zeros_like(bits);
  const at::Tensor hi = is_signed ? at::exp2(bits - 1) - 1 : at::exp2(bits) - 1 - (narrow ? 1 : 0);
  const at::Tensor v = x / s + z;
  const std::string mode = c.node.attr_string("rounding_mode", "ROUND");
  at::Tensor r;
  if (mode == "CEIL")
    r = at::ceil(v);
  else if (mode == "FLOOR")
    r = at::floor(v);
  else if (mode == "ROUND_TO_ZERO")
    r = at::trunc(v);
  else
    r = at::round(v);  // half to even, as the reference
  const at::Tensor q = ((at::maximum(at::minimum(r, hi), lo) - z) * s).to(c.inputs[0].scalar_type());
  return {straight_through(c.inputs[0], q, (v >= lo) & (v <= hi))};
}

std::vector<at::Tensor> bipolar_quant(const TorchOpCall& c) {
  const at::Tensor& x = c.inputs[0];
  const at::Tensor& s = c.inputs[1];
  const at::Tensor q = at::where(x >= 0, at::ones_like(x), -at::ones_like(x)) * s;
  return {straight_through(x, q, at::abs(x) <= at::abs(s))};
}
}  // namespace

std::vector<std::int64_t> constant_ints(const TorchOpCall& c, std::size_t input) {
  const auto it = c.graph.initializers.find(c.node.inputs.at(input));
  if (it == c.graph.initializers.end() || it->second.dtype() != core::DType::I64)
    throw_input("{}: input {} must be an int64 constant", c.node.describe(), input);
  const auto v = it->second.span<std::int64_t>();
  return {v.begin(), v.end()};
}

std::vector<TorchOpEntry> other_ops() {
  return {{"Relu", "", relu},
          {"Clip", "", clip},
          {"LeakyRelu", "", leaky_relu},
          {"Selu", "", selu},
          {"Sigmoid", "", sigmoid},
          {"Tanh", "", tanh},
          {"Softmax", "", softmax},
          {"Identity", "", identity},
          {"Dropout", "", dropout},
          {"Add", "", add},
          {"Mul", "", mul},
          {"Concat", "", concat},
          {"Flatten", "", flatten},
          {"Reshape", "", reshape},
          {"Transpose", "", transpose},
          {"Squeeze", "", squeeze},
          {"Unsqueeze", "", unsqueeze},
          {"Pad", "", pad},
          {"Resize", "", resize},
          {"Quant", graph::kQonnxDomain, quant},
          {"BipolarQuant", graph::kQonnxDomain, bipolar_quant}};
}

TorchOpFn find_torch_op(const std::string& domain, const std::string& op_type) {
  static const std::map<std::pair<std::string, std::string>, TorchOpFn> table = [] {
    std::map<std::pair<std::string, std::string>, TorchOpFn> t;
    for (const auto& list : {nn_ops(), other_ops()})
      for (const auto& e : list) t[{e.domain, e.op_type}] = e.fn;
    return t;
  }();
  const auto it = table.find({domain, op_type});
  return it == table.end() ? nullptr : it->second;
}

}  // namespace edgeq::train::ops
