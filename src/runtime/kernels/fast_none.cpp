// Build without oneDNN (-DEDGEQ_WITH_ONEDNN=OFF): no fast kernels; the reference kernels run everything.
#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime {
bool fast_kernels_available() {
  return false;
}
std::string fast_kernel_description() {
  return "none (reference kernels only)";
}
std::unique_ptr<Kernel> make_fast_kernel(const PrepareContext&) {
  return nullptr;
}
BlockedLayout blocked_support(const PrepareContext&) {
  return BlockedLayout::No;
}
struct CpuBinding::Saved {};
CpuBinding::CpuBinding(std::size_t) {}
CpuBinding::~CpuBinding() = default;
std::int64_t fast_kernel_channel_block() {
  return 1;
}
}  // namespace edgeq::runtime
