// Copies in the blocked layout (nChw8c / nChw16c, every channel count a multiple of the block B), which keep
// Concat and Keras' ZeroPadding2D inside blocked islands:
//   Concat on channels: per batch item, each input's channel blocks are one contiguous slab, so the result is
//   the slabs one after another, as for NCHW;
//   zero Pad of H and W: each [W][B] row of a channel block is copied into the zeroed, larger plane;
//   Concat on channels of int8/uint8 codes, whose fast layout is NHWC: per pixel, each input's channels in
//   turn.
#include <cstring>

#include "onednn_common.hpp"

namespace edgeq::runtime::onednn {

namespace {
class BlockedConcat final : public Kernel {
 public:
  void run(KernelContext& c) override {
    const auto batch = static_cast<std::size_t>(c.outputs[0]->shape()[0]);
    std::vector<std::size_t> slab;
    for (const auto* in : c.inputs) slab.push_back(in->bytes() / batch);
    auto* out = static_cast<unsigned char*>(c.outputs[0]->raw());
    for (std::size_t n = 0; n < batch; ++n)
      for (std::size_t i = 0; i < c.inputs.size(); ++i) {
        std::memcpy(out, static_cast<const unsigned char*>(c.inputs[i]->raw()) + n * slab[i], slab[i]);
        out += slab[i];
      }
  }
  const char* backend() const override { return "blocked-copy"; }
};
class NhwcConcat final : public Kernel {
 public:
  void run(KernelContext& c) override {
    const auto& out_shape = c.outputs[0]->shape();
    const std::int64_t pixels = out_shape[0] * out_shape[2] * out_shape[3];
    const auto out_row = static_cast<std::size_t>(out_shape[1]);  // bytes per pixel (1-byte codes)
    auto* out = static_cast<unsigned char*>(c.outputs[0]->raw());
    std::vector<const unsigned char*> in;
    std::vector<std::size_t> width;
    for (const auto* t : c.inputs) {
      in.push_back(static_cast<const unsigned char*>(t->raw()));
      width.push_back(static_cast<std::size_t>(t->shape()[1]));
    }
#pragma omp parallel for schedule(static)
    for (std::int64_t p = 0; p < pixels; ++p) {
      unsigned char* dst = out + static_cast<std::size_t>(p) * out_row;
      for (std::size_t i = 0; i < in.size(); ++i) {
        std::memcpy(dst, in[i] + static_cast<std::size_t>(p) * width[i], width[i]);
        dst += width[i];
      }
    }
  }
  const char* backend() const override {
    return "blocked-copy";
  }
};

class BlockedZeroPad final : public Kernel {
 public:
  BlockedZeroPad(std::int64_t top, std::int64_t left) : top_(top), left_(left) {}
  void run(KernelContext& c) override {
    const auto& in = c.inputs[0]->shape();
    const auto& out = c.outputs[0]->shape();
    const std::int64_t block = channel_block(), planes = in[0] * in[1] / block;
    const float* x = c.inputs[0]->data<float>();
    float* y = c.outputs[0]->data<float>();
    std::memset(y, 0, c.outputs[0]->bytes());
    const auto row = static_cast<std::size_t>(in[3] * block) * sizeof(float);
    for (std::int64_t p = 0; p < planes; ++p)
      for (std::int64_t h = 0; h < in[2]; ++h)
        std::memcpy(y + ((p * out[2] + h + top_) * out[3] + left_) * block,
                    x + (p * in[2] + h) * in[3] * block, row);
  }
  const char* backend() const override { return "blocked-copy"; }

 private:
  std::int64_t top_, left_;
};
}  // namespace

std::unique_ptr<Kernel> make_blocked_zero_pad(const PrepareContext& c) {
  if (!c.input_blocked(0) || !c.output_blocked(0)) return nullptr;
  if (c.graph.info(c.node.inputs[0]).dtype != core::DType::F32) return nullptr;
  const auto p = c.node.attr_ints("pads");
  return std::make_unique<BlockedZeroPad>(p[2], p[3]);
}

std::unique_ptr<Kernel> make_concat(const PrepareContext& c) {
  if (!c.output_blocked(0)) return nullptr;
  for (std::size_t i = 0; i < c.node.inputs.size(); ++i)
    if (!c.input_blocked(i)) return nullptr;
  const auto type = c.graph.info(c.node.outputs[0]).dtype;
  if (type == core::DType::I8 || type == core::DType::U8) return std::make_unique<NhwcConcat>();
  if (type != core::DType::F32) return nullptr;
  return std::make_unique<BlockedConcat>();
}

}  // namespace edgeq::runtime::onednn
