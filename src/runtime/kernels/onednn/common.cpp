#include <omp.h>
#include <pthread.h>
#include <sched.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "edgeq/graph/geometry.hpp"
#include "edgeq/graph/op_registry.hpp"
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
std::int64_t channel_block() {
  static const std::int64_t block = dnnl::get_effective_cpu_isa() >= dnnl::cpu_isa::avx512_core ? 16 : 8;
  return block;
}
dnnl::memory::format_tag activation_tag(bool blocked) {
  using tag = dnnl::memory::format_tag;
  return blocked ? (channel_block() == 16 ? tag::nChw16c : tag::nChw8c) : tag::nchw;
}
dnnl::memory::format_tag activation_tag(bool blocked, dnnl::memory::data_type type) {
  using dt = dnnl::memory::data_type;
  if (type == dt::s8 || type == dt::u8)
    return blocked ? dnnl::memory::format_tag::nhwc : dnnl::memory::format_tag::nchw;
  return activation_tag(blocked);
}
bool is_reference_impl(const std::string& impl_info) {
  return impl_info.rfind("ref", 0) == 0 || impl_info.find("simple_nchw") != std::string::npos;
}
void require_jit_for_blocked(const std::string& impl_info, bool blocked) {
  if (blocked && is_reference_impl(impl_info))
    throw dnnl::error(dnnl_unimplemented, "no JIT implementation for the blocked layout");
}
dnnl::memory::desc conv_weight_desc(const Shape& w, std::int64_t group, dnnl::memory::data_type type,
                                    bool any) {
  using tag = dnnl::memory::format_tag;
  if (group > 1) return {{group, w[0] / group, w[1], w[2], w[3]}, type, any ? tag::any : tag::goihw};
  return {dims_of(w), type, any ? tag::any : tag::oihw};
}

dnnl::memory reorder_conv_weights(const Tensor& w, std::int64_t group, const dnnl::memory::desc& wanted) {
  dnnl::memory user(conv_weight_desc(w.shape(), group, wanted.data_type(), false), engine(),
                    const_cast<void*>(w.raw()));
  dnnl::memory out(wanted, engine());
  dnnl::reorder(user, out).execute(stream(), user, out);
  return out;
}

dnnl::convolution_forward::desc convolution_desc(const dnnl::memory::desc& src_md,
                                                 const dnnl::memory::desc& w_md,
                                                 const dnnl::memory::desc* b_md,
                                                 const dnnl::memory::desc& dst_md, const graph::Node& node,
                                                 const Shape& x, const Shape& y, std::int64_t kh,
                                                 std::int64_t kw) {
  const graph::Window2d win = graph::resolve_window(node, x[2], x[3], kh, kw);
  const dnnl::memory::dims strides{win.sh, win.sw}, dil{win.dh - 1, win.dw - 1};
  const dnnl::memory::dims pad_l{win.pad_top, win.pad_left};
  const dnnl::memory::dims pad_r{(y[2] - 1) * win.sh + (kh - 1) * win.dh + 1 - x[2] - win.pad_top,
                                 (y[3] - 1) * win.sw + (kw - 1) * win.dw + 1 - x[3] - win.pad_left};
  const auto prop = dnnl::prop_kind::forward_inference;
  const auto alg = dnnl::algorithm::convolution_direct;
  return b_md ? dnnl::convolution_forward::desc(prop, alg, src_md, w_md, *b_md, dst_md, strides, dil, pad_l,
                                                pad_r)
              : dnnl::convolution_forward::desc(prop, alg, src_md, w_md, dst_md, strides, dil, pad_l, pad_r);
}

void ReorderingKernel::bind_activations(const dnnl::memory::desc& user_src,
                                        const dnnl::memory::desc& prim_src,
                                        const dnnl::memory::desc& user_dst,
                                        const dnnl::memory::desc& prim_dst) {
  src_.bind(args_, DNNL_ARG_SRC, user_src, prim_src);
  if (prim_dst != user_dst) {
    dst_buf_ = dnnl::memory(prim_dst, engine());
    dst_user_mem_ = dnnl::memory(user_dst, engine(), nullptr);
    dst_reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), prim_dst, engine(), user_dst));
    args_.add_fixed(DNNL_ARG_DST, dst_buf_);
  } else {
    args_.add(DNNL_ARG_DST, user_dst);
  }
}

void ReorderedInput::bind(BoundArgs& args, int arg, const dnnl::memory::desc& user,
                          const dnnl::memory::desc& prim) {
  arg_ = arg;
  if (prim == user) {
    args.add(arg, user);
    return;
  }
  buf_ = dnnl::memory(prim, engine());
  user_ = dnnl::memory(user, engine(), nullptr);
  reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(engine(), user, engine(), prim));
  args.add_fixed(arg, buf_);
}

void ReorderedInput::set(BoundArgs& args, const void* data) {
  if (!buf_) {
    args.set(arg_, data);
    return;
  }
  user_.set_data_handle(const_cast<void*>(data));
  reorder_.execute(stream(), user_, buf_);
}

