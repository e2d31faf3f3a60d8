// Shared oneDNN helpers (internal): the CPU engine, a stream per thread, plain-layout memory descriptors.
#pragma once

#include <dnnl.hpp>

#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime::onednn {

dnnl::engine& engine();
dnnl::stream& stream();
dnnl::memory::dims dims_of(const Shape& s);
/// Sets OpenMP's thread count for oneDNN (0 = leave as is).
void set_threads(std::size_t threads);

std::unique_ptr<Kernel> make_conv(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_gemm(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_pool(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_eltwise(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_global_average_pool(const PrepareContext& ctx);

}  // namespace edgeq::runtime::onednn
