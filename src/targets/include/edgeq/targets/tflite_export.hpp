// Export of an integer-quantised model (edgeq's QDQ ONNX, int8 or uint8 scheme) as a TensorFlow Lite
// flatbuffer (schema facts in src/targets/tflite_schema.fbs), the input of the Edge TPU compiler and of
// LiteRT. No TensorFlow is needed.
//
// The QDQ graph is lowered to edgeq's integer operators first (quant/lower_qdq.hpp); each becomes the TFLite
// builtin with the same arithmetic (TFLite quantisation specification), so LiteRT's outputs equal edgeq's
// integer reference runtime bit for bit:
//   QConv -> CONV_2D (groups 1; weights OHWI, per-channel scales on axis 0) or DEPTHWISE_CONV_2D (groups =
//   input channels; weights 1HWO, axis 3); QGemm -> FULLY_CONNECTED (weights [out, in]); QAdd -> ADD;
//   QAveragePool -> AVERAGE_POOL_2D; QGlobalAveragePool -> MEAN over H, W (keep_dims); MaxPool ->
//   MAX_POOL_2D; Concat -> CONCATENATION; Flatten / Reshape / Squeeze -> RESHAPE; Pad -> PAD / PADV2;
//   QuantizeLinear -> QUANTIZE; DequantizeLinear -> DEQUANTIZE; a float Softmax on the last axis -> SOFTMAX.
// Layout: activations are NHWC with batch 1 (TFLite models have static shapes); the float input is
// [1, H, W, C] for an NCHW model input [N, C, H, W]. Concat axes are remapped, a Flatten of an H x W > 1
// feature map feeding a FULLY_CONNECTED has the weight columns permuted to the NHWC order. Padding that is
// neither VALID nor TensorFlow's SAME becomes an explicit PAD (with the zero point, or the type's minimum
// for max pooling). Relu / Relu6 clamps become fused activations when the clamp bounds equal TFLite's
// (CalculateActivationRangeQuantized); any other clamp is an error.
// The model's input normalisation (edgeq metadata), if any, is not part of the graph: the description and
// the "edgeq" metadata entry (JSON) record it, as they record the class names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::targets {

struct TfliteExportReport {
  int operators = 0;
  int tensors = 0;
  std::size_t bytes = 0;                  ///< file size
  std::size_t weight_bytes = 0;           ///< constant tensor data (weights, biases, shapes)
  std::vector<std::int64_t> input_shape;  ///< TFLite input shape (NHWC)
  std::vector<std::string> notes;         ///< layout rewrites made (explicit pads, permuted weights)
};

/// The .tflite bytes of a QDQ int8/uint8 model. Throws Error(BadInput) naming the node for: a float model
/// (no QuantizeLinear/DequantizeLinear), a float compute op left after lowering, ops or attributes without a
/// TFLite equivalent (grouped convolutions other than depthwise, Transpose of activations, tensors of rank
/// > 4, clamps that are no fused activation), int16 activations (TFLite 16x8 is not Edge TPU material).
std::vector<std::uint8_t> tflite_flatbuffer(const graph::Graph& qdq, TfliteExportReport* report = nullptr);

/// tflite_flatbuffer written atomically to `path`.
TfliteExportReport export_tflite(const graph::Graph& qdq, const std::filesystem::path& path);

}  // namespace edgeq::targets