void ReorderingKernel::run(KernelContext& c) {
  src_.set(args_, c.inputs[0]->raw());
  if (!dst_buf_) args_.set(DNNL_ARG_DST, c.outputs[0]->raw());
  prim_.execute(stream(), args_.map());
  if (dst_buf_) {
    dst_user_mem_.set_data_handle(c.outputs[0]->raw());
    dst_reorder_.execute(stream(), dst_buf_, dst_user_mem_);
  }
  stream().wait();
}

void set_threads(std::size_t threads) {
  if (threads > 0) omp_set_num_threads(static_cast<int>(threads));
}
}  // namespace onednn

bool fast_kernels_available() {
  return true;
}

std::string fast_kernel_description() {
  const dnnl_version_t* v = dnnl_version();
  std::string isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case dnnl::cpu_isa::sse41:
      isa = "sse4.1";
      break;
    case dnnl::cpu_isa::avx:
      isa = "avx";
      break;
    case dnnl::cpu_isa::avx2:
      isa = "avx2";
      break;
    case dnnl::cpu_isa::avx2_vnni:
      isa = "avx2 + vnni";
      break;
    case dnnl::cpu_isa::avx512_core:
      isa = "avx512";
      break;
    case dnnl::cpu_isa::avx512_core_vnni:
      isa = "avx512 + vnni";
      break;
    case dnnl::cpu_isa::avx512_core_bf16:
      isa = "avx512 + bf16";
      break;
    case dnnl::cpu_isa::avx512_core_amx:
      isa = "avx512 + amx";
      break;
    default:
      isa = "other";
      break;
  }
  return fmt::format("oneDNN {}.{}.{} (ISA {})", v->major, v->minor, v->patch, isa);
}

struct CpuBinding::Saved {
  cpu_set_t mask;
};

CpuBinding::CpuBinding(std::size_t threads) {
  cpu_set_t allowed;
  const char* env = std::getenv("EDGEQ_CPU_BIND");
  if (threads < 2 || (env && std::string(env) == "0") || sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
    return;
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  // Only when the run uses every allowed CPU: processes sharing a larger machine must not crowd onto the
  // first cores.
  if (cpus.size() != threads) return;
  auto pin = [&](std::size_t k) {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpus[k], &one);
    pthread_setaffinity_np(pthread_self(), sizeof(one), &one);
  };
  static std::mutex mutex;
  static std::size_t workers_bound = 0;  // OpenMP keeps its worker threads: bind them once
  const std::lock_guard lock(mutex);
  if (workers_bound != threads) {
#pragma omp parallel num_threads(static_cast <int>(threads))
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      if (t > 0) pin(t);
    }
    workers_bound = threads;
  }
  saved_ = std::make_unique<Saved>();
  pthread_getaffinity_np(pthread_self(), sizeof(saved_->mask), &saved_->mask);
  pin(0);
}

CpuBinding::~CpuBinding() {
  if (saved_) pthread_setaffinity_np(pthread_self(), sizeof(saved_->mask), &saved_->mask);
}

std::int64_t fast_kernel_channel_block() {
  return onednn::channel_block();
}

namespace {
/// Whether every activation the node reads or writes is float32 (initializers may be of any type).
bool all_float(const PrepareContext& ctx) {
  const auto& g = ctx.graph;
  for (const auto& v : ctx.node.outputs)
    if (!v.empty() && g.info(v).dtype != core::DType::F32) return false;
  for (const auto& v : ctx.node.inputs)
    if (!v.empty() && !g.is_initializer(v) && g.info(v).dtype != core::DType::F32) return false;
  return true;
}
}  // namespace

std::unique_ptr<Kernel> make_fast_kernel(const PrepareContext& ctx) {
  const auto& op = ctx.node.op_type;
  onednn::set_threads(ctx.threads);
  try {
    if (ctx.node.domain == graph::kEdgeqDomain && op == "QConv") return onednn::make_qconv(ctx);
    if (ctx.node.domain == graph::kEdgeqDomain && op == "QAdd") return onednn::make_qadd(ctx);
    if (ctx.node.domain == graph::kEdgeqDomain && op == "QAveragePool")
      return onednn::make_nhwc_average_pool(ctx);
    const auto type = ctx.graph.info(ctx.node.inputs[0]).dtype;
    if (op == "Pad" && (type == core::DType::I8 || type == core::DType::U8))
      return onednn::make_nhwc_pad(ctx);
    if (!ctx.node.domain.empty()) return nullptr;
    if (op == "QuantizeLinear") return onednn::make_quantize_linear(ctx);
    // The standard ops below are float32 kernels, except MaxPool and Concat, which check the types
    // themselves.
    if (op != "MaxPool" && op != "Concat" && !all_float(ctx)) return nullptr;
    if (op == "Conv") return onednn::make_conv(ctx);
    if (op == "Gemm" || op == "MatMul") return onednn::make_gemm(ctx);
    if (op == "MaxPool" || op == "AveragePool") {
      if (auto k = onednn::make_blocked_pool(ctx)) return k;
      return onednn::make_pool(ctx);
    }
    if (op == "GlobalAveragePool") return onednn::make_global_average_pool(ctx);
    if (op == "Concat") return onednn::make_concat(ctx);
    if (op == "Pad") return onednn::make_blocked_zero_pad(ctx);
    if (op == "BatchNormalization")
      if (auto k = onednn::make_blocked_batchnorm(ctx)) return k;
    return onednn::make_eltwise(ctx);
  } catch (const dnnl::error&) {
    return nullptr;  // oneDNN has no implementation for this configuration: the reference kernel runs it
  }
  return nullptr;
}

