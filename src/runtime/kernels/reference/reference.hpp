// Reference kernel families (internal). Each returns its (op_type, domain, kernel) entries.
#pragma once

#include <string>
#include <vector>

#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime::reference {

struct Entry {
  const char* op_type;
  const char* domain;
  KernelFn fn;
};

std::vector<Entry> conv_kernels();
std::vector<Entry> gemm_kernels();
std::vector<Entry> activation_kernels();
std::vector<Entry> pool_kernels();
std::vector<Entry> elementwise_kernels();
std::vector<Entry> shape_kernels();
std::vector<Entry> pad_resize_kernels();
std::vector<Entry> quant_kernels();
std::vector<Entry> qdq_kernels();
std::vector<Entry> qlinear_conv_kernels();
std::vector<Entry> qlinear_eltwise_kernels();

/// Runs fn(i) for i in [0, n) on the context's pool (or inline).
void parallel(KernelContext& c, std::size_t n, const std::function<void(std::size_t)>& fn);

}  // namespace edgeq::runtime::reference
