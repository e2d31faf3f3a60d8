// Kernel interface of the runtime. Reference kernels (kernels/reference/) define the semantics of every op in
// plain C++ (double accumulation for sums); fast kernels must match them within the tolerances in
// runtime/tolerance.hpp (float) or exactly (integer).
#pragma once

#include <vector>

#include "edgeq/core/tensor.hpp"
#include "edgeq/core/thread_pool.hpp"
#include "edgeq/graph/ir.hpp"

namespace edgeq::runtime {

using core::Shape;
using core::Tensor;

struct KernelContext {
  const graph::Node& node;
  std::vector<const Tensor*> inputs;  ///< nullptr for absent optional inputs
  std::vector<Tensor*> outputs;       ///< preallocated with the inferred shapes
  core::ThreadPool* pool = nullptr;   ///< may be null (single-threaded)
};

using KernelFn = void (*)(KernelContext&);

/// The reference kernel of an op, or nullptr.
KernelFn find_reference_kernel(const std::string& domain, const std::string& op_type);

}  // namespace edgeq::runtime
