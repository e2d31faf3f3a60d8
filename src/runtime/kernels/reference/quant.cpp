// QONNX Quant and BipolarQuant in float emulation, and edgeq's ApFixed (hls4ml fixed-point assignment), see
// graph/ops/quant.cpp for the formulas. Scale, zero
// point and bit width broadcast against x (per-tensor or per-channel).
#include <cmath>

#include "edgeq/core/ap_fixed.hpp"
#include "edgeq/core/error.hpp"
#include "edgeq/graph/op_registry.hpp"
#include "edgeq/graph/qonnx.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
/// Value of parameter tensor `p` broadcast to x's shape at flat index i of x.
float param_at(const Tensor& p, const Shape& xs, std::int64_t i) {
  if (p.numel() == 1) return p.data<float>()[0];
  // Right-aligned broadcasting: compute p's offset from x's multi-index.
  const Shape& ps = p.shape();
  std::int64_t off = 0, stride = 1, rem = i;
  for (std::size_t k = 0; k < xs.size(); ++k) {
    const std::size_t d = xs.size() - 1 - k;
    const std::int64_t coord = rem % xs[d];
    rem /= xs[d];
    if (k < ps.size()) {
      const std::size_t pd = ps.size() - 1 - k;
      if (ps[pd] != 1) off += coord * stride;
      stride *= ps[pd];
    }
  }
  return p.data<float>()[off];
}

double round_mode(double v, const std::string& mode) {
  if (mode == "CEIL") return std::ceil(v);
  if (mode == "FLOOR") return std::floor(v);
  if (mode == "ROUND_TO_ZERO") return std::trunc(v);
  return std::nearbyint(v);  // ROUND: half to even (numpy.round, as QONNX)
}

void quant(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const bool is_signed = c.node.attr_int("signed", 1) != 0, narrow = c.node.attr_int("narrow", 0) != 0;
  const std::string mode = c.node.attr_string("rounding_mode", "ROUND");
  const float* xp = x.data<float>();
  float* yp = c.outputs[0]->data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    const double s = param_at(*c.inputs[1], x.shape(), i), z = param_at(*c.inputs[2], x.shape(), i);
    const double bits = param_at(*c.inputs[3], x.shape(), i);
    const auto [lo, hi] = graph::qonnx_code_range(bits, is_signed, narrow);
    const double q = std::clamp(round_mode(xp[i] / s + z, mode), lo, hi);
    yp[i] = static_cast<float>((q - z) * s);
  }
}

void ap_fixed(KernelContext& c) {
  const core::ApFixed t = core::parse_ap_fixed(c.node.attr_string("type", ""));  // validated at load
  const float* xp = c.inputs[0]->data<float>();
  float* yp = c.outputs[0]->data<float>();
  for (std::int64_t i = 0; i < c.inputs[0]->numel(); ++i) yp[i] = static_cast<float>(t.cast(xp[i]));
}

void bipolar_quant(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  const float* xp = x.data<float>();
  float* yp = c.outputs[0]->data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i)
    yp[i] = (xp[i] >= 0.0f ? 1.0f : -1.0f) * param_at(*c.inputs[1], x.shape(), i);
}
}  // namespace

std::vector<Entry> quant_kernels() {
  return {{"Quant", graph::kQonnxDomain, quant},
          {"BipolarQuant", graph::kQonnxDomain, bipolar_quant},
          {"ApFixed", graph::kEdgeqDomain, ap_fixed}};
}

}  // namespace edgeq::runtime::reference
