// Per-family schema lists (internal to the graph module); op_registry.cpp concatenates them.
#pragma once

#include <vector>

#include "edgeq/graph/op_registry.hpp"

namespace edgeq::graph::ops {

std::vector<OpSchema> conv_schemas();
std::vector<OpSchema> gemm_schemas();
std::vector<OpSchema> normalization_schemas();
std::vector<OpSchema> activation_schemas();
std::vector<OpSchema> pool_schemas();
std::vector<OpSchema> elementwise_schemas();
std::vector<OpSchema> shape_schemas();
std::vector<OpSchema> pad_resize_schemas();
std::vector<OpSchema> quant_schemas();
std::vector<OpSchema> qdq_schemas();
std::vector<OpSchema> qlinear_schemas();

}  // namespace edgeq::graph::ops
