// Gemm (alpha op(A) op(B) + beta C, C broadcast to [M, N]) and MatMul ([..., M, K] x [K, N]).
#include "reference.hpp"

namespace edgeq::runtime::reference {

namespace {
/// Value of C broadcast to [M, N] at (i, j).
float broadcast_at(const Tensor& t, std::int64_t i, std::int64_t j) {
  const auto& s = t.shape();
  const float* d = t.data<float>();
  if (s.empty()) return d[0];
  if (s.size() == 1) return d[s[0] == 1 ? 0 : j];
  const std::int64_t r = s[0] == 1 ? 0 : i, col = s[1] == 1 ? 0 : j;
  return d[r * s[1] + col];
}

void gemm(KernelContext& c) {
  const Tensor& a = *c.inputs[0];
  const Tensor& b = *c.inputs[1];
  const Tensor* cc = c.inputs.size() > 2 ? c.inputs[2] : nullptr;
  Tensor& y = *c.outputs[0];
  const bool ta = c.node.attr_int("transA", 0) != 0, tb = c.node.attr_int("transB", 0) != 0;
  const double alpha = c.node.attr_float("alpha", 1.0f), beta = c.node.attr_float("beta", 1.0f);
  const auto m = y.shape()[0], n = y.shape()[1];
  const auto k = ta ? a.shape()[0] : a.shape()[1];
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  parallel(c, static_cast<std::size_t>(m), [&](std::size_t row) {
    const auto i = static_cast<std::int64_t>(row);
    for (std::int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < k; ++p) {
        const double av = ta ? ap[p * m + i] : ap[i * k + p];
        const double bv = tb ? bp[j * k + p] : bp[p * n + j];
        acc += av * bv;
      }
      acc *= alpha;
      if (cc) acc += beta * broadcast_at(*cc, i, j);
      yp[i * n + j] = static_cast<float>(acc);
    }
  });
}

void matmul(KernelContext& c) {
  const Tensor& a = *c.inputs[0];
  const Tensor& b = *c.inputs[1];
  Tensor& y = *c.outputs[0];
  const auto k = a.shape().back(), n = b.shape()[1];
  const auto rows = a.numel() / k;
  const float* ap = a.data<float>();
  const float* bp = b.data<float>();
  float* yp = y.data<float>();
  parallel(c, static_cast<std::size_t>(rows), [&](std::size_t row) {
    const auto i = static_cast<std::int64_t>(row);
    for (std::int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (std::int64_t p = 0; p < k; ++p) acc += static_cast<double>(ap[i * k + p]) * bp[p * n + j];
      yp[i * n + j] = static_cast<float>(acc);
    }
  });
}
}  // namespace

std::vector<Entry> gemm_kernels() {
  return {{"Gemm", "", gemm}, {"MatMul", "", matmul}};
}

}  // namespace edgeq::runtime::reference
