#include "reference.hpp"

namespace edgeq::runtime {

namespace reference {
void parallel(KernelContext& c, std::size_t n, const std::function<void(std::size_t)>& fn) {
  if (c.pool && c.pool->size() > 1 && n > 1)
    c.pool->parallel_for(0, n, [&](std::size_t i, std::size_t) { fn(i); });
  else
    for (std::size_t i = 0; i < n; ++i) fn(i);
}
}  // namespace reference

KernelFn find_reference_kernel(const std::string& domain, const std::string& op_type) {
  static const std::vector<reference::Entry> all = [] {
    std::vector<reference::Entry> v;
    for (auto part : {reference::conv_kernels(), reference::gemm_kernels(), reference::activation_kernels(),
                      reference::pool_kernels(), reference::elementwise_kernels(), reference::shape_kernels(),
                      reference::pad_resize_kernels(), reference::quant_kernels(), reference::qdq_kernels(),
                      reference::qlinear_conv_kernels(), reference::qlinear_eltwise_kernels()})
      v.insert(v.end(), part.begin(), part.end());
    return v;
  }();
  for (const auto& e : all)
    if (op_type == e.op_type && domain == e.domain) return e.fn;
  return nullptr;
}

namespace {
class ReferenceKernel final : public Kernel {
 public:
  explicit ReferenceKernel(KernelFn fn) : fn_(fn) {}
  void run(KernelContext& ctx) override { fn_(ctx); }
  const char* backend() const override { return "reference"; }

 private:
  KernelFn fn_;
};
}  // namespace

std::unique_ptr<Kernel> make_reference_kernel(const graph::Node& node) {
  const KernelFn fn = find_reference_kernel(node.domain, node.op_type);
  return fn ? std::make_unique<ReferenceKernel>(fn) : nullptr;
}

}  // namespace edgeq::runtime
