// Graph rewrites that preserve the function computed (up to float rounding).
#pragma once

#include "edgeq/graph/ir.hpp"

namespace edgeq::graph {

/// Folds inference BatchNormalization into the preceding Conv or Gemm (transB = 1, alpha = beta = 1) when the
/// BN is the only reader of its output and all parameters are constants:
///   W'[o] = W[o] * g[o],  b'[o] = (b[o] - mean[o]) * g[o] + beta[o],  g = scale / sqrt(var + eps).
/// Returns the number of BatchNormalization nodes removed. Shapes are re-inferred.
int fold_batchnorm(Graph& graph);

/// Fuses Relu / Clip into the preceding Conv, and Relu into the preceding BatchNormalization (DenseNet's
/// BN-ReLU), when that output has no other reader: the node gets the edgeq-internal attributes
/// edgeq_activation ("Relu" or "Clip") and edgeq_clip_min / edgeq_clip_max, which every kernel of the op
/// applies to its result (oneDNN as a post-op or fused flag). ONNX export writes such a node as node +
/// activation. Returns the number fused.
int fuse_activations(Graph& graph);

/// Fuses a residual Add into the float Conv producing one of its operands (ResNet's shortcut sum), when the
/// two operands have the same shape, the Conv's output has no other reader, the Conv has no fused activation
/// yet and the other operand is computed before the Conv: the Conv gets the other operand as a fourth input
/// and the attribute edgeq_residual = 1, and every Conv kernel adds it before the bias-free activation
/// (y = act(conv(x) + b + residual)). Run before fuse_activations so that Add + Relu fuse too. ONNX export
/// writes such a node as Conv + Add (+ activation). Returns the number fused.
int fuse_residual_add(Graph& graph);

/// Folds a zero constant Pad of the spatial axes of a 4-D tensor into the Conv that is its only reader (Keras
/// exports ZeroPadding2D before strided convolutions): the Conv's explicit pads grow by the Pad's. Returns
/// the number of Pad nodes removed.
int fuse_pad_into_conv(Graph& graph);

/// Folds a zero constant Pad of the spatial axes of a float 4-D tensor into the MaxPool that is its only
/// reader when the MaxPool has no padding of its own (Keras' ZeroPadding2D + MaxPooling2D in ResNet and
/// DenseNet): the MaxPool gets the Pad's pads and the edgeq-internal attribute edgeq_pad_zero = 1, meaning
/// its padded taps are zeros (not ONNX's "padding never wins"); a window reaching into the padding is
/// max(taps, 0). ONNX export writes such a node back as Pad + MaxPool. Returns the number of Pad nodes
/// removed.
int fuse_pad_into_maxpool(Graph& graph);

/// Rewrites every remaining BatchNormalization of a 4-D tensor with constant parameters (one that follows a
/// Concat or an Add, as in DenseNet and ResNet V2) as the equivalent depthwise 1x1 Conv (W[c] = g[c],
/// b[c] = beta[c] - mean[c] g[c]), an op integer runtimes have. Returns the number rewritten.
int batchnorm_to_conv(Graph& graph);

/// Removes initializers no node or output reads.
void remove_unused_initializers(Graph& graph);

}  // namespace edgeq::graph
