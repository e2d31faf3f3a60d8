#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/ptq.hpp"
#include "edgeq/runtime/constant_folding.hpp"
#include "edgeq/targets/edgetpu.hpp"
#include "edgeq/targets/tflite_export.hpp"

namespace edgeq::targets {

bool has_static_quantisation(const graph::Graph& model) {
  for (const auto& n : model.nodes)
    if (n.op_type == "QuantizeLinear" && n.domain.empty()) return true;
  return false;
}

graph::Graph placeholder_int8(const graph::Graph& fp32) {
  graph::Graph g = fp32;
  runtime::fold_constants(g);
  quant::prepare_for_quantisation(g);
  quant::QuantizeOptions o;
  o.scheme = quant::Scheme::Int8;
  o.bias_correction = false;
  const auto plan = quant::plan_quantisation(g, o);
  const std::vector<std::pair<float, float>> ranges(plan.tensors.size(), {-1.0f, 1.0f});
  return quant::build_quantised_graph(g, plan, ranges, o);
}

TfliteModel edgetpu_tflite_of(const graph::Graph& model, bool* placeholder) {
  const bool quantised = has_static_quantisation(model);
  if (placeholder) *placeholder = !quantised;
  if (quantised) return parse_tflite(tflite_flatbuffer(model), model.name);
  return parse_tflite(tflite_flatbuffer(placeholder_int8(model)), model.name);
}

}  // namespace edgeq::targets
