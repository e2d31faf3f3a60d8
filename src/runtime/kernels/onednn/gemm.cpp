// oneDNN matmul for Gemm (alpha = beta = 1, C absent or a [N] / [1, N] bias; transposes via strides) and 2-D
// MatMul. Constant B is used in place.
#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
using dt = dnnl::memory::data_type;

class MatMulKernel final : public PrimitiveKernel {
 public:
  MatMulKernel(std::int64_t m, std::int64_t k, std::int64_t n, bool ta, bool tb, bool bias) {
    const dnnl::memory::desc a_md({m, k}, dt::f32, ta ? dnnl::memory::dims{1, m} : dnnl::memory::dims{k, 1});
    const dnnl::memory::desc b_md({k, n}, dt::f32, tb ? dnnl::memory::dims{1, k} : dnnl::memory::dims{n, 1});
    const dnnl::memory::desc c_md({m, n}, dt::f32, dnnl::memory::dims{n, 1});
    const dnnl::memory::desc bias_md({1, n}, dt::f32, dnnl::memory::dims{n, 1});
    auto desc = bias ? dnnl::matmul::desc(a_md, b_md, bias_md, c_md) : dnnl::matmul::desc(a_md, b_md, c_md);
    const dnnl::matmul::primitive_desc pd(desc, engine());
    prim_ = dnnl::matmul(pd);
    bind_input(DNNL_ARG_SRC, 0, pd.src_desc());
    bind_input(DNNL_ARG_WEIGHTS, 1, pd.weights_desc());
    if (bias) bind_input(DNNL_ARG_BIAS, 2, bias_md);
    bind_output(DNNL_ARG_DST, 0, pd.dst_desc());
  }
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
