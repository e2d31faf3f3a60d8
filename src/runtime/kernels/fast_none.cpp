// Build without oneDNN (-DEDGEQ_WITH_ONEDNN=OFF): no fast kernels; the reference kernels run everything.
#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime {
bool fast_kernels_available() {
  return false;
}
std::unique_ptr<Kernel> make_fast_kernel(const PrepareContext&) {
  return nullptr;
}
}  // namespace edgeq::runtime
