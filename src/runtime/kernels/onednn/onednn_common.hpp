// Shared oneDNN helpers (internal): the CPU engine, a stream per thread, plain-layout memory descriptors.
#pragma once

#include <dnnl.hpp>

#include <unordered_map>
#include <utility>
#include <vector>

#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime::onednn {

dnnl::engine& engine();
dnnl::stream& stream();
dnnl::memory::dims dims_of(const Shape& s);
/// Channel block of oneDNN's native activation layout on this CPU: 16 (nChw16c) with AVX-512, else 8
/// (nChw8c).
std::int64_t channel_block();
/// The blocked layout (nChw8c / nChw16c) or nchw for a 4-D activation.
dnnl::memory::format_tag activation_tag(bool blocked);
/// The layout the executor's "blocked" flag means for a data type: nChw8c/16c for float32, NHWC for
/// int8/uint8 codes (oneDNN's int8 kernels on AVX2 work on NHWC).
dnnl::memory::format_tag activation_tag(bool blocked, dnnl::memory::data_type type);
/// Whether a pd runs a reference (non-JIT) implementation, which is too slow to keep a blocked island.
bool is_reference_impl(const std::string& impl_info);
/// Throws dnnl::error (unimplemented) for a reference implementation on blocked activations: the executor
/// then keeps this node in NCHW.
void require_jit_for_blocked(const std::string& impl_info, bool blocked);
/// Sets OpenMP's thread count for oneDNN (0 = leave as is).
void set_threads(std::size_t threads);

/// The arguments of a primitive, with memory objects created once at prepare time; each run only points them
/// at its buffers (creating oneDNN memory objects per run costs more than small primitives themselves).
class BoundArgs {
 public:
  /// A per-run buffer described by md.
  void add(int arg, const dnnl::memory::desc& md) { map_[arg] = dnnl::memory(md, engine(), nullptr); }
  /// A memory object that stays (reordered weights, scratch buffers).
  void add_fixed(int arg, const dnnl::memory& m) { map_[arg] = m; }
  void set(int arg, const void* ptr) { map_.at(arg).set_data_handle(const_cast<void*>(ptr)); }
  const std::unordered_map<int, dnnl::memory>& map() const { return map_; }

 private:
  std::unordered_map<int, dnnl::memory> map_;
};

/// A kernel that runs one primitive whose arguments are node inputs and outputs: subclasses create the
/// primitive and bind each argument once; run() points the arguments at this run's tensors, executes and
/// waits.
class PrimitiveKernel : public Kernel {
 public:
  void run(KernelContext& c) override {
    for (const auto& [arg, i] : inputs_) args_.set(arg, c.inputs[i]->raw());
    for (const auto& [arg, i] : outputs_) args_.set(arg, c.outputs[i]->raw());
    prim_.execute(stream(), args_.map());
    stream().wait();
  }
  const char* backend() const override { return "onednn"; }

 protected:
  void bind_input(int arg, std::size_t input, const dnnl::memory::desc& md) {
    args_.add(arg, md);
    inputs_.emplace_back(arg, input);
  }
  void bind_output(int arg, std::size_t output, const dnnl::memory::desc& md) {
    args_.add(arg, md);
    outputs_.emplace_back(arg, output);
  }
  dnnl::primitive prim_;

 private:
  BoundArgs args_;
  std::vector<std::pair<int, std::size_t>> inputs_, outputs_;
};

/// An ONNX Conv weight [M, C/group, kH, kW] as oneDNN sees it: [group, M/group, C/group, kH, kW] (goihw) with
/// groups, else oihw; `any` leaves the layout to the primitive.
dnnl::memory::desc conv_weight_desc(const Shape& w, std::int64_t group, dnnl::memory::data_type type,
                                    bool any);
/// The constant weights reordered once into the layout the primitive chose.
dnnl::memory reorder_conv_weights(const Tensor& w, std::int64_t group, const dnnl::memory::desc& wanted);

/// Forward-inference convolution descriptor for the window of a Conv/QConv node (x, y: activation shapes; kh,
/// kw: kernel size); the right padding is what oneDNN needs for y's size (covers ceil-like overhang). b_md
/// null: no bias.
dnnl::convolution_forward::desc convolution_desc(const dnnl::memory::desc& src_md,
                                                 const dnnl::memory::desc& w_md,
                                                 const dnnl::memory::desc* b_md,
                                                 const dnnl::memory::desc& dst_md, const graph::Node& node,
                                                 const Shape& x, const Shape& y, std::int64_t kh,
                                                 std::int64_t kw);

