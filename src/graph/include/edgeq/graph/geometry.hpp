// Sliding-window geometry shared by shape inference and kernels (Conv, MaxPool, AveragePool).
#pragma once

#include <cstdint>
#include <vector>

#include "edgeq/graph/ir.hpp"

namespace edgeq::graph {

/// Resolved 2-D window parameters of a Conv/Pool node for a given input height and width.
struct Window2d {
  std::int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t out_h = 0, out_w = 0;
};

/// Resolves kernel_shape (or the weight's spatial dims), strides, dilations, pads / auto_pad and ceil_mode.
/// Throws Error(BadInput) naming the node for invalid values or an empty output.
Window2d resolve_window(const Node& node, std::int64_t in_h, std::int64_t in_w, std::int64_t kh,
                        std::int64_t kw);

/// ONNX Resize: the input coordinate of output index `o` along one axis for a coordinate_transformation_mode
/// (half_pixel, pytorch_half_pixel, align_corners, asymmetric), with scale = out_len / in_len or as given.
double resize_source_coord(const std::string& mode, double o, double scale, std::int64_t in_len,
                           std::int64_t out_len);
/// ONNX Resize nearest_mode (round_prefer_floor, round_prefer_ceil, floor, ceil) applied to a source
/// coordinate, clamped to [0, len).
std::int64_t resize_nearest_index(const std::string& nearest_mode, double v, std::int64_t len);

/// Numpy-style broadcast of two shapes; throws Error(BadInput) naming the node if incompatible.
Shape broadcast_shapes(const Node& node, const Shape& a, const Shape& b);

/// Normalises a possibly negative axis for a tensor of the given rank; throws if out of range.
std::int64_t normalize_axis(const Node& node, std::int64_t axis, std::int64_t rank);

}  // namespace edgeq::graph
