// Add and Mul with numpy broadcasting; Concat.
#include <cstring>

#include "edgeq/graph/geometry.hpp"
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
/// Strides of `in` broadcast to `out` (0 where the input dimension is 1 or missing).
std::vector<std::int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  std::vector<std::int64_t> st(out.size(), 0);
  std::int64_t s = 1;
  for (std::size_t k = 0; k < in.size(); ++k) {
    const std::size_t i = in.size() - 1 - k, o = out.size() - 1 - k;
    st[o] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  return st;
}

template <typename F>
void binary(KernelContext& c, F f) {
  const Tensor& a = *c.inputs[0];
  const Tensor& b = *c.inputs[1];
  Tensor& y = *c.outputs[0];
  const Shape& out = y.shape();
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  if (a.shape() == out && b.shape() == out) {
    for (std::int64_t i = 0; i < y.numel(); ++i) yp[i] = f(ap[i], bp[i]);
    return;
  }
  const auto sa = broadcast_strides(a.shape(), out), sb = broadcast_strides(b.shape(), out);
  std::vector<std::int64_t> idx(out.size(), 0);
  std::int64_t oa = 0, ob = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    yp[i] = f(ap[oa], bp[ob]);
    for (std::size_t d = out.size(); d-- > 0;) {  // odometer increment
      ++idx[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < out[d]) break;
      oa -= sa[d] * out[d];
      ob -= sb[d] * out[d];
      idx[d] = 0;
    }
  }
}

void add(KernelContext& c) {
  binary(c, [](float x, float y) { return x + y; });
}
void mul(KernelContext& c) {
  binary(c, [](float x, float y) { return x * y; });
}

void concat(KernelContext& c) {
  Tensor& y = *c.outputs[0];
  const auto& out = y.shape();
  const auto rank = static_cast<std::int64_t>(out.size());
  const std::int64_t axis = graph::normalize_axis(c.node, c.node.attr_int("axis", 1), rank);
  std::int64_t outer = 1, inner = 1;
  for (std::int64_t i = 0; i < axis; ++i) outer *= out[static_cast<std::size_t>(i)];
  for (std::int64_t i = axis + 1; i < rank; ++i) inner *= out[static_cast<std::size_t>(i)];
  const std::size_t es = core::dtype_size(y.dtype());
  auto* yp = static_cast<unsigned char*>(y.raw());
  const std::int64_t out_row = out[static_cast<std::size_t>(axis)] * inner;
  std::int64_t offset = 0;
  for (const Tensor* in : c.inputs) {
    const std::int64_t row = in->shape()[static_cast<std::size_t>(axis)] * inner;
    const auto* ip = static_cast<const unsigned char*>(in->raw());
    for (std::int64_t o = 0; o < outer; ++o)
      std::memcpy(yp + static_cast<std::size_t>(o * out_row + offset) * es,
                  ip + static_cast<std::size_t>(o * row) * es, static_cast<std::size_t>(row) * es);
    offset += row;
  }
}
}  // namespace

std::vector<Entry> elementwise_kernels() {
  return {{"Add", "", add}, {"Mul", "", mul}, {"Concat", "", concat}};
}

}  // namespace edgeq::runtime::reference
