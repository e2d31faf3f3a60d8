// oneDNN pooling (max; average with or without padding in the count; global average) on NCHW or blocked
// float activations; max pooling also on int8/uint8 codes (NCHW).
#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

class PoolKernel final : public PrimitiveKernel {
 public:
  PoolKernel(const Shape& x, const Shape& y, dnnl::algorithm alg, dnnl::memory::dims strides,
             dnnl::memory::dims kernel, dnnl::memory::dims dilation, dnnl::memory::dims pad_l,
             dnnl::memory::dims pad_r, bool blocked_src, bool blocked_dst, dt type = dt::f32) {
    const dnnl::memory::desc src_md(dims_of(x), type, activation_tag(blocked_src, type)),
        dst_md(dims_of(y), type, activation_tag(blocked_dst, type));
    auto desc = dnnl::pooling_v2_forward::desc(dnnl::prop_kind::forward_inference, alg, src_md, dst_md,
                                               strides, kernel, dilation, pad_l, pad_r);
    const dnnl::pooling_v2_forward::primitive_desc pd(desc, engine());
    require_jit_for_blocked(pd.impl_info_str(), blocked_src || blocked_dst || type != dt::f32);
    prim_ = dnnl::pooling_v2_forward(pd);
    bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
  }
};
}  // namespace

std::unique_ptr<Kernel> make_pool(const PrepareContext& c) {
  const auto& node = c.node;
  const Shape x = c.graph.info(node.inputs[0]).shape, y = c.graph.info(node.outputs[0]).shape;
  const graph::Window2d w = graph::resolve_window(node, x[2], x[3], 1, 1);
  dnnl::algorithm alg = dnnl::algorithm::pooling_max;
  // Integer codes: max pooling only (exact); averages of codes round differently from QAveragePool.
  const auto xt = c.graph.info(node.inputs[0]).dtype;
  const dt type = xt == core::DType::I8 ? dt::s8 : xt == core::DType::U8 ? dt::u8 : dt::f32;
  if (xt != core::DType::F32 && (type == dt::f32 || node.op_type != "MaxPool")) return nullptr;
  if (node.attr_int("edgeq_pad_zero", 0)) return nullptr;  // zero padding: not a oneDNN pooling
  if (node.op_type == "AveragePool")
    alg = node.attr_int("count_include_pad", 0) ? dnnl::algorithm::pooling_avg_include_padding
                                                : dnnl::algorithm::pooling_avg_exclude_padding;
  const dnnl::memory::dims pad_r{(y[2] - 1) * w.sh + (w.kh - 1) * w.dh + 1 - x[2] - w.pad_top,
                                 (y[3] - 1) * w.sw + (w.kw - 1) * w.dw + 1 - x[3] - w.pad_left};
  // ceil_mode overhang beyond the declared padding would count as padding in oneDNN: leave those to the
  // reference.
  if (pad_r[0] > w.pad_bottom || pad_r[1] > w.pad_right) return nullptr;
  return std::make_unique<PoolKernel>(x, y, alg, dnnl::memory::dims{w.sh, w.sw},
                                      dnnl::memory::dims{w.kh, w.kw}, dnnl::memory::dims{w.dh - 1, w.dw - 1},
                                      dnnl::memory::dims{w.pad_top, w.pad_left}, pad_r, c.input_blocked(0),
                                      c.input_blocked(0), type);
}

/// GlobalAveragePool = average pooling with the window equal to the plane. Its [N, C, 1, 1] output has the
/// same memory order in both layouts, so only the input's layout matters.
std::unique_ptr<Kernel> make_global_average_pool(const PrepareContext& c) {
  const Shape x = c.graph.info(c.node.inputs[0]).shape;
  return std::make_unique<PoolKernel>(
      x, Shape{x[0], x[1], 1, 1}, dnnl::algorithm::pooling_avg_exclude_padding, dnnl::memory::dims{1, 1},
      dnnl::memory::dims{x[2], x[3]}, dnnl::memory::dims{0, 0}, dnnl::memory::dims{0, 0},
      dnnl::memory::dims{0, 0}, c.input_blocked(0), c.input_blocked(0));
}

}  // namespace edgeq::runtime::onednn