/// A node input given to a primitive argument: bound directly when the executor's layout (user) is the one
/// the primitive wants (prim), else reordered into a scratch buffer of the primitive's layout on each run.
class ReorderedInput {
 public:
  void bind(BoundArgs& args, int arg, const dnnl::memory::desc& user, const dnnl::memory::desc& prim);
  /// Points the argument at this run's data (after reordering it when needed); call before executing.
  void set(BoundArgs& args, const void* data);

 private:
  int arg_ = 0;
  dnnl::memory buf_, user_;
  dnnl::reorder reorder_;
};

/// A kernel running one primitive on input 0 -> output 0 whose preferred activation layouts may differ from
/// the executor's: bind_activations() binds the sides that match and adds a reorder (to a scratch buffer) for
/// the others; run() reorders in, executes, reorders out. Subclasses create prim_ and add their fixed
/// arguments.
class ReorderingKernel : public Kernel {
 public:
  void run(KernelContext& c) override;
  const char* backend() const override { return "onednn"; }

 protected:
  void bind_activations(const dnnl::memory::desc& user_src, const dnnl::memory::desc& prim_src,
                        const dnnl::memory::desc& user_dst, const dnnl::memory::desc& prim_dst);
  dnnl::primitive prim_;
  BoundArgs args_;

 private:
  ReorderedInput src_;
  dnnl::memory dst_buf_, dst_user_mem_;
  dnnl::reorder dst_reorder_;
};

std::unique_ptr<Kernel> make_conv(const PrepareContext& ctx);
/// Fewest 2x2 output tiles (batch included) for which a 3x3 Conv runs as Winograd F(2x2, 3x3). Measured per
/// layer at 200x200 input (2 threads, AVX2): 16 tiles (7x7, ResNet50V2's conv5, 512 channels) 0.13 ms
/// faster than the direct kernel, 9 tiles (6x6, DenseNet169's conv5, 128 -> 32) and 4 tiles (4x4, Inception
/// V3's 448 -> 384) 0.01 and 0.22 ms slower: too few tiles for the GEMMs to amortise the transforms.
inline constexpr std::int64_t kWinogradMinTiles = 16;
/// Fewest 4x4 output tiles for which it runs as F(4x4, 3x3) instead (2.25 instead of 4 multiplications
/// per output; larger transforms and rounding error). Measured per layer like kWinogradMinTiles: 36 tiles
/// (22x22, Inception V3, 64 -> 96) 0.05 ms and 49 tiles (25x25, ResNet50V2's conv3, 128 channels) 0.17 ms
/// faster than F(2x2, 3x3); 16 tiles (13x13, ResNet50V2's conv4) 0.06 ms slower.
inline constexpr std::int64_t kWinograd4MinTiles = 36;
/// Winograd F(2x2, 3x3) for a float32 3x3 / stride 1 / dilation 1 / group 1 Conv whose input, output (and
/// residual) are blocked and whose channel counts are multiples of the block; nullptr otherwise.
std::unique_ptr<Kernel> make_winograd_conv(const PrepareContext& ctx, const Tensor& w, const Tensor* b);
std::unique_ptr<Kernel> make_qconv(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_qadd(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_nhwc_average_pool(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_nhwc_pad(const PrepareContext& ctx);
/// Per-tensor float32 -> int8/uint8 QuantizeLinear (AVX2, threads); nullptr for other configurations.
std::unique_ptr<Kernel> make_quantize_linear(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_gemm(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_pool(const PrepareContext& ctx);
/// Float32 inference BatchNormalization (+ fused ReLU) with constant parameters on blocked activations
/// (edgeq's loop); nullptr otherwise.
std::unique_ptr<Kernel> make_blocked_batchnorm(const PrepareContext& ctx);
/// Float32 MaxPool / AveragePool on blocked activations (edgeq's loop; nullptr unless input and output are
/// blocked).
std::unique_ptr<Kernel> make_blocked_pool(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_eltwise(const PrepareContext& ctx);
std::unique_ptr<Kernel> make_global_average_pool(const PrepareContext& ctx);
/// Only for blocked inputs (NCHW concatenation stays on the reference: a memcpy per input).
std::unique_ptr<Kernel> make_concat(const PrepareContext& ctx);
/// Only for blocked activations and zero constant padding of H and W.
std::unique_ptr<Kernel> make_blocked_zero_pad(const PrepareContext& ctx);

}  // namespace edgeq::runtime::onednn
