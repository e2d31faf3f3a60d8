#include "edgeq/graph/op_registry.hpp"

#include "edgeq/core/error.hpp"
#include "ops/ops.hpp"

namespace edgeq::graph {

namespace {
const std::vector<OpSchema>& registry() {
  static const std::vector<OpSchema> all = [] {
    std::vector<OpSchema> v;
    for (auto part : {ops::conv_schemas(), ops::gemm_schemas(), ops::normalization_schemas(),
                      ops::activation_schemas(), ops::pool_schemas(), ops::elementwise_schemas(),
                      ops::shape_schemas(), ops::pad_resize_schemas(), ops::quant_schemas(), ops::qdq_schemas(),
                      ops::qlinear_schemas()})
      v.insert(v.end(), part.begin(), part.end());
    return v;
  }();
  return all;
}

InferContext make_context(const Graph& g, const Node& node) {
  InferContext c{g, node, {}, {}};
  for (const auto& in : node.inputs) c.inputs.push_back(in.empty() ? ValueInfo{} : g.info(in));
  return c;
}
}  // namespace

const Tensor* InferContext::constant(std::size_t i) const {
  if (!has_input(i)) return nullptr;
  auto it = graph.initializers.find(node.inputs[i]);
  return it == graph.initializers.end() ? nullptr : &it->second;
}

void InferContext::expect_rank(std::size_t i, std::size_t rank) const {
  if (inputs[i].shape.size() != rank)
    throw_input("{}: input {} ('{}') must have rank {} (shape {})", node.describe(), i, node.inputs[i], rank,
                core::shape_str(inputs[i].shape));
}

const OpSchema* find_schema(const std::string& domain, const std::string& op_type) {
  for (const auto& s : registry())
    if (op_type == s.op_type && domain == s.domain) return &s;
  return nullptr;
}

std::span<const OpSchema> all_schemas() {
  return registry();
}

void infer_node(Graph& g, const Node& node) {
  const OpSchema* s = find_schema(node.domain, node.op_type);
  if (!s)
    throw_input("{}: unsupported operator (domain '{}', opset {})", node.describe(), node.domain, g.opset);
  const int n_in = static_cast<int>(node.inputs.size());
  if (n_in < s->min_inputs || n_in > s->max_inputs)
    throw_input("{}: {} inputs given, expected {} to {}", node.describe(), n_in, s->min_inputs,
                s->max_inputs);
  for (int i = 0; i < s->min_inputs; ++i)
    if (node.inputs[static_cast<std::size_t>(i)].empty())
      throw_input("{}: required input {} is missing", node.describe(), i);
  InferContext c = make_context(g, node);
  s->infer(c);
  for (std::size_t i = 0; i < node.outputs.size() && i < c.outputs.size(); ++i)
    if (!node.outputs[i].empty()) g.values[node.outputs[i]] = c.outputs[i];
}

void Graph::infer_shapes() {
  for (const auto& [k, t] : initializers) values[k] = ValueInfo{t.dtype(), t.shape()};
  for (const auto& in : inputs)
    if (!values.count(in)) throw_input("graph input '{}' has no type information", in);
  for (const auto& node : nodes) infer_node(*this, node);
}

std::int64_t node_macs(const Graph& g, const Node& node) {
  const OpSchema* s = find_schema(node.domain, node.op_type);
  if (!s || !s->macs) return 0;
  InferContext c = make_context(g, node);
  for (const auto& o : node.outputs) c.outputs.push_back(o.empty() ? ValueInfo{} : g.info(o));
  return s->macs(c);
}

}  // namespace edgeq::graph
