// oneDNN convolution: activations in NCHW or oneDNN's blocked layout as the executor chose for each side,
// weights reordered once into the primitive's preferred layout, bias, residual (binary-add post-op) and
// activation fused; small output planes (<= 16 pixels) as im2col + GEMM on NCHW; 3x3 stride-1 convolutions
// between blocked activations as Winograd F(2x2, 3x3) (winograd_conv.cpp). Used when the weights (and bias)
// are constants.
#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

/// Largest output plane (H x W) computed by the GEMM-based convolution instead of the direct kernels.
constexpr std::int64_t kGemmMaxPixels = 16;

class ConvKernel final : public ReorderingKernel {
 public:
  ConvKernel(const PrepareContext& c, const Tensor& w, const Tensor* b) {
    const auto& g = c.graph;
    const auto& node = c.node;
    const Shape x = g.info(node.inputs[0]).shape, y = g.info(node.outputs[0]).shape;
    const auto group = node.attr_int("group", 1);
    const bool blocked_src = c.input_blocked(0), blocked_dst = c.output_blocked(0);
    const bool residual = node.inputs.size() > 3 && node.attr_int("edgeq_residual", 0);
    user_src_ = dnnl::memory::desc(dims_of(x), dt::f32, activation_tag(blocked_src));
    user_dst_ = dnnl::memory::desc(dims_of(y), dt::f32, activation_tag(blocked_dst));
    const dnnl::memory::desc w_any = conv_weight_desc(w.shape(), group, dt::f32, true),
                             b_md({y[1]}, dt::f32, tag::x);
    const auto primitive = [&](tag src_tag, tag dst_tag) {
      const dnnl::memory::desc src_md(dims_of(x), dt::f32, src_tag), dst_md(dims_of(y), dt::f32, dst_tag);
      dnnl::post_ops ops;
      if (residual) ops.append_binary(dnnl::algorithm::binary_add, dst_md);
      const std::string act = node.attr_string("edgeq_activation", "");
      if (act == "Relu")
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      else if (!act.empty())
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip_v2, node.attr_float("edgeq_clip_min", 0),
                           node.attr_float("edgeq_clip_max", 0));
      dnnl::primitive_attr attr;
      attr.set_post_ops(ops);
      return dnnl::convolution_forward::primitive_desc(
          convolution_desc(src_md, w_any, b ? &b_md : nullptr, dst_md, node, x, y, w.shape()[2],
                           w.shape()[3]),
          attr, engine());
    };
    // Output planes of at most kGemmMaxPixels (Inception V3's last blocks at 200x200: 4x4) run as
    // im2col + GEMM on NCHW (oneDNN's gemm convolution), both sides reordered: the direct kernels block
    // the output row, and a row of 4 leaves most of their registers idle (measured: 0.40 ms less on
    // Inception V3's 18 such convolutions; 6x6 and 7x7 planes were slower this way).
    bool gemm = false;
    if (group == 1 && y[2] * y[3] <= kGemmMaxPixels) {
      try {
        pd_ = primitive(tag::nchw, tag::nchw);
        gemm = !is_reference_impl(pd_.impl_info_str());
      } catch (const dnnl::error&) {  // e.g. a post-op the gemm convolution lacks: the direct kernels
      }
    }
    if (!gemm) {
      // Blocked sides are used as they are (the layout of oneDNN's direct JIT kernels); for NCHW sides the
      // primitive chooses its layout and the kernel reorders. With a residual the primitive's dst is blocked
      // (the residual is added in that layout, post-op src1).
      pd_ = primitive(blocked_src ? activation_tag(true) : tag::any,
                      blocked_dst || residual ? activation_tag(true) : tag::any);
      require_jit_for_blocked(pd_.impl_info_str(), blocked_src || blocked_dst);
    }
    prim_ = dnnl::convolution_forward(pd_);
    weights_ = reorder_conv_weights(w, group, pd_.weights_desc());
    if (b) {
      bias_copy_ = b->clone();
      bias_ = dnnl::memory(b_md, engine(), bias_copy_.raw());
      args_.add_fixed(DNNL_ARG_BIAS, bias_);
    }
    args_.add_fixed(DNNL_ARG_WEIGHTS, weights_);
    bind_activations(user_src_, pd_.src_desc(), user_dst_, pd_.dst_desc());
    if (residual) {  // the residual in the primitive's dst layout, reordered when the producer's differs
      const dnnl::memory::desc user_residual(dims_of(y), dt::f32, activation_tag(c.input_blocked(3)));
      residual_.bind(args_, kResidualArg, user_residual, pd_.dst_desc());
      has_residual_ = true;
    }
    stream().wait();
  }

  void run(KernelContext& c) override {
    if (has_residual_) residual_.set(args_, c.inputs[3]->raw());
    ReorderingKernel::run(c);
  }

 private:
  static constexpr int kResidualArg = DNNL_ARG_ATTR_MULTIPLE_POST_OP(0) | DNNL_ARG_SRC_1;
  bool has_residual_ = false;
  ReorderedInput residual_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::memory weights_, bias_;
  dnnl::memory::desc user_src_, user_dst_;
  Tensor bias_copy_;
};
}  // namespace

std::unique_ptr<Kernel> make_conv(const PrepareContext& c) {
  const auto& n = c.node;
  auto w = c.graph.initializers.find(n.inputs[1]);
  if (w == c.graph.initializers.end()) return nullptr;
  const Tensor* b = nullptr;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    auto it = c.graph.initializers.find(n.inputs[2]);
    if (it == c.graph.initializers.end()) return nullptr;
    b = &it->second;
  }
  if (auto k = make_winograd_conv(c, w->second, b)) return k;
  return std::make_unique<ConvKernel>(c, w->second, b);
}

}  // namespace edgeq::runtime::onednn
