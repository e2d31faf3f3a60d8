// oneDNN element-wise kernels (on flat memory, so any layout shared by input and output): Relu, LeakyRelu,
// Clip, Sigmoid, Tanh; binary Add/Mul with numpy broadcasting (equal ranks after left-padding with 1s);
// inference BatchNormalization (global statistics, scale and shift).
#include <limits>

#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using dt = dnnl::memory::data_type;

/// Plain row-major descriptor of a shape (rank 1-6), left-padded with 1s to `rank`.
dnnl::memory::desc plain(const Shape& s, std::size_t rank) {
  dnnl::memory::dims d(rank - s.size(), 1);
  d.insert(d.end(), s.begin(), s.end());
  if (d.empty()) d = {1};
  dnnl::memory::dims strides(d.size(), 1);
  for (std::size_t i = d.size(); i-- > 1;) strides[i - 1] = strides[i] * d[i];
  return dnnl::memory::desc(d, dt::f32, strides);
}

class EltwiseKernel final : public PrimitiveKernel {
 public:
  EltwiseKernel(const Shape& s, dnnl::algorithm alg, float alpha, float beta) {
    const auto md = plain(s, std::max<std::size_t>(s.size(), 1));
    prim_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, alg, md, alpha, beta), engine()));
    bind_input(DNNL_ARG_SRC, 0, md);
    bind_output(DNNL_ARG_DST, 0, md);
  }
};

class BinaryKernel final : public PrimitiveKernel {
 public:
  BinaryKernel(const Shape& a, const Shape& b, const Shape& y, dnnl::algorithm alg) {
    const std::size_t r = y.size();
    const auto a_md = plain(a, r), b_md = plain(b, r), y_md = plain(y, r);
    prim_ = dnnl::binary(dnnl::binary::primitive_desc(dnnl::binary::desc(alg, a_md, b_md, y_md), engine()));
    bind_input(DNNL_ARG_SRC_0, 0, a_md);
    bind_input(DNNL_ARG_SRC_1, 1, b_md);
    bind_output(DNNL_ARG_DST, 0, y_md);
  }
};

class BatchNormKernel final : public PrimitiveKernel {
 public:
  BatchNormKernel(const Shape& x, float eps, bool blocked, bool relu) {
    const auto md =
        blocked ? dnnl::memory::desc(dims_of(x), dt::f32, activation_tag(true)) : plain(x, x.size());
    auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
                 dnnl::normalization_flags::use_shift;
    if (relu) flags = flags | dnnl::normalization_flags::fuse_norm_relu;
    const dnnl::batch_normalization_forward::primitive_desc pd(
        dnnl::batch_normalization_forward::desc(dnnl::prop_kind::forward_inference, md, eps, flags),
        engine());
    require_jit_for_blocked(pd.impl_info_str(), blocked);
    prim_ = dnnl::batch_normalization_forward(pd);
    bind_input(DNNL_ARG_SRC, 0, md);
    // ONNX inputs 1-4: scale, bias, mean, var.
    const int params[4] = {DNNL_ARG_SCALE, DNNL_ARG_SHIFT, DNNL_ARG_MEAN, DNNL_ARG_VARIANCE};
    for (std::size_t i = 0; i < 4; ++i) bind_input(params[i], i + 1, pd.mean_desc());
    bind_output(DNNL_ARG_DST, 0, md);
  }
};
}  // namespace

std::unique_ptr<Kernel> make_eltwise(const PrepareContext& c) {
  const auto& n = c.node;
  const Shape s = c.graph.info(n.inputs[0]).shape;
  if (s.size() > 6) return nullptr;
  using A = dnnl::algorithm;
  if (n.op_type == "Relu") return std::make_unique<EltwiseKernel>(s, A::eltwise_relu, 0.0f, 0.0f);
  if (n.op_type == "LeakyRelu")
    return std::make_unique<EltwiseKernel>(s, A::eltwise_relu, n.attr_float("alpha", 0.01f), 0.0f);
  if (n.op_type == "Clip")
    return std::make_unique<EltwiseKernel>(s, A::eltwise_clip_v2,
                                           n.attr_float("min", -std::numeric_limits<float>::max()),
                                           n.attr_float("max", std::numeric_limits<float>::max()));
  if (n.op_type == "Sigmoid") return std::make_unique<EltwiseKernel>(s, A::eltwise_logistic, 0.0f, 0.0f);
  if (n.op_type == "Tanh") return std::make_unique<EltwiseKernel>(s, A::eltwise_tanh, 0.0f, 0.0f);
  if (n.op_type == "Add" || n.op_type == "Mul") {
    const Shape y = c.graph.info(n.outputs[0]).shape;
    if (y.empty() || y.size() > 6) return nullptr;
    return std::make_unique<BinaryKernel>(c.graph.info(n.inputs[0]).shape, c.graph.info(n.inputs[1]).shape, y,
                                          n.op_type == "Add" ? A::binary_add : A::binary_mul);
  }
  if (n.op_type == "BatchNormalization") {
    if (s.size() < 2 || s.size() > 5) return nullptr;
    const std::string act = n.attr_string("edgeq_activation", "");
    if (!act.empty() && act != "Relu") return nullptr;
    return std::make_unique<BatchNormKernel>(s, n.attr_float("epsilon", 1e-5f), c.input_blocked(0),
                                             act == "Relu");
  }
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
