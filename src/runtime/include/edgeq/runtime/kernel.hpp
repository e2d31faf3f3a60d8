// Kernel interface of the runtime. Reference kernels (kernels/reference/) define the semantics of every op in
// plain C++ (double accumulation for sums). Fast kernels (kernels/onednn/) are prepared per node and shape
// and must match the reference within runtime/tolerance.hpp (float) or exactly (integer);
// tests/runtime/test_op_*.cpp compare every fast kernel with its reference twin.
#pragma once

#include <memory>
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

/// A kernel prepared for one node at fixed shapes (may hold reordered weights, primitives, scratch).
class Kernel {
 public:
  virtual ~Kernel() = default;
  virtual void run(KernelContext& ctx) = 0;
  virtual const char* backend() const = 0;
};

/// What a fast-kernel factory may look at: the bound graph (concrete shapes, initializers) and the node.
struct PrepareContext {
  const graph::Graph& graph;
  const graph::Node& node;
  std::size_t threads;
  /// Physical layout the executor chose for each input / output: true = the fast backend's layout of a 4-D
  /// [N, C, H, W] value, the same size as NCHW: oneDNN's blocked nChw8c / nChw16c for float32 (see
  /// fast_kernel_channel_block(); C is a multiple of the block), NHWC for int8/uint8 codes. Empty = all NCHW.
  /// Only kernels with blocked_support() != No get true.
  std::vector<bool> blocked_inputs{}, blocked_outputs{};

  bool input_blocked(std::size_t i) const { return i < blocked_inputs.size() && blocked_inputs[i]; }
  bool output_blocked(std::size_t i) const { return i < blocked_outputs.size() && blocked_outputs[i]; }
};

/// Whether a node's fast kernel can work on blocked activations, which lets the executor keep chains of
/// oneDNN ops in that layout and avoid reorders between them. Uniform: its 4-D activation inputs and output
/// must share one layout; PerTensor: each may be chosen independently (Conv, GlobalAveragePool); BlockedOnly:
/// as Uniform, but the fast kernel exists only for blocked data (Concat, zero Pad: plain copies; NCHW stays
/// on the reference).
enum class BlockedLayout { No, Uniform, PerTensor, BlockedOnly };
BlockedLayout blocked_support(const PrepareContext& ctx);
/// Channel block of the blocked layout (8 or 16; 1 without fast kernels).
std::int64_t fast_kernel_channel_block();

/// Prepared reference kernel (always available for supported ops).
std::unique_ptr<Kernel> make_reference_kernel(const graph::Node& node);
/// Prepared fast kernel, or nullptr when no fast kernel handles this node at these shapes.
std::unique_ptr<Kernel> make_fast_kernel(const PrepareContext& ctx);
/// Whether fast kernels were compiled in (EDGEQ_WITH_ONEDNN).
bool fast_kernels_available();
/// The fast-kernel library, its version and the instruction set it dispatches to (e.g. "oneDNN 3.0.0 (ISA
/// avx2)"), or "none (reference kernels only)".
std::string fast_kernel_description();

/// Binds the fast backend's worker threads to distinct CPUs of the process's affinity mask once, and the
/// calling thread to the first of them for this object's lifetime (restoring its mask afterwards), as
/// OMP_PROC_BIND=true does for the whole process: on a shared machine unbound threads migrate and share cores
/// (measured: ResNet50V2 at 2 threads 46 ms unbound, 39 ms bound). Only when the threads are exactly the CPUs
/// of the mask (so concurrent processes on a larger machine are not all bound to its first cores); no-op
/// without fast kernels, with one thread, or with EDGEQ_CPU_BIND=0.
class CpuBinding {
 public:
  explicit CpuBinding(std::size_t threads);
  ~CpuBinding();
  CpuBinding(const CpuBinding&) = delete;
  CpuBinding& operator=(const CpuBinding&) = delete;

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

}  // namespace edgeq::runtime
