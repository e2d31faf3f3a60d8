#include <omp.h>

#include "onednn_common.hpp"

namespace edgeq::runtime {

namespace onednn {
dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}
dnnl::memory::dims dims_of(const Shape& s) {
  return dnnl::memory::dims(s.begin(), s.end());
}
void set_threads(std::size_t threads) {
  if (threads > 0) omp_set_num_threads(static_cast<int>(threads));
}
}  // namespace onednn

bool fast_kernels_available() {
  return true;
}

std::unique_ptr<Kernel> make_fast_kernel(const PrepareContext& ctx) {
  const auto& op = ctx.node.op_type;
  if (!ctx.node.domain.empty()) return nullptr;
  onednn::set_threads(ctx.threads);
  try {
    if (op == "Conv") return onednn::make_conv(ctx);
    if (op == "Gemm" || op == "MatMul") return onednn::make_gemm(ctx);
    if (op == "MaxPool" || op == "AveragePool") return onednn::make_pool(ctx);
    if (op == "GlobalAveragePool") return onednn::make_global_average_pool(ctx);
    return onednn::make_eltwise(ctx);
  } catch (const dnnl::error&) {
    return nullptr;  // oneDNN has no implementation for this configuration: the reference kernel runs it
  }
  return nullptr;
}

}  // namespace edgeq::runtime
