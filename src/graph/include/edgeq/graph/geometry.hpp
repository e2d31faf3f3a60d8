// Sliding-window geometry shared by shape inference and kernels (Conv, MaxPool, AveragePool).
#pragma once

#include <cstdint>
#include <utility>
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

/// The taps of a window along one axis, for a window whose first tap reads input index `start` (negative in
/// the leading padding): taps k in [first, last) read inputs inside [0, len); `counted` taps lie before the
/// end of the trailing padding, len + pad_end (average pooling's count_include_pad divisor; a ceil_mode
/// window may overhang it).
struct AxisTaps {
  std::int64_t first = 0, last = 0, counted = 0;
};

inline AxisTaps axis_taps(std::int64_t start, std::int64_t dilation, std::int64_t taps, std::int64_t len,
                          std::int64_t pad_end) {
  // taps k in [0, taps) with start + k * dilation < limit
  const auto below = [&](std::int64_t limit) {
    const std::int64_t a = limit - start;
    const std::int64_t n = a >= 0 ? (a + dilation - 1) / dilation : -(-a / dilation);
    return n < 0 ? std::int64_t{0} : (n > taps ? taps : n);
  };
  return {below(0), below(len), below(len + pad_end)};
}

/// In-bounds taps of the window of output (oy, ox) on an in_h x in_w plane: `fn(iy, ix, ky, kx)` (input and
/// kernel coordinates), rows outer. Returns the taps axis_taps counts (the count_include_pad divisor).
template <typename Fn>
std::int64_t for_each_kernel_tap(const Window2d& w, std::int64_t in_h, std::int64_t in_w, std::int64_t oy,
                                 std::int64_t ox, Fn&& fn) {
  const std::int64_t y0 = oy * w.sh - w.pad_top, x0 = ox * w.sw - w.pad_left;
  const AxisTaps ty = axis_taps(y0, w.dh, w.kh, in_h, w.pad_bottom);
  const AxisTaps tx = axis_taps(x0, w.dw, w.kw, in_w, w.pad_right);
  for (std::int64_t ky = ty.first; ky < ty.last; ++ky)
    for (std::int64_t kx = tx.first; kx < tx.last; ++kx) fn(y0 + ky * w.dh, x0 + kx * w.dw, ky, kx);
  return ty.counted * tx.counted;
}

/// Taps of one pooling window: `fn(iy, ix)` for every in-bounds input position of output (oy, ox) of an
/// in_h x in_w plane. Returns the window size clipped to the padded input (a ceil_mode window may overhang
/// it), the divisor of average pooling with count_include_pad; the in-bounds count is the number of calls.
template <typename Fn>
std::int64_t for_each_window_tap(const Window2d& w, std::int64_t in_h, std::int64_t in_w, std::int64_t oy,
                                 std::int64_t ox, Fn&& fn) {
  return for_each_kernel_tap(w, in_h, in_w, oy, ox, [&](auto iy, auto ix, auto, auto) { fn(iy, ix); });
}

/// ONNX Resize: the input coordinate of output index `o` along one axis for a coordinate_transformation_mode
/// (half_pixel, pytorch_half_pixel, align_corners, asymmetric), with scale = out_len / in_len or as given.
double resize_source_coord(const std::string& mode, double o, double scale, std::int64_t in_len,
                           std::int64_t out_len);
/// ONNX Resize nearest_mode (round_prefer_floor, round_prefer_ceil, floor, ceil) applied to a source
/// coordinate, clamped to [0, len).
std::int64_t resize_nearest_index(const std::string& nearest_mode, double v, std::int64_t len);

/// TensorFlow "SAME" padding along one axis for an input of `in`, a window spanning `k_eff` inputs (dilation
/// included) and `stride`: (before, after), the odd pixel after. The output has ceil(in / stride) positions.
std::pair<std::int64_t, std::int64_t> same_padding(std::int64_t in, std::int64_t k_eff, std::int64_t stride);

/// Numpy-style broadcast of two shapes; throws Error(BadInput) naming the node if incompatible.
Shape broadcast_shapes(const Node& node, const Shape& a, const Shape& b);

/// Normalises a possibly negative axis for a tensor of the given rank; throws if out of range.
std::int64_t normalize_axis(const Node& node, std::int64_t axis, std::int64_t rank);

}  // namespace edgeq::graph
