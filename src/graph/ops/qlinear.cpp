// Integer operators of edgeq's lowered int8/uint8/int16 graphs (domain ai.edgeq). They are produced by
// quant::lower_qdq() from QDQ patterns and never written to files; the arithmetic (TFLite quantisation
// specification) is defined by runtime/kernels/reference/qlinear_*.cpp and docs/quantisation.md.
// Shapes follow the float op of the same name without the Q; activations keep their integer type.
//   QConv(X, W, B?), QGemm(A, B, C?), QAdd(A, B), QAveragePool(X), QGlobalAveragePool(X)
#include "edgeq/core/error.hpp"
#include "ops.hpp"

namespace edgeq::graph::ops {

namespace {
bool is_activation_type(DType t) {
  return t == DType::I8 || t == DType::U8 || t == DType::I16;
}

template <const char* FloatOp>
void infer_like(InferContext& c) {
  const DType t = c.inputs[0].dtype;
  if (!is_activation_type(t))
    throw_input("{}: input must be int8, uint8 or int16, got {}", c.node.describe(), core::dtype_name(t));
  if (c.node.op_type == "QAdd" && c.inputs[1].dtype != t)
    throw_input("{}: inputs have different types", c.node.describe());
  if ((c.node.op_type == "QConv" || c.node.op_type == "QGemm") && c.has_input(2) &&
      c.inputs[2].dtype != DType::I32)
    throw_input("{}: bias must be int32", c.node.describe());
  find_schema("", FloatOp)->infer(c);
  c.outputs[0].dtype = t;
}

template <const char* FloatOp>
std::int64_t macs_like(const InferContext& c) {
  const auto* s = find_schema("", FloatOp);
  return s->macs ? s->macs(c) : 0;
}

constexpr char kConv[] = "Conv", kGemm[] = "Gemm", kAdd[] = "Add", kAvg[] = "AveragePool",
               kGap[] = "GlobalAveragePool";
}  // namespace

std::vector<OpSchema> qlinear_schemas() {
  return {{"QConv", kEdgeqDomain, 2, 3, infer_like<kConv>, macs_like<kConv>},
          {"QGemm", kEdgeqDomain, 2, 3, infer_like<kGemm>, macs_like<kGemm>},
          {"QAdd", kEdgeqDomain, 2, 2, infer_like<kAdd>, nullptr},
          {"QAveragePool", kEdgeqDomain, 1, 1, infer_like<kAvg>, nullptr},
          {"QGlobalAveragePool", kEdgeqDomain, 1, 1, infer_like<kGap>, nullptr}};
}

}  // namespace edgeq::graph::ops
