// Gemm (Y = alpha op(A) op(B) + beta C) and MatMul (numpy semantics, 2-D or batched x 2-D).
#include "edgeq/core/error.hpp"
#include "edgeq/graph/geometry.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
void infer_gemm(InferContext& c) {
  c.expect_rank(0, 2);
  c.expect_rank(1, 2);
  const auto& a = c.inputs[0].shape;
  const auto& b = c.inputs[1].shape;
  const bool ta = c.node.attr_int("transA", 0) != 0, tb = c.node.attr_int("transB", 0) != 0;
  const std::int64_t m = ta ? a[1] : a[0], k = ta ? a[0] : a[1];
  const std::int64_t kb = tb ? b[1] : b[0], n = tb ? b[0] : b[1];
  if (k >= 0 && kb >= 0 && k != kb)
    throw_input("{}: inner dimensions {} and {} differ", c.node.describe(), k, kb);
  if (c.has_input(2)) broadcast_shapes(c.node, {m, n}, c.inputs[2].shape);
  c.outputs = {ValueInfo{DType::F32, {m, n}}};
}

std::int64_t gemm_macs(const InferContext& c) {
  const auto& a = c.inputs[0].shape;
  const auto& o = c.outputs[0].shape;
  const std::int64_t k = c.node.attr_int("transA", 0) ? a[0] : a[1];
  return std::max<std::int64_t>(o[0], 1) * o[1] * k;
}

void infer_matmul(InferContext& c) {
  const auto& a = c.inputs[0].shape;
  const auto& b = c.inputs[1].shape;
  if (a.size() < 2 || b.size() != 2)
    throw_input("{}: MatMul supports [..., M, K] x [K, N] (got {} x {})", c.node.describe(),
                core::shape_str(a), core::shape_str(b));
  if (a.back() >= 0 && a.back() != b[0])
    throw_input("{}: inner dimensions {} and {} differ", c.node.describe(), a.back(), b[0]);
  Shape out = a;
  out.back() = b[1];
  c.outputs = {ValueInfo{DType::F32, out}};
}

std::int64_t matmul_macs(const InferContext& c) {
  std::int64_t rows = 1;
  const auto& a = c.inputs[0].shape;
  for (std::size_t i = 0; i + 1 < a.size(); ++i) rows *= std::max<std::int64_t>(a[i], 1);
  return rows * a.back() * c.inputs[1].shape[1];
}
}  // namespace

std::vector<OpSchema> gemm_schemas() {
  return {{"Gemm", "", 2, 3, infer_gemm, gemm_macs}, {"MatMul", "", 2, 2, infer_matmul, matmul_macs}};
}

}  // namespace edgeq::graph::ops
