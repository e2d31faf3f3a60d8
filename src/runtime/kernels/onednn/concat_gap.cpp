// oneDNN Concat (any axis, plain layouts: a copy) and GlobalAveragePool (average pooling over the full plane).
#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;

dnnl::memory::desc plain_desc(const Shape& s) {
  dnnl::memory::dims strides(s.size(), 1);
  for (std::size_t i = s.size(); i-- > 1;) strides[i - 1] = strides[i] * s[i];
  return dnnl::memory::desc(dims_of(s), dt::f32, strides);
}

class ConcatKernel final : public Kernel {
 public:
  ConcatKernel(const std::vector<Shape>& inputs, const Shape& out, int axis) {
    for (const auto& s : inputs) srcs_.push_back(plain_desc(s));
    pd_ = dnnl::concat::primitive_desc(plain_desc(out), axis, srcs_, engine());
    prim_ = dnnl::concat(pd_);
  }
  void run(KernelContext& c) override {
    std::unordered_map<int, dnnl::memory> args;
    for (std::size_t i = 0; i < srcs_.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = dnnl::memory(srcs_[i], engine(), const_cast<void*>(c.inputs[i]->raw()));
    args[DNNL_ARG_DST] = dnnl::memory(pd_.dst_desc(), engine(), c.outputs[0]->raw());
    prim_.execute(stream(), args);
    stream().wait();
  }
  const char* backend() const override { return "onednn"; }

 private:
  std::vector<dnnl::memory::desc> srcs_;
  dnnl::concat::primitive_desc pd_;
  dnnl::concat prim_;
};

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

std::unique_ptr<Kernel> make_concat_gap(const PrepareContext& c) {
  const auto& n = c.node;
  if (n.op_type == "GlobalAveragePool") return std::make_unique<GlobalAveragePoolKernel>(c.graph.info(n.inputs[0]).shape);
  if (n.op_type == "Concat") {
    const Shape out = c.graph.info(n.outputs[0]).shape;
    if (out.empty() || c.graph.info(n.inputs[0]).dtype != core::DType::F32) return nullptr;
    std::vector<Shape> in;
    for (const auto& i : n.inputs) in.push_back(c.graph.info(i).shape);
    const auto axis = graph::normalize_axis(n, n.attr_int("axis", 1), static_cast<std::int64_t>(out.size()));
    return std::make_unique<ConcatKernel>(in, out, static_cast<int>(axis));
  }
  return nullptr;
}

}  // namespace edgeq::runtime::onednn
