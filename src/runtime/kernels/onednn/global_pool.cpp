// oneDNN GlobalAveragePool (average pooling over the full plane). Concat stays on the reference kernel: on plain
// NCHW it is one memcpy per input and batch row, which oneDNN's concat did not beat (measured on densenet169).
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

class GlobalAveragePoolKernel final : public Kernel {
 public:
  explicit GlobalAveragePoolKernel(const Shape& x) {
    const dnnl::memory::desc src(dims_of(x), dt::f32, tag::nchw), dst({x[0], x[1], 1, 1}, dt::f32, tag::nchw);
    auto desc = dnnl::pooling_v2_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding,
                                               src, dst, {1, 1}, {x[2], x[3]}, {0, 0}, {0, 0}, {0, 0});
    pd_ = dnnl::pooling_v2_forward::primitive_desc(desc, engine());
    prim_ = dnnl::pooling_v2_forward(pd_);
  }
  void run(KernelContext& c) override {
    dnnl::memory src(pd_.src_desc(), engine(), const_cast<void*>(c.inputs[0]->raw()));
    dnnl::memory dst(pd_.dst_desc(), engine(), c.outputs[0]->raw());
    prim_.execute(stream(), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    stream().wait();
  }
  const char* backend() const override { return "onednn"; }

 private:
  dnnl::pooling_v2_forward::primitive_desc pd_;
  dnnl::pooling_v2_forward prim_;
};
}  // namespace

std::unique_ptr<Kernel> make_global_average_pool(const PrepareContext& c) {
  return std::make_unique<GlobalAveragePoolKernel>(c.graph.info(c.node.inputs[0]).shape);
}

}  // namespace edgeq::runtime::onednn
