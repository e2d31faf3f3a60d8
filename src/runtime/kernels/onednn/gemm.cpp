// oneDNN matmul for Gemm (alpha = beta = 1, C absent or a [N] / [1, N] bias; transposes via strides) and 2-D
// MatMul. Constant B is used in place.
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using dt = dnnl::memory::data_type;

class MatMulKernel final : public Kernel {
 public:
  MatMulKernel(std::int64_t m, std::int64_t k, std::int64_t n, bool ta, bool tb, bool bias)
      : has_bias_(bias) {
    const dnnl::memory::desc a_md({m, k}, dt::f32, ta ? dnnl::memory::dims{1, m} : dnnl::memory::dims{k, 1});
    const dnnl::memory::desc b_md({k, n}, dt::f32, tb ? dnnl::memory::dims{1, k} : dnnl::memory::dims{n, 1});
    const dnnl::memory::desc c_md({m, n}, dt::f32, dnnl::memory::dims{n, 1});
    const dnnl::memory::desc bias_md({1, n}, dt::f32, dnnl::memory::dims{n, 1});
    auto desc = bias ? dnnl::matmul::desc(a_md, b_md, bias_md, c_md) : dnnl::matmul::desc(a_md, b_md, c_md);
    pd_ = dnnl::matmul::primitive_desc(desc, engine());
    prim_ = dnnl::matmul(pd_);
    args_.add(DNNL_ARG_SRC, pd_.src_desc());
    args_.add(DNNL_ARG_WEIGHTS, pd_.weights_desc());
    args_.add(DNNL_ARG_DST, pd_.dst_desc());
    if (bias) args_.add(DNNL_ARG_BIAS, bias_md);
  }
  void run(KernelContext& c) override {
    args_.set(DNNL_ARG_SRC, c.inputs[0]->raw());
    args_.set(DNNL_ARG_WEIGHTS, c.inputs[1]->raw());
    args_.set(DNNL_ARG_DST, c.outputs[0]->raw());
    if (has_bias_) args_.set(DNNL_ARG_BIAS, c.inputs[2]->raw());
    prim_.execute(stream(), args_.map());
    stream().wait();
  }
  const char* backend() const override { return "onednn"; }

 private:
  dnnl::matmul::primitive_desc pd_;
  dnnl::matmul prim_;
  BoundArgs args_;
  bool has_bias_;
};
}  // namespace

std::unique_ptr<Kernel> make_gemm(const PrepareContext& c) {
  const auto& n = c.node;
  const Shape a = c.graph.info(n.inputs[0]).shape, b = c.graph.info(n.inputs[1]).shape;
  if (a.size() != 2 || b.size() != 2) return nullptr;
  const bool gemm = n.op_type == "Gemm";
  const bool ta = gemm && n.attr_int("transA", 0), tb = gemm && n.attr_int("transB", 0);
  const std::int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1], nn = tb ? b[0] : b[1];
  bool bias = false;
  if (gemm) {
    if (n.attr_float("alpha", 1.0f) != 1.0f) return nullptr;
    if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
      const Shape cs = c.graph.info(n.inputs[2]).shape;
      if (n.attr_float("beta", 1.0f) != 1.0f || !(cs == Shape{nn} || cs == Shape{1, nn})) return nullptr;
      bias = true;
    }
  }
  return std::make_unique<MatMulKernel>(m, k, nn, ta, tb, bias);
}

}  // namespace edgeq::runtime::onednn
