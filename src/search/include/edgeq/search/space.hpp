// Mixed-precision search space (edgeq search): which quantisers each layer of a float model may get, read
// from YAML (docs/search.md):
//   weight: [quantized_bits(2,0,alpha='auto_po2'), quantized_bits(4,0,alpha='auto'), ...]  # Conv/Gemm/MatMul
//   bias:   [quantized_bits(8,3)]            # optional; absent = biases stay float
//   result: [quantized_relu(2,1), quantized_relu(4,2), quantized_relu(8,4)]   # every Relu / Clip output
//   input:  [quantized_bits(6,2), quantized_bits(8,4)]                         # optional: the model input
//   layers:                                  # optional per-layer overrides (an empty list = left float)
//     predictions: {weight: [quantized_bits(8,0,alpha='auto')], bias: []}
//   blocks: ["stem", "conv1|conv2", "conv3|predictions"]   # optional: block-wise scheduling (regexes)
// Choices are QKeras quantiser texts or hls4ml types (quant/layer_config.hpp) with a QONNX form; each slot's
// choices are ordered by bit width. A candidate picks one choice per slot and becomes an hls4ml-style
// LayerName configuration that `edgeq train --qat` loads.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::search {

/// One searchable variable: a layer's weight, bias or result quantiser (or the model input's).
struct Slot {
  std::string layer;                 ///< node name, or the graph input name for the input slot
  std::string variable;              ///< weight, bias, result
  std::vector<std::string> choices;  ///< quantiser texts, ascending bit width
  std::vector<int> bits;             ///< bit width of each choice
  int block = 0;                     ///< index into SearchSpace::blocks (0 when there are none)
};

struct SearchSpace {
  std::vector<Slot> slots;
  std::vector<std::string> blocks;  ///< regexes, as given (empty = one block)

  /// Number of distinct candidates (saturating at 2^62).
  std::int64_t size() const;
  /// Candidate with every slot at its highest / lowest choice.
  std::vector<int> highest() const;
  std::vector<int> lowest() const;
  /// The hls4ml-style per-layer configuration (YAML text) of a candidate; slots left out (index -1) stay
  /// float.
  std::string to_config_yaml(const std::vector<int>& candidate) const;
  /// "stem.w=int4 stem_relu.r=uint3 ..." for logs and tables.
  std::string describe(const std::vector<int>& candidate) const;
};

/// Parses the YAML search space against a float model (Conv/Gemm/MatMul with constant weights get weight and
/// bias slots, Relu/Clip nodes result slots, the graph input an input slot). Throws Error(BadInput) naming
/// the file and key for: unknown keys, an empty space (no slot with a choice), a choice that is not a
/// quantiser or has no QONNX form (po2, stochastic), bits outside 1..16, a layer name or block regex that
/// matches no layer, or a model that already holds quantisation nodes.
SearchSpace parse_search_space(const std::string& yaml_text, const std::string& origin,
                               const graph::Graph& model);
SearchSpace load_search_space(const std::string& path, const graph::Graph& model);

}  // namespace edgeq::search
