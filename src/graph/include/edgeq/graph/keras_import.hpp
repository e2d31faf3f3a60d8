// Keras models (the architecture JSON of `model.to_json()` / the `model_config` of an .h5, with weights read
// by data/keras_weights.hpp) as edgeq graphs, for the hls4ml / QKeras users' models.
//
// Supported layers: InputLayer; Dense, QDense; Conv2D, QConv2D, DepthwiseConv2D, QDepthwiseConv2D
// (channels_last, valid/same padding, strides, dilation, groups); BatchNormalization, QBatchNormalization
// (last axis); Activation, QActivation (quantized_relu), ReLU, LeakyReLU, Softmax; MaxPooling2D,
// AveragePooling2D, GlobalAveragePooling2D, GlobalMaxPooling2D; ZeroPadding2D; Flatten; Add, Subtract,
// Multiply, Concatenate; Dropout and other training-only layers (identity). Sequential and functional models
// (Keras 2 `inbound_nodes`). Layout: Keras images are NHWC; the graph input keeps the Keras shape [N, H, W,
// C] and a Transpose makes the rest NCHW (edgeq's layout); Flatten of an image first transposes back to NHWC
// so Dense weights apply unchanged. Node names are the Keras layer names (a Dense layer's activation:
// "<layer>_<activation>"). QKeras quantisers (kernel_quantizer, bias_quantizer, quantised activations) are
// not applied here: they are recorded as QKeras texts in metadata[kKerasQuantisersKey] = {"<node>":
// {"weight"|"bias"|"result": text}}, the per-layer form quant::insert_fake_quant takes (the CLI applies them
// when it loads a Keras model).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::graph {

inline constexpr const char* kKerasQuantisersKey = "edgeq.keras_quantisers";

using KerasWeights = std::map<std::string, std::vector<std::pair<std::string, core::Tensor>>>;

/// Builds the graph of a Keras model. `origin` names the model in errors. Throws Error(BadInput) naming the
/// layer for unsupported layers or options (channels_first, Dense on images, ...), missing or mis-shaped
/// weights, and JSON that is not a Keras model.
Graph keras_to_graph(const std::string& model_json, const KerasWeights& weights, const std::string& origin);

}  // namespace edgeq::graph
