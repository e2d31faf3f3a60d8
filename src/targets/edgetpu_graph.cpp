#include "edgeq/graph/ir.hpp"
#include "edgeq/quant/ptq.hpp"
#include "edgeq/runtime/constant_folding.hpp"
#include "edgeq/targets/edgetpu.hpp"
#include "edgeq/targets/tflite_export.hpp"

namespace edgeq::targets {

TfliteModel edgetpu_tflite_of(const graph::Graph& model, bool* placeholder) {
  bool quantised = false;
  for (const auto& n : model.nodes) quantised |= n.op_type == "QuantizeLinear" && n.domain.empty();
  if (placeholder) *placeholder = !quantised;
  if (quantised) return parse_tflite(tflite_flatbuffer(model), model.name);
  graph::Graph g = model;
  runtime::fold_constants(g);
  quant::prepare_for_quantisation(g);
  quant::QuantizeOptions o;
  o.scheme = quant::Scheme::Int8;
  o.bias_correction = false;
  const auto plan = quant::plan_quantisation(g, o);
  const std::vector<std::pair<float, float>> ranges(plan.tensors.size(), {-1.0f, 1.0f});
  return parse_tflite(tflite_flatbuffer(quant::build_quantised_graph(g, plan, ranges, o)), model.name);
}

}  // namespace edgeq::targets
