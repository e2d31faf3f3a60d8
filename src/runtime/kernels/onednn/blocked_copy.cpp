// Copies in the blocked layout (nChw8c / nChw16c, every channel count a multiple of the block B), which keep
// Concat and Keras' ZeroPadding2D inside blocked islands:
//   Concat on channels: per batch item, each input's channel blocks are one contiguous slab, so the result is
//   the slabs one after another, as for NCHW;
//   zero Pad of H and W: each [W][B] row of a channel block is copied into the zeroed, larger plane.
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
  const auto p = c.node.attr_ints("pads");
  return std::make_unique<BlockedZeroPad>(p[2], p[3]);
}

std::unique_ptr<Kernel> make_concat(const PrepareContext& c) {
  if (!c.output_blocked(0)) return nullptr;
  for (std::size_t i = 0; i < c.node.inputs.size(); ++i)
    if (!c.input_blocked(i)) return nullptr;
  return std::make_unique<BlockedConcat>();
}

}  // namespace edgeq::runtime::onednn
