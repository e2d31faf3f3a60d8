// Constant folding: nodes whose inputs are all constants are evaluated once with the reference kernels and
// replaced by initializers (e.g. Transpose or Reshape of weights in converter exports, so that fast kernels
// see constant weights). Graph outputs are never folded away.
#pragma once

#include "edgeq/graph/ir.hpp"

namespace edgeq::runtime {

/// Returns the number of nodes folded. Shapes are re-inferred.
int fold_constants(graph::Graph& graph);

}  // namespace edgeq::runtime
