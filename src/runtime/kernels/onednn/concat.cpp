// oneDNN concatenation along channels of activations in the blocked layout (nChw8c / nChw16c, channels a
// multiple of the block): whole channel blocks are copied.
#include "edgeq/graph/geometry.hpp"
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
class BlockedLayoutConcat final : public Kernel {
 public:
  BlockedLayoutConcat(const std::vector<Shape>& inputs, const Shape& out) {
    using dt = dnnl::memory::data_type;
    for (const auto& s : inputs) srcs_.emplace_back(dims_of(s), dt::f32, activation_tag(true));
    pd_ = dnnl::concat::primitive_desc(dnnl::memory::desc(dims_of(out), dt::f32, activation_tag(true)), 1, srcs_,
                                       engine());
    prim_ = dnnl::concat(pd_);
  }
  void run(KernelContext& c) override {
    std::unordered_map<int, dnnl::memory> args;
    for (std::size_t i = 0; i < srcs_.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] =
          dnnl::memory(srcs_[i], engine(), const_cast<void*>(c.inputs[i]->raw()));
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
}  // namespace

std::unique_ptr<Kernel> make_concat(const PrepareContext& c) {
  if (!c.output_blocked(0)) return nullptr;
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < c.node.inputs.size(); ++i) {
    if (!c.input_blocked(i)) return nullptr;
    shapes.push_back(c.graph.info(c.node.inputs[i]).shape);
  }
  return std::make_unique<BlockedLayoutConcat>(shapes, c.graph.info(c.node.outputs[0]).shape);
}

}  // namespace edgeq::runtime::onednn
