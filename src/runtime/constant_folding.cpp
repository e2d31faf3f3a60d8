#include "edgeq/runtime/constant_folding.hpp"

#include <algorithm>

#include "edgeq/graph/op_registry.hpp"
#include "edgeq/graph/passes.hpp"
#include "edgeq/runtime/kernel.hpp"

namespace edgeq::runtime {

int fold_constants(graph::Graph& g) {
  int folded = 0;
  std::vector<graph::Node> kept;
  for (auto& node : g.nodes) {
    bool constant = !node.inputs.empty();
    for (const auto& in : node.inputs) constant &= in.empty() || g.is_initializer(in);
    const bool is_output = std::any_of(node.outputs.begin(), node.outputs.end(), [&](const std::string& o) {
      return std::count(g.outputs.begin(), g.outputs.end(), o) > 0;
    });
    const KernelFn fn = find_reference_kernel(node.domain, node.op_type);
    if (!constant || is_output || !fn || node.outputs.size() != 1) {
      kept.push_back(std::move(node));
      continue;
    }
    graph::infer_node(g, node);
    const auto& info = g.info(node.outputs[0]);
    Tensor out(info.dtype, info.shape);
    KernelContext ctx{node, {}, {&out}, nullptr};
    for (const auto& in : node.inputs) ctx.inputs.push_back(in.empty() ? nullptr : &g.initializers.at(in));
    fn(ctx);
    g.initializers[node.outputs[0]] = out;
    ++folded;
  }
  g.nodes = std::move(kept);
  if (folded) {
    graph::remove_unused_initializers(g);
    g.infer_shapes();
  }
  return folded;
}

}  // namespace edgeq::runtime
