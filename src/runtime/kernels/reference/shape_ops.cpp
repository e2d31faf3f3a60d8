// Flatten, Reshape, Squeeze, Unsqueeze (copies: the layout does not change) and Transpose (any rank).
#include <cstring>

#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
void copy(KernelContext& c) {
  std::memcpy(c.outputs[0]->raw(), c.inputs[0]->raw(), c.inputs[0]->bytes());
}

void transpose(KernelContext& c) {
  const Tensor& x = *c.inputs[0];
  Tensor& y = *c.outputs[0];
  const Shape& in = x.shape();
  const auto rank = in.size();
  std::vector<std::int64_t> perm = c.node.attr_ints("perm");
  if (perm.empty())
    for (std::size_t i = 0; i < rank; ++i) perm.push_back(static_cast<std::int64_t>(rank - 1 - i));
  std::vector<std::int64_t> in_strides(rank, 1);
  for (std::size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * in[i];
  std::vector<std::int64_t> st(rank);  // input stride for each output dim
  for (std::size_t d = 0; d < rank; ++d) st[d] = in_strides[static_cast<std::size_t>(perm[d])];
  const Shape& out = y.shape();
  const std::size_t es = core::dtype_size(x.dtype());
  const auto* xp = static_cast<const unsigned char*>(x.raw());
  auto* yp = static_cast<unsigned char*>(y.raw());
  std::vector<std::int64_t> idx(rank, 0);
  std::int64_t off = 0;
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    std::memcpy(yp + static_cast<std::size_t>(i) * es, xp + static_cast<std::size_t>(off) * es, es);
    for (std::size_t d = rank; d-- > 0;) {
      ++idx[d];
      off += st[d];
      if (idx[d] < out[d]) break;
      off -= st[d] * out[d];
      idx[d] = 0;
    }
  }
}
}  // namespace

std::vector<Entry> shape_kernels() {
  return {{"Flatten", "", copy},
          {"Reshape", "", copy},
          {"Squeeze", "", copy},
          {"Unsqueeze", "", copy},
          {"Transpose", "", transpose}};
}

}  // namespace edgeq::runtime::reference
