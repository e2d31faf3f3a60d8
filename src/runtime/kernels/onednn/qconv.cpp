// oneDNN int8 convolution for QConv (int8/uint8 activations, int8 weights with zero point 0): int32
// accumulation, then per-channel float output scales M_c, the output zero point and the Relu/Clip clamp
// fused, rounded to nearest even. Differs from the reference (TFLite fixed-point requantisation) by at most 1
// LSB, where acc * M_c lies near a rounding tie (float requantisation rounds ties to even, TFLite's double
// rounding does not; tests/runtime/test_op_qconv.cpp). Only for weights with even codes (`edgeq quantize
// --reduce-range`): on CPUs without VNNI oneDNN halves the weights to keep vpmaddubsw from saturating, which
// is exact only for even codes. Activations the executor keeps in the fast layout are NHWC (see
// activation_tag); NCHW neighbours are reordered inside the kernel.
#include "edgeq/graph/geometry.hpp"
#include "edgeq/quant/qlinear_attrs.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

dt int_type(core::DType t) {
  return t == core::DType::U8 ? dt::u8 : dt::s8;
}

class QConvKernel final : public ReorderingKernel {
 public:
  QConvKernel(const PrepareContext& c, const Tensor& w, const Tensor* b, const quant::Requantisation& r) {
    const auto& g = c.graph;
    const auto& node = c.node;
    const Shape x = g.info(node.inputs[0]).shape, y = g.info(node.outputs[0]).shape;
    const auto group = node.attr_int("group", 1);
    dnnl::memory::dims wdims = dims_of(w.shape());
    tag wtag = tag::oihw;
    if (group > 1) {
      wdims = {group, w.shape()[0] / group, w.shape()[1], w.shape()[2], w.shape()[3]};
      wtag = tag::goihw;
    }
    const dt xt = int_type(g.info(node.inputs[0]).dtype);
    const bool blocked_src = c.input_blocked(0), blocked_dst = c.output_blocked(0);  // NHWC, else NCHW
    user_src_ = dnnl::memory::desc(dims_of(x), xt, activation_tag(blocked_src, xt));
    user_dst_ = dnnl::memory::desc(dims_of(y), xt, activation_tag(blocked_dst, xt));
    const dnnl::memory::desc src_md(dims_of(x), xt, tag::nhwc), dst_md(dims_of(y), xt, tag::nhwc);
    const dnnl::memory::desc w_any(wdims, dt::s8, tag::any), b_md({y[1]}, dt::s32, tag::x);
    auto desc =
        convolution_desc(src_md, w_any, b ? &b_md : nullptr, dst_md, node, x, y, w.shape()[2], w.shape()[3]);
    dnnl::primitive_attr attr;
    std::vector<float> scales(r.real_multipliers.begin(), r.real_multipliers.end());
    attr.set_output_scales(scales.size() > 1 ? 1 << 1 : 0, scales);
    if (r.x_zero_point != 0) attr.set_zero_points(DNNL_ARG_SRC, 0, {r.x_zero_point});
    if (r.y_zero_point != 0) attr.set_zero_points(DNNL_ARG_DST, 0, {r.y_zero_point});
    const std::int32_t type_min = xt == dt::u8 ? 0 : -128, type_max = xt == dt::u8 ? 255 : 127;
    if (r.y_min > type_min || r.y_max < type_max) {  // clamp before the zero point is added
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip_v2, static_cast<float>(r.y_min - r.y_zero_point),
                         static_cast<float>(r.y_max - r.y_zero_point));
      attr.set_post_ops(ops);
    }
    pd_ = dnnl::convolution_forward::primitive_desc(desc, attr, engine());
    if (is_reference_impl(pd_.impl_info_str()))
      throw dnnl::error(dnnl_unimplemented, "reference int8 convolution");
    prim_ = dnnl::convolution_forward(pd_);
    dnnl::memory user_w({wdims, dt::s8, wtag}, engine(), const_cast<void*>(w.raw()));
    weights_ = dnnl::memory(pd_.weights_desc(), engine());
    dnnl::reorder(user_w, weights_).execute(stream(), user_w, weights_);
    args_.add_fixed(DNNL_ARG_WEIGHTS, weights_);
    bind_activations(user_src_, pd_.src_desc(), user_dst_, pd_.dst_desc());
    if (b) {
      bias_copy_ = b->clone();
      args_.add_fixed(DNNL_ARG_BIAS, dnnl::memory(b_md, engine(), bias_copy_.raw()));
    }
    stream().wait();
  }

 private:
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::memory weights_;
  dnnl::memory::desc user_src_, user_dst_;
  Tensor bias_copy_;
};
}  // namespace

std::unique_ptr<Kernel> make_qconv(const PrepareContext& c) {
  const auto& n = c.node;
  const auto xt = c.graph.info(n.inputs[0]).dtype;
  if (xt != core::DType::I8 && xt != core::DType::U8) return nullptr;
  auto w = c.graph.initializers.find(n.inputs[1]);
  if (w == c.graph.initializers.end() || w->second.dtype() != core::DType::I8) return nullptr;
  for (std::int8_t v : w->second.span<std::int8_t>())
    if (v % 2 != 0) return nullptr;  // odd weight codes: see the file comment
  const Tensor* b = nullptr;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    auto it = c.graph.initializers.find(n.inputs[2]);
    if (it == c.graph.initializers.end()) return nullptr;
    b = &it->second;
  }
  const auto r = quant::Requantisation::read(n);
  if (r.w_zero_point != 0 || r.real_multipliers.size() != r.multipliers.size()) return nullptr;
  return std::make_unique<QConvKernel>(c, w->second, b, r);
}

}  // namespace edgeq::runtime::onednn