BlockedLayout blocked_support(const PrepareContext& ctx) {
  const auto& n = ctx.node;
  const auto& g = ctx.graph;
  if (n.inputs.empty() || n.outputs.size() != 1) return BlockedLayout::No;
  const auto rank4 = [&](const std::string& v) { return !v.empty() && g.info(v).shape.size() == 4; };
  if (!rank4(n.inputs[0])) return BlockedLayout::No;
  const auto type = g.info(n.inputs[0]).dtype;
  if (type == core::DType::I8 || type == core::DType::U8) {  // integer codes: "blocked" means NHWC
    if (n.domain == graph::kEdgeqDomain && n.op_type == "QConv") return BlockedLayout::PerTensor;
    if (n.domain == graph::kEdgeqDomain && n.op_type == "QAdd")
      return rank4(n.inputs[1]) && g.info(n.inputs[1]).shape == g.info(n.inputs[0]).shape
                 ? BlockedLayout::Uniform
                 : BlockedLayout::No;
    if (n.domain.empty() && n.op_type == "MaxPool") return BlockedLayout::BlockedOnly;  // oneDNN: NHWC only
    if (n.domain == graph::kEdgeqDomain && n.op_type == "QAveragePool") return BlockedLayout::BlockedOnly;
    if (n.domain.empty() && n.op_type == "Pad") {
      const auto p = n.attr_ints("pads");
      const bool spatial = n.attr_string("mode", "constant") == "constant" && p.size() == 8 && !p[0] &&
                           !p[1] && !p[4] && !p[5] &&
                           std::all_of(p.begin(), p.end(), [](auto v) { return v >= 0; });
      return spatial ? BlockedLayout::BlockedOnly : BlockedLayout::No;
    }
    if (n.domain.empty() && n.op_type == "Concat") {
      const auto axis = n.attr_int("axis", 1);
      for (const auto& v : n.inputs)
        if (!rank4(v) || g.is_initializer(v)) return BlockedLayout::No;
      return axis == 1 || axis == -3 ? BlockedLayout::BlockedOnly : BlockedLayout::No;
    }
    return BlockedLayout::No;
  }
  if (!n.domain.empty() || type != core::DType::F32) return BlockedLayout::No;
  const std::string& op = n.op_type;
  if (op == "Conv" || op == "GlobalAveragePool") return BlockedLayout::PerTensor;
  if (op == "MaxPool" && n.attr_int("edgeq_pad_zero", 0)) return BlockedLayout::BlockedOnly;  // edgeq's loop
  if (op == "MaxPool" || op == "AveragePool" || op == "BatchNormalization" || op == "Relu" ||
      op == "LeakyRelu" || op == "Clip" || op == "Sigmoid" || op == "Tanh")
    return BlockedLayout::Uniform;
  if (op == "Add" || op == "Mul") {
    // Element-wise on two activations of one shape: the memory order does not matter.
    const auto& a = n.inputs[0];
    const auto& b = n.inputs[1];
    return !g.is_initializer(a) && !g.is_initializer(b) && rank4(b) && g.info(a).shape == g.info(b).shape
               ? BlockedLayout::Uniform
               : BlockedLayout::No;
  }
  if (op == "Pad") {
    const auto p = n.attr_ints("pads");
    const bool zero_spatial = n.attr_string("mode", "constant") == "constant" &&
                              n.attr_float("value", 0.0f) == 0.0f && p.size() == 8 && !p[0] && !p[1] &&
                              !p[4] && !p[5] &&
                              std::all_of(p.begin(), p.end(), [](auto v) { return v >= 0; });
    return zero_spatial ? BlockedLayout::BlockedOnly : BlockedLayout::No;
  }
  if (op == "Concat") {
    const auto axis = n.attr_int("axis", 1);
    for (const auto& v : n.inputs)
      if (!rank4(v) || g.is_initializer(v)) return BlockedLayout::No;
    return axis == 1 || axis == -3 ? BlockedLayout::BlockedOnly : BlockedLayout::No;
  }
  return BlockedLayout::No;
}

}  // namespace edgeq::runtime
